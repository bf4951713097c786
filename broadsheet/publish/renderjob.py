"""Pages rendered and written into the next site, on several processes when there are many.

The job (the pages, the theme, where to write) reaches the workers with the fork, as the
function they run (parallel.parallel_map): only chunks' bounds and each page's (path, stat,
digest) cross a pipe. Bodies are read from content/ by the worker that needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from broadsheet.model import Article, Page
from broadsheet.parallel import Progress, parallel_map
from broadsheet.publish.load import read_body
from broadsheet.publish.render import Theme, render
from broadsheet.publish.state import digest
from broadsheet.publish.write import write_file

RENDER_CHUNK = 250  # pages per task when rendering on several processes
PARALLEL_PAGES = 1500  # fewer pages to render than this: one process is quicker

Rendered = tuple[str, tuple | None, str]  # page path, (size, mtime) or None if unchanged, digest


@dataclass(frozen=True)
class RenderJob:
    pages: list[Page]
    env: Theme
    site: dict
    root: Path  # the next site/
    twin: Path | None  # a cold build's copy of it, kept aside (write.Staging)
    trusted: dict[str, str]  # path -> digest of the files already in root, as they are

    def __call__(self, bounds: tuple[int, int]) -> list[Rendered]:
        """Render pages[a:b], writing those whose bytes differ from the trusted old file."""
        done = []
        lazy: dict[str, _ReadsBody] = {}
        for page in self.pages[bounds[0]: bounds[1]]:
            data = render(replace(page, context=_with_bodies(page.context, lazy)), self.env,
                          self.site)
            made = digest(data)
            stat = (None if self.trusted.get(page.path) == made
                    else write_file(self.root, page.path, data, self.twin))
            done.append((page.path, stat, made))
        return done


def render_pages(job: RenderJob, jobs: int, progress: Progress) -> Iterator[Rendered]:
    """Every page of the job, in chunks, on `jobs` processes when there are enough."""
    pages, env = job.pages, job.env
    for language, name in sorted({(env.language_of(p) or "", p.template) for p in pages}):
        try:
            # compiled once here, before the workers fork
            env.env(language or None).get_template(name)
        except Exception:  # noqa: BLE001 - render() reports it, naming the page
            pass
    chunk = RENDER_CHUNK if jobs > 1 and len(pages) >= PARALLEL_PAGES else len(pages) or 1
    ranges = [(a, min(a + chunk, len(pages))) for a in range(0, len(pages), chunk)]
    for done in parallel_map(job, ranges, jobs, progress, "render", chunksize=1,
                             parallel_from=2):
        yield from done


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
