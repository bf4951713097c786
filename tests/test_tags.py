"""Tag vocabulary: spellings merged, and the site owner's synonyms, renames and bans applied
at ingest and again at build."""


import json

import pytest

from broadsheet import frontmatter
from broadsheet.config import load_config
from broadsheet.ingest import detect
from broadsheet.tags import TagPolicy, policy_from_config
from conftest import run


def test_spellings_of_one_tag_are_one_page(project):
    content = project.parent / "content"
    for name, tags in (("a", "[Etats-Unis, irak]"), ("b", "[États-Unis, Irak]"), ("c", "[ÉTATS-UNIS]")):
        (content / f"{name}.md").write_text(f"---\ntitle: {name}\ntags: {tags}\n---\n\nx\n",
                                            encoding="utf-8")
    assert run(project, "build") == 0
    tags = project.parent / "site" / "tags"
    assert sorted(p.name for p in tags.glob("*.html")) == ["etats-unis.html", "index.html", "irak.html"]
    index = (tags / "index.html").read_text(encoding="utf-8")
    assert ">États-Unis</a> <span class=\"count\">(3)</span>" in index  # the accented form shows
    assert ">Irak</a> <span class=\"count\">(2)</span>" in index


def test_policy_maps_renames_and_bans():
    policy, problems = policy_from_config({
        "synonyms": {"État islamique": ["Daesh", "EI", "ISIS"]},
        "rename": {"Maison Blanche": "White House"},
        "ban": ["Photo"],
    })
    assert problems == []
    assert policy.apply(["daesh", "Maison Blanche", "photo", "Irak", "ISIS"]) == (
        "État islamique", "White House", "Irak")


def test_bad_tags_section_names_the_key(tmp_path):
    _, problems = policy_from_config({"synonym": {}, "ban": "x"})
    assert any("tags.synonym" in p for p in problems) and any("tags.ban" in p for p in problems)


def test_site_yaml_tags_apply_at_build_without_reingest(built):
    config_text = built.read_text(encoding="utf-8")
    built.write_text(config_text.replace("  rename: {}", "  rename: {Maison Blanche: White House}")
                     .replace("  ban: []", "  ban: [Irak]"), encoding="utf-8")
    content = next((built.parent / "content").glob("*.md"))
    before = content.read_bytes()
    assert run(built, "build") == 0
    assert content.read_bytes() == before  # content/ untouched: the policy applies at build
    tags = built.parent / "site" / "tags"
    assert (tags / "white-house.html").is_file()
    assert not (tags / "maison-blanche.html").exists() and not (tags / "irak.html").exists()


def test_site_yaml_tags_apply_at_ingest(project):
    text = project.read_text(encoding="utf-8").replace("  ban: []", "  ban: [Syrie]")
    project.write_text(text, encoding="utf-8")
    assert run(project, "ingest") == 0
    path = next((project.parent / "content").glob("*.md"))
    article = frontmatter.load(path.read_text(encoding="utf-8"), path)
    assert "Syrie" not in article.tags and "Irak" in article.tags
    assert load_config(project).tags != TagPolicy()


@pytest.mark.parametrize("language, sentence, name", [
    ("fr", "À Rennes, la grève continue.", "Rennes"),
    ("fr", "Au Mali, l'armée avance.", "Mali"),
    ("fr", "Aux Pays-Bas, on vote.", "Pays-Bas"),
    ("fr", "Dans Paris, la nuit tombe.", "Paris"),
    ("en", "In Berlin, talks resumed.", "Berlin"),
    ("en", "Across Europe, prices rose.", "Europe"),
    ("de", "Nach Paris fährt der Zug.", "Paris"),
    ("de", "Aus Bad Homburg kam die Meldung.", "Bad Homburg"),
    ("es", "En España llueve.", "España"),
    ("es", "Desde Sevilla llegan noticias.", "Sevilla"),
    ("it", "Dalla Sicilia arrivano notizie.", "Sicilia"),
    ("it", "A Roma piove.", "Roma"),
])
def test_the_preposition_opening_a_sentence_is_not_part_of_the_name(language, sentence, name):
    assert detect.tags("", [sentence, sentence], language) == [name]


def test_a_german_common_noun_after_a_preposition_is_still_no_tag():
    text = "Nach Angaben der Polizei kam es in Hamburg zu Staus."
    assert "Angaben" not in detect.tags("", [text, text], "de")


def test_no_tag_names_an_outlet_of_the_corpus_with_or_without_its_article():
    paragraphs = ["The Daily Meridian says Rennes is calm, and Rennes agrees.",
                  "El Faro del Sur, quoted by the Daily Meridian, saw Nantes and Nantes again."]
    found = detect.tags("Rennes - El Faro del Sur", paragraphs, "en",
                        {"The Daily Meridian", "El Faro del Sur"})
    assert found == ["Nantes", "Rennes"]  # not "Daily Meridian", nor "Faro" of El Faro del Sur
    assert "Faro" in detect.tags("Rennes", paragraphs, "en")  # what the outlets excluded


def test_a_name_made_like_an_outlet_s_is_no_tag_but_times_square_is():
    text = "Westfalen Kurier and the Harbour Gazette were at Times Square, by Times Square."
    assert detect.tags("", [text, text], "en") == ["Times Square"]


def test_ingest_tags_no_outlet_of_the_corpus(project):
    """The pipeline knows every outlet once the corpus is read: an article quoting another
    outlet of the corpus does not get it as a tag, nor a stated tag naming its own. A source
    read once (perhaps misread) or naming a place stays other articles' tag."""
    def line(title, source, text, **more):
        return json.dumps({"title": title, "source": source, "text": text, **more},
                          ensure_ascii=False)
    (project.parent / "raw" / "corpus.jsonl").write_text("\n".join([
        line("Grève à Rennes", "Le Courrier du Matin", "Les grévistes de Rennes défilent.",
             tags=["Rennes", "Le Courrier du Matin"]),
        line("Pluie sur Lorient", "Le Courrier du Matin", "La ville de Lorient est sous l'eau."),
        line("Brest et Quimper", "Nantes", "La ville de Nantes suit Brest. Et Nantes attend."),
        line("Le port de Brest", "La Voix du Plateau",
             "Selon Le Courrier du Matin, le port de Brest ferme. Le Courrier du Matin cite "
             "Brest, Nantes et Quimper. Brest attend, Quimper aussi, et Nantes aussi."),
    ]), encoding="utf-8")
    assert run(project, "ingest") == 0
    content = project.parent / "content"
    tags = {a.title: a.tags for a in (frontmatter.load(p.read_text(encoding="utf-8"), p)
                                      for p in content.glob("*.md"))}
    assert tags["Grève à Rennes"] == ("Rennes",)
    assert "Courrier" not in " ".join(tags["Le port de Brest"]), tags
    assert {"Brest", "Quimper", "Nantes"} <= set(tags["Le port de Brest"])
    assert "Nantes" not in tags["Brest et Quimper"]  # its own source, all the same


def test_corpus_outlets_are_sources_of_two_articles_that_name_no_known_place():
    assert detect.corpus_outlets(["Daily News", "DEUTSCHLAND", "Daily News", None, "France",
                                  "France", "daily news"]) == {"Daily News", "daily news"}
