"""Reading raw input: files and folders of plain-text articles, headline on the first line.

All checks that make a file unusable live here, each raising InputError with one line
that names the file and says what is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from broadsheet.errors import InputError
from broadsheet.model import RawArticle

MAX_BYTES = 10 * 1024 * 1024  # a scraped article is kilobytes; anything this big is not one


def find_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[InputError]]:
    """The .txt files under the given folders and the files given by name, sorted."""
    files: set[Path] = set()
    errors: list[InputError] = []
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            for p in path.rglob("*.txt"):
                if p.is_symlink() and not p.resolve().is_relative_to(root):
                    errors.append(InputError("symlink to a file outside the input folder, "
                                             "not followed", p))
                elif p.is_file():
                    files.add(p)
                elif p.is_dir():
                    errors.append(InputError("is a folder, not an article file", p))
        elif path.is_file():
            files.add(path)
        elif path.exists():
            errors.append(InputError("not a regular file", path))
        else:
            errors.append(InputError("no such file or folder", path))
    return sorted(files), errors


def read_raw(path: Path, max_bytes: int = MAX_BYTES) -> RawArticle:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"too large ({size} bytes; the limit is {max_bytes})", path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    return parse_raw(data, path)


def parse_raw(data: bytes, path: Path) -> RawArticle:
    if b"\x00" in data:
        raise InputError("binary file (contains NUL bytes), not an article", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", path, line) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise InputError("empty file", path)
    if len(lines) == 1:
        raise InputError("only a headline, no article text", path)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return RawArticle(origin=path.name, text=text, id=digest)
