"""The core values that flow through the pipeline, and the only home of slug and URL rules.

Words for hashes and stamps, one per kind:
    digest       the hash of some bytes (state.digest: a file's, a page's), or of what one
                 article is made of (fingerprint.article_digest)
    fingerprint  the hash of everything a derived thing is made from (a page, the code, the
                 inputs): equal fingerprints, equal output
    shape        the fingerprint of what decides which pages a site has
    stamp        a file's size and times: not a hash; equal stamps spare reading the bytes
    token        the random name of one build's tree (write.Staging)
    key          what a cache or a map is looked up by
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from slugify import slugify as _slugify

from broadsheet.errors import Diagnostics

# a language code as front matter, site.yaml and JSON Lines write it: "fr", "pt-BR", "zh-Hant"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# control characters a text from the web may carry: invalid in XML, invisible on a page
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Front matter keys in the order they are written. Only `title` is required.
FRONT_MATTER_KEYS = (
    "title", "slug", "date", "language", "source", "author", "source_url", "agencies",
    "related", "tags", "summary", "duplicates", "origin", "id",
    # set by hand, never by ingest
    "draft", "exclude_from_search", "aliases",
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLUG_MAX = 80


@lru_cache(maxsize=1 << 16)  # tags repeat across thousands of articles
def slugify(text: str) -> str:
    """ASCII, lowercase, hyphenated; '' when nothing usable is left (the caller decides)."""
    return _slugify(text, max_length=_SLUG_MAX, word_boundary=True, save_order=True)


def is_web_url(url: str) -> bool:
    """Only http(s) links are shown: a 'javascript:' URL from the web must never be a link."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(
        c.isspace() or ord(c) < 32 for c in url)


def is_valid_slug(slug: str) -> bool:
    # The regex alone keeps slugs inside their folder: no '/', '\\', '.', NUL, or empty.
    return bool(SLUG_RE.match(slug)) and len(slug) <= 200


@dataclass(frozen=True)
class RawArticle:
    """One scraped article, untouched: a .txt file, a line of a .jsonl file, an .html page."""
    origin: str  # where it came from: "name.txt", "corpus.jsonl:12" (errors, front matter)
    text: str  # headline on the first line, then the page's text
    id: str  # stable: hash of the file's bytes, or the id the input gave
    meta: dict = field(default_factory=dict, hash=False)  # metadata the input stated: wins


def index_free(slug: str) -> str:
    """A group's slug that cannot be its folder's index page: 'index' becomes 'index--'.
    slugify never makes a double hyphen, so no other name can take it."""
    return "index--" if slug == "index" else slug


class Tag(NamedTuple):
    """A tag as shown and linked. A tuple: immutable, and a page's fingerprint (JSON) takes
    it as it is."""
    name: str  # as displayed: "Ashton Carter"
    slug: str  # as linked: "ashton-carter"

    @staticmethod
    @lru_cache(maxsize=1 << 16)  # a corpus repeats its tags: one Tag per name (it is frozen)
    def of(name: str) -> "Tag":
        slug = slugify(name)
        # tags/index.html is the tag index: a tag named "Index" gets a page of its own
        return Tag(name=name, slug=index_free(slug))


@lru_cache(maxsize=1 << 16)  # a corpus has far fewer tag lists than articles: one tuple each
def _tags_of(names: tuple[str, ...]) -> tuple[Tag, ...]:
    return tuple(Tag.of(t) for t in names)


@dataclass(frozen=True)
class Article:
    """Exactly the front matter plus the Markdown body."""
    title: str
    slug: str
    body: str | None = ""  # None: not read (a rebuild reads the bodies of what it renders)
    date: dt.date | dt.datetime | None = None
    language: str | None = None
    source: str | None = None
    author: str | tuple[str, ...] | None = None  # several authors: a list in front matter
    source_url: str | None = None  # where the article was published (not its URL here)
    agencies: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str | None = None
    duplicates: tuple[str, ...] = ()
    origin: str | None = None
    id: str | None = None
    draft: bool | None = None  # true: not published (build --drafts shows it)
    exclude_from_search: bool | None = None  # true: a page, but not in the search index
    aliases: tuple[str, ...] = ()  # former slugs: their URLs redirect to the article
    # not front matter: derived when the file is read, or from git
    words: int = 0
    excerpt: str = ""  # the first paragraph as plain text, cut at a sentence boundary
    updated: dt.datetime | None = None  # the last commit to its file (git)
    path: Path | None = field(default=None, compare=False)  # where it was read from, for messages

    @property
    def url(self) -> str:
        return article_url(self.slug)

    @cached_property  # archives, crumbs and the sitemap each ask for it
    def day(self) -> str:
        """'YYYY-MM-DD' as the article shows its date (in its own zone); '' when undated."""
        d = self.date
        if d is None:
            return ""
        return (d.date() if isinstance(d, dt.datetime) else d).isoformat()

    @property
    def authors(self) -> tuple[str, ...]:
        """Who wrote it, one or several, as a tuple either way (for templates)."""
        if isinstance(self.author, tuple):
            return self.author
        return (self.author,) if self.author else ()

    @cached_property  # planning asks for it several times per article
    def tag_objects(self) -> tuple[Tag, ...]:
        return _tags_of(self.tags)

    def front_matter(self) -> dict:
        """The keys to write, in order, leaving out what is empty (and false flags)."""
        out = {}
        for key in FRONT_MATTER_KEYS:
            value = getattr(self, key)
            if value is None or value == () or value is False:
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


def sort_key(article: Article) -> tuple:
    """Newest first, undated last, ties broken by slug so order never depends on the disk."""
    if article.date is None:
        return (1, 0.0, article.slug)
    return (0, -(as_utc(article.date) - _EPOCH).total_seconds(), article.slug)


_EPOCH = dt.datetime(1, 1, 1)


def as_utc(value: dt.date | dt.datetime) -> dt.datetime:
    """A naive UTC datetime: dates at 00:00, times without a zone taken as UTC, zoned times
    converted. Never the machine's local time: output must not depend on where it is built."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def has_utc(value: dt.date | dt.datetime) -> bool:
    """Whether as_utc() can convert value: a zoned time within hours of year 1 or 9999 falls
    outside what a datetime holds once in UTC. The readers refuse such a date, so that no
    build, sort or feed meets one."""
    try:
        as_utc(value)
    except OverflowError:
        return False
    return True


# URLs are relative to the site root; templates prefix them with the page's `root`
# ("", "../", ...) so the site works at a web root, under a sub-path, or from disk.
def article_url(slug: str) -> str:
    return f"articles/{slug}.html"


def home_url(page: int | None = None) -> str:
    """None: the front page; k: the k-th archive page, counted from the oldest articles."""
    return "index.html" if page is None else f"page/{page}.html"


def tag_url(tag_slug: str, page: int | None = None) -> str:
    return f"tags/{tag_slug}.html" if page is None else f"tags/{tag_slug}/{page}.html"


def archive_url(period: str, page: int | None = None) -> str:
    """period: 'YYYY' or 'YYYY-MM'."""
    return f"archive/{period}.html" if page is None else f"archive/{period}/{page}.html"


def source_url(source_slug: str, page: int | None = None) -> str:
    return f"sources/{source_slug}.html" if page is None else f"sources/{source_slug}/{page}.html"


def language_url(code: str, page: int | None = None) -> str:
    return f"languages/{code}.html" if page is None else f"languages/{code}/{page}.html"


def group_feed_url(folder: str, slug: str) -> str:
    """The Atom feed of a tag or a source: beside its page."""
    return f"{folder}/{slug}.xml"


TAGS_URL = "tags/index.html"
SEARCH_URL = "search.html"
FEED_URL = "feed.xml"
SITEMAP_URL = "sitemap.xml"
SEARCH_DIR = "search"  # the static search index's folder in site/
ARCHIVE_URL = "archive/index.html"
SOURCES_URL = "sources/index.html"
LANGUAGES_URL = "languages/index.html"
ROBOTS_URL = "robots.txt"


@dataclass(frozen=True)
class Page:
    """One output file: its path under site/, its template, and what the template sees."""
    path: str
    template: str
    context: dict = field(hash=False)


@dataclass
class BuildResult(Diagnostics):
    """What a build did, and its problems (errors: a file left out; warnings: said)."""
    written_paths: list = field(default_factory=list)  # under site/: new or changed bytes
    removed_paths: list = field(default_factory=list)
    unchanged: int = 0
    articles: int = 0
    timings: dict = field(default_factory=dict)

    @property
    def written(self) -> int:
        return len(self.written_paths)

    @property
    def removed(self) -> int:
        return len(self.removed_paths)

    @property
    def changed(self) -> list:
        """Paths under site/ written or removed (for --changed-urls)."""
        return self.written_paths + self.removed_paths
