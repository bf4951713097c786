import json
from pathlib import Path

import pytest

from broadsheet.config import load_config
from broadsheet.errors import SearchError
from broadsheet.publish.search import search
from conftest import run

DOCS = {
    "etat": ("L'État renforce la sécurité des frontières", "fr", "2019-05-01",
             "Le gouvernement a annoncé une frappe contre les positions de l'État islamique. "
             "La sécurité des frontières sera renforcée."),
    "greves": ("Grèves dans les transports", "fr", "2020-01-10",
               "Les grèves paralysent le réseau ferré depuis une semaine."),
    "strikes": ("Air strikes continue in the north", "en", "2021-03-02",
                "The coalition said the strikes hit weapons depots. The White House declined to comment."),
    "maison": ("Visite à la maison de retraite", "fr", "2018-07-07",
               "La maison blanchie à la chaux accueille des visiteurs. Une maison blanche au bord du lac."),
}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    from conftest import make_project
    config = make_project(tmp_path_factory.mktemp("search") / "proj", raw_files=[])
    for slug, (title, lang, date, body) in DOCS.items():
        (config.parent / "content" / f"{slug}.md").write_text(
            f"---\ntitle: \"{title}\"\nlanguage: {lang}\ndate: {date}\ntags: [Monde]\n---\n\n{body}\n",
            encoding="utf-8")
    assert run(config, "build") == 0
    return load_config(config).index_dir


def slugs(index_dir, query, **kw):
    return sorted(h["url"].removeprefix("articles/").removesuffix(".html")
                  for h in search(index_dir, query, **kw)["hits"])


@pytest.mark.parametrize("query, expected", [
    ("etat", ["etat"]),                    # accents folded
    ("ÉTAT", ["etat"]),                    # case folded
    ("securite", ["etat"]),
    ("frappes", ["etat"]),                 # French stemming: frappes ~ frappe
    ("greve", ["greves"]),
    ("strike", ["strikes"]),               # English stemming
    ("the strikes", ["strikes"]),          # stop words do not have to be in a French article
    ('"maison blanche"', ["maison"]),      # phrase
    ("maison -chaux", []),                 # exclusion
    ("white house", ["strikes"]),
    ("-chaux maison", []),
    ("Grèves -chaux", ["greves"]),
    ("sécurité-frontières", ["etat"]),     # a hyphen inside a word is not an exclusion
    ("monde", ["etat", "greves", "maison", "strikes"]),  # tags are searchable
])
def test_queries(index_dir, query, expected):
    assert slugs(index_dir, query) == expected


def test_hit_shape_and_snippet_keeps_accents(index_dir):
    data = search(index_dir, "securite")
    assert data["total"] == 1
    hit = data["hits"][0]
    assert hit["title"] == DOCS["etat"][0] and hit["date"] == "2019-05-01"
    assert hit["language"] == "fr" and hit["tags"] == ["Monde"]
    assert {"text": "sécurité", "match": True} in hit["snippet_parts"]
    assert "sécurité" in hit["snippet"]


def test_sort_by_date_and_pages(index_dir):
    data = search(index_dir, "monde", sort="date", limit=3)
    assert [h["date"] for h in data["hits"]] == ["2021-03-02", "2020-01-10", "2019-05-01"]
    assert data["pages"] == 2
    assert [h["date"] for h in search(index_dir, "monde", sort="date", limit=3, page=2)["hits"]] \
        == ["2018-07-07"]


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(SearchError, match="no search index"):
        search(tmp_path / "none", "x")


def test_cli_search(built, capsys):
    capsys.readouterr()
    assert run(built, "search", "etat", "islamique") == 0
    out = capsys.readouterr().out
    assert "1 articles match 'etat islamique'" in out and "[Etat] [islamique]" in out
    assert run(built, "search", "maison blanche", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1 and data["hits"][0]["source"] == "RT en français"
    assert run(built, "search", "zzzyzzy") == 0
    assert "no articles match 'zzzyzzy'" in capsys.readouterr().out


def test_cli_search_without_index(project, capsys):
    assert run(project, "search", "x") == 1
    assert "no search index here" in capsys.readouterr().err


def test_a_failed_index_build_keeps_the_previous_index(built, monkeypatch):
    from broadsheet.publish import search as module
    index_dir = load_config(built).index_dir
    before = sorted(p.name for p in index_dir.iterdir())

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(module.Document, "__init__", broken)
    with pytest.raises(OSError):
        run(built, "index")
    assert sorted(p.name for p in index_dir.iterdir()) == before
    assert search(index_dir, "maison")["total"] == 1
