"""Incremental builds: after any sequence of changes, the site is byte-identical to a cold
build of the same inputs, and a rebuild writes only what changed."""

from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import replace
import shutil
from pathlib import Path

import pytest

from conftest import make_project, override, run, tree
from broadsheet.config import load_config
from broadsheet.frontmatter import dump
from broadsheet.model import Article
from broadsheet.errors import BuildError
from broadsheet.publish.pipeline import build

WORDS = ("Paris", "Bruxelles", "élection", "ministre", "accord", "économie", "sécurité", "Syrie",
         "réforme", "budget", "grève", "hôpital", "école", "énergie", "climat", "frontière")
TAGS = ("Syrie", "Irak", "France", "Économie", "Santé", "Climat", "Union européenne")


def article(i: int, **changes) -> Article:
    words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(40)]
    fields = dict(
        title=f"Article numéro {i} sur {WORDS[i % len(WORDS)]}", slug=f"article-{i:03d}",
        date=dt.date(2020, 1, 1) + dt.timedelta(days=(i * 37) % 400),
        language="fr", source=("Le Quotidien", "La Gazette", "News Daily")[i % 3],
        tags=tuple(TAGS[(i + k * 2) % len(TAGS)] for k in range(1 + i % 3)),
        body=" ".join(words[:20]) + ".\n\n" + " ".join(words[20:]) + ".", id=f"id{i:03d}")
    fields.update(changes)
    return Article(**fields)


def put(config: Path, a: Article) -> None:
    (config.parent / "content" / f"{a.slug}.md").write_text(dump(a), encoding="utf-8")


def cold(config: Path, tmp: Path) -> dict[str, bytes]:
    """A cold build of the same inputs, in a fresh copy of the project."""
    other = tmp / "cold"
    shutil.rmtree(other, ignore_errors=True)
    other.mkdir()
    for name in ("content", "templates", "static"):
        shutil.copytree(config.parent / name, other / name)
    shutil.copy(config, other / "site.yaml")
    assert run(other / "site.yaml", "build", "--full") == 0
    return tree(other / "site")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A project of 30 articles, 3 to a listing page, so pages shift when articles do; a tag
    gets a page from two articles (the default)."""
    config = make_project(tmp_path / "proj", raw_files=[])
    text = config.read_text().replace("per_page: 10", "per_page: 3").replace(
        "feed_size: 20", "feed_size: 5").replace("tag_min_count: 1\n", "")
    config.write_text(text)
    for i in range(30):
        put(config, article(i))
    assert run(config, "build") == 0
    return config


def edit_template(config: Path, name: str, old: str, new: str) -> None:
    path = override(config, name)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_in_place(path: Path, old: str, new: str) -> None:
    """Same size, same mtime, other bytes: an edit within one clock tick, or `touch -r`."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    with open(path, "r+", encoding="utf-8") as f:  # in place: the folder's mtime stays too
        f.write(text.replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


STEPS = {
    "edit a body": lambda c: put(c, article(4, body="Un texte entièrement nouveau sur Mombasa.")),
    "edit a title": lambda c: put(c, article(7, title="Un titre changé")),
    "add articles": lambda c: [put(c, article(i)) for i in range(30, 40)],
    "delete an article": lambda c: (c.parent / "content" / "article-012.md").unlink(),
    "change tags": lambda c: put(c, article(5, tags=("Zanzibar", "Syrie"))),
    "a second article with a tag": lambda c: put(c, article(50, tags=("Zanzibar",))),
    "and without it again": lambda c: (c.parent / "content" / "article-050.md").unlink(),
    "drop a tag everywhere": lambda c: [put(c, article(i, tags=())) for i in range(40)
                                         if i != 12 and "Santé" in article(i).tags],
    "move in time": lambda c: put(c, article(9, date=dt.date(2031, 5, 1))),
    "undated": lambda c: put(c, article(10, date=None)),
    "edit the article template": lambda c: edit_template(
        c, "article.html", '<article class="article">', '<article class="article story">'),
    "edit a macro": lambda c: edit_template(c, "_macros.html", "</", "</"),  # same bytes
    "edit the base template": lambda c: edit_template(c, "base.html", "<body", "<body data-x=\"1\""),
    "edit the config": lambda c: c.write_text(c.read_text().replace(
        'title: "broadsheet sample"', 'title: "Autre titre"')),
    "tag synonym in the config": lambda c: c.write_text(c.read_text().replace(
        "État islamique: [", "Syrie: [Zanzibar]\n    État islamique: [")),
    "edit a static file": lambda c: override(c, "style.css", "static").write_text(
        override(c, "style.css", "static").read_text() + "\n/* changed */\n"),
    "touch without change": lambda c: (c.parent / "content" / "article-001.md").touch(),
    "an edit keeping the size and the mtime": lambda c: edit_in_place(
        c.parent / "content" / "article-003.md", "numéro 3", "numéro 8"),
    "a static file edited so too": lambda c: edit_in_place(
        override(c, "style.css", "static"), "/* changed */", "/* CHANGED */"),
    # most articles now spell it 'economie': every page naming the tag follows, those of
    # the article still spelling it 'Économie' too
    "a tag's commonest spelling changes": lambda c: [
        put(c, article(i, tags=tuple("economie" if t == "Économie" else t
                                     for t in article(i).tags)))
        for i in [i for i in range(40) if i != 12 and "Économie" in article(i).tags][1:]],
    # the slug from the file's name, then the file renamed: same bytes, same id, a new URL
    "a file without its slug key": lambda c: (c.parent / "content" / "article-015.md").write_text(
        dump(article(15)).replace("slug: article-015\n", ""), encoding="utf-8"),
    "rename that file": lambda c: (c.parent / "content" / "article-015.md").rename(
        c.parent / "content" / "article-115.md"),
}


@pytest.mark.slow
def test_incremental_builds_equal_cold_builds_step_by_step(small, tmp_path):
    for name, step in STEPS.items():
        step(small)
        assert run(small, "build") == 0, name
        assert tree(small.parent / "site") == cold(small, tmp_path), name


@pytest.mark.slow
def test_a_tag_has_a_page_while_two_articles_use_it(small, tmp_path):
    """Below tag_min_count (2) a tag has no page, and nothing links to one: a second article
    makes its page, its feed and the links to it; the second one gone, they go."""
    site = small.parent / "site"
    made = ("tags/zanzibar.html", "tags/zanzibar.xml")

    def links(slug: str) -> bool:
        return 'href="../tags/zanzibar.html"' in (site / f"articles/{slug}.html").read_text()

    put(small, article(50, tags=("Zanzibar", "Syrie")))
    assert run(small, "build") == 0
    assert not any((site / rel).exists() for rel in made) and not links("article-050")
    put(small, article(51, tags=("Zanzibar",)))
    assert run(small, "build") == 0
    assert all((site / rel).is_file() for rel in made) and links("article-050")
    assert "tags/zanzibar.html" in (site / "sitemap.xml").read_text()
    assert tree(site) == cold(small, tmp_path)
    (small.parent / "content" / "article-051.md").unlink()
    assert run(small, "build") == 0
    assert not any((site / rel).exists() for rel in made) and not links("article-050")
    assert "zanzibar" not in (site / "sitemap.xml").read_text() + (site / "tags/index.html").read_text()
    assert tree(site) == cold(small, tmp_path)
    assert run(small, "check") == 0


def test_an_edit_rewrites_only_the_pages_it_shows_on(small, tmp_path):
    config = load_config(small)
    target = article(4)
    put(small, article(4, body=target.body + "\n\nUne phrase de plus."))
    urls = tmp_path / "changed.txt"
    assert run(small, "build", "--changed-urls", str(urls)) == 0
    changed = urls.read_text().split()
    paths = {u.removeprefix(config.base_url) for u in changed}
    # the article page, the (full-text) feeds it is among the latest of: no page that shows
    # no body (listings show titles and summaries)
    assert "articles/article-004.html" in paths
    assert not any(p.endswith(".html") for p in paths - {"articles/article-004.html"}), paths
    assert all(p == "articles/article-004.html" or p.endswith(".xml") and p != "sitemap.xml"
               or p.startswith("search/") for p in paths), paths

    put(small, article(4, title="Un titre neuf"))  # the title shows on listings too
    assert run(small, "build", "--changed-urls", str(urls)) == 0
    paths = {u.removeprefix(config.base_url) for u in urls.read_text().split()}
    shown_on = {str(p.relative_to(config.site_dir)) for p in config.site_dir.rglob("*.html")
                if "articles/article-004.html" in p.read_text(encoding="utf-8")}
    assert len(shown_on) >= 4  # home or a later page, its tags' pages, the article itself
    html = {p for p in paths if p.endswith(".html")}
    assert html == shown_on | {"articles/article-004.html"}, html ^ shown_on


def test_no_op_build_reads_and_writes_nothing(small):
    config = load_config(small)
    before = {p: p.stat().st_mtime_ns for p in (config.site_dir).rglob("*") if p.is_file()}
    result = build(config)
    assert result.written == 0 and result.removed == 0 and result.unchanged == len(before)
    assert "load" not in result.timings  # decided from the files' stat alone
    assert {p: p.stat().st_mtime_ns for p in config.site_dir.rglob("*") if p.is_file()} == before


def test_deleted_article_pages_go_and_are_listed(small, tmp_path):
    config = load_config(small)
    (small.parent / "content" / "article-012.md").unlink()
    urls = tmp_path / "changed.txt"
    assert run(small, "build", "--changed-urls", str(urls)) == 0
    assert not (config.site_dir / "articles" / "article-012.html").exists()
    assert config.base_url + "articles/article-012.html" in urls.read_text().split()


def test_a_hand_edited_site_file_is_repaired(small, tmp_path):
    config = load_config(small)
    page = config.site_dir / "articles" / "article-002.html"
    good = page.read_bytes()
    page.write_bytes(b"vandalised")
    (config.site_dir / "stray.html").write_text("not ours")
    assert run(small, "build") == 0
    assert page.read_bytes() == good and not (config.site_dir / "stray.html").exists()
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_a_failed_rebuild_leaves_site_and_next_build_right(small, tmp_path):
    config = load_config(small)
    before = tree(config.site_dir)
    put(small, article(3, title="Changé"))
    template = override(small, "list.html")
    good = template.read_text()
    template.write_text(good.replace("{{ article.title }}", "{{ article.title | nosuchfilter }}"))
    assert run(small, "build") == 1
    assert tree(config.site_dir) == before
    template.write_text(good)
    assert run(small, "build") == 0
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_unchanged_files_are_not_rewritten_by_an_edit(small):
    config = load_config(small)
    other = config.site_dir / "articles" / "article-020.html"
    inode = other.stat().st_ino
    put(small, article(4, title="Encore un autre titre"))
    assert build(config).written > 0
    assert other.stat().st_ino == inode  # the same file, carried over by a hard link


def test_parallel_rendering_gives_the_same_site(small, tmp_path, monkeypatch):
    from broadsheet.publish import renderjob
    config = load_config(small)
    monkeypatch.setattr(renderjob, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(renderjob, "RENDER_CHUNK", 7)
    build(config, full=True, jobs=2)
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_lost_state_means_a_cold_build(small, tmp_path):
    config = load_config(small)
    shutil.rmtree(config.state_dir)
    put(small, article(6, title="Après la perte"))
    result = build(config)
    assert result.written > 50  # everything, since nothing is known
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_after_a_failed_build_the_next_one_is_still_incremental(small):
    config = load_config(small)
    template = override(small, "article.html")
    good = template.read_text()
    put(small, article(8, title="Un autre titre encore"))
    template.write_text(good.replace("{{ article.title }}", "{{ article.title | nosuch }}", 1))
    with pytest.raises(BuildError):
        build(config)
    template.write_text(good)
    result = build(config)
    assert 0 < result.written < result.unchanged / 3  # not a cold build


@pytest.mark.slow
def test_the_replaced_tree_is_kept_aside_and_reused(small, tmp_path):
    config = load_config(small)
    for i, title in enumerate(("Premier", "Deuxième", "Troisième")):
        put(small, article(11 + i, title=title))
        assert build(config).written < 30
        kept = list(small.parent.glob(".site.prev-*"))
        assert len(kept) == 1  # one tree aside, never more
    (config.site_dir / "articles" / "article-001.html").unlink()  # by hand
    put(small, article(2, title="Quatrième"))
    build(config)
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_a_cold_build_keeps_a_twin_of_the_site_for_the_next_build(small, tmp_path, monkeypatch):
    """The first build after a cold one needs no copy of the site: the cold build linked
    every file it wrote into the tree it keeps aside."""
    config = load_config(small)
    build(config, full=True)
    kept = list(small.parent.glob(".site.prev-*"))
    assert len(kept) == 1
    site = {p.relative_to(config.site_dir): p.stat().st_ino
            for p in config.site_dir.rglob("*") if p.is_file()}
    twin = {p.relative_to(kept[0]): p.stat().st_ino for p in kept[0].rglob("*") if p.is_file()}
    assert twin == site  # the same files, hard links
    import subprocess as sp
    real_popen = sp.Popen
    monkeypatch.setattr(sp, "Popen", lambda cmd, *a, **k: (
        pytest.fail("copied the site") if cmd[:2] == ["cp", "-al"] else real_popen(cmd, *a, **k)))
    put(small, article(3, title="Après le froid"))
    assert build(config).written < 30
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_an_edit_rewrites_one_bucket_of_the_saved_front_matter(small):
    config = load_config(small)
    folder = config.state_dir / "content"
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(before) > 10
    put(small, article(6, title="Un seul fichier change"))
    build(config)
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert after.keys() == before.keys()
    assert sum(after[n] != before[n] for n in after) == 1


def test_a_cache_restored_without_file_times_still_builds_incrementally(small):
    """CI caches that lose mtimes (or a fresh git checkout of content/): files are then
    recognised by their hashes, nothing is rendered again or rewritten."""
    config = load_config(small)
    for folder in (config.site_dir, small.parent / "content"):
        for path in folder.rglob("*"):
            if path.is_file():
                os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    result = build(config)
    assert result.written == 0 and result.removed == 0 and "load" in result.timings
    assert build(config).timings.keys() == {"check"}  # and the next one is a no-op


def test_changed_urls_name_folders_for_their_index_pages(small, tmp_path):
    small.write_text(small.read_text().replace('title: "broadsheet sample"', 'title: "Autre"'))
    urls = tmp_path / "changed.txt"
    assert run(small, "build", "--changed-urls", str(urls)) == 0
    listed = urls.read_text().splitlines()
    base = load_config(small).base_url
    assert {base, base + "index.html", base + "tags/", base + "tags/index.html"} <= set(listed)
    assert listed == sorted(set(listed)) and all(u.startswith(base) for u in listed)
    assert not any(u.startswith(base + "static/") for u in listed)  # static/ did not change


def test_full_renders_everything_and_rebuilds_the_index(small):
    config = load_config(small)
    before = tree(config.site_dir)
    segments = {p.name for p in config.index_dir.glob("*.seg")}
    result = build(config, full=True)
    assert result.written == len(before) and result.unchanged == 0
    assert tree(config.site_dir) == before  # the same bytes, made afresh
    assert segments.isdisjoint(p.name for p in config.index_dir.glob("*.seg"))


def test_page_index_refingerprints_only_the_pages_holding_a_changed_article(small):
    from broadsheet.publish.fingerprint import fingerprint_pages, site_shape
    from broadsheet.publish.plan import plan
    from broadsheet.publish.related import related

    config = load_config(small)
    articles = sorted((article(i) for i in range(30)), key=lambda a: a.slug)
    templates, site = {"article.html": "t1", "list.html": "t2"}, "site"
    pages = plan(articles, config, related)
    digests = {a.slug: f"d-{a.slug}" for a in articles}
    shape = site_shape(articles, str(config), templates, site)
    # equal values, other objects (as read from the state or parsed again): the same shape
    assert site_shape(copy.deepcopy(articles), str(config), dict(templates), site) == shape
    prints, index = fingerprint_pages(pages, templates, site, digests, shape)
    def holds(value) -> bool:
        if isinstance(value, Article):
            return value.slug == "article-004"
        if isinstance(value, dict):
            return any(holds(v) for v in value.values())
        return isinstance(value, (list, tuple)) and any(holds(v) for v in value)

    holding = [p.path for p in pages if holds(p.context)]
    assert sorted(index.pages_of["article-004"]) == sorted(holding)

    # a body edit: same shape, one digest changed
    edited = {**digests, "article-004": "d-new"}
    fresh, _ = fingerprint_pages(pages, templates, site, edited, shape)
    quick, _ = fingerprint_pages(pages, templates, site, edited, shape, index, prints)
    assert quick == fresh
    assert {p for p in fresh if fresh[p] != prints[p]} == set(holding)

    # a title edit changes the shape: every page is fingerprinted again, and agrees
    moved = [replace(a, title="Autre") if a.slug == "article-004" else a for a in articles]
    shape2 = site_shape(moved, str(config), templates, site)
    assert shape2 != shape
    pages2 = plan(moved, config, related)
    full2, _ = fingerprint_pages(pages2, templates, site, edited, shape2)
    assert fingerprint_pages(pages2, templates, site, edited, shape2, index, prints)[0] == full2


@pytest.mark.slow
def test_a_body_edit_plans_nothing_and_a_title_edit_plans_again(small, tmp_path, monkeypatch):
    from broadsheet.publish import pipeline

    planned = []
    real_plan = pipeline.plan
    monkeypatch.setattr(pipeline, "plan", lambda *a, **k: planned.append(1) or real_plan(*a, **k))
    config = load_config(small)

    def plans(change) -> bool:
        """Whether the build after `change` planned the site; its site is a cold build's."""
        change()
        planned.clear()
        build(config)
        did = bool(planned)
        assert tree(small.parent / "site") == cold(small, tmp_path)
        return did

    # the pages holding the article are read back from the page store
    assert not plans(lambda: put(small, article(4, body="Un corps neuf.\n\nAvec *deux* mots.")))
    assert plans(lambda: put(small, article(4, title="Un autre titre")))
    # a store that lost its rows: the build plans, and the site is still right
    assert plans(lambda: ((config.state_dir / "pages.sqlite").unlink(),
                          put(small, article(5, body="Encore un autre corps."))))
    assert not plans(lambda: put(small, article(6, body="Et un dernier.")))


def test_files_with_the_same_bytes_stay_apart_when_one_is_renamed(small, tmp_path):
    """Two content files with identical bytes and no `slug` (the file name gives it) have
    the same digest: a page's fingerprint names each article by its slug too."""
    content = small.parent / "content"
    text = "---\ntitle: Jumeaux\ndate: 2030-01-01\ntags: [Syrie]\n---\n\nLe même texte.\n"
    (content / "aaa.md").write_text(text, encoding="utf-8")
    (content / "bbb.md").write_text(text, encoding="utf-8")
    config = load_config(small)
    build(config)
    (content / "aaa.md").rename(content / "ccc.md")
    build(config)
    assert tree(config.site_dir) == cold(small, tmp_path)


def test_a_tampered_page_store_changes_no_article(small):
    """A row of the store can only name articles by slug: pickle cannot set attributes on
    the current article (its path would be read as its body)."""
    import pickle
    import sqlite3
    import zlib

    from broadsheet.publish import pagestore

    config = load_config(small)
    put(small, article(4, body="Un autre corps."))
    build(config)  # the store is full
    db = sqlite3.connect(config.state_dir / pagestore.STORE_FILE)
    path, fp = db.execute("SELECT path, print FROM pages WHERE path LIKE 'articles/%'").fetchone()

    class Evil:
        def __reduce__(self):
            return pagestore.article, ("article-004",), {"title": "hacked", "path": "/etc/passwd"}

    db.execute("UPDATE pages SET context=? WHERE path=?",
               (zlib.compress(pickle.dumps({"article": Evil()}, protocol=4)), path))
    db.commit()
    db.close()
    articles = {a.slug: a for a in (article(i) for i in range(30))}
    assert pagestore.load(config.state_dir, [path], {path: fp}, articles) is None
    assert articles["article-004"].title != "hacked"
    assert str(articles["article-004"].path) != "/etc/passwd"
