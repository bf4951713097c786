"""The static index's format: search with no server. Its constants, the hashes and
base-36 numbers shared with search.js, what one document gives it (its record), and the
encoding of posting lists and of the script files.

Written at build time into site/search/ as JavaScript files (they load from file:// where
fetch() of JSON does not), sharded by a hash of the key so that a query loads a few small
files. Every file is a pure function of the documents that contribute to it, so a build
after a few edits rewrites only the files those documents touch, and an index updated in
place gives the same bytes as one exported afresh:
- a document is named by a key from a hash of its id (collisions settled in id order), not
  by a rank that shifts when another is inserted;
- postings carry raw numbers (term frequency, field length as Whoosh stores it) and the
  page computes Whoosh's BM25F from them with N and the average field lengths of meta.js,
  the one small file that changes on every build;
- shard counts are powers of two of the corpus's size: they change only when it doubles.
Queries are analysed in the browser by looking words up in the surface map (folded word ->
term per group where that term is indexed) rather than by re-implementing stemmers in JS.

What the export is made from lives in a SQLite cache (static_cache.py); the export itself
is static_export.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from itertools import accumulate, repeat

import orjson

from broadsheet.model import SEARCH_DIR, slugify
from broadsheet.publish.search.analysis import _WORD, common_terms, fold, route, term
from broadsheet.publish.search.documents import Document, _analyse, _field, _stored_length
from broadsheet.publish.search.snippets import snippet_parts


STATIC_DIR = SEARCH_DIR
STATIC_VERSION = 5  # bump when the static index's format or scoring changes
# 3: meta.js names its export's key (the page asks for the other files under it)
# 4: no stop words; pairs of words with a common one (_pairs), and meta's common words
# 5: no pairs of two common words
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


def _record(doc: Document, analysis: dict | None = None, words: set[str] | None = None) -> dict:
    """What one document gives the static index: per field its length and term counts, its
    filter keys, its words (for the surface map) and its row in the result list.
    analysis: _analyse(doc, words) when the caller has it (positions, and the words as
    written); else they are made here."""
    lang = route(doc.language)
    group = lang or "any"
    if analysis is None:
        analysis = _analyse(doc)
    by_field = {field: {t: len(p) for t, p in poses.items()} for field, poses in analysis.items()}
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
    facets |= _pairs(analysis, lang)
    return {"g": group, "f": fields, "x": sorted(facets),
            "w": sorted(w for w in words if w), "d": row}


def _pairs(analysis: dict[str, dict[str, list[int]]], lang: str | None) -> set[str]:
    """"fr=de terrain": every two terms side by side in the title or the body of which one,
    and only one, is a common word (analysis.common_words). A quoted phrase's common words are
    its glue ("opération de terrain", "in the middle of the night"): the search page asks
    for these pairs to match the phrase's words in their order, as the server's positions
    do, without loading the postings of "de" or "the". Two common words side by side ("of
    the") are not recorded: a phrase's words are held in order by their pairs with the others
    (a third of the pairs, and of the static index's size, for nothing most phrases need)."""
    common, group = common_terms(lang), lang or "any"
    found = set()
    for field, poses in analysis.items():
        if field == "tagtext":
            continue
        at = {p: t for t, ps in poses.items() for p in ps}
        for p, a in at.items():
            b = at.get(p + 1)
            if b is not None and (a in common) != (b in common):
                found.add(f"{group}={a} {b}")
    return found


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


def _term_keys(rec: dict) -> set[str]:
    """The document's "group:term" posting keys (not its filters' and pairs' "=" keys)."""
    out: set[str] = set()
    for field, (_, counts) in rec["f"].items():
        prefix = _group_of(field) + ":"
        out.update([prefix + t for t in counts])
    return out


def _record_keys(rec: dict) -> set[str]:
    """Every posting key the document is on."""
    return _term_keys(rec).union(rec["x"])


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
