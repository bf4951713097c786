"""The static index's export: its files made from the cache, in full or as the changes to
the folder last published (export_static, static_files)."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from broadsheet.errors import SearchError
from broadsheet.fsutil import atomic_file
from broadsheet.publish.search.analysis import common_words
from broadsheet.publish.search.documents import _exists, schema
from broadsheet.publish.search.static_cache import (
    _info, _load_record, _open_cache, _select_in, _set_info, _static_key)
from broadsheet.publish.search.static_format import (
    BM25_B, BM25_K1, DOCS_PER_SHARD, SHARD_BYTES, STATIC_DIR, STATIC_VERSION, _b36,
    _contributions, _doc_keys, _group_fields, _meta_script, _parse_script, _patch_list,
    _record_keys, _script, _slots, _term_in, fnv1a)
from broadsheet.publish.search.static_postings import big_name, is_big, write_postings


@dataclass
class StaticExport:
    """What to change under site/ to hold the static index: `files` to write (paths relative
    to site/, e.g. "search/p/3.js"), `removed` to delete. Applied to the folder the export
    was asked about, they give exactly the files of a full export. `full` when the folder
    could not be trusted (missing, from another build, another layout) and was redone."""
    files: dict[str, bytes]
    removed: set[str]
    full: bool
    key: str = ""


class _Stale(Exception):
    """The published folder is not the export the cache last made: export in full."""


def _pow2(x: float) -> int:
    n = 1
    while n < x:
        n *= 2
    return n


def _layout(db) -> dict:
    n, posts = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(npost), 0) FROM docs WHERE hash IS NOT NULL").fetchone()
    words = db.execute("SELECT COUNT(*) FROM vocab").fetchone()[0]
    groups = sorted({"tagtext"} | {g for (g,) in db.execute(
        "SELECT DISTINCT grp FROM docs WHERE hash IS NOT NULL")})
    # the shard counts and the key space change only when the corpus doubles or halves
    return {"keybits": max(8, n.bit_length() + 6), "d": _pow2(n / DOCS_PER_SHARD),
            "p": _pow2(posts * 8 / SHARD_BYTES), "s": _pow2(words * 24 / SHARD_BYTES),
            "groups": groups}


def _meta(db, layout: dict, big: dict[str, str], key: str) -> dict:
    n = db.execute("SELECT COUNT(*) FROM docs WHERE hash IS NOT NULL").fetchone()[0]
    # summed in SQLite (its JSON functions): at 50,000 documents, a tenth of a second a build
    sums: dict[str, int] = dict(db.execute(
        "SELECT j.key, SUM(j.value) FROM docs, json_each(docs.lens) AS j "
        "WHERE docs.hash IS NOT NULL GROUP BY j.key"))
    sch = schema()
    groups = {g: [[f, sch[f].format.field_boost, (sums.get(f, 0) / (n or 1)) or 1]
                  for f in _group_fields(g)] for g in layout["groups"]}
    names: dict[str, dict[str, str]] = {}
    for (name,) in db.execute("SELECT name FROM names ORDER BY name"):
        kind, folded, slug = name.split("\0")
        names.setdefault(kind, {})[folded] = slug
    # key: the page asks for every other file as "?v=key", so that no browser cache (a
    # static host's heuristic one) mixes this export's files with an earlier one's
    return {"version": STATIC_VERSION, "key": key, "docs": n, "docsPerShard": DOCS_PER_SHARD,
            "shards": {k: layout[k] for k in ("p", "s", "d")}, "big": big, "groups": groups,
            "bm25": [BM25_B, BM25_K1], "names": names,
            # the common words: which of a phrase's pairs of words _pairs() recorded
            "common": sorted(common_words())}


def _table(put: Callable[[str, bytes], None], kind: str, count: int, items: dict,
           shard: Callable) -> None:
    """The files of a table sharded by shard(key): the surface map's, the result rows'."""
    buckets: list[dict] = [{} for _ in range(count)]
    for key, value in items.items():
        buckets[shard(key)][key] = value
    for n, bucket in enumerate(buckets):
        put(f"{STATIC_DIR}/{kind}/{n}.js", _script(f"{kind}/{n}", bucket))


def _surface_entry(word: str, groups: list[str], present: Callable[[str], bool]) -> dict:
    # only the groups where the word's term is indexed: a French word does not make the
    # page load German posting shards
    found = {g: _term_in(word, g) for g in groups}
    return {g: t for g, t in found.items() if present(f"{g}:{t}")}


def _full_export(db, layout: dict, key: str, spill_dir: Path,
                 put: Callable[[str, bytes], None] | None = None) -> dict[str, bytes]:
    """Every file of the static index, by path: returned, or each given to put(path, data)
    as it is made (then none is held, and the dict returned is empty). Spill files, when the
    corpus is large, go in spill_dir."""
    files: dict[str, bytes] = {}
    put = put or files.__setitem__
    ids = [i for (i,) in db.execute("SELECT id FROM docs WHERE hash IS NOT NULL")]
    keys = _doc_keys(ids, layout["keybits"])
    postings = db.execute(
        "SELECT COALESCE(SUM(npost), 0) FROM docs WHERE hash IS NOT NULL").fetchone()[0]
    out, rows = write_postings(_records(db, ids, keys), postings, layout["p"], put, spill_dir)
    groups, present = layout["groups"], out.term_keys.__contains__
    # the words of the records: the vocabulary table counts them
    surface = {w: _surface_entry(w, groups, present)
               for (w,) in db.execute("SELECT word FROM vocab")}
    S, D = layout["s"], layout["d"]
    _table(put, "s", S, surface, lambda w: fnv1a(w) % S)
    del surface
    _table(put, "d", D, rows, lambda k: int(k, 36) % D)
    put(f"{STATIC_DIR}/meta.js", _meta_script(_meta(db, layout, out.big, key)))
    put(f"{STATIC_DIR}/key.txt", (key + "\n").encode())
    db.executemany("UPDATE docs SET key=? WHERE id=?", [(k, i) for i, k in keys.items()])
    return files


def _records(db, ids: list, keys: dict) -> Iterator[tuple[int, dict]]:
    """(document key, record) for every document, in key order: each posting list then
    grows in order."""
    for i in sorted(ids, key=keys.__getitem__):
        yield keys[i], _load_record(
            db.execute("SELECT record FROM docs WHERE id=?", (i,)).fetchone()[0])


class _Current:
    """The published folder, read file by file, parsed once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.raw: dict[str, bytes] = {}
        self.parsed: dict[str, object] = {}

    def read(self, name: str) -> bytes:
        if name not in self.raw:
            try:
                self.raw[name] = (self.folder / name).read_bytes()
            except OSError:
                raise _Stale(name) from None
        return self.raw[name]

    def data(self, name: str):
        if name not in self.parsed:
            try:
                self.parsed[name] = _parse_script(self.read(name))
            except (ValueError, UnicodeDecodeError):
                raise _Stale(name) from None
        return self.parsed[name]


def _incremental_export(db, layout: dict, key: str,
                        current: _Current) -> tuple[dict[str, bytes], set[str]]:
    """The files that differ from the published ones, from what changed since that export."""
    old_big = _old_big(db, layout, current)
    rows = db.execute("SELECT id, key, hash IS NOT NULL FROM docs").fetchall()
    keys = _keys_now(rows, layout["keybits"])
    dirty = _dirty(db)
    recs, drop, pkeys = _touched(db, rows, keys, dirty)
    adds = _additions(recs, keys)
    new_files, removed, big, flipped = _patch_postings(
        current, layout["p"], old_big, pkeys, adds, drop)
    new_files.update(_patch_surface(db, layout, current, dirty["w"], flipped))
    new_files.update(_patch_rows(current, layout["d"], drop, recs, keys))
    new_files[f"{STATIC_DIR}/meta.js"] = _meta_script(_meta(db, layout, big, key))
    new_files[f"{STATIC_DIR}/key.txt"] = (key + "\n").encode()
    db.executemany("UPDATE docs SET key=? WHERE id=?", [(keys[i], i) for i in sorted(recs)])
    return new_files, removed


def _old_big(db, layout: dict, current: _Current) -> dict[str, str]:
    """The published export's lists in files of their own (posting key -> file name), once
    the cache's layout and the published meta.js's version are this export's; else _Stale."""
    if _info(db, "layout") != layout:
        raise _Stale("layout")
    old_meta = current.data("meta.js")
    if not isinstance(old_meta, dict) or old_meta.get("version") != STATIC_VERSION:
        raise _Stale("meta")
    return old_meta.get("big", {})


def _keys_now(rows: list, keybits: int) -> dict:
    """The living documents' keys (id -> key), given rows of (id, key last exported, alive)."""
    if all(alive and k is not None for _, k, alive in rows):
        # the documents the last export keyed, no more, no fewer: their keys stand (keys are
        # a function of the set of ids), and 50,000 hashes and a sort are saved
        return {i: k for i, k, _ in rows}
    return _doc_keys((i for i, _, alive in rows if alive), keybits)


def _dirty(db) -> dict[str, set]:
    """What changed since the last export, by kind: "k" posting keys, "w" words, "id"
    documents, and "o" the keys an edited document stays on unchanged (see _CACHE_TABLES)."""
    dirty = {kind: set() for kind in ("k", "w", "id", "o")}
    for kind, item in db.execute("SELECT kind, item FROM dirty"):
        dirty[kind].add(item)
    return dirty


def _touched(db, rows: list, keys: dict, dirty: dict) -> tuple[dict, set, set]:
    """The records to write again (edited, or under a new key: id -> record), the keys to
    take off every list (theirs in the last export), and the posting keys to patch."""
    pkeys = set(dirty["k"])
    moved = {i for i, k, alive in rows if alive and k != keys[i]}  # new, or shifted by a collision
    if any(i in dirty["id"] and k is not None and k != keys[i] for i, k, alive in rows if alive):
        # an edited document under a new key: off every list it was on
        pkeys |= dirty["o"]
    touched = dirty["id"] | moved
    old_key = {i: k for i, k, _ in rows if i in touched and k is not None}
    recs = {i: _load_record(b) for i, b in _select_in(
        db, "SELECT id, record FROM docs WHERE record IS NOT NULL AND id IN ({})", touched)}
    for i in moved - dirty["id"]:
        pkeys |= _record_keys(recs[i])
    return recs, set(old_key.values()), pkeys


def _additions(recs: dict, keys: dict) -> dict[str, list]:
    """What the records add to each posting list: posting key -> [(slot, doc key, tail)]."""
    adds: dict[str, list] = {}
    for i, rec in recs.items():
        for pkey, slot, tail in _contributions(rec):
            adds.setdefault(pkey, []).append((slot, keys[i], tail))
    return adds


def _patch_postings(current: _Current, P: int, old_big: dict[str, str], pkeys: set,
                    adds: dict, drop: set) -> tuple[dict[str, bytes], set[str], dict, list]:
    """The posting files with the lists of pkeys patched (drop's keys out, adds in), each
    list in its bucket or, when big, in a file of its own: the files to write, the files to
    delete, the big lists' files (posting key -> name), and the posting keys whose list came
    to be or stopped being."""
    new_files: dict[str, bytes] = {}
    removed: set[str] = set()
    buckets: dict[int, dict] = {}  # p bucket -> its content, as changed

    def bucket(n: int) -> dict:
        if n not in buckets:
            buckets[n] = dict(current.data(f"p/{n}.js"))
        return buckets[n]

    big = dict(old_big)
    flipped = []
    for pkey in sorted(pkeys):
        if pkey in old_big:
            old_value = current.data(f"{old_big[pkey]}.js").get(pkey)
        else:
            old_value = bucket(fnv1a(pkey) % P).get(pkey)
        value = _patched_value(pkey, old_value, adds.get(pkey, ()), drop)
        if (old_value is None) != (value is None):
            flipped.append(pkey)
        if pkey in old_big and (value is None or not is_big(value)):
            removed.add(f"{STATIC_DIR}/{big.pop(pkey)}.js")
        home = bucket(fnv1a(pkey) % P)
        if value is not None and is_big(value):
            name = big[pkey] = big_name(pkey)
            removed.discard(f"{STATIC_DIR}/{name}.js")
            new_files[f"{STATIC_DIR}/{name}.js"] = _script(name, {pkey: value})
            home.pop(pkey, None)
        elif value is None:
            home.pop(pkey, None)
        else:
            home[pkey] = value
    for n, content in buckets.items():
        new_files[f"{STATIC_DIR}/p/{n}.js"] = _script(f"p/{n}", content)
    return new_files, removed, big, flipped


def _patched_value(pkey: str, old_value, adds, drop: set):
    """One posting key's value patched: drop's keys out, adds ((slot, key, tail)) in; None
    when every list is empty. A filter's value (its key has "=") is one list, a term's one
    list per field of its group."""
    olds = ([old_value] if isinstance(old_value, str) else list(old_value)) \
        if old_value is not None else [""] * _slots(pkey)
    added: list[list] = [[] for _ in olds]
    for slot, k, tail in adds:
        added[slot].append((k, tail))
    lists = [_patch_list(text, drop, more) for text, more in zip(olds, added)]
    return (lists[0] if "=" in pkey else lists) if any(lists) else None


def _patch_surface(db, layout: dict, current: _Current, changed_words: set,
                   flipped: list) -> dict[str, bytes]:
    """The surface map's files that change: the changed documents' words, and the words
    whose term in some group came to be indexed or stopped being."""
    words = set(changed_words)
    for pkey in flipped:
        if "=" in pkey:
            continue
        group, t = pkey.split(":", 1)
        words.add(t)
        if group not in ("any", "tagtext"):
            words.update(w for (w,) in db.execute("SELECT word FROM stems WHERE key=?", (pkey,)))
    in_vocab = {w for (w,) in _select_in(db, "SELECT word FROM vocab WHERE word IN ({})", words)}
    candidates = {f"{g}:{_term_in(w, g)}" for w in in_vocab for g in layout["groups"]}
    present = {k for (k,) in _select_in(db, "SELECT key FROM keys WHERE key IN ({})", candidates)}
    S = layout["s"]
    sbuckets: dict[int, dict] = {}
    for w in sorted(words):
        n = fnv1a(w) % S
        if n not in sbuckets:
            sbuckets[n] = dict(current.data(f"s/{n}.js"))
        if w in in_vocab:
            sbuckets[n][w] = _surface_entry(w, layout["groups"], present.__contains__)
        else:
            sbuckets[n].pop(w, None)
    return {f"{STATIC_DIR}/s/{n}.js": _script(f"s/{n}", content)
            for n, content in sbuckets.items()}


def _patch_rows(current: _Current, D: int, drop: set, recs: dict,
                keys: dict) -> dict[str, bytes]:
    """The result list's row files that change: rows out under the old keys, in under the
    new."""
    dbuckets: dict[int, dict] = {}

    def dbucket(k: int) -> dict:
        n = k % D
        if n not in dbuckets:
            dbuckets[n] = dict(current.data(f"d/{n}.js"))
        return dbuckets[n]

    for k in sorted(drop):
        dbucket(k).pop(_b36(k), None)
    for i, rec in sorted(recs.items()):
        dbucket(keys[i])[_b36(keys[i])] = rec["d"]
    return {f"{STATIC_DIR}/d/{n}.js": _script(f"d/{n}", content)
            for n, content in dbuckets.items()}


PREPARED_FILE = "broadsheet-static-full.pickle"  # a full export made during a rebuild


def _prepared(index_dir: Path, key: str) -> dict[str, bytes] | None:
    """The full export a rebuild prepared, if it is of this very cache state: its key, then
    each file as (path, data), then None, pickled one after the other (prepare_export)."""
    files = {}
    try:
        with open(index_dir / PREPARED_FILE, "rb") as f:  # written in this index folder
            if pickle.load(f) != key:
                return None
            while (item := pickle.load(f)) is not None:
                path, data = item
                files[path] = data
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    return files


def prepare_export(db, index_dir: Path, key: str) -> None:
    """The full export written for _prepared, each file pickled as it is made: at 10k the
    files are 84 MB, never held here."""
    with atomic_file(index_dir / PREPARED_FILE) as f:
        pickle.dump(key, f, protocol=5)
        _full_export(db, _layout(db), key, index_dir,
                     lambda path, data: pickle.dump((path, data), f, protocol=5))
        pickle.dump(None, f, protocol=5)


def _export(index_dir: Path, current: Path | None) -> StaticExport:
    db = _open_cache(index_dir)
    try:
        layout = _layout(db)
        key = _static_key(db)
        exported = _info(db, "exported")
        result = None
        # a rebuild's prepared export first: making it gave the documents their new keys in
        # the cache, so the cache no longer says which keys the published files use
        prepared = _prepared(index_dir, key)
        if current is not None and exported is not None and prepared is None:
            seen = _Current(current)
            try:
                if seen.read("key.txt").decode("utf-8", "replace").strip() != exported:
                    raise _Stale("key")
                files, removed = _incremental_export(db, layout, key, seen)
                changed = {}
                for path, data in files.items():
                    name = path.removeprefix(f"{STATIC_DIR}/")
                    try:
                        same = seen.read(name) == data
                    except _Stale:
                        same = False
                    if not same:
                        changed[path] = data
                result = StaticExport(changed, removed, False, key)
            except _Stale:
                db.rollback()
        if result is None:
            files = prepared or _full_export(db, layout, key, index_dir)
            result = StaticExport(files, set(), True, key)
            if current is not None and current.is_dir():
                for path in sorted(current.rglob("*")):
                    if not path.is_file():
                        continue
                    rel = f"{STATIC_DIR}/{path.relative_to(current).as_posix()}"
                    if rel not in files:
                        result.removed.add(rel)
                    elif path.read_bytes() == files[rel]:
                        del files[rel]
        (index_dir / PREPARED_FILE).unlink(missing_ok=True)  # used, or stale
        db.execute("DELETE FROM docs WHERE hash IS NULL")
        db.execute("DELETE FROM dirty")
        _set_info(db, "exported", key)
        _set_info(db, "layout", layout)
        db.commit()
        return result
    finally:
        db.close()


def export_static(index_dir: Path, current: Path) -> StaticExport:
    """The static index as changes to `current` (the site's search/ folder as published):
    only the files that differ from a full export, and the files to delete. When `current`
    is not the export the cache last made (missing, another build, a build that failed
    before publishing) the export is done in full. Write key.txt last: it is what vouches
    for the folder next time."""
    if not _has_index(index_dir):
        raise SearchError("no search index here: run `broadsheet build` first", index_dir)
    return _export(index_dir, current)


def _has_index(index_dir: Path) -> bool:
    # the table of contents' file, not Whoosh's exists_in(): this runs beside a commit of
    # the same index (write_index), which writes a new one and then deletes the old one
    return any(index_dir.glob("_MAIN_*.toc"))


def static_files(index_dir: Path) -> dict[str, bytes]:
    """Every file of the static index, by path under site/ (a full export)."""
    if not _exists(index_dir):
        raise SearchError("no search index here: run `broadsheet build` first", index_dir)
    return _export(index_dir, None).files
