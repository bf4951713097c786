"""Searching an index: SearchIndex (an open index answering queries: results, facets,
snippets, suggestions) and search(), one query on a freshly opened index."""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from functools import lru_cache
from heapq import heappush, heapreplace
from pathlib import Path

import numpy
from whoosh import collectors, query

from broadsheet.publish.search.analysis import _WORD, fold, route, term
from broadsheet.publish.search.documents import (
    LABELS_FILE, TEXT_FIELDS, _field, _unpack_body, open_index)
from broadsheet.publish.search.queries import (
    MAX_DEPTH, MAX_QUERY_CHARS, MAX_WORDS, _OPERATORS, _filter_query, _parser, split_filters)
from broadsheet.errors import QueryError
from broadsheet.publish.search.snippets import snippet_parts


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
        words, filters, limit, page = _bounded(text, filters, limit, page)
        with self._lock:
            searcher = self._current()
            labels = _labels(self.index_dir)
            q, words = _parsed(self._ix.schema, labels, words, filters)
            by_date = sort == "date" or not words  # filters alone: newest first
            matched, rows = self._matches(searcher, q, _filter_query(filters), by_date,
                                          page, limit)
            total = len(matched)
            terms_by_field = _terms_by_field(q) if words else {}
            hits = [_hit(row, terms_by_field) for row in rows]
            out = {"query": text, "words": words, "filters": filters, "total": total,
                   "page": page, "hits": hits,
                   "pages": max(1, min(math.ceil(total / limit), math.ceil(MAX_DEPTH / limit))),
                   "suggestion": None}
            if facets:
                out["facets"] = _count_facets(matched, self._facets_of(searcher), labels)
            if total == 0 and words:
                out["suggestion"] = _suggestion(searcher, words, filters)
        return out

    def _matches(self, searcher, q, restrict, by_date: bool, page: int,
                 limit: int) -> tuple[list, list]:
        """Every matching document's number, and the stored fields of the page's rows."""
        # one pass over the matches: their set (the total, the facets) and, by relevance,
        # the top page * limit; sorted by date, a numpy sort of the set
        if by_date:
            matched = list(searcher.docs_for_query(query.And([q, restrict]) if restrict
                                                   else q))
        else:
            top = _TopAndAll(page * limit, self._ranks(searcher)[0])
            searcher.search_with_collector(
                q, collectors.FilterCollector(top, restrict) if restrict else top)
            matched = list(top.docset)
        if (page - 1) * limit >= len(matched):
            rows = []
        elif by_date:
            docs = numpy.array(matched, dtype=numpy.int64)
            docs = docs[numpy.argsort(self._ranks(searcher)[1][docs], kind="stable")]
            rows = [searcher.stored_fields(int(d))
                    for d in docs[(page - 1) * limit: page * limit]]
        else:
            rows = top.results()[(page - 1) * limit: page * limit]
        return matched, rows


def _bounded(text: str, filters: dict[str, str] | None, limit: int,
             page: int) -> tuple[str, dict[str, str], int, int]:
    """The query's words, its filters (inline ones and the given ones), the limit and the
    page, each within bounds, or QueryError (see SearchIndex.search)."""
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
    return words, filters, limit, page


def _parsed(schema, labels: dict, words: str, filters: dict[str, str]) -> tuple:
    """The words as a Whoosh query, and the words left to search for ("" when only stop
    words were left and filters alone select)."""
    try:
        q = (_parser(schema, labels.get("languages")).parse(words) if words
             else query.Every())
    except Exception as exc:  # the parser's own complaints, whatever their kind
        raise QueryError(f"cannot read the query: {exc}") from None
    if isinstance(q, type(query.NullQuery)):
        q = query.Every() if filters else q  # "le tag:syrie": only stop words left
        words = "" if filters else words
    return q, words


def _terms_by_field(q) -> dict[str, set[str]]:
    """The query's terms by field: what the snippets mark."""
    terms_by_field: dict[str, set[str]] = {}
    for fieldname, value in q.all_terms():
        terms_by_field.setdefault(fieldname, set()).add(
            value.decode("utf-8") if isinstance(value, bytes) else value)
    return terms_by_field


def _hit(hit, terms_by_field: dict[str, set[str]]) -> dict:
    """One result as plain data, from its stored fields, with its snippet."""
    lang = route(hit["language"])
    parts = snippet_parts(_unpack_body(hit["body"]),
                          terms_by_field.get(_field(lang, "body"), set()), lang)
    return {
        "title": hit["title"], "url": hit["url"], "date": hit["date"] or None,
        "source": hit["source"] or None, "language": hit["language"] or None,
        "tags": list(hit["tags"]),
        "snippet": "".join(p["text"] for p in parts), "snippet_parts": parts,
    }


def _suggestion(searcher, words: str, filters: dict[str, str]) -> str | None:
    """A query with the words' typos mended (see _suggest), its filters as they were."""
    fixed = _suggest(searcher, _WORD.findall(words))
    if fixed:  # the filters stay as they were
        fixed += "".join(f' {k}:"{v}"' if " " in v else f" {k}:{v}"
                         for k, v in sorted(filters.items()))
    return fixed


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
        # commonest first, then by label folded: 'État' among the E's, not after 'Syrie'
        out[name] = sorted(rows, key=lambda r: (-r["count"], fold(r["label"]), r["label"]))[:20]
    return out
