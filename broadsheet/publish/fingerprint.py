"""Pure: what a page is made of, as one hash. Two builds that give a page the same
fingerprint render the same bytes, so an incremental build renders only the pages whose
fingerprint changed.

A page is made of its template (with the templates it uses), the site's settings, and its
context. An article in a context stands for its whole content (its file's hash and the tags
the site's policy gave it), so any edit to it reaches every page it appears on; a page
whose visible content is in fact unchanged renders to the same bytes and is not rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

from broadsheet.model import Article, Page


def article_digest(file_digest: str, article: Article, dated: bool = True) -> str:
    """An article as a page sees it: its file, its slug (a file renamed keeps its bytes but
    not its URL, which the index and the static search show), plus the tags the site policy
    made of them and (dated) the date git gives its last change. The index stores no such
    date: its digest leaves it out, so a commit alone re-indexes nothing."""
    tags = "\x1f".join(article.tags)
    updated = article.updated.isoformat() if article.updated and dated else ""
    return hashlib.blake2b(f"{file_digest}\x1e{article.slug}\x1e{tags}\x1e{updated}".encode(),
                           digest_size=12).hexdigest()


def encoder(digests: Mapping[str, str]):
    """json's hook for what it cannot write itself: json walks the context at C speed."""
    def encode(value: object) -> object:
        if isinstance(value, Article):
            # the slug too: two files with the same bytes have the same digest, and a page
            # listing one is not the page listing the other
            return f"A:{value.slug}:{digests[value.slug]}"
        if isinstance(value, dt.date):  # datetimes too, zone included
            return ["D", value.isoformat()]
        # a new kind of value in a page's context must say how it is fingerprinted
        raise TypeError(f"cannot fingerprint a {type(value).__name__} in a page's context")
    return encode


def page_fingerprint(page: Page, template: str, site: str, encode) -> str:
    """template: the fingerprint of the page's template; site: of the site's settings;
    encode: encoder(digests of the articles)."""
    # keys in the planners' order: the same code gives the same order, and other code
    # invalidates the whole build state anyway
    body = json.dumps(page.context, ensure_ascii=False, separators=(",", ":"), default=encode)
    return hashlib.blake2b(f"{template}\x1e{site}\x1e{page.template}\x1e{body}".encode(
        "utf-8", "surrogatepass"), digest_size=16).hexdigest()


def site_fingerprint(site: dict, strings: str = "") -> str:
    """The site's settings as pages see them; strings: what the theme's words depend on (the
    language, the site's overrides, the catalogues: i18n.strings_fingerprint)."""
    return hashlib.blake2b(json.dumps([site, strings], sort_keys=True,
                                      ensure_ascii=False).encode(), digest_size=16).hexdigest()


# What an article is to the planners: everything but what is derived from its body (the
# planners never read those, so a page shows them only through the article itself). Dates as
# text: marshal takes only plain values, and is quicker than pickle by half. Its version 2
# writes no back-references, so the bytes depend on the values, never on which are shared.
_BODY_DERIVED = {"body", "words", "excerpt", "path"}
_DATES = ("date", "updated")
_SHAPE_FIELDS = [f.name for f in fields(Article) if f.name not in _BODY_DERIVED | set(_DATES)]


def site_shape(articles: Sequence[Article], config: str, templates: Mapping[str, str],
               site: str) -> str:
    """A hash of everything that decides which pages there are and which articles and values
    each one's context holds, all but the articles' contents: equal shapes, and a page's
    fingerprint can change only with the digest of an article in its context."""
    rows = [(tuple([getattr(a, name) for name in _SHAPE_FIELDS]), str(a.date), str(a.updated))
            for a in articles]
    h = hashlib.blake2b(marshal.dumps((config, sorted(templates.items()), site, rows), 2),
                        digest_size=16)
    return h.hexdigest()


@dataclass
class PageIndex:
    """Beside the build state: the shape the last build had, its article digests and, per
    article, the pages whose context holds it."""
    token: str  # the build it describes (BuildState.page_index names it)
    shape: str
    digests: dict[str, str]
    pages_of: dict[str, list[str]]

    def holding_changes(self, shape: str, digests: Mapping[str, str]) -> set[str] | None:
        """The pages holding an article whose digest changed since this index was made; None
        when the shape changed too (then any page may have)."""
        if self.shape != shape or self.digests.keys() != digests.keys():
            return None
        return {path for slug, d in digests.items() if self.digests[slug] != d
                for path in self.pages_of.get(slug, ())}

    def after(self, shape: str, digests: Mapping[str, str]) -> PageIndex:
        """The index of a build with the same shape: the same pages hold the same articles."""
        return PageIndex("", shape, dict(digests), self.pages_of)


def refingerprinted(pages: Iterable[Page], prints: Mapping[str, str],
                    templates: Mapping[str, str], site: str, digests: Mapping[str, str]
                    ) -> dict[str, str]:
    """prints, with these pages' fingerprints made again."""
    encode = encoder(digests)
    out = dict(prints)
    for page in pages:
        out[page.path] = page_fingerprint(page, templates.get(page.template, ""), site, encode)
    return out


def fingerprint_pages(pages: Sequence[Page], templates: Mapping[str, str], site: str,
                      digests: Mapping[str, str], shape: str,
                      last: PageIndex | None = None, last_prints: Mapping[str, str] = {}
                      ) -> tuple[dict[str, str], PageIndex]:
    """Every page's fingerprint, and the index for the next build. With the last build's
    index and the same shape, only the pages holding an article whose digest changed are
    fingerprinted again (an edit at 50,000 articles: a few pages of 74,000)."""
    again = last.holding_changes(shape, digests) if last is not None else None
    if (again is not None and len(last_prints) == len(pages)
            and all(p.path in last_prints for p in pages)):
        return (refingerprinted([p for p in pages if p.path in again], last_prints, templates,
                                site, digests), last.after(shape, digests))
    held: list[str] = []
    plain = encoder(digests)

    def encode(value: object) -> object:
        if isinstance(value, Article):
            held.append(value.slug)
        return plain(value)

    prints = {}
    pages_of: dict[str, list[str]] = {}
    for page in pages:
        prints[page.path] = page_fingerprint(page, templates.get(page.template, ""), site, encode)
        for slug in set(held):
            pages_of.setdefault(slug, []).append(page.path)
        held.clear()
    return prints, PageIndex("", shape, dict(digests), pages_of)
