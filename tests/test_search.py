import json
from pathlib import Path

import pytest

from broadsheet.config import load_config
from broadsheet.errors import SearchError
from broadsheet.publish.search import SearchIndex, search
from conftest import run, write_article

DOCS = {
    "syrie": ("Frappes aériennes en Syrie", "fr", "2015-10-27",
              "La coalition a mené de nouvelles frappes aériennes dans le nord de la Syrie."),
    "etat": ("L'État renforce la sécurité des frontières", "fr", "2019-05-01",
             "Le gouvernement a annoncé une frappe contre les positions de l'État islamique. "
             "La sécurité des frontières sera renforcée."),
    "greves": ("Grèves dans les transports", "fr", "2020-01-10",
               "Les grèves paralysent le réseau ferré depuis une semaine."),
    "strikes": ("Air strikes continue in the north", "en", "2021-03-02",
                "The coalition said the strikes hit weapons depots. The White House declined to comment."),
    "maison": ("Visite à la maison de retraite", "fr", "2018-07-07",
               "La maison blanchie à la chaux accueille des visiteurs. Une maison blanche au bord du lac."),
    # as pasted from a social network: mathematical bold letters (which have no case of
    # their own until decomposed) and full-width ones
    "styled": ("𝐁𝐑𝐄𝐀𝐊𝐈𝐍𝐆: harbour closed", "en", "2022-02-02",
               "Ｆｅｒｒｙ services stopped at the harbour."),
}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    from conftest import make_project
    config = make_project(tmp_path_factory.mktemp("search") / "proj", raw_files=[])
    for slug, (title, lang, date, body) in DOCS.items():
        tags = {"syrie": "[Monde, Syrie]", "styled": "[Météo]"}.get(slug, "[Monde]")
        source = "RT en français" if lang == "fr" else "Wire"
        (config.parent / "content" / f"{slug}.md").write_text(
            f"---\ntitle: \"{title}\"\nlanguage: {lang}\ndate: {date}\ntags: {tags}\n"
            f"source: {source}\n---\n\n{body}\n", encoding="utf-8")
    assert run(config, "build") == 0
    return load_config(config).index_dir


def slugs(index_dir, query, **kw):
    return sorted(h["url"].removeprefix("articles/").removesuffix(".html")
                  for h in search(index_dir, query, **kw)["hits"])


@pytest.mark.parametrize("query, expected", [
    ("etat", ["etat"]),                    # accents folded
    ("ÉTAT", ["etat"]),                    # case folded
    ("securite", ["etat"]),
    ("frappes", ["etat", "syrie"]),         # French stemming: frappes ~ frappe
    ("greve", ["greves"]),
    ("strike", ["strikes"]),               # English stemming
    ("the strikes", ["strikes"]),          # stop words do not have to be in a French article
    ('"maison blanche"', ["maison"]),      # phrase
    ("maison -chaux", []),                 # exclusion
    ("white house", ["strikes"]),
    ("-chaux maison", []),
    ("Grèves -chaux", ["greves"]),
    ("sécurité-frontières", ["etat"]),     # a hyphen inside a word is not an exclusion
    ("monde", ["etat", "greves", "maison", "strikes", "syrie"]),  # tags are searchable
    ("frappes aeriennes", ["syrie"]),
    ("monde tag:syrie", ["syrie"]),
    ('monde source:"RT en français"', ["etat", "greves", "maison", "syrie"]),
    ("monde lang:en", ["strikes"]),
    ("monde year:2015", ["syrie"]),
    ("tag:syrie", ["syrie"]),                # filters alone
    ("air strikes", ["strikes"]),            # English words find the English article...
    ("grèves transports", ["greves"]),       # ...and French ones the French, from one box
    ("breaking", ["styled"]),                # styled letters are found as typed plainly...
    ("ferry", ["styled"]),
    ("𝐟𝐞𝐫𝐫𝐲", ["styled"]),                   # ...and as styled
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
        == ["2018-07-07", "2015-10-27"]


def test_did_you_mean(index_dir):
    data = search(index_dir, "syrei")
    assert data["total"] == 0 and data["suggestion"] == "syrie"
    assert search(index_dir, "syrie")["suggestion"] is None


def test_facets_count_the_current_query(index_dir):
    facets = search(index_dir, "monde")["facets"]
    assert {"value": "fr", "label": "fr", "count": 4} in facets["lang"]
    assert {"value": "syrie", "label": "Syrie", "count": 1} in facets["tag"]
    assert {"value": "rt-en-francais", "label": "RT en français", "count": 4} in facets["source"]
    assert {"value": "2015", "label": "2015", "count": 1} in facets["year"]
    narrowed = search(index_dir, "monde", filters={"lang": "en"})["facets"]
    assert narrowed["lang"] == [{"value": "en", "label": "en", "count": 1}]


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(SearchError, match="no search index"):
        search(tmp_path / "none", "x")


def test_cli_search(built_session, capsys):
    capsys.readouterr()
    assert run(built_session, "search", "etat", "islamique") == 0
    out = capsys.readouterr().out
    assert "1 article matches 'etat islamique'" in out and "[Etat] [islamique]" in out
    assert run(built_session, "search", "maison blanche", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1 and data["hits"][0]["source"] == "RT en français"
    assert run(built_session, "search", "zzzyzzy") == 0
    assert "no articles match 'zzzyzzy'" in capsys.readouterr().out


def test_cli_search_without_index(project, capsys):
    assert run(project, "search", "x") == 1
    assert "no search index here" in capsys.readouterr().err


def _empty_toc(index_dir):
    for toc in index_dir.glob("_MAIN_*.toc"):
        toc.write_bytes(b"")


def _garbled_toc(index_dir):
    for toc in index_dir.glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00garbage" * 40)


def _cut_segments(index_dir):
    for seg in index_dir.glob("*.seg"):
        seg.write_bytes(seg.read_bytes()[:1000])


@pytest.mark.parametrize("damage", [_empty_toc, _garbled_toc, _cut_segments])
def test_a_damaged_index_is_one_line_for_search_and_check_and_rebuilt_by_build(
        built, capsys, damage):
    # no document changed, so nothing but the damage tells the build to redo the index
    index_dir = load_config(built).index_dir
    damage(index_dir)
    capsys.readouterr()
    assert run(built, "search", "maison") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot open the search index" in err[0], err
    assert run(built, "check") == 1
    assert "search index unusable" in capsys.readouterr().out
    assert run(built, "build") == 0
    assert search(index_dir, "maison")["total"] == 1
    capsys.readouterr()
    assert run(built, "check") == 0


def test_a_failed_index_build_keeps_the_previous_index(built, monkeypatch):
    from broadsheet.publish import search as module
    index_dir = load_config(built).index_dir
    before = sorted(p.name for p in index_dir.iterdir())

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(module.Document, "__init__", broken)
    with pytest.raises(OSError):
        run(built, "index", "--full")
    assert sorted(p.name for p in index_dir.iterdir()) == before
    assert search(index_dir, "maison")["total"] == 1


def test_index_updates_only_what_changed(built, capsys, monkeypatch):
    from broadsheet.publish.search import analysis
    content = built.parent / "content"
    index_dir = load_config(built).index_dir
    (content / "new.md").write_text("---\ntitle: Zanzibar news\n---\n\nZanzibar.\n", encoding="utf-8")
    capsys.readouterr()
    assert run(built, "index") == 0
    assert "updated: 1 added, 0 updated, 0 removed, 1 unchanged" in capsys.readouterr().out
    assert search(index_dir, "zanzibar")["total"] == 1
    (content / "new.md").write_text("---\ntitle: Zanzibar news\n---\n\nMombasa.\n", encoding="utf-8")
    assert run(built, "index") == 0
    assert "0 added, 1 updated, 0 removed" in capsys.readouterr().out
    assert search(index_dir, "mombasa")["total"] == 1
    (content / "new.md").unlink()
    assert run(built, "index") == 0
    assert "0 added, 0 updated, 1 removed" in capsys.readouterr().out
    assert search(index_dir, "zanzibar")["total"] == 0
    # other analysis settings: everything is rebuilt
    monkeypatch.setattr(analysis, "ANALYSIS_VERSION", analysis.ANALYSIS_VERSION + 1)
    assert run(built, "index") == 0
    assert "rebuilt: 1 added" in capsys.readouterr().out


def test_the_servers_open_index_sees_a_full_rebuild(built):
    index = SearchIndex(load_config(built).index_dir)
    assert index.search("zanzibar")["total"] == 0
    write_article(built, "z", "title: Zanzibar")
    assert run(built, "index", "--full") == 0
    assert index.search("zanzibar")["total"] == 1
    index.close()


def test_spell_postings_are_whooshs():
    """The bulk writer's shortcut for the spell field gives what Whoosh's own analysis does,
    words folding to one term (État, Etat, ETAT) counted together."""
    from broadsheet.publish import search as S
    from broadsheet.publish.search import writer

    field = S.schema()["spell"]
    for value in ("État Etat ETAT etat l'État a b the of Maison maison", "", "x",
                  "Ünïcödé naïve naive NAÏVE 2015 2015"):
        assert sorted(writer._frequencies(value, field.format.field_boost)) == \
            sorted(field.index(value))


def whoosh_contents(index_dir: Path) -> dict:
    """Everything a Whoosh index holds, segment by segment: each posting with its weight,
    positions and block statistics, each term's frequencies, each document's stored fields
    and field lengths."""
    from whoosh import index as windex

    from broadsheet.publish import search as S

    ix = windex.open_dir(str(index_dir))
    with ix.searcher() as s:
        r, sch, out = s.reader(), S.schema(), {}
        for fn in sch.names():
            if not sch[fn].indexed:
                continue
            for t in r.lexicon(fn):
                m, got = r.postings(fn, t), []
                while m.is_active():
                    got.append((m.id(), m.weight(), m.value(), m.block_min_length(),
                                m.block_max_length(), m.block_max_weight()))
                    m.next()
                out[fn, t] = (got, r.doc_frequency(fn, t), r.frequency(fn, t))
        for n in range(r.doc_count()):
            out["doc", n] = (r.stored_fields(n), {f: r.doc_field_length(n, f)
                                                  for f in (*S.TEXT_FIELDS, "spell")})
    ix.close()
    return out


def test_bulk_writer_writes_what_whoosh_writes(tmp_path):
    """The cold index's direct segment writer gives the postings, weights, positions, block
    statistics, lengths and stored fields of Whoosh's own writer, over several segments."""
    import random

    from whoosh import index as windex

    from broadsheet.publish import search as S
    from broadsheet.publish.search import documents, writer

    from test_static_export import make_doc

    rng = random.Random(3)
    docs = [make_doc(i, rng) for i in range(120)]

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    ix = windex.create_in(str(a), S.schema())
    w = ix.writer()
    for d in docs:
        w.add_document(**documents._fields(d))
    w.commit()
    ix.close()
    ix = windex.create_in(str(b), S.schema())
    bulk = writer._BulkWriter(ix)
    bulk.FLUSH_POSTINGS = 10 ** 9
    for d in docs:
        bulk.add(d, documents._analyse(d))
    bulk.close()
    ix.close()
    assert whoosh_contents(a) == whoosh_contents(b)
    # flushed every few documents: the same hits from several segments
    c = tmp_path / "c"
    c.mkdir()
    ix = windex.create_in(str(c), S.schema())
    bulk = writer._BulkWriter(ix)
    bulk.FLUSH_POSTINGS = 500
    for d in docs:
        bulk.add(d, documents._analyse(d))
    bulk.close()
    assert len(ix.reader().leaf_readers()) > 1
    ix.close()
    for q in ("frappe", "maison blanche", '"maison blanche"', "harbour"):
        assert [h["url"] for h in S.search(a, q, limit=50)["hits"]] == \
               [h["url"] for h in S.search(c, q, limit=50)["hits"]], q


def test_fold_is_idempotent():
    """A word as the index shows it finds what the word as written finds: folding a folded
    word changes nothing (it did for the styled letters: '𝐁' -> 'B' -> 'b')."""
    from broadsheet.publish.search import fold
    for cp in range(0x20000):  # the planes with letters, the mathematical ones included
        if 0xD800 <= cp < 0xE000:
            continue
        once = fold(chr(cp))
        assert fold(once) == once, hex(cp)
    assert fold("𝐁𝐨𝐥𝐝 Ⓐ İstanbul ΟΔΟΣ Straße") == "bold a istanbul οδοσ strasse"


def test_equal_scores_rank_by_id_whatever_the_index_history(project):
    # an update re-adds an edited document last in the index: equals must not follow it
    content = project.parent / "content"
    for name in ("a", "b", "c"):
        (content / f"{name}.md").write_text(
            f"---\ntitle: Harbour news {name}\nid: {name}\n---\n\nBody of {name}.\n",
            encoding="utf-8")
    index_dir = load_config(project).index_dir

    def order() -> list[str]:
        return [h["url"] for h in search(index_dir, "harbour")["hits"]]

    assert run(project, "build") == 0
    assert order() == ["articles/a.html", "articles/b.html", "articles/c.html"]
    (content / "a.md").write_text("---\ntitle: Harbour news a\nid: a\n---\n\nBody of a, edited.\n",
                                  encoding="utf-8")
    assert run(project, "build") == 0
    assert order() == ["articles/a.html", "articles/b.html", "articles/c.html"]
    assert search(index_dir, "harbour", limit=1, page=2)["hits"][0]["url"] == "articles/b.html"


def test_an_index_of_no_documents_answers_every_query(project, capsys):
    # every article excluded from search: the index has no documents, hence no columns
    (project.parent / "content" / "h.md").write_text(
        "---\ntitle: Hidden harbour\nexclude_from_search: true\n---\n\nBody.\n", encoding="utf-8")
    assert run(project, "build") == 0
    index_dir = load_config(project).index_dir
    for options in ({}, {"sort": "date"}, {"page": 2}):
        assert search(index_dir, "harbour", **options)["total"] == 0
    capsys.readouterr()
    assert run(project, "search", "harbour") == 0
    assert "no articles match 'harbour'" in capsys.readouterr().out
