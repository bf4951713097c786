"""Corpus-level evidence: a line that recurs across many articles of one source is the
source's page furniture (its cookie text, its slogan), whatever it says."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from broadsheet.ingest.lexicon import norm

_DIGITS = re.compile(r"\d+")

MIN_ARTICLES = 3  # a line must recur in at least this many articles of the source...
MIN_SHARE = 0.5   # ...and in at least this share of them


def line_key(text: str) -> str:
    """Lines equal up to case, spacing and numbers ('© 2019' vs '© 2021') share a key."""
    return _DIGITS.sub("0", norm(text))


def repeated_lines(articles: Iterable[Iterable[str]]) -> frozenset[str]:
    """Keys of the lines found in enough of these stories (one source's), each counted once
    per story. The caller passes copies of one syndicated story as one item: their shared
    paragraphs are the story, not furniture."""
    counts: Counter[str] = Counter()
    total = 0
    for lines in articles:
        total += 1
        counts.update({line_key(t) for t in lines})
    if total < MIN_ARTICLES:
        return frozenset()
    floor = max(MIN_ARTICLES, MIN_SHARE * total)
    return frozenset(k for k, n in counts.items() if n >= floor)


MIN_SHARED = 2  # lines an unnamed article must share with a source's articles to be its
# furniture an outlet writes for itself (slogan, masthead, follow line, copyright); consent
# banners and newsletter prompts often come from one vendor for many sites
OWN_KINDS = {"head", "tail", "furniture", "follow-us", "copyright"}


def attribute_sources(named: list[tuple[str | None, int]],
                      furniture: list[list[tuple[str, str]]]) -> list[str | None]:
    """Each article's source, given what it says of itself as (name, strength): an article
    whose own furniture names no outlet outright (strength < 3) takes the source whose
    articles share at least MIN_SHARED of its furniture lines of four words or more (slogan,
    follow-us, copyright, consent text, prompts), the best-evidenced name first, given as
    (kind, text): at least one shared line must be of the outlet's own kinds (OWN_KINDS),
    since consent and newsletter wording often comes from one vendor for many sites. One pass over an index of lines, not a
    comparison of every pair of articles."""
    keys = [{(kind not in OWN_KINDS, line_key(t)) for kind, t in lines if len(t.split()) >= 4}
            for lines in furniture]
    holders: dict[str, dict[str, int]] = {}  # line key -> name -> best strength with it
    for (name, strength), article_keys in zip(named, keys):
        if name is not None:
            for key in article_keys:
                by_name = holders.setdefault(key, {})
                by_name[name] = max(strength, by_name.get(name, 0))
    result = []
    for (own, strength), article_keys in zip(named, keys):
        best = None
        if strength < 2:
            shared: Counter[tuple[str, int]] = Counter()
            own_kind: Counter[tuple[str, int]] = Counter()  # shared lines that are not consent
            for key in article_keys:
                for other, other_strength in holders.get(key, {}).items():
                    if other_strength > strength:
                        shared[(other, other_strength)] += 1
                        own_kind[(other, other_strength)] += not key[0]
            for (other, other_strength), n in shared.items():
                if (n >= MIN_SHARED and own_kind[(other, other_strength)]
                        and (best is None or (other_strength, n, other) > best)):
                    best = (other_strength, n, other)
        result.append(best[2] if best else own)
    return result
