"""broadsheet check: is the project sound? content/ that builds, a site that matches its last
build and its content, links that lead somewhere, an index in step with both.

Reads only; each problem is one BroadsheetError (path[:line]: what is wrong), for the CLI
to print. Run it in CI after a build, or after restoring a cache, or when something looks
wrong; `broadsheet build` repairs everything it reports except the content errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from broadsheet.config import Config
from broadsheet.model import SEARCH_DIR
from broadsheet.errors import BroadsheetError, CheckProblem, Diagnostics
from broadsheet.parallel import Progress, no_progress


def check(config: Config, progress: Progress = no_progress) -> tuple[int, list[BroadsheetError]]:
    """(articles checked, problems found), problems in a stable order."""
    from broadsheet.model import article_url
    from broadsheet.publish.pipeline import load
    from broadsheet.publish.reuse import digests_of
    from broadsheet.publish.state import code_fingerprint, load_state

    state = load_state(config.state_dir, code_fingerprint())
    found = Diagnostics()
    articles, content_files = load(config, found, drafts=bool(state and state.drafts))
    problems = list(found.errors)
    site = config.site_dir
    if not (site / "index.html").is_file():
        problems.append(CheckProblem("no site here: run `broadsheet build`", site))
        return len(articles), problems
    files = _site_files(site)
    problems += _against_last_build(config, state, files)
    problems += _pages_of_articles(site, files, [a.url for a in articles] + [
        article_url(alias) for a in articles for alias in a.aliases])
    if state is None or state.with_index:
        digests = digests_of(articles, content_files, dated=False)
        problems += _index_in_step(config, {a.id or a.slug: digests[a.slug] for a in articles
                                            if not a.exclude_from_search})
    pages = sorted(rel for rel in files if rel.endswith((".html", ".xml")))
    written = {a.url: a.path for a in articles if a.path is not None}  # page -> content file
    for rel in progress(pages, "links", len(pages)):
        problems += _broken_links(config, site, rel, files, written.get(rel))
    return len(articles), problems


def _site_files(site: Path) -> set[str]:
    from broadsheet.publish.state import listing

    return {rel for rel, _, _ in listing(site)}


def _against_last_build(config: Config, state, files: set[str]) -> list[BroadsheetError]:
    """site/ as the last build left it (by hash), and inputs unchanged since."""
    from broadsheet.publish.reuse import build_inputs
    from broadsheet.publish.state import digest, inputs_fingerprint, listing

    if state is None:
        return [CheckProblem("no build state from this version of broadsheet: run `broadsheet "
                        "build` (the next build is a full one)", config.state_dir)]
    out: list[BroadsheetError] = []
    site = config.site_dir
    for rel in sorted(state.outputs.keys() - files):
        out.append(CheckProblem("written by the last build, now missing (run `broadsheet build`)",
                           site / rel))
    for rel in sorted(files - state.outputs.keys()):
        out.append(CheckProblem("not written by the last build (it will be removed by the next)",
                           site / rel))
    for rel in sorted(files & state.outputs.keys()):
        known = state.outputs[rel]
        path = site / rel
        st = path.stat()
        if (st.st_size, st.st_mtime_ns) != known.stat and digest(path.read_bytes()) != known.digest:
            out.append(CheckProblem("changed since the last build wrote it (run `broadsheet build`)",
                               path))
    index_listing = listing(config.index_dir) if state.with_index else []
    if state.inputs and state.inputs != inputs_fingerprint(build_inputs(config, state.drafts),
                                                           index_listing):
        out.append(CheckProblem("content, templates, static files, config or index changed since "
                           "the last build: the site is out of date (run `broadsheet build`)",
                           site))
    return out


def _pages_of_articles(site: Path, files: set[str], urls: Iterable[str]
                       ) -> list[BroadsheetError]:
    wanted = set(urls)
    out: list[BroadsheetError] = []
    for url in sorted(wanted - files):
        out.append(CheckProblem("an article of content/ has no page (run `broadsheet build`)",
                           site / url))
    folders = {url.rsplit("/", 1)[0] + "/" for url in wanted if "/" in url}
    for rel in sorted(f for f in files if f.endswith(".html")
                      and f.rsplit("/", 1)[0] + "/" in folders):
        if rel not in wanted:
            out.append(CheckProblem("a page for no article of content/ (run `broadsheet build`)",
                               site / rel))
    return out


def _index_in_step(config: Config, digests: dict[str, str]) -> list[BroadsheetError]:
    """The index holds every article as it is now, and nothing else; the site's static search
    files were exported from it."""
    from broadsheet.publish import search

    index_dir = config.index_dir
    try:
        search.open_index(index_dir).close()
        stored = json.loads((index_dir / search.HASHES_FILE).read_text(encoding="utf-8"))
    except (BroadsheetError, OSError, ValueError) as exc:
        return [CheckProblem(f"search index unusable ({getattr(exc, 'message', exc)}): run "
                        "`broadsheet build`", index_dir)]
    out: list[BroadsheetError] = []
    missing = sorted(digests.keys() - stored.keys())
    extra = sorted(stored.keys() - digests.keys())
    stale = sorted(k for k in digests.keys() & stored.keys() if digests[k] != stored[k])
    for what, ids in (("not in the index", missing), ("in the index but not in content/", extra),
                      ("indexed as it was before its last change", stale)):
        if ids:
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            out.append(CheckProblem(f"{len(ids)} articles {what} ({shown}): run `broadsheet build`",
                               index_dir))
    key_file = config.site_dir / SEARCH_DIR / "key.txt"
    if key_file.is_file():
        if key_file.read_text(encoding="utf-8").strip() != search.static_key(index_dir):
            out.append(CheckProblem("the site's search files were not exported from this index "
                               "(run `broadsheet build`)", key_file))
    return out


def _links(data: bytes, xml: bool) -> Iterator[str]:
    import lxml.etree
    import lxml.html

    if xml:
        try:
            root = lxml.etree.fromstring(data)
        except lxml.etree.XMLSyntaxError:
            return
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
            if tag == "loc" and el.text:
                yield el.text.strip()
            elif tag == "link" and el.get("href"):
                yield el.get("href")
        return
    if not data.strip():
        return
    for _, _, link, _ in lxml.html.document_fromstring(data).iterlinks():
        yield link


def _where(link: str, page: Path, source: Path | None) -> tuple[Path, int | None]:
    """Where a link was written: the line of the article's content file that holds it (as
    written, or as the page has it, decoded), where it is there; else the built page (a
    template's link)."""
    if source is not None:
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for n, line in enumerate(lines, start=1):
            if f"({link}" in line or f"({unquote(link)}" in line or f"<{link}>" in line:
                return source, n
    return page, None


def _is_image(link: str) -> bool:
    return urlsplit(link).path.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".webp",
                                                 ".svg", ".avif"))


def _broken_links(config: Config, site: Path, rel: str, files: set[str],
                  source: Path | None = None) -> list[BroadsheetError]:
    """Links of one page that stay on the site and lead to no file of it; source: the
    content file the page was made from, where a link written in it is reported."""
    base = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
    origin = urlsplit(base)
    here = urljoin(base, rel)
    out: list[BroadsheetError] = []
    seen: set[str] = set()
    for link in _links((site / rel).read_bytes(), rel.endswith(".xml")):
        target = urljoin(here, link.strip())
        parts = urlsplit(target)
        if target + "/" == base:  # the site's root written without its final slash
            target = base
        if not target.startswith(base):
            # the same host, above the site's folder: a body written for a site at the root
            # ('/articles/x.html'), or climbing out ('../../x'); nothing this build publishes
            if (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc) \
                    and target not in seen:
                seen.add(target)
                out.append(CheckProblem(f"link to {link!r} leaves the site (it is under "
                                   f"{origin.path})", *_where(link, site / rel, source)))
            continue  # another site, mailto:, data:...
        path = unquote(parts.path)[len(origin.path):]
        if path == "" or path.endswith("/"):
            path += "index.html"
        if path in files or path in seen:
            continue
        seen.add(path)
        what = f"image {link!r} is" if _is_image(link) else f"link to {link!r} points"
        out.append(CheckProblem(f"{what} nowhere in the site", *_where(link, site / rel, source)))
    return out
