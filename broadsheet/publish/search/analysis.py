"""Text analysis: folding, stop words, stemming, the terms of a text.

Plain Python with caches, and the one analysis every path uses: Whoosh runs it through a
one-step tokenizer (documents.Analyzer), and queries, snippets and the static index call it
directly, so every path finds the same terms.

- Case and accents are folded before stemming, so "etat" finds "État" and "securite" finds
  "sécurité".
- Every word is a term, stop words and single letters included ("de", "the", the "d" of
  "d'Etat"), with its position: a word typed is never lost, and a quoted phrase matches its
  words in their order. BM25 weighs a word found in most documents at almost nothing, as
  Lucene's and Elasticsearch's standard analyzers leave it to do.
- An apostrophe, straight or curly, parts words: "d'Etat" and "d’Etat" are "d" and "etat".
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import Stemmer  # PyStemmer: the Snowball stemmers in C


# the languages with a Snowball stemmer (PyStemmer's algorithm names)
SNOWBALL = {"da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish",
            "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian",
            "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish"}
STEMMED = tuple(sorted(SNOWBALL))
ANALYSIS_VERSION = 5  # bump when analysis changes: stored indexes are then rebuilt in full
# 5: no stop words, single letters indexed
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


@cache
def common_words() -> frozenset[str]:
    """The commonest words of every language Whoosh has a stop-word list for, folded. Nothing
    drops them: they say which pairs of words side by side the static index records, so that
    the search page can match a quoted phrase's words in their order (as Lucene's
    CommonGrams filter does). Every language's, whatever the document's: a French phrase's
    "de" must not find "de" and "terrain" apart in an English text either."""
    from whoosh.lang import has_stopwords, stopwords_for_language

    return frozenset(fold(w) for lang in STEMMED if has_stopwords(lang)
                     for w in stopwords_for_language(lang))


@cache
def common_terms(lang: str | None) -> frozenset[str]:
    """common_words() as the terms of a text in lang."""
    return frozenset(t for w in common_words() if (t := term(w, lang)))


def tokens(text: str, lang: str | None):
    """(position, term, start, end) for every word of text."""
    stem = _stemmer(lang) if lang else None
    for pos, m in enumerate(_WORD.finditer(text)):
        folded = fold(m.group(0))
        if folded:
            yield pos, (stem(folded) if stem else folded), m.start(), m.end()


_SKIP = ""  # a word that gives no term (nothing left of it once folded)
_TABLE_MAX = 1 << 20


@cache
def _term_table(lang: str | None) -> dict[str, str]:
    return {}


def terms_of(text: str, lang: str | None) -> list[str]:
    """The term of every word of text in order, so that a word's position is its index."""
    return _terms(_WORD.findall(text), lang)


def _terms(words: list[str], lang: str | None) -> list[str]:
    """terms_of() of the text's words. The indexing path: one dictionary look-up per word as
    written, the folding and stemming done once per distinct word."""
    table = _term_table(lang)
    try:
        return [table[w] for w in words]
    except KeyError:
        pass
    if len(table) > _TABLE_MAX:
        table.clear()
    stem = _stemmer(lang) if lang else None
    out = []
    for w in words:
        t = table.get(w)
        if t is None:
            folded = fold(w)
            t = table[w] = (_SKIP if not folded else stem(folded) if stem else folded)
        out.append(t)
    return out


def fingerprint() -> dict:
    """What decides the terms: a stored index made with other settings is rebuilt."""
    return {"analysis": ANALYSIS_VERSION, "languages": list(STEMMED)}
