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
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path

from whoosh import index, qparser, query, sorting
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import has_stemmer, has_stopwords, languages, stemmer_for_language
from whoosh.lang import stopwords_for_language

from broadsheet.errors import SearchError
from broadsheet.fsutil import atomic_write, fresh_dir_beside, swap_in
from broadsheet.model import slugify

STEMMED = tuple(sorted(lang for lang in languages if has_stemmer(lang) and lang != "ar"))
ANALYSIS_VERSION = 1  # bump when analysis changes: stored indexes are then rebuilt in full
FINGERPRINT_FILE = "broadsheet-analysis.json"
LABELS_FILE = "broadsheet-labels.json"  # tag and source keys -> names as written, for facets
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
        id=ID(stored=True, unique=True),
        hash=STORED,
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

    @property
    def hash(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def _fields(doc: Document) -> dict:
    lang = route(doc.language)
    return dict(
        id=doc.id, hash=doc.hash, url=doc.url, title=doc.title, body=doc.body,
        tags=list(doc.tags), tag=",".join(doc.tag_slugs), source=doc.source,
        source_key=slugify(doc.source) if doc.source else "", language=doc.language,
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


def _stored_fingerprint(index_dir: Path) -> dict | None:
    try:
        return json.loads((index_dir / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_index(documents: Iterable[Document], index_dir: Path, *, full: bool = False) -> IndexReport:
    """Bring the index in line with the documents: in place when only some changed; rebuilt
    beside and swapped in when there is none, it was made with other analysis settings, or
    `full` is asked. Searches never see half an index either way (Whoosh commits atomically)."""
    docs = list(documents)
    labels = {"tag": {}, "source": {}}
    for doc in sorted(docs, key=lambda d: d.id):
        for tag, slug in zip(doc.tags, doc.tag_slugs):
            labels["tag"].setdefault(slug, tag)
        if doc.source:
            labels["source"].setdefault(slugify(doc.source), doc.source)
    labels_json = json.dumps(labels, ensure_ascii=False, sort_keys=True)
    usable = (not full and index.exists_in(str(index_dir))
              and _stored_fingerprint(index_dir) == fingerprint())
    if usable:
        try:
            report = _update(docs, index_dir)
            atomic_write(index_dir / LABELS_FILE, labels_json)
            return report
        except Exception:  # a damaged index is rebuilt, never patched
            pass
    return _rebuild(docs, index_dir, labels_json)


def _rebuild(docs: list[Document], index_dir: Path, labels_json: str) -> IndexReport:
    new = fresh_dir_beside(index_dir)
    try:
        ix = index.create_in(str(new), schema())
        writer = ix.writer(limitmb=256)
        for doc in docs:
            writer.add_document(**_fields(doc))
        writer.commit()
        ix.close()
        atomic_write(new / FINGERPRINT_FILE, json.dumps(fingerprint(), sort_keys=True))
        atomic_write(new / LABELS_FILE, labels_json)
        swap_in(new, index_dir)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return IndexReport(added=len(docs), full=True)


def _update(docs: list[Document], index_dir: Path) -> IndexReport:
    report = IndexReport()
    ix = index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            stored = {f["id"]: f.get("hash") for f in searcher.all_stored_fields()}
        wanted = {d.id: d for d in docs}
        changed = [d for d in docs if stored.get(d.id) != d.hash]
        gone = sorted(set(stored) - set(wanted))
        report.unchanged = len(docs) - len(changed)
        if not changed and not gone:
            return report
        writer = ix.writer(limitmb=256)
        for doc_id in gone:
            writer.delete_by_term("id", doc_id)
        for doc in changed:
            writer.update_document(**_fields(doc))
            if doc.id in stored:
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


def _parser(schema_) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(["tagtext", *TEXT_FIELDS], schema_, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)  # "*" at a prefix scans the whole lexicon
    parser.remove_plugin_class(qparser.FieldsPlugin)  # field:value is ours (filters), not Whoosh's
    # "-word" excludes, as in web search boxes; the hyphen of "Etats-Unis" does not
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def snippet_parts(text: str, terms: set[str], lang: str | None, width: int = 220) -> list[dict]:
    """The passage of text with the most query terms, as plain parts:
    [{'text': 'des ', 'match': False}, {'text': 'frappes', 'match': True}, ...]. Matches are
    found with the document's own analysis, so 'securite' marks 'sécurité' as written."""
    text = " ".join(text.split())
    hits = [(s, e) for _, t, s, e in tokens(text, lang) if t in terms]
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
            found = corrector.suggest(folded, limit=1, maxdist=2)
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


def search(index_dir: Path, text: str, *, limit: int = 10, page: int = 1,
           sort: str = "relevance", filters: dict[str, str] | None = None,
           facets: bool = True) -> dict:
    """Hits for a query, as plain data (the CLI's text and --json, the server's JSON)."""
    words, inline = split_filters(text)
    filters = {**inline, **{k: v for k, v in (filters or {}).items() if v}}
    if not words and not filters:
        raise SearchError("empty query")
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            q = _parser(ix.schema).parse(words) if words else query.Every()
            kwargs = {"filter": _filter_query(filters)}
            if sort == "date":
                kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
            if facets:
                kwargs["groupedby"] = {name: sorting.FieldFacet(field, allow_overlap=multi,
                                                                maptype=sorting.Count)
                                       for name, (field, multi) in FACETS.items()}
            page = max(1, page)
            results = searcher.search(q, limit=page * limit, **kwargs)
            terms_by_field: dict[str, set[str]] = {}
            for fieldname, value in q.all_terms() if words else ():
                terms_by_field.setdefault(fieldname, set()).add(
                    value.decode("utf-8") if isinstance(value, bytes) else value)
            hits = []
            for hit in results[(page - 1) * limit: page * limit]:
                lang = route(hit["language"])
                wanted = terms_by_field.get(_field(lang, "body"), set())
                parts = snippet_parts(hit["body"], wanted, lang)
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
                out["facets"] = _facets(results, _labels(index_dir))
            if total == 0 and words:
                fixed = _suggest(searcher, _WORD.findall(words))
                out["suggestion"] = fixed
    finally:
        ix.close()
    return out


def _labels(index_dir: Path) -> dict:
    path = index_dir / LABELS_FILE
    try:
        return _read_labels(path, path.stat().st_mtime_ns)
    except OSError:
        return {}


@lru_cache(maxsize=4)
def _read_labels(path: Path, mtime: int) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _facets(results, labels: dict) -> dict:
    """Counts by tag, source, language and year for the current query, commonest first; each
    with the value a filter takes and the label to show."""
    out = {}
    for name in FACETS:
        rows = []
        for value, n in results.groups(name).items():
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            if value in (None, ""):
                continue
            rows.append({"value": value, "label": labels.get(name, {}).get(value, value),
                         "count": n})
        out[name] = sorted(rows, key=lambda r: (-r["count"], r["label"]))[:20]
    return out
