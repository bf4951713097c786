"""The documentation: README.md is what a newcomer reads in five minutes, and the rest is an
MkDocs site in docs/ that builds with no broken link (`make docs` runs the same build)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

from conftest import REPO

README = REPO / "README.md"
MAX_README_LINES = 250

# [text](target) and ![alt](target); a target may carry a "title"
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def test_docs_build_strict(tmp_path):
    """`mkdocs build --strict` fails on any warning: a link to a missing page or anchor
    (validation in mkdocs.yml), a page left out of the nav, a bad config."""
    out = tmp_path / "site"
    # not -v: MkDocs checks anchors only when it does not log at DEBUG level
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(REPO / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert (out / "index.html").is_file()
    assert (out / "reference" / "cli.html").is_file()  # opens from disk: no folder URLs
    assert (out / "screenshots" / "home-desktop.png").is_file()  # the pictures pages show
    assert not (out / "screenshots.py").exists()  # make screenshots' script is not a page


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


def test_readme_links_lead_to_files():
    text = _FENCE.sub("", README.read_text(encoding="utf-8"))  # commands, not links
    targets = _LINK.findall(text)
    relative = [t for t in targets
                if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I) and not t.startswith("#")]
    assert len(relative) >= 10  # the screenshots and the docs pages, at least
    broken = [t for t in relative
              if not (REPO / unquote(t.split("#")[0])).exists()]
    assert broken == []


def test_readme_keeps_the_two_commands():
    """`make site` and `make test` are what README promises a newcomer; both targets exist."""
    text = README.read_text(encoding="utf-8")
    assert "## The two commands" in text
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("site", "test", "serve", "docs"):
        assert re.search(rf"^{target}:", makefile, re.M), target
        assert f"make {target}" in text, target
