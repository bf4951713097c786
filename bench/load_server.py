"""Load test of the preview server: `broadsheet serve` under many concurrent clients.

    python bench/load_server.py [--n 10000] [--clients 50] [--seconds 30] [--workdir DIR]
                                [--connections mixed|keep-alive|fresh] [--seed S]

1. A corpus of N articles (build_speed.py's helper: ../shared/bench/gen_corpus.py when it is
   there, else bench/gen_content.py) with build_speed.py's site.yaml, built with the real CLI
   (`python -m broadsheet build`). With --workdir, a folder that already holds a built site
   (site/index.html, .broadsheet/index) is reused as it is.
2. `broadsheet serve` as a child process on a free port of 127.0.0.1.
3. --clients threads (standard library: http.client) for --seconds, each sending requests
   back to back: pages (articles, the home page and archive pages, tag pages, the tag index,
   static files, the feed, a missing page expecting the site's 404) and /api/search queries
   (words of the corpus, two and three words, phrases, filters, sort=date, page 2, filters
   alone, and malformed ones: some answered 200, others expecting 400). With
   --connections mixed (the default) even clients keep one connection alive and odd
   clients open a new one per request.
4. It prints requests, errors (a status other than the expected one, a connection error, a
   body that is not what the status says), throughput, p50/p90/p99/max latency per kind,
   the server's CPU time and its resident memory (VmRSS from /proc/PID/status) at the
   start, every few seconds and at the end, and the command that repeats the run.

Exit code 1 if there was any error, 0 otherwise. The clients run in this process on the
same machine as the server: on a 2-core machine they take a share of the CPU, so the
throughput is a floor, not the server's ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_speed  # noqa: E402  (the corpus, site.yaml and the way to run the CLI)

ROOT = build_speed.ROOT
RSS_EVERY = 5.0  # seconds between samples of the server's memory
TIMEOUT = 30.0  # seconds a client waits for an answer before it counts an error


# --- the site ----------------------------------------------------------------------------------

def prepare(n: int, work: Path, seed: int | None) -> str:
    """A built site in work/; what was done, in words."""
    site, index = work / "site", work / ".broadsheet" / "index"
    if (site / "index.html").is_file() and index.is_dir() and (work / "site.yaml").is_file():
        count = sum(1 for _ in (site / "articles").glob("*.html"))
        return f"reused the site built in {work} ({count} article pages)"
    if not (work / "content").is_dir():
        work.mkdir(parents=True, exist_ok=True)
        corpus = build_speed.make_corpus(n, work, build_speed.SHARED_GEN.is_file(), seed)
        made = f"generated {n} articles with {corpus.generator} in {corpus.seconds:.1f} s; "
    else:
        made = f"used the articles in {work / 'content'}; "
    (work / "site.yaml").write_text(build_speed.SITE_YAML.format(
        templates=ROOT / "templates", static=ROOT / "static"), encoding="utf-8")
    run = build_speed.broadsheet(work, "build")
    if run.rc != 0:
        sys.exit(f"broadsheet build failed (exit {run.rc}):\n{run.err[-2000:]}")
    rss = f", peak RSS {run.rss_mb:.0f} MB" if run.rss_mb else ""
    return made + f"built with `broadsheet build` in {run.seconds:.1f} s{rss}"



# --- the workload ------------------------------------------------------------------------------

class Workload:
    """What the clients ask for, from the built site and the corpus, each request with the
    status it expects."""

    def __init__(self, work: Path):
        site = work / "site"
        rel = lambda p: "/" + p.relative_to(site).as_posix()  # noqa: E731
        self.articles = [rel(p) for p in sorted((site / "articles").glob("*.html"))]
        self.listings = ["/"] + [rel(p) for p in sorted((site / "page").glob("*.html"))]
        self.tags = [rel(p) for p in sorted((site / "tags").rglob("*.html"))]
        self.static = [rel(p) for p in sorted((site / "static").rglob("*")) if p.is_file()]
        self.static += ["/feed.xml", "/sitemap.xml", "/search.html", "/tags/", "/static"]
        words, tags, years = [], set(), set()
        for path in sorted((work / "content").glob("*.md"))[:300]:
            _, front, body = path.read_text(encoding="utf-8").split("---", 2)
            words += re.findall(r"[^\W\d_]{5,}", body)[:60]
            m = re.search(r"^tags:\s*\[(.*)\]", front, re.M)
            if m:
                tags.update(t.strip(' "') for t in m.group(1).split(","))
            else:
                tags.update(t.strip(' "') for t in re.findall(r"^- (.+)$", front, re.M))
            m = re.search(r"^date:\s*\"?(\d{4})", front, re.M)
            if m:
                years.add(m.group(1))
        if not words or not self.articles:
            sys.exit(f"nothing to ask for in {work}: no article pages or no words")
        self.words, self.tag_names, self.years = words, sorted(tags), sorted(years)

    def search(self, rng: random.Random) -> tuple[str, int, str]:
        """(target, expected status, kind)."""
        w = lambda: rng.choice(self.words)  # noqa: E731
        r = rng.random()
        if r < 0.25:
            q = w()
        elif r < 0.40:
            q = f"{w()} {w()}"
        elif r < 0.50:
            q = f"{w()} {w()} {w()}"
        elif r < 0.58:
            i = rng.randrange(len(self.words) - 1)
            q = f'"{self.words[i]} {self.words[i + 1]}"'
        elif r < 0.68:
            q = f"{w()} tag:\"{rng.choice(self.tag_names)}\""
        elif r < 0.74:
            return api(f"q={quote(w())}&sort=date"), 200, "search"
        elif r < 0.80:
            return api(f"q={quote(w())}&page=2"), 200, "search"
        elif r < 0.85:  # filters alone: the largest result sets
            return api(f"tag={quote(rng.choice(self.tag_names))}&lang=fr"), 200, "search"
        elif r < 0.88:
            return api(f"year={rng.choice(self.years)}&q={quote(w())}"), 200, "search"
        elif r < 0.94:  # malformed, answered
            q = rng.choice(['"unbalanced', "(" + w(), "a*", "*", "?*", w() + " AND",
                            "NOT", "title:", "foo:" + w(), "\x00\x01", w()[:3] + "*"])
        else:  # refused
            bad = rng.choice([
                "q=" + "a" * 501, "q=" + "+".join(quote(x) for x in self.words[:40]),
                f"q={quote(w())}&page=100000", "q=&tag=", "",
                f"q={quote(w())}&limit=abc"])
            return api(bad), 400, "refused"
        return api("q=" + quote(q, safe="")), 200, "search"

    def page(self, rng: random.Random) -> tuple[str, int, str]:
        r = rng.random()
        if r < 0.55:
            return rng.choice(self.articles), 200, "page"
        if r < 0.70:
            return rng.choice(self.listings), 200, "page"
        if r < 0.88:
            return rng.choice(self.tags), 200, "page"
        if r < 0.97:
            target = rng.choice(self.static)
            return target, (301 if target == "/static" else 200), "page"
        return f"/no/such/page-{rng.randrange(10**6)}.html", 404, "page"

    def next(self, rng: random.Random) -> tuple[str, int, str]:
        return self.search(rng) if rng.random() < 0.45 else self.page(rng)


def api(query: str) -> str:
    return "/api/search?" + query


# --- the clients -------------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.samples: list[str] = []

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.statuses[status] += 1

    def error(self, what: str, detail: str) -> None:
        with self.lock:
            self.errors[what] += 1
            if len(self.samples) < 10:
                self.samples.append(detail)


def client(i: int, port: int, workload: Workload, keep_alive: bool, stop: threading.Event,
           tally: Tally, seed: int) -> None:
    rng = random.Random(seed * 1000 + i)
    conn = None
    while not stop.is_set():
        target, expected, kind = workload.next(rng)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        start = time.perf_counter()
        try:
            conn.request("GET", target, headers={} if keep_alive else {"Connection": "close"})
            reply = conn.getresponse()
            body = reply.read()
            seconds = time.perf_counter() - start
        except Exception as exc:  # noqa: BLE001  (a connection error, or a bug here: counted)
            tally.error(f"connection: {type(exc).__name__}", f"{target[:80]}: {exc!r}")
            conn.close()
            conn = None
            continue
        tally.add(kind, seconds, reply.status)
        if reply.status != expected:
            tally.error(f"status {reply.status} (expected {expected})",
                        f"{target[:80]} -> {reply.status} {body[:120]!r}")
        elif target.startswith("/api/") and not _json_ok(body, reply.status):
            tally.error("bad JSON body", f"{target[:80]} -> {body[:120]!r}")
        if not keep_alive or reply.will_close:
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def _json_ok(body: bytes, status: int) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data.get("hits"), list) if status == 200 else isinstance(data.get("error"), str)


# --- the server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) / 1024 if m else None


def threads_of(pid: int) -> int | None:
    try:
        m = re.search(r"^Threads:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(work: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [build_speed.broadsheet_python(), "-m", "broadsheet", "serve", "--config",
           str(work / "site.yaml"), "--port", str(port), "--quiet"]
    err = open(log, "wb")
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=err,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    err.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"broadsheet serve exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/search?q=warm")  # opens the index: not counted
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("broadsheet serve did not answer within 60 s")


# --- the run -----------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="articles (default 10000)")
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--seconds", type=float, default=30, help="length of the run (default 30)")
    ap.add_argument("--workdir", type=Path, help="build (or reuse a built site) here and keep it")
    ap.add_argument("--connections", choices=["mixed", "keep-alive", "fresh"], default="mixed",
                    help="keep-alive, a new connection per request, or half and half (default)")
    ap.add_argument("--seed", type=int, default=1, help="the clients' random seed (default 1)")
    args = ap.parse_args(argv)

    temp = None if args.workdir else Path(tempfile.mkdtemp(prefix="broadsheet-load-"))
    work = (args.workdir or temp).resolve()
    proc = None
    try:
        print(f"machine: {build_speed.cpu_summary()}; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; Python {sys.version.split()[0]}")
        print(f"site: {prepare(args.n, work, None)}")
        workload = Workload(work)
        port = free_port()
        log = work / "serve-stderr.log"
        proc = start_server(work, port, log)
        print(f"server: `broadsheet serve --port {port}` pid {proc.pid}; clients: {args.clients} "
              f"threads for {args.seconds:g} s, connections {args.connections}")

        rss = [(0.0, rss_mb(proc.pid), threads_of(proc.pid))]
        cpu0 = cpu_seconds(proc.pid)
        tally, stop = Tally(), threading.Event()
        threads = [threading.Thread(target=client, daemon=True, args=(
            i, port, workload, args.connections == "keep-alive" or
            (args.connections == "mixed" and i % 2 == 0), stop, tally, args.seed))
            for i in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        while (elapsed := time.perf_counter() - start) < args.seconds:
            time.sleep(min(RSS_EVERY, args.seconds - elapsed))
            rss.append((time.perf_counter() - start, rss_mb(proc.pid), threads_of(proc.pid)))
        stop.set()
        for t in threads:
            t.join(TIMEOUT + 5)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(proc.pid)
        time.sleep(1)
        rss.append((time.perf_counter() - start, rss_mb(proc.pid), threads_of(proc.pid)))
        alive = proc.poll() is None

        total = sum(len(v) for v in tally.latency.values())
        errors = sum(tally.errors.values())
        used = (f"; server CPU {cpu - cpu0:.1f} s ({(cpu - cpu0) / elapsed:.0%} of one core)"
                if cpu is not None and cpu0 is not None else "")
        print(f"\nrequests {total}, errors {errors}, throughput {total / elapsed:.0f} requests/s "
              f"over {elapsed:.1f} s{used}")
        print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items())))
        print(f"\n{'kind':<10} {'requests':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8}")
        for kind in ("page", "search", "refused"):
            v = tally.latency.get(kind)
            if v:
                print(f"{kind:<10} {len(v):>9} {pct(v, .5) * 1000:>8.1f} {pct(v, .9) * 1000:>8.1f} "
                      f"{pct(v, .99) * 1000:>8.1f} {max(v) * 1000:>8.1f}")
        print("  page: articles, listings, tag pages, static files, feed, sitemap, 404s; "
              "search: /api/search answered 200; refused: malformed queries answered 400")

        print("\nserver memory (VmRSS) and threads:")
        print("  " + "; ".join(f"{t:.0f} s: {m:.1f} MB, {n} threads" if m else f"{t:.0f} s: ?"
                               for t, m, n in rss))
        mems = [m for _, m, _ in rss if m]
        if len(mems) >= 3:
            during = mems[1:-1] or mems[1:]
            verdict = ("bounded" if mems[-1] <= 1.15 * max(during[: max(1, len(during) // 2)])
                       else "still growing at the end")
            print(f"  start {mems[0]:.1f} MB, peak {max(mems):.1f} MB, end {mems[-1]:.1f} MB "
                  f"({verdict}: the end against the first half of the run)")
        if tally.errors:
            print("\nerrors:")
            for what, count in tally.errors.most_common():
                print(f"  {count:6}  {what}")
            for sample in tally.samples:
                print(f"          e.g. {sample}")
        if not alive:
            print(f"\nthe server died (exit {proc.returncode})")
            errors += 1
        stderr = log.read_text(errors="replace").strip() if log.exists() else ""
        if stderr:
            print(f"\nthe server wrote to stderr ({len(stderr.splitlines())} lines), last ones:\n"
                  + "\n".join(stderr.splitlines()[-15:]))
            errors += 1

        again = ["python bench/load_server.py", "--n", str(args.n), "--clients",
                 str(args.clients), "--seconds", f"{args.seconds:g}"]
        if args.workdir:
            again += ["--workdir", str(args.workdir)]
        if args.connections != "mixed":
            again += ["--connections", args.connections]
        if args.seed != 1:
            again += ["--seed", str(args.seed)]
        print("\nrepeat with: " + " ".join(again))
        return 1 if errors else 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
