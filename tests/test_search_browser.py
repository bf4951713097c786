"""The search page in headless Chromium, with the preview server and without one (file://),
and the static index held to the Whoosh results on a fixed list of queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from broadsheet.config import load_config
from broadsheet.publish.search import search
from conftest import REPO, make_project, run, serving
from test_browser import TITLE, WAIT

EVAL = REPO / "bench" / "eval" / "articles"
QUERIES = ["cookie", "cookies banner", "Lyon", "tramway", "port", "incendio", "ferry strike",
           "Hochwasser", "police", "Syrie", "maison blanche", "etat islamique", "council vote",
           "agua", "consent", "tag:syrie", "lang:it porto", "the harbour", "école", "mayor",
           # phrases with small words inside, elisions, words common in another language
           '"opération de terrain"', '"de la vallée"', '"de la ligne"', "l'EI", "l’EI", "d'Etat",
           '"secrétaire d’Etat"', "war", "will", "die", "also", "con", '"the harbour"']


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A multilingual corpus: the seed and the evaluation articles, ingested and built."""
    raws = [REPO / "raw" / "000_2858112e9b9562c5.txt", *sorted(EVAL.glob("*.txt"))]
    config = make_project(tmp_path_factory.mktemp("corpus") / "proj", raw_files=raws)
    assert run(config, "all") == 0
    return config


def static_results(browser, site: Path, q: str, **opts) -> dict:
    browser.get((site / "search.html").as_uri())
    return browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "window.BroadsheetSearch.query(arguments[0], arguments[1]).then(done, "
        "function (e) { done({error: String(e)}); });", q, {"limit": 10, **opts})


def test_static_index_agrees_with_whoosh(driver, corpus):
    index_dir = load_config(corpus).index_dir
    site = corpus.parent / "site"
    driver.set_script_timeout(30)
    checked = 0
    for q in QUERIES:
        served = [h["url"] for h in search(index_dir, q, limit=10)["hits"]]
        static = static_results(driver, site, q)
        assert "error" not in static, (q, static)
        urls = [h["url"] for h in static["hits"]]
        if not served:
            assert urls == [], q
            continue
        checked += 1
        assert urls[0] == served[0], (q, urls[:3], served[:3])
        overlap = len(set(urls) & set(served)) / len(served)
        assert overlap >= 0.8, (q, overlap)
    assert checked >= 12


OPERATORS = ["ferry OR tramway", "cookie NOT banner", "cookies -banner", "port OR porto lang:it",
             "maison OR tramway blanche", "police AND mayor", "council NOT vote OR strike",
             "the OR harbour", "maison OR cookies-banner", "police NOT maison-blanche",
             "cookie -consent-banner"]


def test_static_operators_match_what_the_server_matches(driver, corpus):
    # OR and NOT were read as words there (English stop words, so NOT x meant "with x")
    index_dir = load_config(corpus).index_dir
    driver.set_script_timeout(30)
    for q in OPERATORS:
        served = search(index_dir, q, limit=50)
        static = static_results(driver, corpus.parent / "site", q, limit=50)
        assert "error" not in static, (q, static)
        assert static["total"] == served["total"], q
        assert {h["url"] for h in static["hits"]} == {h["url"] for h in served["hits"]}, q
    assert search(index_dir, "cookie NOT banner")["total"] < search(index_dir, "cookie")["total"]


def test_static_shards_are_small(corpus):
    files = list((corpus.parent / "site" / "search").rglob("*.js"))
    assert files and max(f.stat().st_size for f in files) <= 100_000


def type_query(browser, text: str) -> None:
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#search-form button").click()


def wait_for_results(browser):
    # the sample's site.yaml says `language: fr`: the page says "N articles correspondent"
    WebDriverWait(browser, WAIT).until(
        lambda b: "correspond" in b.find_element(By.ID, "search-status").text)


@pytest.mark.parametrize("mode", ["served", "static"])
def test_search_facet_and_pages(driver, corpus, mode):
    site = corpus.parent / "site"

    def page(base: str) -> None:
        driver.get(base + "search.html")
        type_query(driver, "etat islamique")
        wait_for_results(driver)
        first = driver.find_element(By.CSS_SELECTOR, "#search-results li")
        assert first.find_element(By.CSS_SELECTOR, "h2 a").text == TITLE
        assert first.find_elements(By.CSS_SELECTOR, ".snippet mark")
        # a tag facet narrows the results and goes into the URL
        type_query(driver, "year:2023")
        wait_for_results(driver)
        total = int(driver.find_element(By.ID, "search-status").text.split()[0])
        assert total > 10
        pager = driver.find_element(By.ID, "search-pager")
        pager.find_element(By.PARTIAL_LINK_TEXT, "Suivante").click()
        WebDriverWait(driver, WAIT).until(lambda b: "Page 2 sur" in b.find_element(By.ID, "search-pager").text)
        assert "page=2" in driver.current_url
        facet = driver.find_element(By.CSS_SELECTOR, "#search-facets section[aria-label=Langues] a")
        facet.click()
        WebDriverWait(driver, WAIT).until(lambda b: "lang=" in b.current_url)
        wait_for_results(driver)
        narrowed = int(driver.find_element(By.ID, "search-status").text.split()[0])
        assert 0 < narrowed < total

    if mode == "served":
        with serving(corpus) as base:
            page(base)
    else:
        page(site.as_uri() + "/")
        # the page tells the reader nothing about the mode it works in
        assert "server" not in driver.find_element(By.ID, "search-status").text.lower()
    # the site's own pages and script need nothing its Content-Security-Policy forbids
    refused = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert refused == []


def test_static_mode_over_plain_http(driver, corpus):
    """A static host (no /api/search): the page falls back to the static index, silently."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(corpus.parent / "site"))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/search.html?q=maison+blanche")
        wait_for_results(driver)
        first = driver.find_element(By.CSS_SELECTOR, "#search-results li h2 a")
        assert first.text == TITLE
        assert driver.find_element(By.ID, "search-status").text.startswith("1 article correspond")
    finally:
        server.shutdown()
        server.server_close()


def test_the_page_folds_words_as_the_index_does(driver, corpus):
    """search.js looks a typed word up by its folded form, which must be the one the search
    package gave the index: the two fold() are compared over every code point of the planes with
    letters (JavaScript has no casefold: toLowerCase() and four exceptions stand for it)."""
    import unicodedata

    from broadsheet.publish.search import fold
    driver.get((corpus.parent / "site" / "search.html").as_uri())
    page = driver.execute_script("""
        var out = {}, fold = window.BroadsheetSearch.fold;
        for (var cp = 0; cp < 0x20000; cp++) {
          if (cp >= 0xd800 && cp < 0xe000) continue;
          var c = String.fromCodePoint(cp), f = fold(c);
          if (f !== c) out[cp] = f;
        }
        return out;""")
    ours = {}
    for cp in range(0x20000):
        if not 0xD800 <= cp < 0xE000 and fold(chr(cp)) != chr(cp):
            ours[str(cp)] = fold(chr(cp))
    assert ours["119809"] == page["119809"] == "b"  # U+1D401, MATHEMATICAL BOLD CAPITAL B
    differ = {int(cp) for cp in set(page) | set(ours)
              if page.get(cp, chr(int(cp))) != ours.get(cp, chr(int(cp)))}
    # allowed: letters newer than this Python's Unicode
    unknown = {cp for cp in differ if unicodedata.category(chr(cp)) == "Cn"}
    assert differ == unknown, sorted(differ - unknown)[:20]


def test_typed_tags_the_page_cannot_slug(driver, tmp_path_factory):
    """tag:Łódź typed in the static search page: its key (lodz) is not what folding the name
    gives (odz), so the page looks it up in meta.js's names, as the server's slugify makes
    it; a name folding does make (Paris) and a key typed as it is go on working."""
    config = make_project(tmp_path_factory.mktemp("names") / "proj", raw_files=[])
    for slug, tag in [("lodz", "Łódź"), ("moscow", "Москва"), ("paris", "Paris")]:
        (config.parent / "content" / f"{slug}.md").write_text(
            f"---\ntitle: \"News from {slug}\"\nlanguage: en\ndate: 2020-01-01\n"
            f"tags: [{tag}]\n---\n\nThe tramway is running again.\n", encoding="utf-8")
    assert run(config, "build") == 0
    site = config.parent / "site"
    driver.set_script_timeout(30)
    for q, slug in [("tag:Łódź", "lodz"), ('tag:"ŁÓDŹ" tramway', "lodz"), ("tag:lodz", "lodz"),
                    ("tag:москва", "moscow"), ("tag:Paris", "paris")]:
        served = [h["url"] for h in search(load_config(config).index_dir, q)["hits"]]
        static = static_results(driver, site, q)
        assert "error" not in static, (q, static)
        assert [h["url"] for h in static["hits"]] == served == [f"articles/{slug}.html"], q


def test_a_static_host_never_serves_a_stale_index_to_a_reloaded_page(driver, tmp_path):
    # http.server sends Last-Modified and no Cache-Control: with files days old, a browser
    # keeps them for hours. The page asks for meta.js afresh and every other file under the
    # key meta.js names, so the build's new articles are found after a reload.
    import functools
    import os
    import threading
    import time
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    config = make_project(tmp_path / "proj")
    assert run(config, "all") == 0
    site = config.parent / "site"
    asked: list[str] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            asked.append(self.path)
            super().do_GET()

    def age(folder):
        old = time.time() - 3 * 86400
        for p in folder.rglob("*"):
            os.utime(p, (old, old), follow_symlinks=False)

    age(site)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/search.html?q="
    try:
        driver.get(url + "maison")
        wait_for_results(driver)
        key = (site / "search" / "key.txt").read_text(encoding="utf-8").strip()
        shards = [p for p in asked if p.startswith("/search/") and "/meta.js" not in p]
        assert shards and all(p.endswith(f".js?v={key}") for p in shards), shards
        for i in range(3):
            (config.parent / "content" / f"ornithorynque-{i}.md").write_text(
                f"---\ntitle: Ornithorynque {i}\n---\n\nUn ornithorynque numéro {i}.\n",
                encoding="utf-8")
        assert run(config, "build") == 0
        age(site)
        driver.get(url + "ornithorynque")
        wait_for_results(driver)
        assert driver.find_element(By.ID, "search-status").text.startswith("3 articles correspondent")
    finally:
        server.shutdown()
        server.server_close()
