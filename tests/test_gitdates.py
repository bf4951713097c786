"""`updated` from git: one `git log` for the folder; no git, no repository or a shallow clone
fall back to no dates."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run
from broadsheet.config import load_config
from broadsheet.errors import Diagnostics
from broadsheet.gitdates import file_dates, parse_log
from broadsheet.publish.pipeline import build, load

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def git(folder: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", "-C", str(folder), *args], check=True, env=env, capture_output=True)


def test_parse_log_keeps_each_files_newest_date():
    out = ("\x012024-05-02T10:00:00+02:00\0\na b.md\0é.md\0"
           "\x012023-01-01T00:00:00+00:00\0\na b.md\0old.md\0")
    dates = parse_log(out)
    assert dates == {"a b.md": dt.datetime.fromisoformat("2024-05-02T10:00:00+02:00"),
                     "é.md": dt.datetime.fromisoformat("2024-05-02T10:00:00+02:00"),
                     "old.md": dt.datetime.fromisoformat("2023-01-01T00:00:00+00:00")}


@pytest.fixture
def repo(project: Path) -> Path:
    """The sample project in git: the article (dated: an undated one shows no commit date)
    committed on 2024-03-01, then edited on 06-15."""
    root = project.parent
    assert run(project, "ingest") == 0
    path = next((root / "content").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8").replace("\ntitle:", "\ndate: 2015-10-27"
                                                             "\ntitle:", 1), encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "content")
    git(root, "commit", "-q", "-m", "first", when="2024-03-01T09:00:00+01:00")
    path = next((root / "content").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nUne ligne de plus.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "edit", when="2024-06-15T18:30:00+02:00")
    return project


def test_updated_is_the_last_commit_to_the_file(repo):
    problems = Diagnostics()
    articles, _ = load(load_config(repo), problems)
    assert not problems.errors and not problems.warnings
    assert articles[0].updated == dt.datetime.fromisoformat("2024-06-15T18:30:00+02:00")


def built_with_an_uncommitted_edit(repo: Path) -> None:
    """The site built, then an article edited and built again, not yet committed."""
    assert run(repo, "build") == 0
    path = next((repo.parent / "content").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nEncore.\n", encoding="utf-8")
    assert run(repo, "build") == 0


def test_a_commit_alone_is_not_a_no_op_build(repo):
    """Committing a file already edited changes no file on disk, but its date."""
    root = repo.parent
    built_with_an_uncommitted_edit(repo)
    before = load(load_config(repo), Diagnostics())[0][0].updated
    git(root, "commit", "-q", "-am", "again", when="2025-01-02T08:00:00+01:00")
    config = load_config(repo)
    result = build(config)
    assert "check" not in result.timings  # not taken for a no-op
    assert load(config, Diagnostics())[0][0].updated != before


def test_no_repository_no_dates(project):
    assert run(project, "ingest") == 0
    dates, warning = file_dates(project.parent / "content")
    assert dates == {} and warning is None
    articles, _ = load(load_config(project), Diagnostics())
    assert articles[0].updated is None


def test_shallow_clone_warns_and_goes_on(repo, tmp_path, capsys):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.parent.as_uri(), str(clone)],
                   check=True, capture_output=True)
    shutil.copytree(repo.parent / "templates", clone / "templates")
    shutil.copytree(repo.parent / "static", clone / "static")
    shutil.copy(repo, clone / "site.yaml")
    capsys.readouterr()
    assert run(clone / "site.yaml", "build") == 0
    err = capsys.readouterr().err
    assert "warning: " in err and "a shallow git clone: no `updated` dates" in err
    assert load(load_config(clone / "site.yaml"), Diagnostics())[0][0].updated is None
    # the whole history fetched, HEAD unmoved: the next build dates the pages (it took the
    # unchanged HEAD for a no-op build, and the pages stayed undated)
    git(clone, "fetch", "-q", "--unshallow")
    capsys.readouterr()
    assert run(clone / "site.yaml", "build") == 0
    assert "shallow" not in capsys.readouterr().err
    page = next((clone / "site" / "articles").glob("*.html")).read_text(encoding="utf-8")
    assert "2024-06-15" in page


def test_a_repository_without_commits_gives_no_dates_and_no_warning(project, capsys):
    assert run(project, "ingest") == 0
    git(project.parent, "init", "-q", "-b", "main")
    capsys.readouterr()
    assert run(project, "build") == 0
    assert "warning" not in capsys.readouterr().err


def test_git_dates_can_be_turned_off(repo):
    text = repo.read_text(encoding="utf-8") + "git_dates: false\n"
    repo.write_text(text, encoding="utf-8")
    assert load(load_config(repo), Diagnostics())[0][0].updated is None


def test_a_commit_alone_reindexes_nothing(repo):
    """The index stores no git date: a commit changes pages' dates, not the index."""
    from broadsheet.publish import search as search_module
    root = repo.parent
    built_with_an_uncommitted_edit(repo)
    config = load_config(repo)
    hashes = (config.index_dir / search_module.HASHES_FILE).read_text()
    git(root, "commit", "-q", "-am", "again", when="2025-01-02T08:00:00+01:00")
    result = build(config)
    assert any(p.startswith("articles/") for p in result.written_paths)  # the date shows
    assert (config.index_dir / search_module.HASHES_FILE).read_text() == hashes
    assert not any(p.startswith("search/") for p in result.written_paths)


def test_dates_are_kept_per_commit(repo, monkeypatch):
    """git log walks the whole history: once per commit checked out, not once per build."""
    from broadsheet import gitdates
    config = load_config(repo)
    first = load(config, Diagnostics())[0][0].updated
    calls = []
    real = gitdates._file_dates
    monkeypatch.setattr(gitdates, "_file_dates", lambda f: calls.append(f) or real(f))
    assert load(config, Diagnostics())[0][0].updated == first and calls == []  # same HEAD: kept
    root = repo.parent
    path = next((root / "content").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nPlus.\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "third", when="2025-03-03T10:00:00+01:00")
    assert load(config, Diagnostics())[0][0].updated == dt.datetime.fromisoformat("2025-03-03T10:00:00+01:00")
    assert len(calls) == 1


def test_an_undated_article_does_not_show_its_commit_as_a_date(repo):
    # the last commit says when the file entered the archive; a reader takes "updated …"
    # beside a headline for the news's date, so an undated article shows none
    path = next((repo.parent / "content").glob("*.md"))
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(ln for ln in text.split("\n") if not ln.startswith("date:")),
                    encoding="utf-8")
    git(repo.parent, "commit", "-q", "-am", "undated", when="2024-07-01T12:00:00+02:00")
    assert run(repo, "build", "--no-index") == 0
    [page] = (repo.parent / "site" / "articles").glob("*.html")
    html = page.read_text(encoding="utf-8")
    assert "2024-07-01" not in html and "modified_time" not in html and "dateModified" not in html
