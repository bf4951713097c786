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
    """Keys of the lines found in enough of these articles (one source's), each counted once
    per article."""
    counts: Counter[str] = Counter()
    total = 0
    for lines in articles:
        total += 1
        counts.update({line_key(t) for t in lines})
    if total < MIN_ARTICLES:
        return frozenset()
    floor = max(MIN_ARTICLES, MIN_SHARE * total)
    return frozenset(k for k, n in counts.items() if n >= floor)


MIN_SHARED = 2  # lines an unnamed article must share with a source's article to be its


def attribute_sources(sources: list[str | None], lines: list[list[str]]) -> list[str | None]:
    """Give an article that names no outlet the source whose articles share its furniture:
    at least MIN_SHARED lines of four words or more (slogan, cookie text) in common with one
    of them. Short lines ('Share', 'OK') are common to every outlet and prove nothing."""
    keys = [{line_key(t) for t in article if len(t.split()) >= 4} for article in lines]
    result = list(sources)
    for i, source in enumerate(sources):
        if source is not None:
            continue
        best: tuple[int, str] | None = None
        for j, other in enumerate(sources):
            if other is None:
                continue
            shared = len(keys[i] & keys[j])
            if shared >= MIN_SHARED and (best is None or (shared, other) > best):
                best = (shared, other)
        if best:
            result[i] = best[1]
    return result
