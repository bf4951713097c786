"""What the site publishes of the articles content/ holds: the site's tag policy applied,
tags named as their pages show them, git dates as `updated`, and the warnings that go with
it (a tag with no letter, too many tags, a slug changed without an alias).

Pure: new Articles out (dataclasses.replace), never a change to the ones given, which the
build state and the page store hold too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from broadsheet.config import Config
from broadsheet.errors import ContentError, Diagnostics
from broadsheet.model import Article
from broadsheet.publish.plan import tag_names
from broadsheet.tags import tag_key

# an article's tags: each tag's feed lists the article with all of them, so the site grows
# with their square (5,000 tags on one article made 1.2 GB of feeds)
MAX_TAGS = 50


def published(articles: list[Article], config: Config, dates: dict[str, dt.datetime],
              problems: Diagnostics) -> list[Article]:
    """The articles as the site shows them: tags through the site's policy (at most
    MAX_TAGS), `updated` from git (dates by file name), tags by their pages' names."""
    applied: dict[tuple, tuple] = {}  # a corpus has far fewer tag lists than articles
    nameless: dict[tuple, list[str]] = {}
    out = []
    for a in articles:
        tags = applied.get(a.tags)
        if tags is None:
            tags = applied[a.tags] = config.tags.apply(a.tags)
            nameless[a.tags] = [t for t in a.tags if not tag_key(t)]  # "?#": dropped by it
        if nameless[a.tags]:
            problems.warn(ContentError(
                f"tag {', '.join(map(repr, nameless[a.tags]))} has no letter or digit to name "
                "its page: not published", a.path))
        if len(tags) > MAX_TAGS:
            problems.warn(ContentError(f"{len(tags)} tags: only the first {MAX_TAGS} are "
                                       "published", a.path))
            tags = tags[:MAX_TAGS]
        updated = dates.get(a.path.name) if a.path else None
        if tags != a.tags or updated != a.updated:
            a = replace(a, tags=tags, updated=updated)
        out.append(a)
    return _shown_tag_names(out)


def _shown_tag_names(articles: list[Article]) -> list[Article]:
    """Every article's tags by the names their tag pages show ('ete' and 'Été' are one tag,
    'Été' where most write it so): the JSON-LD, the feeds, the index and the static search
    then name a tag as its page does. Each article's tag objects are made here, before the
    index process forks: made in each process after the fork, they cost it a second at 50k
    (every article's memory page copied)."""
    names = tag_names(articles)
    renamed: dict[tuple[str, ...], tuple[str, ...]] = {}
    out = []
    for a in articles:
        if any(t.slug and names[t.slug] != t.name for t in a.tag_objects):
            if a.tags not in renamed:
                renamed[a.tags] = tuple(names[t.slug] if t.slug else t.name
                                        for t in a.tag_objects)
            a = replace(a, tags=renamed[a.tags])
            a.tag_objects  # noqa: B018 - made now, shared by the forked processes
        out.append(a)
    return out


def moved_without_alias(articles: list[Article], known: dict, files: dict,
                        problems: Diagnostics) -> None:
    """Articles whose slug changed since the last build, the old slug not kept in `aliases`:
    links to the old URL would break. A warning; the build itself stays a pure function of
    content/ (a redirect comes from `aliases`, never from the state). Only files read again
    this build can have changed their slug."""
    changed = [a for a in articles if a.path and files.get(a.path.name) is not known.get(
        a.path.name)]
    if not changed or not known:
        return
    by_id: dict[str, str] | None = None
    slugs: set[str] | None = None
    for a in changed:
        prev = known.get(a.path.name)
        old = prev.article.slug if prev is not None and prev.article.id == a.id else None
        if old is None and a.id:  # renamed too: found by its id
            if by_id is None:
                by_id = {s.article.id: s.article.slug for s in known.values() if s.article.id}
            old = by_id.get(a.id)
        if old is None or old == a.slug:
            continue
        if slugs is None:
            slugs = {x.slug for x in articles} | {s for x in articles for s in x.aliases}
        if old not in slugs:
            problems.warn(ContentError(f"slug changed from '{old}' to '{a.slug}': add "
                                       f"`aliases: [{old}]` to keep the old URL as a redirect",
                                       a.path))

