"""The line model: its file, its features, the region it reads an article as."""

import json
from importlib import resources

import numpy as np
import pytest

from broadsheet.ingest.clean import clean
from broadsheet.ingest.features import DESCRIBE, FEATURES, line_features
from broadsheet.ingest.linemodel import (DESCRIBE_CONTEXT, CONTEXT, from_dict, line_model,
                                         region)

PROSE = ("The council approved the harbour plan on Tuesday after a long debate, and the first "
         "works are due to start in the spring, the mayor told reporters at the town hall.")


def test_the_shipped_model_matches_the_features_and_says_what_it_was_fitted_on():
    data = json.loads(resources.files("broadsheet").joinpath("data/line_model.json")
                      .read_text(encoding="utf-8"))
    for kind in ("text", "html"):
        assert len(data["thresholds"][kind]) == 4
    assert "real pages" in data["fitted_on"]
    model = line_model()
    assert len(model.first.weights) == len(FEATURES)
    assert len(model.second.weights) == len(FEATURES) + len(CONTEXT)


def test_a_model_file_for_other_features_is_refused():
    data = json.loads(resources.files("broadsheet").joinpath("data/line_model.json")
                      .read_text(encoding="utf-8"))
    data["first"]["features"] = data["first"]["features"][:-1] + ["something_else"]
    with pytest.raises(ValueError, match="something_else"):
        from_dict(data)


def test_every_feature_has_words_for_explain():
    assert set(DESCRIBE) == set(FEATURES)
    assert set(DESCRIBE_CONTEXT) == set(CONTEXT)


def test_the_features_of_a_menu_line_and_a_paragraph_differ_as_expected():
    texts = ["Home", "News", "Sport", PROSE, PROSE, "Share"]
    x = line_features(texts, "Harbour plan approved", [False] * 6)
    words = FEATURES.index("log_words")
    ends = FEATURES.index("ends_sentence")
    assert x[3, words] > x[0, words] and x[3, ends] == 1 and x[0, ends] == 0
    assert x.shape == (6, len(FEATURES)) and np.isfinite(x).all()


def test_region_is_the_run_with_the_most_body_and_a_barrier_costs_its_toll():
    p = np.array([0.1, 0.9, 0.9, 0.2, 0.9, 0.1])
    live = np.ones(6, dtype=bool)
    weight = np.ones(6)
    assert region(p, live, weight, 0.5) == (1, 4)  # one weak line inside does not split it
    barrier = np.array([False, False, False, True, False, False])
    assert region(p, live, weight, 0.5, barrier, toll=5.0) == (1, 2)
    assert region(np.full(6, 0.1), live, weight, 0.5) == (-1, -1)


def test_cleaning_is_deterministic_and_scores_every_line():
    text = "Harbour plan approved\n\nHome\nNews\n\n" + PROSE + "\n\n" + PROSE + "\n\nShare\n"
    a, b = clean(text), clean(text)
    assert a == b
    assert all(0.0 <= ln.score <= 1.0 for ln in a.lines)
