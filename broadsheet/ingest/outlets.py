"""Outlet names: what may be one, what a page's URL and an ingest's titles say of it, and the
site owner's synonyms (site.yaml `sources:`).

A source shown on every article page and given a page of its own must be an outlet's name:
never a button ("AcceptRead More"), a heading ("Topics") or a consent line ("Privacy &
Cookies: This site"), which page furniture puts where a name could stand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from broadsheet.ingest.lexicon import lexicon, norm
from broadsheet.tags import tag_key

MAX_WORDS = 6  # "Westdeutsche Allgemeine Zeitung", "La Gazzetta di Val Serena": names are short
# words glued by a scraper that lost the space between two buttons: "AcceptRead", "ShareTweet"
_GLUED = re.compile(r"[a-zà-ÿ](?=[A-ZÀ-Þ][a-zà-ÿ])")
_SENTENCE = re.compile(r"[:;!?]|\.\s+[a-zà-ÿ]")  # "Privacy & Cookies: This site uses"


@cache
def _furniture() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """From data/lexicon.yaml, normalised: one-word phrases of page furniture, longer ones,
    and the words a banner or a sentence opens with when it speaks ("We use", "Vous")."""
    from importlib import resources

    import yaml
    data = yaml.safe_load(resources.files("broadsheet").joinpath("data/lexicon.yaml")
                          .read_text(encoding="utf-8"))
    phrases = {norm(p) for kind in ("buttons", "prompts", "read_more", "most_read",
                                    "tag_lines", "navigation") for p in data.get(kind) or ()}
    speaking = frozenset(norm(w) for w in data.get("reader_address") or () if " " not in w)
    return (frozenset(p for p in phrases if " " not in p),
            tuple(sorted(p for p in phrases if " " in p)), speaking)


def looks_like_name(name: str) -> bool:
    """Whether name can be an outlet's: a few words, not a sentence, and not made of the
    words of buttons, menus, prompts or consent banners ("Read More", "Topics")."""
    name = " ".join(name.split())
    words = _GLUED.sub(lambda m: m.group(0) + " ", name).split()
    if not 2 <= len(name) <= 60 or len(words) > MAX_WORDS or _SENTENCE.search(name):
        return False
    single, multi, speaking = _furniture()
    text = f" {norm(' '.join(words))} "
    if any(f" {p} " in text for p in multi) or any(p in text for p in lexicon().consent_phrases):
        return False
    if norm(words[0]) in speaking:  # "We use cookies", "Vous aimerez aussi"
        return False
    keys = [re.sub(r"[\W_]+", "", norm(w)) for w in words]
    keys = [k for k in keys if k]
    glued = any(_GLUED.search(w) for w in name.split())
    furniture = [k in single for k in keys]
    if not keys or all(f or k in lexicon().not_names for f, k in zip(furniture, keys)):
        return False
    return not (glued and any(furniture))  # "AcceptRead More", "SubscribeLogin"


def url_names(url: str | None) -> tuple[str, ...]:
    """The names a page's URL gives its site: 'https://www.chefkoch.de/x' -> ('chefkoch.de',
    'chefkoch'), by the public suffix list (tld), so 'bbc.co.uk' gives 'bbc'."""
    if not url:
        return ()
    from tld import get_tld
    found = get_tld(url, as_object=True, fail_silently=True, fix_protocol=True)
    if found is None or not found.domain:
        return ()
    return (found.fld, found.domain)


MIN_TITLES = 2  # a piece ending this many distinct titles of one ingest is the site's name


def shared_ends(titles: Iterable[str]) -> frozenset[str]:
    """Pieces that open or close several distinct titles of an ingest, beyond a separator
    ("… – Le Courrier du Soir"): the sites' names. A headline is never said twice."""
    from broadsheet.ingest.titles import end_pieces
    counts: Counter[str] = Counter()
    for title in set(titles):
        counts.update(set(end_pieces(title)))
    return frozenset(p for p, n in counts.items() if n >= MIN_TITLES and looks_like_name(p))


@dataclass(frozen=True, repr=False)
class SourcePolicy:
    """The site owner's spellings of outlets: every synonym's key -> the name to show."""
    canonical: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:  # sorted: the config's text is compared from build to build
        return f"SourcePolicy(canonical={sorted(self.canonical.items())!r})"

    def apply(self, name: str | None) -> str | None:
        if not name:
            return name
        return self.canonical.get(tag_key(name), name)


def policy_from_config(data: object) -> tuple[SourcePolicy, list[str]]:
    """The `sources:` section of site.yaml -> (policy, problems). Shape, as `tags:`:

        sources:
          synonyms: {Le Monde: [lemonde.fr, LeMonde.fr, Le Monde.fr]}
    """
    if data is None:
        return SourcePolicy(), []
    if not isinstance(data, dict):
        return SourcePolicy(), ["'sources' must be a mapping with synonyms"]
    problems = [f"unknown key 'sources.{k}' (known: synonyms)" for k in data if k != "synonyms"]
    synonyms = data.get("synonyms") or {}
    if not isinstance(synonyms, dict) or not all(
            isinstance(k, str) and k.strip() and isinstance(v, list)
            and all(isinstance(x, str) for x in v) for k, v in synonyms.items()):
        return SourcePolicy(), problems + [
            "'sources.synonyms' must map an outlet's name to a list of its other spellings"]
    canonical = {tag_key(variant): display.strip() for display, others in synonyms.items()
                 for variant in [display, *others] if tag_key(variant)}
    return SourcePolicy(canonical), problems
