"""Tag vocabulary: one tag, one page.

Two spellings are one tag when their slugs agree ("Etats-Unis", "États-Unis", "etats unis").
The site owner's `tags:` section of site.yaml maps synonyms, renames and bans; ingest applies
it when it writes tags and build applies it again when it reads them, so an edit of site.yaml
takes effect on the next build without re-ingesting anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from broadsheet.model import slugify


def tag_key(name: str) -> str:
    return slugify(name)


def display_rank(name: str) -> tuple:
    """Of two spellings of one tag, the one to show is the greater: accented ("États-Unis"
    over "Etats-Unis"), then not shouted ("États-Unis" over "ÉTATS-UNIS"), then capitalised."""
    return (sum(1 for c in name if ord(c) > 127), not name.isupper(),
            sum(1 for c in name if c.isupper()), name)


@dataclass(frozen=True, repr=False)
class TagPolicy:
    canonical: Mapping[str, str] = field(default_factory=dict)  # key of a variant -> display
    banned: frozenset[str] = frozenset()  # keys
    # tag as written -> (display form, key): a build applies the policy to every article,
    # and a corpus's tag lists are nearly all distinct while its tags repeat
    _mapped: dict[str, tuple[str, str]] = field(default_factory=dict, init=False,
                                                 repr=False, compare=False)

    def __repr__(self) -> str:
        # sorted: a set's order changes from one process to the next (hash randomisation),
        # and the config's text is part of what a build compares with the last one's
        return (f"TagPolicy(canonical={sorted(self.canonical.items())!r}, "
                f"banned={sorted(self.banned)!r})")

    def apply(self, tags: Iterable[str]) -> tuple[str, ...]:
        """Tags mapped to their display forms, banned ones dropped, each tag once, in order."""
        out, seen = [], set()
        mapped = self._mapped
        for tag in tags:
            got = mapped.get(tag)
            if got is None:
                shown = self.canonical.get(tag_key(tag), tag)
                got = mapped[tag] = (shown, tag_key(shown))
            tag, key = got
            if not key or key in self.banned or key in seen:
                continue
            seen.add(key)
            out.append(tag)
        return tuple(out)


def policy_from_config(data: object) -> tuple[TagPolicy, list[str]]:
    """The `tags:` section of site.yaml -> (policy, problems). Shape:

        tags:
          synonyms: {État islamique: [Daesh, EI, Etat islamique]}
          rename: {Maison Blanche: White House}
          ban: [Photo, Source]
    """
    problems: list[str] = []
    if data is None:
        return TagPolicy(), problems
    if not isinstance(data, dict):
        return TagPolicy(), ["'tags' must be a mapping with synonyms, rename and ban"]
    canonical: dict[str, str] = {}
    for key in data:
        if key not in ("synonyms", "rename", "ban"):
            problems.append(f"unknown key 'tags.{key}' (known: synonyms, rename, ban)")
    synonyms = data.get("synonyms") or {}
    if not isinstance(synonyms, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v)
            for k, v in synonyms.items()):
        problems.append("'tags.synonyms' must map a tag to a list of its other spellings")
    else:
        for display, others in synonyms.items():
            for variant in [display, *others]:
                canonical[tag_key(variant)] = display
    rename = data.get("rename") or {}
    if not isinstance(rename, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in rename.items()):
        problems.append("'tags.rename' must map an old tag name to a new one")
    else:
        for old, new in rename.items():
            for key, display in list(canonical.items()):
                if tag_key(display) == tag_key(old):
                    canonical[key] = new
            canonical[tag_key(old)] = new
    ban = data.get("ban") or []
    if not isinstance(ban, list) or not all(isinstance(b, str) for b in ban):
        problems.append("'tags.ban' must be a list of tags")
        ban = []
    canonical = {k: v for k, v in canonical.items() if k}
    return TagPolicy(canonical=canonical, banned=frozenset(tag_key(b) for b in ban)), problems
