"""Browser test of the built site (``make site`` first): every page, offline.

A headless Chromium-based browser, driven by Playwright, visits every page of
``_toc.yml`` over a local HTTP server on 127.0.0.1 and checks what a reader
would notice: the page loads, nothing errs in the console, every image
decodes, every image of a chapter's text has a real alt text (what a
screen reader says instead of the figure), the math is typeset, the launch
and download buttons point where they should, and no request leaves the
machine (a room without internet gets the whole site). A full-page
screenshot of each page is kept in ``_build/screenshots/`` to look at.

The browser is found the way a reader has one (:func:`browser_candidates`):
``CNNCOURSE_CHROMIUM`` when set, else Chromium or Chrome on ``PATH``, the
standard install folders of Chrome, Chromium and Edge on macOS and Windows,
Playwright's ``chrome`` and ``msedge`` channels, and Playwright's own
Chromium. Without any, the browser tests skip and say how to get one; in CI
(``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from cnncourse import book

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
BROWSER_ENV = "CNNCOURSE_CHROMIUM"
# Names of Chromium and Chrome on PATH: Debian, Ubuntu (a snap), Chrome's
# packages for Linux.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome",
                 "google-chrome-stable")
# Browsers Playwright finds by itself where their vendors install them.
CHANNELS = ("chrome", "msedge")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-domain-reliability", "--no-first-run",
    "--no-default-browser-check", "--metrics-recording-only", "--no-pings",
]
LOCAL_HOST = "127.0.0.1"
MATH_TIMEOUT_MS = 20_000
PAGES = book.toc_documents(ROOT)
# The chapters' text on a page (not the theme's header, sidebars or logos).
ARTICLE = "article.bd-article"
ALT_MIN_WORDS = 3
IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp|bmp|tiff?|pdf)$", re.IGNORECASE)
# $x$ or $$…$$ in a markdown cell or page: what MyST's dollarmath turns into math.
DOLLAR_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)", re.DOTALL)


def _page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _markdown_text(path: Path) -> str:
    """The prose of a page: the markdown cells of a notebook, or a .md file."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def _has_math(path: Path) -> bool:
    text = re.sub(r"```.*?```|`[^`\n]*`", "", _markdown_text(path), flags=re.DOTALL)
    return bool(DOLLAR_MATH.search(text))


@pytest.fixture(scope="module")
def site_url(serve):
    """The built site, served by the tests' loopback HTTP server (tests/conftest.py)."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"the site is not built: {SITE}/index.html is missing; run `make site` "
                    "first", pytrace=False)
    with serve(SITE) as url:
        yield url.rstrip("/")


def install_locations() -> list[Path]:
    """Where Chrome, Chromium and Edge install themselves on macOS and Windows.

    Examples
    --------
    >>> chromium = "/Applications/Chromium.app/Contents/MacOS/Chromium"
    >>> Path(chromium) in install_locations()
    True
    """
    apps = [("Google Chrome", "Google Chrome"), ("Chromium", "Chromium"),
            ("Microsoft Edge", "Microsoft Edge")]
    places = [Path(folder) / f"{app}.app" / "Contents" / "MacOS" / program
              for folder in ("/Applications", Path.home() / "Applications")
              for app, program in apps]
    windows = [("Google", "Chrome", "Application", "chrome.exe"),
               ("Chromium", "Application", "chrome.exe"),
               ("Microsoft", "Edge", "Application", "msedge.exe")]
    for variable in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        if os.environ.get(variable):
            places += [Path(os.environ[variable], *program)
                       for program in windows]
    return places


def browser_candidates() -> list[tuple[str, dict[str, str]]]:
    """The browsers to try, in order: ``(what, Playwright launch keywords)``.

    ``CNNCOURSE_CHROMIUM`` alone when it is set; otherwise Chromium or Chrome
    on ``PATH``, the standard install folders, Playwright's channels, and
    Playwright's own Chromium (``playwright install chromium``).
    """
    chosen = os.environ.get(BROWSER_ENV)
    if chosen:
        return [(f"{BROWSER_ENV}={chosen}", {"executable_path": chosen})]
    found = [shutil.which(name) for name in BROWSER_NAMES]
    found += [str(p) for p in install_locations() if p.is_file()]
    programs = list(dict.fromkeys(p for p in found if p))  # in order, once
    return ([(p, {"executable_path": p}) for p in programs]
            + [(f"Playwright's channel {c}", {"channel": c}) for c in CHANNELS]
            + [("Playwright's own Chromium", {})])


def no_browser(tried: list[str]) -> None:
    """Skip the browser tests, saying what was tried; fail instead in CI."""
    message = ("no Chromium-based browser could be started, so the site was "
               "not checked in one. Tried:\n  " + "\n  ".join(tried) + "\n"
               "Install one (Debian: sudo apt-get install chromium; Ubuntu: "
               "sudo snap install chromium; macOS, Windows: Google Chrome) or "
               f"set {BROWSER_ENV} to a Chromium-based browser's program")
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    """The first of :func:`browser_candidates` that starts, headless."""
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        tried = []
        for what, options in browser_candidates():
            try:
                chromium = p.chromium.launch(args=CHROMIUM_ARGS, headless=True,
                                             **options)
            except Error as exc:
                tried.append(f"{what}: {str(exc).strip().splitlines()[0]}")
                continue
            yield chromium
            chromium.close()
            return
        no_browser(tried)


class Visit:
    """One page in a fresh browser context that records what went wrong."""

    def __init__(self, browser, base_url: str) -> None:
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.base_url = base_url

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOCAL_HOST or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"requested a resource from another host: {url}")
            route.abort()

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.problems.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def _failed(self, request) -> None:
        if urlsplit(request.url).hostname == LOCAL_HOST:
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    v = Visit(browser, site_url)
    yield v
    v.close()


def _check_math(page, problems: list[str], expected: bool) -> None:
    count = page.locator(".math").count()
    if not expected and not count:
        return
    if expected and not count:
        problems.append("the source has $…$ math but the page has no math elements")
        return
    try:
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && [...document.querySelectorAll('.math')]"
            ".every(e => e.querySelector('mjx-container'))",
            timeout=MATH_TIMEOUT_MS,
        )
    except Exception:
        plain = page.evaluate("[...document.querySelectorAll('.math')]"
                              ".filter(e => !e.querySelector('mjx-container')).length")
        problems.append(f"MathJax did not typeset {plain} of {count} math elements within "
                        f"{MATH_TIMEOUT_MS / 1000:.0f} s (is _static/mathjax/ there?)")
        return
    errors = page.locator("mjx-merror").count()
    if errors:
        problems.append(f"{errors} formulas fail to typeset (mjx-merror)")


def _check_images(page, problems: list[str]) -> None:
    broken = page.evaluate(
        "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
        ".map(i => i.getAttribute('src').slice(0, 80))"
    )
    for src in broken:
        problems.append(f"image not decoded: {src}")


def alt_text_problem(alt: str | None, src: str) -> str | None:
    """What is wrong with an image's alt text, or None when it describes the image.

    An alt text is what a screen reader says instead of the image (and what a
    browser shows when it cannot load it), so it must be there, say something
    in words (at least ``ALT_MIN_WORDS`` of them) and not be a file name,
    which is what MyST-NB writes when a cell gives none.

    Examples
    --------
    >>> alt_text_problem("A 7×7 plus sign, white on black", "../_images/a.png") is None
    True
    >>> alt_text_problem("a.png", "../_images/a.png")
    "the alt text is a file name: 'a.png'"
    """
    if alt is None:
        return "no alt attribute"
    text = " ".join(alt.split())
    if not text:
        return "an empty alt text"
    path = unquote(urlsplit(src).path) if not src.startswith("data:") else ""
    names = {src, path, posixpath.basename(path), posixpath.splitext(posixpath.basename(path))[0]}
    if text == src:
        return "the alt text is the image's path (MyST-NB's default when none is given)"
    if (IMAGE_FILE.search(text) or text in names - {""}
            or (" " not in text and ("/" in text or "\\" in text))):
        return f"the alt text is a file name: {text[:80]!r}"
    words = [w for w in text.split() if re.search(r"[^\W\d_]", w)]  # with a letter
    if len(words) < ALT_MIN_WORDS:
        return (f"the alt text {text!r} is too short to describe the image "
                f"({len(words)} words, at least {ALT_MIN_WORDS})")
    return None


def _check_alt_text(page, problems: list[str]) -> None:
    """Every image in the page's article has an alt text that describes it."""
    if not page.locator(ARTICLE).count():
        problems.append(f"no {ARTICLE} on the page: where is the chapter's text?")
        return
    images = page.eval_on_selector_all(
        f"{ARTICLE} img", "els => els.map(e => [e.getAttribute('alt'), e.getAttribute('src')])")
    for alt, src in images:
        problem = alt_text_problem(alt, src or "")
        if problem:
            problems.append(f"image {(src or '(no src)')[:100]}: {problem}")


def _check_launch_buttons(page, problems: list[str], path: Path) -> None:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    expected = {"Colab": book.colab_url(ROOT, path), "Binder": book.binder_url(ROOT, path)}
    for name, url in expected.items():
        if url not in hrefs:
            host = urlsplit(url).hostname
            found = [h for h in hrefs if urlsplit(h).hostname == host]
            problems.append(f"no {name} launch link to {url} (found {found or 'none'})")
    source = f"_sources/{path.relative_to(ROOT).as_posix()}"
    downloads = [h for h in hrefs if h.endswith(source)]
    if not downloads:
        problems.append(f"no download link to {source}")
    else:
        response = page.request.get(downloads[0])
        if response.status != 200 or not response.body().lstrip().startswith(b"{"):
            problems.append(f"the download link {downloads[0]} does not serve the notebook "
                            f"(HTTP {response.status})")


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_page_renders_offline(visit, path: Path):
    page_url = f"{visit.base_url}/{path.relative_to(ROOT).with_suffix('.html').as_posix()}"
    response = visit.page.goto(page_url, wait_until="load")
    assert response is not None, f"{page_url}: no response"
    assert response.status == 200, (
        f"{_page_id(path)}: HTTP {response.status} for {page_url}; was it built "
        "(`make site`) and is it in _toc.yml?"
    )
    problems = visit.problems
    _check_math(visit.page, problems, _has_math(path))
    visit.page.wait_for_load_state("networkidle")
    _check_images(visit.page, problems)
    if path.suffix == ".ipynb":
        _check_launch_buttons(visit.page, problems, path)
    if path.parent.name == "chapters" and path.name.startswith("0"):  # a chapter
        _check_alt_text(visit.page, problems)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / (path.relative_to(ROOT).with_suffix(".png").as_posix().replace("/", "__"))
    visit.page.screenshot(path=str(shot), full_page=True)
    if problems:
        pytest.fail(f"{_page_id(path)} ({page_url}):\n  " + "\n  ".join(problems),
                    pytrace=False)


@pytest.mark.browser
def test_search_finds_convolution(visit):
    url = f"{visit.base_url}/search.html?q=convolution"
    response = visit.page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, f"{url}: search page missing"
    results = visit.page.locator("#search-results ul.search li")
    try:
        results.first.wait_for(timeout=20_000)
    except Exception:
        summary = visit.page.locator("#search-results").inner_text()[:200]
        pytest.fail(f"the search page finds nothing for 'convolution': {summary!r}",
                    pytrace=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SHOTS / "search.png"), full_page=True)
    if visit.problems:
        pytest.fail("search page:\n  " + "\n  ".join(visit.problems), pytrace=False)


@pytest.mark.parametrize("alt, src, problem", [
    ("Bar chart of the ten classes' accuracy, shirts lowest", "../_images/ab12.png", None),
    ("A 7×7 binary plus sign", "../_images/ab12.png", None),
    (None, "../_images/ab12.png", "no alt attribute"),
    ("", "../_images/ab12.png", "an empty alt text"),
    (" \n\t", "../_images/ab12.png", "an empty alt text"),
    ("../_images/ab12.png", "../_images/ab12.png", "the image's path"),  # MyST-NB's default
    ("ab12.png", "../_images/ab12.png", "file name"),
    ("ab12", "../_images/ab12.png", "file name"),
    ("cat_photo.JPG", "data:image/jpeg;base64,AAAA", "file name"),
    ("figure.svg", "../_images/other.svg", "file name"),
    ("_images/plot", "x.png", "file name"),
    ("Plot", "../_images/ab12.png", "too short"),
    ("Loss curve", "../_images/ab12.png", "too short"),
    ("Figure 1 2 3", "../_images/ab12.png", "too short"),  # numbers are not words
])
def test_alt_text_problem_judges_alt_texts(alt, src, problem):
    found = alt_text_problem(alt, src)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found, found


def _program(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return program


@pytest.fixture
def no_browsers(tmp_path, monkeypatch):
    """An empty PATH and no browser installed in the standard places."""
    monkeypatch.delenv(BROWSER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA"):
        monkeypatch.setenv(variable, str(tmp_path / variable))
    if any(p.is_file() for p in install_locations()):
        pytest.skip("a browser is installed in /Applications")
    return tmp_path


def test_browser_candidates_without_browsers_are_playwrights(no_browsers):
    assert [options for _, options in browser_candidates()] == [
        {"channel": "chrome"}, {"channel": "msedge"}, {}]


def test_browser_candidates_find_path_then_install_folders(no_browsers):
    ubuntu = _program(no_browsers / "bin", "chromium-browser")
    chrome = _program(no_browsers / "LOCALAPPDATA" / "Google" / "Chrome"
                      / "Application", "chrome.exe")
    programs = [o.get("executable_path") for _, o in browser_candidates()]
    assert programs[:2] == [str(ubuntu), str(chrome)]


def test_browser_candidates_env_overrides_everything(no_browsers, monkeypatch):
    _program(no_browsers / "bin", "chromium")
    monkeypatch.setenv(BROWSER_ENV, "/opt/my/chrome")
    assert browser_candidates() == [(f"{BROWSER_ENV}=/opt/my/chrome",
                                     {"executable_path": "/opt/my/chrome"})]


def test_no_browser_skips_for_a_reader_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="snap install chromium"):
        no_browser(["chromium: not found"])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium: not found"):
        no_browser(["chromium: not found"])
