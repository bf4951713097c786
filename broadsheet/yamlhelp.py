"""YAML mistakes told in a person's words: the line the mistake is on, and what to do about
it, for site.yaml and the content files' front matter alike. PyYAML's own words ("mapping
values are not allowed here") name the parser's state, and its line is often where it gave
up (the end of the file, for a quote never closed), not where the mistake is."""

from __future__ import annotations

import difflib
import json

import yaml


def explain(exc: yaml.YAMLError) -> tuple[str, int | None]:
    """(what is wrong and what to do, the 0-based line of the mistake or None)."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"invalid YAML: {exc}", None
    problem = exc.problem or exc.context or "invalid YAML"
    context = exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark else None
    if "quoted scalar" in context and exc.context_mark is not None:
        return "a quote opened on this line is never closed", exc.context_mark.line
    if context.startswith("while parsing a flow") and exc.context_mark is not None:
        return "a [ or { opened on this line is never closed", exc.context_mark.line
    if "mapping values are not allowed" in problem:
        return ('a ": " inside a value: put the value in quotes (title: "Paris: the strike '
                'goes on"), or a line is indented too far'), line
    if "\\t" in problem or "tab character" in problem:
        return "a tab in the indentation: indent with spaces", line
    if "could not find expected ':'" in problem or "simple key" in context:
        start = exc.context_mark.line if exc.context_mark is not None else line
        return "a line that is not `key: value` (a missing colon, or a quote not closed)", start
    return f"invalid YAML: {problem}", line


def closest(key: object, known: list[str]) -> str | None:
    """The known key a misspelt one most likely means ('per_pgae' -> 'per_page'), or None."""
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key(key: object, known: list[str], prefix: str = "") -> str:
    """"unknown key 'per_pgae' (did you mean 'per_page'?)", else the known keys."""
    close = closest(key, known)
    hint = f"did you mean '{prefix}{close}'?" if close else f"known: {', '.join(known)}"
    return f"unknown key '{prefix}{key}' ({hint})"


def shown(value: object, width: int = 60) -> str:
    """A bad value as the person wrote it, quoted and cut to width."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def key_lines(text: str, nested: tuple[str, ...] = ()) -> dict[str, int]:
    """Each top-level key of a YAML mapping and its 0-based line ({} if it does not parse);
    for the keys named in nested, their own keys too, as 'key.subkey'."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    out = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode):
            out[str(k.value)] = k.start_mark.line
            if str(k.value) in nested and isinstance(v, yaml.MappingNode):
                out.update((f"{k.value}.{sub.value}", sub.start_mark.line) for sub, _ in v.value
                           if isinstance(sub, yaml.ScalarNode))
    return out
