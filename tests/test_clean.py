"""The cleaner against labelled articles: the seed, and fixtures written for this project
(tests/fixtures/clean: fictional articles from invented outlets, fr/en/de/es)."""


import pytest
import yaml

from broadsheet.ingest.clean import agencies_of, body_paragraphs, clean, parse_date
from broadsheet.ingest.parse import read_raw
from broadsheet.ingest.pipeline import clean_corpus, make_article
from conftest import FIXTURES, SEED

CASES = sorted((FIXTURES / "clean").glob("*.txt"))


@pytest.fixture(scope="module")
def corpus():
    """All fixture articles cleaned together, as ingest does (corpus evidence included)."""
    raws = [read_raw(p) for p in CASES]
    return {p.stem: (raw, state) for p, raw, state in zip(CASES, raws, clean_corpus(raws))}


@pytest.mark.parametrize("case", [p.stem for p in CASES])
def test_fixture_article(case, corpus):
    expected = yaml.safe_load((FIXTURES / "clean" / f"{case}.yaml").read_text(encoding="utf-8"))
    raw, state = corpus[case]
    article = make_article(raw, state, None)
    assert body_paragraphs(state) == expected["body"]
    assert article.title == expected["title"]
    assert article.language == expected["language"]
    assert article.source == expected["source"]
    assert list(article.agencies) == expected["agencies"]
    assert list(article.related) == expected["related"]
    assert (article.date.isoformat() if article.date else None) == expected["date"]


def test_fixture_set_is_varied():
    langs = {yaml.safe_load(p.with_suffix(".yaml").read_text())["language"] for p in CASES}
    assert len(CASES) >= 10 and {"fr", "en"} <= langs


def test_seed_is_taken_apart():
    state = clean(SEED.read_text(encoding="utf-8"))
    body = body_paragraphs(state)
    assert len(body) == 8
    assert body[0].startswith("Le porte-Parole de la Maison Blanche")
    assert body[-1].startswith("Depuis 2003")
    text = "\n".join(body)
    for leftover in ("cookies", "Suivez RT", "En savoir plus", "Tout Accepter", "Raconter",
                     "Source: Reuters", "Avec AFP"):
        assert leftover not in text
    assert "OK" not in body and "Ashton Carter" not in body
    assert agencies_of(state) == ("AFP",)
    assert len(state.related) == 3 and state.related[0].startswith("La Russie et les Etats-Unis")
    assert "RT en français" in state.sources


def test_seed_metadata():
    raw = read_raw(SEED)
    (state,) = clean_corpus([raw])
    article = make_article(raw, state, None)
    assert article.language == "fr" and article.source == "RT en français"
    # accents restored and Daesh/EI/Etat islamique one tag, by data/entities.yaml
    assert article.tags == ("Irak", "État islamique", "États-Unis", "Syrie", "Ashton Carter",
                            "Maison Blanche")
    assert article.date is None  # the seed states no date, and none is invented


def drops(text: str) -> dict[str, str | None]:
    return {ln.text: ln.drop for ln in clean(text).lines}


PROSE = ("The minister said on Tuesday that the plan would be debated in parliament before "
         "the end of the month, after weeks of delay.")


@pytest.mark.parametrize("line, rule", [
    ("Follow The Daily Post onX", "follow-us"),
    ("Retrouvez-nous sur Facebook", "follow-us"),
    ("Read more: Parliament votes on budget", "read-more"),
    ("LIRE AUSSI : Le budget voté", "read-more"),
    ("Accept allReject all", "buttons"),
    ("FacebookTwitterEmail", "buttons"),
    ("We use cookies to improve your experience. By clicking Accept all you consent.", "consent"),
    ("Sign up for our newsletter", "prompt"),
    ("© 2020 The Daily Post. All rights reserved.", "copyright"),
    ("Photo: John Doe / Reuters", "photo-caption"),
    ("By Jane Smith", "byline"),
    ("With Reuters", "agency-credit"),
    ("Published 3 June 2021", "date"),
])
def test_each_kind_of_leftover_goes(line, rule):
    text = f"Headline of the story\n\n{line}\n\n{PROSE}\n\n{PROSE} Again.\n"
    assert drops(text)[line] == rule
    assert drops(text)[PROSE] is None


def test_an_article_about_cookies_keeps_its_sentences():
    about = ("Regulators said the cookie banners used by many websites were designed to push "
             "people into accepting tracking, and announced an inquiry.")
    text = f"Cookie banners under scrutiny\n\n{PROSE}\n\n{about}\n\n{PROSE} More.\n"
    assert drops(text)[about] is None


def test_short_line_inside_the_body_stays():
    text = f"Title here\n\n{PROSE}\n\nWhat happens next\n\n{PROSE} More.\n\nThe talks resume on Monday.\n"
    d = drops(text)
    assert d["What happens next"] is None and d["The talks resume on Monday."] is None


def test_a_list_the_last_sentence_announces_stays():
    items = ["- 12 people were injured, three of them seriously",
             "- the line between Lyon and Grenoble is closed", "- an investigation has been opened"]
    text = f"Train crash\n\n{PROSE}\n\nHere is what we know so far:\n\n" + "\n".join(items) + "\n"
    d = drops(text)
    assert d["Here is what we know so far:"] is None and all(d[i] is None for i in items)
    # without a lead-in, or with one item only, a list after the body is still the page's
    d = drops(f"Title\n\n{PROSE}\n\n" + "\n".join(items) + "\n")
    assert all(d[i] in ("tail", "furniture") for i in items)
    d = drops(f"Title\n\n{PROSE}\n\nHere is the one thing we know:\n\n{items[0]}\n")
    assert d[items[0]] in ("tail", "furniture")


def test_lines_repeated_across_a_source_are_boilerplate(tmp_path):
    files = []
    for i in range(3):
        p = tmp_path / f"a{i}.txt"
        p.write_text(f"Story number {i} headline\n\n{PROSE} Item {i}.\n\n{PROSE} Detail {i}.\n\n"
                     "Follow Harbour Gazette on Twitter\n\nHarbour Gazette proudly local since 1901.\n",
                     encoding="utf-8")
        files.append(read_raw(p))
    slogan = "Harbour Gazette proudly local since 1901."
    for state in clean_corpus(files):
        assert {ln.text: ln.drop for ln in state.lines}[slogan] == "repeated-in-source"
    # alone, one article gives no corpus evidence: the line model judges the slogan by its
    # shape and place (a short line naming the outlet after the last paragraph)
    (single,) = clean_corpus(files[:1])
    assert {ln.text: ln.drop for ln in single.lines}[slogan] in ("tail", "furniture")


@pytest.mark.parametrize("text, iso", [
    ("Publié le 12 mars 2019 à 14h05", "2019-03-12"),
    ("Published November 14, 2020 at 6:30 p.m.", "2020-11-14"),
    ("Veröffentlicht am 04.05.2020, 16:42 Uhr", "2020-05-04"),
    ("Publicado el 7 de octubre de 2022", "2022-10-07"),
    ("2021-02-30", None),
])
def test_dates(text, iso):
    d = parse_date(text)
    assert (d.isoformat() if d else None) == iso


def test_outlet_suffix_leaves_the_headline(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text(f"Grève à Lyon - Le Courrier du Soir\n\nRetrouvez Le Courrier du Soir sur Facebook\n\n"
                 f"{PROSE}\n\n{PROSE} Encore.\n", encoding="utf-8")
    raw = read_raw(p)
    (state,) = clean_corpus([raw])
    article = make_article(raw, state, None)
    assert article.source == "Le Courrier du Soir" and article.title == "Grève à Lyon"


@pytest.mark.parametrize("line, rule", [
    ("Tags : Politique, Europe", "prompt"),
    ("Trending on The Daily Post", "most-read"),
])
def test_more_leftovers(line, rule):
    text = f"Headline of the story\n\n{PROSE}\n\n{PROSE} Again.\n\n{line}\n"
    assert drops(text)[line] == rule


def test_author_note_at_the_end_goes():
    note = "Jane Roe is our energy correspondent."
    text = f"Headline of the story\n\n{PROSE}\n\n{PROSE} Again.\n\n{PROSE} More.\n\n{note}\n"
    assert drops(text)[note] == "byline"


def test_a_share_row_or_a_banner_ends_the_article_for_lists_and_closing_sentences():
    """What follows a share row or a cookie banner is not the article's announced list nor
    its closing sentence: those are read only up to a line that ends an article."""
    body = f"Harbour plan\n\n{PROSE}\n\n{PROSE} More.\n\n{PROSE} Again.\n\n"
    items = ["- Sport and results", "- Weather and tides", "- Jobs and classifieds"]
    d = drops(body + "Share\n\nExplore more sections of our website here:\n\n" + "\n".join(items))
    assert all(d[i] is not None for i in items), d
    banner = ("We use cookies. By clicking Accept all you consent to our cookie policy and "
              "privacy policy.")
    d = drops(body + f"{banner}\n\nSign in to manage your account today.\n\n"
              "Contact the newsroom at any time.\n")
    assert d["Sign in to manage your account today."] is not None
    assert d["Contact the newsroom at any time."] is not None


def test_what_comes_before_the_first_paragraph_is_head_not_furniture():
    d = drops(f"Harbour plan\n\nHome\n\nNews\n\nA caption above it\n\n{PROSE}\n\n{PROSE} More.\n")
    assert d["A caption above it"] == "head" and d["Home"] == "head"
