"""The book builds offline with -W, and its figures work in a real browser with no kernel."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from conftest import chromium_path

pytestmark = pytest.mark.slow

CHAPTERS = ["notebooks/single_neuron.html", "notebooks/szt_binning.html"]


def test_book_builds_with_every_chapter(built_book):
    for page in CHAPTERS:
        html = (built_book / page).read_text()
        assert "plotly-graph-div" in html, f"{page} has no Plotly figure"
        assert "_static/plotly.min.js" in html
    assert (built_book / "_static" / "plotly.min.js").stat().st_size > 1_000_000


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


FIGURE_STATE = """() => {
  const gd = document.querySelector('.plotly-graph-div');
  return {title: gd.layout.title.text,
          visible: gd.data.map(t => t.visible === undefined ? true : t.visible),
          active: gd.layout.sliders[0].active};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("page", CHAPTERS)
def test_slider_changes_the_figure_without_a_kernel(browser, book_server, page, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("request", lambda req: outside.append(req.url)
          if urlparse(req.url).hostname not in ("127.0.0.1", None) and not req.url.startswith("data:") else None)
    pg.goto(f"{book_server}/{page}", wait_until="load")
    pg.wait_for_selector(".plotly-graph-div .main-svg", timeout=30_000)
    before = pg.evaluate(FIGURE_STATE)
    pg.locator(".plotly-graph-div").first.scroll_into_view_if_needed()
    pg.screenshot(path=str(tmp_path / "before.png"))
    shot_before = pg.locator(".plotly-graph-div").first.screenshot()
    # Move the slider like a reader: click the end of its rail away from the active step.
    rail = pg.locator(".plotly-graph-div .slider-rail-touch-rect").first
    box = rail.bounding_box()
    assert box is not None, "the figure has no slider"
    n_steps = pg.evaluate("() => document.querySelector('.plotly-graph-div').layout.sliders[0].steps.length")
    target = 0.03 if before["active"] >= n_steps / 2 else 0.97
    pg.mouse.click(box["x"] + target * box["width"], box["y"] + box["height"] / 2)
    pg.wait_for_timeout(500)
    after = pg.evaluate(FIGURE_STATE)
    shot_after = pg.locator(".plotly-graph-div").first.screenshot()
    assert after["active"] != before["active"], "the slider did not move"
    assert after["title"] != before["title"], "the figure's title did not follow the slider"
    assert after["visible"] != before["visible"], "the slider did not change which traces are shown"
    assert shot_after != shot_before, "the rendered figure did not change"
    assert not errors, f"console errors on {page}: {errors}"
    assert not outside, f"{page} requested outside hosts: {outside}"
    context.close()
