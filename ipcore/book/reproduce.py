"""``ipcore reproduce``: run every chapter through papermill, in order, and summarise.

Chapters run in the order of ``_toc.yml`` (which is their dependency order:
chapters that share a training run come after the one that trains it). Each
executed notebook goes to ``OUT/<chapter>.ipynb`` and its figures to
``OUT/figures/`` (Matplotlib as PNG, Plotly as HTML using one local copy of
plotly.js). Training runs live in the results cache, so an interrupted
reproduction resumes where it stopped and a second one only reloads.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

#: The numbers each chapter's summary row shows (keys of its ``report``).
KEY_NUMBERS: dict[str, tuple[str, ...]] = {
    "szt_information_plane": ("layer5_compression", "layer5_mi_y_final", "snr_max", "noisy_layer5_compression"),
    "single_neuron": ("initial_mi_smallest_beta", "final_mi_smallest_beta"),
    "szt_binning": ("finest_min_mi", "coarsest_layer5_final"),
    "szt_noisy": ("layer1_final", "layer5_peak", "layer5_final", "final_test_acc"),
    "szt_variants": ("tanh_compression", "orthonormal_compression", "tanh_test_acc", "orthonormal_test_acc"),
    "szt_deterministic": ("correlation_at_width", "binned_peak", "binned_final"),
    "mnist_cnn": ("deterministic_val_error", "noisy_val_error", "dropout_val_error", "noisy_dense_gap_last"),
    "ib_bound": ("smooth_critical_beta_theory", "ib_ity_at_0.5", "dualib_ity_at_0.5"),
    "infinite_width": ("i_xz_lower_final_small_scale", "i_xz_lower_final_large_scale", "test_mse_final_small_scale"),
    "saxe_nonlinearity": ("neuron_tanh_fall", "tanh_layer5_compression_binned", "relu_layer5_compression_binned",
                          "softsign_layer5_compression_binned", "softplus_layer5_compression_binned"),
    "saxe_sgd": ("tanh_mini_batch_compression", "tanh_full_batch_compression", "relu_full_batch_compression"),
    "saxe_linear": ("largest_fall_i_tx", "e_g_end_at_p_n_train", "irrelevant_fall_large_init"),
    "estimators": ("gaussian_kNN_d2_rms_error", "noisy_layer_SP_d4_rms_error", "noisy_layer_kNN_d4_rms_error",
                   "sp_control_variate_gain_d4"),
    "butakov_compression": ("blobs_latents_rms_error", "blobs_PCA_error_at_top", "blobs_autoencoder_error_at_top",
                            "cnn_accuracy"),
    "your_network": ("layer_5_mi_x_final", "layer_8_mi_x_final", "layer_8_mi_y_initial", "layer_8_mi_y_final"),
}


@dataclass
class ChapterResult:
    """The outcome of one chapter of a reproduction.

    Parameters
    ----------
    chapter : str
        The chapter's name (``notebooks/<chapter>.md``).
    status : str
        ``"ok"`` or ``"failed"``.
    seconds : float
        Wall time of the chapter (NaN when a cluster lost it).
    numbers : dict of str to object
        Its key numbers (:data:`~ipcore.book.reproduce.KEY_NUMBERS`), read from its reports.
    error : str, default ""
        The first line of the error of a failed chapter.

    Examples
    --------
    >>> result = ChapterResult("single_neuron", "ok", 12.3, {"final_mi_smallest_beta": 0.5623})
    >>> result.status, result.error
    ('ok', '')
    """
    chapter: str
    status: str  #: "ok" or "failed"
    seconds: float
    numbers: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def chapters(root: Path) -> list[str]:
    """Chapter names (``notebooks/<name>``) in the order of ``_toc.yml``.

    Parameters
    ----------
    root : pathlib.Path
        The repository root, holding ``_toc.yml``.

    Returns
    -------
    list of str
        The names of the table of contents' files under ``notebooks/``, in order (parts,
        chapters and sections, depth first).

    Raises
    ------
    ValueError
        If ``root`` holds no ``_toc.yml`` (naming ``root``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import yaml
    >>> toc = {"root": "index", "parts": [{"caption": "Chapters", "chapters": [
    ...     {"file": "notebooks/szt_noisy"},
    ...     {"file": "notebooks/szt_binning", "sections": [{"file": "notebooks/szt_deterministic"}]}]}]}
    >>> with tempfile.TemporaryDirectory() as root:
    ...     _ = (Path(root) / "_toc.yml").write_text(yaml.safe_dump(toc))
    ...     chapters(Path(root))
    ['szt_noisy', 'szt_binning', 'szt_deterministic']
    """
    import yaml

    toc_file = root / "_toc.yml"
    if not toc_file.is_file():
        raise ValueError(f"root: {str(root)!r} holds no _toc.yml; run in the repository's root folder or pass --root")
    toc = yaml.safe_load(toc_file.read_text())
    files: list[str] = []

    def walk(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if "file" in entry and str(entry["file"]).startswith("notebooks/"):
                files.append(str(entry["file"]).split("/", 1)[1])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key, []))

    walk([toc])
    return files


def export_figures(notebook: Any, folder: Path, name: str, plotly_js: Path | None) -> list[Path]:
    """Write the notebook's Matplotlib PNGs and Plotly figures (HTML) to ``folder``.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook.
    folder : pathlib.Path
        Where the figures go (made if missing).
    name : str
        The chapter's name, the start of every file name (``<name>_<index>.png`` or ``.html``).
    plotly_js : pathlib.Path or None
        A local copy of plotly.js beside the figures: the HTML files then load
        ``plotly.min.js`` from their folder; None embeds plotly.js in every file.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of the outputs.

    Examples
    --------
    >>> import base64, tempfile
    >>> from pathlib import Path
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("plt.plot(...)")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(b"png").decode()})]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [path.name for path in export_figures(nbformat.v4.new_notebook(cells=[cell]), Path(tmp), "szt_noisy", None)]
    ['szt_noisy_0.png']
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            index = len(written)
            if "image/png" in data:
                path = folder / f"{name}_{index}.png"
                path.write_bytes(base64.b64decode(data["image/png"]))
                written.append(path)
            elif "application/vnd.plotly.v1+json" in data:
                import plotly.io as pio

                fig = pio.from_json(json.dumps(data["application/vnd.plotly.v1+json"]))
                path = folder / f"{name}_{index}.html"
                fig.write_html(path, include_plotlyjs="plotly.min.js" if plotly_js else True)
                written.append(path)
    return written


#: Chapters that reload training runs another chapter computes: in a parallel reproduction
#: they start once that chapter is done (serially, the order of ``_toc.yml`` sees to it).
RUNS_FROM: dict[str, tuple[str, ...]] = {
    "szt_variants": ("szt_noisy",),  # the tanh network at β = 0.005
    "szt_deterministic": ("szt_binning",),  # the float64 deterministic network
    "ib_bound": ("szt_information_plane",),  # the deterministic ensemble
}

#: Each chapter's ``paper`` time on 2 cores, in minutes, as measured (the Reproduce page's table).
#: A parallel reproduction starts the chapters with the longest work ahead of them first.
PAPER_MINUTES: dict[str, float] = {
    "szt_information_plane": 19.8, "single_neuron": 0.3, "szt_binning": 2.3, "szt_noisy": 6.6, "szt_variants": 6.7,
    "szt_deterministic": 0.8, "mnist_cnn": 11.6, "ib_bound": 2.0, "infinite_width": 1.3, "saxe_nonlinearity": 30.5,
    "saxe_sgd": 4.6, "saxe_linear": 8.1, "estimators": 2.9, "butakov_compression": 4.2, "your_network": 3.0,
}


def longest_first(names: Sequence[str]) -> dict[str, float]:
    """Each chapter's scheduling priority: its own expected minutes plus the longest chain of chapters that wait for it.

    The critical-path rule: a chapter that others reload runs from (:data:`RUNS_FROM`) counts
    their work as its own, so a parallel reproduction starts it early. Unknown chapters count 1 minute.

    Parameters
    ----------
    names : sequence of str
        The chapters to run.

    Returns
    -------
    dict of str to float
        Priority per chapter (higher starts first), in expected minutes.

    Examples
    --------
    ``szt_noisy`` carries ``szt_variants``, which waits for it:

    >>> priority = longest_first(["szt_noisy", "szt_variants", "estimators"])
    >>> priority["szt_noisy"] == PAPER_MINUTES["szt_noisy"] + PAPER_MINUTES["szt_variants"]
    True
    """
    waiting = {name: [other for other in names if name in RUNS_FROM.get(other, ())] for name in names}
    priority: dict[str, float] = {}

    def ahead(name: str) -> float:  # RUNS_FROM has no cycle: a chapter reloads only earlier chapters
        if name not in priority:
            priority[name] = PAPER_MINUTES.get(name, 1.0) + max((ahead(other) for other in waiting[name]), default=0.0)
        return priority[name]

    return {name: ahead(name) for name in names}


def run_chapter(root: Path, name: str, output: Path, profile: str, device: str | None = None, *after: Any,
                progress: bool = False, environ: dict[str, str] | None = None) -> ChapterResult:
    """Execute chapter ``name`` at ``profile`` into ``output/<name>.ipynb`` and read its key numbers.

    ``after`` (ignored) lets a Dask task wait for the chapters it reloads runs from; ``environ``
    (the cache and data folders) is set first, as in :func:`ipcore.book.sweep.compute_member`.
    A failing chapter is a result with status ``"failed"``, not an exception.

    Parameters
    ----------
    root : pathlib.Path
        The repository root (``notebooks/<name>.md`` is run there).
    name : str
        The chapter.
    output : pathlib.Path
        Folder of the executed notebook.
    profile : str
        ``"smoke"`` or ``"paper"``.
    device : str, optional
        ``"cpu"`` or ``"cuda"``, for chapters that take a ``device`` parameter.
    *after
        Ignored (results of the tasks this one waits for).
    progress : bool, default False
        Show papermill's progress bar.
    environ : dict of str to str, optional
        Environment variables to set first.

    Returns
    -------
    ChapterResult
        Its status, wall time and key numbers (:data:`~ipcore.book.reproduce.KEY_NUMBERS`), or its error.
    """
    import os

    from ipcore.book.notebook import load_notebook, notebook_parameters, read_results, run_notebook

    os.environ.update(environ or {})
    source = root / "notebooks" / f"{name}.md"
    params: dict[str, Any] = {"profile": profile}
    if device is not None and "device" in notebook_parameters(load_notebook(source)):
        params["device"] = device
    start = time.perf_counter()
    try:
        nb = run_notebook(source, output / f"{name}.ipynb", params, progress=progress, cwd=root)
    except Exception as exc:  # one failing chapter must not stop the others
        return ChapterResult(name, "failed", time.perf_counter() - start, error=str(exc).splitlines()[0])
    reported = read_results(nb)
    numbers = {k: reported[k] for k in KEY_NUMBERS.get(name, ()) if k in reported}
    return ChapterResult(name, "ok", time.perf_counter() - start, numbers)


def _run_on_cluster(client: Any, root: Path, names: list[str], output: Path, profile: str, device: str | None,
                    progress: bool) -> list[ChapterResult]:
    """Every chapter as one Dask task, each after the chapters it reloads runs from."""
    from ipcore.book.sweep import forwarded_environment, wait_for

    from dask.base import tokenize

    environ = forwarded_environment()
    # one reproduction's tasks: another one (other output folder, root or device) is not merged with it
    token = tokenize(str(root.resolve()), str(output.resolve()), profile, device)
    futures: dict[str, Any] = {}
    priority = longest_first(names)  # the longest work first, so that no long chapter starts last
    # submitted in that order too (the first tasks reach the workers as they are submitted); a
    # chapter's sources carry its minutes, so they come before it
    for name in sorted(names, key=lambda chapter: -priority[chapter]):
        after = [futures[other] for other in RUNS_FROM.get(name, ()) if other in futures]
        futures[name] = client.submit(run_chapter, root.resolve(), name, output.resolve(), profile, device, *after,
                                      environ=environ, key=f"ipcore-chapter-{name}-{token}", pure=False,
                                      priority=priority[name])
    outcome = wait_for(client, futures, progress=progress, desc=f"reproduce ({profile})", unit="chapter")
    results = []
    for name in names:
        state, value = outcome[name]
        results.append(value if state == "ok" else ChapterResult(name, "failed", float("nan"), error=value))
    return results


def reproduce(
    root: Path,
    output: Path,
    *,
    profile: str = "smoke",
    only: Sequence[str] | None = None,
    device: str | None = None,
    progress: bool = True,
    scheduler: str | None = None,
    workers: int | None = None,
) -> list[ChapterResult]:
    """Run the chapters (all, or ``only``) at ``profile``; return one result per chapter.

    With ``scheduler`` (a Dask address) or ``workers`` (a LocalCluster of that many processes)
    the chapters run in parallel on the cluster, each after those it reloads runs from
    (:data:`~ipcore.book.reproduce.RUNS_FROM`); otherwise one after another here.

    Executed notebooks go to ``output/<chapter>.ipynb``, their figures to ``output/figures``
    (:func:`ipcore.book.reproduce.export_figures`) and the results to
    ``output/summary.json``.

    Parameters
    ----------
    root : pathlib.Path
        The repository root, holding ``_toc.yml`` and ``notebooks/``.
    output : pathlib.Path
        The output folder (made if missing).
    profile : str, default "smoke"
        ``"smoke"`` or ``"paper"``.
    only : sequence of str, optional
        Run only these chapters (in the book's order).
    device : str, optional
        ``"cpu"`` or ``"cuda"``, for chapters that take one.
    progress : bool, default True
        Show progress bars.
    scheduler : str, optional
        A Dask scheduler's address, e.g. ``"tcp://host:8786"``.
    workers : int, optional
        Worker processes of a LocalCluster started here.

    Returns
    -------
    list of ChapterResult
        One per chapter, in order; a failed chapter does not stop the others.

    Raises
    ------
    ValueError
        If ``profile`` or ``device`` is unknown, ``root`` holds no ``_toc.yml``, a chapter of
        ``only`` is not in the book, or ``scheduler`` cannot be reached.

    Examples
    --------
    The arguments are checked before anything runs:

    >>> from pathlib import Path
    >>> reproduce(Path("."), Path("reproduction"), profile="huge")
    Traceback (most recent call last):
    ...
    ValueError: profile: must be one of ['paper', 'smoke'], got 'huge'
    """

    from ipcore.book.build import plotly_js as installed_plotly_js
    from ipcore.book.notebook import load_notebook
    from ipcore.config import progress_bar
    from ipcore.validation import check_profile, check_choice

    check_profile(profile)
    if device is not None:
        check_choice(device, "device", ("cpu", "cuda"))
    names = chapters(root)
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"only: unknown chapter(s) {unknown}; the chapters are {names}")
        names = [n for n in names if n in set(only)]
    output.mkdir(parents=True, exist_ok=True)
    figures = output / "figures"
    figures.mkdir(exist_ok=True)
    source = installed_plotly_js()
    plotly_js = source if source.is_file() else None
    if plotly_js is not None:
        shutil.copy(plotly_js, figures / "plotly.min.js")
    def export(result: ChapterResult) -> None:
        executed = output / f"{result.chapter}.ipynb"
        if result.status == "ok" and executed.is_file():  # a remote worker may have written it elsewhere
            export_figures(load_notebook(executed), figures, result.chapter, plotly_js)

    if scheduler is not None or workers is not None:
        from ipcore.book.sweep import dask_client

        with dask_client(scheduler, workers=2 if workers is None else workers) as client:
            if progress:
                print(f"Dask dashboard: {client.dashboard_link}")
            results = _run_on_cluster(client, root, names, output, profile, device, progress)
        for result in results:
            export(result)
    else:
        results = []
        overall = progress_bar(names, enabled=progress, desc=f"reproduce ({profile})", unit="chapter")
        for name in overall:
            overall.set_postfix_str(name)
            results.append(run_chapter(root, name, output, profile, device, progress=progress))
            export(results[-1])  # as it goes: an interrupted reproduction keeps the figures it made
    (output / "summary.json").write_text(json.dumps([r.__dict__ for r in results], indent=1, default=str))
    return results


def summary_table(results: Sequence[ChapterResult]) -> str:
    """A plain-text table: chapter, status, wall time, key numbers (or the error).

    Parameters
    ----------
    results : sequence of ChapterResult
        The chapters' results.

    Returns
    -------
    str
        One line per chapter and a total line.

    Examples
    --------
    >>> results = [ChapterResult("single_neuron", "ok", 12.34, {"final_mi_smallest_beta": 0.5623}),
    ...            ChapterResult("szt_noisy", "failed", 3.0, error="ValueError: beta: must be > 0")]
    >>> print(summary_table(results))
    chapter        status  time    key numbers
    single_neuron  ok      12.3 s  final_mi_smallest_beta=0.5623
    szt_noisy      failed  3.0 s   ValueError: beta: must be > 0
    2 chapters, 1 ok, 15.3 s in all
    """
    def fmt(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    rows = [("chapter", "status", "time", "key numbers")]
    for r in results:
        detail = ", ".join(f"{k}={fmt(v)}" for k, v in r.numbers.items()) if r.status == "ok" else r.error
        rows.append((r.chapter, r.status, f"{r.seconds:.1f} s", detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    total = sum(r.seconds for r in results)
    lines.append(f"{len(results)} chapters, {sum(r.status == 'ok' for r in results)} ok, {total:.1f} s in all")
    return "\n".join(lines)
