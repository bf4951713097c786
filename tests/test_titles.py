"""Metadata a reader can trust: the headline without the site's name, a source that is an
outlet's name (never a button, a heading or a consent line), the authors a byline names.
Every page here is invented, in the shape scrapers save real ones."""

import pytest

from broadsheet.config import load_config
from broadsheet.ingest import authors, outlets, titles
from broadsheet.ingest.parse import read_raw
from broadsheet.ingest.pipeline import clean_corpus, make_article

PROSE = ("Der Gemeinderat hat am Dienstagabend nach langer Debatte beschlossen, die alte "
         "Markthalle bis zum Sommer zu sanieren und danach wieder für Händler zu öffnen.")


def page(title, *lines):
    return title, [*lines, PROSE, PROSE + " Weiter."]


@pytest.mark.parametrize("title, lines, headline, site", [
    # the headline stands again as its own line above the text; the site's name in the menu
    page("Markthalle wird saniert – Elbtal Anzeiger", "Elbtal Anzeiger", "Politik",
         "Markthalle wird saniert") + ("Markthalle wird saniert", "Elbtal Anzeiger"),
    page("Bayside Courier | Ferry fares rise again", "Bayside Courier", "News",
         "Ferry fares rise again") + ("Ferry fares rise again", "Bayside Courier"),
    page("Nouveau pont sur la Brême - Actualités - La Gazette du Val", "Actualités",
         "Nouveau pont sur la Brême") + ("Nouveau pont sur la Brême", None),
    # the page writes the headline with its own quotes: the page's spelling wins
    page('Anwohner: "Wir wollen Ruhe" | Stadtblatt', "„Wir wollen Ruhe“",
         "Anwohner: „Wir wollen Ruhe“") + ("Anwohner: „Wir wollen Ruhe“", "Stadtblatt"),
])
def test_the_headline_the_page_shows(title, lines, headline, site):
    found = titles.headline(title, lines)
    assert (found.title, found.site) == (headline, site)


def test_a_title_with_its_own_dash_or_colon_stays_whole():
    # no line shows a part alone: nothing says a part is a site's name
    for title in ("Bundesliga: Dortmund - Gladbach endet torlos",
                  "Rugby (Fédérale 2) : le FC Vallon arrache la victoire",
                  "Wind farm approved – with conditions"):
        assert titles.headline(title, page(title, "Menu", "Sport")[1]).title == title


def test_a_kicker_shown_above_its_headline_stays():
    title, lines = page("Hohenweiler: Gemeinderat stoppt Windpark", "Startseite › Region",
                        "Hohenweiler", "Gemeinderat stoppt Windpark")
    assert titles.headline(title, lines).title == title


def test_a_place_before_a_colon_is_not_the_headline():
    title, lines = page("Brêmes : le moulin retrouve sa roue à aubes", "Accueil > Brêmes",
                        "Brêmes")
    assert titles.headline(title, lines).title == title


def test_the_site_name_in_the_footer_is_not_the_headline():
    title, lines = page("Die besten Herbstrezepte mit Kürbis | Kochwelt")
    lines += ["Impressum", "Kochwelt"]
    assert titles.headline(title, lines).title == title  # no evidence either way: whole


def test_known_site_names_and_domains_are_cut_without_lines():
    assert titles.headline("Ferry fares rise | harbourtimes.com", [PROSE]).title == \
        "Ferry fares rise"
    assert titles.headline("Ferry fares rise - The Harbour Times", [PROSE],
                           {"The Harbour Times"}) == titles.Headline("Ferry fares rise",
                                                                     "The Harbour Times")


def test_a_title_that_is_only_a_site_name_stays():
    assert titles.headline("harbourtimes.com", [PROSE], {"harbourtimes.com"}).title == \
        "harbourtimes.com"
    assert titles.headline("", []).title == ""


def test_a_name_several_titles_end_with_is_the_site():
    found = outlets.shared_ends(["Ferry fares rise - Harbour Times",
                                 "School budget cut - Harbour Times",
                                 "Valbourg : le tramway paralysé",
                                 "Valbourg : une panne géante"])
    assert found == {"Harbour Times"}  # a place before a colon opens a headline


@pytest.mark.parametrize("name", ["AcceptRead More", "Topics", "Privacy & Cookies: This site",
                                  "Read More", "We use cookies to improve your experience",
                                  "ShareTweet", "Home", "Datenschutz", "Newsletter"])
def test_furniture_is_never_a_source(name):
    assert not outlets.looks_like_name(name)


@pytest.mark.parametrize("name", ["RT en français", "Le Courrier du Soir", "Daily Mail",
                                  "mobilsicher.de", "La Gazzetta di Val Serena", "Sky News"])
def test_outlets_look_like_names(name):
    assert outlets.looks_like_name(name)


def test_url_names():
    assert outlets.url_names("https://www.chefkoch.de/rezepte/1") == ("chefkoch.de", "chefkoch")
    assert outlets.url_names("https://news.bbc.co.uk/x") == ("bbc.co.uk", "bbc")
    assert outlets.url_names(None) == ()


def ingest(tmp_path, files, **policies):
    raws = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        raws.append(read_raw(tmp_path / name))
    return [make_article(r, s, None, **policies) for r, s in zip(raws, clean_corpus(raws))]


def test_the_title_site_names_the_source_and_furniture_does_not(tmp_path):
    (a,) = ingest(tmp_path, {"a.txt": "Ferry fares rise - Harbour Times\n\nTopics\n"
                                      "Ferry fares rise\n" f"{PROSE}\n{PROSE}\nAcceptRead More\n"})
    assert (a.title, a.source) == ("Ferry fares rise", "Harbour Times")


def test_sources_synonyms_from_site_yaml(tmp_path):
    cfg = tmp_path / "site.yaml"
    cfg.write_text("sources:\n  synonyms:\n    The Harbour Times: [harbourtimes.com, "
                   "Harbour Times]\n", encoding="utf-8")
    policy = load_config(cfg).sources
    (a,) = ingest(tmp_path, {"a.txt": "Ferry fares rise - Harbour Times\n\nFerry fares rise\n"
                                      f"{PROSE}\n{PROSE}\n"}, source_policy=policy)
    assert a.source == "The Harbour Times"
    assert policy.apply("HarbourTimes.com") == "The Harbour Times"
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  synonyms: [x]\n", encoding="utf-8")
    with pytest.raises(Exception, match="sources.synonyms"):
        load_config(bad)


@pytest.mark.parametrize("line, names", [
    ("Par Jean Dupont", ("Jean Dupont",)),
    ("By Jane Smith and John Doe", ("Jane Smith", "John Doe")),
    ("Von Heike Buchter", ("Heike Buchter",)),
    ("Von: Heike Buchter", ("Heike Buchter",)),
    ("Veröffentlicht am 3. Mai 2020 von Tom Roe", ("Tom Roe",)),
    ("By Ana Ruiz | Published: 4 May 2021 | 3 comments", ("Ana Ruiz",)),
    ("Par Jean-Pierre de la Tour et Marie Roe", ("Jean-Pierre de la Tour", "Marie Roe")),
    ("Der Bericht von meinem Garten ist schön", ()),
    ("DIGITAL SEEDS", ()),
])
def test_bylines(line, names):
    assert authors.names(line) == names


def test_authors_reach_front_matter(tmp_path):
    one, two = ingest(tmp_path, {
        "a.txt": f"Markthalle wird saniert\n\nVon Heike Buchter\n{PROSE}\n{PROSE}\n",
        "b.txt": f"Ferry fares rise\n\nBy Jane Smith and John Doe\n{PROSE}\n{PROSE} Two.\n"})
    assert one.author == "Heike Buchter" and one.authors == ("Heike Buchter",)
    assert two.author == ("Jane Smith", "John Doe")
    assert two.front_matter()["author"] == ["Jane Smith", "John Doe"]


# --- web pages: the <h1> the declared titles vouch for --------------------------------------

def html_page(head, body_top, prose=PROSE):
    paragraphs = "".join(f"<p>{prose} {n}</p>" for n in ("Erstens.", "Zweitens.", "Drittens."))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
            f"<header><a href='/'>Elbtal Anzeiger</a><nav><a href='/p'>Politik</a> "
            f"<a href='/s'>Sport</a></nav></header><main><article>{body_top}{paragraphs}"
            f"</article></main><footer><p>© 2024 Elbtal Anzeiger</p></footer></body></html>")


def test_an_html_page_takes_its_h1_and_leaves_its_site_name(tmp_path):
    # og:title carries the site's name (og:site_name); the <h1> is the headline itself
    path = tmp_path / "a.html"
    path.write_text(html_page(
        "<title>Markthalle wird bis zum Sommer saniert | Elbtal Anzeiger</title>"
        "<meta property='og:title' content='Markthalle wird bis zum Sommer saniert | Elbtal "
        "Anzeiger'><meta property='og:site_name' content='Elbtal Anzeiger'>",
        "<h1>Markthalle wird bis zum Sommer saniert</h1>"), encoding="utf-8")
    raw = read_raw(path)
    assert raw.text.split("\n", 1)[0] == "Markthalle wird bis zum Sommer saniert"
    article = make_article(raw, clean_corpus([raw])[0], None)
    assert article.title == "Markthalle wird bis zum Sommer saniert"


@pytest.mark.parametrize("declared, headings, sites, expected", [
    # a kicker and its headline glued in one <h1>: the headline, which the og:title holds
    (["Klimaschutz: Bohren, bis es heiß wird"],
     [["KlimaschutzBohren, bis es heiß wird", "Klimaschutz", "Bohren, bis es heiß wird"]], (),
     "Bohren, bis es heiß wird"),
    # a blog's name in its <h1> (the <title>'s last piece, shorter than the rest) is not it
    (["Warum der Kompost im Winter ruht | Gartenblog"], [["Gartenblog"]], (), None),
    # the site's own heading ("Menu", the outlet's name) beside the article's <h1>
    (["Ferry fares rise again - Bayside Courier"],
     [["Bayside Courier"], ["Menu"], ["Ferry fares rise again"]], ["Bayside Courier"],
     "Ferry fares rise again"),
    # og:title is the teaser's; the page's only <h1> is the headline it shows
    (["Fähre wird teurer"], [["Neue Preise: Die Fähre nach Brême kostet ab Mai mehr"]], (),
     "Neue Preise: Die Fähre nach Brême kostet ab Mai mehr"),
    # a one-word <h1> unlike the titles tells nothing
    (["Fähre wird teurer"], [["Aktuelles"]], (), None),
])
def test_the_h1_the_declared_titles_vouch_for(declared, headings, sites, expected):
    assert titles.shown_headline(declared, headings, sites) == expected


def test_what_trafilatura_kept_is_not_searched_for_a_line_like_the_title():
    # the H1 is the title: a subheading of the text much like it is not the headline
    title = "Was ist eine Vorsatzschale und was bringt sie?"
    lines = ["Was ist eine Vorsatzschale?", PROSE, PROSE]
    assert titles.headline(title, lines).title == "Was ist eine Vorsatzschale?"
    assert titles.headline(title, lines, alike=False).title == title


# --- a scraped text: when no line shows the title -------------------------------------------

def test_the_heading_above_the_text_that_tells_the_same_story():
    # og:title is the teaser's; the page's H1 says it in other words, right above the byline
    title, lines = page("Fähre nach Brême wird ab Mai teurer", "Startseite", "Region",
                        "Neue Preise: Die Fähre nach Brême kostet ab Mai mehr", "Von Heike Roe",
                        "3. April 2024")
    assert titles.headline(title, lines).title == \
        "Neue Preise: Die Fähre nach Brême kostet ab Mai mehr"


def test_a_subheading_of_the_text_is_not_its_heading():
    title = "Fähre nach Brême wird ab Mai teurer – was Pendler jetzt wissen müssen"
    lines = ["Startseite", PROSE, "Was Pendler jetzt tun können", PROSE + " Ja."]
    assert titles.headline(title, lines).title == title


@pytest.mark.parametrize("furniture", [
    "Suivez Le Courrier du Val sur Facebook",  # a prompt naming the place: one word shared
    "Die Fähre am Anleger von Brême, ein Archivbild.",  # a photo's caption: a sentence
    # a caption whose credit follows its sentence: not a heading of the same story
    "Die Fähre nach Brême am Anleger im Mai. (Foto: dpa)",
    "Fähre, Brême, Preise, Mai",  # tags
])
def test_no_caption_prompt_or_tag_list_for_a_heading(furniture):
    title, lines = page("Fähre nach Brême wird ab Mai teurer", "Startseite", furniture)
    assert titles.headline(title, lines).title == title


def test_no_story_of_a_most_read_list_for_a_heading():
    title, lines = page("Fuite de chlore dans une usine au sud de Valbourg : 14 salariés "
                        "intoxiqués", "Les plus lus", "Fuite de chlore : ce que l’on sait de "
                        "l’usine", "Métro B : la ligne fermée tout le week-end")
    assert titles.headline(title, lines).title == title


def test_a_site_named_again_on_the_page_is_not_the_headline_even_heading_text():
    # a blog's name heads its blurb in the sidebar (and signs its footer): not the post's
    title = "Plejaden im Herbst - Abenteuer Sternenhimmel"
    lines = ["Abenteuer Sternenhimmel", "Startseite", "Plejaden im Herbst",
             "17. September 2019", PROSE, "Abenteuer Sternenhimmel",
             "Ein Blog über den Himmel", PROSE + " Weiter.", "© 2024 Abenteuer Sternenhimmel"]
    assert titles.headline(title, lines) == titles.Headline("Plejaden im Herbst",
                                                            "Abenteuer Sternenhimmel")
    # both ends named on the page: nothing tells which is the site's
    title = "Unbefriedigt | Deviante Wege"
    lines = ["Deviante Wege", "Menu", "Newsletter", "Über uns", "Impressum",
             "Home » Unbefriedigt", "Unbefriedigt", "8. Januar 2020 · von Aureliana", PROSE,
             PROSE + " Mehr.", "Copyright © 2020 Deviante Wege"]
    assert titles.headline(title, lines).title == "Unbefriedigt"


def test_a_colon_after_the_headline_opens_the_site_name_not_its_text():
    # "Headline : Site | Motto | Founded 2005": the piece before the colon is no kicker
    title = "Das schönste Video der Woche : Krimiblog | Ermittlungen zum Genre | Seit 2005"
    lines = ["Krimiblog", "Archiv", "Impressum", "Das schönste Video der Woche",
             "vom Krimiblogger", PROSE, PROSE + " Weiter."]
    assert titles.headline(title, lines).title == "Das schönste Video der Woche"


def test_a_read_more_line_is_never_the_headline():
    """A 'Read more:' line links another story: however much of the title's words it shares
    (here a payload both carry), it is not this page's headline."""
    payload = "<script>alert(1)</script> \"><img src=x onerror=\"alert(1)\">"
    title = f"Meridian page {payload} {{{{ 7*7 }}}}"
    lines = ["The ferry strike went into its second day on Monday, as crews stayed on the quay "
             "and the harbour office said no sailing would leave before the weekend.",
             f"Read more: Ferry talks {payload} resume",
             "The harbour master said the strike had already cost the port a week of trade."]
    assert titles.headline(title, lines).title == title


def test_a_title_of_thousands_of_pieces_is_kept_whole():
    """A scraped 'title' may be a breadcrumb of thousands of pieces: its runs of pieces grew as
    the square of their number (gigabytes for a few thousand); it stays as it is."""
    title = "word - " * 3000 + "end"
    lines = ["A line of the page that reads like the text itself, long enough to be prose."] * 3
    assert titles.headline(title, lines).title == title.strip()


def test_a_page_line_of_thousands_of_pieces_costs_no_more_than_its_length():
    """A menu glued into one line ('Home | News | … ' thousands of times) near the text: the
    runs of its pieces are bounded, so the title is still found, in linear space."""
    menu = " | ".join(["Home", "News", "Sport"] * 2000)
    prose = "The council approved the harbour plan on Tuesday after a long debate in the hall."
    found = titles.headline("Harbour plan approved | Bayside Courier",
                            [menu, "Harbour plan approved", prose, prose])
    assert found.title == "Harbour plan approved"


def test_a_subtitle_under_its_kicker_is_the_headline_and_the_rest_the_site():
    # "Kicker: Headline | Site", the page showing the kicker and the headline as two lines
    title, lines = page("Tanz in der Lokremise: Mit allen Wassern gewaschen | Tagblatt Ost",
                        "Tagblatt Ost", "Kultur", "Tanz in der Lokremise:",
                        "Mit allen Wassern gewaschen", "Von Anna Roe")
    found = titles.headline(title, lines)
    assert (found.title, found.site) == ("Tanz in der Lokremise: Mit allen Wassern gewaschen",
                                         "Tagblatt Ost")


def test_a_short_headline_beside_a_domain_is_the_headline():
    # the other end names the site by its domain: the short piece the page shows, even with
    # no prose right under it (a recipe's lines are short), is the headline
    title = "Maulwurfkuchen mit Erdbeeren - Rezept von Backschule.de"
    lines = ["Suche", "Rezepte", "Maulwurfkuchen mit Erdbeeren", "Maulwurfkuchen", "40",
             *["200 g Mehl", "100 g Zucker", "2 Eier", "Teilen", "Drucken"] * 6, PROSE]
    found = titles.headline(title, lines)
    assert (found.title, found.site) == ("Maulwurfkuchen mit Erdbeeren", "Rezept von Backschule.de")


def test_a_domain_is_never_the_headline_left_by_a_cut():
    # "domain | Section": the section the page names twice is not cut to leave the domain
    title, lines = page("stromfragen.de | Gaspreise", "Gaspreise", "Strompreise", "Gaspreise")
    assert titles.headline(title, lines).title == "Gaspreise"
