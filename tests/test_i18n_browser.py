"""A French site reads French in the browser (issue 18): headless Chromium opens every kind
of page of a site with `language: fr` (from disk, with the static search, and served) and
finds none of the English catalogue's strings that French says otherwise, in the text, the
title or the labels of the page; dates read "3 mars 2024", counts are plural as French has
them, search facets put 'État' among the E's, and the 404 page has its style from disk."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from pathlib import Path

import pytest
from conftest import make_project, run, serving
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from broadsheet.frontmatter import dump
from broadsheet.i18n import STRINGS, catalogue
from broadsheet.model import Article

WAIT = 20
TAGS = ("Syrie", "État islamique", "Économie", "Port")


@pytest.fixture(scope="module")
def french(tmp_path_factory) -> Path:
    """The sample project (language: fr, its French seed article, undated), with twelve
    French articles dated March 2024 and one undated, five to a listing page, built with
    `broadsheet all`."""
    config = make_project(tmp_path_factory.mktemp("fr") / "proj")
    text = config.read_text(encoding="utf-8")
    assert "language: fr" in text
    config.write_text(text.replace("per_page: 10", "per_page: 5"), encoding="utf-8")  # pagers
    content = config.parent / "content"
    for i in range(12):
        a = Article(
            title=f"Le port de Marseille rouvre le quai numéro {i}", slug=f"port-{i:02d}",
            date=dt.date(2024, 3, 3) + dt.timedelta(days=i % 2), language="fr",
            source=("La Gazette", "Le Quotidien")[i % 2], author=("Anne Martin", "Paul Roux"),
            agencies=("AFP",), tags=TAGS if i < 11 else ("Port",),
            related=("Le port de Marseille rouvre le quai numéro 0", "Un titre venu d’ailleurs"),
            body=f"Les dockers du port ont repris le travail au quai {i} ce matin.\n\n"
                 "La capitainerie annonce une reprise complète du trafic.\n",
            id=f"port{i:02d}")
        (content / f"{a.slug}.md").write_text(dump(a), encoding="utf-8")
    undated = Article(title="Une note sans date", slug="sans-date", language="fr",
                      tags=("Port",), body="Une note.\n", id="sansdate")
    (content / "sans-date.md").write_text(dump(undated), encoding="utf-8")
    assert run(config, "all") == 0
    return config


def english_patterns() -> dict[str, re.Pattern]:
    """key -> a pattern of the English text, for each string whose French differs: the
    literal parts in order, a placeholder as anything, whole words at the ends."""
    en, fr = catalogue("en"), catalogue("fr")
    out = {}
    for key in STRINGS:
        english, french = en.text(key), fr.text(key)
        texts = set(english.values()) if isinstance(english, dict) else {english}
        others = set(french.values()) if isinstance(french, dict) else {french}
        for n, text in enumerate(sorted(texts - others)):
            parts = [p for p in re.split(r"%\(\w+\)s", text)]
            pattern = ".+?".join(re.escape(p) for p in parts).strip()
            pattern = re.sub(r"^(\\ )+|(\\ )+$", "", pattern)
            if re.match(r"\w", pattern):
                pattern = r"(?<!\w)" + pattern
            if re.search(r"\w$", pattern):
                pattern += r"(?!\w)"
            out[f"{key}.{n}"] = re.compile(pattern)
    return out


def page_text(driver) -> str:
    """What a reader meets: the text, the title, and the labels a screen reader says."""
    return driver.execute_script(
        "return [document.title, document.body.innerText,"
        " ...[...document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')]"
        "   .map(e => ['aria-label', 'placeholder', 'title', 'alt']"
        "     .map(a => e.getAttribute(a) || '').join(' '))].join('\\n');")


def assert_french(driver, where: str) -> str:
    text = page_text(driver)
    found = {key: p.search(text).group(0) for key, p in english_patterns().items() if p.search(text)}
    assert found == {}, f"English on the {where}: {found}"
    assert driver.execute_script("return document.documentElement.lang") == "fr", where
    return text


def wait_status(driver, pattern: str) -> str:
    WebDriverWait(driver, WAIT).until(
        lambda d: re.search(pattern, d.find_element(By.ID, "search-status").text))
    return driver.find_element(By.ID, "search-status").text


def test_the_patterns_catch_the_english_theme():
    """The check itself: the English theme's own pages are caught, the French ones not."""
    patterns = english_patterns()
    assert len(patterns) > 50
    english = "Latest articles 373 words · 2 min read with AFP Related headlines Skip to content"
    assert {k.split(".")[0] for k, p in patterns.items() if p.search(english)} >= {
        "latest_articles", "words", "minutes", "with", "related_headlines", "skip_link"}
    assert not any(p.search("Archives · Sources · Articles · page 2 · Rechercher")
                   for p in patterns.values())


PAGES = {
    "home": "index.html",
    "listing page 2": "page/1.html",
    "article": "articles/port-03.html",
    "tag page": "tags/syrie.html",
    "tag index": "tags/index.html",
    "source page": "sources/la-gazette.html",
    "source index": "sources/index.html",
    "archive": "archive/index.html",
    "month": "archive/2024-03.html",
    "year": "archive/2024.html",
    "language page": "languages/fr.html",
    "search page": "search.html",
    "404": "404.html",
}


def test_every_kind_of_page_is_french(driver, french):
    base = (french.parent / "site").as_uri() + "/"
    for where, rel in PAGES.items():
        driver.get(base + rel)
        assert_french(driver, where)

    driver.get(base + "articles/port-03.html")
    text = assert_french(driver, "article")
    assert "3 mars 2024" in text or "4 mars 2024" in text
    time = driver.find_element(By.CSS_SELECTOR, "article .meta time")
    assert (time.get_attribute("datetime"), time.text) == ("2024-03-04", "4 mars 2024")
    assert "par Anne Martin et Paul Roux" in text and "avec AFP" in text
    assert re.search(r"\d+ mots · 1 min de lecture", text)
    related = driver.find_elements(By.CSS_SELECTOR, ".related li")
    assert related[0].find_element(By.TAG_NAME, "a").get_attribute("href").endswith(
        "articles/port-00.html")  # a headline of the site's own: linked
    assert related[1].find_elements(By.TAG_NAME, "a") == []

    driver.get(base + "archive/index.html")
    text = assert_french(driver, "archive")
    assert "mars 2024" in text and "2 articles n’ont pas de date" in text

    driver.get(base + "tags/index.html")
    names = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "ul.tag-index a")]
    assert names.index("Économie") < names.index("État islamique") < names.index("Syrie")


def test_search_speaks_french_from_disk_and_served(driver, french):
    static = (french.parent / "site").as_uri() + "/"
    with serving(french) as served:
        for base in (static, served):
            driver.get(base + "search.html?q=" + urllib.parse.quote("quai"))
            assert wait_status(driver, r"\d") == "12 articles correspondent à « quai »."
            text = assert_french(driver, f"search page ({base})")
            assert "Page 1 sur 2" in text and "Suivante →" in text
            dates = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "#search-results time")]
            assert dates and all(re.fullmatch(r"[34] mars 2024", d) for d in dates), dates
            # the facets of the page: equal counts, by the folded label: É among the E's
            tags = driver.find_elements(By.CSS_SELECTOR,
                                        "#search-facets section[aria-label='Mots-clés'] a")
            labels = [re.sub(r" \(\d+\)$", "", a.text) for a in tags]
            assert labels.index("Économie") < labels.index("État islamique") < labels.index("Syrie")

            driver.get(base + "search.html?q=" + urllib.parse.quote("numéro 7"))
            assert wait_status(driver, r"\d") == "1 article correspond à « numéro 7 »."
            assert_french(driver, f"search page with one result ({base})")

            driver.get(base + "search.html?q=zzzqqq")
            assert wait_status(driver, r"Aucun") == "Aucun article ne correspond à « zzzqqq »."
            assert_french(driver, f"search page with no result ({base})")
        driver.get(served + "no/such/page.html")
        assert_french(driver, "served 404")


def test_the_search_hint_is_the_sites_own(driver, french):
    driver.get((french.parent / "site").as_uri() + "/search.html")
    hint = driver.find_element(By.CSS_SELECTOR, "p.hint").text
    # Port is on every article but the sample's; the two sources tie: the first by name
    assert "tag:Port" in hint and 'source:"La Gazette"' in hint, hint
    assert "lang:fr" in hint and "year:2024" in hint and "RT en français" not in hint


def test_the_404_page_has_its_style_from_disk(driver, french):
    site = french.parent / "site"
    style = ("const s = getComputedStyle(document.body);"
             " return [s.fontFamily, s.backgroundColor, s.margin];")
    driver.get((site / "index.html").as_uri())
    styled = driver.execute_script(style)
    driver.get((site / "404.html").as_uri())
    assert driver.execute_script(style) == styled
    assert driver.find_element(By.TAG_NAME, "h1").text == "Page introuvable"
    driver.get_log("browser")
    with serving(french) as served:
        driver.get(served + "no/such/page.html")  # at depth, from the server's root
        assert driver.execute_script(style) == styled
    # the link beside it asks the server for no/such/static/style.css: a plain miss
    assert [e["message"] for e in driver.get_log("browser") if "Refused" in e["message"]] == []
