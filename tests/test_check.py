"""broadsheet check: one line per problem in content/, site/ or the index; exit 1 if any."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run
from broadsheet.config import load_config

SLUG = "la-maison-blanche-a-dit-ne-pas-vouloir-lancer-de-vaste-operation-de-terrain-en"


def check(config: Path, capsys) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = run(config, "check")
    return code, capsys.readouterr().out.strip().splitlines()


def test_a_fresh_build_checks_clean(built_session, capsys):
    code, lines = check(built_session, capsys)
    assert code == 0
    assert lines == ["check: 1 article, 0 problems"]


def test_tags_of_one_article_have_no_page_and_no_link(project, capsys):
    """With the default tag_min_count (2) the lone seed's tags get no page: no page links
    one, the article keeps them as keywords, and the site checks clean."""
    project.write_text(project.read_text(encoding="utf-8").replace("tag_min_count: 1\n", ""),
                       encoding="utf-8")
    assert run(project, "all") == 0
    site = project.parent / "site"
    assert [p.name for p in (site / "tags").iterdir()] == ["index.html"]
    page = (site / "articles" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "tags/irak" not in page
    assert 'property="article:tag" content="Irak"' in page and '"keywords":["Irak"' in page
    code, lines = check(project, capsys)
    assert code == 0 and lines == ["check: 1 article, 0 problems"]


def content_file(config: Path) -> Path:
    return config.parent / "content" / f"{SLUG}.md"


def broken_front_matter(config: Path) -> None:
    (config.parent / "content" / "bad.md").write_text("---\ntitle: [oops\n---\nText.\n",
                                                      encoding="utf-8")


def link_to_nowhere(config: Path) -> None:
    path = content_file(config)
    path.write_text(path.read_text(encoding="utf-8") + "\nVoir [ceci](../tags/nulle-part.html).\n",
                    encoding="utf-8")
    assert run(config, "build") == 0


def image_to_nowhere(config: Path) -> None:
    path = content_file(config)
    path.write_text(path.read_text(encoding="utf-8") + "\n![La carte](../images/carte.png)\n",
                    encoding="utf-8")
    assert run(config, "build") == 0


def duplicate_slug(config: Path) -> None:
    text = content_file(config).read_text(encoding="utf-8").replace("id: ", "id: x")
    (config.parent / "content" / "copie.md").write_text(text, encoding="utf-8")


# (what is done to a built project, the lines check must print, in order)
CASES = {
    "bad front matter": (broken_front_matter, [
        "content/bad.md:2: front matter: a [ or { opened on this line is never closed",
        "site: content, templates, static files, config or index changed since the last "]),
    # copie.md comes first by name, so it keeps the slug; the index still has the other one
    "duplicate slug": (duplicate_slug, [
        f"content/{SLUG}.md: slug '{SLUG}' is already used by copie.md; set another 'slug'",
        "site: content, templates, static files, config or index changed since the last ",
        "index: 1 articles not in the index (x6252b54283761cff)",
        "index: 1 articles in the index but not in content/ (6252b54283761cff)"]),
    "page deleted": (lambda c: (c.parent / "site" / "tags" / "irak.html").unlink(), [
        "site/tags/irak.html: written by the last build, now missing",
        f"site/articles/{SLUG}.html: link to '../tags/irak.html' points nowhere in the site",
        "site/sitemap.xml: link to 'http://127.0.0.1:8000/tags/irak.html' points nowhere",
        "site/tags/index.html: link to '../tags/irak.html' points nowhere in the site",
        "site/tags/irak.xml: link to 'http://127.0.0.1:8000/tags/irak.html' points nowhere"]),
    "page edited by hand": (
        lambda c: (c.parent / "site" / "articles" / f"{SLUG}.html").write_text("<p>x</p>"),
        [f"site/articles/{SLUG}.html: changed since the last build wrote it"]),
    "stray file": (lambda c: (c.parent / "site" / "stray.txt").write_text("x"),
                   ["site/stray.txt: not written by the last build"]),
    # where it was written: the content file and its line, not the page built from it
    "link to nowhere in a body": (link_to_nowhere, [
        f"content/{SLUG}.md:LAST: link to '../tags/nulle-part.html' points nowhere"]),
    "image missing from the site": (image_to_nowhere, [
        f"content/{SLUG}.md:LAST: image '../images/carte.png' is nowhere in the site"]),
    "content changed since the build": (
        lambda c: content_file(c).write_text(content_file(c).read_text(encoding="utf-8")
                                             .replace("Syrie", "Liban"), encoding="utf-8"),
        ["site: content, templates, static files, config or index changed since the last "
         "build: the site is out of date", "articles indexed as it was before its last change"]),
}


@pytest.mark.parametrize("case", CASES)
def test_each_problem_is_one_line(built, capsys, case):
    damage, expected = CASES[case]
    damage(built)
    code, lines = check(built, capsys)
    assert code == 1
    problems, summary = lines[:-1], lines[-1]
    assert summary == f"check: 1 article, {len(problems)} problem" + ("s" * (len(problems) != 1))
    assert len(problems) == len(expected), problems
    last = len(content_file(built).read_text(encoding="utf-8").splitlines())
    for line, want in zip(problems, expected):
        assert want.replace("LAST", str(last)) in line
    # build repairs all but the content's own errors
    if case not in ("bad front matter", "duplicate slug", "link to nowhere in a body",
                    "image missing from the site"):
        assert run(built, "build") == 0
        assert check(built, capsys)[0] == 0


def test_an_index_out_of_step_with_the_site(built, capsys, tmp_path):
    config = load_config(built)
    old = tmp_path / "old-index"
    shutil.copytree(config.index_dir, old)
    path = content_file(built)
    path.write_text(path.read_text(encoding="utf-8").replace("Syrie", "Liban"), encoding="utf-8")
    assert run(built, "build") == 0
    shutil.rmtree(config.index_dir)
    shutil.copytree(old, config.index_dir)  # an index restored from an older cache
    code, lines = check(built, capsys)
    assert code == 1
    assert any("1 articles indexed as it was before its last change" in ln for ln in lines)
    assert any("search/key.txt: the site's search files were not exported from this index" in ln
               for ln in lines)
    assert run(built, "build") == 0
    assert check(built, capsys)[0] == 0


def test_no_site_yet(project, capsys):
    assert run(project, "ingest") == 0
    code, lines = check(project, capsys)
    assert code == 1
    assert lines[0].endswith("site: no site here: run `broadsheet build`")


def test_links_that_leave_a_site_under_a_sub_path(built, capsys):
    # deployed under /news/, a body's root-relative link or one that climbs out leads to no
    # page this build publishes; another host's link is not the check's business
    config = built.read_text(encoding="utf-8")
    built.write_text(config.replace("base_url:", "base_url: https://example.org/news/\n#", 1),
                     encoding="utf-8")
    path = content_file(built)
    path.write_text(path.read_text(encoding="utf-8") + "\n[racine](/articles/x.html), "
                    "[dehors](../../../etc/passwd), [ici](../index.html), "
                    "[ailleurs](https://other.example/news/a.html), "
                    "[accueil](https://example.org/news).\n", encoding="utf-8")
    assert run(built, "build") == 0
    code, lines = check(built, capsys)
    assert code == 1
    last = len(path.read_text(encoding="utf-8").splitlines())  # where they were written
    assert lines[:-1] == [
        f"{path}:{last}: link to '/articles/x.html' leaves the site (it is under /news/)",
        f"{path}:{last}: link to '../../../etc/passwd' leaves the site (it is under /news/)"]
