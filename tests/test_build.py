import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import run, tree, write_article

SEED_PAGE = "articles/la-maison-blanche-a-dit-ne-pas-vouloir-lancer-de-vaste-operation-de-terrain-en.html"
ATOM = "{http://www.w3.org/2005/Atom}"


def site(config: Path) -> Path:
    return config.parent / "site"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.paragraphs, self.in_body, self.lang = [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "div" and a.get("class") == "body":
            self.in_body = 1
        elif tag == "p" and self.in_body:
            self.paragraphs += 1

    def handle_endtag(self, tag):
        if tag == "div":
            self.in_body = 0


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def assert_links_resolve(folder: Path):
    """Every relative href/src of every page points at a file of the site."""
    for page in folder.rglob("*.html"):
        if page.name == "404.html":
            continue
        for link in parse(page).links:
            if urlsplit(link).scheme or link.startswith("#"):
                continue
            target = urljoin(page.relative_to(folder).as_posix(), urlsplit(link).path)
            assert (folder / target).is_file(), f"{page.relative_to(folder)} -> {link}"


def test_sample_site_has_every_kind_of_page(built_session):
    out = site(built_session)
    for rel in ("index.html", SEED_PAGE, "tags/index.html", "tags/syrie.html", "tags/irak.html",
                "tags/etat-islamique.html", "tags/ashton-carter.html", "feed.xml", "sitemap.xml",
                "search.html", "404.html", "static/style.css", "static/search.js"):
        assert (out / rel).is_file(), rel
    assert (built_session.parent / ".broadsheet" / "index").is_dir()
    assert_links_resolve(out)


def test_seed_article_page(built_session):
    page = site(built_session) / SEED_PAGE
    parsed = parse(page)
    html = page.read_text(encoding="utf-8")
    assert parsed.paragraphs == 8 and parsed.lang == "fr"
    for leftover in ("cookies", "Suivez RT", "En savoir plus", "Tout Accepter", "<p>OK</p>"):
        assert leftover not in html
    assert "RT en français" in html and "AFP" in html
    assert "La Russie et les Etats-Unis signent un mémorandum" in html  # related headline
    assert 'href="../tags/syrie.html"' in html


def test_builds_are_byte_identical(built, tmp_path):
    first = tree(site(built))
    assert run(built, "build") == 0
    assert tree(site(built)) == first
    assert run(built, "build", "--out", str(tmp_path / "other")) == 0
    assert tree(tmp_path / "other") == first


@pytest.mark.slow
def test_order_does_not_depend_on_the_machines_time_zone(project):
    write_article(project, "early", "title: Early\ndate: 2021-03-14T02:30:00")
    write_article(project, "late", "title: Late\ndate: 2021-03-14T03:15:00")
    write_article(project, "zoned", "title: Zoned\ndate: 2021-03-14T10:00:00+05:00")  # 05:00 UTC
    write_article(project, "ancient", "title: Ancient\ndate: 0001-01-01")
    feeds = []
    for tz in ("UTC", "America/New_York"):
        subprocess.run([sys.executable, "-m", "broadsheet", "build", "--config", str(project),
                        "-q"], check=True, env={**os.environ, "TZ": tz}, capture_output=True)
        feeds.append((project.parent / "site" / "feed.xml").read_bytes())
    assert feeds[0] == feeds[1]
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in ET.fromstring(feeds[0]).iter(f"{atom}entry")]
    assert titles[:4] == ["Zoned", "Late", "Early", "Ancient"]


def test_pagination_order_and_tags(project):
    (project.parent / "raw" / "000_2858112e9b9562c5.txt").unlink()
    for i in range(23):
        date = f"date: 2020-01-{i + 1:02d}\n" if i < 20 else ""
        write_article(project, f"a{i:02d}", f"title: Article {i:02d}\n{date}tags: [Zeta, alpha]")
    assert run(project, "build") == 0
    out = site(project)
    # newest first: 19..0, then the undated 20, 21, 22 (by slug). Archive pages count from the
    # oldest: page 1 holds the 10 oldest; the front page the newest run (3) and the one before.
    assert [p.name for p in sorted((out / "page").iterdir())] == ["1.html"]
    home = (out / "index.html").read_text(encoding="utf-8")
    titles = re.findall(r">(Article \d\d)</a>", home)
    assert titles == [f"Article {i:02d}" for i in range(19, 6, -1)]
    assert 'rel="next" href="page/1.html"' in home and 'rel="prev"' not in home
    last = (out / "page" / "1.html").read_text(encoding="utf-8")
    assert re.findall(r">(Article \d\d)</a>", last) == [
        f"Article {i:02d}" for i in range(6, -1, -1)] + ["Article 20", "Article 21", "Article 22"]
    assert 'rel="prev" href="../index.html"' in last and 'rel="next"' not in last
    assert (out / "tags" / "alpha" / "1.html").is_file()
    index = (out / "tags" / "index.html").read_text(encoding="utf-8")
    assert index.index(">alpha<") < index.index(">Zeta<")  # alphabetical, case-insensitive
    assert "(23)" in index
    assert_links_resolve(out)


def test_archive_pages_keep_their_articles_as_the_corpus_grows(project):
    (project.parent / "raw" / "000_2858112e9b9562c5.txt").unlink()
    for i in range(25):
        write_article(project, f"a{i:02d}", f"title: Article {i:02d}\ndate: 2020-02-{i + 1:02d}")
    assert run(project, "build") == 0
    out = site(project)
    before = {p.name: p.read_bytes() for p in (out / "page").iterdir()}
    assert sorted(before) == ["1.html"]  # front: 20..24 and 10..19; page 1: 0..9
    for i in range(25, 28):  # newer articles: the front page changes, page 1 does not
        write_article(project, f"a{i:02d}", f"title: Article {i:02d}\ndate: 2020-03-{i:02d}")
    assert run(project, "build") == 0
    assert (out / "page" / "1.html").read_bytes() == before["1.html"]
    home = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r">(Article \d\d)</a>", home)[0] == "Article 27"


def test_untrusted_text_is_escaped_everywhere(project):
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>]]></title>'
    write_article(project, "evil", f"title: '{evil}'\ntags: ['<b>t</b>']\nsource: '<i>s</i>'",
                  body="<script>alert(3)</script>\n\n[x](javascript:alert(4))")
    assert run(project, "all") == 0
    out = site(project)
    for rel in ("articles/evil.html", "index.html", "tags/b-t-b.html", "tags/index.html"):
        html = (out / rel).read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>t</b>" not in html, rel
    page = (out / "articles/evil.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(3)" in page and 'href="javascript:' not in page
    feed = ET.parse(out / "feed.xml").getroot()  # still well-formed XML
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert evil in titles
    ET.parse(out / "sitemap.xml")


def test_characters_xml_forbids_leave_every_page(project):
    # U+FFFE and U+FFFF pass the front matter's control-character rule (YAML refuses them
    # there, a body keeps them): the pages strip them, HTML and XML alike, and escape the rest
    write_article(project, "odd", "title: Odd one\ntags: [Odd]",
                  body="Before\ufffe<b>x</b>\uffffafter the noncharacters.")
    assert run(project, "build") == 0
    out = site(project)
    for rel in ("articles/odd.html", "index.html", "tags/odd.html", "feed.xml",
                "tags/odd.xml"):
        text = (out / rel).read_text(encoding="utf-8")
        assert "\ufffe" not in text and "\uffff" not in text, rel
        assert "Before&lt;b&gt;x&lt;/b&gt;after" in text or "Before&amp;lt;b&amp;gt;x" in text, rel
    ET.parse(out / "feed.xml")


def test_control_characters_of_a_raw_title_never_reach_the_feed(project):
    raw = project.parent / "raw" / "ctl.txt"
    raw.write_text("Titre\x08 piégé\n\nUn premier paragraphe assez long pour être gardé, "
                   "avec une phrase complète.\n\nUn second paragraphe, lui aussi complet.\n",
                   encoding="utf-8")
    assert run(project, "all") == 0
    ET.parse(project.parent / "site" / "feed.xml")


def test_bad_content_file_is_reported_and_the_rest_builds(built, capsys):
    bad = write_article(built, "bad", "title: Ok\ntags: Irak")
    capsys.readouterr()
    assert run(built, "build") == 1
    err = capsys.readouterr().err
    assert f"{bad}:3: 'tags' must be a list" in err
    assert (site(built) / SEED_PAGE).is_file()
    assert not (site(built) / "articles" / "bad.html").exists()


def test_strict_stops_and_leaves_the_site_as_it_was(built):
    before = tree(site(built))
    write_article(built, "zz", "title: New one")
    write_article(built, "bad", "title: [oops")
    assert run(built, "build", "--strict") == 1
    assert tree(site(built)) == before


def test_a_failing_template_leaves_the_previous_site(built, capsys):
    before = tree(site(built))
    index_before = tree(built.parent / ".broadsheet" / "index")
    (built.parent / "content" / "new.md").write_text("---\ntitle: New\n---\n\nText.\n",
                                                     encoding="utf-8")
    (built.parent / "templates" / "article.html").write_text(
        "{% extends 'base.html' %}{% block main %}{{ article.nonexistent }}{% endblock %}",
        encoding="utf-8")
    capsys.readouterr()
    assert run(built, "build") == 1
    assert "article.html" in capsys.readouterr().err
    assert tree(site(built)) == before
    assert tree(built.parent / ".broadsheet" / "index") == index_before
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".site.new")]


def test_duplicate_slug_is_an_error_naming_both(project, capsys):
    write_article(project, "one", "title: One\nslug: same")
    write_article(project, "two", "title: Two\nslug: same")
    assert run(project, "build") == 1
    assert "two.md: slug 'same' is already used by one.md" in capsys.readouterr().err


def test_feed_and_sitemap(built_session):
    out = site(built_session)
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    (entry,) = list(feed.iter(f"{ATOM}entry"))
    link = entry.find(f"{ATOM}link").get("href")
    assert link == "http://127.0.0.1:8000/" + SEED_PAGE
    assert "Le porte-Parole" in entry.findtext(f"{ATOM}content")
    urls = [u.text for u in ET.parse(out / "sitemap.xml").getroot().iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://127.0.0.1:8000/" + SEED_PAGE in urls and len(urls) == len(set(urls))


def test_base_url_under_a_sub_path(project):
    cfg = project.read_text(encoding="utf-8").replace(
        'base_url: "http://127.0.0.1:8000/"', 'base_url: "https://example.org/archive"')
    project.write_text(cfg, encoding="utf-8")
    assert run(project, "all") == 0
    out = site(project)
    page = (out / SEED_PAGE).read_text(encoding="utf-8")
    assert 'rel="canonical" href="https://example.org/archive/articles/' in page
    assert 'href="/archive/static/style.css"' in (out / "404.html").read_text(encoding="utf-8")
    assert_links_resolve(out)


@pytest.mark.slow
def test_incremental_and_fresh_builds_write_the_same_site(built):
    """An index updated in place (deleted documents inside) and one built afresh give the
    same static search files, so site/ depends only on content/."""
    content = built.parent / "content"
    write_article(built, "one", "title: Première\ntags: [Irak]\nlanguage: fr", "Les frappes continuent.")
    write_article(built, "two", "title: Seconde\nlanguage: fr", "Un autre texte sur la Syrie.")
    assert run(built, "build") == 0
    (content / "one.md").unlink()
    write_article(built, "two", "title: Seconde\nlanguage: fr", "Un autre texte, révisé, sur la Syrie.")
    assert run(built, "build") == 0
    updated = tree(site(built))
    shutil.rmtree(built.parent / ".broadsheet")
    assert run(built, "build") == 0
    assert tree(site(built)) == updated


def test_summary_is_shown(project):
    write_article(project, "s", "title: With summary\nsummary: 'Short <b>summary</b> here'")
    assert run(project, "build") == 0
    page = (site(project) / "articles" / "s.html").read_text(encoding="utf-8")
    assert '<meta name="description" content="Short &lt;b&gt;summary&lt;/b&gt; here">' in page
    assert "Short &lt;b&gt;summary&lt;/b&gt; here</p>" in (site(project) / "index.html").read_text(
        encoding="utf-8")


def test_a_template_type_error_is_one_line_naming_template_and_line(built, capsys):
    before = tree(site(built))
    (built.parent / "templates" / "list.html").write_text(
        "{% extends 'base.html' %}\n{% block main %}\n{{ pager.number > 1 }}\n{% endblock %}",
        encoding="utf-8")
    capsys.readouterr()
    assert run(built, "build") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "list.html:3:" in err[0] and "TypeError" in err[0], err
    assert tree(site(built)) == before


def test_a_missing_content_folder_replaces_nothing(built, capsys):
    # a folder moved away for a moment (a checkout, a rename): not a site of no articles
    before = tree(site(built))
    index_dir = built.parent / ".broadsheet" / "index"
    index_before = tree(index_dir)
    (built.parent / "content").rename(built.parent / "content.away")
    capsys.readouterr()
    for verb in ("build", "index", "check"):
        assert run(built, verb) == 1, verb
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"error: {built.parent / 'content'}: content folder not found (run "
                       "`broadsheet ingest` first); the site and the index are left as they are"]
    assert tree(site(built)) == before
    assert tree(index_dir) == index_before


def test_a_merged_tag_is_named_alike_everywhere(project):
    # 'ete' and 'Été' are one tag (one slug), shown as most articles spell it: in the JSON-LD,
    # the meta tags, the feeds and the search too, not only on its page
    write_article(project, "a", "title: A alpha\ntags: [ete]", body="alpha text")
    for name in ("b", "c"):
        write_article(project, name, f"title: {name.upper()} alpha\ntags: [Été]", body="alpha text")
    assert run(project, "build") == 0
    out = site(project)
    page = (out / "articles" / "a.html").read_text(encoding="utf-8")
    assert '"keywords":["Été"]' in page and 'property="article:tag" content="Été"' in page
    for feed in ("feed.xml", "tags/ete.xml"):
        labels = re.findall(r'label="([^"]*)"', (out / feed).read_text(encoding="utf-8"))
        assert labels and set(labels) == {"Été"}, feed
    from broadsheet.publish.search import search
    found = search(project.parent / ".broadsheet" / "index", "alpha")
    assert [h["tags"] for h in found["hits"]] == [["Été"]] * 3
    assert found["facets"]["tag"] == [{"value": "ete", "label": "Été", "count": 3}]


def test_a_tag_or_source_named_index_gets_a_page_beside_the_index(project):
    """'Index' cannot take the index page's name, nor the name of another tag ('Index Tag')."""
    write_article(project, "a", "title: x\nsource: Index\ntags: [Index, Index Tag, Syrie]")
    write_article(project, "b", "title: y\nsource: Index Source\ntags: [Index--]")
    assert run(project, "build") == 0
    site = project.parent / "site"
    for rel in ("tags/index--.html", "tags/index-tag.html", "sources/index--.html",
                "sources/index-source.html"):
        assert (site / rel).is_file(), rel
    assert "Index Tag" in (site / "tags" / "index-tag.html").read_text(encoding="utf-8")
    assert "<h1>Mots-clés</h1>" in (site / "tags" / "index.html").read_text(encoding="utf-8")


def test_the_tag_index_is_in_alphabetical_order_of_letters_not_code_points(project):
    write_article(project, "a", "title: A\ntags: [Zurich, État islamique, Łódź, Berlin, Москва]")
    assert run(project, "build", "--no-index") == 0
    html = (site(project) / "tags" / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r'<li class="size-\d+"><a href="[^"]*">([^<]*)</a>', html)
    assert shown == ["Berlin", "État islamique", "Łódź", "Москва", "Zurich"]


@pytest.mark.slow
def test_what_is_published_has_the_modes_the_umask_gives(tmp_path):
    # the new site/ and index came from mkdtemp (0700) and content files from mkstemp (0600):
    # a web server running as another user got 403 for every page
    import os
    import stat
    import subprocess
    import sys

    from conftest import REPO, make_project

    for umask, folder, file in ((0o022, 0o755, 0o644), (0o027, 0o750, 0o640)):
        config = make_project(tmp_path / f"p{umask:o}")
        subprocess.run([sys.executable, "-m", "broadsheet", "all", "-q", "--config", str(config)],
                       check=True, capture_output=True, cwd=REPO,
                       preexec_fn=lambda u=umask: os.umask(u))
        root = config.parent
        for path, mode in ((root / "site", folder), (root / ".broadsheet" / "index", folder),
                           (root / "site" / "index.html", file),
                           (next((root / "content").glob("*.md")), file)):
            assert stat.S_IMODE(path.stat().st_mode) == mode, (umask, path)


def test_an_article_with_thousands_of_tags_publishes_the_first_fifty(project, capsys):
    tags = ", ".join(f"Sujet {i}" for i in range(3000))
    write_article(project, "many", f"title: Beaucoup\ntags: [{tags}]")
    capsys.readouterr()
    assert run(project, "build") == 0  # a warning: the article is published
    assert "many.md: 3000 tags: only the first 50 are published" in capsys.readouterr().err
    out = site(project)
    assert (out / "tags" / "sujet-49.html").is_file() and not (out / "tags" / "sujet-50.html").exists()
    assert (out / "tags" / "sujet-0.xml").read_text(encoding="utf-8").count("<category ") == 50


def test_relative_links_in_a_feed_resolve_as_on_the_page(project):
    # the body's links are relative to its page (articles/): each entry's content says so
    # (xml:base), or a reader resolved 'two.html' against the feed, outside articles/
    import feedparser

    config = project.read_text(encoding="utf-8")
    project.write_text(config.replace("base_url:", "base_url: https://example.org/news/\n#", 1),
                       encoding="utf-8")
    write_article(project, "one", "title: One\ndate: 2024-01-01",
                  body="See [the other story](two.html) and [the tags](../tags/index.html).")
    write_article(project, "two", "title: Two\ndate: 2024-01-02")
    assert run(project, "build") == 0
    feed = feedparser.parse((site(project) / "feed.xml").read_bytes(),
                            response_headers={"content-location": "https://example.org/news/feed.xml"})
    entry = next(e for e in feed.entries if e.title == "One")
    html = entry.content[0].value
    assert 'href="https://example.org/news/articles/two.html"' in html
    assert 'href="https://example.org/news/tags/index.html"' in html


def test_a_tag_with_no_letter_or_digit_is_said_and_left_out(project, capsys):
    write_article(project, "odd", "title: Odd\ntags: ['?#', Paris]")
    capsys.readouterr()
    assert run(project, "build") == 0
    assert ("odd.md: tag '?#' has no letter or digit to name its page: not published"
            in capsys.readouterr().err)
    out = site(project)
    assert '"keywords":["Paris"]' in (out / "articles" / "odd.html").read_text(encoding="utf-8")
    assert 'term=""' not in (out / "feed.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("two_processes", [False, True])
def test_the_index_bar_counts_the_documents_whoosh_takes(project, monkeypatch, two_processes):
    """On a terminal the wait for the index has a bar of the documents Whoosh takes: every
    one on a cold build (whether one process reads them or the static cache's process does
    and sends them), only the edited one after an edit."""
    from broadsheet.publish.search import writer

    if two_processes:
        monkeypatch.setattr(writer, "PARALLEL_FROM", 2)
    from broadsheet.config import load_config
    from broadsheet.publish.pipeline import build

    for i in range(6):
        write_article(project, f"a{i}", f"title: Article {i}\nlanguage: fr\n"
                      f"date: 2024-01-0{i + 1}", f"Corps de l'article {i}.")
    write_article(project, "hidden", "title: Hors recherche\nexclude_from_search: true")
    bars: dict[str, int] = {}

    def progress(items, desc, total):
        items = list(items)
        bars[desc] = (total, len(items))
        return items

    config = load_config(project)
    build(config, progress=progress)
    assert bars["index"] == (6, 6)
    write_article(project, "a3", "title: Article 3, revu\nlanguage: fr\ndate: 2024-01-04")
    bars.clear()
    build(config, progress=progress)
    assert bars["index"] == (1, 1)
