"""The index's side of a build, run in its own process while pages render: the articles as
search documents, the index updated in a working copy of it, and the static search files
that changed written beside the site. The search package (and so Whoosh) is imported only
when needed: a build with nothing to do never loads it."""

from __future__ import annotations

import gc
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from broadsheet.config import Config
from broadsheet.fsutil import fresh_dir_beside, working_copy
from broadsheet.model import SEARCH_DIR, Article
from broadsheet.parallel import Progress, Tally, no_progress
from broadsheet.publish.load import with_body
from broadsheet.publish.render import day, plain_text
from broadsheet.publish.state import digest
from broadsheet.publish.write import Staging, write_file


def to_document(article: Article):
    from broadsheet.publish import search

    article = with_body(article)
    tags = article.tag_objects
    return search.Document(
        id=article.id or article.slug, url=article.url, title=article.title,
        body=plain_text(article.body), tags=tuple(t.name for t in tags),
        tag_slugs=tuple(t.slug for t in tags if t.slug), source=article.source or "",
        language=article.language or "", date=day(article.date),
    )


def to_entry(article: Article, made_of: str):
    """What the index needs to know first: the document (and the body) is read only if the
    hash of what the article is made of changed."""
    from broadsheet.publish import search

    tags = article.tag_objects
    return search.Entry(
        id=article.id or article.slug, hash=made_of,
        tags=tuple(t.name for t in tags), tag_slugs=tuple(t.slug for t in tags if t.slug),
        source=article.source or "", language=article.language or "",
        document=partial(to_document, article))


def index_articles(config: Config, articles: list[Article], digests: dict[str, str],
                   progress: Progress = no_progress, full: bool = False,
                   index_dir: Path | None = None, then=None, tally: Tally | None = None):
    """The index brought in line with the articles; tally, if given, counts the documents
    Whoosh takes (see write_index)."""
    from broadsheet.publish import search

    entries = [to_entry(a, digests[a.slug]) for a in progress(articles, "index", len(articles))
               if not a.exclude_from_search]
    # millions of small lists and tuples, no cycles among them: the cyclic collector would
    # only rescan them (6 s of `index --full` at 10k, in the static cache's process); a
    # build has it off already
    was_on = gc.isenabled()
    gc.disable()
    try:
        return search.write_index(entries, index_dir or config.index_dir, full=full,
                                  then=then, tally=tally)
    finally:
        if was_on:
            gc.enable()


def published_search(config: Config, staging: Staging, trusted: dict) -> Path | None:
    """The published search/ folder, when every file in it is as the last build wrote it
    (otherwise None: the static index is exported afresh)."""
    prefix = f"{SEARCH_DIR}/"
    current = [rel for rel in staging.linked if rel.startswith(prefix)]
    if not current or any(rel not in trusted for rel in current):  # cold, or touched
        return None
    return config.site_dir / SEARCH_DIR


@dataclass
class SearchFiles:
    """The static search files a build's index process made: written into `folder` (not
    sent back through a pipe: at 50,000 articles that is 140 MB held twice), by path with
    their hashes, and the published files to remove."""
    folder: Path
    written: list[tuple[str, str]]
    removed: set[str]


def index_and_export(config: Config, articles: list[Article], digests: dict, full: bool,
                     published: Path | None, tally: Tally | None = None
                     ) -> tuple[Path, SearchFiles]:
    """Update a working copy of the index (swapped in with the site, so a failed build leaves
    the index as it was), then write the static search files that differ from those
    published into a folder beside the site."""
    from broadsheet.publish import search

    work = working_copy(config.index_dir, immutable=(".seg",))  # Whoosh never rewrites a segment
    folder = fresh_dir_beside(config.site_dir)
    def export() -> SearchFiles:
        # a folder that does not exist asks for a full export
        made = search.export_static(work, published or work / "none")
        written = []
        for rel in sorted(made.files):
            data = made.files.pop(rel)
            write_file(folder, rel, data)
            written.append((rel, digest(data)))
        return SearchFiles(folder, written, made.removed)

    try:
        return work, index_articles(config, articles, digests, full=full, index_dir=work,
                                    then=export, tally=tally).then
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        raise


