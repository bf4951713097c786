"""A first day: `broadsheet init`, a site found from any folder inside it, help on every verb,
and the walk from an empty folder to a served, searchable site (real HTTP, Chromium)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from broadsheet.cli import main, parser
from conftest import REPO, SEED

EVAL = REPO / "bench" / "eval" / "articles"


def cli(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "broadsheet", *args], cwd=cwd, text=True,
                          capture_output=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                          **kw)


def test_init_writes_a_new_site(tmp_path):
    done = cli("init", "mysite", "--title", "Archives: « Le Val »", "--language", "fr",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "mysite"
    for name in ("site.yaml", "README.md", ".gitignore", "templates/README.md",
                 "static/README.md", ".github/workflows/site.yml"):
        assert (site / name).is_file(), name
    assert all((site / d).is_dir() for d in ("raw", "content", "templates", "static"))
    config = yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8"))
    assert config["title"] == "Archives: « Le Val »" and config["language"] == "fr"
    assert "site/" in (site / ".gitignore").read_text(encoding="utf-8")
    yaml.safe_load((site / ".github/workflows/site.yml").read_text(encoding="utf-8"))
    assert "cd mysite" in done.stdout and "broadsheet all" in done.stdout


@pytest.mark.parametrize("existing", ["a file in it", "a file"])
def test_init_never_writes_into_what_exists(tmp_path, existing):
    target = tmp_path / "mysite"
    if existing == "a file":
        target.write_text("mine", encoding="utf-8")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine", encoding="utf-8")
    done = cli("init", "mysite", cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: mysite: ")
    assert sorted(p.name for p in tmp_path.rglob("*")) in (["mysite"], ["mysite", "notes.txt"])


@pytest.mark.slow
def test_every_verb_finds_the_site_from_a_folder_inside_it(tmp_path):
    assert cli("init", "s", cwd=tmp_path).returncode == 0
    shutil.copy(SEED, tmp_path / "s" / "raw" / SEED.name)
    deep = tmp_path / "s" / "content" / "notes"
    deep.mkdir(parents=True)
    assert cli("all", "--quiet", cwd=deep).returncode == 0
    assert (tmp_path / "s" / "site" / "index.html").is_file()
    found = cli("search", "syrie", cwd=deep)
    assert found.returncode == 0 and "1 article matches" in found.stdout


@pytest.mark.slow
def test_no_site_here_is_one_line_naming_init(tmp_path):
    (tmp_path / "a.txt").write_text("Titre\n\n" + "Un paragraphe de texte assez long. " * 5,
                                    encoding="utf-8")
    for verb in ("build", "all", "search x", "check", "serve", "new Titre"):
        done = cli(*verb.split(), cwd=tmp_path)
        assert done.returncode == 1, verb
        assert done.stderr.splitlines() == [
            "error: no site.yaml in this folder or any folder above it: start a site with "
            "`broadsheet init PATH`, or name one with --config"], verb
        assert not (tmp_path / "site").exists()
    assert cli("explain", "a.txt", cwd=tmp_path).returncode == 0  # a raw file needs no site


def test_no_verb_prints_the_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: broadsheet") and "init" in out and "serve" in out


def test_every_verb_and_option_says_what_it_does():
    top = parser()
    verbs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    assert set(verbs.choices) >= {"init", "all", "ingest", "build", "index", "search", "serve",
                                  "new", "check", "explain"}
    missing = []
    for name, sub in verbs.choices.items():
        if not sub.description or len(sub.description.split()) < 6:
            missing.append(name)
        for action in sub._actions:
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {action.dest}")
    assert missing == []
    assert "only place that prints" not in top.description


def test_the_first_day_from_an_empty_folder(tmp_path, driver):
    """init, three raw articles, `all`, `serve` (real HTTP), then a reader in Chromium: the
    home page lists the articles, an article opens, the search finds it."""
    assert cli("init", "news", cwd=tmp_path).returncode == 0
    site = tmp_path / "news"
    for raw in (SEED, *sorted(EVAL.glob("*.txt"))[:2]):
        shutil.copy(raw, site / "raw" / raw.name)
    done = cli("all", "--quiet", cwd=site)
    assert done.returncode == 0, done.stderr
    assert len(list((site / "content").glob("*.md"))) == 3
    server = subprocess.Popen([sys.executable, "-m", "broadsheet", "serve", "--port", "0"],
                              cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        for line in server.stdout:
            m = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            if m:
                base = m.group(1)
                break
        else:
            pytest.fail("serve said no address")
        driver.get(base)
        links = driver.find_elements(By.CSS_SELECTOR, "main a[href*='articles/']")
        assert len({a.get_attribute("href") for a in links}) == 3
        links[0].click()
        WebDriverWait(driver, 10).until(lambda d: "/articles/" in d.current_url)
        title = driver.find_element(By.TAG_NAME, "h1").text
        driver.get(base + "search.html?q=" + title.split()[0])
        WebDriverWait(driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li h2 a"))
        found = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#search-results li h2 a")]
        assert title in found
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_package_ships_the_new_site_files():
    # what `pip install .` puts in site-packages: package-data's globs must take them all
    import fnmatch
    import tomllib

    globs = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["broadsheet"]
    files = [p.relative_to(REPO / "broadsheet").as_posix()
             for p in (REPO / "broadsheet" / "skeleton").iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, g) for g in globs) for f in files)


def test_the_preview_command_printed_is_one_that_runs_from_here(monkeypatch, tmp_path):
    # `make site` runs broadsheet from .venv/bin, which is not on the PATH: the hint it
    # prints must be that path, not a bare `broadsheet` the shell cannot find
    from broadsheet import cli

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    here = Path(sys.executable).parent / "broadsheet"
    assert cli._command() == (os.path.relpath(here) if not os.path.relpath(here).startswith("..")
                              else str(here))
    monkeypatch.setattr(shutil, "which", lambda name: str(here))
    assert cli._command() == "broadsheet"


def test_the_license_is_an_spdx_string():
    # a table ({text = "MIT"}) makes pip warn, three times, on every install
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
