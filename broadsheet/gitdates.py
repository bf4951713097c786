"""When each content file last changed, from git: one `git log` for the whole folder.

A corpus kept in git has its history for free; the `updated` date of an article is the
date of the last commit that touched its file. Without git, outside a repository, or
in a shallow clone (whose oldest commit would claim every file it holds) there are no dates,
and the site simply shows none.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from broadsheet.errors import BroadsheetError


class GitDatesWarning(BroadsheetError):
    """Dates could not come from git: said once, the build goes on without them."""


def _git(folder: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              timeout=300, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None


def head(folder: Path) -> str:
    """The commit checked out (the dates change only when it does); "" outside git."""
    out = _git(folder, "rev-parse", "HEAD")
    return out.strip() if out else ""


def parse_log(output: str) -> dict[str, dt.datetime]:
    """`git log -z --format=%x01%cI --name-only` -> file -> the date of its newest commit
    (the log lists newest first, so a file's first appearance is its last change)."""
    dates: dict[str, dt.datetime] = {}
    when = None
    for token in output.split("\0"):
        if token.startswith("\n"):
            token = token[1:]
        if token.startswith("\x01"):
            when = dt.datetime.fromisoformat(token[1:])
        elif token and when is not None:
            dates.setdefault(token, when)
    return dates


def file_dates(folder: Path) -> tuple[dict[str, dt.datetime], GitDatesWarning | None]:
    """(file name relative to folder -> last change, a warning when dates were expected but
    cannot be trusted). Not a git repository: no dates, no warning."""
    if not folder.is_dir():
        return {}, None
    shallow = _git(folder, "rev-parse", "--is-shallow-repository")
    if shallow is None:
        return {}, None
    if shallow.strip() == "true":
        return {}, GitDatesWarning(
            "a shallow git clone: no `updated` dates (fetch the whole history, e.g. "
            "`fetch-depth: 0` in GitHub Actions)", folder)
    out = _git(folder, "log", "-z", "--format=%x01%cI", "--name-only", "--no-renames",
               "--relative", "--", ".")
    if out is None:
        return {}, GitDatesWarning("`git log` failed: no `updated` dates", folder)
    return parse_log(out), None
