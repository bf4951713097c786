"""Read and validate content/: every file either becomes an Article or one error line.

Articles are loaded without their bodies (body=None): a build holds the front matter of the
whole corpus, and reads a body when a page or the index needs it (with_body). With the
previous build's sources, a file whose stat or bytes are unchanged is not read again.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from broadsheet import frontmatter
from broadsheet.errors import BroadsheetError, ContentError, Diagnostics
from broadsheet.model import Article
from broadsheet.parallel import parallel_map
from broadsheet.publish.state import ContentFile, digest, stamp
from broadsheet.publish.summary import excerpt, word_count


def read_content_file(path: Path, known: ContentFile | None, st: os.stat_result | None = None) -> ContentFile:
    """One content file as a ContentFile; raises ContentError when it cannot become an Article.
    st: the file's stat when the caller has it (a folder scan gives it for free)."""
    try:
        st = st or os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ContentError("not a regular file", path)
        size_time = stamp(st)
        if known is not None and known.stat == size_time:
            return known if known.article.path is path else ContentFile(
                size_time, known.digest, replace(known.article, path=path), known.row)
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read: {exc.strerror or exc}", path) from None
    made = digest(data)
    if known is not None and known.digest == made:
        return ContentFile(size_time, made, replace(known.article, path=path), known.row)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})", path,
                           data.count(b"\n", 0, exc.start) + 1) from None
    article = frontmatter.load(text, path)
    # what listings show of it, while its body is here: kept with the front matter
    return ContentFile(size_time, made, replace(article, body=None, words=word_count(article.body),
                                          excerpt=excerpt(article.body)))


def with_body(article: Article) -> Article:
    """The article with its body: the build state keeps articles without theirs, so a rebuild
    reads the bodies of the pages it renders, and no others."""
    if article.body is not None:
        return article
    return replace(article, body=read_body(article.path))


def read_body(path: Path) -> str:
    """The body of a content file read before (its front matter is known)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # changed under the build's feet
        raise ContentError(f"cannot read again: {exc}", path) from None
    return frontmatter.body_of(text, path)


def _read(job: tuple[Path, ContentFile | None, os.stat_result]) -> ContentFile | BroadsheetError:
    try:
        return read_content_file(*job)
    except BroadsheetError as exc:
        return exc


PARALLEL_LOAD = 2000  # fewer files to parse than this: one process is quicker


def load_content(content_dir: Path, problems: Diagnostics,
                 known: dict[str, ContentFile] | None = None, jobs: int = 1,
                 listed: dict[str, tuple[int, int]] | None = None
                 ) -> tuple[list[Article], dict[str, ContentFile]]:
    """Articles in file-name order, and the ContentFile of each; one error per bad file in
    problems. A file whose slug or id another file already has is an error (the first file
    by name keeps it), so URLs never depend on the order of the disk. Files to parse are
    parsed on `jobs` processes when there are many (articles come back without bodies).
    known: the last build's content files; listed: (size, mtime) by name, from a listing of
    content_dir the caller just made (a build's, for its no-op check): a known file it shows
    unchanged is not asked again."""
    if not content_dir.is_dir():
        # not one bad file among good ones: a build or an index made of no articles would
        # publish an empty site over the last one (a folder moved away for a moment)
        raise ContentError("content folder not found (run `broadsheet ingest` first); the site "
                           "and the index are left as they are", content_dir)
    read, todo = _scan(content_dir, problems, known or {}, listed or {})
    done = parallel_map(_read, [job for _, job in todo], jobs, chunksize=100,
                        parallel_from=PARALLEL_LOAD)
    for (i, _), result in zip(todo, done):
        read[i] = result
    outcome = _claim_names(read)
    articles: list[Article] = []
    files: dict[str, ContentFile] = {}
    for i in range(len(read)):  # file-name order
        result = outcome[i]
        if isinstance(result, BroadsheetError):
            problems.error(result)
        else:
            files[result.article.path.name] = result
            articles.append(result.article)
    return articles, files


def _scan(content_dir: Path, problems: Diagnostics, known: dict[str, ContentFile],
          listed: dict[str, tuple[int, int]]) -> tuple[list, list[tuple[int, tuple]]]:
    """Each file of content/ as what is known of it (a ContentFile, an error) or None, and
    the jobs that read the others: (position, (path, known, stat))."""
    read: list = []
    todo: list[tuple[int, tuple]] = []
    for entry in frontmatter.content_entries(content_dir):
        if frontmatter.leads_outside(entry, content_dir):
            problems.warn(ContentError("symlink to a file outside the content folder, not "
                                       "followed", content_dir / entry.name))
            continue
        source = known.get(entry.name)
        if (source is not None and not entry.is_symlink()
                and listed.get(entry.name) == source.stat):
            read.append(source)  # its article's path is this file's (known is of content_dir)
            continue
        # a known file's article has its path already (known comes from this content_dir):
        # building 50,000 Paths takes a second
        path = source.article.path if source is not None else content_dir / entry.name
        try:
            st = entry.stat()  # follows a symlink, like reading it does
        except OSError as exc:
            read.append(ContentError(f"cannot read: {exc.strerror or exc}", path))
            continue
        if source is not None and source.stat == stamp(st) \
                and stat.S_ISREG(st.st_mode):
            read.append(source if source.article.path is path else _read((path, source, st)))
        else:
            todo.append((len(read), (path, source, st)))
            read.append(None)
    return read, todo


def _claim_names(read: list) -> dict[int, ContentFile | BroadsheetError]:
    """Slugs, aliases and ids claimed by file name, published articles before drafts (a
    draft never pushes a published article off the site); a file claiming a taken one
    becomes its error."""
    def drafts_last(i: int) -> tuple:
        source = read[i]
        return (not isinstance(source, BroadsheetError) and bool(source.article.draft), i)

    outcome: dict[int, ContentFile | BroadsheetError] = {}
    slugs: dict[str, Path] = {}
    ids: dict[str, Path] = {}
    for i in sorted(range(len(read)), key=drafts_last):
        source = read[i]
        try:
            if isinstance(source, BroadsheetError):
                raise source
            _check_names(source.article, slugs, ids)
        except BroadsheetError as exc:
            outcome[i] = exc
            continue
        article, path = source.article, source.article.path
        slugs[article.slug] = path
        slugs.update(dict.fromkeys(article.aliases, path))
        ids[article.id or article.slug] = path
        outcome[i] = source
    return outcome


def _check_names(article: Article, slugs: dict[str, Path], ids: dict[str, Path]) -> None:
    path = article.path
    if article.slug in slugs:
        raise ContentError(f"slug '{article.slug}' is already used by "
                           f"{slugs[article.slug].name}; set another 'slug'", path)
    for alias in article.aliases:  # a former URL redirects: it is taken too
        if alias == article.slug:
            raise ContentError(f"alias '{alias}' is the article's own slug: an alias is a "
                               "former one", path)
        if alias in slugs:
            raise ContentError(f"alias '{alias}' is already used by "
                               f"{(slugs.get(alias) or path).name}", path)
    # the search index knows an article by its id, or its slug when it has none: one such
    # name for two articles would make them one document
    index_id = article.id or article.slug
    if index_id in ids:
        raise ContentError(
            f"id '{index_id}' is already used by {ids[index_id].name}" if article.id
            else f"slug '{index_id}' is the id of {ids[index_id].name}; set an 'id'", path)
