"""The date a page states for itself: dates written in its text, and which one is the page's.

Two steps, both pure. `dates_in(text)` finds the calendar dates a line writes out, in the
common forms and languages ("Nov 18, 2019 at 9:24 pm ET", "18.11.2019, 21:24 Uhr",
"le 18 novembre 2019", "18 listopada 2019", "2019-11-18"). `page_date(lines, title)` picks
the page's own date among them: near the headline's repetition, on a line that says
"published" rather than "updated", and never in the comments or the footer below the article.

Month names come from babel's CLDR data (format and stand-alone, wide and abbreviated), read
once into a dict; the patterns are compiled once, and lines without a year are skipped
before any of them runs: about a millisecond for a scraped page of 180 lines, where
dateparser's search takes tens. Relative dates ("vor 2 Stunden", "yesterday") are not
matched at all, so a page's date never depends on the day it was ingested; a date is only
ever one the page writes out.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

# babel locales whose month names are read. Croatian is left out: its "listopad" is October,
# Polish and Czech "listopad" November, and its abbreviations collide with Czech and Polish.
_LANGUAGES = ("en fr de es it pt nl pl cs sk sv da nb fi hu ro tr ru uk sl ca el lt lv et id"
              .split())
# years a news page states for itself; a bound also keeps "1.2.3456" out
_YEARS = range(1990, 2040)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@cache
def month_names() -> dict[str, int]:
    """Every month name and abbreviation of _LANGUAGES, case-folded, without a final dot."""
    from babel import Locale

    names: dict[str, int] = {}
    for lang in _LANGUAGES:
        months = Locale.parse(lang).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    names[_fold(name).rstrip(".")] = number
    names.update({"sept": 9, "mrz": 3, "jän": 1, "jänner": 1})  # AP style; Austrian German
    return names


@cache
def _patterns() -> tuple[re.Pattern, ...]:
    # any word, then looked up in month_names(): an alternation of 500 names made the
    # search twenty times slower
    m = r"(?P<M>[^\W\d_]{3,12})\.?"
    day = r"(?P<d>[0-3]?\d)"
    year = r"(?P<y>(?:19|20)\d\d)"
    # no (?!\d) after a year: innerText glues "17/11/2019" to the next field ("201917/11")
    return tuple(re.compile(p, re.I) for p in (
        # 18 novembre 2019, 18. Oktober 2019, 18 de noviembre de 2019, 18th Nov. 2019,
        # 29 / Dezember / 2022
        rf"(?<![\w.]){day}(?:st|nd|rd|th|er|º|°)?\.?(?:\s*/\s*|\s*(?:de\s+|of\s+)?)"
        rf"{m}(?!\w)(?:\s*/\s*|,?\s+(?:de\s+)?){year}",
        # Nov 18, 2019; November 18th 2019
        rf"(?<!\w){m}(?!\w)\s+{day}(?:st|nd|rd|th)?,?\s+{year}",
        # 2019-11-18, 2019/11/18, 2019.11.18
        r"(?<![\d.])(?P<y>(?:19|20)\d\d)(?P<s>[-/.])(?P<m>[01]?\d)(?P=s)(?P<d>[0-3]?\d)(?!\d)",
        # 18.11.2019, 18/11/2019, 18-11-2019, 4. 2. 2022 (11/18/2019 in the United States)
        r"(?<![\d.])(?P<a>[0-3]?\d)(?P<s>[-/]|\.\s?)(?P<b>[01]?\d)(?P=s)(?P<y>(?:19|20)\d\d)",
        # 19.10.19, 11:29 Uhr: a two-digit year, written with both day and month in two digits
        r"(?<![\d.])(?P<a>[0-3]\d)(?P<s>\.)(?P<b>[01]\d)\.(?P<yy>[1-3]\d)(?![\d.])",
        # 2019年11月18日
        r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*日",
    ))


def _make(year: int, month: int, day: int) -> dt.date | None:
    if year not in _YEARS:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric(a: int, b: int, year: int, sep: str) -> dt.date | None:
    """Day first, as most of the world writes it; month first with slashes only when the
    day-first reading is impossible (11/18/2019)."""
    return _make(year, b, a) or (_make(year, a, b) if sep == "/" else None)


# every form above writes a year of four digits, or two after a dot, or 年
_MAYBE = re.compile(r"(?:19|20)\d\d|\.[1-3]\d|年")


def dates_in(text: str) -> list[tuple[int, int, dt.date]]:
    """The calendar dates written in text, with where each starts and ends, in reading order."""
    if not _MAYBE.search(text):
        return []
    names = month_names()
    found = []
    for pattern in _patterns():
        for m in pattern.finditer(text):
            g = m.groupdict()
            y = int(g["y"]) if g.get("y") else 2000 + int(g["yy"])
            if g.get("M"):
                month = names.get(_fold(g["M"]))
                date = _make(y, month, int(g["d"])) if month else None
            elif g.get("a"):
                date = _numeric(int(g["a"]), int(g["b"]), y, g["s"])
            else:
                date = _make(y, int(g["m"]), int(g["d"]))
            if date:
                found.append((m.start(), m.end(), date))
    return sorted(found)


# --- which date is the page's -----------------------------------------------------------

# What a line says of the date it carries, in the words just before it. A "published" date
# is the page's; an "updated" one only when nothing else is stated; an event ("bis",
# "seit", "ab dem") is never the page's.
_PUBLISHED = (r"ver[öo]ffentlicht|publi[ée]|published|posted|publicad[oa]|pubblicat[oa]|"
              r"erschienen|erstellt|gepostet|geschrieben|written|opublikowan[oy]|gepubliceerd|"
              r"publicerad|udgivet|publisert")
_UPDATED = (r"aktualisiert|updated?|mis\s+[àa]\s+jour|modifi[ée]|actualizad[oa]|aggiornat[oa]|"
            r"atualizad[oa]|ge[äa]ndert|editiert|letzte\s+[äa]nderung|last\s+modified|"
            r"zaktualizowan[oy]|bijgewerkt|stand")
_EVENT = r"bis|seit|ab|until|since|from|jusqu|depuis|hasta|desde|fino|dal|termin|release"
_BEFORE = re.compile(rf"\b(?:(?P<pub>{_PUBLISHED})|(?P<upd>{_UPDATED})|(?P<evt>{_EVENT}))"
                     r"\b(?:[^\d]|\d{1,2}[:.h]\d{2}){0,40}$", re.I)  # a time may come first
# "Der Beitrag wurde am 27. November 2019 um 15:21 Uhr veröffentlicht" (WordPress)
_AFTER_DATE = re.compile(rf"[^.]{{0,30}}\b(?:{_PUBLISHED})\b", re.I)
# furniture whose dates are not the page's: embedded tweets and posts, links, comments
# ("Jane March 26, 2018 at 1:09 pm Reply")
_NOT_STATED = re.compile(r"\(@\w+\)|\bhttps?://|\b(?:reply|antworten|"
                         r"répondre|responder|rispondi|odpowiedz|beantwoorden)\b", re.I)
# what follows a copyright mark is its year ("Veröffentlicht am 5. Mai 2023 / ©5min.at")
_COPYRIGHT = re.compile(r"©|\(c\)|copyright", re.I)
_WORD = re.compile(r"[^\W\d_]+")
# how far after the headline's repetition a page states its date (lines), and before it
_AFTER, _ABOVE = 20, 5
# a line of prose states its own date only at its start ("31. Oktober 2023. Die ...")
_PROSE_WORDS, _OPENING = 12, 15


@dataclass(frozen=True)
class Stated:
    index: int  # the line's position in the page
    date: dt.date
    kind: str  # "published", "updated", "event" or "plain", by the words before it


def stated_dates(texts: Sequence[str]) -> list[Stated]:
    """Every date the lines state for themselves, with what the words around it say of it:
    dates inside sentences are what the text talks about, unless a prefix names them."""
    found = []
    for index, text in enumerate(texts):
        dates = dates_in(text)
        if not dates or _NOT_STATED.search(text):
            continue
        if mark := _COPYRIGHT.search(text):
            dates = [d for d in dates if d[0] < mark.start()]
        prose = len(_WORD.findall(text)) > _PROSE_WORDS
        # "Erschienen am:" on its own line, the date on the next
        label = texts[index - 1] if index and len(texts[index - 1]) <= 30 else ""
        for offset, end, date in dates:
            before = text[max(0, offset - 60):offset].strip() or label
            kind = _kind(_BEFORE.search(before), _AFTER_DATE.match(text, end))
            if kind != "event" and (not prose or kind != "plain" or offset <= _OPENING):
                found.append(Stated(index, date, kind))
    return found


def _kind(before: re.Match | None, after: re.Match | None) -> str:
    if before and before["pub"] or after:
        return "published"
    return ("updated" if before and before["upd"] else "event" if before and before["evt"]
            else "plain")


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


# the parts of a page's title: headline, kicker, site name ("Wahl: Eva X gewählt | Caritas")
_TITLE_PARTS = re.compile(r"\s[|–—•»-]\s|:\s")


def headline_lines(texts: Sequence[str], title: str) -> list[int]:
    """Where the page repeats its headline: a line that starts with the title or a long part
    of it, or is made of the title's words (a headline edited since: "O que Pacheco pretende
    ao fazer acenos ao STF" for "O que Pacheco pretende com acenos ao STF")."""
    heads = [k for k in map(_key, _TITLE_PARTS.split(title)) if len(k) >= 12] + [_key(title)]
    words = set(_key(title).split())
    if len(heads[-1]) < 8:
        return []
    cues = sorted(words, key=len)[-2:]  # most lines hold neither: no need to take them apart
    exact, loose = [], []
    for index, text in enumerate(texts):
        folded = text.casefold()
        if not any(cue in folded for cue in cues):
            continue
        line = _key(text)
        mine = line.split()
        if any(line.startswith(h[:40]) or (len(line) >= 0.6 * len(h) and h.startswith(line))
               for h in heads):
            exact.append(index)
        elif (len(mine) >= 4 and sum(w in words for w in mine) >= 0.7 * len(mine)
              and len(mine) >= 0.6 * len(words)):
            loose.append(index)
    return exact or loose


# how much farther than the nearest date (in half-lines) a date of each kind may be and
# still win: the page's "published" over a plain date a line nearer, "updated" last
_PENALTY = {"published": 0, "plain": 2, "updated": 8}


def page_date(lines: Sequence[tuple[int, str]], title: str) -> dt.date | None:
    """The date the page states for itself, or None: the one nearest the headline's
    repetition, "published" before "updated"; without a headline in the text, the first
    "published" date, else the first date in the top part of the page."""
    texts = [text for _, text in lines]
    anchors = headline_lines(texts, title)
    # "Protokoll der Sitzung vom 10. Oktober 2019": the headline's date is its subject, unless
    # the headline opens with it ("23.01.2022 - Wierer darf jubeln")
    in_title = {d for offset, _, d in dates_in(title) if offset > 0}
    found = [s for s in stated_dates(texts)
             if not (s.index in anchors and s.date in in_title)]
    for anchor in anchors:
        near = [s for s in found if anchor - _ABOVE <= s.index <= anchor + _AFTER]
        if near:
            return min(near, key=lambda s: _distance(s.index, anchor) + _PENALTY[s.kind]).date
    top = [s for s in found if s.index < max(40, len(texts) // 2)]
    for kind in ("published", "plain", "updated"):  # an update's date only as a last resort
        best = [s for s in (found if kind != "plain" else top) if s.kind == kind]
        if best:
            return best[0].date
    return None


def _distance(index: int, anchor: int) -> int:
    """Half-lines from the headline: a date under it is nearer than one as far above."""
    return 2 * (index - anchor) if index >= anchor else 2 * (anchor - index) + 1


def parse_date(text: str) -> dt.date | None:
    """The first calendar date written in text."""
    found = dates_in(text)
    return found[0][2] if found else None
