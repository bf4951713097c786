"""`broadsheet serve --watch`: rebuild when the project's inputs change, and say so.

Two watchfiles watchers feed one set of changed paths: one recursive over content/,
templates/, static/ and the package's theme, one on the config file's folder alone (not
recursive: it usually holds site/ and .broadsheet/, which every build rewrites, and an
editor saves site.yaml by replacing it, which a watch on the file itself would lose).
Paths under site/, the index or the state folder, hidden files (`.git`, the temp files of
ingest and atomic_write, `.name.*.tmp`) and editors' swap and backup files are ignored; but
with git dates on, a commit or a checkout (the repository's HEAD, its reflog and packed
refs) sets off a build, which shows the new `updated` dates.

One builder thread turns the changes into builds: it waits until they have been quiet for
QUIET seconds (an editor's save is several events, a `git checkout` many), then runs the
same incremental build() as `broadsheet build`, holding the project lock (lock.py), so a
`broadsheet build` in another terminal and this never write at once. Changes made during a
build make one more build after it. Each build gives an Outcome: `report` (the CLI) prints
it, and `notify` (the preview server's live-reload hub) gets its events:

    reload   a build published and changed files
    error    the build failed, nothing published: one line of text
    partial  the build published, without the files that have errors: one line of text
    ok       a build succeeded after a failing one

The builder is one long-lived thread on purpose: the build forks its index process and
render workers, which die with the thread that forked them (PR_SET_PDEATHSIG, parallel.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, BuildError
from broadsheet.lock import LockedError, project_lock
from broadsheet.model import BuildResult

QUIET = 0.3  # seconds without a new change before a build starts
MAX_DELAY = 3.0  # ...but a stream of changes (a long checkout) waits no longer than this
LOCK_WAIT = 600.0  # seconds to wait for another writer (`broadsheet build`) before failing
WHAT = "broadsheet serve --watch"  # the lock holder, as another writer's message names it

# editors' swap, backup and probe files, and partial downloads: never a change to build
_SCRATCH_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".temp", ".part", ".crdownload",
                     ".bak", ".orig")
_SCRATCH_NAMES = {"4913", "__pycache__"}  # vim's write probe; Python's caches


@dataclass
class Outcome:
    """What one rebuild did: published (result) or failed (error), and what set it off."""
    changes: list[str]  # the paths that set it off (none: the first build)
    seconds: float = 0.0
    result: BuildResult | None = None
    error: BroadsheetError | None = None

    @property
    def changed(self) -> bool:
        """Published, and some file of site/ was written or removed."""
        return (self.error is None and self.result is not None
                and bool(self.result.written_paths or self.result.removed_paths))

    @property
    def problem(self) -> str | None:
        """One line for the page's overlay: the failure, or the first file left out."""
        if self.error is not None:
            return one_line(str(self.error))
        if self.result is not None and self.result.errors:
            more = len(self.result.errors) - 1
            return one_line(str(self.result.errors[0])) + (f" (and {more} more)" if more else "")
        return None


def one_line(text: str) -> str:
    """Text for an event's single `data:` line and the terminal: line breaks made spaces."""
    return " ".join(text.split("\n")).replace("\r", " ").strip()


def events(outcome: Outcome, failing: bool) -> list[tuple[str, str]]:
    """The live-reload events of a build's outcome, given whether the last build failed."""
    out: list[tuple[str, str]] = []
    problem = outcome.problem
    if problem is None and failing:
        out.append(("ok", ""))
    if outcome.changed:
        out.append(("reload", ""))
    if problem is not None:  # the overlay says which: the page is the last good build, or new
        out.append(("error" if outcome.error is not None else "partial", problem))
    return out


@dataclass(frozen=True)
class Roots:
    """What to watch for one config, and what never to react to."""
    recursive: tuple[Path, ...]  # the input folders (those that exist)
    config: Path  # the config file; its folder is watched on its own
    inputs: tuple[Path, ...]  # the input folders, existing or not (their creation matters)
    outputs: tuple[Path, ...]  # site/, the index, the state folder
    git: tuple[Path, ...] = ()  # with git dates: the files a commit or checkout changes

    @classmethod
    def of(cls, config: Config, theme: Path) -> "Roots":
        from broadsheet.gitdates import moves

        inputs = tuple(p.resolve() for p in (config.content_dir, config.templates_dir,
                                             config.static_dir))
        return cls(recursive=tuple(p for p in (*inputs, theme.resolve()) if p.is_dir()),
                   config=config.path.resolve(), inputs=inputs,
                   outputs=tuple(p.resolve() for p in (config.site_dir, config.index_dir,
                                                       config.state_dir)),
                   git=moves(config.content_dir) if config.git_dates and
                   config.content_dir.is_dir() else ())

    def relevant(self, path: str) -> bool:
        """Whether a change at this path can change the site."""
        p = Path(path)
        if p == self.config or p in self.git:  # a commit: the `updated` dates may change
            return True
        if any(p == out or p.is_relative_to(out) for out in self.outputs):
            return False
        if p.parent == self.config.parent:  # the config's folder: only input folders appear
            return p in self.inputs          # (created, deleted or renamed whole)
        for root in self.recursive:
            if p.is_relative_to(root):
                return not any(_scratch(part) for part in p.relative_to(root).parts)
        return False


def _scratch(name: str) -> bool:
    return (name.startswith((".", "#")) or name.endswith(_SCRATCH_SUFFIXES)
            or name in _SCRATCH_NAMES)


class _Either:
    """A stop_event for watchfiles: set when either event is."""

    def __init__(self, *events: threading.Event):
        self._events = events

    def is_set(self) -> bool:
        return any(e.is_set() for e in self._events)


class Watcher:
    """Watch a project's inputs and rebuild it on change, in background threads.

    load_config reads the config again (a change to it is a change like any other; a bad
    config is a failed build); notify(event, data) gets the live-reload events; report(outcome)
    is called after each build (the CLI prints it). Both are called from the builder thread.
    """

    def __init__(self, config: Config, load_config: Callable[[], Config],
                 notify: Callable[[str, str], None], report: Callable[[Outcome], None], *,
                 jobs: int = 1, quiet: float = QUIET, lock_wait: float = LOCK_WAIT,
                 theme: Path | None = None, build: Callable | None = None):
        from broadsheet.publish.render import THEME

        self.config = config
        self._load_config = load_config
        self._notify = notify
        self._report = report
        self._jobs = jobs
        self._quiet = quiet
        self._lock_wait = lock_wait
        self._theme = theme or THEME
        self._build = build
        self.roots = Roots.of(config, self._theme)
        self.failing = False
        self.builds = 0  # builds done, failed ones included
        self._stop = threading.Event()
        self._restart = threading.Event()  # the folders to watch changed: watch them anew
        self._changed = threading.Condition()
        self._pending: list[str] = []
        self._first_change = 0.0
        self._last_change = 0.0
        self.building = False
        self._threads: list[threading.Thread] = []

    # --- the threads --------------------------------------------------------------------

    def start(self, build_now: bool = True) -> None:
        """Start watching (and, with build_now, build at once: the site may be behind)."""
        if build_now:
            self._add([""])  # no path: a build that no change set off
        for name, target in (("broadsheet-watch", self._watch_inputs),
                             ("broadsheet-watch-config", self._watch_config),
                             ("broadsheet-watch-git", self._watch_git),
                             ("broadsheet-build", self._builder)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float | None = None) -> bool:
        """Stop watching, let a build in progress finish, and join the threads. False if
        they are still running after timeout (they are daemons: they end with the process)."""
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def _watch(self, paths: Callable[[], Iterable[Path]], recursive: bool,
               restart: threading.Event) -> None:
        from watchfiles import watch

        while not self._stop.is_set():
            restart.clear()
            roots = list(paths())
            if not roots:
                self._stop.wait(0.5)
                continue
            try:
                for changes in watch(*roots, watch_filter=self._keep, recursive=recursive,
                                     debounce=1600, step=50, rust_timeout=1000,
                                     stop_event=_Either(self._stop, restart),
                                     raise_interrupt=False):
                    self._add(path for _, path in changes)
            except OSError:  # a folder vanished while being watched: look again
                self._stop.wait(0.5)

    def _watch_inputs(self) -> None:
        self._watch(lambda: self.roots.recursive, recursive=True, restart=self._restart)

    def _watch_config(self) -> None:
        self._watch(lambda: [self.roots.config.parent], recursive=False,
                    restart=threading.Event())  # the config's folder stays where it is

    def _watch_git(self) -> None:
        # the folders of HEAD and its reflog, not the repository: objects come and go by
        # the thousand in a commit; a project outside git has nothing to watch
        if self.roots.git:
            self._watch(lambda: sorted({p.parent for p in self.roots.git if p.parent.is_dir()}),
                        recursive=False, restart=threading.Event())

    def _keep(self, change, path: str) -> bool:
        return self.roots.relevant(path)

    def _add(self, paths: Iterable[str]) -> None:
        with self._changed:
            now = time.monotonic()
            if not self._pending:
                self._first_change = now
            self._pending.extend(paths)
            self._last_change = now
            self._changed.notify_all()

    def _next_batch(self) -> list[str] | None:
        """Changes once they have been quiet for a moment (or waited MAX_DELAY); None: stop."""
        with self._changed:
            while not self._stop.is_set():
                if self._pending:
                    now = time.monotonic()
                    due = min(self._last_change + self._quiet, self._first_change + MAX_DELAY)
                    if now >= due:
                        batch, self._pending = self._pending, []
                        return batch
                    self._changed.wait(due - now)
                else:
                    self._changed.wait()
            return None

    def _builder(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self.rebuild(batch)

    # --- one build ----------------------------------------------------------------------

    def rebuild(self, changes: list[str]) -> Outcome | None:
        """Build once (in the calling thread), then notify and report. None if stopped
        before the build could start."""
        names = sorted({c for c in changes if c})
        started = time.perf_counter()
        self.building = True
        try:
            result = self._locked_build()
        except _Stopped:
            return None
        except BroadsheetError as exc:
            outcome = Outcome(names, error=exc)
        except Exception as exc:  # noqa: BLE001 - a bug, or a worker that died
            if self._stop.is_set():
                return None
            outcome = Outcome(names, error=BuildError(
                f"internal error ({type(exc).__name__}): {exc}"))
        else:
            outcome = Outcome(names, result=result)
        finally:
            self.building = False
        outcome.seconds = time.perf_counter() - started
        root = self.config.path.parent
        for err in ([outcome.error] if outcome.error else []) + (
                [*outcome.result.errors, *outcome.result.warnings] if outcome.result else []):
            _within(err, root)
        self.builds += 1
        for event, data in events(outcome, self.failing):
            self._notify(event, data)
        self.failing = outcome.problem is not None
        self._report(outcome)
        return outcome

    def _locked_build(self) -> BuildResult:
        config = self._load_config()
        self.config = config
        roots = Roots.of(config, self._theme)
        if roots != self.roots:  # a folder appeared, or the config moved one
            self.roots = roots
            self._restart.set()
        deadline = time.monotonic() + self._lock_wait
        while True:  # in short waits: Ctrl-C must not wait for another writer
            if self._stop.is_set():
                raise _Stopped
            try:
                with project_lock(config.state_dir, WHAT,
                                  wait=min(1.0, max(0.0, deadline - time.monotonic()))):
                    return self._run_build(config)
            except LockedError:
                if time.monotonic() >= deadline:
                    raise

    def _run_build(self, config: Config) -> BuildResult:
        if self._build is not None:
            return self._build(config)
        from broadsheet.publish.pipeline import build

        return build(config, jobs=self._jobs)


def _within(err: BroadsheetError, root: Path) -> None:
    """An error's path as the project names it (templates/article.html), not from /."""
    if err.path and Path(err.path).is_absolute() and Path(err.path).is_relative_to(root):
        err.path = str(Path(err.path).relative_to(root))


class _Stopped(Exception):
    pass
