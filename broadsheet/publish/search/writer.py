"""Writing the index: write_index() brings it in line with the entries, in place when only
some changed, else rebuilt beside and swapped in, the static cache kept up to date in the
same pass.

Incremental: each document stores its content hash; a build updates the changed ones,
deletes the gone ones, and rebuilds everything (beside, then swapped in) when the stored
fingerprint of the analysis settings differs. A rebuild hands Whoosh's codec its segments
directly (_BulkWriter); from PARALLEL_FROM documents on, the static cache is filled in a
second process meanwhile (_analysed_beside: each document read and analysed once for both).
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import shutil
import struct
import threading
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import orjson
from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint as _pack_uint

from broadsheet.errors import SearchError
from broadsheet.fsutil import atomic_write, fresh_dir_beside, swap_in
from broadsheet.model import slugify
from broadsheet.parallel import Background, Tally
from broadsheet.publish.search.analysis import fingerprint, route
from broadsheet.publish.search.documents import (
    FINGERPRINT_FILE, HASHES_FILE, LABELS_FILE, Document, Entry, _analyse, _exists, _fields,
    _open, _stored_length, _term_counts, schema)
from broadsheet.publish.search.static_cache import (
    STATIC_CACHE, _cache_current, _open_cache, _static_key, _update_static_cache,
    update_static_cache)
from broadsheet.publish.search.static_export import prepare_export
from broadsheet.publish.search.static_format import _record


PARALLEL_FROM = 500  # fewer documents than this: one writer is quicker


_ONE_POSITION: dict[int, bytes] = {}


def _encode_positions(p: list[int]) -> bytes:
    """whoosh.formats.Positions.encode(p), with the commonest case (one position) cached."""
    if len(p) == 1:
        v = _ONE_POSITION.get(p[0])
        if v is None:
            v = _ONE_POSITION[p[0]] = _pack_uint(1) + pickle.dumps(p, 2)
        return v
    return _pack_uint(len(p)) + pickle.dumps([b - a for a, b in zip([0, *p], p)], 2)


# fields whose few values repeat across a corpus: Whoosh's analysis of each value is kept
_REPEATING = frozenset({"language", "year", "date", "source_key"})


def _frequencies(value: str, boost: float) -> list[tuple[bytes, int, float, bytes]]:
    """What a Frequency-format field with Analyzer(None) gives Whoosh for value, as
    field.index(value) yields it (Frequency.word_values), without a Token per word."""
    return [(t.encode("utf-8"), n, float(n) * boost, _pack_uint(n))
            for t, n in _term_counts(value, None).items()]


class _BulkWriter:
    """Whole segments written through Whoosh's own codec, without its posting pool: a
    document's stored fields, lengths and columns go to the per-document writer as
    add_document() would send them, its postings (already analysed) into per-term arrays,
    and at a flush each term's list is handed to the postings writer a block at a time.
    That skips the pool's tuple per posting, its sort and the per-posting length look-up
    that made Whoosh's commit the slowest part of indexing. A segment is flushed every
    FLUSH_POSTINGS postings, so memory stays bounded whatever the corpus's size.

    The bytes are those of SegmentWriter (tests compare the two); this leans on the
    internals of the pinned Whoosh version (W3 codec)."""

    # 10,000 articles are 3.5 million postings: one segment. Each segment more cost about 2 s
    # of writing at 10k (3 segments: 19-21 s, 1: 15.4 s) and 60 MB less at the peak; at 50k
    # the largest process is the static export's, not this one.
    FLUSH_POSTINGS = 4_000_000

    def __init__(self, ix, indexed: Callable[[], None] | None = None):
        self.ix = ix
        self.indexed = indexed
        self.schema = ix.schema
        self.writer = None
        self.repeating: dict[tuple[str, str], list] = {}  # _REPEATING's values, as indexed

    def _start(self) -> None:
        # zlib at level 1 on posting blocks: level 3 (Whoosh's default) cost a tenth of the
        # build for a few per cent of size
        self.writer = self.ix.writer(codec=W3Codec(compression=1))
        self.post: dict[str, dict[bytes, list]] = {}
        self.lengths: dict[str, array] = {}
        self.count = 0

    def add(self, doc: Document, analysis: dict[str, dict[str, list[int]]]) -> None:
        if self.writer is None:
            self._start()
        w, sch = self.writer, self.schema
        docnum = w.docnum
        local = docnum - w.docbase
        pdw = w.perdocwriter
        pdw.start_doc(docnum)
        fields = _fields(doc)
        for name in sorted(fields):
            value = fields[name]
            field = sch[name]
            length = 0
            if field.indexed:
                length = self._index_field(name, field, value, analysis.get(name), docnum, local)
            pdw.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column and value is not None:
                pdw.add_column_value(name, column, field.to_column_value(value))
        pdw.finish_doc()
        w.docnum += 1
        w._added = True
        if self.indexed is not None:
            self.indexed()
        if self.count >= self.FLUSH_POSTINGS:
            self._flush()

    def _index_field(self, name: str, field, value, poses: dict[str, list[int]] | None,
                     docnum: int, local: int) -> int:
        """One field's postings of document docnum put in their terms' arrays (poses: its
        analysis, when the document came analysed), and its length recorded; its length."""
        terms = self.post.get(name)
        if terms is None:
            terms = self.post[name] = {}
        if poses is not None:
            length = self._add_analysed(terms, poses, field.format.field_boost, docnum)
        else:
            length = self._add_indexed(terms, name, field, value, docnum)
        if field.scorable:
            lens = self.lengths.get(name)
            if lens is None:
                lens = self.lengths[name] = array("I")
            lens.extend([0] * (local + 1 - len(lens)))
            lens[local] = _stored_length(length) if length else 0
        return length

    def _add_analysed(self, terms: dict, poses: dict[str, list[int]], fb: float,
                      docnum: int) -> int:
        """The postings of an analysed field (term -> positions); the field's length."""
        length = 0
        for t, p in poses.items():
            tb = t.encode("utf-8")
            n = len(p)
            slot = terms.get(tb)
            if slot is None:
                slot = terms[tb] = (array("I"), array("f"), [])
            slot[0].append(docnum)
            slot[1].append(n * fb)
            slot[2].append(_encode_positions(p))
            length += n
        self.count += len(poses)
        return length

    def _add_indexed(self, terms: dict, name: str, field, value, docnum: int) -> int:
        """The postings of a field Whoosh analyses (field.index(value)); the field's length."""
        length = 0
        postings = None
        if name in _REPEATING:
            postings = self.repeating.get((name, value))
            if postings is None:
                postings = self.repeating[name, value] = list(field.index(value))
        elif name == "spell":
            postings = _frequencies(value, field.format.field_boost)
        for tb, freq, weight, vbytes in postings or field.index(value):
            slot = terms.get(tb)
            if slot is None:
                slot = terms[tb] = (array("I"), array("f"), [])
            slot[0].append(docnum)
            slot[1].append(weight)
            if vbytes:
                slot[2].append(vbytes)
            if field.scorable:
                length += freq
            self.count += 1
        return length

    def _flush(self) -> None:
        w = self.writer
        fw = w.fieldwriter
        base = w.docbase
        for name in sorted(self.post):
            terms = self.post[name]
            if not terms:
                continue
            field = self.schema[name]
            lens = self.lengths.get(name)
            fw.start_field(name, field)
            for tb in sorted(terms):
                ids, weights, values = terms[tb]
                fw.start_term(tb)
                pw = fw._postwriter
                size = pw._blocklimit
                n = len(ids)
                for s in range(0, n, size):
                    pw._ids = ids[s:s + size]
                    pw._weights = weights[s:s + size]
                    pw._values = values[s:s + size]
                    pw._maxweight = max(pw._weights)
                    if lens is not None:
                        got = [lens[i - base] for i in pw._ids if i - base < len(lens)]
                        got = [x for x in got if x]
                        pw._minlength = min(got) if got else None
                        pw._maxlength = max(got) if got else 0
                    if s + size < n:
                        pw._write_block()  # the last block is left to finish_term()
                fw.finish_term()
            fw.finish_field()
        self.writer.commit(merge=False)
        self.writer = None

    def close(self) -> None:
        if self.writer is not None:
            self._flush()


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    full: bool = False
    then: object = None  # what write_index's `then` gave


def write_index(entries: Iterable[Entry], index_dir: Path, *, full: bool = False,
                then: Callable[[], object] | None = None,
                tally: Tally | None = None) -> IndexReport:
    """Bring the index in line with the entries: in place when only some changed (their
    hashes, kept beside the index, tell); rebuilt beside and swapped in when there is no
    index, it was made with other analysis settings, or `full` is asked. Searches never see
    half an index either way (Whoosh commits atomically). `then()` runs once the static
    cache is up to date (an update runs both in another process while Whoosh's segments
    are written here); its result is the report's `then`. tally, if given, is told how many
    documents Whoosh is to take, and counts them as it takes them (a progress bar's)."""
    entries = sorted(entries, key=lambda e: e.id)
    stored = _read_json(index_dir / HASHES_FILE)
    usable = (not full and isinstance(stored, dict) and _exists(index_dir)
              and _read_json(index_dir / FINGERPRINT_FILE) == fingerprint())
    report = None
    if usable:
        made: dict[str, Document] = {}

        def document(entry: Entry) -> Document:  # built once for the index and the cache
            doc = made.get(entry.id)
            if doc is None:
                doc = made[entry.id] = entry.document()
            return doc

        def static_side():
            update_static_cache(index_dir, entries, document)
            return then() if then is not None else None

        static = Background(static_side)  # its own file (the cache), its own core
        try:
            report = _update(entries, stored, index_dir, document, tally)
        except Exception:  # a damaged index is rebuilt, never patched
            static.cancel()
            full = True  # the cache too: the killed process may have been writing it
        else:
            try:
                for name, text in _side_files(entries).items():
                    atomic_write(index_dir / name, text)
                report.then = static.result()
            except BaseException:
                static.cancel()
                raise
    if report is None:
        report = _rebuild(entries, index_dir, _side_files(entries), keep_cache=not full,
                          tally=tally)
        report.then = then() if then is not None else None
    return report


def _side_files(entries: list[Entry]) -> dict[str, str]:
    """The files kept beside the index: the display labels of the facets, and each
    document's hash (what the next update compares)."""
    labels: dict = {"tag": {}, "source": {}, "languages": sorted(
        {route(e.language) or "any" for e in entries})}
    for e in entries:
        for tag in e.tags:
            labels["tag"].setdefault(slugify(tag), tag)
        if e.source:
            labels["source"].setdefault(slugify(e.source), e.source)
    return {LABELS_FILE: json.dumps(labels, ensure_ascii=False, sort_keys=True),
            HASHES_FILE: json.dumps({e.id: e.hash for e in entries}, sort_keys=True)}


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _rebuild(entries: list[Entry], index_dir: Path, side: dict[str, str],
             keep_cache: bool = True, tally: Tally | None = None) -> IndexReport:
    """The index made afresh beside and swapped in, and the static cache brought up to date,
    in one pass over the documents: each is read and analysed once, its postings go to
    Whoosh's codec directly (_BulkWriter) and its record to the cache."""
    new = fresh_dir_beside(index_dir)
    try:
        ix = index.create_in(str(new), schema())
        keep = keep_cache and _cache_current(index_dir / STATIC_CACHE)
        if keep:  # still good for the export: only what changed is redone
            shutil.copy2(index_dir / STATIC_CACHE, new / STATIC_CACHE)
        if tally is not None:
            tally.start(len(entries))
        bulk = _BulkWriter(ix, tally.add if tally is not None else None)
        pending = iter(entries)

        def feed_until(entry: Entry | None):
            """Index every entry up to `entry` in id order; the document `entry`, its
            analysis and its words."""
            for e in pending:
                doc = e.document()
                words: set[str] = set()
                analysis = _analyse(doc, words)
                bulk.add(doc, analysis)
                if e is entry:
                    return doc, analysis, words
            return None

        def record_of(entry: Entry) -> dict:
            return _record(*feed_until(entry))

        if len(entries) >= PARALLEL_FROM and not keep:
            # two processes, one per file they write: the Whoosh segments here, the static
            # cache in a forked one, which reads and analyses each document once for both
            _analysed_beside(entries, partial(_cache_records, new, keep, entries, prepare=True),
                             bulk.add, then=bulk.close)
        elif len(entries) >= PARALLEL_FROM:  # a kept cache wants the records of a few
            caching = Background(partial(_cache_records, new, keep, entries, prepare=True))
            try:
                feed_until(None)
                bulk.close()
                caching.result()
            except BaseException:
                caching.cancel()
                raise
        else:
            _cache_records(new, keep, entries, record_of)
            feed_until(None)
            bulk.close()
        ix.close()
        atomic_write(new / FINGERPRINT_FILE, json.dumps(fingerprint(), sort_keys=True))
        for name, text in side.items():
            atomic_write(new / name, text)
        swap_in(new, index_dir)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return IndexReport(added=len(entries), full=True)


_LENGTH = struct.Struct("<I")  # of one message on the pipe


def _analysed_beside(entries: list[Entry], cache: Callable[..., None],
                     index_doc: Callable[[Document, dict], None], then: Callable[[], None]
                     ) -> None:
    """cache(record_of=...) run in a forked process, where each entry is read and analysed
    once, for its record and for this process: the document and its analysis come here
    through a pipe as JSON (orjson, C both ways: 1.2 s at 10k, against 4-5 s to read and
    analyse them again) and go to index_doc() in order; then() runs after the last. The
    work splits about evenly: reading, analysing and the static cache there, Whoosh's
    postings here (`index --full` at 10k: 18.3 s, 20.8 s when each process analysed)."""
    read_fd, write_fd = os.pipe()
    try:
        caching = Background(partial(_cache_and_send, read_fd, write_fd, cache))
    except BaseException:  # no fork: neither end is anyone's
        os.close(read_fd)
        os.close(write_fd)
        raise
    os.close(write_fd)
    # read by a thread: while this one writes a segment (seconds; five times at 50k), the
    # messages queue up here and the other process goes on instead of waiting on a full pipe
    messages: queue.SimpleQueue = queue.SimpleQueue()
    reader = threading.Thread(target=_read_messages, args=(read_fd, messages),
                              name="index-messages", daemon=True)
    reader.start()
    received = 0
    try:
        received = _index_messages(messages, len(entries), index_doc)
        if received == len(entries):
            then()
        caching.result()
    except BaseException:
        caching.cancel()
        raise
    finally:
        reader.join()  # its pipe ends with that process (cancelled: killed)
    if received < len(entries):
        raise SearchError(f"the static cache's process sent {received} of {len(entries)} "
                          "documents")


def _cache_and_send(read_fd: int, write_fd: int, cache: Callable[..., None]) -> None:
    """The forked process's side: cache(record_of=...), each entry's document and analysis
    sent on the pipe as its record is made."""
    os.close(read_fd)
    with open(write_fd, "wb", buffering=0) as out:  # each message is sent as it is made
        def record_of(entry: Entry) -> dict:
            doc = entry.document()
            words: set[str] = set()
            analysis = _analyse(doc, words)
            _send(out, orjson.dumps([[getattr(doc, f) for f in _DOC_FIELDS], analysis]))
            return _record(doc, analysis, words)
        cache(record_of=record_of)


def _read_messages(read_fd: int, messages: queue.SimpleQueue) -> None:
    """The pipe's messages put on the queue as they come, then None."""
    try:
        with open(read_fd, "rb", buffering=1 << 20) as stream:
            while True:
                head = stream.read(_LENGTH.size)
                if len(head) < _LENGTH.size:
                    break
                size = _LENGTH.unpack(head)[0]
                message = stream.read(size)
                if len(message) < size:  # cut off: it was killed while sending
                    break
                messages.put(message)
    finally:
        messages.put(None)  # the end, or that process failed: its error is the one


def _index_messages(messages: queue.SimpleQueue, expected: int,
                    index_doc: Callable[[Document, dict], None]) -> int:
    """Up to `expected` documents from the queue given to index_doc(); how many came."""
    received = 0
    while received < expected:
        message = messages.get()
        if message is None:
            break
        values, analysis = orjson.loads(message)
        index_doc(_document(values), analysis)
        received += 1
    return received


def _send(out, message: bytes) -> None:
    """One message on the pipe: its length, then its bytes."""
    view = memoryview(_LENGTH.pack(len(message)) + message)
    while view:
        view = view[out.write(view):]


_DOC_FIELDS = tuple(Document.__dataclass_fields__)


def _document(values: list) -> Document:
    doc = dict(zip(_DOC_FIELDS, values))
    doc["tags"], doc["tag_slugs"] = tuple(doc["tags"]), tuple(doc["tag_slugs"])
    return Document(**doc)


def _cache_records(index_dir: Path, keep: bool, entries: list[Entry], record_of=None,
                   prepare: bool = False) -> None:
    """The static cache of a rebuilt index, from each entry's document (analysed here unless
    record_of gives its record). With prepare, also the full export, kept for export_static:
    after a rebuild it is what the build asks for next, and this process is done before the
    one writing the Whoosh segments."""
    if record_of is None:
        def record_of(entry: Entry) -> dict:
            return _record(entry.document())
    db = _open_cache(index_dir, reset=not keep)
    try:
        _update_static_cache(db, entries, record_of)
        db.commit()
        if prepare:
            prepare_export(db, index_dir, _static_key(db))  # each file written as made
            db.commit()
    finally:
        db.close()


def _update(entries: list[Entry], stored: dict, index_dir: Path, document,
            tally: Tally | None = None) -> IndexReport:
    report = IndexReport()
    changed = [e for e in entries if stored.get(e.id) != e.hash]
    if tally is not None:
        tally.start(len(changed))
    gone = sorted(set(stored) - {e.id for e in entries})
    report.unchanged = len(entries) - len(changed)
    # opened even when no document changed: an index that does not open (a segment or its
    # table of contents cut short) raises here, and write_index rebuilds it
    ix = _open(index_dir, mmap=False)  # mapped, a segment is copied: 400 MB at 50k
    try:
        if not changed and not gone:
            return report
        writer = ix.writer(limitmb=256)
        for doc_id in gone:
            writer.delete_by_term("id", doc_id)
        for entry in changed:
            writer.update_document(**_fields(document(entry)))
            if tally is not None:
                tally.add()
            if entry.id in stored:
                report.updated += 1
            else:
                report.added += 1
        report.removed = len(gone)
        writer.commit()  # merges small segments as it goes; never a full optimize()
    finally:
        ix.close()
    return report
