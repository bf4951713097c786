"""The prose shortcut of render.py: for text it takes, markdown_html and plain_text give what
markdown-it gives; text it cannot be sure of goes to markdown-it."""

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from markupsafe import Markup

from broadsheet.frontmatter import body_of
from broadsheet.publish import render
from broadsheet.publish.render import _blocks, _md, markdown_html, plain_text

ROOT = Path(__file__).resolve().parent.parent


def parsed_html(text: str) -> str:
    return _md().render(text)


def parsed_plain(text: str) -> str:
    return render._XML_FORBIDDEN.sub("", "\n\n".join(p for p in render._parsed_text(text) if p))


# Markdown's own characters, white space of every kind, digits and letters: the shortcut
# must either leave the text to markdown-it or agree with it
ALPHABET = st.sampled_from(list("ab é1 9.)\n\n\n-+*_`#>[]<&!=|~\\\"'\t\r\x00\x0b\u00a0\u2028"
                                "\u3000\u0085\ufeff:;,%"))
TEXT = st.lists(ALPHABET, max_size=60).map("".join)
# documents of blocks: prose between lists, quotes, code, headings, definitions, fences
LINES = st.sampled_from([
    "Une phrase simple.", "Suite, sur une ligne.", "\u00a0", "- item", "* star", "+ plus",
    "1. un", "2) deux", "    code", "  two spaces", "> quote", "# titre", "Titre", "===", "---",
    "[ref]: /url", "voir [ref]", "```", "~~~", "a *b* c", "x  ", "<b>", "AT&amp;T", "«Oui» !",
    "#5 sur la liste", "10 % de plus", "", "   ", "\t- tab"])
DOCUMENT = st.lists(st.tuples(LINES, st.sampled_from(["\n", "\n\n", "\n\n\n"])),
                    max_size=12).map(lambda xs: "".join(a + b for a, b in xs))
PROSE = st.lists(st.sampled_from(list("abc é\u00a0\"'.,;:%#!\n\n\n")), max_size=80).map("".join)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(st.one_of(TEXT, DOCUMENT, PROSE))
def test_shortcut_agrees_with_markdown_it(text):
    assert str(markdown_html.__wrapped__(text)) == parsed_html(text)
    assert plain_text(text) == parsed_plain(text)


def test_ordinary_paragraphs_take_the_shortcut():
    text = "Le ministre a dit « non » !\n\nUn second paragraphe,\nsur deux lignes, #2."
    assert _blocks(text) == [(True, "Le ministre a dit « non » !"),
                             (True, "Un second paragraphe,\nsur deux lignes, #2.")]
    assert markdown_html(text) == Markup(parsed_html(text))
    # the sample article: its paragraphs, and only its list is parsed
    sample = next((ROOT / "content").glob("*.md"))
    blocks = _blocks(body_of(sample.read_text(encoding="utf-8"), sample))
    assert [prose for prose, _ in blocks].count(False) == 1
    assert sum(prose for prose, _ in blocks) >= 5


def test_markup_is_never_taken_for_prose():
    for text in ("*bold*", "a <b>tag</b>", "[link](http://x)", "# heading", "- item",
                 "1. item", "    code", "a  \nb", "AT&amp;T", "line\n===", "x\r\ny"):
        assert _blocks(text) == [(False, text)], text
        assert markdown_html(text) == Markup(parsed_html(text))
    for text in ("[a]\n\n[a]: /u", "```\n\nb\n\n```"):  # one block changes another
        assert _blocks(text) is None
