"""Preview server: site/ as static files, and /api/search answered from the Whoosh index.

Hostile requests get short answers and the server goes on: only regular files whose real
path (symlinks resolved) lies inside site/ are served, anything else is the site's 404 page;
methods other than GET and HEAD get 405 with `Allow`; a request line over MAX_REQUEST_LINE
bytes gets 414; a query the index refuses (too long, too many words, a page too deep) gets
400; every error is JSON `{"error": ...}` (404 excepted), never a traceback. A request's
line and headers must arrive within TIMEOUT seconds in all; at most MAX_CONNECTIONS are
open at once (a thread each), and up to QUEUE more wait to be accepted.

With a LiveReload hub (`broadsheet serve --watch`), HTML answers get a script tag for
/__broadsheet/live.js (added as they are sent, never written into site/), which listens to
the server-sent events of /__broadsheet/events: `reload` after a build that changed the
site, `error` (one line) while the last build failed, `ok` when it is fixed. At most
MAX_LIVE_CLIENTS such streams are open at once; each sends a comment every `heartbeat`
seconds and ends as soon as its client goes. Without a hub there is no /__broadsheet/.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import select
import socket
import sys
import threading
import time
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from broadsheet.errors import BroadsheetError, SearchError
from broadsheet.publish import search
from broadsheet.publish.render import CSP_HEADER

MAX_LIMIT = 50  # hits per page of /api/search; more is served as 50
MAX_REQUEST_LINE = 8192  # bytes of "GET /path?query HTTP/1.1"; longer: 414
TIMEOUT = 10  # seconds for a request's line and headers to arrive, idle keep-alive included
QUEUE = 128  # connections waiting to be accepted (the standard library's 5 drops bursts)
MAX_CONNECTIONS = 256  # open at once, a thread each; more are answered 503 and closed
METHODS = ("GET", "HEAD")
LIVE_PREFIX = "/__broadsheet/"  # the live-reload routes, with a hub only
LIVE_SCRIPT = Path(__file__).resolve().parent / "live" / "live.js"
LIVE_TAG = b'<script src="/__broadsheet/live.js" defer></script>'
MAX_LIVE_CLIENTS = 32  # open event streams (pages open in a browser); more get 503
HEARTBEAT = 15.0  # seconds between the comments that keep an idle event stream open
POLL = 1.0  # seconds between looks at an event stream's socket (has the page gone?)


def with_live_tag(html: bytes) -> bytes:
    """The page with the live-reload script before its last </body> (at its end if none)."""
    at = html.lower().rfind(b"</body>")
    return html + LIVE_TAG if at < 0 else html[:at] + LIVE_TAG + html[at:]


class LiveReload:
    """Where the watcher's events meet the open pages: a queue per event stream, and what
    a stream that opens later needs to know (the build count, and the current error)."""

    def __init__(self, max_clients: int = MAX_LIVE_CLIENTS, heartbeat: float = HEARTBEAT):
        self.max_clients = max_clients
        self.heartbeat = heartbeat
        self.generation = 0  # builds that changed the site
        self.error: tuple[str, str] | None = None  # the last build's problem (its event)
        self._lock = threading.Lock()
        self._clients: set[queue.Queue] = set()
        self._closed = False

    @property
    def clients(self) -> int:
        return len(self._clients)

    def send(self, event: str, data: str = "") -> None:
        """reload, error or partial (data: one line) or ok, to every open stream."""
        with self._lock:
            if event == "reload":
                self.generation += 1
            elif event in ("error", "partial"):
                self.error = (event, data)
            elif event == "ok":
                self.error = None
            for q in self._clients:
                _offer(q, (event, data))

    def subscribe(self) -> queue.Queue | None:
        """A queue of (event, data) for a new stream, its first events in it; None when
        MAX_LIVE_CLIENTS are open or the server is stopping. None in the queue: the end."""
        with self._lock:
            if self._closed or len(self._clients) >= self.max_clients:
                return None
            q: queue.Queue = queue.Queue(maxsize=64)
            q.put(("hello", str(self.generation)))
            if self.error is not None:
                q.put(self.error)
            self._clients.add(q)
            return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._clients.discard(q)

    def close(self) -> None:
        """End every stream (the server is stopping) and refuse new ones."""
        with self._lock:
            self._closed = True
            for q in self._clients:
                _offer(q, None)


def _offer(q: queue.Queue, item) -> None:
    try:
        q.put_nowait(item)
    except queue.Full:  # a stream that stopped reading: it ends at its next write
        pass


def _event(name: str, data: str) -> bytes:
    data = " ".join(data.splitlines())  # one data line: the text is one line already
    return f"event: {name}\ndata: {data}\n\n".encode("utf-8")


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
    live: LiveReload | None
    protocol_version = "HTTP/1.1"  # keep-alive: a page, its CSS and its scripts on one connection
    timeout = TIMEOUT  # set on the socket: a slow or idle client cannot hold a thread forever
    # headers and body go out as two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK, 40 ms on a kept-alive connection (p90 of pages: 48 -> 9 ms)
    disable_nagle_algorithm = True
    server_version = "broadsheet"
    sys_version = ""

    def __init__(self, *args, index: search.SearchIndex, live: LiveReload | None = None,
                 **kwargs):
        self.index = index
        self.live = live
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

    def send_response(self, code, message=None):
        self._cache_control = False
        super().send_response(code, message)

    def send_header(self, keyword, value):
        super().send_header(keyword, value)
        if keyword.lower() == "cache-control":
            self._cache_control = True
        if keyword.lower() == "content-type" and value.startswith("text/html"):
            # the site's CSP (broadsheet/publish/render.py), as a header: it adds
            # frame-ancestors, which the pages' <meta> cannot carry
            super().send_header("Content-Security-Policy", CSP_HEADER)

    def end_headers(self):
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.live is not None and not getattr(self, "_cache_control", True):
            self.send_header("Cache-Control", "no-cache")  # edited files: always asked again
        super().end_headers()

    def parse_request(self) -> bool:
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG,
                            f"request line over {MAX_REQUEST_LINE} bytes")
            return False
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # "GET /": a reply would have no status line
            self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 requests are not served")
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
        if self.live is not None and parts.path.startswith(LIVE_PREFIX):
            return self.live_route(parts.path)
        return super().do_GET()

    def do_HEAD(self):
        path = urlsplit(self.path).path
        if path == "/api/search" or (self.live is not None and path.startswith(LIVE_PREFIX)):
            return self.do_GET()  # the same headers; the body is left out
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
            kind = self.guess_type(str(local))
            size = stat.st_size
            if self.live is not None and kind.startswith("text/html"):
                with f:
                    f = io.BytesIO(with_live_tag(f.read()))
                size = len(f.getbuffer())
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(size))
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
        if self.request_version == "HTTP/0.9":
            # the standard library's value until it has read a version (a malformed request
            # line, a TLS handshake): it would send the body alone, no status, no headers
            self.request_version = "HTTP/1.0"
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and urlsplit(self.path).path.endswith(".css"):
            # a stylesheet, as the 404 page's own link from beside it asks for at a depth
            # (the link that works from disk): empty, as CSS, where the HTML page would be
            # refused (nosniff) with a complaint in the browser's console
            body, kind = b"", "text/css; charset=utf-8"
        elif code == HTTPStatus.NOT_FOUND and page.is_file():
            body, kind = page.read_bytes(), "text/html; charset=utf-8"
            if self.live is not None:
                body = with_live_tag(body)
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

    def live_route(self, path: str) -> None:
        if path == LIVE_PREFIX + "live.js":
            body = LIVE_SCRIPT.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        elif path == LIVE_PREFIX + "events":
            self.live_events()
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def live_events(self) -> None:
        """A text/event-stream of the watcher's events, until the client or the server goes.
        The request's deadline no longer applies (nothing more is read); a comment every
        heartbeat keeps proxies and the browser from taking the stream for dead, and the
        socket is looked at every POLL seconds, so a closed page frees its slot at once."""
        q = self.live.subscribe()
        if q is None:
            body = b'{"error": "too many live-reload connections"}'
            self.send_response(HTTPStatus.SERVICE_UNAVAILABLE)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Retry-After", "3")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        try:
            self.close_connection = True  # the stream ends with the connection
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command == "HEAD":
                return
            self.wfile.write(b"retry: 1000\n\n")  # reconnect after a second, not three
            beat = time.monotonic()
            while True:
                try:
                    item = q.get(timeout=min(POLL, self.live.heartbeat))
                except queue.Empty:
                    if self._client_gone():
                        return
                    if time.monotonic() - beat >= self.live.heartbeat:
                        self.wfile.write(b": heartbeat\n\n")
                        beat = time.monotonic()
                    continue
                if item is None:  # the server is stopping
                    return
                self.wfile.write(_event(*item))
                beat = time.monotonic()
        except OSError:  # the client went away mid-write (reset, broken pipe, timeout)
            return
        finally:
            self.live.unsubscribe(q)

    def _client_gone(self) -> bool:
        """Whether the peer closed the connection (it sends nothing on an event stream)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

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


class Server6(Server):
    address_family = socket.AF_INET6


def make_server(site_dir: Path, index_dir: Path, host: str = "127.0.0.1",
                port: int = 8000, live: LiveReload | None = None) -> ThreadingHTTPServer:
    """The server; with `live` (serve --watch), pages get the live-reload script and the
    /__broadsheet/ routes exist."""
    handler = partial(Handler, directory=str(Path(site_dir).resolve()),
                      index=search.SearchIndex(index_dir), live=live)
    server_class = Server6 if ":" in host else Server  # "::1": an IPv6 address
    try:
        return server_class((host, port), handler)
    except (OSError, OverflowError) as exc:  # in use, not ours, no such host, port > 65535
        raise BroadsheetError(f"cannot listen on {host}:{port}: "
                              f"{getattr(exc, 'strerror', None) or exc}") from None


def next_free_port(host: str, port: int, tries: int = 50) -> int | None:
    """The first port after port that host can listen on, or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket(family) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None


@contextlib.contextmanager
def running(site_dir: Path, index_dir: Path, live: LiveReload | None = None):
    """The server on a free loopback port, in a background thread, for as long as the block
    runs (tests, screenshots): yields its base URL."""
    server = make_server(site_dir, index_dir, "127.0.0.1", 0, live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
