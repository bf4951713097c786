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


MIN_SHARED = 2  # lines an unnamed article must share with a source's article to be its


def attribute_sources(named: list[tuple[str | None, int]], lines: list[list[str]]) -> list[str | None]:
    """Each article's source, given what it says of itself as (name, strength): an article
    whose own furniture names no outlet outright (strength < 3) takes the source of the
    articles it shares furniture with: at least MIN_SHARED lines of four words or more
    (slogan, cookie text). The best-evidenced name among those wins. Short lines ('Share',
    'OK') are common to every outlet and prove nothing."""
    keys = [{line_key(t) for t in article if len(t.split()) >= 4} for article in lines]
    result = []
    for i, (own, strength) in enumerate(named):
        best: tuple | None = None
        if strength < 3:
            for j, (other, other_strength) in enumerate(named):
                if j == i or other is None or other_strength <= strength:
                    continue
                shared = len(keys[i] & keys[j])
                if shared >= MIN_SHARED and (best is None or (other_strength, shared, other) > best):
                    best = (other_strength, shared, other)
        result.append(best[2] if best else own)
    return result
