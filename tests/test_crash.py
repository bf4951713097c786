"""Crash safety: a build killed with -9 at any moment leaves the previous site and index
usable and complete, leaves no process behind, and the next build succeeds; two writers
never run at once on one project."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, make_project, run, tree
from test_incremental import cold

sys.path.insert(0, str(REPO / "bench"))
import gen_content  # noqa: E402

from broadsheet.config import load_config  # noqa: E402
from broadsheet.publish.search import search  # noqa: E402

pytestmark = pytest.mark.slow  # a watcher, killed builds, generated inputs: seconds each


N = 250  # articles: a build takes a second or two, long enough to be killed in its middle


def start(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "broadsheet", *args, "--config", str(config),
                             "--quiet"], cwd=config.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def survivors(marker: str) -> list[int]:
    """Processes still running whose command line names the project (forked workers too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry.name))
    return found


def gone(marker: str, patience: float = 10.0) -> bool:
    """No process of the project is left, once a loaded machine has had time to end them."""
    deadline = time.monotonic() + patience
    while survivors(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def answers(config: Path) -> list[str]:
    """What the index says: the URLs of two queries, or an exception's text."""
    index_dir = load_config(config).index_dir
    return [hit["url"] for q in ("ministre", "accord") for hit in
            search(index_dir, q, limit=50)["hits"]]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    config = make_project(tmp_path / "proj", raw_files=[])
    gen_content.generate(N, config.parent / "content", seed=3)
    assert run(config, "build") == 0
    return config


def change(config: Path, step: int) -> None:
    """Edits, an addition and a deletion, so that the next build has work of every kind."""
    content = config.parent / "content"
    files = sorted(content.glob("*.md"))
    rng = random.Random(step)
    for path in rng.sample(files, 5):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n\n", f"\n\nModifié à l'étape {step}.\n\n", 1),
                        encoding="utf-8")
    rng.choice(files).unlink()
    gen_content.generate(1, content, seed=3, start=N + step)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kill -9 and /proc")
def test_kill_9_at_any_moment_leaves_the_old_site_and_index(corpus, tmp_path):
    config = corpus
    site = config.parent / "site"
    before_site, before_index = tree(site), answers(config)
    t = time.perf_counter()  # how long a build process takes here, to spread the kills over it
    assert start(config, "build", "--full").wait() == 0
    duration = time.perf_counter() - t
    rng = random.Random(2026)
    killed = 0
    for step in range(5):
        change(config, step)
        proc = start(config, "build", *(["--full"] if step % 2 else []))
        time.sleep(rng.uniform(0.05, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed += proc.returncode == -signal.SIGKILL
        assert gone(str(config)), "a build process outlived its parent"
        now = tree(site)
        if now == before_site:  # killed before the swap: the old site and index, whole
            assert answers(config) == before_index
        else:  # killed after the swap (or finished): the new site, whole
            assert now == cold(config, tmp_path)
        # the next build completes, and gives what a cold build gives
        assert run(config, "build") == 0
        before_site, before_index = tree(site), answers(config)
        assert before_site == cold(config, tmp_path)
    assert killed >= 2, "most kills should land while the build runs"
    # nothing half-made is left beside site/ or the index once a build has run after a kill
    index = load_config(config).index_dir
    leftovers = [*config.parent.glob(".site.new-*"), *config.parent.glob(".site.old-*"),
                 *index.parent.glob(f".{index.name}.new-*"), *index.parent.glob(f".{index.name}.old-*")]
    assert leftovers == []


def hold_lock(config: Path, what: str, seconds: float) -> subprocess.Popen:
    """Another process holding the project's lock for `seconds`, once it has said so."""
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from broadsheet.lock import project_lock\n"
        "with project_lock(Path(sys.argv[1]), sys.argv[2]):\n"
        "    print('held', flush=True); time.sleep(float(sys.argv[3]))"),
        str(load_config(config).state_dir), what, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_exits_with_a_clear_message(corpus, capsys):
    config = corpus
    holder = hold_lock(config, "broadsheet build (test)", 60)
    try:
        site = tree(config.parent / "site")
        for verb in ("build", "index", "ingest"):
            assert run(config, verb) == 1
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1
            assert f"pid {holder.pid}: broadsheet build (test)" in err[0]
            assert "another broadsheet process is writing this project" in err[0]
            assert err[0].endswith("pass --wait SECONDS")
        assert run(config, "build", "--wait", "0.5") == 1  # waited, in vain: says so
        assert capsys.readouterr().err.strip().endswith("still writing after 0.5 s of waiting")
        assert tree(config.parent / "site") == site
        # searching and serving read only: they do not wait for the lock
        assert answers(config)
    finally:
        holder.kill()  # -9: the lock goes with its holder, nothing stale is left
        holder.wait()
    assert run(config, "build") == 0


def test_wait_waits_for_the_holder(corpus):
    config = corpus
    holder = hold_lock(config, "x", 1.5)
    try:
        assert run(config, "build", "--wait", "60") == 0
        assert holder.poll() is not None  # the build ran after the holder let go
    finally:
        holder.kill()
        holder.wait()


def test_two_builds_started_at_once(corpus):
    config = corpus
    change(config, 9)
    procs = [start(config, "build", "--full") for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 1])  # both ran one after the other, or one was refused
    for p, (_, err) in zip(procs, outs):
        if p.returncode == 1:
            assert "another broadsheet process is writing this project" in err
    assert run(config, "build") == 0
