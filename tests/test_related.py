"""Related articles: shared tags weighted by rarity, then date proximity; deterministic; each
article meets a bounded number of others (linear in the corpus)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from broadsheet.model import Article, sort_key
from broadsheet.publish import related as R
from broadsheet.publish.state import cached_related


def art(slug: str, day: int | None, *tags: str) -> Article:
    date = dt.date(2024, 1, 1) + dt.timedelta(days=day) if day is not None else None
    return Article(title=slug, slug=slug, date=date, tags=tags)


def ordered(*articles: Article) -> list[Article]:
    return sorted(articles, key=sort_key)


def slugs(table, slug):
    return [a.slug for a in table[slug]]


def test_a_rare_shared_tag_beats_a_common_one():
    common = [art(f"c{i}", 100 + i, "Politique") for i in range(30)]
    corpus = ordered(art("me", 50, "Politique", "Mombasa"), art("rare", 300, "Mombasa"),
                     art("near", 51, "Politique"), *common)
    table = R.related(corpus)
    assert slugs(table, "me")[0] == "rare"  # far in time, but the rare tag says more
    assert slugs(table, "me")[1] == "near"  # then the common tag, nearest date first
    assert "me" not in slugs(table, "me")


def test_more_shared_tags_then_nearer_dates_then_slug():
    corpus = ordered(art("me", 10, "A", "B"), art("both", 90, "A", "B"), art("a-near", 11, "A"),
                     art("a-far", 80, "A"), art("b-tie-1", 20, "B"), art("b-tie-2", 0, "B"),
                     art("undated", None, "A"))
    table = R.related(corpus, count=6)
    # B is on 4 articles, A on 5: B weighs more; equal gaps (10 days) go by slug
    assert slugs(table, "me") == ["both", "b-tie-1", "b-tie-2", "a-near", "a-far", "undated"]
    # same weights and the same gap: the slug decides, so the order never depends on the disk
    corpus = ordered(art("me", 10, "B"), art("y", 20, "B"), art("x", 0, "B"))
    assert slugs(R.related(corpus), "me") == ["x", "y"]


def test_result_does_not_depend_on_input_order():
    arts = [art(f"a{i:03d}", i % 37, f"t{i % 5}", f"u{i % 7}") for i in range(200)]
    one = {k: slugs(R.related(ordered(*arts)), k) for k in ("a000", "a123")}
    two = {k: slugs(R.related(ordered(*reversed(arts))), k) for k in ("a000", "a123")}
    assert one == two


def test_work_is_bounded_per_article(monkeypatch):
    """A tag on every article: each meets only its WINDOW neighbours in time on each side."""
    monkeypatch.setattr(R, "WINDOW", 3)
    corpus = ordered(*[art(f"a{i:03d}", i, "Everywhere") for i in range(100)])
    table = R.related(corpus, count=10)
    assert sorted(slugs(table, "a050")) == ["a047", "a048", "a049", "a051", "a052", "a053"]


def test_no_shared_tag_no_related():
    table = R.related(ordered(art("a", 1, "X"), art("b", 2, "Y"), art("c", 3)))
    assert table == {"a": [], "b": [], "c": []}


def test_cached_lists_are_reused_until_a_tag_or_date_changes(tmp_path, monkeypatch):
    arts = [art(f"a{i:02d}", i, f"t{i % 3}") for i in range(20)]
    first = cached_related(tmp_path, "code")(ordered(*arts))
    assert {k: [a.slug for a in v] for k, v in first.items()} == \
        {k: [a.slug for a in v] for k, v in R.related(ordered(*arts)).items()}
    calls = []
    real = R.related
    monkeypatch.setattr(R, "related", lambda o, **kw: calls.append(1) or real(o, **kw))
    edited = [replace(a, body="changed") for a in arts]  # bodies only
    again = cached_related(tmp_path, "code")(ordered(*edited))
    assert calls == [] and again["a05"][0].body == "changed"  # today's articles, not stored ones
    arts[3] = art("a03", 3, "t1")  # a tag changed (it was t0)
    cached_related(tmp_path, "code")(ordered(*arts))
    assert calls == [1]
