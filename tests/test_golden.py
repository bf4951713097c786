"""The golden site: a small fixed corpus (tests/golden/content, all the front matter a corpus
uses: languages, sources, agencies, tags with synonyms and a ban, an alias, a draft, an
undated article, one kept out of search, a table, a footnote, raw HTML) built and compared
byte for byte with tests/golden/expected/. A change meant to alter the output regenerates it
with `make golden`, and the diff of expected/ shows what readers will see change."""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = GOLDEN / "expected"


def build_golden(root: Path, *args: str) -> Path:
    """The golden corpus copied into root and built there (site and search); its site/."""
    from broadsheet.cli import main

    shutil.copy(GOLDEN / "site.yaml", root / "site.yaml")
    shutil.copytree(GOLDEN / "content", root / "content")
    assert main(["build", "--config", str(root / "site.yaml"), "--quiet", *args]) == 0
    return root / "site"


def tree(folder: Path) -> list[str]:
    """The files compared: all but static/, the theme's files copied as they are (the build
    tests check the copy), which would only repeat the theme here."""
    return sorted(rel for rel in (p.relative_to(folder).as_posix() for p in folder.rglob("*")
                                  if p.is_file()) if not rel.startswith("static/"))


def differences(got: Path, want: Path) -> list[str]:
    """What differs between two trees, one line per file."""
    mine, theirs = tree(got), tree(want)
    lines = [f"missing: {rel}" for rel in sorted(set(theirs) - set(mine))]
    lines += [f"unexpected: {rel}" for rel in sorted(set(mine) - set(theirs))]
    lines += [f"differs: {rel}" for rel in sorted(set(mine) & set(theirs))
              if not filecmp.cmp(got / rel, want / rel, shallow=False)]
    return lines


def test_the_golden_site_is_built_byte_for_byte(tmp_path):
    site = build_golden(tmp_path)
    assert differences(site, EXPECTED) == [], "the site changed: if meant, run `make golden`"


def test_the_golden_site_on_several_processes_is_the_same(tmp_path):
    site = build_golden(tmp_path, "--jobs", "2", "--full")
    assert differences(site, EXPECTED) == []


def test_the_golden_corpus_shows_what_it_is_for():
    """The corpus keeps the cases it was made for (a draft left out, an alias redirect, a tag
    banned, a synonym merged, raw HTML escaped), so a regenerated golden still tests them."""
    files = tree(EXPECTED)
    assert not any("draft" in rel for rel in files)
    assert "articles/storm-harbour-closed.html" in files
    assert not any(rel.startswith("tags/news") for rel in files)
    assert any(rel.startswith("tags/islamic-state") for rel in files)
    page = (EXPECTED / "articles" / "storm-closes-harbour.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


if __name__ == "__main__":  # `make golden`: expected/ rebuilt from the corpus
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        site = build_golden(Path(tmp))
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(site, EXPECTED, ignore=lambda d, names: ["static"] if Path(d) == site
                        else [])
    print(f"{len(tree(EXPECTED))} files in {EXPECTED.relative_to(Path.cwd())}", file=sys.stderr)
