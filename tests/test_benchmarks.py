"""The benchmarks still run as documented: each is run on a tiny corpus and its figures
read back (the figures themselves are the benchmark's business, not a test's)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_ingest_benchmark_ingests_what_it_generates(tmp_path):
    out = subprocess.run([sys.executable, str(REPO / "bench" / "ingest_speed.py"), "--n", "40",
                          "--workdir", str(tmp_path)], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    figures = dict(re.findall(r"^(articles|content files written|exit code)\s+(\S+)$", out,
                              re.M))
    assert figures["exit code"] == "0", out
    assert figures["articles"] == "40"
    assert 30 <= int(figures["content files written"]) <= 40  # a few planted duplicates
    assert len(list((tmp_path / "content").glob("*.md"))) == int(
        figures["content files written"])
