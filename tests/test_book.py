"""The book builds offline with -W, and its figures work in a real browser with no kernel."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import chromium_path

pytestmark = pytest.mark.slow

CHAPTERS = ["notebooks/szt_information_plane.html", "notebooks/single_neuron.html", "notebooks/szt_binning.html", "notebooks/szt_noisy.html",
            "notebooks/szt_variants.html", "notebooks/szt_deterministic.html", "notebooks/mnist_cnn.html",
            "notebooks/ib_bound.html", "notebooks/infinite_width.html", "notebooks/saxe_nonlinearity.html",
            "notebooks/saxe_sgd.html", "notebooks/saxe_linear.html", "notebooks/estimators.html",
            "notebooks/butakov_compression.html", "notebooks/your_network.html"]
#: Pages whose β (or bin-width) figures must carry a slider that works without a kernel.
SLIDER_PAGES = {"notebooks/szt_information_plane.html", "notebooks/single_neuron.html", "notebooks/szt_binning.html", "notebooks/szt_noisy.html",
                "notebooks/szt_deterministic.html", "notebooks/mnist_cnn.html", "notebooks/ib_bound.html",
                "notebooks/infinite_width.html", "notebooks/saxe_nonlinearity.html", "notebooks/saxe_sgd.html",
                "notebooks/saxe_linear.html", "notebooks/estimators.html", "notebooks/butakov_compression.html",
                "notebooks/your_network.html"}
#: Pages with a live ipywidgets control, shown in its saved state by the book's own html-manager.
WIDGET_PAGES = {"notebooks/single_neuron.html": 2, "notebooks/szt_noisy.html": 1, "notebooks/mnist_cnn.html": 1}


def test_book_builds_with_every_chapter(built_book):
    for page in CHAPTERS:
        html = (built_book / page).read_text()
        assert "plotly-graph-div" in html, f"{page} has no Plotly figure"
        assert "_static/plotly.min.js" in html
        assert "cdn." not in html and "unpkg.com" not in html, f"{page} names a CDN"
        assert 'href="../book/api.html#ipcore.' in html, f"{page} links no function of the API reference"
    assert (built_book / "_static" / "plotly.min.js").stat().st_size > 1_000_000
    # The ipywidgets HTML manager and its fonts are served from the build (html_extra_path).
    widgets = built_book / "_static" / "widgets"
    assert (widgets / "embed.js").stat().st_size > 1_000_000 and list(widgets.glob("*.woff2"))
    for page in ["notebooks/single_neuron.html", "notebooks/szt_noisy.html", "notebooks/mnist_cnn.html"]:
        html = (built_book / page).read_text()
        assert "_static/widgets/embed.js" in html and "application/vnd.jupyter.widget-state+json" in html
        # Binder launch buttons open the chapter's text notebook in JupyterLab.
        assert f"https://mybinder.org/v2/gh/example/ipcore/main?urlpath=lab/tree/{page[:-5]}.md" in html


class _Links(HTMLParser):
    """Collects every reference of one HTML page (links, images, scripts, media sources) and
    its ids (anchors)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag in ("a", "link") and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag in ("img", "script", "source", "iframe", "embed", "video", "audio") and attrs.get("src"):
            self.hrefs.append(attrs["src"])
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.hrefs.append(candidate.split()[0])


def test_internal_links_images_and_scripts_resolve(built_book):
    pages: dict[Path, _Links] = {}
    for page in built_book.rglob("*.html"):
        if "_static" in page.parts:
            continue
        parser = _Links()
        parser.feed(page.read_text(errors="replace"))
        pages[page.resolve()] = parser
    broken = []
    for page, parser in pages.items():
        for href in parser.hrefs:
            parts = urlparse(href)
            if parts.scheme or href.startswith("//"):
                continue  # outside links are not followed (the book builds and reads offline)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(built_book.resolve())}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(built_book.resolve())}: {href} (no such anchor)")
    assert len(pages) >= 10
    assert not broken, "broken internal references:\n" + "\n".join(broken[:30])


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


FIGURE_STATE = """(i) => {
  const gd = document.querySelectorAll('.plotly-graph-div')[i];
  return {title: gd.layout.title ? gd.layout.title.text : null,
          visible: gd.data.map(t => t.visible === undefined ? true : t.visible),
          active: gd.layout.sliders && gd.layout.sliders.length ? gd.layout.sliders[0].active : null,
          steps: gd.layout.sliders && gd.layout.sliders.length ? gd.layout.sliders[0].steps.length : 0};
}"""


class PageWatch:
    """What a page did while it was open: console errors, requests to outside hosts, and
    requests that failed or were answered with an error status (a 404 is a missing file)."""

    def __init__(self, pg) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []
        pg.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        pg.on("pageerror", lambda exc: self.errors.append(str(exc)))
        pg.on("request", lambda req: self.outside.append(req.url)
              if urlparse(req.url).hostname not in ("127.0.0.1", None) and not req.url.startswith("data:") else None)
        pg.on("requestfailed", lambda req: self.failed.append(f"{req.url} ({req.failure})"))
        pg.on("response", lambda res: self.failed.append(f"{res.url} (HTTP {res.status})") if res.status >= 400 else None)

    def check(self, page: str) -> None:
        assert not self.failed, f"{page}: requests that failed or were answered with an error: {self.failed}"
        assert not self.errors, f"console errors on {page}: {self.errors}"
        assert not self.outside, f"{page} requested outside hosts: {self.outside}"


def broken_images(pg) -> list[str]:
    """Every <img> of the page (scrolled into view, so that lazy ones load) that did not load."""
    pg.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    pg.wait_for_load_state("load")
    return pg.evaluate("""() => Array.from(document.images)
        .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.getAttribute('src'))""")


@pytest.mark.browser
@pytest.mark.parametrize("page", ["index.html", "book/intro.html", "book/reproduce.html", "book/faq.html",
                                  "book/references.html"])
def test_every_page_loads_everything_it_asks_for(browser, book_server, page):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    watch = PageWatch(pg)
    pg.goto(f"{book_server}/{page}", wait_until="load")
    if page == "index.html":  # the root redirects to the landing page
        pg.wait_for_url("**/book/intro.html", timeout=10_000)
        pg.wait_for_load_state("load")
    assert not broken_images(pg), f"{page}: images that did not load: {broken_images(pg)}"
    if page == "book/intro.html":  # the landing page: one card per chapter, each with its thumbnail
        cards = pg.locator(".sd-card")
        assert cards.count() == len(CHAPTERS)
        for i in range(cards.count()):
            assert cards.nth(i).locator("img").count() == 1, f"card {i} of the landing page has no thumbnail"
    watch.check(page)
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("page", CHAPTERS)
def test_every_slider_changes_its_figure_without_a_kernel(browser, book_server, page):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    watch = PageWatch(pg)
    pg.goto(f"{book_server}/{page}", wait_until="load")
    pg.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
    figures = pg.locator(".plotly-graph-div")
    n_sliders = 0
    for i in range(figures.count()):
        before = pg.evaluate(FIGURE_STATE, i)
        if not before["steps"]:
            continue
        n_sliders += 1
        figure = figures.nth(i)
        figure.scroll_into_view_if_needed()
        shot_before = figure.screenshot()
        # Move the slider like a reader: click the end of its rail away from the active step.
        box = figure.locator(".slider-rail-touch-rect").first.bounding_box()
        assert box is not None, f"figure {i} on {page}: the slider is not drawn"
        target = 0.03 if before["active"] >= before["steps"] / 2 else 0.97
        pg.mouse.click(box["x"] + target * box["width"], box["y"] + box["height"] / 2)
        pg.wait_for_timeout(500)
        after = pg.evaluate(FIGURE_STATE, i)
        where = f"figure {i} on {page}"
        assert after["active"] != before["active"], f"{where}: the slider did not move"
        assert after["title"] != before["title"], f"{where}: the title did not follow the slider"
        assert after["visible"] != before["visible"], f"{where}: the slider did not change the traces shown"
        assert figure.screenshot() != shot_before, f"{where}: the rendered figure did not change"
    if page in SLIDER_PAGES:
        assert n_sliders > 0, f"{page} has no figure with a slider"
    if page in WIDGET_PAGES:
        # The saved ipywidgets render from the book's own embed.js: the sliders, and the
        # figure the live control drew when the book was built.
        pg.wait_for_selector(".jupyter-widgets .widget-slider", timeout=30_000)
        assert pg.locator(".jupyter-widgets .widget-slider").count() == WIDGET_PAGES[page]
        image = pg.locator(".jupyter-widgets.widget-output img").first
        image.wait_for(timeout=30_000)
        assert image.evaluate("img => img.naturalWidth") > 300, f"{page}: the live control's figure is missing"
    assert not broken_images(pg), f"{page}: images that did not load: {broken_images(pg)}"
    watch.check(page)
    context.close()
