"""site.yaml's `pages:` switches: a kind of page turned off is neither planned, nor written,
nor linked to from any page (nav, listings, feed links, sitemap), `broadsheet check` finds
nothing broken, and an incremental build after a switch gives the bytes of a cold build."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from conftest import make_project, run, tree
from broadsheet.config import Pages, load_config
from broadsheet.errors import ConfigError
from broadsheet.frontmatter import dump
from broadsheet.model import Article
from broadsheet.publish.plan import plan

# what each switch takes away: a predicate on a path of the site
GONE = {
    "tag_feeds": lambda p: p.startswith("tags/") and p.endswith(".xml"),
    "source_feeds": lambda p: p.startswith("sources/") and p.endswith(".xml"),
    "source_pages": lambda p: p.startswith("sources/"),
    "language_pages": lambda p: p.startswith("languages/"),
    "archive_pages": lambda p: p.startswith("archive/"),
}
SWITCHES = list(GONE)


def article(i: int) -> Article:
    return Article(
        title=f"Article numéro {i}", slug=f"article-{i:02d}",
        date=dt.date(2024, 1, 1) + dt.timedelta(days=i * 11), id=f"id{i:02d}",
        language=("fr", "en")[i % 2], source=("Le Quotidien", "La Gazette", "News Daily")[i % 3],
        tags=("Syrie", "Climat", "Santé")[: 1 + i % 3],
        body=f"Le texte de l'article {i}, sur la Syrie et le climat.\n\nUn second paragraphe.")


ARTICLES = [article(i) for i in range(12)]


def config_with(tmp_path: Path, **pages: bool):
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({"per_page": 3, "pages": pages} if pages else {"per_page": 3}),
                    encoding="utf-8")
    return load_config(path)


def test_defaults_publish_every_kind(tmp_path):
    assert config_with(tmp_path).pages == Pages()
    paths = {p.path for p in plan(ARTICLES, config_with(tmp_path))}
    for switch, gone in GONE.items():
        assert any(gone(p) for p in paths), switch


@pytest.mark.parametrize("switch", SWITCHES)
def test_a_kind_turned_off_is_not_planned(tmp_path, switch):
    everything = {p.path for p in plan(ARTICLES, config_with(tmp_path))}
    pages = plan(ARTICLES, config_with(tmp_path, **{switch: False}))
    paths = {p.path for p in pages}
    assert not [p for p in paths if GONE[switch](p)]
    # and nothing else is lost: only that kind's pages (source pages take their feeds along)
    assert paths == {p for p in everything if not GONE[switch](p)}
    # no listing offers a feed that is not there
    feeds = {p.context["listing"]["feed"] for p in pages if "listing" in p.context}
    assert feeds - {None} <= paths


def config_error(tmp_path, text: str) -> ConfigError:
    """The error load_config raises for a site.yaml of this text."""
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return err.value


def test_source_feeds_cannot_be_asked_for_without_source_pages(tmp_path):
    err = config_error(tmp_path, "pages:\n  source_pages: false\n  source_feeds: true\n")
    assert err.line == 3 and "'pages.source_feeds' needs the source pages" in str(err)


def test_bad_switches_are_told_at_their_own_line(tmp_path):
    err = config_error(tmp_path, "title: T\npages:\n  tag_feeds: false\n  source_feed: false\n"
                       "  language_pages: no way\nper_page: 3\n")
    path = tmp_path / "site.yaml"
    lines = [str(e) for e in (err, *err.others)]
    assert lines == [
        f"{path}:4: unknown key 'pages.source_feed' (did you mean 'pages.source_feeds'?)",
        f"{path}:5: 'pages.language_pages' must be true or false, not \"no way\""]


def test_pages_must_be_a_mapping(tmp_path):
    err = config_error(tmp_path, "title: T\npages: [tag_feeds]\n")
    assert err.line == 2 and "'pages' must be a mapping" in str(err)


# ---- a real build -----------------------------------------------------------------------------

def project(root: Path, **pages: bool) -> Path:
    config = make_project(root, raw_files=[])
    text = config.read_text(encoding="utf-8").replace("per_page: 10", "per_page: 3")
    config.write_text(text + switches_yaml(pages), encoding="utf-8")
    for a in ARTICLES:
        (config.parent / "content" / f"{a.slug}.md").write_text(dump(a), encoding="utf-8")
    return config


def switches_yaml(pages: dict) -> str:
    return ("pages:\n" + "".join(f"  {k}: {str(v).lower()}\n" for k, v in pages.items())
            if pages else "")


LINK = re.compile(rb'(?:href|src)="([^"]*)"|<loc>([^<]*)</loc>')


def links(site: Path, base: str) -> dict[str, set[str]]:
    """Every site path some .html or .xml page links to -> the pages linking to it."""
    out: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*")):
        if page.suffix not in (".html", ".xml"):
            continue
        rel = page.relative_to(site).as_posix()
        for m in LINK.finditer(page.read_bytes()):
            target = urljoin(urljoin(base, rel), (m.group(1) or m.group(2)).decode())
            if target.startswith(base):
                path = unquote(urlsplit(target).path)[len(urlsplit(base).path):]
                out.setdefault(path or "index.html", set()).add(rel)
    return out


@pytest.mark.parametrize("off", [[s] for s in SWITCHES] + [SWITCHES])
def test_a_build_writes_and_links_none_of_a_kind_turned_off(tmp_path, capsys, off):
    config = project(tmp_path / "proj", **{s: False for s in off})
    assert run(config, "build", "--no-index") == 0
    site = config.parent / "site"
    written = tree(site)
    linked = links(site, load_config(config).base_url)
    for switch in off:
        assert not [p for p in written if GONE[switch](p)], switch
        assert not {p: by for p, by in linked.items() if GONE[switch](p)}, switch
    for switch in set(SWITCHES) - set(off):
        if not (switch == "source_feeds" and "source_pages" in off):
            # the others are still there, and linked to
            assert [p for p in written if GONE[switch](p)], switch
            assert [p for p in linked if GONE[switch](p)], switch
    capsys.readouterr()
    assert run(config, "check") == 0, capsys.readouterr().out


def test_the_nav_links_only_to_what_is_published(tmp_path):
    config = project(tmp_path / "proj", source_pages=False, language_pages=False)
    assert run(config, "build", "--no-index") == 0
    home = (config.parent / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="tags/index.html"' in home and 'href="archive/index.html"' in home
    assert "sources/" not in home and "languages/" not in home


def test_without_archive_pages_articles_lead_home_and_the_404_page_says_where_to_go(tmp_path):
    config = project(tmp_path / "proj", archive_pages=False)
    assert run(config, "build", "--no-index") == 0
    site = config.parent / "site"
    page = (site / "articles" / f"{ARTICLES[0].slug}.html").read_text(encoding="utf-8")
    crumbs = page.split('<nav class="crumbs"')[1].split("</nav>")[0]
    assert crumbs.count("<a ") == 1 and 'href="../index.html"' in crumbs
    missing = (site / "404.html").read_text(encoding="utf-8")
    assert "Essayez" in missing and "archive" not in missing.split("<main")[1]


@pytest.mark.slow  # three whole builds each
@pytest.mark.parametrize("off", [[s] for s in SWITCHES] + [SWITCHES])
def test_switching_a_kind_off_and_on_again_incrementally_equals_a_cold_build(tmp_path, off):
    config = project(tmp_path / "proj")
    assert run(config, "build", "--no-index") == 0
    plain = config.read_text(encoding="utf-8")
    for pages in ({s: False for s in off}, {}):
        config.write_text(plain + switches_yaml(pages), encoding="utf-8")
        assert run(config, "build", "--no-index") == 0
        other = project(tmp_path / f"cold-{len(pages)}", **pages)
        assert run(other, "build", "--no-index") == 0
        assert tree(config.parent / "site") == tree(other.parent / "site"), pages
        shutil.rmtree(other.parent)
