"""Metadata found in a cleaned article: language, source, tags."""

from __future__ import annotations

import re
from collections import Counter

from broadsheet.ingest.lexicon import lexicon, norm

MAX_TAGS = 6


def language(text: str, default: str | None = None) -> str | None:
    """ISO 639-1 code by py3langid (a trained n-gram model shipped in the package)."""
    import py3langid  # imported here: loading its model costs ~0.5 s, needed only by ingest

    if len(re.findall(r"\w+", text)) < 3:
        return default
    code, _ = py3langid.classify(text)
    return code or default


def source(candidates: tuple[str, ...]) -> str | None:
    """The outlet most often named by the page's own furniture (follow-us, cookie, ©)."""
    lex = lexicon()
    names = [c.strip(" .,:;-–«»\"'") for c in candidates]
    names = [n for n in names if n and norm(n) not in lex.agencies and norm(n) not in lex.not_names]
    if not names:
        return None
    counts = Counter(names)
    return max(names, key=lambda n: (counts[n], -names.index(n)))


# A name: capitalised words, possibly hyphenated (Etats-Unis), in a row (Ashton Carter).
_CAP = r"[A-ZÀ-ÖØ-Þ][\w\-]*[\w]|[A-ZÀ-ÖØ-Þ]"
_NAME = re.compile(rf"(?:{_CAP})(?:\s+(?:{_CAP}))*")
_ELISION = re.compile(r"\b[dljmnstcq]['’]", re.I)
_SENTENCE_START = re.compile(r"(?:^|[.!?:«»\"“”]\s*)$")


def _names(text: str, skip: frozenset[str]) -> list[str]:
    text = _ELISION.sub(" ", text)  # "d’Ashton Carter" -> " Ashton Carter"
    found = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        at_start = bool(_SENTENCE_START.search(text[: m.start()]))
        while words and norm(words[0]) in skip:  # "La Maison Blanche" -> "Maison Blanche"
            words.pop(0)
            at_start = False
        while words and norm(words[-1]) in skip:
            words.pop()
        if not words or (at_start and len(words) == 1):
            continue  # a lone capitalised word opening a sentence tells nothing
        name = " ".join(words)
        if len(name) >= 2 and not name.isdigit():
            found.append(name)
    return found


def tags(title: str, paragraphs: list[str], exclude: set[str] = frozenset()) -> list[str]:
    """A few names that the article is about: named in the title (counted twice) or at least
    twice in the body. A lone surname counts for the full name it belongs to (Carter ->
    Ashton Carter)."""
    lex = lexicon()
    skip = lex.not_names | frozenset(lex.months)
    counts: Counter[str] = Counter()
    for name in _names(title, skip):
        counts[name] += 2
    for para in paragraphs:
        counts.update(_names(para, skip))
    excluded = {norm(e) for e in exclude} | set(lex.agencies)
    for name in list(counts):
        if norm(name) in excluded:
            del counts[name]
    for name in sorted(counts, key=len):  # fold parts into the longest full name holding them
        longer = [n for n in counts if n != name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", n)]
        if len(name.split()) == 1 and longer:
            owner = max(longer, key=lambda n: (counts[n], n))
            counts[owner] += counts.pop(name)
    ranked = sorted((n for n, c in counts.items() if c >= 2), key=lambda n: (-counts[n], n))
    return ranked[:MAX_TAGS]
