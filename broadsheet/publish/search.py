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
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy
from whoosh import index, qparser, query, sorting
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import has_stemmer, has_stopwords, languages, stemmer_for_language
from whoosh.lang import stopwords_for_language

from broadsheet.errors import SearchError
from broadsheet.fsutil import atomic_write, fresh_dir_beside, swap_in
from broadsheet.model import slugify

STEMMED = tuple(sorted(lang for lang in languages if has_stemmer(lang) and lang != "ar"))
ANALYSIS_VERSION = 2  # bump when analysis changes: stored indexes are then rebuilt in full
PROCS = 2  # index writers on a full rebuild (this project's machines have 2 cores)
PARALLEL_FROM = 500  # fewer documents than this: one writer is quicker
FINGERPRINT_FILE = "broadsheet-analysis.json"
LABELS_FILE = "broadsheet-labels.json"  # tag and source keys -> names as written, for facets
HASHES_FILE = "broadsheet-hashes.json"  # id -> hash of what each document was made from
_WORD = re.compile(r"\w+")


# --- analysis ---------------------------------------------------------------------------------

@lru_cache(maxsize=1 << 18)
def fold(word: str) -> str:
    """Lowercase without accents: 'État' -> 'etat'."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
    stem = stemmer_for_language(lang)
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


def _fields(doc: Document) -> dict:
    lang = route(doc.language)
    return dict(
        id=doc.id, url=doc.url, title=doc.title, body=doc.body,
        tags=list(doc.tags), tag=",".join(doc.tag_slugs), source=doc.source,
        source_key=slugify(doc.source) if doc.source else "", language=doc.language.lower(),
        date=doc.date, year=doc.date[:4], tagtext=" ".join(doc.tags),
        spell=" ".join(dict.fromkeys(_WORD.findall(f"{doc.title} {' '.join(doc.tags)}"))),
        **{_field(lang, "title"): doc.title, _field(lang, "body"): doc.body},
    )


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    full: bool = False


def write_index(entries: Iterable[Entry], index_dir: Path, *, full: bool = False) -> IndexReport:
    """Bring the index in line with the entries: in place when only some changed (their
    hashes, kept beside the index, tell); rebuilt beside and swapped in when there is no
    index, it was made with other analysis settings, or `full` is asked. Searches never see
    half an index either way (Whoosh commits atomically)."""
    entries = sorted(entries, key=lambda e: e.id)
    labels: dict = {"tag": {}, "source": {}, "languages": sorted(
        {route(e.language) or "any" for e in entries})}
    for e in entries:
        for tag in e.tags:
            labels["tag"].setdefault(slugify(tag), tag)
        if e.source:
            labels["source"].setdefault(slugify(e.source), e.source)
    side = {LABELS_FILE: json.dumps(labels, ensure_ascii=False, sort_keys=True),
            HASHES_FILE: json.dumps({e.id: e.hash for e in entries}, sort_keys=True)}
    stored = _read_json(index_dir / HASHES_FILE)
    usable = (not full and isinstance(stored, dict) and index.exists_in(str(index_dir))
              and _read_json(index_dir / FINGERPRINT_FILE) == fingerprint())
    if usable:
        try:
            report = _update(entries, stored, index_dir)
        except Exception:  # a damaged index is rebuilt, never patched
            pass
        else:
            for name, text in side.items():
                atomic_write(index_dir / name, text)
            return report
    return _rebuild(entries, index_dir, side)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _rebuild(entries: list[Entry], index_dir: Path, side: dict[str, str]) -> IndexReport:
    new = fresh_dir_beside(index_dir)
    try:
        ix = index.create_in(str(new), schema())
        # one segment per process, left unmerged: the final single-threaded merge is what
        # makes Whoosh's own multiprocessing slower than one writer
        procs = PROCS if len(entries) >= PARALLEL_FROM else 1
        writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1)
        for entry in entries:
            writer.add_document(**_fields(entry.document()))
        writer.commit()
        ix.close()
        atomic_write(new / FINGERPRINT_FILE, json.dumps(fingerprint(), sort_keys=True))
        for name, text in side.items():
            atomic_write(new / name, text)
        swap_in(new, index_dir)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return IndexReport(added=len(entries), full=True)


def _update(entries: list[Entry], stored: dict, index_dir: Path) -> IndexReport:
    report = IndexReport()
    changed = [e for e in entries if stored.get(e.id) != e.hash]
    gone = sorted(set(stored) - {e.id for e in entries})
    report.unchanged = len(entries) - len(changed)
    if not changed and not gone:
        return report
    ix = index.open_dir(str(index_dir))
    try:
        writer = ix.writer(limitmb=256)
        for doc_id in gone:
            writer.delete_by_term("id", doc_id)
        for entry in changed:
            writer.update_document(**_fields(entry.document()))
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
    # "-word" excludes, as in web search boxes; the hyphen of "Etats-Unis" does not
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def snippet_parts(text: str, terms: set[str], lang: str | None, width: int = 220) -> list[dict]:
    """The passage of text with the most query terms, as plain parts:
    [{'text': 'des ', 'match': False}, {'text': 'frappes', 'match': True}, ...]. Matches are
    found with the document's own analysis, so 'securite' marks 'sécurité' as written."""
    text = " ".join(text[: width * 4].split()) if not terms else " ".join(text.split())
    hits = [(s, e) for _, t, s, e in tokens(text, lang) if t in terms] if terms else []
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


def open_index(index_dir: Path):
    if not index.exists_in(str(index_dir)):
        raise SearchError("no search index here: run `broadsheet build` first", index_dir)
    try:
        return index.open_dir(str(index_dir))
    except Exception as exc:  # whoosh raises many kinds for a damaged folder
        raise SearchError(f"cannot open the search index: {exc}", index_dir) from None


FACETS = {"tag": ("tag", True), "source": ("source_key", False), "lang": ("language", False),
          "year": ("year", False)}


class SearchIndex:
    """An open index that answers queries. It keeps its searcher and facet tables between
    queries (the preview server holds one) and reopens them when a build has committed a
    new generation. One query at a time: Whoosh searchers are not shared across threads."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._ix = None
        self._searcher = None
        self._facet_table: tuple | None = None
        self._opened = None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        if self._ix is not None:
            self._ix.close()
        self._ix = self._searcher = self._facet_table = None

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

    def search(self, text: str, *, limit: int = 10, page: int = 1, sort: str = "relevance",
               filters: dict[str, str] | None = None, facets: bool = True) -> dict:
        """Hits for a query, as plain data (the CLI's text and --json, the server's JSON)."""
        words, inline = split_filters(text)
        filters = {**inline, **{k: v for k, v in (filters or {}).items() if v}}
        if not words and not filters:
            raise SearchError("empty query")
        with self._lock:
            searcher = self._current()
            labels = _labels(self.index_dir)
            q = (_parser(self._ix.schema, labels.get("languages")).parse(words) if words
                 else query.Every())
            if isinstance(q, type(query.NullQuery)):
                q = query.Every() if filters else q  # "le tag:syrie": only stop words left
                words = "" if filters else words
            restrict = _filter_query(filters)
            kwargs = {"filter": restrict}
            if sort == "date" or not words:  # filters alone: newest first, not segment order
                kwargs["sortedby"] = [sorting.FieldFacet("date", reverse=True),
                                      sorting.FieldFacet("id")]
            page = max(1, page)
            results = searcher.search(q, limit=page * limit, **kwargs)
            terms_by_field: dict[str, set[str]] = {}
            for fieldname, value in q.all_terms() if words else ():
                terms_by_field.setdefault(fieldname, set()).add(
                    value.decode("utf-8") if isinstance(value, bytes) else value)
            hits = []
            for hit in results[(page - 1) * limit: page * limit]:
                lang = route(hit["language"])
                parts = snippet_parts(hit["body"], terms_by_field.get(_field(lang, "body"), set()),
                                      lang)
                hits.append({
                    "title": hit["title"], "url": hit["url"], "date": hit["date"] or None,
                    "source": hit["source"] or None, "language": hit["language"] or None,
                    "tags": list(hit["tags"]),
                    "snippet": "".join(p["text"] for p in parts), "snippet_parts": parts,
                })
            total = len(results)
            out = {"query": text, "words": words, "filters": filters, "total": total,
                   "page": page, "pages": max(1, math.ceil(total / limit)), "hits": hits,
                   "suggestion": None}
            if facets:
                matched = searcher.docs_for_query(query.And([q, restrict]) if restrict else q)
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
# files. Its numbers come from the Whoosh index itself: each posting carries the BM25 score
# Whoosh gives that term in that document, summed over the fields of one analysis group, so
# the browser adds up the same numbers Whoosh does. Queries are analysed in the browser by
# looking words up in the surface map (folded word -> term per group) rather than by
# re-implementing stemmers in JavaScript.

STATIC_DIR = "search"
SHARD_BYTES = 12_000  # target size of one shard file; a larger posting list gets a file
DOCS_PER_SHARD = 10  # a page of 10 results loads at most 10 small files
SCALE = 65535
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes: the shard of a key, the same in Python and in JS."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if not n:
            return out


def _group_of(field: str) -> str:
    return "tagtext" if field == "tagtext" else field.split("_", 1)[1]


STATIC_VERSION = 1  # bump when the static index's format or scoring changes


def static_key(index_dir: Path) -> str:
    """What the static index is made from: the articles' hashes, their labels, the analysis.
    Equal keys, equal files: a build can then reuse the ones it wrote last time."""
    parts = [json.dumps({"static": STATIC_VERSION, **fingerprint()}, sort_keys=True)]
    for name in (HASHES_FILE, LABELS_FILE):
        try:
            parts.append((index_dir / name).read_text(encoding="utf-8"))
        except OSError:
            parts.append("")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def static_files(index_dir: Path) -> dict[str, bytes]:
    """The files of the static index, by path under site/."""
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            return _static_files(searcher, _labels(index_dir), static_key(index_dir))
    finally:
        ix.close()


def _static_files(searcher, labels: dict, static_key_for_files: str) -> dict[str, bytes]:
    reader = searcher.reader()
    # numbered by article id and scored from the live documents alone: an index updated in
    # place (with deleted documents inside) and one built afresh give the same files
    ids = {docnum: reader.stored_fields(docnum)["id"] for docnum in reader.all_doc_ids()}
    live = sorted(ids, key=ids.get)
    dense = {docnum: i for i, docnum in enumerate(live)}
    count = len(live) or 1
    present = set(labels.get("languages") or [])
    fields = ["tagtext"] + [f for f in TEXT_FIELDS if f.split("_", 1)[1] in present]
    B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
    postings: dict[str, dict[int, float]] = {}
    surface: dict[str, dict[str, str]] = {}
    for field in fields:
        group = _group_of(field)
        lengths = {d: reader.doc_field_length(d, field, 0) or 0 for d in live}
        avgfl = (sum(lengths.values()) / count) or 1
        for raw in reader.lexicon(field):
            word = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            found = []
            m = reader.postings(field, raw)
            while m.is_active():
                if m.id() in dense:
                    found.append((m.id(), m.weight()))
                m.next()
            if not found:
                continue
            idf = math.log(count / (len(found) + 1)) + 1  # Whoosh's idf, on live documents
            scores = postings.setdefault(f"{group}:{word}", {})
            for docnum, tf in found:
                fl = lengths[docnum] or 1
                d = dense[docnum]
                scores[d] = scores.get(d, 0.0) + idf * (tf * (K1 + 1)) / (
                    tf + K1 * ((1 - B) + B * fl / avgfl))
    for name, (field, _) in FACETS.items():  # filters are postings too: "tag=syrie"
        for raw in reader.lexicon(field):
            value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            ids = [dense[d] for d in reader.postings(field, raw).all_ids() if d in dense]
            postings[f"{name}={value}"] = {d: 0.0 for d in ids}
    # the surface map: every word of every document, folded, with its term in each group
    groups = sorted({_group_of(f) for f in fields})
    docs = []
    for docnum in live:
        stored = reader.stored_fields(docnum)
        for word in set(_WORD.findall(f"{stored['title']} {stored['body']} "
                                      f"{' '.join(stored.get('tags') or ())}")):
            folded = fold(word)
            if folded not in surface and len(folded) >= 2:
                # only the groups where the word's term is indexed: a French word does not
                # make the page load German posting shards
                found = {g: term(word, g if g not in ("any", "tagtext") else None)
                         for g in groups}
                surface[folded] = {g: t for g, t in found.items() if f"{g}:{t}" in postings}
        lang = route(stored["language"])
        parts = snippet_parts(stored["body"], set(), lang, width=180)
        docs.append([stored["url"], stored["title"], stored["date"] or "", stored["source"] or "",
                     stored["language"] or "", list(stored.get("tags") or ()),
                     "".join(p["text"] for p in parts),
                     [slugify(t) for t in stored.get("tags") or ()],  # the filters' own keys
                     slugify(stored["source"]) if stored["source"] else ""])

    for word in _all_stopwords():  # a stop word maps to nothing: the query drops it
        surface[word] = {}
    files: dict[str, bytes] = {}
    big: dict[str, str] = {}  # key -> its own file, for posting lists too large to share

    def shard_files(kind: str, items: dict) -> int:
        sizes = {k: len(v) if isinstance(v, str) else len(json.dumps(v)) for k, v in items.items()}
        for key in sorted(items):
            if sizes[key] > SHARD_BYTES // 2:
                name = f"{kind}/x{fnv1a(key):08x}"
                big[key] = name
                body = json.dumps({key: items[key]}, ensure_ascii=False, separators=(",", ":"))
                files[f"{STATIC_DIR}/{name}.js"] = (
                    f"BroadsheetSearch.load({json.dumps(name)},{body});\n").encode("utf-8")
        small = {k: v for k, v in items.items() if k not in big}
        total = sum(len(k) + sizes[k] + 4 for k in small)
        count = max(1, math.ceil(total / SHARD_BYTES))
        buckets: list[dict[str, str]] = [{} for _ in range(count)]
        for key in sorted(small):
            buckets[fnv1a(key) % count][key] = small[key]
        for n, bucket in enumerate(buckets):
            body = json.dumps(bucket, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            files[f"{STATIC_DIR}/{kind}/{n}.js"] = (
                f"BroadsheetSearch.load({json.dumps(f'{kind}/{n}')},{body});\n").encode("utf-8")
        return count

    encoded = {}
    top = max((s for scores in postings.values() for s in scores.values()), default=1.0) or 1.0
    for key, scores in postings.items():
        prev, parts = 0, []
        for d in sorted(scores):
            # delta-coded document numbers, scores on a 0-65535 scale (ties are rare at that)
            parts.append(f"{_b36(d - prev)}.{_b36(round(scores[d] / top * SCALE))}")
            prev = d
        encoded[key] = ",".join(parts)
    shards = {
        "p": shard_files("p", encoded),
        "s": shard_files("s", surface),
    }
    for n in range(0, len(docs), DOCS_PER_SHARD):
        body = json.dumps(docs[n: n + DOCS_PER_SHARD], ensure_ascii=False, separators=(",", ":"))
        files[f"{STATIC_DIR}/d/{n // DOCS_PER_SHARD}.js"] = (
            f"BroadsheetSearch.load({json.dumps(f'd/{n // DOCS_PER_SHARD}')},{body});\n").encode()
    meta = {"docs": len(docs), "docsPerShard": DOCS_PER_SHARD, "shards": shards, "big": big,
            "groups": sorted({_group_of(f) for f in fields}), "scale": top / SCALE}
    files[f"{STATIC_DIR}/key.txt"] = (static_key_for_files + "\n").encode()
    files[f"{STATIC_DIR}/meta.js"] = (
        "BroadsheetSearch.load(\"meta\","
        + json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        + ");\n").encode("utf-8")
    return files
