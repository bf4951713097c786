"""The line model: a logistic regression over features.FEATURES, shipped as data.

data/line_model.json holds one weight per feature (by name), the means and scales the
features were standardised with, and the decision's thresholds. bench/fit_cleaner.py fits
it on labelled pages (see docs/guide/ingest.md, "How ingest cleans a page"); inference is a
dot product. The decision reads the page as one article region with furniture around it, and
sometimes inside it, as the labelled pages showed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from broadsheet.ingest.features import DESCRIBE, FEATURES, INDEX, best_run, window_sum


# The second stage reads the first stage's verdicts on the neighbours (as jusText's context
# pass does): a short line between two likely paragraphs is likelier body than the same line
# among menu items.
CONTEXT = ("first_p", "prev_p", "next_p", "window_p3", "window_p8", "run_p")
STAGE2 = FEATURES + CONTEXT
DESCRIBE_CONTEXT = {"first_p": "the line alone", "prev_p": "the line above",
                    "next_p": "the line below", "window_p3": "the lines near it",
                    "window_p8": "the lines around it", "run_p": "in a run of body"}


@dataclass(frozen=True)
class Stage:
    weights: np.ndarray  # per standardised feature
    mean: np.ndarray
    scale: np.ndarray

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Log-odds that each row is body text."""
        return ((x - self.mean) / self.scale) @ self.weights


@dataclass(frozen=True)
class LineModel:
    first: Stage  # over FEATURES
    second: Stage  # over STAGE2: the features and the first stage's context
    # per kind of input ("text": a page's visible text; "html": what trafilatura extracted
    # from a page, already mostly article), three probabilities: a line inside the article
    # region is body from `keep`; the region is the run where they sum highest above
    # `region`; a line outside it is body only from `outside`; the region pays `toll` to
    # cross a line a rule dropped as the end of an article
    thresholds: dict[str, tuple[float, float, float, float]]

    def contributions(self, row: np.ndarray) -> list[tuple[str, float]]:
        """Each feature's share of one line's second-stage log-odds, largest first."""
        parts = (row - self.second.mean) / self.second.scale * self.second.weights
        order = np.argsort(-np.abs(parts), kind="stable")
        words = {**DESCRIBE, **DESCRIBE_CONTEXT}
        return [(words[STAGE2[i]], float(parts[i])) for i in order if STAGE2[i] != "bias"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def context(p: np.ndarray, weight: np.ndarray, live: np.ndarray) -> np.ndarray:
    """The first stage's probabilities around each line (CONTEXT's columns), read over the
    live lines only: a line a rule dropped (a caption, a share button) has no vote."""
    n = len(p)
    c = np.zeros((n, len(CONTEXT)))
    c[:, 0] = p
    idx = np.flatnonzero(live)
    if len(idx):
        # the nearest live line before and after each line
        before = np.searchsorted(idx, np.arange(n), side="left") - 1
        after = np.searchsorted(idx, np.arange(n), side="right")
        has_before, has_after = before >= 0, after < len(idx)
        c[has_before, 1] = p[idx[before[has_before]]]
        c[has_after, 2] = p[idx[np.minimum(after, len(idx) - 1)][has_after]]
    w = weight * live
    wp = w * p
    for col, half in ((3, 3), (4, 8)):
        c[:, col] = window_sum(wp, half) / np.maximum(window_sum(w, half), 1e-9)
    start, end = region(p, live, weight, 0.5)
    if start >= 0:
        c[start:end + 1, 5] = 1.0
    return c


def stage2_input(model: LineModel, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    p1 = sigmoid(model.first.scores(x))
    return np.hstack([x, context(p1, weight, x[:, INDEX["ruled"]] == 0)])


def probabilities(model: LineModel, x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return sigmoid(model.second.scores(stage2_input(model, x, weight)))


def region(p: np.ndarray, live: np.ndarray, weight: np.ndarray, floor: float,
           barrier: np.ndarray | None = None, toll: float = 0.0) -> tuple[int, int]:
    """The article: the run of lines where sum(weight * (p - floor)) over live lines, less a
    toll at each barrier line, is largest (a maximum subarray). (-1, -1) when no line is above
    the floor."""
    gain = np.where(live, weight * (p - floor), 0.0)
    if barrier is not None and toll:
        gain = np.where(barrier, -toll, gain)
    return best_run(gain)


def decide(model: LineModel, p: np.ndarray, live: np.ndarray, weight: np.ndarray,
           kind: str = "text", barrier: np.ndarray | None = None
           ) -> tuple[np.ndarray, tuple[int, int]]:
    """Which lines are body: inside the region those the model keeps, outside it only those
    it is sure of. Lines a rule dropped (live False) stay dropped; those that mark the end of
    an article (barrier: a most-read list, share buttons, a comment count) cost the region a
    toll to cross."""
    keep_at, floor, outside, toll = model.thresholds[kind]
    start, end = region(p, live, weight, floor, barrier, toll)
    keep = np.zeros(len(p), dtype=bool)
    if start >= 0:
        inside = np.zeros(len(p), dtype=bool)
        inside[start:end + 1] = True
        keep = live & np.where(inside, p >= keep_at, p >= outside)
    return keep, (start, end)


def _stage(data: dict, names: tuple[str, ...]) -> Stage:
    if tuple(data["features"]) != names:
        differ = set(names) ^ set(data["features"])
        raise ValueError(f"line model does not match the features (differ: {sorted(differ)})")
    return Stage(*(np.array(data[k], dtype=np.float64) for k in ("weights", "mean", "scale")))


def from_dict(data: dict) -> LineModel:
    return LineModel(_stage(data["first"], FEATURES), _stage(data["second"], STAGE2),
                     {k: tuple(map(float, v)) for k, v in data["thresholds"].items()})


def to_dict(model: LineModel, note: str) -> dict:
    def stage(s: Stage, names) -> dict:
        return {"features": list(names), **{k: [round(float(v), 6) for v in getattr(s, k)]
                                             for k in ("weights", "mean", "scale")}}
    return {"first": stage(model.first, FEATURES), "second": stage(model.second, STAGE2),
            "thresholds": {k: list(v) for k, v in sorted(model.thresholds.items())},
            "fitted_on": note}


@cache
def line_model() -> LineModel:
    path = resources.files("broadsheet").joinpath("data/line_model.json")
    return from_dict(json.loads(path.read_text(encoding="utf-8")))
