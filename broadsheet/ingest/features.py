"""What a line looks like and where it stands: the evidence the line model weighs.

Shallow text features in the manner of boilerpipe (Kohlschütter et al., 2010: word counts,
sentence ends, capitalised words of a line and its neighbours) and jusText (the share of
function words), read from plain text instead of HTML, plus the page's own shape: where the
headline is repeated, where the densest run of prose lies, which lines the page repeats,
which lines a rule (lexicon, corpus evidence) has already named. Pure: lines in, a matrix
out. The names in FEATURES are the columns, in order; the model file is keyed by them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_LETTERS = re.compile(r"[^\W\d_]+")
_INNER_SENTENCE = re.compile(r"[.!?…][\"”»)]?\s+[\"“«(]?[^\W\d_]")
_LIST_MARK = re.compile(r"^\s*(?:[-*•–·▪►▸]|\d{1,2}[.)])\s")
_LINKISH = re.compile(r"https?://|www\.|\.(?:com|de|fr|org|net|pl|es|it)\b|@\w")
_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")

# "Le Courrier du Soir, l'info qui vous ressemble", "Metro Wire — news that moves": an
# outlet's name, alone or before its slogan
_CAPWORD = r"[A-ZÀ-Ý][\w'’\-]*"
_PARTICLE = r"(?:de|du|des|del|de la|di|of|the|la|le|l'|l’|y|and|et|&)"
MASTHEAD = re.compile(rf"^(?P<name>{_CAPWORD}(?:\s+(?:{_PARTICLE}\s+)?{_CAPWORD}){{0,4}})"
                       r"\s*(?:$|[,:|]\s|\s[—–-]\s)")

PROSE_WORDS = 10  # a line of this many words that ends like a sentence is prose

FEATURES = (
    "bias",
    "log_words", "log_chars", "ends_sentence", "inner_sentences", "cap_share", "digit_share",
    "function_share", "comma_rate", "separators", "list_mark", "all_caps", "linkish",
    "time_or_date", "title_overlap", "repeated_on_page", "avg_word_len",
    "ruled", "prev_ruled", "next_ruled",
    "prev_log_words", "next_log_words", "prev_ends", "next_ends",
    "window_prose", "window_words", "short_run",
    "rel_position", "after_headline", "before_headline", "in_dense", "dist_dense",
    "prose_before", "prose_after",
    "long_and_ends", "short_no_end",
    "gap_prev_prose", "gap_next_prose", "between_prose", "ends_after_prose", "masthead_like",
)
INDEX = {name: i for i, name in enumerate(FEATURES)}

# What each feature means, as `broadsheet explain` names it
DESCRIBE = {
    "bias": "base rate",
    "log_words": "words", "log_chars": "length", "ends_sentence": "ends like a sentence",
    "inner_sentences": "sentences inside", "cap_share": "capitalised words",
    "digit_share": "digits", "function_share": "function words", "comma_rate": "commas",
    "separators": "separators (| » -)", "list_mark": "list mark", "all_caps": "all capitals",
    "linkish": "link or address", "time_or_date": "a time or date",
    "title_overlap": "words of the headline", "repeated_on_page": "repeated on the page",
    "avg_word_len": "word length", "ruled": "dropped by a rule",
    "prev_ruled": "line above dropped by a rule", "next_ruled": "line below dropped by a rule",
    "prev_log_words": "words of the line above", "next_log_words": "words of the line below",
    "prev_ends": "line above ends a sentence", "next_ends": "line below ends a sentence",
    "window_prose": "prose around it", "window_words": "words around it",
    "short_run": "among short lines", "rel_position": "position on the page",
    "after_headline": "after the headline", "before_headline": "before the headline",
    "in_dense": "in the densest prose", "dist_dense": "distance from the densest prose",
    "prose_before": "prose above it", "prose_after": "prose below it",
    "long_and_ends": "a long sentence", "short_no_end": "short, no sentence end",
    "gap_prev_prose": "lines since a paragraph", "gap_next_prose": "lines to a paragraph",
    "between_prose": "between paragraphs", "ends_after_prose": "a sentence after a paragraph",
    "masthead_like": "looks like a name or slogan",
}


_TEXT_COLUMNS = [INDEX[name] for name in (
    "log_words", "log_chars", "ends_sentence", "inner_sentences", "cap_share",
    "function_share", "avg_word_len", "all_caps", "title_overlap", "digit_share",
    "comma_rate", "separators", "list_mark", "linkish", "time_or_date", "repeated_on_page")]


_PUNCT = "\"'“”‘’«»„‚()[]{}<>.,;:!?…-–—/|*•·"
_ENDS = frozenset(".!?…:;»\"”“)]")
_SEPARATOR_CHARS = "|•»›·▸►▶→/"


def _text_row(text: str, function: frozenset[str], title_words: set[str], repeated: bool
              ) -> tuple:
    """The features of one line's own text, in _TEXT_COLUMNS order. Words are what white
    space separates, stripped of punctuation; counts by str methods and map() over C
    functions: this runs for every line of every page, twice, and regexes over long
    paragraphs were most of the cleaner's time."""
    toks = [t for t in (w.strip(_PUNCT) for w in text.split()) if t]
    nw = len(toks)
    letters = [t for t in toks if not t.isdigit()]
    n_letters = len(letters)
    cap = function_share = avg_len = caps = overlap = 0.0
    if n_letters:
        cap = sum(map(str.isupper, [t[0] for t in letters])) / n_letters
        lower = [t.casefold() for t in letters]
        function_share = sum(map(function.__contains__, lower)) / n_letters
        avg_len = min(sum(map(len, letters)) / n_letters, 15) / 10
        caps = float(text.upper() == text and len(text) > 3)
        if title_words:
            overlap = sum(map(title_words.__contains__, lower)) / n_letters
    digits = sum(map(text.count, "0123456789"))
    tail = text.rstrip()[-1:]
    separators = sum(map(text.count, _SEPARATOR_CHARS)) + text.count(" - ") + \
        text.count(" – ") + text.count(" — ")
    return (math.log1p(nw), math.log1p(len(text)), float(tail in _ENDS),
            math.log1p(len(_INNER_SENTENCE.findall(text))), cap, function_share, avg_len, caps,
            overlap, digits / max(len(text), 1), min(text.count(",") / max(nw, 1) * 5, 2),
            min(separators, 3) / 3, float(bool(_LIST_MARK.match(text))),
            float(bool(_LINKISH.search(text))),
            float(digits > 0 and bool(_TIME.search(text))), float(repeated))


def _function_words(texts: Sequence[str], stop: frozenset[str]) -> frozenset[str]:
    """The language's stop words when its list is known, else the page's own commonest short
    words on its longer lines: in every language, function words are the short frequent ones."""
    if stop:
        return stop
    counts: Counter[str] = Counter()
    for text in texts:
        words = text.casefold().split()
        if len(words) >= 8:
            counts.update(w for w in (v.strip(_PUNCT) for v in words) if 0 < len(w) <= 4)
    return frozenset(w for w, _ in counts.most_common(40))


def best_run(gain: np.ndarray) -> tuple[int, int]:
    """The run of lines whose gains add up highest (Kadane's maximum subarray), the first of
    equal ones; (-1, -1) when no gain is positive."""
    best, span, run, start = 0.0, (-1, -1), 0.0, 0
    for i, g in enumerate(gain.tolist()):
        if run <= 0:
            run, start = g, i
        else:
            run += g
        if run > best:
            best, span = run, (start, i)
    return span


def _dense_region(prose: np.ndarray) -> tuple[int, int]:
    """The run of lines with the largest sum of (prose words - a toll per line): the
    article's densest stretch. (-1, -1) when the page has no prose."""
    return best_run(prose - 3.0)


def line_features(texts: Sequence[str], title: str, ruled: Sequence[bool],
                  stop: frozenset[str] = frozenset()) -> np.ndarray:
    """One row per line (FEATURES), from the lines' texts, the page's headline, which lines
    a rule has already dropped, and the language's stop words (empty when unknown)."""
    n = len(texts)
    x = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if not n:
        return x
    function = _function_words(texts, stop)
    title_words = {w for w in _LETTERS.findall(title.casefold()) if len(w) > 3}
    folded = [t.casefold().strip() for t in texts]
    repeats = Counter(folded)
    rows = [_text_row(text, function, title_words, repeats[f] > 1)
            for text, f in zip(texts, folded)]
    x[:, _TEXT_COLUMNS] = np.array(rows, dtype=np.float64)
    words = np.expm1(x[:, INDEX["log_words"]]).round()
    ends = x[:, INDEX["ends_sentence"]]
    ruled_a = np.asarray(ruled, dtype=np.float64)
    x[:, INDEX["ruled"]] = ruled_a
    x[1:, INDEX["prev_ruled"]] = ruled_a[:-1]
    x[:-1, INDEX["next_ruled"]] = ruled_a[1:]
    logw = np.log1p(words)
    x[1:, INDEX["prev_log_words"]] = logw[:-1]
    x[:-1, INDEX["next_log_words"]] = logw[1:]
    x[1:, INDEX["prev_ends"]] = ends[:-1]
    x[:-1, INDEX["next_ends"]] = ends[1:]
    prose = np.where((words >= PROSE_WORDS) & (ends > 0) & (ruled_a == 0), words, 0.0)
    x[:, INDEX["window_prose"]] = np.log1p(window_sum(prose, 3))
    x[:, INDEX["window_words"]] = np.log1p(window_sum(words, 3) / 7)
    x[:, INDEX["short_run"]] = window_sum((words <= 3).astype(np.float64), 2) / 5
    x[:, INDEX["rel_position"]] = np.arange(n) / max(n - 1, 1)
    _place(x, texts, title, prose)
    _gaps(x, prose > 0, ends > 0)
    x[:, INDEX["masthead_like"]] = [bool(MASTHEAD.match(t)) for t in texts]
    x[:, INDEX["long_and_ends"]] = (words >= PROSE_WORDS) & (ends > 0)
    x[:, INDEX["short_no_end"]] = (words <= 4) & (ends == 0)
    x[:, INDEX["bias"]] = 1.0
    return x


def _gaps(x: np.ndarray, prose: np.ndarray, ends: np.ndarray) -> None:
    """Lines to the nearest prose line above and below: a short sentence or a subheading
    between two paragraphs belongs to the article; the same line far from any does not."""
    n = len(prose)
    prev = np.full(n, 99.0)
    nxt = np.full(n, 99.0)
    last = None
    for i in range(n):
        if last is not None:
            prev[i] = i - last
        if prose[i]:
            last = i
    last = None
    for i in range(n - 1, -1, -1):
        if last is not None:
            nxt[i] = last - i
        if prose[i]:
            last = i
    x[:, INDEX["gap_prev_prose"]] = np.log1p(np.minimum(prev, 99))
    x[:, INDEX["gap_next_prose"]] = np.log1p(np.minimum(nxt, 99))
    x[:, INDEX["between_prose"]] = (prev <= 2) & (nxt <= 2)
    x[:, INDEX["ends_after_prose"]] = ends & (prev == 1)


def window_sum(a: np.ndarray, half: int) -> np.ndarray:
    """Sum of a over each line's neighbourhood of `half` lines each side (clipped at the ends)."""
    c = np.concatenate(([0.0], np.cumsum(a)))
    idx = np.arange(len(a))
    return c[np.minimum(idx + half + 1, len(a))] - c[np.maximum(idx - half, 0)]


def _place(x: np.ndarray, texts: Sequence[str], title: str, prose: np.ndarray) -> None:
    """Where each line stands: against the headline's repetition in the text (what comes
    before it on a page is its navigation) and against the densest run of prose."""
    n = len(texts)
    head = _headline_line(texts, title)
    if head is not None:
        x[head + 1:, INDEX["after_headline"]] = 1.0
        x[:head, INDEX["before_headline"]] = 1.0
    start, end = _dense_region(prose)
    if start >= 0:
        idx = np.arange(n)
        x[start:end + 1, INDEX["in_dense"]] = 1.0
        gap = np.where(idx < start, start - idx, np.where(idx > end, idx - end, 0))
        x[:, INDEX["dist_dense"]] = np.log1p(gap)
    total = prose.sum() or 1.0
    before = np.concatenate(([0.0], np.cumsum(prose)[:-1]))
    x[:, INDEX["prose_before"]] = before / total
    x[:, INDEX["prose_after"]] = (total - before - prose) / total


def _headline_line(texts: Sequence[str], title: str) -> int | None:
    """The line that repeats the headline (or the longest part of a headline that carries a
    site name: 'Headline – Site'), the first such line that is followed by more text."""
    parts = {p.strip().casefold() for p in re.split(r"\s[|–—-]\s|\s::\s", title) if
             len(p.strip()) >= 12}
    parts.add(title.strip().casefold())
    for i, text in enumerate(texts[:-1]):
        t = text.strip().casefold()
        if t in parts or (len(t) >= 20 and any(p.startswith(t) or t.startswith(p)
                                                for p in parts)):
            return i
    return None
