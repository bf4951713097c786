"""Fit the line model (broadsheet/data/line_model.json) on labelled pages.

    python bench/fit_cleaner.py [--realpages ../shared/realpages] [--write]

Training lines come from two labelled sets, neither shipped in the package:
- real pages (../shared/realpages: texts/<page>.txt with labels.jsonl): a line holding a
  snippet the clean body must contain is body, one holding a snippet it must not is furniture;
  other lines are unlabelled and left out. Pages whose md5(name) starts with 0, 1 or 2 (about
  3/16) are held out: never fitted on, scored apart;
- the invented labelled articles (bench/eval/articles, tests/fixtures/clean): each line is body
  when the label's body lists it, furniture otherwise. bench/eval/heldout stays held out.

The fit is a logistic regression with an L2 penalty by Newton's method (numpy, no random
state: the same data gives the same weights). The decision's three thresholds are then chosen
on the fitted pages' snippet F1. Prints the figures on the fitted and held-out pages and, with
--write, writes the model file.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadsheet.ingest.clean import apply_rules, page_features  # noqa: E402
from broadsheet.ingest.clean import region_weight  # noqa: E402
from broadsheet.ingest.linemodel import (STAGE2, LineModel, Stage, decide,  # noqa: E402
                                         probabilities, stage2_input, to_dict)
from broadsheet.ingest.parse import read_raw  # noqa: E402

MODEL = ROOT / "broadsheet" / "data" / "line_model.json"
INVENTED = [ROOT / "bench" / "eval" / "articles", ROOT / "tests" / "fixtures" / "clean"]
L2 = 1.0
INVENTED_WEIGHT = 3


def fold(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "", s)
    return re.sub(r"\s+", " ", s).strip()


def held_out(page: str) -> bool:
    return hashlib.md5(page.encode("utf-8")).hexdigest()[0] in "012"


@dataclass
class Page:
    name: str
    texts: list[str]
    x: np.ndarray
    live: np.ndarray
    y: np.ndarray  # 1 body, 0 furniture, -1 unlabelled
    weight: np.ndarray
    barrier: np.ndarray
    keep_with: list[str]  # snippets (real pages) or paragraphs (invented) the body must hold
    keep_without: list[str]


def _page(name: str, text: str, with_: list[str], without: list[str], whole: bool,
          extracted: bool = False) -> Page:
    state = apply_rules(text, extracted=extracted)
    x, live, barrier = page_features(state)
    # as structure() decides: a consent banner's lines are not the model's to keep
    live = live & ~np.array([ln.banner for ln in state.lines], dtype=bool)
    texts = [ln.text for ln in state.lines]
    folded = [fold(t) for t in texts]
    y = np.full(len(texts), -1)
    for i, t in enumerate(folded):
        if whole:
            y[i] = 1 if t in {fold(w) for w in with_} else 0
        elif any(fold(w) in t for w in with_):
            y[i] = 1
        elif any(fold(w) in t for w in without):
            y[i] = 0
    return Page(name, texts, x, live, y, region_weight(x), barrier, with_, without)


def real_pages(folder: Path, kind: str = "texts") -> list[Page]:
    """The labelled pages as plain text ("texts") or as trafilatura extracts them ("html")."""
    labels = [json.loads(l) for l in (folder / "labels.jsonl").read_text("utf-8").splitlines()
              if l.strip()]
    pages = []
    for lab in labels:
        try:
            raw = read_raw(folder / kind / f"{lab['page']}.{'txt' if kind == 'texts' else kind}")
        except Exception:  # a page trafilatura finds nothing in scores as missed, here too
            continue
        pages.append(_page(lab["page"], raw.text, lab["with"], lab["without"], False,
                           kind == "html"))
    return pages


def invented_pages() -> list[Page]:
    pages = []
    for folder in INVENTED:
        for raw in sorted(folder.glob("*.txt")):
            label = yaml.safe_load(raw.with_suffix(".yaml").read_text("utf-8"))
            pages.append(_page("invented/" + raw.stem, read_raw(raw).text, label["body"],
                               label.get("footer") or [], True))
    return pages


def fit(x: np.ndarray, y: np.ndarray) -> Stage:
    """L2-penalised logistic regression on standardised columns, by Newton's method."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0  # the bias column stays 1
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(z.shape[1])
    penalty = np.eye(len(w)) * L2
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty @ w
        hess = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Stage(w, mean, scale)


def labelled(pages: list[Page], matrix) -> tuple[np.ndarray, np.ndarray]:
    """The labelled live lines. An invented article's lines count INVENTED_WEIGHT times: its
    every line is labelled, but its outlets are few, and a real page has 7 labels."""
    xs, ys = [], []
    for page in pages:
        rows = (page.y >= 0) & page.live
        times = INVENTED_WEIGHT if page.name.startswith("invented/") else 1
        xs.extend([matrix(page)[rows]] * times)
        ys.extend([page.y[rows]] * times)
    return np.vstack(xs), np.concatenate(ys).astype(np.float64)


def fit_stages(pages: list[Page]) -> tuple[Stage, Stage]:
    """The first stage on the features; the second on them and the first one's context.
    (The second stage sees the first one's verdicts on its own training pages, a mild
    optimism the held-out figures keep honest.)"""
    x, y = labelled(pages, lambda p: p.x)
    first = fit(x, y)
    draft = LineModel(first, first, {})
    x2, y2 = labelled(pages, lambda p: stage2_input(draft, p.x, p.weight))
    print(f"fitted on {len(y)} labelled lines ({int(y.sum())} body) of {len(pages)} pages")
    return first, fit(x2, y2)


def score(pages: list[Page], model: LineModel, kind: str = "text", probs=None
          ) -> tuple[float, float, float]:
    """Snippet precision, recall, F1 pooled over pages, as ../shared/realpages/score.py."""
    tp = fn = fp = 0
    for n, page in enumerate(pages):
        p = probs[n] if probs is not None else probabilities(model, page.x, page.weight)
        keep, _ = decide(model, p, page.live, page.weight, kind, page.barrier)
        body = fold(" ".join(t for t, k in zip(page.texts, keep) if k))
        hits = sum(fold(w) in body for w in page.keep_with)
        tp, fn = tp + hits, fn + len(page.keep_with) - hits
        fp += sum(fold(w) in body for w in page.keep_without)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


GRID = ((0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5),        # keep
        (0.02, 0.1, 0.2, 0.3, 0.4, 0.5),              # region
        (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.01),  # outside
        (0.0, 1.0, 2.0, 4.0, 8.0, 16.0))              # toll


def thresholds(pages: list[Page], first: Stage, second: Stage, kind: str
               ) -> tuple[float, ...]:
    """The decision's thresholds with the best snippet F1 on these pages: each in turn over
    its grid, the others held (coordinate ascent, three rounds; ties keep the earlier)."""
    model = LineModel(first, second, {})
    probs = [probabilities(model, page.x, page.weight) for page in pages]
    best = [0.3, 0.3, 0.9, 0.0]
    for _ in range(3):
        for k, values in enumerate(GRID):
            scored = []
            for v in values:
                trial = tuple(best[:k] + [v] + best[k + 1:])
                m = LineModel(first, second, {kind: trial})
                scored.append((score(pages, m, kind, probs)[2], -values.index(v), v))
            best[k] = max(scored)[2]
    return tuple(best)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--realpages", type=Path, default=ROOT.parent / "shared" / "realpages")
    ap.add_argument("--write", action="store_true", help="write " + str(MODEL.relative_to(ROOT)))
    args = ap.parse_args(argv)
    real = real_pages(args.realpages, "texts")
    dev = [p for p in real if not held_out(p.name)]
    test = [p for p in real if held_out(p.name)]
    invented = invented_pages()
    html = real_pages(args.realpages, "html")
    html_dev = [p for p in html if not held_out(p.name)]
    first, second = fit_stages(dev + invented)
    model = LineModel(first, second, {
        "text": thresholds(dev + invented, first, second, "text"),
        "html": thresholds(html_dev, first, second, "html")})
    for name, pages, kind in (("fitted real pages", dev, "text"),
                              ("held-out real pages", test, "text"),
                              ("invented", invented, "text"),
                              ("fitted, HTML", html_dev, "html"),
                              ("held-out, HTML", [p for p in html if held_out(p.name)], "html")):
        p, r, f1 = score(pages, model, kind)
        print(f"{name:22} {len(pages):4} pages  P {p:.3f}  R {r:.3f}  F1 {f1:.3f}")
    print(f"thresholds (keep, region, outside): {model.thresholds}")
    for name, weight in sorted(zip(STAGE2, second.weights), key=lambda t: -abs(t[1]))[:12]:
        print(f"  {name:18} {weight:+.2f}")
    if args.write:
        note = f"{len(dev)} real pages, {len(invented)} invented articles"
        MODEL.write_text(json.dumps(to_dict(model, note), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL.relative_to(ROOT)}")
    print("repeat with: python bench/fit_cleaner.py" + (" --write" if args.write else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
