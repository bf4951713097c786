"""The relevance set (bench/relevance): the right article first, served and static, held to
floors below what both engines measure (python bench/relevance.py --static)."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import relevance  # noqa: E402  (bench/relevance.py)

# share of queries with the right first result, MRR@10
FLOORS = {"served": (0.95, 0.95), "static": (0.85, 0.85)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return relevance.build(tmp_path_factory.mktemp("relevance"))


def test_the_set_is_the_size_it_says():
    qs = relevance.queries()
    kinds = {q["kind"] for q in qs}
    assert len(qs) >= 60 and all(sum(q["kind"] == k for q in qs) >= 8 for k in kinds)
    names = {p.stem for p in (relevance.SET / "content").glob("*.md")}
    assert {q["first"] for q in qs} <= names


def test_served_relevance(built):
    qs = relevance.queries()
    n, first, mrr = relevance.figures(qs, relevance.served(built, qs))["all"]
    assert first >= FLOORS["served"][0] and mrr >= FLOORS["served"][1], (first, mrr)


def test_static_relevance(driver, built):
    qs = relevance.queries()
    n, first, mrr = relevance.figures(qs, relevance.static(driver, built, qs))["all"]
    assert first >= FLOORS["static"][0] and mrr >= FLOORS["static"][1], (first, mrr)
