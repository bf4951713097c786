"""build: content/ -> site/ and the search index, doing only what changed since the last build.

The steps: read content/ (only files whose stat or bytes changed are parsed, and no bodies),
plan every page (cheap, pure), fingerprint each page's inputs, render the pages whose
fingerprint changed into the next site/ (write.Staging: hard links to the unchanged files),
while another process updates a copy of the index and writes the static search files that
changed; then swap both in and record the state (state.py). With no state (first build,
--full, other code) every page is rendered; the output is byte-identical either way.
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from stat import S_ISREG
from urllib.parse import urljoin

from broadsheet.config import Config
from broadsheet.errors import ContentError
from broadsheet.gitdates import file_dates, head
from broadsheet.model import SEARCH_DIR, Article, BuildResult, Page, Tag
from broadsheet.parallel import Background, Progress, no_progress, parallel_map
from broadsheet.publish import pagestore
from broadsheet.publish.fingerprint import (PageIndex, article_digest, fingerprint_pages,
                                            refingerprinted, site_fingerprint, site_shape)
from broadsheet.publish.indexing import SearchFiles, index_and_export, published_search
from broadsheet.publish.load import load_content, read_body
from broadsheet.publish.plan import plan, tag_names
from broadsheet.i18n import strings_fingerprint
from broadsheet.publish.render import (THEME, Theme, render, site_context,
                                       template_fingerprints)
from broadsheet.publish.state import (BuildState, Output, cached_related, code_fingerprint, digest,
                                      inputs_fingerprint, listing, load_page_index, load_sources,
                                      load_state, save_page_index, save_state)
from broadsheet.publish.write import Staging, write_file
from broadsheet.tags import tag_key

RENDER_CHUNK = 250  # pages per task when rendering on several processes
# an article's tags: each tag's feed lists the article with all of them, so the site grows
# with their square (5,000 tags on one article made 1.2 GB of feeds)
MAX_TAGS = 50
PARALLEL_PAGES = 1500  # fewer pages to render than this: one process is quicker


def load(config: Config, strict: bool = False, known=None, jobs: int = 1,
         warnings: list | None = None, drafts: bool = False, listed: dict | None = None):
    """Valid articles (the site's tag policy and git dates applied; drafts left out unless
    asked for), one error per bad file, their sources. Without bodies, even in a cold build:
    the index process forks from this one, and at 50,000 articles the bodies would take its
    peak past a gigabyte."""
    articles, errors, sources = load_content(config.content_dir, known, jobs, warnings, listed)
    if not drafts:
        articles = [a for a in articles if not a.draft]
    if strict and errors:
        raise errors[0]
    dates: dict = {}
    if config.git_dates:
        dates, warning = file_dates(config.content_dir, config.state_dir / "gitdates.json")
        if warning is not None and warnings is not None:
            warnings.append(warning)
    out = []
    applied: dict[tuple, tuple] = {}  # a corpus has far fewer tag lists than articles
    nameless: dict[tuple, list[str]] = {}
    shown: dict[tuple, tuple[Tag, ...]] = {}
    for a in articles:
        tags = applied.get(a.tags)
        if tags is None:
            tags = applied[a.tags] = config.tags.apply(a.tags)
            nameless[a.tags] = [t for t in a.tags if not tag_key(t)]  # "?#": dropped by it
        if nameless[a.tags] and warnings is not None:
            warnings.append(ContentError(
                f"tag {', '.join(map(repr, nameless[a.tags]))} has no letter or digit to name "
                "its page: not published", a.path))
        if len(tags) > MAX_TAGS:
            if warnings is not None:
                warnings.append(ContentError(f"{len(tags)} tags: only the first {MAX_TAGS} "
                                             "are published", a.path))
            tags = tags[:MAX_TAGS]
        updated = dates.get(a.path.name) if a.path else None
        if tags != a.tags or updated != a.updated:
            a = replace(a, tags=tags, updated=updated)
        objects = shown.get(tags)
        if objects is None:
            objects = shown[tags] = tuple(Tag.of(t) for t in tags)
        # the cached property's value, set here once per tag list: the index process forks
        # after this, and a value set in each process after the fork cost it a second at 50k
        a.__dict__["tag_objects"] = objects
        out.append(a)
    return _shown_tag_names(out), errors, sources


def _shown_tag_names(articles: list[Article]) -> list[Article]:
    """Every article's tags by the names their tag pages show ('ete' and 'Été' are one tag,
    'Été' where most write it so): the JSON-LD, the feeds, the index and the static search
    then name a tag as its page does."""
    names = tag_names(articles)
    renamed: dict[tuple, tuple[tuple[str, ...], tuple[Tag, ...]]] = {}
    out = []
    for a in articles:
        objects = a.tag_objects
        if any(t.slug and names[t.slug] != t.name for t in objects):
            if objects not in renamed:
                shown = tuple(Tag(names[t.slug], t.slug) if t.slug else t for t in objects)
                renamed[objects] = (tuple(t.name for t in shown), shown)
            tags, shown = renamed[objects]
            a = replace(a, tags=tags)
            a.__dict__["tag_objects"] = shown
        out.append(a)
    return out


def build(config: Config, *, strict: bool = False, with_index: bool = True, full: bool = False,
          jobs: int = 1, progress: Progress = no_progress, drafts: bool = False) -> BuildResult:
    """Bad content files are reported and left out (with strict, the first one stops the build
    before anything is written). A failure leaves the previous site/ as it was."""
    result = BuildResult()
    started = time.perf_counter()
    remove_leftovers(config)
    code = code_fingerprint()
    previous = None if full else load_state(config.state_dir, code)
    seen_inputs = build_inputs(config, drafts)
    site_files = {rel: (size, mtime) for rel, size, mtime in listing(config.site_dir)}
    index_listing = listing(config.index_dir) if with_index else []
    if (previous is not None and previous.with_index == with_index
            and previous.inputs == inputs_fingerprint(seen_inputs, index_listing)
            and site_files == {rel: out.stat for rel, out in previous.outputs.items()}):
        # nothing read, nothing to do: the answer of a no-op build in CI
        result.articles = previous.articles
        result.unchanged = len(previous.outputs)
        result.timings["check"] = time.perf_counter() - started
        return result

    # the state stays as it is until this build is published: a failed build leaves site/,
    # the index and the state that describes them as they were
    staging = Staging(config.site_dir,
                      keep=set(site_files) | previous.outputs.keys() if previous else None,
                      prev=previous.prev if previous else None)
    # Loading and planning make hundreds of thousands of objects and no garbage cycles: the
    # cyclic collector would only rescan them, again and again (a third of the time at 50k).
    gc.disable()
    try:
        state, (sources, known, page_index) = _build_into(
            staging, config, previous, site_files, result, strict=strict,
            with_index=with_index, full=full, jobs=jobs, progress=progress, started=started,
            listed={rel: (size, mtime) for rel, size, mtime in seen_inputs[1]},
            drafts=drafts)
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    finally:
        gc.unfreeze()
        gc.enable()
    t = time.perf_counter()
    state.code = code
    # a cold build's twin is site/ as published; another build's tree lacks its changes
    state.prev = ((staging.token, [], []) if staging.twin is not None
                  else (staging.token, result.written_paths, result.removed_paths))
    state.inputs = "" if result.errors else inputs_fingerprint(  # bad files: read again
        seen_inputs, listing(config.index_dir) if with_index else [])
    state.page_index = staging.token
    save_state(config.state_dir, state, sources, known, previous)
    result.timings["write"] += time.perf_counter() - t
    return result


def _build_into(staging: Staging, config: Config, previous: BuildState | None, site_files: dict,
                result: BuildResult, *, strict: bool, with_index: bool, full: bool, jobs: int,
                progress: Progress, started: float, drafts: bool = False,
                listed: dict | None = None) -> tuple[BuildState, tuple[dict, dict]]:
    """Everything but the swap: the next site in staging, and the state that describes it.
    The index and its static files are made in another process while pages render."""
    known = load_sources(config.state_dir, previous, config.content_dir) if previous else {}
    articles, result.errors, sources = load(config, strict, known, jobs, result.warnings,
                                            drafts, listed)
    result.warnings += moved_without_alias(articles, known, sources)
    result.articles = len(articles)
    digests = digests_of(articles, sources)
    trusted, kept = _trusted_outputs(previous, site_files, config.site_dir)
    result.timings["load"] = time.perf_counter() - started

    indexing = published = None
    if with_index:
        staging.index_dir = config.index_dir
        undated = (digests if not any(a.updated for a in articles)
                   else digests_of(articles, sources, dated=False))
        published = published_search(config, staging, trusted)
        indexing = Background(partial(index_and_export, config, articles, undated, full,
                                      published))
    storing = None
    try:
        t = time.perf_counter()
        env = Theme.of(config)
        site = site_context(config)
        templates = template_fingerprints(env.env())
        # the theme's words too: the site's language, its `strings:`, the catalogues
        site_fp = site_fingerprint(site, strings_fingerprint(config.language, config.strings))
        shape = site_shape(articles, str(config), templates, site_fp)
        last = load_page_index(config.state_dir, previous)
        same = _same_shape(config, previous, last, shape, articles, digests, trusted, templates,
                           site_fp)
        if same is not None:
            todo, prints, page_index = same
            stored = previous.pages_stored
        else:
            pages = plan(articles, config, cached_related(config.state_dir, code_fingerprint()))
            prints, page_index = fingerprint_pages(pages, templates, site_fp, digests, shape, last,
                                                   previous.pages if previous else {})
            todo = [p for p in pages if previous is None
                    or previous.pages.get(p.path) != prints[p.path] or p.path not in trusted]
            # the store catches up with this plan in another process while pages render
            storing = Background(partial(
                pagestore.save, config.state_dir, pages, prints,
                previous.pages if previous is not None and previous.pages_stored else {}))
            del pages
        result.timings["plan"] = time.perf_counter() - t

        t = time.perf_counter()
        # rendering makes garbage: collect it, but never scan the corpus (nor, in the forked
        # workers, touch its pages, which would copy them)
        gc.freeze()
        gc.enable()
        staging.ready()
        outputs: dict[str, Output] = {}
        for page_path, stat, sha in _render_all(todo, env, site, staging.root, staging.twin,
                                                trusted, jobs, progress):
            _record(outputs, result, page_path, stat, sha, kept)
        for path in prints:  # pages not rendered keep their file, linked from the old site
            if path not in outputs:
                outputs[path] = kept[path]
                result.unchanged += 1
        for rel, data in _static_assets(config, result):
            _put(staging, outputs, result, rel, data, trusted, kept)
        result.timings["render"] = time.perf_counter() - t

        # saved while the index process works; named by the head only once it is published
        page_index.token = staging.token
        save_page_index(config.state_dir, page_index)
        if indexing is not None:
            t = time.perf_counter()
            (staging.index, made), indexing = indexing.result(), None
            try:
                _apply_search(made, staging, outputs, result, trusted, kept,
                              fresh=published is None)
            finally:
                shutil.rmtree(made.folder, ignore_errors=True)
            result.timings["index_wait"] = time.perf_counter() - t
        if storing is not None:
            try:
                storing.result()
                stored = True
            except Exception:  # noqa: BLE001 - the store is a cache: the next build plans
                stored = False
            storing = None
    finally:
        if storing is not None:
            storing.cancel()
        if indexing is not None:
            indexing.cancel()
            for stray in [*config.index_dir.parent.glob(f".{config.index_dir.name}.new-*"),
                          *config.site_dir.parent.glob(f".{config.site_dir.name}.new-*")]:
                if stray != staging.root:  # the killed process's working copy or files
                    shutil.rmtree(stray, ignore_errors=True)

    t = time.perf_counter()
    for rel in sorted(staging.linked - outputs.keys()):
        staging.remove(rel)
        result.removed_paths.append(rel)
    result.written_paths.sort()
    result.removed_paths.sort()
    result.timings["write"] = time.perf_counter() - t
    return BuildState(with_index=with_index, drafts=drafts, pages=prints, outputs=outputs,
                      articles=len(articles), pages_stored=stored), (sources, known, page_index)


def _same_shape(config: Config, previous: BuildState | None, last: PageIndex | None,
                shape: str, articles: list[Article], digests: dict[str, str], trusted: dict,
                templates: dict[str, str], site_fp: str
                ) -> tuple[list[Page], dict[str, str], PageIndex] | None:
    """When the site's shape is the last build's, the pages to render again, without planning
    the site: those holding an article whose digest changed and those whose file is not as
    it was written, read back from the page store with the current articles in them. None
    when the whole site must be planned."""
    again = last.holding_changes(shape, digests) if last is not None else None
    if previous is None or not previous.pages_stored or again is None:
        return None
    again |= {path for path in previous.pages if path not in trusted}
    if len(again) > len(previous.pages) // 4:  # reading them back would cost more
        return None
    pages = pagestore.load(config.state_dir, again, previous.pages,
                           {a.slug: a for a in articles})
    if pages is None:
        return None
    prints = refingerprinted(pages, previous.pages, templates, site_fp, digests)
    try:  # their rows now stand under the new fingerprints (same contexts, newer articles)
        pagestore.save(config.state_dir, pages, prints, previous.pages)
    except sqlite3.Error:
        return None
    todo = [p for p in pages if previous.pages[p.path] != prints[p.path] or p.path not in trusted]
    return todo, prints, last.after(shape, digests)


def remove_leftovers(config: Config) -> None:
    """What a build killed midway left beside site/ and the index: its half-made trees and
    working copies (.new-*), a replaced tree it had not yet put away (.old-*). One writer at
    a time holds the project (lock.py), so none of them is in use. The tree kept aside for
    reuse (.prev-*) stays: the state says whether it can be trusted."""
    for folder in (config.site_dir, config.index_dir):
        for stray in [*folder.parent.glob(f".{folder.name}.new-*"),
                      *folder.parent.glob(f".{folder.name}.old-*")]:
            shutil.rmtree(stray, ignore_errors=True)


def moved_without_alias(articles: list[Article], known: dict, sources: dict
                        ) -> list[ContentError]:
    """Articles whose slug changed since the last build, the old slug not kept in `aliases`:
    links to the old URL would break. A warning; the build itself stays a pure function of
    content/ (a redirect comes from `aliases`, never from the state). Only files read again
    this build can have changed their slug."""
    changed = [a for a in articles if a.path and sources.get(a.path.name) is not known.get(
        a.path.name)]
    if not changed or not known:
        return []
    by_id: dict[str, str] | None = None
    slugs: set[str] | None = None
    out = []
    for a in changed:
        prev = known.get(a.path.name)
        old = prev.article.slug if prev is not None and prev.article.id == a.id else None
        if old is None and a.id:  # renamed too: found by its id
            if by_id is None:
                by_id = {s.article.id: s.article.slug for s in known.values() if s.article.id}
            old = by_id.get(a.id)
        if old is None or old == a.slug:
            continue
        if slugs is None:
            slugs = {x.slug for x in articles} | {s for x in articles for s in x.aliases}
        if old not in slugs:
            out.append(ContentError(f"slug changed from '{old}' to '{a.slug}': add "
                                    f"`aliases: [{old}]` to keep the old URL as a redirect",
                                    a.path))
    return out


def build_inputs(config: Config, drafts: bool) -> tuple:
    """Everything a build reads, by stat: the config, content/, templates/, static/, and the
    commit checked out (git dates change with it, even when no file does); and whether
    drafts are published."""
    return (str(config), listing(config.content_dir, ctime=True),
            listing(config.templates_dir, ctime=True), listing(config.static_dir, ctime=True),
            listing(THEME), config.path.read_bytes()
            if config.path.is_file() else b"",
            head(config.content_dir) if config.git_dates else "", drafts)


def _trusted_outputs(previous: BuildState | None, site_files: dict, site_dir: Path
                     ) -> tuple[dict[str, str], dict[str, Output]]:
    """The files of site/ whose bytes are known: (path -> hash, path -> Output as they are
    now). Those the last build wrote and nobody touched since; a file whose stat changed (a
    cache restored without times) is trusted only if its bytes still hash the same, and is
    recorded with its new stat, so the next build is a no-op again."""
    trusted: dict[str, str] = {}
    kept: dict[str, Output] = {}
    if previous is None:
        return trusted, kept
    for rel, out in previous.outputs.items():
        stat = site_files.get(rel)
        if stat is None:
            continue
        if stat == out.stat or digest((site_dir / rel).read_bytes()) == out.sha:
            trusted[rel] = out.sha
            kept[rel] = out if stat == out.stat else Output(*stat, out.sha)
    return trusted, kept


def _record(outputs, result: BuildResult, rel: str, stat, sha: str, kept: dict) -> None:
    if stat is None:  # rendered to the same bytes: the linked file stays
        outputs[rel] = kept[rel]
        result.unchanged += 1
    else:
        outputs[rel] = Output(*stat, sha)
        result.written_paths.append(rel)


def _put(staging: Staging, outputs, result, rel: str, data: bytes, trusted, kept) -> None:
    sha = digest(data)
    stat = None if trusted.get(rel) == sha else staging.write(rel, data)
    _record(outputs, result, rel, stat, sha, kept)


def _static_assets(config: Config, result: BuildResult):
    """The theme's static files and the site's static/ (which wins on a name) are published
    as site/static/; hidden files (.gitkeep, an editor's lock file) are not. A file that
    cannot be read is an error, and the others go on; a symlink leading out of static/ is
    not followed (a commit could otherwise publish any file of the machine that builds)."""
    files = {}
    for folder in (THEME / "static", config.static_dir):
        for rel, _, _ in listing(folder):
            if not any(part.startswith(".") for part in rel.split("/")):
                files[rel] = folder / rel
    inside = None
    for rel in sorted(files):
        path = files[rel]
        if path.is_symlink():
            inside = inside or config.static_dir.resolve()
            if not Path(os.path.realpath(path)).is_relative_to(inside):
                result.warnings.append(ContentError(
                    "symlink to a file outside the static folder, not followed", path))
                continue
        try:
            if not S_ISREG(os.stat(path).st_mode):  # a FIFO would block the read
                result.errors.append(ContentError("not a regular file", path))
                continue
            data = path.read_bytes()
        except OSError as exc:
            result.errors.append(ContentError(f"cannot read: {exc.strerror or exc}", path))
            continue
        yield f"static/{rel}", data


def _apply_search(made: SearchFiles, staging: Staging, outputs, result, trusted, kept,
                  fresh: bool) -> None:
    """The export's files moved in; the other published search files stay, linked (unless
    the export was made afresh: then what it does not list goes)."""
    prefix = f"{SEARCH_DIR}/"
    written = dict(made.written)
    current = [] if fresh else sorted(rel for rel in staging.linked if rel.startswith(prefix))
    for rel in current:
        if rel not in written and rel not in made.removed:
            _record(outputs, result, rel, None, "", kept)
    for rel, sha in made.written:
        stat = None if trusted.get(rel) == sha else staging.move_in(rel, made.folder / rel)
        _record(outputs, result, rel, stat, sha, kept)


# --- rendering, on several processes when there are many pages ---------------------------------

_JOB: tuple = ()  # (pages, env, site, root, twin, trusted): set before forking the workers


def _render_range(bounds: tuple[int, int]) -> list[tuple[str, tuple | None, str]]:
    """Render pages[a:b], writing those whose bytes differ from the trusted old file."""
    pages, env, site, root, twin, trusted = _JOB
    done = []
    lazy: dict[str, _ReadsBody] = {}
    for page in pages[bounds[0]: bounds[1]]:
        data = render(replace(page, context=_with_bodies(page.context, lazy)), env, site)
        sha = digest(data)
        stat = (None if trusted.get(page.path) == sha
                else write_file(root, page.path, data, twin))
        done.append((page.path, stat, sha))
    return done


class _ReadsBody(Article):
    """An article whose body is read from its file the first time a template asks for it:
    a listing page that shows titles reads no file. A subclass holding the article's own
    fields, so a template reads them as plain attributes (a proxy's __getattr__ cost a
    Python call for every field of every article a page shows)."""

    @classmethod
    def of(cls, article: Article) -> _ReadsBody:
        lazy = object.__new__(cls)
        lazy.__dict__.update(article.__dict__)  # cached day and tags come along
        return lazy

    @property
    def body(self) -> str:  # shadows the field's value, None here
        text = self.__dict__.get("_body")
        if text is None:
            text = self.__dict__["_body"] = read_body(self.path)
        return text


def _with_bodies(value, lazy: dict[str, _ReadsBody]):
    """A page's context where each article without its body reads it on demand (once per
    process)."""
    if type(value) is Article:
        if value.body is None:
            if value.slug not in lazy:
                lazy[value.slug] = _ReadsBody.of(value)
            return lazy[value.slug]
        return value
    if isinstance(value, dict):
        return {k: _with_bodies(v, lazy) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_bodies(v, lazy) for v in value]
    if type(value) is tuple:  # not a Tag (a named tuple, which holds no article)
        return tuple(_with_bodies(v, lazy) for v in value)
    return value


def _render_all(pages: list[Page], env: Theme, site: dict, root: Path, twin: Path | None,
                trusted: dict, jobs: int, progress: Progress):
    global _JOB
    for language, name in sorted({(env.language_of(p) or "", p.template) for p in pages}):
        try:
            # compiled once here, before the workers fork
            env.env(language or None).get_template(name)
        except Exception:  # noqa: BLE001 - render() reports it, naming the page
            pass
    _JOB = (pages, env, site, root, twin, trusted)
    try:
        chunk = RENDER_CHUNK if jobs > 1 and len(pages) >= PARALLEL_PAGES else len(pages) or 1
        ranges = [(a, min(a + chunk, len(pages))) for a in range(0, len(pages), chunk)]
        for done in parallel_map(_render_range, ranges, jobs, progress, "render", chunksize=1,
                                 parallel_from=2):
            yield from done
    finally:
        _JOB = ()


def digests_of(articles: list[Article], sources: dict, dated: bool = True) -> dict[str, str]:
    """slug -> what the article is made of (its file, the tags the policy gave it, and with
    dated its git date: what pages show; the index does not)."""
    return {a.slug: article_digest(sources[a.path.name].sha, a, dated) for a in articles}


def changed_urls(config: Config, paths: list[str]) -> list[str]:
    """Absolute URLs of changed files, for a CDN purge; an index.html also as its folder."""
    urls = set()
    for rel in paths:
        urls.add(urljoin(config.base_url, rel))
        if rel == "index.html" or rel.endswith("/index.html"):
            urls.add(urljoin(config.base_url, rel[: -len("index.html")]))
    return sorted(urls)
