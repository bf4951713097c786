"""Every error broadsheet reports to a user.

    BroadsheetError              anything the CLI prints as one line and turns into exit 1
     ├── ConfigError             site.yaml: unknown key, bad value, unreadable file
     ├── InputError              a raw article that cannot be ingested (empty, binary, not UTF-8...)
     ├── InputWarning            never raised: a raw article taken with a remark (decoded from a
     │                           legacy encoding), printed as a `warning:` line, exit code 0
     ├── ContentError            a content/*.md file: bad front matter, wrong type, duplicate slug
     ├── BuildError              rendering or publishing failed (template error, unwritable folder)
     └── SearchError             no index, unreadable index, malformed query

Each carries the path (and line, when there is one) so that its one-line form reads
``path:line: message`` like a compiler's, which editors and CI logs can link to.
"""

from __future__ import annotations

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


class InputError(BroadsheetError):
    pass


class InputWarning(BroadsheetError):
    pass


class ContentError(BroadsheetError):
    pass


class BuildError(BroadsheetError):
    pass


class SearchError(BroadsheetError):
    pass
