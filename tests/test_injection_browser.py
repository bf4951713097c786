"""Untrusted content cannot inject (issue 6).

A project whose content carries script, markup breakouts, javascript: URLs, CDATA and
template syntax, control characters and bidi overrides, in every field a content file has
(hand-written content/*.md) and every field raw input can fill (a JSON Lines corpus and a
.txt page, through ingest), is built with the real CLI. Then:

- every output is checked without a browser: each HTML page (parsed: no script but the
  site's own, no event-handler attribute, no unsafe URL, the payloads present as text), the
  Atom feed and the sitemap (well-formed XML, the text round-trips, no control character XML
  forbids), the static search files, `/api/search` from the preview server, and the CSP as
  <meta> in every page and as a header from the server;
- Markdown, at the renderer level and in a built page: raw HTML is text, links only of
  http(s), mailto and relative URLs, images only relative or data:image (remote: a link);
- in headless Chromium (the `driver` fixture of conftest.py), served by the preview server
  and from disk with the static search files: the article, home, tag, tag-index, 404 and
  search pages never run the payloads (window.__pwned stays undefined, no alert), show them
  as text, keep a right-to-left override from reordering the text after it, and the
  browser logs no CSP violation for the site's own pages, while an injected inline script
  is refused (the policy is in force).
"""

from __future__ import annotations

import json
import re
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from broadsheet.publish.render import (CONTENT_SECURITY_POLICY, CSP_HEADER, balance_bidi,
                                       markdown_html, safe_url)
from conftest import make_project, run, serving

WAIT = 10
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1">'
SVG = "'><svg onload=window.__pwned=1>"
JS_URL = "javascript:window.__pwned=1"
TITLE_BREAK = "</title><script>window.__pwned=1</script>"
CDATA = "]]>"
CDATA_SCRIPT = "]]><script>window.__pwned=1</script>"
TEMPLATE = "{{ 7*7 }}"
CONTROLS = "\x01\x1b[31m"  # stripped everywhere: XML forbids them, terminals obey them
RLO, LRI = "\u202e", "\u2066"
PAYLOADS = (SCRIPT, IMG, SVG, TITLE_BREAK, CDATA, CDATA_SCRIPT, TEMPLATE)
BIDI_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069]")
FORBIDDEN_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

WORD = "meridian"  # every payload article has it: one search lists them all
TITLE_A = f"Meridian vote {SCRIPT} {IMG} {SVG} {TITLE_BREAK} {CDATA_SCRIPT} {TEMPLATE} {CONTROLS}end"
TITLE_B = f"{RLO}Meridian reversed{LRI} title {JS_URL}"
SOURCE_A = f"{RLO}Evil Source {SCRIPT}"
SUMMARY_A = f"Summary {IMG} {TITLE_BREAK} {CDATA} {TEMPLATE} {CONTROLS}"
RELATED_A = [f"Related {SCRIPT}", f"Related {SVG} {CDATA_SCRIPT}", f"Related {RLO}reversed"]
TAGS_A = [f"Tag {SCRIPT}", f"Tag {IMG}", f"Tag {TEMPLATE}", f"{RLO}Reversed tag", "Meridian"]
# a URL has no spaces (one with spaces is refused): the same breakouts, written without
URL_IMG, URL_SVG = '"><img/src=x/onerror="window.__pwned=1">', "'><svg/onload=window.__pwned=1>"
SOURCE_URL_A = f"https://example.org/a?x={URL_IMG}&y={URL_SVG}&z={SCRIPT.replace(' ', '')}"
AUTHOR_A = f"Author {SVG}"
BAD_LINKS = [
    f"[js]({JS_URL})", "[vb](vbscript:msgbox(1))", "[data](data:text/html,<script>alert(1)</script>)",
    "[mixed](JaVaScRiPt:window.__pwned=1)", "[entity](&#106;avascript:window.__pwned=1)",
    "[colon](javascript&colon;window.__pwned=1)", "[hex](&#x6A;&#x61;vascript:window.__pwned=1)",
    "[file](file:///etc/passwd)", "[ftp](ftp://example.org/x)", "<javascript:window.__pwned=1>",
    "[ref][bad]",
]
BODY_A = f"""The {WORD} council met. {SCRIPT} and {IMG} and {SVG} in a paragraph.

<div onmouseover="window.__pwned=1">raw HTML block</div>

<img src=x onerror="window.__pwned=1"> inline raw HTML, {TITLE_BREAK}, {CDATA_SCRIPT}.

Template syntax {TEMPLATE} and {{% if true %}}x{{% endif %}} stay as written.

Control {CONTROLS} characters and a {RLO}reversed{LRI} run.

{" ".join(BAD_LINKS)}

Good links: [web](https://example.org/ok), [mail](mailto:desk@example.org), [here](../index.html).

Images: ![remote](https://tracker.example.org/pixel.png) and ![inline](data:image/png;base64,iVBORw0KGgo=)
and ![svg](data:image/svg+xml,<svg onload=alert(1)>).

[bad]: javascript:window.__pwned=1
"""

JSONL = {  # raw input: every field a JSON Lines corpus can fill
    "title": f"Meridian corpus {SCRIPT} {IMG} {SVG} {TITLE_BREAK} {CDATA_SCRIPT} {TEMPLATE} {RLO}x{CONTROLS}",
    "text": (f"The {WORD} harbour story opens with {SCRIPT} and {IMG} written in the text of it.\n\n"
             f"A second paragraph of the {WORD} story has {SVG} and {TITLE_BREAK} and "
             f"{CDATA_SCRIPT} and {TEMPLATE} and [x]({JS_URL}) and {CONTROLS} in it.\n\n"
             f"The third paragraph is longer, so that the {WORD} story reads like an article "
             f"and the cleaner keeps every one of its paragraphs {RLO}as written."),
    "url": f"https://example.org/corpus?x={URL_IMG}#{URL_SVG}",
    "source": f"Corpus Source {SVG}",
    "author": f"Corpus Author {SCRIPT}",
    "tags": [f"Corpus {SCRIPT}", f"{RLO}Corpus tag", f"Corpus {TEMPLATE}"],
    "date": "2024-05-01",
    "language": "en",
}
TXT_TITLE = f"Meridian page {SCRIPT} {IMG} {TEMPLATE} {CDATA_SCRIPT}"
TXT = f"""{TXT_TITLE}

The {WORD} ferry strike went into its second day on Monday, as crews stayed on the quay and the harbour office said no sailing would leave before the weekend.

Union leaders of the {WORD} crews said {SCRIPT} was written on a banner and {SVG} on another, and that talks would resume on Wednesday morning at the town hall.

Read more: Ferry talks {SCRIPT} {IMG} resume

The harbour master said the strike had already cost the port a week of trade, and that the {WORD} crossing would need new timetables once the boats were running again.
"""


def _front(fields: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(fields, allow_unicode=True, sort_keys=False) + "---\n\n" + body


def make_payload_project(root: Path) -> Path:
    """The payload project, built with `broadsheet all`; returns its site.yaml."""
    (root / "in").mkdir(parents=True)
    (root / "in" / "corpus.jsonl").write_text(json.dumps(JSONL) + "\n", encoding="utf-8")
    (root / "in" / "page.txt").write_text(TXT, encoding="utf-8")
    config = make_project(root / "proj", raw_files=sorted((root / "in").iterdir()))
    content = config.parent / "content"
    (content / "payload-a.md").write_text(_front({
        "title": TITLE_A, "date": "2024-05-03", "language": "en", "source": SOURCE_A,
        "author": AUTHOR_A, "source_url": SOURCE_URL_A, "agencies": [f"AFP {SCRIPT}"],
        "related": RELATED_A, "tags": TAGS_A, "summary": SUMMARY_A}, BODY_A), encoding="utf-8")
    (content / "payload-b.md").write_text(_front({
        "title": TITLE_B, "date": "2024-05-02", "language": "en",
        "source": f"{RLO}Short source {CDATA}", "tags": [f"{RLO}Reversed tag", "Meridian"],
        "summary": f"{RLO}reversed summary"},
        f"The {WORD} second article, {RLO}reversed body{LRI} and {TEMPLATE}.\n"), encoding="utf-8")
    assert run(config, "all") == 0
    return config


def shown(text: str) -> str:
    """What the site keeps of a field: control characters out, spaces stripped (the `bdi`
    filter may add closing bidi controls: compare through no_bidi where it applies)."""
    return FORBIDDEN_IN_XML.sub("", text).strip()


def no_bidi(text: str) -> str:
    return BIDI_CHARS.sub("", text)


@pytest.fixture(scope="module")
def payload(tmp_path_factory) -> Path:
    return make_payload_project(tmp_path_factory.mktemp("payload"))


@pytest.fixture(scope="module")
def site(payload) -> Path:
    return payload.parent / "site"


@pytest.fixture(scope="module")
def titles(site) -> dict[str, str]:
    """Article page path -> the title its <h1> shows (as text: entities decoded)."""
    out = {}
    for page in sorted((site / "articles").glob("*.html")):
        doc = Page.parse(page.read_text(encoding="utf-8"))
        out[page.name] = doc.text_of("h1")
    return out


# ---- parsing the outputs -----------------------------------------------------------------

URL_ATTRS = {"href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href"}


class Page(HTMLParser):
    """An HTML page as tags, attributes and text, for what must and must not be in it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.texts_in: dict[str, list[str]] = {}
        self.title = ""

    @classmethod
    def parse(cls, html: str) -> "Page":
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "link", "input", "img", "br", "hr"):
            self.stack.append(tag)
            self.texts_in.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        self.text.append(data)
        for tag in set(self.stack):
            self.texts_in[tag][-1] += data
        if "title" in self.stack:
            self.title += data

    def text_of(self, tag: str) -> str:
        return self.texts_in[tag][0].strip()

    def all_text(self) -> str:
        return "".join(self.text)


def assert_html_inert(html: str, where: str) -> Page:
    page = Page.parse(html)
    for tag, attrs in page.tags:
        assert tag not in ("svg", "iframe", "object", "embed", "base", "style", "math"), (where, tag)
        if tag == "script":  # the site's own JS, or the article's JSON-LD (data, never run)
            assert attrs.get("src", "").endswith("static/search.js") or (
                attrs == {"type": "application/ld+json"}), (where, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            assert name != "style", (where, tag)
            if name in URL_ATTRS and value is not None:
                assert safe_url(value, image=tag == "img"), (where, tag, name, value)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png"), (where, attrs)
    assert not FORBIDDEN_IN_XML.search(html), where
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert metas == [{"http-equiv": "Content-Security-Policy", "content": CONTENT_SECURITY_POLICY}], where
    return page


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# ---- every output, without a browser ------------------------------------------------------

def test_payload_articles_were_built(payload, titles):
    assert len(titles) == 4
    assert shown(TITLE_A) in titles.values() and shown(TITLE_B) in titles.values()
    assert shown(TXT_TITLE) in titles.values()
    assert shown(JSONL["title"]) in titles.values()
    content = "".join(p.read_text(encoding="utf-8") for p in (payload.parent / "content").glob("*.md"))
    assert "Ferry talks" in content  # ingest kept the related headline of the .txt page


def test_every_html_page_shows_the_payloads_as_text(site, titles):
    pages = html_pages(site)
    assert len(pages) > 15
    for path in pages:
        assert_html_inert(path.read_text(encoding="utf-8"), str(path.relative_to(site)))
    article = Page.parse((site / "articles" / "payload-a.html").read_text(encoding="utf-8"))
    text = article.all_text()
    for value in (TITLE_A, SUMMARY_A, AUTHOR_A, *RELATED_A, *TAGS_A, SOURCE_A):
        assert no_bidi(shown(value)) in no_bidi(text), value
    assert article.title.startswith(shown(TITLE_A) + " · ")  # the <title> holds it whole
    assert "49" not in article.title
    body = article.text_of("div")
    for payload in (SCRIPT, IMG, SVG, TITLE_BREAK, CDATA_SCRIPT, TEMPLATE, "{% if true %}x{% endif %}",
                    '<div onmouseover="window.__pwned=1">raw HTML block</div>'):
        assert payload in text, payload
    for link in BAD_LINKS[:4]:
        assert link in body, link
    assert [a["href"] for t, a in article.tags if t == "a" and a.get("rel") == "nofollow noopener"] == [
        "https://tracker.example.org/pixel.png", SOURCE_URL_A]
    # listings, tag pages and the tag index show the same titles and tags as text
    home = Page.parse((site / "index.html").read_text(encoding="utf-8")).all_text()
    assert all(t in home for t in titles.values())
    tag_index = Page.parse((site / "tags" / "index.html").read_text(encoding="utf-8")).all_text()
    for tag in (*TAGS_A, *JSONL["tags"]):
        assert no_bidi(shown(tag)) in no_bidi(tag_index), tag
    tag_pages = [p for p in (site / "tags").glob("*.html") if p.name != "index.html"]
    assert any(shown(TITLE_A) in Page.parse(p.read_text(encoding="utf-8")).all_text()
               for p in tag_pages if "script" in p.name)


def test_bidi_text_is_isolated_and_balanced(site):
    html = (site / "articles" / "payload-b.html").read_text(encoding="utf-8")
    # alone in its block (h1, a listing's h2, summary, related headline) text needs no
    # isolation: a block ends every embedding; next to other text it goes in a <bdi>
    assert f"<h1>{TITLE_B}</h1>" in html
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith(f"{RLO}Meridian reversed{LRI} title {JS_URL}\u2069\u202c · ")
    a = (site / "articles" / "payload-a.html").read_text(encoding="utf-8")
    assert f'<span class="source"><bdi>{RLO}Evil Source &lt;script&gt;' in a
    assert "<bdi>Tag" not in a  # left-to-right text without controls: no extra markup
    tags = (site / "tags" / "index.html").read_text(encoding="utf-8")
    assert f'<bdi>{RLO}Reversed tag\u202c</bdi></a> <span class="count">(2)</span>' in tags
    assert f'<h1>Mot-clé\u00a0: <bdi>{RLO}Reversed tag\u202c</bdi></h1>' in (site / "tags" / "reversed-tag.html").read_text(encoding="utf-8")


def test_feed_and_sitemap_are_well_formed_and_round_trip(site, titles):
    atom = "{http://www.w3.org/2005/Atom}"
    raw = (site / "feed.xml").read_text(encoding="utf-8")
    assert not FORBIDDEN_IN_XML.search(raw)
    feed = ET.fromstring(raw)
    entries = {e.findtext(f"{atom}title"): e for e in feed.iter(f"{atom}entry")}
    assert set(entries) == {shown(t) for t in (TITLE_A, TITLE_B, TXT_TITLE, JSONL["title"])}
    a = entries[shown(TITLE_A)]
    assert a.find(f"{atom}author").findtext(f"{atom}name") == SOURCE_A
    assert {c.get("label") for c in a.iter(f"{atom}category")} == {shown(t) for t in TAGS_A}
    content = a.findtext(f"{atom}content")  # the body's HTML, escaped once
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in content
    assert_no_active_html(content)
    urls = [u.text for u in ET.parse(site / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert {u.rsplit("/", 1)[1] for u in urls if "/articles/" in u} == set(titles)
    assert all(re.fullmatch(r"[a-z0-9:/._-]+", u) for u in urls), urls


def assert_no_active_html(html: str) -> None:
    page = Page.parse(html)
    for tag, attrs in page.tags:
        assert tag not in ("script", "svg", "iframe"), tag
        assert not any(n.startswith("on") or n == "style" for n in attrs), (tag, attrs)


def static_rows(site: Path) -> dict:
    """The result rows of the static search files: doc key -> row [url, title, ...]."""
    rows = {}
    for f in sorted((site / "search").rglob("*.js")):
        text = f.read_text(encoding="utf-8")
        m = re.fullmatch(r'BroadsheetSearch\.load\(("[^"]*"),(.*)\);\n', text, re.S)
        assert m, f"{f}: not one load() call of JSON"
        name, data = json.loads(m.group(1)), json.loads(m.group(2))
        assert not FORBIDDEN_IN_XML.search(text) or "\\u00" not in text
        if name.startswith("d/"):
            rows.update(data)
    return rows


def test_static_search_files_carry_the_text_as_data(site, titles):
    rows = static_rows(site)
    by_url = {row[0]: row for row in rows.values()}
    for name, title in titles.items():
        row = by_url["articles/" + name]
        assert row[1] == title
        assert not FORBIDDEN_IN_XML.search(json.dumps(row, ensure_ascii=False))
    assert shown(SOURCE_A) == by_url["articles/payload-a.html"][3]
    assert "\x1b" not in by_url["articles/payload-a.html"][6]  # the snippet text


def test_api_search_answers_the_text_as_json(payload, titles):
    with serving(payload) as base:
        with urllib.request.urlopen(base + f"api/search?q={WORD}&limit=50") as r:
            assert r.headers["Content-Type"] == "application/json; charset=utf-8"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert "Content-Security-Policy" not in r.headers  # JSON is not a page
            data = json.loads(r.read().decode("utf-8"))
        for path in ("index.html", "articles/payload-a.html", "search.html", "no/such/page"):
            try:
                r = urllib.request.urlopen(base + path)
            except urllib.error.HTTPError as exc:
                r = exc
            assert r.headers["Content-Security-Policy"] == CSP_HEADER, path
            assert "frame-ancestors 'none'" in CSP_HEADER
    hits = {h["url"]: h for h in data["hits"]}
    assert {h["title"] for h in hits.values()} == set(titles.values())
    assert hits["articles/payload-a.html"]["source"] == shown(SOURCE_A)
    assert all(not FORBIDDEN_IN_XML.search(p["text"]) for h in hits.values() for p in h["snippet_parts"])
    labels = {r["label"] for r in data["facets"]["tag"]}
    assert shown(TAGS_A[0]) in labels


def test_a_javascript_source_url_is_refused_at_both_doors(project, tmp_path, capsys):
    (project.parent / "content" / "bad.md").write_text(
        _front({"title": "Bad url", "source_url": JS_URL}, "Text.\n"), encoding="utf-8")
    (project.parent / "raw" / "bad.jsonl").write_text(
        json.dumps({"title": "Bad", "text": "One.\n\nTwo.", "url": JS_URL}) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert run(project, "all") == 1
    err = capsys.readouterr().err
    assert "bad.md:3: 'source_url' must be an http(s) URL" in err
    assert "bad.jsonl:1: 'url' must be an http(s) URL" in err
    out = project.parent / "site"
    assert not (out / "articles" / "bad.html").exists()
    assert not any("javascript:" in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))


# ---- Markdown, at the renderer -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)", "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))", "[x](javascript&colon;alert(1))",
    "[x](<javascript:alert(1)>)", "<javascript:alert(1)>", "[x](file:///etc/passwd)",
    "[x](ftp://example.org/)", "[x][r]\n\n[r]: javascript:alert(1)",
    "[x](data:image/svg+xml,<svg onload=alert(1)>)",
])
def test_markdown_refuses_unsafe_links(text):
    html = str(markdown_html(text))
    assert "<a " not in html and "<img" not in html, html
    assert "[x]" in html or "&lt;javascript:" in html


@pytest.mark.parametrize("text, link", [
    ("[x](https://example.org/a?b=1)", "https://example.org/a?b=1"),
    ("[x](http://example.org/)", "http://example.org/"),
    ("[x](mailto:desk@example.org)", "mailto:desk@example.org"),
    ("[x](../index.html)", "../index.html"), ("[x](#part)", "#part"), ("[x](/about)", "/about"),
    ("[x](<java\tscript:alert(1)>)", "java%09script:alert(1)"),  # a relative URL, not a scheme
])
def test_markdown_keeps_safe_links(text, link):
    assert f'<a href="{link}">x</a>' in str(markdown_html(text))


def test_markdown_shows_raw_html_as_text_and_images_safely():
    html = str(markdown_html('<script>alert(1)</script>\n\n<b onclick="x()">b</b> <svg onload=x>\n\n'
                             "![a](https://tracker.example/p.png) ![b](data:image/png;base64,AAAA) "
                             "![c](img/local.png) ![d](//tracker.example/p.png)"))
    assert "<script" not in html and "<b " not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;svg onload=x&gt;" in html
    assert '<a href="https://tracker.example/p.png" rel="nofollow noopener">a</a>' in html
    assert '<a href="//tracker.example/p.png" rel="nofollow noopener">d</a>' in html
    assert '<img src="data:image/png;base64,AAAA" alt="b" />' in html
    assert '<img src="img/local.png" alt="c" />' in html


def test_balance_bidi():
    assert balance_bidi("plain") == "plain"
    assert balance_bidi(f"{RLO}x") == f"{RLO}x\u202c"
    assert balance_bidi("x\u202c\u2069y") == "xy"  # closers with nothing to close go
    assert balance_bidi(f"{LRI}{RLO}x\u2069y") == f"{LRI}{RLO}x\u2069y"  # PDI closes both
    assert balance_bidi(f"{RLO}{LRI}x\u202cy") == f"{RLO}{LRI}xy\u2069\u202c"  # PDF can't cross an isolate


# ---- in the browser ------------------------------------------------------------------------

def collect_violations(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def assert_page_inert(driver, where: str) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"an alert fired on {where}: {text!r}")
    except NoAlertPresentException:
        pass
    state = driver.execute_script(
        "return {pwned: window.__pwned === undefined, alerts: window.__alerts || 0,"
        " inline: [...document.scripts].filter(s => !s.src && s.type !== 'application/ld+json').length,"
        " handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes]"
        "   .some(a => a.name.startsWith('on') || a.name === 'style')).length,"
        " svg: document.querySelectorAll('svg, iframe, object, embed').length,"
        " js: [...document.querySelectorAll('[href], [src]')].filter(e => /^\\s*(javascript|vbscript|data:text)/i"
        "   .test(e.getAttribute('href') || e.getAttribute('src'))).length}")
    assert state == {"pwned": True, "alerts": 0, "inline": 0, "handlers": 0, "svg": 0, "js": 0}, (where, state)


@pytest.fixture
def browser(driver):
    """The shared Chromium, counting alert/confirm/prompt calls on every page it opens."""
    hook = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__alerts = 0; for (const f of ['alert', 'confirm', 'prompt'])"
        " window[f] = function () { window.__alerts += 1; };")})
    driver.get_log("browser")  # start with an empty log
    yield driver
    driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]})


def visible(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def check_site(driver, base: str, titles: dict[str, str], where: str) -> None:
    """Article, home, tag, tag-index and 404 pages: inert, payloads shown as text."""
    for name, title in titles.items():
        driver.get(base + "articles/" + name)
        assert_page_inert(driver, f"{where} {name}")
        assert no_bidi(visible(driver, "h1")) == no_bidi(title)
        assert no_bidi(driver.title).startswith(no_bidi(title) + " · ")
    driver.get(base + "articles/payload-a.html")
    body = visible(driver, ".body")
    for text in (SCRIPT, IMG, SVG, TITLE_BREAK, TEMPLATE, BAD_LINKS[0], "remote"):
        assert text in body, text
    assert no_bidi(shown(SUMMARY_A)) in no_bidi(visible(driver, ".summary"))
    assert [no_bidi(li.text) for li in driver.find_elements(By.CSS_SELECTOR, ".related li")] == [
        no_bidi(shown(r)) for r in RELATED_A]
    tag_urls = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "ul.tags a")]
    assert len(tag_urls) == len(TAGS_A)

    driver.get(base + "index.html")
    assert_page_inert(driver, f"{where} home")
    listed = [no_bidi(a.text) for a in driver.find_elements(By.CSS_SELECTOR, "ol.listing h2 a")]
    assert sorted(listed) == sorted(no_bidi(t) for t in titles.values())
    for url in tag_urls:
        driver.get(url)
        assert_page_inert(driver, f"{where} {url}")
        assert no_bidi(shown(TITLE_A)) in [no_bidi(a.text) for a in
                                           driver.find_elements(By.CSS_SELECTOR, "ol.listing h2 a")]
    driver.get(base + "tags/index.html")
    assert_page_inert(driver, f"{where} tag index")
    shown_tags = {no_bidi(a.text) for a in driver.find_elements(By.CSS_SELECTOR, "ul.tag-index a")}
    assert {no_bidi(shown(t)) for t in TAGS_A} <= shown_tags
    # the reversed tag's count stays to its right
    rows = driver.find_elements(By.CSS_SELECTOR, "ul.tag-index li")
    row = next(r for r in rows if "Reversed tag" in r.text)
    left = driver.execute_script(
        "const a = arguments[0].querySelector('a').getBoundingClientRect(),"
        " c = arguments[0].querySelector('.count').getBoundingClientRect(); return c.left >= a.right - 1;", row)
    assert left, "a right-to-left override reordered the tag index"
    driver.get(base + "404.html")
    assert_page_inert(driver, f"{where} 404")


def check_search(driver, base: str, titles: dict[str, str], where: str) -> None:
    driver.get(base + f"search.html?q={WORD}")
    WebDriverWait(driver, WAIT).until(
        lambda d: re.search(r"\d+ articles? correspond", visible(d, "#search-status")),
        f"no results on {where}")
    assert visible(driver, "#search-status").startswith(f"{len(titles)} articles correspondent")
    assert_page_inert(driver, f"{where} search")
    shown_titles = [no_bidi(a.text) for a in driver.find_elements(By.CSS_SELECTOR, "#search-results h2 a")]
    assert sorted(shown_titles) == sorted(no_bidi(t) for t in titles.values())
    metas = [no_bidi(p.text) for p in driver.find_elements(By.CSS_SELECTOR, "#search-results p.meta")]
    assert any(no_bidi(shown(SOURCE_A)) in m for m in metas), metas
    snippets = " ".join(p.text for p in driver.find_elements(By.CSS_SELECTOR, "#search-results p.snippet"))
    assert "\x1b" not in snippets
    # a facet label with a right-to-left override keeps its count to its right
    links = driver.find_elements(By.CSS_SELECTOR, "#search-facets section[aria-label='Mots-clés'] a")
    link = next(a for a in links if "Reversed tag" in a.text)
    assert driver.execute_script(
        "const r = document.createRange(); r.selectNode(arguments[0].firstChild);"
        " return Math.abs(r.getBoundingClientRect().left - arguments[0].getBoundingClientRect().left) < 1;",
        link), \
        "a right-to-left override reordered a facet link"
    # a shared link with an override in the query: the status line keeps its order too
    driver.get(base + f"search.html?q=%E2%80%AE{WORD}")
    WebDriverWait(driver, WAIT).until(lambda d: "correspond" in visible(d, "#search-status"))
    assert_page_inert(driver, f"{where} search with an override in the query")


@pytest.mark.parametrize("mode", ["served", "static"])
def test_payloads_never_run_in_the_browser(browser, payload, titles, mode):
    if mode == "served":
        with serving(payload) as base:
            check_site(browser, base, titles, mode)
            check_search(browser, base, titles, mode)
            browser.get(base + "no/such/page.html")  # the server's 404, at depth
            assert_page_inert(browser, "served 404")
    else:
        base = (payload.parent / "site").as_uri() + "/"
        check_site(browser, base, titles, mode)
        check_search(browser, base, titles, mode)
    assert collect_violations(browser) == []


@pytest.mark.parametrize("mode", ["served", "static"])
def test_the_policy_is_in_force(browser, payload, mode):
    """An inline script put into a page is refused, and says so in the browser's log: the
    quiet logs of the other tests mean the site's own pages need nothing the policy forbids."""
    def probe(url: str) -> None:
        browser.get(url)
        browser.execute_script(
            "const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';"
            " document.head.appendChild(s);"
            " const d = document.createElement('div'); d.setAttribute('onclick', 'window.__pwned = 2');"
            " document.body.appendChild(d); d.click();")
        assert browser.execute_script("return window.__pwned === undefined") is True
        refused = collect_violations(browser)
        assert any("inline script" in m for m in refused), refused
        assert any("inline event handler" in m for m in refused), refused

    if mode == "served":
        with serving(payload) as base:
            probe(base + "articles/payload-a.html")
    else:
        probe((payload.parent / "site" / "articles" / "payload-a.html").as_uri())
