"""build: content/ -> site/ and the search index, doing only what changed since the last build.

    inputs unchanged? ── yes ──> done, nothing read (reuse.nothing_to_do)
        │ no
    load (load.py) → policy (policy.py) ─┬─> index + static search, in another process
                                         │   (indexing.py, search/)
    plan (plan.py), or the pages to render again (reuse.pages_again)
        → fingerprint (fingerprint.py) → render (renderjob.py) → outputs (outputs.py)
        → the index's files moved in → swap in site/ and the index (write.Staging)
        → save the state (state.py)

Each stage is a function of its inputs; this module only runs them in order and keeps the
time each takes. With no state (first build, --full, other code) every page is rendered;
the output is byte-identical either way. A failure leaves the previous site/, index and
state as they were.
"""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from urllib.parse import urljoin

from broadsheet.config import Config
from broadsheet.errors import Diagnostics
from broadsheet.gitdates import file_dates
from broadsheet.i18n import strings_fingerprint
from broadsheet.model import Article, BuildResult
from broadsheet.parallel import Background, Progress, Tally, no_progress
from broadsheet.publish import pagestore
from broadsheet.publish.fingerprint import fingerprint_pages, site_fingerprint, site_shape
from broadsheet.publish.indexing import index_and_export, published_search
from broadsheet.publish.load import load_content
from broadsheet.publish.outputs import Outputs, static_assets
from broadsheet.publish.plan import plan
from broadsheet.publish.policy import moved_without_alias, published
from broadsheet.publish.render import Theme, site_context, template_fingerprints
from broadsheet.publish.renderjob import RenderJob, render_pages
from broadsheet.publish.reuse import (build_inputs, digests_of, nothing_to_do, pages_again,
                                      trusted_outputs)
from broadsheet.publish.state import (BuildState, cached_related, code_fingerprint,
                                      inputs_fingerprint, listing, load_content_files,
                                      load_page_index, load_state, save_page_index, save_state)
from broadsheet.publish.write import Staging


@dataclass(frozen=True)
class Options:
    strict: bool = False  # the first bad content file stops the build, before any write
    with_index: bool = True
    full: bool = False  # the last build's state ignored: everything made again
    jobs: int = 1
    progress: Progress = no_progress
    drafts: bool = False  # drafts published (a preview)


def load(config: Config, problems: Diagnostics, *, strict: bool = False, known=None,
         jobs: int = 1, drafts: bool = False, listed: dict | None = None
         ) -> tuple[list[Article], dict]:
    """The articles the site publishes (policy.py applied; drafts left out unless asked
    for) and the content files they come from; each bad file is an error in problems.
    Without bodies, even in a cold build: the index process forks from this one, and at
    50,000 articles the bodies would take its peak past a gigabyte."""
    articles, files = load_content(config.content_dir, problems, known, jobs, listed)
    if not drafts:
        articles = [a for a in articles if not a.draft]
    if strict:
        problems.stop_at_first_error()
    dates: dict = {}
    if config.git_dates:
        dates, warning = file_dates(config.content_dir, config.state_dir / "gitdates.json")
        if warning is not None:
            problems.warn(warning)
    return published(articles, config, dates, problems), files


def content_as_it_is(config: Config) -> list[Article]:
    """content/'s articles as written (drafts too, no policy; bad files left out), the last
    build's state sparing the parse of the files unchanged since."""
    state = load_state(config.state_dir, code_fingerprint())
    known = load_content_files(config.state_dir, state, config.content_dir)
    return load_content(config.content_dir, Diagnostics(), known)[0]


def build(config: Config, *, strict: bool = False, with_index: bool = True, full: bool = False,
          jobs: int = 1, progress: Progress = no_progress, drafts: bool = False) -> BuildResult:
    """Bad content files are reported and left out (with strict, the first one stops the build
    before anything is written). A failure leaves the previous site/ as it was."""
    opts = Options(strict, with_index, full, jobs, progress, drafts)
    result = BuildResult()
    started = time.perf_counter()
    remove_leftovers(config)
    code = code_fingerprint()
    previous = None if full else load_state(config.state_dir, code)
    inputs = build_inputs(config, drafts)
    site_files = {rel: (size, mtime) for rel, size, mtime in listing(config.site_dir)}
    if nothing_to_do(previous, inputs, with_index, site_files,
                     listing(config.index_dir) if with_index else []):
        result.articles = previous.articles
        result.unchanged = len(previous.outputs)
        result.timings["check"] = time.perf_counter() - started
        return result
    # Loading and planning make hundreds of thousands of objects and no garbage cycles: the
    # cyclic collector would only rescan them, again and again (a third of the time at 50k).
    gc.disable()
    try:
        with Staging(config.site_dir, prev=previous.prev if previous else None,
                     keep=set(site_files) | previous.outputs.keys() if previous else None
                     ) as staging:
            run = _Run(config, opts, previous, result, started)
            state, files, known, page_index = run.into(
                staging, site_files, {rel: (size, mtime) for rel, size, mtime in inputs[1]})
    finally:
        gc.unfreeze()
        gc.enable()
    t = time.perf_counter()
    state.code = code
    # a cold build's twin is site/ as published; another build's tree lacks its changes
    state.prev = ((staging.token, [], []) if staging.twin is not None
                  else (staging.token, result.written_paths, result.removed_paths))
    state.inputs = "" if result.errors else inputs_fingerprint(  # bad files: read again
        inputs, listing(config.index_dir) if with_index else [])
    state.page_index = staging.token
    save_state(config.state_dir, state, files, known, previous)
    result.timings["write"] += time.perf_counter() - t
    return result


@dataclass
class _Run:
    """One build's stages, in order (into); the state and the result they fill."""
    config: Config
    opts: Options
    previous: BuildState | None
    result: BuildResult
    started: float

    def into(self, staging: Staging, site_files: dict, listed: dict):
        """Everything but the swap: the next site in staging, and the state that describes
        it. The index and its static files are made in another process while pages render."""
        config, previous, result = self.config, self.previous, self.result
        known = load_content_files(config.state_dir, previous, config.content_dir)
        articles, files = load(config, result, strict=self.opts.strict, known=known,
                               jobs=self.opts.jobs, drafts=self.opts.drafts, listed=listed)
        moved_without_alias(articles, known, files, result)
        result.articles = len(articles)
        digests = digests_of(articles, files)
        trusted, kept = trusted_outputs(previous, site_files, config.site_dir)
        self._took("load")
        tally = Tally() if self.opts.with_index else None
        indexing, fresh = self._start_index(staging, articles, files, digests, trusted, tally)
        storing = None
        try:
            env, site = Theme.of(config), site_context(config)
            todo, prints, page_index, storing = self._pages(env, site, articles, digests,
                                                            trusted)
            self._took("plan")
            outputs = Outputs(staging, result, trusted, kept)
            self._render(staging, outputs, RenderJob(todo, env, site, staging.root,
                                                     staging.twin, trusted), prints)
            page_index.token = staging.token  # named by the head only once published
            save_page_index(config.state_dir, page_index)
            if indexing is not None:
                self._wait(indexing, tally)
                (staging.index, made), indexing = indexing.result(), None
                try:
                    outputs.search_files(made, fresh=fresh)
                finally:
                    shutil.rmtree(made.folder, ignore_errors=True)
                self._took("index_wait")
            stored, storing = _stored(storing, previous), None
        finally:
            _cancel(storing, indexing, config, staging)
        outputs.remove_the_rest()
        self._took("write")
        return (BuildState(with_index=self.opts.with_index, drafts=self.opts.drafts,
                           pages=prints, outputs=outputs.files, articles=len(articles),
                           pages_stored=stored), files, known, page_index)

    def _wait(self, indexing: Background, tally: Tally) -> None:
        """The wait for the index process, with a bar of the documents Whoosh has taken: its
        total is known once that process has compared the articles with the index."""
        while not indexing.ready(0.25) and not tally.total:
            pass
        if tally.total:
            for _ in self.opts.progress(_taken(indexing, tally), "index", tally.total):
                pass

    def _took(self, stage: str) -> None:
        now = time.perf_counter()
        self.result.timings[stage] = now - self.started
        self.started = now

    def _start_index(self, staging: Staging, articles: list[Article], files: dict,
                     digests: dict[str, str], trusted: dict, tally: Tally | None
                     ) -> tuple[Background | None, bool]:
        """The index and the static search files, made in a forked process (the index does
        not show git dates: undated digests keep it from changing with every commit); and
        whether they are made afresh (no published search/ folder to start from)."""
        if not self.opts.with_index:
            return None, True
        staging.index_dir = self.config.index_dir
        undated = (digests if not any(a.updated for a in articles)
                   else digests_of(articles, files, dated=False))
        published = published_search(self.config, staging, trusted)
        return Background(partial(index_and_export, self.config, articles, undated,
                                  self.opts.full, published, tally)), published is None

    def _pages(self, env: Theme, site: dict, articles: list[Article], digests: dict[str, str],
               trusted: dict):
        """The pages to render, every page's fingerprint, the page index, and the page
        store catching up in another process (None when the pages came from it)."""
        config, previous = self.config, self.previous
        templates = template_fingerprints(env.env())
        # the theme's words too: the site's language, its `strings:`, the catalogues
        site_fp = site_fingerprint(site, strings_fingerprint(config.language, config.strings))
        shape = site_shape(articles, str(config), templates, site_fp)
        last = load_page_index(config.state_dir, previous)
        again = pages_again(config, previous, last, shape, articles, digests, trusted,
                            templates, site_fp)
        if again is not None:
            return (*again, None)
        pages = plan(articles, config, cached_related(config.state_dir, code_fingerprint()))
        prints, page_index = fingerprint_pages(pages, templates, site_fp, digests, shape, last,
                                               previous.pages if previous else {})
        todo = [p for p in pages if previous is None
                or previous.pages.get(p.path) != prints[p.path] or p.path not in trusted]
        # the store catches up with this plan in another process while pages render
        storing = Background(partial(
            pagestore.save, config.state_dir, pages, prints,
            previous.pages if previous is not None and previous.pages_stored else {}))
        return todo, prints, page_index, storing

    def _render(self, staging: Staging, outputs: Outputs, job: RenderJob,
                prints: dict[str, str]) -> None:
        # rendering makes garbage: collect it, but never scan the corpus (nor, in the forked
        # workers, touch its pages, which would copy them)
        gc.freeze()
        gc.enable()
        staging.ready()
        for page_path, stat, page_digest in render_pages(job, self.opts.jobs, self.opts.progress):
            outputs.record(page_path, stat, page_digest)
        outputs.keep(prints)
        for rel, data in static_assets(self.config, self.result):
            outputs.put(rel, data)
        self._took("render")


def _taken(indexing: Background, tally: Tally) -> Iterator[None]:
    """One item for each document Whoosh takes in the index process, as it takes them, until
    that process is done (after the last, it writes the static search files)."""
    seen = 0
    while True:
        finished = indexing.ready(0.25)
        now = tally.done
        yield from repeat(None, now - seen)
        seen = now
        if finished:
            return


def _stored(storing: Background | None, previous: BuildState | None) -> bool:
    """Whether the page store holds every page under its fingerprint."""
    if storing is None:  # the pages came from it
        return previous.pages_stored
    try:
        storing.result()
        return True
    except Exception:  # noqa: BLE001 - the store is a cache: the next build plans
        return False


def _cancel(storing: Background | None, indexing: Background | None, config: Config,
            staging: Staging) -> None:
    """A build failing: its other processes stopped, their working copies removed."""
    if storing is not None:
        storing.cancel()
    if indexing is not None:
        indexing.cancel()
        for stray in [*config.index_dir.parent.glob(f".{config.index_dir.name}.new-*"),
                      *config.site_dir.parent.glob(f".{config.site_dir.name}.new-*")]:
            if stray != staging.root:  # the killed process's working copy or files
                shutil.rmtree(stray, ignore_errors=True)


def remove_leftovers(config: Config) -> None:
    """What a build killed midway left beside site/ and the index: its half-made trees and
    working copies (.new-*), a replaced tree it had not yet put away (.old-*). One writer at
    a time holds the project (lock.py), so none of them is in use. The tree kept aside for
    reuse (.prev-*) stays: the state says whether it can be trusted."""
    for folder in (config.site_dir, config.index_dir):
        for stray in [*folder.parent.glob(f".{folder.name}.new-*"),
                      *folder.parent.glob(f".{folder.name}.old-*")]:
            shutil.rmtree(stray, ignore_errors=True)


def changed_urls(config: Config, paths: list[str]) -> list[str]:
    """Absolute URLs of changed files, for a CDN purge; an index.html also as its folder."""
    urls = set()
    for rel in paths:
        urls.add(urljoin(config.base_url, rel))
        if rel == "index.html" or rel.endswith("/index.html"):
            urls.add(urljoin(config.base_url, rel[: -len("index.html")]))
    return sorted(urls)
