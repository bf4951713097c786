"""The theme speaks the site's language: catalogues (every theme string, translated, with its
placeholders), plurals, dates and numbers by Babel, the page's language, a site's own
strings (site.yaml `strings:`), rebuilds when any of it changes, and the small things of
issue 18 (search hint, facet order, 404 from disk, tag index by letter, related headlines)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import REPO, run, tree

from broadsheet.config import load_config
from broadsheet.errors import ConfigError
from broadsheet.frontmatter import dump
from broadsheet.i18n import (LOCALE_DIR, SCRIPT_STRINGS, SHIPPED, STRINGS, _split, catalogue,
                             placeholders, theme_language)
from broadsheet.model import Article, Page
from broadsheet.publish.plan import JUMP_MIN, by_letter, plan, related_links
from broadsheet.publish.render import THEME, Theme, make_env, render, site_context
from broadsheet.publish.search.searching import _count_facets

MARCH_3 = dt.date(2024, 3, 3)


# ---- catalogues --------------------------------------------------------------------------------

def _catalog(language: str):
    with open(LOCALE_DIR / f"{language}.po", "rb") as f:
        return read_po(f, locale=language)


@pytest.mark.parametrize("language", SHIPPED)
def test_each_catalogue_has_every_theme_string_translated_with_its_placeholders(language):
    catalog = _catalog(language)
    found = {}
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        key = (message.context, message.id[0] if message.pluralizable else message.id)
        found[key] = message
    wanted = {(_split(k)[0], _split(k)[1]): k for k in STRINGS}
    assert found.keys() == wanted.keys()
    for (context, msgid), message in found.items():
        key = wanted[(context, msgid)]
        assert f"{key}" in message.auto_comments, (language, msgid)  # its key, for overrides
        _, singular, plural = _split(key)
        allowed = placeholders(singular) | placeholders(plural or "")
        texts = list(message.string) if message.pluralizable else [message.string]
        assert len(texts) == (catalog.num_plurals if plural else 1)
        for text in texts:
            assert text.strip(), (language, msgid)
            assert placeholders(text) <= allowed, (language, msgid, text)
            text % {n: "" for n in allowed}  # no lone %
        if language != "en":
            # the count and the query are in every plural form, the other values in every text
            assert placeholders(texts[-1]) == allowed, (language, msgid)


def _template_messages() -> set[tuple[str | None, str]]:
    """Every string the theme's templates translate, found by Jinja's own extractor."""
    env = make_env(THEME / "templates")
    out = set()
    for path in sorted((THEME / "templates").iterdir()):
        for _line, function, message in env.extract_translations(path.read_text(encoding="utf-8")):
            # a call's arguments, None for what is not a constant string
            args = message if isinstance(message, tuple) else (message,)
            out.add((args[0], args[1]) if function == "pgettext" else (None, args[0]))
    return out


def test_the_keys_are_the_strings_the_theme_uses():
    used = _template_messages()
    keys = {(_split(k)[0], _split(k)[1]) for k in STRINGS}
    assert used - keys == set(), "a template string with no key in i18n.STRINGS"
    script = {(_split(k)[0], _split(k)[1]) for k in SCRIPT_STRINGS}
    assert keys - used - script == set(), "a key no template nor search.js uses"


def test_search_js_speaks_english_only_as_the_catalogue_does():
    """search.js's English fallback is the English catalogue's, and it shows no other text of
    its own: every word it writes comes from t() / tt()."""
    source = (THEME / "static" / "search.js").read_text(encoding="utf-8")
    block = re.search(r"var ENGLISH = (\{.*?\n  \});", source, re.S).group(1)
    english = json.loads(subprocess.run(["node", "-e", f"console.log(JSON.stringify({block}))"],
                                        capture_output=True, text=True, check=True).stdout)
    assert english == catalogue("en").script_strings()["strings"]
    # the page's own literals: element names, ids, classes, keys, punctuation; no words
    page = re.sub(r"//.*", "", source[source.index("// ---- the page ----"):])
    literals = set(re.findall(r'"((?:[^"\\]|\\.)*)"', page))
    assert {x for x in literals if re.search(r"[A-Z]|[a-z]+ [a-z]", x)} == set()
    assert {x for x in literals if "_" in x or x in STRINGS} <= set(SCRIPT_STRINGS)


def test_the_docs_list_every_key():
    docs = (REPO / "docs" / "guide" / "language.md").read_text(encoding="utf-8")
    assert [k for k in STRINGS if f"`{k}`" not in docs] == []
    assert all(f"`{code}`" in docs for code in SHIPPED)


# ---- plurals, dates, numbers -------------------------------------------------------------------

@pytest.mark.parametrize("language, counts", [
    ("en", {0: "0 articles match.", 1: "1 article matches.", 2: "2 articles match."}),
    ("fr", {0: "0 article correspond.", 1: "1 article correspond.",
            2: "2 articles correspondent.", 1_000_000: "1\u202f000\u202f000 articles correspondent."}),
    ("de", {1: "1 Artikel passt.", 2: "2 Artikel passen."}),
    ("es", {1: "1 artículo coincide.", 3: "3 artículos coinciden."}),
    ("it", {1: "1 articolo corrisponde.", 5: "5 articoli corrispondono."}),
])
def test_plurals(language, counts):
    env = make_env(THEME / "templates", catalogue(language))
    template = env.from_string('{{ ngettext("%(num)s article matches.", "%(num)s articles match.", n) }}')
    for n, text in counts.items():
        assert template.render(n=n) == text


def test_reading_time_and_words_are_plural_in_each_language():
    assert catalogue("en").ngettext("%(num)s word", "%(num)s words", 1) == "%(num)s word"
    fr = make_env(THEME / "templates", catalogue("fr")).from_string(
        '{{ ngettext("%(num)s word", "%(num)s words", w) }} · '
        '{{ ngettext("%(num)s min read", "%(num)s min read", w | minutes) }}')
    assert fr.render(w=373) == "373 mots · 2 min de lecture"
    assert fr.render(w=1) == "1 mot · 1 min de lecture"


@pytest.mark.parametrize("language, text", [
    ("fr", "3 mars 2024"), ("de", "3. März 2024"), ("en", "March 3, 2024"),
    ("es", "3 de marzo de 2024"), ("it", "3 marzo 2024"),
    ("pt", "3 de março de 2024"),  # no catalogue, but CLDR writes its dates
    ("en-GB", "3 March 2024"), ("xx", "March 3, 2024"),
])
def test_dates_for_the_language(language, text):
    assert catalogue(language).date(MARCH_3) == text


def test_a_zoned_time_is_shown_on_its_own_day_and_time_elements_keep_iso():
    late = dt.datetime(2024, 3, 3, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert catalogue("fr").date(late) == "3 mars 2024"  # not the 4th, as in UTC
    env = make_env(THEME / "templates", catalogue("fr"))
    html = env.from_string('{% from "_macros.html" import byline %}{{ byline(a) }}').render(
        a=Article(title="t", slug="t", date=MARCH_3, author=("Anne", "Paul"), agencies=("AFP",)))
    assert '<time datetime="2024-03-03">3 mars 2024</time>' in html
    assert "par Anne et Paul" in html and "avec AFP" in html


def test_numbers_months_and_lists():
    fr, en, de = catalogue("fr"), catalogue("en"), catalogue("de")
    assert fr.number(1234) == "1\u202f234" and en.number(1234) == "1,234" and de.number(1234) == "1.234"
    assert fr.month("2024-03") == "mars 2024" and de.month("2024-03") == "März 2024"
    assert en.month("2024-03") == "March 2024"
    assert fr.join(["A", "B", "C"]) == "A, B et C"


def test_the_language_of_a_code():
    assert theme_language("fr-CA") == "fr" and theme_language("EN_gb") == "en"
    assert theme_language("pt") is None and theme_language(None) is None
    assert catalogue("fr-CA").gettext("Latest articles") == "Derniers articles"
    pt = catalogue("pt")  # English words under Portuguese plural rules
    assert pt.gettext("Latest articles") == "Latest articles"
    assert pt.ngettext("%(num)s word", "%(num)s words", 2) == "%(num)s words"


# ---- a site's own strings ----------------------------------------------------------------------

def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_strings_override_the_catalogue(tmp_path):
    config = load_config(_config(tmp_path, (
        "language: fr\nstrings:\n  latest_articles: À la une\n"
        "  words: {one: '%(num)s mot écrit', other: '%(num)s mots écrits'}\n"
        "  minutes: '≈ %(num)s min'\n")))
    cat = catalogue(config.language, config.strings)
    assert cat.gettext("Latest articles") == "À la une"
    assert cat.gettext("Related headlines") == "Titres associés"  # the rest as shipped
    assert cat.ngettext("%(num)s word", "%(num)s words", 1) == "%(num)s mot écrit"
    assert cat.ngettext("%(num)s word", "%(num)s words", 7) == "%(num)s mots écrits"
    assert cat.ngettext("%(num)s min read", "%(num)s min read", 3) == "≈ %(num)s min"
    env = make_env(THEME / "templates", cat)
    assert env.from_string('{{ _("Latest articles") }}').render() == "À la une"


def test_an_override_is_text_not_html(tmp_path):
    config = load_config(_config(tmp_path, 'strings:\n  latest_articles: "<b>News</b> & more"\n'))
    env = make_env(THEME / "templates", catalogue(config.language, config.strings))
    assert env.from_string('{{ _("Latest articles") }}').render() == "&lt;b&gt;News&lt;/b&gt; &amp; more"


@pytest.mark.parametrize("yaml_text, message", [
    ("strings:\n  latest_article: x\n",
     "unknown key 'strings.latest_article' (did you mean 'latest_articles'? the keys are "
     "listed in docs/guide/language.md)"),
    ("strings:\n  by: 'par %(name)s'\n",
     "'strings.by' uses %(name)s, which the theme does not give it (it gives: %(names)s)"),
    ("strings:\n  latest_articles: '100% news'\n",
     "'strings.latest_articles' has a lone '%' (write %% for a percent sign)"),
    ("strings:\n  words: {single: x, other: y}\n",
     "'strings.words' must map plural categories (zero, one, two, few, many, other) to texts, "
     "'other' among them (not single)"),
    ("strings:\n  words: {one: x}\n", "'strings.words' must map plural categories"),
    ("strings:\n  home: [a, b]\n", "'strings.home' must be a string"),
    ("strings: [a]\n", "'strings' must map a theme string's key to its text"),
])
def test_a_wrong_string_is_one_clear_line(tmp_path, yaml_text, message):
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, yaml_text))
    text = str(err.value)
    assert message in text and "\n" not in text


# ---- pages ------------------------------------------------------------------------------------

def _article(i: int, **changes) -> Article:
    fields = dict(title=f"Titre numéro {i}", slug=f"article-{i:02d}", date=MARCH_3, language="fr",
                  source="Le Quotidien", tags=("Syrie",), body="Un texte en français.\n",
                  id=f"id{i:02d}", words=4)
    fields.update(changes)
    return Article(**fields)


def _put(config: Path, a: Article) -> None:
    (config.parent / "content" / f"{a.slug}.md").write_text(dump(a), encoding="utf-8")


def _set_yaml(config: Path, key: str, value: str) -> None:
    text = config.read_text(encoding="utf-8")
    text = re.sub(rf"(?m)^{key}:.*\n", "", text)
    config.write_text(text + f"{key}: {value}\n", encoding="utf-8")


def test_an_article_page_takes_the_articles_language_when_a_catalogue_has_it(built):
    _put(built, _article(1, language="en", slug="in-english", title="In English"))
    _put(built, _article(2, language="pt", slug="em-portugues", title="Em português"))
    _put(built, _article(3, language="de-AT", slug="auf-deutsch", title="Auf Deutsch"))
    assert run(built, "build") == 0
    site = built.parent / "site"
    english = (site / "articles" / "in-english.html").read_text(encoding="utf-8")
    assert "Related headlines" not in english and "4 words · 1 min read" in english
    assert "March 3, 2024" in english and '<html lang="en">' in english
    portuguese = (site / "articles" / "em-portugues.html").read_text(encoding="utf-8")
    assert "4 mots · 1 min de lecture" in portuguese and "3 mars 2024" in portuguese
    german = (site / "articles" / "auf-deutsch.html").read_text(encoding="utf-8")
    assert "4 Wörter · 1 Min. Lesezeit" in german and "3. März 2024" in german
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<h1>Derniers articles</h1>" in home and "Latest articles" not in home


def test_a_change_of_language_or_strings_renders_the_pages_again(built):
    site = built.parent / "site"
    assert "<h1>Derniers articles</h1>" in (site / "index.html").read_text(encoding="utf-8")
    _set_yaml(built, "language", "de")
    assert run(built, "build") == 0
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<h1>Neueste Artikel</h1>" in home and '<html lang="de">' in home
    article = next((site / "articles").glob("*.html")).read_text(encoding="utf-8")
    assert "Verwandte Schlagzeilen" not in article  # the article is French: its page too
    assert "Titres associés" in article
    _set_yaml(built, "strings", "{latest_articles: Schlagzeilen}")
    assert run(built, "build") == 0
    assert "<h1>Schlagzeilen</h1>" in (site / "index.html").read_text(encoding="utf-8")
    _set_yaml(built, "strings", "{}")
    _set_yaml(built, "language", "fr")
    assert run(built, "build") == 0
    assert "<h1>Derniers articles</h1>" in (site / "index.html").read_text(encoding="utf-8")


def test_rebuilds_in_several_languages_are_byte_identical(built, tmp_path):
    for i, language in enumerate(["en", "de", "es", "it", "fr"]):
        _put(built, _article(i, language=language, slug=f"a-{language}",
                             related=("Titre numéro 4",), author=("Anne", "Paul")))
    assert run(built, "build") == 0
    first = tree(built.parent / "site")
    assert run(built, "build", "--full") == 0
    assert tree(built.parent / "site") == first
    other = tmp_path / "copy"
    for name in ("content", "templates", "static"):
        shutil.copytree(built.parent / name, other / name)
    shutil.copy(built, other / "site.yaml")
    assert run(other / "site.yaml", "build") == 0
    assert tree(other / "site") == first


def test_a_related_headline_that_is_an_article_of_the_site_links_to_it():
    one = _article(1, title="Le port rouvre ses portes", related=(
        "LE PORT  rouvre ses portes", "Un titre d'ailleurs", "La gare est fermée"))
    two = _article(2, title="La gare est fermée", slug="la-gare")
    links = related_links([one, two])
    assert links(one) == [("LE PORT  rouvre ses portes", None),  # itself: no link
                          ("Un titre d'ailleurs", None), ("La gare est fermée", two)]
    config = load_config(Path("/nonexistent/site.yaml"))
    page = next(p for p in plan([one, two], config) if p.path == one.url)
    html = render(page, Theme(THEME / "templates", "fr"), site_context(config)).decode()
    assert '<li><a href="../articles/la-gare.html">La gare est fermée</a></li>' in html
    assert "<li>Un titre d&#39;ailleurs</li>" in html


def test_a_long_tag_index_has_jump_links_by_letter():
    names = [f"{chr(ord('a') + i % 26)}tag {i:04d}" for i in range(1000)] + ["État", "1914"]
    articles = [_article(i, slug=f"a{i:02d}", tags=tuple(names[i::20])) for i in range(20)]
    config = load_config(Path("/nonexistent/site.yaml"))
    config = type(config)(**{**config.__dict__, "tag_min_count": 1})
    page = next(p for p in plan(articles, config) if p.path == "tags/index.html")
    html = render(page, Theme(THEME / "templates", "fr"), site_context(config)).decode()
    jump = re.search(r'<nav class="jump" aria-label="Mots-clés par initiale">(.*?)</nav>', html, re.S)
    assert jump, html[:2000]
    letters = re.findall(r'<a href="#tags-(\w+)">([^<]+)</a>', jump.group(1))
    assert [label for _, label in letters] == [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["#"]
    for anchor, _ in letters:
        assert f'<h2 id="tags-{anchor}" class="initial">' in html
    e_section = html.split('id="tags-E"')[1].split("<h2")[0]
    assert ">État</a>" in e_section  # by its slug: among the E's
    assert len(re.findall(r'<li class="size-\d"><a href="\.\./tags/', html)) == 1002
    assert by_letter([]) == [] and JUMP_MIN > 6  # a short index stays one list


def test_the_search_hint_shows_the_sites_own_tag_and_source():
    articles = [_article(1, tags=("Économie", "Syrie"), source="La Gazette"),
                _article(2, tags=("Économie",), source="La Gazette", slug="b",
                         date=dt.date(2025, 1, 2)),
                _article(3, tags=("Port",), source="Le Quotidien", slug="c")]
    config = load_config(Path("/nonexistent/site.yaml"))
    pages = {p.path: p for p in plan(articles, config)}
    assert pages["search.html"].context["hint"] == {"tag": "Économie", "source": "La Gazette",
                                                   "year": "2025"}
    html = render(pages["search.html"], Theme(THEME / "templates", "fr"),
                  site_context(config)).decode()
    hint = re.search(r'<p class="hint">(.*?)</p>', html, re.S).group(1)
    assert ("<code>tag:Économie</code>, <code>source:&#34;La Gazette&#34;</code>, "
            "<code>lang:en</code>, <code>year:2025</code>") in hint
    assert "syrie" not in hint.lower() and "RT en français" not in hint
    empty = {p.path: p for p in plan([], config)}["search.html"]
    assert empty.context["hint"] == {"tag": None, "source": None, "year": None}
    html = render(empty, Theme(THEME / "templates", "fr"), site_context(config)).decode()
    assert "<code>tag:nom</code>, <code>source:nom</code>" in html


def test_served_facets_sort_accented_labels_by_their_letter():
    import numpy
    values = ["syrie", "etat", "zoo", "afrique"]
    idx = numpy.array([0, 1, 2, 3])
    tables = (4, {"tag": (values, numpy.array([0, 1, 2, 3]), idx)})
    labels = {"tag": {"syrie": "Syrie", "etat": "État", "zoo": "Zoo", "afrique": "Afrique"}}
    facets = _count_facets([0, 1, 2, 3], tables, labels)
    assert [r["label"] for r in facets["tag"]] == ["Afrique", "État", "Syrie", "Zoo"]


def test_the_404_page_links_its_stylesheet_for_the_server_and_for_the_disk(built_session):
    page = (built_session.parent / "site" / "404.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert '<link rel="stylesheet" href="static/style.css">' in page


def test_a_template_page_without_context_still_renders_english_by_default():
    page = Page(path="404.html", template="404.html", context={"root": "/", "path": "404.html"})
    config = load_config(Path("/nonexistent/site.yaml"))
    html = render(page, make_env(THEME / "templates"), site_context(config)).decode()
    assert "<h1>Page not found</h1>" in html
