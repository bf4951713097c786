"""ingest: raw files -> cleaned Articles -> content/<slug>.md, never clobbering edits."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from broadsheet import frontmatter
from broadsheet.errors import BroadsheetError, ContentError, InputError
from broadsheet.fsutil import atomic_write
from broadsheet.ingest import detect
from broadsheet.ingest.boilerplate import attribute_sources, repeated_lines
from broadsheet.ingest.clean import State, body_paragraphs, clean
from broadsheet.ingest.parse import find_inputs, read_inputs
from broadsheet.model import Article, RawArticle, slugify

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(items: Iterable, desc: str, total: int) -> Iterable:
    return items


@dataclass
class IngestReport:
    added: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (raw file, why)
    errors: list[BroadsheetError] = field(default_factory=list)


_BLOCK_START = re.compile(r"^(\s*)([#>+\-*=|]|\d+[.)]|```|~~~|\[)")
_INLINE = re.compile(r"([\\`*_])")
_LINKISH = re.compile(r"\]\s*[(\[]")


def to_markdown(paragraph: str) -> str:
    """Escape what Markdown would read as markup, so the text renders as it was written, while
    leaving the file readable for the people who edit it ("[sic]" stays as it is)."""
    text = _INLINE.sub(r"\\\1", paragraph)
    if _LINKISH.search(text):
        text = text.replace("[", "\\[")
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def source_of(state: State) -> str | None:
    """Named by the page's furniture (follow-us, cookie text, ©), else by a name standing
    alone after the body (a masthead or slogan line)."""
    return detect.source(state.sources) or detect.source(state.tail_names)


def make_article(raw: RawArticle, state: State, default_language: str | None) -> Article:
    """The article's front matter and body. What the input stated (JSON Lines fields, a web
    page's metadata) wins over what detection finds."""
    paragraphs = body_paragraphs(state)
    meta = raw.meta
    src = meta.get("source") or source_of(state)
    language = meta.get("language") or detect.language(" ".join([state.title, *paragraphs]),
                                                       default_language)
    return Article(
        title=state.title,
        slug=slugify(state.title) or f"article-{raw.id[:8]}",
        body="\n\n".join(to_markdown(p) for p in paragraphs),
        date=meta.get("date") or (state.dates[0] if state.dates else None),
        language=language,
        source=src,
        author=meta.get("author"),
        source_url=meta.get("source_url"),
        agencies=tuple(dict.fromkeys(state.agencies)),
        related=tuple(dict.fromkeys(state.related)),
        tags=meta.get("tags") or tuple(detect.tags(state.title, paragraphs, {src} if src else set())),
        origin=raw.origin,
        id=raw.id,
    )


def clean_corpus(raws: list[RawArticle]) -> list[State]:
    """Clean every article twice: once to learn each one's source (named by its own furniture,
    or by furniture shared with a named article), then again knowing which lines recur across
    that source's articles."""
    first = [clean(r.text) for r in raws]
    lines = [[ln.text for ln in state.lines] for state in first]
    sources = attribute_sources([source_of(s) for s in first], lines)
    by_source: dict[str | None, list[int]] = defaultdict(list)
    for i, source in enumerate(sources):
        by_source[source].append(i)
    result = list(first)
    for indexes in by_source.values():
        common = repeated_lines(lines[i] for i in indexes)
        for i in indexes:
            if common:
                result[i] = clean(raws[i].text, boilerplate=common)
            if sources[i] and not source_of(first[i]):
                result[i] = replace(result[i], sources=(sources[i],))
    return result


def existing_ids(content_dir: Path) -> dict[str, Path]:
    """id -> content file, for every content file that has one (renamed files included)."""
    ids = {}
    for path in sorted(content_dir.glob("*.md")):
        try:
            article = frontmatter.load(path.read_text(encoding="utf-8"), path)
        except (BroadsheetError, OSError, UnicodeDecodeError):
            continue  # its problems are build's to report; here it only cannot claim an id
        if article.id:
            ids.setdefault(article.id, path)
    return ids


def ingest(paths: Iterable[Path], content_dir: Path, *, force: bool = False,
           default_language: str | None = None, progress: Progress = no_progress) -> IngestReport:
    report = IngestReport()
    files, report.errors = find_inputs(paths)
    raws: list[RawArticle] = []
    for path in progress(files, "read", len(files)):
        raws.extend(read_inputs(path, report.errors.append))
    states = clean_corpus(raws)
    content_dir.mkdir(parents=True, exist_ok=True)
    ids = existing_ids(content_dir)
    taken: dict[str, str] = {}  # slug -> id, for this run's articles
    for raw, state in progress(list(zip(raws, states)), "ingest", len(raws)):
        if not body_paragraphs(state):
            report.errors.append(InputError("nothing left after cleaning: no article text found",
                                            raw.origin))
            continue
        article = make_article(raw, state, default_language)
        known = ids.get(raw.id)
        if known and not force:
            report.skipped.append((raw.origin, f"already ingested as {known.name}"))
            continue
        slug = article.slug
        target = known or content_dir / f"{slug}.md"
        if not known and (target.exists() or taken.get(slug, raw.id) != raw.id):
            # another article owns this slug: keep both, apart by a piece of the id
            slug = f"{slug}-{raw.id[:8]}"
            target = content_dir / f"{slug}.md"
        if target.exists() and not force:
            report.skipped.append((raw.origin, f"{target.name} exists (use --force to overwrite)"))
            continue
        if known:
            slug = target.stem
        taken[slug] = raw.id
        try:
            atomic_write(target, frontmatter.dump(replace(article, slug=slug)))
        except OSError as exc:
            report.errors.append(ContentError(f"cannot write: {exc.strerror or exc}", target))
            continue
        report.added.append(target)
    return report
