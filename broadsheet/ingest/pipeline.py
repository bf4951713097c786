"""ingest: raw files -> cleaned Articles -> content/<slug>.md, never clobbering edits."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from functools import partial
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from broadsheet import frontmatter
from broadsheet.errors import BroadsheetError, ContentError, Diagnostics, InputError, InputWarning
from broadsheet.fsutil import atomic_write
from broadsheet.ingest import detect, record
from broadsheet.ingest.boilerplate import attribute_sources, repeated_lines
from broadsheet.ingest.clean import (State, agencies_of, body_paragraphs, clean, lean,
                                     with_boilerplate)
from broadsheet.ingest.duplicates import Candidate, find_duplicates
from broadsheet.ingest.lexicon import norm
from broadsheet.ingest.outlets import SourcePolicy, shared_ends, url_names
from broadsheet.ingest.parse import MAX_BYTES, find_inputs, read_inputs
from broadsheet.model import Article, RawArticle, slugify
from broadsheet.parallel import Progress, no_progress, parallel_map
from broadsheet.tags import TagPolicy

@dataclass
class IngestReport(Diagnostics):
    """What ingest did, and its problems (errors: a file not taken in; warnings: taken with
    a remark)."""
    added: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (raw file, why)
    merged: int = 0  # duplicates left out in this run
    known: list[tuple[str, str]] = field(default_factory=list)  # (raw file, why): already in
    # content/, so left alone (listed by `ingest --verbose`)


_BLOCK_START = re.compile(r"^(\s*)(?:([#>+\-*=|]|```|~~~|\[)|(\d+)([.)]))")
_INLINE = re.compile(r"([\\`*_])")
_LINKISH = re.compile(r"\]\s*[(\[]")
# "&amp;" would show as "&", "<https://x>" as a link without its brackets
_ENTITY_OR_AUTOLINK = re.compile(r"&(?=#?[A-Za-z0-9]+;)|<(?=[A-Za-z][A-Za-z0-9+.\-]{1,31}:|[^\s<>@]+@)")


def _block_escape(m: re.Match) -> str:
    if m.group(2):
        return m.group(1) + "\\" + m.group(2)
    return m.group(1) + m.group(3) + "\\" + m.group(4)  # "1\." ("\1." shows its backslash)


def to_markdown(paragraph: str) -> str:
    """Escape what Markdown would read as markup, so the text renders as it was written, while
    leaving the file readable for the people who edit it ("[sic]" stays as it is)."""
    text = _INLINE.sub(r"\\\1", paragraph)
    if _LINKISH.search(text):
        text = text.replace("[", "\\[")
    text = _ENTITY_OR_AUTOLINK.sub(lambda m: "\\" + m.group(0), text)
    return _BLOCK_START.sub(_block_escape, text)


def named_source(state: State) -> tuple[str | None, int]:
    """What an article says of its outlet, and how surely: 3 named by its furniture
    (follow-us, cookie text), 2 by a name standing alone after the body (a masthead or slogan
    line), 1 by the copyright holder (often the publishing group), 0 not at all."""
    own = state.sources + ((state.site,) if state.site else ())  # "Headline – Site"
    for strength, names in ((3, own), (2, state.tail_names), (1, state.owners)):
        if name := detect.source(names):
            return name, strength
    return None, 0


def source_of(state: State) -> str | None:
    return state.source or named_source(state)[0]


def id_suffix(article_id: str) -> str:
    """Eight safe characters for a slug from an id, whatever the input stated as its id."""
    if re.fullmatch(r"[0-9a-f]{16}", article_id):
        return article_id[:8]
    return hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:8]


def _without_outlet(title: str, source: str | None) -> str:
    """'Grève à Lyon - Le Courrier du Soir' -> 'Grève à Lyon': the page title's outlet suffix."""
    if source:
        for sep in (" - ", " – ", " — ", " | ", " : "):
            if title.endswith(sep + source) and len(title) > len(sep + source):
                return title[: -len(sep + source)].rstrip()
    return title


def _body(paragraphs: list[str]) -> str:
    return "\n\n".join(to_markdown(p) for p in paragraphs)


def _one_or_all(names: tuple[str, ...]) -> str | tuple[str, ...] | None:
    """An author as text, several as a list (front matter's `author`)."""
    return names[0] if len(names) == 1 else names or None


def make_article(raw: RawArticle, state: State, default_language: str | None,
                 tag_policy: TagPolicy = TagPolicy(), outlets: frozenset[str] = frozenset(),
                 source_policy: SourcePolicy = SourcePolicy()) -> Article:
    """The article's front matter and body. What the input stated (JSON Lines fields, a web
    page's metadata) wins over what detection finds; no tag names an outlet (outlets: the
    corpus's, besides the article's own)."""
    paragraphs = body_paragraphs(state)
    meta = raw.meta
    src = source_policy.apply(meta.get("source") or source_of(state))
    language = meta.get("language") or detect.language(" ".join([state.title, *paragraphs]),
                                                       default_language)
    title = _without_outlet(state.title, src)
    named = detect.outlet_names({src, *outlets})
    return Article(
        title=title,
        slug=slugify(title) or f"article-{id_suffix(raw.id)}",
        body=_body(paragraphs),
        date=meta.get("date") or state.date,
        language=language,
        source=src,
        author=meta.get("author") or _one_or_all(state.authors),
        source_url=meta.get("source_url"),
        agencies=agencies_of(state),
        related=tuple(dict.fromkeys(state.related)),
        tags=tag_policy.apply(detect.not_outlets(meta.get("tags") or detect.tags(
            state.title, paragraphs, language, named, tag_policy), named)),
        origin=raw.origin,
        id=raw.id,
    )


# the furniture that tells an outlet: slogan, follow line, copyright, prompts, consent text
_NAMING = {"follow-us", "copyright", "head", "tail", "furniture", "prompt", "most-read",
           "photo-caption",
           "consent"}


def clean_raw(raw: RawArticle, sites: frozenset[str] = frozenset()) -> State:
    """An article's first cleaning, as ingest does it (and `explain` shows it): knowing the
    names the ingest's titles share and those the input states."""
    stated = (raw.meta.get("source") or "",) + url_names(raw.meta.get("source_url"))
    return lean(clean(raw.text, extracted=bool(raw.meta.get("extracted")),
                      sites=sites | {s for s in stated if s}))


def _article(pair: tuple[RawArticle, State], default_language, tag_policy, outlets,
             source_policy) -> Article:
    return make_article(pair[0], pair[1], default_language, tag_policy, outlets, source_policy)


def title_sites(raws: list[RawArticle]) -> frozenset[str]:
    """Names several declared titles of this ingest end with: a site's name (titles.py)."""
    return shared_ends(raw.text.lstrip().split("\n", 1)[0] for raw in raws)


def clean_corpus(raws: list[RawArticle], progress: Progress = no_progress,
                 jobs: int = 1, first: list[State] | None = None,
                 memo: dict | None = None) -> list[State]:
    """Clean every article twice: once to learn each one's source (named by its own furniture,
    or by furniture shared with a named article), then again knowing which lines recur across
    that source's articles. `first`: the first cleaning, when the caller has done it; `memo`:
    for find_duplicates, kept by a caller that compares the bodies again."""
    if first is None:
        first = parallel_map(partial(clean_raw, sites=title_sites(raws)), raws, jobs,
                             progress, "clean")
    lines = [[ln.text for ln in state.lines] for state in first]
    furniture = [[(ln.drop, ln.text) for ln in state.lines if ln.drop in _NAMING]
                 for state in first]
    sources = _one_spelling(attribute_sources([named_source(s) for s in first], furniture))
    by_source: dict[str | None, list[int]] = defaultdict(list)
    for i, source in enumerate(sources):
        by_source[source].append(i)
    story = _stories(first, jobs, memo)
    _COMMON.clear()
    todo = []
    for n, indexes in enumerate(by_source.values()):
        copies: dict[int, set[str]] = defaultdict(set)  # a story's copies count once
        for i in indexes:
            copies[story[i]].update(lines[i])
        _COMMON[n] = repeated_lines(copies[k] for k in sorted(copies))
        todo.extend((i, n) for i in indexes if _COMMON[n])
    result = list(first)
    try:
        again = parallel_map(_again, [(first[i], n) for i, n in todo], jobs, progress,
                             "clean again")
    finally:
        _COMMON.clear()
    for (i, _), state in zip(todo, again):
        result[i] = state
    return [replace(state, source=source) for state, source in zip(result, sources)]


# each source's recurring lines, by the source's number, for _again: set before the process
# pool forks, so that the workers read them instead of receiving a copy with every article
_COMMON: dict[int, frozenset[str]] = {}


def _again(item: tuple[State, int]) -> State:
    return with_boilerplate(item[0], _COMMON[item[1]])


def _one_spelling(names: list[str | None]) -> list[str | None]:
    """One outlet, one name: "L'Écho" and "L’Écho" become the spelling most articles use."""
    counts = Counter(n for n in names if n)
    best: dict[str, str] = {}
    for name in sorted(counts, key=lambda n: (-counts[n], n)):
        best.setdefault(norm(name), name)
    return [best[norm(n)] if n else None for n in names]


def _stories(states: list[State], jobs: int = 1, memo: dict | None = None) -> list[int]:
    """For each article, the index of the first article telling the same story (itself if
    none): near-duplicate bodies after a first cleaning, written as the article's body is (so
    that merge_duplicates finds the bodies the second cleaning left alone in memo)."""
    candidates = [Candidate(str(i), _body(body_paragraphs(s)), (i,))
                  for i, s in enumerate(states)]
    story = list(range(len(states)))
    for group in find_duplicates(candidates, jobs=jobs, memo=memo):
        for key in group.others:
            story[int(key)] = int(group.keep)
    return story


# an id as dump() writes it, found without the YAML parser (see existing_content)
_ID_LINE = re.compile(r"^id:[ \t]*(['\"]?)([^'\"\s]+)\1[ \t]*$", re.M)


def existing_content(content_dir: Path, problems: Diagnostics
                     ) -> tuple[list[tuple[Path, Article]], dict[str, Path]]:
    """Every readable content file, renamed ones included: their ids tell what was already
    ingested, their bodies what a new article would duplicate; and the ids of the files
    that do not load, by their `id:` line. A file edited by hand with a typo in its front
    matter keeps its id: its raw article is not ingested again beside it (a second file
    with the same id, which the build would have published instead of the edited one)."""
    found, claimed = [], {}
    entries = frontmatter.content_entries(content_dir) if content_dir.is_dir() else []
    for path in (content_dir / e.name for e in entries
                 if not frontmatter.leads_outside(e, content_dir)):
        try:
            text = path.read_text(encoding="utf-8")
            found.append((path, frontmatter.load(text, path)))
        except (BroadsheetError, OSError, UnicodeDecodeError) as exc:
            head = text.split("\n---", 1)[0] if isinstance(exc, BroadsheetError) else ""
            m = _ID_LINE.search(head)
            if m:
                claimed.setdefault(m.group(2), path)
            # the build reports it as an error; ingest goes on
            why = exc.message if isinstance(exc, BroadsheetError) else str(exc)
            problems.warn(ContentError(
                f"this content file does not load ({why})"
                + (f"; its id {m.group(2)} still counts" if m else ""), path,
                getattr(exc, "line", None)))
    return found, claimed


def _rank(article: Article, existing: bool) -> tuple:
    """Which copy of a story to keep: one already in content/ (people may have edited it),
    then the earliest dated, then the longest, then by origin, so the choice never depends
    on the order files are read in."""
    date = article.date.isoformat() if article.date else "9999"
    return (0 if existing else 1, date, -len(article.body), article.origin or "")


def merge_duplicates(fresh: list[Article], existing: list[tuple[Path, Article]],
                     report: IngestReport, keepers: dict[int, str | None] | None = None,
                     jobs: int = 1, memo: dict | None = None) -> list[Article]:
    """Keep one article of each group of (near-)identical bodies, recording the others'
    origins in its `duplicates`. Content files are never changed or removed here: a new
    copy of a story already in content/ is skipped. `keepers`: filled with each left-out
    article's index in fresh -> the id of the copy kept."""
    if not fresh:  # nothing new: content/ alone is never compared (seconds at 10,000 files)
        return fresh
    fresh_ids = {a.id for a in fresh}
    candidates = [Candidate(f"new:{i}", a.body, _rank(a, False)) for i, a in enumerate(fresh)]
    candidates += [Candidate(f"old:{p.name}", a.body, _rank(a, True))
                   for p, a in existing if a.id not in fresh_ids]
    names = {f"old:{p.name}": p.name for p, _ in existing}
    old_ids = {f"old:{p.name}": a.id for p, a in existing}
    dropped: dict[int, str] = {}
    kept = list(fresh)
    for group in find_duplicates(candidates, jobs=jobs, memo=memo):
        news = [int(k[4:]) for k in group.others if k.startswith("new:")]
        if group.keep.startswith("new:"):
            i = int(group.keep[4:])
            others = [fresh[j].origin for j in news] + [names[k] for k in group.others
                                                         if k.startswith("old:")]
            kept[i] = replace(fresh[i], duplicates=tuple(sorted(set(fresh[i].duplicates) | set(others))))
            keeper, keeper_id = fresh[i].origin, fresh[i].id
        else:
            keeper, keeper_id = names[group.keep], old_ids[group.keep]
        for j in news:
            dropped[j] = keeper
            if keepers is not None:
                keepers[j] = keeper_id
    for j, keeper in sorted(dropped.items()):
        report.skipped.append((fresh[j].origin, f"duplicate of {keeper}"))
        report.merged += 1
    return [a for i, a in enumerate(kept) if i not in dropped]


_OPEN = False  # an article's keeper when its file cannot be recorded (see _sort_out)


@dataclass
class _Input:
    """A raw file read in this run: its articles, and what the record needs of it."""
    path: Path
    stamp: tuple[int, int, int] | None  # None: not to be recorded (a read error, a race)
    digest: str
    raws: list[RawArticle]
    warnings: list[tuple[str, int | None]]
    companion: bool = False  # read as evidence for new files only (see record.py)
    states: list[State] = field(default_factory=list)  # its articles cleaned, in order
    keepers: list = field(default_factory=list)  # per article: record.Taken.keeper, or _OPEN


def _read(path: Path, report: IngestReport | None, max_bytes: int) -> _Input:
    """One input file, its errors and warnings told to report (None: a companion's, kept
    quiet: it was taken before); stamped before it is read, so an edit meanwhile is seen
    by the next run."""
    try:
        before = path.stat()
    except OSError:
        before = None
    found = Diagnostics()
    raws = read_inputs(path, found, max_bytes)
    if report is not None:
        report.extend(found)
    file_digest = ""
    if before is not None and not found.errors:  # a file refused unread (too large) stays unread
        try:
            file_digest = record.file_digest(path)
            if record.stamp_of(path.stat()) != record.stamp_of(before):
                file_digest = ""  # changed while read: taken again next time
        except OSError:
            file_digest = ""
    return _Input(path, record.stamp_of(before) if file_digest else None, file_digest, raws,
                  [(w.message, w.line) for w in found.warnings], companion=report is None)


def _furniture(state: State) -> set[str]:
    return record.furniture_keys([(ln.drop, ln.text) for ln in state.lines
                                  if ln.drop in _NAMING])


def _with_evidence(inputs: list[_Input], known: dict[Path, record.Entry], past: record.Record,
                   progress: Progress, jobs: int, max_bytes: int
                   ) -> tuple[list[_Input], list[State]]:
    """The new files, with the known files that are evidence for them (companions, see
    record.py), in the order of the files; and their articles' first cleaning."""
    # the site names the titles share, from the new files (the companions' were cut when
    # they were taken)
    clean_one = partial(clean_raw, sites=title_sites([r for item in inputs for r in item.raws]))
    first = parallel_map(clean_one, [r for item in inputs for r in item.raws], jobs,
                         progress, "clean")
    if first and known:
        wanted = record.wanted_sources([named_source(s) for s in first],
                                       [_furniture(s) for s in first], past)
        more = [_read(path, None, max_bytes) for path in record.companions(known, wanted)]
        first += parallel_map(clean_one, [r for item in more for r in item.raws], jobs,
                              progress, "clean")
        inputs = inputs + more
    at, n = [], 0
    for item in inputs:
        at.append(n)
        n += len(item.raws)
    order = sorted(range(len(inputs)), key=lambda i: inputs[i].path)
    return ([inputs[i] for i in order],
            [first[at[i] + k] for i in order for k in range(len(inputs[i].raws))])


def _content_ids(existing: list[tuple[Path, Article]], claimed: dict[str, Path]
                 ) -> dict[str, Path]:
    ids: dict[str, Path] = {}
    for path, article in existing:
        if article.id:
            ids.setdefault(article.id, path)
    for article_id, path in claimed.items():
        ids.setdefault(article_id, path)
    return ids


def _known_why(taken: record.Taken, ids: dict[str, Path]) -> str:
    if taken.keeper == taken.id:
        return f"already ingested as {ids[taken.id].name}"
    return f"duplicate of {ids[taken.keeper].name}, already in content/"


def _sort_out(files: list[Path], known: dict[Path, record.Entry], inputs: list[_Input],
              ids: dict[str, Path], force: bool, report: IngestReport
              ) -> tuple[list[tuple[RawArticle, State]], list[tuple[_Input, int]],
                         dict[str, list[str]]]:
    """Each article, in the order of the files: already in content/ (known, or its id
    there), an error, a byte-identical copy of one before it, or to detect and write
    (returned, with where it came from, and the copies of each id left out). Each
    article's keeper is set on its input, for the record."""
    todo, where = [], []
    seen: dict[str, str] = {}
    copies: dict[str, list[str]] = defaultdict(list)
    read = {item.path: item for item in inputs if not item.companion}
    for path in files:
        if path in known:
            for taken in known[path].articles:
                seen.setdefault(taken.id, taken.origin)
                if taken.keeper is None:
                    report.errors.append(InputError(record.NOTHING_LEFT, taken.origin))
                else:
                    report.known.append((taken.origin, _known_why(taken, ids)))
            continue
        item = read.get(path)
        for k, (raw, state) in enumerate(zip(item.raws, item.states) if item else ()):
            item.keepers.append(raw.id)
            if raw.id in seen:
                if raw.meta.get("id_stated"):
                    report.errors.append(InputError(
                        f"id '{raw.id}' is already used by {seen[raw.id]}", raw.origin))
                    item.keepers[k] = _OPEN  # depends on another file: not recorded
                elif raw.id in ids and not force:  # the same bytes twice, and in content/
                    report.known.append((raw.origin, f"already ingested as {ids[raw.id].name}"))
                else:  # the same bytes twice: one story
                    copies[raw.id].append(raw.origin)
                    report.skipped.append((raw.origin, f"duplicate of {seen[raw.id]}"))
                    report.merged += 1
                continue
            seen[raw.id] = raw.origin
            if not body_paragraphs(state):
                report.errors.append(InputError(record.NOTHING_LEFT, raw.origin))
                item.keepers[k] = None
            elif raw.id in ids and not force:
                report.known.append((raw.origin, f"already ingested as {ids[raw.id].name}"))
            else:
                todo.append((raw, state))
                where.append((item, k))
    return todo, where, copies


def _settle_keepers(inputs: list[_Input], where: list[tuple[_Input, int]],
                    keepers: dict[int, str | None]) -> None:
    """Each article merged as a duplicate is kept in content/ by the copy merge_duplicates
    chose, and so are the byte-identical copies of that article."""
    for j, keeper in keepers.items():
        item, k = where[j]
        item.keepers[k] = keeper if keeper is not None else _OPEN  # kept: a file with no id
    keeper_of = {item.raws[k].id: item.keepers[k] for item, k in where}
    for item in inputs:
        for k, raw in enumerate(item.raws[:len(item.keepers)]):
            if item.keepers[k] == raw.id:
                item.keepers[k] = keeper_of.get(raw.id, raw.id)


def _write(fresh: list[Article], content_dir: Path, ids: dict[str, Path], force: bool,
           report: IngestReport, progress: Progress) -> set[str]:
    """Write the new articles; the ids written."""
    written: set[str] = set()
    taken: dict[str, str] = {}  # slug -> id, for this run's articles
    for article in progress(fresh, "write", len(fresh)):
        known = ids.get(article.id)
        slug = article.slug
        target = known or content_dir / f"{slug}.md"
        if not known and (target.exists() or taken.get(slug, article.id) != article.id):
            # another article owns this slug: keep both, apart by a piece of the id
            slug = f"{slug}-{id_suffix(article.id)}"
            target = content_dir / f"{slug}.md"
        if target.exists() and not force:
            report.skipped.append((article.origin, f"{target.name} exists (use --force to overwrite)"))
            continue
        if known:
            slug = target.stem
        taken[slug] = article.id
        try:
            atomic_write(target, frontmatter.dump(replace(article, slug=slug)))
        except OSError as exc:
            report.errors.append(ContentError(f"cannot write: {exc.strerror or exc}", target))
            continue
        report.added.append(target)
        written.add(article.id)
    return written


def _remember(past: record.Record, known: dict[Path, record.Entry], inputs: list[_Input],
              in_content: set[str], state_dir: Path, max_bytes: int) -> None:
    """The record after this run: the known files (re-stamped), and each file read whose
    articles are now all settled (record.settled); the furniture its articles showed."""
    for path, entry in known.items():
        record.remember(past, path, entry)
    for item in inputs:
        # who shows which furniture: by the name an article gives itself, and by its source
        for state in item.states:
            keys = _furniture(state)
            record.learn_furniture(past, {named_source(state)[0], state.source}, keys)
        if item.companion:
            continue
        taken = tuple(record.Taken(raw.origin, raw.id, keeper, state.source)
                      for raw, state, keeper in zip(item.raws, item.states, item.keepers))
        entry = record.Entry(item.stamp, item.digest, taken, tuple(item.warnings))
        if item.stamp and item.raws and _OPEN not in item.keepers \
                and record.settled(entry, in_content):
            record.remember(past, item.path, entry)
        else:
            record.forget(past, item.path)
    record.forget_missing(past)
    record.save(state_dir, past, max_bytes)


def ingest(paths: Iterable[Path], content_dir: Path, *, force: bool = False,
           default_language: str | None = None, tag_policy: TagPolicy = TagPolicy(),
           source_policy: SourcePolicy = SourcePolicy(), progress: Progress = no_progress,
           jobs: int = 1, max_bytes: int = MAX_BYTES, state_dir: Path | None = None
           ) -> IngestReport:
    """Each content file is written whole (a temporary file renamed over it), so an
    interrupted ingest leaves complete files only, and running it again finishes the job.
    With state_dir, a record of the raw files taken in (record.py) spares the files whose
    articles are all in content/ already any reading and cleaning; --force ignores it."""
    report = IngestReport()
    files = find_inputs(paths, report)
    content_dir.mkdir(parents=True, exist_ok=True)
    for stale in content_dir.glob(".*.md.*.tmp"):  # atomic_write's, from an ingest killed
        stale.unlink(missing_ok=True)              # mid-write (the CLI holds the project lock)
    in_content = Diagnostics()  # said after the raw files' problems
    existing, claimed = existing_content(content_dir, in_content)
    ids = _content_ids(existing, claimed)
    past = record.load(state_dir, max_bytes) if state_dir is not None else record.Record()
    known, _ = record.recall(record.Record() if force else past, files, set(ids))

    inputs: list[_Input] = []
    for path in progress(files, "read", len(files)):
        if path in known:  # what reading it said, said again
            report.warnings.extend(InputWarning(m, path, ln) for m, ln in known[path].warnings)
        else:
            inputs.append(_read(path, report, max_bytes))
    report.extend(in_content)
    inputs, first = _with_evidence(inputs, known, past, progress, jobs, max_bytes)
    raws = [raw for item in inputs for raw in item.raws]
    memo: dict = {}  # the bodies' comparison, prepared once for both (see find_duplicates)
    states = iter(clean_corpus(raws, progress, jobs, first, memo) if raws else [])
    for item in inputs:
        item.states = [next(states) for _ in item.raws]

    todo, where, copies = _sort_out(files, known, inputs, ids, force, report)
    # the outlets the corpus knows, content/'s and this run's, one source per article (by id,
    # as an article ingested again is in both): none of their names is a tag
    sources = {a.id or str(p): a.source for p, a in existing}
    sources.update((r.id, r.meta.get("source") or s.source) for item in inputs
                   for r, s in zip(item.raws, item.states))
    outlets = detect.corpus_outlets(list(sources.values()))
    fresh = parallel_map(partial(_article, default_language=default_language,
                                 tag_policy=tag_policy, outlets=outlets,
                                 source_policy=source_policy),
                         todo, jobs, progress, "detect")
    fresh = [replace(a, duplicates=tuple(sorted(copies[a.id]))) if a.id in copies else a
             for a in fresh]
    keepers: dict[int, str | None] = {}
    fresh = merge_duplicates(fresh, existing, report, keepers, jobs, memo)
    _settle_keepers(inputs, where, keepers)
    written = _write(fresh, content_dir, ids, force, report, progress)
    if state_dir is not None and not any(isinstance(e, ContentError) for e in report.errors):
        _remember(past, known, inputs, set(ids) | written, state_dir, max_bytes)
    return report
