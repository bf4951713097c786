"""The build state: what the last build read and wrote, kept in state_dir between builds (and
between CI runs, when the folder is cached) so that a rebuild reads, renders and writes only
what changed. Losing it costs time, never correctness: without it the build is cold.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zlib
from functools import cache
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NamedTuple

from broadsheet import __version__
from broadsheet.fsutil import atomic_write
from broadsheet.model import Article
from broadsheet.publish.fingerprint import PageIndex

HEAD_FILE = "head.pickle"  # small: all a no-op build reads
CONTENT_FILES_DIR = "content"  # the content files' front matter, read when something changed, in
CONTENT_BUCKETS = 64  # files by a hash of the name: an edit rewrites one, not all 50,000 rows
STATE_VERSION = 5  # bump when the layout below changes (5: content files under content/)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def stamp(st: os.stat_result) -> tuple[int, tuple[int, int]]:
    """An input file's stat as the build state keeps it: its size, mtime and ctime. An edit
    that keeps the size and the mtime (within one clock tick, or `touch -r`) still moves
    the ctime, which no one can set back."""
    return st.st_size, (st.st_mtime_ns, st.st_ctime_ns)


@dataclass
class ContentFile:
    """A content file as the last build read it."""
    stat: tuple[int, int]
    digest: str  # of its bytes: a file touched but not changed (a git checkout) is not re-parsed
    article: Article  # as stored, without its body (body=None): read again when a page needs it
    row: tuple | None = field(default=None, compare=False)  # its stored form, when loaded so


class Output(NamedTuple):
    """A file of site/ as the last build left it (a tuple: 60,000 of them load fast)."""
    size: int
    mtime: int
    digest: str

    @property
    def stat(self) -> tuple[int, int]:
        return self.size, self.mtime


@dataclass
class BuildState:
    code: str = ""  # the code that made it: another version discards the state
    inputs: str = ""  # every input's stat, hashed: equal means there is nothing to do
    with_index: bool = True
    drafts: bool = False  # were drafts published (build --drafts)
    pages: dict[str, str] = field(default_factory=dict)  # page path -> its inputs' fingerprint
    outputs: dict[str, Output] = field(default_factory=dict)  # path under site/ -> Output
    content_buckets: dict[str, str] = field(default_factory=dict)  # bucket file -> its hash
    articles: int = 0
    prev: tuple[str, list[str], list[str]] | None = None  # the tree kept aside: token, and
    # what this build wrote and removed (what that tree lacks to be site/)
    page_index: str = ""  # the token of the PageIndex saved with it (PAGES_FILE)
    pages_stored: bool = False  # the page store holds every page under its fingerprint


@cache  # read once per process: the code a process runs does not change under it
def code_fingerprint() -> str:
    """broadsheet's own source: output made by other code must be made again."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(f"{STATE_VERSION}:{__version__}".encode(), digest_size=16)
    for path in sorted(package.rglob("*.py")) + sorted((package / "data").glob("*")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


class _Unpickler(pickle.Unpickler):
    """The state holds only these types: a tampered file cannot make pickle run anything."""
    ALLOWED = {("broadsheet.publish.state", n) for n in ("Output", "BuildState")} | {
        ("datetime", "date"), ("datetime", "datetime"),
        ("datetime", "timezone"), ("datetime", "timedelta"),
        ("copyreg", "_reconstructor"), ("copyreg", "__newobj__"), ("builtins", "object")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"unexpected {module}.{name} in the build state")
        return super().find_class(module, name)


_BROKEN = (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError,
           KeyError, IndexError)


RELATED_FILE = "related.pickle"
PAGES_FILE = "pages.pickle"  # fingerprint.PageIndex, read only when something changed


def load_page_index(state_dir: Path, state: BuildState | None) -> PageIndex | None:
    """The page index the state names, or None (the pages are all fingerprinted)."""
    if state is None or not state.page_index:
        return None
    try:
        with open(state_dir / PAGES_FILE, "rb") as f:
            index = PageIndex(*_Unpickler(f).load())
    except _BROKEN:
        return None
    return index if index.token == state.page_index else None


def save_page_index(state_dir: Path, index: PageIndex) -> None:
    """Written before the head that names it: a crash between leaves a head naming the old
    token, and the pages are fingerprinted afresh."""
    atomic_write(state_dir / PAGES_FILE, pickle.dumps(
        (index.token, index.shape, index.digests, index.pages_of),
        protocol=pickle.HIGHEST_PROTOCOL))


def cached_related(state_dir: Path, code: str):
    """related_of for plan(): the last build's related lists when no article's slug, date or
    tags changed and the code is the same (an edited body, the common commit, costs a hash
    instead of the lists)."""
    from broadsheet.publish.related import related, related_key

    def related_of(ordered):
        key = f"{code}:{related_key(ordered)}"
        path = state_dir / RELATED_FILE
        try:
            with open(path, "rb") as f:
                stored_key, table = _Unpickler(f).load()
            if stored_key == key:
                by_slug = {a.slug: a for a in ordered}
                return {slug: [by_slug[s] for s in slugs] for slug, slugs in table.items()}
        except _BROKEN:
            pass
        out = related(ordered)
        atomic_write(path, pickle.dumps(
            (key, {slug: tuple(a.slug for a in items) for slug, items in out.items()}),
            protocol=pickle.HIGHEST_PROTOCOL))
        return out
    return related_of


def load_state(state_dir: Path, code: str) -> BuildState | None:
    """The last build's state, or None (first build, other code, unreadable: build cold)."""
    try:
        with open(state_dir / HEAD_FILE, "rb") as f:
            state = _Unpickler(f).load()
    except _BROKEN:
        return None
    if not isinstance(state, BuildState) or state.code != code:
        return None
    return state


# An article is stored as a tuple of its fields but body and path: unpickling 50,000
# dataclasses and Paths costs seconds, tuples of strings a fraction of that.
_FIELDS = [f.name for f in fields(Article)]
_STORED = [name for name in _FIELDS if name not in ("body", "path")]
assert _FIELDS[2] == "body" and _FIELDS[-1] == "path"  # the positions load_content_files relies on


def _bucket(name: str) -> str:
    return f"{zlib.crc32(name.encode('utf-8', 'surrogatepass')) % CONTENT_BUCKETS:02d}.pickle"


def load_content_files(state_dir: Path, state: BuildState | None, content_dir: Path
                       ) -> dict[str, ContentFile]:
    """The content files saved with that state (none without one); their articles have no
    body (body=None). A bucket file that is missing or not the one the state names is left
    out: its files are parsed again."""
    out: dict[str, ContentFile] = {}
    if state is None:
        return out
    for bucket, bucket_digest in sorted(state.content_buckets.items()):
        try:
            data = (state_dir / CONTENT_FILES_DIR / bucket).read_bytes()
            if digest(data) != bucket_digest:
                continue
            stored = _Unpickler(io.BytesIO(data)).load()
            out.update({name: ContentFile((size, mtime), file_digest,
                                     Article(values[0], values[1], None, *values[2:],
                                             content_dir / name), values)
                        for name, (size, mtime, file_digest, values) in stored.items()})
        except _BROKEN:
            continue
    return out


def save_state(state_dir: Path, state: BuildState, files: dict[str, ContentFile],
               loaded: dict[str, ContentFile] | None = None, old: BuildState | None = None
               ) -> None:
    """The content files' buckets that changed since `loaded` (what `old` named), then the head
    that names them all: a crash between leaves the old head, whose hashes no longer match
    the rewritten buckets, so those files are simply parsed again."""
    loaded = loaded or {}
    kept = dict(old.content_buckets) if old is not None else {}
    buckets: dict[str, dict[str, ContentFile]] = {}
    for name, source in files.items():
        buckets.setdefault(_bucket(name), {})[name] = source
    dirty = {b for b in buckets if b not in kept}
    dirty |= {b for b in kept if b not in buckets}
    dirty |= {_bucket(n) for n, source in files.items() if loaded.get(n) is not source}
    dirty |= {_bucket(n) for n in loaded if n not in files}
    written = {b: kept[b] for b in buckets if b not in dirty}
    for b in sorted(dirty):
        if b not in buckets:
            (state_dir / CONTENT_FILES_DIR / b).unlink(missing_ok=True)
            continue
        stored = {name: (*src.stat, src.digest,
                         src.row or tuple([getattr(src.article, f) for f in _STORED]))
                  for name, src in buckets[b].items()}
        data = pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(state_dir / CONTENT_FILES_DIR / b, data)
        written[b] = digest(data)
    state.content_buckets = written
    atomic_write(state_dir / HEAD_FILE, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))


def listing(folder: Path, ctime: bool = False) -> list[tuple[str, int, object]]:
    """(relative path, size, mtime) of every file under folder, sorted; [] when absent.
    With ctime, (relative path, *stamp()): for the inputs people edit. Not for the outputs:
    a hard link to a site file moves its ctime too."""
    out = []
    if not folder.is_dir():
        return out
    stack = [(folder, "")]
    while stack:
        path, prefix = stack.pop()
        with os.scandir(path) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    stack.append((Path(e.path), f"{prefix}{e.name}/"))
                else:
                    try:
                        st = e.stat()
                    except OSError:
                        # a symlink to nothing (an editor's lock file, `.#name`) or a loop: the
                        # link's own stat stands for it; whoever reads the file reports it
                        st = e.stat(follow_symlinks=False)
                    out.append((prefix + e.name, *stamp(st)) if ctime
                               else (prefix + e.name, st.st_size, st.st_mtime_ns))
    return sorted(out)


def inputs_fingerprint(*parts: object) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()

