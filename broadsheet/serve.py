"""Preview server: site/ as static files, and /api/search answered from the Whoosh index.

Hostile requests get short answers and the server goes on: only regular files whose real
path (symlinks resolved) lies inside site/ are served, anything else is the site's 404 page;
methods other than GET and HEAD get 405 with `Allow`; a request line over MAX_REQUEST_LINE
bytes gets 414; a query the index refuses (too long, too many words, a page too deep) gets
400; every error is JSON `{"error": ...}` (404 excepted), never a traceback. A request's
line and headers must arrive within TIMEOUT seconds in all; at most MAX_CONNECTIONS are
open at once (a thread each), and up to QUEUE more wait to be accepted.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from broadsheet.errors import SearchError
from broadsheet.publish import search
from broadsheet.publish.render import CSP_HEADER

MAX_LIMIT = 50  # hits per page of /api/search; more is served as 50
MAX_REQUEST_LINE = 8192  # bytes of "GET /path?query HTTP/1.1"; longer: 414
TIMEOUT = 10  # seconds for a request's line and headers to arrive, idle keep-alive included
QUEUE = 128  # connections waiting to be accepted (the standard library's 5 drops bursts)
MAX_CONNECTIONS = 256  # open at once, a thread each; more are answered 503 and closed
METHODS = ("GET", "HEAD")


class _Deadline(io.RawIOBase):
    """The connection as the request reader sees it: every read waits at most until the
    handler's deadline, so a client trickling a byte at a time is dropped after TIMEOUT
    seconds in all, not TIMEOUT seconds per byte."""

    def __init__(self, handler: "Handler"):
        self.handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self.handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request not received in time")
        self.handler.connection.settimeout(left)
        return self.handler.connection.recv_into(buffer)


class Handler(SimpleHTTPRequestHandler):
    index: search.SearchIndex
    protocol_version = "HTTP/1.1"  # keep-alive: a page, its CSS and its scripts on one connection
    timeout = TIMEOUT  # set on the socket: a slow or idle client cannot hold a thread forever
    # headers and body go out as two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK, 40 ms on a kept-alive connection (p90 of pages: 48 -> 9 ms)
    disable_nagle_algorithm = True
    server_version = "broadsheet"
    sys_version = ""

    def __init__(self, *args, index: search.SearchIndex, **kwargs):
        self.index = index
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args):  # quiet: the CLI says where the server is
        pass

    def setup(self):
        super().setup()
        self.deadline = time.monotonic() + self.timeout
        self.rfile = io.BufferedReader(_Deadline(self))

    def handle_one_request(self):
        self.deadline = time.monotonic() + self.timeout  # from the end of the last answer
        super().handle_one_request()

    def send_header(self, keyword, value):
        super().send_header(keyword, value)
        if keyword.lower() == "content-type" and value.startswith("text/html"):
            # the site's CSP (broadsheet/publish/render.py), as a header: it adds
            # frame-ancestors, which the pages' <meta> cannot carry
            super().send_header("Content-Security-Policy", CSP_HEADER)

    def end_headers(self):
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def parse_request(self) -> bool:
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG,
                            f"request line over {MAX_REQUEST_LINE} bytes")
            return False
        if not super().parse_request():
            return False
        self.connection.settimeout(self.timeout)  # the head is in: answering gets its own time
        if self.command not in METHODS:
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED,
                            f"method {self.command[:20]} not allowed: only GET and HEAD")
            return False
        return True

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/api/search":
            return self.api_search(parse_qs(parts.query))
        return super().do_GET()

    def do_HEAD(self):
        if urlsplit(self.path).path == "/api/search":
            return self.do_GET()  # the same headers; send_json leaves the body out
        return super().do_HEAD()

    def send_head(self):
        """Headers for GET and HEAD, and the open file to send; None once an answer was
        sent. Only a regular file whose real path is inside site/ is served: `..` and `.`
        segments are dropped (translate_path), then symlinks are resolved and the result
        checked, so neither an encoded path nor a link in site/ leads outside it. A folder
        answers its index.html, and a folder without one is not found (no listings)."""
        path = urlsplit(self.path).path
        root = Path(self.directory)
        try:
            local = Path(self.translate_path(path))
            if local.is_dir():
                if not path.endswith("/"):  # one leading slash: "//host" would leave the site
                    return self.redirect("/" + path.lstrip("/") + "/")
                local /= "index.html"
            elif path.endswith("/"):
                raise FileNotFoundError(path)
            real = local.resolve()
            if not real.is_relative_to(root) or not real.is_file():
                raise FileNotFoundError(path)
            f = open(real, "rb")
        except (OSError, ValueError):  # ValueError: a NUL byte, a name the system cannot encode
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        try:
            stat = os.fstat(f.fileno())
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", self.guess_type(str(local)))
            self.send_header("Content-Length", str(stat.st_size))
            self.send_header("Last-Modified", self.date_time_string(stat.st_mtime))
            self.end_headers()
            return f
        except BaseException:
            f.close()
            raise

    def redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_error(self, code, message=None, explain=None):
        """The site's own 404 page, as a static host would; any other error as JSON, and
        the connection closed (the request may not have been read to its end)."""
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body, kind = page.read_bytes(), "text/html; charset=utf-8"
        else:
            phrase = self.responses.get(code, ("error",))[0]
            body = json.dumps({"error": message or phrase}, ensure_ascii=False).encode("utf-8")
            kind = "application/json; charset=utf-8"
        self.send_response(code)
        if code == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", ", ".join(METHODS))
        if code != HTTPStatus.NOT_FOUND:
            self.send_header("Connection", "close")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def api_search(self, params: dict) -> None:
        def one(name, default=""):
            return params.get(name, [default])[0]

        try:
            limit = min(MAX_LIMIT, max(1, int(one("limit", "10"))))
            page = max(1, int(one("page", "1")))
        except ValueError:
            return self.send_json(HTTPStatus.BAD_REQUEST, {"error": "page and limit are numbers"})
        query = one("q").strip()
        if not query and not any(one(name).strip() for name in search.FILTERS):
            return self.send_json(HTTPStatus.BAD_REQUEST, {"error": "missing query: ?q=words"})
        sort = "date" if one("sort") == "date" else "relevance"
        filters = {name: one(name).strip() for name in search.FILTERS if one(name).strip()}
        try:
            data = self.index.search(query, limit=limit, page=page, sort=sort, filters=filters)
        except search.QueryError as exc:
            return self.send_json(HTTPStatus.BAD_REQUEST, {"error": exc.message})
        except SearchError as exc:
            return self.send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": exc.message})
        except Exception as exc:  # a bug: the client gets its name, never a traceback
            return self.send_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                                  {"error": f"internal error ({type(exc).__name__})"})
        self.send_json(HTTPStatus.OK, data)

    def send_json(self, status: int, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    """A thread per connection, at most MAX_CONNECTIONS of them: a flood of connections
    (or of slow clients) gets a short 503 instead of a thread each."""
    daemon_threads = True
    request_queue_size = QUEUE
    max_connections = MAX_CONNECTIONS
    BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            b"Content-Length: 27\r\nRetry-After: 1\r\nConnection: close\r\n"
            b"X-Content-Type-Options: nosniff\r\n\r\n{\"error\": \"server is busy\"}")

    def server_activate(self):
        self._slots = threading.BoundedSemaphore(self.max_connections)
        super().server_activate()

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(self.BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to tell anyone
        super().handle_error(request, client_address)


def make_server(site_dir: Path, index_dir: Path, host: str = "127.0.0.1",
                port: int = 8000) -> ThreadingHTTPServer:
    handler = partial(Handler, directory=str(Path(site_dir).resolve()),
                      index=search.SearchIndex(index_dir))
    return Server((host, port), handler)
