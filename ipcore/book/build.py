"""Building the Jupyter Book (1.x) offline.

The book's execution cache (jupyter-cache) hashes notebook code only, so a
change in ``ipcore`` would leave stale figures in the book. Before building,
:func:`build_book` hashes the ipcore sources and the profile, and clears the
execution cache when that stamp changed.

No page loads a script from a CDN: plotly.js is copied from the installed
plotly package, and the ipywidgets JavaScript (the standalone ``embed.js``
bundle of the npm package ``@jupyter-widgets/html-manager``, which renders
saved widget state without a kernel or require.js) is fetched once from the
npm registry into the user cache, checked against its published sha512, and
copied under ``html_extra_path``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ipcore.cache import code_version
from ipcore.config import PROFILE_ENV, PROGRESS_ENV
from ipcore.validation import check_profile

def source_stamp(profile: str) -> str:
    """SHA-256 over every ipcore source file and the profile name."""
    return hashlib.sha256(f"{profile}:{code_version(['ipcore'])}".encode()).hexdigest()


def plotly_js() -> Path:
    """The plotly.min.js shipped inside the installed plotly package (the book's and reproduce's copy)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def _vendor_plotly(static_dir: Path) -> None:
    """Copy plotly.min.js from the installed plotly into the book's static folder (no CDN)."""
    source = plotly_js()
    if not source.is_file():
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package at {source}")
    static_dir.mkdir(parents=True, exist_ok=True)
    target = static_dir / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)


#: The ipywidgets HTML manager (protocol 2, ipywidgets 8): npm name, version, tarball sha512 (hex).
WIDGETS_JS = (
    "@jupyter-widgets/html-manager",
    "1.0.15",
    "e6d841215eb298d8263d5387bf3c7e806cbc6522a649ace1b46c38fdce312435"
    "734611bd3d3790b118c5dc5513a29bc58bffd200178dcf5ca9e3b6c2ac9dc240",
)
NPM_REGISTRY = "https://registry.npmjs.org/"
#: Where the bundle lands in the built book (Sphinx resolves nb_ipywidgets_js under _static/).
WIDGETS_DIR = Path("_static") / "widgets"
_WIDGET_FILES = (".js", ".txt", ".woff2", ".woff", ".ttf", ".eot", ".svg")  # not the source maps, not AMD


def vendor_widgets(extra_dir: Path) -> bool:
    """Put ``embed.js`` and its fonts under ``extra_dir/_static/widgets``; return whether they are there.

    The npm tarball is taken from ``<cache>/vendor`` or downloaded into it
    (sha512-checked). Offline with an empty cache, prints what is missing and
    returns False: the book still builds, but saved widgets show as text.
    """
    import tarfile

    from ipcore.cache import cache_root
    from ipcore.download import download

    name, version, sha512 = WIDGETS_JS
    target = Path(extra_dir) / WIDGETS_DIR
    stamp = target / ".version"
    if stamp.is_file() and stamp.read_text() == f"{name}@{version}" and (target / "embed.js").is_file():
        return True
    basename = name.split("/")[-1]
    tarball = cache_root() / "vendor" / f"{basename}-{version}.tgz"
    if not tarball.is_file():
        try:
            download([f"{NPM_REGISTRY}{name}/-/{basename}-{version}.tgz"], tarball, digest=sha512, algorithm="sha512")
        except OSError as exc:
            print(f"ipcore book: warning: the ipywidgets JavaScript ({name}@{version}) is not in {tarball} and "
                  f"could not be downloaded ({exc}); saved widgets will show as text. Run once with a network, "
                  f"or put `npm pack {name}@{version}` there.", file=sys.stderr, flush=True)
            return False
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            path = Path(member.name)
            if (member.isfile() and path.parent == Path("package/dist") and path.suffix in _WIDGET_FILES
                    and not path.name.endswith("-amd.js")):
                with archive.extractfile(member) as src, open(target / path.name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    stamp.write_text(f"{name}@{version}")
    return True


def build_book(root: Path, *, profile: str = "smoke", strict: bool = True) -> int:
    """Build ``root`` (holding _config.yml) into ``root/_build/html``; return the exit status."""
    root = Path(root).resolve()
    if not (root / "_config.yml").is_file():
        raise ValueError(f"root: {root} holds no _config.yml")
    check_profile(profile)
    _vendor_plotly(root / "book" / "_static")
    vendor_widgets(root / "book" / "_extra")
    build = root / "_build"
    build.mkdir(exist_ok=True)
    stamp_file = build / ".ipcore-stamp"
    stamp = source_stamp(profile)
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        shutil.rmtree(build / ".jupyter_cache", ignore_errors=True)
        shutil.rmtree(build / "jupyter_execute", ignore_errors=True)
        print("ipcore book: ipcore sources or profile changed; cleared the execution cache", flush=True)
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb if jb.exists() else "jupyter-book"), "build", str(root), "--builder", "html"]
    if strict:
        cmd += ["-W", "--keep-going"]
    env = dict(os.environ, **{PROFILE_ENV: profile, PROGRESS_ENV: "0"})
    status = subprocess.call(cmd, env=env)
    if status == 0:
        stamp_file.write_text(stamp)
    return status
