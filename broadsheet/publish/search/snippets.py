"""Snippets: the passage of a text with the most query terms, its matches marked as the
document's own analysis finds them. Used by the search results and by the static index's
result rows."""

from __future__ import annotations

import re

from broadsheet.publish.search.analysis import _WORD, _term_table, terms_of


def snippet_parts(text: str, terms: set[str], lang: str | None, width: int = 220) -> list[dict]:
    """The passage of text with the most query terms, as plain parts:
    [{'text': 'des ', 'match': False}, {'text': 'frappes', 'match': True}, ...]. Matches are
    found with the document's own analysis, so 'securite' marks 'sécurité' as written."""
    text = " ".join(text[: width * 4].split()) if not terms else " ".join(text.split())
    hits = _spans(text, terms, lang) if terms else []
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


def _spans(text: str, terms: set[str], lang: str | None) -> list[tuple[int, int]]:
    """(start, end) of each word of text whose term is in terms, as `tokens()` finds them,
    but looking each distinct word up once in the analysis table (a page of snippets
    analysed word by word was a third of a query's time), then finding the matching ones
    with one regular expression."""
    table = _term_table(lang)
    distinct = set(_WORD.findall(text))
    unknown = [w for w in distinct if w not in table]
    if unknown:
        terms_of(" ".join(unknown), lang)  # fills the table
    found = [re.escape(w) for w in distinct if table.get(w) and table[w] in terms]
    if not found:
        return []
    found.sort(key=len, reverse=True)
    return [m.span() for m in re.finditer(r"(?<!\w)(?:" + "|".join(found) + r")(?!\w)", text)]
