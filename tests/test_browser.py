"""Real-browser tests: headless Chromium, driven by Selenium, reads the built site the way a
reader does.

They prove that, with the real preview server (`broadsheet.serve.make_server`):
1. the home page links the sample article, whose page is French (<html lang="fr">), has its 8
   body paragraphs and none of the scraped page's cookie banner, follow-us or read-more lines;
2. tag links lead to a tag page listing the article, and the tag index counts it once;
3. the header search box leads to search.html?q=..., which shows the hit with <mark>ed words
   and a status line; a second search says "no articles", and Back restores the first one;
4. untrusted text (<script>, attribute breakouts, javascript: links) in a raw article is shown
   as text on every page that carries it and never runs;
5. the site also works straight from disk (file://): its relative links lead to the article.
"""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import make_project, run, serving

# `driver` (headless Chromium) is a fixture of conftest.py, shared with the other browser tests
TITLE = ("La Maison Blanche a dit ne pas vouloir lancer de vaste opération de terrain "
         "en Irak et en Syrie")
WAIT = 10  # seconds, for anything the page does after it loads

EVIL_TITLE = ('Harbour Council <script>window.__pwned=1</script> vote '
              '"><img src=x onerror="window.__pwned=1"> on Port Meridian')
EVIL_RAW = f"""{EVIL_TITLE}

The Harbour Council of Port Meridian voted on Tuesday evening to approve a new plan for the old docks, after a long debate that lasted well into the night.

Members of the Harbour Council said the plan would bring new jobs to Port Meridian and restore the warehouses that have stood empty for more than twenty years.

A resident handed the council a note that read <script>window.__pwned=1</script> and another that read "><img src=x onerror="window.__pwned=1"> before the meeting was called to order.

Opponents of the plan published a leaflet with the words [click](javascript:window.__pwned=1) printed across the top, asking readers to sign a petition against it.

The mayor of Port Meridian said the vote was a turning point for the town and promised that the first works would begin before the end of next spring.
"""


@pytest.fixture(scope="module")
def base(built_session):
    with serving(built_session) as url:
        yield url


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """A project whose only raw article carries script and markup in its title and body."""
    tmp = tmp_path_factory.mktemp("evil")
    raw = tmp / "evil.txt"
    raw.write_text(EVIL_RAW, encoding="utf-8")
    config = make_project(tmp / "proj", raw_files=[raw])
    assert run(config, "all") == 0
    with serving(config) as url:
        yield url


def wait(driver, condition, message=""):
    return WebDriverWait(driver, WAIT).until(condition, message)


def click_and_wait(driver, link, url_end: str) -> None:
    link.click()
    wait(driver, lambda d: d.current_url.endswith(url_end), f"no page ending {url_end}")
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def open_article(driver, home_url: str) -> None:
    driver.get(home_url)
    link = driver.find_element(By.LINK_TEXT, TITLE)
    href = link.get_attribute("href")
    assert "/articles/" in href and href.endswith(".html")
    click_and_wait(driver, link, href.rsplit("/", 1)[1])
    assert driver.find_element(By.TAG_NAME, "h1").text == TITLE


def status_text(driver, pattern: str) -> str:
    """Wait for the search status line to match pattern (it says 'Searching…' meanwhile)."""
    found = wait(driver, lambda d: re.search(pattern, d.find_element(By.ID, "search-status").text),
                 f"search status never matched {pattern!r}")
    return found.string


def test_home_links_the_clean_french_article(driver, base):
    open_article(driver, base + "index.html")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    paragraphs = driver.find_elements(By.CSS_SELECTOR, ".body p")
    assert len(paragraphs) == 8
    assert all(p.text.strip() for p in paragraphs)
    seen = driver.find_element(By.TAG_NAME, "body").text.lower()
    for leftover in ("cookies", "suivez rt", "en savoir plus", "tout accepter"):
        assert leftover not in seen, f"{leftover!r} is visible on the article page"
    assert "OK" not in [p.text.strip() for p in driver.find_elements(By.TAG_NAME, "p")]


def test_tag_links_and_tag_index(driver, base):
    open_article(driver, base + "index.html")
    tag = driver.find_element(By.CSS_SELECTOR, "ul.tags").find_element(By.LINK_TEXT, "Syrie")
    click_and_wait(driver, tag, "tags/syrie.html")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Mot-clé : Syrie"  # a French site (.text: no-break space as a space)
    listed = driver.find_elements(By.CSS_SELECTOR, "ol.listing h2 a")
    assert [a.text for a in listed] == [TITLE]

    nav = driver.find_element(By.CSS_SELECTOR, "nav[aria-label='Site']")
    click_and_wait(driver, nav.find_element(By.LINK_TEXT, "Mots-clés"), "tags/index.html")
    rows = {li.find_element(By.TAG_NAME, "a").text: li.find_element(By.CLASS_NAME, "count").text
            for li in driver.find_elements(By.CSS_SELECTOR, "ul.tag-index li")}
    assert rows.get("Syrie") == "(1)", rows
    assert {"Irak", "État islamique", "Ashton Carter"} <= rows.keys()


def test_search_from_header_then_again_then_back(driver, base):
    driver.get(base + "index.html")
    driver.find_element(By.ID, "site-search").send_keys("etat islamique" + Keys.ENTER)
    wait(driver, lambda d: "search.html?" in d.current_url, "header search did not submit")
    assert driver.current_url.split("?", 1)[1] in ("q=etat+islamique", "q=etat%20islamique")
    status = status_text(driver, r"\barticles? correspond")
    assert re.search(r"\b1 article correspond à\b", status), status
    results = driver.find_elements(By.CSS_SELECTOR, "#search-results > li")
    assert len(results) == 1
    link = results[0].find_element(By.CSS_SELECTOR, "h2 a")
    assert link.text == TITLE
    assert "/articles/" in link.get_attribute("href")
    marks = results[0].find_elements(By.CSS_SELECTOR, "p.snippet mark")
    assert marks and all(m.text.strip() for m in marks)
    assert driver.find_element(By.ID, "search-status").get_attribute("aria-live") == "polite"

    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys("zzzznotaword" + Keys.ENTER)
    status = status_text(driver, r"Aucun article ne correspond")
    assert "zzzznotaword" in status
    assert driver.find_elements(By.CSS_SELECTOR, "#search-results > li") == []
    assert driver.current_url.endswith("search.html?q=zzzznotaword")

    driver.back()
    status = status_text(driver, r"\b1 article correspond\b")
    assert driver.find_element(By.ID, "q").get_attribute("value") == "etat islamique"
    titles = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#search-results h2 a")]
    assert titles == [TITLE]


def assert_inert(driver, where: str) -> None:
    assert driver.execute_script("return window.__pwned === undefined") is True, where
    assert driver.find_elements(By.TAG_NAME, "img") == [], f"an <img> was injected on {where}"
    inline = driver.execute_script(
        "return [...document.scripts].filter(s => !s.src && s.type !== 'application/ld+json')"
        ".length")
    assert inline == 0, f"an inline <script> was injected on {where}"
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript:' i]") == [], where


def test_untrusted_text_is_shown_not_run(driver, evil):
    driver.get(evil + "index.html")
    assert_inert(driver, "home")
    link = driver.find_element(By.CSS_SELECTOR, "ol.listing h2 a")
    assert link.text == EVIL_TITLE
    click_and_wait(driver, link, link.get_attribute("href").rsplit("/", 1)[1])
    assert_inert(driver, "article")
    assert driver.find_element(By.TAG_NAME, "h1").text == EVIL_TITLE
    assert driver.title.startswith(EVIL_TITLE)
    body = driver.find_element(By.CSS_SELECTOR, ".body").text
    assert "<script>window.__pwned=1</script>" in body
    assert '"><img src=x onerror="window.__pwned=1">' in body
    assert "[click](javascript:window.__pwned=1)" in body
    tag_pages = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "ul.tags a")]
    assert tag_pages, "the article has no tags to check"

    driver.get(evil + "tags/index.html")
    assert_inert(driver, "tag index")
    for url in tag_pages:
        driver.get(url)
        assert_inert(driver, url)
        assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, "ol.listing h2 a")] == [EVIL_TITLE]

    driver.get(evil + "search.html?q=meridian")
    status_text(driver, r"\b1 article correspond\b")
    assert_inert(driver, "search")
    assert driver.find_element(By.CSS_SELECTOR, "#search-results h2 a").text == EVIL_TITLE
    snippet = driver.find_element(By.CSS_SELECTOR, "#search-results p.snippet")
    assert snippet.find_elements(By.TAG_NAME, "mark")


def test_site_works_from_disk(driver, built_session):
    home = (built_session.parent / "site" / "index.html").resolve().as_uri()
    open_article(driver, home)
    assert driver.current_url.startswith("file://")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".body p")) == 8
    nav = driver.find_element(By.CSS_SELECTOR, "nav[aria-label='Site']")
    click_and_wait(driver, nav.find_element(By.LINK_TEXT, "Articles"), "/site/index.html")
    assert driver.find_element(By.LINK_TEXT, TITLE)
