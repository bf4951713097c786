"""What a build can take from the last one: nothing to do at all, the files of site/ it can
trust, and the pages to render again without planning the site. Each answer comes from the
build state (state.py) and the disk as they are now; none changes either.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from broadsheet.config import Config
from broadsheet.gitdates import head
from broadsheet.model import Article, Page
from broadsheet.publish import pagestore
from broadsheet.publish.fingerprint import PageIndex, article_digest, refingerprinted
from broadsheet.publish.render import THEME
from broadsheet.publish.state import BuildState, Output, digest, inputs_fingerprint, listing


def build_inputs(config: Config, drafts: bool) -> tuple:
    """Everything a build reads, by stat: the config, content/, templates/, static/, and the
    commit checked out (git dates change with it, even when no file does); and whether
    drafts are published."""
    return (str(config), listing(config.content_dir, ctime=True),
            listing(config.templates_dir, ctime=True), listing(config.static_dir, ctime=True),
            listing(THEME), config.path.read_bytes()
            if config.path.is_file() else b"",
            head(config.content_dir) if config.git_dates else "", drafts)


def nothing_to_do(previous: BuildState | None, inputs: tuple, with_index: bool,
                  site_files: dict, index_listing: list) -> bool:
    """The last build read these very inputs and site/ is as it left it: the answer of a
    no-op build in CI, with nothing read."""
    return (previous is not None and previous.with_index == with_index
            and previous.inputs == inputs_fingerprint(inputs, index_listing)
            and site_files == {rel: out.stat for rel, out in previous.outputs.items()})


def trusted_outputs(previous: BuildState | None, site_files: dict, site_dir: Path
                    ) -> tuple[dict[str, str], dict[str, Output]]:
    """The files of site/ whose bytes are known: (path -> digest, path -> Output as they are
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
        if stat == out.stat or digest((site_dir / rel).read_bytes()) == out.digest:
            trusted[rel] = out.digest
            kept[rel] = out if stat == out.stat else Output(*stat, out.digest)
    return trusted, kept


def digests_of(articles: list[Article], files: dict, dated: bool = True) -> dict[str, str]:
    """slug -> what the article is made of (its file, the tags the policy gave it, and with
    dated its git date: what pages show; the index does not)."""
    return {a.slug: article_digest(files[a.path.name].digest, a, dated) for a in articles}


def pages_again(config: Config, previous: BuildState | None, last: PageIndex | None,
                shape: str, articles: list[Article], digests: dict[str, str], trusted: dict,
                templates: dict[str, str], site_fp: str
                ) -> tuple[list[Page], dict[str, str], PageIndex] | None:
    """When the site's shape is the last build's, the pages to render again, without planning
    the site: those holding an article whose digest changed and those whose file is not as
    it was written, read back from the page store with the current articles in them; with
    every page's fingerprint and the page index after this build. None when the whole site
    must be planned."""
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
