"""Building the Jupyter Book (1.x) offline.

The book's execution cache (jupyter-cache) hashes notebook code only, so a
change in ``ipcore`` would leave stale figures in the book. Before building,
:func:`build_book` hashes the ipcore sources and the profile, and clears the
execution cache when that stamp changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ipcore
from ipcore.config import check_choice

#: Environment variable through which a book build sets the chapters' profile.
PROFILE_ENV = "IPCORE_BOOK_PROFILE"
#: The chapters' resolutions: CI's and the paper's.
PROFILE_NAMES = ("smoke", "paper")


def book_profile(default: str) -> str:
    """The profile a chapter runs at: the book build's one if set, else ``default``."""
    return os.environ.get(PROFILE_ENV, default)


def source_stamp(profile: str) -> str:
    """SHA-256 over every ipcore source file and the profile name."""
    digest = hashlib.sha256(profile.encode())
    package = Path(ipcore.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _vendor_plotly(static_dir: Path) -> None:
    """Copy plotly.min.js from the installed plotly into the book's static folder (no CDN)."""
    import plotly

    source = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not source.is_file():
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package at {source}")
    static_dir.mkdir(parents=True, exist_ok=True)
    target = static_dir / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)


def build_book(root: Path, *, profile: str = "smoke", strict: bool = True) -> int:
    """Build ``root`` (holding _config.yml) into ``root/_build/html``; return the exit status."""
    root = Path(root).resolve()
    if not (root / "_config.yml").is_file():
        raise ValueError(f"root: {root} holds no _config.yml")
    check_choice(profile, "profile", PROFILE_NAMES)
    _vendor_plotly(root / "book" / "_static")
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
    env = dict(os.environ, **{PROFILE_ENV: profile})
    status = subprocess.call(cmd, env=env)
    if status == 0:
        stamp_file.write_text(stamp)
    return status
