"""Cleaning: an ordered list of named rules over one state (as markdown-it-py's core).

Each rule is a pure function State -> State. A rule marks the lines it removes with its own
name (so `broadsheet explain FILE` can show why a line went) and may collect metadata on the
way: agencies, related headlines, source names, dates. To teach the cleaner a new kind of
leftover, add a rule to CLEANERS or a phrase to data/lexicon.yaml.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from broadsheet.ingest import authors, titles
from broadsheet.ingest.dates import page_date, parse_date
from broadsheet.ingest.features import INDEX, MASTHEAD, line_features
from broadsheet.ingest.lexicon import lexicon, norm, tidy
from broadsheet.ingest.linemodel import decide, line_model, probabilities, stage2_input

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…»\"”)\]]\s*$")


@dataclass(frozen=True)
class Line:
    text: str
    number: int  # 1-based line number in the raw file
    tidy: str = ""  # tidy(text) and norm(text), computed once: every rule reads them
    norm: str = ""
    words: int = 0  # its number of words, counted once: every rule asks it
    drop: str | None = None  # the rule that removed it; None = still body
    consent: int = 0  # how many consent-banner phrases it holds
    banner: bool = False  # consent text in the site's voice; `structure` decides by position
    score: float | None = None  # the line model's probability that it is body


@dataclass(frozen=True)
class State:
    title: str
    lines: tuple[Line, ...]
    boilerplate: frozenset[str] = frozenset()  # norm()ed lines that recur across the source
    agencies: tuple[tuple[int, str], ...] = ()  # (line number, short name): text credits
    related: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # outlet names its furniture states (follow-us, cookie text)
    tail_names: tuple[str, ...] = ()  # names standing alone after the body: weaker candidates
    owners: tuple[str, ...] = ()  # copyright holders: often the publishing group, weakest
    source: str | None = None  # decided with the corpus in view (pipeline.clean_corpus)
    dates: tuple[dt.date, ...] = ()  # the dates of the date lines the cleaner dropped
    date: dt.date | None = None  # the page's own date, from any line (dates.page_date)
    extracted: bool = False  # the text is what trafilatura kept of a web page, not all of it
    sites: frozenset[str] = frozenset()  # names other pages of the ingest glue to their titles
    site: str | None = None  # the site's name cut from the declared title (a source candidate)
    authors: tuple[str, ...] = ()  # named by the page's first byline


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_prose(line: Line) -> bool:
    n = line.words
    return n >= 20 or (n >= 4 and bool(_SENTENCE_END.search(line.text)))


def _mark(state: State, rule: str, test: Callable[[Line], object], **collect) -> State:
    """Drop every live line for which test() is truthy; collect() extras from its result."""
    lines, gathered = [], {k: list(getattr(state, k)) for k in collect}
    for line in state.lines:
        found = test(line) if line.drop is None else None
        if found:
            line = dataclasses.replace(line, drop=rule)
            for key, fn in collect.items():
                gathered[key].extend(fn(found, line))
        lines.append(line)
    return dataclasses.replace(state, lines=tuple(lines),
                               **{k: tuple(v) for k, v in gathered.items()})


def _agency_names(text: str, number: int) -> list[tuple[int, str]]:
    lex = lexicon()
    return [(number, lex.agencies[norm(m.group(0))]) for m in lex.agency_re.finditer(text)]


def agencies_of(state: State) -> tuple[str, ...]:
    """Short names of the agencies credited for the text, in the order the page credits them."""
    return tuple(dict.fromkeys(name for _, name in sorted(state.agencies, key=lambda a: a[0])))


# --- rules ---------------------------------------------------------------------------------

def headline(state: State) -> State:
    """The declared title without the site's name glued to it (see titles.py)."""
    found = titles.headline(state.title, [ln.text for ln in state.lines], state.sites,
                            alike=not state.extracted)
    return dataclasses.replace(state, title=found.title, site=found.site)


def repeated_title(state: State) -> State:
    """The headline repeated above the photo, often with the photo's credit glued on."""
    title = norm(state.title)
    return _mark(state, "repeated-title",
                 lambda ln: ln.norm.startswith(title) and ln.words <= 2 * _words(title) + 8)


def agency_credit(state: State) -> State:
    """'- Avec AFP', 'By Associated Press', 'Fonte: Reuters, ANSA', 'Reporting by X for
    Reuters; Editing by Y': the agencies credited for the text."""
    lex = lexicon()

    def credit(line: Line):
        text = line.tidy
        if line.words <= 12 and lex.credit_re.match(text):
            return _agency_names(text, line.number) or True
        if line.words <= 30 and (m := lex.reporting_re.match(text)):
            return _agency_names(m.group("agency"), line.number) if m.group("agency") else True
        return None

    return _mark(state, "agency-credit", credit,
                 agencies=lambda found, ln: found if isinstance(found, list) else [])


def dateline(state: State) -> State:
    """'Bonn (dpa) - ...' opens a paragraph of the body: credit the agency, keep the text."""
    lex = lexicon()
    found = []
    for line in state.lines:
        if line.drop is None and (m := lex.dateline_re.match(line.tidy)):
            found.extend(_agency_names(m.group("agencies"), line.number))
    return dataclasses.replace(state, agencies=state.agencies + tuple(found))


def copyright_line(state: State) -> State:
    """'© 2021 The Harbour Times. All rights reserved.' (its owner is a source candidate)."""
    lex = lexicon()
    owner = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*(?:[-–]\s*\d{4}\s*)?)?"
                       r"(?P<name>[^.,|©]{2,60}?)\s*(?:[.,|]|$)", re.I)

    def owners(m, line):
        text = unicodedata.normalize("NFC", line.text)  # the name as the outlet writes it
        if not re.search(r"\d{4}|rights|droits|rechte|derechos|diritti", text, re.I):
            return []  # "© Reuters" under a photo credits the photo, not the page
        o = owner.search(text)
        name = re.sub(r"\s+\d{4}$", "", o.group("name").strip()) if o else ""
        if not re.search(r"[^\W\d_]", name):  # "Il Corriere Adriatico S.r.l. – © 2023"
            name = re.split(r"©|\(c\)|copyright", text, flags=re.I)[0]
        return [name] if re.search(r"[^\W\d_]", name) else []

    return _mark(state, "copyright",
                 lambda ln: ln.words <= 25 and lex.copyright_re.search(ln.tidy),
                 owners=owners)


def photo_caption(state: State) -> State:
    """Captions carry a credit: 'Photo : X / AFP', '© Reuters', 'Source: Reuters'. A short
    one-sentence line glued to a credit line (no blank line between) is its caption."""
    lex = lexicon()
    state = _mark(state, "photo-caption",
                  lambda ln: ln.words <= 40 and (lex.photo_re.search(ln.tidy)
                                                       or _AGENCY_SLASH.match(ln.tidy)
                                                       or _CREDIT_END.search(ln.tidy)))
    credits = {ln.number for ln in state.lines if ln.drop in ("photo-caption", "copyright")}
    return _mark(state, "photo-caption",
                 lambda ln: ({ln.number - 1, ln.number + 1} & credits) and ln.words <= 25
                 and len(re.findall(r"[.!?](?:\s|$)", ln.text)) <= 1)


# "REUTERS/Paul Brandt", "AFP/Getty", "EPA-EFE/Juan Pérez": how wire photos are credited
_AGENCY_SLASH = re.compile(r"^\(?[A-Z][A-Z\-]{1,15}(?:\s*/\s*[\w .\-']+)+\)?$")
# "… at the ferry terminal. (Dana Whitfield/The Harbor Courier)": a caption's closing credit
_CREDIT_END = re.compile(r"\(\s*[A-ZÀ-Ý][\w.'’\-]*(?:\s+[A-ZÀ-Ý][\w.'’\-]*){0,3}\s*/\s*"
                         r"[A-ZÀ-Ý][^()/]{1,50}\)\s*$")


def follow_us(state: State) -> State:
    """'Suivez RT en français surTelegram', 'Follow us on X': the name followed is the outlet."""
    lex = lexicon()

    def name(m, line):
        n = (m.group("name") or "").strip(" :-–")
        return [n] if n and norm(n) not in lex.not_names and n[0].isupper() else []

    return _mark(state, "follow-us",
                 lambda ln: ln.words <= 20 and lex.follow_re.match(ln.tidy),
                 sources=name)


def read_more(state: State) -> State:
    """'En savoir plus : <headline>' links to another article: keep the headline as related."""
    lex = lexicon()
    # matched on the line as written, so the headline keeps its own apostrophes and spaces
    return _mark(state, "read-more",
                 lambda ln: ln.words <= 40 and lex.read_more_re.match(
                     unicodedata.normalize("NFC", ln.text)),
                 related=lambda m, ln: [m.group("headline").strip()])


def lists(state: State) -> State:
    """A heading alone on its line ('Mehr zum Thema', 'Les plus lus') and the headlines on the
    lines right under it: links to related articles are kept as `related`, lists of other
    stories (most read) go."""
    lex = lexicon()
    lines, related = list(state.lines), list(state.related)
    i = 0
    while i < len(lines):
        line = lines[i]
        kind = None
        if line.drop is None and line.words <= 8:
            text = line.tidy
            kind = ("related-list" if lex.read_more_heading_re.match(text)
                    else "most-read" if lex.most_read_re.match(text) else None)
        if kind is None:
            i += 1
            continue
        lines[i] = dataclasses.replace(line, drop=kind)
        j = i + 1
        while (j < len(lines) and lines[j].drop is None and lines[j].number == lines[j - 1].number + 1
               and lines[j].words <= 25 and _headline_like(lines[j], lex)):
            lines[j] = dataclasses.replace(lines[j], drop=kind)
            if kind == "related-list":
                related.append(unicodedata.normalize("NFC", lines[j].text).strip())
            j += 1
        i = j
    return dataclasses.replace(state, lines=tuple(lines), related=tuple(related))


def _headline_like(line: Line, lex) -> bool:
    """A list's item is a headline: three words or more, not a button or a comment count
    ('5 comentarios', 'Javier_R' end a list of related articles, they are not in it)."""
    return line.words >= 3 and not (lex.button_re.search(line.tidy) and line.words <= 4)


def buttons(state: State) -> State:
    """Rows of share or consent buttons, glued or not: 'Tout AccepterTout refuser', 'Share'."""
    lex = lexicon()

    def only_buttons(line: Line) -> bool:
        text = line.tidy
        if line.words > 15 or not lex.button_re.search(text):
            return False
        return not re.sub(r"[\W\d_]+", "", lex.button_re.sub("", text))  # "8 commentaires"

    return _mark(state, "buttons", only_buttons)


def consent(state: State) -> State:
    """Cookie-consent banners. A line with consent phrases is the site's banner when it speaks
    to the reader or for the site ('vous consentez', 'We and our partners', 'X utilise des
    cookies') or is a short heading ('Datenschutz-Hinweis'); an article *about* cookie banners
    reports in the third person, and its lines stay ordinary text. `structure` removes banner
    lines outside the body, and inside it only the densest (three phrases or more)."""
    lex = lexicon()
    phrases = lex.consent_phrases

    def owner(text: str) -> list[str]:
        m = re.match(r"^(?P<name>.{2,50}?)\s+(?:utilise|uses|use|verwendet|nutzt|utiliza|utilizza)"
                     r"\s+(?:des\s+|de\s+)?(?:cookies|traceurs)",
                     unicodedata.normalize("NFC", text))
        name = m.group("name") if m else ""
        # "We use cookies", "This website uses cookies" name nobody
        if name[:1].isupper() and norm(name.split()[0]) not in lex.not_names:
            return [name]
        return []

    lines, sources = [], list(state.sources)
    for line in state.lines:
        if line.drop is None:
            hits = sum(1 for p in phrases if p in line.norm)
            if hits:
                named = owner(line.text)
                banner = bool(named) or line.words <= 6 or bool(
                    lex.address_re.search(line.tidy))
                line = dataclasses.replace(line, consent=hits, banner=banner)
                sources.extend(named)
        lines.append(line)
    return dataclasses.replace(state, lines=tuple(lines), sources=tuple(sources))


def prompts(state: State) -> State:
    """Newsletter, paywall, app and 'most read' prompts, reading-time badges."""
    lex = lexicon()
    return _mark(state, "prompt",
                 lambda ln: ln.words <= 20 and (lex.prompt_re.search(ln.tidy)
                                                       or lex.reading_time_re.match(ln.tidy)
                                                       or lex.tag_line_re.match(ln.tidy)))


def date_line(state: State) -> State:
    """'Publié le 12 mars 2019 à 14h05', 'Published 3 June 2021': a line that only dates the
    page goes. Which date is the page's is dates.page_date's call, over every line."""
    lex = lexicon()

    def test(line: Line):
        text = line.tidy
        if line.words > 20:
            return None
        date = parse_date(text)
        if date is None:
            return None
        rest = re.sub(r"[\W\d_]+", " ", text).split()
        # a date line says little else: a prefix, a weekday, 'à', 'h', 'Uhr'
        if lex.date_prefix_re.match(text) or len(rest) <= 4:
            return date
        return None

    state = _mark(state, "date", test, dates=lambda date, ln: [date])
    return dataclasses.replace(
        state, date=page_date([(ln.number, ln.text) for ln in state.lines], state.title))


def byline(state: State) -> State:
    """'Par Jean Dupont', 'By Jane Smith and John Doe'; and, in the second half of the page,
    the author's note 'Jane Roe is our energy correspondent.'"""
    lex = lexicon()
    half = state.lines[len(state.lines) // 2].number if state.lines else 0
    state = _mark(state, "byline", lambda ln: lex.byline_re.match(ln.tidy) or (
        ln.number > half and ln.words <= 25 and lex.bio_re.match(ln.tidy)))
    return dataclasses.replace(state, authors=authors.of_page([ln.tidy for ln in state.lines]))


def corpus_boilerplate(state: State) -> State:
    """Lines that recur across the articles of the same source (see boilerplate.py)."""
    from broadsheet.ingest.boilerplate import line_key
    return _mark(state, "repeated-in-source",
                 lambda ln: state.boilerplate and line_key(ln.text) in state.boilerplate)


# rules whose lines end an article rather than sit inside one: a most-read list, share
# buttons and comment counts, prompts, follow-us and copyright lines, consent banners
BARRIERS = frozenset({"most-read", "buttons", "prompt", "follow-us", "copyright", "consent",
                      "repeated-in-source"})


def page_features(state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's evidence for every line, which lines no rule has dropped, and which
    lines a rule dropped as the end of an article (BARRIERS)."""
    ruled = [ln.drop is not None for ln in state.lines]
    x = line_features([ln.text for ln in state.lines], state.title, ruled)
    ads = lexicon().ad_marker_re
    barrier = np.array([(ln.drop in BARRIERS and not ads.match(tidy(ln.text)))
                        or (ln.banner and ln.consent >= 3) for ln in state.lines], dtype=bool)
    return x, ~np.array(ruled, dtype=bool), barrier


def region_weight(x: np.ndarray) -> np.ndarray:
    """How much a line counts towards the article region: more words, more weight, but a
    long line should not outweigh many: the square root of its word count."""
    return np.sqrt(np.expm1(x[:, INDEX["log_words"]]))


def structure(state: State) -> State:
    """The model decides every line no rule has decided: the article is one region (the run
    of lines it finds most likely body); around it is page furniture ('head', 'tail'), and
    inside it the lines the model rejects ('furniture': captions, ad markers, stray links)."""
    if not state.lines:
        return state
    x, live, barrier = page_features(state)
    model = line_model()
    weight = region_weight(x)
    p = probabilities(model, x, weight)
    banner = np.array([ln.banner for ln in state.lines], dtype=bool)
    keep, (first, last) = decide(model, p, live & ~banner, weight,
                                 "html" if state.extracted else "text", barrier)
    if not keep.any():
        keep, (first, last) = _sentences(state.lines, live & ~banner)
    if first < 0:
        first, last = len(state.lines), -1
    if not state.extracted:  # trafilatura's extract opens on the lead, a list may close it
        keep = _prose_edges(state.lines, keep, p, barrier)
    lines, names = [], []
    kept = np.flatnonzero(keep)
    start, end = (int(kept[0]), int(kept[-1])) if len(kept) else (len(keep), len(keep))
    for i, line in enumerate(state.lines):
        line = dataclasses.replace(line, score=round(float(p[i]), 3))
        inside = first <= i <= last
        if line.drop is None and line.banner and (line.consent >= 3 or not inside):
            line = dataclasses.replace(line, drop="consent")
        elif line.drop is None and not line.banner and not keep[i]:
            # before the body's first kept line: head; after its last: tail; between: furniture
            line = dataclasses.replace(line, drop="head" if i < start
                                       else "tail" if i > end else "furniture")
            # a name standing alone after the body: the outlet's masthead or slogan
            if i > end and (m := MASTHEAD.match(unicodedata.normalize("NFC", line.text))):
                names.append(m.group("name"))
        lines.append(line)
    return dataclasses.replace(state, lines=tuple(lines), tail_names=tuple(names))


def _sentences(lines: tuple[Line, ...], live: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """When the model finds no article (a text of a line or two: too little for the page's
    shape to tell anything), the body is every live line from the first sentence to the last."""
    prose = [i for i, ln in enumerate(lines) if live[i] and _is_prose(ln)]
    keep = np.zeros(len(lines), dtype=bool)
    if not prose:
        return keep, (-1, -1)
    keep[prose[0]:prose[-1] + 1] = live[prose[0]:prose[-1] + 1]
    return keep, (prose[0], prose[-1])


def _prose_edges(lines: tuple[Line, ...], keep: np.ndarray, p: np.ndarray,
                 barrier: np.ndarray) -> np.ndarray:
    """An article opens and closes on a sentence: kept lines before its first prose line (a
    caption above it, a kicker) and after its last (a slogan, a stray name) are furniture.
    It closes with the list its last sentence announces, and with the short sentences right
    after its last paragraph that the model doubted ('The vote is on Thursday.')."""
    prose = [i for i in np.flatnonzero(keep) if _is_prose(lines[i])]
    if not prose:
        return keep
    last = prose[-1]
    for i in range(last + 1, len(lines)):
        if barrier[i]:
            break
        if lines[i].drop is not None or lines[i].banner:
            continue
        if not (_CLOSING.search(lines[i].text) and 2 <= lines[i].words < 15
                and p[i] >= CLOSING):
            break
        last = i
    end = _listed_after(lines, last, barrier)
    keep = keep.copy()
    keep[:prose[0]] = False
    keep[end + 1:] = False
    keep[last + 1:end + 1] = [lines[i].drop is None for i in range(last + 1, end + 1)]
    keep[prose[-1] + 1:last + 1] = [lines[i].drop is None and not lines[i].banner
                                    for i in range(prose[-1] + 1, last + 1)]
    return keep


CLOSING = 0.05  # the least probability of a short closing sentence kept after the body
_CLOSING = re.compile(r"[.!?…][\"”»)]?\s*$")


_LIST_ITEM = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+\S")


def _listed_after(lines, last: int, barrier: np.ndarray) -> int:
    """The body's last line, with the list its last sentence announces: a lead-in of four
    words or more ending in ':' right after the prose ("Here is what we know so far:"),
    then two list items or more. Items are not sentences, and were cut as the page's tail."""
    following = []
    for i in range(last + 1, len(lines)):
        if barrier[i]:  # a share row or a banner ends the article: what follows is not its list
            break
        if lines[i].drop is None:
            following.append(i)
    if not following or lines[following[0]].words < 4 \
            or not lines[following[0]].text.rstrip().endswith(":"):
        return last
    items = []
    for i in following[1:]:
        if lines[i].banner or not _LIST_ITEM.match(lines[i].text):
            break
        items.append(i)
    return items[-1] if len(items) >= 2 else last


# the rules, in the order they run (what each marks is its `drop` kind: see Line.drop)
CLEANERS: tuple[Callable[[State], State], ...] = (
    headline, repeated_title, agency_credit, dateline, date_line, copyright_line, photo_caption,
    follow_us, lists, read_more, buttons, consent, prompts, byline, corpus_boilerplate,
)


def split_lines(text: str) -> tuple[str, tuple[Line, ...]]:
    """Headline and the non-blank lines after it (each one paragraph in scraped text)."""
    title, lines = "", []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if not title:
            title = stripped
        else:
            t = tidy(stripped)
            lines.append(Line(stripped, number, t, t.casefold(), _words(t)))
    return title, tuple(lines)


def apply_rules(text: str, boilerplate: frozenset[str] = frozenset(),
                extracted: bool = False, sites: frozenset[str] = frozenset()) -> State:
    """The rules alone: what they drop and collect, before the model decides the rest."""
    title, lines = split_lines(text)
    state = State(title=title, lines=lines, boilerplate=boilerplate, extracted=extracted,
                  sites=sites)
    for rule in CLEANERS:
        state = rule(state)
    return state


def lean(state: State) -> State:
    """The state without the forms of each line only the rules read (tidy, norm): a third
    of its size, for the trips between processes that ingest makes with every article."""
    return dataclasses.replace(state, lines=tuple(
        dataclasses.replace(ln, tidy="", norm="") for ln in state.lines))


def clean(text: str, boilerplate: frozenset[str] = frozenset(), extracted: bool = False,
          sites: frozenset[str] = frozenset()) -> State:
    return structure(apply_rules(text, boilerplate, extracted, sites))


_STRUCTURAL = {"head", "tail", "consent", "furniture"}  # the drops `structure` makes, and only it


def with_boilerplate(state: State, boilerplate: frozenset[str]) -> State:
    """A cleaned state cleaned again knowing the source's recurring lines. When they are all
    lines the first decision dropped already (most articles: their outlet's menu, slogan,
    footer), they are only named as recurring, and the body stands: the model is not asked
    again about a page whose kept lines nothing has put in doubt. When a line it kept recurs,
    the page is decided again with every recurring line dropped, as clean(text, boilerplate)
    does, without running again the rules that do not depend on them."""
    from broadsheet.ingest.boilerplate import line_key
    recurring = {i for i, ln in enumerate(state.lines) if (ln.drop is None or ln.drop in
                 _STRUCTURAL) and line_key(ln.text) in boilerplate}
    if all(state.lines[i].drop is not None for i in recurring):
        lines = tuple(dataclasses.replace(ln, drop="repeated-in-source") if i in recurring
                      else ln for i, ln in enumerate(state.lines))
        return dataclasses.replace(state, lines=lines, boilerplate=boilerplate)
    state = dataclasses.replace(_undecided(state), boilerplate=boilerplate, tail_names=())
    return structure(corpus_boilerplate(state))


def _undecided(state: State) -> State:
    """The state as the rules left it, before `structure` made its own drops."""
    return dataclasses.replace(state, lines=tuple(
        dataclasses.replace(ln, drop=None) if ln.drop in _STRUCTURAL else ln
        for ln in state.lines))


def evidence(state: State, top: int = 3) -> list[list[tuple[str, float]]]:
    """For every line, the features that weighed most in the model's verdict on it (their
    share of its log-odds: + for body, - for furniture); empty for a line a rule decided."""
    if not state.lines:
        return []
    x, live, _ = page_features(_undecided(state))  # the lines as the model saw them
    model = line_model()
    rows = stage2_input(model, x, region_weight(x))
    return [model.contributions(rows[i])[:top] if live[i] else [] for i in range(len(rows))]


def body_paragraphs(state: State) -> list[str]:
    return [ln.text for ln in state.lines if ln.drop is None]
