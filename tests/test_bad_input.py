"""Bad input, tried systematically (issue 6).

Two tables, one for raw input (ingest) and one for content files (build). Each case asserts
the exact behaviour a user sees:

- stderr holds exactly one line for the bad file, `error: path[:line]: what is wrong`, or a
  `warning: path: ...` line when the file is still taken;
- the other files still go through (their content file, or their page, exists);
- the exit code: 1 when any file failed, 0 when there were only warnings;
- nothing is lost: the bad file is left as it was, and no partial or temporary output is left.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml

from broadsheet import frontmatter
from broadsheet.model import FRONT_MATTER_KEYS
from conftest import REPO, SEED, make_project, run, write_article

PROSE = ("Le gouvernement a présenté mardi un projet de loi sur le logement, qui sera débattu "
         "au Parlement avant la fin du mois, après des semaines de retard.")
MORE = ("Les élus de l'opposition ont annoncé qu'ils déposeraient plusieurs amendements pour "
        "encadrer les loyers dans les grandes villes, où les prix ont encore augmenté.")
ARTICLE = f"Le projet de loi sur le logement arrive au Parlement\n\n{PROSE}\n\n{MORE}\n"
STORIES = [
    ("Les dockers du port de Saint-Malo ont cessé le travail lundi matin pour protester contre "
     "la suppression de quarante postes.", "Une dizaine de navires attendaient au large en fin "
     "de journée, selon la préfecture maritime."),
    ("La mairie de Lyon a voté jeudi un budget en hausse pour les écoles primaires de la ville.",
     "Les travaux de rénovation de six groupes scolaires commenceront dès l'été prochain."),
    ("Un incendie a détruit dans la nuit un entrepôt de la zone industrielle de Valence.",
     "Les pompiers ont mobilisé quatre-vingts hommes et aucun blessé n'est à déplorer."),
    ("Le festival de musique de Nantes a accueilli cette année plus de cent mille spectateurs.",
     "Les organisateurs annoncent déjà une édition élargie à trois scènes l'an prochain."),
    ("La sécheresse oblige les agriculteurs du Gers à réduire l'irrigation de leurs champs.",
     "La chambre d'agriculture réclame des aides d'urgence pour les exploitations touchées."),
]


def story(i: int) -> str:
    """Article i of a few distinct ones (shared paragraphs would be taken for boilerplate)."""
    first, second = STORIES[i]
    title = ("Grève au port", "Budget des écoles", "Entrepôt détruit", "Record au festival",
             "Sécheresse dans le Gers")[i]
    return f"{title}\n\n{first}\n\n{second}\n"


SEED_MD = "la-maison-blanche-a-dit-ne-pas-vouloir-lancer-de-vaste-operation-de-terrain-en.md"


def png() -> bytes:
    """A real 1x1 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under folder, hidden ones included: files by bytes, links by target."""
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_dir():
            out[rel] = "dir"
        elif p.stat().st_size > 1 << 20:  # the sparse 200 MB file is never read
            out[rel] = f"{p.stat().st_size} bytes, mtime {p.stat().st_mtime_ns}"
        else:
            with p.open("rb") as f:
                out[rel] = f.read()
    return out


def stderr_lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


# --- raw input: ingest -------------------------------------------------------------------------
#
# Each case makes one bad input in raw/ beside the seed article (make(raw, tmp) returns the
# path the message names); the expected line is `error: {path}[:{line}]: {message}`.

def write(name: str, data: bytes):
    def make(raw: Path, tmp: Path) -> Path:
        (raw / name).write_bytes(data)
        return raw / name
    return make


def folder_named_like_an_article(raw: Path, tmp: Path) -> Path:
    (raw / "x.txt").mkdir()
    (raw / "x.txt" / "inside.md").write_text("not an input", encoding="utf-8")
    return raw / "x.txt"


def symlink_outside(raw: Path, tmp: Path) -> Path:
    outside = tmp / "outside.txt"
    outside.write_text(f"Un secret\n\n{PROSE}\n", encoding="utf-8")
    os.symlink(outside, raw / "link.txt")
    return raw / "link.txt"


def sparse_200mb(raw: Path, tmp: Path) -> Path:
    path = raw / "huge.txt"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no 200 MB is written
    return path


CYRILLIC = "Заголовок статьи\n\nПравительство объявило сегодня о новых экономических мерах.\n"

RAW_ERRORS = [
    # id, make, line, message
    ("empty", write("empty.txt", b""), None, "empty file"),
    ("whitespace-only", write("blank.txt", b"  \n\n \t\r\n\r \n"), None, "empty file"),
    ("headline-only", write("headline.txt", "Juste un titre\n".encode()), None,
     "only a headline, no article text"),
    ("nul-bytes", write("data.txt", b"Titre\n\n\x00\x01\x02\x03binary\xff\xfe"), None,
     "binary file (contains NUL bytes), not an article"),
    ("png-renamed", write("photo.txt", png()), None, "binary file (a PNG image), not an article"),
    ("invalid-utf8", write("broken.txt", f"Été caniculaire\n\n{PROSE}\n\n".encode() + b"d\xe9j\xe0 vu\n"),
     5, "not valid UTF-8 (byte 0xe9); the rest of the file is UTF-8"),
    ("invalid-utf8-crlf", write("broken-crlf.txt", f"Été\r\n\r\n{PROSE}\r\n\r\n".encode()
                                + b"d\xe9j\xe0 vu\r\n"),
     5, "not valid UTF-8 (byte 0xe9); the rest of the file is UTF-8"),
    ("invalid-utf8-cr", write("broken-cr.txt", f"Été\r\r{PROSE}\r\r".encode() + b"d\xe9j\xe0\r"),
     5, "not valid UTF-8 (byte 0xe9); the rest of the file is UTF-8"),
    ("truncated-utf8", write("cut.txt", f"Été\n\n{PROSE} caf".encode() + b"\xc3"),
     3, "not valid UTF-8 (byte 0xc3); the rest of the file is UTF-8"),
    ("not-western-single-byte", write("russe.txt", CYRILLIC.encode("cp1251")), 1,
     "not valid UTF-8 (byte 0xc7), nor Latin-1/Windows-1252 text; it looks like cp1251"),
    ("one-line-5mb", write("long.txt", ("mot " * 1_310_720).encode()), None,
     "only a headline, no article text"),
    ("over-max-input-mb", sparse_200mb, None,
     "too large (209,715,200 bytes; the limit is 10 MB, max_input_mb in site.yaml)"),
    ("folder-named-x.txt", folder_named_like_an_article, None, "is a folder, not an article file"),
]


@pytest.fixture
def guarded_reads(monkeypatch):
    """Reading huge.txt is a test failure (it must be refused on its stat alone), and
    reading locked.txt fails as an unreadable file does for a user who is not root."""
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "huge.txt":
            raise AssertionError("huge.txt was read; its size should have refused it")
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize("make, line, message",
                         [pytest.param(*case[1:], id=case[0]) for case in RAW_ERRORS])
def test_raw_input_errors(tmp_path, capsys, guarded_reads, make, line, message):
    config = make_project(tmp_path / "proj")
    raw, content = config.parent / "raw", config.parent / "content"
    bad = make(raw, tmp_path)
    raw_before = snapshot(raw)
    assert run(config, "ingest") == 1
    where = f"{bad}:{line}" if line else f"{bad}"
    assert stderr_lines(capsys) == [f"error: {where}: {message}"]
    assert sorted(snapshot(content)) == [SEED_MD]  # the seed went through; nothing else, no temp
    assert snapshot(raw) == raw_before  # the bad input is left as it was


def test_symlink_leading_outside_is_not_followed_and_said(tmp_path, capsys):
    config = make_project(tmp_path / "proj")
    raw, content = config.parent / "raw", config.parent / "content"
    link = symlink_outside(raw, tmp_path)
    assert run(config, "ingest") == 0  # a warning: nothing failed
    assert stderr_lines(capsys) == [
        f"warning: {link}: symlink to a file outside the input folder, not followed"]
    assert sorted(snapshot(content)) == [SEED_MD]  # the seed only: the secret was not read


def test_content_symlink_leading_outside_is_not_followed(tmp_path, capsys):
    config = make_project(tmp_path / "proj")
    assert run(config, "ingest") == 0
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\n\nNot for publishing.\n", encoding="utf-8")
    link = config.parent / "content" / "secret.md"
    os.symlink(secret, link)
    capsys.readouterr()
    assert run(config, "build") == 0
    assert stderr_lines(capsys) == [
        f"warning: {link}: symlink to a file outside the content folder, not followed"]
    site = config.parent / "site"
    assert not (site / "articles" / "secret.html").exists()
    assert "Secret" not in (site / "index.html").read_text(encoding="utf-8")


def test_symlinks_to_nothing_and_loops_are_one_line_each(tmp_path, capsys):
    # an editor's lock file (`.#name`, a symlink to nothing) in content/ or templates/, and
    # broken or looping links among the content and static files: the build goes on
    config = make_project(tmp_path / "proj")
    assert run(config, "ingest") == 0
    root = config.parent
    os.symlink("user@host.1234:1700000000", root / "content" / f".#{SEED_MD}")
    os.symlink("user@host.1234:1700000000", root / "templates" / ".#article.html")
    os.symlink("gone.md", root / "content" / "broken.md")
    os.symlink("loop.md", root / "content" / "loop.md")
    os.symlink("loop.css", root / "static" / "loop.css")
    (root / "static" / "ok.css").write_text("p{}", encoding="utf-8")
    capsys.readouterr()
    assert run(config, "build") == 1
    assert sorted(stderr_lines(capsys)) == sorted([
        f"error: {root / 'content' / 'broken.md'}: cannot read: No such file or directory",
        f"error: {root / 'content' / 'loop.md'}: cannot read: Too many levels of symbolic links",
        f"error: {root / 'static' / 'loop.css'}: cannot read: Too many levels of symbolic links",
    ])
    site = root / "site"
    assert (site / "static" / "ok.css").read_text(encoding="utf-8") == "p{}"
    assert len(list((site / "articles").glob("*.html"))) == 1  # the seed's page
    assert run(config, "check") == 1  # the same content files, not a traceback


def test_static_symlink_leading_outside_is_not_published(tmp_path, capsys):
    config = make_project(tmp_path / "proj")
    secret = tmp_path / "secret.txt"
    secret.write_text("the build machine's secret", encoding="utf-8")
    link = config.parent / "static" / "leak.txt"
    os.symlink(secret, link)
    os.mkfifo(config.parent / "static" / "pipe.css")  # would block a read
    assert run(config, "all") == 1
    lines = stderr_lines(capsys)
    assert f"warning: {link}: symlink to a file outside the static folder, not followed" in lines
    assert f"error: {config.parent / 'static' / 'pipe.css'}: not a regular file" in lines
    published = config.parent / "site" / "static"
    assert not (published / "leak.txt").exists() and not (published / "pipe.css").exists()
    assert (published / "style.css").is_file()


def test_unreadable_file(tmp_path, capsys, guarded_reads):
    config = make_project(tmp_path / "proj")
    locked = config.parent / "raw" / "locked.txt"
    locked.write_text(ARTICLE, encoding="utf-8")
    assert run(config, "ingest") == 1
    assert stderr_lines(capsys) == [f"error: {locked}: cannot read: Permission denied"]
    assert sorted(snapshot(config.parent / "content")) == [SEED_MD]
    assert locked.read_text(encoding="utf-8") == ARTICLE


def test_max_input_mb_is_read_from_site_yaml(tmp_path, capsys):
    config = make_project(tmp_path / "proj")
    config.write_text(config.read_text(encoding="utf-8") + "max_input_mb: 0.004\n",
                      encoding="utf-8")
    small = config.parent / "raw" / "small.txt"
    small.write_text(ARTICLE, encoding="utf-8")  # under 4 KiB; the seed is 4.8 KB
    assert run(config, "ingest") == 1
    size = SEED.stat().st_size
    assert stderr_lines(capsys) == [
        f"error: {config.parent / 'raw' / SEED.name}: too large ({size:,} bytes; the limit is "
        f"0.004 MB, max_input_mb in site.yaml)"]
    assert sorted(snapshot(config.parent / "content")) == [
        "le-projet-de-loi-sur-le-logement-arrive-au-parlement.md"]


@pytest.mark.parametrize("value", ["0", "-1", "ten", "true"])
def test_max_input_mb_bad_value(tmp_path, capsys, value):
    config = make_project(tmp_path / "proj")
    config.write_text(config.read_text(encoding="utf-8") + f"max_input_mb: {value}\n",
                      encoding="utf-8")
    assert run(config, "ingest") == 1
    line = len(config.read_text(encoding="utf-8").splitlines())  # the key added last
    assert stderr_lines(capsys) == [
        f"error: {config}:{line}: 'max_input_mb' must be a number of megabytes above 0, "
        f"not {json.dumps(yaml.safe_load(str(value)))}"]


# Accepted inputs: (id, bytes, warning or None, title, words of the body)
LATIN = "Été brûlant à Paris"
POLISH = ("Strajk generalny w środę\n\nPrezydent powiedział w środę, że gospodarka jest w "
          "dobrej kondycji. Związki zawodowe zapowiedziały strajk generalny w przyszłym "
          "tygodniu, jeżeli rząd nie zmieni zdania.\n\nMinister finansów ocenił, że "
          "żądania są zbyt wysokie, a budżet państwa nie udźwignie podwyżek.\n")
MAGYAR = "Ferencváros - Újpest 3-0\n\nLe club de Budapest a dominé. Résultat : 3 à 0.\n"
CZECH = ("Stávka ve středu\n\nPrezident ve středu uvedl, že ekonomika je v dobrém stavu. "
         "Odbory oznámily generální stávku na příští týden, pokud vláda nezmění názor.\n\n"
         "Ministr financí řekl, že požadavky jsou příliš vysoké a rozpočet je neunese.\n")
RAW_ACCEPTED = [
    ("latin-1", f"{LATIN}\n\n{PROSE}\n\n{MORE}\n".encode("latin-1"),
     "not UTF-8: decoded as Latin-1 (ISO-8859-1)", LATIN, "a présenté mardi"),
    ("windows-1252", f"{LATIN}\n\n{PROSE}\n\nLe cœur du texte « coûte » 40 € — l’État paie.\n"
     .encode("cp1252"), "not UTF-8: decoded as Windows-1252", LATIN,
     "Le cœur du texte « coûte » 40 € — l’État paie."),
    ("utf8-bom", f"\ufeff{LATIN}\n\n{PROSE}\n\n{MORE}\n".encode(), None, LATIN, "a présenté mardi"),
    # Central European text: its bytes are valid Windows-1252 too, the language decides
    ("polish-windows-1250", POLISH.encode("cp1250"), "not UTF-8: decoded as Windows-1250",
     "Strajk generalny w środę", "powiedział w środę, że gospodarka"),
    ("polish-iso-8859-2", POLISH.encode("iso8859_2"),
     "not UTF-8: decoded as ISO-8859-2 (Latin-2)", "Strajk generalny w środę",
     "Związki zawodowe zapowiedziały"),
    ("czech-windows-1250", CZECH.encode("cp1250"), "not UTF-8: decoded as Windows-1250",
     "Stávka ve středu", "ekonomika je v dobrém stavu"),
    # French about a Hungarian club: Windows-1252, though the names look Hungarian
    ("french-naming-hungarians", MAGYAR.encode("cp1252"), "not UTF-8: decoded as Latin-1 "
     "(ISO-8859-1)", "Ferencváros - Újpest 3-0", "Résultat : 3 à 0."),
]


@pytest.mark.parametrize("data, warning, title, words",
                         [pytest.param(*case[1:], id=case[0]) for case in RAW_ACCEPTED])
def test_raw_input_accepted(tmp_path, capsys, data, warning, title, words):
    config = make_project(tmp_path / "proj")
    path = config.parent / "raw" / "article.txt"
    path.write_bytes(data)
    assert run(config, "ingest") == 0
    assert stderr_lines(capsys) == ([f"warning: {path}: {warning}"] if warning else [])
    files = snapshot(config.parent / "content")
    assert len(files) == 2 and SEED_MD in files
    (name,) = set(files) - {SEED_MD}
    article = frontmatter.load(files[name].decode("utf-8"), name)
    assert article.title == title and article.origin == "article.txt"
    assert words in article.body
    assert path.read_bytes() == data


def _content_of(tmp_path: Path, name: str, data: bytes) -> str:
    config = make_project(tmp_path / name, raw_files=[])
    (config.parent / "raw" / "article.txt").write_bytes(data)
    assert run(config, "ingest") == 0
    (only,) = (config.parent / "content").glob("*.md")
    return only.read_text(encoding="utf-8")


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_line_ends_give_the_same_content_file(tmp_path, capsys, eol):
    """The same text with other line ends: the same content file, but for `id`, which is
    the hash of the raw bytes (how ingest recognises a file it has already read)."""
    lf = ARTICLE.encode()
    other = ARTICLE.replace("\n", eol).encode()
    a, b = _content_of(tmp_path, "lf", lf), _content_of(tmp_path, "other", other)
    assert stderr_lines(capsys) == []

    def without_id(text):
        return [ln for ln in text.splitlines() if not ln.startswith("id: ")]
    assert without_id(a) == without_id(b) and a != b


NAMES = ["a b$(touch x);'\".txt", "été — Ünïcödé 北京.txt", "`touch y` & | < > * ? \\ ~.txt",
         "-n --force.txt"]


@pytest.mark.slow
def test_file_names_with_spaces_unicode_and_shell_characters(tmp_path):
    """Ingested like any other, through the real command line, with no side effect."""
    config = make_project(tmp_path / "proj", raw_files=[])
    raw = config.parent / "raw"
    for i, name in enumerate(NAMES):
        (raw / name).write_text(story(i), encoding="utf-8")
    before = snapshot(tmp_path)
    cmd = [sys.executable, "-m", "broadsheet", "ingest", "--config", str(config), "-q",
           "--jobs", "1"]
    done = subprocess.run(cmd, cwd=raw, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    files = snapshot(config.parent / "content")
    origins = sorted(frontmatter.load(data.decode(), n).origin for n, data in files.items())
    assert origins == sorted(NAMES)
    after = snapshot(tmp_path)
    new = sorted(set(after) - set(before))
    assert all(n.startswith(("proj/content/", "proj/.broadsheet")) for n in new), new
    assert not any(Path(n).name in ("x", "y") for n in after)
    assert {k: v for k, v in after.items() if k.startswith("proj/raw")} == \
        {k: v for k, v in before.items() if k.startswith("proj/raw")}


# --- content files: build -----------------------------------------------------------------------
#
# Each case puts good.md (a valid article) and the files given into content/ and runs
# `broadsheet build --no-index`; the bad file's line is `error: {content}/{name}[:{line}]: ...`.

GOOD = "---\ntitle: Un bon article\ntags: [Irak]\n---\n\nUn texte valide.\n"
KNOWN = ", ".join(FRONT_MATTER_KEYS)
BOMB = ("---\ntitle: Bombe\ndate: [&a [lol, lol, lol, lol, lol, lol, lol, lol, lol], "
        + ", ".join(f"&{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]"
                    for i in range(8)) + "]\n---\n\nBoum.\n")


def slug_case(value: str, shown: str):
    return ({"bad.md": f"---\ntitle: A\nslug: {value}\n---\n\nTexte.\n"}, "bad.md", 3,
            f"'slug' must be lowercase letters, digits and hyphens, not {shown}")


CONTENT_ERRORS = [
    # id, files, bad file, line, message
    ("empty-file", {"bad.md": ""}, "bad.md", 1,
     "no front matter: the file must start with a '---' line"),
    ("no-front-matter", {"bad.md": "title: A\n\nTexte.\n"}, "bad.md", 1,
     "no front matter: the file must start with a '---' line"),
    ("missing-closing-fence", {"bad.md": "---\ntitle: A\ntags: [x]\n\nTexte.\n"}, "bad.md", 1,
     "front matter opened on line 1 is never closed with '---'"),
    ("yaml-syntax-flow", {"bad.md": "---\ntitle: A\ntags: [a, b\nsource: S\n---\n\nT.\n"},
     "bad.md", 3, "front matter: a [ or { opened on this line is never closed"),
    ("yaml-syntax-indent", {"bad.md": "---\ntitle: A\nsource: S\n  bad: x\n---\n\nT.\n"},
     "bad.md", 4, 'front matter: a ": " inside a value: put the value in quotes (title: "Paris: '
     'the strike goes on"), or a line is indented too far'),
    ("yaml-syntax-colon", {"bad.md": "---\ntitle: Paris: la grève continue\n---\n\nT.\n"},
     "bad.md", 2, 'front matter: a ": " inside a value: put the value in quotes (title: "Paris: '
     'the strike goes on"), or a line is indented too far'),
    ("yaml-syntax-quote", {"bad.md": "---\ntitle: \"Paris\nsource: S\n---\n\nT.\n"},
     "bad.md", 2, "front matter: a quote opened on this line is never closed"),
    ("yaml-syntax-tab", {"bad.md": "---\ntitle: A\n\tsource: S\n---\n\nT.\n"}, "bad.md", 3,
     "front matter: a tab in the indentation: indent with spaces"),
    ("misspelt-key", {"bad.md": "---\ntitle: A\nlangauge: fr\n---\n\nT.\n"}, "bad.md", 3,
     "unknown key 'langauge' (did you mean 'language'?)"),
    ("tags-as-string", {"bad.md": "---\ntitle: A\ntags: Irak, Syrie\n---\n\nT.\n"}, "bad.md", 3,
     "'tags' must be a list of text items"),
    ("date-yesterday", {"bad.md": "---\ntitle: A\ndate: yesterday\n---\n\nT.\n"}, "bad.md", 3,
     "'date' must be a date like 2015-10-27, not 'yesterday'"),
    # a value YAML parses but cannot make: the line of its key, the value as written
    ("date-impossible", {"bad.md": "---\ntitle: A\nsource: S\ndate: 2015-02-30\n---\n\nT.\n"},
     "bad.md", 4, "front matter: 'date': 2015-02-30: day is out of range for month"),
    ("date-month-13", {"bad.md": "---\ntitle: A\ndate: 2015-13-01\n---\n\nT.\n"}, "bad.md", 3,
     "front matter: 'date': 2015-13-01: month must be in 1..12"),
    ("float-tag-on-text", {"bad.md": "---\ntitle: A\nsummary: !!float abc\n---\n\nT.\n"},
     "bad.md", 3, "front matter: 'summary': abc: could not convert string to float: 'abc'"),
    # a zoned time that falls out of what a datetime holds once in UTC (it crashed the build)
    ("date-past-9999-in-utc",
     {"bad.md": "---\ntitle: A\ndate: 9999-12-31T23:00:00-05:00\n---\n\nT.\n"}, "bad.md", 3,
     "'date' is out of range once in UTC: 9999-12-31T23:00:00-05:00"),
    ("date-before-year-1-in-utc",
     {"bad.md": "---\ntitle: A\ndate: '0001-01-01T00:00:00+05:00'\n---\n\nT.\n"}, "bad.md", 3,
     "'date' is out of range once in UTC: 0001-01-01T00:00:00+05:00"),
    ("title-as-list", {"bad.md": "---\ntitle: [a, b]\n---\n\nT.\n"}, "bad.md", 2,
     "'title' must be text, not list"),
    ("title-missing", {"bad.md": "---\nsource: S\n---\n\nT.\n"}, "bad.md", 1,
     "missing required key 'title'"),
    ("unknown-key", {"bad.md": "---\ntitle: A\nwriter: Moi\n---\n\nT.\n"}, "bad.md", 3,
     f"unknown key 'writer' (known: {KNOWN})"),
    ("duplicate-key", {"bad.md": "---\ntitle: A\ntags: [x]\ntitle: B\n---\n\nT.\n"}, "bad.md", 4,
     "duplicate key 'title'"),
    ("yaml-alias", {"bad.md": "---\ntitle: A\ntags: &t [x]\nrelated: *t\n---\n\nT.\n"},
     "bad.md", 3, "front matter: YAML anchors and aliases (&name, *name) are not allowed"),
    ("python-object-tag",
     {"bad.md": "---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---\n\nT.\n"},
     "bad.md", 2, "front matter: invalid YAML: could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("invalid-utf8", {"bad.md": b"---\ntitle: A\n---\n\nd\xe9j\xe0\n"}, "bad.md", 5,
     "not valid UTF-8 (byte 0xe9)"),
    ("slug-dotdot", *slug_case("../etc/passwd", "'../etc/passwd'")),
    ("slug-slash", *slug_case("a/b", "'a/b'")),
    ("slug-backslash", *slug_case("'a\\b'", "'a\\\\b'")),
    ("slug-nul", *slug_case('"a\\0b"', "'a\\x00b'")),
    ("slug-empty", *slug_case("''", "''")),
    ("slug-as-number", *slug_case("12", "12")),
    # the first file by name keeps the slug or id; the second is reported, naming the first
    ("same-slug", {"one.md": "---\ntitle: Un\nslug: same\n---\n\nT.\n",
                   "two.md": "---\ntitle: Deux\nslug: same\n---\n\nT.\n"}, "two.md", None,
     "slug 'same' is already used by one.md; set another 'slug'"),
    ("same-slug-from-file-name", {"same.md": "---\ntitle: Un\n---\n\nT.\n",
                                  "two.md": "---\ntitle: Deux\nslug: same\n---\n\nT.\n"},
     "two.md", None, "slug 'same' is already used by same.md; set another 'slug'"),
    ("same-id", {"one.md": "---\ntitle: Un\nid: abc\n---\n\nT.\n",
                 "two.md": "---\ntitle: Deux\nid: abc\n---\n\nT.\n"}, "two.md", None,
     "id 'abc' is already used by one.md"),
    # the index knows an article without an id by its slug: neither may be another's id
    ("id-is-a-slug", {"one.md": "---\ntitle: Un\n---\n\nT.\n",
                      "two.md": "---\ntitle: Deux\nid: one\n---\n\nT.\n"}, "two.md", None,
     "id 'one' is already used by one.md"),
    ("slug-is-an-id", {"a.md": "---\ntitle: Un\nid: zed\n---\n\nT.\n",
                       "zed.md": "---\ntitle: Deux\n---\n\nT.\n"}, "zed.md", None,
     "slug 'zed' is the id of a.md; set an 'id'"),
]


@pytest.mark.parametrize("files, bad, line, message",
                         [pytest.param(*case[1:], id=case[0]) for case in CONTENT_ERRORS])
def test_content_file_errors(tmp_path, capsys, files, bad, line, message):
    config = make_project(tmp_path / "proj", raw_files=[])
    content = config.parent / "content"
    (content / "good.md").write_text(GOOD, encoding="utf-8")
    for name, text in files.items():
        (content / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    before = snapshot(content)
    cwd = Path.cwd()
    os.chdir(tmp_path)  # where `touch pwned` would land
    try:
        code = run(config, "build", "--no-index")
    finally:
        os.chdir(cwd)
    assert code == 1
    bad_path = (content / bad).relative_to(tmp_path)  # as the folder it was run from sees it
    where = f"{bad_path}:{line}" if line else f"{bad_path}"
    assert stderr_lines(capsys) == [f"error: {where}: {message}"]
    site = config.parent / "site"
    pages = {p.name for p in (site / "articles").iterdir()}
    others = {f"{Path(n).stem}.html" for n in files if n != bad}
    if "same-slug" in message or "slug 'same'" in message:
        others = {"same.html"}
    assert pages == {"good.html"} | others  # the rest was built, the bad file left out
    assert snapshot(content) == before  # the bad file is left as it was
    assert not list(tmp_path.rglob("pwned"))


def test_impossible_front_matter_values_are_one_line_at_their_key(project, capsys):
    write_article(project, "a", "title: x\ndate: 2015-02-30")
    write_article(project, "b", "title: !!float abc")
    write_article(project, "c", "title: fine")
    assert run(project, "build") == 1
    err = capsys.readouterr().err
    # each at the line of its key
    assert "a.md:3: front matter: 'date': 2015-02-30: day is out of range for month" in err
    assert "b.md:2: front matter: 'title': abc: could not convert string to float" in err
    assert (project.parent / "site" / "articles" / "c.html").is_file()


def test_same_slug_keeps_the_first_file_by_name(tmp_path, capsys):
    """Documented behaviour: of two files claiming one slug, the first by file name has the
    page; the other is an error naming both, whatever order the disk lists them in."""
    config = make_project(tmp_path / "proj", raw_files=[])
    content = config.parent / "content"
    (content / "b.md").write_text("---\ntitle: Premier\nslug: same\n---\n\nT.\n", encoding="utf-8")
    (content / "a.md").write_text("---\ntitle: Second\nslug: same\n---\n\nT.\n", encoding="utf-8")
    assert run(config, "build", "--no-index") == 1
    assert stderr_lines(capsys) == [
        f"error: {content / 'b.md'}: slug 'same' is already used by a.md; set another 'slug'"]
    page = (config.parent / "site" / "articles" / "same.html").read_text(encoding="utf-8")
    assert "Second" in page and "Premier" not in page


def _limit_memory_and_cpu():  # in the child: 1 GiB of address space, 60 s of CPU
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def test_alias_bomb_is_refused_with_bounded_memory(tmp_path):
    """Billion laughs: 9**9 items if anything walked it (here a repr in the date's error
    message would). Under a 1 GiB / 60 s CPU limit the build must return its error line."""
    config = make_project(tmp_path / "proj", raw_files=[])
    content = config.parent / "content"
    (content / "good.md").write_text(GOOD, encoding="utf-8")
    (content / "bomb.md").write_text(BOMB, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "broadsheet", "build", "--no-index", "--config",
                           str(config), "-q", "--jobs", "1"], capture_output=True, text=True,
                          preexec_fn=_limit_memory_and_cpu, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.splitlines() == [
        f"error: {content / 'bomb.md'}:3: front matter: YAML anchors and aliases (&name, *name) "
        "are not allowed"]
    assert (config.parent / "site" / "articles" / "good.html").is_file()


def test_ampersands_and_stars_in_text_are_no_anchors():
    a = frontmatter.load("---\ntitle: 'Q&A: *le* vote'\ntags: [AT&T]\n---\n\nT & *x*.\n", "a.md")
    assert a.title == "Q&A: *le* vote" and a.tags == ("AT&T",)


# --- an interrupted ingest ----------------------------------------------------------------------

KILL_AT_THIRD_RENAME = """
import os, signal, sys
import broadsheet.fsutil as fsutil
calls = 0
real = os.replace
def replace(src, dst):
    global calls
    calls += 1
    if calls == 3:  # the temp file is written, not renamed yet: die as kill -9 would
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
fsutil.os.replace = replace
from broadsheet.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_an_ingest_killed_mid_write_leaves_whole_files_and_a_rerun_finishes(tmp_path):
    raw = tmp_path / "raw"
    subprocess.run([sys.executable, str(REPO / "bench" / "gen_raw.py"), "--n", "12", "--out",
                    str(raw)], check=True, capture_output=True)
    shutil.copy(SEED, raw / SEED.name)
    raw_before = snapshot(raw)
    whole = make_project(tmp_path / "whole", raw_files=[])
    args = ["ingest", str(raw), "-q", "--jobs", "1"]
    assert subprocess.run([sys.executable, "-m", "broadsheet", *args, "--config", str(whole)],
                          capture_output=True).returncode == 0
    expected = snapshot(whole.parent / "content")
    assert len(expected) > 5

    config = make_project(tmp_path / "killed", raw_files=[])
    content = config.parent / "content"
    done = subprocess.run([sys.executable, "-c", KILL_AT_THIRD_RENAME, *args, "--config",
                           str(config)], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    written = snapshot(content)
    md = {n: b for n, b in written.items() if not n.startswith(".")}
    temp = [n for n in written if n.startswith(".")]
    assert len(md) == 2 and all(expected[n] == b for n, b in md.items())  # whole files only
    assert len(temp) == 1 and temp[0].endswith(".tmp")  # the one it was renaming: hidden
    assert run(config, "build", "--no-index") == 0  # a build ignores it

    assert subprocess.run([sys.executable, "-m", "broadsheet", *args, "--config", str(config)],
                          capture_output=True).returncode == 0
    assert snapshot(content) == expected  # same bytes as the uninterrupted run, no temp left
    assert snapshot(raw) == raw_before


def test_ingest_failing_after_some_files_leaves_no_temp_file(tmp_path, monkeypatch):
    """A failure inside a write (a full disk, an interrupt) removes its temporary file."""
    import broadsheet.fsutil as fsutil
    config = make_project(tmp_path / "proj")
    raw = config.parent / "raw"
    for i in range(4):
        (raw / f"a{i}.txt").write_text(story(i), encoding="utf-8")
    calls = {"n": 0}
    real = fsutil.os.replace

    def replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(src, dst)
    monkeypatch.setattr(fsutil.os, "replace", replace)
    assert run(config, "ingest", "--jobs", "1") == 130
    files = snapshot(config.parent / "content")
    assert len(files) == 2 and not [n for n in files if n.startswith(".")]
    monkeypatch.setattr(fsutil.os, "replace", real)
    assert run(config, "ingest", "--jobs", "1") == 0
    assert len(snapshot(config.parent / "content")) == 5
