"""Metadata found in a cleaned article: language, source, tags."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from broadsheet.ingest.lexicon import lexicon, norm
from broadsheet.ingest.outlets import looks_like_name
from broadsheet.tags import TagPolicy, display_rank, tag_key

# norm() of single words, remembered: tags() asks it of every capitalised word of every
# article, and a corpus has far fewer distinct words than it has words
_word_norm = lru_cache(maxsize=1 << 16)(norm)

LANGID_CHARS = 2000  # enough text to tell a language; the model's cost grows with length
MIN_TAGS = 3
MAX_TAGS = 8


def language(text: str, default: str | None = None) -> str | None:
    """ISO 639-1 code by py3langid (a trained n-gram model shipped in the package)."""
    import py3langid  # imported here: loading its model costs ~0.5 s, needed only by ingest

    if len(re.findall(r"\w+", text[:200])) < 3:
        return default
    code, _ = py3langid.classify(text[:LANGID_CHARS])
    return code or default


_LEGAL = re.compile(r"\s*,?\s*\b(?:GmbH(?:\s*&\s*Co\.?)?(?:\s*KG)?|AG|KG|S\.?r\.?l\.?|S\.?p\.?A\.?|"
                    r"S\.?A\.?S?|SARL|Ltd\.?|Limited|Inc\.?|LLC|S\.?L\.?|plc)\.?$", re.I)
_TRAILING_YEAR = re.compile(r"\s+(?:\d{4}(?:\s*[-–]\s*\d{4})?)$")


def clean_name(name: str) -> str:
    """'Agence Métropole Info 2022 – Tous droits réservés' -> 'Agence Métropole Info';
    'Westfalen Kurier GmbH & Co. KG' -> 'Westfalen Kurier'."""
    name = re.split(r"\s+[–—|-]\s+", name.strip())[0]
    for _ in range(3):
        name = _TRAILING_YEAR.sub("", _LEGAL.sub("", name)).strip(" .,:;-–«»\"'")
        name = re.sub(r"\s+\w$", "", name)  # what is left of "S.L." once cut at its dot
    if re.search(r"droits|rights|rechte|derechos|diritti|reserv|réserv", name, re.I):
        return ""  # "Tous droits réservés" names nobody
    return name


def source(candidates: tuple[str, ...]) -> str | None:
    """The outlet most often named among candidates (in order of first mention on ties)."""
    lex = lexicon()
    names = [clean_name(c) for c in candidates]
    names = [n for n in names if re.search(r"[^\W\d_]", n) and norm(n) not in lex.agencies
             and norm(n) not in lex.not_names and looks_like_name(n)]
    if not names:
        return None
    counts = Counter(names)
    return max(names, key=lambda n: (counts[n], -names.index(n)))


# A name: capitalised words, possibly hyphenated (Etats-Unis), in a row (Ashton Carter).
_CAP = r"[A-ZÀ-ÖØ-Þ][\w\-]*[\w]|[A-ZÀ-ÖØ-Þ]"
_NAME = re.compile(rf"(?:{_CAP})(?:\s+(?:{_CAP}))*")
_ELISION = re.compile(r"\b[dljmnstcq]['’]", re.I)
_SENTENCE_START = re.compile(r"(?:^|[.!?:«»\"“”]\s*)$")


_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")


def _within(part: str, whole: str) -> bool:
    """Is slug `part` a run of whole words of slug `whole` ("carter" in "ashton-carter")?"""
    return f"-{part}-" in f"-{whole}-"


def _names(text: str, skip: frozenset[str], language: str | None,
           prefixes: frozenset[str] = frozenset(), known=frozenset()) -> list[str]:
    """Runs of capitalised words that are names: "La Maison Blanche" -> "Maison Blanche",
    "Fire Chief Ray Donnelly" -> "Ray Donnelly", "PORT ALDER" -> "Port Alder", "À Rennes"
    -> "Rennes". skip: words that are no name's first or last; prefixes: more words that are
    no name's first (a sentence's opening preposition); known: keys of names that are names
    even where German would make them common nouns ("Nach Paris")."""
    lex = lexicon()
    text = _ELISION.sub(" ", text)  # "d’Ashton Carter" -> " Ashton Carter"
    found = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        if len(words) > 1 and all(w.isupper() and len(w) > 2 for w in words):
            words = [w.capitalize() for w in words]  # a dateline: "PORT ALDER"
        # only the few characters before the name matter (slicing all of them is quadratic)
        head = text[max(0, m.start() - 40): m.start()]
        at_start = bool(_SENTENCE_START.search(head)) if m.start() > 40 else bool(
            _SENTENCE_START.search(text[: m.start()]))
        before = _PREVIOUS_WORD.search(head)
        after_determiner = bool(before) and (
            before.group(1).isdigit() or _word_norm(before.group(1)) in lex.german_determiners)
        # a title inside a run splits it: "Port Meridian Mayor Alicia Brandt"
        parts, current = [], []
        for w in words:
            if _word_norm(w) in lex.titles:
                parts.append(current)
                current = []
            else:
                current.append(w)
        parts.append(current)
        for n, part in enumerate(parts):
            first = n == 0
            stripped = False
            while part and (_word_norm(part[0]) in skip or _word_norm(part[0]) in prefixes):
                part = part[1:]
                first, stripped = False, True  # "La Maison Blanche": past the sentence's start
            while part and (_word_norm(part[-1]) in skip or len(part[-1]) == 1):
                part = part[:-1]
            if not part:
                continue
            if len(part) == 1:
                word = part[0]
                if (first and at_start) or _word_norm(word) in lex.generic_nouns:
                    continue  # a lone capitalised word opening a sentence tells nothing
                if language == "de" and tag_key(word) not in known and (
                        (first and after_determiner) or stripped
                        or lex.german_noun_re.search(word.lower())):
                    continue  # German capitalises nouns: "die Räder", "Werbung"
            name = " ".join(part)
            if len(name) >= 2 and not name.isdigit():
                found.append(name)
    return found


@dataclass(frozen=True)
class Gazetteer:
    """data/entities.yaml: places and organisations under one display form per language."""
    display: tuple[dict, ...]  # entity -> {lang: name}
    by_key: dict  # tag_key of a name or variant -> entity
    adjectives: dict  # lang -> {adjective: entity}
    phrases: re.Pattern | None  # multi-word names with lowercase words ("Etat islamique")

    def name(self, entity: int, language: str | None) -> str:
        names = self.display[entity]
        return names.get(language or "", names.get("en") or next(iter(names.values())))


@cache
def gazetteer() -> Gazetteer:
    path = resources.files("broadsheet").joinpath("data/entities.yaml")
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    display, by_key, adjectives, phrases = [], {}, {}, {}
    for i, entry in enumerate(entries or []):
        display.append(dict(entry["names"]))
        for phrase in [*entry["names"].values(), *(entry.get("variants") or [])]:
            by_key.setdefault(tag_key(phrase), i)
            if any(w[:1].islower() for w in phrase.split()[1:]):
                phrases.setdefault(phrase, i)
        for lang, words in (entry.get("adjectives") or {}).items():
            for word in words:
                adjectives.setdefault(lang, {}).setdefault(word.casefold(), i)
    pattern = None
    if phrases:
        alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    return Gazetteer(tuple(display), by_key, adjectives, pattern)


_LOWER_WORD = re.compile(r"\w+")
_OPENING_WORD = re.compile(r"^(\w+)(?:['’]\s*|\s+)(?=\w)")


def outlet_names(names: Iterable[str | None]) -> frozenset[str]:
    """Outlets' names as written and without their article ("The Daily Meridian", "Daily
    Meridian"; "L'Écho des Deux Rives", "Écho des Deux Rives"): the way the text and the
    tagger name them."""
    prefixes = lexicon().name_prefixes
    out = set()
    for name in filter(None, names):
        out.add(name)
        m = _OPENING_WORD.match(name)
        if m and _word_norm(m.group(1)) in prefixes:
            out.add(name[m.end():])
    return frozenset(out)


def corpus_outlets(sources: Iterable[str | None]) -> frozenset[str]:
    """The sources of a corpus (one per article) whose names no article may have as a tag:
    those of two articles or more (a source read once may be a misreading: "DEUTSCHLAND", from
    one page's copyright line, would take Deutschland from every article), and not a place or
    organisation of the gazetteer (a country stays a tag, whatever an article's source read)."""
    keys = Counter(tag_key(s) for s in sources if s)
    known = gazetteer().by_key
    return frozenset(s for s in sources if s and keys[tag_key(s)] >= 2
                     and tag_key(s) not in known)


@cache
def _mentions(outlets: frozenset[str]) -> re.Pattern | None:
    """Any of these outlet names in a text, as written (any apostrophe, any spaces)."""
    if not outlets:
        return None
    parts = sorted(outlets, key=lambda n: (-len(n), n))  # longest first: the whole name wins
    body = "|".join(re.escape(p).replace("'", "['’]").replace(r"\ ", r"\s+") for p in parts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def outlet_like(name: str) -> bool:
    """Is this name an outlet's by its words, known to the corpus or not ("Westfalen Kurier",
    "Daily Mail", "Radio Horizon Info")? Only names of two words or more: a word alone
    ("Post", "Times") is too often something else."""
    lex = lexicon()
    words = norm(name).split()
    return len(words) > 1 and (words[0] in lex.outlet_first or words[-1] in lex.outlet_last)


def not_outlets(names: Iterable[str], outlets: frozenset[str]) -> list[str]:
    """names without any that names an outlet (of outlet_names()), or looks like one."""
    keys = {tag_key(o) for o in outlets}
    return [n for n in names if tag_key(n) not in keys and not outlet_like(n)]


def tags(title: str, paragraphs: list[str], language: str | None = None,
         exclude: Iterable[str] = frozenset(), policy: TagPolicy = TagPolicy()) -> list[str]:
    """3 to 8 names the article is about: people, places, organisations, never an outlet
    (exclude: the outlets' names, the article's own and the corpus's). A name counts twice
    in the title; adjectives count for their place ("avions russes" -> Russie); spellings of
    one place or organisation are one tag under its display form in the article's language
    (data/entities.yaml), and the site's own synonyms (site.yaml tags:) join them. A lone
    surname counts for the full name it belongs to (Carter -> Ashton Carter). Names said
    twice or more are kept; when fewer than three are, names said once fill up."""
    lex, gaz = lexicon(), gazetteer()
    outlets = outlet_names(exclude)
    counts = _name_counts(title, paragraphs, language, outlets, policy)
    excluded = {tag_key(e) for e in outlets} | {tag_key(a) for a in lex.agencies}
    merged, spelling = _by_slug(counts, excluded, policy)
    gaz_names = {gaz.name(i, language) for i in range(len(gaz.display))}
    _join_families(merged, spelling, gaz_names)
    ranked = sorted(merged, key=lambda k: (-merged[k], spelling[k]))
    chosen = [k for k in ranked if merged[k] >= 2][:MAX_TAGS]
    if len(chosen) < MIN_TAGS:
        chosen += [k for k in ranked if merged[k] == 1][: MIN_TAGS - len(chosen)]
    return [spelling[k] for k in chosen]


def _name_counts(title: str, paragraphs: list[str], language: str | None,
                 outlets: frozenset[str], policy: TagPolicy) -> Counter[str]:
    """How often the article says each name (twice for the title), under the name its tag
    takes: the site owner's form, else the gazetteer's in the article's language."""
    lex, gaz = lexicon(), gazetteer()
    skip = lex.not_names | frozenset(lex.months) | frozenset(lex.agencies)
    counts: Counter[str] = Counter()
    adjectives = gaz.adjectives.get(language or "", {})
    owner = policy.canonical  # every spelling the site owner named -> its display form
    mentions = _mentions(outlets)

    def count(text: str, weight: int) -> None:
        if mentions is not None:  # "El Faro del Sur" gone whole, so "Faro" is not a name
            text = mentions.sub(" ", text)
        if gaz.phrases is not None:  # "Etat islamique" first, so that "Etat" is not a name too
            for m in gaz.phrases.finditer(text):
                counts[gaz.name(gaz.by_key[tag_key(m.group(0))], language)] += weight
            text = gaz.phrases.sub(" ", text)
        for name in _names(text, skip, language, lex.name_prefixes, gaz.by_key):
            key = tag_key(name)
            if key in owner:
                name = owner[key]
            elif key in gaz.by_key:
                name = gaz.name(gaz.by_key[key], language)
            counts[name] += weight
        if adjectives:
            for word in _LOWER_WORD.findall(text):
                entity = adjectives.get(word.casefold())
                if entity is not None and (word[0].islower() or language == "en"):
                    counts[gaz.name(entity, language)] += weight

    count(title, 2)
    for para in paragraphs:
        count(para, 1)
    return counts


def _by_slug(counts: Counter[str], excluded: set[str],
             policy: TagPolicy) -> tuple[Counter[str], dict[str, str]]:
    """The counts by tag key, without the excluded keys, outlets' names and names the
    policy drops; and each key's spelling (the best of its names, by display_rank)."""
    merged: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for name, n in counts.items():  # one tag per slug: "Etats-Unis" and "États-Unis" are one
        key = tag_key(name)
        if not key or key in excluded or outlet_like(name) or policy.apply([name]) == ():
            continue
        merged[key] += n
        spelling[key] = max(spelling.get(key, name), name, key=display_rank)
    return merged, spelling


def _join_families(merged: Counter[str], spelling: dict[str, str], gaz_names: set[str]) -> None:
    """merged with each family of names counted under one of them (the gazetteer's names
    stay apart)."""
    # one tag per family of names: "Carter", "Ashton Carter" and "Défense Ashton Carter" are
    # one person, named by the commonest form (the longer on ties)
    for key in sorted(merged, key=lambda k: (-merged[k], -len(k), k)):
        if key not in merged or spelling[key] in gaz_names:
            continue
        for other in [k for k in merged if k != key and spelling[k] not in gaz_names]:
            if _within(other, key) or _within(key, other):
                merged[key] += merged.pop(other)
