"""plan(), the pure middle of the build: Articles written out by hand and a Config in, every
Page of the site out. No build and no files but the site.yaml each test reads its Config from."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import yaml

from broadsheet.config import load_config
from broadsheet.errors import BuildError
from broadsheet.model import Article, Page, Tag
from broadsheet.publish.plan import plan

# what every site has, with no article at all
FIXED = {"index.html", "tags/index.html", "archive/index.html", "sources/index.html",
         "languages/index.html", "feed.xml", "sitemap.xml", "search.html", "404.html",
         "robots.txt"}


@pytest.fixture
def config(tmp_path):
    """config(**keys): the Config of a site.yaml that holds these keys and no other."""
    def make(**keys):
        path = tmp_path / "site.yaml"
        path.write_text(yaml.safe_dump(keys, allow_unicode=True), encoding="utf-8")
        return load_config(path)
    return make


def art(slug: str, day: int | dt.date | dt.datetime | None = None, **fields) -> Article:
    """An article dated `day` March 2024 (or the date given; None: undated)."""
    date = dt.date(2024, 3, day) if isinstance(day, int) else day
    return Article(title=fields.pop("title", f"Title of {slug}"), slug=slug, date=date, **fields)


def by_path(articles, config, **kw) -> dict[str, Page]:
    return {p.path: p for p in plan(articles, config, **kw)}


def slugs(page: Page) -> list[str]:
    return [a.slug for a in page.context["articles"]]


def home(pages: dict[str, Page]) -> dict[str, list[str]]:
    """The front page and the archive pages after it: path -> the slugs it lists."""
    return {path: slugs(p) for path, p in pages.items()
            if path == "index.html" or path.startswith("page/")}


# ---- which pages exist ---------------------------------------------------------------------

def test_an_empty_corpus_has_the_fixed_pages_and_an_empty_front_page(config):
    pages = by_path([], config())
    assert set(pages) == FIXED
    assert pages["index.html"].context["articles"] == []
    assert pages["index.html"].context["pager"]["older"] is None
    feed = pages["feed.xml"].context
    assert feed["articles"] == [] and feed["updated"] is None


def test_a_small_corpus_has_exactly_these_pages(config):
    articles = [art("a", 2, tags=("Port", "Syrie"), source="La Gazette", language="fr"),
                art("b", 1, tags=("Port",), source="Le Quotidien", language="en"),
                art("c", dt.date(2023, 12, 31), source="La Gazette", language="fr")]
    assert set(by_path(articles, config())) == FIXED | {
        "articles/a.html", "articles/b.html", "articles/c.html",
        "tags/port.html", "tags/port.xml",  # Syrie: on one article, under tag_min_count (2)
        "archive/2023.html", "archive/2023-12.html", "archive/2024.html", "archive/2024-03.html",
        "sources/la-gazette.html", "sources/la-gazette.xml",
        "sources/le-quotidien.html", "sources/le-quotidien.xml",
        "languages/en.html", "languages/fr.html"}


@pytest.mark.parametrize("min_count, with_pages", [(1, {"irak", "port", "syrie"}),
                                                   (2, {"port", "syrie"}), (3, {"port"}),
                                                   (4, set())])
def test_a_tag_has_a_page_and_a_feed_from_tag_min_count_articles(config, min_count, with_pages):
    articles = [art("a", 1, tags=("Port", "Syrie", "Irak")), art("b", 2, tags=("Port", "Syrie")),
                art("c", 3, tags=("Port",))]
    paths = set(by_path(articles, config(tag_min_count=min_count)))
    tag_paths = {p for p in paths if p.startswith("tags/") and p != "tags/index.html"}
    assert tag_paths == {f"tags/{t}.{ext}" for t in with_pages for ext in ("html", "xml")}


def test_a_tag_without_a_page_has_no_link_and_no_sitemap_entry_and_is_counted_as_hidden(config):
    articles = [art("a", 1, tags=("Port", "Syrie")), art("b", 2, tags=("Port",))]
    pages = by_path(articles, config())
    assert pages["articles/a.html"].context["tags"] == [Tag("Port", "port")]
    urls = pages["sitemap.xml"].context["urls"]
    assert "tags/port.html" in urls and "tags/syrie.html" not in urls
    index = pages["tags/index.html"].context
    assert [(t.slug, n) for t, n, _size in index["tags"]] == [("port", 2)]
    assert index["hidden"] == 1 and index["min_count"] == 2


def test_spellings_of_a_tag_are_one_page_named_by_the_commonest(config):
    articles = [art("a", 1, tags=("Irak",)), art("b", 2, tags=("irak",)),
                art("c", 3, tags=("Irak",)),
                art("d", 4, tags=("État islamique",)), art("e", 5, tags=("Etat islamique",))]
    pages = by_path(articles, config())
    assert slugs(pages["tags/irak.html"]) == ["c", "b", "a"]
    assert pages["tags/irak.html"].context["listing"] == {
        "kind": "tag", "name": "Irak", "feed": "tags/irak.xml"}
    assert pages["tags/etat-islamique.html"].context["tag"] == Tag("État islamique",
                                                                   "etat-islamique")
    assert pages["articles/b.html"].context["tags"] == [Tag("Irak", "irak")]


def test_a_tag_or_source_named_index_does_not_take_the_index_page(config):
    articles = [art("a", 1, tags=("Index",), source="Index"), art("b", 2, tags=("Index",),
                                                                  source="Index")]
    pages = by_path(articles, config())
    assert pages["tags/index.html"].template == "tags.html"
    assert pages["tags/index--.html"].context["listing"]["name"] == "Index"
    assert "tags/index--.xml" in pages
    assert pages["sources/index.html"].template == "groups.html"
    assert slugs(pages["sources/index--.html"]) == ["b", "a"]


def test_a_tag_with_no_letter_or_digit_gets_no_page_and_is_not_counted(config):
    pages = by_path([art("a", 1, tags=("!!!", "Port"))], config(tag_min_count=1))
    assert {p for p in pages if p.startswith("tags/")} == {
        "tags/index.html", "tags/port.html", "tags/port.xml"}
    assert pages["tags/index.html"].context["hidden"] == 0


# ---- order ---------------------------------------------------------------------------------

NEW_YORK_IN_MARCH = dt.timezone(dt.timedelta(hours=-5))


def test_listings_are_newest_first_ties_by_slug_and_undated_last(config):
    articles = [art("b", 2), art("z"), art("a", 2), art("m"), art("n", 5),
                # 23:00 in New York is 04:00 UTC the next day: newer than 03:00 UTC
                art("zoned", dt.datetime(2024, 3, 2, 23, 0, tzinfo=NEW_YORK_IN_MARCH)),
                art("naive", dt.datetime(2024, 3, 3, 3, 0))]
    order = ["n", "zoned", "naive", "a", "b", "m", "z"]
    pages = by_path(articles, config(per_page=10))
    assert slugs(pages["index.html"]) == order
    assert slugs(pages["feed.xml"]) == order
    assert pages["sitemap.xml"].context["urls"][5:12] == [f"articles/{s}.html" for s in order]


def test_an_article_page_links_its_neighbours_in_the_site_order(config):
    articles = [art("old", 1), art("undated"), art("new", 3), art("mid", 2)]
    pages = by_path(articles, config())

    def neighbours(slug):
        context = pages[f"articles/{slug}.html"].context
        return tuple(x.slug if x else None for x in (context["newer"], context["older"]))
    assert neighbours("new") == (None, "mid")
    assert neighbours("mid") == ("new", "old")
    assert neighbours("old") == ("mid", "undated")
    assert neighbours("undated") == ("old", None)


# ---- pagination ----------------------------------------------------------------------------

@pytest.mark.parametrize("count, expected", [
    (0, {"index.html": 0}),
    (1, {"index.html": 1}),
    (3, {"index.html": 3}),  # per_page exactly filled: one page
    (4, {"index.html": 4}),  # one over: the front page takes the short run and the one before
    (5, {"index.html": 5}),
    (6, {"index.html": 3, "page/1.html": 3}),
    (7, {"index.html": 4, "page/1.html": 3}),
    (9, {"index.html": 3, "page/2.html": 3, "page/1.html": 3}),
    (10, {"index.html": 4, "page/2.html": 3, "page/1.html": 3}),
])
def test_home_pages_at_the_per_page_boundaries(config, count, expected):
    articles = [art(f"a{i:02d}", i + 1) for i in range(count)]
    pages = home(by_path(articles, config(per_page=3)))
    assert {path: len(listed) for path, listed in pages.items()} == expected
    # every article once, newest first: the front page, then page N down to page 1
    order = ["index.html"] + [f"page/{k}.html" for k in range(len(pages) - 1, 0, -1)]
    newest_first = [f"a{i:02d}" for i in reversed(range(count))]
    assert [s for path in order for s in pages[path]] == newest_first


def test_home_pages_link_newer_and_older_down_to_page_1(config):
    pages = by_path([art(f"a{i}", i + 1) for i in range(9)], config(per_page=3))
    pagers = {p: pages[p].context["pager"] for p in ("index.html", "page/2.html", "page/1.html")}
    assert pagers["index.html"] == {"number": None, "url": "index.html", "newer": None,
                                    "older": "page/2.html"}
    assert pagers["page/2.html"] == {"number": 2, "url": "page/2.html", "newer": "index.html",
                                     "older": "page/1.html"}
    assert pagers["page/1.html"] == {"number": 1, "url": "page/1.html", "newer": "page/2.html",
                                     "older": None}


def test_an_archive_page_keeps_its_articles_as_newer_ones_arrive(config):
    site = config(per_page=3)
    articles = [art(f"a{i:02d}", i + 1) for i in range(6)]
    first = home(by_path(articles, site))
    assert first["page/1.html"] == ["a02", "a01", "a00"]
    for more in range(1, 5):
        grown = home(by_path(articles + [art(f"b{i}", 20 + i) for i in range(more)], site))
        assert grown["page/1.html"] == first["page/1.html"], more
    assert grown["page/2.html"] == first["index.html"]  # the old front page, kept whole


def test_tag_source_language_and_archive_listings_paginate_in_their_own_folders(config):
    articles = [art(f"a{i}", i + 1, tags=("Port",), source="La Gazette", language="fr")
                for i in range(4)]
    pages = by_path(articles, config(per_page=2))
    for first, rest in [("tags/port.html", "tags/port/1.html"),
                        ("sources/la-gazette.html", "sources/la-gazette/1.html"),
                        ("languages/fr.html", "languages/fr/1.html"),
                        ("archive/2024.html", "archive/2024/1.html"),
                        ("archive/2024-03.html", "archive/2024-03/1.html")]:
        assert slugs(pages[first]) == ["a3", "a2"] and slugs(pages[rest]) == ["a1", "a0"], first
        assert pages[first].context["pager"]["older"] == rest
        assert pages[rest].context["pager"]["newer"] == first
    assert slugs(pages["page/1.html"]) == ["a1", "a0"]  # the home pages alike
    assert not any(p.endswith("/2.html") for p in pages)  # two runs: page 1 and the first


def test_each_page_finds_the_site_root_from_its_depth(config):
    pages = by_path([art(f"a{i}", i + 1, tags=("Port",)) for i in range(4)],
                    config(per_page=2, base_url="https://example.org/news/"))
    roots = {path: pages[path].context["root"] for path in (
        "index.html", "feed.xml", "articles/a0.html", "tags/port.html", "tags/port/1.html",
        "page/1.html", "404.html")}
    assert roots == {"index.html": "", "feed.xml": "", "articles/a0.html": "../",
                     "tags/port.html": "../", "tags/port/1.html": "../../",
                     "page/1.html": "../", "404.html": "/news/"}  # 404: served at any depth


# ---- feeds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("feed_size, entries", [(3, ["a4", "a3", "a2"]),
                                                (5, ["a4", "a3", "a2", "a1", "a0"]),
                                                (20, ["a4", "a3", "a2", "a1", "a0"])])
def test_the_site_feed_holds_the_newest_feed_size_articles(config, feed_size, entries):
    pages = by_path([art(f"a{i}", i + 1) for i in range(5)], config(feed_size=feed_size))
    assert slugs(pages["feed.xml"]) == entries
    assert pages["feed.xml"].context["updated"] == dt.date(2024, 3, 5)


def test_tag_and_source_feeds_hold_group_feed_size_entries(config):
    articles = [art(f"a{i}", i + 1, tags=("Port",), source="La Gazette") for i in range(4)]
    pages = by_path(articles, config(feed_size=3, group_feed_size=2))
    assert slugs(pages["feed.xml"]) == ["a3", "a2", "a1"]
    assert slugs(pages["tags/port.xml"]) == ["a3", "a2"]
    assert slugs(pages["sources/la-gazette.xml"]) == ["a3", "a2"]
    assert pages["tags/port.xml"].context["feed_page"] == "tags/port.html"


def test_a_feed_is_as_new_as_its_latest_entry_git_date_included(config):
    edited = dt.datetime(2024, 4, 1, 12, 0)
    pages = by_path([art("a", 1, updated=edited), art("b", 2), art("c")], config())
    assert pages["feed.xml"].context["updated"] == edited
    assert pages["sitemap.xml"].context["lastmod"] == {"articles/a.html": edited,
                                                       "articles/b.html": dt.date(2024, 3, 2)}


# ---- sources, languages, archives, aliases -------------------------------------------------

def test_sources_are_grouped_by_slug_named_by_the_commonest_spelling_and_listed_by_name(config):
    articles = [art("a", 1, source="Le Monde"), art("b", 2, source="le monde"),
                art("c", 3, source="Le Monde"), art("d", 4, source="AFP"),
                art("e", 5, source="zeit"),
                art("f", 6)]
    pages = by_path(articles, config())
    assert pages["sources/index.html"].context["groups"] == [
        ("AFP", "sources/afp.html", 1), ("Le Monde", "sources/le-monde.html", 3),
        ("zeit", "sources/zeit.html", 1)]
    assert slugs(pages["sources/le-monde.html"]) == ["c", "b", "a"]
    assert pages["sources/le-monde.xml"].context["feed_title"] == "Le Monde"


def test_languages_are_grouped_whatever_their_case_and_have_no_feed(config):
    articles = [art("a", 1, language="FR"), art("b", 2, language="fr"), art("c", 3, language="en"),
                art("d", 4)]
    pages = by_path(articles, config())
    assert pages["languages/index.html"].context["groups"] == [
        ("en", "languages/en.html", 1), ("fr", "languages/fr.html", 2)]
    assert slugs(pages["languages/fr.html"]) == ["b", "a"]
    assert not any(p.startswith("languages/") and p.endswith(".xml") for p in pages)


def test_the_archive_index_counts_years_and_months_newest_first_and_undated_apart(config):
    articles = [art("a", dt.date(2023, 11, 5)), art("b", dt.date(2023, 12, 1)),
                art("c", dt.date(2023, 12, 24)), art("d", 1), art("e")]
    pages = by_path(articles, config())
    assert pages["archive/index.html"].context["years"] == [
        ("2024", "archive/2024.html", 1, [("2024-03", "archive/2024-03.html", 1)]),
        ("2023", "archive/2023.html", 3, [("2023-12", "archive/2023-12.html", 2),
                                          ("2023-11", "archive/2023-11.html", 1)])]
    assert pages["archive/index.html"].context["undated"] == 1
    assert slugs(pages["archive/2023.html"]) == ["c", "b", "a"]
    assert not any("e" in slugs(p) for path, p in pages.items() if path.startswith("archive/")
                   and p.template == "list.html")


def test_each_alias_is_a_redirect_page_to_its_article_outside_the_sitemap(config):
    moved = art("new-name", 1, aliases=("old-name", "older-name"))
    pages = by_path([moved, art("other", 2)], config())
    for old in ("articles/old-name.html", "articles/older-name.html"):
        assert pages[old].template == "redirect.html" and pages[old].context["article"] == moved
        assert pages[old].context["root"] == "../"
        assert old not in pages["sitemap.xml"].context["urls"]
    assert "articles/old-name.html" not in [a.url for a in pages["index.html"].context["articles"]]


@pytest.mark.parametrize("articles", [
    [art("a", 1, aliases=("b",)), art("b", 2)],  # an alias that is another article's slug
    [art("b", 1, title="One"), art("b", 2, title="Two")],  # one slug twice
], ids=["alias", "slug"])
def test_two_pages_at_one_path_are_an_error_naming_it(config, articles):
    with pytest.raises(BuildError, match=r"two pages would be written to articles/b\.html"):
        plan(articles, config())


def test_plan_publishes_every_article_it_is_given_drafts_and_unsearchable_ones_too(config):
    """Drafts are left out before plan (the pipeline's load, unless build --drafts): given
    one, plan makes its page like any other's; exclude_from_search is the index's business."""
    pages = by_path([art("draft", 1, draft=True), art("hidden", 2, exclude_from_search=True)],
                    config())
    assert {"articles/draft.html", "articles/hidden.html"} <= set(pages)
    assert slugs(pages["index.html"]) == ["hidden", "draft"]


# ---- purity --------------------------------------------------------------------------------

def corpus() -> list[Article]:
    tags = [("Port",), ("Port", "Syrie"), ("Syrie", "Irak"), ("irak",), (), ("État islamique",)]
    sources = ["La Gazette", "la gazette", "Le Quotidien", None]
    return [art(f"s{i:02d}", (i % 5) + 1 if i % 7 else None, tags=tags[i % len(tags)],
                source=sources[i % len(sources)], language=["fr", "en", "FR", None][i % 4],
                aliases=(f"old-{i}",) if i % 6 == 0 else (), related=("Title of s03",))
            for i in range(23)]


def test_the_same_articles_in_any_order_give_the_same_pages(config):
    site = config(per_page=3, feed_size=4, group_feed_size=2)
    articles = corpus()
    expected = plan(articles, site)
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert plan(shuffled, site) == expected, seed


def test_related_of_is_given_the_site_order_and_its_answer_reaches_the_article_pages(config):
    articles = [art("a", 1), art("b", 3), art("c", 2)]
    given = []

    def related_of(ordered):
        given.append([a.slug for a in ordered])
        return {"b": [ordered[2]]}
    pages = by_path(articles, config(), related_of=related_of)
    assert given == [["b", "c", "a"]]
    assert [a.slug for a in pages["articles/b.html"].context["related_articles"]] == ["a"]
    assert pages["articles/c.html"].context["related_articles"] == []
