"""build: content/ -> site/ and the search index, doing only what changed since the last build.

The steps: read content/ (only files whose stat or bytes changed are parsed), plan every
page (cheap, pure), fingerprint each page's inputs, render the pages whose fingerprint
changed into a staging copy of site/ (hard links), update the index and the static search
files, swap the staging tree in, then record the state. With no state (first build, --full,
other code) every page is rendered; the output is byte-identical either way.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from urllib.parse import urljoin

from broadsheet.config import Config
from broadsheet.model import Article, BuildResult, Page
from broadsheet.parallel import Progress, no_progress, parallel_map
from broadsheet.publish import search
from broadsheet.publish.fingerprint import article_digest, page_fingerprint, site_fingerprint
from broadsheet.publish.load import load_content
from broadsheet.publish.plan import plan
from broadsheet.publish.render import (day, make_env, plain_text, render, site_context,
                                       template_fingerprints)
from broadsheet.publish.state import (BuildState, Output, clear_state, code_fingerprint, digest,
                                      inputs_fingerprint, listing, load_state, save_state)
from broadsheet.publish.write import Staging, write_file

RENDER_CHUNK = 250  # pages per task when rendering on several processes
PARALLEL_PAGES = 1500  # fewer pages to render than this: one process is quicker


def to_document(article: Article) -> search.Document:
    tags = article.tag_objects
    return search.Document(
        id=article.id or article.slug, url=article.url, title=article.title,
        body=plain_text(article.body), tags=tuple(t.name for t in tags),
        tag_slugs=tuple(t.slug for t in tags if t.slug), source=article.source or "",
        language=article.language or "", date=day(article.date),
    )


def to_entry(article: Article) -> search.Entry:
    """What the index needs to know first: the document is built only if the hash changed."""
    tags = article.tag_objects
    made_of = json.dumps([article.id or article.slug, article.url, article.title, article.body,
                          article.tags, article.source, article.language, day(article.date)],
                         ensure_ascii=False)
    return search.Entry(
        id=article.id or article.slug, hash=hashlib.sha256(made_of.encode()).hexdigest()[:16],
        tags=tuple(t.name for t in tags), tag_slugs=tuple(t.slug for t in tags if t.slug),
        source=article.source or "", language=article.language or "",
        document=partial(to_document, article))


def load(config: Config, strict: bool = False, known=None):
    """Valid articles (the site's tag policy applied), one error per bad file, their sources."""
    articles, errors, sources = load_content(config.content_dir, known)
    if strict and errors:
        raise errors[0]
    return [replace(a, tags=config.tags.apply(a.tags)) for a in articles], errors, sources


@dataclass
class Changes:
    """What a build did to site/, path by path (for --changed-urls and the summary)."""
    written: list[str] = field(default_factory=list)  # new or different bytes
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def build(config: Config, *, strict: bool = False, with_index: bool = True, full: bool = False,
          jobs: int = 1, progress: Progress = no_progress) -> BuildResult:
    """Bad content files are reported and left out (with strict, the first one stops the build
    before anything is written). A failure leaves the previous site/ as it was."""
    result = BuildResult()
    started = time.perf_counter()
    code = code_fingerprint()
    previous = None if full else load_state(config.state_dir, code)
    seen_inputs = _input_listings(config)
    site_files = {rel: (size, mtime) for rel, size, mtime in listing(config.site_dir)}
    index_listing = listing(config.index_dir) if with_index else []
    if (previous is not None and previous.with_index == with_index
            and previous.inputs == inputs_fingerprint(seen_inputs, index_listing)
            and site_files == {rel: out.stat for rel, out in previous.outputs.items()}):
        # nothing read, nothing to do: the answer of a no-op build in CI
        result.articles = len(previous.sources)
        result.unchanged = len(previous.outputs)
        result.timings["check"] = time.perf_counter() - started
        return result

    if previous is not None:
        clear_state(config.state_dir)  # until this build completes, the state is not the site's
    articles, result.errors, sources = load(config, strict, previous and previous.sources)
    result.articles = len(articles)
    result.timings["load"] = time.perf_counter() - started

    t = time.perf_counter()
    pages = plan(articles, config)
    env = make_env(config.templates_dir)
    site = site_context(config)
    templates = template_fingerprints(env)
    site_fp = site_fingerprint(site)
    digests = {a.slug: article_digest(sources[a.path.name].sha, a) for a in articles}
    prints = {p.path: page_fingerprint(p, templates.get(p.template, ""), site_fp, digests)
              for p in pages}
    trusted = _trusted_outputs(previous, site_files, config.site_dir)
    todo = [p for p in pages if previous is None or previous.pages.get(p.path) != prints[p.path]
            or p.path not in trusted]
    result.timings["plan"] = time.perf_counter() - t

    t = time.perf_counter()
    staging = Staging(config.site_dir, keep=previous is not None)
    try:
        outputs: dict[str, Output] = {}
        changes = Changes()
        for page_path, stat, sha in _render_all(todo, env, site, staging.root, trusted, jobs,
                                                progress):
            _record(outputs, changes, page_path, stat, sha, trusted, previous)
        for page in pages:  # pages not rendered keep their file, linked from the old site
            if page.path not in outputs:
                outputs[page.path] = previous.outputs[page.path]
                changes.unchanged += 1
        for rel, data in _static_assets(config):
            _put(staging, outputs, changes, rel, data, trusted, previous)
        result.timings["render"] = time.perf_counter() - t

        if with_index:  # the site's static search is made from the index
            t = time.perf_counter()
            index_articles(config, articles, progress, full=full)
            kept, files = _search_files(config, trusted)
            for rel in kept:
                _record(outputs, changes, rel, None, "", trusted, previous)
            for rel, data in files:
                _put(staging, outputs, changes, rel, data, trusted, previous)
            result.timings["index"] = time.perf_counter() - t

        t = time.perf_counter()
        for rel in sorted(staging.linked - outputs.keys()):
            staging.remove(rel)
            changes.removed.append(rel)
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    inputs = "" if result.errors else inputs_fingerprint(  # bad files: read, reported again
        seen_inputs, listing(config.index_dir) if with_index else [])
    save_state(config.state_dir, BuildState(code=code, inputs=inputs, with_index=with_index,
                                            sources=sources, pages=prints, outputs=outputs))
    result.timings["write"] = time.perf_counter() - t
    result.written = len(changes.written)
    result.removed = len(changes.removed)
    result.unchanged = changes.unchanged
    result.changed = sorted(changes.written) + sorted(changes.removed)
    return result


def _input_listings(config: Config) -> tuple:
    """Everything a build reads, by stat: the config, content/, templates/, static/."""
    return (str(config), listing(config.content_dir), listing(config.templates_dir),
            listing(config.static_dir), config.path.read_bytes() if config.path.is_file() else b"")


def _trusted_outputs(previous: BuildState | None, site_files: dict, site_dir: Path
                     ) -> dict[str, str]:
    """The files of site/ whose bytes are known (path -> hash): those the last build wrote and
    nobody touched since. A file whose stat changed (a cache restored without times) is
    trusted only if its bytes still hash the same."""
    if previous is None:
        return {}
    trusted = {}
    for rel, out in previous.outputs.items():
        stat = site_files.get(rel)
        if stat is None:
            continue
        if stat == out.stat or digest((site_dir / rel).read_bytes()) == out.sha:
            trusted[rel] = out.sha
    return trusted


def _record(outputs, changes: Changes, rel: str, stat, sha: str, trusted, previous) -> None:
    if stat is None:  # rendered to the same bytes: the linked file stays
        outputs[rel] = previous.outputs[rel]
        changes.unchanged += 1
    else:
        outputs[rel] = Output(stat, sha)
        changes.written.append(rel)


def _put(staging: Staging, outputs, changes, rel: str, data: bytes, trusted, previous) -> None:
    sha = digest(data)
    stat = None if trusted.get(rel) == sha else staging.write(rel, data)
    _record(outputs, changes, rel, stat, sha, trusted, previous)


def _static_assets(config: Config):
    """static/ is published as site/static/."""
    for rel, _, _ in listing(config.static_dir):
        yield f"static/{rel}", (config.static_dir / rel).read_bytes()


def _search_files(config: Config, trusted: dict) -> tuple[list[str], list[tuple[str, bytes]]]:
    """The static search index: (files kept as they are, files to put). The previous build's
    files are kept when the index is unchanged: the same index gives the same files."""
    key_file = f"{search.STATIC_DIR}/key.txt"
    if key_file in trusted and (config.site_dir / key_file).read_text().strip() == \
            search.static_key(config.index_dir):
        prefix = f"{search.STATIC_DIR}/"
        return sorted(rel for rel in trusted if rel.startswith(prefix)), []
    return [], sorted(search.static_files(config.index_dir).items())


# --- rendering, on several processes when there are many pages ---------------------------------

_JOB: tuple = ()  # (pages, env, site, root, trusted): set before forking the workers


def _render_range(bounds: tuple[int, int]) -> list[tuple[str, tuple | None, str]]:
    """Render pages[a:b], writing those whose bytes differ from the trusted old file."""
    pages, env, site, root, trusted = _JOB
    done = []
    for page in pages[bounds[0]: bounds[1]]:
        data = render(page, env, site)
        sha = digest(data)
        stat = None if trusted.get(page.path) == sha else write_file(root, page.path, data)
        done.append((page.path, stat, sha))
    return done


def _render_all(pages: list[Page], env, site: dict, root: Path, trusted: dict, jobs: int,
                progress: Progress):
    global _JOB
    for name in sorted({p.template for p in pages}):
        try:
            env.get_template(name)  # compiled once here, before the workers fork
        except Exception:  # noqa: BLE001 - render() reports it, naming the page
            pass
    _JOB = (pages, env, site, root, trusted)
    try:
        chunk = RENDER_CHUNK if jobs > 1 and len(pages) >= PARALLEL_PAGES else len(pages) or 1
        ranges = [(a, min(a + chunk, len(pages))) for a in range(0, len(pages), chunk)]
        for done in parallel_map(_render_range, ranges, jobs, progress, "render", chunksize=1,
                                 parallel_from=2):
            yield from done
    finally:
        _JOB = ()


def index_articles(config: Config, articles: list[Article], progress: Progress = no_progress,
                   full: bool = False) -> search.IndexReport:
    entries = [to_entry(a) for a in progress(articles, "index", len(articles))]
    return search.write_index(entries, config.index_dir, full=full)


def changed_urls(config: Config, paths: list[str]) -> list[str]:
    """Absolute URLs of changed files, for a CDN purge; an index.html also as its folder."""
    urls = set()
    for rel in paths:
        urls.add(urljoin(config.base_url, rel))
        if rel == "index.html" or rel.endswith("/index.html"):
            urls.add(urljoin(config.base_url, rel[: -len("index.html")]))
    return sorted(urls)
