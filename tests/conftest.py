"""Shared fixtures: a throwaway copy of the sample project, built with the real CLI."""

from __future__ import annotations

import contextlib
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


THEME = REPO / "broadsheet" / "theme"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path, with its bytes: two trees compare equal
    only when they are byte-identical."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def override(config: Path, name: str, folder: str = "templates") -> Path:
    """The project's own copy of a theme file (templates/NAME or static/NAME), made from the
    theme's on first use, as a user overrides one: edit it and the build uses it."""
    path = config.parent / folder / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(THEME / folder / name, path)
    return path


def write_article(config: Path, name: str, front: str, body: str = "Texte.") -> Path:
    """content/NAME.md with this front matter (YAML lines) and body, as a person writes one."""
    path = config.parent / "content" / f"{name}.md"
    path.write_text(f"---\n{front}\n---\n\n{body}\n", encoding="utf-8")
    return path


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
    """One built sample project for the whole run, shared by the tests that only read it (the
    server, the browser, the pages, the verbs that write nothing: check, search): a test
    that writes into the project, builds again or edits content/ or site.yaml takes `built`."""
    config = make_project(tmp_path_factory.mktemp("sample") / "proj")
    assert run(config, "all") == 0
    return config


# ---- the browser, shared by the browser tests ------------------------------------------------

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Headless Chromium (Debian's chromium and chromium-driver), one per test module; its
    console log is kept (`driver.get_log("browser")`: CSP violations show there)."""
    import os

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        why = f"browser tests need {' and '.join(missing)} (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


@contextlib.contextmanager
def serving(config: Path):
    """The preview server for a built project, on a free loopback port; yields its base URL."""
    from broadsheet.serve import running

    with running(config.parent / "site", config.parent / ".broadsheet" / "index") as url:
        yield url


def pytest_collection_modifyitems(config, items):
    """`browser` on every test that takes the driver: `make test-fast` leaves them out."""
    for item in items:
        if "driver" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def interruptible() -> None:
    """preexec_fn for a server a test stops with SIGINT (Ctrl-C): the child takes SIGINT as a
    terminal would give it, even when the test run was started in the background, where
    the shell has it ignored and every child inherits that."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
