"""Reading raw input, one reader per format, chosen by extension (a mixed folder works):

    .txt    one article, headline on the first line (a scraper's plain output)
    .jsonl  one article per line: {"title", "text"} and any of url, date, source,
            language, tags, id, author (what corpus tools emit); stated metadata wins
    .html   a saved web page: trafilatura extracts the article and its metadata

Every reader returns RawArticles with the headline on the first line of `text`, so one
cleaner serves them all. All checks that make an input unusable live here, each raising
InputError with one line naming the file (and line) and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from broadsheet.errors import Diagnostics, InputError, InputWarning
from broadsheet.fsutil import leads_outside
from broadsheet.ingest.dates import page_date
from broadsheet.ingest.titles import html_headline
from broadsheet.model import (CONTROL_CHARS, LANGUAGE_CODE, RawArticle, has_utc,
                              is_web_url)

MAX_BYTES = 10 * 1024 * 1024  # a scraped article is kilobytes; a page rarely 1 MB (max_input_mb)
MAX_JSONL_BYTES = 2 * 1024 ** 3  # a corpus file; read line by line, never whole
_JSONL_KEYS = {"title", "text", "url", "date", "source", "language", "tags", "id", "author"}
_RENAMED = {"url": "source_url"}  # "url" in front matter would read as the page's own URL


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


_BREAK = re.compile(rb"\r\n?|\n")


def _first_line(data: bytes, start: int, first_line: int) -> int:
    """The line number of data[start], whatever the line ends (LF, CRLF, lone CR)."""
    return first_line + len(_BREAK.findall(data, 0, start))


def decode(data: bytes, path: Path, first_line: int = 1) -> str:
    """Strict UTF-8 (a BOM allowed), line ends made LF, control characters dropped."""
    if b"\x00" in data:
        raise InputError("binary file (contains NUL bytes), not an article", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", path,
                         _first_line(data, exc.start, first_line)) from None
    return _normalise(text)


def _normalise(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL_CHARS.sub("", text)  # invisible, and invalid in the feed's XML


# What a file that is no text at all starts with: named, rather than "binary".
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"), (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"),
          (b"\x1f\x8b", "a gzip archive"), (b"\x7fELF", "a program (ELF)"))
# a well-formed UTF-8 sequence of two to four bytes: legacy single-byte text almost never
# holds one, so a file with one and an invalid byte elsewhere is UTF-8 damaged, not Latin-1
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")  # printable in Windows-1252, controls in Latin-1
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode_text(data: bytes, path: Path) -> tuple[str, str | None]:
    """A plain-text article's text, and the legacy encoding it was decoded from (None for
    UTF-8). UTF-8 first; a file that is not UTF-8 and has no well-formed multi-byte UTF-8
    sequence is decoded as Central European single-byte text (Windows-1250 or ISO-8859-2)
    when it is in one of those languages, else given to charset-normalizer and accepted only
    as Western single-byte text (Latin-1 or its superset Windows-1252, what older French,
    German, Spanish, Italian and English scrapers wrote); anything else names the line of
    its first bad byte."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary file ({what}), not an article", path)
    if b"\x00" in data:
        raise InputError("binary file (contains NUL bytes), not an article", path)
    try:
        return _normalise(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        bad, line = data[exc.start], _first_line(data, exc.start, 1)
    if _UTF8_MULTIBYTE.search(data):
        raise InputError(f"not valid UTF-8 (byte 0x{bad:02x}); the rest of the file is UTF-8",
                         path, line)
    central = _central_european(data)
    if central is not None:
        return central
    from charset_normalizer import from_bytes  # only for the rare legacy file

    if from_bytes(data, cp_isolation=["cp1252", "latin_1"]).best() is None:
        guess = from_bytes(data).best()
        seen = f"; it looks like {guess.encoding}" if guess is not None else ""
        raise InputError(f"not valid UTF-8 (byte 0x{bad:02x}), nor Latin-1/Windows-1252 text"
                         f"{seen}", path, line)
    # The two agree on every byte but 0x80-0x9f: name the one the bytes need
    if _CP1252_ONLY.search(data) and not _CP1252_UNDEFINED.intersection(data):
        return _normalise(data.decode("cp1252")), "Windows-1252"
    return _normalise(data.decode("latin-1")), "Latin-1 (ISO-8859-1)"


# Central European languages written in Windows-1250 or ISO-8859-2, and the letters beyond
# ASCII each uses. Their bytes are just as valid in Windows-1252, where they come out as
# "powiedzia³ w œrodê": the language decides, not the bytes.
_CENTRAL_LETTERS = {
    "pl": "ąćęłńóśźż", "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž",
    "hu": "áéíóöőúüű", "sl": "čšž", "hr": "čćđšž", "bs": "čćđšž", "ro": "ăâîşţșț",
}
_CENTRAL = (("cp1250", "Windows-1250"), ("iso8859_2", "ISO-8859-2 (Latin-2)"))


def _central_european(data: bytes) -> tuple[str, str] | None:
    """Text in a Central European language, decoded from whichever of its two encodings gives
    the more of its own letters (bytes 0x80-0x9f, controls in ISO-8859-2, mean Windows-1250);
    None when the text is not in one of those languages, as language identification finds it
    in the bytes read as Latin-1 and again in the text decoded (anything else, Cyrillic in
    cp1251 among it, is another encoding's)."""
    from broadsheet.ingest.detect import language

    guess = language(data.decode("latin-1"))
    if guess not in _CENTRAL_LETTERS:
        return None
    letters = set(_CENTRAL_LETTERS[guess])
    # Windows-1252 first: French quoting a Hungarian club is not Hungarian text, and only an
    # encoding that makes more of the language's letters can be the one it was written in
    western = data.decode("cp1252", errors="replace").lower()
    best = (sum(1 for c in western if c in letters), None, None)
    for codec, name in _CENTRAL:
        if codec == "iso8859_2" and _CP1252_ONLY.search(data):
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = sum(1 for c in text.lower() if c in letters)
        if score > best[0]:
            best = (score, text, name)
    if best[1] is None or language(best[1]) != guess:
        return None
    return _normalise(best[1]), best[2]


def _need_body(text: str, path: Path | str, line: int | None = None) -> None:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if not lines:
        raise InputError("empty file" if line is None else "empty article", path, line)
    if len(lines) == 1:
        raise InputError("only a headline, no article text", path, line)


def parse_text(data: bytes, path: Path, problems: Diagnostics) -> list[RawArticle]:
    text, encoding = decode_text(data, path)
    _need_body(text, path)
    if encoding:
        problems.warn(InputWarning(f"not UTF-8: decoded as {encoding}", path))
    return [RawArticle(origin=path.name, text=text, id=_hash(data))]


def _meta_value(key: str, value, path: Path, line: int):
    """Stated metadata, checked: a wrong type is the line's error, not a silent guess."""
    if key == "tags":
        if isinstance(value, str):
            value = [t for t in (v.strip() for v in value.split(",")) if t]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise InputError("'tags' must be a list of text items", path, line)
        return tuple(t.strip() for t in value if t.strip())
    if key == "date":
        if not isinstance(value, str):
            raise InputError("'date' must be text like 2015-10-27", path, line)
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"'date' is not an ISO date: {value!r}", path, line) from None
        if not has_utc(parsed):
            raise InputError(f"'date' is out of range once in UTC: {value!r}", path, line)
        return parsed.date() if len(value.strip()) == 10 else parsed
    if key == "id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InputError(f"'{key}' must be text", path, line)
    if key == "language" and not LANGUAGE_CODE.match(value.strip().lower()):
        raise InputError(f"'language' must be a code like 'fr', not {value!r}", path, line)
    if key == "language":
        return value.strip().lower()
    if key == "url" and not is_web_url(value.strip()):
        raise InputError(f"'url' must be an http(s) URL, not {value!r}", path, line)
    return value.strip()


def parse_jsonl(path: Path, problems: Diagnostics) -> list[RawArticle]:
    """One article per line; a bad line is reported with its number and the rest go on."""
    out = []
    with path.open("rb") as f:
        for number, data in enumerate(f, start=1):
            if not data.strip():
                continue
            try:
                text = decode(data, path, number)
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"invalid JSON: {exc.msg}", path, number) from None
                if not isinstance(record, dict):
                    raise InputError("each line must be a JSON object", path, number)
                title, body = record.get("title"), record.get("text")
                if not isinstance(title, str) or not title.strip():
                    raise InputError("missing 'title'", path, number)
                if not isinstance(body, str) or not body.strip():
                    raise InputError("missing 'text'", path, number)
                meta = {_RENAMED.get(k, k): _meta_value(k, v, path, number)
                        for k, v in record.items()
                        if k in _JSONL_KEYS - {"title", "text"} and v not in (None, "", [])}
                title = " ".join(title.split())
                meta["title"] = title
                stated = meta.pop("id", None)
                if stated:
                    meta["id_stated"] = True  # two lines with one stated id are an error
                out.append(RawArticle(origin=f"{path.name}:{number}", text=f"{title}\n\n{body}",
                                      id=stated or _hash(data), meta=meta))
            except InputError as exc:
                problems.error(exc)
    return out


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # XPath 1.0 has no lower-case(): translate() does it
_EMBED = re.compile(rb"</?embed(?=[\s/>])[^>]*>", re.IGNORECASE)  # not <embed-video>
_UNSEEN = ["//*[@hidden]", "//template", "//object", "//noscript",
           "//*[@aria-hidden='true']",
           # capitals to lower case, spaces out (no counterpart in the third argument)
           *(f"//*[contains(translate(@style, '{_UPPER} ', '{_UPPER.lower()}'), '{rule}')]"
             for rule in ("display:none", "visibility:hidden"))]


# elements a browser's innerText ends a line after: where a page's date line ends
_BLOCKS = frozenset("p div li ul ol h1 h2 h3 h4 h5 h6 br tr td th table section article header "
                    "footer nav aside main time figure figcaption blockquote pre dl dt dd form "
                    "address hr".split())


def visible_lines(data: bytes) -> list[str]:
    """The page's text as a reader sees it, a line per block (as a browser's innerText):
    where the page states its date, which trafilatura's body leaves out (the byline, the
    line under the headline)."""
    from trafilatura.utils import load_html

    tree = load_html(data)
    if tree is None:
        return []
    for hidden in tree.xpath("|".join(["//script", "//style", "//head", *_UNSEEN])):
        hidden.drop_tree()
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.text, el.tail = "\n" + (el.text or ""), "\n" + (el.tail or "")
    return [" ".join(ln.split()) for ln in "".join(tree.itertext()).split("\n") if ln.strip()]


FEW_WORDS = 60  # words: less than a short news item's text


def _extract(data: bytes, prune: bool):
    import trafilatura  # heavy (lxml): only when an .html input is present

    return trafilatura.bare_extraction(
        # tables are kept: a results table or a price list is often the article's substance
        # (on the labelled real pages, more of what readers need than of furniture)
        data, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False,
        # a date only where the page states it (its metadata, <time>, its URL): htmldate's
        # extensive search takes a footer's "© 2018" or a date in the text for it
        date_extraction_params={"extensive_search": False, "original_date": True},
        # what a reader never sees is not the article
        prune_xpath=_UNSEEN if prune else None)


def parse_html(data: bytes, path: Path) -> list[RawArticle]:
    """trafilatura finds the article in the page (and its date, author, site name, URL);
    the cleaner then removes what it kept of the page's furniture."""
    if b"\x00" in data:
        raise InputError("binary file (contains NUL bytes), not a web page", path)
    # <embed> is a void element that lxml's parser opens as a container: the paragraphs
    # after it became its children, glued into one line (or pruned with it). The tag goes.
    data = _EMBED.sub(b"", data)
    doc = _extract(data, prune=True)
    if doc is None:  # the article sat in what the page hides until its scripts run
        doc = _extract(data, prune=False)
    if doc is None:
        raise InputError("no article found in this page", path)
    found = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = (found.get("text") or "").strip()
    title = " ".join((found.get("title") or "").split()) or html_headline(data, "")
    if not title:
        raise InputError("no title found in this page", path)
    meta = {"title": title, "extracted": True}  # the cleaner reads it as trafilatura's output
    for ours, theirs in (("author", "author"), ("source", "sitename"), ("source_url", "url"),
                         ("date", "date")):
        value = found.get(theirs)
        if isinstance(value, str) and value.strip():
            meta[ours] = value.strip()
    if "source_url" in meta and not is_web_url(meta["source_url"]):
        del meta["source_url"]
    # the headline the page shows in its <h1>, its og:title or <title> vouching for it
    title = meta["title"] = html_headline(data, title, meta.get("source_url"))
    if "date" in meta:
        try:
            meta["date"] = dt.date.fromisoformat(meta["date"][:10])
        except ValueError:
            del meta["date"]
    seen = visible_lines(data)
    if len(body.split()) < FEW_WORDS and sum(len(ln.split()) for ln in seen) > 10 * FEW_WORDS:
        # trafilatura kept a caption or a teaser of a long page: the page's visible text,
        # cleaned as a scraper's text is, finds more of the article
        body, meta["extracted"] = "\n".join(seen), False
    _need_body(f"{title}\n\n{body}", path)
    # the date the page shows its reader before its metadata's, often the time it was
    # modified, or in another time zone (on the labelled real pages: 90 % right, not 87 %)
    if stated := page_date(list(enumerate(seen, start=1)), title):
        meta["date"] = stated
    # trafilatura writes paragraphs one per line; a blank line between keeps the raw shape
    text = title + "\n\n" + "\n\n".join(ln for ln in body.split("\n") if ln.strip())
    return [RawArticle(origin=path.name, text=text, id=_hash(data), meta=meta)]


EXTENSIONS = (".txt", ".html", ".htm", ".jsonl")  # what read_inputs reads (the others: skipped)


def find_inputs(paths: Iterable[Path], problems: Diagnostics) -> list[Path]:
    """The input files under the given folders (by extension) and the files given by name,
    sorted, so that the order of the disk never shows in the output (a symlink leading out
    of its folder is not followed: a warning, not a failure)."""
    files: set[Path] = set()
    for path in paths:
        if path.is_dir():
            for p in path.rglob("*"):
                if p.suffix.lower() not in EXTENSIONS:
                    continue
                if leads_outside(p, path):
                    problems.warn(InputWarning("symlink to a file outside the input folder, "
                                               "not followed", p))
                elif p.is_file():
                    files.add(p)
                elif p.is_dir():
                    problems.error(InputError("is a folder, not an article file", p))
        elif path.is_file():
            files.add(path)
        elif path.exists():
            problems.error(InputError("not a regular file", path))
        else:
            problems.error(InputError("no such file or folder", path))
    return sorted(files)


def read_inputs(path: Path, problems: Diagnostics, max_bytes: int = MAX_BYTES
                ) -> list[RawArticle]:
    """The articles of one input file; the file's errors, or its bad lines', and its
    warnings (a legacy encoding) in problems. The size is checked on the file's stat, before
    any byte is read."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if suffix == ".jsonl":
            if size > MAX_JSONL_BYTES:
                raise InputError(f"too large ({size} bytes; the limit is {MAX_JSONL_BYTES})",
                                 path)
            return parse_jsonl(path, problems)
        if size > max_bytes:
            raise InputError(f"too large ({size:,} bytes; the limit is {max_bytes / 2**20:.4g} MB, "
                             f"max_input_mb in site.yaml)", path)
        if suffix in (".html", ".htm"):
            return parse_html(path.read_bytes(), path)
        return parse_text(path.read_bytes(), path, problems)
    except InputError as exc:
        problems.error(exc)
    except OSError as exc:
        problems.error(InputError(f"cannot read: {exc.strerror or exc}", path))
    return []


def read_raw(path: Path) -> RawArticle:
    """One plain-text or HTML article, its error raised (the tests read fixtures so)."""
    problems = Diagnostics()
    found = read_inputs(path, problems)
    problems.stop_at_first_error()
    return found[0]
