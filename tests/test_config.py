from pathlib import Path

import pytest

from broadsheet.config import load_config
from broadsheet.errors import ConfigError
from conftest import run


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "site.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_paths_are_relative_to_the_config_file(tmp_path, monkeypatch):
    cfg = write(tmp_path, "title: T\ncontent_dir: words\nbase_url: https://ex.org/news\n")
    monkeypatch.chdir("/")
    config = load_config(cfg)
    assert config.content_dir == tmp_path / "words"
    assert config.site_dir == tmp_path / "site"
    assert config.base_url == "https://ex.org/news/"
    assert config.base_path == "/news/"


def test_unknown_keys_and_bad_values_are_all_named(tmp_path):
    cfg = write(tmp_path, "titel: T\nper_page: 0\nbase_url: ftp://x\nlanguage: French\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    lines = [str(e) for e in (err.value, *err.value.others)]
    # one problem a line, each at its key's line, the value as written, a misspelt key's fix
    assert lines == [
        f"{cfg}:1: unknown key 'titel' (did you mean 'title'?)",
        f"{cfg}:2: 'per_page' must be a whole number of at least 1, not 0",
        f"{cfg}:3: 'base_url' must be an absolute http(s) URL without spaces, query or "
        f'fragment, like https://example.org/news/, not "ftp://x"',
        f"{cfg}:4: 'language' must be a language code like 'fr' or 'en', not \"French\""]


def test_config_yaml_mistakes_are_told_at_their_line_with_what_to_do(tmp_path):
    for text, line, message in (
            ('title: Paris: la grève\n', 1, 'a ": " inside a value: put the value in quotes'),
            ('title: T\n\tper_page: 3\n', 2, "a tab in the indentation: indent with spaces"),
            ('title: "T\nper_page: 3\n', 1, "a quote opened on this line is never closed"),
            ('title: T\ntags: [a, b\nper_page: 3\n', 2, "a [ or { opened on this line")):
        with pytest.raises(ConfigError) as err:
            load_config(write(tmp_path, text))
        assert err.value.line == line and err.value.message.startswith(message), text


def test_yaml_syntax_error_names_the_line(tmp_path):
    cfg = write(tmp_path, "title: T\nper_page: [1\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert err.value.line is not None and err.value.path == str(cfg)


def test_missing_default_config_means_defaults_but_a_named_one_is_required(tmp_path):
    assert load_config(tmp_path / "site.yaml").per_page == 10
    assert load_config(tmp_path / "site.yaml").tag_min_count == 2  # one article: no tag page
    with pytest.raises(ConfigError):
        load_config(tmp_path / "other.yaml", required=True)


def test_cli_overrides_resolve_against_the_working_directory(tmp_path, monkeypatch):
    cfg = write(tmp_path, "title: T\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(cfg, site_dir="out")
    assert config.site_dir == tmp_path / "out"


@pytest.mark.parametrize("state, index", [(".bs/index/state", ".bs/index"),
                                          (".bs", ".bs/index"), (".bs/x", ".bs/x")])
def test_state_and_index_must_be_apart(tmp_path, state, index):
    """The index is swapped whole: a state folder inside it (with the project's lock) would go."""
    cfg = write(tmp_path, f"state_dir: {state}\nindex_dir: {index}\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "'state_dir'" in str(err.value) and "must be apart" in str(err.value)


@pytest.mark.parametrize("line", ["site_dir: .", "site_dir: content", "index_dir: .",
                                  "index_dir: site/idx"])
def test_output_folders_cannot_swallow_the_project(project, line):
    project.write_text(project.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(project)
    assert run(project, "all") == 1
    assert (project.parent / "raw").is_dir() and (project.parent / "templates").is_dir()


def test_the_config_reads_the_same_in_every_process(tmp_path):
    """A build compares the config's text with the last build's: a set in it (banned tags)
    must not print in another order under another hash seed."""
    import os
    import subprocess
    import sys

    path = write(tmp_path, "tags:\n  ban: [Photo, Source, Vidéo, Crédit, AFP, Reuters]\n")
    code = "import sys; from broadsheet.config import load_config; print(str(load_config(sys.argv[1])))"
    outs = {subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}, check=True).stdout
            for seed in range(1, 6)}
    assert len(outs) == 1 and "photo" in outs.pop()


@pytest.mark.parametrize("line, words", [
    # an output inside an input: published (the index under static/), or its own input
    ("index_dir: static/idx", "'index_dir' ({root}/static/idx) must not be inside 'static_dir'"),
    ("state_dir: static/state", "'state_dir' ({root}/static/state) must not be inside 'static_dir'"),
    ("site_dir: content/out", "'site_dir' ({root}/content/out) must not be inside 'content_dir'"),
    ("index_dir: templates/ix", "'index_dir' ({root}/templates/ix) must not be inside"),
    # values that used to end in a traceback, or in wrong URLs
    ('content_dir: "a\\0b"', "'content_dir' must not contain a NUL character"),
    ("max_input_mb: .inf", "'max_input_mb' must be a number of megabytes above 0"),
    ('base_url: "http://example.org/a?b=c"', "'base_url' must be an absolute http(s) URL"),
    ('base_url: "http://example.org/a#d"', "'base_url' must be an absolute http(s) URL"),
    ('base_url: "http://exa mple.org/"', "'base_url' must be an absolute http(s) URL"),
])
def test_values_a_build_would_misuse_are_refused(tmp_path, line, words):
    cfg = write(tmp_path, f"title: T\n{line}\n")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert words.format(root=tmp_path) in str(err.value)


def test_the_cli_names_each_problem_on_its_line_relative_to_the_folder(tmp_path, monkeypatch,
                                                                         capsys):
    from broadsheet.cli import main

    write(tmp_path, "title: T\nper_pgae: 3\nfeed_size: many\n")
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path / "content")  # the site.yaml above is found, named as seen
    assert main(["build", "--quiet"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: ../site.yaml:2: unknown key 'per_pgae' (did you mean 'per_page'?)",
        "error: ../site.yaml:3: 'feed_size' must be a whole number of at least 1, not \"many\""]
