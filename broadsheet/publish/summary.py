"""Pure: what a listing shows of an article without reading it again: its first paragraph
as plain text, cut at a sentence boundary, and its length in words (for the reading time).
Computed once when the content file is read, and kept in the build state."""

from __future__ import annotations

import re

LIMIT = 280  # characters: two or three lines on a listing
WINDOW = 16  # times LIMIT: how much of the first paragraph the excerpt reads
WORDS_PER_MINUTE = 200

# [text](url) -> text; images -> their alt. The text holds no '[': with one, a run of
# '[[[[' made each '[' scan to the end of the block, quadratic (100 KB of them: 27 s)
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_MARKS = re.compile(r"(?<!\\)[*_`]+")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>&|~])")
_SENTENCE_END = re.compile(r"[.!?…](?:[»\"”')\]]*)\s")
_NOT_PROSE = re.compile(r"^\s*(?:#|>|[-*+] |\d+[.)] |```|~~~|\||<)")


def word_count(body: str) -> int:
    return len(body.split())


def reading_minutes(words: int) -> int:
    return max(1, -(-words // WORDS_PER_MINUTE))


def plain_inline(text: str) -> str:
    """Markdown inline markup dropped: links as their text, emphasis and code marks gone,
    backslash escapes undone. What remains is text: templates escape it."""
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _MARKS.sub("", text)
    return _ESCAPE.sub(r"\1", text)


_BREAK = re.compile(r"\r?\n[ \t]*\r?\n")  # hand-written files may have CRLF line ends


def _blocks(body: str):
    """The paragraphs of body, one at a time: the first is usually all that is read."""
    pos = 0
    while pos < len(body):
        m = _BREAK.search(body, pos)
        end = m.start() if m else len(body)
        yield body[pos:end]
        pos = m.end() if m else len(body)


def excerpt(body: str, limit: int = LIMIT) -> str:
    """The first paragraph of prose (not a heading, list, quote, table or code), as plain
    text; when longer than `limit`, cut after the last sentence that fits, or else at a word,
    with an ellipsis."""
    for block in _blocks(body):
        if not block.strip() or _NOT_PROSE.match(block):
            continue
        # the excerpt is the first `limit` characters of it: a window of the block holds
        # them, markup included, and bounds the work on a first paragraph of megabytes
        text = " ".join(plain_inline(block[: limit * WINDOW]).split())
        if not text:
            continue
        if len(text) <= limit:
            return text
        ends = [m.end() for m in _SENTENCE_END.finditer(text[: limit + 1] + " ")]
        ends = [e for e in ends if e <= limit + 1]
        if ends and ends[-1] > limit // 3:
            return text[: ends[-1]].strip()
        cut = text.rfind(" ", 0, limit)
        return text[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"
    return ""
