"""Property: ingest takes any text without crashing, writes only what the input said, and
what it writes builds.

For any text written to a .txt file (control characters, every kind of line end, very long
lines, Markdown, HTML and template markup, entities, front-matter fences):

1. `ingest` raises nothing but broadsheet's own errors (BroadsheetError), and reports a
   file it cannot take as InputErrors, writing nothing for it;
2. the content file it writes says only what the input said. Precisely: let N(s) be s with
   control characters removed and every run of white space made one space. The input's text
   is N(the file decoded, BOM dropped, line ends made LF). Then N(title) and, for each body
   paragraph P (the body split on blank lines), N(the text a reader sees on the page: P
   rendered by the site's Markdown filter, tags removed, entities decoded) are substrings of
   the input's text. So escaping is undone exactly by rendering, nothing the input did not
   say appears, and no Markdown construct (emphasis, lists, headings, links, entities,
   autolinks) eats or changes a character;
3. `broadsheet build --no-index` on that content exits 0 and writes the article's page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from broadsheet import frontmatter
from broadsheet.cli import main
from broadsheet.errors import BroadsheetError, InputError
from broadsheet.ingest.parse import decode_text
from broadsheet.ingest.pipeline import ingest
from broadsheet.publish.render import markdown_html
from conftest import REPO

pytestmark = pytest.mark.slow  # a watcher, killed builds, generated inputs: seconds each


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def N(text: str) -> str:
    return " ".join(_CONTROL.sub("", text).split())


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def shown(paragraph: str) -> str:
    """What a reader sees of one body paragraph on the article page."""
    parser = _Text()
    parser.feed(str(markdown_html(paragraph)))
    parser.close()
    return "".join(parser.parts)  # entities decoded once, as a browser does


WORDS = ["Le", "gouvernement", "a", "présenté", "mardi", "un", "projet", "de", "loi", "Paris",
         "Syrie", "Maison", "Blanche", "AFP", "Reuters", "Photo :", "©", "Suivez-nous sur X",
         "cookies", "Lire aussi :", "Publié le 12 mars 2019", "By Jane Smith", "Mehr zum Thema",
         "l'État", "Ünïcödé", "北京", "مرحبا", "🙂", "e\u0301", "\u00a0", "\u200b", "\ufeff"]
MARKUP = ["*", "**", "_", "__", "`", "```", "~~~", "#", "## ", "> ", "- ", "+ ", "* ", "1. ",
          "2) ", "[a](http://x.org)", "[b]", "[c]: /url", "![i](x.png)", "<script>x</script>",
          "<b>", "</p>", "&amp;", "&#65;", "&copy;", "&", "---", "===", "...", "|", "\\", "\\*",
          "<http://x.org>", "<a@b.co>", "https://example.org", "    ", "\t", "  ",
          "{{ x }}", "{% if %}", "title: x", "'", '"', ":", "- [ ] ", "<!-- c -->", "&#0;"]
EOLS = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\r\r", "\n \n", "\u2028", "\u2029", "\x85",
        "\x0b", "\x0c", "\x1c", "\x1e"]

any_char = st.characters(blacklist_categories=("Cs",))
token = st.one_of(st.sampled_from(WORDS), st.sampled_from(MARKUP), st.text(any_char, max_size=12))
line = st.one_of(
    st.lists(token, min_size=1, max_size=25).map(" ".join),
    st.lists(token, min_size=1, max_size=8).map("".join),
    st.builds(lambda w, n: (w + " ") * n, st.sampled_from(WORDS), st.integers(300, 3000)),
)
document = st.one_of(
    st.builds(lambda title, rest: title + "".join(ln + eol for ln, eol in rest),
              line, st.lists(st.tuples(st.sampled_from(EOLS), line).map(lambda t: t[::-1]),
                             max_size=12)),
    st.text(any_char, max_size=400),
)


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory) -> Path:
    """templates/ and static/, copied once for every example's project."""
    root = tmp_path_factory.mktemp("skeleton")
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, root / name)
    return root


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(text=document, bom=st.booleans())
def test_ingest_takes_any_text_and_writes_only_what_it_said(skeleton, text, bom):
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "raw").mkdir()
        raw = root / "raw" / "article.txt"
        raw.write_bytes(data)
        content = root / "content"
        try:
            report = ingest([root / "raw"], content, default_language="fr", jobs=1)
        except BroadsheetError:
            return  # one of ours: the CLI prints it as one line
        written = sorted(content.glob("*.md"))
        assert raw.read_bytes() == data
        if report.errors:
            assert all(isinstance(e, InputError) for e in report.errors), report.errors
            assert written == []
            return
        assert len(written) == 1 and not [p for p in content.iterdir() if p.name.startswith(".")]

        said = N(decode_text(data, raw)[0])
        article = frontmatter.load(written[0].read_text(encoding="utf-8"), written[0])
        assert N(article.title) in said
        for paragraph in article.body.split("\n\n"):
            seen = N(shown(paragraph))
            assert seen and seen in said, (paragraph, seen)

        event("ingested, then built")
        (root / "site.yaml").write_text(
            f"title: t\nbase_url: http://x.org/\ntemplates_dir: {skeleton / 'templates'}\n"
            f"static_dir: {skeleton / 'static'}\n", encoding="utf-8")
        assert main(["build", "--no-index", "--config", str(root / "site.yaml"), "-q",
                     "--jobs", "1"]) == 0
        assert (root / "site" / "articles" / f"{article.slug}.html").is_file()
