"""Pure: articles + config -> every Page of the site. Nothing here reads or writes files.

To add a kind of page, add a planner to PLANNERS.
"""

from __future__ import annotations

import math
from functools import cache
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from broadsheet.config import Config
from broadsheet.errors import BuildError
from broadsheet.tags import display_rank
from broadsheet.model import slugify
from broadsheet.model import (ARCHIVE_URL, FEED_URL, LANGUAGES_URL, ROBOTS_URL, SEARCH_URL,
                              SITEMAP_URL, SOURCES_URL, TAGS_URL, Article, Page, Tag, archive_url,
                              article_url, as_utc, group_feed_url, index_free, home_url, language_url,
                              sort_key, source_url, tag_url)
from broadsheet.publish.related import related as related_articles
from broadsheet.publish.search.analysis import fold

SITEMAP_MAX = 50_000  # URLs per sitemap file (the protocol's limit): above, a sitemap index


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


def tag_names(articles: Sequence[Article]) -> dict[str, str]:
    """slug -> the name its tag is shown by: 'Irak' and 'irak' are one tag, shown as its
    commonest spelling (the accented one on ties)."""
    spellings: dict[str, Counter] = defaultdict(Counter)
    for article in articles:
        for tag in article.tag_objects:
            if tag.slug:
                spellings[tag.slug][tag.name] += 1
    return {slug: max(names, key=lambda n: (names[n], display_rank(n)))
            for slug, names in spellings.items()}


def tag_groups(articles: Sequence[Article]) -> list[tuple[Tag, list[Article]]]:
    """Tags by the name tag_names() gives, in the order of their slugs: 'État islamique'
    (etat-islamique) among the E's, 'Łódź' (lodz) among the L's, where their names' code
    points would put them after Z. Tags whose slug is empty are not listed."""
    names = tag_names(articles)
    members: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        for tag in article.tag_objects:
            if tag.slug:
                members[tag.slug].append(article)  # tags are unique per article (TagPolicy)
    groups = [(Tag(name=names[slug], slug=slug), members[slug]) for slug in members]
    return sorted(groups, key=lambda g: (g[0].slug, g[0].name))


def _page(path: str, template: str, **context) -> Page:
    return Page(path=path, template=template, context={"root": root_of(path), "path": path,
                                                        **context})


def crumbs(article: Article, archive: bool = True) -> list[tuple[str, str]]:
    """Home › year › month: where an article sits in the archive, as (label, url). The
    labels are what templates show through the `period` filter: '' (the home page), the
    year '2024', the month '2024-03' ('March 2024', 'mars 2024'). archive: whether the site
    has archive pages (without, only home)."""
    return list(_crumbs(article.day[:7], archive))


@cache
def _crumbs(month: str, archive: bool) -> tuple[tuple[str, str], ...]:
    out = [("", home_url())]
    if month and archive:
        out += [(month[:4], archive_url(month[:4])), (month, archive_url(month))]
    return tuple(out)


def _folded_title(title: str) -> str:
    return " ".join(fold(title).split())


def related_links(articles: Sequence[Article]) -> Callable[[Article], list]:
    """article -> its related headlines as (headline, the site's article of that title or
    None): a headline that is the title of another article of the site links to it. Titles
    are compared folded (case, accents and spacing aside); a title two articles share names
    the first in the site's order."""
    by_title: dict[str, Article] = {}
    for a in articles:
        by_title.setdefault(_folded_title(a.title), a)

    def links(article: Article) -> list:
        out = []
        for headline in article.related:
            target = by_title.get(_folded_title(headline))
            out.append((headline, target if target is not None and target.slug != article.slug
                        else None))
        return out
    return links


def article_pages(articles, config, tags, related) -> list[Page]:
    tag_by_slug = {t.slug: t for t, _ in tags}
    links = related_links(articles)
    pages = []
    for i, a in enumerate(articles):
        # newer/older in the site's order (newest first): undated articles come last
        pages.append(_page(
            article_url(a.slug), "article.html", article=a,
            tags=[tag_by_slug[t.slug] for t in a.tag_objects if t.slug in tag_by_slug],
            related_articles=related.get(a.slug, []),
            related_links=links(a) if a.related else [],
            newer=articles[i - 1] if i > 0 else None,
            older=articles[i + 1] if i + 1 < len(articles) else None,
            crumbs=crumbs(a, config.pages.archive_pages)))
    return pages


def _listing(kind: str | None, name: str, feed: str | None = None) -> dict:
    """What a listing page says it lists: kind ('tag', 'year', 'month', 'source',
    'language', None for the home page), its name, and its own feed."""
    return {"kind": kind, "name": name, "feed": feed}


def _listing_pages(members: Sequence[Article], config, url_of, listing: dict,
                   tag: Tag | None = None) -> list[Page]:
    return [_page(pager["url"], "list.html", pager=pager, articles=items, tag=tag,
                  listing=listing)
            for pager, items in paginate(members, config.per_page, url_of)]


def home_pages(articles, config, tags, related) -> list[Page]:
    return _listing_pages(articles, config, home_url, _listing(None, config.title, FEED_URL))


def tag_size(count: int, most: int) -> int:
    """1..5: a tag's size in the tag cloud, by the log of its count against the largest."""
    if most <= 1:
        return 1
    return 1 + round(4 * math.log(count) / math.log(most))


JUMP_MIN = 100  # tags on the index from which it is cut by initial, with A-Z jump links


def by_letter(shown: list) -> list[tuple[str, list]]:
    """The tag index's rows by the first character of their slugs ('É' with the E's), as
    (initial, rows); the digits and any other character together under '#'. Empty below
    JUMP_MIN tags: one list is easier to read."""
    if len(shown) < JUMP_MIN:
        return []
    out: list[tuple[str, list]] = []
    for row in shown:  # sorted by slug
        first = row[0].slug[:1]
        initial = first.upper() if "a" <= first <= "z" else "#"
        if not out or out[-1][0] != initial:
            out.append((initial, []))
        out[-1][1].append(row)
    if out and out[0][0] == "#":  # digits sort first by slug: the # list goes last
        out.append(out.pop(0))
    return out


def tag_pages(articles, config, tags, related) -> list[Page]:
    """The tag index and a listing per tag. tags: those with a page (see plan()); the index
    says how many others there are."""
    most = max((len(m) for _, m in tags), default=1)
    shown = [(t, len(m), tag_size(len(m), most)) for t, m in tags]
    used = {t.slug for a in articles for t in a.tag_objects if t.slug}
    pages = [_page(TAGS_URL, "tags.html", tags=shown, hidden=len(used) - len(shown),
                   min_count=config.tag_min_count, by_letter=by_letter(shown))]
    feeds = config.pages.tag_feeds
    for tag, members in tags:
        pages += _listing_pages(members, config, lambda n, s=tag.slug: tag_url(s, n),
                                _listing("tag", tag.name, group_feed_url("tags", tag.slug)
                                         if feeds else None), tag)
    return pages


def groups_of(articles: Sequence[Article], key) -> dict[str, list[Article]]:
    """Articles grouped by key(article) (falsy: in no group), each group in the site's order."""
    out: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        k = key(a)
        if k:
            out[k].append(a)
    return out


def archive_pages(articles, config, tags, related) -> list[Page]:
    """A page per year and per month (paginated), and the archive index with counts."""
    if not config.pages.archive_pages:
        return []
    years = groups_of(articles, lambda a: a.day[:4])
    months = groups_of(articles, lambda a: a.day[:7])
    # months by 'YYYY-MM': templates name them in the site's language (the `period` filter)
    index = [(y, archive_url(y), len(years[y]),
              [(m, archive_url(m), len(months[m]))
               for m in sorted((m for m in months if m[:4] == y), reverse=True)])
             for y in sorted(years, reverse=True)]
    pages = [_page(ARCHIVE_URL, "archive.html", years=index,
                   undated=sum(1 for a in articles if a.date is None))]
    for y in sorted(years):
        pages += _listing_pages(years[y], config, lambda n, y=y: archive_url(y, n),
                                _listing("year", y))
    for m in sorted(months):
        pages += _listing_pages(months[m], config, lambda n, m=m: archive_url(m, n),
                                _listing("month", m))
    return pages


def _group_pages(articles, config, kind: str, index_url: str, heading: str, key, label,
                 url_of, feeds: bool) -> list[Page]:
    """The pages of one way of grouping articles (by source, by language): an index with
    counts, and a paginated listing (and a feed) per group."""
    groups = groups_of(articles, key)
    names = {k: label(members) for k, members in groups.items()}
    order = sorted(groups, key=lambda k: (names[k].casefold(), k))
    pages = [_page(index_url, "groups.html", heading=heading, kind=kind,  # heading: in English
                   groups=[(names[k], url_of(k, None), len(groups[k])) for k in order])]
    for k in order:
        feed = group_feed_url(index_url.split("/")[0], k) if feeds else None
        pages += _listing_pages(groups[k], config, lambda n, k=k: url_of(k, n),
                                _listing(kind, names[k], feed))
        if feeds:
            pages += _feed(config, groups[k], feed, names[k], url_of(k, None))
    return pages


def _commonest(values) -> str:
    """The spelling most articles use ('Le Monde' over 'le monde'), ties to the first."""
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], v))


def source_slug(source: str | None) -> str:
    slug = slugify(source) if source else ""
    return index_free(slug)  # sources/index.html is the index


def source_pages(articles, config, tags, related) -> list[Page]:
    if not config.pages.source_pages:
        return []
    return _group_pages(articles, config, "source", SOURCES_URL, "Sources",
                        lambda a: source_slug(a.source),
                        lambda members: _commonest(a.source for a in members),
                        source_url, feeds=config.pages.with_source_feeds)


def language_pages(articles, config, tags, related) -> list[Page]:
    if not config.pages.language_pages:
        return []
    return _group_pages(articles, config, "language", LANGUAGES_URL, "Languages",
                        lambda a: (a.language or "").lower(), lambda m: m[0].language.lower(),
                        language_url, feeds=False)


def _feed(config, members: Sequence[Article], url: str, title: str | None, page: str
          ) -> list[Page]:
    """An Atom feed of the latest members, full text (`feed_size` for the site's feed,
    `group_feed_size` for a tag's or a source's); `page`: the HTML page it follows,
    `title`: what it is the feed of (None: the whole site)."""
    entries = list(members[: config.feed_size if title is None else config.group_feed_size])
    # the feed changed when its latest entry did: an entry's date, or its git date
    dates = [a.updated or a.date for a in entries if a.updated or a.date]
    return [_page(url, "feed.xml", articles=entries, feed_url=url, feed_title=title,
                  feed_page=page, updated=max(dates, key=as_utc) if dates else None)]


def feed_pages(articles, config, tags, related) -> list[Page]:
    """The site's Atom feed, and one per tag unless the site turned them off (per source:
    with the source pages)."""
    pages = _feed(config, articles, FEED_URL, None, home_url())
    for tag, members in (tags if config.pages.tag_feeds else ()):
        pages += _feed(config, members, group_feed_url("tags", tag.slug), tag.name,
                       tag_url(tag.slug))
    return pages


def sitemap_pages(articles, config, tags, related) -> list[Page]:
    """sitemap.xml; above SITEMAP_MAX URLs it becomes the index of sitemap-1.xml, -2..."""
    periods = sorted({a.day[:n] for a in articles if a.day for n in (4, 7)})
    switches = config.pages
    urls = ([home_url(), TAGS_URL] + [ARCHIVE_URL] * switches.archive_pages
            + [SOURCES_URL] * switches.source_pages + [LANGUAGES_URL] * switches.language_pages
            + [a.url for a in articles] + [tag_url(t.slug) for t, _ in tags]
            + ([archive_url(p) for p in periods] if switches.archive_pages else [])
            + ([source_url(s) for s in sorted({source_slug(a.source) for a in articles} - {""})]
               if switches.source_pages else [])
            + ([language_url(c) for c in sorted({(a.language or "").lower() for a in articles}
                                                - {""})] if switches.language_pages else []))
    lastmod = {a.url: a.updated or a.date for a in articles if a.updated or a.date}
    if len(urls) <= SITEMAP_MAX:
        return [_page(SITEMAP_URL, "sitemap.xml", urls=urls, lastmod=lastmod)]
    parts = [urls[i: i + SITEMAP_MAX] for i in range(0, len(urls), SITEMAP_MAX)]
    pages = [_page(f"sitemap-{k}.xml", "sitemap.xml", urls=part,
                   lastmod={u: lastmod[u] for u in part if u in lastmod})
             for k, part in enumerate(parts, start=1)]
    return [_page(SITEMAP_URL, "sitemapindex.xml",
                  sitemaps=[f"sitemap-{k}.xml" for k in range(1, len(parts) + 1)])] + pages


def redirect_pages(articles, config, tags, related) -> list[Page]:
    """A page at each former URL of an article (its `aliases`), sending readers on."""
    return [_page(article_url(alias), "redirect.html", article=a)
            for a in articles for alias in a.aliases]


def search_hint(articles: Sequence[Article], tags) -> dict:
    """The site's own examples for the search page's filters: its commonest tag and source
    (ties to the first by name), the year of its newest article; None where it has none."""
    tag = max(tags, key=lambda t: len(t[1]), default=None)  # tags come sorted by slug
    sources = groups_of(articles, lambda a: source_slug(a.source))
    source = max(sorted(sources), key=lambda k: len(sources[k]), default=None)
    year = next((a.day[:4] for a in articles if a.date is not None), None)
    return {"tag": tag[0].name if tag else None,
            "source": _commonest(a.source for a in sources[source]) if source else None,
            "year": year}


def fixed_pages(articles, config, tags, related) -> list[Page]:
    return [_page(SEARCH_URL, "search.html", hint=search_hint(articles, tags)),
            # 404.html is served for any missing path, at any depth: it links from the root
            Page(path="404.html", template="404.html",
                 context={"root": config.base_path, "path": "404.html"}),
            _page(ROBOTS_URL, "robots.txt")]


PLANNERS = [article_pages, home_pages, tag_pages, archive_pages, source_pages, language_pages,
            feed_pages, sitemap_pages, redirect_pages, fixed_pages]


def plan(articles: Sequence[Article], config: Config, related_of=related_articles) -> list[Page]:
    """related_of(ordered articles) -> slug -> related articles: pure by default; a build
    passes one that reuses the last build's answer when no tag or date changed."""
    ordered = sorted(articles, key=sort_key)
    # a tag on fewer than tag_min_count articles stays in their front matter but has no page,
    # and so no feed, no sitemap entry, no link: the planners see only the tags with a page
    tags = [(t, m) for t, m in tag_groups(ordered) if len(m) >= config.tag_min_count]
    related = related_of(ordered)
    pages = [page for planner in PLANNERS for page in planner(ordered, config, tags, related)]
    seen: dict[str, Page] = {}
    for page in pages:
        if page.path in seen:
            raise BuildError(f"two pages would be written to {page.path}")
        seen[page.path] = page
    return pages
