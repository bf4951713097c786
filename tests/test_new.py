"""broadsheet new: a hand-written article's content file, valid from the start."""

from __future__ import annotations

import pytest

from conftest import run
from broadsheet.frontmatter import load


def test_new_article_builds_into_a_page(project, capsys):
    content = project.parent / "content"
    assert run(project, "new", "Un été à Lyon: <b>grève</b>", "--tag", "Lyon", "--tag",
               "Grève", "--date", "2026-11-25", "--publish") == 0
    path = content / "un-ete-a-lyon-b-greve-b.md"
    assert capsys.readouterr().out.startswith("created ")
    article = load(path.read_text(encoding="utf-8"), path)
    assert article.title == "Un été à Lyon: <b>grève</b>"
    assert article.tags == ("Lyon", "Grève") and article.language == "fr"
    assert str(article.date) == "2026-11-25"
    assert run(project, "build", "--no-index") == 0
    page = (project.parent / "site" / "articles" / "un-ete-a-lyon-b-greve-b.html").read_text()
    assert "Un été à Lyon: &lt;b&gt;grève&lt;/b&gt;" in page
    assert (project.parent / "site" / "tags" / "greve.html").is_file()


def test_new_writes_a_draft_the_build_leaves_out(project, capsys):
    # its placeholder is not the site's top story, dated today, the moment it is written
    assert run(project, "new", "Brouillon du jour") == 0
    path = project.parent / "content" / "brouillon-du-jour.md"
    article = load(path.read_text(encoding="utf-8"), path)
    assert article.draft is True and article.date is None
    assert "a draft" in capsys.readouterr().out
    site = project.parent / "site"
    assert run(project, "build", "--no-index") == 0
    assert not (site / "articles" / "brouillon-du-jour.html").exists()
    assert "Brouillon du jour" not in (site / "index.html").read_text(encoding="utf-8")
    assert run(project, "build", "--no-index", "--drafts") == 0
    assert (site / "articles" / "brouillon-du-jour.html").is_file()


def test_new_never_overwrites(project, capsys):
    assert run(project, "new", "Titre") == 0
    path = project.parent / "content" / "titre.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nMon texte.\n", encoding="utf-8")
    before = path.read_bytes()
    capsys.readouterr()
    assert run(project, "new", "Titre") == 1
    assert "titre.md: already exists" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize("title, slug", [("Breaking news", None), ("Old news", None),
                                         ("Anything", "story9")])
def test_new_refuses_a_slug_another_file_holds(project, capsys, title, slug):
    # a published article's slug (in its front matter, not its file name), alias or id: the
    # build would have given the URL to the new file, first by name, and dropped the story
    content = project.parent / "content"
    (content / "zz-story.md").write_text(
        "---\ntitle: Published story\nslug: breaking-news\naliases: [old-news]\nid: story9\n"
        "---\n\nOriginal.\n", encoding="utf-8")
    assert run(project, "build", "--no-index") == 0
    capsys.readouterr()
    assert run(project, "new", title, *(["--slug", slug] if slug else [])) == 1
    assert "is already used by zz-story.md" in capsys.readouterr().err
    assert [p.name for p in content.iterdir()] == ["zz-story.md"]


def test_new_refuses_a_bad_slug_or_date(project, capsys):
    content = project.parent / "content"
    assert run(project, "new", "x", "--slug", "../escape") == 1
    assert "'slug' must be lowercase letters, digits and hyphens" in capsys.readouterr().err
    assert not list(content.iterdir()) and not (project.parent / "escape.md").exists()
    with pytest.raises(SystemExit) as exc:  # argparse: a usage error
        run(project, "new", "x", "--date", "yesterday")
    assert exc.value.code == 2
    assert not list(content.iterdir())


def test_an_article_written_by_hand_can_have_tables_strikethrough_and_footnotes(project):
    # GitHub's tables and ~~strikethrough~~, footnotes; raw HTML still shown, not run
    path = project.parent / "content" / "tableau.md"
    path.write_text(
        "---\ntitle: Les résultats\ndate: 2024-03-03\n---\n\n"
        "| Ville | Voix |\n|---|---:|\n| Lyon | 1 200 |\n| <b>Brême</b> | 900 |\n\n"
        "Le ~~premier~~ second tour[^1].\n\n[^1]: Dimanche 3 mars.\n", encoding="utf-8")
    assert run(project, "build", "--no-index") == 0
    page = (project.parent / "site" / "articles" / "tableau.html").read_text(encoding="utf-8")
    body = page[page.index('class="body"'):]
    assert "<table>" in body and '<td style="text-align:right">1 200</td>' in body
    assert "<td>&lt;b&gt;Brême&lt;/b&gt;</td>" in body and "<b>Brême" not in body
    assert "<s>premier</s>" in body
    assert 'href="#fn1"' in body and "Dimanche 3 mars." in body
