"""The last build's pages, kept in state_dir so that a build whose site shape is unchanged
(fingerprint.site_shape: an edited body, the common commit) plans nothing: it reads back only
the pages it has to render again. At 50,000 articles planning the whole site costs more than
the rest of such a build.

A page is stored as its template and its context, pickled with each article by its slug (the
current article stands in when it is read back), under the fingerprint the page had. A row
is used only when that fingerprint is the one the build state names for the page: the store
needs no other bond with the state, and a row that is stale, missing or unreadable makes the
build plan the whole site as usual.
"""

from __future__ import annotations

import io
import pickle
import sqlite3
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from broadsheet.model import Article, Page

STORE_FILE = "pages.sqlite"


def article(slug: str) -> Article:
    """Stands for an article in a stored context; the reader maps it to the current one."""
    raise RuntimeError("a stored page is read with _Reader")


class _Writer(pickle.Pickler):
    # called only for objects pickle has no fast path for: articles, tags, dates
    def reducer_override(self, obj):
        if type(obj) is Article:
            return article, (obj.slug,)
        return NotImplemented


class _Ref:
    """An article's place in a context as read back: its slug, replaced by the article once
    the context is loaded (never the article itself, which the pickle could then change)."""
    __slots__ = ("slug",)

    def __init__(self, slug: str):
        self.slug = slug


class _Reader(pickle.Unpickler):
    """Only what a page's context holds: a tampered store cannot make pickle run anything."""
    ALLOWED = {("broadsheet.model", "Tag"), ("datetime", "date"), ("datetime", "datetime"),
               ("datetime", "timezone"), ("datetime", "timedelta")}

    def find_class(self, module: str, name: str):
        if (module, name) == (__name__, "article"):
            return _Ref
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"unexpected {module}.{name} in a stored page")
        return super().find_class(module, name)


def _resolved(value, articles: Mapping[str, Article]):
    """The context with each _Ref replaced by the current article of its slug."""
    if type(value) is _Ref:
        if not isinstance(value.slug, str):
            raise KeyError(value.slug)
        return articles[value.slug]
    if type(value) is dict:
        return {k: _resolved(v, articles) for k, v in value.items()}
    if type(value) is list:
        return [_resolved(v, articles) for v in value]
    if type(value) is tuple:
        return tuple(_resolved(v, articles) for v in value)
    return value


def _dumps(context: dict) -> bytes:
    out = io.BytesIO()
    _Writer(out, protocol=pickle.HIGHEST_PROTOCOL).dump(context)
    # compressed: the store is cached between CI runs (at 50,000 articles, 80 MB of contexts
    # pickled, 47 MB compressed)
    return zlib.compress(out.getvalue(), 1)


def _connect(state_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(state_dir / STORE_FILE)  # a build killed midway: rolled back
    db.execute("CREATE TABLE IF NOT EXISTS pages "
               "(path TEXT PRIMARY KEY, print TEXT, template TEXT, context BLOB)")
    return db


def save(state_dir: Path, pages: Iterable[Page], prints: Mapping[str, str],
         stored: Mapping[str, str]) -> None:
    """Store the pages whose fingerprint differs from `stored` (what the store holds, as the
    last build's state names it), and drop the rows of pages that are gone. Run in its own
    process while pages render."""
    state_dir.mkdir(parents=True, exist_ok=True)
    db = _connect(state_dir)
    try:
        if not stored:  # a cold build: whatever is there is stale
            db.execute("DELETE FROM pages")
        elif db.execute("SELECT path FROM pages LIMIT 1").fetchone() is None:
            stored = {}  # new, or emptied by load(): every page is written
        rows = []
        for page in pages:
            fp = prints[page.path]
            if stored.get(page.path) != fp:
                rows.append((page.path, fp, page.template, _dumps(page.context)))
            if len(rows) >= 1000:
                db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", rows)
                rows.clear()
        db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)", rows)
        db.executemany("DELETE FROM pages WHERE path=?",
                       [(path,) for path in stored if path not in prints])
        db.commit()
    finally:
        db.close()


def load(state_dir: Path, paths: Iterable[str], prints: Mapping[str, str],
         articles: Mapping[str, Article]) -> list[Page] | None:
    """The pages at `paths` as the last build planned them, the current articles in them;
    None unless every one is stored under the fingerprint `prints` gives it."""
    wanted = sorted(paths)
    if not (state_dir / STORE_FILE).is_file():
        return None
    try:
        db = _connect(state_dir)
        try:
            rows = {}
            for a in range(0, len(wanted), 500):
                chunk = wanted[a: a + 500]
                rows.update((r[0], r[1:]) for r in db.execute(
                    f"SELECT path, print, template, context FROM pages WHERE path IN "
                    f"({','.join('?' * len(chunk))})", chunk))
        finally:
            db.close()
        pages = []
        for path in wanted:
            row = rows.get(path)
            if row is None or row[0] != prints.get(path):
                break
            context = _resolved(_Reader(io.BytesIO(zlib.decompress(row[2]))).load(), articles)
            if type(context) is not dict:
                break
            pages.append(Page(path=path, template=row[1], context=context))
        else:
            return pages
    except (pickle.UnpicklingError, zlib.error, EOFError, KeyError, TypeError, ValueError,
            AttributeError, IndexError):
        pass
    except sqlite3.Error:
        return None
    # a row missing, stale or unreadable: the store is emptied, and the next save fills it
    _clear(state_dir)
    return None


def _clear(state_dir: Path) -> None:
    try:
        db = _connect(state_dir)
        try:
            db.execute("DELETE FROM pages")
            db.commit()
        finally:
            db.close()
    except sqlite3.Error:
        (state_dir / STORE_FILE).unlink(missing_ok=True)
