"""Score the cleaner against labelled articles.

    python bench/clean_eval.py [DIR ...]

Each DIR holds NAME.txt (a raw article) beside NAME.yaml (its labels: title, language,
source, agencies, related, date, body, footer). Default: bench/eval/articles,
tests/fixtures/clean, bench/eval/heldout and the seed (raw/, labelled in bench/eval/seed.yaml). All articles
are ingested together, as `broadsheet ingest` would, so corpus evidence plays its part.

Prints, per outlet and overall: body precision, recall and F1 over bags of lowercase words
(micro: summed over words; macro: averaged over articles), and the accuracy of title,
language, agencies (exact list), date, related headlines (share found), and the share of
articles where a footer line (consent, copyright, most read, paywall) leaked into the body.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadsheet.ingest.clean import body_paragraphs  # noqa: E402
from broadsheet.ingest.parse import read_raw  # noqa: E402
from broadsheet.ingest.pipeline import clean_corpus, make_article  # noqa: E402

DEFAULT_DIRS = [ROOT / "bench" / "eval" / "articles", ROOT / "tests" / "fixtures" / "clean",
                ROOT / "bench" / "eval" / "heldout"]
SEED = (ROOT / "raw" / "000_2858112e9b9562c5.txt", ROOT / "bench" / "eval" / "seed.yaml")
_WORD = re.compile(r"\w+")


def words(lines: list[str]) -> Counter:
    return Counter(w for line in lines for w in _WORD.findall(line.lower()))


@dataclass
class Score:
    articles: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    f1s: list = field(default_factory=list)
    precisions: list = field(default_factory=list)
    recalls: list = field(default_factory=list)
    title: int = 0
    language: int = 0
    agencies: int = 0
    date: int = 0
    source: int = 0
    related_found: int = 0
    related_total: int = 0
    leaked: int = 0

    def add(self, expected: dict, got: dict) -> None:
        e, g = words(expected["body"]), words(got["body"])
        tp = sum((e & g).values())
        fp, fn = sum(g.values()) - tp, sum(e.values()) - tp
        self.articles += 1
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn
        p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        self.precisions.append(p)
        self.recalls.append(r)
        self.f1s.append(_f1(p, r))
        self.title += got["title"] == expected["title"]
        self.language += got["language"] == expected["language"]
        self.agencies += got["agencies"] == (expected.get("agencies") or [])
        self.date += got["date"] == expected.get("date")
        self.source += got["source"] == expected.get("source")
        related = expected.get("related") or []
        self.related_total += len(related)
        self.related_found += sum(1 for h in related if h in got["related"])
        footer = set(expected.get("footer") or [])
        self.leaked += any(line in footer for line in got["body"])

    def row(self) -> dict:
        p, r = _ratio(self.tp, self.tp + self.fp), _ratio(self.tp, self.tp + self.fn)
        n = self.articles
        return {
            "articles": n, "P": p, "R": r, "F1": _f1(p, r),
            "macro P": _mean(self.precisions), "macro R": _mean(self.recalls),
            "macro F1": _mean(self.f1s), "title": self.title / n, "lang": self.language / n,
            "source": self.source / n, "agencies": self.agencies / n, "date": self.date / n,
            "related": _ratio(self.related_found, self.related_total, empty=1.0),
            "leaked": self.leaked / n,
        }


def _ratio(a, b, empty=1.0):
    return a / b if b else empty


def _f1(p, r):
    return 2 * p * r / (p + r) if p + r else 0.0


def _mean(values):
    return sum(values) / len(values) if values else 1.0


def cases(dirs: list[Path], with_seed: bool = True) -> list[tuple[Path, dict]]:
    found = []
    for d in dirs:
        for raw in sorted(d.glob("*.txt")):
            label = raw.with_suffix(".yaml")
            if label.exists():
                found.append((raw, yaml.safe_load(label.read_text(encoding="utf-8"))))
    if with_seed and SEED[1].exists():
        found.append((SEED[0], yaml.safe_load(SEED[1].read_text(encoding="utf-8"))))
    return found


def evaluate(pairs: list[tuple[Path, dict]]) -> tuple[dict[str, Score], list[str]]:
    """Scores per outlet and overall ('ALL'), and one line per article that is not perfect."""
    raws = [read_raw(path) for path, _ in pairs]
    states = clean_corpus(raws)
    scores: dict[str, Score] = defaultdict(Score)
    misses = []
    for (path, expected), raw, state in zip(pairs, raws, states):
        article = make_article(raw, state, None)
        got = {
            "title": article.title, "language": article.language, "source": article.source,
            "agencies": list(article.agencies), "related": list(article.related),
            "date": article.date.isoformat() if article.date else None,
            "body": body_paragraphs(state),
        }
        outlet = expected.get("source") or "(unnamed)"
        for key in (outlet, "ALL"):
            scores[key].add(expected, got)
        wrong = [k for k in ("title", "language", "source", "agencies", "date")
                 if got[k] != (expected.get(k) if k != "agencies" else expected.get(k) or [])]
        missing = [b for b in expected["body"] if b not in got["body"]]
        extra = [b for b in got["body"] if b not in expected["body"]]
        lost = [h for h in expected.get("related") or [] if h not in got["related"]]
        if wrong or missing or extra or lost:
            detail = "; ".join(
                [f"{k}: {got[k]!r} (expected {expected.get(k)!r})" for k in wrong]
                + [f"missing body: {b[:60]!r}" for b in missing]
                + [f"extra body: {b[:60]!r}" for b in extra]
                + [f"related not found: {h[:50]!r}" for h in lost])
            misses.append(f"{path.name}: {detail}")
    return dict(scores), misses


COLUMNS = ["articles", "P", "R", "F1", "macro F1", "title", "lang", "source", "agencies", "date",
           "related", "leaked"]


def table(scores: dict[str, Score]) -> str:
    names = sorted((k for k in scores if k != "ALL"), key=str.casefold) + ["ALL"]
    width = max(len(n) for n in names)
    lines = [f"{'outlet':<{width}} " + " ".join(f"{c:>8}" for c in COLUMNS)]
    for name in names:
        row = scores[name].row()
        cells = [f"{row[c]:>8}" if c == "articles" else f"{row[c]:>8.3f}" for c in COLUMNS]
        lines.append(f"{name:<{width}} " + " ".join(cells))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--misses", action="store_true", help="list every imperfect article")
    args = ap.parse_args(argv)
    pairs = cases(args.dirs or DEFAULT_DIRS, with_seed=not args.dirs)
    scores, misses = evaluate(pairs)
    print(table(scores))
    if args.misses:
        print("\n" + "\n".join(misses) if misses else "\nno misses")
    print(f"\n{len(pairs)} articles; repeat with: python bench/clean_eval.py"
          + (" " + " ".join(map(str, args.dirs)) if args.dirs else "") + " --misses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
