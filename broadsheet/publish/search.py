"""Search: text analysis, the Whoosh index, queries. The only module that imports whoosh.

Analysis is ours, in plain Python with caches, and Whoosh runs it through a one-step
tokenizer: the same function analyses documents, queries, snippets and the static index the
search page uses without a server, so every path finds the same terms.

- One analysed title and body field per language Whoosh has a stemmer for, plus
  language-neutral `*_any` fields; the article's language routes its text.
- Case and accents are folded before stemming, so "etat" finds "État" and "securite" finds
  "sécurité".
- Stop words are the document's language's at index time and every language's at query
  time, so "the strikes" does not demand that a French article contain "the".
- Filters: `tag:syrie`, `source:"RT en français"`, `lang:fr`, `year:2015` in the query, or
  the same as parameters.
- Incremental: each document stores its content hash; a build updates the changed ones,
  deletes the gone ones, and rebuilds everything (beside, then swapped in) when the stored
  fingerprint of the analysis settings differs.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import queue
import re
import shutil
import sqlite3
import struct
import threading
import unicodedata
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable
from array import array
from itertools import accumulate, repeat
from bisect import bisect_left
from dataclasses import dataclass
from functools import partial, cache, lru_cache
from heapq import heappush, heapreplace
from pathlib import Path

import numpy
import orjson
import pickle
import Stemmer  # PyStemmer: the Snowball stemmers in C
from whoosh import collectors, index, qparser, query
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint as _pack_uint
from whoosh.lang import has_stopwords, stopwords_for_language

from broadsheet.errors import SearchError
from broadsheet.parallel import Background
from broadsheet.fsutil import atomic_file, atomic_write, fresh_dir_beside, swap_in
from broadsheet.model import SEARCH_DIR, slugify

# the languages with a Snowball stemmer (PyStemmer's algorithm names) and Whoosh stop words
SNOWBALL = {"da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish",
            "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian",
            "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish"}
STEMMED = tuple(sorted(SNOWBALL))
ANALYSIS_VERSION = 4  # bump when analysis changes: stored indexes are then rebuilt in full
PARALLEL_FROM = 500  # fewer documents than this: one writer is quicker
FINGERPRINT_FILE = "broadsheet-analysis.json"
LABELS_FILE = "broadsheet-labels.json"  # tag and source keys -> names as written, for facets
HASHES_FILE = "broadsheet-hashes.json"  # id -> hash of what each document was made from
_WORD = re.compile(r"\w+")


# --- analysis ---------------------------------------------------------------------------------

def _bare(text: str) -> str:
    """Compatibility-decomposed, every mark (accents, vowel signs...) off: what JavaScript's
    normalize("NFKD") and /\\p{M}/gu do, so that search.js can fold as this module does."""
    if text.isascii():  # most words: nothing to decompose (a third of the time)
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.category(c).startswith("M"))


@lru_cache(maxsize=1 << 18)  # words repeat: the static cache folds every word of every document
def fold(word: str) -> str:
    """Lowercase without accents: 'État' -> 'etat', '𝐁𝐨𝐥𝐝' -> 'bold'. Decomposed before
    casefolding, as a compatibility form ('𝐁', 'Ⓐ') has no case of its own, and after, as
    casefolding can give a letter with a mark ('İ' -> 'i̇'): fold(fold(w)) == fold(w), so a
    word typed as the index shows it finds it. search.js's fold() gives the same (a test
    compares them over every code point)."""
    return _bare(_bare(word).casefold())


@cache
def _stopwords(lang: str | None) -> frozenset[str]:
    if not lang or not has_stopwords(lang):
        return frozenset()
    return frozenset(fold(w) for w in stopwords_for_language(lang))


@cache
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*(_stopwords(lang) for lang in STEMMED))


@cache
def _stemmer(lang: str):
    """The language's Snowball stemmer (C, PyStemmer) behind a per-word cache."""
    stem = Stemmer.Stemmer(SNOWBALL[lang], 0).stemWord
    return lru_cache(maxsize=1 << 17)(stem)


def route(language: str | None) -> str | None:
    """The analysis language of a document: its own if Whoosh can stem it, else None."""
    lang = (language or "").split("-")[0].lower()
    return lang if lang in STEMMED else None


def term(word: str, lang: str | None) -> str:
    """The indexed form of one word: folded, then stemmed in the language."""
    folded = fold(word)
    return _stemmer(lang)(folded) if lang else folded


def tokens(text: str, lang: str | None, query_mode: bool = False):
    """(position, term, start, end) for every kept word of text. Positions count every word,
    stop words included, so phrases match exactly."""
    stops = _all_stopwords() if query_mode else _stopwords(lang)
    for pos, m in enumerate(_WORD.finditer(text)):
        word = m.group(0)
        folded = fold(word)
        if len(folded) < 2 or folded in stops:
            continue
        yield pos, (_stemmer(lang)(folded) if lang else folded), m.start(), m.end()


_SKIP = ""  # a word that gives no term (too short, a stop word)
_TABLE_MAX = 1 << 20


@cache
def _term_table(lang: str | None, query_mode: bool) -> dict[str, str]:
    return {}


def terms_of(text: str, lang: str | None, query_mode: bool = False) -> list[str]:
    """The term of every word of text in order ("" for a word that gives none), so that a
    word's position is its index."""
    return _terms(_WORD.findall(text), lang, query_mode)


def _terms(words: list[str], lang: str | None, query_mode: bool = False) -> list[str]:
    """terms_of() of the text's words. The indexing path: one dictionary look-up per word as
    written, the folding, stop-word test and stemming done once per distinct word."""
    table = _term_table(lang, query_mode)
    try:
        return [table[w] for w in words]
    except KeyError:
        pass
    if len(table) > _TABLE_MAX:
        table.clear()
    stops = _all_stopwords() if query_mode else _stopwords(lang)
    stem = _stemmer(lang) if lang else None
    out = []
    for w in words:
        t = table.get(w)
        if t is None:
            folded = fold(w)
            t = table[w] = (_SKIP if len(folded) < 2 or folded in stops
                            else stem(folded) if stem else folded)
        out.append(t)
    return out


def fingerprint() -> dict:
    """What decides the terms: a stored index made with other settings is rebuilt."""
    stops = hashlib.sha256(json.dumps({lang or "": sorted(_stopwords(lang)) for lang in STEMMED},
                                      sort_keys=True).encode()).hexdigest()[:16]
    return {"analysis": ANALYSIS_VERSION, "languages": list(STEMMED), "stopwords": stops}


class Analyzer(Tokenizer):
    """Whoosh's view of `tokens()`: one step, so indexing pays for no filter chain."""

    def __init__(self, lang: str | None = None):
        self.lang = lang

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not chars:  # indexing: no character offsets needed, the fast path
            for pos, text in enumerate(terms_of(value, self.lang, query_mode=mode == "query")):
                if text:
                    t.text, t.boost, t.stopped = text, 1.0, False
                    if positions:
                        t.pos = start_pos + pos
                    yield t
            return
        for pos, text, start, end in tokens(value, self.lang, query_mode=mode == "query"):
            t.text, t.boost, t.stopped = text, 1.0, False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


# --- the index --------------------------------------------------------------------------------

def _field(lang: str | None, kind: str) -> str:
    return f"{kind}_{lang or 'any'}"


TEXT_FIELDS = tuple(_field(lang, kind) for lang in (*STEMMED, None) for kind in ("title", "body"))


@cache
def schema() -> Schema:
    fields = dict(
        id=ID(stored=True, unique=True, sortable=True),
        url=STORED,
        title=STORED,
        body=STORED,
        tags=STORED,
        tag=KEYWORD(commas=True, stored=False, sortable=True),
        source=STORED,
        source_key=ID(sortable=True),
        language=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        year=ID(sortable=True),
        tagtext=TEXT(analyzer=Analyzer(None), field_boost=2.0),
        spell=TEXT(analyzer=Analyzer(None), phrase=False),
    )
    for lang in (*STEMMED, None):
        fields[_field(lang, "title")] = TEXT(analyzer=Analyzer(lang), field_boost=2.0)
        fields[_field(lang, "body")] = TEXT(analyzer=Analyzer(lang))
    return Schema(**fields)


@dataclass(frozen=True)
class Document:
    id: str
    url: str
    title: str
    body: str  # plain text
    tags: tuple[str, ...]
    tag_slugs: tuple[str, ...]
    source: str
    language: str
    date: str  # YYYY-MM-DD or ""


@dataclass(frozen=True)
class Entry:
    """One article as the index sees it before it needs the whole text: enough to tell
    whether it changed, and to label facets; `document()` builds the rest when it did."""
    id: str
    hash: str  # of everything the document is made from
    tags: tuple[str, ...]
    tag_slugs: tuple[str, ...]
    source: str
    language: str
    document: Callable[[], Document]


def _pack_body(text: str) -> bytes:
    """The body as stored for snippets: zlib at its fastest level, a third of the bytes."""
    return zlib.compress(text.encode("utf-8"), 1)


def _unpack_body(value) -> str:
    return zlib.decompress(value).decode("utf-8") if isinstance(value, bytes) else value or ""


def _fields(doc: Document) -> dict:
    lang = route(doc.language)
    return dict(
        id=doc.id, url=doc.url, title=doc.title, body=_pack_body(doc.body),
        tags=list(doc.tags), tag=",".join(doc.tag_slugs), source=doc.source,
        source_key=slugify(doc.source) if doc.source else "", language=doc.language.lower(),
        date=doc.date, year=doc.date[:4], tagtext=" ".join(doc.tags),
        spell=" ".join(dict.fromkeys(_WORD.findall(f"{doc.title} {' '.join(doc.tags)}"))),
        **{_field(lang, "title"): doc.title, _field(lang, "body"): doc.body},
    )


def _positions(terms: list[str]) -> dict[str, list[int]]:
    """term -> its positions, from terms_of()'s list (a word's position is its index)."""
    poses: dict[str, list[int]] = {}
    get = poses.get
    for i, t in enumerate(terms):
        p = get(t)
        if p is None:
            poses[t] = [i]
        else:
            p.append(i)
    poses.pop(_SKIP, None)
    return poses


def _term_counts(text: str, lang: str | None) -> dict[str, int]:
    """Each term of text and how many times it occurs, counted in C, in first-seen order."""
    counts = Counter(terms_of(text, lang))
    counts.pop(_SKIP, None)
    return dict(counts)


def _counts(doc: Document) -> dict[str, dict[str, int]]:
    """What the static index needs of _analyse(doc): each term's count."""
    lang = route(doc.language)
    return {"tagtext": _term_counts(" ".join(doc.tags), None),
            _field(lang, "title"): _term_counts(doc.title, lang),
            _field(lang, "body"): _term_counts(doc.body, lang)}


def _analyse(doc: Document, words: set[str] | None = None) -> dict[str, dict[str, list[int]]]:
    """A document's analysed text fields, once for Whoosh and the static cache alike:
    field -> term -> positions, the fields as _fields() routes them. words: a set given
    here gets the distinct words of the three fields as written (what _record() needs)."""
    lang = route(doc.language)
    out = {}
    for field, text, analysed_as in (("tagtext", " ".join(doc.tags), None),
                                     (_field(lang, "title"), doc.title, lang),
                                     (_field(lang, "body"), doc.body, lang)):
        found = _WORD.findall(text)
        if words is not None:
            words.update(found)
        out[field] = _positions(_terms(found, analysed_as))
    return out


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

    def __init__(self, ix):
        self.ix = ix
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
                terms = self.post.get(name)
                if terms is None:
                    terms = self.post[name] = {}
                poses = analysis.get(name)
                if poses is not None:
                    fb = field.format.field_boost
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
                else:
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
                if field.scorable:
                    lens = self.lengths.get(name)
                    if lens is None:
                        lens = self.lengths[name] = array("I")
                    lens.extend([0] * (local + 1 - len(lens)))
                    lens[local] = _stored_length(length) if length else 0
            pdw.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column and value is not None:
                pdw.add_column_value(name, column, field.to_column_value(value))
        pdw.finish_doc()
        w.docnum += 1
        w._added = True
        if self.count >= self.FLUSH_POSTINGS:
            self._flush()

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
                then: Callable[[], object] | None = None) -> IndexReport:
    """Bring the index in line with the entries: in place when only some changed (their
    hashes, kept beside the index, tell); rebuilt beside and swapped in when there is no
    index, it was made with other analysis settings, or `full` is asked. Searches never see
    half an index either way (Whoosh commits atomically). `then()` runs once the static
    cache is up to date (an update runs both in another process while Whoosh's segments
    are written here); its result is the report's `then`."""
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
            report = _update(entries, stored, index_dir, document)
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
        report = _rebuild(entries, index_dir, _side_files(entries), keep_cache=not full)
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
             keep_cache: bool = True) -> IndexReport:
    """The index made afresh beside and swapped in, and the static cache brought up to date,
    in one pass over the documents: each is read and analysed once, its postings go to
    Whoosh's codec directly (_BulkWriter) and its record to the cache."""
    new = fresh_dir_beside(index_dir)
    try:
        ix = index.create_in(str(new), schema())
        keep = keep_cache and _cache_current(index_dir / STATIC_CACHE)
        if keep:  # still good for the export: only what changed is redone
            shutil.copy2(index_dir / STATIC_CACHE, new / STATIC_CACHE)
        bulk = _BulkWriter(ix)
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

    def cache_side() -> None:
        os.close(read_fd)
        with open(write_fd, "wb", buffering=0) as out:  # each message is sent as it is made
            def record_of(entry: Entry) -> dict:
                doc = entry.document()
                words: set[str] = set()
                analysis = _analyse(doc, words)
                _send(out, orjson.dumps([[getattr(doc, f) for f in _DOC_FIELDS], analysis]))
                return _record(doc, analysis, words)
            cache(record_of=record_of)

    try:
        caching = Background(cache_side)
    except BaseException:  # no fork: neither end is anyone's
        os.close(read_fd)
        os.close(write_fd)
        raise
    os.close(write_fd)
    # read by a thread: while this one writes a segment (seconds; five times at 50k), the
    # messages queue up here and the other process goes on instead of waiting on a full pipe
    messages: queue.SimpleQueue = queue.SimpleQueue()

    def read_all() -> None:
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

    reader = threading.Thread(target=read_all, name="index-messages", daemon=True)
    reader.start()
    received = 0
    try:
        while received < len(entries):
            message = messages.get()
            if message is None:
                break
            values, analysis = orjson.loads(message)
            index_doc(_document(values), analysis)
            received += 1
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
            key = _static_key(db)
            files = _full_export(db, _layout(db), key)
            db.commit()
            with atomic_file(index_dir / PREPARED_FILE) as f:  # streamed: 140 MB at 50k,
                pickle.dump((key, files), f, protocol=5)     # never held twice
    finally:
        db.close()


def _update(entries: list[Entry], stored: dict, index_dir: Path, document) -> IndexReport:
    report = IndexReport()
    changed = [e for e in entries if stored.get(e.id) != e.hash]
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
            if entry.id in stored:
                report.updated += 1
            else:
                report.added += 1
        report.removed = len(gone)
        writer.commit()  # merges small segments as it goes; never a full optimize()
    finally:
        ix.close()
    return report


# --- queries ----------------------------------------------------------------------------------

FILTERS = {"tag": "tag", "source": "source_key", "lang": "language", "year": "year"}
MAX_QUERY_CHARS = 500  # a longer query, or filter value, is refused
MAX_WORDS = 32  # words in a query: each is looked up in a handful of fields, ~5 ms at 10k
MAX_DEPTH = 1000  # results reachable by paging: a page starting past them is refused


class QueryError(SearchError):
    """A query that cannot be answered as written (too long, too many words, too deep a
    page, unreadable): the reader's to fix, where other SearchErrors are the index's."""


_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})  # not counted as words
_FILTER = re.compile(r'(?<!\S)(tag|source|lang|year):(?:"([^"]*)"|(\S+))', re.I)


def split_filters(text: str) -> tuple[str, dict[str, str]]:
    """'syrie tag:irak source:"RT en français"' -> ('syrie', {'tag': 'irak', 'source': ...})."""
    found: dict[str, str] = {}

    def take(m):
        found[m.group(1).lower()] = m.group(2) if m.group(2) is not None else m.group(3)
        return " "
    rest = _FILTER.sub(take, text)
    return " ".join(rest.split()), found


def _filter_query(filters: dict[str, str]):
    terms = []
    for name, value in sorted(filters.items()):
        if not value or name not in FILTERS:
            continue
        if name in ("tag", "source"):
            value = slugify(value)
        elif name == "lang":
            value = value.lower()
        terms.append(query.Term(FILTERS[name], value))
    return query.And(terms) if terms else None


def _parser(schema_, languages: Iterable[str]) -> qparser.QueryParser:
    """A parser over the fields of the languages the index holds: a term is looked up in a
    handful of fields, not in all thirty."""
    present = set(languages) if languages else {lang or "any" for lang in (*STEMMED, None)}
    fields = [f for f in TEXT_FIELDS if f.split("_", 1)[1] in present]
    parser = qparser.MultifieldParser(["tagtext", *fields], schema_, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # "*" at a prefix scans the whole lexicon
    parser.remove_plugin_class(qparser.FieldsPlugin)  # field:value is ours (filters), not Whoosh's
    parser.remove_plugin_class(qparser.RangePlugin)  # "[a TO z]" scans the term list too
    parser.remove_plugin_class(qparser.EveryPlugin)  # "*:*" is not a reader's query
    # "-word" excludes, as in web search boxes; the hyphen of "Etats-Unis" does not
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def snippet_parts(text: str, terms: set[str], lang: str | None, width: int = 220) -> list[dict]:
    """The passage of text with the most query terms, as plain parts:
    [{'text': 'des ', 'match': False}, {'text': 'frappes', 'match': True}, ...]. Matches are
    found with the document's own analysis, so 'securite' marks 'sécurité' as written."""
    text = " ".join(text[: width * 4].split()) if not terms else " ".join(text.split())
    hits = _spans(text, terms, lang) if terms else []
    if not hits:
        end = text.rfind(" ", 0, width) if len(text) > width else len(text)
        return [{"text": text[: end if end > 0 else width] + ("…" if len(text) > width else ""),
                 "match": False}]
    best, best_count = hits[0][0], 0
    for i, (start, _) in enumerate(hits):  # the window of `width` chars holding most matches
        count = sum(1 for s, _ in hits[i:] if s < start + width)
        if count > best_count:
            best, best_count = start, count
    begin = max(0, best - 40)
    begin = text.rfind(" ", 0, begin) + 1 if begin else 0
    finish = min(len(text), begin + width)
    if finish < len(text):
        finish = max(text.rfind(" ", begin, finish), best + 1)
    parts, at = [], begin
    if begin > 0:
        parts.append({"text": "…", "match": False})
    for s, e in hits:
        if s < begin or e > finish:
            continue
        if s > at:
            parts.append({"text": text[at:s], "match": False})
        parts.append({"text": text[s:e], "match": True})
        at = e
    if finish > at:
        parts.append({"text": text[at:finish], "match": False})
    if finish < len(text):
        parts.append({"text": "…", "match": False})
    return parts


def _spans(text: str, terms: set[str], lang: str | None) -> list[tuple[int, int]]:
    """(start, end) of each word of text whose term is in terms, as `tokens()` finds them,
    but looking each distinct word up once in the analysis table (a page of snippets
    analysed word by word was a third of a query's time), then finding the matching ones
    with one regular expression."""
    table = _term_table(lang, False)
    distinct = set(_WORD.findall(text))
    unknown = [w for w in distinct if w not in table]
    if unknown:
        terms_of(" ".join(unknown), lang)  # fills the table
    found = [re.escape(w) for w in distinct if table.get(w) and table[w] in terms]
    if not found:
        return []
    found.sort(key=len, reverse=True)
    return [m.span() for m in re.finditer(r"(?<!\w)(?:" + "|".join(found) + r")(?!\w)", text)]


def _suggest(searcher, words: list[str]) -> str | None:
    """'syrei' -> 'syrie': each word not in the index replaced by its nearest indexed word."""
    corrector = searcher.corrector("spell")
    reader = searcher.reader()
    changed, out = False, []
    for word in words:
        folded = fold(word)
        if len(folded) > 2 and not reader.frequency("spell", folded) and not any(
                reader.frequency(f, term(word, route(f.split("_")[1])))
                for f in TEXT_FIELDS if f.startswith("body_")):
            # a typo keeps its first two letters: the search space shrinks a hundredfold
            found = corrector.suggest(folded, limit=1, maxdist=2, prefix=2)
            if found:
                out.append(found[0])
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None


class _TopAndAll(collectors.TopCollector):
    """The top N by score and, in the same pass, every match (for the total and the
    facets), where Whoosh would skip blocks and then run the query again to count. The
    ranking is the same: a skipped block could not have entered the top N. Equal scores go
    by the documents' ids (`by_id`: each document number's rank), not by their numbers:
    an update re-adds an edited document at the end, and the order of equals must not
    depend on the index's history."""

    def __init__(self, limit: int, by_id):
        super().__init__(limit, usequality=False)
        self.by_id = by_id

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        self.total += 1
        items = self.items
        item = (score, -int(self.by_id[global_docnum]), global_docnum)
        if len(items) < self.limit:
            heappush(items, item)
        elif item > items[0]:
            heapreplace(items, item)
        return 0 - score  # a sorting key, as TopCollector's

    def results(self):
        ranked = sorted(self.items, reverse=True)  # best score first, then the smaller id
        return self._results([(score, docnum) for score, _, docnum in ranked])


def _exists(index_dir: Path) -> bool:
    """Whether there is an index in the folder, whole or damaged: Whoosh's exists_in() reads
    the table of contents, and raises on one cut short (a TypeError) or garbled. A damaged
    index exists: opening it says what is wrong, and a build rebuilds it."""
    try:
        return index.exists_in(str(index_dir))
    except Exception:  # noqa: BLE001 - whoosh raises many kinds for a damaged folder
        return True


def _open(index_dir: Path, mmap: bool = True):
    """The index, its segments checked: one cut short or garbled fails here, not mid-search.
    Without mmap for an update: Whoosh copies each compound segment it maps into memory
    (a BytesIO of the mapped buffer), 400 MB for an update at 50,000 articles."""
    try:
        ix = FileStorage(str(index_dir), supports_mmap=mmap).open_index()
    except Exception as exc:  # whoosh raises many kinds for a damaged folder
        raise SearchError(f"cannot open the search index: {exc}", index_dir) from None
    try:
        ix.reader().close()
    except Exception as exc:  # noqa: BLE001
        ix.close()
        raise SearchError(f"cannot open the search index: {type(exc).__name__}: {exc}",
                          index_dir) from None
    return ix


def open_index(index_dir: Path):
    if not _exists(index_dir):
        raise SearchError("no search index here: run `broadsheet build` first", index_dir)
    return _open(index_dir)


FACETS = {"tag": ("tag", True), "source": ("source_key", False), "lang": ("language", False),
          "year": ("year", False)}


class _InTurn:
    """A lock that serves waiting threads in the order they came: threading.Lock lets a
    newcomer take it ahead of threads already waiting, so under load some searches waited
    several times as long as the others."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._busy = False

    def __enter__(self):
        with self._mutex:
            if not self._busy:
                self._busy = True
                return self
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder before us, which hands the lock over
        return self

    def __exit__(self, *exc) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._busy = False


class SearchIndex:
    """An open index that answers queries. It keeps its searcher and facet tables between
    queries (the preview server holds one) and reopens them when a build has committed a
    new generation. One query at a time: Whoosh searchers are not shared across threads."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = _InTurn()
        self._ix = None
        self._searcher = None
        self._facet_table: tuple | None = None
        self._rank = None
        self._opened = None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        if self._ix is not None:
            self._ix.close()
        self._ix = self._searcher = self._facet_table = self._rank = None

    def _identity(self):
        """A full rebuild swaps in a new folder whose generations start again at 1: the
        folder's inode tells it apart where Whoosh's generation number does not."""
        try:
            return self.index_dir.stat().st_ino
        except OSError:
            return None

    def _current(self):
        if self._searcher is not None:
            try:
                if self._opened == self._identity() and self._searcher.up_to_date():
                    return self._searcher
            except Exception:
                pass
            self.close()
        self._opened = self._identity()
        self._ix = open_index(self.index_dir)
        self._searcher = self._ix.searcher()
        return self._searcher

    def _facets_of(self, searcher) -> dict:
        """Facet tables, read once per index generation from the postings: for each facet,
        its values and two parallel arrays (document number, value number) of its pairs,
        so that counting a result set is one numpy call, not a loop over documents."""
        if self._facet_table is None:
            reader = searcher.reader()
            table = {}
            for name, (field, _) in FACETS.items():
                values, docs, idx = [], [], []
                for value in reader.lexicon(field):
                    text = value.decode("utf-8") if isinstance(value, bytes) else value
                    ids = list(reader.postings(field, value).all_ids())
                    docs.extend(ids)
                    idx.extend([len(values)] * len(ids))
                    values.append(text)
                table[name] = (values, numpy.array(docs, dtype=numpy.int64),
                               numpy.array(idx, dtype=numpy.int64))
            self._facet_table = (reader.doc_count_all(), table)
        return self._facet_table

    def _ranks(self, searcher) -> tuple:
        """Each document's rank by id, and in date order (newest first, then by id): read
        once per index generation from the sortable columns. Relevance breaks its ties with
        the first; a query sorted by date (or filters alone, thousands of documents) is one
        numpy sort of its matches by the second, where Whoosh's sorting collector computes a
        key per document in Python."""
        if self._rank is None:
            reader = searcher.reader()
            # an index of no documents (all excluded from search) has no columns to read
            empty = reader.doc_count_all() == 0
            ids = [] if empty else list(reader.column_reader("id"))
            dates = [] if empty else list(reader.column_reader("date"))
            order = sorted(range(len(ids)), key=ids.__getitem__)
            ranks = []
            for o in (order, sorted(order, key=dates.__getitem__, reverse=True)):  # stable
                rank = numpy.empty(len(o), dtype=numpy.int64)
                rank[o] = numpy.arange(len(o))
                ranks.append(rank)
            self._rank = tuple(ranks)
        return self._rank

    def search(self, text: str, *, limit: int = 10, page: int = 1, sort: str = "relevance",
               filters: dict[str, str] | None = None, facets: bool = True) -> dict:
        """Hits for a query, as plain data (the CLI's text and --json, the server's JSON).
        Bounded work whatever the query: QueryError for one longer than MAX_QUERY_CHARS (or a
        filter value), with more than MAX_WORDS words, or a page starting past MAX_DEPTH
        results; wildcards, ranges and fields are not Whoosh syntax here, so nothing expands
        to a scan of the lexicon."""
        if len(text) > MAX_QUERY_CHARS or any(len(str(v)) > MAX_QUERY_CHARS
                                              for v in (filters or {}).values()):
            raise QueryError(f"query too long: at most {MAX_QUERY_CHARS} characters")
        words, inline = split_filters(text)
        filters = {**inline, **{k: str(v) for k, v in (filters or {}).items() if v}}
        if not words and not filters:
            raise QueryError("empty query")
        if sum(w not in _OPERATORS for w in _WORD.findall(words)) > MAX_WORDS:
            raise QueryError(f"too many words: at most {MAX_WORDS}")
        limit, page = max(1, min(limit, MAX_DEPTH)), max(1, page)
        if (page - 1) * limit >= MAX_DEPTH:
            raise QueryError(f"pages go no deeper than the first {MAX_DEPTH} results: "
                             "narrow the query or add a filter")
        with self._lock:
            searcher = self._current()
            labels = _labels(self.index_dir)
            try:
                q = (_parser(self._ix.schema, labels.get("languages")).parse(words) if words
                     else query.Every())
            except Exception as exc:  # the parser's own complaints, whatever their kind
                raise QueryError(f"cannot read the query: {exc}") from None
            if isinstance(q, type(query.NullQuery)):
                q = query.Every() if filters else q  # "le tag:syrie": only stop words left
                words = "" if filters else words
            restrict = _filter_query(filters)
            # one pass over the matches: their set (the total, the facets) and, by relevance,
            # the top page * limit; sorted by date, a numpy sort of the set
            by_date = sort == "date" or not words  # filters alone: newest first
            if by_date:
                matched = list(searcher.docs_for_query(query.And([q, restrict]) if restrict
                                                       else q))
            else:
                top = _TopAndAll(page * limit, self._ranks(searcher)[0])
                searcher.search_with_collector(
                    q, collectors.FilterCollector(top, restrict) if restrict else top)
                matched = list(top.docset)
            total = len(matched)
            terms_by_field: dict[str, set[str]] = {}
            for fieldname, value in q.all_terms() if words else ():
                terms_by_field.setdefault(fieldname, set()).add(
                    value.decode("utf-8") if isinstance(value, bytes) else value)
            hits = []
            if (page - 1) * limit >= total:
                rows = []
            elif by_date:
                docs = numpy.array(matched, dtype=numpy.int64)
                docs = docs[numpy.argsort(self._ranks(searcher)[1][docs], kind="stable")]
                rows = [searcher.stored_fields(int(d))
                        for d in docs[(page - 1) * limit: page * limit]]
            else:
                rows = top.results()[(page - 1) * limit: page * limit]
            for hit in rows:
                lang = route(hit["language"])
                parts = snippet_parts(_unpack_body(hit["body"]),
                                      terms_by_field.get(_field(lang, "body"), set()), lang)
                hits.append({
                    "title": hit["title"], "url": hit["url"], "date": hit["date"] or None,
                    "source": hit["source"] or None, "language": hit["language"] or None,
                    "tags": list(hit["tags"]),
                    "snippet": "".join(p["text"] for p in parts), "snippet_parts": parts,
                })
            out = {"query": text, "words": words, "filters": filters, "total": total,
                   "page": page, "hits": hits,
                   "pages": max(1, min(math.ceil(total / limit), math.ceil(MAX_DEPTH / limit))),
                   "suggestion": None}
            if facets:
                out["facets"] = _count_facets(matched, self._facets_of(searcher), labels)
            if total == 0 and words:
                fixed = _suggest(searcher, _WORD.findall(words))
                if fixed:  # the filters stay as they were
                    fixed += "".join(f' {k}:"{v}"' if " " in v else f" {k}:{v}"
                                     for k, v in sorted(filters.items()))
                out["suggestion"] = fixed
        return out


def search(index_dir: Path, text: str, **options) -> dict:
    """One query on a freshly opened index (the CLI); servers keep a SearchIndex instead."""
    ix = SearchIndex(index_dir)
    try:
        return ix.search(text, **options)
    finally:
        ix.close()


def _labels(index_dir: Path) -> dict:
    path = index_dir / LABELS_FILE
    try:
        return _read_labels(path, path.stat().st_mtime_ns)
    except OSError:
        return {}


@lru_cache(maxsize=4)
def _read_labels(path: Path, mtime: int) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _count_facets(docnums, tables, labels: dict) -> dict:
    """Counts by tag, source, language and year over the matching documents, commonest
    first; each with the value a filter takes and the label to show."""
    size, table = tables
    matched = numpy.zeros(size, dtype=bool)
    matched[numpy.fromiter(docnums, dtype=numpy.int64)] = True
    out = {}
    for name, (values, docs, idx) in table.items():
        counts = numpy.bincount(idx[matched[docs]], minlength=len(values)) if len(docs) else []
        rows = [{"value": v, "label": labels.get(name, {}).get(v, v), "count": int(n)}
                for v, n in zip(values, counts) if n and v]
        out[name] = sorted(rows, key=lambda r: (-r["count"], r["label"]))[:20]
    return out


# --- the static index: search with no server --------------------------------------------------
#
# Written at build time into site/search/ as JavaScript files (they load from file:// where
# fetch() of JSON does not), sharded by a hash of the key so that a query loads a few small
# files. Every file is a pure function of the documents that contribute to it, so a build
# after a few edits rewrites only the files those documents touch, and an index updated in
# place gives the same bytes as one exported afresh:
# - a document is named by a key from a hash of its id (collisions settled in id order), not
#   by a rank that shifts when another is inserted;
# - postings carry raw numbers (term frequency, field length as Whoosh stores it) and the
#   page computes Whoosh's BM25F from them with N and the average field lengths of meta.js,
#   the one small file that changes on every build;
# - shard counts are powers of two of the corpus's size: they change only when it doubles.
# Queries are analysed in the browser by looking words up in the surface map (folded word ->
# term per group where that term is indexed) rather than by re-implementing stemmers in JS.
#
# What the export is made from lives in a SQLite cache in the index folder, written by
# write_index from the documents Whoosh gets: per document what it contributes (terms with
# their frequencies, field lengths, filters, words, the result-list record), counts per
# posting key and per word, and what changed since the last export.

STATIC_DIR = SEARCH_DIR
STATIC_VERSION = 3  # bump when the static index's format or scoring changes
# 3: meta.js names its export's key (the page asks for the other files under it)
STATIC_CACHE = "broadsheet-static.sqlite"
SHARD_BYTES = 12_000  # target size of one shard file; a larger posting list gets a file
DOCS_PER_SHARD = 10  # a page of 10 results loads at most 10 small files
BM25_B, BM25_K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes: the shard of a key, the same in Python and in JS."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


@lru_cache(maxsize=1 << 16)
def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if not n:
            return out


def _group_of(field: str) -> str:
    return "tagtext" if field == "tagtext" else field.split("_", 1)[1]


def _group_fields(group: str) -> tuple[str, ...]:
    """The fields of an analysis group, in the order their lists have in a posting."""
    return ("tagtext",) if group == "tagtext" else (_field(route(group), "title"),
                                                     _field(route(group), "body"))


def _slot(field: str) -> int:
    return 1 if field.startswith("body_") else 0


def _slots(key: str) -> int:
    return 1 if "=" in key or key.startswith("tagtext:") else 2


@cache
def _stored_length(n: int) -> int:
    """A field length as Whoosh stores it (one byte, logarithmic) and reports it."""
    from whoosh.util.numeric import byte_to_length, length_to_byte
    return byte_to_length(length_to_byte(n))


def _pow2(x: float) -> int:
    n = 1
    while n < x:
        n *= 2
    return n


def _record(doc: Document, analysis: dict | None = None, words: set[str] | None = None) -> dict:
    """What one document gives the static index: per field its length and term counts, its
    filter keys, its words (for the surface map) and its row in the result list.
    analysis: _analyse(doc, words) when the caller has it (positions, and the words as
    written); else they are made here."""
    lang = route(doc.language)
    group = lang or "any"
    by_field = _counts(doc) if analysis is None else {
        field: {t: len(p) for t, p in poses.items()} for field, poses in analysis.items()}
    fields = {field: [sum(counts.values()), counts]
              for field, counts in by_field.items() if counts}
    facets = {f"tag={s.strip()}" for s in doc.tag_slugs if s.strip()}
    if doc.source and slugify(doc.source):
        facets.add(f"source={slugify(doc.source)}")
    if doc.language:
        facets.add(f"lang={doc.language.lower()}")
    if doc.date[:4]:
        facets.add(f"year={doc.date[:4]}")
    # map() over the cached fold: the loop stays in C
    if words is None:
        words = set(_WORD.findall(f"{doc.title} {doc.body} {' '.join(doc.tags)}"))
    words = set(map(fold, words))
    snippet = "".join(p["text"] for p in snippet_parts(doc.body, set(), lang, width=180))
    row = [doc.url, doc.title, doc.date or "", doc.source or "", doc.language.lower(),
           list(doc.tags), snippet, [slugify(t) for t in doc.tags],  # the filters' own keys
           slugify(doc.source) if doc.source else ""]
    return {"g": group, "f": fields, "x": sorted(facets),
            "w": sorted(w for w in words if len(w) >= 2), "d": row}


def _contributions(rec: dict):
    """(posting key, slot, encoded tail) for everything a document puts in postings."""
    for field, (length, counts) in rec["f"].items():
        group, slot = _group_of(field), _slot(field)
        fl = "." + _b36(_stored_length(length))
        for t, tf in counts.items():
            yield f"{group}:{t}", slot, fl if tf == 1 else f"{fl}.{_b36(tf)}"
    for key in rec["x"]:
        yield key, 0, ""


def _page_slug(name: str) -> str:
    """The key search.js makes of a typed tag or source name: its fold() with every run of
    other characters than a-z and 0-9 a hyphen. slugify() transliterates where this cannot
    ('Łódź' -> 'lodz' against 'odz', 'Москва' -> 'moskva' against '')."""
    return _NOT_SLUG.sub("-", fold(name)).strip("-")


_NOT_SLUG = re.compile("[^a-z0-9]+")


def _record_names(rec: dict) -> set[str]:
    """The document's tag and source names that the search page needs looked up, as
    "kind NUL folded name NUL key": those whose _page_slug() is not their key."""
    row = rec["d"]
    named = [("tag", name, key) for name, key in zip(row[5], row[7])]
    if row[3] and row[8]:
        named.append(("source", row[3], row[8]))
    return {f"{kind}\0{fold(name)}\0{key}" for kind, name, key in named
            if key and _page_slug(name) != key}


def _record_keys(rec: dict) -> set[str]:
    out = set(rec["x"])
    for field, (_, counts) in rec["f"].items():
        prefix = _group_of(field) + ":"
        out.update([prefix + t for t in counts])
    return out


_HEADS = re.compile(r"(?:^|,)([0-9a-z]+)")


def _patch_list(text: str, drop: set[int], add: list[tuple[int, str]]) -> str:
    """A posting list ('delta.fl[.tf],...': sorted (document key, tail) with base-36
    numbers, each key as the difference from the one before) without the keys in drop,
    plus add, by splicing: the entries around a change are re-coded, the thousands of
    others are left as they are."""
    parts = text.split(",") if text else []
    keys = list(accumulate(map(int, _HEADS.findall(text), repeat(36))))

    def recode(i: int) -> None:
        if i < len(parts):
            dot = parts[i].find(".")
            tail = "" if dot < 0 else parts[i][dot:]
            parts[i] = _b36(keys[i] - (keys[i - 1] if i else 0)) + tail

    for k in sorted(drop):
        i = bisect_left(keys, k)
        if i < len(keys) and keys[i] == k:
            del keys[i], parts[i]
            recode(i)
    for k, tail in sorted(add):
        i = bisect_left(keys, k)
        keys.insert(i, k)
        parts.insert(i, _b36(k - (keys[i - 1] if i else 0)) + tail)
        recode(i + 1)
    return ",".join(parts)


def _dumps(data) -> str:
    return _dump_bytes(data).decode("utf-8")


def _dump_bytes(data) -> bytes:
    """JSON as json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    writes it, the same bytes five times faster (orjson): the static cache writes a record
    per document, and the export a script per shard."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def _script(name: str, data, dumps: Callable[[object], str] = _dumps) -> bytes:
    return f"BroadsheetSearch.load({json.dumps(name)},{dumps(data)});\n".encode("utf-8")


def _meta_script(data: dict) -> bytes:
    """meta.js, which holds floats: json's, whose text orjson's differs from for some
    (4e-05 against 0.00004), and is the same from one version to the next."""
    return _script("meta", data, partial(json.dumps, ensure_ascii=False, sort_keys=True,
                                         separators=(",", ":")))


def _parse_script(data: bytes):
    text = data.decode("utf-8")
    return orjson.loads(text[text.index(",") + 1: text.rindex(")")])


def _doc_keys(ids: Iterable[str], keybits: int) -> dict[str, int]:
    """Each id's document key: its hash in 2**keybits, the next free number on a collision
    (settled in (hash, id) order, so the same set of ids always gives the same keys)."""
    mask = (1 << keybits) - 1
    pairs = sorted((int.from_bytes(hashlib.blake2b(i.encode("utf-8"), digest_size=8).digest(),
                                   "big") & mask, i) for i in ids)
    out, prev = {}, -1
    for h, i in pairs:
        prev = out[i] = max(h, prev + 1)
    return out


def _term_in(word: str, group: str) -> str:
    return term(word, None if group in ("any", "tagtext") else group)


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


# -- the cache ---------------------------------------------------------------------------------

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
# names: "kind NUL folded name NUL key" for the tag and source names whose key the search page
# cannot make itself (see _record_names), with how many documents have them.
# stems: (group:term, word) for the words of the vocabulary whose term differs from the word,
# so that a term appearing or vanishing finds the words whose surface entry names it.


CACHE_FORMAT = 3  # bump when the cache's tables or marks change: a cache of another is reset
# 2: 'o' marks (an edited document's unchanged lists); 3: names


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
    key_delta: dict[str, int] = {}
    word_delta: dict[str, int] = {}
    dirty_k: set[str] = set()
    dirty_w: set[str] = set()
    dirty_o: set[str] = set()  # lists a changed document stays on, with the same entry
    name_delta: dict[str, int] = {}

    def count(rec: dict, sign: int, mark: bool = True) -> None:
        keys, words = _record_keys(rec), rec["w"]
        for n in _record_names(rec):
            name_delta[n] = name_delta.get(n, 0) + sign
        if sign > 0 and not tracking:  # a first build: counted in C
            key_counts.update(keys)
            word_counts.update(words)
            return
        for k in keys:
            key_delta[k] = key_delta.get(k, 0) + sign
        for w in words:
            word_delta[w] = word_delta.get(w, 0) + sign
        if tracking and mark:
            dirty_k.update(keys)
            dirty_w.update(words)

    def edited(old: dict, new: dict) -> None:
        """An edit changes few of a document's posting entries (a term's count, a field's
        length class) and few of its words: only the lists and surface entries that differ
        are marked, so the export does not re-splice the hundreds of lists the document is
        on, each as long as the corpus's use of a common word. A document whose key moves
        needs them all: they are kept as 'o', used only then."""
        count(old, -1, mark=False)
        count(new, +1, mark=False)
        before, after = set(_contributions(old)), set(_contributions(new))
        dirty_k.update(k for k, _, _ in before ^ after)
        dirty_o.update(k for k, _, _ in before & after)
        dirty_w.update(set(old["w"]) ^ set(new["w"]))

    key_counts: Counter = Counter()
    word_counts: Counter = Counter()
    rows = []
    insert = ("INSERT INTO docs(id, hash, record, digest, grp, lens, npost) VALUES (?,?,?,?,?,?,?) "
              "ON CONFLICT(id) DO UPDATE SET hash=excluded.hash, record=excluded.record, "
              "digest=excluded.digest, grp=excluded.grp, lens=excluded.lens, npost=excluded.npost")
    for e in changed:
        rec = record_of(e)
        text = _dump_bytes(rec)
        if e.id in olds and tracking:
            edited(olds[e.id], rec)
        else:
            if e.id in olds:
                count(olds[e.id], -1)
            count(rec, +1)
        lens = {f: n for f, (n, _) in rec["f"].items()}
        rows.append((e.id, e.hash, zlib.compress(text, 1), hashlib.sha1(text).hexdigest(),
                     rec["g"], _dumps(lens), sum(len(c) for _, c in rec["f"].values())
                     + len(rec["x"])))
        if len(rows) >= 256:  # streamed: the records of a whole corpus are never held
            db.executemany(insert, rows)
            rows.clear()
    for i in gone:
        count(olds[i], -1)
    for k, n in key_counts.items():
        key_delta[k] = key_delta.get(k, 0) + n
    for w, n in word_counts.items():
        word_delta[w] = word_delta.get(w, 0) + n
    db.executemany(insert, rows)
    # a gone document keeps its row (and the key it was published under) until the export
    db.executemany("UPDATE docs SET record=NULL, hash=NULL, digest=NULL WHERE id=?",
                   [(i,) for i in gone])
    db.execute("DELETE FROM docs WHERE hash IS NULL AND key IS NULL")
    for table, column, delta in (("keys", "key", key_delta), ("vocab", "word", word_delta),
                                 ("names", "name", name_delta)):
        now = dict(_select_in(db, f"SELECT {column}, n FROM {table} WHERE {column} IN ({{}})",
                              delta)) if old else {}
        after = {k: now.get(k, 0) + d for k, d in delta.items() if d}
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?, ?)",
                       [(k, n) for k, n in after.items() if n > 0])
        db.executemany(f"DELETE FROM {table} WHERE {column}=?",
                       [(k,) for k, n in after.items() if n <= 0])
        if table == "vocab":
            arrived = sorted(w for w, n in after.items() if n > 0 and not now.get(w))
    groups = {g for (g,) in db.execute("SELECT DISTINCT grp FROM docs WHERE hash IS NOT NULL")}
    stemmed = set(_info(db, "stemmed", []))
    missing = sorted(g for g in groups - stemmed if g != "any")
    if missing:  # a language new to the corpus: stem the whole vocabulary in it
        everything = [w for (w,) in db.execute("SELECT word FROM vocab")]
        _add_stems(db, everything, missing)
    _add_stems(db, arrived, sorted(stemmed))
    _set_info(db, "stemmed", sorted(stemmed | set(missing)))
    if tracking:
        db.executemany("INSERT OR IGNORE INTO dirty VALUES (?, ?)",
                       [("k", k) for k in sorted(dirty_k)] + [("w", w) for w in sorted(dirty_w)]
                       + [("o", k) for k in sorted(dirty_o - dirty_k)]
                       + [("id", e.id) for e in changed] + [("id", i) for i in gone])


def _add_stems(db, words: list[str], groups: list[str]) -> None:
    rows = []
    for g in groups:
        stem = _stemmer(g)
        for w in words:
            t = stem(w)
            if t != w:
                rows.append((f"{g}:{t}", w))
    db.executemany("INSERT OR IGNORE INTO stems VALUES (?, ?)", rows)


# -- the export --------------------------------------------------------------------------------

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


def _layout(db) -> dict:
    n, posts = db.execute(
        "SELECT COUNT(*), COALESCE(SUM(npost), 0) FROM docs WHERE hash IS NOT NULL").fetchone()
    words = db.execute("SELECT COUNT(*) FROM vocab").fetchone()[0] + len(_all_stopwords())
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
            "bm25": [BM25_B, BM25_K1], "names": names}


class _Files:
    """The files of a full export, built up shard by shard."""

    def __init__(self, layout: dict):
        self.layout = layout
        self.files: dict[str, bytes] = {}
        self.big: dict[str, str] = {}

    def postings(self, values: dict) -> None:
        """The posting files, from values (emptied: each list is let go once written)."""
        P = self.layout["p"]
        buckets: list[dict | None] = [{} for _ in range(P)]
        for key in sorted(values):
            value = values.pop(key)
            if _is_big(value):
                name = _big_name(key)
                self.big[key] = name
                self.files[f"{STATIC_DIR}/{name}.js"] = _script(name, {key: value})
            else:
                buckets[fnv1a(key) % P][key] = value
        for n in range(P):
            bucket, buckets[n] = buckets[n], None
            self.files[f"{STATIC_DIR}/p/{n}.js"] = _script(f"p/{n}", bucket)

    def table(self, kind: str, count: int, items: dict, shard: Callable) -> None:
        buckets: list[dict] = [{} for _ in range(count)]
        for key, value in items.items():
            buckets[shard(key)][key] = value
        for n, bucket in enumerate(buckets):
            self.files[f"{STATIC_DIR}/{kind}/{n}.js"] = _script(f"{kind}/{n}", bucket)


def _is_big(value) -> bool:
    size = len(value) if isinstance(value, str) else sum(len(v) + 3 for v in value)
    return size > SHARD_BYTES // 2


def _big_name(key: str) -> str:
    return f"p/x{fnv1a(key):08x}"


def _surface_entry(word: str, groups: list[str], present: Callable[[str], bool]) -> dict:
    if word in _all_stopwords():
        return {}  # a stop word maps to nothing: the query drops it
    # only the groups where the word's term is indexed: a French word does not make the
    # page load German posting shards
    found = {g: _term_in(word, g) for g in groups}
    return {g: t for g, t in found.items() if present(f"{g}:{t}")}


def _full_export(db, layout: dict, key: str) -> dict[str, bytes]:
    ids = [i for (i,) in db.execute("SELECT id FROM docs WHERE hash IS NOT NULL")]
    keys = _doc_keys(ids, layout["keybits"])
    # Documents are read one at a time in key order, so every posting list grows in order
    # and is delta-coded as it goes, in joined chunks: holding the postings of 10,000
    # documents as tuples took a gigabyte, as text it takes the size of the files. This loop
    # runs once per posting (300 a document): _contributions() written out, a table of
    # lists per field, by term, and one of the filters' lists, each a [previous key, chunk].
    fields: dict[str, dict[str, list]] = {}
    filters: dict[str, list] = {}
    docs: dict[str, list] = {}
    b36 = _b36
    for i in sorted(ids, key=keys.__getitem__):
        rec = _load_record(db.execute("SELECT record FROM docs WHERE id=?", (i,)).fetchone()[0])
        k = keys[i]
        for field, (length, counts) in rec["f"].items():
            lists = fields.get(field)
            if lists is None:
                lists = fields[field] = {}
            fl = "." + b36(_stored_length(length))
            for t, tf in counts.items():
                entry = lists.get(t)
                if entry is None:
                    entry = lists[t] = [0, []]
                chunk = entry[1]
                chunk.append(f"{b36(k - entry[0])}{fl}" if tf == 1
                             else f"{b36(k - entry[0])}{fl}.{b36(tf)}")
                entry[0] = k
                if len(chunk) >= 64:
                    chunk[:] = [",".join(chunk)]
        for pkey in rec["x"]:
            entry = filters.get(pkey)
            if entry is None:
                entry = filters[pkey] = [0, []]
            chunk = entry[1]
            chunk.append(b36(k - entry[0]))
            entry[0] = k
            if len(chunk) >= 64:
                chunk[:] = [",".join(chunk)]
        docs[b36(k)] = rec["d"]
    # each list joined as its chunks are let go, and each shard made as its lists are: the
    # postings are held once at a time (at 50k, 100 MB a copy)
    values: dict = {pkey: ",".join(filters.pop(pkey)[1]) for pkey in list(filters)}
    for group in {_group_of(f) for f in fields}:
        tables = [fields.get(f, {}) for f in _group_fields(group)]
        for t in set().union(*tables):
            values[f"{group}:{t}"] = [",".join(lists.pop(t)[1]) if t in lists else ""
                                      for lists in tables]
    del fields, filters
    present = set(values)
    out = _Files(layout)
    out.postings(values)
    groups = layout["groups"]
    # the words of the records: the vocabulary table counts them
    surface = {w: _surface_entry(w, groups, present.__contains__)
               for (w,) in db.execute("SELECT word FROM vocab")}
    surface.update({w: {} for w in _all_stopwords()})
    S, D = layout["s"], layout["d"]
    out.table("s", S, surface, lambda w: fnv1a(w) % S)
    out.table("d", D, docs, lambda k: int(k, 36) % D)
    out.files[f"{STATIC_DIR}/meta.js"] = _meta_script(_meta(db, layout, out.big, key))
    out.files[f"{STATIC_DIR}/key.txt"] = (key + "\n").encode()
    db.executemany("UPDATE docs SET key=? WHERE id=?", [(k, i) for i, k in keys.items()])
    return out.files


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
    if _info(db, "layout") != layout:
        raise _Stale("layout")
    old_meta = current.data("meta.js")
    if not isinstance(old_meta, dict) or old_meta.get("version") != STATIC_VERSION:
        raise _Stale("meta")
    old_big: dict[str, str] = old_meta.get("big", {})
    rows = db.execute("SELECT id, key, hash IS NOT NULL FROM docs").fetchall()
    if all(alive and k is not None for _, k, alive in rows):
        # the documents the last export keyed, no more, no fewer: their keys stand (keys are
        # a function of the set of ids), and 50,000 hashes and a sort are saved
        keys = {i: k for i, k, _ in rows}
    else:
        keys = _doc_keys((i for i, _, alive in rows if alive), layout["keybits"])
    dirty = {kind: set() for kind in ("k", "w", "id", "o")}
    for kind, item in db.execute("SELECT kind, item FROM dirty"):
        dirty[kind].add(item)
    moved = {i for i, k, alive in rows if alive and k != keys[i]}  # new, or shifted by a collision
    if any(i in dirty["id"] and k is not None and k != keys[i] for i, k, alive in rows if alive):
        # an edited document under a new key: off every list it was on
        dirty["k"] |= dirty["o"]
    touched = dirty["id"] | moved
    old_key = {i: k for i, k, _ in rows if i in touched and k is not None}
    recs = {i: _load_record(b) for i, b in _select_in(
        db, "SELECT id, record FROM docs WHERE record IS NOT NULL AND id IN ({})", touched)}
    for i in moved - dirty["id"]:
        dirty["k"] |= _record_keys(recs[i])
    drop = set(old_key.values())
    adds: dict[str, list] = {}
    for i, rec in recs.items():
        for pkey, slot, tail in _contributions(rec):
            adds.setdefault(pkey, []).append((slot, keys[i], tail))

    P, S, D = layout["p"], layout["s"], layout["d"]
    new_files: dict[str, bytes] = {}
    removed: set[str] = set()
    buckets: dict[int, dict] = {}  # p bucket -> its content, as changed

    def bucket(n: int) -> dict:
        if n not in buckets:
            buckets[n] = dict(current.data(f"p/{n}.js"))
        return buckets[n]

    big = dict(old_big)
    flipped = []
    for pkey in sorted(dirty["k"]):
        if pkey in old_big:
            old_value = current.data(f"{old_big[pkey]}.js").get(pkey)
        else:
            old_value = bucket(fnv1a(pkey) % P).get(pkey)
        olds = ([old_value] if isinstance(old_value, str) else list(old_value)) \
            if old_value is not None else [""] * _slots(pkey)
        added: list[list] = [[] for _ in olds]
        for slot, k, tail in adds.get(pkey, ()):
            added[slot].append((k, tail))
        lists = [_patch_list(text, drop, more) for text, more in zip(olds, added)]
        value = (lists[0] if "=" in pkey else lists) if any(lists) else None
        if (old_value is None) != (value is None):
            flipped.append(pkey)
        if pkey in old_big and (value is None or not _is_big(value)):
            removed.add(f"{STATIC_DIR}/{big.pop(pkey)}.js")
        home = bucket(fnv1a(pkey) % P)
        if value is not None and _is_big(value):
            name = big[pkey] = _big_name(pkey)
            removed.discard(f"{STATIC_DIR}/{name}.js")
            new_files[f"{STATIC_DIR}/{name}.js"] = _script(name, {pkey: value})
            home.pop(pkey, None)
        elif value is None:
            home.pop(pkey, None)
        else:
            home[pkey] = value
    for n, content in buckets.items():
        new_files[f"{STATIC_DIR}/p/{n}.js"] = _script(f"p/{n}", content)

    # the surface map: the changed documents' words, and the words whose term in some group
    # came to be indexed or stopped being
    words = set(dirty["w"])
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
    sbuckets: dict[int, dict] = {}
    for w in sorted(words):
        n = fnv1a(w) % S
        if n not in sbuckets:
            sbuckets[n] = dict(current.data(f"s/{n}.js"))
        if w in in_vocab or w in _all_stopwords():
            sbuckets[n][w] = _surface_entry(w, layout["groups"], present.__contains__)
        else:
            sbuckets[n].pop(w, None)
    for n, content in sbuckets.items():
        new_files[f"{STATIC_DIR}/s/{n}.js"] = _script(f"s/{n}", content)

    # the result list's rows: out under the old keys, in under the new
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
    for n, content in dbuckets.items():
        new_files[f"{STATIC_DIR}/d/{n}.js"] = _script(f"d/{n}", content)

    new_files[f"{STATIC_DIR}/meta.js"] = _meta_script(_meta(db, layout, big, key))
    new_files[f"{STATIC_DIR}/key.txt"] = (key + "\n").encode()
    db.executemany("UPDATE docs SET key=? WHERE id=?", [(keys[i], i) for i in sorted(recs)])
    return new_files, removed


PREPARED_FILE = "broadsheet-static-full.pickle"  # a full export made during a rebuild


def _prepared(index_dir: Path, key: str) -> dict[str, bytes] | None:
    """The full export a rebuild prepared, if it is of this very cache state."""
    try:
        with open(index_dir / PREPARED_FILE, "rb") as f:
            found, files = pickle.load(f)  # written by _cache_records in this index folder
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    return files if found == key else None


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
            files = prepared or _full_export(db, layout, key)
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
