"""`broadsheet init PATH`: a new site folder, ready for `broadsheet all`, and the search for
the site.yaml a command works on (in the current folder or the nearest one above it, as git
finds .git)."""

from __future__ import annotations

import json
from pathlib import Path

from broadsheet.errors import ConfigError
from broadsheet.fsutil import atomic_write

SKELETON = Path(__file__).resolve().parent / "skeleton"
CONFIG_NAME = "site.yaml"
# the new site's files: path in the site -> file of the skeleton
FILES = {CONFIG_NAME: "site.yaml", "README.md": "README.md", ".gitignore": "gitignore",
         "templates/README.md": "templates-README.md", "static/README.md": "static-README.md",
         ".github/workflows/site.yml": "workflow.yml"}
FOLDERS = ("raw", "content", "templates", "static")


def skeleton(title: str | None = None, language: str | None = None) -> dict[str, str]:
    """The new site's files and their text; title and language set in its site.yaml."""
    files = {dest: (SKELETON / src).read_text(encoding="utf-8") for dest, src in FILES.items()}
    config = files[CONFIG_NAME]
    if title:
        config = config.replace('title: "My news archive"',
                                f"title: {json.dumps(title, ensure_ascii=False)}", 1)
        files["README.md"] = files["README.md"].replace("# My news archive", f"# {title}", 1)
    if language:
        config = config.replace("language: en\n", f"language: {language}\n", 1)
    files[CONFIG_NAME] = config
    return files


def init(folder: Path, title: str | None = None, language: str | None = None) -> list[Path]:
    """Write a new site into folder (made if missing); refused where folder holds anything,
    so that nothing of the user's is ever overwritten. Returns the files written."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError("is a file, not a folder: give a new or empty folder", folder)
    if folder.is_dir() and any(folder.iterdir()):
        raise ConfigError("is not empty: give a new or empty folder for the new site", folder)
    for name in FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    written = []
    for dest, text in skeleton(title, language).items():
        path = folder / dest
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
        written.append(path)
    return written


def find_config(start: Path) -> Path | None:
    """The site.yaml in start or the nearest folder above it, or None."""
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None
