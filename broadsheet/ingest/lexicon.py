"""The boilerplate lexicon (data/lexicon.yaml) compiled into matchers, once per process."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

_SPACE = re.compile(r"\s+")
_ONE_KIND = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("`", "'"), ("\u00a0", " "), ("\u202f", " "),
             ("\u2009", " "))  # str.replace: a translate() table is ten times slower here


def tidy(text: str) -> str:
    """NFC, one kind of apostrophe and space, trimmed: the form the matchers (re.I) read."""
    text = unicodedata.normalize("NFC", text)
    for old, new in _ONE_KIND:
        if old in text:
            text = text.replace(old, new)
    return _SPACE.sub(" ", text).strip()


def norm(text: str) -> str:
    """tidy() and casefolded: the form for comparing lines and counting phrases."""
    return tidy(text).casefold()


def _alternation(words, boundary: bool = True) -> str:
    # Longest first, so "tout accepter" wins over "accepter" and "facebook" over "ok".
    parts = sorted({norm(w) for w in words}, key=lambda w: (-len(w), w))
    body = "|".join(re.escape(p).replace(r"\ ", r"\s*") for p in parts)
    return rf"(?:{body})"


@dataclass(frozen=True)
class Lexicon:
    agencies: dict            # written form (normed) -> short name
    agency_re: re.Pattern     # one agency name, case-insensitive
    credit_re: re.Pattern     # a whole agency credit line
    dateline_re: re.Pattern   # "PARIS (AFP) -" at the start of a paragraph
    photo_re: re.Pattern
    follow_re: re.Pattern
    read_more_re: re.Pattern
    read_more_heading_re: re.Pattern  # "Mehr zum Thema" alone: headlines follow on their lines
    most_read_re: re.Pattern  # "Les plus lus" alone: a list of other stories follows
    reading_time_re: re.Pattern
    tag_line_re: re.Pattern  # "Tags : Politique, Europe"
    bio_re: re.Pattern  # "Jane Roe is our energy correspondent."
    reporting_re: re.Pattern  # "Reporting by Tom Hale for Reuters; Editing by Ann Roe"
    button_re: re.Pattern
    ad_marker_re: re.Pattern  # a whole line that only marks an advertisement
    consent_phrases: tuple
    address_re: re.Pattern  # the reader addressed, the site speaking: a banner's voice
    prompt_re: re.Pattern
    copyright_re: re.Pattern
    date_prefix_re: re.Pattern
    byline_re: re.Pattern
    months: dict
    not_names: frozenset
    name_prefixes: frozenset  # words stripped from the front of a name only
    outlet_first: frozenset  # a name opening with one is an outlet's: "Daily Meridian"
    outlet_last: frozenset  # and closing with one: "Westfalen Kurier"
    generic_nouns: frozenset
    titles: frozenset
    german_determiners: frozenset
    german_noun_re: re.Pattern


@cache
def lexicon() -> Lexicon:
    data = yaml.safe_load(resources.files("broadsheet").joinpath("data/lexicon.yaml")
                          .read_text(encoding="utf-8"))
    return Lexicon(**_agency_matchers(data), **_line_matchers(data), **_word_sets(data))


def _agency_matchers(data: dict) -> dict:
    """The agencies' names, and the matchers that find them: alone, in a credit line, a
    dateline, a reporting line."""
    agency = _alternation(data["agencies"])
    sep = r"\s*(?:,|/|&|\bet\b|\band\b|\bund\b|\by\b|\be\b)\s*"
    credit = (rf"^[-–—•*(\s]*(?:{_alternation(data['credit_prefixes'])}\s*[:\s]\s*)?"
              rf"(?:l'|les\s+agences\s+|agences?\s+)?{agency}(?:{sep}{agency})*\s*[.)]?\s*$"
              rf"|^[-–—•*\s]*(?:avec|with|mit|con)\s+(?:agences?|agencies|agenturen|agencias)\.?$")
    return dict(
        agencies={norm(k): v for k, v in data["agencies"].items()},
        agency_re=re.compile(rf"(?<!\w){agency}(?!\w)", re.I),
        credit_re=re.compile(credit, re.I),
        dateline_re=re.compile(
            rf"^(?:[A-ZÀ-Ý][\w'’.,\- ]{{0,50}}?\s*)?\((?P<agencies>{agency}(?:{sep}{agency})*)\)\s*\.?\s*[-–—:]",
            re.I),
        reporting_re=re.compile(
            rf"^(?:additional\s+)?(?:reporting|writing|editing|compiled)\s+by\b(?:.*?\bfor\s+"
            rf"(?P<agency>{agency}))?", re.I),
    )


def _line_matchers(data: dict) -> dict:
    """The matchers of the page's other leftovers: credits, prompts, headings of lists of
    other stories, bylines, banners."""
    follow = (rf"^{_alternation(data['follow_verbs'])}"
              rf"(?:[\s:]+(?P<name>.{{1,60}}?))?\s*{_alternation(data['follow_links'])}\s*"
              rf"{_alternation(data['networks'])}\b")
    read_more = (rf"^[>»▶►•*\-\s]*{_alternation(data['read_more'])}\s*(?:[:：|>»–—-]+|\.\.\.)"
                 r"\s*(?P<headline>\S.*)$")
    return dict(
        photo_re=re.compile(_alternation(data["photo_credits"]), re.I),
        follow_re=re.compile(follow, re.I),
        read_more_re=re.compile(read_more, re.I),
        read_more_heading_re=re.compile(
            rf"^[>»▶►•*\-\s]*{_alternation(data['read_more'])}\s*[:：]?\s*$", re.I),
        # "Les plus lus", or "Trending on Meridian Wire": a heading, perhaps with the site's name
        most_read_re=re.compile(
            rf"^{_alternation(data['most_read'])}(?:\s+[A-ZÀ-Ý].{{0,40}})?\s*[:：]?\s*$", re.I),
        reading_time_re=re.compile(
            rf"^(?:{_alternation(data['reading_time'])}\s*[:：]?\s*(?:env\.?\s*|ca\.?\s*)?\d+\s*"
            rf"{_alternation(data['minutes'])}|\d+\s*{_alternation(data['minutes'])}\.?\s*"
            rf"(?:read|de\s+lecture|de\s+lectura|di\s+lettura|lesezeit|lesedauer)?)\s*\.?$", re.I),
        tag_line_re=re.compile(rf"^{_alternation(data['tag_lines'])}\s*[:：]\s*\S", re.I),
        bio_re=re.compile(
            r"^[A-ZÀ-Ý][\w'’\-]+(?:\s+[A-ZÀ-Ý][\w'’\-]+){1,3}\s+(?:(?:is|est|ist|es|è|reports|"
            r"writes|berichtet|schreibt|escribe|scrive)\b.{0,160}?"
            rf"(?<!\w){_alternation(data['bio_words'])}|(?:covers|couvre|cubre|segue|reports on|writes about)\b)"),
        button_re=re.compile(_alternation(data["buttons"]), re.I),
        ad_marker_re=re.compile(rf"^\W*{_alternation(data['ad_markers'])}\W*$", re.I),
        consent_phrases=tuple(sorted({norm(p) for p in data["consent"]})),
        address_re=re.compile(rf"(?<!\w){_alternation(data['reader_address'])}(?!\w)", re.I),
        prompt_re=re.compile(_alternation(data["prompts"]), re.I),
        copyright_re=re.compile(_alternation(data["copyright"]), re.I),
        date_prefix_re=re.compile(rf"^{_alternation(data['date_prefixes'])}\b", re.I),
        byline_re=re.compile(
            rf"^(?i:{_alternation(data['bylines'])})\s+[A-ZÀ-Ý][\w'’.\-]+(?:\s*(?:,|and|et|und|y|e)?\s*"
            r"[A-ZÀ-Ý][\w'’.\-]+){0,5}$"),
    )


def _word_sets(data: dict) -> dict:
    """The lexicon's words (normed): months, words that are no names, and the words that
    tell outlets, titles and German nouns."""
    return dict(
        months={norm(k): v for k, v in data["months"].items()},
        not_names=frozenset(norm(w) for w in data["not_names"]),
        name_prefixes=frozenset(norm(w) for w in data["name_prefixes"]),
        outlet_first=frozenset(norm(w) for w in data["outlet_first"]),
        outlet_last=frozenset(norm(w) for w in data["outlet_last"]),
        generic_nouns=frozenset(norm(w) for w in data["generic_nouns"]),
        titles=frozenset(norm(w) for w in data["titles"]),
        german_determiners=frozenset(norm(w) for w in data["german_determiners"]),
        german_noun_re=re.compile(rf"(?:{'|'.join(map(re.escape, data['german_noun_endings']))})$"),
    )
