"""Read and validate content/: every file either becomes an Article or one error line.

With the previous build's sources, a file whose stat or bytes are unchanged is not parsed
again: a rebuild after one edit reads one file.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from broadsheet import frontmatter
from broadsheet.errors import BroadsheetError, ContentError
from broadsheet.model import Article
from broadsheet.publish.state import Source, digest


def read_source(path: Path, known: Source | None) -> Source:
    """One content file as a Source; raises ContentError when it cannot become an Article."""
    if not path.is_file():
        raise ContentError("not a regular file", path)
    try:
        st = os.stat(path)
        stat = (st.st_size, st.st_mtime_ns)
        if known is not None and known.article is not None and known.stat == stat:
            return known if known.article.path == path else Source(
                stat, known.sha, replace(known.article, path=path))
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror or exc}", path) from None
    sha = digest(data)
    if known is not None and known.article is not None and known.sha == sha:
        return Source(stat, sha, replace(known.article, path=path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})",
                           path) from None
    return Source(stat, sha, frontmatter.load(text, path))


def load_content(content_dir: Path, known: dict[str, Source] | None = None
                 ) -> tuple[list[Article], list[BroadsheetError], dict[str, Source]]:
    """Articles in file-name order, one error per bad file, and the Source of each good file.
    A file whose slug or id another file already has is an error (the first file by name
    keeps it), so URLs never depend on the order of the disk."""
    known = known or {}
    articles: list[Article] = []
    errors: list[BroadsheetError] = []
    sources: dict[str, Source] = {}
    if not content_dir.is_dir():
        return [], [ContentError("content folder not found (run `broadsheet ingest` first)",
                                 content_dir)], {}
    slugs: dict[str, Path] = {}
    ids: dict[str, Path] = {}
    for path in sorted(content_dir.glob("*.md")):
        try:
            source = read_source(path, known.get(path.name))
            article = source.article
            if article.slug in slugs:
                raise ContentError(f"slug '{article.slug}' is already used by "
                                   f"{slugs[article.slug].name}; set another 'slug'", path)
            if article.id and article.id in ids:
                raise ContentError(f"id '{article.id}' is already used by {ids[article.id].name}",
                                   path)
        except BroadsheetError as exc:
            errors.append(exc)
            continue
        slugs[article.slug] = path
        if article.id:
            ids[article.id] = path
        sources[path.name] = source
        articles.append(article)
    return articles, errors, sources
