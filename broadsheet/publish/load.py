"""Read and validate content/: every file either becomes an Article or one error line."""

from __future__ import annotations

from pathlib import Path

from broadsheet import frontmatter
from broadsheet.errors import BroadsheetError, ContentError
from broadsheet.model import Article


def load_content(content_dir: Path) -> tuple[list[Article], list[BroadsheetError]]:
    """Articles in file-name order; a file whose slug or id another file already has is an
    error (the first file by name keeps it), so URLs never depend on the order of the disk."""
    articles: list[Article] = []
    errors: list[BroadsheetError] = []
    if not content_dir.is_dir():
        return [], [ContentError("content folder not found (run `broadsheet ingest` first)",
                                 content_dir)]
    slugs: dict[str, Path] = {}
    ids: dict[str, Path] = {}
    for path in sorted(content_dir.glob("*.md")):
        try:
            if not path.is_file():
                raise ContentError("not a regular file", path)
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise ContentError(f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})",
                                   path) from None
            except OSError as exc:
                raise ContentError(f"cannot read: {exc.strerror or exc}", path) from None
            article = frontmatter.load(text, path)
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
        articles.append(article)
    return articles, errors
