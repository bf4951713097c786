"""Index and static-export benchmark: how long the search index and the static search files
take at N articles, cold and after small changes, against Whoosh with its defaults.

    python bench/index_speed.py [--n 10000] [--workdir DIR] [--no-baseline] [--profile]

Generates the corpus (../shared/bench/gen_corpus.py, else bench/gen_content.py) unless
WORKDIR/content exists, loads it as `broadsheet build` does, then measures in one process:
- baseline: the same documents indexed by Whoosh with its defaults (StemmingAnalyzer on
  title and body, every field stored, one writer), as the issue's reference;
- ours: write_index() from nothing (the index and the static cache), then a full
  export_static(), then export_static() after editing 1 article and after adding 10
  (write_index() timed apart), with the number of files each export changes;
and checks that the incrementally patched folder is byte-identical to a full export.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_GEN = ROOT.parent / "shared" / "bench" / "gen_corpus.py"


def make_corpus(n: int, work: Path) -> None:
    out = work / "content"
    gen = SHARED_GEN if SHARED_GEN.is_file() else ROOT / "bench" / "gen_content.py"
    subprocess.run([sys.executable, str(gen), "--n", str(n), "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL)


def load_documents(work: Path) -> list:
    """The articles as search Documents, read here (front matter + text) so that the figures
    do not move with the build pipeline."""
    import yaml
    from broadsheet.publish import search
    docs = []
    for path in sorted((work / "content").glob("*.md")):
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        meta = yaml.safe_load(front) or {}
        tags = tuple(str(t) for t in meta.get("tags") or ())
        docs.append(search.Document(
            id=str(meta.get("id") or path.stem), url=f"articles/{path.stem}.html",
            title=str(meta.get("title", "")), body=" ".join(body.replace("#", " ").split()),
            tags=tags, tag_slugs=tuple(search.slugify(t) for t in tags),
            source=str(meta.get("source") or ""), language=str(meta.get("language") or ""),
            date=str(meta.get("date") or "")[:10]))
    return docs


def entry(doc):
    from broadsheet.publish import search
    return search.Entry(id=doc.id, hash=hashlib.sha256(repr(doc).encode()).hexdigest()[:16],
                        tags=doc.tags, tag_slugs=doc.tag_slugs, source=doc.source,
                        language=doc.language, document=lambda: doc)


def baseline(docs, where: Path) -> float:
    """Whoosh 2.7 with its defaults: StemmingAnalyzer, stored fields, one writer."""
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
    schema = Schema(id=ID(stored=True, unique=True), url=STORED, title=TEXT(
        stored=True, analyzer=StemmingAnalyzer()), body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        tags=KEYWORD(stored=True, commas=True), source=ID(stored=True), language=ID(stored=True),
        date=ID(stored=True))
    start = time.perf_counter()
    ix = index.create_in(str(where), schema)
    writer = ix.writer()
    for d in docs:
        writer.add_document(id=d.id, url=d.url, title=d.title, body=d.body,
                            tags=",".join(d.tags), source=d.source, language=d.language,
                            date=d.date)
    writer.commit()
    return time.perf_counter() - start


def apply(site: Path, export) -> None:
    for rel in export.removed:
        (site / rel).unlink()
    for rel, data in export.files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile the cold index + export")
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="broadsheet-index-"))
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "content").is_dir():
        make_corpus(args.n, work)
    articles = load_documents(work)
    from broadsheet.publish import search
    rows = [("articles", len(articles))]
    scratch = work / "bench-index"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    if not args.no_baseline:
        docs = articles
        (scratch / "whoosh-defaults").mkdir()
        base = baseline(docs, scratch / "whoosh-defaults")
        rows.append(("baseline: Whoosh defaults (stemming analyzer, stored body, 1 writer), s",
                     round(base, 2)))
    index_dir, site = scratch / "index", scratch / "site"
    entries = [entry(a) for a in articles]
    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    t = time.perf_counter()
    search.write_index(entries, index_dir)
    cold_index = time.perf_counter() - t
    t = time.perf_counter()
    export = search.export_static(index_dir, site / "search")
    cold_export = time.perf_counter() - t
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    apply(site, export)
    rows.append(("ours: index from nothing (Whoosh + static cache), s", round(cold_index, 2)))
    rows.append(("ours: full static export, s", round(cold_export, 2)))
    rows.append(("ours: index + export, s", round(cold_index + cold_export, 2)))
    if not args.no_baseline:
        rows.append(("speed-up of index + export over the baseline",
                     f"{base / (cold_index + cold_export):.2f}x"))
    files = list((site / "search").rglob("*.js"))
    rows.append(("static files / total MB / largest KB", f"{len(files)} / "
                 f"{sum(f.stat().st_size for f in files) / 1e6:.1f} / "
                 f"{max(f.stat().st_size for f in files) / 1e3:.1f}"))

    def step(name: str, articles_now) -> None:
        nonlocal articles
        articles = articles_now
        t = time.perf_counter()
        search.write_index([entry(a) for a in articles], index_dir)
        took_index = time.perf_counter() - t
        t = time.perf_counter()
        export = search.export_static(index_dir, site / "search")
        took = time.perf_counter() - t
        apply(site, export)
        rows.append((f"{name}: index update s / export s / files written+removed "
                     f"(full export: {export.full})",
                     f"{took_index:.2f} / {took:.3f} / {len(export.files)}+{len(export.removed)}"))

    a = articles[len(articles) // 2]
    step("edit 1 article (a sentence added)",
         [replace(x, body="Edited: a sentence added here. " + x.body) if x is a else x
          for x in articles])
    a = articles[len(articles) // 3]
    words = a.body.split(" ")
    step("edit 1 article (a word replaced)",
         [replace(x, body=" ".join(["Zanzibar", *words[1:]])) if x is a else x
          for x in articles])
    new = [replace(x, id=f"{x.id}-copy", url=x.url.replace(".html", "-copy.html"),
                   title=x.title + " (bis)")
           for x in articles[:10]]
    step("add 10 articles", articles + new)
    step("delete 10 articles", articles[:-10])
    full = scratch / "full"
    fresh = scratch / "fresh-index"
    search.write_index([entry(a) for a in articles], fresh)
    apply(full, search.export_static(fresh, full / "search"))
    same = tree_digest(full / "search") == tree_digest(site / "search")
    rows.append(("patched folder byte-identical to a full export of a fresh index", same))
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"\nrepeat with: python bench/index_speed.py --n {args.n}"
          + (f" --workdir {args.workdir}" if args.workdir else ""))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
