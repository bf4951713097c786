"""Preview server: site/ as static files, and /api/search answered from the Whoosh index."""

from __future__ import annotations

import json
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from broadsheet.errors import SearchError
from broadsheet.publish import search

MAX_LIMIT = 50


class Handler(SimpleHTTPRequestHandler):
    index: search.SearchIndex

    def __init__(self, *args, index: search.SearchIndex, **kwargs):
        self.index = index
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args):  # quiet: the CLI says where the server is
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/api/search":
            return self.api_search(parse_qs(parts.query))
        return super().do_GET()

    def send_error(self, code, message=None, explain=None):
        # serve the site's own 404 page, as a static host would
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = page.read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

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
        except SearchError as exc:
            return self.send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": exc.message})
        self.send_json(HTTPStatus.OK, data)

    def send_json(self, status: int, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)


def make_server(site_dir: Path, index_dir: Path, host: str = "127.0.0.1",
                port: int = 8000) -> ThreadingHTTPServer:
    handler = partial(Handler, directory=str(site_dir), index=search.SearchIndex(index_dir))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
