"""Input formats: JSON Lines and HTML pages beside plain text, chosen by extension."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from broadsheet import frontmatter
from broadsheet.errors import Diagnostics
from broadsheet.ingest.clean import body_paragraphs
from broadsheet.ingest.parse import read_inputs
from broadsheet.ingest.pipeline import clean_corpus, make_article
from conftest import FIXTURES, run

INPUTS = FIXTURES / "inputs"


def ingest_folder(project: Path, *files: Path):
    raw = project.parent / "raw"
    for f in files:
        shutil.copy(f, raw / f.name)
    code = run(project, "ingest")
    articles = {}
    for p in sorted((project.parent / "content").glob("*.md")):
        a = frontmatter.load(p.read_text(encoding="utf-8"), p)
        articles[a.origin] = a
    return code, articles


def test_jsonl_stated_metadata_wins_and_bad_lines_are_reported(project, capsys):
    code, articles = ingest_folder(project, INPUTS / "corpus.jsonl")
    assert code == 1  # bad lines reported...
    err = capsys.readouterr().err
    for line, words in ((3, "each line must be a JSON object"), (4, "missing 'text'"),
                        (5, "'url' must be an http(s) URL"), (6, "'tags' must be a list"),
                        (7, "invalid JSON")):
        assert f"corpus.jsonl:{line}: {words}" in err, err
    madrid = articles["corpus.jsonl:1"]  # ...and the good ones written, beside the .txt seed
    assert madrid.id == "wire-0001" and madrid.source == "El Heraldo del Sur"
    assert madrid.tags == ("Madrid", "Vivienda") and madrid.author == "Ana Ruiz"
    assert madrid.source_url == "https://heraldo.example/madrid/plan-viviendas"
    assert str(madrid.date) == "2024-05-14" and madrid.language == "es"
    assert madrid.related == ("Los alquileres suben un 9 % en la capital",)
    assert "Síguenos" not in madrid.body and "cookies" not in madrid.body
    assert "Los vecinos podrán presentar" in madrid.body
    bees = articles["corpus.jsonl:2"]
    assert bees.language == "fr" and bees.date is None and len(bees.id) == 16
    assert "000_2858112e9b9562c5.txt" in articles


def test_jsonl_dates_a_build_could_not_place_are_refused(project, capsys):
    # a zoned time hours from year 1 or 9999 is no datetime once in UTC: it used to be
    # written to content/, and the next build crashed on it
    raw = project.parent / "raw"
    text = "Un article daté de loin.\n\n" + "Le texte de l'article, assez long pour rester. " * 5
    lines = [{"title": "Trop tôt", "text": text, "date": "0001-01-01T00:00:00+05:00"},
             {"title": "Trop tard", "text": text, "date": "9999-12-31T23:30:00-01:00"},
             {"title": "À l'heure", "text": text, "date": "2024-05-14T08:00:00+02:00"}]
    (raw / "dates.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines),
                                     encoding="utf-8")
    assert run(project, "ingest") == 1
    err = capsys.readouterr().err
    assert "dates.jsonl:1: 'date' is out of range once in UTC: '0001-01-01T00:00:00+05:00'" in err
    assert "dates.jsonl:2: 'date' is out of range once in UTC: '9999-12-31T23:30:00-01:00'" in err
    titles = [frontmatter.load(p.read_text(encoding="utf-8"), p).title
              for p in (project.parent / "content").glob("*.md")]
    assert "À l'heure" in titles and "Trop tôt" not in titles and "Trop tard" not in titles
    assert run(project, "build") == 0


def test_jsonl_reingest_skips_by_id(project, capsys):
    ingest_folder(project, INPUTS / "corpus.jsonl")
    capsys.readouterr()
    run(project, "ingest", "--verbose")
    out = capsys.readouterr().out
    assert "skipped corpus.jsonl:1: already ingested" in out


def test_stated_jsonl_ids_never_make_paths(project, capsys):
    texts = ["La mairie a présenté lundi son budget, en hausse de deux pour cent.",
             "Les pompiers sont intervenus dans la nuit pour un incendie de forêt.",
             "Le tribunal a rendu sa décision jeudi après trois semaines de procès."]
    lines = [{"id": i, "title": "Live updates", "text": f"{t}\n\n{t} Suite."}
             for i, t in zip(["AP-123", "/../../pwn", "AP-123"], texts)]
    (project.parent / "raw" / "c.jsonl").write_text(
        "\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert run(project, "all") == 1  # the third line repeats a stated id
    assert "c.jsonl:3: id 'AP-123' is already used by c.jsonl:1" in capsys.readouterr().err
    names = sorted(p.name for p in (project.parent / "content").iterdir())
    assert all("/" not in n and ".." not in n for n in names)
    assert not (project.parent / "p.md").exists()
    assert len([n for n in names if n.startswith("live-updates")]) == 2


def trafilatura_only(path: Path) -> list[str]:
    import trafilatura
    text = trafilatura.extract(path.read_bytes(), include_comments=False, include_tables=False)
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def bag(lines):
    from collections import Counter
    return Counter(w.lower() for ln in lines for w in ln.split())


def f1(got, expected):
    g, e = bag(got), bag(expected)
    tp = sum((g & e).values())
    p, r = tp / max(1, sum(g.values())), tp / max(1, sum(e.values()))
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.mark.parametrize("name, trafilatura_keeps_furniture",
                         [("courrier-greve", False), ("ledger-flood", True)])
def test_html_pages(name, trafilatura_keeps_furniture):
    path = INPUTS / f"{name}.html"
    expected = yaml.safe_load((INPUTS / f"{name}.yaml").read_text(encoding="utf-8"))
    problems = Diagnostics()
    (raw,) = read_inputs(path, problems)
    (state,) = clean_corpus([raw])
    article = make_article(raw, state, None)
    body = body_paragraphs(state)
    assert body == expected["body"]
    for key in ("title", "source", "author", "source_url", "related"):
        got = getattr(article, key)
        assert (list(got) if isinstance(got, tuple) else got) == expected[key], key
    assert str(article.date) == expected["date"]
    # at least as good as trafilatura alone, and better where it keeps page furniture
    ours, theirs = f1(body, expected["body"]), f1(trafilatura_only(path), expected["body"])
    assert ours == 1.0 and ours >= theirs
    assert (ours > theirs) == trafilatura_keeps_furniture


def test_mixed_folder_goes_through(project):
    code, articles = ingest_folder(project, INPUTS / "ledger-flood.html",
                                   INPUTS / "courrier-greve.html")
    assert code == 0 and set(articles) == {"ledger-flood.html", "courrier-greve.html",
                                           "000_2858112e9b9562c5.txt"}
    assert run(project, "build") == 0
    page = (project.parent / "site" / "articles"
            / "river-calder-bursts-its-banks-as-200-homes-evacuated.html").read_text(encoding="utf-8")
    assert 'href="https://northernledger.example/news/calder-flood-evacuation"' in page
    assert "by Tom Hale" in page


def test_html_without_an_article(project, capsys):
    (project.parent / "raw" / "empty.html").write_text("<html><body><nav>Home</nav></body></html>",
                                                       encoding="utf-8")
    assert run(project, "ingest") == 1
    assert "empty.html: no" in capsys.readouterr().err


PARAS = ["The old bridge across the river reopened on Monday after two years of repairs, "
         "the city said in a statement.",
         "Traffic is expected to return to normal within a week, according to the office.",
         "It was first proposed on 12 March 2009 by the council, which paid for the work."]


def _page(middle: str = "", head: str = "", foot: str = "") -> bytes:
    body = f"<p>{PARAS[0]}</p>{middle}<p>{PARAS[1]}</p><p>{PARAS[2]}</p>"
    return (f"<html><head><title>Bridge reopened</title>{head}</head><body><article>"
            f"<h1>Bridge reopened</h1>{body}</article>{foot}</body></html>").encode()


@pytest.mark.parametrize("middle", [
    "<div hidden>Unseen words here.</div>", "<template>Unseen words here.</template>",
    '<p style="display: none">Unseen words here.</p>', '<embed src="clip.swf">',
    '<div style="Visibility : Hidden">Unseen words here.</div>',
    "<object data='clip.swf'><p>Unseen words here.</p></object>",
])
def test_a_web_page_gives_what_a_reader_sees(tmp_path, middle):
    # hidden text was published; an <embed> glued the paragraphs after it into one
    from broadsheet.ingest.parse import parse_html

    raw = parse_html(_page(middle), tmp_path / "p.html")[0]
    assert "Unseen" not in raw.text
    # the headline, then its <h1> again (the cleaner's repeated-title), then the paragraphs
    assert raw.text.split("\n\n")[2:] == PARAS


def test_a_web_page_date_is_the_one_it_states(tmp_path):
    # never invented: not a footer's copyright year, nor a date in the text
    from broadsheet.ingest.parse import parse_html

    stated = '<meta property="article:published_time" content="2024-05-14T08:00:00+02:00">'
    assert parse_html(_page(head=stated, foot="<footer>© 2018 City News</footer>"),
                      tmp_path / "p.html")[0].meta["date"].isoformat() == "2024-05-14"
    assert "date" not in parse_html(_page(foot="<footer>© 2018 City News</footer>"),
                                    tmp_path / "p.html")[0].meta


LONG = [p + " The council will review the work next spring, its spokeswoman said." for p in PARAS]


def test_an_article_the_page_hides_until_its_scripts_run_is_still_found(tmp_path):
    # what a reader never sees is pruned first; when that leaves no article (the whole page
    # sits in a wrapper its scripts reveal), the page is read unpruned
    from broadsheet.ingest.parse import parse_html

    body = "".join(f"<p>{p}</p>" for p in LONG)
    page = (f"<html><head><title>Bridge reopened</title></head><body><div aria-hidden='true'>"
            f"<article><h1>Bridge reopened</h1>{body}</article></div></body></html>").encode()
    raw = parse_html(page, tmp_path / "p.html")[0]
    assert raw.meta["title"] == "Bridge reopened"
    assert all(p in raw.text for p in LONG)


def test_a_title_before_which_the_page_writes_markup_is_still_the_title(tmp_path):
    # markup ahead of <html> (an ad script's wrapper) puts <title> in the body, where the
    # extractor's metadata does not look: the page's declared title is read all the same
    from broadsheet.ingest.parse import parse_html

    body = "".join(f"<p>{p}</p>" for p in LONG)
    page = (f"<div id='ad'><script>var slot = 1;</script></div><html><head><title>Bridge "
            f"reopened</title></head><body><div>{body}</div></body></html>").encode()
    raw = parse_html(page, tmp_path / "p.html")[0]
    assert raw.meta["title"] == "Bridge reopened" and raw.text.startswith("Bridge reopened\n")


def test_a_page_whose_extract_is_a_line_of_a_long_page_is_cleaned_from_its_visible_text(
        tmp_path):
    # the extractor kept one slogan line of a page whose text it took for comments (a blog
    # theme's markup): the page's visible text, cleaned as a scraper's text is, has the article
    from broadsheet.ingest.parse import parse_html
    from broadsheet.ingest.pipeline import clean_corpus, make_article

    texts = [f"{p} It was day {n} of the works." for n in range(1, 9) for p in LONG]
    page = ("<html><head><title>Bridge reopened</title></head><body><nav><a href='/'>Home</a>"
            "</nav><article><h1>Bridge reopened</h1><p>Your daily guide to the city.</p>"
            "</article><div class='comments'>" + "".join(f"<p>{t}</p>" for t in texts)
            + "</div><footer>© 2024 City News</footer></body></html>").encode()
    raw = parse_html(page, tmp_path / "p.html")[0]
    assert not raw.meta["extracted"]
    body = make_article(raw, clean_corpus([raw])[0], None).body
    assert all(t in body for t in texts) and "© 2024" not in body
