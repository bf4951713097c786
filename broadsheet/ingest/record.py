"""What ingest has taken in: each raw file's bytes (hashed) and what became of its articles,
kept in state_dir so that the next ingest skips the files it already took, without reading
or cleaning them again. Losing the record costs time, never correctness: it only names files
whose articles are all still in content/ (checked on every run, against the ids there), so
a file skipped thanks to it is one today's rules would skip as "already ingested" anyway.

Corpus evidence. clean_corpus() learns each source's recurring lines from all the articles
read together; a file skipped here is not read, so it no longer counts. When there is new
work, the files of the sources the new articles may belong to are read and cleaned again
beside them (as evidence only; they are not ingested again): the sources the new articles
name, the sources whose furniture lines an unnamed article shares (the candidates
attribute_sources() chooses from, kept here as `furniture`), and the articles of no known
source. Within a source, what the new articles learn is then what a full run would teach
them. Two cases stay approximate, both rare: an already-ingested article that a new one
would move to another source, and a story whose copies are chained across sources.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.fsutil import atomic_write
from broadsheet.ingest.boilerplate import line_key
from broadsheet.ingest.lexicon import norm
from broadsheet.publish.state import code_fingerprint, stamp

RECORD_FILE = "ingest.json"
VERSION = 1  # bump when the layout below changes: a record of another version is rebuilt
NOTHING_LEFT = "nothing left after cleaning: no article text found"


@dataclass(frozen=True)
class Taken:
    """One article of a raw file, as ingest left it."""
    origin: str
    id: str
    keeper: str | None  # the id that holds its story in content/ (its own, or the copy
    # kept when it was merged as a duplicate); None: nothing was left after cleaning
    source: str | None  # the source clean_corpus gave it: the evidence it shares


@dataclass
class Entry:
    stamp: tuple[int, int, int]  # size, mtime_ns, ctime_ns: equal, the bytes are not read
    digest: str
    articles: tuple[Taken, ...]
    warnings: tuple[tuple[str, int | None], ...] = ()  # said on reading: said again


@dataclass
class Record:
    files: dict[str, Entry] = field(default_factory=dict)  # absolute path -> Entry
    furniture: dict[str, set[str]] = field(default_factory=dict)  # line key hash -> sources


def _key(path: Path) -> str:
    return os.path.abspath(path)  # not resolved: two links to one file are two inputs


def file_digest(path: Path) -> str:
    """Of the file's bytes, read a piece at a time (a JSON Lines corpus may be gigabytes)."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def key_hash(text: str) -> str:
    return hashlib.blake2b(line_key(text).encode("utf-8", "surrogatepass"),
                           digest_size=8).hexdigest()


# --- the file in state_dir --------------------------------------------------------------------

def load(state_dir: Path, max_bytes: int) -> Record:
    """The record, or an empty one (none yet, another version or code, another size limit,
    unreadable): ingest then reads everything, as it did before there was a record."""
    try:
        data = json.loads((state_dir / RECORD_FILE).read_text(encoding="utf-8"))
        if (data["version"], data["code"], data["max_bytes"]) != (VERSION, code_fingerprint(),
                                                                   max_bytes):
            return Record()
        files = {path: Entry(tuple(e["stamp"]), e["digest"],
                             tuple(Taken(*a) for a in e["articles"]),
                             tuple((m, ln) for m, ln in e["warnings"]))
                 for path, e in data["files"].items()}
        return Record(files, {k: set(v) for k, v in data["furniture"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Record()


def save(state_dir: Path, record: Record, max_bytes: int) -> None:
    """Sorted keys and lists, no time of day: the same ingest writes the same bytes."""
    files = {path: {"stamp": list(e.stamp), "digest": e.digest,
                    "articles": [[a.origin, a.id, a.keeper, a.source] for a in e.articles],
                    "warnings": [list(w) for w in e.warnings]}
             for path, e in record.files.items()}
    data = {"version": VERSION, "code": code_fingerprint(), "max_bytes": max_bytes,
            "files": files, "furniture": {k: sorted(v) for k, v in record.furniture.items()}}
    atomic_write(state_dir / RECORD_FILE,
                 json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


# --- which files need no work -----------------------------------------------------------------

def stamp_of(st: os.stat_result) -> tuple[int, int, int]:
    size, (mtime, ctime) = stamp(st)
    return size, mtime, ctime


def unchanged(entry: Entry, path: Path) -> Entry | None:
    """The entry if the file still holds the bytes it was taken from (re-stamped when only
    its stat moved: a git checkout, a copy to a CI runner), else None."""
    try:
        st = path.stat()
        now = stamp_of(st)
        if now == entry.stamp:
            return entry
        if st.st_size != entry.stamp[0] or file_digest(path) != entry.digest:
            return None
    except OSError:
        return None  # read as a new file: its error is reported as today
    return Entry(now, entry.digest, entry.articles, entry.warnings)


def settled(entry: Entry, ids: set[str]) -> bool:
    """Every article of the file is in content/ (itself, or the copy of its story that was
    kept) or had nothing left after cleaning: today's rules would skip it all again. One
    whose content file was deleted is taken again, as without the record."""
    return all(a.keeper is None or a.keeper in ids for a in entry.articles)


def recall(record: Record, files: list[Path], ids: set[str]
           ) -> tuple[dict[Path, Entry], list[Path]]:
    """The files ingest can skip (with their entries), and those it must read."""
    known: dict[Path, Entry] = {}
    todo: list[Path] = []
    for path in files:
        entry = record.files.get(_key(path))
        entry = entry and unchanged(entry, path)
        if entry and settled(entry, ids):
            known[path] = entry
        else:
            todo.append(path)
    return known, todo


# --- evidence for the new files ---------------------------------------------------------------

def furniture_keys(furniture: list[tuple[str, str]]) -> set[str]:
    """The furniture lines attribute_sources() compares (four words or more), hashed."""
    return {key_hash(text) for _, text in furniture if len(text.split()) >= 4}


def wanted_sources(named: list[tuple[str | None, int]], keys: list[set[str]],
                   record: Record) -> set[str | None]:
    """The sources (norm()ed) whose articles are evidence for these new ones: those they
    name, those whose furniture an article weakly named (or unnamed) shares, and None, the
    articles of no known source, which a new article may give a source to."""
    wanted: set[str | None] = {None}
    for (name, strength), article_keys in zip(named, keys):
        if name:
            wanted.add(norm(name))
        if strength < 2:  # attribute_sources() may give it another source
            for key in article_keys:
                wanted.update(norm(s) for s in record.furniture.get(key, ()))
    return wanted


def companions(known: dict[Path, Entry], wanted: set[str | None]) -> list[Path]:
    return [path for path, entry in known.items()
            if any((norm(a.source) if a.source else None) in wanted for a in entry.articles)]


def remember(record: Record, path: Path, entry: Entry) -> None:
    record.files[_key(path)] = entry


def forget(record: Record, path: Path) -> None:
    record.files.pop(_key(path), None)


def learn_furniture(record: Record, names: set[str | None], keys: set[str]) -> None:
    """An article showing these furniture lines is of these sources (None: no source)."""
    names = {n for n in names if n}
    for key in keys if names else ():
        record.furniture.setdefault(key, set()).update(names)


def forget_missing(record: Record) -> None:
    """Raw files deleted since: their entries go (their furniture stays, harmless)."""
    for path in [p for p in record.files if not os.path.lexists(p)]:
        del record.files[path]
