"""Search benchmark: index build, incremental update, /api/search latency, static index size.

    python bench/search_speed.py [--n 10000] [--workdir DIR] [--queries 200]

Builds a corpus of N articles (with ../shared/bench/gen_corpus.py when it is there, the
corpus the issues' figures were measured with; otherwise bench/gen_raw.py then ingest),
then measures, each as a user runs it:
- `broadsheet build` (site, index and static index) and `broadsheet index --full`;
- `broadsheet index` after editing 10 articles;
- `/api/search` over real HTTP on `broadsheet serve`: p50 and p99 of a fixed mix of one-,
  two- and three-word queries, phrases and filtered queries;
- the static index: total size, largest file, and the bytes the search page downloads for
  its first query (meta, surface and posting shards, the documents of the first page).
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_GEN = ROOT.parent / "shared" / "bench" / "gen_corpus.py"


def sh(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "broadsheet", *args, "--quiet"], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start


def make_corpus(n: int, work: Path) -> None:
    content = work / "content"
    if SHARED_GEN.is_file():
        subprocess.run([sys.executable, str(SHARED_GEN), "--n", str(n), "--out", str(content)],
                       check=True, stdout=subprocess.DEVNULL)
    else:
        raw = work / "raw"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_raw.py"), "--n", str(n),
                        "--out", str(raw)], check=True, stdout=subprocess.DEVNULL)
        sh(["ingest", str(raw), "--content", str(content)], work)
    (work / "site.yaml").write_text(
        f'title: bench\nbase_url: "http://127.0.0.1:8000/"\nper_page: 20\n'
        f"templates_dir: {ROOT / 'templates'}\nstatic_dir: {ROOT / 'static'}\n", encoding="utf-8")


def query_mix(work: Path, count: int) -> list[str]:
    """Deterministic queries from the corpus's own words, tags and years."""
    rng = random.Random(7)
    words, tags = [], []
    from broadsheet.frontmatter import load

    for path in sorted((work / "content").glob("*.md"))[:400]:
        article = load(path.read_text(encoding="utf-8"), path)
        words += re.findall(r"[^\W\d_]{5,}", article.body)[:40]
        tags += article.tags
    out = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            out.append(rng.choice(words))
        elif kind == 1:
            out.append(" ".join(rng.sample(words, 2)))
        elif kind == 2:
            out.append(" ".join(rng.sample(words, 3)))
        elif kind == 3:
            start = rng.randrange(len(words) - 2)
            out.append('"' + " ".join(words[start:start + 2]) + '"')
        else:
            out.append(f"{rng.choice(words)} tag:{rng.choice(tags)}")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_latency(work: Path, queries: list[str]) -> tuple[float, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "broadsheet", "serve", "--port", str(port)],
                              cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        base = f"http://127.0.0.1:{port}/api/search?q="
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "warm", timeout=30).read()
                break
            except OSError:
                time.sleep(0.1)
        times = []
        for q in queries:
            start = time.perf_counter()
            urllib.request.urlopen(base + urllib.parse.quote(q), timeout=30).read()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]
    finally:
        server.terminate()
        server.wait(timeout=10)


@functools.lru_cache(maxsize=4)
def _row_shards(site: Path) -> dict[str, str]:
    """The result rows' shard files, by the URL of their article (read once per site)."""
    from broadsheet.publish.search.static_format import _parse_script

    where = {}
    for p in sorted((site / "search" / "d").glob("*.js")):
        for row in _parse_script(p.read_bytes()).values():
            where[row[0]] = p.stem
    return where


def static_index_rows(site: Path, index_dir: Path, queries: list[str]) -> list[tuple[str, float]]:
    """The static index's size and what a first query downloads (median and max over the
    first 20 queries)."""
    files = list((site / "search").rglob("*.js"))
    firsts = [first_query_bytes(site, index_dir, q) for q in queries[:20]]
    return [("static index: files", len(files)),
            ("static index: total MB", round(sum(f.stat().st_size for f in files) / 1e6, 1)),
            ("static index: largest file KB",
             round(max(f.stat().st_size for f in files) / 1e3, 1)),
            ("first query download KB, median of 20", round(statistics.median(firsts) / 1e3, 1)),
            ("first query download KB, max of 20", round(max(firsts) / 1e3, 1))]


def first_query_bytes(site: Path, index_dir: Path, query: str) -> int:
    """The files the static search page loads for its first query, as the browser would."""
    from broadsheet.publish import search as s
    from broadsheet.publish.search.static_format import _parse_script

    def load(name):
        data = (site / "search" / f"{name}.js").read_bytes()
        return _parse_script(data), len(data)

    meta, total = load("meta")
    seen = {"meta"}

    def need(name):
        nonlocal total
        data, size = load(name)
        if name not in seen:
            seen.add(name)
            total += size
        return data

    words, _ = s.split_filters(query)
    for word in re.findall(r"\w+", words):
        folded = s.fold(word)
        entry = need(f"s/{s.fnv1a(folded) % meta['shards']['s']}").get(folded)
        if not entry:
            continue
        for group, found in entry.items():
            key = f"{group}:{found}"
            need(meta["big"].get(key) or f"p/{s.fnv1a(key) % meta['shards']['p']}")
    ix = s.SearchIndex(index_dir)
    try:  # the first page's documents: each in the shard of its key (from its id's hash)
        hits = ix.search(query, limit=10, facets=False)["hits"]
    finally:
        ix.close()
    where = _row_shards(site)
    for hit in hits:
        need(f"d/{where[hit['url']]}")
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="broadsheet-search-"))
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "content").is_dir():
        make_corpus(args.n, work)
    n = len(list((work / "content").glob("*.md")))
    rows = [("articles", n)]
    for folder in (work / "site", work / ".broadsheet"):  # a cold build
        shutil.rmtree(folder, ignore_errors=True)
    rows.append(("cold build: site + index + static index, s", round(sh(["build"], work), 2)))
    rows.append(("index --full, s", round(sh(["index", "--full"], work), 2)))
    for path in sorted((work / "content").glob("*.md"))[:10]:
        path.write_text(path.read_text(encoding="utf-8").replace("\n---\n", "\n---\n\nEdited. ", 1),
                        encoding="utf-8")
    rows.append(("index after editing 10 articles, s", round(sh(["index"], work), 2)))
    queries = query_mix(work, args.queries)
    p50, p99 = api_latency(work, queries)
    rows.append((f"/api/search p50 over {len(queries)} queries, ms", round(p50, 1)))
    rows.append(("/api/search p99, ms", round(p99, 1)))
    rows += static_index_rows(work / "site", work / ".broadsheet" / "index", queries)
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\nrepeat with: python bench/search_speed.py --n {args.n}"
          + (f" --workdir {args.workdir}" if args.workdir else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
