"""Bylines: who wrote the article, as the page says it ("Par Jean Dupont", "By Jane Smith and
John Doe", "Von: Heike Buchter", "Veröffentlicht am 3. Mai 2020 von Tom Roe")."""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_WORDS = 14  # a byline is a short line; "von" in a sentence of the text names no author
_OPENER = (r"(?:by|par|von|por|di|door|av|written\s+by|posted\s+by|geschrieben\s+von|"
           r"veröffentlicht\s+von|ein\s+(?:artikel|beitrag)\s+von|écrit\s+par|publié\s+par|"
           r"scritto\s+da|escrito\s+por|aut(?:or|eur|ore|hor)(?:in)?|text)")
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w'’.\-]*"
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:de|da|di|van|von|der|den|du|del|la|le)\s+){{0,2}}{_NAME_WORD}){{0,3}}"
_AND = r"\s*(?:,|&|\band\b|\bet\b|\bund\b|\by\b|\be\b)\s*"
# the opener at the line's start, or after a date ("12. Mai 2020 von Tom Roe"); the names end
# the line or stop at a separator, a date, a comment count
_BYLINE = re.compile(
    rf"(?i:^|^.*?\d[\w.]*\s+|^(?:veröffentlicht|published|posted|publié)\b.*?\s)"
    rf"(?i:{_OPENER})(?:\s*:\s*|\s+)(?P<names>{_NAME}(?:(?i:{_AND}){_NAME})*)"
    r"(?=\s*$|\s*[|·•,–—/]|\s+\d|\s+(?i:am|le|on|el|il|um|at|in)\b)")
_SPLIT = re.compile(_AND, re.I)


def names(line: str) -> tuple[str, ...]:
    """The authors a byline names, or () if line is not a byline."""
    if len(line.split()) > MAX_WORDS or not (m := _BYLINE.match(line.strip())):
        return ()
    found = [n.strip() for n in _SPLIT.split(m.group("names"))]
    # names as written, capitalised ("VON CHRISTOPH SCHULZ" in a shouting theme is a byline too)
    return tuple(dict.fromkeys(n for n in found if n and n[0].isupper()))


def of_page(lines: Sequence[str]) -> tuple[str, ...]:
    """The authors of the first byline among lines (later ones sign comments)."""
    for line in lines:
        if found := names(line):
            return found
    return ()
