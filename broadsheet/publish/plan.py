"""Pure: articles + config -> every Page of the site. Nothing here reads or writes files.

To add a kind of page, add a planner to PLANNERS.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from broadsheet.config import Config
from broadsheet.errors import BuildError
from broadsheet.tags import display_rank
from broadsheet.model import (FEED_URL, as_utc, SEARCH_URL, SITEMAP_URL, TAGS_URL, Article, Page, Tag,
                              article_url, home_url, sort_key, tag_url)


def root_of(path: str) -> str:
    """The relative way back to the site root from a page: '' or '../' or '../../'."""
    return "../" * path.count("/")


def paginate(items: Sequence, per_page: int, url_of: Callable[[int | None], str]
             ) -> list[tuple[dict, list]]:
    """Listing pages for items given newest first, as (pager, items) pairs. Archive pages
    are numbered from the oldest: page k holds the k-th oldest run of per_page items for
    good, so a link to it stays true as the corpus grows and a new article changes only the
    newest pages. The front page (url_of(None)) shows the newest run, and the run before it
    when the newest is short."""
    oldest_first = list(reversed(items))
    runs = [oldest_first[a: a + per_page] for a in range(0, len(oldest_first), per_page)] or [[]]
    archive = len(runs) - (1 if len(runs) == 1 or len(runs[-1]) == per_page else 2)
    front = [x for run in runs[archive:] for x in run]
    pages = [({"number": None, "url": url_of(None), "newer": None,
               "older": url_of(archive) if archive else None}, front[::-1])]
    for k in range(archive, 0, -1):
        pages.append(({"number": k, "url": url_of(k),
                       "newer": url_of(k + 1) if k < archive else url_of(None),
                       "older": url_of(k - 1) if k > 1 else None}, runs[k - 1][::-1]))
    return pages


def tag_groups(articles: Sequence[Article]) -> list[tuple[Tag, list[Article]]]:
    """Tags by slug, alphabetical; 'Irak' and 'irak' are one tag shown as its commonest
    spelling (the accented one on ties). Tags whose slug is empty are not listed."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.tag_objects:
            if tag.slug:
                spellings[tag.slug][tag.name] += 1
                members[tag.slug].append(article)  # tags are unique per article (TagPolicy)
    groups = []
    for slug, names in spellings.items():
        name = max(names, key=lambda n: (names[n], display_rank(n)))
        groups.append((Tag(name=name, slug=slug), members[slug]))
    return sorted(groups, key=lambda g: (g[0].name.casefold(), g[0].slug))


def _page(path: str, template: str, **context) -> Page:
    return Page(path=path, template=template, context={"root": root_of(path), "path": path,
                                                        **context})


def article_pages(articles, config, tags) -> list[Page]:
    tag_by_slug = {t.slug: t for t, _ in tags}
    return [_page(article_url(a.slug), "article.html", article=a,
                  tags=[tag_by_slug[t.slug] for t in a.tag_objects if t.slug in tag_by_slug])
            for a in articles]


def home_pages(articles, config, tags) -> list[Page]:
    return [_page(pager["url"], "list.html", pager=pager, articles=items, tag=None)
            for pager, items in paginate(articles, config.per_page, home_url)]


def tag_pages(articles, config, tags) -> list[Page]:
    pages = [_page(TAGS_URL, "tags.html", tags=[(t, len(m)) for t, m in tags])]
    for tag, members in tags:
        for pager, items in paginate(members, config.per_page,
                                     lambda n, s=tag.slug: tag_url(s, n)):
            pages.append(_page(pager["url"], "list.html", pager=pager, articles=items, tag=tag))
    return pages


def feed_pages(articles, config, tags) -> list[Page]:
    latest = list(articles[: config.feed_size])
    dates = [a.date for a in articles if a.date is not None]
    return [_page(FEED_URL, "feed.xml", articles=latest,
                  updated=max(dates, key=as_utc) if dates else None)]


def sitemap_pages(articles, config, tags) -> list[Page]:
    urls = [home_url(), TAGS_URL] + [a.url for a in articles] + [tag_url(t.slug) for t, _ in tags]
    return [_page(SITEMAP_URL, "sitemap.xml", urls=urls,
                  lastmod={a.url: a.date for a in articles if a.date is not None})]


def fixed_pages(articles, config, tags) -> list[Page]:
    return [_page(SEARCH_URL, "search.html"),
            # 404.html is served for any missing path, at any depth: it links from the root
            Page(path="404.html", template="404.html",
                 context={"root": config.base_path, "path": "404.html"})]


PLANNERS = [article_pages, home_pages, tag_pages, feed_pages, sitemap_pages, fixed_pages]


def plan(articles: Sequence[Article], config: Config) -> list[Page]:
    ordered = sorted(articles, key=sort_key)
    tags = tag_groups(ordered)
    pages = [page for planner in PLANNERS for page in planner(ordered, config, tags)]
    seen: dict[str, Page] = {}
    for page in pages:
        if page.path in seen:
            raise BuildError(f"two pages would be written to {page.path}")
        seen[page.path] = page
    return pages
