import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadsheet import frontmatter
from broadsheet.errors import ContentError
from broadsheet.model import Article


def load(text, name="a.md"):
    return frontmatter.load(text, name)


def test_hand_written_file_is_a_valid_article():
    a = load("---\ntitle: Hello\ndate: 2015-10-27\nslug: hello\ntags: [Irak, Syrie]\n"
             "source: Le Monde\nlanguage: fr\n---\n\nSome *text*.\n")
    assert a.title == "Hello" and a.date == dt.date(2015, 10, 27)
    assert a.tags == ("Irak", "Syrie") and a.body == "Some *text*."


def test_slug_defaults_to_the_file_name():
    assert load("---\ntitle: X\n---\n", "my-post.md").slug == "my-post"
    assert load("---\ntitle: X\n---\n", "Mon Billet.md").slug == "mon-billet"


@pytest.mark.parametrize("text, line, words", [
    ("---\ntitle: A\nwriter: me\n---\n", 3, "unknown key 'writer'"),
    ("---\ntitle: A\ntags: Irak\n---\n", 3, "'tags' must be a list"),
    ("---\ntitle: A\ndate: yesterday\n---\n", 3, "'date' must be a date"),
    ("---\ntitle: [a, b]\n---\n", 2, "'title' must be text"),
    ("---\nsource: x\n---\n", 1, "missing required key 'title'"),
    ("---\ntitle: A\ntitle: B\n---\n", 3, "duplicate key 'title'"),
    ("---\ntitle: A\nslug: ../../etc\n---\n", 3, "'slug' must be"),
    ("---\ntitle: A\n  bad: [\n---\n", 3, "front matter"),
    ("---\ntitle: A\n", 1, "never closed"),
    ("title: A\n", 1, "no front matter"),
    ("---\ntitle: !!python/object:os.system x\n---\n", 2, "front matter"),
])
def test_errors_name_file_and_line(text, line, words):
    with pytest.raises(ContentError) as err:
        load(text, "content/x.md")
    assert err.value.line == line, str(err.value)
    assert words in str(err.value)
    assert str(err.value).startswith(f"content/x.md:{line}: ")


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40) \
    .filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None)
@given(title=names, tags=st.lists(names, max_size=4),
       body=st.text(st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t"),
                    max_size=200),  # control characters are dropped on purpose
       date=st.none() | st.dates(min_value=dt.date(1900, 1, 1)))
def test_dump_then_load_round_trips(title, tags, body, date):
    article = Article(title=title.strip(), slug="x", body=body.strip("\n"), date=date,
                      tags=tuple(t.strip() for t in tags))
    text = frontmatter.dump(article)
    back = load(text, "x.md")
    assert back.title == article.title and back.tags == article.tags
    assert back.date == article.date
    assert back.body.strip() == article.body.strip()
    assert frontmatter.dump(back) == text
