"""Queries: their limits, the filters written in them (`tag:syrie`, `source:"RT en
français"`, `lang:fr`, `year:2015`, or the same as parameters), and the Whoosh parser that
reads the rest."""

from __future__ import annotations

import re
from collections.abc import Iterable

from whoosh import qparser, query

from broadsheet.model import slugify
from broadsheet.publish.search.analysis import STEMMED
from broadsheet.publish.search.documents import TEXT_FIELDS


FILTERS = {"tag": "tag", "source": "source_key", "lang": "language", "year": "year"}
MAX_QUERY_CHARS = 500  # a longer query, or filter value, is refused
MAX_WORDS = 32  # words in a query: each is looked up in a handful of fields, ~5 ms at 10k
MAX_DEPTH = 1000  # results reachable by paging: a page starting past them is refused


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
