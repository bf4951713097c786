"""The site config: site.yaml read into one frozen value.

Every problem in the file is collected and reported together (as MkDocs does), each
naming its key, so a person fixes site.yaml in one pass.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from broadsheet import yamlhelp
from broadsheet.errors import ConfigError
from broadsheet.i18n import Overrides, overrides_from_config
from broadsheet.model import LANGUAGE_CODE, is_web_url
from broadsheet.ingest.outlets import SourcePolicy
from broadsheet.ingest.outlets import policy_from_config as source_policy_from_config
from broadsheet.tags import TagPolicy, policy_from_config



@dataclass(frozen=True)
class Pages:
    """Which optional kinds of page the site publishes (site.yaml's `pages:`); the site's
    feed, home, articles, tags, search and sitemap are always published."""
    tag_feeds: bool = True  # an Atom feed per tag
    source_feeds: bool = True  # an Atom feed per source (only with source_pages)
    source_pages: bool = True  # a listing per source, and the sources index
    language_pages: bool = True  # a listing per language, and the languages index
    archive_pages: bool = True  # a listing per year and per month, and the archive index

    @property
    def with_source_feeds(self) -> bool:
        """A source's feed follows its listing page: none without source pages."""
        return self.source_feeds and self.source_pages


_PAGE_SWITCHES = [f.name for f in dataclasses.fields(Pages)]


def pages_from_config(data: object) -> tuple[Pages, list[tuple[str | None, str]]]:
    """The `pages:` section of site.yaml -> (switches, problems as (its key under pages, or
    None for the section itself; the problem)). Shape:

        pages:
          tag_feeds: false
          language_pages: false
    """
    if data is None:
        return Pages(), []
    if not isinstance(data, dict):
        return Pages(), [(None, "'pages' must be a mapping of page kinds to true or false "
                                f"(kinds: {', '.join(_PAGE_SWITCHES)})")]
    problems: list[tuple[str | None, str]] = []
    values = {}
    for key, value in data.items():
        if key not in _PAGE_SWITCHES:
            problems.append((str(key), yamlhelp.unknown_key(key, _PAGE_SWITCHES, "pages.")))
        elif not isinstance(value, bool):
            problems.append((key, f"'pages.{key}' must be true or false, not "
                                  f"{yamlhelp.shown(value)}"))
        else:
            values[key] = value
    if values.get("source_feeds") is True and values.get("source_pages") is False:
        problems.append(("source_feeds", "'pages.source_feeds' needs the source pages (a "
                                         "source's feed follows its page): set it false too, "
                                         "or leave it out"))
    return Pages(**values), problems


@dataclass(frozen=True)
class Config:
    path: Path  # the config file; every relative path below is resolved against its folder
    title: str = "broadsheet"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    raw_dir: Path = Path("raw")
    content_dir: Path = Path("content")
    templates_dir: Path = Path("templates")
    static_dir: Path = Path("static")
    site_dir: Path = Path("site")
    index_dir: Path = Path(".broadsheet/index")
    state_dir: Path = Path(".broadsheet/build")  # what the last build did: rebuilds redo the rest
    per_page: int = 10
    feed_size: int = 20
    group_feed_size: int = 10  # entries in each tag's and source's feed
    tag_min_count: int = 2  # a tag gets a page (and a link, a feed) from this many articles
    max_input_mb: float = 10  # a raw input file larger than this is refused unread
    git_dates: bool = True  # `updated` from the last commit to each content file, when in git
    tags: TagPolicy = field(default_factory=TagPolicy)
    sources: SourcePolicy = field(default_factory=SourcePolicy)  # outlets' other spellings
    strings: Overrides = field(default_factory=Overrides)  # the theme's words, as the site has them
    pages: Pages = field(default_factory=Pages)  # the optional kinds of page the site publishes

    @property
    def base_path(self) -> str:
        """The URL path the site lives under: '/' at a web root, '/news/' under a sub-path."""
        return urlsplit(self.base_url).path or "/"

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * 1024 * 1024)


_PATH_KEYS = {"raw_dir", "content_dir", "templates_dir", "static_dir", "site_dir", "index_dir",
              "state_dir"}
_KEYS = [f.name for f in dataclasses.fields(Config) if f.name != "path"]


def _check(key: str, value: object) -> tuple[object, str | None]:
    """Return (normalised value, problem or None) for one key."""
    if key == "tags":
        policy, problems = policy_from_config(value)
        return policy, "; ".join(problems) or None
    if key == "sources":
        policy, problems = source_policy_from_config(value)
        return policy, "; ".join(problems) or None
    if key == "strings":
        overrides, problems = overrides_from_config(value)
        return overrides, "; ".join(problems) or None
    if key in _PATH_KEYS:
        if not isinstance(value, str) or not value.strip():
            return value, "must be a non-empty path"
        if "\0" in value:
            return value, "must not contain a NUL character"
        return Path(value), None
    if key in ("per_page", "feed_size", "group_feed_size", "tag_min_count"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return value, "must be a whole number of at least 1"
        return value, None
    if key == "git_dates":
        return value, None if isinstance(value, bool) else "must be true or false"
    if key == "max_input_mb":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
                or not math.isfinite(value):
            return value, "must be a number of megabytes above 0"
        return value, None
    if not isinstance(value, str):
        return value, "must be a string"
    if key == "base_url":
        parts = urlsplit(value)
        if not is_web_url(value) or parts.query or parts.fragment or "?" in value \
                or "#" in value:
            # pages' URLs are joined to it: a query or fragment would swallow their paths
            return value, ("must be an absolute http(s) URL without spaces, query or "
                           "fragment, like https://example.org/news/")
        return value if value.endswith("/") else value + "/", None
    if key == "language" and not LANGUAGE_CODE.match(value):
        return value, "must be a language code like 'fr' or 'en'"
    if key == "title" and not value.strip():
        return value, "must not be empty"
    return value, None


def load_config(path: str | Path = "site.yaml", required: bool = False, **overrides: object) -> Config:
    """Read site.yaml and apply CLI overrides (None = not given).

    A missing file means all defaults, unless the user named it (required=True).
    """
    path = Path(path)
    data, lines = _read(path, required)
    problems: list[ConfigError] = []
    values: dict[str, object] = {}
    for key, value in data.items():
        line = lines[str(key)] + 1 if str(key) in lines else None
        if key == "pages":  # each problem at the line of its own switch
            values[key], found = pages_from_config(value)
            problems += [ConfigError(problem, path, lines[f"pages.{sub}"] + 1
                                     if f"pages.{sub}" in lines else line)
                         for sub, problem in found]
            continue
        if key not in _KEYS:
            problems.append(ConfigError(yamlhelp.unknown_key(key, _KEYS), path, line))
            continue
        checked, problem = _check(key, value)
        if problem:
            if not problem.startswith(("'", "unknown")):
                problem = f"'{key}' {problem}" + (
                    "" if isinstance(value, (dict, list)) else f", not {yamlhelp.shown(value)}")
            problems.append(ConfigError(problem, path, line))
        else:
            values[key] = checked
    for key, value in overrides.items():
        if value is not None:
            values[key] = Path(value) if key in _PATH_KEYS else value
    if problems:
        first, *others = problems
        raise ConfigError(first.message, path, first.line, others=tuple(others))

    root = path.resolve().parent
    for key in _PATH_KEYS:
        if overrides.get(key) is not None:
            values[key] = Path(values[key]).resolve()  # CLI paths are relative to the shell's folder
        else:
            values[key] = root / values.get(key, getattr(Config, key))
    _check_outputs(path.resolve(), values)
    return Config(path=path.resolve(), **values)


def _read(path: Path, required: bool) -> tuple[dict, dict[str, int]]:
    """The config file's mapping and each top-level key's line (0-based); both empty when
    there is no file and it was not required."""
    if not path.exists():
        if required:
            raise ConfigError("config file not found", path)
        return {}, {}
    try:
        text = path.read_text(encoding="utf-8")
        loaded = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", path) from None
    except yaml.YAMLError as exc:
        message, line = yamlhelp.explain(exc)
        raise ConfigError(message, path, None if line is None else line + 1) from None
    lines = yamlhelp.key_lines(text, nested=("pages",))
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ConfigError("the config must be a mapping of keys to values", path)
    return loaded, lines


def _check_outputs(config_path: Path, values: dict) -> None:
    """site/ and the index are replaced whole on every build: neither may be, or hold, the
    project's own files (the config, raw/, content/, templates/, static/). Nor may an output
    be inside an input folder: static/idx would publish the index, and every build would
    change its own input (serve --watch would never rest)."""
    inputs = {"config": config_path, **{k: values[k] for k in
                                        ("raw_dir", "content_dir", "templates_dir", "static_dir")}}
    problems = []
    for key in ("site_dir", "index_dir", "state_dir"):
        out = Path(values[key]).resolve()
        for name, inp in inputs.items():
            inp = Path(inp).resolve()
            if inp == out or inp.is_relative_to(out) or (key != "site_dir" and out.is_relative_to(
                    Path(values["site_dir"]).resolve())):
                problems.append(f"'{key}' ({out}) would replace {name} ({inp})"
                                if inp == out or inp.is_relative_to(out)
                                else f"'{key}' must not be inside site_dir")
                break
        for name, inp in list(inputs.items())[1:]:  # the folders
            inp = Path(inp).resolve()
            if out != inp and out.is_relative_to(inp):
                problems.append(f"'{key}' ({out}) must not be inside '{name}' ({inp})")
    state, index = Path(values["state_dir"]).resolve(), Path(values["index_dir"]).resolve()
    if state == index or state.is_relative_to(index) or index.is_relative_to(state):
        # the index is swapped whole: the state (and the project's lock in it) must not be in it
        problems.append(f"'state_dir' ({state}) and 'index_dir' ({index}) must be apart")
    if problems:
        raise ConfigError("; ".join(problems), config_path)
