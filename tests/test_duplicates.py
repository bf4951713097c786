"""find_duplicates: exact and near-duplicate syndicated copies, grouped and ranked."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import pytest

from broadsheet.ingest.duplicates import Candidate, Group, find_duplicates

# ---- texts (invented) -------------------------------------------------------------------

FERRY_HEADLINE = "Ferry crews walk out as pay talks collapse"

FERRY_P1 = (
    "Crews on the ferries linking Port Ellery with the Marrow Islands stopped work on "
    "Tuesday morning after talks over pay and rest periods broke down late on Monday, "
    "leaving hundreds of passengers stranded on the quayside."
)
FERRY_P2 = (
    "The Seafarers' Union said its members had rejected a two-year offer from Ellery Line "
    "that would have raised wages by 3.5 per cent but lengthened rotations on the night "
    "crossings. \"Our members are exhausted, not greedy,\" said the union's regional "
    "secretary, Agnes Mallory, speaking outside the terminal building."
)
FERRY_P3 = (
    "Ellery Line said it regretted the action and that it had put on extra coaches to carry "
    "foot passengers to the airport at Dunmore, where a limited number of seats had been "
    "reserved on the evening flights. Freight lorries were being held in a holding area "
    "north of the town, the company added."
)
FERRY_P4 = (
    "Island councillors warned that shops on the smaller islands could run short of fresh "
    "food within days if the dispute dragged on. The last prolonged stoppage, in the winter "
    "of 2019, lasted eleven days and cost island businesses an estimated 4 million."
)
FERRY_P5 = (
    "No new talks had been scheduled by Tuesday afternoon. The union said the walkout would "
    "continue until Thursday at the earliest."
)

FERRY = "\n\n".join([FERRY_HEADLINE, FERRY_P1, FERRY_P2, FERRY_P3, FERRY_P4, FERRY_P5])

# The same agency story as re-published by another outlet: its own headline, one sentence
# added to the third paragraph.
FERRY_SYNDICATED = "\n\n".join(
    [
        "Islands cut off as ferry strike begins",
        FERRY_P1,
        FERRY_P2,
        FERRY_P3 + " A spokesman declined to say how many bookings had been cancelled.",
        FERRY_P4,
        FERRY_P5,
    ]
)

# A different story on the same dispute: same people, places and subject, its own words.
FERRY_FOLLOW_UP = """Ferry strike ends after overnight deal

The strike that halted ferry services between Port Ellery and the Marrow Islands ended on
Thursday after Ellery Line and the Seafarers' Union reached an agreement in the early hours.

Under the deal, crews on the night crossings will return to shorter rotations from next
month, and wages will rise by 4 per cent this year and a further 2 per cent in the next.
Agnes Mallory, who led the union side, called it "a fair settlement reached far too late".

The first sailing left the harbour at 10.15, carrying mainly freight for island shops whose
shelves had begun to empty. Ellery Line said a full timetable would resume by the weekend
and that passengers with cancelled tickets could claim refunds online."""

LIBRARY = """City library to open on Sundays from spring

Greywater's central library will open on Sundays for the first time in its history from
April, the city council announced on Wednesday, after a consultation in which more than
six thousand residents asked for longer weekend hours.

The library will open from eleven until four, staffed by a mix of existing employees on
overtime and eight new part-time posts. Councillor Imran Bose, who oversees culture and
leisure, said the extra hours would cost about 180,000 a year and would be paid for by
closing two little-used storage depots on the edge of the city.

The children's floor, the local history room and the public computers will all be
available on Sundays, though the lending desk for rare maps will stay closed. A review is
planned after the first year to decide whether to extend the hours to the branch libraries
in Holt Green and Saltings."""

# Three successive edits of one story: each shares >= 0.8 of its 5-shingles with the next,
# but the first and the last alone fall below the threshold.
BRIDGE_V1 = """Repairs to close Aldermoor bridge for six weeks

The Aldermoor road bridge will close to all traffic for six weeks from Monday while
engineers replace corroded bearings discovered during a routine inspection last autumn,
the county highways department said.

Drivers will be sent on a diversion of about nine miles through Kettleby and Stannard,
and the department has asked hauliers to plan routes in advance. Pedestrians and cyclists
will be able to use a temporary footway on the downstream side for most of the closure.

The bridge, which carries around fourteen thousand vehicles a day, was last fully
refurbished in 1998. Engineers said the bearings had worn faster than expected because of
the rise in heavy goods traffic since the opening of the distribution park at Stannard.

Businesses in Aldermoor's market square said they feared a drop in trade during the
closure, which overlaps with the town's spring fair. The highways department said it would
put up signs on the main approach roads telling visitors that the town centre remained
open and reachable from the south."""

BRIDGE_V2 = BRIDGE_V1.replace(
    "for most of the closure.",
    "for most of the closure. Buses serving the hospital will run every twenty minutes "
    "from a temporary stop outside the fire station on Mill Lane, the operator confirmed.",
)

BRIDGE_V3 = BRIDGE_V2.replace(
    "the county highways department said.",
    "the county highways department said. The work was originally planned for the summer "
    "holidays but was brought forward after a second inspection found the damage had spread "
    "to a supporting beam.",
)


# ---- helpers ---------------------------------------------------------------------------


def jaccard(a: str, b: str) -> float:
    """Exact Jaccard of word 5-shingle sets, computed independently of the module."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        w = re.findall(r"\w+", text.casefold())
        return {tuple(w[i : i + 5]) for i in range(len(w) - 4)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def cand(key: str, text: str, in_content: bool = False, date: str = "") -> Candidate:
    return Candidate(key=key, text=text, rank=(0 if in_content else 1, date, key))


def as_sets(groups: list[Group]) -> set[frozenset[str]]:
    return {frozenset((g.keep, *g.others)) for g in groups}


# ---- tests -----------------------------------------------------------------------------


def test_empty_input():
    assert find_duplicates([]) == []


def test_distinct_stories_give_no_groups():
    assert find_duplicates([cand("ferry", FERRY), cand("library", LIBRARY)]) == []


def test_exact_duplicates_differ_in_whitespace_case_and_punctuation():
    mangled = re.sub(r"\s+", "   \n ", FERRY.upper()).replace(",", " ,").replace('"', "“")
    assert mangled != FERRY
    groups = find_duplicates(
        [cand("a.txt", FERRY), cand("b.txt", mangled), cand("c.txt", LIBRARY)]
    )
    assert groups == [Group(keep="a.txt", others=("b.txt",), exact=True)]


def test_near_duplicate_with_new_headline_and_added_sentence_is_grouped():
    j = jaccard(FERRY, FERRY_SYNDICATED)
    assert 0.8 <= j < 1.0, j  # the premise: a near, not exact, copy
    groups = find_duplicates([cand("agency.txt", FERRY), cand("outlet.txt", FERRY_SYNDICATED)])
    assert groups == [Group(keep="agency.txt", others=("outlet.txt",), exact=False)]


def test_threshold_is_the_jaccard_cut_off():
    j = jaccard(FERRY, FERRY_SYNDICATED)
    pair = [cand("agency.txt", FERRY), cand("outlet.txt", FERRY_SYNDICATED)]
    assert find_duplicates(pair, threshold=min(1.0, j + 0.02)) == []
    assert len(find_duplicates(pair, threshold=j - 0.02)) == 1


def test_same_topic_different_story_is_not_grouped():
    # Shared names and subject, but few shared five-word runs.
    assert jaccard(FERRY, FERRY_FOLLOW_UP) < 0.1
    groups = find_duplicates(
        [
            cand("strike.txt", FERRY),
            cand("deal.txt", FERRY_FOLLOW_UP),
            cand("strike-copy.txt", FERRY_SYNDICATED),
        ]
    )
    assert as_sets(groups) == {frozenset({"strike.txt", "strike-copy.txt"})}


def test_grouping_is_transitive():
    assert jaccard(BRIDGE_V1, BRIDGE_V2) >= 0.8
    assert jaccard(BRIDGE_V2, BRIDGE_V3) >= 0.8
    assert jaccard(BRIDGE_V1, BRIDGE_V3) < 0.8  # would not match on its own
    assert find_duplicates([cand("v1", BRIDGE_V1), cand("v3", BRIDGE_V3)]) == []
    groups = find_duplicates(
        [cand("v1", BRIDGE_V1), cand("v2", BRIDGE_V2), cand("v3", BRIDGE_V3), cand("x", LIBRARY)]
    )
    assert groups == [Group(keep="v1", others=("v2", "v3"), exact=False)]


def test_exact_and_near_copies_join_one_group_not_marked_exact():
    groups = find_duplicates(
        [
            cand("a", FERRY),
            cand("b", FERRY.lower()),
            cand("c", FERRY_SYNDICATED),
        ]
    )
    assert groups == [Group(keep="a", others=("b", "c"), exact=False)]


def test_article_already_in_content_is_kept_over_new_ones():
    groups = find_duplicates(
        [
            # earliest date and smallest key, but not yet published
            cand("0001.txt", FERRY, date="2024-03-01"),
            cand("zz-published", FERRY_SYNDICATED, in_content=True, date="2024-03-05"),
            cand("0002.txt", FERRY.lower(), date="2024-03-02"),
        ]
    )
    assert groups == [Group(keep="zz-published", others=("0001.txt", "0002.txt"), exact=False)]


def test_rank_orders_new_articles_then_key_breaks_ties():
    by_date = find_duplicates(
        [cand("a", FERRY, date="2024-03-09"), cand("b", FERRY, date="2024-03-01")]
    )
    assert by_date[0].keep == "b"
    tie = [Candidate("b", FERRY, (1,)), Candidate("a", FERRY, (1,))]
    assert find_duplicates(tie)[0].keep == "a"


def test_groups_sorted_by_keep():
    groups = find_duplicates(
        [
            cand("m-bridge", BRIDGE_V1),
            cand("n-bridge", BRIDGE_V2),
            cand("b-ferry", FERRY),
            cand("c-ferry", FERRY_SYNDICATED),
            cand("a-library", LIBRARY),
            cand("z-library", LIBRARY),
        ]
    )
    assert [g.keep for g in groups] == ["a-library", "b-ferry", "m-bridge"]


def _corpus() -> list[Candidate]:
    return [
        cand("ferry-1", FERRY, date="2024-03-01"),
        cand("ferry-2", FERRY_SYNDICATED, date="2024-03-01"),
        cand("ferry-3", FERRY.upper(), in_content=True, date="2024-03-02"),
        cand("deal", FERRY_FOLLOW_UP),
        cand("library-1", LIBRARY),
        cand("library-2", "  " + LIBRARY.replace("\n", " ") + "  "),
        cand("bridge-1", BRIDGE_V1),
        cand("bridge-2", BRIDGE_V2),
        cand("bridge-3", BRIDGE_V3),
        cand("short-1", "Markets closed higher on Friday."),
        cand("short-2", "MARKETS closed higher on Friday"),
    ]


def test_result_does_not_depend_on_input_order():
    corpus = _corpus()
    expected = find_duplicates(corpus)
    assert len(expected) == 4
    rng = random.Random(20240301)
    for _ in range(20):
        shuffled = corpus[:]
        rng.shuffle(shuffled)
        assert find_duplicates(shuffled) == expected


@pytest.mark.slow
def test_result_does_not_depend_on_python_hash_seed():
    # str hashes (and so set iteration order) change between processes; results must not.
    code = (
        "import json, sys\n"
        "from broadsheet.ingest.duplicates import Candidate, find_duplicates\n"
        "cands = [Candidate(k, t, tuple(r)) for k, t, r in json.load(sys.stdin)]\n"
        "print(json.dumps([[g.keep, list(g.others), g.exact] for g in find_duplicates(cands)]))\n"
    )
    corpus = json.dumps([[c.key, c.text, list(c.rank)] for c in _corpus()])
    outputs = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=corpus,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    here = [[g.keep, list(g.others), g.exact] for g in find_duplicates(_corpus())]
    assert json.loads(outputs.pop()) == here


def test_short_texts_match_only_exactly():
    short = "Markets closed higher on Friday after a late rally in mining shares."
    assert len(short.split()) < 20
    groups = find_duplicates(
        [
            cand("s1", short),
            cand("s2", short.replace("Friday", "Thursday")),  # one word differs
            cand("s3", short.upper() + "  "),
        ],
        threshold=0.1,  # even a lax threshold does not apply to short texts
    )
    assert groups == [Group(keep="s1", others=("s3",), exact=True)]


def test_short_text_is_not_matched_to_a_long_one_containing_it():
    lead = " ".join(FERRY.split()[:15])  # a teaser: the story's opening words only
    assert jaccard(FERRY, lead) > 0.01
    assert find_duplicates([cand("long", FERRY), cand("lead", lead)], threshold=0.01) == []


def test_texts_without_words_are_never_grouped():
    assert find_duplicates([cand("e1", ""), cand("e2", "   \n"), cand("e3", "— … —")]) == []


def test_invalid_arguments():
    with pytest.raises(ValueError):
        find_duplicates([cand("a", FERRY), cand("a", LIBRARY)])
    for bad in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError):
            find_duplicates([cand("a", FERRY)], threshold=bad)


def test_planted_near_duplicates_are_all_found_among_many_documents():
    # LSH is probabilistic; with its banding chosen for recall, every planted copy at
    # Jaccard ~0.85 must still be found, and no unrelated pair confirmed.
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(5000)]
    texts = {f"doc{i:04d}": rng.choices(vocab, k=300) for i in range(1500)}
    planted = set()
    for i in range(0, 1500, 10):
        words = texts[f"doc{i:04d}"][:]
        at = rng.randrange(1, 290)
        words[at:at] = rng.choices(vocab, k=20)  # one inserted sentence
        texts[f"copy{i:04d}"] = words
        planted.add(frozenset({f"doc{i:04d}", f"copy{i:04d}"}))
    groups = find_duplicates([Candidate(k, " ".join(w), (k,)) for k, w in texts.items()])
    assert as_sets(groups) == planted
    assert all(g.keep.startswith("copy") and not g.exact for g in groups)


def test_the_process_pool_finds_the_same_groups():
    """Texts prepared on two processes (past PARALLEL_FROM of them) group as on one."""
    base = ("The harbour council voted on Tuesday to rebuild the old fish market as homes, "
            "a square and a covered hall for the Saturday traders, after a long debate ")
    texts = [base + f"about plan number {i} and its cost of {i * 7} million." for i in range(150)]
    texts += [t.upper() for t in texts[:60]] + [f"Unrelated short text {i}." for i in range(60)]
    cands = [Candidate(f"k{i:03}", t, (i,)) for i, t in enumerate(texts)]
    one, two = find_duplicates(cands, jobs=1), find_duplicates(cands, jobs=2)
    assert one == two and len(one) >= 60


def test_a_memo_prepares_each_text_once_and_changes_no_group(monkeypatch):
    """Ingest compares the bodies twice (after each cleaning): a text the memo holds is not
    prepared again, a changed one is, and the groups are those found without a memo."""
    from broadsheet.ingest import duplicates

    cands = [Candidate("a", FERRY, (0,)), Candidate("b", FERRY_SYNDICATED, (1,)),
             Candidate("c", LIBRARY, (2,))]
    prepared = []
    real = duplicates._prepare
    monkeypatch.setattr(duplicates, "_prepare", lambda t: prepared.append(t) or real(t))
    memo: dict = {}
    first = find_duplicates(cands, memo=memo)
    assert len(prepared) == 3 and len(memo) == 3
    changed = [cands[0], cands[1], Candidate("c", LIBRARY + " One more line.", (2,))]
    second = find_duplicates(changed, memo=memo)
    assert prepared[3:] == [LIBRARY + " One more line."]
    assert first == second == find_duplicates(cands)
