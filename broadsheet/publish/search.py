"""The search index: the only module that imports whoosh.

One analysed title and body field per language Whoosh can stem, plus language-neutral
`*_any` fields for the rest; the article's language routes its text. Case and accents are
folded before stemming, so "etat" finds "État" and "securite" finds "sécurité". Stop words
are the document's language's at index time and every language's at query time, so "the
strikes" does not demand that a French article contain "the".
"""

from __future__ import annotations

import math
import re
from itertools import chain
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from whoosh import highlight, index, qparser, sorting
from whoosh.analysis import (CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter,
                             StopFilter)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import has_stemmer, has_stopwords, languages, stopwords_for_language
from whoosh.support.charset import accent_map

from broadsheet.errors import SearchError
from broadsheet.fsutil import fresh_dir_beside, swap_in

STEMMED = tuple(sorted(lang for lang in languages if has_stemmer(lang)))
_MARK_START, _MARK_END = "\ue000", "\ue001"  # private-use: cannot collide with article text


def _fold(words: Iterable[str]) -> frozenset[str]:
    return frozenset(w.lower().translate(accent_map) for w in words)


@cache
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*(_stopwords(lang) for lang in STEMMED))


def _stopwords(lang: str | None) -> frozenset[str]:
    return _fold(stopwords_for_language(lang)) if lang and has_stopwords(lang) else frozenset()


class ByMode(Filter):
    """One filter when indexing, another when parsing a query. (Whoosh's MultiFilter does the
    same but raises on an empty token stream.)"""

    def __init__(self, index: Filter, query: Filter):
        self.index, self.query = index, query

    def __call__(self, tokens):
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is None:
            return iter(())
        chosen = self.query if first.mode == "query" else self.index
        return chosen(chain([first], tokens))


def _analyzer(lang: str | None):
    ana = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    ana = ana | ByMode(index=StopFilter(_stopwords(lang)), query=StopFilter(_all_stopwords()))
    return ana | StemFilter(lang=lang) if lang else ana


def _field(lang: str | None, kind: str) -> str:
    return f"{kind}_{lang or 'any'}"


@cache
def schema() -> Schema:
    fields = dict(
        id=ID(stored=True, unique=True),
        url=STORED,
        title=STORED,
        body=STORED,
        tags=STORED,
        tag=KEYWORD(commas=True, lowercase=True),
        source=ID(stored=True),
        language=ID(stored=True),
        date=ID(stored=True, sortable=True),
        tagtext=TEXT(analyzer=_analyzer(None), field_boost=2.0),
    )
    for lang in (*STEMMED, None):
        fields[_field(lang, "title")] = TEXT(analyzer=_analyzer(lang), field_boost=2.0)
        fields[_field(lang, "body")] = TEXT(analyzer=_analyzer(lang))
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


def _route(language: str) -> str | None:
    lang = (language or "").split("-")[0].lower()
    return lang if lang in STEMMED else None


def write_index(documents: Iterable[Document], index_dir: Path) -> int:
    """Build a fresh index beside index_dir and swap it in: searches never see half an index."""
    new = fresh_dir_beside(index_dir)
    try:
        ix = index.create_in(str(new), schema())
        writer = ix.writer(limitmb=256)
        count = 0
        for doc in documents:
            lang = _route(doc.language)
            clean = lambda s: s.replace(_MARK_START, "").replace(_MARK_END, "")  # noqa: E731
            writer.add_document(
                id=doc.id, url=doc.url, title=clean(doc.title), body=clean(doc.body),
                tags=list(doc.tags), tag=",".join(doc.tag_slugs), source=doc.source,
                language=doc.language, date=doc.date, tagtext=" ".join(doc.tags),
                **{_field(lang, "title"): doc.title, _field(lang, "body"): doc.body},
            )
            count += 1
        writer.commit()
        ix.close()
        swap_in(new, index_dir)
    except BaseException:
        import shutil
        shutil.rmtree(new, ignore_errors=True)
        raise
    return count


class _Marker(highlight.Formatter):
    """Wraps matched words in private-use marks; callers split on them (no HTML here)."""
    between = " … "

    def format_token(self, text, token, replace=False):
        return _MARK_START + highlight.get_text(text, token, replace) + _MARK_END


def snippet_parts(marked: str) -> list[dict]:
    """'a \ue000b\ue001 c' -> [{'text': 'a ', 'match': False}, {'text': 'b', 'match': True}, ...]"""
    parts = []
    for piece in re.split(f"({_MARK_START}[^{_MARK_END}]*{_MARK_END})", marked):
        if piece.startswith(_MARK_START):
            parts.append({"text": piece[1:-1], "match": True})
        elif piece:
            parts.append({"text": piece, "match": False})
    return parts


def _parser(ix) -> qparser.QueryParser:
    fields = ["tagtext"] + [_field(lang, kind) for lang in (*STEMMED, None)
                            for kind in ("title", "body")]
    parser = qparser.MultifieldParser(fields, ix.schema, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # "*" at a prefix scans the whole lexicon
    # "-word" excludes, as in web search boxes; the hyphen of "Etats-Unis" does not
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def search(index_dir: Path, query: str, *, limit: int = 10, page: int = 1,
           sort: str = "relevance") -> dict:
    """Hits for a query, as plain data (for the CLI's text and --json, and the server)."""
    if not query.strip():
        raise SearchError("empty query")
    if not index.exists_in(str(index_dir)):
        raise SearchError("no search index here: run `broadsheet build` first", index_dir)
    try:
        ix = index.open_dir(str(index_dir))
    except Exception as exc:  # whoosh raises many kinds for a damaged folder
        raise SearchError(f"cannot open the search index: {exc}", index_dir) from None
    try:
        searcher = ix.searcher()
    except Exception as exc:
        ix.close()
        raise SearchError(f"cannot read the search index: {exc}", index_dir) from None
    with searcher:
        q = _parser(ix).parse(query)
        kwargs = {}
        if sort == "date":
            kwargs = {"sortedby": sorting.FieldFacet("date", reverse=True)}
        results = searcher.search_page(q, max(1, page), pagelen=limit, terms=True, **kwargs)
        results.results.formatter = _Marker()
        results.results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        hits = []
        for hit in results:
            lang = _route(hit["language"])
            marked = hit.highlights(_field(lang, "body"), text=hit["body"], top=2)
            if not marked:
                marked = hit["body"][:200]
            marked = re.sub(r"\s+", " ", marked).strip()
            hits.append({
                "title": hit["title"], "url": hit["url"], "date": hit["date"] or None,
                "source": hit["source"] or None, "language": hit["language"] or None,
                "tags": list(hit["tags"]),
                "snippet": marked.replace(_MARK_START, "").replace(_MARK_END, ""),
                "snippet_parts": snippet_parts(marked),
            })
        out = {"query": query, "total": results.total, "page": results.pagenum,
                "pages": max(1, math.ceil(results.total / limit)), "hits": hits}
    ix.close()
    return out
