"""Browser test of the built site (``make site`` first): every page, offline.

Headless Debian Chromium, driven by Playwright, visits every page of
``_toc.yml`` over a local HTTP server on 127.0.0.1 and checks what a reader
would notice: the page loads, nothing errs in the console, every image
decodes, every image of a chapter's text has a real alt text (what a
screen reader says instead of the figure), the math is typeset, the launch
and download buttons point where they should, and no request leaves the
machine (a room without internet gets the whole site). A full-page
screenshot of each page is kept in ``_build/screenshots/`` to look at.
"""

from __future__ import annotations

import functools
import http.server
import posixpath
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from cnncourse import book

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def site_url():
    """The built site, served by a local HTTP server on a free port."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"the site is not built: {SITE}/index.html is missing; run `make site` "
                    "first", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless; Playwright downloads no browser of its own."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(`make setup` does it where it may)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        yield chromium
        chromium.close()


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
