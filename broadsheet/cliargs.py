"""The command line's grammar: every verb, its options and their help (what `broadsheet
--help` and `broadsheet VERB --help` print). The verbs' functions are cli.py's, given by
name: this module parses, it neither prints nor runs anything."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from broadsheet import __version__


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _iso_date(text: str) -> str:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date like 2026-11-25") from None
    return text


def _common(default) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=default(None),
                        help="the site's config (default: site.yaml in this folder or the "
                             "nearest one above); the paths in it are relative to it")
    common.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="no progress bars")
    return common


def _writer() -> argparse.ArgumentParser:
    writer = argparse.ArgumentParser(add_help=False)
    writer.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="if another build or ingest is writing this site, wait for it "
                             "up to SECONDS (default: stop at once, exit code 1)")
    return writer


def _verb(sub, name: str, summary: str, description: str, parents: list, func):
    """A verb: its summary in `broadsheet --help`, its description in `broadsheet VERB --help`."""
    s = sub.add_parser(name, parents=parents, help=summary,
                       description=f"{summary[0].upper()}{summary[1:]}. {description}")
    s.set_defaults(func=func)
    return s


CONTENT_HELP = "the content folder (default: content_dir of site.yaml)"


def parser(commands: dict[str, Callable], description: str) -> argparse.ArgumentParser:
    """The parser; commands: each verb's function (set as `func`), description: the
    program's, for `broadsheet --help`."""
    # verbs take the common options too, but must not reset what was given before the verb
    shared = {"common": _common(lambda value: argparse.SUPPRESS), "writer": _writer()}
    p = argparse.ArgumentParser(
        prog="broadsheet", description=description,
        epilog="Start with `broadsheet init mysite`; `broadsheet VERB --help` says more.",
        parents=[_common(lambda value: value)])
    p.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    sub = p.add_subparsers(dest="verb", metavar="VERB")
    for name, summary, about, parents, options in VERBS:
        options(_verb(sub, name, summary, about, [shared[k] for k in parents], commands[name]))
    return p


def _init_options(s) -> None:
    s.add_argument("path", help="the new site's folder")
    s.add_argument("--title", help="the site's title (default: \"My news archive\")")
    s.add_argument("--language", metavar="CODE",
                   help="the language of the site's pages, like fr or en (default: en)")


def _all_options(s) -> None:
    s.add_argument("--strict", action="store_true", help="stop at the first bad content file")


def _ingest_options(s) -> None:
    s.add_argument("paths", nargs="*", help="files or folders (default: raw_dir of site.yaml)")
    s.add_argument("--content", metavar="DIR", help=CONTENT_HELP)
    s.add_argument("--force", action="store_true",
                   help="overwrite content files that exist, and read every raw file again")
    s.add_argument("--verbose", action="store_true",
                   help="list each raw file skipped because its articles are in content/")
    s.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes for cleaning and detection (default: the CPUs, up to 4)")


def _build_options(s) -> None:
    s.add_argument("--content", metavar="DIR", help=CONTENT_HELP)
    s.add_argument("--out", metavar="DIR", help="the site folder to write (default: site_dir)")
    s.add_argument("--strict", action="store_true", help="stop at the first bad content file")
    s.add_argument("--no-index", action="store_true", help="write the site only")
    s.add_argument("--full", action="store_true",
                   help="ignore the last build's state: render everything, rebuild the index")
    s.add_argument("--changed-urls", metavar="FILE",
                   help="write the absolute URLs of files written or removed (for CDN purges)")
    s.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes for rendering (default: the CPUs, up to 4)")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    s.add_argument("--drafts", action="store_true",
                   help="publish articles marked `draft: true` too (a preview)")


def _index_options(s) -> None:
    s.add_argument("--content", metavar="DIR", help=CONTENT_HELP)
    s.add_argument("--full", action="store_true", help="rebuild it all, not just what changed")
    s.add_argument("--drafts", action="store_true", help="index drafts too (as build --drafts)")


def _search_options(s) -> None:
    s.add_argument("query", nargs="+", help="what to search for")
    s.add_argument("--limit", type=_positive, default=10, help="results per page (default 10)")
    s.add_argument("--page", type=_positive, default=1, help="which page of results (default 1)")
    s.add_argument("--sort", choices=["relevance", "date"], default="relevance",
                   help="best match first (default) or newest first")
    s.add_argument("--json", action="store_true", help="print the results as JSON")


def _serve_options(s) -> None:
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None,
                   help="port to listen on (default 8000, or the next free one; 0: any free)")
    s.add_argument("--out", metavar="DIR", help="the site folder to serve (default: site_dir)")
    s.add_argument("--watch", action=argparse.BooleanOptionalAction, default=True,
                   help="build first, rebuild on every change and reload the open pages "
                        "(default); --no-watch serves the site as it is")


def _new_options(s) -> None:
    s.add_argument("--publish", action="store_true",
                   help="publish it at the next build, dated today (or --date)")
    s.add_argument("title", help="the article's title")
    s.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag; repeat for more")
    s.add_argument("--date", metavar="YYYY-MM-DD", type=_iso_date,
                   help="its date (default: none for a draft, today (UTC) with --publish)")
    s.add_argument("--language", metavar="CODE", help="default: the site's language")
    s.add_argument("--source", metavar="TEXT", help="the outlet it comes from")
    s.add_argument("--slug", metavar="SLUG", help="its URL's name (default: from the title)")
    s.add_argument("--content", metavar="DIR", help=CONTENT_HELP)


def _check_options(s) -> None:
    s.add_argument("--content", metavar="DIR", help=CONTENT_HELP)
    s.add_argument("--out", metavar="DIR", help="the site folder to check (default: site_dir)")


def _explain_options(s) -> None:
    s.add_argument("files", nargs="+", help="raw files (.txt, .html, .jsonl)")


# The verbs in the order `broadsheet --help` lists them: name, summary, description, the
# option groups they share ("common": --config and -q; "writer": --wait, for the verbs that
# take the site's lock), and the function adding their own options.
VERBS: list[tuple[str, str, str, tuple[str, ...], Callable]] = [
    ("init", "start a new site in a new folder",
     "Writes a commented site.yaml, raw/ for your scraped articles, content/, "
     "templates/ and static/ for overriding the theme, a .gitignore, a GitHub Pages "
     "workflow and a short README. The folder must be new or empty.", (), _init_options),
    ("all", "ingest, then build the site and its search",
     "What to run after adding raw articles: `ingest` then `build`.",
     ("common", "writer"), _all_options),
    ("ingest", "clean raw articles into content/",
     "Reads .txt, .html and .jsonl files (default: raw_dir of site.yaml), keeps each "
     "article's text without the page's menus, credits and other leftovers, and writes "
     "one Markdown file per article into content/. A file already taken in is "
     "skipped; content files you have edited are never overwritten.",
     ("common", "writer"), _ingest_options),
    ("build", "build the site and its search index from content/",
     "Writes site/ (articles, listings, tags, sources, feeds, sitemap, the search "
     "page) and the search index. Only what changed since the last build is "
     "rendered again; a bad content file is reported and left out.",
     ("common", "writer"), _build_options),
    ("index", "build the search index only",
     "Updates the search index (and the static search files' cache) from content/ "
     "without writing the site.", ("common", "writer"), _index_options),
    ("search", "search the articles from the terminal",
     'Words are ANDed; "a phrase" in quotes, -word to exclude, a OR b, and the '
     'filters tag:NAME, source:"NAME", lang:CODE, year:YYYY.', ("common",), _search_options),
    ("serve", "preview the site, with its search",
     "Builds what changed, then serves site/ and /api/search on this machine only "
     "(127.0.0.1), rebuilding when content, templates, static files or site.yaml "
     "change and reloading the open pages.", ("common",), _serve_options),
    ("new", "start an article written by hand",
     "Writes content/SLUG.md with the front matter filled in and a line to replace "
     "with the text, as a draft (not published until you remove `draft: true`) "
     "unless --publish.", ("common",), _new_options),
    ("check", "check content, the built site, its links and the search index",
     "Reads every content file, every page of site/ and the index; reports each "
     "problem as one line (file and line), exit code 1 if there is any.",
     ("common",), _check_options),
    ("explain", "show what ingest keeps of raw files, and why",
     "For every line of each file: kept or dropped, and the evidence (the rule that "
     "fired, or the model's score and the features that weighed most).",
     ("common",), _explain_options),
]


