"""Shared fixtures: a throwaway copy of the sample project, built with the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from broadsheet.cli import main

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "raw" / "000_2858112e9b9562c5.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(root: Path, raw_files: list[Path] | None = None) -> Path:
    """A project folder like the repo's: site.yaml, templates/, static/, raw/ (the seed, or
    the given files), and an empty content/. Returns the path of its site.yaml."""
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    (root / "raw").mkdir()
    for f in raw_files if raw_files is not None else [SEED]:
        shutil.copy(f, root / "raw" / f.name)
    (root / "content").mkdir()
    return root / "site.yaml"


def run(config: Path, *args: str) -> int:
    """The CLI as a user runs it: `broadsheet VERB ... --config site.yaml`."""
    return main([*args, "--config", str(config), "--quiet"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An unbuilt copy of the sample project; yields its site.yaml."""
    return make_project(tmp_path / "proj")


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The sample project after `broadsheet all`; yields its site.yaml."""
    config = make_project(tmp_path / "proj")
    assert run(config, "all") == 0
    return config


@pytest.fixture(scope="session")
def built_session(tmp_path_factory) -> Path:
    """One built sample project for read-only tests (server, browser)."""
    config = make_project(tmp_path_factory.mktemp("sample") / "proj")
    assert run(config, "all") == 0
    return config
