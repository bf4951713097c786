"""broadsheet new: a content file for an article written by hand, valid from the start."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from broadsheet.errors import ContentError
from broadsheet.frontmatter import dump, load
from broadsheet.model import Article, slugify

PLACEHOLDER = "Write the article here, in Markdown."


def new_article(title: str, *, today: dt.date | None, language: str | None = None,
                tags: tuple[str, ...] = (), source: str | None = None,
                slug: str | None = None, draft: bool = True) -> Article:
    """A new article: a draft (`draft: true`, dated when it is published) unless draft is
    False; today: its date (None: none yet)."""
    title = " ".join(title.split())
    if not title:
        raise ContentError("a new article needs a title")
    slug = slug or slugify(title)
    if not slug:
        raise ContentError(f"no slug can be made from the title {title!r}: give --slug")
    return Article(title=title, slug=slug, date=today, language=language, source=source,
                   tags=tuple(dict.fromkeys(t.strip() for t in tags if t.strip())),
                   body=PLACEHOLDER, draft=True if draft else None)


def taken_names(articles: list[Article]) -> dict[str, Path]:
    """Each slug, alias and index id the content files hold, with the file holding it: a new
    article's slug must be none of them (the build would give the URL to whichever file
    comes first by name, and drop the other)."""
    taken: dict[str, Path] = {}
    for a in articles:
        for name in (a.slug, *a.aliases, a.id or a.slug):
            taken.setdefault(name, a.path)
    return taken


def write_new(content_dir: Path, article: Article, taken: dict[str, Path] | None = None) -> Path:
    """content/<slug>.md, never over an existing file nor with a slug another file has;
    checked by the build's own loader."""
    path = content_dir / f"{article.slug}.md"
    text = dump(article)
    load(text, path)  # what the build will read: a bad --slug or --language fails here
    owner = (taken or {}).get(article.slug)
    if owner is not None and owner.name != path.name:  # that file itself: "already exists"
        raise ContentError(f"the slug '{article.slug}' is already used by {owner.name}: "
                           "choose another title or --slug", path)
    content_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ContentError("already exists: choose another title or --slug", path) from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path
