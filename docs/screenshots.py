"""Screenshots of the default theme, for the README: `make screenshots`.

    .venv/bin/python docs/screenshots.py [--out docs/screenshots]

Builds a small site in a temporary folder (the sample article plus 40 generated ones, in
French and English, from bench/gen_content.py), serves it with broadsheet's preview server
on a free loopback port, and saves PNGs of the home page, an article, a tag page, the
archive index and search results at desktop (1280 px) and mobile (390 px) widths, plus the
home page in the dark scheme on a phone, as OUT/<page>-<width>.png (home-desktop.png,
article-mobile.png, home-mobile-dark.png...). Same corpus, same theme: same pictures.

Needs Debian's chromium and chromium-driver (as the browser tests do). The corpus recipe
(`make_corpus`) is shared with tests/test_a11y_browser.py.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import struct
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "raw" / "000_2858112e9b9562c5.txt"
OUT = REPO / "docs" / "screenshots"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

GENERATED = 40   # articles from bench/gen_content.py, besides the sample
CORPUS_SEED = 7  # its seed: fixed, so the corpus and the pictures are the same every time
QUERY = "gouvernement"

# name -> (CSS width, height, mobile)
SIZES = {"desktop": (1280, 860, False), "mobile": (390, 844, True)}
# (page, size, scheme) for every picture taken
SHOTS = [(page, size, "light") for page in ("home", "article", "tag", "archive", "search")
         for size in SIZES] + [("home", "mobile", "dark")]


def make_corpus(content: Path) -> None:
    """Write the generated articles into a project's content/ folder (the sample article goes
    in raw/ and is ingested by `broadsheet all`)."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_content import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    generate(GENERATED, content, seed=CORPUS_SEED)


def make_project(root: Path) -> Path:
    """A project like the repository's (its site.yaml, no template or static overrides) with
    the sample article in raw/ and the generated corpus in content/; returns its site.yaml."""
    for name in ("templates", "static", "raw", "content"):
        (root / name).mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copy(SEED, root / "raw" / SEED.name)
    make_corpus(root / "content")
    return root / "site.yaml"


def build(config: Path) -> None:
    from broadsheet.cli import main

    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = main(["all", "--config", str(config), "--quiet"])
    if code != 0:
        raise SystemExit(f"the build of {config.parent} failed:\n{said.getvalue()}")


@contextlib.contextmanager
def serving(config: Path):
    """broadsheet's preview server for a built project on a free loopback port: its base URL."""
    from broadsheet.serve import running

    with running(config.parent / "site", config.parent / ".broadsheet" / "index") as url:
        yield url


def start_browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        raise SystemExit(f"screenshots need {' and '.join(missing)} "
                         "(apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--font-render-hinting=none",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def page_paths(site: Path) -> dict[str, str]:
    """Which page each picture shows: found in the built site, so the choice follows the
    corpus (the home page's first article, the tag index's biggest tag)."""
    home = (site / "index.html").read_text(encoding="utf-8")
    article = re.search(r'<h2><a href="(articles/[\w-]+\.html)">', home).group(1)
    tags = (site / "tags" / "index.html").read_text(encoding="utf-8")
    sized = re.findall(r'<li class="size-(\d)"><a href="\.\./(tags/[\w-]+\.html)">', tags)
    tag = max(sized, key=lambda s: int(s[0]))[1]  # the first of the biggest
    return {"home": "index.html", "article": article, "tag": tag,
            "archive": "archive/index.html", "search": f"search.html?q={QUERY}"}


def set_view(driver, size: str, scheme: str) -> None:
    width, height, mobile = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": scheme}]})


def wait_ready(driver, page: str, timeout: float = 15) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    if page == "search":
        wait.until(lambda d: d.find_elements("css selector", "#search-results > li"))  # any language


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR; ValueError if it is not a PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def shot_name(page: str, size: str, scheme: str) -> str:
    return f"{page}-{size}{'' if scheme == 'light' else '-' + scheme}.png"


def take(driver, base: str, paths: dict[str, str], out: Path,
         shots=SHOTS) -> list[Path]:
    """Save each (page, size, scheme) of shots as out/<name>.png; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for page, size, scheme in shots:
            set_view(driver, size, scheme)
            driver.get(base + paths[page])
            wait_ready(driver, page)
            driver.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
            driver.execute_async_script(  # let the page paint what it has just done
                "const done = arguments[0];"
                "requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 100)));")
            data = driver.get_screenshot_as_png()
            if png_size(data)[0] != SIZES[size][0]:
                raise RuntimeError(f"{page} {size}: the picture is {png_size(data)[0]} px wide, "
                                   f"not {SIZES[size][0]}")
            path = out / shot_name(page, size, scheme)
            path.write_bytes(data)
            written.append(path)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT})")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="broadsheet-shots-") as tmp:
        config = make_project(Path(tmp) / "proj")
        build(config)
        driver = start_browser(Path(tmp) / "profile")
        try:
            with serving(config) as base:
                files = take(driver, base, page_paths(config.parent / "site"), args.out)
        finally:
            driver.quit()
    for f in files:
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
