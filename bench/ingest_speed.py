#!/usr/bin/env python3
"""Time `broadsheet ingest` on a generated corpus of raw scraped articles.

Generates N raw articles with bench/gen_raw.py (into a temporary folder unless --workdir),
then runs the ingest as a user does, in a child process:

    python -m broadsheet ingest RAW --content CONTENT --config WORK/site.yaml --quiet

(WORK, the work folder, gets a site.yaml of its own and is the child's working folder)

and reports its wall time, articles per second, peak resident memory (the child's maximum RSS)
and the number of content files it wrote; then runs the same command again, with nothing new
to take in (what `make site` and CI do on every call), and reports that run's wall time. Files the ingest rejects are counted from its
"error:" lines on stderr. Always exits 0 once the figures are printed: this is a benchmark,
not a test.

Usage (from the repo root):
  .venv/bin/python bench/ingest_speed.py [--n 10000] [--seed S] [--workdir DIR] [--keep]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import gen_raw  # noqa: E402  (bench/gen_raw.py, next to this file)


def peak_rss_mb(ru_maxrss: int) -> float:
    # Linux reports kilobytes, macOS bytes.
    return ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru_maxrss / 1024


SITE_YAML = """\
title: broadsheet ingest benchmark
base_url: "https://example.org/"
content_dir: content
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="articles to generate (default 10000)")
    ap.add_argument("--seed", type=int, default=gen_raw.DEFAULT_SEED)
    ap.add_argument("--workdir", metavar="DIR",
                    help="work here (DIR/raw, DIR/content) instead of a temporary folder; kept")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--timeout", type=float, metavar="SECONDS",
                    help="stop the ingest after this long (default: no limit)")
    args = ap.parse_args(argv)

    if args.workdir:
        work = Path(args.workdir).resolve()
        for sub in ("raw", "content"):
            if (work / sub).exists() and any((work / sub).iterdir()):
                print(f"ingest_speed: {work / sub} is not empty; give a new --workdir",
                      file=sys.stderr)
                return 2
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="broadsheet-bench-"))
    raw, content = work / "raw", work / "content"

    try:
        t0 = time.perf_counter()
        stats = gen_raw.generate(args.n, str(raw), args.seed)
        gen_secs = time.perf_counter() - t0
        print(f"generated {stats['files']} raw articles ({stats['bytes'] / 1e6:.1f} MB, "
              f"{stats['exact']} exact + {stats['near']} near duplicates) in {gen_secs:.1f}s "
              f"-> {raw}", flush=True)

        # a project of its own: ingest works in the site.yaml's folder (or one above it)
        (work / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
        cmd = [sys.executable, "-m", "broadsheet", "ingest", str(raw), "--content", str(content),
               "--config", str(work / "site.yaml"), "--quiet"]
        env = dict(os.environ)
        # measure this checkout's code, whatever is installed in the interpreter
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.pop("PYTHONSTARTUP", None)
        print("running: " + " ".join(cmd[1:] if cmd[0] == sys.executable else cmd)
              + f"   (cwd {work})", flush=True)
        timed_out = False
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", timeout=args.timeout)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            timed_out = True
            code = None
            out = exc.stdout.decode("utf-8", "replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        secs = time.perf_counter() - t0
        rss = peak_rss_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)

        written = len(list(content.glob("*.md"))) if content.is_dir() else 0
        errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
        summary = [ln for ln in out.splitlines() if ln.startswith("ingest:")]
        other_err = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("error:")]

        again = None
        if not timed_out:  # the same ingest again: every file is already in content/
            t0 = time.perf_counter()
            second = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                                    encoding="utf-8", errors="replace")
            again = time.perf_counter() - t0
            summary_again = [ln for ln in second.stdout.splitlines() if ln.startswith("ingest:")]

        rows = [
            ("articles", f"{args.n}"),
            ("seconds", f"{secs:.2f}"),
            ("second run, nothing new: seconds", f"{again:.2f}" if again is not None else "-"),
            ("articles/second", f"{args.n / secs:.1f}" if secs > 0 else "-"),
            ("peak RSS MB", f"{rss:.0f}"),
            ("content files written", f"{written}"),
            ("errors (stderr)", f"{len(errors)}"),
            ("exit code", "timed out" if timed_out else f"{code}"),
        ]
        width = max(len(k) for k, _ in rows)
        vwidth = max(len(v) for _, v in rows)
        print()
        print(f"{'measure':<{width}}  {'value':>{vwidth}}")
        print(f"{'-' * width}  {'-' * vwidth}")
        for k, v in rows:
            print(f"{k:<{width}}  {v:>{vwidth}}")
        print()
        for ln in summary:
            print(ln)
        for ln in summary_again if again is not None else ():
            print(f"second run: {ln}")
        if errors:
            kinds: dict[str, int] = {}
            for ln in errors:
                msg = ln.split(": ", 2)[-1]  # "error: PATH: message" -> message
                kinds[msg] = kinds.get(msg, 0) + 1
            print(f"{len(errors)} files rejected:")
            for msg, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]:
                print(f"  {n:6d}  {msg}")
        if other_err:  # a traceback or a warning: show its end
            print("stderr (last lines):")
            for ln in other_err[-10:]:
                print("  " + ln)
        if args.keep or args.workdir:
            print(f"files kept in {work}")
        print(f"repeat with: python bench/ingest_speed.py --n {args.n}")
        return 0
    finally:
        if not (args.keep or args.workdir):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
