"""Every problem broadsheet reports to a user, and the one way stages report them.

    BroadsheetError              anything the CLI prints as one line and turns into exit 1
     ├── ConfigError             site.yaml: unknown key, bad value, unreadable file
     ├── InputError              a raw article that cannot be ingested (empty, binary, not UTF-8...)
     ├── InputWarning            never raised: a raw article taken with a remark (decoded from a
     │                           legacy encoding), printed as a `warning:` line, exit code 0
     ├── ContentError            a content/*.md file: bad front matter, wrong type, duplicate slug
     ├── GitDatesWarning         never raised: no `updated` dates from git (said, build goes on)
     ├── BuildError              rendering or publishing failed (template error, unwritable folder)
     ├── LockedError             another broadsheet holds the project (a build, a watcher)
     ├── CheckProblem            what `broadsheet check` found in content/, site/ or the index
     └── SearchError             no index, unreadable index
          └── QueryError         a query the reader must rewrite (too long, too deep a page)

Each carries the path (and line, when there is one) so that its one-line form reads
``path:line: message`` like a compiler's, which editors and CI logs can link to.

Stages do not print, and do not pass problems back as extra return values: each is given a
Diagnostics and adds to it (errors: a file left out, exit code 1; warnings: said, exit code
0). The CLI shows it in one place (cli.show); a test reads its lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class BroadsheetError(Exception):
    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __reduce__(self):  # raised in a worker process, re-raised whole in the parent
        return type(self), (self.message, self.path, self.line)

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


class ConfigError(BroadsheetError):
    """`others`: the file's other problems, each its own line: site.yaml is fixed in one pass."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None,
                 others: tuple[BroadsheetError, ...] = ()):
        super().__init__(message, path, line)
        self.others = tuple(others)


@dataclass
class Diagnostics:
    """The problems of one run, in the order found (Lektor's reporter, kept as a buffer: the
    CLI prints it when the stage returns; a test asserts on it)."""

    errors: list[BroadsheetError] = field(default_factory=list)  # each: a file left out
    warnings: list[BroadsheetError] = field(default_factory=list)  # said, exit code 0

    def error(self, problem: BroadsheetError) -> None:
        self.errors.append(problem)

    def warn(self, problem: BroadsheetError) -> None:
        self.warnings.append(problem)

    def extend(self, other: Diagnostics) -> None:
        self.errors += other.errors
        self.warnings += other.warnings

    def stop_at_first_error(self) -> None:
        """--strict: the first error stops the run, before anything is written."""
        if self.errors:
            raise self.errors[0]


class InputError(BroadsheetError):
    pass


class InputWarning(BroadsheetError):
    pass


class ContentError(BroadsheetError):
    pass


class GitDatesWarning(BroadsheetError):
    """Dates could not come from git: said once, the build goes on without them."""


class BuildError(BroadsheetError):
    pass


class LockedError(BroadsheetError):
    """Another process holds the project: the message names it (pid, verb, since when)."""


class CheckProblem(BroadsheetError):
    """Something `broadsheet check` found: in content/, in site/ or in the index."""


class SearchError(BroadsheetError):
    pass


class QueryError(SearchError):
    """A query that cannot be answered as written (too long, too many words, too deep a
    page, unreadable): the reader's to fix, where other SearchErrors are the index's."""
