"""What the index holds, and where: the Whoosh schema and the analyzer it runs, a document
and its fields, each field's analysis, and the index folder (the files kept beside the
index, opening it).

One analysed title and body field per language Whoosh has a stemmer for, plus
language-neutral `*_any` fields; the article's language routes its text.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from whoosh import index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from broadsheet.errors import SearchError
from broadsheet.model import slugify
from broadsheet.publish.search.analysis import (
    _SKIP, _WORD, STEMMED, _terms, route, terms_of, tokens)


FINGERPRINT_FILE = "broadsheet-analysis.json"
LABELS_FILE = "broadsheet-labels.json"  # tag and source keys -> names as written, for facets
HASHES_FILE = "broadsheet-hashes.json"  # id -> hash of what each document was made from


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
            for pos, text in enumerate(terms_of(value, self.lang)):
                if text:
                    t.text, t.boost, t.stopped = text, 1.0, False
                    if positions:
                        t.pos = start_pos + pos
                    yield t
            return
        for pos, text, start, end in tokens(value, self.lang):
            t.text, t.boost, t.stopped = text, 1.0, False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            yield t


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


@cache
def _stored_length(n: int) -> int:
    """A field length as Whoosh stores it (one byte, logarithmic) and reports it."""
    from whoosh.util.numeric import byte_to_length, length_to_byte
    return byte_to_length(length_to_byte(n))


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
