"""Markdown (markdown-it-py, raw HTML off, safe link schemes) and pages (Jinja2, autoescape,
StrictUndefined), with the site's Content-Security-Policy.

Text from the web reaches pages only through this module, and on the way:
- every value a template prints is autoescaped, and every page loses the control characters
  XML forbids (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+007F, U+FFFE, U+FFFF):
  stripped, as ingest and the front matter already do, so the feed and sitemap stay
  well-formed;
- text that shares a line with other text (a tag name and its count, a byline's parts, "Tag:
  name") goes through the `bdi` filter: its bidi controls balanced and, when it has a bidi
  control or a right-to-left letter, in a <bdi> element (an isolate), so a U+202E cannot
  reorder the text around it; `bidi` balances without the element, for plain-text places
  such as <title> ("title · site"). Text alone in its block (the <h1> title, a listing's
  title, a summary, a related headline) needs neither: a block ends every embedding;
- Markdown shows raw HTML as text, makes links only of http(s), mailto and relative URLs,
  and images only of relative URLs and data:image (a remote image becomes a link to it: a
  page loads nothing from another host, which the CSP forbids anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import cache, lru_cache, partial
from pathlib import Path
from urllib.parse import urljoin

import jinja2
import jinja2.meta
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from markupsafe import Markup, escape

from broadsheet.config import Config
from broadsheet.errors import BuildError
from broadsheet.i18n import Catalogue, Overrides, catalogue, theme_language
from broadsheet.publish.summary import reading_minutes
from broadsheet.model import (ARCHIVE_URL, FEED_URL, LANGUAGES_URL, SEARCH_URL, SITEMAP_URL,
                              SOURCES_URL, TAGS_URL, Page, home_url)


# The site's Content-Security-Policy, one definition for the <meta> of base.html (site.csp)
# and the preview server's header: no inline script, style or event handler, nothing from
# another host, no plugins, no <base>. frame-ancestors is ignored (with a console warning)
# in a <meta>, so only the header carries it.
CSP_DIRECTIVES = ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                  "img-src 'self' data:", "object-src 'none'", "base-uri 'none'",
                  "form-action 'self'")
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)
CSP_HEADER = "; ".join((*CSP_DIRECTIVES, "frame-ancestors 'none'"))

# invalid in XML 1.0 (and invisible, or terminal escapes, in HTML): stripped from output
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# right-to-left letters (Hebrew, Arabic, Syriac, Thaana, NKo... and their presentation
# forms), the RLM and ALM marks, and the bidi controls
_RTL_OR_BIDI = re.compile("[\u0590-\u08ff\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff"
                          "\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]")
_EMBED, _ISOLATE, _PDF, _PDI = "\u202a\u202b\u202d\u202e", "\u2066\u2067\u2068", "\u202c", "\u2069"

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_URL_IGNORED = re.compile("[\x00-\x20\x7f]")  # what browsers strip or skip in a URL's scheme
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_DATA_IMAGE = re.compile(r"^data:image/(gif|png|jpeg|webp)[;,]", re.IGNORECASE)


def safe_url(url: str, image: bool = False) -> bool:
    """Links: relative, http(s) or mailto. Images: relative or data:image/(gif|png|jpeg|webp).
    Anything else (javascript:, vbscript:, data:text/html, file:, ftp:...) is refused."""
    bare = _URL_IGNORED.sub("", url)
    if bare.startswith("//"):  # scheme-relative: another host
        return not image
    scheme = _SCHEME.match(bare)
    if scheme is None:
        return True
    if image:
        return bool(_DATA_IMAGE.match(bare))
    return scheme.group(1).lower() in LINK_SCHEMES


def _link_ok(url: str) -> bool:
    # markdown-it asks before making a link or an image (entities decoded, percent-encoded);
    # the image rule below narrows images further
    return safe_url(url) or bool(_DATA_IMAGE.match(_URL_IGNORED.sub("", url)))


def _image(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    src = token.attrGet("src") or ""
    if safe_url(src, image=True):
        return self.image(tokens, idx, options, env)
    # a remote image is shown as a link to it, with its alt text: the page loads nothing
    # from another host (tracking pixels) and the CSP's img-src would refuse it anyway
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}" rel="nofollow noopener">{escape(alt)}</a>'


@cache
def _md() -> MarkdownIt:
    # commonmark with raw HTML off: '<script>' in a body is shown, not run; links only of
    # the safe schemes (an allowlist: markdown-it's own check is a denylist); a link that is
    # refused stays as its Markdown text.
    # with GitHub's tables and ~~strikethrough~~ (markdown-it's own rules) and footnotes
    # (mdit-py-plugins), which articles written by hand use; still no raw HTML
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"]).use(footnote_plugin)
    md.validateLink = _link_ok
    md.add_render_rule("image", _image)
    return md


# Prose: what most of a body is (ingest writes paragraphs of plain sentences). A block (the
# text between blank lines) with none of Markdown's inline marks, entities or HTML, no
# control or odd line-break character, no line starting with a space, #, =, a list marker or
# a digit run closing with . or ), and no line ending in a space can only be one paragraph:
# markdown-it's output for it is known without parsing (a tenth of the time). The other
# blocks are parsed, each run of them together (a list may span blank lines); a text where
# one block can change another (a link reference definition, a code fence) is parsed whole.
# A test compares both ways on generated text.
_MARKUP = re.compile(r"[\\`*_\[\]<>&|~\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029"
                     r"\ufffe\uffff\ud800-\udfff]")
_LINE_MARKUP = re.compile(r"\n(?:[ \-+#=]|\d+[.)])| \n")  # searched in "\n" + block + "\n"
_BLANK_LINES = re.compile("(\n{2,})")


def _blocks(text: str) -> list[tuple[bool, str]] | None:
    """The text as (True, a paragraph's content as markdown-it makes it: lines joined by a
    newline, the whole stripped) and (False, Markdown to parse), in order; None when the
    whole text must be parsed."""
    if "]:" in text or "```" in text or "~~~" in text:
        return None
    parts = _BLANK_LINES.split(text)
    out: list[tuple[bool, str]] = []
    pending: list[str] = []  # Markdown blocks and the blank lines between them
    for i in range(0, len(parts), 2):
        block = parts[i]
        if not block.strip("\n"):
            continue
        if _MARKUP.search(block) or _LINE_MARKUP.search(f"\n{block}\n"):
            if pending:
                pending.append(parts[i - 1])
            pending.append(block)
            continue
        if pending:
            out.append((False, "".join(pending)))
            pending = []
        out.append((True, block.strip()))  # other white space only: an empty paragraph
    if pending:
        out.append((False, "".join(pending)))
    return out


@lru_cache(maxsize=2048)  # a body is rendered for its page and again for every feed it is in
def markdown_html(text: str) -> Markup:
    blocks = _blocks(text)
    if blocks is None:
        return Markup(_md().render(text))
    return Markup("".join(f"<p>{value.replace(chr(34), '&quot;')}</p>\n" if prose
                          else _md().render(value) for prose, value in blocks))


def balance_bidi(text: str) -> str:
    """Bidi controls made to close within the text: a PDF or PDI with nothing to close is
    dropped, and what is left open is closed at the end (as UAX #9 pairs them)."""
    if not _BIDI.search(text):
        return text
    out, stack = [], []
    for ch in text:
        if ch in _EMBED:
            stack.append(_PDF)
        elif ch in _ISOLATE:
            stack.append(_PDI)
        elif ch == _PDF:
            if not stack or stack[-1] != _PDF:
                continue  # nothing to close, or it would close past an isolate
            stack.pop()
        elif ch == _PDI:
            if _PDI not in stack:
                continue
            while stack.pop() != _PDI:  # closes the embeddings opened inside it too
                pass
        out.append(ch)
    out.extend(reversed(stack))
    return "".join(out)


def bidi_filter(text) -> str:
    if isinstance(text, Markup):
        return Markup(balance_bidi(str(text)))
    return balance_bidi(str(text))


def bdi_filter(text) -> Markup | str:
    """Untrusted inline text, isolated when it could reorder what is around it: text with a
    bidi control or a right-to-left letter comes as <bdi>escaped, balanced text</bdi>;
    other text (left-to-right, no controls) as it is, so ordinary pages carry no extra markup."""
    text = bidi_filter(text if isinstance(text, Markup) else str(text))
    if _RTL_OR_BIDI.search(text):
        return Markup("<bdi>%s</bdi>") % text
    return text


def plain_text(text: str) -> str:
    """The words of a Markdown body without its markup (for the index and feed summaries)."""
    blocks = _blocks(text)
    parts = []
    for prose, value in blocks if blocks is not None else [(False, text)]:
        if prose:
            parts.append(value.replace("\n", " "))
        else:
            parts.extend(_parsed_text(value))
    # no control characters in the index, its snippets or the static search files either
    return _XML_FORBIDDEN.sub("", "\n\n".join(p for p in parts if p))


def _parsed_text(text: str) -> list[str]:
    parts = []
    for token in _md().parse(text):
        if token.type == "inline":
            parts.append("".join(c.content if c.type in ("text", "code_inline") else " "
                                 for c in token.children or ()
                                 if c.type in ("text", "code_inline", "softbreak", "hardbreak")))
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
    return parts


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


def ld_json(data) -> Markup:
    """JSON for a <script type="application/ld+json"> block: nothing in it can close the
    element or open a comment (<, >, & as \\u escapes), and it is data, never run."""
    text = _XML_FORBIDDEN.sub("", json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                  .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def news_article(article, site: dict, absolute) -> dict:
    """schema.org NewsArticle for an article page (search engines, news aggregators)."""
    data = {"@context": "https://schema.org", "@type": "NewsArticle",
            "headline": article.title, "url": absolute(article.url),
            "mainEntityOfPage": absolute(article.url), "wordCount": article.words,
            "publisher": {"@type": "Organization", "name": site["title"]}}
    if article.date:
        data["datePublished"] = iso(article.date)
    if article.date:  # an undated article's commit date is not the news's
        data["dateModified"] = iso(article.updated or article.date)
    if article.language:
        data["inLanguage"] = article.language
    if article.tags:
        data["keywords"] = list(article.tags)
    if article.summary or article.excerpt:
        data["description"] = article.summary or article.excerpt
    if article.authors:
        people = [{"@type": "Person", "name": name} for name in article.authors]
        data["author"] = people[0] if len(people) == 1 else people
    elif article.source:
        data["author"] = {"@type": "Organization", "name": article.source}
    if article.source_url and safe_url(article.source_url):
        data["isBasedOn"] = article.source_url
    return data


THEME = Path(__file__).resolve().parent.parent / "theme"  # the default templates and static files


def _gettext(cat: Catalogue):
    """Jinja's "newstyle" gettext: the text escaped where the template autoescapes (a
    translation or a site's override is text, never HTML), then its %(name)s filled in,
    each value escaped unless it is markup already."""
    @jinja2.pass_eval_context
    def gettext(ctx, __string: str, **variables):
        rv = cat.gettext(__string)
        return (escape(rv) if ctx.autoescape else rv) % variables

    @jinja2.pass_eval_context
    def pgettext(ctx, __context: str, __string: str, **variables):
        rv = cat.pgettext(__context, __string)
        return (escape(rv) if ctx.autoescape else rv) % variables

    @jinja2.pass_eval_context
    def ngettext(ctx, __singular: str, __plural: str, __num: int, **variables):
        variables.setdefault("num", cat.number(__num))  # '1 234' in French, '1,234' in English
        rv = cat.ngettext(__singular, __plural, __num)
        return (escape(rv) if ctx.autoescape else rv) % variables

    return gettext, pgettext, ngettext


def make_env(templates_dir: Path, strings: Catalogue | None = None) -> jinja2.Environment:
    """Templates from the site's templates_dir where it has them, else from the theme: a
    site overrides one template by putting a file of that name in its own folder. Their
    words are in the language of `strings` (English when None), through Jinja's i18n
    extension: _("..."), ngettext(...), pgettext(...), {% trans %}."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(templates_dir), str(THEME / "templates")]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    cat = strings if strings is not None else catalogue("en")
    gettext, pgettext, ngettext = _gettext(cat)
    env.newstyle_gettext = True  # {% trans %} hands its values to gettext, which fills them in
    env.globals.update(gettext=gettext, pgettext=pgettext, ngettext=ngettext,
                       search_strings=cat.script_strings)
    env.filters.update(markdown=markdown_html, plain=plain_text, iso=iso, day=day,
                       bidi=bidi_filter, bdi=bdi_filter, minutes=reading_minutes,
                       ld_json=ld_json, json=_json, long_date=cat.date, number=cat.number,
                       period=partial(_period, cat), and_list=partial(_and_list, cat))
    env.tests["safe_url"] = safe_url
    env.globals["news_article"] = news_article
    return env


def _period(cat: Catalogue, value: str) -> str:
    """An archive period as the language names it: '2024-03' -> 'March 2024', 'mars 2024';
    a year as it is."""
    return cat.month(value) if len(value) == 7 else value


def _and_list(cat: Catalogue, items) -> Markup:
    """Names joined as the language does ('A, B and C', 'A, B et C'), each escaped."""
    return Markup(cat.join([str(escape(item)) for item in items]))


def _json(value) -> str:
    """JSON text for an attribute (data-i18n="..."): escaped there like any text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Theme:
    """The site's templates in each language its pages are in: the site's `language`, and
    on an article page the article's own when a catalogue is shipped for it. One Jinja
    environment per language, made when first asked for."""

    def __init__(self, templates_dir: Path, language: str = "en",
                 overrides: Overrides = Overrides()):
        self.templates_dir = templates_dir
        self.language = language
        self.overrides = overrides
        self._envs: dict[str | None, jinja2.Environment] = {}

    @classmethod
    def of(cls, config: Config) -> Theme:
        return cls(config.templates_dir, config.language, config.strings)

    def language_of(self, page: Page) -> str | None:
        """None: the site's language; else the shipped catalogue of the page's article."""
        article = page.context.get("article")
        own = theme_language(getattr(article, "language", None))
        return own if own is not None and own != theme_language(self.language) else None

    def env(self, language: str | None = None) -> jinja2.Environment:
        env = self._envs.get(language)
        if env is None:
            strings = (catalogue(self.language, self.overrides) if language is None
                       else catalogue(language))
            env = self._envs[language] = make_env(self.templates_dir, strings)
        return env

    def env_for(self, page: Page) -> jinja2.Environment:
        return self.env(self.language_of(page))


def template_fingerprints(env: jinja2.Environment) -> dict[str, str]:
    """Each template's source together with every template it extends, includes or imports,
    hashed: a page is rendered again when any of them changes, and only then."""
    own: dict[str, str] = {}
    for name in env.list_templates():
        try:
            own[name] = env.loader.get_source(env, name)[0]
        except (jinja2.TemplateNotFound, OSError, UnicodeDecodeError):
            # not a template: a symlink to nothing (an editor's lock file), an unreadable
            # or binary file. Rendering reports it if a page's template names it.
            continue
    names = set(own)
    refs: dict[str, set[str]] = {}
    for name, source in own.items():
        try:
            found = set(jinja2.meta.find_referenced_templates(env.parse(source)))
        except jinja2.TemplateSyntaxError:
            found = {None}  # rendering will report it; meanwhile assume anything
        refs[name] = names if None in found else found & names
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
            h.update(dep.encode() + b"\0" + own[dep].encode("utf-8") + b"\0")
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
        # the optional kinds of page, as site.yaml's `pages:` has them (the nav links only
        # to those published); plain values, so the site's fingerprint covers them
        "pages": {"source_pages": config.pages.source_pages,
                  "language_pages": config.pages.language_pages,
                  "archive_pages": config.pages.archive_pages},
        "csp": CONTENT_SECURITY_POLICY,
    }


# urljoin is slow Python, and a site asks for each article's absolute URL on its page, in
# every feed that lists it and in the sitemap: cached, the asks after the first stay in C
_absolute = lru_cache(maxsize=1 << 16)(urljoin)


def render(page: Page, env: jinja2.Environment | Theme, site: dict) -> bytes:
    """One page to bytes. Templates see their page's context, `site` and `absolute(url)`;
    with a Theme, in the page's language."""
    if isinstance(env, Theme):
        env = env.env_for(page)
    try:
        template = env.get_template(page.template)
        text = template.render(site=site, absolute=partial(_absolute, site["base_url"]),
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
    # no character XML forbids, wherever a value from the web put it: one pass over the page
    # in C, where stripping each printed value (Jinja's finalize) cost a Python call for each
    # of the 170 values of a page. Stripping commutes with escaping: neither touches what
    # the other changes.
    if _XML_FORBIDDEN.search(text):
        text = _XML_FORBIDDEN.sub("", text)
    return text.encode("utf-8")


def _template_line(exc: BaseException, template: str) -> int | None:
    """The line of the template where rendering failed, from Jinja's rewritten traceback."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(template):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
