"""The posting files of a full static export, made from the cache's records: in one pass
over them, or, past POSTINGS_PER_PART postings, in parts that each take a share of the
posting keys, so that the lists held at once are one part's, whatever the size of the
corpus (at 100,000 articles, one pass held 1.8 GB). In parts, the records are read once
and each one's postings written to the record file of its part; each part's lists are made
from its file and its share of every shard written to a share file; then each shard is
joined from the parts' shares. The files are the same bytes either way. What is still held
whole is small beside the lists: each result row's JSON (about 400 bytes a document) and
the set of the indexed terms (the vocabulary, which grows far slower than the text).

Spill files go in the index's folder (a working copy during a build): about 18 bytes a
posting, 1.2 GB at 100,000 articles, each deleted as soon as it is read."""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path

import orjson

from broadsheet.publish.search.documents import _stored_length
from broadsheet.publish.search.static_format import (
    SHARD_BYTES, STATIC_DIR, _b36, _dump_bytes, _group_fields, _group_of, _script, fnv1a)

# a part of 5 million postings (8,000 documents of 600 words) holds some 200 MB of lists at
# its peak: a build of 10,000 articles, in two parts, peaks at 340 MB against 430 MB in one
# pass, for 3 s more
POSTINGS_PER_PART = 5_000_000


def parts_for(postings: int) -> int:
    return max(1, -(-postings // POSTINGS_PER_PART))


class _Lists:
    """Delta-coded posting lists, made from documents given in key order: by field and
    term, and by filter (a filter's or a pair's "=" key)."""

    # This runs once per posting (600 a document): each list grows in key order and is
    # delta-coded as it goes. Holding the postings of 10,000 documents as tuples took a
    # gigabyte; as text, the size of the files. A list is [previous key, text] once a second
    # document is on it (the text a bytearray, appended to in place: a list of a few short
    # strings takes five times its size); with one, a term's is (its key, its entry) and a
    # filter's its key alone (at 10k, 560,000 of the 946,000 pair keys).
    def __init__(self):
        self.fields: dict[str, dict[str, list]] = {}
        self.filters: dict[str, list] = {}

    def add(self, k: int, fields: dict, filters: Iterable[str]) -> None:
        b36 = _b36
        for field, (length, counts) in fields.items():
            lists = self.fields.get(field)
            if lists is None:
                lists = self.fields[field] = {}
            fl = "." + b36(_stored_length(length))
            for t, tf in counts.items():
                entry = lists.get(t)
                if entry is None:  # most terms are in a few documents: no lists until a second
                    lists[t] = (k, f"{b36(k)}{fl}" if tf == 1 else f"{b36(k)}{fl}.{b36(tf)}")
                    continue
                if entry.__class__ is tuple:
                    entry = lists[t] = [entry[0], bytearray(entry[1].encode())]
                d = b36(k - entry[0])
                entry[1] += (f",{d}{fl}" if tf == 1 else f",{d}{fl}.{b36(tf)}").encode()
                entry[0] = k
        table = self.filters
        for pkey in filters:
            entry = table.get(pkey)
            if entry is None:  # 6 pair keys in 10 are in one document: its key, no lists
                table[pkey] = k
                continue
            if entry.__class__ is int:
                entry = table[pkey] = [entry, bytearray(b36(entry).encode())]
            entry[1] += f",{b36(k - entry[0])}".encode()
            entry[0] = k

    def term_keys(self) -> set[str]:
        """The "group:term" keys of the lists (what the surface map asks about)."""
        return {f"{_group_of(f)}:{t}" for f, lists in self.fields.items() for t in lists}

    def shards(self, P: int) -> Iterator[tuple[int, str, object]]:
        """(shard, posting key, value) for every list, shard by shard, each list let go as
        its value is made: a term's value is one list per field of its group."""
        shards: list[list | None] = [[] for _ in range(P)]
        for pkey in self.filters:
            shards[fnv1a(pkey) % P].append(pkey)
        tables = {}
        for group in sorted({_group_of(f) for f in self.fields}):
            tables[group] = [self.fields.get(f, {}) for f in _group_fields(group)]
            for t in set().union(*tables[group]):
                pkey = f"{group}:{t}"
                shards[fnv1a(pkey) % P].append((pkey, group, t))
        for n in range(P):
            items, shards[n] = shards[n], None
            for item in items:
                if item.__class__ is str:  # a filter's, or a pair's
                    entry = self.filters.pop(item)
                    yield n, item, _b36(entry) if entry.__class__ is int else entry[1].decode()
                else:
                    pkey, group, t = item
                    yield n, pkey, [_joined(lists.pop(t)) if t in lists else ""
                                    for lists in tables[group]]


def _joined(entry) -> str:
    """A term's list in one field as text: (key, entry) for one document, else [key, text]."""
    return entry[1] if entry.__class__ is tuple else entry[1].decode()


def is_big(value) -> bool:
    size = len(value) if isinstance(value, str) else sum(len(v) + 3 for v in value)
    return size > SHARD_BYTES // 2


def big_name(key: str) -> str:
    return f"p/x{fnv1a(key):08x}"


class PostingFiles:
    """The posting files written through put(path, data): p/N.js, one per shard, and a file
    of its own for each big list (`big`: posting key -> its name)."""

    def __init__(self, P: int, put: Callable[[str, bytes], None]):
        self.P, self.put = P, put
        self.big: dict[str, str] = {}
        self.term_keys: set[str] = set()

    def _buckets(self, lists: _Lists) -> Iterator[tuple[int, dict]]:
        """(shard, its lists) for every shard, the big lists written on the way."""
        self.term_keys |= lists.term_keys()
        n, bucket = 0, {}
        for shard, pkey, value in lists.shards(self.P):
            while n < shard:
                yield n, bucket
                n, bucket = n + 1, {}
            if is_big(value):
                name = self.big[pkey] = big_name(pkey)
                self.put(f"{STATIC_DIR}/{name}.js", _script(name, {pkey: value}))
            else:
                bucket[pkey] = value
        while n < self.P:
            yield n, bucket
            n, bucket = n + 1, {}

    def write(self, lists: _Lists) -> None:
        for n, bucket in self._buckets(lists):
            self.put(f"{STATIC_DIR}/p/{n}.js", _script(f"p/{n}", bucket))

    def spill(self, lists: _Lists, path: Path) -> None:
        """A part's share of every shard, in shard order, into path."""
        with open(path, "wb") as f:
            for _, bucket in self._buckets(lists):
                marshal.dump(bucket, f)

    def join(self, paths: list[Path]) -> None:
        """Every shard written from the parts' shares of it."""
        with ExitStack() as stack:
            files = [stack.enter_context(open(path, "rb")) for path in paths]
            for n in range(self.P):
                bucket = {}
                for f in files:
                    bucket.update(marshal.load(f))
                self.put(f"{STATIC_DIR}/p/{n}.js", _script(f"p/{n}", bucket))


def write_postings(records: Iterable[tuple[int, dict]], postings: int, P: int,
                   put: Callable[[str, bytes], None], spill_dir: Path
                   ) -> tuple[PostingFiles, dict[str, orjson.Fragment]]:
    """The posting files of the records ((document key, record) in key order, `postings`
    postings in all) written through put; with them, the result list's rows by key (the
    documents' keys in base 36), each row as its JSON."""
    out, rows = PostingFiles(P, put), {}
    parts = parts_for(postings)
    if parts == 1:
        lists = _Lists()
        for k, rec in records:
            lists.add(k, rec["f"], rec["x"])
            rows[_b36(k)] = _row(rec)
        out.write(lists)
        return out, rows
    for stale in spill_dir.glob("*.part"):  # a killed export's
        stale.unlink()
    parted = [spill_dir / f"records-{i}.part" for i in range(parts)]
    shares = [spill_dir / f"shares-{i}.part" for i in range(parts)]
    try:
        _split(records, parted, rows)
        for part, share in zip(parted, shares):
            lists = _Lists()
            with open(part, "rb") as f:
                while (item := _next(f)) is not None:
                    lists.add(*item)
            part.unlink()
            out.spill(lists, share)
            del lists
        out.join(shares)
    finally:
        for path in parted + shares:
            path.unlink(missing_ok=True)
    return out, rows


def _row(rec: dict) -> orjson.Fragment:
    # as _script writes every other value (keys sorted), ready to be written whole
    return orjson.Fragment(_dump_bytes(rec["d"]))


def _split(records: Iterable[tuple[int, dict]], parted: list[Path], rows: dict) -> None:
    """Each record's postings into the record file of its part: a term's (all its fields)
    and a filter's by the hash of its text, so that each list is whole in one part. (The
    hash is Python's, salted per process: how evenly the parts split changes from run to
    run, not what they make.)"""
    parts = len(parted)
    with ExitStack() as stack:
        files = [stack.enter_context(open(path, "wb")) for path in parted]
        for k, rec in records:
            fields: list[dict] = [{} for _ in range(parts)]
            for field, (length, counts) in rec["f"].items():
                for t, tf in counts.items():
                    share = fields[hash(t) % parts]
                    got = share.get(field)
                    if got is None:
                        got = share[field] = [length, {}]
                    got[1][t] = tf
            filters: list[list] = [[] for _ in range(parts)]
            for pkey in rec["x"]:
                filters[hash(pkey) % parts].append(pkey)
            for f, share, keys in zip(files, fields, filters):
                marshal.dump((k, share, keys), f)
            rows[_b36(k)] = _row(rec)


def _next(f):
    try:
        return marshal.load(f)
    except EOFError:
        return None
