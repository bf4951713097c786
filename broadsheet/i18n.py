"""The theme's language: its strings, from gettext catalogues (broadsheet/theme/locale/*.po,
read with Babel's read_po, so a fresh clone needs no compile step), and dates and numbers as
the language writes them (Babel's CLDR data).

A page's language is the site's `language`; an article page's is the article's own when a
catalogue is shipped for it. A language with no catalogue shows the English strings (and the
site's `strings:` overrides), its dates and numbers still formatted for it when CLDR knows it.

Each string has a short key (STRINGS below), by which site.yaml's `strings:` overrides it:

    strings:
      latest_articles: À la une
      words: {one: "%(num)s mot", other: "%(num)s mots"}   # a plural: CLDR categories

Plural strings are held by CLDR plural category (zero, one, two, few, many, other), as
Intl.PluralRules names them in the browser: the search page's script gets them so.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from broadsheet import yamlhelp

LOCALE_DIR = Path(__file__).resolve().parent / "theme" / "locale"
SHIPPED = ("en", "fr", "de", "es", "it")  # the catalogues in LOCALE_DIR
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
DOCS = "docs/guide/language.md"

# key -> the English text (msgid), (singular, plural) for a plural, or (context, msgid) as
# ("ctx:button", "Search") for a word that reads differently as a button
STRINGS: dict[str, str | tuple[str, str]] = {
    # every page
    "skip_link": "Skip to content",
    "site_nav": "Site",
    "articles": "Articles",
    "archive": "Archive",
    "tags": "Tags",
    "sources": "Sources",
    "languages": "Languages",
    "search": "Search",
    "search_button": ("ctx:button", "Search"),
    "feed": "Feed",
    "site_search": "Site search",
    "search_articles": "Search articles",
    "published_with": "Published with broadsheet",
    "atom_feed": "Atom feed",
    "sitemap": "Sitemap",
    # bylines and pagers
    "by": "by %(names)s",
    "with": "with %(names)s",
    "pages": "Pages",
    "newer": "← Newer",
    "older": "Older →",
    "archive_page": "Archive page %(num)s",
    # article
    "breadcrumb": "Breadcrumb",
    "home": "Home",
    "words": ("%(num)s word", "%(num)s words"),
    "minutes": ("%(num)s min read", "%(num)s min read"),
    "updated": "updated %(date)s",
    "original_article": "Original article",
    "related_headlines": "Related headlines",
    "more_on_topics": "More on these topics",
    "newer_article": "← Newer: %(title)s",
    "older_article": "Older: %(title)s →",
    "neighbours": "Newer and older articles",
    # listings
    "latest_articles": "Latest articles",
    "tag_heading": "Tag: %(name)s",
    "period_heading": "Articles of %(period)s",
    "source_heading": "Source: %(name)s",
    "language_heading": "Language: %(name)s",
    "tag_feed": "Atom feed of this tag",
    "source_feed": "Atom feed of this source",
    "no_articles": "No articles yet.",
    "page_number": "page %(num)s",
    # archive, groups, tags
    "no_dated": "No dated articles yet.",
    "undated": ("%(num)s article has no date; it is listed last on the %(home)s.",
                "%(num)s articles have no date; they are listed last on the %(home)s."),
    "home_page": "home page",
    "none_yet": "None yet.",
    "no_tags": "No tags yet.",
    "hidden_tags": ("%(num)s tag used on fewer than %(min)s articles has no page yet: a tag "
                    "gets one when %(min)s articles use it.",
                    "%(num)s tags used on fewer than %(min)s articles have no page yet: a tag "
                    "gets one when %(min)s articles use it."),
    "by_letter": "Tags by first letter",
    # search page
    "search_label": "Search the articles",
    "words_to_find": "Words to find",
    "search_hint": "Filters: %(filters)s; %(phrase)s; %(minus)s or %(not_word)s to exclude, "
                   "%(either)s for either.",
    "a_phrase": "a phrase",
    "word": "word",
    "name": "name",
    "result_pages": "Result pages",
    # search page, shown by search.js
    "searching": "Searching…",
    "search_failed": "Search failed: %(error)s",
    "no_match": "No articles match “%(query)s”.",
    "did_you_mean": "Did you mean: %(suggestion)s",
    "matches_query": ("%(num)s article matches “%(query)s”.",
                      "%(num)s articles match “%(query)s”."),
    "matches": ("%(num)s article matches.", "%(num)s articles match."),
    "years": "Years",
    "previous": "← Previous",
    "next": "Next →",
    "page_of": "Page %(page)s of %(pages)s",
    # 404 and redirects
    "not_found_title": "Not found",
    "not_found": "Page not found",
    "not_found_text": "There is no page at this address. Try the %(latest)s, the %(archive)s "
                      "or the %(search)s.",
    "not_found_text_no_archive": "There is no page at this address. Try the %(latest)s or the "
                                 "%(search)s.",
    "latest_link": "latest articles",
    "archive_link": "archive",
    "search_link": "search page",
    "moved_title": "Moved: %(title)s",
    "moved_text": "This article has moved: %(link)s.",
}

# what search.js shows, by key: the search page hands them over with its language
SCRIPT_STRINGS = ("searching", "search_failed", "no_match", "did_you_mean", "matches_query",
                  "matches", "tags", "sources", "languages", "years", "previous", "next",
                  "page_of")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _split(key: str) -> tuple[str | None, str, str | None]:
    """(context, msgid, plural msgid or None) of a key."""
    value = STRINGS[key]
    if isinstance(value, str):
        return None, value, None
    if value[0].startswith("ctx:"):
        return value[0][4:], value[1], None
    return None, value[0], value[1]


def is_plural(key: str) -> bool:
    return _split(key)[2] is not None


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


# ---- the site's overrides (site.yaml `strings:`) ------------------------------------------------

@dataclass(frozen=True)
class Overrides:
    """site.yaml's `strings:`, checked: key -> text, or CLDR category -> text for a plural."""
    items: tuple[tuple[str, str | tuple[tuple[str, str], ...]], ...] = ()

    def as_dict(self) -> dict:
        return {k: dict(v) if isinstance(v, tuple) else v for k, v in self.items}


def _check_text(where: str, text: object, allowed: set[str]) -> str | None:
    if not isinstance(text, str):
        return f"'{where}' must be a string"
    used = placeholders(text)
    if used - allowed:
        extra = ", ".join(f"%({n})s" for n in sorted(used - allowed))
        known = ", ".join(f"%({n})s" for n in sorted(allowed)) or "none"
        return f"'{where}' uses {extra}, which the theme does not give it (it gives: {known})"
    try:
        text % {n: "" for n in allowed}
    except (ValueError, TypeError, KeyError):
        return f"'{where}' has a lone '%' (write %% for a percent sign)"
    return None


def overrides_from_config(data: object) -> tuple[Overrides, list[str]]:
    """The `strings:` section of site.yaml -> (overrides, problems), each problem one line."""
    if data is None:
        return Overrides(), []
    if not isinstance(data, dict):
        return Overrides(), [f"'strings' must map a theme string's key to its text (keys: {DOCS})"]
    problems, items = [], []
    for key, value in data.items():
        if not isinstance(key, str) or key not in STRINGS:
            close = yamlhelp.closest(key, list(STRINGS))
            hint = f"did you mean '{close}'? " if close else ""
            problems.append(f"unknown key 'strings.{key}' ({hint}the keys are listed in {DOCS})")
            continue
        _, msgid, plural = _split(key)
        allowed = placeholders(msgid) | placeholders(plural or "")
        if plural is not None and isinstance(value, dict):
            bad = [str(c) for c in value if c not in CATEGORIES]
            if bad or "other" not in value:
                problems.append(f"'strings.{key}' must map plural categories ({', '.join(CATEGORIES)}) "
                                "to texts, 'other' among them" + (
                                    f" (not {', '.join(bad)})" if bad else ""))
                continue
            found = [_check_text(f"strings.{key}.{c}", t, allowed) for c, t in value.items()]
            if any(found):
                problems.extend(p for p in found if p)
                continue
            items.append((key, tuple(sorted(value.items()))))
            continue
        problem = _check_text(f"strings.{key}", value, allowed)
        if problem:
            if plural is not None and not isinstance(value, str):
                problem = (f"'strings.{key}' must be a string, or a mapping of plural categories "
                           "(one, other...) to strings")
            problems.append(problem)
            continue
        items.append((key, value))
    return Overrides(tuple(sorted(items))), problems


# ---- catalogues -------------------------------------------------------------------------------

def theme_language(code: str | None) -> str | None:
    """The shipped catalogue for a language code ('fr', 'fr-CA', 'EN_gb'), or None."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary if primary in SHIPPED else None


@cache
def locale_of(code: str) -> Locale:
    """Babel's locale for a language code ('en', 'pt-BR'); its primary language when CLDR
    does not know the whole code; English when it knows neither."""
    for candidate in (code.replace("-", "_"), re.split(r"[-_]", code)[0]):
        try:
            return Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse("en")


def _samples(locale: Locale) -> dict[str, int]:
    """A whole number of each plural category the locale has: 'one' -> 1, 'other' -> 2..."""
    out: dict[str, int] = {}
    for n in [*range(0, 200), 1_000_000]:
        out.setdefault(locale.plural_form(n), n)
    out.setdefault("other", 2)
    return out


@cache
def _read(language: str) -> tuple[dict, dict]:
    """A shipped catalogue: ({(context, msgid): text}, {(context, msgid): {category: text}})."""
    with open(LOCALE_DIR / f"{language}.po", "rb") as f:
        catalog = read_po(f, locale=language)
    form_of = _gettext.c2py(catalog.plural_expr)
    samples = _samples(locale_of(language))
    singular, plural = {}, {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            forms = message.string if isinstance(message.string, (list, tuple)) else ()
            if all(forms):
                plural[(message.context, message.id[0])] = {
                    cat: forms[min(form_of(n), len(forms) - 1)] for cat, n in samples.items()}
        elif message.string:
            singular[(message.context, message.id)] = message.string
    return singular, plural


@dataclass
class Catalogue:
    """The strings of one language, with the locale that formats its dates and numbers."""
    language: str  # the shipped catalogue used ('en' when the language has none)
    locale: Locale
    singular: dict = field(default_factory=dict)
    plural: dict = field(default_factory=dict)
    code: str = "en"  # the language code asked for (its primary subtag for article pages)

    def gettext(self, msgid: str, context: str | None = None) -> str:
        return self.singular.get((context, msgid), msgid)

    def pgettext(self, context: str, msgid: str) -> str:
        return self.gettext(msgid, context)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = self.plural.get((None, singular))
        if forms is None:
            return singular if n == 1 else plural
        return forms.get(self.category(n)) or forms["other"]

    def category(self, n) -> str:
        return _category(self.locale, n)

    def text(self, key: str) -> str | dict[str, str]:
        """A string by its key: its text, or category -> text for a plural."""
        context, msgid, plural = _split(key)
        if plural is None:
            return self.gettext(msgid, context)
        forms = self.plural.get((None, msgid))
        if forms is None:
            return {c: (msgid if c == "one" else plural) for c in self.categories()}
        return {c: forms.get(c) or forms["other"] for c in self.categories()}

    def categories(self) -> list[str]:
        return sorted(set(_samples(self.locale)), key=CATEGORIES.index)

    # formatting
    def number(self, n) -> str:
        return format_decimal(n, locale=self.locale)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        """'3 mars 2024', '3. März 2024', 'March 3, 2024': the day in the article's zone."""
        if value is None:
            return ""
        day = value.date() if isinstance(value, dt.datetime) else value
        return _long_date(day, self.locale)

    def month(self, ym: str) -> str:
        """'2024-03' -> 'mars 2024'; a year alone as it is."""
        if len(ym) < 7:
            return ym
        return format_skeleton("yMMMM", dt.date(int(ym[:4]), int(ym[5:7]), 1),
                               locale=self.locale)

    def join(self, items: list[str]) -> str:
        """'A, B and C' in the language ('A, B et C')."""
        return format_list(list(items), locale=self.locale) if items else ""

    def script_strings(self) -> dict:
        """What search.js shows, for the search page: the language tag for Intl, texts by key
        and plurals by CLDR category."""
        return {"locale": str(self.code), "strings": {k: self.text(k) for k in SCRIPT_STRINGS}}


@lru_cache(maxsize=1 << 14)  # a listing shows 20 dates, and a corpus has few days: a sixth of
def _long_date(day: dt.date, locale: Locale) -> str:  # a listing's time went to formatting them
    return format_date(day, "long", locale=locale)


@lru_cache(maxsize=4096)
def _category(locale: Locale, n) -> str:
    return locale.plural_form(n)


def catalogue(code: str, overrides: Overrides = Overrides()) -> Catalogue:
    """The strings for a language code: its shipped catalogue or English, then the overrides."""
    language = theme_language(code) or "en"
    locale = locale_of(code)
    singular, plural = _read(language)
    out = Catalogue(language, locale, dict(singular), dict(plural), code)
    samples = _samples(locale)
    if language == "en" and theme_language(code) is None:
        # English text under another language's plural rules: 'one' singular, the rest plural
        out.plural = {k: {c: (v["one"] if c == "one" else v["other"]) for c in samples}
                      for k, v in plural.items()}
    for key, value in overrides.items:
        context, msgid, plural_id = _split(key)
        if plural_id is None:
            out.singular[(context, msgid)] = value
        else:
            given = dict(value) if isinstance(value, tuple) else {"other": value}
            out.plural[(None, msgid)] = {c: given.get(c, given["other"]) for c in samples}
    return out


@cache
def catalogues_digest() -> str:
    """The shipped catalogues' bytes, hashed: a page is rendered again when they change."""
    h = hashlib.blake2b(digest_size=16)
    for language in SHIPPED:
        h.update(language.encode() + b"\0" + (LOCALE_DIR / f"{language}.po").read_bytes())
    return h.hexdigest()


def strings_fingerprint(language: str, overrides: Overrides) -> str:
    """What the theme's words on a site depend on, beside the templates."""
    return json.dumps([language, overrides.as_dict(), catalogues_digest()], sort_keys=True,
                      ensure_ascii=False)
