"""The CLI as users call it: build.py at a project's root, options before or after the verb."""

import re
import shutil
import subprocess
import sys

import pytest
from conftest import REPO, run


@pytest.mark.slow
def test_build_py_runs_the_whole_pipeline_with_site_yaml(project):
    shutil.copy(REPO / "build.py", project.parent / "build.py")
    done = subprocess.run([sys.executable, "build.py"], cwd=project.parent,
                          capture_output=True, text=True, env={"CI": "1", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert "ingest: 1 added" in done.stdout and "The site is in site/" in done.stdout
    assert (project.parent / "site" / "index.html").is_file()
    assert (project.parent / ".broadsheet" / "index").is_dir()
    again = subprocess.run([sys.executable, "build.py", "search", "maison", "blanche"],
                           cwd=project.parent, capture_output=True, text=True)
    assert again.returncode == 0 and "1 article matches" in again.stdout


def test_config_option_before_the_verb(project, capsys):
    from broadsheet.cli import main
    assert main(["--config", str(project), "-q", "ingest"]) == 0
    assert "1 added" in capsys.readouterr().out


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


def test_a_named_config_that_does_not_exist(tmp_path, capsys):
    assert run(tmp_path / "nope.yaml", "build") == 1
    assert "nope.yaml: config file not found" in capsys.readouterr().err


def test_config_errors_stop_before_anything(project, capsys):
    project.write_text(project.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    assert run(project, "all") == 1
    assert "unknown key 'colour'" in capsys.readouterr().err
    assert not (project.parent / "site").exists()


def test_terminal_output_escapes_control_characters(project, capsys):
    (project.parent / "content" / "x.md").write_text(
        "---\ntitle: \"Evil \\e[31mred\\u202e title\"\nsource: \"\\u2066Src \\e[2J\"\n"
        "tags: [\"\\u202eTag\"]\n---\n\nmaison \x1b[31mrouge\x01 \u202ebody\n", encoding="utf-8")
    assert run(project, "build") == 0
    capsys.readouterr()
    assert run(project, "search", "maison") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x01" not in out and "\u202e" not in out and "\u2066" not in out
    assert "\\u202e title" in out and "\\u2066Src" in out and "\\u202eTag" in out
    assert "\\u202ebody" in out  # the snippet: escape sequences stripped from the body's text


def test_error_lines_show_control_characters_in_file_names(project, capsys):
    bad = project.parent / "content" / "x\x1b[31mred.md"
    bad.write_text("---\ntitle: [\n---\n", encoding="utf-8")
    capsys.readouterr()
    assert run(project, "build", "--no-index") == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "x\\u001b[31mred.md" in err


def test_cli_reference_documents_every_verb_and_option():
    """The verbs' table of the CLI reference (docs/reference/cli.md) names each verb with all
    of its options: an option added to the parser and not to the table fails here."""
    import argparse

    from broadsheet.cli import parser

    page = (REPO / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    table = page[page.index("## Verbs"):page.index("### broadsheet ")]
    rows = {}
    for line in table.splitlines():
        m = re.match(r"\| `broadsheet (\S+)(.*?)` \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    top = parser()
    shared = {"-h", "--help", "-q", "--quiet", "--config"}  # said once, above the table
    assert "--version" in rows
    verbs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction)).choices
    missing = []
    for verb, sub in verbs.items():
        if verb not in rows:
            missing.append(verb)
            continue
        for action in sub._actions:
            for option in action.option_strings:
                if option not in shared and option not in rows[verb]:
                    missing.append(f"{verb} {option}")
    assert missing == []


def test_explain_shows_each_article_of_each_file_and_each_bad_one_in_a_line(project, capsys,
                                                                           tmp_path):
    import json

    from conftest import SEED

    lines = [{"title": "Premier titre", "text": "Le premier texte, assez long pour un article."},
             {"title": "Sans texte", "text": ""},
             {"title": "Troisième titre", "text": "Le troisième texte, assez long lui aussi."}]
    corpus = tmp_path / "three.jsonl"
    corpus.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                      encoding="utf-8")
    capsys.readouterr()
    assert run(project, "explain", str(tmp_path / "missing.txt"), str(corpus), str(SEED)) == 1
    out, err = capsys.readouterr()
    heads = [line for line in out.splitlines() if line.startswith("== ")]
    assert heads == ["== three.jsonl:1", "== three.jsonl:3", f"== {SEED.name}"]
    assert "title: Premier titre" in out and "title: Troisième titre" in out
    assert "title: La Maison Blanche a dit ne pas vouloir" in out
    assert re.search(r"^\s+\d+\s+body\s+[\d.]+ \| ", out, re.M)  # a verdict per line
    errors = err.strip().splitlines()
    assert len(errors) == 2 and "missing.txt" in errors[0] and "three.jsonl:2" in errors[1]


def test_explain_gives_the_models_evidence_for_the_lines_no_rule_decided(project, capsys, tmp_path):
    """A menu line and a paragraph: each with the model's probability and its strongest
    features; a line a rule decided names the rule and no probability."""
    page = tmp_path / "page.txt"
    prose = ("The council approved the harbour plan on Tuesday after a long debate, and the "
             "first works are due to start in the spring, the mayor said. ")
    page.write_text("Harbour plan approved\n\nHome\nNews\nSport\n\n" + prose * 2 + "\n\n"
                    + prose + "\n\nFollow us on Twitter\n", encoding="utf-8")
    assert run(project, "explain", str(page)) == 0
    out = capsys.readouterr().out.splitlines()
    menu = next(i for i, ln in enumerate(out) if ln.endswith("| Home"))
    assert " head " in out[menu] and float(out[menu].split("|")[0].split()[-1]) < 0.5
    body = next(i for i, ln in enumerate(out) if "| The council" in ln)
    assert " body " in out[body] and float(out[body].split("|")[0].split()[-1]) >= 0.5
    assert re.search(r"^ {30}[a-z ()|»-]+ [+-]\d\.\d(, [a-z ()|»-]+ [+-]\d\.\d)+$",
                     out[body + 1])  # its evidence, on the next line
    follow = next(ln for ln in out if ln.endswith("| Follow us on Twitter"))
    assert "follow-us" in follow and "    -" in follow
