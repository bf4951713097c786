"""The page's own date, found in its text: pages in the shape scrapers save them (menus,
teasers, the article, comments, footer), written for these tests with invented outlets."""

import datetime as dt

import pytest

from broadsheet.ingest.clean import clean
from broadsheet.ingest.dates import page_date, parse_date


def date_of(page: str) -> dt.date | None:
    """page: the headline on the first line, then the page's lines, as a .txt input."""
    title, *lines = [ln.strip() for ln in page.strip().splitlines() if ln.strip()]
    return page_date(list(enumerate(lines, start=2)), title)


NAV = "Startseite\nPolitik\nWirtschaft\nSport\nKultur\nSuche\n"
PROSE = ("The council voted on Tuesday to extend the harbour tram line by four stops, after "
         "a debate that ran late into the evening and drew a crowd of residents.")


@pytest.mark.parametrize("line, iso", [
    ("Nov 18, 2019 at 9:24 pm ET", "2019-11-18"),
    ("18.11.2019, 21:24 Uhr", "2019-11-18"),
    ("Publié le 18 novembre 2019 à 21h24", "2019-11-18"),
    ("18 listopada 2019, 21:24", "2019-11-18"),
    ("Publicado el 18 de noviembre de 2019", "2019-11-18"),
    ("Pubblicato il 18 novembre 2019 alle 21:24", "2019-11-18"),
    ("18 de novembro de 2019 às 21h24", "2019-11-18"),
    ("Gepubliceerd op 18 november 2019", "2019-11-18"),
    ("2019-11-18T21:24:00+01:00", "2019-11-18"),
    ("Montag, 18. Nov. 2019", "2019-11-18"),
    ("19.10.19, 11:29 Uhr", "2019-10-19"),
    ("11/18/2019 9:24 PM", "2019-11-18"),  # month first only when day first cannot be
    ("2021-02-30", None),
    ("Die Saison 2019/20 beginnt", None),
    ("vor 2 Stunden", None),
    ("yesterday at 9:24 pm", None),
])
def test_dates_in_many_forms_and_languages(line, iso):
    d = parse_date(line)
    assert (d.isoformat() if d else None) == iso


def test_fields_glued_by_the_scraper():
    # innerText puts the next field right after the year: "17/11/2019" "17/11/2019 ~ Name"
    assert parse_date("17/11/201917/11/2019 ~ Jo Example") == dt.date(2019, 11, 17)
    assert parse_date("miércoles, 4 de mayo de 202207:59 hs") == dt.date(2022, 5, 4)


def test_the_date_under_the_headline_not_the_mastheads_or_the_teasers():
    page = f"""Tram line to reach the harbour by 2025 | Harbour Times
Mittwoch, 8. Juli 2020
{NAV}
Tram line to reach the harbour by 2025
Von Anna Beispiel | 19. Oktober 2019, 19:08 Uhr
{PROSE}
{PROSE} Again.
Mehr zum Thema
3. Oktober 2019
Bus fares frozen for a year
"""
    assert date_of(page) == dt.date(2019, 10, 19)


def test_published_rather_than_updated():
    page = f"""Council approves the budget
{NAV}
Council approves the budget
Aktualisiert am 21.01.2022, 11:39 Uhr
Veröffentlicht am 11.01.2022, 09:50 Uhr
{PROSE}
"""
    assert date_of(page) == dt.date(2022, 1, 11)
    page = f"""Council approves the budget
Council approves the budget
PUBLISHED: November 8, 2023 at 4:56 p.m. | UPDATED: November 9, 2023 at 6:00 p.m.
{PROSE}
"""
    assert date_of(page) == dt.date(2023, 11, 8)


def test_an_updated_date_when_nothing_else_is_stated():
    page = f"""Le port agrandit ses quais
Le port agrandit ses quais
Mis à jour le 12 mars 2019 à 14h05
{PROSE}
"""
    assert date_of(page) == dt.date(2019, 3, 12)


def test_relative_dates_give_none():
    page = f"""Storm closes the coast road
{NAV}
Storm closes the coast road
vor 2 Stunden
{PROSE}
Aktualisiert gestern, 18:30 Uhr
"""
    assert date_of(page) is None


def test_a_comment_below_the_article_is_not_the_pages_date():
    page = f"""Ferry timetable changes this winter
Ferry timetable changes this winter
By Sam Example
{PROSE}
{PROSE} More.
{PROSE} And more.
""" + "\n".join(f"{PROSE} Paragraph {i}." for i in range(30)) + """
3 comments
Jo Reader March 26, 2018 at 1:09 pm Reply
Great news for commuters.
"""
    assert date_of(page) is None


def test_a_copyright_year_is_not_a_date():
    page = f"""Festival returns to the old town
Festival returns to the old town
{PROSE}
© 2021 Harbour Times. All rights reserved.
Copyright 2019-2021 Harbour Times Media, 12.03.2021
"""
    assert date_of(page) is None


def test_a_date_the_text_talks_about_is_not_the_pages():
    page = f"""Bridge repairs start in spring
Bridge repairs start in spring
Die Arbeiten beginnen am 16. März 2022 und dauern bis zum 30. Juni 2022, wie die Stadt am Montag mitteilte.
Ab dem 1. April 2022 gilt eine Umleitung.
"""
    assert date_of(page) is None


def test_a_date_in_the_headline_is_its_subject():
    page = """Protokoll der Sitzung vom 10. Oktober 2019 – Verein Beispiel
Protokoll der Sitzung vom 10. Oktober 2019
26/12/2019 von Webteam
Der Vorstand hat die folgenden Punkte besprochen und beschlossen, wie unten aufgeführt.
"""
    assert date_of(page) == dt.date(2019, 12, 26)


def test_the_date_line_leaves_the_body_and_dates_the_article():
    state = clean(f"""Tram line to reach the harbour
Tram line to reach the harbour
Publié le 12 mars 2019 à 14h05
{PROSE}
{PROSE} Again.
""")
    assert state.date == dt.date(2019, 3, 12)
    assert {ln.text: ln.drop for ln in state.lines}["Publié le 12 mars 2019 à 14h05"] == "date"


def test_a_byline_with_its_date_stays_for_the_cleaner_to_judge():
    byline = "Von Anna Beispiel und Ben Muster, Redaktion Politik | 19. Oktober 2019, 19:08 Uhr"
    state = clean(f"Tram line\n\nTram line\n\n{byline}\n\n{PROSE}\n\n{PROSE} Again.\n")
    assert state.date == dt.date(2019, 10, 19)
    assert {ln.text: ln.drop for ln in state.lines}[byline] != "date"


def test_published_with_a_time_first_wins_over_an_update_without_a_headline_in_the_text():
    """'Published 3:15 PM EST, March 4, 2024' then 'Updated: 2024-03-05', and no line
    repeating the headline: the publication date, not the update's."""
    lines = ["By Maria Lopez, Staff Writer", "Published 3:15 PM EST, March 4, 2024",
             "Updated: 2024-03-05",
             "The city fined the festival for its cookie banner, which asked nothing of anyone."]
    assert page_date(list(enumerate(lines)), "Cookie fine upheld on appeal") == dt.date(2024, 3, 4)
    # a plain date near the top also beats an update's
    lines[1] = "March 4, 2024"
    assert page_date(list(enumerate(lines)), "Cookie fine upheld on appeal") == dt.date(2024, 3, 4)
