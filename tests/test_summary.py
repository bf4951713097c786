"""The build's summary: a few lines for people, `--json` for machines, exit codes."""

from __future__ import annotations

import json

import pytest

from conftest import run


def test_summary_lines(built, capsys):
    capsys.readouterr()
    assert run(built, "build", "--full") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("build: 1 article -> ") and lines[0].endswith("site")
    files = lines[1].split()
    assert files[0] == "files" and int(files[1]) > 20 and files[2:] == [
        "written,", "0", "unchanged,", "0", "removed"]
    assert lines[2].split() == ["problems", "0", "files", "with", "errors,", "0", "warnings"]
    assert lines[3].split()[0] == "time" and "render" in lines[3] and "load" in lines[3]
    assert len(lines) == 4


def test_json_summary_with_a_bad_file(built, capsys):
    (built.parent / "content" / "bad.md").write_text("---\ntitle: [x\n---\nText\n",
                                                     encoding="utf-8")
    capsys.readouterr()
    assert run(built, "build", "--json") == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout is the JSON alone
    assert data["exit_code"] == 1 and data["articles"] == 1 and data["warnings"] == []
    assert data["files"]["written"] == 0 and data["files"]["removed"] == 0
    assert data["files"]["unchanged"] > 20
    [error] = data["errors"]
    assert error["path"].endswith("content/bad.md") and error["line"] == 2  # the "[" line
    assert "front matter" in error["message"]
    assert data["seconds"]["total"] >= 0 and set(data["seconds"]) > {"total"}
    assert captured.err.strip().endswith("content/bad.md:2: front matter: a [ or { opened "
                                         "on this line is never closed")


def _broken_template(config):
    (config.parent / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}{{ oops( }}{% endblock %}', encoding="utf-8")


def _strict_bad_file(config):
    (config.parent / "content" / "bad.md").write_text("---\ntitle: [x\n---\nText\n",
                                                      encoding="utf-8")


def _bad_config(config):
    config.write_text(config.read_text(encoding="utf-8") + "\nper_page: -1\n", encoding="utf-8")


@pytest.mark.parametrize("break_it, extra, words", [
    (_broken_template, [], "template syntax"),
    (_strict_bad_file, ["--strict"], "front matter"),
    (_bad_config, [], "'per_page' must be a whole number"),
])
def test_json_summary_of_a_build_that_fails_whole(built, capsys, break_it, extra, words):
    # nothing is published; a CI script reading stdout still gets one JSON object
    break_it(built)
    capsys.readouterr()
    assert run(built, "build", "--json", *extra) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["exit_code"] == 1 and data["files"] == {"written": 0, "unchanged": 0,
                                                        "removed": 0}
    assert len(data["errors"]) == 1 and words in data["errors"][0]["message"]
    assert captured.err.startswith("error: ")
