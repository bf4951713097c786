"""Cleaning on real pages: broadsheet against the floors, in one run.

    python bench/realpages_eval.py [--realpages ../shared/realpages] [--html] [--workdir DIR]

Ingests ../shared/realpages/texts (and, with --html, .../html) with the real CLI into a
temporary content folder, scores it with the set's own scorer (score.py --json), and scores
two floors written the same way: everything after the headline, and only the lines of 12
words or more; with --html, trafilatura alone (its defaults) on the HTML pages too. Prints precision, recall and F1 of the snippets, title and date accuracy, on
all pages, on the pages the line model was fitted on, and on the held-out ones (md5 of the
page's name starting with 0, 1 or 2; see bench/fit_cleaner.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def held_out(page: str) -> bool:
    return hashlib.md5(page.encode("utf-8")).hexdigest()[0] in "012"


def floor_content(texts: Path, out: Path, keep) -> Path:
    """A content folder in ingest's shape whose bodies are the lines keep() accepts."""
    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(sorted(texts.glob("*.txt"))):
        lines = path.read_text("utf-8", errors="replace").splitlines()
        title = lines[0] if lines else ""
        body = [ln.strip() for ln in lines[1:] if ln.strip() and keep(ln)]
        origin = json.dumps(path.name, ensure_ascii=False)
        (out / f"{i:04}.md").write_text(
            f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\norigin: {origin}\n---\n"
            + "\n\n".join(body) + "\n", encoding="utf-8")
    return out


def trafilatura_content(html: Path, out: Path) -> Path:
    """The floor for HTML pages: trafilatura alone, with its defaults, in ingest's shape."""
    import trafilatura

    out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(sorted(html.glob("*.html"))):
        text = trafilatura.extract(path.read_bytes()) or ""
        origin = json.dumps(path.name, ensure_ascii=False)
        body = "\n\n".join(ln.strip() for ln in text.splitlines() if ln.strip())
        (out / f"{i:04}.md").write_text(f"---\norigin: {origin}\n---\n{body}\n",
                                        encoding="utf-8")
    return out


def rows(content: Path, realpages: Path) -> list[dict]:
    out = subprocess.run([sys.executable, str(realpages / "score.py"), str(content), "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["rows"]


def figures(rows: list[dict], labels: dict) -> dict:
    tp = fn = fp = 0
    titles = dates = n_title = n_date = 0
    for row in rows:
        lab = labels[row["page"]]
        tp += len(lab["with"]) - len(row["missed"])
        fn += len(row["missed"])
        fp += len(row["leaked"])
        if "title_ok" in row:
            n_title += 1
            titles += row["title_ok"]
        if "date_ok" in row:
            n_date += 1
            dates += row["date_ok"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"pages": len(rows), "P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0,
            "title": titles / n_title if n_title else 0.0,
            "date": dates / n_date if n_date else 0.0}


def ingest(folder: Path, content: Path) -> None:
    subprocess.run([sys.executable, "-m", "broadsheet", "-q", "ingest", str(folder),
                    "--content", str(content)], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--realpages", type=Path, default=ROOT.parent / "shared" / "realpages")
    ap.add_argument("--html", action="store_true", help="also ingest the HTML pages")
    ap.add_argument("--workdir", type=Path, help="keep the content folders here")
    args = ap.parse_args(argv)
    rp = args.realpages.resolve()
    labels = {json.loads(l)["page"]: json.loads(l)
              for l in (rp / "labels.jsonl").read_text("utf-8").splitlines() if l.strip()}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="realpages-"))
    runs = {"everything after the headline": floor_content(rp / "texts", work / "all", bool),
            "lines of 12 words or more": floor_content(
                rp / "texts", work / "long", lambda ln: len(ln.split()) >= 12)}
    ingest(rp / "texts", work / "texts")
    runs["broadsheet on the texts"] = work / "texts"
    if args.html:
        runs["trafilatura alone on the HTML"] = trafilatura_content(rp / "html",
                                                                    work / "trafilatura")
        ingest(rp / "html", work / "html")
        runs["broadsheet on the HTML"] = work / "html"
    print(f"{'cleaner':32} {'part':8} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} "
          f"{'title':>6} {'date':>6}")
    for name, content in runs.items():
        scored = rows(content, rp)
        for part, keep in (("all", lambda r: True), ("fitted", lambda r: not held_out(r["page"])),
                           ("held-out", lambda r: held_out(r["page"]))):
            f = figures([r for r in scored if keep(r)], labels)
            print(f"{name:32} {part:8} {f['pages']:>5} {f['P']:6.3f} {f['R']:6.3f} "
                  f"{f['F1']:6.3f} {f['title']:6.3f} {f['date']:6.3f}")
    print("repeat with: python bench/realpages_eval.py" + (" --html" if args.html else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
