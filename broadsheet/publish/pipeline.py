"""build: content/ -> site/ and the search index."""

from __future__ import annotations

import hashlib
import json
import time
from functools import partial
from itertools import chain
from dataclasses import replace
from collections.abc import Callable, Iterable

from broadsheet.config import Config
from broadsheet.model import Article, BuildResult
from broadsheet.publish import search
from broadsheet.publish.load import load_content
from broadsheet.publish.plan import plan
from broadsheet.publish.render import day, make_env, plain_text, render, site_context
from broadsheet.publish.write import publish

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, desc: str, total: int) -> Iterable:
    return items


def to_document(article: Article) -> search.Document:
    tags = article.tag_objects
    return search.Document(
        id=article.id or article.slug, url=article.url, title=article.title,
        body=plain_text(article.body), tags=tuple(t.name for t in tags),
        tag_slugs=tuple(t.slug for t in tags if t.slug), source=article.source or "",
        language=article.language or "", date=day(article.date),
    )


def to_entry(article: Article) -> search.Entry:
    """What the index needs to know first: the document is built only if the hash changed."""
    tags = article.tag_objects
    made_of = json.dumps([article.id or article.slug, article.url, article.title, article.body,
                          article.tags, article.source, article.language, day(article.date)],
                         ensure_ascii=False)
    return search.Entry(
        id=article.id or article.slug, hash=hashlib.sha256(made_of.encode()).hexdigest()[:16],
        tags=tuple(t.name for t in tags), tag_slugs=tuple(t.slug for t in tags if t.slug),
        source=article.source or "", language=article.language or "",
        document=partial(to_document, article))


def load(config: Config, strict: bool = False) -> tuple[list[Article], list]:
    """Valid articles (the site's tag policy applied) and one error per bad file."""
    articles, errors = load_content(config.content_dir)
    if strict and errors:
        raise errors[0]
    return [replace(a, tags=config.tags.apply(a.tags)) for a in articles], errors


def build(config: Config, *, strict: bool = False, with_index: bool = True,
          progress: Progress = no_progress) -> BuildResult:
    """Load, plan, render, publish; then index. Bad content files are reported and left out
    (with strict, the first one stops the build before anything is written)."""
    result = BuildResult()
    started = time.perf_counter()
    articles, result.errors = load(config, strict)
    result.articles = len(articles)
    result.timings["load"] = time.perf_counter() - started

    # render every page before anything is written: a template error leaves the previous
    # site and index as they were
    t = time.perf_counter()
    pages = plan(articles, config)
    env = make_env(config.templates_dir)
    site = site_context(config)
    rendered = [(page.path, render(page, env, site))
                for page in progress(pages, "render", len(pages))]
    result.timings["render"] = time.perf_counter() - t

    extra: dict[str, bytes] = {}
    if with_index:  # the site's static search is made from the index
        t = time.perf_counter()
        index_articles(config, articles, progress)
        extra = _reuse_static(config) or search.static_files(config.index_dir)
        result.timings["index"] = time.perf_counter() - t

    t = time.perf_counter()
    result.written = publish(chain(rendered, sorted(extra.items())), config.static_dir,
                             config.site_dir)
    result.timings["write"] = time.perf_counter() - t
    return result


def _reuse_static(config: Config) -> dict[str, bytes] | None:
    """The previous build's static index when the index it was made from is unchanged: it
    is the costliest part of a rebuild, and the same inputs give the same files."""
    folder = config.site_dir / search.STATIC_DIR
    try:
        if (folder / "key.txt").read_text().strip() != search.static_key(config.index_dir):
            return None
        return {str(p.relative_to(config.site_dir)): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}
    except OSError:
        return None


def index_articles(config: Config, articles: list[Article], progress: Progress = no_progress,
                   full: bool = False) -> search.IndexReport:
    entries = [to_entry(a) for a in progress(articles, "index", len(articles))]
    return search.write_index(entries, config.index_dir, full=full)



