"""The static index's cache: what the export is made from, in a SQLite file in the index
folder, written by write_index from the documents Whoosh gets: per document what it
contributes (terms with their frequencies, field lengths, filters, words, the result-list
record), counts per posting key and per word, and what changed since the last export. Its
key (static_key) names the export made from it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from broadsheet.publish.search.analysis import _stemmer, fingerprint
from broadsheet.publish.search.documents import Document, Entry
from broadsheet.publish.search.static_format import (
    STATIC_VERSION, _contributions, _dump_bytes, _dumps, _record, _record_names, _term_keys)


STATIC_CACHE = "broadsheet-static.sqlite"


_CACHE_TABLES = """
CREATE TABLE IF NOT EXISTS info(name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs(id TEXT PRIMARY KEY, hash TEXT, record BLOB, digest TEXT,
    grp TEXT, lens TEXT, npost INTEGER, key INTEGER);
CREATE TABLE IF NOT EXISTS dirty(kind TEXT, item TEXT, PRIMARY KEY(kind, item)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vocab(word TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS keys(key TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stems(key TEXT, word TEXT, PRIMARY KEY(key, word)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS names(name TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS docs_small ON docs(id, hash, digest, grp, lens, npost, key);
"""
# docs_small: what the scans over every document read (the export's key, its layout, its
# meta), without the pages of the records beside them, 150 MB at 50,000 documents.
# docs.record and docs.hash NULL: deleted since the last export (the row keeps the key it
# was published under); docs.key: the document key in the last export (NULL: not exported
# yet).
# dirty: posting keys ('k'), words ('w') and ids ('id') changed since the last export, and
# the keys an edited document stays on unchanged ('o', needed only if its key moves).
# keys: how many documents are on each "group:term" posting key (filters and pairs are not
# counted: nothing asks).
# names: "kind NUL folded name NUL key" for the tag and source names whose key the search page
# cannot make itself (see _record_names), with how many documents have them.
# stems: (group:term, word) for the words of the vocabulary whose term differs from the word,
# so that a term appearing or vanishing finds the words whose surface entry names it.


CACHE_FORMAT = 3  # bump when the cache's tables or marks change: a cache of another is reset
# 2: 'o' marks (an edited document's unchanged lists); 3: names. (A cache that counted the
# "=" keys in keys too, as before, is read right: only "group:term" keys are asked for.)


def _cache_version() -> str:
    return json.dumps({"static": STATIC_VERSION, "cache": CACHE_FORMAT, **fingerprint()},
                      sort_keys=True)


def _cache_current(path: Path) -> bool:
    """Whether the static cache at path was made with this version and analysis (one that
    was not would be reset anyway: a rebuild does not copy it, and takes the fast path)."""
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM info WHERE name='version'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == _cache_version()


def _open_cache(index_dir: Path, reset: bool = False) -> sqlite3.Connection:
    path = index_dir / STATIC_CACHE
    if reset:
        path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_CACHE_TABLES)
        row = db.execute("SELECT value FROM info WHERE name='version'").fetchone()
        if row is None or row[0] != _cache_version():
            if row is not None:
                db.close()
                path.unlink()
                db = sqlite3.connect(path)
                db.executescript(_CACHE_TABLES)
            db.execute("INSERT OR REPLACE INTO info VALUES ('version', ?)", (_cache_version(),))
            db.commit()
    except sqlite3.DatabaseError:  # a damaged cache is made again
        db.close()
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        db.executescript(_CACHE_TABLES)
        db.execute("INSERT OR REPLACE INTO info VALUES ('version', ?)", (_cache_version(),))
        db.commit()
    return db


def _info(db, name: str, default=None):
    row = db.execute("SELECT value FROM info WHERE name=?", (name,)).fetchone()
    return json.loads(row[0]) if row else default


def _set_info(db, name: str, value) -> None:
    db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (name, json.dumps(value)))


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i: i + size]


def _select_in(db, sql: str, items: Iterable) -> list:
    out = []
    for chunk in _chunks(list(items)):
        out += db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
    return out


def _load_record(blob: bytes) -> dict:
    return orjson.loads(zlib.decompress(blob))


def update_static_cache(index_dir: Path, entries: list[Entry],
                        document: Callable[[Entry], Document], *, reset: bool = False) -> None:
    """Bring the static cache in line with the entries (by their hashes, like the index)."""
    db = _open_cache(index_dir, reset=reset)
    try:
        _update_static_cache(db, entries, lambda e: _record(document(e)))
        db.commit()
    finally:
        db.close()


def _update_static_cache(db, entries: list[Entry], record_of: Callable[[Entry], dict]) -> None:
    old = dict(db.execute("SELECT id, hash FROM docs WHERE hash IS NOT NULL"))
    live = {e.id for e in entries}
    changed = [e for e in entries if old.get(e.id) != e.hash]
    gone = sorted(set(old) - live)
    if not changed and not gone:
        return
    tracking = _info(db, "exported") is not None
    olds = {i: _load_record(b) for i, b in _select_in(
        db, "SELECT id, record FROM docs WHERE record IS NOT NULL AND id IN ({})",
        [e.id for e in changed if e.id in old] + gone)} if old else {}
    tally = _Tally(tracking)
    _write_records(db, changed, olds, record_of, tally)
    for i in gone:
        tally.count(olds[i], -1)
    tally.settle()
    # a gone document keeps its row (and the key it was published under) until the export
    db.executemany("UPDATE docs SET record=NULL, hash=NULL, digest=NULL WHERE id=?",
                   [(i,) for i in gone])
    db.execute("DELETE FROM docs WHERE hash IS NULL AND key IS NULL")
    arrived = _apply_deltas(db, tally, bool(old))
    _stem_arrived(db, arrived)
    if tracking:
        db.executemany("INSERT OR IGNORE INTO dirty VALUES (?, ?)",
                       [("k", k) for k in sorted(tally.dirty_k)]
                       + [("w", w) for w in sorted(tally.dirty_w)]
                       + [("o", k) for k in sorted(tally.dirty_o - tally.dirty_k)]
                       + [("id", e.id) for e in changed] + [("id", i) for i in gone])


class _Tally:
    """What the changed documents do to the counts of posting keys, words and names (each a
    delta by item), and, once the cache is tracking an export, the marks of what changed."""

    def __init__(self, tracking: bool):
        self.tracking = tracking
        self.key_delta: dict[str, int] = {}
        self.word_delta: dict[str, int] = {}
        self.name_delta: dict[str, int] = {}
        self.dirty_k: set[str] = set()
        self.dirty_w: set[str] = set()
        self.dirty_o: set[str] = set()  # lists a changed document stays on, with the same entry
        self.key_counts: Counter = Counter()
        self.word_counts: Counter = Counter()

    def count(self, rec: dict, sign: int, mark: bool = True) -> None:
        """Only the "group:term" keys are counted (the surface map asks whether a term is
        indexed): the filters' and pairs' keys, 96 % of the distinct keys at 10k, are never
        asked for, and counting them cost a cold build 10 s."""
        keys, words = _term_keys(rec), rec["w"]
        name_delta, key_delta, word_delta = self.name_delta, self.key_delta, self.word_delta
        for n in _record_names(rec):
            name_delta[n] = name_delta.get(n, 0) + sign
        if sign > 0 and not self.tracking:  # a first build: counted in C
            self.key_counts.update(keys)
            self.word_counts.update(words)
            return
        for k in keys:
            key_delta[k] = key_delta.get(k, 0) + sign
        for w in words:
            word_delta[w] = word_delta.get(w, 0) + sign
        if self.tracking and mark:
            self.dirty_k.update(keys)
            self.dirty_k.update(rec["x"])
            self.dirty_w.update(words)

    def edited(self, old: dict, new: dict) -> None:
        """An edit changes few of a document's posting entries (a term's count, a field's
        length class) and few of its words: only the lists and surface entries that differ
        are marked, so the export does not re-splice the hundreds of lists the document is
        on, each as long as the corpus's use of a common word. A document whose key moves
        needs them all: they are kept as 'o', used only then."""
        self.count(old, -1, mark=False)
        self.count(new, +1, mark=False)
        before, after = set(_contributions(old)), set(_contributions(new))
        self.dirty_k.update(k for k, _, _ in before ^ after)
        self.dirty_o.update(k for k, _, _ in before & after)
        self.dirty_w.update(set(old["w"]) ^ set(new["w"]))

    def settle(self) -> None:
        """The first build's counts (made in C) added to the deltas."""
        key_delta, word_delta = self.key_delta, self.word_delta
        for k, n in self.key_counts.items():
            key_delta[k] = key_delta.get(k, 0) + n
        for w, n in self.word_counts.items():
            word_delta[w] = word_delta.get(w, 0) + n


_INSERT_DOC = (
    "INSERT INTO docs(id, hash, record, digest, grp, lens, npost) VALUES (?,?,?,?,?,?,?) "
    "ON CONFLICT(id) DO UPDATE SET hash=excluded.hash, record=excluded.record, "
    "digest=excluded.digest, grp=excluded.grp, lens=excluded.lens, npost=excluded.npost")


def _write_records(db, changed: list[Entry], olds: dict, record_of: Callable[[Entry], dict],
                   tally: _Tally) -> None:
    """The changed documents' rows written (records made one at a time), and counted."""
    rows = []
    for e in changed:
        rec = record_of(e)
        text = _dump_bytes(rec)
        if e.id in olds and tally.tracking:
            tally.edited(olds[e.id], rec)
        else:
            if e.id in olds:
                tally.count(olds[e.id], -1)
            tally.count(rec, +1)
        lens = {f: n for f, (n, _) in rec["f"].items()}
        rows.append((e.id, e.hash, zlib.compress(text, 1), hashlib.sha1(text).hexdigest(),
                     rec["g"], _dumps(lens), sum(len(c) for _, c in rec["f"].values())
                     + len(rec["x"])))
        if len(rows) >= 256:  # streamed: the records of a whole corpus are never held
            db.executemany(_INSERT_DOC, rows)
            rows.clear()
    db.executemany(_INSERT_DOC, rows)


def _apply_deltas(db, tally: _Tally, had_docs: bool) -> list[str]:
    """The counts of posting keys, words and names moved by the tally's deltas (an item at
    zero is deleted); the words new to the vocabulary, sorted."""
    for table, column, delta in (("keys", "key", tally.key_delta),
                                 ("vocab", "word", tally.word_delta),
                                 ("names", "name", tally.name_delta)):
        now = dict(_select_in(db, f"SELECT {column}, n FROM {table} WHERE {column} IN ({{}})",
                              delta)) if had_docs else {}
        after = {k: now.get(k, 0) + d for k, d in delta.items() if d}
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",
                       [(k, n) for k, n in after.items() if n > 0])
        db.executemany(f"DELETE FROM {table} WHERE {column}=?",
                       [(k,) for k, n in after.items() if n <= 0])
        if table == "vocab":
            arrived = sorted(w for w, n in after.items() if n > 0 and not now.get(w))
    return arrived


def _stem_arrived(db, arrived: list[str]) -> None:
    """The stems table kept whole: the words new to the vocabulary stemmed in every group
    already stemmed, and the whole vocabulary in a group new to the corpus."""
    groups = {g for (g,) in db.execute("SELECT DISTINCT grp FROM docs WHERE hash IS NOT NULL")}
    stemmed = set(_info(db, "stemmed", []))
    missing = sorted(g for g in groups - stemmed if g != "any")
    if missing:  # a language new to the corpus: stem the whole vocabulary in it
        everything = [w for (w,) in db.execute("SELECT word FROM vocab")]
        _add_stems(db, everything, missing)
    _add_stems(db, arrived, sorted(stemmed))
    _set_info(db, "stemmed", sorted(stemmed | set(missing)))


def _add_stems(db, words: list[str], groups: list[str]) -> None:
    rows = []
    for g in groups:
        stem = _stemmer(g)
        for w in words:
            t = stem(w)
            if t != w:
                rows.append((f"{g}:{t}", w))
    db.executemany("INSERT OR IGNORE INTO stems VALUES (?, ?)", rows)


def _static_key(db) -> str:
    h = hashlib.sha256(_cache_version().encode("utf-8"))
    for i, digest in db.execute("SELECT id, digest FROM docs WHERE hash IS NOT NULL ORDER BY id"):
        h.update(f"{i}\0{digest}\n".encode("utf-8"))
    return h.hexdigest()


def static_key(index_dir: Path) -> str:
    """What the static index is made from (the documents' records, the analysis, the format).
    Equal keys, equal files: a build can then keep the ones it wrote last time."""
    if not (index_dir / STATIC_CACHE).is_file():
        return ""
    db = _open_cache(index_dir)
    try:
        return _static_key(db)
    finally:
        db.close()
