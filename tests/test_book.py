"""The book builds offline with -W, and its figures work in a real browser with no kernel.

The JavaScript it serves itself (the ipywidgets HTML manager, MathJax) comes from npm tarballs
checked against their published sha512: those tests are fast and use no network.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import pytest
import yaml

from conftest import ROOT, chromium_path
from ipcore import download as dl
from ipcore.book import build
from ipcore.book.build import MATHJAX_JS, WIDGETS_JS, NpmFiles, vendor_npm

slow = pytest.mark.slow
#: Hosts of the CDNs a Sphinx/Jupyter Book page would load scripts, styles or fonts from.
CDN = re.compile(r"jsdelivr|unpkg\.com|cdnjs|cdn\.|googleapis|gstatic|mathjax\.org|polyfill\.io", re.IGNORECASE)

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


@slow
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
    # MathJax, its CommonHTML fonts and its TeX extensions are served from the build too.
    mathjax = built_book / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").stat().st_size > 1_000_000
    assert list((mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("MathJax_Main-Regular.woff"))
    assert (mathjax / "input" / "tex" / "extensions" / "boldsymbol.js").is_file()
    assert not list(mathjax.rglob("*.map"))
    faq = (built_book / "book" / "faq.html").read_text()
    assert re.search(r'<script defer="defer" src="\.\./_static/mathjax/tex-chtml\.js(\?v=\w+)?"></script>', faq)
    assert "window.MathJax = " in faq and "processHtmlClass" in faq  # myst-parser's mathjax3_config
    for page in built_book.rglob("*.html"):
        named = CDN.findall(page.read_text(errors="replace"))
        assert not named, f"{page.relative_to(built_book)} names a CDN: {sorted(set(named))}"


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


@slow
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


@slow
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


#: A page with a numbered display equation and an {eq} reference to it.
MATH_PAGE = "book/faq.html"


@slow
@pytest.mark.browser
def test_formulas_render_with_the_books_own_mathjax(browser, book_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    watch = PageWatch(pg)
    pg.goto(f"{book_server}/{MATH_PAGE}", wait_until="load")
    pg.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
    pg.evaluate("() => MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)")
    assert pg.locator("mjx-container").count() > 0, f"{MATH_PAGE}: MathJax typeset nothing"
    assert pg.locator("mjx-merror").count() == 0, f"{MATH_PAGE}: MathJax reports TeX errors"
    display = pg.locator("div.math mjx-container[display='true']")
    assert display.count() > 0, f"{MATH_PAGE}: no display equation was typeset"
    # The equation is numbered, and the {eq} reference names that number and links to it.
    number = pg.locator("#equation-faq-deterministic-mi .eqno").evaluate("e => e.firstChild.textContent.trim()")
    assert re.fullmatch(r"\(\d+\)", number), f"{MATH_PAGE}: the equation's number is {number!r}"
    reference = pg.locator("a.reference.internal[href='#equation-faq-deterministic-mi']")
    assert reference.count() == 1 and reference.inner_text().strip() == number
    # TeX extensions that are not in the component are autoloaded from the build (input/tex/extensions).
    typeset = pg.evaluate("""() => MathJax.tex2chtmlPromise('\\\\boldsymbol{\\\\beta} \\\\cancel{x}')
        .then(node => node.querySelectorAll('mjx-merror').length)""")
    assert typeset == 0, "MathJax could not typeset TeX that needs its autoloaded extensions"
    fetched = pg.evaluate("() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
    mathjax = "/_static/mathjax/"
    assert f"{mathjax}tex-chtml.js" in fetched
    assert {f"{mathjax}input/tex/extensions/{name}.js" for name in ("boldsymbol", "cancel")} <= set(fetched)
    assert any(path.startswith(f"{mathjax}output/chtml/fonts/woff-v2/") for path in fetched), \
        f"{MATH_PAGE}: MathJax loaded none of its fonts from the build"
    watch.check(MATH_PAGE)  # no console error, no failed request, nothing from outside the build
    context.close()


@slow
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


# --- The JavaScript the book serves itself, from npm tarballs (fast, no network) ---------------


def npm_tarball(files: dict[str, bytes]) -> bytes:
    """An npm-style .tgz: ``files`` (paths below the package folder) under ``package/``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def integrity(data: bytes) -> str:
    """npm's ``dist.integrity`` of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


TOY_FILES = {"dist/embed.js": b"embed();", "dist/embed.js.map": b"{}", "dist/embed-amd.js": b"define();",
             "dist/a.woff2": b"font", "dist/nested/b.js": b"deeper", "README.md": b"# toy"}
TOY_TARBALL = npm_tarball(TOY_FILES)


def toy_package(data: bytes = TOY_TARBALL, version: str = "1.0.0") -> NpmFiles:
    return NpmFiles("@toy/widgets", version, integrity(data), target=PurePosixPath("_static/toy"),
                    include=("dist/*.js", "dist/*.woff2"), exclude=("dist/*-amd.js",), strip="dist",
                    entry="embed.js", what="the toy is missing")


@pytest.fixture
def npm_offline(tmp_path, monkeypatch):
    """An empty cache, and a registry that cannot be reached (a test may swap in its own)."""
    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(dl, "reachable", lambda url, timeout=3.0: False)
    return tmp_path / "cache" / "vendor"


def serve_registry(monkeypatch, data: bytes) -> list[str]:
    """Answer every download with ``data`` (no network); returns the URLs asked for."""
    asked: list[str] = []

    def urlopen(url, timeout=None):
        asked.append(url)
        return io.BytesIO(data)

    monkeypatch.setattr(dl, "reachable", lambda url, timeout=3.0: True)
    monkeypatch.setattr(dl.urllib.request, "urlopen", urlopen)
    return asked


def test_the_vendored_packages_are_pinned_by_their_registry_integrity():
    for package in build.VENDORED:
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", package.integrity)
        assert len(bytes.fromhex(package.sha512)) == 64
    # mathjax@3.2.2's dist.integrity, as https://registry.npmjs.org/mathjax/3.2.2 publishes it
    assert MATHJAX_JS.sha512.startswith("06df9249553c7811b6ef30a155ec0e89")
    assert MATHJAX_JS.url == "https://registry.npmjs.org/mathjax/-/mathjax-3.2.2.tgz"
    assert WIDGETS_JS.url == "https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.15.tgz"
    with pytest.raises(ValueError, match="sha512"):
        NpmFiles("x", "1", "sha1-abc", target=PurePosixPath("x"), include=(), entry="x.js").sha512


def test_mathjax_is_vendored_where_mathjax_path_and_its_own_loader_look():
    taken = {
        "package/es5/tex-chtml.js": "tex-chtml.js",
        "package/es5/output/chtml/fonts/woff-v2/MathJax_Zero.woff": "output/chtml/fonts/woff-v2/MathJax_Zero.woff",
        "package/es5/input/tex/extensions/boldsymbol.js": "input/tex/extensions/boldsymbol.js",
        "package/LICENSE": "LICENSE",
    }
    for member, destination in taken.items():
        assert MATHJAX_JS.destination(member) == PurePosixPath(destination), member
    for member in ["package/es5/tex-svg.js", "package/es5/tex-chtml.js.map", "package/es5/sre/mathmaps/en.json",
                   "package/es5/output/svg/fonts/tex.js", "package/es5/input/tex/extensions/x/y.js",
                   "package/ts/input/tex.ts", "es5/tex-chtml.js"]:
        assert MATHJAX_JS.destination(member) is None, member
    # Sphinx's mathjax_path is relative to _static/, where html_extra_path puts the files.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert PurePosixPath("_static", config["mathjax_path"]) == MATHJAX_JS.target / MATHJAX_JS.entry
    assert "book/_extra" in config["html_extra_path"]


def test_a_download_is_checked_cached_and_reused(tmp_path, npm_offline, monkeypatch):
    asked = serve_registry(monkeypatch, TOY_TARBALL)
    package = toy_package()
    assert vendor_npm(package, tmp_path / "extra")
    assert asked == ["https://registry.npmjs.org/@toy/widgets/-/widgets-1.0.0.tgz"]
    target = tmp_path / "extra" / "_static" / "toy"
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith(".")) == ["a.woff2", "embed.js"]
    assert (target / "embed.js").read_bytes() == b"embed();"
    assert (npm_offline / "widgets-1.0.0.tgz").read_bytes() == TOY_TARBALL
    # Offline again: a fresh folder is filled from the cached tarball, an up-to-date one is left alone.
    monkeypatch.setattr(dl, "reachable", lambda url, timeout=3.0: False)
    assert vendor_npm(package, tmp_path / "other")
    assert (tmp_path / "other" / "_static" / "toy" / "embed.js").read_bytes() == b"embed();"
    (npm_offline / "widgets-1.0.0.tgz").unlink()
    assert vendor_npm(package, tmp_path / "extra")
    assert len(asked) == 1


def test_a_tarball_with_the_wrong_checksum_is_rejected(tmp_path, npm_offline, monkeypatch, capsys):
    tampered = npm_tarball({**TOY_FILES, "dist/embed.js": b"evil();"})
    package = toy_package()
    # Downloaded: the digest check refuses it and nothing is kept.
    serve_registry(monkeypatch, tampered)
    assert not vendor_npm(package, tmp_path / "extra")
    assert "wrong sha512 digest" in capsys.readouterr().err
    assert not list(npm_offline.glob("*")) and not (tmp_path / "extra" / "_static" / "toy").exists()
    # Put in the cache by hand: it is not used, but replaced by a good download.
    npm_offline.mkdir(parents=True, exist_ok=True)
    (npm_offline / "widgets-1.0.0.tgz").write_bytes(tampered)
    serve_registry(monkeypatch, TOY_TARBALL)
    assert vendor_npm(package, tmp_path / "extra")
    assert "wrong sha512" in capsys.readouterr().err
    assert (tmp_path / "extra" / "_static" / "toy" / "embed.js").read_bytes() == b"embed();"
    assert (npm_offline / "widgets-1.0.0.tgz").read_bytes() == TOY_TARBALL


def test_offline_with_an_empty_cache_warns_and_the_book_goes_on(tmp_path, npm_offline, capsys):
    assert not vendor_npm(MATHJAX_JS, tmp_path / "extra")
    err = capsys.readouterr().err
    assert "warning: mathjax@3.2.2" in err and "formulas will show as LaTeX source" in err
    assert "npm pack mathjax@3.2.2" in err and "no network connection" in err
    assert not (tmp_path / "extra" / "_static" / "mathjax").exists()


def test_a_new_version_replaces_the_old_files(tmp_path, npm_offline, monkeypatch):
    serve_registry(monkeypatch, TOY_TARBALL)
    assert vendor_npm(toy_package(), tmp_path / "extra")
    newer = npm_tarball({"dist/embed.js": b"embed(2);"})
    serve_registry(monkeypatch, newer)
    assert vendor_npm(toy_package(newer, "2.0.0"), tmp_path / "extra")
    target = tmp_path / "extra" / "_static" / "toy"
    assert (target / "embed.js").read_bytes() == b"embed(2);" and not (target / "a.woff2").exists()


def test_references_to_reexported_objects_resolve_where_the_api_reference_documents_them():
    import ipcore.data
    import ipcore.estimators
    from ipcore.book.sphinx_ext import _import_path, _public_data, reexported_comment

    # A constant a package re-exports is documented with the #: comment where it is defined.
    assert _public_data(ipcore.data, "SPLITS", ipcore.data.SPLITS)
    assert not _public_data(ipcore.data, "szt", ipcore.data.szt)  # a function: autodoc's own business
    comment = reexported_comment("ipcore.data", "SPLITS", ipcore.data.SPLITS)
    assert comment and all(isinstance(line, str) for line in comment) and "".join(comment).strip()
    assert reexported_comment("ipcore.data", "SPLITS", object()) is None
    # A reference by the defining module finds the object the package documents.
    assert _import_path("ipcore.estimators.binning.bin_codes") is ipcore.estimators.bin_codes
    assert _import_path("ipcore.estimators.no_such_thing") is None


def test_the_strict_build_is_nitpicky(tmp_path, monkeypatch):
    (tmp_path / "_config.yml").write_text("title: toy\n")
    commands: list[list[str]] = []
    monkeypatch.setattr(build, "_vendor_plotly", lambda static_dir: None)
    monkeypatch.setattr(build, "vendor_npm", lambda package, extra_dir: True)
    monkeypatch.setattr(build.subprocess, "call", lambda cmd, env: commands.append(cmd) or 1)
    build.build_book(tmp_path)
    build.build_book(tmp_path, strict=False)
    assert {"-W", "--nitpick", "--keep-going"} <= set(commands[0])
    assert not {"-W", "--nitpick"} & set(commands[1])
