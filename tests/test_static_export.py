"""The static search index exported incrementally: after edits, additions, deletions and tag
changes, the published folder patched with export_static() is byte-identical to a full export
of an index built afresh from the same articles, and one edit rewrites few files."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from broadsheet.publish import search
from broadsheet.publish.search import static_cache, static_format, writer

WORDS = ("frappe aérienne coalition syrie gouvernement sécurité frontière grève transport réseau "
         "maison blanche visite lac chaux école police conseil vote mairie port incendie "
         "strike harbour council weapons depot house comment mayor ferry flood storm river "
         "Hochwasser Feuerwehr Stadt Rat agua puerto alcalde porto sindaco").split()
TAGS = ["Monde", "Syrie", "Économie", "Politique", "Sport", "Culture", "Météo",
        "Łódź", "Москва"]  # the last two: keys search.js cannot make (see meta's names)
LANGS = ["fr", "fr", "fr", "en", "en", "de", "es", "it", ""]


def make_doc(i: int, rng: random.Random, **over) -> search.Document:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(20, 120)))
    tags = tuple(sorted(set(rng.sample(TAGS, rng.randrange(1, 4)))))
    fields = dict(id=f"a{i:04d}", url=f"articles/a{i:04d}.html",
                  title=" ".join(rng.choice(WORDS) for _ in range(5)).capitalize(), body=body,
                  tags=tags, tag_slugs=tuple(search.slugify(t) for t in tags),
                  source=rng.choice(["RT en français", "Wire", ""]), language=rng.choice(LANGS),
                  date=f"20{rng.randrange(15, 25)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}")
    fields.update(over)
    return search.Document(**fields)


def entry(doc: search.Document) -> search.Entry:
    h = hashlib.sha256(repr(doc).encode()).hexdigest()[:16]
    return search.Entry(id=doc.id, hash=h, tags=doc.tags, tag_slugs=doc.tag_slugs,
                        source=doc.source, language=doc.language, document=lambda: doc)


def index(docs: dict[str, search.Document], index_dir: Path, **kw) -> None:
    search.write_index([entry(d) for d in docs.values()], index_dir, **kw)


def apply(site: Path, export: search.StaticExport) -> None:
    for rel in export.removed:
        (site / rel).unlink()
    for rel, data in export.files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


def folder(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted((site / "search").rglob("*")) if p.is_file()}


def fresh_full(docs: dict, tmp: Path) -> dict[str, bytes]:
    """A full export of an index built from nothing with these documents."""
    index_dir = tmp / f"fresh-{len(list(tmp.iterdir()))}"
    index(docs, index_dir)
    return search.static_files(index_dir)


@pytest.fixture
def corpus():
    rng = random.Random(5)
    return {d.id: d for d in (make_doc(i, rng) for i in range(150))}, rng


@pytest.mark.slow
def test_incremental_exports_equal_full_exports(tmp_path, corpus):
    docs, rng = corpus
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    first = search.export_static(index_dir, site / "search")
    assert first.full
    apply(site, first)
    assert folder(site) == fresh_full(docs, tmp_path)

    ids = sorted(docs)
    steps = [
        ("edit", lambda: docs.update({ids[3]: make_doc(3, rng)})),
        ("add", lambda: docs.update({d.id: d for d in (make_doc(i, rng) for i in range(500, 510))})),
        ("delete", lambda: [docs.pop(i) for i in ids[10:14]]),
        ("tags", lambda: docs.update({ids[20]: search.Document(
            **{**docs[ids[20]].__dict__, "tags": ("Nouveau tag",), "tag_slugs": ("nouveau-tag",)})})),
        ("language", lambda: docs.update({ids[21]: search.Document(
            **{**docs[ids[21]].__dict__, "language": "fr"})})),
        # a language new to the corpus adds a group to every surface entry: in full
        ("new language", lambda: docs.update({ids[25]: search.Document(
            **{**docs[ids[25]].__dict__, "language": "pt"})})),
        ("a word new to the corpus", lambda: docs.update({ids[22]: search.Document(
            **{**docs[ids[22]].__dict__, "body": docs[ids[22]].body + " zanzibar frappes"})})),
        ("and gone again", lambda: docs.update({ids[22]: search.Document(
            **{**docs[ids[22]].__dict__, "body": "seulement ceci"})})),
        ("several at once", lambda: (docs.pop(ids[30]), docs.update(
            {ids[31]: make_doc(31, rng), "a0999": make_doc(999, rng)}))),
    ]
    for name, change in steps:
        change()
        index(docs, index_dir)
        export = search.export_static(index_dir, site / "search")
        assert export.full == (name == "new language"), name
        apply(site, export)
        assert folder(site) == fresh_full(docs, tmp_path), name
    # two index updates before one export: the changes add up
    docs[ids[40]] = make_doc(40, rng)
    index(docs, index_dir)
    docs.pop(ids[41])
    index(docs, index_dir)
    export = search.export_static(index_dir, site / "search")
    assert not export.full
    apply(site, export)
    assert folder(site) == fresh_full(docs, tmp_path)
    # nothing changed: nothing to write
    assert search.export_static(index_dir, site / "search").files == {}


def test_an_edit_rewrites_few_files(tmp_path, corpus):
    docs, rng = corpus
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    total = len(folder(site))
    doc = docs["a0007"]
    words = doc.body.split()
    # one word replaced by another: the field's length is unchanged
    docs["a0007"] = search.Document(**{**doc.__dict__, "body": " ".join(
        ["zanzibar", *words[1:]])})
    index(docs, index_dir)
    export = search.export_static(index_dir, site / "search")
    assert not export.full and not export.removed
    # meta, key, the document's row, the postings of the word gone and the word new, and
    # the surface entries of those words
    assert len(export.files) <= 8, sorted(export.files)
    assert "search/key.txt" in export.files
    assert total >= 3 * 8  # few of many


def _colliding_id(doc_id: str, keybits: int) -> str:
    """An id sorting before doc_id with the same document key hash: added, it takes
    doc_id's key and moves doc_id to the next one."""
    def h(i: str) -> int:
        return int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8).digest(),
                              "big") & ((1 << keybits) - 1)
    return next(c for c in (f"a0000-{n}" for n in range(1_000_000)) if h(c) == h(doc_id))


@pytest.mark.parametrize("together", [True, False])
def test_an_edited_document_whose_key_moves(tmp_path, corpus, together):
    """An edit marks only the lists whose entry for the document changed; when the document
    also moves to another key (an id added before it with the same hash), every list it was
    on must change, in the same update or in a later one before the export."""
    docs, rng = corpus
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    target = "a0042"
    keybits = max(8, (len(docs) + 1).bit_length() + 6)
    other = _colliding_id(target, keybits)
    doc = docs[target]
    docs[target] = search.Document(**{**doc.__dict__, "body": "zanzibar " + doc.body})
    if not together:
        index(docs, index_dir)
    docs[other] = make_doc(77, rng, id=other, url=f"articles/{other}.html")
    index(docs, index_dir)
    export = search.export_static(index_dir, site / "search")
    assert not export.full
    apply(site, export)
    assert folder(site) == fresh_full(docs, tmp_path)


def test_a_rebuild_that_keeps_the_cache_exports_right(tmp_path, corpus, monkeypatch):
    """An index rebuilt beside a cache it keeps (its hashes file lost): the rebuild prepares a
    full export and gives the documents their new keys in the cache. The export must then
    be that full export (diffed against the published files), not a patch computed from
    keys the published files do not use: here a new id takes an unedited document's key."""
    monkeypatch.setattr(writer, "PARALLEL_FROM", 10)  # the rebuild that prepares an export
    docs, rng = corpus
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    other = _colliding_id("a0042", max(8, (len(docs) + 1).bit_length() + 6))
    docs[other] = make_doc(77, rng, id=other, url=f"articles/{other}.html")
    (index_dir / search.HASHES_FILE).unlink()
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    assert folder(site) == fresh_full(docs, tmp_path)


def test_a_folder_from_elsewhere_is_exported_in_full(tmp_path, corpus):
    docs, rng = corpus
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    docs["a0001"] = make_doc(1, rng)
    index(docs, index_dir)
    # the export is made but never published (a build that failed after indexing)
    search.export_static(index_dir, site / "search")
    docs["a0002"] = make_doc(2, rng)
    index(docs, index_dir)
    (site / "search" / "p" / "stray.js").write_text("x")
    export = search.export_static(index_dir, site / "search")
    assert export.full and "search/p/stray.js" in export.removed
    apply(site, export)
    assert folder(site) == fresh_full(docs, tmp_path)
    # a damaged folder with the right key: a file missing is noticed when it is needed
    docs["a0003"] = make_doc(3, rng)
    index(docs, index_dir)
    for p in (site / "search" / "p").glob("*.js"):
        p.unlink()
    export = search.export_static(index_dir, site / "search")
    assert export.full
    apply(site, export)
    assert folder(site) == fresh_full(docs, tmp_path)
    # no folder at all
    export = search.export_static(index_dir, tmp_path / "nowhere")
    assert export.full and export.files == search.static_files(index_dir)


def test_full_rebuild_of_the_index_keeps_exports_identical(tmp_path, corpus):
    docs, rng = corpus
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    index(docs, index_dir, full=True)
    export = search.export_static(index_dir, site / "search")
    apply(site, export)
    assert export.files == {} and not export.removed
    assert folder(site) == fresh_full(docs, tmp_path)


@pytest.mark.parametrize("per_part", [0, 500])  # 0: one pass; 500: in parts, by hash()
def test_same_files_whatever_the_hash_seed(tmp_path, per_part):
    script = (
        "import sys, hashlib, random; sys.path.insert(0, sys.argv[2]);"
        "import broadsheet.publish.search.static_postings as sp;"
        f"sp.POSTINGS_PER_PART = {per_part} or sp.POSTINGS_PER_PART;"
        "from pathlib import Path; import test_static_export as t;"
        "rng = random.Random(5); docs = {d.id: d for d in (t.make_doc(i, rng) for i in range(60))};"
        "t.index(docs, Path(sys.argv[1]));"
        "from broadsheet.publish import search;"
        "files = search.static_files(Path(sys.argv[1]));"
        "print(hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest())")
    out = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out.add(subprocess.run([sys.executable, "-c", script, str(tmp_path / seed),
                                str(Path(__file__).parent)], env=env, check=True,
                               capture_output=True, text=True).stdout)
    assert len(out) == 1


@pytest.mark.parametrize("per_part", [400, 3000])
def test_an_export_made_in_parts_is_the_one_made_in_one_pass(tmp_path, corpus, monkeypatch,
                                                            per_part):
    """Past POSTINGS_PER_PART postings the posting files are made a share of the keys at a
    time (each spilled beside the index, then joined): the same bytes, lists big enough for
    a file of their own included, and no spill file left."""
    from broadsheet.publish.search import static_postings

    docs, _ = corpus
    monkeypatch.setattr(static_postings, "SHARD_BYTES", 600)  # some lists get their own file
    index(docs, tmp_path / "index")
    whole = search.static_files(tmp_path / "index")
    assert any("/p/x" in path for path in whole)
    split, real = [], static_postings._split

    def spied(records, parted, rows):
        split.append(len(parted))
        return real(records, parted, rows)

    monkeypatch.setattr(static_postings, "POSTINGS_PER_PART", per_part)
    monkeypatch.setattr(static_postings, "_split", spied)
    assert search.static_files(tmp_path / "index") == whole
    assert split and split[0] > 1
    assert not list((tmp_path / "index").glob("*.part"))


def test_rebuild_on_two_processes_gives_the_same_static_index(tmp_path, monkeypatch):
    """On two processes the documents and their analysis reach the Whoosh writer as JSON:
    the index made so holds what the one made in one process does, posting by posting."""
    from test_search import whoosh_contents

    rng = random.Random(7)
    docs = {f"a{i:04d}": make_doc(i, rng) for i in range(60)}
    docs["a0003"] = make_doc(3, rng, title="Ｆｅｒｒｙ 𝐁𝐑𝐄𝐀𝐊𝐈𝐍𝐆 \u2028 ünïcödé",
                            tags=("Météo", "A/B"), tag_slugs=("meteo", "a-b"))
    index(docs, tmp_path / "one", full=True)
    monkeypatch.setattr(writer, "PARALLEL_FROM", 10)
    index(docs, tmp_path / "two", full=True)
    assert search.static_files(tmp_path / "one") == search.static_files(tmp_path / "two")
    assert whoosh_contents(tmp_path / "one") == whoosh_contents(tmp_path / "two")
    hits = search.search(tmp_path / "two", "syrie")
    assert hits["total"] == search.search(tmp_path / "one", "syrie")["total"] > 0


@pytest.mark.parametrize("when", ["before reading", "after one record"])
def test_a_failing_cache_process_fails_the_rebuild(tmp_path, monkeypatch, when):
    """In a rebuild, the static cache's process reads and analyses the documents and sends
    each, with its analysis, to the process writing Whoosh's segments. When it fails, its
    error is the one reported (no hang), and the index that was there stays."""
    rng = random.Random(3)
    docs = {f"a{i:04d}": make_doc(i, rng) for i in range(40)}
    index(docs, tmp_path / "ix", full=True)
    before = search.search(tmp_path / "ix", "syrie")["total"]

    def broken(db, entries, record_of):
        if when == "after one record":
            record_of(entries[0])
        raise RuntimeError("the cache's disk is full")

    monkeypatch.setattr(writer, "PARALLEL_FROM", 10)
    monkeypatch.setattr(writer, "_update_static_cache", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        index(docs, tmp_path / "ix", full=True)
    assert search.search(tmp_path / "ix", "syrie")["total"] == before


def test_a_failing_index_writer_stops_the_cache_process(tmp_path, monkeypatch):
    """The other way round: Whoosh's side fails while the cache's process is still sending
    (3,000 distinct words a document: more than the pipe holds). The error is reported, the
    other process stopped, and nothing is left beside the index."""
    from whoosh import index as windex

    rng = random.Random(4)
    docs = {f"a{i:04d}": make_doc(i, rng, body=" ".join(f"mot{i}x{j}" for j in range(3000)))
            for i in range(40)}
    real = writer._BulkWriter.add

    def add(self, doc, analysis):
        if doc.id == "a0020":
            raise OSError("no space left on device")
        return real(self, doc, analysis)

    monkeypatch.setattr(writer, "PARALLEL_FROM", 10)
    monkeypatch.setattr(writer._BulkWriter, "add", add)
    with pytest.raises(OSError, match="no space"):
        index(docs, tmp_path / "ix", full=True)
    assert not windex.exists_in(str(tmp_path / "ix"))
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_message_cut_off_reports_the_process_that_died(tmp_path, monkeypatch):
    """The analysing process killed in the middle of a message: the rebuild reports that
    process's death, not the half message it left."""
    rng = random.Random(5)
    docs = {f"a{i:04d}": make_doc(i, rng) for i in range(40)}
    real, sent = writer._send, []

    def send(out, message: bytes) -> None:
        sent.append(1)
        if len(sent) == 5:
            out.write(writer._LENGTH.pack(len(message)) + message[: len(message) // 2])
            os._exit(9)
        real(out, message)

    monkeypatch.setattr(writer, "PARALLEL_FROM", 10)
    monkeypatch.setattr(writer, "_send", send)
    with pytest.raises(RuntimeError, match="exit code 9"):
        index(docs, tmp_path / "ix", full=True)
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("current", [True, False])
def test_a_rebuild_keeps_the_cache_only_when_current(tmp_path, monkeypatch, current):
    """An index rebuilt without its hashes file keeps a static cache of this version (only
    what changed is redone), and makes one of another version afresh, on the two-process
    path, rather than copying it to reset it."""
    rng = random.Random(6)
    docs = {f"a{i:04d}": make_doc(i, rng) for i in range(40)}
    monkeypatch.setattr(writer, "PARALLEL_FROM", 10)
    index(docs, tmp_path / "ix", full=True)
    (tmp_path / "ix" / search.HASHES_FILE).unlink()
    if not current:
        version = static_cache._cache_version()
        monkeypatch.setattr(static_cache, "_cache_version", lambda: version + " (another)")
    fresh = []
    real = writer._analysed_beside
    monkeypatch.setattr(writer, "_analysed_beside",
                        lambda *a, **k: fresh.append(1) or real(*a, **k))
    index(docs, tmp_path / "ix")
    assert bool(fresh) is not current
    assert search.static_files(tmp_path / "ix") == search.static_files(
        (index(docs, tmp_path / "again", full=True), tmp_path / "again")[1])


def test_names_the_page_cannot_slug_are_in_meta(tmp_path):
    """A tag or source name whose key search.js cannot make by folding ('Łódź': lodz, where
    folding gives 'odz') is listed in meta.js, and leaves it with its last document."""
    rng = random.Random(9)
    docs = {f"a{i:04d}": make_doc(i, rng, tags=("Łódź", "Météo"), tag_slugs=("lodz", "meteo"),
                                  source="Wire") for i in range(3)}
    docs["a0003"] = make_doc(3, rng, tags=("Москва",), tag_slugs=("moskva",),
                             source="Gazeta Łódzka")
    index_dir, site = tmp_path / "index", tmp_path / "site"
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    meta = static_format._parse_script((site / "search" / "meta.js").read_bytes())
    assert meta["names"] == {"tag": {"łodz": "lodz", "москва": "moskva"},
                             "source": {"gazeta łodzka": "gazeta-lodzka"}}
    # the export's key, under which the page asks for every other file (not a name's key)
    assert meta["key"] == (site / "search" / "key.txt").read_text(encoding="utf-8").strip()
    del docs["a0003"]
    index(docs, index_dir)
    apply(site, search.export_static(index_dir, site / "search"))
    meta = static_format._parse_script((site / "search" / "meta.js").read_bytes())
    assert meta["names"] == {"tag": {"łodz": "lodz"}}
    assert meta["key"] == (site / "search" / "key.txt").read_text(encoding="utf-8").strip()
    assert folder(site) == fresh_full(docs, tmp_path)
