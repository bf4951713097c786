"""Accessibility of the default theme, in headless Chromium over the preview server.

1. axe-core (the npm devDependency in package.json; `npm ci` puts it in node_modules/) finds
   no violation on the home page, an article, a tag page, the tag index, the archive index,
   a source page, the search page showing results and the 404 page, in the light and the
   dark scheme (prefers-color-scheme emulated through the DevTools protocol). axe.min.js is injected
   with execute_script: it is the test's code, not the page's, so the CSP does not apply.
   Without node_modules/axe-core these tests fail under CI (env CI set) and skip otherwise,
   as the browser tests do without Chromium.
2. The keyboard: Tab starts at the skip link, which shows when focused and moves focus to
   the main content; then come the site's navigation links and the search box; the focused
   element wears a visible outline.
3. No layout shift while a page loads (PerformanceObserver 'layout-shift', buffered): the
   home page, an article, the search page with its results, and with none but a "Did you
   mean" suggestion, at desktop and phone widths.
4. No page scrolls sideways at 360 or 1280 px.
5. docs/screenshots.py (`make screenshots`) still produces PNGs of the stated widths.

The corpus: the sample article plus 40 generated ones (bench/gen_content.py through
docs/screenshots.py's make_corpus: French and English, ten outlets, many tags and months),
built once for the module.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import REPO, make_project, run, serving

sys.path.insert(0, str(REPO / "docs"))
import screenshots  # noqa: E402  (docs/screenshots.py: the corpus recipe and the picture taker)

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WAIT = 15


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    config = make_project(tmp_path_factory.mktemp("a11y") / "proj")  # the sample in raw/
    screenshots.make_corpus(config.parent / "content")
    assert run(config, "all") == 0
    return config


@pytest.fixture(scope="module")
def base(corpus):
    with serving(corpus) as url:
        yield url


@pytest.fixture(scope="module")
def pages(corpus) -> dict[str, str]:
    """Page kind -> its path in the built site."""
    site = corpus.parent / "site"
    found = screenshots.page_paths(site)
    sources = (site / "sources" / "index.html").read_text(encoding="utf-8")
    source = re.search(r'<a href="\.\./(sources/[\w-]+\.html)">', sources).group(1)
    langs = (site / "languages" / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'href="\.\./languages/\w+\.html"', langs)) >= 2  # fr and en
    return {"home": found["home"], "article": found["article"], "tag": found["tag"],
            "tag index": "tags/index.html", "archive": found["archive"], "source": source,
            "search": found["search"], "not found": "no-such-page.html"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        why = f"the accessibility tests need {AXE.relative_to(REPO)} (run: npm ci)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return AXE.read_text(encoding="utf-8")


def emulate(driver, scheme: str = "light", width: int | None = None, height: int = 900,
            mobile: bool = False) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": scheme}]})
    if width:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


@pytest.fixture
def view(driver):
    """Emulation for one test, cleared after it (the browser is the module's)."""
    yield lambda **kw: emulate(driver, **kw)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def load(driver, url: str, kind: str) -> None:
    driver.get(url)
    wait = WebDriverWait(driver, WAIT)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    if kind == "misspelled":  # no results, and a suggestion inserted under the status line
        wait.until(lambda d: d.find_elements("id", "search-suggestion"), "no suggestion shown")
    if kind == "search":
        wait.until(lambda d: re.search(r"\d+ articles? correspond",  # the site is French
                                       d.find_element("id", "search-status").text),
                   "the search page shows no results")
        assert driver.find_elements("css selector", "#search-results > li")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
        for node in v["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


KINDS = ["home", "article", "tag", "tag index", "archive", "source", "search", "not found"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_axe_finds_no_violation(driver, view, base, pages, axe_source, kind, scheme):
    view(scheme=scheme)
    load(driver, base + pages[kind], kind)
    assert driver.execute_script(
        "return matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    driver.execute_script(axe_source)
    driver.set_script_timeout(60)
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"]})
          .then(r => done(JSON.stringify({violations: r.violations, passes: r.passes.length})),
                e => done(JSON.stringify({error: String(e)})));
    """)
    result = json.loads(result)
    assert "error" not in result, result
    assert result["passes"] > 20  # axe ran its rules on a real page
    assert not result["violations"], (
        f"axe-core: {len(result['violations'])} violation(s) on {kind} ({pages[kind]}), "
        f"{scheme} scheme:\n" + describe(result["violations"]))


def active(driver) -> dict:
    return driver.execute_script("""
        const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
        return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className,
                text: (e.textContent || "").trim(), href: e.getAttribute("href"),
                outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
                visible: r.width > 1 && r.height > 1 && r.bottom > 0 && r.right > 0
                         && r.top < innerHeight && r.left < innerWidth,
                inMain: !!e.closest("main"), inNav: !!e.closest("nav[aria-label=Site]")};
    """)


def tab(driver) -> dict:
    ActionChains(driver).send_keys(Keys.TAB).perform()
    return active(driver)


@pytest.mark.parametrize("width", [1280, 390])
def test_tab_order_skip_link_navigation_search(driver, view, base, pages, width):
    view(width=width, mobile=width < 600)
    load(driver, base + pages["home"], "home")
    first = tab(driver)
    assert first["cls"] == "skip" and first["href"] == "#main", first
    assert first["visible"], "the skip link stays hidden when it has focus"
    assert first["outline"] != "none" and first["outlineWidth"] >= 2, first

    order = [first]
    while not order[-1]["inMain"] and len(order) < 30:
        order.append(tab(driver))
    nav = [e["text"] for e in order if e["inNav"]]
    assert nav == ["Articles", "Archives", "Mots-clés", "Sources", "Langues", "Recherche", "Flux"], order
    names = [e["id"] or e["text"] for e in order]
    assert names.index("site-search") > names.index("Flux"), names  # nav, then the search box
    for e in order[1:]:
        assert e["visible"] and e["outline"] != "none", f"no visible focus on {e}"

    # the skip link works: Enter moves focus to <main>, and the next Tab is inside it
    load(driver, base + pages["home"], "home")
    tab(driver)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert active(driver)["id"] == "main"
    nxt = tab(driver)
    assert nxt["inMain"] and nxt["tag"] == "a", nxt


def test_current_section_is_marked(driver, base, pages):
    for kind, label in [("home", "Articles"), ("article", "Articles"), ("tag", "Mots-clés"),
                        ("tag index", "Mots-clés"), ("archive", "Archives"), ("source", "Sources")]:
        driver.get(base + pages[kind])
        marked = driver.find_elements("css selector", "nav[aria-label=Site] a[aria-current]")
        assert [a.text for a in marked] == [label], kind


MISSPELLED = screenshots.QUERY[:-2] + screenshots.QUERY[-1]  # gouverneent

LAYOUT_SHIFT = """
    const done = arguments[arguments.length - 1];
    let total = 0, entries = [];
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        total += e.value;
        entries.push({value: e.value, sources: (e.sources || []).map(s =>
          s.node ? (s.node.nodeName + (s.node.id ? "#" + s.node.id : "") +
                    (s.node.className ? "." + s.node.className : "")) : "?")});
      }
    }).observe({type: "layout-shift", buffered: true});
    // two frames and a pause after the page's own work, then report what was seen
    requestAnimationFrame(() => requestAnimationFrame(() =>
      setTimeout(() => done(JSON.stringify({total, entries})), 300)));
"""


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("kind", ["home", "article", "search", "misspelled"])
def test_no_layout_shift_while_loading(driver, view, base, pages, kind, width):
    view(width=width, height=800, mobile=width < 600)
    path = pages[kind] if kind in pages else f"search.html?q={MISSPELLED}"
    load(driver, base + path, kind)
    assert driver.execute_script(
        "return PerformanceObserver.supportedEntryTypes.includes('layout-shift')")
    driver.set_script_timeout(10)
    shift = json.loads(driver.execute_async_script(LAYOUT_SHIFT))
    assert shift["total"] == 0, f"layout shift on {kind} at {width} px: {shift}"


def test_screenshots_script_makes_pngs(driver, base, pages, tmp_path):
    shots = [("home", "mobile", "light"), ("article", "desktop", "dark")]
    files = screenshots.take(driver, base, pages, tmp_path, shots=shots)
    assert [f.name for f in files] == ["home-mobile.png", "article-desktop-dark.png"]
    for f, (_, size, _) in zip(files, shots):
        width, height = screenshots.png_size(f.read_bytes())
        assert (width, height) == screenshots.SIZES[size][:2], f.name
        assert f.stat().st_size > 5000  # a page, not a blank picture
    # the script lists every picture the README shows, each under its own name
    names = [screenshots.shot_name(*s) for s in screenshots.SHOTS]
    assert len(set(names)) == len(names)
    assert {"home-desktop.png", "article-desktop.png", "search-mobile.png"} <= set(names)


@pytest.mark.parametrize("width", [360, 1280])
def test_no_horizontal_scroll(driver, view, base, pages, width):
    """Responsive: no page is wider than a 360 px phone (or a desktop) window."""
    view(width=width, mobile=width < 600)
    for kind in KINDS:
        load(driver, base + pages[kind], kind)
        wide = driver.execute_script(
            "return [document.documentElement.scrollWidth, innerWidth]")
        assert wide[0] <= wide[1], f"{kind} is {wide[0]} px wide in a {wide[1]} px window"
