"""Edge cases found in review: each once broke the build, the site or the index."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from broadsheet.config import load_config
from broadsheet.publish.search import SearchIndex, search
from conftest import run


def write(config: Path, name: str, front: str, body: str = "Texte.") -> None:
    (config.parent / "content" / f"{name}.md").write_text(f"---\n{front}\n---\n\n{body}\n",
                                                         encoding="utf-8")


def test_wrapped_paragraphs_and_words_with_filters(project):
    write(project, "a", "title: Conseil\ntags: [Syrie]\nlanguage: fr", "The mayor\nannounced it.")
    assert run(project, "build") == 0
    index_dir = load_config(project).index_dir
    assert search(index_dir, "mayor")["total"] == 1
    assert search(index_dir, "the tag:syrie")["total"] == 1
    assert search(index_dir, "le tag:syrie")["total"] == 0  # every word counts, "le" too
    assert search(index_dir, "lang:FR")["total"] == 1


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
