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
- myst-nb's cross-document ``{glue}`` (the landing page's thumbnails) points an
  image at ``_images/<sha256>.png`` but writes no file: the image exists only
  if its own page happens to display the same figure. A figure glued with
  ``display=False`` (a thumbnail made for the card) was a broken image.
  :func:`write_glued_images_transform` writes every pasted image before myst-nb links it.
- myst-nb executes the chapters with nbclient's defaults (TCP ports,
  unbounded waits on the kernel's sockets, a shutdown that can print a
  traceback). The book's kernels get the settings papermill's get,
  :func:`ipcore.book.notebook.client_settings`.
- Jupyter Book writes the site's root ``index.html`` as a bare refresh tag,
  so a browser opening the root asks for ``/favicon.ico``, which does not
  exist (a 404 in the console). :func:`write_root_redirect` writes that page
  first, with the book's icon inlined (a linked one would be aborted by the
  redirect), a title and a plain link; Jupyter Book leaves an existing
  ``index.html`` alone.
- The API reference (book/api.md) documents each package (``ipcore.nets``...)
  by its ``__all__``, and the build is nitpicky: every reference must resolve.
  autodoc reads a constant's ``#:`` comment from the documented module's own
  source only, so the constants a package re-exports from a submodule were
  left out: :func:`reexported_data_documenter` documents them with the
  comment where they are defined. A reference to an object by the module that defines
  it (``ipcore.estimators.binning.bin_codes``) resolves to where the reference
  documents it (``ipcore.estimators.bin_codes``): :func:`resolve_by_definition`.
- The docstrings are numpydoc. Napoleon reads the docstring of an attribute,
  constant or property the Google way: no sections (a property's Returns or
  Examples stay raw text) and the words before its first colon are its type
  (``#: IDNNs' 30 bin edges on [−1, 1]: 29 bins`` got the "type" ``IDNNs' 30
  bin edges on [−1, 1]``, cross-references that cannot resolve). They are
  read like a function's docstring instead: :func:`napoleon_as_numpydoc`.
"""

from __future__ import annotations

import functools
import hashlib
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


ROOT_REDIRECT = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
{icon}<meta http-equiv="Refresh" content="0; url={target}">
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def root_redirect_html(target: str, title: str, favicon: str | None) -> str:
    """The site's root page: a redirect to ``target`` that names the book and carries its icon.

    ``favicon`` is a ``data:`` URL (the page is left at once, so a linked icon's request
    would be aborted, and an icon-less page makes the browser ask for ``/favicon.ico``);
    None gives the empty ``data:,`` icon.
    """
    from html import escape

    icon = f'<link rel="icon" href="{escape(favicon or "data:,")}">\n'
    return ROOT_REDIRECT.format(title=escape(title), icon=icon, target=escape(target))


def icon_data_url(path: Path) -> str | None:
    """``path`` (an .svg, .png or .ico) as a base64 ``data:`` URL, or None if it is not a file."""
    import base64

    kinds = {".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
    if not path.is_file() or path.suffix.lower() not in kinds:
        return None
    return f"data:{kinds[path.suffix.lower()]};base64,{base64.b64encode(path.read_bytes()).decode()}"


def write_root_redirect(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root_doc = app.config.root_doc
    if root_doc == "index":
        return  # the root page is a real page
    favicon = app.config.html_favicon
    icon = icon_data_url(Path(app.srcdir) / favicon) if favicon and "://" not in favicon else None
    title = app.config.html_title or app.config.project or root_doc
    page = root_redirect_html(app.builder.get_target_uri(root_doc), title, icon)
    (Path(app.builder.outdir) / "index.html").write_text(page, encoding="utf-8")


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


#: Image types myst-nb pastes across documents, with the extension it gives their files.
_GLUED_IMAGES = {"image/png": ".png", "image/jpeg": ".jpeg", "image/gif": ".gif"}


def glued_image_files(output: dict[str, Any]) -> dict[str, bytes]:
    """File names (``<sha256 of the bytes><ext>``, as myst-nb names them) and bytes of every
    image in a glued output's mime bundle."""
    from binascii import a2b_base64

    files = {}
    for mime, extension in _GLUED_IMAGES.items():
        if mime in output.get("data", {}):
            data = a2b_base64(output["data"][mime])
            files[f"{hashlib.sha256(data).hexdigest()}{extension}"] = data
    return files


def write_glued_images_transform():
    """A post-transform, run just before myst-nb's ``ReplacePendingGlueReferences`` (priority 5)
    while the pending references still carry their source document and key, that writes the
    image files of every cross-document glue reference into the build's image folder."""
    from myst_nb.ext.glue.crossref import read_glue_cache
    from myst_nb.ext.glue.utils import PendingGlueReference
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class WriteGluedImages(SphinxPostTransform):
        default_priority = 4

        def run(self, **kwargs: Any) -> None:
            folder = Path(self.app.builder.outdir) / self.app.builder.imagedir
            for node in list(self.document.findall(PendingGlueReference)):
                output = read_glue_cache(self.env.mystnb_config.output_folder, node.refdoc).get(node.key)
                for name, data in glued_image_files(output or {}).items():
                    target = folder / name
                    if not target.exists():
                        folder.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(data)

    return WriteGluedImages


def _public_data(package: Any, name: str, value: Any) -> bool:
    """Whether ``value`` is a constant that module ``package`` exports (its ``__all__``) as ``name``."""
    import inspect
    import types

    return (name in (getattr(package, "__all__", None) or ()) and not isinstance(value, types.ModuleType)
            and not inspect.isclass(value) and not inspect.isroutine(value))


def reexported_comment(package: str, name: str, value: Any) -> list[str] | None:
    """The ``#:`` comment of ``name`` in the submodule of ``package`` that defines ``value`` under
    that name, or None."""
    import sys

    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    for modname, module in sorted(sys.modules.items()):
        if not modname.startswith(package + ".") or getattr(module, name, None) is not value:
            continue
        try:
            analyzer = ModuleAnalyzer.for_module(modname)
            analyzer.analyze()
        except PycodeError:
            continue
        if ("", name) in analyzer.attr_docs:
            return list(analyzer.attr_docs["", name])
    return None


def reexported_data_documenter():
    """autodoc's data documenter, which also documents a package's re-exported constants
    (:func:`_public_data`) with their ``#:`` comment (:func:`reexported_comment`), and shows
    a value only if it fits on a short line."""
    from sphinx.ext.autodoc import DataDocumenter, ModuleDocumenter
    from sphinx.util.inspect import object_description

    class ReexportedDataDocumenter(DataDocumenter):
        @classmethod
        def can_document_member(cls, member: Any, membername: str, isattr: bool, parent: Any) -> bool:
            return super().can_document_member(member, membername, isattr, parent) or (
                isinstance(parent, ModuleDocumenter) and _public_data(parent.object, membername, member)
                and reexported_comment(parent.modname, membername, member) is not None)

        def get_module_comment(self, attrname: str) -> list[str] | None:
            return super().get_module_comment(attrname) or reexported_comment(self.modname, attrname, self.object)

        def should_suppress_value_header(self) -> bool:
            if super().should_suppress_value_header():
                return True
            try:
                value = object_description(self.object)
            except ValueError:
                return True
            return len(value) > 60 or "\n" in value

    return ReexportedDataDocumenter


def _keep_reexported_data(app, what, name, obj, skip, options) -> bool | None:
    """autodoc skips a module member without a docstring of its own: keep a re-exported constant
    that has a ``#:`` comment where it is defined."""
    import sys

    package = sys.modules.get(app.env.temp_data.get("autodoc:module") or "")
    if what == "module" and skip and package is not None and _public_data(package, name, obj) \
            and reexported_comment(package.__name__, name, obj) is not None:
        return False
    return None


def _import_path(path: str) -> Any:
    """The object named by the dotted ``path`` (a module, then attributes), or None."""
    import importlib

    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute, None)
            if obj is None:
                return None
        return obj
    return None


def resolve_by_definition(app, env, node, contnode):
    """A ``py`` reference to ``ipcore.<module>.<name>`` that nothing documents under that name is
    resolved to the entry that documents the same object (a package documents what it re-exports
    from its submodules under its own name)."""
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("ipcore.") or "." not in target[7:]:
        return None
    obj = _import_path(target)
    if obj is None:
        return None
    domain = env.get_domain("py")
    short = target.rsplit(".", 1)[1]
    for name in sorted(domain.objects):
        if name != target and name.rsplit(".", 1)[-1] == short and _import_path(name) is obj:
            return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], name, node, contnode)
    return None


def napoleon_as_numpydoc(app) -> None:
    """Load napoleon with its docstring processing replaced by one that parses the docstrings
    of attributes, constants and properties like those of functions (numpydoc sections, no
    type taken from the first line)."""
    from sphinx.ext import napoleon

    app.setup_extension("sphinx.ext.napoleon")
    for listener in list(app.events.listeners.get("autodoc-process-docstring", ())):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)

    def process_docstring(app, what, name, obj, options, lines) -> None:
        kind = "function" if what in ("attribute", "data", "property") else what
        napoleon._process_docstring(app, kind, name, obj, options, lines)

    app.connect("autodoc-process-docstring", process_docstring)


def setup(app) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    napoleon_as_numpydoc(app)
    app.add_autodocumenter(reexported_data_documenter(), override=True)
    app.connect("autodoc-skip-member", _keep_reexported_data)
    app.connect("missing-reference", resolve_by_definition)
    execute_with_chapter_kernels()
    app.add_post_transform(write_glued_images_transform())
    app.connect("config-inited", _set_default_mode)
    app.connect("config-inited", _set_repository)
    app.connect("html-page-context", _drop_thebe_scripts, priority=900)
    app.connect("build-finished", write_root_redirect)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
