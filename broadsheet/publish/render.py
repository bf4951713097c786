"""Markdown (markdown-it-py, raw HTML off) and pages (Jinja2, autoescape, StrictUndefined)."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

import jinja2
import jinja2.meta
from markdown_it import MarkdownIt
from markupsafe import Markup

from broadsheet.config import Config
from broadsheet.errors import BuildError
from broadsheet.model import (ARCHIVE_URL, FEED_URL, LANGUAGES_URL, SEARCH_URL, SITEMAP_URL,
                              SOURCES_URL, TAGS_URL, Page, home_url)


@cache
def _md() -> MarkdownIt:
    # commonmark with raw HTML off: '<script>' in a body is shown, not run; markdown-it's
    # validateLink already refuses javascript:, vbscript:, file: and data: links.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown_html(text: str) -> Markup:
    return Markup(_md().render(text))


def plain_text(text: str) -> str:
    """The words of a Markdown body without its markup (for the index and feed summaries)."""
    parts = []
    for token in _md().parse(text):
        if token.type == "inline":
            parts.append("".join(c.content if c.type in ("text", "code_inline") else " "
                                 for c in token.children or ()
                                 if c.type in ("text", "code_inline", "softbreak", "hardbreak")))
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
    return "\n\n".join(p for p in parts if p)


def iso(value: dt.date | dt.datetime | None) -> str:
    """Dates as RFC 3339 for feeds and sitemaps; dates without time are taken as 00:00 UTC."""
    if value is None:
        return "1970-01-01T00:00:00Z"
    if not isinstance(value, dt.datetime):
        return f"{value.isoformat()}T00:00:00Z"
    if value.tzinfo is None:
        return value.isoformat() + "Z"
    return value.isoformat()


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()


def make_env(templates_dir: Path) -> jinja2.Environment:
    if not templates_dir.is_dir():
        raise BuildError("templates folder not found", templates_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(markdown=markdown_html, plain=plain_text, iso=iso, day=day)
    return env


def template_fingerprints(env: jinja2.Environment) -> dict[str, str]:
    """Each template's source together with every template it extends, includes or imports,
    hashed: a page is rendered again when any of them changes, and only then."""
    names = env.list_templates()
    own: dict[str, bytes] = {}
    refs: dict[str, set[str]] = {}
    for name in names:
        source = env.loader.get_source(env, name)[0]
        own[name] = source.encode("utf-8")
        try:
            found = set(jinja2.meta.find_referenced_templates(env.parse(source)))
        except jinja2.TemplateSyntaxError:
            found = {None}  # rendering will report it; meanwhile assume anything
        refs[name] = set(names) if None in found else found & set(names)
    prints = {}
    for name in names:
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(refs[current])
        h = hashlib.blake2b(digest_size=16)
        for dep in sorted(seen):
            h.update(dep.encode() + b"\0" + own[dep] + b"\0")
        prints[name] = h.hexdigest()
    return prints


def site_context(config: Config) -> dict:
    return {
        "title": config.title,
        "description": config.description,
        "base_url": config.base_url,
        "language": config.language,
        "home_url": home_url(),
        "tags_url": TAGS_URL,
        "search_url": SEARCH_URL,
        "feed_url": FEED_URL,
        "sitemap_url": SITEMAP_URL,
        "archive_url": ARCHIVE_URL,
        "sources_url": SOURCES_URL,
        "languages_url": LANGUAGES_URL,
    }


def render(page: Page, env: jinja2.Environment, site: dict) -> bytes:
    """One page to bytes. Templates see their page's context, `site` and `absolute(url)`."""
    try:
        template = env.get_template(page.template)
        text = template.render(site=site, absolute=lambda url: urljoin(site["base_url"], url),
                               **page.context)
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError(f"template syntax: {exc.message}", exc.filename or page.template,
                         exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"template not found: {exc.name}", page.path) from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"while rendering {page.path}: {exc.message}",
                         page.template, _template_line(exc, page.template)) from None
    except BuildError:
        raise
    except Exception as exc:  # a template's own mistake (None > 1, a bad filter argument...)
        raise BuildError(f"while rendering {page.path}: {type(exc).__name__}: {exc}",
                         page.template, _template_line(exc, page.template)) from None
    return text.encode("utf-8")


def _template_line(exc: BaseException, template: str) -> int | None:
    """The line of the template where rendering failed, from Jinja's rewritten traceback."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(template):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
