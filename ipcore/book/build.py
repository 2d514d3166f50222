"""Building the Jupyter Book (1.x) offline.

The book's execution cache (jupyter-cache) hashes notebook code only, so a
change in ``ipcore`` would leave stale figures in the book. Before building,
:func:`build_book` hashes the ipcore sources and the profile, and clears the
execution cache when that stamp changed.

No page loads a script from a CDN: plotly.js is copied from the installed
plotly package; the ipywidgets JavaScript (the standalone ``embed.js``
bundle of the npm package ``@jupyter-widgets/html-manager``, which renders
saved widget state without a kernel or require.js) and MathJax (the
``tex-chtml`` component, its fonts and TeX extensions) are fetched once from
the npm registry into the user cache, checked against their published
sha512, and copied under ``html_extra_path`` (:func:`vendor_npm`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

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


@dataclass(frozen=True)
class NpmFiles:
    """Files of one npm package that the book serves itself (under ``html_extra_path``).

    ``integrity`` is the registry's ``dist.integrity`` of the tarball
    (``npm view NAME@VERSION dist.integrity``, or ``https://registry.npmjs.org/NAME/VERSION``).
    ``include`` and ``exclude`` are glob patterns over paths inside the tarball's
    ``package/`` folder, matched folder by folder (``*`` never crosses a ``/``);
    the files taken land under ``target``, with the leading folder ``strip``
    removed from their paths. ``entry`` (a path below ``target``) is the file
    the pages load; ``what`` says in a warning what the book loses without them.
    """

    name: str
    version: str
    integrity: str
    target: PurePosixPath
    include: tuple[str, ...]
    entry: str
    exclude: tuple[str, ...] = ()
    strip: str = ""
    what: str = ""

    @property
    def sha512(self) -> str:
        """The tarball's sha512 as hex (what :func:`ipcore.download.download` checks)."""
        algorithm, _, digest = self.integrity.partition("-")
        if algorithm != "sha512" or not digest:
            raise ValueError(f"integrity: expected 'sha512-<base64>', got {self.integrity!r}")
        return base64.b64decode(digest).hex()

    @property
    def tarball_name(self) -> str:
        """The tarball's file name, as npm names it (``npm pack NAME@VERSION``)."""
        return f"{self.name.split('/')[-1]}-{self.version}.tgz"

    @property
    def url(self) -> str:
        """Where the npm registry serves the tarball."""
        return f"{NPM_REGISTRY}{self.name}/-/{self.tarball_name}"

    def destination(self, member: str) -> PurePosixPath | None:
        """Where the tarball member ``member`` goes below :attr:`target`, or None if it is not taken."""
        path = PurePosixPath(member)
        if not path.parts or path.parts[0] != "package":
            return None
        inside = PurePosixPath(*path.parts[1:])
        if not any(_glob_match(inside, p) for p in self.include) or any(_glob_match(inside, p) for p in self.exclude):
            return None
        if self.strip and inside.parts[:1] == (self.strip,):
            return PurePosixPath(*inside.parts[1:])
        return inside


def _glob_match(path: PurePosixPath, pattern: str) -> bool:
    """Whether ``path`` matches ``pattern`` folder by folder (the same depth, ``fnmatch`` per part)."""
    parts = PurePosixPath(pattern).parts
    return len(parts) == len(path.parts) and all(map(fnmatchcase, path.parts, parts))


NPM_REGISTRY = "https://registry.npmjs.org/"
#: The ipywidgets HTML manager (protocol 2, ipywidgets 8): the standalone ``embed.js`` and its
#: fonts, not the source maps nor the AMD bundles. Sphinx resolves nb_ipywidgets_js under _static/.
WIDGETS_JS = NpmFiles(
    "@jupyter-widgets/html-manager", "1.0.15",
    "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    target=PurePosixPath("_static/widgets"),
    include=tuple(f"dist/*{suffix}" for suffix in (".js", ".txt", ".woff2", ".woff", ".ttf", ".eot", ".svg")),
    exclude=("dist/*-amd.js",),
    strip="dist",
    entry="embed.js",
    what="saved widgets will show as text",
)
#: MathJax 3 for the book's formulas (Sphinx's ``mathjax_path``, relative to _static/): the
#: ``tex-chtml`` component, the CommonHTML fonts it loads from ``[mathjax]/output/chtml/fonts/woff-v2``
#: and the TeX extensions it may load (autoload, ``\require``) from ``[mathjax]/input/tex/extensions``,
#: laid out as in the package's es5/ folder (MathJax finds them beside its own script).
MATHJAX_JS = NpmFiles(
    "mathjax", "3.2.2",
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
    target=PurePosixPath("_static/mathjax"),
    include=("LICENSE", "es5/tex-chtml.js", "es5/output/chtml/fonts/woff-v2/*.woff",
             "es5/input/tex/extensions/*.js"),
    strip="es5",
    entry="tex-chtml.js",
    what="formulas will show as LaTeX source",
)
#: What ``ipcore book`` vendors, in this order.
VENDORED = (WIDGETS_JS, MATHJAX_JS)


def vendor_npm(package: NpmFiles, extra_dir: Path) -> bool:
    """Put ``package``'s selected files under ``extra_dir/<package.target>``; return whether they are there.

    The npm tarball is taken from ``<cache>/vendor`` or downloaded into it; either
    way its sha512 must be ``package.integrity`` (a cached tarball that does not
    match is replaced). Offline with an empty cache, prints what is missing
    and returns False: the book still builds, without those files.
    """
    import tarfile

    from ipcore.cache import cache_root
    from ipcore.download import download, file_digest

    target = Path(extra_dir) / package.target
    stamp = target / ".version"
    label = f"{package.name}@{package.version}"
    if (stamp.is_file() and stamp.read_text() == f"{label} {package.integrity}"
            and (target / package.entry).is_file()):
        return True
    tarball = cache_root() / "vendor" / package.tarball_name
    if tarball.is_file() and file_digest(tarball, "sha512") != package.sha512:
        print(f"ipcore book: {tarball} is not {label} (wrong sha512); downloading it again", file=sys.stderr,
              flush=True)
        tarball.unlink()
    if not tarball.is_file():
        try:
            download([package.url], tarball, digest=package.sha512, algorithm="sha512")
        except OSError as exc:
            print(f"ipcore book: warning: {label} is not in {tarball} and could not be downloaded ({exc}); "
                  f"{package.what}. Run once with a network, or put `npm pack {label}` there.",
                  file=sys.stderr, flush=True)
            return False
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            destination = package.destination(member.name) if member.isfile() else None
            if destination is None:
                continue
            path = target.joinpath(*destination.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
    if not (target / package.entry).is_file():
        raise FileNotFoundError(f"{tarball} holds no {package.entry} among the files selected from {label}")
    stamp.write_text(f"{label} {package.integrity}")
    return True


def build_book(root: Path, *, profile: str = "smoke", strict: bool = True) -> int:
    """Build ``root`` (holding _config.yml) into ``root/_build/html``; return the exit status."""
    root = Path(root).resolve()
    if not (root / "_config.yml").is_file():
        raise ValueError(f"root: {root} holds no _config.yml")
    check_profile(profile)
    _vendor_plotly(root / "book" / "_static")
    for package in VENDORED:
        vendor_npm(package, root / "book" / "_extra")
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
        # Nitpicky (Sphinx's -n): a cross-reference that does not resolve is a warning, hence an
        # error with -W. jupyter-book's --nitpick flag sets the `nitpicky` override (the same as
        # `nitpicky: true` in _config.yml); given here beside -W, it holds the strict build to it and
        # leaves --no-strict drafts and a bare `jupyter-book build .` (Binder) without that noise.
        # Other libraries' types cannot resolve offline: _config.yml's nitpick_ignore_regex names them.
        cmd += ["-W", "--nitpick", "--keep-going"]
    env = dict(os.environ, **{PROFILE_ENV: profile, PROGRESS_ENV: "0"})
    status = subprocess.call(cmd, env=env)
    if status == 0:
        stamp_file.write_text(stamp)
    return status
