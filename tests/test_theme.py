"""The default theme ships with broadsheet; a site overrides a template or static file by
putting one of the same name in its own templates/ or static/."""

from __future__ import annotations

from conftest import THEME, override, run


def test_the_theme_is_used_when_the_site_has_no_templates(built_session):
    site = built_session.parent / "site"
    assert (site / "static" / "style.css").read_bytes() == (THEME / "static" / "style.css").read_bytes()
    assert not (site / "static" / ".gitkeep").exists()  # hidden files are not published
    assert "<h1>Derniers articles</h1>" in (site / "index.html").read_text(encoding="utf-8")


def test_one_template_overridden_the_rest_from_the_theme(built):
    path = override(built, "list.html")
    path.write_text(path.read_text(encoding="utf-8").replace("Latest articles", "Dernières nouvelles"),
                    encoding="utf-8")
    css = built.parent / "static" / "style.css"
    css.write_text("body { color: teal }\n", encoding="utf-8")
    assert run(built, "build") == 0
    site = built.parent / "site"
    assert "<h1>Dernières nouvelles</h1>" in (site / "index.html").read_text(encoding="utf-8")
    article = next((site / "articles").glob("*.html")).read_text(encoding="utf-8")
    assert '<nav class="crumbs"' in article  # article.html still the theme's
    assert (site / "static" / "style.css").read_text() == "body { color: teal }\n"
    assert (site / "static" / "search.js").is_file()  # the theme's, not overridden
    path.unlink()
    css.unlink()
    assert run(built, "build") == 0  # back to the theme: the override's pages are made again
    assert "<h1>Derniers articles</h1>" in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "static" / "style.css").read_bytes() == (THEME / "static" / "style.css").read_bytes()
