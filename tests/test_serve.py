"""The preview server over real HTTP on 127.0.0.1: in-process, and as `broadsheet serve`."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

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
    assert status == 404 and b"Page not found" in body


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
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
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
