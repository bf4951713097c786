"""What a reader can navigate: archives by year and month, sources and languages, tags with
counts, feeds (checked with feedparser), sitemap and robots.txt, and on each article page
breadcrumbs, newer/older, related articles, reading time and machine-readable metadata.
Also the front matter a person sets by hand: draft, exclude_from_search, aliases."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from conftest import make_project, run
from broadsheet.config import load_config
from broadsheet.frontmatter import dump
from broadsheet.model import Article
from broadsheet.publish import plan as plan_module
from broadsheet.publish.pipeline import build
from broadsheet.publish.search import search

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def art(i: int, **changes) -> Article:
    fields = dict(
        title=f"Article {i:02d} sur le port", slug=f"a{i:02d}",
        date=dt.datetime(2023 + i % 2, 1 + i % 3, 1 + i, 9, 0, tzinfo=dt.timezone.utc),
        language=("fr", "en")[i % 2], source=("Le Quotidien", "Daily News")[i % 3 % 2],
        tags=(("Mer", "Port") if i % 4 else ("Mer", "Phare")),
        body=f"Premier paragraphe numéro {i}. Il parle du port et du phare.\n\n"
             f"Second paragraphe, plus long, avec des mots en plus pour compter.",
        id=f"id{i:02d}")
    fields.update(changes)
    return Article(**fields)


def put(config: Path, a: Article) -> None:
    (config.parent / "content" / f"{a.slug}.md").write_text(dump(a), encoding="utf-8")


PUBLISHED = [art(i) for i in range(12)] + [
    art(21, title="Hors recherche xylophone", slug="cache", exclude_from_search=True, id="x",
        body="Le mot xylophone est ici."),
    art(22, title="Déplacé", slug="nouveau", aliases=("ancien", "tres-ancien"), id="m"),
    art(23, title="Sans date", slug="sans-date", date=None, id="u", tags=("Phare",))]
DATED = sorted((a for a in PUBLISHED if a.date), key=lambda a: a.date, reverse=True)


def count(key) -> dict:
    out: dict = {}
    for a in PUBLISHED:
        for k in key(a):
            out[k] = out.get(k, 0) + 1
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    config = make_project(tmp_path_factory.mktemp("nav") / "proj", raw_files=[])
    config.write_text(config.read_text().replace("per_page: 10", "per_page: 2")
                      .replace("feed_size: 20", "feed_size: 3")
                      .replace("tag_min_count: 1", "tag_min_count: 3")
                      + "group_feed_size: 2\n")
    for a in PUBLISHED:
        put(config, a)
    put(config, art(20, title="Un brouillon", slug="brouillon", draft=True, id="d"))
    assert run(config, "build") == 0
    return config


def page(config: Path, rel: str) -> str:
    return (config.parent / "site" / rel).read_text(encoding="utf-8")


def titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="[^"]*">([^<]*)</a></h2>', html)


FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


def test_archive_index_counts_years_and_months(site):
    html = page(site, "archive/index.html")
    years = re.findall(r'<a href="../archive/(\d{4}).html">\d{4}</a> <span class="count">\((\d+)\)', html)
    per_year = count(lambda a: [str(a.date.year)] if a.date else [])
    assert years == [(y, str(per_year[y])) for y in sorted(per_year, reverse=True)]
    # the site is French (the sample's site.yaml): its months and its plurals too
    assert "1 article n’a pas de date\u00a0; il figure en dernier sur la" in html
    months = re.findall(r'href="../archive/(\d{4}-\d\d).html">(\w+ \d{4})</a> <span class="count">\((\d+)\)', html)
    per_month = count(lambda a: [a.date.strftime("%Y-%m")] if a.date else [])
    assert months == [(m, f"{FR_MONTHS[int(m[5:]) - 1]} {m[:4]}", str(per_month[m]))
                      for m in sorted(per_month, reverse=True)]


def test_year_and_month_pages_list_their_articles_paginated(site):
    config = load_config(site)
    in_2023 = [a for a in DATED if a.date.year == 2023]
    shown = titles(page(site, "archive/2023.html"))
    k = 1
    while (config.site_dir / f"archive/2023/{k}.html").is_file():
        k += 1
    for n in range(k - 1, 0, -1):
        shown += titles(page(site, f"archive/2023/{n}.html"))
    assert shown == [a.title for a in in_2023]
    assert "<h1>Articles de 2023</h1>" in page(site, "archive/2023.html")
    assert "<h1>Articles de février 2024</h1>" in page(site, "archive/2024-02.html")
    assert "<title>février 2024 · broadsheet sample</title>" in page(site, "archive/2024-02.html")


def test_sources_and_languages_have_indexes_and_pages(site):
    html = page(site, "sources/index.html")
    per_source = count(lambda a: [a.source])
    assert re.findall(r'href="../sources/([\w-]+).html">([^<]+)</a> <span class="count">\((\d+)\)', html) \
        == [("daily-news", "Daily News", str(per_source["Daily News"])),
            ("le-quotidien", "Le Quotidien", str(per_source["Le Quotidien"]))]
    assert "<h1>Source\u00a0: Daily News</h1>" in page(site, "sources/daily-news.html")
    langs = page(site, "languages/index.html")
    per_lang = count(lambda a: [a.language])
    for code in ("en", "fr"):
        assert f'href="../languages/{code}.html">{code}</a> <span class="count">({per_lang[code]})' in langs


def test_tag_index_alphabetical_with_counts_and_a_minimum(site):
    html = page(site, "tags/index.html")
    listed = re.findall(r'<li class="size-(\d)"><a href="../tags/([\w-]+).html">([^<]+)</a> '
                        r'<span class="count">\((\d+)\)', html)
    per_tag = count(lambda a: a.tags)
    assert [(slug, int(n)) for _, slug, _, n in listed] == [
        ("mer", per_tag["Mer"]), ("phare", per_tag["Phare"]), ("port", per_tag["Port"])]
    sizes = sorted((int(n), int(size)) for size, _, _, n in listed)
    assert sizes[-1][1] == 5 and [sz for _, sz in sizes] == sorted(sz for _, sz in sizes)
    config = load_config(site)
    # a tag below tag_min_count: in no list, with no page, and no link to the page it lacks
    put(site, art(30, slug="rare", tags=("Rarissime", "Mer"), id="r"))
    try:
        assert run(site, "build") == 0
        assert "rarissime" not in page(site, "tags/index.html")
        assert ("1 mot-clé utilisé par moins de 3 articles n’a pas encore de page\u00a0: un "
                "mot-clé en reçoit une dès que 3 articles l’utilisent.") in page(site, "tags/index.html")
        assert not (config.site_dir / "tags" / "rarissime.html").exists()
        assert not (config.site_dir / "tags" / "rarissime.xml").exists()
        html = page(site, "articles/rare.html")
        assert 'href="../tags/mer.html"' in html and "tags/rarissime" not in html
        assert "tags/rarissime" not in page(site, "sitemap.xml")
    finally:
        (site.parent / "content" / "rare.md").unlink()
        assert run(site, "build") == 0


@pytest.mark.parametrize("rel, title, entries", [
    ("feed.xml", "broadsheet sample", 3),
    ("tags/phare.xml", "Phare · broadsheet sample", 2),  # group_feed_size
    ("sources/daily-news.xml", "Daily News · broadsheet sample", 2),
])
def test_feeds_are_valid_full_text_atom(site, rel, title, entries):
    config = load_config(site)
    feed = feedparser.parse((config.site_dir / rel).read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == title
    assert feed.feed.links[1].href == config.base_url + rel  # rel="self"
    assert len(feed.entries) == entries
    first = feed.entries[0]
    assert "Second paragraphe" in first.content[0].value  # full text, not a summary
    assert first.link.startswith(config.base_url + "articles/")
    assert first.published_parsed and first.updated_parsed


def test_sitemap_and_robots(site):
    config = load_config(site)
    root = ET.fromstring((config.site_dir / "sitemap.xml").read_bytes())
    locs = [u.find(f"{SM}loc").text for u in root.iter(f"{SM}url")]
    assert config.base_url + "articles/a01.html" in locs
    assert config.base_url + "articles/brouillon.html" not in locs  # a draft
    assert config.base_url + "articles/ancien.html" not in locs  # a redirect
    for rel in ("archive/2024.html", "archive/2024-02.html", "sources/daily-news.html",
                "languages/en.html", "tags/port.html"):
        assert config.base_url + rel in locs
    lastmod = {u.find(f"{SM}loc").text: u.find(f"{SM}lastmod") for u in root.iter(f"{SM}url")}
    assert lastmod[config.base_url + "articles/a01.html"].text.startswith("2024-02-02")
    robots = page(site, "robots.txt")
    assert robots.splitlines() == ["User-agent: *", "Allow: /",
                                   f"Sitemap: {config.base_url}sitemap.xml"]


def test_a_large_sitemap_becomes_an_index(site, monkeypatch, tmp_path):
    monkeypatch.setattr(plan_module, "SITEMAP_MAX", 10)
    config = load_config(site)
    build(config, full=True, with_index=False)
    root = ET.fromstring((config.site_dir / "sitemap.xml").read_bytes())
    assert root.tag == f"{SM}sitemapindex"
    parts = [s.find(f"{SM}loc").text for s in root.iter(f"{SM}sitemap")]
    urls = []
    for url in parts:
        part = ET.fromstring((config.site_dir / url.removeprefix(config.base_url)).read_bytes())
        found = [u.find(f"{SM}loc").text for u in part.iter(f"{SM}url")]
        assert 0 < len(found) <= 10
        urls += found
    assert len(urls) == len(set(urls)) > 20 and len(parts) == -(-len(urls) // 10)
    monkeypatch.undo()
    build(config, full=True)


def test_article_page_navigation_and_metadata(site):
    config = load_config(site)
    html = page(site, "articles/a01.html")
    assert '<html lang="en">' in html
    crumbs = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', html.split('class="crumbs"')[1]
                        .split("</nav>")[0])
    # an English article on the French site: its page is in English
    assert crumbs == [("../index.html", "Home"), ("../archive/2024.html", "2024"),
                      ("../archive/2024-02.html", "February 2024")]
    words = len(art(1).body.split())
    assert f"{words} words · 1 min read" in html
    french = page(site, "articles/a02.html")
    assert '<html lang="fr">' in french and ">mars 2023</a>" in french and ">Accueil</a>" in french
    assert f"{len(art(2).body.split())} mots · 1 min de lecture" in french
    # newest first: a01 (2024-02-02) sits between a10 (2024-02-11) and a07 (2024-02-08)?
    newer = re.search(r'rel="prev" href="../articles/(\w+).html"', html).group(1)
    older = re.search(r'rel="next" href="../articles/(\w+).html"', html).group(1)
    order = [a.slug for a in DATED]
    k = order.index("a01")
    assert (newer, older) == (order[k - 1], order[k + 1])
    related = re.findall(r'class="see-also".*?</aside>', html, re.S)[0]
    assert 'href="../articles/' in related and "a01.html" not in related
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert ld["@type"] == "NewsArticle" and ld["headline"] == art(1).title
    assert ld["datePublished"] == art(1).date.isoformat() and ld["wordCount"] == words
    assert ld["url"] == config.base_url + "articles/a01.html"
    assert f'<meta property="og:title" content="{art(1).title}">' in html
    assert f'<link rel="canonical" href="{config.base_url}articles/a01.html">' in html


def test_listings_show_the_first_paragraph(site):
    html = page(site, "index.html")
    assert re.search(r'<p class="summary">Premier paragraphe numéro \d+\. Il parle du port et '
                     r'du phare\.</p>', html)
    assert "Second paragraphe" not in html


def test_drafts_are_left_out_unless_asked(site, tmp_path):
    config = load_config(site)
    assert not (config.site_dir / "articles" / "brouillon.html").exists()
    assert "Un brouillon" not in page(site, "index.html")
    assert search(config.index_dir, "brouillon")["total"] == 0
    preview = tmp_path / "preview"
    assert run(site, "build", "--drafts", "--no-index", "--out", str(preview)) == 0
    assert (preview / "articles" / "brouillon.html").is_file()


def test_excluded_from_search_has_a_page_but_no_hits(site):
    config = load_config(site)
    assert (config.site_dir / "articles" / "cache.html").is_file()
    assert search(config.index_dir, "xylophone")["total"] == 0
    static = "".join(p.read_text(encoding="utf-8") for p in (config.site_dir / "search").rglob("*.js"))
    assert "xylophone" not in static and "Hors recherche" not in static


def test_aliases_redirect_to_the_article(site):
    html = page(site, "articles/ancien.html")
    assert '<meta http-equiv="refresh" content="0; url=../articles/nouveau.html">' in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/articles/nouveau.html">' in html
    assert (load_config(site).site_dir / "articles" / "tres-ancien.html").is_file()


def test_an_alias_taken_by_another_article_is_an_error(site, capsys):
    put(site, art(9, slug="zz-autre", aliases=("a03",), id="z"))
    capsys.readouterr()
    assert run(site, "build") == 1
    assert "content/zz-autre.md: alias 'a03' is already used by a03.md" in capsys.readouterr().err
    (site.parent / "content" / "zz-autre.md").unlink()
    assert run(site, "build") == 0


def test_a_slug_changed_without_an_alias_is_a_warning(site, capsys):
    content = site.parent / "content"
    text = (content / "a05.md").read_text(encoding="utf-8")
    (content / "a05.md").write_text(text.replace("slug: a05", "slug: a05-renomme"), encoding="utf-8")
    capsys.readouterr()
    assert run(site, "build") == 0  # a warning, not an error
    err = capsys.readouterr().err
    assert "warning: " in err and "a05.md: slug changed from 'a05' to 'a05-renomme': add " \
        "`aliases: [a05]`" in err
    (content / "a05.md").write_text(text, encoding="utf-8")
    assert run(site, "build") == 0


def test_an_alias_named_twice_is_an_error_in_its_file(site, capsys):
    put(site, art(9, slug="zz-twice", aliases=("vieux", "vieux"), id="t"))
    capsys.readouterr()
    assert run(site, "build") == 1
    assert "zz-twice.md:" in (err := capsys.readouterr().err) and \
        "'aliases' names the same slug twice" in err
    (site.parent / "content" / "zz-twice.md").unlink()
    assert run(site, "build") == 0


def test_a_draft_never_takes_a_published_articles_slug(site, capsys):
    """The draft sorts first by file name, yet the published article keeps the slug."""
    content = site.parent / "content"
    (content / "0-draft.md").write_text(dump(art(9, slug="a04", title="Brouillon rival",
                                                 draft=True, id="dd")), encoding="utf-8")
    capsys.readouterr()
    assert run(site, "build") == 1  # the draft is the one reported
    assert "0-draft.md: slug 'a04' is already used by a04.md" in capsys.readouterr().err
    assert art(4).title in page(site, "articles/a04.html")
    (content / "0-draft.md").unlink()
    assert run(site, "build") == 0


def test_excerpt_of_a_crlf_file(tmp_path):
    from broadsheet.publish.summary import excerpt
    assert excerpt("# Titre\r\n\r\nPremier paragraphe.\r\nSuite.\r\n\r\nSecond.") == \
        "Premier paragraphe. Suite."


def test_an_alias_that_is_the_articles_own_slug_says_so(site, capsys):
    put(site, art(9, slug="zz-meme", aliases=("zz-meme",), id="m"))
    capsys.readouterr()
    assert run(site, "build") == 1
    assert ("content/zz-meme.md: alias 'zz-meme' is the article's own slug: an alias is a "
            "former one") in capsys.readouterr().err
    (site.parent / "content" / "zz-meme.md").unlink()
    assert run(site, "build") == 0


@pytest.mark.parametrize("body, shown", [
    ("Voir [le rapport](https://ex.org/r) et ![la carte](carte.png).", "Voir le rapport et la carte."),
    ("Des [[crochets]] et [un lien](https://ex.org/a).", "Des [[crochets]] et un lien."),
    # a first paragraph of megabytes: its excerpt comes from its first characters
    ("Une phrase courte. " * 200_000, ("Une phrase courte. " * 14).strip()),
    ("[" * 100_000, "[" * 280 + "…"),  # quadratic in the old link pattern: 27 s at this size
])
def test_excerpt_of_links_brackets_and_huge_paragraphs(body, shown):
    from broadsheet.publish.summary import excerpt
    assert excerpt(body) == shown
