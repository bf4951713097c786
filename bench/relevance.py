#!/usr/bin/env python3
"""Search relevance on a set of our own: does the right article come first?

    python bench/relevance.py [--static] [--misses]

Builds bench/relevance/content (invented articles in five languages) into a temporary
project with the CLI, then asks every query of bench/relevance/queries.yaml (words, quoted
phrases with common words inside, names, misspellings, filters, words that are common in
another language) of the served search (what /api/search answers) and, with --static, of the
static search page in headless Chromium (Debian's chromium and chromium-driver). Each query
names the article that must come first. Prints, per kind of query and overall, the share of
queries whose first result is that article and MRR@10 (the mean of 1/rank, 0 past rank 10).
A misspelled query that finds nothing follows the served search's "did you mean" once, as a
reader clicks it; the static page offers no correction.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "bench" / "relevance"
DEPTH = 10


def queries() -> list[dict]:
    return yaml.safe_load((SET / "queries.yaml").read_text(encoding="utf-8"))


def build(work: Path) -> Path:
    """The set built as a user builds a site: content/, site.yaml, `broadsheet build`."""
    shutil.copytree(SET / "content", work / "content")
    (work / "site.yaml").write_text(
        f'title: relevance\nbase_url: "http://127.0.0.1:8000/"\n'
        f"templates_dir: {ROOT / 'templates'}\nstatic_dir: {ROOT / 'static'}\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "broadsheet", "build", "--quiet"], cwd=work,
                   check=True, stdout=subprocess.DEVNULL)
    return work / "site.yaml"


def slug(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".html")


def rank(urls: list[str], first: str, slugs: dict[str, str]) -> int | None:
    """The 1-based rank of the article (by its content file's name) among urls, or None."""
    wanted = slugs[first]
    found = [slug(u) for u in urls[:DEPTH]]
    return found.index(wanted) + 1 if wanted in found else None


def _slugs_from_files(cfg) -> dict[str, str]:
    """Content file name -> the slug its page is published under."""
    from broadsheet import frontmatter

    return {path.stem: frontmatter.load(path.read_text(encoding="utf-8"), path).slug
            for path in sorted(cfg.content_dir.glob("*.md"))}


def served(config: Path, qs: list[dict]) -> list[int | None]:
    from broadsheet.config import load_config
    from broadsheet.publish.search import search

    index_dir, slugs = load_config(config).index_dir, _slugs_from_files(load_config(config))
    out = []
    for q in qs:
        result = search(index_dir, q["q"], limit=DEPTH)
        if not result["hits"] and result.get("suggestion"):
            result = search(index_dir, result["suggestion"], limit=DEPTH)
        out.append(rank([h["url"] for h in result["hits"]], q["first"], slugs))
    return out


def static(driver, config: Path, qs: list[dict]) -> list[int | None]:
    from broadsheet.config import load_config

    slugs = _slugs_from_files(load_config(config))
    driver.set_script_timeout(30)
    driver.get((config.parent / "site" / "search.html").as_uri())
    out = []
    for q in qs:
        result = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "window.BroadsheetSearch.query(arguments[0], {limit: arguments[1]}).then(done, "
            "function (e) { done({error: String(e)}); });", q["q"], DEPTH)
        out.append(None if "error" in result else
                   rank([h["url"] for h in result["hits"]], q["first"], slugs))
    return out


def figures(qs: list[dict], ranks: list[int | None]) -> dict[str, tuple[int, float, float]]:
    """kind -> (queries, share first right, MRR@10), and "all"."""
    by: dict[str, list[int | None]] = defaultdict(list)
    for q, r in zip(qs, ranks):
        by[q["kind"]].append(r)
        by["all"].append(r)
    return {kind: (len(rs), sum(r == 1 for r in rs) / len(rs),
                   sum(1 / r for r in rs if r) / len(rs)) for kind, rs in sorted(by.items())}


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--static", action="store_true", help="also the static page, in Chromium")
    ap.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    args = ap.parse_args(argv)
    qs = queries()
    with tempfile.TemporaryDirectory(prefix="relevance-") as tmp:
        config = build(Path(tmp))
        runs = {"served": served(config, qs)}
        if args.static:
            driver = chromium()
            try:
                runs["static"] = static(driver, config, qs)
            finally:
                driver.quit()
    print(f"{'engine':8} {'kind':8} {'queries':>7} {'first':>6} {'MRR@10':>7}")
    for engine, ranks in runs.items():
        for kind, (n, first, mrr) in figures(qs, ranks).items():
            print(f"{engine:8} {kind:8} {n:7} {first:6.3f} {mrr:7.3f}")
        if args.misses:
            for q, r in zip(qs, ranks):
                if r != 1:
                    print(f"  {engine} miss: {q['q']!r} -> {q['first']} at {r}")
    print("repeat with: python bench/relevance.py" + (" --static" if args.static else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
