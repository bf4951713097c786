"""The only codec for content files: Markdown with YAML front matter.

    ---
    title: ...
    ---

    body

`dump` is deterministic (fixed key order, no line wrapping); `load` validates every key
and reports problems as ``path:line: message`` with the line of the offending key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import yaml

from broadsheet import fsutil, yamlhelp
from broadsheet.errors import ContentError
from broadsheet.model import (CONTROL_CHARS, FRONT_MATTER_KEYS, LANGUAGE_CODE, Article,
                              has_utc, is_valid_slug, is_web_url, slugify)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_TEXT_KEYS = {"title", "source", "author", "source_url", "summary", "origin", "id"}
_LIST_KEYS = {"agencies", "related", "tags", "duplicates", "aliases"}
_BOOL_KEYS = {"draft", "exclude_from_search"}


def dump(article: Article) -> str:
    meta = yaml.dump(article.front_matter(), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, default_flow_style=False, width=1 << 30)
    body = article.body.strip("\n")
    return f"---\n{meta}---\n\n{body}\n" if body else f"---\n{meta}---\n"


def split(text: str, path: str | Path) -> tuple[str, str]:
    """Return (yaml text, body)."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].rstrip("\r\n")) or lines[0].startswith("..."):
        raise ContentError("no front matter: the file must start with a '---' line", path, 1)
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i].rstrip("\r\n")):
            return "".join(lines[1:i]), "".join(lines[i + 1:])
    raise ContentError("front matter opened on line 1 is never closed with '---'", path, 1)


def _refuse_aliases(text: str, path: str | Path) -> None:
    """Anchors and aliases (`&a`, `*a`) are refused: a few lines of them expand to billions of
    items ("billion laughs") for whatever walks the value (a type check, an error message's
    repr, the build state's JSON), and front matter has no use for them. Only front matter
    holding a '&' or '*' pays for this second parse (events only, in C)."""
    if "&" not in text and "*" not in text:
        return
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ContentError("front matter: YAML anchors and aliases (&name, *name) are "
                                   "not allowed", path, event.start_mark.line + 2)
    except yaml.YAMLError:
        return  # a syntax error: _parse_yaml reports it with its line


def _unconstructed(text: str, path: str | Path, exc: Exception) -> ContentError:
    """The error for a value YAML parsed but could not make ("2024-02-30", a +25:00 offset,
    "!!float abc"), at the line of its key: the document is made again key by key to find
    it (only on this error path)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        for key_node, value_node in node.value if isinstance(node, yaml.MappingNode) else ():
            try:
                loader.construct_object(value_node, deep=True)
            except (ValueError, TypeError, OverflowError) as found:
                shown = (f" {value_node.value}" if isinstance(value_node, yaml.ScalarNode)
                         else "")
                return ContentError(f"front matter: '{key_node.value}':{shown}: {found}", path,
                                    key_node.start_mark.line + 2)
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return ContentError(f"front matter: {exc}", path, 2)


def _parse_yaml(text: str, path: str | Path):
    _refuse_aliases(text, path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        problem, line = yamlhelp.explain(exc)
        # +1 for 0-based, +1 for the opening '---'
        raise ContentError(f"front matter: {problem}", path,
                           line + 2 if line is not None else 1) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"front matter: {exc}", path, 1) from None
    except (ValueError, TypeError, OverflowError) as exc:  # "2015-02-30", "!!float abc"
        raise _unconstructed(text, path, exc) from None
    finally:
        loader.dispose()
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ContentError("front matter keys must be plain names", path,
                                   key_node.start_mark.line + 2)
            key = key_node.value
            if key in lines:
                raise ContentError(f"duplicate key '{key}'", path, key_node.start_mark.line + 2)
            lines[key] = key_node.start_mark.line + 2
    return data, lines


def _date(value, key, path, line):
    parsed = None
    if isinstance(value, (dt.date, dt.datetime)):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            parsed = parsed.date() if len(value.strip()) == 10 else parsed
    if parsed is None:
        raise ContentError(f"'{key}' must be a date like 2015-10-27, not {value!r}", path, line)
    if not has_utc(parsed):
        raise ContentError(f"'{key}' is out of range once in UTC: {parsed.isoformat()}", path, line)
    return parsed


def body_of(text: str, path: str | Path) -> str:
    """The body of a content file, exactly as `load` gives it, without parsing the YAML."""
    return CONTROL_CHARS.sub("", split(text, path)[1]).strip("\n")


def load(text: str, path: str | Path) -> Article:
    """Parse and validate one content file, its body included (a build that needs only the
    front matter keeps it, and reads a body again where a page needs it: see body_of)."""
    path = Path(path)
    meta_text, body = split(text, path)
    data, lines = _parse_yaml(meta_text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError("front matter must be a mapping of keys to values", path, 2)
    fields: dict = {}
    for key, value in data.items():
        line = lines.get(key, 2)
        if key not in FRONT_MATTER_KEYS:
            raise ContentError(yamlhelp.unknown_key(key, list(FRONT_MATTER_KEYS)), path, line)
        if value is None:
            continue
        fields[key] = _value(key, value, path, line)
    if "title" not in fields:
        raise ContentError("missing required key 'title'", path, 1)
    if "slug" not in fields:
        stem = path.stem
        fields["slug"] = stem if is_valid_slug(stem) else (slugify(stem) or slugify(fields["title"]))
        if not fields["slug"]:
            raise ContentError("no usable slug: set 'slug' in the front matter", path, 1)
    return Article(body=CONTROL_CHARS.sub("", body).strip("\n"), path=path,
                   **fields)


def _value(key: str, value, path: Path, line: int):
    """One front matter key's value, checked (ContentError naming its line) and as the
    Article holds it: text without control characters and trimmed, lists as tuples."""
    if key == "author" and isinstance(value, list):  # several authors
        if not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise ContentError("'author' must be text or a list of text items", path, line)
        return tuple(CONTROL_CHARS.sub("", v).strip() for v in value)
    if key in _TEXT_KEYS:
        return _text_value(key, value, path, line)
    if key in _LIST_KEYS:
        return _list_value(key, value, path, line)
    if key == "date":
        return _date(value, key, path, line)
    if key in _BOOL_KEYS and not isinstance(value, bool):
        raise ContentError(f"'{key}' must be true or false, not {value!r}", path, line)
    if key == "language" and (not isinstance(value, str) or not LANGUAGE_CODE.match(value)):
        raise ContentError(f"'language' must be a code like 'fr', not {value!r}", path, line)
    if key == "slug" and (not isinstance(value, str) or not is_valid_slug(value)):
        raise ContentError(f"'slug' must be lowercase letters, digits and hyphens, "
                           f"not {value!r}", path, line)
    return value


def _text_value(key: str, value, path: Path, line: int) -> str:
    if not isinstance(value, str):
        raise ContentError(f"'{key}' must be text, not {type(value).__name__}", path, line)
    value = CONTROL_CHARS.sub("", value).strip()
    if key == "title" and not value:
        raise ContentError("'title' must not be empty", path, line)
    if key == "source_url" and not is_web_url(value):
        raise ContentError(f"'source_url' must be an http(s) URL, not {value!r}", path, line)
    return value


def _list_value(key: str, value, path: Path, line: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                              for v in value):
        raise ContentError(f"'{key}' must be a list of text items", path, line)
    value = tuple(CONTROL_CHARS.sub("", v).strip() for v in value)
    if key == "aliases":
        bad = [v for v in value if not is_valid_slug(v)]
        if bad:
            raise ContentError(f"'aliases' are former slugs: lowercase letters, digits "
                               f"and hyphens, not {bad[0]!r}", path, line)
        if len(set(value)) != len(value):
            raise ContentError("'aliases' names the same slug twice", path, line)
    return value


def content_entries(content_dir: Path) -> list[os.DirEntry]:
    """The content files, by name: `*.md`, not hidden (an editor's `.x.md` swap file is not
    an article). The one lister of content/, for the build and for ingest alike."""
    with os.scandir(content_dir) as found:
        return sorted((e for e in found if e.name.endswith(".md")
                       and not e.name.startswith(".")), key=lambda e: e.name)


def leads_outside(entry: os.DirEntry, content_dir: Path) -> bool:
    """A symlink leading out of content/: not followed (nor published)."""
    return entry.is_symlink() and fsutil.leads_outside(entry.path, content_dir)
