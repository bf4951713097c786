"""When each content file last changed, from git: one `git log` for the whole folder.

A corpus kept in git has its history for free; the `updated` date of an article is the
date of the last commit that touched its file. Without git, outside a repository, or
in a shallow clone (whose oldest commit would claim every file it holds) there are no dates,
and the site simply shows none.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from broadsheet.errors import GitDatesWarning
from broadsheet.fsutil import atomic_write


def _git(folder: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                              timeout=300, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.decode("utf-8", "surrogateescape") if proc.returncode == 0 else None


def head(folder: Path) -> str:
    """The commit checked out, and whether the clone is shallow (the dates change only when
    one of them does: `git fetch --unshallow` brings them, HEAD unmoved); "" outside git or
    before the first commit."""
    out = _git(folder, "rev-parse", "--is-shallow-repository", "HEAD")
    if not out:
        return ""
    shallow, _, commit = out.strip().partition("\n")
    return f"{commit.strip()} shallow" if shallow.strip() == "true" else commit.strip()


def moves(folder: Path) -> tuple[Path, ...]:
    """The files of the repository holding folder that change when a commit is made or
    checked out (HEAD, its reflog, the packed refs): what `serve --watch` watches for the
    dates. () outside git."""
    out = _git(folder, "rev-parse", "--absolute-git-dir")
    if not out or not out.strip():
        return ()
    git_dir = Path(out.strip()).resolve()
    return (git_dir / "HEAD", git_dir / "packed-refs", git_dir / "logs" / "HEAD")


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


def file_dates(folder: Path, cache: Path | None = None
               ) -> tuple[dict[str, dt.datetime], GitDatesWarning | None]:
    """(file name relative to folder -> last change, a warning when dates were expected but
    cannot be trusted). Not a git repository: no dates, no warning. With `cache` (a file in
    the build state), the dates of the commit checked out are kept there: `git log` walks
    the whole history, once per commit rather than once per build."""
    current = head(folder) if cache is not None else ""
    if current:
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
            if stored.get("head") == current:
                return {k: dt.datetime.fromisoformat(v) for k, v in stored["dates"].items()}, None
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            pass
    dates, warning = _file_dates(folder)
    if current and warning is None:
        atomic_write(cache, json.dumps({"head": current, "dates": {
            k: v.isoformat() for k, v in sorted(dates.items())}}, ensure_ascii=False))
    return dates, warning


def _file_dates(folder: Path) -> tuple[dict[str, dt.datetime], GitDatesWarning | None]:
    if not folder.is_dir():
        return {}, None
    current = head(folder)
    if not current:  # not in git, or no commit yet: nothing to date, nothing to say
        return {}, None
    if current.endswith(" shallow"):
        return {}, GitDatesWarning(
            "a shallow git clone: no `updated` dates (fetch the whole history, e.g. "
            "`fetch-depth: 0` in GitHub Actions)", folder)
    out = _git(folder, "log", "-z", "--format=%x01%cI", "--name-only", "--no-renames",
               "--relative", "--", ".")
    if out is None:
        return {}, GitDatesWarning("`git log` failed: no `updated` dates", folder)
    return parse_log(out), None
