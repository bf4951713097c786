"""Text analysis: folding, stop words, stemming, the terms of a text.

Plain Python with caches, and the one analysis every path uses: Whoosh runs it through a
one-step tokenizer (documents.Analyzer), and queries, snippets and the static index call it
directly, so every path finds the same terms.

- Case and accents are folded before stemming, so "etat" finds "État" and "securite" finds
  "sécurité".
- Stop words are the document's language's at index time and every language's at query
  time, so "the strikes" does not demand that a French article contain "the".

Whoosh is imported here for its stop-word lists only.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import cache, lru_cache

import Stemmer  # PyStemmer: the Snowball stemmers in C
from whoosh.lang import has_stopwords, stopwords_for_language


# the languages with a Snowball stemmer (PyStemmer's algorithm names) and Whoosh stop words
SNOWBALL = {"da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish",
            "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian",
            "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish"}
STEMMED = tuple(sorted(SNOWBALL))
ANALYSIS_VERSION = 4  # bump when analysis changes: stored indexes are then rebuilt in full
_WORD = re.compile(r"\w+")


def _bare(text: str) -> str:
    """Compatibility-decomposed, every mark (accents, vowel signs...) off: what JavaScript's
    normalize("NFKD") and /\\p{M}/gu do, so that search.js can fold as this module does."""
    if text.isascii():  # most words: nothing to decompose (a third of the time)
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.category(c).startswith("M"))


@lru_cache(maxsize=1 << 18)  # words repeat: the static cache folds every word of every document
def fold(word: str) -> str:
    """Lowercase without accents: 'État' -> 'etat', '𝐁𝐨𝐥𝐝' -> 'bold'. Decomposed before
    casefolding, as a compatibility form ('𝐁', 'Ⓐ') has no case of its own, and after, as
    casefolding can give a letter with a mark ('İ' -> 'i̇'): fold(fold(w)) == fold(w), so a
    word typed as the index shows it finds it. search.js's fold() gives the same (a test
    compares them over every code point)."""
    return _bare(_bare(word).casefold())


@cache
def _stopwords(lang: str | None) -> frozenset[str]:
    if not lang or not has_stopwords(lang):
        return frozenset()
    return frozenset(fold(w) for w in stopwords_for_language(lang))


@cache
def _all_stopwords() -> frozenset[str]:
    return frozenset().union(*(_stopwords(lang) for lang in STEMMED))


@cache
def _stemmer(lang: str):
    """The language's Snowball stemmer (C, PyStemmer) behind a per-word cache."""
    stem = Stemmer.Stemmer(SNOWBALL[lang], 0).stemWord
    return lru_cache(maxsize=1 << 17)(stem)


def route(language: str | None) -> str | None:
    """The analysis language of a document: its own if Whoosh can stem it, else None."""
    lang = (language or "").split("-")[0].lower()
    return lang if lang in STEMMED else None


def term(word: str, lang: str | None) -> str:
    """The indexed form of one word: folded, then stemmed in the language."""
    folded = fold(word)
    return _stemmer(lang)(folded) if lang else folded


def tokens(text: str, lang: str | None, query_mode: bool = False):
    """(position, term, start, end) for every kept word of text. Positions count every word,
    stop words included, so phrases match exactly."""
    stops = _all_stopwords() if query_mode else _stopwords(lang)
    for pos, m in enumerate(_WORD.finditer(text)):
        word = m.group(0)
        folded = fold(word)
        if len(folded) < 2 or folded in stops:
            continue
        yield pos, (_stemmer(lang)(folded) if lang else folded), m.start(), m.end()


_SKIP = ""  # a word that gives no term (too short, a stop word)
_TABLE_MAX = 1 << 20


@cache
def _term_table(lang: str | None, query_mode: bool) -> dict[str, str]:
    return {}


def terms_of(text: str, lang: str | None, query_mode: bool = False) -> list[str]:
    """The term of every word of text in order ("" for a word that gives none), so that a
    word's position is its index."""
    return _terms(_WORD.findall(text), lang, query_mode)


def _terms(words: list[str], lang: str | None, query_mode: bool = False) -> list[str]:
    """terms_of() of the text's words. The indexing path: one dictionary look-up per word as
    written, the folding, stop-word test and stemming done once per distinct word."""
    table = _term_table(lang, query_mode)
    try:
        return [table[w] for w in words]
    except KeyError:
        pass
    if len(table) > _TABLE_MAX:
        table.clear()
    stops = _all_stopwords() if query_mode else _stopwords(lang)
    stem = _stemmer(lang) if lang else None
    out = []
    for w in words:
        t = table.get(w)
        if t is None:
            folded = fold(w)
            t = table[w] = (_SKIP if len(folded) < 2 or folded in stops
                            else stem(folded) if stem else folded)
        out.append(t)
    return out


def fingerprint() -> dict:
    """What decides the terms: a stored index made with other settings is rebuilt."""
    stops = hashlib.sha256(json.dumps({lang or "": sorted(_stopwords(lang)) for lang in STEMMED},
                                      sort_keys=True).encode()).hexdigest()[:16]
    return {"analysis": ANALYSIS_VERSION, "languages": list(STEMMED), "stopwords": stops}
