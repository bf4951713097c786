"""Edge cases found in review: each once broke the build, the site or the index."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from broadsheet.config import load_config
from broadsheet.errors import ConfigError
from broadsheet.publish.search import SearchIndex, search
from conftest import run


def write(config: Path, name: str, front: str, body: str = "Texte.") -> None:
    (config.parent / "content" / f"{name}.md").write_text(f"---\n{front}\n---\n\n{body}\n",
                                                         encoding="utf-8")


@pytest.mark.parametrize("line", ["site_dir: .", "site_dir: content", "index_dir: .",
                                  "index_dir: site/idx"])
def test_output_folders_cannot_swallow_the_project(project, line):
    project.write_text(project.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(project)
    assert run(project, "all") == 1
    assert (project.parent / "raw").is_dir() and (project.parent / "templates").is_dir()


def test_impossible_values_are_one_error_line(project, capsys):
    write(project, "a", "title: x\ndate: 2015-02-30")
    write(project, "b", "title: !!float abc")
    write(project, "c", "title: fine")
    assert run(project, "build") == 1
    err = capsys.readouterr().err
    # each at the line of its key
    assert "a.md:3: front matter: 'date': 2015-02-30: day is out of range for month" in err
    assert "b.md:2: front matter: 'title': abc: could not convert string to float" in err
    assert (project.parent / "site" / "articles" / "c.html").is_file()


def test_a_tag_or_source_named_index(project):
    """'Index' cannot take the index page's name, nor the name of another tag ('Index Tag')."""
    write(project, "a", "title: x\nsource: Index\ntags: [Index, Index Tag, Syrie]")
    write(project, "b", "title: y\nsource: Index Source\ntags: [Index--]")
    assert run(project, "build") == 0
    site = project.parent / "site"
    for rel in ("tags/index--.html", "tags/index-tag.html", "sources/index--.html",
                "sources/index-source.html"):
        assert (site / rel).is_file(), rel
    assert "Index Tag" in (site / "tags" / "index-tag.html").read_text(encoding="utf-8")
    assert "<h1>Mots-clés</h1>" in (site / "tags" / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_order_does_not_depend_on_the_machines_time_zone(project):
    write(project, "early", "title: Early\ndate: 2021-03-14T02:30:00")
    write(project, "late", "title: Late\ndate: 2021-03-14T03:15:00")
    write(project, "zoned", "title: Zoned\ndate: 2021-03-14T10:00:00+05:00")  # 05:00 UTC
    write(project, "ancient", "title: Ancient\ndate: 0001-01-01")
    feeds = []
    for tz in ("UTC", "America/New_York"):
        subprocess.run([sys.executable, "-m", "broadsheet", "build", "--config", str(project),
                        "-q"], check=True, env={**os.environ, "TZ": tz}, capture_output=True)
        feeds.append((project.parent / "site" / "feed.xml").read_bytes())
    assert feeds[0] == feeds[1]
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in ET.fromstring(feeds[0]).iter(f"{atom}entry")]
    assert titles[:4] == ["Zoned", "Late", "Early", "Ancient"]


def test_wrapped_paragraphs_and_words_with_filters(project):
    write(project, "a", "title: Conseil\ntags: [Syrie]\nlanguage: fr", "The mayor\nannounced it.")
    assert run(project, "build") == 0
    index_dir = load_config(project).index_dir
    assert search(index_dir, "mayor")["total"] == 1
    assert search(index_dir, "the tag:syrie")["total"] == 1
    assert search(index_dir, "le tag:syrie")["total"] == 0  # every word counts, "le" too
    assert search(index_dir, "lang:FR")["total"] == 1


def test_control_characters_never_reach_the_feed(project):
    raw = project.parent / "raw" / "ctl.txt"
    raw.write_text("Titre\x08 piégé\n\nUn premier paragraphe assez long pour être gardé, "
                   "avec une phrase complète.\n\nUn second paragraphe, lui aussi complet.\n",
                   encoding="utf-8")
    assert run(project, "all") == 0
    ET.parse(project.parent / "site" / "feed.xml")


def test_stated_jsonl_ids_never_make_paths(project, capsys):
    texts = ["La mairie a présenté lundi son budget, en hausse de deux pour cent.",
             "Les pompiers sont intervenus dans la nuit pour un incendie de forêt.",
             "Le tribunal a rendu sa décision jeudi après trois semaines de procès."]
    lines = [{"id": i, "title": "Live updates", "text": f"{t}\n\n{t} Suite."}
             for i, t in zip(["AP-123", "/../../pwn", "AP-123"], texts)]
    (project.parent / "raw" / "c.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert run(project, "all") == 1  # the third line repeats a stated id
    assert "c.jsonl:3: id 'AP-123' is already used by c.jsonl:1" in capsys.readouterr().err
    names = sorted(p.name for p in (project.parent / "content").iterdir())
    assert all("/" not in n and ".." not in n for n in names)
    assert not (project.parent / "p.md").exists()
    assert len([n for n in names if n.startswith("live-updates")]) == 2


@pytest.mark.slow
def test_config_option_without_a_verb_prints_the_help_and_all_builds(project, tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = subprocess.run([sys.executable, "-m", "broadsheet", "--config", str(project), "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("usage: broadsheet"), done.stderr
    assert not (project.parent / "site").exists()
    done = subprocess.run([sys.executable, "-m", "broadsheet", "--config", str(project), "-q",
                           "all"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (project.parent / "site" / "index.html").is_file()
    assert not (tmp_path / "content").exists()


def test_server_index_sees_a_full_rebuild(built):
    index = SearchIndex(load_config(built).index_dir)
    assert index.search("zanzibar")["total"] == 0
    write(built, "z", "title: Zanzibar")
    assert run(built, "index", "--full") == 0
    assert index.search("zanzibar")["total"] == 1
    index.close()
