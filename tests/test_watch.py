"""`broadsheet serve --watch`: real files, real watchfiles, real HTTP on 127.0.0.1.

Every wait polls with a generous deadline (a loaded 2-core machine is slow, never wrong);
nothing is asserted after a fixed sleep.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from broadsheet import serve
from broadsheet.config import load_config
from broadsheet.lock import project_lock
from broadsheet.serve import LIVE_TAG, LiveReload, make_server, with_live_tag
from broadsheet.watch import Outcome, Roots, Watcher, events
from conftest import THEME, interruptible, override

pytestmark = pytest.mark.slow  # a watcher, killed builds, generated inputs: seconds each


WAIT = 60  # seconds: the most any change may take to show (it takes about one)
ARTICLE = "articles/la-maison-blanche-a-dit-ne-pas-vouloir-lancer-de-vaste-operation-de-terrain-en.html"


def until(condition, what: str, timeout: float = WAIT):
    """Poll condition() until it returns something true; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def content_file(config: Path) -> Path:
    [path] = sorted((config.parent / "content").glob("*.md"))
    return path


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^title: .*$",
                           lambda m: f"title: {json.dumps(title, ensure_ascii=False)}", text,
                           count=1),
                    encoding="utf-8")


class Events:
    """An event-stream client on its own connection (http.client), read by a thread."""

    def __init__(self, base: str):
        host, port = base.removeprefix("http://").rstrip("/").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.conn.request("GET", "/__broadsheet/events")
        self.sock = self.conn.sock  # the response takes it over (Connection: close)
        self.response = self.conn.getresponse()
        self.events: queue.Queue = queue.Queue()
        self.comments = 0
        self.closed = threading.Event()
        if self.response.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data = "message", []
        fp = self.response.fp  # the test may close the response (fp = None) while this reads
        try:
            while True:
                line = fp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line == "":
                    if data:
                        self.events.put((name, "\n".join(data)))
                    name, data = "message", []
                elif line.startswith(":"):
                    self.comments += 1
                elif line.startswith("event: "):
                    name = line[len("event: "):]
                elif line.startswith("data:"):
                    data.append(line[len("data:"):].removeprefix(" "))
        except (OSError, ValueError):  # closed under the reader
            pass
        finally:
            self.closed.set()

    def wait_for(self, name: str, timeout: float = WAIT) -> str:
        """The data of the next `name` event (others before it are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"no {name!r} event within {timeout}s")
            if got == name:
                return data

    def drain(self) -> list[tuple[str, str]]:
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        """Hang up, as a closed page does (the reader thread still holds the socket's file,
        so closing alone would leave the connection open)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.response.close()
        self.conn.close()


class Live:
    """`serve --watch` in this process: the server with its hub, and the watcher."""

    def __init__(self, config: Path, server, live: LiveReload, watcher: Watcher, outcomes):
        self.config, self.server, self.live, self.watcher = config, server, live, watcher
        self.outcomes: list[Outcome] = outcomes
        self.url = f"http://127.0.0.1:{server.server_address[1]}/"

    def page(self, rel: str) -> str:
        status, _, body = get(self.url + rel)
        assert status == 200, (rel, status)
        return body.decode("utf-8")

    def builds_after(self, n: int) -> list[Outcome]:
        until(lambda: len(self.outcomes) > n, "a rebuild")
        return self.outcomes[n:]


@contextlib.contextmanager
def watching(config: Path, live: LiveReload | None = None, **kwargs):
    """What `broadsheet serve --watch` runs, on a free port; waits for the first build."""
    live = live or LiveReload()
    outcomes: list[Outcome] = []
    cfg = load_config(config)
    watcher = Watcher(cfg, lambda: load_config(config), live.send, outcomes.append, **kwargs)
    server = make_server(cfg.site_dir, cfg.index_dir, "127.0.0.1", 0, live=live)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    watcher.start()
    try:
        until(lambda: outcomes, "the first build")
        yield Live(config, server, live, watcher, outcomes)
    finally:
        assert watcher.stop(timeout=WAIT), "the watcher's threads did not stop"
        live.close()
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
    names = {t.name for t in threading.enumerate()}
    assert not names & {"broadsheet-watch", "broadsheet-watch-config", "broadsheet-watch-git",
                        "broadsheet-build"}


def overridden(live: Live, name: str) -> Path:
    """The site's own copy of a theme template, once the build it sets off is done."""
    n = len(live.outcomes)
    path = override(live.config, name)
    until(lambda: any(str(path.resolve()) in o.changes for o in live.outcomes[n:]),
          f"the build after overriding {name}")
    return path


# ---- the pure parts ---------------------------------------------------------------------------

def test_relevant_paths(built_session):
    cfg = load_config(built_session)
    roots = Roots.of(cfg, THEME)
    root = built_session.parent.resolve()
    yes = [root / "content" / "a.md", root / "templates" / "article.html",
           root / "static" / "logo.png", root / "static" / "img" / "x.png", root / "site.yaml",
           THEME.resolve() / "templates" / "base.html", root / "templates", root / "static"]
    no = [root / "site" / "index.html", root / ".broadsheet" / "index" / "x",
          root / ".broadsheet" / "build" / "state", root / "content" / ".a.md.k2j3.tmp",
          root / "content" / ".git" / "index", root / "content" / "a.md~",
          root / "content" / ".a.md.swp", root / "content" / "4913", root / "content" / "#a.md#",
          root / ".site.new-abc" / "index.html", root / ".site.yaml.x1.tmp", root / "notes.txt",
          root / "raw" / "new.txt", root / "templates" / ".article.html.swp", Path("/etc/passwd")]
    assert [p for p in yes if not roots.relevant(str(p))] == []
    assert [p for p in no if roots.relevant(str(p))] == []


def test_events_of_outcomes():
    from broadsheet.errors import BuildError, ContentError
    from broadsheet.model import BuildResult

    changed = BuildResult()
    changed.written_paths = ["index.html"]
    assert events(Outcome([], result=changed), failing=False) == [("reload", "")]
    assert events(Outcome([], result=BuildResult()), failing=False) == []
    assert events(Outcome([], result=changed), failing=True) == [("ok", ""), ("reload", "")]
    failed = Outcome([], error=BuildError("template syntax: x\ny", "templates/a.html", 3))
    assert events(failed, failing=False) == [("error", "templates/a.html:3: template syntax: x y")]
    bad = BuildResult()
    bad.written_paths = ["index.html"]
    bad.errors = [ContentError("front matter: no", "content/a.md", 2), ContentError("x", "b.md")]
    # published without the bad files: the page is this build, and the overlay says so
    assert events(Outcome([], result=bad), failing=True) == [
        ("reload", ""), ("partial", "content/a.md:2: front matter: no (and 1 more)")]


def test_live_tag_goes_before_the_last_body_end():
    assert with_live_tag(b"<p></body>x</BODY>\n</html>") == b"<p></body>x" + LIVE_TAG + b"</BODY>\n</html>"
    assert with_live_tag(b"<p>no end") == b"<p>no end" + LIVE_TAG


# ---- over HTTP ------------------------------------------------------------------------------

def test_edited_title_shows_and_reloads(built):
    with watching(built) as live:
        assert "Nouveau titre" not in live.page(ARTICLE)
        sse = Events(live.url)
        try:
            assert sse.response.status == 200
            assert sse.response.headers["Content-Type"].startswith("text/event-stream")
            assert sse.wait_for("hello") == "0"
            n = len(live.outcomes)
            retitle(content_file(built), "Nouveau titre <b>&</b>")
            assert sse.wait_for("reload") == ""
            assert "Nouveau titre &lt;b&gt;&amp;&lt;/b&gt;" in live.page(ARTICLE)
            [outcome] = [o for o in live.builds_after(n) if o.changed]
            assert outcome.error is None and not outcome.result.errors
            assert any(c.endswith(".md") for c in outcome.changes)
            # the server's search reader sees the index the build swapped in
            status, _, body = get(live.url + "api/search?q=nouveau+titre")
            assert status == 200 and json.loads(body)["total"] == 1
        finally:
            sse.close()


def test_broken_template_is_an_error_event_and_the_old_page_stays(built):
    with watching(built) as live:
        before = live.page(ARTICLE)
        sse = Events(live.url)
        try:
            sse.wait_for("hello")
            template = overridden(live, "article.html")
            good = template.read_text(encoding="utf-8")
            sse.drain()
            lines = good.split("\n")
            lines[2] = lines[2] + " {{ oops( }}"
            template.write_text("\n".join(lines), encoding="utf-8")
            error = sse.wait_for("error")
            assert error.startswith("templates/article.html:3: template syntax"), error
            assert live.page(ARTICLE) == before  # nothing published: the last good site
            assert live.live.error == ("error", error)
            # a page opened now learns the error at once
            late = Events(live.url)
            try:
                late.wait_for("hello")
                assert late.wait_for("error") == error
            finally:
                late.close()
            template.write_text(good, encoding="utf-8")
            sse.wait_for("ok")
            assert live.live.error is None
            assert live.page(ARTICLE) == before
        finally:
            sse.close()


def test_new_static_file_is_published(built):
    with watching(built) as live:
        sse = Events(live.url)
        try:
            sse.wait_for("hello")
            (built.parent / "static" / "extra.txt").write_text("hello static\n")
            sse.wait_for("reload")
            status, headers, body = get(live.url + "static/extra.txt")
            assert status == 200 and body == b"hello static\n"
        finally:
            sse.close()


def test_a_folder_made_later_is_watched(built):
    import shutil

    shutil.rmtree(built.parent / "static")
    with watching(built) as live:
        static = built.parent / "static"
        static.mkdir()
        (static / "one.txt").write_text("one\n")
        until(lambda: get(live.url + "static/one.txt")[0] == 200, "the new folder's file")
        until(lambda: static.resolve() in live.watcher.roots.recursive, "static/ watched")

        def two_served():  # written again until seen: the new watch starts a moment later
            (static / "two.txt").write_text("two\n")
            return get(live.url + "static/two.txt")[0] == 200 or time.sleep(0.5)
        until(two_served, "a later file in it, seen by the watch on the new folder")


def test_config_change_rebuilds(built):
    with watching(built) as live:
        n = len(live.outcomes)
        text = built.read_text(encoding="utf-8")
        built.write_text(text.replace('title: "broadsheet sample"', 'title: "Le Veilleur"'),
                         encoding="utf-8")
        until(lambda: "Le Veilleur" in live.page("index.html"), "the new site title")
        until(lambda: any(str(built.resolve()) in o.changes for o in live.outcomes[n:]),
              "the config's build reported")  # reported just after it is published
        # a config that does not load is a failed build, and the server goes on
        built.write_text(text + "\nper_page: zero\n", encoding="utf-8")
        until(lambda: live.live.error and "per_page" in live.live.error[1], "the config error")
        assert "Le Veilleur" in live.page("index.html")
        built.write_text(text, encoding="utf-8")
        until(lambda: live.live.error is None and "Le Veilleur" not in live.page("index.html"),
              "the fixed config's site")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_a_commit_alone_rebuilds_with_its_date(built):
    """An edit shows at once (not yet committed: no `updated` date); committing it, with no
    file of content/ changing, sets off a build that shows the commit's date."""
    root = built.parent
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_AUTHOR_DATE": "2024-06-15T18:30:00+02:00",
           "GIT_COMMITTER_DATE": "2024-06-15T18:30:00+02:00"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)

    path = content_file(built)  # dated: an undated article shows no commit date
    path.write_text(path.read_text(encoding="utf-8").replace("\ntitle:", "\ndate: 2015-10-27"
                                                             "\ntitle:", 1), encoding="utf-8")
    git("init", "-q", "-b", "main")
    git("add", "content")
    git("commit", "-q", "-m", "first")
    with watching(built) as live:
        assert live.watcher.roots.git  # HEAD, its reflog and packed refs are watched
        retitle(content_file(built), "Un titre pas encore commité")
        until(lambda: "Un titre pas encore commité" in live.page(ARTICLE),
              "the uncommitted edit")
        n = len(live.outcomes)
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = "2025-02-03T10:00:00+01:00"
        git("commit", "-q", "-am", "retitled")
        live.builds_after(n)
        until(lambda: '<time datetime="2025-02-03T10:00:00+01:00">' in live.page(ARTICLE),
              "the commit's date on the page")


def test_outputs_and_hidden_files_do_not_trigger_builds(built):
    with watching(built) as live:
        n = len(live.outcomes)
        root = built.parent
        (root / "site" / "stray.html").write_text("<p>hand-made</p>")
        (root / "site" / "index.html").write_text("edited by hand")
        (root / ".broadsheet" / "build" / "note").write_text("x")
        (root / ".broadsheet" / "index" / "note").write_text("x")
        (root / "content" / ".draft.md.tmp").write_text("x")
        (root / "content" / "draft.md~").write_text("x")
        (root / "notes.txt").write_text("x")
        # then one real change: the build it makes must be the only one, set off by it alone
        retitle(content_file(built), "Changement réel")
        until(lambda: "Changement réel" in live.page(ARTICLE), "the real change")
        outcomes = live.builds_after(n)
        assert outcomes and all(
            Path(c).parent == (root / "content").resolve() and not Path(c).name.startswith(".")
            and not c.endswith("~") for o in outcomes for c in o.changes), \
            [o.changes for o in outcomes]


def test_watcher_waits_for_another_writer(built):
    with watching(built) as live:
        state = load_config(built).state_dir
        with project_lock(state, "broadsheet build (a test)"):
            n = len(live.outcomes)
            retitle(content_file(built), "Après le verrou")
            until(lambda: live.watcher.building, "the watcher to want the lock")
            assert "Après le verrou" not in live.page(ARTICLE)
            assert len(live.outcomes) == n
        until(lambda: "Après le verrou" in live.page(ARTICLE), "the build after the lock")


def test_html_gets_the_script_once_and_nothing_else_changes(built):
    site = built.parent / "site"
    with watching(built) as live:
        for rel in ("", "index.html", ARTICLE, "tags/index.html", "search.html"):
            status, headers, body = get(live.url + rel)
            assert status == 200 and headers["Content-Type"].startswith("text/html")
            assert body.count(LIVE_TAG) == 1, rel
            assert body.index(LIVE_TAG) < body.rindex(b"</body>")
            assert int(headers["Content-Length"]) == len(body)
            assert headers["Content-Security-Policy"] == serve.CSP_HEADER
            assert headers["Cache-Control"] == "no-cache"
            assert LIVE_TAG not in (site / (rel or "index.html")).read_bytes()  # not in site/
        for rel in ("static/style.css", "static/search.js", "feed.xml", "sitemap.xml",
                    "robots.txt"):
            status, headers, body = get(live.url + rel)
            assert status == 200 and body == (site / rel).read_bytes(), rel
            assert "Content-Security-Policy" not in headers
        status, headers, body = get(live.url + "api/search?q=maison")
        assert status == 200 and LIVE_TAG not in body and headers["Cache-Control"] == "no-store"
        status, headers, body = get(live.url + "no/such/page.html")  # the 404 page is HTML too
        assert status == 404 and body.count(LIVE_TAG) == 1
        status, headers, body = get(live.url + "__broadsheet/live.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        assert body == serve.LIVE_SCRIPT.read_bytes() and b"EventSource" in body
        assert get(live.url + "__broadsheet/nothing")[0] == 404
        req = urllib.request.Request(live.url + ARTICLE, method="HEAD")
        with urllib.request.urlopen(req, timeout=30) as r:
            assert int(r.headers["Content-Length"]) == len(get(live.url + ARTICLE)[2])


def test_without_watch_nothing_is_added(built):
    cfg = load_config(built)
    server = make_server(cfg.site_dir, cfg.index_dir, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        status, headers, body = get(url + ARTICLE)
        assert status == 200 and body == (cfg.site_dir / ARTICLE).read_bytes()
        assert b"live.js" not in body and "Cache-Control" not in headers
        for rel in ("__broadsheet/live.js", "__broadsheet/events"):
            status, headers, body = get(url + rel)
            assert status == 404 and b"live.js" not in body
    finally:
        server.shutdown()
        server.server_close()


def test_event_streams_outlive_the_slow_client_timeout_and_are_capped(built, monkeypatch):
    monkeypatch.setattr(serve.Handler, "timeout", 1)  # the request-head deadline, now 1 s
    live = LiveReload(max_clients=2, heartbeat=0.3)
    with watching(built, live=live) as w:
        a, b = Events(w.url), Events(w.url)
        try:
            assert a.response.status == b.response.status == 200
            until(lambda: live.clients == 2, "two streams")
            c = Events(w.url)
            assert c.response.status == 503  # the third is refused, briefly
            c.close()
            started = time.monotonic()
            until(lambda: a.comments >= 8, "heartbeats for longer than the 1 s deadline")
            assert time.monotonic() - started > 2 and not a.closed.is_set()
            b.close()  # a page that goes frees its slot within a second or so
            until(lambda: live.clients == 1, "the closed stream's slot")
            d = Events(w.url)
            assert d.response.status == 200
            d.close()
        finally:
            a.close()
            b.close()
        assert get(w.url + "index.html")[0] == 200  # and pages are served all along


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serve_watch_stops_cleanly_on_sigint(built):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "broadsheet", "serve", "--watch", "--config",
                             str(built), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=built.parent, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=interruptible)
    lines: list[str] = []

    def read():
        for line in proc.stdout:
            lines.append(line)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sse = None
    try:
        until(lambda: any(f"http://127.0.0.1:{port}/" in x for x in lines), "the server's line")
        until(lambda: any(x.startswith("rebuilt:") for x in lines), "the first build's line")
        sse = Events(f"http://127.0.0.1:{port}/")
        sse.wait_for("hello")
        retitle(content_file(built), "Vu par la ligne de commande")
        sse.wait_for("reload")
        until(lambda: any(re.match(r"rebuilt: \d+ files written, 0 removed in \d+\.\ds \(content/", x)
                          for x in lines), "the rebuild's line")
        template = override(built, "article.html")
        good = template.read_text(encoding="utf-8")
        template.write_text(good + "{% endif %}\n", encoding="utf-8")
        until(lambda: any(x.startswith("error: templates/article.html:") for x in lines),
              "the error's line")
        assert get(f"http://127.0.0.1:{port}/index.html")[0] == 200  # still serving
        template.write_text(good, encoding="utf-8")
        until(lambda: lines[-1].startswith("rebuilt: ") and "article.html" in lines[-1],
              "the fixed template's build")
        children = _children(proc.pid)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
        reader.join(WAIT)
        assert "stopped\n" in lines, lines
        assert not any("Traceback" in x for x in lines), "".join(lines)
        assert sse.closed.wait(WAIT)  # the open stream ended with the server
        assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
        with project_lock(load_config(built).state_dir, "test", wait=0):
            pass  # and the lock is free
    finally:
        if sse is not None:
            sse.close()
        proc.kill()
        proc.wait()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


# ---- in Chromium ------------------------------------------------------------------------------

def test_browser_reloads_by_itself_and_shows_build_errors(driver, built):
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(condition, what):  # the page may be reloading under the condition's feet
        return WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException)).until(
            lambda d: condition(), message=what)

    def overlay_text():
        found = driver.find_elements(By.ID, "broadsheet-live-error")
        return found[0].text if found else None

    with watching(built) as live:
        driver.get_log("browser")  # what earlier tests left
        driver.get(live.url + ARTICLE)
        until(lambda: live.live.clients >= 1, "the page's event stream")
        driver.execute_script("window.__sameDocument = true")
        retitle(content_file(built), "Rechargé tout seul")
        wait(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Rechargé tout seul",
             "the page to reload with the new title")
        assert driver.execute_script("return window.__sameDocument === undefined")
        until(lambda: live.live.clients >= 1, "the reloaded page's event stream")

        template = overridden(live, "article.html")
        good = template.read_text(encoding="utf-8")
        template.write_text(good + "{% if %}\n", encoding="utf-8")
        text = wait(overlay_text, "the error overlay")
        assert "article.html" in text and "template syntax" in text, text
        assert "the build failed (the page shows the last good build)" in text
        assert driver.find_element(By.TAG_NAME, "h1").text == "Rechargé tout seul"

        template.write_text(good, encoding="utf-8")
        wait(lambda: overlay_text() is None, "the overlay to go")

        # the overlay's text comes from file names and messages: shown, never markup
        bad = built.parent / "content" / "<img src=x onerror=window.__pwned=1>.md"
        bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
        text = wait(overlay_text, "the overlay for a bad content file")
        assert "<img src=x onerror=window.__pwned=1>.md" in text, text
        # the site was built without it: the overlay does not say it was not
        assert "built without the files that have errors" in text and "last good" not in text
        assert driver.execute_script("return window.__pwned === undefined")
        assert driver.find_elements(By.CSS_SELECTOR, "#broadsheet-live-error img") == []
        bad.unlink()
        wait(lambda: overlay_text() is None, "the overlay to go again")

        log = driver.get_log("browser")
        assert [e for e in log if "Content Security Policy" in e["message"]
                or "Refused to" in e["message"]] == [], log
