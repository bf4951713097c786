"""Pure: the articles related to each article, in time linear in the corpus.

Two articles are related by the tags they share, each tag weighted by its rarity (a tag on
three articles says more than one on three thousand: inverse document frequency); ties go
to the nearer date, then to the slug, so the lists never depend on the disk. Comparing every
pair would be quadratic; instead each article meets, for each of its tags, only the WINDOW
articles nearest to it in that tag's date order. A rare tag's articles all meet; a common
tag contributes the neighbours in time, which are the ones its readers want anyway. The work
is then at most articles × tags × (2·WINDOW + 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import marshal
import math
from collections import defaultdict
from collections.abc import Sequence

from broadsheet.model import Article, as_utc

WINDOW = 10  # neighbours on each side met through one tag
_FAR = float("inf")
_YEAR_ONE = dt.datetime(1, 1, 1)  # the date distance when either article has no date


def related_key(ordered: Sequence[Article]) -> str:
    """What the related lists are made of: the order, dates and tags of every article (not
    their text: an edited body changes no list). Marshalled as plain values (version 2: no
    back-references, the bytes depend on the values alone): at 50,000 articles it is asked
    at every build."""
    rows = [(a.slug, str(a.date), a.tags) for a in ordered]
    return hashlib.blake2b(marshal.dumps((WINDOW, rows), 2), digest_size=16).hexdigest()


def tag_weight(count: int) -> float:
    """A tag on `count` articles: rarer weighs more. Not a function of the corpus's size, so
    adding articles changes only the weights of their own tags."""
    return 1.0 / math.log2(1 + count)


def related(ordered: Sequence[Article], count: int = 5) -> dict[str, list[Article]]:
    """slug -> up to `count` related articles, best first. `ordered`: the site's order
    (newest first, undated last), which is also each tag's date order."""
    members: dict[str, list[int]] = defaultdict(list)
    where: list[list[tuple[list[int], int]]] = []  # per article: (its tag's members, its place)
    for i, article in enumerate(ordered):
        mine = []
        for tag in article.tag_objects:
            if tag.slug:
                idx = members[tag.slug]
                mine.append((idx, len(idx)))
                idx.append(i)
        where.append(mine)
    weight = {id(idx): tag_weight(len(idx)) for idx in members.values()}
    # days since year 1, not timestamp(): that reads naive times as local, and fails in year 1
    days = [(as_utc(a.date) - _YEAR_ONE).total_seconds() / 86400 if a.date is not None else None
            for a in ordered]
    slugs = [a.slug for a in ordered]
    out: dict[str, list[Article]] = {}
    for i, mine in enumerate(where):
        scores: dict[int, float] = {}
        get = scores.get
        for idx, p in mine:
            if len(idx) < 2:
                continue
            w = weight[id(idx)]
            for j in idx[max(0, p - WINDOW): p + WINDOW + 1]:
                scores[j] = get(j, 0.0) + w
        scores.pop(i, None)
        if len(scores) > count:  # only those scoring at least the count-th best need ranking
            floor = heapq.nlargest(count, scores.values())[-1]
            scores = {j: v for j, v in scores.items() if v >= floor}
        day = days[i]

        def rank(j: int) -> tuple:
            other = days[j]
            gap = abs(day - other) if day is not None and other is not None else _FAR
            return (-scores[j], gap, slugs[j])

        out[slugs[i]] = [ordered[j] for j in sorted(scores, key=rank)[:count]]
    return out
