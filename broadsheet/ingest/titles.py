"""The headline a page declares, without the site name glued to it.

A page's declared title (og:title, <title>) is often "Headline – Site", "Site | Headline" or
"Headline - Section - Site". The page's own text tells which part is the headline: the
headline (its H1) usually stands again as a line of its own, and the site's name does not
read as one. When the text says nothing, a part that names the site (a domain, a name other
pages of the same ingest end with, the outlet the page names) is cut; else the title stays
whole: a headline may hold " - " or ":" of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from broadsheet.ingest.lexicon import norm, tidy

# Separators between a headline and a site or section name, spaced: " | ", " – ", " » ".
# A hyphen inside a word ("Corona-Leugnern") or a colon without a space before it is not one
# unless the text proves it (see _WEAK).
_STRONG = r"\s+[|│ǀ·•»›~/\\]\s+|\s+[-–—]+\s+|\s*[|│ǀ]\s*|\s+::?\s+"
_WEAK = r":\s+"  # "Site: Headline", "Thema: Headline": only on the text's word
_SPLIT = re.compile(rf"(?:{_STRONG}|{_WEAK})")
_SITE_SEP = re.compile(r"\s+[|│ǀ·•»›~]\s+|\s+[-–—]+\s+|\s*[|│ǀ]\s*")
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")  # a piece without one ("08.11.2021") is a date or a number


@dataclass(frozen=True)
class Headline:
    title: str  # the headline
    site: str | None = None  # the part cut as the site's name, if one was


def parts(title: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the pieces of title between separators."""
    spans, start = [], 0
    for m in _SPLIT.finditer(title):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(title):
        spans.append((start, len(title)))
    return spans


def _runs(title: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Every run of consecutive pieces (i, j inclusive) and its text, longest first."""
    # runs of at most MAX_PIECES pieces: a line of thousands (a menu glued into one line)
    # would otherwise give millions
    runs = [(i, j, title[pieces[i][0]:pieces[j][1]].strip())
            for i in range(len(pieces)) for j in range(i, min(i + MAX_PIECES, len(pieces)))]
    return sorted(runs, key=lambda r: (-len(r[2]), r[0]))


@lru_cache(maxsize=4096)  # a page's lines are keyed by several of the steps below
def _key(text: str) -> str:
    """Lines compared as a reader sees them: case, spacing and quotes aside."""
    return " ".join(_WORD.findall(norm(text)))


def headline(title: str, lines: Sequence[str], sites: Iterable[str] = (),
             alike: bool = True) -> Headline:
    """The headline in title, with the site name cut from it (see the module's doc).
    lines: the page's text after its title; sites: names known to be the site's; alike:
    whether a line only much like the title may stand for it (not in what trafilatura kept
    of a web page: its body rarely repeats the H1, and a line like the title there is the
    lead or a subheading)."""
    title = title.strip()
    pieces = [(a, b) for a, b in parts(title) if _LETTER.search(title[a:b])]
    if not pieces or len(pieces) > MAX_PIECES:
        # a "title" of many pieces is a breadcrumb or a list, not a headline with its site's
        # name; and its runs of pieces grow as the square of their number
        return Headline(title)
    site_keys = {_key(s) for s in sites if _key(s)} | _named_on_page(title, lines)
    found = _shown(title, pieces, lines, site_keys, alike)
    if found:
        i, j, line = found
        if line.endswith(".") and not line.endswith("..") and not title.endswith("."):
            line = line[:-1]  # "Headline." as a sentence in the page, not in its title
        return Headline(line, _rest(title, pieces, i, j))
    cut = None
    for end in (-1, 0) if len(pieces) > 1 else ():  # a title that is only a name stays
        a, b = pieces[end]
        rest = pieces[:-1] if end == -1 else pieces[1:]
        if (_key(title[a:b]) in site_keys or _is_domain(title[a:b])) and \
                not _is_domain(title[rest[0][0]:rest[-1][1]]):
            cut = Headline(title[rest[0][0]:rest[-1][1]].strip(" :"), title[a:b].strip())
            break
    heading = _heading(title, lines) if alike else None
    if heading:
        return Headline(heading, cut.site if cut else None)
    return cut or Headline(title)


MAX_PIECES = 12  # a headline, a kicker, a section and a site's name are a few pieces
PROSE_WORDS = 15  # a line this long is text, not a heading, a menu or a name
MAX_WORDS = 40
SIMILAR = 0.6
FAR = 20  # lines: what heads the menu is further, what signs the footer further still
NEAR = 6  # a headline stands at most this many lines above the text it heads
FUZZY_NEAR = 6
TEXT_WORDS = 40  # words: a paragraph this long is the text itself  # a line only like the title must stand right above the text


def _to_prose(keys: list[str]) -> list[int]:
    """For each line, how many lines down the next line of prose is (a large number if none)."""
    out, next_prose = [0] * len(keys), 10 ** 6
    for n in range(len(keys) - 1, -1, -1):
        out[n] = next_prose - n
        if len(keys[n].split()) >= PROSE_WORDS:
            next_prose = n
    return out


def _words(text: str) -> set[str]:
    return set(_WORD.findall(norm(text)))


def _similar(a: set[str], b: set[str]) -> float:
    """Dice's coefficient of two sets of words."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _distance(gap: int) -> int:
    """Near (0), a little further (1) or far (2) above the text."""
    return 0 if gap <= NEAR else 1 if gap <= FAR else 2


def _shown(title: str, pieces, lines: Sequence[str], sites: set[str],
           alike: bool = True) -> tuple[int, int, str] | None:
    """The line of the page that shows the headline, as the page writes it, and the run of
    pieces of the title it shows (i, j): a line equal to a run, else a line much like one."""
    keys = [_key(ln) for ln in lines]
    gaps = _to_prose(keys)
    runs = [(i, j, _key(text)) for i, j, text in _runs(title, pieces)
            if _WORD.search(text) and not _is_domain(text) and _key(text) not in sites]
    return _equal(title, pieces, runs, lines, keys, gaps) or (
        _alike(title, pieces, runs, lines, keys, gaps) if alike else None)


def _equal(title, pieces, runs, lines, keys, gaps):
    """Of the lines equal to a run, the one nearest above the text (a headline heads the
    article; the site's name heads the menu or signs the footer), then the longer. A lone
    piece at one end of the title, shorter than the rest, is the site's name in the footer
    ("Headline | Site" and "Site" in the last lines) unless it heads some text."""
    by_key = {rk: (i, j) for i, j, rk in reversed(runs)}  # the longest run of a key
    found = []
    for n, k in enumerate(keys):
        if k not in by_key:
            continue
        i, j = by_key[k]
        lone_end = i == j and (i == 0 or j == len(pieces) - 1) and len(pieces) > 1 and \
            2 * len(k.split()) < len(_key(title).split()) and not _site_beside(title, pieces, i)
        if _kicker(title, pieces, i, j):
            continue
        if _distance(gaps[n]) < 2 or not lone_end:  # then the line as the title spells it
            as_titled = lines[n].strip() == title[pieces[i][0]:pieces[j][1]].strip()
            found.append((_distance(gaps[n]), -len(k), not as_titled, n))
    if not found:
        return None
    n = min(found)[-1]
    i, j = by_key[keys[n]]
    if (whole := _split_in_two(title, pieces, i, j, keys, n)) is not None:
        i, j = whole
        return i, j, title[pieces[i][0]:pieces[j][1]].strip()
    return i, j, lines[n].strip()


def _split_in_two(title, pieces, i, j, keys, n) -> tuple[int, int] | None:
    """Whether the page shows more of the title as the line next to the run's line: a kicker
    above its headline ("Hohenweiler" over "Gemeinderat stoppt Windpark"), a subtitle under
    it ("Tanz in der Lokremise:" over "Mit allen Wassern gewaschen", the title going on with
    "| Tagblatt"). The pieces (first, last) of the page's whole headline, or None."""
    def run(a: int, b: int) -> str:
        return _key(title[pieces[a][0]:pieces[b][1]])

    # a line above is the title's kicker only when it opens the title and the run ends it or
    # follows a colon; else it is a section's name over the headline ("Aktuelles")
    kicked = j == len(pieces) - 1 or title[pieces[i - 1][1]:pieces[i][0]].strip() == ":"
    above = 0 if i > 0 and kicked and n > 0 and keys[n - 1] == run(0, i - 1) else None
    below = next((b for b in range(len(pieces) - 1, j, -1)
                  if i == 0 and n + 1 < len(keys) and keys[n + 1] == run(j + 1, b)), None)
    if above is None and below is None:
        return None
    return (i if above is None else above), (j if below is None else below)


def _site_beside(title: str, pieces, i: int) -> bool:
    """Whether the other end of the title names a site by its domain ("Maulwurfkuchen mit
    Erdbeeren - Rezept von Backen.de"): then the lone piece shown is the headline."""
    a, b = pieces[-1] if i == 0 else pieces[0]
    return any(_is_domain(w) for w in title[a:b].split())


def _kicker(title: str, pieces, i: int, j: int) -> bool:
    """Whether the run is what opens "Kicker: Headline" ("Brêmes : Gisèle Arnaud, la mémoire
    du moulin…"): before a colon, and shorter than what follows it."""
    if j == len(pieces) - 1 or title[pieces[j][1]:pieces[j + 1][0]].strip() != ":":
        return False
    end = j + 1  # what the colon opens, up to the next other separator: "… : Site | Motto"
    while end + 1 < len(pieces) and title[pieces[end][1]:pieces[end + 1][0]].strip() == ":":
        end += 1
    return len(_key(title[pieces[i][0]:pieces[j][1]]).split()) <= len(
        _key(title[pieces[j + 1][0]:pieces[end][1]]).split())


def _text_starts(keys: list[str]) -> int:
    """The first long paragraph: the text has begun, and its headline stood above it."""
    return next((n for n, k in enumerate(keys) if len(k.split()) >= TEXT_WORDS), len(keys))


def _alike(title, pieces, runs, lines, keys, gaps):
    """A line just above the text much like a run of a few words that opens the title (where
    a headline stands; a site's name glued first stands as itself) ("Hingucker beim
    Flugplatzfest in Dessau: ..." for the title's "Hingucker beim Flugplatzfest: ..."). When
    that line glues the run to something else ("Kicker : Headline", "Headline | SITE.NET"),
    the run."""
    from broadsheet.ingest.lexicon import lexicon
    read_more = lexicon().read_more_re
    found = []
    for n, k in enumerate(keys[:_text_starts(keys)]):
        if not k or gaps[n] > FUZZY_NEAR or len(k.split()) > MAX_WORDS:
            continue
        if read_more.match(tidy(lines[n])):  # "Read more: <another story's headline>"
            continue
        words = set(k.split())
        for i, j, rk in runs:
            if i == 0 and len(rk.split()) >= 3 and (sim := _similar(set(rk.split()), words)) >= SIMILAR:
                found.append((-sim, gaps[n], i, j, n))
    if not found:
        return None
    *_, i, j, n = min(found)
    line = lines[n].strip()
    run = title[pieces[i][0]:pieces[j][1]].strip()
    shown = {_key(t) for *_, t in _runs(line, parts(line))}
    glued = _key(line).startswith(_key(run))  # "Headline Photo: Jane Roe / AFP"
    return i, j, run if glued or _key(run) in shown else line


RELATED = 0.3  # Dice's coefficient of a heading's words and the title's: the same story


def _heading(title: str, lines: Sequence[str]) -> str | None:
    """When no line shows the title, the heading just above the text that tells the same
    story in other words (og:title is often the teaser's or the search engine's: "Alaska
    Airlines to become full Oneworld member by spring" for the page's "Alaska Airlines sets
    new date for full Oneworld membership"): of the short lines at most NEAR lines above the
    first prose, before the text has begun, the one sharing the most words with the title
    without its end pieces that read as names. Not a sentence (a photo's caption), not a
    list of tags."""
    from broadsheet.ingest.outlets import looks_like_name

    keys = [_key(ln) for ln in lines]
    gaps = _to_prose(keys)
    whole = _key(title)
    names = [_key(p) for p in end_pieces(title) if looks_like_name(p)]
    story = {w for w in whole.split() if not any(w in name.split() for name in names)}
    found = []
    for n, k in enumerate(keys[:_text_starts(keys)]):
        if not k or gaps[n] > NEAR or len(k.split()) >= PROSE_WORDS or _tag_list(lines[n]) \
                or lines[n].rstrip().endswith(".") or _SENTENCE_INSIDE.search(lines[n]) \
                or n and _sentence(lines[n - 1]):
            continue  # a subheading of a text already begun
        words = _content(k)
        shared = len(words & _content(" ".join(story)))
        if shared < 2 and not (shared and 2 * shared >= len(words)) or _listed(lines, keys, n):
            continue  # one word in common, among many: a caption, a prompt naming a place
        if (sim := _similar(set(k.split()), story)) >= RELATED:
            found.append((-sim, gaps[n], n))
    return lines[min(found)[2]].strip() if found else None


# a sentence ended inside the line ("… der Bundesregierung. (Foto: dpa)"): a photo's caption
# or a lead, not a heading (a word of three letters or more before the stop: not "St. Gallen")
_SENTENCE_INSIDE = re.compile(r"[^\W\d_]{3,}[.!?]\s+\S")


def _sentence(line: str) -> bool:
    """A paragraph of the text: long, and ending as a sentence does."""
    return len(_WORD.findall(line)) >= PROSE_WORDS and line.rstrip()[-1:] in ".!?…\"”»)"


def _content(key: str) -> set[str]:
    """The words of four letters or more: what a story is about, in any language."""
    return {w for w in key.split() if len(w) >= 4}


def _listed(lines: Sequence[str], keys: list[str], n: int) -> bool:
    """Whether line n is in a list of other stories: below a "Most read" heading, with only
    short lines between."""
    from broadsheet.ingest.lexicon import lexicon

    most_read = lexicon().most_read_re
    for m in range(n - 1, max(-1, n - 1 - NEAR), -1):
        if most_read.match(tidy(lines[m])):
            return True
        if len(keys[m].split()) >= PROSE_WORDS:
            return False
    return False


def _tag_list(line: str) -> bool:
    """"Artwork, Handy & Smartphone, Photo, Insekten": three items or more of a few words
    each, a list of tags or categories, not a heading."""
    items = line.split(",")
    return len(items) >= 3 and all(len(_WORD.findall(item)) <= 3 for item in items)


SITE_LINES = 2  # lines of the page naming a title's end piece: the site's name


def _named_on_page(title: str, lines: Sequence[str]) -> set[str]:
    """A title's end piece ("… - Abenteuer Astronomie") that reads as a name, no longer than
    the rest of the title, and that the page names again in SITE_LINES lines or more, or in
    a copyright line (its logo, menu, footer): the site's name, even where it heads some
    text (a blog's name above its latest post). Both ends so named: neither."""
    from broadsheet.ingest.outlets import looks_like_name

    whole = _key(title)
    named = set()
    for piece in end_pieces(title):
        key = _key(piece)
        if not key or not looks_like_name(piece):
            continue
        naming = [ln for ln in lines if f" {key} " in f" {_key(ln)} " and whole not in _key(ln)]
        if len(naming) >= SITE_LINES or any("©" in ln or "copyright" in ln.lower()
                                            for ln in naming):
            named.add(key)
    if len(named) != 1:  # "Unbefriedigt | Deviante Pfade": which?
        return set()
    key = next(iter(named))
    return named if len(key.split()) <= len(whole.split()) - len(key.split()) else set()


def _rest(title: str, pieces, i: int, j: int) -> str | None:
    """What the headline leaves of the title, when it is one end: the site's name."""
    if i == 0 and j == len(pieces) - 1:
        return None
    if i == 0:
        return title[pieces[j + 1][0]:].strip() if j + 1 == len(pieces) - 1 else None
    if j == len(pieces) - 1:
        return title[:pieces[i - 1][1]].strip() if i == 1 else None
    return None


_DOMAIN = re.compile(r"^(?:www\.)?[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}$", re.I)


def _is_domain(text: str) -> bool:
    from tld import get_tld
    text = text.strip()
    return bool(_DOMAIN.match(text)) and get_tld(text, fix_protocol=True,
                                                fail_silently=True) is not None


def end_pieces(title: str) -> tuple[str, ...]:
    """Where a site's name would stand in a title: its last piece after a separator
    ("… – Le Courrier du Soir", "… | Nordpost"), its first before a bar ("Diario HOY | …").
    Not a piece cut by a colon: "Valbourg : le tramway…" opens with a place."""
    title = title.strip()
    cuts = list(_SITE_SEP.finditer(title))
    if not cuts:
        return ()
    found = [title[cuts[-1].end():].strip()]
    if re.search(r"[|│ǀ]", cuts[0].group(0)):
        found.append(title[:cuts[0].start()].strip())
    return tuple(p for p in found if _LETTER.search(p))


# --- a web page: its <h1> and its declared titles --------------------------------------------

def _h1_parts(h1) -> list[str]:
    """An <h1>'s pieces: its own text, each child element's text and the text after it
    ("<span>Klimaschutz</span>: <span>Bohren, bis es heiß wird</span>")."""
    found = [h1.text or ""]
    for child in h1:
        if isinstance(child.tag, str):
            found.append(child.text_content())
        found.append(child.tail or "")
    return [" ".join(p.split()) for p in found if _LETTER.search(p)]


def _tier(text: str, declared: Sequence[str], sites: set[str]) -> int | None:
    """How strongly the declared titles vouch for text as the headline: 0 when it is a run of
    a title's pieces (not one end piece shorter than the rest: that is the site's name, a
    blog's logo in its <h1>; not the place opening "Kicker: Headline"), 1 when a title holds
    it, 2 when it is much like one; None when it is the site's name or nothing like a title."""
    key = _key(text)
    if not key or key in sites or _is_domain(text):
        return None
    best = None
    for title in declared:
        pieces = [(a, b) for a, b in parts(title) if _LETTER.search(title[a:b])]
        whole = _key(title)
        for i, j, run in _runs(title, pieces):
            if _key(run) != key:
                continue
            lone_end = i == j and len(pieces) > 1 and i in (0, len(pieces) - 1) and \
                2 * len(key.split()) < len(whole.split())
            if not lone_end and not _kicker(title, pieces, i, j):
                return 0
        if len(key.split()) >= 2 and f" {key} " in f" {whole} ":
            best = min(best if best is not None else 9, 1)
        elif _similar(set(key.split()), set(whole.split())) >= 0.5:
            best = min(best if best is not None else 9, 2)
    return best


HEADING_WORDS = 3  # a lone <h1> this long, unlike the declared titles, is still the headline


def shown_headline(declared: Sequence[str], headings: Sequence[Sequence[str]],
                   sites: Iterable[str] = ()) -> str | None:
    """The headline a web page shows in an <h1>, its declared titles (og:title, <title>)
    vouching for it. headings: each <h1> as its text, then its pieces (see _h1_parts); of an
    <h1> glued from a kicker and a headline, the longest piece a title vouches for. With no
    vouched <h1>, the page's only <h1> of a few words that is not the site's name (a page
    whose og:title is its teaser's). None: no <h1> tells."""
    site_keys = {_key(s) for s in sites if _key(s)}
    declared = [t for t in declared if t and t.strip()]
    found, content = [], set()
    for text, *pieces in headings:
        if not _key(text):
            continue
        candidates = [(text, 1)] + ([(p, 0) for p in pieces] if len(pieces) >= 2 else [])
        for candidate, whole in candidates:
            tier = _tier(candidate, declared, site_keys)
            if tier is not None:
                found.append((tier, whole, -len(candidate), candidate))
        if _key(text) not in site_keys and not _is_domain(text) and \
                len(_key(text).split()) >= HEADING_WORDS:
            content.add(text)
    if found:
        return min(found)[3]
    return content.pop() if len(content) == 1 else None


def html_headline(data: bytes, title: str, url: str | None = None) -> str:
    """The headline of a saved web page: the <h1> its declared titles vouch for (see
    shown_headline), else its og:title or <title> (trafilatura's title, else: the page's only
    <h1>, a class="title", an <h2>: a blog's name or a menu's heading as often as not). The
    site's name is the page's og:site_name, application-name or its URL's domain: what
    trafilatura calls the site name is, without those, a piece of the title."""
    from trafilatura.utils import load_html

    from broadsheet.ingest.outlets import url_names

    tree = load_html(data)
    if tree is None:
        return title

    def meta(xpath: str) -> list[str]:
        return [" ".join(str(v).split()) for v in tree.xpath(xpath) if str(v).strip()]

    declared = (meta("//meta[@property='og:title']/@content")[:1]
                + meta("//head/title/text()|//title/text()")[:1])
    sites = (meta("//meta[@property='og:site_name']/@content")
             + meta("//meta[@name='application-name']/@content") + list(url_names(url)))
    headings = [[" ".join(h.text_content().split()), *_h1_parts(h)] for h in tree.xpath("//h1")]
    return shown_headline(declared or [title], headings, sites) or (declared or [title])[0]
