"""broadsheet: scraped news articles, cleaned into Markdown and published as a static site
you can search.

    broadsheet init PATH   start a new site in a new folder
    broadsheet all         ingest, then build the site and its search
    broadsheet ingest      raw/ (.txt, .html, .jsonl) -> clean articles in content/*.md
    broadsheet build       content/ -> site/ and its search index
    broadsheet index       content/ -> the search index only
    broadsheet search      search the articles from the terminal
    broadsheet serve       preview the site, with search, on http://127.0.0.1:8000/
    broadsheet new         start an article written by hand (a draft)
    broadsheet check       check content/, the built site, its links and the index
    broadsheet explain     show, line by line, what ingest keeps of a raw file and why

Every command but init works on the site.yaml in the current folder or the nearest folder
above it. (For developers: this module is the only place that prints or exits.)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from broadsheet import cliargs
from broadsheet.config import Config, load_config
from broadsheet.errors import BroadsheetError, Diagnostics
from broadsheet.fsutil import atomic_write
from broadsheet.lock import project_lock
from broadsheet.scaffold import find_config

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


def _warn(err: BaseException | str) -> None:
    # file names and YAML keys come from the web: control characters shown, not obeyed
    print(f"error: {_printable(_located(err))}", file=sys.stderr, flush=True)
    for other in getattr(err, "others", ()):  # a config's other problems, a line each
        _warn(other)


def show(problems: Diagnostics) -> None:
    """A stage's problems, the one way they are printed: errors (a file left out), then
    warnings (said; the exit code stays 0), a line each on stderr."""
    for err in problems.errors:
        _warn(err)
    for note in problems.warnings:
        _note(note)


def _note(warning: BaseException) -> None:
    print(f"warning: {_printable(_located(warning))}", file=sys.stderr, flush=True)


def _located(err: BaseException | str) -> str:
    """The one-line form of a problem, its path relative to the current folder where it is
    inside it (what a person types, and what an editor opens from a terminal)."""
    if isinstance(err, BroadsheetError) and err.path is not None:
        where = _rel(Path(err.path))
        return f"{where}:{err.line}: {err.message}" if err.line else f"{where}: {err.message}"
    return str(err)


def _matches(n: int) -> str:
    return f"{_plural(n, 'article')} {'matches' if n == 1 else 'match'}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


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
    show(report)
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
    show(result)
    if getattr(args, "changed_urls", None):
        atomic_write(Path(args.changed_urls),
                     "".join(f"{url}\n" for url in changed_urls(config, result.changed)))
    code = 1 if result.errors else 0
    if getattr(args, "json", False):
        _say(json.dumps(_build_summary(result, config, total, code), ensure_ascii=False,
                        indent=2, sort_keys=True))
        return code
    timing = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    _say(f"build: {_plural(result.articles, 'article')} -> {_rel(config.site_dir)}\n"
         f"  files     {result.written} written, {result.unchanged} unchanged, "
         f"{result.removed} removed\n"
         f"  problems  {_plural(len(result.errors), 'file')} with errors, "
         f"{_plural(len(result.warnings), 'warning')}"
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
    from broadsheet.publish.pipeline import load
    from broadsheet.publish.reuse import digests_of

    problems = Diagnostics()
    articles, files = load(config, problems, drafts=args.drafts)
    show(problems)
    report = index_articles(config, articles, digests_of(articles, files, dated=False),
                            _progress_factory(args.quiet), full=args.full)
    how = "rebuilt" if report.full else "updated"
    _say(f"index: {how}: {report.added} added, {report.updated} updated, {report.removed} "
         f"removed, {report.unchanged} unchanged -> {_rel(config.index_dir)}")
    return 1 if problems.errors else 0


def cmd_all(args, config: Config) -> int:
    args.paths, args.force, args.jobs, args.verbose = [], False, 0, False
    code = cmd_ingest(args, config)
    code = max(code, cmd_build(args, config))
    site = config.site_dir / "index.html"
    _say(f"\nThe site is in {_rel(config.site_dir)}/ (open {_rel(site)}).")
    _say(f"Preview it with search: {_command()} serve, then open http://127.0.0.1:8000/")
    return code


def _command() -> str:
    """How the reader runs broadsheet from here: its name where it is on the PATH, else its
    path (a virtual environment's bin/ that is not activated)."""
    import shutil

    here = Path(sys.executable).parent / "broadsheet"
    on_path = shutil.which("broadsheet")
    if on_path and (not here.exists() or Path(on_path).resolve() == here.resolve()):
        return "broadsheet"
    return _rel(here) if here.exists() else "broadsheet"


def cmd_search(args, config: Config) -> int:
    from broadsheet.publish.search import search

    data = search(config.index_dir, " ".join(args.query), limit=args.limit, page=args.page,
                  sort=args.sort)
    if args.json:
        _say(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    if not data["hits"] and data["total"]:
        _say(f"{_matches(data['total'])} {data['query']!r}; page {data['page']} is past "
             f"the last ({data['pages']})")
        return 0
    if not data["hits"]:
        _say(f"no articles match {data['query']!r}")
        if data.get("suggestion"):
            _say(f"did you mean: {_printable(data['suggestion'])}")
        return 0
    _say(f"{_matches(data['total'])} {data['query']!r} (page {data['page']} of {data['pages']})")
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

    live = LiveReload() if args.watch else None
    server = _listen(lambda port: make_server(config.site_dir, config.index_dir, args.host,
                                              port, live=live), args.host, args.port)
    watcher = None
    try:
        if live is not None:
            from broadsheet.parallel import default_jobs
            from broadsheet.watch import Watcher

            watcher = Watcher(config, lambda: _config(args), live.send, _report_rebuild,
                              jobs=default_jobs())
            # built first: a site missing, or older than its content, is brought up to date
            # (an incremental build: a second or so when nothing changed)
            watcher.rebuild([])
        if not (config.site_dir / "index.html").is_file():
            raise BroadsheetError("no site to serve: run `broadsheet build` first",
                                  config.site_dir)
        host, port = server.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        _say(f"Serving {_rel(config.site_dir)} at http://{host}:{port}/ (search at "
             "/api/search?q=); Ctrl-C stops.")
        if watcher is not None:
            _say("Watching content, templates, static files, the config and the theme: "
                 "pages reload after each rebuild (--no-watch: serve the site as it is).")
            watcher.start(build_now=False)  # built just above
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


DEFAULT_PORT = 8000


def _listen(make, host: str, asked: int | None):
    """make(port): the server on the port asked for; with none asked, on DEFAULT_PORT or,
    when that is in use, the next free one (said). A port asked for and in use is an error
    that names a free one."""
    from broadsheet.serve import next_free_port

    port = DEFAULT_PORT if asked is None else asked
    try:
        return make(port)
    except BroadsheetError as exc:
        free = next_free_port(host, port) if "in use" in exc.message else None
        if free is None:
            raise
        if asked is not None:
            raise BroadsheetError(f"{exc.message} (port {free} is free: --port {free}, or "
                                  "--port 0 for any free port)") from None
        _say(f"port {port} is in use: serving on port {free} instead")
        return make(free)


def _report_rebuild(outcome) -> None:
    """serve --watch: a line per rebuild, errors first (stderr), as `broadsheet build` does."""
    result = outcome.result
    if outcome.error is not None:
        _warn(_printable(str(outcome.error)))
        return
    show(result)
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
    _say(f"check: {_plural(articles, 'article')}, {_plural(len(problems), 'problem')}")
    return 1 if problems else 0


def cmd_new(args, config: Config) -> int:
    import datetime as dt

    from broadsheet.authoring import new_article, taken_names, write_new
    from broadsheet.publish.pipeline import content_as_it_is

    date = dt.date.fromisoformat(args.date) if args.date else (
        dt.datetime.now(dt.timezone.utc).date() if args.publish else None)
    article = new_article(args.title, today=date, language=args.language or config.language,
                          tags=tuple(args.tag), source=args.source, slug=args.slug,
                          draft=not args.publish)
    taken = taken_names(content_as_it_is(config)) if config.content_dir.is_dir() else {}
    path = write_new(config.content_dir, article, taken)
    if args.publish:
        _say(f"created {_rel(path)}: edit it, then `broadsheet build`")
    else:
        _say(f"created {_rel(path)}, a draft: edit it, then remove `draft: true` and add a "
             "`date:` to publish it (`broadsheet build --drafts` previews it)")
    return 0


def cmd_init(args) -> int:
    from broadsheet.scaffold import init

    folder = Path(args.path)
    init(folder, title=args.title, language=args.language)
    _say(f"created a site in {_rel(folder)}/. Next:\n"
         f"  cd {_rel(folder)}\n"
         f"  (copy your scraped articles into raw/: .txt, .html or .jsonl)\n"
         f"  broadsheet all      clean them into content/ and build the site\n"
         f"  broadsheet serve    preview it on http://127.0.0.1:8000/")
    return 0


def cmd_explain(args, config: Config) -> int:
    from broadsheet.ingest.parse import read_inputs

    failed = False
    for name in args.files:
        # every article of the file (a JSON Lines file holds many); a bad line or file is
        # its one error line, and the others are explained
        problems = Diagnostics()
        raws = read_inputs(Path(name), problems, config.max_input_bytes)
        show(problems)
        failed = failed or bool(problems.errors)
        for raw in raws:
            _explain(raw)
    return 1 if failed else 0


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

_site_root: list[Path] = []  # the folder of the site.yaml this command works on


def _rel(path: Path) -> str:
    """path as seen from the current folder where it is inside it, or inside the site that
    the current folder is in ("../site.yaml" from content/); else as given. Not resolved: a
    symlink is shown as the name the user knows (and a loop does not raise)."""
    full, here = Path(os.path.abspath(path)), Path.cwd()
    if full.is_relative_to(here):
        return str(full.relative_to(here))
    root = _site_root[0] if _site_root else None
    if root is not None and here.is_relative_to(root) and full.is_relative_to(root):
        return os.path.relpath(full, here)
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


COMMANDS = {"init": cmd_init, "all": cmd_all, "ingest": cmd_ingest, "build": cmd_build,
            "index": cmd_index, "search": cmd_search, "serve": cmd_serve, "new": cmd_new,
            "check": cmd_check, "explain": cmd_explain}


def parser():
    """The command line's parser (cliargs.py), with this module's verbs."""
    return cliargs.parser(COMMANDS, __doc__.split("\n\n")[0].replace("\n", " "))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    _site_root.clear()  # this command's, not a previous one's (tests call main() in turn)
    if not args.verb:
        parser().print_help()
        return 0
    config = None
    try:
        if args.verb == "init":
            return cmd_init(args)
        args.config_given = args.config is not None
        found = None if args.config_given else find_config(Path.cwd())
        if args.config_given or found:
            args.config = args.config or str(found)
        elif args.verb == "explain":  # cleaning a file needs no site
            args.config = "site.yaml"
        else:
            raise BroadsheetError("no site.yaml in this folder or any folder above it: "
                                  "start a site with `broadsheet init PATH`, or name one "
                                  "with --config")
        _site_root[:] = [Path(os.path.abspath(args.config)).parent]
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
