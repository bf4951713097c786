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
from collections.abc import Mapping

from broadsheet.model import Article, Page


def article_digest(source_sha: str, article: Article, dated: bool = True) -> str:
    """An article as a page sees it: its file, plus the tags the site policy made of them and
    (dated) the date git gives its last change. The index stores no such date: its digest
    leaves it out, so a commit alone re-indexes nothing."""
    tags = "\x1f".join(article.tags)
    updated = article.updated.isoformat() if article.updated and dated else ""
    return hashlib.blake2b(f"{source_sha}\x1e{tags}\x1e{updated}".encode(),
                           digest_size=12).hexdigest()


def encoder(digests: Mapping[str, str]):
    """json's hook for what it cannot write itself: json walks the context at C speed."""
    def encode(value: object) -> object:
        if isinstance(value, Article):
            return "A:" + digests[value.slug]
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


def site_fingerprint(site: dict) -> str:
    return hashlib.blake2b(json.dumps(site, sort_keys=True, ensure_ascii=False).encode(),
                           digest_size=16).hexdigest()
