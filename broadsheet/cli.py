"""The command line: the only place that prints or exits.

    broadsheet all      ingest, then build (site + index): what `python build.py` runs
    broadsheet ingest   raw/*.txt -> content/*.md
    broadsheet build    content/ -> site/ and the search index
    broadsheet index    content/ -> the search index only
    broadsheet search   query the index from the terminal
    broadsheet serve    preview site/ with /api/search on 127.0.0.1
    broadsheet new      create a content file for an article written by hand
    broadsheet check    validate content/, the built site, its links and the index
    broadsheet explain  show, line by line, what the cleaner keeps and why it drops the rest
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from broadsheet import __version__
from broadsheet.config import Config, load_config
from broadsheet.errors import BroadsheetError
from broadsheet.fsutil import atomic_write
from broadsheet.lock import project_lock

WRITERS = {"all", "ingest", "build", "index"}  # verbs that write: one at a time per project


def _progress_factory(quiet: bool):
    """tqdm bars on a terminal; nothing in CI or a pipe, where the summary lines are the log."""
    if quiet or not sys.stderr.isatty() or os.environ.get("CI"):
        return lambda items, desc, total: items
    from tqdm import tqdm

    def bar(items, desc, total):
        return tqdm(items, desc=desc, total=total, unit="file", leave=False, file=sys.stderr)
    return bar


def _say(msg: str = "") -> None:
    print(msg, flush=True)


def _warn(err: BaseException) -> None:
    # file names and YAML keys come from the web: control characters shown, not obeyed
    print(f"error: {_printable(str(err))}", file=sys.stderr, flush=True)


def _note(warning: BaseException) -> None:
    print(f"warning: {_printable(str(warning))}", file=sys.stderr, flush=True)


def _config(args) -> Config:
    overrides = {}
    for arg, key in (("content", "content_dir"), ("out", "site_dir"), ("index", "index_dir")):
        if getattr(args, arg, None):
            overrides[key] = getattr(args, arg)
    return load_config(args.config, required=args.config_given, **overrides)


# --- verbs: each returns an exit code ---------------------------------------------------------

def cmd_ingest(args, config: Config) -> int:
    from broadsheet.ingest.pipeline import ingest
    from broadsheet.parallel import default_jobs

    paths = [Path(p) for p in args.paths] or [config.raw_dir]
    report = ingest(paths, config.content_dir, force=args.force, default_language=config.language,
                    tag_policy=config.tags, source_policy=config.sources,
                    progress=_progress_factory(args.quiet),
                    jobs=args.jobs or default_jobs(), max_bytes=config.max_input_bytes,
                    state_dir=config.state_dir)
    for path in report.added:
        _say(f"added   {_rel(path)}")
    for origin, why in report.known if args.verbose else ():
        _say(f"skipped {origin}: {why}")
    for origin, why in report.skipped:
        _say(f"skipped {origin}: {why}")
    for note in report.warnings:  # taken all the same: exit code 0
        _note(note)
    for err in report.errors:
        _warn(err)
    _say(f"ingest: {len(report.added):,} added, {len(report.known):,} already in content/, "
         f"{len(report.skipped):,} skipped ({report.merged:,} duplicates merged), "
         f"{len(report.errors):,} failed -> {_rel(config.content_dir)}")
    return 1 if report.errors else 0


def cmd_build(args, config: Config) -> int:
    from broadsheet.publish.pipeline import build, changed_urls
    from broadsheet.parallel import default_jobs

    started = time.perf_counter()
    result = build(config, strict=args.strict, with_index=not getattr(args, "no_index", False),
                   full=getattr(args, "full", False), jobs=getattr(args, "jobs", 0) or default_jobs(),
                   progress=_progress_factory(args.quiet or getattr(args, "json", False)),
                   drafts=getattr(args, "drafts", False))
    total = time.perf_counter() - started
    for err in result.errors:
        _warn(err)
    for note in result.warnings:
        _note(note)
    if getattr(args, "changed_urls", None):
        atomic_write(Path(args.changed_urls),
                     "".join(f"{url}\n" for url in changed_urls(config, result.changed)))
    code = 1 if result.errors else 0
    if getattr(args, "json", False):
        _say(json.dumps(_build_summary(result, config, total, code), ensure_ascii=False,
                        indent=2, sort_keys=True))
        return code
    timing = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    _say(f"build: {result.articles} articles -> {_rel(config.site_dir)}\n"
         f"  files     {result.written} written, {result.unchanged} unchanged, "
         f"{result.removed} removed\n"
         f"  problems  {len(result.errors)} files with errors, {len(result.warnings)} warnings"
         + (" (listed above; files with errors were left out)"
            if result.errors or result.warnings else "") + "\n"
         f"  time      {total:.2f}s ({timing})")
    return code


def _build_summary(result, config: Config, total: float, code: int) -> dict:
    """What `build --json` prints: the summary lines, for machines."""
    return {
        "articles": result.articles, "exit_code": code,
        "site": str(config.site_dir) if config is not None else None,
        "files": {"written": result.written, "unchanged": result.unchanged,
                  "removed": result.removed},
        "errors": [{"path": e.path, "line": e.line, "message": e.message}
                   for e in result.errors],
        "warnings": [{"path": e.path, "line": e.line, "message": e.message}
                     for e in result.warnings],
        "seconds": {"total": round(total, 3),
                    **{k: round(v, 3) for k, v in result.timings.items()}},
    }


def cmd_index(args, config: Config) -> int:
    from broadsheet.publish.indexing import index_articles
    from broadsheet.publish.pipeline import digests_of, load

    articles, errors, sources = load(config, drafts=args.drafts)
    for err in errors:
        _warn(err)
    report = index_articles(config, articles, digests_of(articles, sources, dated=False),
                            _progress_factory(args.quiet), full=args.full)
    how = "rebuilt" if report.full else "updated"
    _say(f"index: {how}: {report.added} added, {report.updated} updated, {report.removed} "
         f"removed, {report.unchanged} unchanged -> {_rel(config.index_dir)}")
    return 1 if errors else 0


def cmd_all(args, config: Config) -> int:
    args.paths, args.force, args.jobs, args.verbose = [], False, 0, False
    code = cmd_ingest(args, config)
    code = max(code, cmd_build(args, config))
    site = config.site_dir / "index.html"
    _say(f"\nThe site is in {_rel(config.site_dir)}/ (open {_rel(site)}).")
    _say("Preview it with search: make serve  (or: broadsheet serve), then open "
         "http://127.0.0.1:8000/")
    return code


def cmd_search(args, config: Config) -> int:
    from broadsheet.publish.search import search

    data = search(config.index_dir, " ".join(args.query), limit=args.limit, page=args.page,
                  sort=args.sort)
    if args.json:
        _say(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    if not data["hits"] and data["total"]:
        _say(f"{data['total']} articles match {data['query']!r}; page {data['page']} is past "
             f"the last ({data['pages']})")
        return 0
    if not data["hits"]:
        _say(f"no articles match {data['query']!r}")
        if data.get("suggestion"):
            _say(f"did you mean: {_printable(data['suggestion'])}")
        return 0
    _say(f"{data['total']} articles match {data['query']!r} (page {data['page']} of {data['pages']})")
    bold = sys.stdout.isatty()
    for n, hit in enumerate(data["hits"], start=(data["page"] - 1) * args.limit + 1):
        meta = _printable(" · ".join(x for x in (hit["date"], hit["source"]) if x))
        _say(f"\n{n}. {_printable(hit['title'])}" + (f"  [{meta}]" if meta else ""))
        _say(f"   {hit['url']}")
        # each part made printable before the bold is added: an ESC in the text never passes
        snippet = "".join((f"\033[1m{_printable(p['text'])}\033[0m" if bold
                           else f"[{_printable(p['text'])}]") if p["match"]
                          else _printable(p["text"]) for p in hit["snippet_parts"])
        _say(f"   {snippet}")
    facets = [(name, rows) for name, rows in data.get("facets", {}).items() if rows]
    if facets:
        _say("")
    for name, rows in facets:
        shown = ", ".join(f"{_printable(r['label'])} ({r['count']})" for r in rows[:8])
        _say(f"{name}: {shown}")
    return 0


def cmd_serve(args, config: Config) -> int:
    from broadsheet.serve import LiveReload, make_server

    live = watcher = None
    if getattr(args, "watch", False):
        from broadsheet.parallel import default_jobs
        from broadsheet.watch import Watcher

        live = LiveReload()
        watcher = Watcher(config, lambda: _config(args), live.send, _report_rebuild,
                          jobs=default_jobs())
        if not (config.site_dir / "index.html").is_file():
            watcher.rebuild([])  # a first build before there is anything to serve
    if not (config.site_dir / "index.html").is_file():
        raise BroadsheetError("no site to serve: run `broadsheet build` first", config.site_dir)
    server = make_server(config.site_dir, config.index_dir, args.host, args.port, live=live)
    host, port = server.server_address[:2]
    host = f"[{host}]" if ":" in host else host
    _say(f"Serving {_rel(config.site_dir)} at http://{host}:{port}/ (search at /api/search?q=); "
         "Ctrl-C stops.")
    try:
        if watcher is not None:
            _say("Watching content, templates, static files, the config and the theme: "
                 "pages reload after each rebuild.")
            watcher.start()
        server.serve_forever()
    except KeyboardInterrupt:
        _say("\nstopped")
    finally:
        if watcher is not None:
            if watcher.building:
                _say("waiting for the build in progress to finish (Ctrl-C again: leave it)")
            watcher.stop()  # a second Ctrl-C interrupts the wait: the build is crash-safe
        if live is not None:
            live.close()
        server.server_close()
    return 0


def _report_rebuild(outcome) -> None:
    """serve --watch: a line per rebuild, errors first (stderr), as `broadsheet build` does."""
    result = outcome.result
    if outcome.error is not None:
        _warn(_printable(str(outcome.error)))
        return
    for err in result.errors:
        _warn(_printable(str(err)))
    for note in result.warnings:
        _note(note)
    if result.written_paths or result.removed_paths:
        what = f"{len(result.written_paths)} files written, {len(result.removed_paths)} removed"
    else:
        what = "nothing changed"
    bad = f", {len(result.errors)} files with errors left out" if result.errors else ""
    cause = _printable(_rel(Path(outcome.changes[0]))) if outcome.changes else ""
    more = f" and {len(outcome.changes) - 1} more" if len(outcome.changes) > 1 else ""
    _say(f"rebuilt: {what}{bad} in {outcome.seconds:.1f}s"
         + (f" ({cause}{more})" if cause else ""))


def cmd_check(args, config: Config) -> int:
    from broadsheet.check import check

    articles, problems = check(config, _progress_factory(args.quiet))
    for problem in problems:
        _say(_printable(str(problem)))
    _say(f"check: {articles} articles, {len(problems)} problems")
    return 1 if problems else 0


def cmd_new(args, config: Config) -> int:
    import datetime as dt

    from broadsheet.authoring import new_article, taken_names, write_new
    from broadsheet.publish.load import load_content
    from broadsheet.publish.state import code_fingerprint, load_sources, load_state

    today = dt.date.fromisoformat(args.date) if args.date else dt.datetime.now(dt.timezone.utc).date()
    article = new_article(args.title, today=today, language=args.language or config.language,
                          tags=tuple(args.tag), source=args.source, slug=args.slug)
    taken = {}
    if config.content_dir.is_dir():  # the slugs in use; the last build's sources spare a parse
        state = load_state(config.state_dir, code_fingerprint())
        known = load_sources(config.state_dir, state, config.content_dir) if state else None
        taken = taken_names(load_content(config.content_dir, known)[0])
    path = write_new(config.content_dir, article, taken)
    _say(f"created {_rel(path)}: edit it, then `broadsheet build`")
    return 0


def cmd_explain(args, config: Config) -> int:
    from broadsheet.ingest.parse import read_inputs

    errors: list = []
    for name in args.files:
        # every article of the file (a JSON Lines file holds many); a bad line or file is
        # its one error line, and the others are explained
        for raw in read_inputs(Path(name), lambda exc: (errors.append(exc), _warn(exc)),
                               _note, config.max_input_bytes):
            _explain(raw)
    return 1 if errors else 0


def _explain(raw) -> None:
    from broadsheet.ingest.clean import agencies_of, evidence
    from broadsheet.ingest.pipeline import clean_raw

    state = clean_raw(raw)
    _say(f"== {_printable(raw.origin)}\n   title: {_printable(state.title)}")
    _say("   (this file alone: the lines its source repeats across a corpus, which ingest "
         "also drops, are not known here)")
    _say("   line            verdict   body? | text  (why: the rule, or the model's strongest evidence)")
    for line, why in zip(state.lines, evidence(state)):
        verdict = "body" if line.drop is None else line.drop
        score = f"{line.score:5.2f}" if why and line.score is not None else "    -"
        _say(f"{line.number:4} {verdict:>18} {score} | {_printable(line.text)[:90]}")
        if why:
            _say(" " * 30 + ", ".join(f"{name} {value:+.1f}" for name, value in why))
    _say(f"   agencies: {list(agencies_of(state))}  sources: "
         f"{list(dict.fromkeys(state.sources + state.tail_names + state.owners))}  "
         f"date: {state.date.isoformat() if state.date else None}  "
         f"authors: {list(state.authors)}")


# --- plumbing ---------------------------------------------------------------------------------

def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _printable(text: str) -> str:
    """Web text on a terminal: control characters (escape sequences too) shown, not obeyed."""
    out = []
    for ch in text:
        if ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or 0x202A <= ord(ch) <= 0x202E \
                or 0x2066 <= ord(ch) <= 0x2069:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


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
                        help="site config (default: ./site.yaml); its paths are relative to it")
    common.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="no progress bars")
    return common


def _writer() -> argparse.ArgumentParser:
    writer = argparse.ArgumentParser(add_help=False)
    writer.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="if another build or ingest is writing this project, wait for it "
                             "up to SECONDS (default: exit at once, code 1)")
    return writer


def parser() -> argparse.ArgumentParser:
    # verbs take the common options too, but must not reset what was given before the verb
    common = _common(lambda value: argparse.SUPPRESS)
    writer = _writer()
    p = argparse.ArgumentParser(prog="broadsheet", description=__doc__.split("\n")[0],
                                parents=[_common(lambda value: value)])
    p.add_argument("--version", action="version", version=f"broadsheet {__version__}")
    sub = p.add_subparsers(dest="verb", metavar="VERB")

    s = sub.add_parser("all", parents=[common, writer], help="ingest, then build site and index")
    s.add_argument("--strict", action="store_true", help="stop at the first bad content file")
    s.set_defaults(func=cmd_all)

    s = sub.add_parser("ingest", parents=[common, writer], help="raw articles (.txt, .jsonl, .html) -> content/*.md")
    s.add_argument("paths", nargs="*", help="files or folders (default: raw_dir of the config)")
    s.add_argument("--content", metavar="DIR", help="content folder to write (default: config)")
    s.add_argument("--force", action="store_true",
                   help="overwrite content files that exist, and read every raw file again")
    s.add_argument("--verbose", action="store_true",
                   help="list each raw file skipped because its articles are in content/")
    s.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes for cleaning and detection (default: the CPUs, up to 4)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("build", parents=[common, writer], help="content/ -> site/ and the search index")
    s.add_argument("--content", metavar="DIR")
    s.add_argument("--out", metavar="DIR", help="site folder to write (default: config)")
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
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("index", parents=[common, writer], help="content/ -> the search index only")
    s.add_argument("--content", metavar="DIR")
    s.add_argument("--full", action="store_true", help="rebuild it all, not just what changed")
    s.add_argument("--drafts", action="store_true", help="index drafts too (as build --drafts)")
    s.set_defaults(func=cmd_index)

    s = sub.add_parser("search", parents=[common], help="search the index")
    s.add_argument("query", nargs="+")
    s.add_argument("--limit", type=_positive, default=10)
    s.add_argument("--page", type=_positive, default=1)
    s.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    s.add_argument("--json", action="store_true", help="print the results as JSON")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("serve", parents=[common], help="preview server with /api/search")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--out", metavar="DIR", help="site folder to serve (default: config)")
    s.add_argument("--watch", action="store_true",
                   help="rebuild when content, templates, static files or the config change, "
                        "and reload the open pages")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("new", parents=[common], help="create a content file for a new article")
    s.add_argument("title")
    s.add_argument("--tag", action="append", default=[], metavar="TAG", help="repeat for more")
    s.add_argument("--date", metavar="YYYY-MM-DD", type=_iso_date, help="default: today (UTC)")
    s.add_argument("--language", metavar="CODE", help="default: the site's language")
    s.add_argument("--source", metavar="TEXT")
    s.add_argument("--slug", metavar="SLUG", help="default: from the title")
    s.add_argument("--content", metavar="DIR")
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("check", parents=[common],
                       help="validate content/, the built site, its links and the index")
    s.add_argument("--content", metavar="DIR")
    s.add_argument("--out", metavar="DIR", help="site folder to check (default: config)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("explain", parents=[common], help="show how the cleaner reads raw files")
    s.add_argument("files", nargs="+")
    s.set_defaults(func=cmd_explain)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if not args.verb:
        args = parser().parse_args(["all", *argv])
    args.config_given = args.config is not None
    args.config = args.config or "site.yaml"
    config = None
    try:
        config = _config(args)
        if args.verb not in WRITERS:
            return args.func(args, config)
        with project_lock(config.state_dir, " ".join(["broadsheet", *argv]), wait=args.wait):
            return args.func(args, config)
    except BroadsheetError as exc:
        _warn(exc)
        if args.verb == "build" and getattr(args, "json", False):
            # a CI script reads stdout: a build that failed whole (a template, --strict, the
            # config, the lock) is one JSON object too, with nothing written
            from broadsheet.model import BuildResult
            _say(json.dumps(_build_summary(BuildResult(errors=[exc]), config, 0.0, 1),
                            ensure_ascii=False, indent=2, sort_keys=True))
        return 1
    except KeyboardInterrupt:
        _warn("interrupted")
        return 130
    except BrokenPipeError:  # `broadsheet search ... | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
