"""The preview server over real HTTP on 127.0.0.1: in-process, and as `broadsheet serve`."""

import json
import re
import os
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

from broadsheet.config import load_config
from broadsheet.serve import make_server


@pytest.fixture(scope="module")
def server(built_session):
    config = load_config(built_session)
    srv = make_server(config.site_dir, config.index_dir, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_static_pages(server):
    status, headers, body = get(server + "/")
    assert status == 200 and "text/html" in headers["Content-Type"]
    assert "La Maison Blanche a dit" in body.decode()
    status, _, body = get(server + "/tags/syrie.html")
    assert status == 200


def test_api_search(server):
    status, headers, body = get(server + "/api/search?q=etat%20islamique")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["total"] == 1
    hit = data["hits"][0]
    assert hit["url"].startswith("articles/la-maison-blanche")
    assert any(p["match"] for p in hit["snippet_parts"])


def test_api_search_errors(server):
    assert get(server + "/api/search")[0] == 400
    assert get(server + "/api/search?q=x&page=abc")[0] == 400
    status, _, body = get(server + "/api/search?q=zzzyzzy")
    assert status == 200 and json.loads(body)["total"] == 0


def test_missing_page_gets_the_site_404(server):
    status, _, body = get(server + "/no/such/page.html")
    assert status == 404 and "Page introuvable".encode() in body


def test_no_path_escapes_the_site(server):
    # a raw request: urllib would normalise the dots away
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /../../../etc/passwd HTTP/1.0\r\n\r\n")
        reply = s.recv(65536)
    assert b"root:" not in reply


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serve_binds_loopback_and_stops_on_ctrl_c(built_session):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "broadsheet", "serve", "--config",
                             str(built_session), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=interruptible)
    try:
        line = proc.stdout.readline()
        while line and not line.startswith("Serving"):  # the build that comes first
            line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        deadline = time.monotonic() + 10
        while True:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/api/search?q=maison+blanche")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert status == 200 and json.loads(body)["total"] == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        proc.kill()


def test_api_filters_and_facets(server):
    status, _, body = get(server + "/api/search?q=maison&tag=syrie&lang=fr")
    data = json.loads(body)
    assert status == 200 and data["total"] == 1 and data["filters"] == {"tag": "syrie", "lang": "fr"}
    assert {"value": "syrie", "label": "Syrie", "count": 1} in data["facets"]["tag"]
    assert json.loads(get(server + "/api/search?q=maison&lang=en")[2])["total"] == 0
    assert json.loads(get(server + "/api/search?tag=irak")[2])["total"] == 1  # filters alone
    assert json.loads(get(server + "/api/search?q=syrei")[2])["suggestion"] == "syrie"


# --- hostile requests ---------------------------------------------------------------------
#
# A project of 60 articles built with the real CLI, a secret file beside its site/, and
# symlinks inside site/ that lead out of it; the server in-process on an ephemeral port.
# Every hostile request is followed by a normal one: the server must still answer.

import http.client

from broadsheet import serve
from broadsheet.publish import search as search_mod
from broadsheet.publish.search import analysis, queries, searching, snippets
from conftest import interruptible, make_project, run

SECRET = "TOP-SECRET-0f9a3c"
ARTICLES = 60


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    config = make_project(root / "proj", raw_files=[])
    for i in range(ARTICLES):
        (root / "proj" / "content" / f"article-{i:02d}.md").write_text(
            f"---\ntitle: \"Dépêche commune numéro {i}\"\nlanguage: fr\n"
            f"date: 2020-01-{1 + i % 28:02d}\ntags: [Monde, Lot {i % 3}]\n---\n\n"
            f"Une dépêche commune sur la maison blanche, numéro {i}.\n", encoding="utf-8")
    assert run(config, "build") == 0
    cfg = load_config(config)
    site = cfg.site_dir
    (site.parent / "secret.txt").write_text(SECRET, encoding="utf-8")
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")  # a file link out of site/
    (site / "outside").symlink_to(site.parent)  # a folder link out of site/
    (site / "evil").mkdir()
    (site / "evil" / "index.html").symlink_to(site.parent / "secret.txt")  # a folder's index
    (site / "alias.html").symlink_to(site / "index.html")  # a link that stays inside: served
    srv = make_server(site, cfg.index_dir, "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def raw(srv, request: bytes, timeout: float = 10):
    """One request as bytes on a fresh connection: (status, headers, body). urllib and
    http.client would normalise or refuse the paths these tests need."""
    with socket.create_connection(srv.server_address[:2], timeout=timeout) as s:
        s.sendall(request)
        reply = http.client.HTTPResponse(s, method=request.split(b" ", 1)[0].decode("latin-1"))
        reply.begin()
        return reply.status, reply.headers, reply.read()


def req(srv, target: str, method: str = "GET"):
    return raw(srv, f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
               .encode("utf-8", "surrogateescape"))


def assert_alive(srv):
    status, _, body = req(srv, "/api/search?q=commune&limit=3")
    assert status == 200 and json.loads(body)["total"] == ARTICLES
    assert req(srv, "/")[0] == 200


def assert_json_error(status, headers, body, code):
    assert status == code, body[:300]
    assert headers["Content-Type"].startswith("application/json")
    assert isinstance(json.loads(body)["error"], str)
    assert b"Traceback" not in body and b"<html" not in body.lower()


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/../../../etc/passwd", "/..%2fsecret.txt", "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt", "/%2E%2E%2Fsecret.txt", "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt", "/..%252fsecret.txt", "//etc/passwd", "///etc/passwd",
    "/..\\secret.txt", "/..%5csecret.txt", "/static/..%5c..%5csecret.txt",
    "/articles/../../secret.txt", "/./.././secret.txt", "/%c0%ae%c0%ae/secret.txt",
    "/%00", "/index.html%00", "/index.html%00.txt", "/..%00/secret.txt", "/%ed%a0%80",
    "/%ff%fe", "/leak.txt", "/outside/secret.txt", "/outside/", "/evil/", "/evil/index.html",
    "/outside/site.yaml", "/outside/content/", "http://x/../secret.txt", "/index.html/", "/articles/",
])
def test_no_request_reads_outside_the_site(hostile, target):
    status, headers, body = req(hostile, target)
    assert SECRET.encode() not in body and b"root:" not in body
    assert status in (301, 400, 404), (status, body[:200])
    if status == 404:  # the site's own page, as a static host would answer
        assert "Page introuvable".encode() in body and headers["X-Content-Type-Options"] == "nosniff"
    if status == 301:  # a folder: the redirect stays on this host
        assert headers["Location"].startswith("/") and not headers["Location"].startswith("//")
    assert_alive(hostile)


def test_raw_control_bytes_in_the_path(hostile):
    for request in (b"GET /\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /\x1b[31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        status, _, body = raw(hostile, request)
        assert status in (400, 404) and SECRET.encode() not in body
    assert_alive(hostile)


def test_links_inside_the_site_and_folders(hostile):
    status, _, body = req(hostile, "/alias.html")
    assert status == 200 and b"commune" in body  # a symlink whose target is inside site/
    status, headers, _ = req(hostile, "//tags")  # "//tags/" would be a protocol-relative URL
    assert status == 301 and headers["Location"] == "/tags/"
    assert req(hostile, "/tags/")[0] == 200  # a folder answers its index.html
    assert req(hostile, "/articles/")[0] == 404  # and never a listing


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                                    "CONNECT", "PROPFIND", "BREW", "get"])
def test_only_get_and_head(hostile, method):
    status, headers, body = raw(hostile, f"{method} /index.html HTTP/1.1\r\nHost: x\r\n"
                                         f"Content-Length: 5\r\n\r\nhello".encode())
    assert_json_error(status, headers, body, 405)
    assert headers["Allow"] == "GET, HEAD"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert_alive(hostile)


def test_head_has_the_headers_and_no_body(hostile):
    for target in ("/", "/api/search?q=commune", "/no/such/page"):
        status, headers, body = req(hostile, target, "HEAD")
        assert status in (200, 404) and body == b"" and int(headers["Content-Length"]) > 0


def test_request_line_and_query_length(hostile):
    assert_json_error(*req(hostile, "/api/search?q=" + "a" * 10_000), 414)
    assert_json_error(*req(hostile, "/" + "a" * 70_000), 414)  # the standard library's own cap
    assert_alive(hostile)
    long_q = "commune " * 62 + "mais"  # 500 characters: the most a query may have
    assert len(long_q) == search_mod.MAX_QUERY_CHARS
    status, _, body = req(hostile, "/api/search?q=" + long_q.replace(" ", "+"))
    assert status in (200, 400)  # 63 words: too many, but its length was fine
    assert_json_error(*req(hostile, "/api/search?q=" + "a" * 501), 400)
    assert_json_error(*req(hostile, "/api/search?q=commune&tag=" + "t" * 501), 400)
    assert_json_error(*req(hostile, "/api/search?q=" + "+".join(["commune"] * 33)), 400)
    status, _, body = req(hostile, "/api/search?q=" + "+".join(["commune"] * 32))
    assert status == 200 and json.loads(body)["total"] == ARTICLES
    assert_alive(hostile)


def test_result_count_is_bounded(hostile):
    def api(params):
        status, _, body = req(hostile, "/api/search?" + params)
        return status, json.loads(body)

    status, data = api("q=commune&limit=100000")
    assert status == 200 and len(data["hits"]) == serve.MAX_LIMIT and data["pages"] == 2
    status, data = api("q=commune&limit=50&page=2")
    assert status == 200 and len(data["hits"]) == ARTICLES - 50
    status, data = api("q=commune&limit=50&page=3")  # past the results, within the depth
    assert status == 200 and data["hits"] == [] and data["total"] == ARTICLES
    status, data = api("q=commune&limit=0&page=0")  # clamped to 1 and 1
    assert status == 200 and len(data["hits"]) == 1 and data["page"] == 1
    # a page starting past the first MAX_DEPTH results: 400
    depth = search_mod.MAX_DEPTH
    assert api(f"q=commune&limit=10&page={depth // 10}")[0] == 200
    status, data = api(f"q=commune&limit=10&page={depth // 10 + 1}")
    assert status == 400 and str(depth) in data["error"]
    for params in ("q=commune&page=99999999999999999999", "q=commune&page=" + "9" * 5000,
                   "q=commune&page=abc", "q=commune&limit=1e3", "q=commune&page=-1e9"):
        assert api(params)[0] == 400
    assert_alive(hostile)


MALFORMED = [
    '"unbalanced', 'unbalanced"', '"', '""', '"' * 99, "(commune", "commune)", "((((", "))))",
    "(" * 200 + "commune", "title:", "body:commune", "foo:bar", "tag:", 'source:""', "lang:",
    "year:abcd", "year:99999999999999999999", "lang:zz", "AND", "OR", "NOT", "AND OR NOT",
    "commune AND", "NOT commune", "commune ANDNOT", "ANDMAYBE", "a*", "*", "?*", "*:*", "**",
    "?", "a* b* c* d* e*", "comm*", "c?mmune", "~", "^", "commune^", "commune^1e308",
    "commune^-inf", "commune~", "commune~99999", '"commune maison"~99999999', "'", "'commune",
    "[a TO z]", "{a TO z}", "[* TO *]", "commune:[a TO z]", "+", "-", "+-+-", "--commune",
    "-commune", "\x00", "\x00\x01\x1b[2J", "commune\x00maison", "\u202ecommune", "\ufeff",
    "\uffff", "%ff", "%", "&", "=", "#", "commune&q=maison",
    "é" * 250, "👍" * 100, " ".join(["ab"] * 32), "\t\n\r",
]


@pytest.mark.parametrize("query", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_queries_answer_200_or_400_quickly(hostile, query):
    from urllib.parse import quote
    start = time.monotonic()
    status, headers, body = req(hostile, "/api/search?q=" + quote(query, safe=""))
    assert time.monotonic() - start < 2
    assert status in (200, 400), body[:300]
    assert headers["Content-Type"].startswith("application/json")
    assert b"Traceback" not in body
    data = json.loads(body)
    if status == 200:
        assert isinstance(data["hits"], list) and 0 <= data["total"] <= ARTICLES
    else:
        assert isinstance(data["error"], str)
    assert_alive(hostile)


@pytest.mark.parametrize("query", [
    "q=%zz", "q=%", "q=%ff%fe%c0%af", "q=%ed%a0%80", "q=%c0%ae", "q=commune%00", "q=commune&q=maison",
    "q=&tag=%ff", "tag=%00", "lang=%ff&year=%ff", "q=commune&sort=%ff", "q=commune&page=%ff",
    "&&&&", "q", "q=commune&" + "x=1&" * 500,
])
def test_invalid_encodings_in_the_query_string(hostile, query):
    status, headers, body = req(hostile, "/api/search?" + query)
    assert status in (200, 400) and headers["Content-Type"].startswith("application/json")
    assert b"Traceback" not in body
    assert "hits" in json.loads(body) if status == 200 else "error" in json.loads(body)
    assert_alive(hostile)


@pytest.mark.parametrize("query", ["a*", "*", "?*", "ab*", "a?c", "*:*", "[a TO z]", "a* b* c*"])
def test_wildcards_expand_to_no_terms(hostile, query):
    """Wildcards, ranges and fields are not query syntax: nothing scans the lexicon, so
    "a*" over 10,000 articles costs what the word "a" does."""
    from whoosh import query as wq
    ix = search_mod.open_index(hostile.RequestHandlerClass.keywords["index"].index_dir)
    try:
        q = queries._parser(ix.schema, ["fr"]).parse(query)
        kinds = {type(node).__name__ for node in q.leaves()} | {type(q).__name__}
        assert not kinds & {"Wildcard", "Prefix", "TermRange", "Every", "FuzzyTerm", "Regex"}
        words = re.findall(r"\w+", query)  # "a?c" is the words "a" and "c"
        assert len(list(q.all_terms())) <= 3 * len(words)  # a word, its fields
        assert not isinstance(q, wq.Every)
    finally:
        ix.close()


def test_a_crash_in_search_is_json_and_the_server_goes_on(hostile, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(search_mod.SearchIndex, "search", broken)
    status, headers, body = req(hostile, "/api/search?q=commune")
    assert_json_error(status, headers, body, 500)
    assert b"boom" not in body
    monkeypatch.undo()
    assert_alive(hostile)


def test_responses_say_nosniff(hostile):
    for target in ("/", "/static/style.css", "/api/search?q=commune", "/api/search",
                   "/nothing-here", "/tags"):
        status, headers, _ = req(hostile, target)
        assert headers["X-Content-Type-Options"] == "nosniff", (target, status)


def test_keep_alive(hostile):
    conn = http.client.HTTPConnection(*hostile.server_address[:2], timeout=10)
    try:
        for target in ("/", "/api/search?q=commune", "/no/such/page", "/tags/index.html",
                       "/api/search?q=" + "a" * 501, "/api/search?q=maison"):
            conn.request("GET", target)
            reply = conn.getresponse()
            reply.read()
            assert reply.status in (200, 400, 404)
            assert not reply.will_close, target  # the same connection serves them all
    finally:
        conn.close()


def test_a_silent_client_is_dropped(hostile, monkeypatch):
    monkeypatch.setattr(serve.Handler, "timeout", 0.5)
    with socket.create_connection(hostile.server_address[:2], timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        start = time.monotonic()
        assert s.recv(1024) == b""  # the server hung up
        assert time.monotonic() - start < 5
    monkeypatch.undo()
    assert_alive(hostile)


def test_fifty_clients_at_once(hostile):
    assert serve.Server.request_queue_size >= 50
    results, barrier = [], threading.Barrier(50)

    def client(i):
        barrier.wait()
        try:
            for target in ("/", f"/api/search?q=commune&page={1 + i % 5}", "/tags/index.html"):
                results.append(req(hostile, target)[0])
        except OSError as exc:
            results.append(repr(exc))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count(200) == 150, [r for r in results if r != 200][:5]


def test_spans_find_what_tokens_find():
    """The snippet's matches, found once per distinct word, are those of `tokens()`."""
    text = ("L'État et les états-majors : la sécurité, les Sécurités, LE securite; the strikes "
            "struck, a strike — Frappes frappe frappés, ÉTAT état Etat, de la, 2015 x y àé")
    for lang in ("fr", "en", None):
        words = analysis._WORD.findall(text)
        for pick in (words[:3], words[5:9], words[-6:], ["etat", "strike", "frapp"]):
            terms = {search_mod.term(w, lang) for w in pick} | {""}
            expected = [(s, e) for _, t, s, e in search_mod.tokens(text, lang) if t in terms]
            assert snippets._spans(text, terms, lang) == expected


def test_date_order_is_whooshs(hostile):
    """Filters alone and sort=date rank by a numpy table; Whoosh's sorting collector is the
    reference (newest first, ties by id)."""
    from whoosh import query as wq, sorting
    index = hostile.RequestHandlerClass.keywords["index"]
    ours = [h["url"] for page in (1, 2) for h in
            index.search("", filters={"tag": "Monde"}, limit=50, page=page)["hits"]]
    ours_q = [h["url"] for h in index.search("commune", sort="date", limit=50)["hits"]]
    ix = search_mod.open_index(index.index_dir)
    try:
        with ix.searcher() as s:
            order = [sorting.FieldFacet("date", reverse=True), sorting.FieldFacet("id")]
            theirs = [h["url"] for h in s.search(wq.Term("tag", "monde"), sortedby=order,
                                                 limit=None)]
    finally:
        ix.close()
    assert len(ours) == ARTICLES and ours == theirs
    assert ours_q == theirs[:50]


def test_too_many_connections_get_a_short_503(hostile, monkeypatch):
    """Each connection holds a thread: past max_connections, a new one is told 503 and
    closed rather than given a thread, and the server is back once the others leave."""
    monkeypatch.setattr(serve.Server, "max_connections", 2)
    cfg_site = Path(hostile.RequestHandlerClass.keywords["directory"])
    srv = make_server(cfg_site, hostile.RequestHandlerClass.keywords["index"].index_dir,
                      "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        idle = [socket.create_connection(srv.server_address[:2], timeout=10) for _ in range(2)]
        time.sleep(0.3)  # both accepted, their threads waiting for a request line
        status, headers, body = req(srv, "/")
        assert_json_error(status, headers, body, 503)
        for s in idle:
            s.close()
        deadline = time.monotonic() + 5
        while (status := req(srv, "/")[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_searches_wait_their_turn_in_order():
    """The search lock hands over to the longest-waiting thread (threading.Lock lets a
    newcomer go first, which made the slowest searches under load wait several times the
    median)."""
    turns, order = searching._InTurn(), []
    turns.__enter__()
    threads = []
    for name in "abcde":
        def wait(name=name):
            with turns:
                order.append(name)
        t = threading.Thread(target=wait)
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while len(turns._waiting) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.001)
    turns.__exit__(None, None, None)
    for t in threads:
        t.join(5)
    assert order == list("abcde") and not turns._busy


@pytest.mark.slow
def test_a_trickling_client_is_dropped(hostile, monkeypatch):
    """Slowloris: a header line every 0.2 s never trips a per-read timeout of 1 s, but the
    request's head must arrive within that second in all."""
    monkeypatch.setattr(serve.Handler, "timeout", 1)
    with socket.create_connection(hostile.server_address[:2], timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        start = time.monotonic()
        try:
            while time.monotonic() - start < 5:
                s.sendall(b"X-Slow: 1\r\n")
                time.sleep(0.2)
        except OSError:  # reset: the server hung up while we wrote
            pass
        s.settimeout(5)
        try:
            assert s.recv(1024) == b""
        except ConnectionResetError:
            pass
        assert time.monotonic() - start < 4
    monkeypatch.undo()
    assert_alive(hostile)


def test_a_port_it_cannot_listen_on_is_one_line(built_session, capsys):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        for args, words in ((["--port", str(port)], "Address already in use"),
                            (["--port", "70000"], "port must be 0-65535"),
                            (["--host", "no-such-host.invalid"], "cannot listen on")):
            capsys.readouterr()
            assert run(built_session, "serve", *args) == 1
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and err[0].startswith("error: cannot listen on"), err
            assert words in err[0]
    finally:
        taken.close()


def test_a_port_in_use_gives_way_to_the_next_free_one(built_session, capsys, monkeypatch):
    from broadsheet import cli

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        monkeypatch.setattr(cli, "DEFAULT_PORT", port)
        made = []

        def make(p):
            made.append(p)
            root = built_session.parent
            return make_server(root / "site", root / ".broadsheet" / "index", "127.0.0.1", p)
        server = cli._listen(make, "127.0.0.1", None)  # no --port: the next free one, said
        try:
            assert made[0] == port and server.server_address[1] == made[-1] > port
            assert capsys.readouterr().out == \
                f"port {port} is in use: serving on port {made[-1]} instead\n"
        finally:
            server.server_close()
        assert run(built_session, "serve", "--port", str(port)) == 1  # asked for: named, not taken
        err = capsys.readouterr().err
        assert "Address already in use" in err and re.search(r"port (\d+) is free: --port \1", err)
    finally:
        taken.close()


@pytest.mark.parametrize("request_line", [
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",  # a version it does not speak
    b"GET /\r\n\r\n",  # HTTP/0.9: a reply with no status line
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 \x8a\x0f\r\n\r\n",  # TLS, up to a line end
    b"GET\r\n\r\n",  # no target
])
def test_a_malformed_request_line_gets_a_status_line(hostile, request_line):
    # http.client reads the status line and headers: a bare body (the standard library's
    # HTTP/0.9 default) fails here with BadStatusLine
    status, headers, body = raw(hostile, request_line)
    assert status in (400, 505) and headers["Content-Type"].startswith("application/json")
    assert "error" in json.loads(body)
    assert_alive(hostile)
