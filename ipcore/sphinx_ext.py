"""A small Sphinx extension for the book: no dead scripts, no console errors.

- Jupyter Book 1.x loads sphinx-thebe, whose inline configuration script is
  registered twice ("Identifier 'THEBE_JS_URL' has already been declared")
  and points at a CDN. The book does not use thebe (live kernels are Binder
  and local Jupyter), so its scripts are dropped from every page.
- pydata-sphinx-theme reports "invalid theme mode" unless ``default_mode`` is
  set in the HTML context.
"""

from __future__ import annotations

from typing import Any


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


def setup(app) -> dict[str, Any]:
    app.connect("config-inited", _set_default_mode)
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
