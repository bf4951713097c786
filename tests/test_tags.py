"""Tag vocabulary: spellings merged, and the site owner's synonyms, renames and bans applied
at ingest and again at build."""


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
