"""A small Sphinx extension for the book: no dead scripts, no console errors.

- Jupyter Book 1.x loads sphinx-thebe, whose inline configuration script is
  registered twice ("Identifier 'THEBE_JS_URL' has already been declared")
  and points at a CDN. The book does not use thebe (live kernels are Binder
  and local Jupyter), so its scripts are dropped from every page.
- pydata-sphinx-theme reports "invalid theme mode" unless ``default_mode`` is
  set in the HTML context.
- Binder launch buttons need the repository's public URL, which a clone knows
  and _config.yml cannot: it is taken from ``$IPCORE_REPOSITORY_URL`` or the
  ``origin`` remote (https, or ssh rewritten to https). A clone without a
  public remote gets no launch buttons rather than dead ones.
- myst-nb executes the chapters with nbclient's defaults (TCP ports,
  unbounded waits on the kernel's sockets, a shutdown that can print a
  traceback). The book's kernels get the settings papermill's get,
  :func:`ipcore.book.notebook.client_settings`.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path
from typing import Any

REPOSITORY_ENV = "IPCORE_REPOSITORY_URL"


def public_repository_url(remote: str | None) -> str | None:
    """``https://host/org/repo`` for a GitHub/GitLab remote URL (https or ssh), else None."""
    if not remote:
        return None
    remote = remote.strip()
    ssh = re.fullmatch(r"(?:ssh://)?git@([\w.-]+)[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?", remote)
    if ssh:
        host, org, repo = ssh.groups()
    else:
        https = re.fullmatch(r"https://(?:[^@/]+@)?([\w.-]+)/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", remote)
        if not https:
            return None
        host, org, repo = https.groups()
    if host not in ("github.com", "gitlab.com"):
        return None
    return f"https://{host}/{org}/{repo}"


def _origin_url(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _set_repository(app, config) -> None:
    options = dict(config.html_theme_options or {})
    if not options.get("repository_url"):  # _config.yml leaves it empty on purpose
        explicit = os.environ.get(REPOSITORY_ENV, "").strip().removesuffix(".git").rstrip("/")
        url = explicit if explicit.startswith("https://") else public_repository_url(_origin_url(Path(app.confdir)))
        if url:
            options["repository_url"] = url
            options["use_repository_button"] = True
        else:
            options["launch_buttons"] = {}  # no public repository: no launch buttons at all
    config.html_theme_options = options


def _is_thebe(script: Any) -> bool:
    filename = getattr(script, "filename", None) or str(script)
    body = getattr(script, "attributes", {}).get("body", "") if hasattr(script, "attributes") else ""
    return "thebe" in str(filename) or "THEBE_JS_URL" in body


def _drop_thebe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def _set_default_mode(app, config) -> None:
    config.html_context = {**(config.html_context or {}), "default_mode": "light"}


def execute_with_chapter_kernels() -> None:
    """Make myst-nb's executors run kernels with :func:`ipcore.book.notebook.client_settings`.

    myst-nb passes no options of its own to nbclient, but both of its
    executors (``cache`` and ``direct``) call jupyter-cache's
    ``single_nb_execution``, whose extra keywords go to nbclient's
    ``NotebookClient``, which takes those settings.
    """
    from myst_nb.core.execute import cache, direct

    from ipcore.book.notebook import client_settings

    for module in (cache, direct):
        original = module.single_nb_execution
        if getattr(original, "chapter_kernels", False):
            continue

        @functools.wraps(original)
        def execute(*args: Any, _original=original, **kwargs: Any):
            return _original(*args, **{**client_settings(), **kwargs})

        execute.chapter_kernels = True  # type: ignore[attr-defined]
        module.single_nb_execution = execute


def setup(app) -> dict[str, Any]:
    execute_with_chapter_kernels()
    app.connect("config-inited", _set_default_mode)
    app.connect("config-inited", _set_repository)
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
