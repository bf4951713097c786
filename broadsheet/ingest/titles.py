"""The headline a page declares, without the site name glued to it.

A page's declared title (og:title, <title>) is often "Headline – Site", "Site | Headline" or
"Headline - Section - Site". The page's own text tells which part is the headline: the
headline (its H1) usually stands again as a line of its own, and the site's name does not
read as one. When the text says nothing, a part that names the site (a domain, a name other
pages of the same ingest end with, the outlet the page names) is cut; else the title stays
whole: a headline may hold " - " or ":" of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from broadsheet.ingest.lexicon import norm

# Separators between a headline and a site or section name, spaced: " | ", " – ", " » ".
# A hyphen inside a word ("Corona-Leugnern") or a colon without a space before it is not one
# unless the text proves it (see _WEAK).
_STRONG = r"\s+[|│ǀ·•»›~/\\]\s+|\s+[-–—]+\s+|\s*[|│ǀ]\s*|\s+::?\s+"
_WEAK = r":\s+"  # "Site: Headline", "Thema: Headline": only on the text's word
_SPLIT = re.compile(rf"(?:{_STRONG}|{_WEAK})")
_STRONG_RE = re.compile(_STRONG)
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")  # a piece without one ("08.11.2021") is a date or a number


@dataclass(frozen=True)
class Headline:
    title: str  # the headline
    site: str | None = None  # the part cut as the site's name, if one was


def parts(title: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the pieces of title between separators."""
    spans, start = [], 0
    for m in _SPLIT.finditer(title):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(title):
        spans.append((start, len(title)))
    return spans


def _runs(title: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Every run of consecutive pieces (i, j inclusive) and its text, longest first."""
    runs = [(i, j, title[pieces[i][0]:pieces[j][1]].strip())
            for i in range(len(pieces)) for j in range(i, len(pieces))]
    return sorted(runs, key=lambda r: (-len(r[2]), r[0]))


def _key(text: str) -> str:
    """Lines compared as a reader sees them: case, spacing and quotes aside."""
    return " ".join(_WORD.findall(norm(text)))


def headline(title: str, lines: Sequence[str], sites: Iterable[str] = ()) -> Headline:
    """The headline in title, with the site name cut from it (see the module's doc).
    lines: the page's text after its title; sites: names known to be the site's."""
    title = " ".join(title.split())
    pieces = [(a, b) for a, b in parts(title) if _LETTER.search(title[a:b])]
    if not pieces:
        return Headline(title)
    site_keys = {_key(s) for s in sites if _key(s)}
    found = _shown(title, pieces, lines, site_keys)
    if found:
        i, j, line = found
        if line.endswith(".") and not line.endswith("..") and not title.endswith("."):
            line = line[:-1]  # "Headline." as a sentence in the page, not in its title
        return Headline(line, _rest(title, pieces, i, j))
    for end in (-1, 0):
        a, b = pieces[end]
        if _key(title[a:b]) in site_keys or _is_domain(title[a:b]):
            rest = pieces[:-1] if end == -1 else pieces[1:]
            return Headline(title[rest[0][0]:rest[-1][1]].strip(" :"), title[a:b].strip())
    return Headline(title)


PROSE_WORDS = 15  # a line this long is text, not a heading, a menu or a name
MAX_WORDS = 40
SIMILAR = 0.5
FAR = 20  # lines: what heads the menu is further, what signs the footer further still
NEAR = 6  # a headline stands at most this many lines above the text it heads
FUZZY_NEAR = 6  # a line only like the title must stand right above the text


def _to_prose(keys: list[str]) -> list[int]:
    """For each line, how many lines down the next line of prose is (a large number if none)."""
    out, next_prose = [0] * len(keys), 10 ** 6
    for n in range(len(keys) - 1, -1, -1):
        out[n] = next_prose - n
        if len(keys[n].split()) >= PROSE_WORDS:
            next_prose = n
    return out


def _words(text: str) -> set[str]:
    return set(_WORD.findall(norm(text)))


def _similar(a: set[str], b: set[str]) -> float:
    """Dice's coefficient of two sets of words."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _distance(gap: int) -> int:
    """Near (0), a little further (1) or far (2) above the text."""
    return 0 if gap <= NEAR else 1 if gap <= FAR else 2


def _shown(title: str, pieces, lines: Sequence[str], sites: set[str]) -> tuple[int, int, str] | None:
    """The line of the page that shows the headline, as the page writes it, and the run of
    pieces of the title it shows (i, j): a line equal to a run, else a line much like one."""
    keys = [_key(ln) for ln in lines]
    gaps = _to_prose(keys)
    runs = [(i, j, _key(text)) for i, j, text in _runs(title, pieces)
            if _WORD.search(text) and not _is_domain(text) and _key(text) not in sites]
    return _equal(title, pieces, runs, lines, keys, gaps) or _alike(title, pieces, runs, lines,
                                                                     keys, gaps)


def _equal(title, pieces, runs, lines, keys, gaps):
    """Of the lines equal to a run, the one nearest above the text (a headline heads the
    article; the site's name heads the menu or signs the footer), then the longer. A lone
    piece at one end of the title, shorter than the rest, is the site's name in the footer
    ("Headline | Site" and "Site" in the last lines) unless it heads some text."""
    by_key = {rk: (i, j) for i, j, rk in reversed(runs)}  # the longest run of a key
    found = []
    for n, k in enumerate(keys):
        if k not in by_key:
            continue
        i, j = by_key[k]
        lone_end = i == j and (i == 0 or j == len(pieces) - 1) and len(pieces) > 1 and \
            2 * len(k.split()) < len(_key(title).split())
        if _distance(gaps[n]) < 2 or not lone_end:
            found.append((_distance(gaps[n]), -len(k), n))
    if not found:
        return None
    n = min(found)[2]
    return (*by_key[keys[n]], lines[n].strip())


def _alike(title, pieces, runs, lines, keys, gaps):
    """A line just above the text much like a run of a few words ("Hingucker beim
    Flugplatzfest in Dessau: ..." for the title's "Hingucker beim Flugplatzfest: ..."). When
    that line glues the run to something else ("Kicker : Headline", "Headline | SITE.NET"),
    the run."""
    found = []
    for n, k in enumerate(keys):
        if not k or gaps[n] > FUZZY_NEAR or len(k.split()) > MAX_WORDS:
            continue
        words = set(k.split())
        for i, j, rk in runs:
            if len(rk.split()) >= 3 and (sim := _similar(set(rk.split()), words)) >= SIMILAR:
                found.append((-sim, gaps[n], i, j, n))
    if not found:
        return None
    *_, i, j, n = min(found)
    line = lines[n].strip()
    run = title[pieces[i][0]:pieces[j][1]].strip()
    shown = {_key(t) for *_, t in _runs(line, parts(line))}
    return i, j, run if _key(run) in shown else line


def _rest(title: str, pieces, i: int, j: int) -> str | None:
    """What the headline leaves of the title, when it is one end: the site's name."""
    if i == 0 and j == len(pieces) - 1:
        return None
    if i == 0:
        return title[pieces[j + 1][0]:].strip() if j + 1 == len(pieces) - 1 else None
    if j == len(pieces) - 1:
        return title[:pieces[i - 1][1]].strip() if i == 1 else None
    return None


_DOMAIN = re.compile(r"^(?:www\.)?[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}$", re.I)


def _is_domain(text: str) -> bool:
    from tld import get_tld
    text = text.strip()
    return bool(_DOMAIN.match(text)) and get_tld(text, fix_protocol=True,
                                                fail_silently=True) is not None
