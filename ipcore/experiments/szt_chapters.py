"""Profiles, tables and figures of the SZT chapters, built from (cached) SZT runs.

The runs themselves come from :func:`ipcore.experiments.szt.run_szt`; this
module only chooses their parameters per profile and turns them into what a
reader looks at. Keeping it apart from the runner means that editing a
figure does not invalidate the cached runs.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.colors import LogNorm

from ipcore.estimators.clustering import labels_entropy, nearest_neighbour_distances, diameter_clusters
from ipcore.experiments.grouping import run_keyed
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_profile  # noqa: F401 (the chapters check their profile through ch.check_profile)
from ipcore.estimators import binned_entropy
from ipcore.experiments.szt import SZTConfig, SZTRun, run_szt, run_szt_ensemble
from ipcore.plotting import beta_slider_figure, information_lines, live_control, log_slider

#: Run parameters per profile and the β values of the precomputed slider grid (``betas``).
#: ``paper`` is the paper's setting; ``smoke`` (CI) runs 500 epochs with a 25× larger
#: learning rate, so that the same fit-then-compress dynamics happen in 500 epochs instead of
#: 10 000, and keeps R = 10 noisy passes per input.
PROFILES = register_profiles(__name__, {
    "smoke": {"epochs": 500, "n_log": 20, "lr": 0.01, "replicas": 10, "betas": (0.005, 0.02, 0.1)},
    "paper": {"epochs": 10000, "n_log": 100, "lr": 4e-4, "replicas": 100, "betas": (0.005, 0.01, 0.02, 0.05, 0.1)},
})
#: The slider grid of each profile (a view of ``PROFILES``).
BETA_GRID: dict[str, tuple[float, ...]] = {profile: settings["betas"] for profile, settings in PROFILES.items()}
LN_4096 = math.log(4096)
LAYER_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e8c500"]
CLASS_COLOURS = ["#3b528b", "#e8743b"]



def chapter_config(profile: str, **overrides: Any) -> SZTConfig:
    """The :class:`~ipcore.experiments.szt.SZTConfig` of ``profile`` with ``overrides`` (which are validated by SZTConfig).

    Parameters
    ----------
    profile : str
        ``"smoke"`` (500 epochs at a 25× larger learning rate, R = 10) or ``"paper"`` (the
        paper's 10 000 epochs, R = 100), see :data:`~ipcore.experiments.szt_chapters.PROFILES`.
    **overrides
        Fields of :class:`ipcore.experiments.szt.SZTConfig` (``beta``, ``activation``,
        ``seed``, …), which win over the profile's.

    Returns
    -------
    ipcore.experiments.szt.SZTConfig
        The run's parameters.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name, or an override is out of range (naming it).
    TypeError
        If an override is not a field of SZTConfig.

    Examples
    --------
    >>> config = chapter_config("smoke")
    >>> config.epochs, config.lr, config.replicas, config.beta
    (500, 0.01, 10, 0.005)
    >>> chapter_config("smoke", beta=0.02, activation="relu").beta
    0.02
    >>> chapter_config("smoke", beta=-1)
    Traceback (most recent call last):
    ...
    ValueError: beta: must be finite and >= 0 (the noise standard deviation), got -1
    """
    settings = chapter_settings(__name__, profile)
    del settings["betas"]
    return SZTConfig(**{**settings, **overrides})


def run_all(configs: Mapping[Any, SZTConfig], *, progress: bool = True) -> dict[Any, SZTRun]:
    """Run (or load from the cache) every config, with an overall progress bar.

    Configs that differ only in β and the seed (a chapter's β grid) train together as one
    ensemble (:func:`ipcore.experiments.szt.run_szt_ensemble`), each result cached on its own;
    a config alone of its shape runs as one network (:func:`ipcore.experiments.szt.run_szt`).
    A stored run is loaded whichever way it was computed.

    Parameters
    ----------
    configs : mapping of key to SZTConfig
        The runs, keyed as the caller likes (by β, by variant name, …).
    progress : bool, default True
        Show progress bars (the overall one only for more than one run).

    Returns
    -------
    dict of key to SZTRun
        The runs, under the same keys.
    """
    return run_keyed(configs, group_key=lambda c: replace(c, beta=0.0, seed=0),
                     run_alone=lambda c: run_szt(c, progress=progress),
                     run_together=lambda cs: run_szt_ensemble(cs, progress=progress), progress=progress,
                     desc="SZT runs")


def check_logged_epochs(epochs: Sequence[int], logged: Sequence[int], name: str = "epochs") -> list[int]:
    """``epochs`` as a list, each an integer in the logged range [0, last logged epoch].

    Parameters
    ----------
    epochs : sequence of int
        The epochs a reader asked for (a list, tuple or array).
    logged : sequence of int
        The run's logged epochs, increasing.
    name : str, default "epochs"
        The argument's name, which starts the error message.

    Returns
    -------
    list of int
        ``epochs`` as Python integers.

    Raises
    ------
    ValueError
        If ``epochs`` is empty, not a list, or holds anything but integers in
        [0, ``logged[-1]``].

    Examples
    --------
    >>> check_logged_epochs([0, 5], [0, 3, 9])
    [0, 5]
    >>> check_logged_epochs([0, 10], [0, 3, 9])
    Traceback (most recent call last):
    ...
    ValueError: epochs: every epoch must be an integer in [0, 9] (the logged range), got [0, 10]
    """
    last = int(logged[-1])
    values = list(epochs) if isinstance(epochs, (list, tuple, np.ndarray)) else []
    if not values or not all(
        isinstance(e, (int, np.integer)) and not isinstance(e, bool) and 0 <= e <= last for e in values
    ):
        raise ValueError(f"{name}: every epoch must be an integer in [0, {last}] (the logged range), got {epochs!r}")
    return [int(e) for e in values]


def nearest_logged(run: SZTRun, epoch: int) -> int:
    """Index of the logged epoch nearest to ``epoch`` on a log scale.

    Distances are ``|ln(1 + e) − ln(1 + epoch)|``, so that epoch 0 and the early epochs are not
    swallowed by late ones.

    Parameters
    ----------
    run : SZTRun
        The run whose logged epochs are searched.
    epoch : int
        An epoch in [0, last logged epoch].

    Returns
    -------
    int
        The index into ``run.epochs``.

    Raises
    ------
    ValueError
        If ``epoch`` is not an integer in the logged range (the message names ``epoch``).

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> nearest_logged(run, 5), nearest_logged(run, 8)
    (1, 2)
    """
    (epoch,) = check_logged_epochs([epoch], run.epochs, "epoch")
    return int(np.argmin(np.abs(np.log1p(run.epochs) - np.log1p(epoch))))


# ---------------------------------------------------------------------------------------- tables


def information_table(runs: Mapping[Any, SZTRun], key: str = "beta") -> pd.DataFrame:
    """Long table: ``key``, epoch, layer (1-based), mi, mi_std, binned (all nats).

    Parameters
    ----------
    runs : mapping of key to SZTRun
        The runs, e.g. keyed by β.
    key : str, default "beta"
        Name of the column that holds the runs' keys.

    Returns
    -------
    pandas.DataFrame
        One row per run, logged epoch and layer: I(X;T_ℓ) (``mi``), its standard error
        (``mi_std``) and H(Bin(T_ℓ)) (``binned``).

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> print(information_table({0.005: run}).to_string(index=False))
     beta  epoch  layer  mi  mi_std  binned
    0.005      0      1 1.2    0.01   1.386
    0.005      3      1 1.4    0.01   1.386
    0.005      9      1 1.0    0.01   1.386
    """
    frames = []
    for name, run in runs.items():
        n_epochs, n_layers = run.mi.shape
        frames.append(pd.DataFrame({
            key: [name] * (n_epochs * n_layers),
            "epoch": np.repeat(run.epochs, n_layers),
            "layer": np.tile(np.arange(1, n_layers + 1), n_epochs),
            "mi": run.mi.ravel(), "mi_std": run.mi_std.ravel(), "binned": run.binned.ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def compression_table(runs: Mapping[Any, SZTRun], key: str = "run") -> pd.DataFrame:
    """Per run and layer: I at the first logged epoch ≥ 1, its peak (and epoch), final value,
    the compression peak − final, and the final train/test accuracy.

    Layers never estimated (all NaN) are left out. Information in nats; ``final_se`` is the
    standard error of the final value.

    Parameters
    ----------
    runs : mapping of key to SZTRun
        The runs, e.g. keyed by variant.
    key : str, default "run"
        Name of the column that holds the runs' keys.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, layer, first, peak, peak_epoch, final, compression, final_se,
        train_acc, test_acc.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> table = compression_table({"tanh": run})
    >>> print(table[["run", "layer", "first", "peak", "peak_epoch", "final"]].to_string(index=False))
     run  layer  first  peak  peak_epoch  final
    tanh      1    1.4   1.4           3    1.0
    >>> round(float(table.compression.iloc[0]), 3)
    0.4
    """
    rows = []
    for name, run in runs.items():
        first = 1 if len(run.epochs) > 1 else 0
        for layer in range(run.mi.shape[1]):
            mi = run.mi[:, layer]
            if not np.isfinite(mi).any():
                continue
            peak = int(np.nanargmax(mi))
            rows.append({
                key: name, "layer": layer + 1, "first": mi[first], "peak": mi[peak],
                "peak_epoch": int(run.epochs[peak]), "final": mi[-1], "compression": mi[peak] - mi[-1],
                "final_se": run.mi_std[-1, layer],
                "train_acc": run.metrics["train_acc"][-1], "test_acc": run.metrics["test_acc"][-1],
            })
    return pd.DataFrame(rows)


def layer_separation(run: SZTRun, layer: int = 0) -> np.ndarray:
    """Per logged epoch, the smallest distance between two inputs' clean S_ℓ, in units of β.

    When it is many β, the 4096 Gaussians of the mixture do not overlap and
    I(X;T_ℓ) = ln 4096 exactly (up to Monte Carlo error).

    Parameters
    ----------
    run : SZTRun
        A noisy run (β > 0) whose clean representations were kept.
    layer : int, default 0
        The hidden layer, 0-based (an index into ``run.clean``).

    Returns
    -------
    ndarray, shape (E,)
        min over pairs i ≠ j of ‖S_ℓ(x_i) − S_ℓ(x_j)‖ / β, per logged epoch.

    Raises
    ------
    ValueError
        If the run is deterministic (β = 0; the message names ``run``).

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> layer_separation(run).round(1)  # β = 0.005
    array([84.9, 76.4, 93.3])
    """
    beta = run.config.beta
    if beta <= 0:
        raise ValueError("run: layer separation in units of β needs a noisy run (β > 0)")
    return np.array([nearest_neighbour_distances(t).min() / beta for t in run.clean[layer]])


def clustering_table(run: SZTRun, *, layer: int, widths: Sequence[float]) -> pd.DataFrame:
    """Per logged epoch and width w: H(Bin(T_ℓ)) with bins of width w and the cluster entropy
    H(C_w) of clusters of diameter ≤ w (both nats; ``layer`` 1-based).

    Long table with columns epoch, width, binned, clusters. The clusters come from one
    complete-linkage tree per epoch (:func:`ipcore.estimators.clustering.diameter_clusters`),
    cut at every width.

    Parameters
    ----------
    run : SZTRun
        A run whose clean representations were kept.
    layer : int
        The hidden layer, 1-based.
    widths : sequence of float
        Bin widths, which are also the clusters' largest diameters.

    Returns
    -------
    pandas.DataFrame
        One row per logged epoch and width.

    Raises
    ------
    ValueError
        If ``layer`` is not in 1 … number of layers, or ``widths`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> print(clustering_table(run, layer=1, widths=[0.3, 1.0]).round(3).to_string(index=False))
     epoch  width  binned  clusters
         0    0.3   1.386     1.386
         0    1.0   1.040     0.693
         3    0.3   1.386     1.386
         3    1.0   1.040     0.693
         9    0.3   1.386     1.386
         9    1.0   1.040     0.693
    >>> clustering_table(run, layer=2, widths=[0.3])
    Traceback (most recent call last):
    ...
    ValueError: layer: must be in 1..1, got 2
    """
    if not 1 <= layer <= len(run.clean):
        raise ValueError(f"layer: must be in 1..{len(run.clean)}, got {layer}")
    if len(widths) == 0:
        raise ValueError("widths: give at least one bin width")
    rows = []
    for epoch, t in zip(run.epochs, run.clean[layer - 1]):
        labels = diameter_clusters(t, list(widths))  # one linkage for every width
        for width, lab in zip(widths, labels):
            rows.append((int(epoch), float(width), binned_entropy(t, width=width), labels_entropy(lab)))
    return pd.DataFrame(rows, columns=["epoch", "width", "binned", "clusters"])


# ---------------------------------------------------------------------------------------- figures


def _epoch_axis(epochs: np.ndarray) -> list[int]:
    # Epoch 0 (before training) is drawn at 0.5 so that it shows on the log axis.
    return [float(e) if e > 0 else 0.5 for e in epochs]


def information_figure(runs: Mapping[float, SZTRun], *, active: float, height: int = 720) -> go.Figure:
    """β slider over ``runs`` (keyed by β): I(X;T_ℓ) ± 2 SE, H(Bin(T_ℓ)) at width 10β,
    clean-pass train/test loss and accuracy over epochs (log axis).

    Epoch 0 is drawn at 0.5 so that it shows on the log axis; dashed lines mark ln 4096, the
    largest I(X;T_ℓ) for X uniform on the 4096 inputs.

    Parameters
    ----------
    runs : mapping of float to SZTRun
        Runs keyed by their β, which the slider steps through in increasing order.
    active : float
        The β shown first, a key of ``runs``.
    height : int, default 720
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Four panels and a slider.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> fig = information_figure({0.005: run, 0.02: run}, active=0.005)
    >>> len(fig.data), fig.layout.title.text
    (14, 'Noisy SZT network (tanh), β = 0.005')
    """
    betas = sorted(runs)
    first = runs[betas[0]]
    x_ends = [0.5, float(first.epochs[-1])]

    def traces(beta: float):
        run = runs[beta]
        x = _epoch_axis(run.epochs)
        for layer in range(run.mi.shape[1]):
            style = {"color": LAYER_COLOURS[layer % len(LAYER_COLOURS)]}
            yield go.Scatter(
                x=x, y=run.mi[:, layer], mode="lines+markers", name=f"layer {layer + 1}", legendgroup=f"l{layer}",
                line=style, marker={"size": 4},
                error_y={"type": "data", "array": 2 * run.mi_std[:, layer], "visible": True, "thickness": 1},
            ), 1, 1
            yield go.Scatter(
                x=x, y=run.binned[:, layer], mode="lines", name=f"layer {layer + 1}", legendgroup=f"l{layer}",
                showlegend=False, line={**style, "dash": "dot"},
            ), 1, 2
        for split, dash in (("train", "solid"), ("test", "dash")):
            yield go.Scatter(x=x, y=run.metrics[f"{split}_loss"], mode="lines", name=f"{split} loss",
                             line={"color": "black", "dash": dash}), 2, 1
            yield go.Scatter(x=x, y=run.metrics[f"{split}_acc"], mode="lines", name=f"{split} accuracy",
                             line={"color": "#b5367a", "dash": dash}), 2, 2

    reference = [
        (go.Scatter(x=x_ends, y=[LN_4096] * 2, mode="lines", name="ln 4096", line={"dash": "dash", "color": "grey"}),
         1, col) for col in (1, 2)
    ]
    reference[1][0].showlegend = False
    fig = beta_slider_figure(
        betas, traces, rows=2, cols=2, static_traces=reference, active=betas.index(active),
        subplot_titles=["I(X;T_ℓ) [nats], ± 2 SE", "H(Bin(T_ℓ)), bins of width 10β [nats]",
                        "cross-entropy loss (clean pass)", "accuracy (clean pass)"],
        title=lambda b: f"Noisy SZT network ({first.config.activation}), β = {b:g}",
        height=height, vertical_spacing=0.14, horizontal_spacing=0.08,
    )
    fig.update_xaxes(type="log", title_text="epoch")
    fig.update_yaxes(range=[0, 8.9], row=1)
    return fig


def live_information(profile: str, *, beta: float, **overrides: Any):
    """Live control (needs a kernel): I(X;T_ℓ) per layer for any β, trained on click.

    Each click trains the network of ``profile`` at the slider's β (or loads it
    from the cache) and plots its I(X;T_ℓ) against the epoch; ``overrides``
    (seed, activation, log_epochs) are the chapter's other parameters.

    Parameters
    ----------
    profile : str
        The profile of :func:`ipcore.experiments.szt_chapters.chapter_config`.
    beta : float
        The slider's starting β (log slider on [1e-3, 1]); the value is rounded to 4
        significant digits, which is the run's cache key.
    **overrides
        Other fields of the run's :class:`ipcore.experiments.szt.SZTConfig`.

    Returns
    -------
    ipywidgets.Widget
        The control (:func:`ipcore.plotting.live_control`).
    """
    def draw(beta: float) -> plt.Figure:
        beta = float(f"{beta:.4g}")  # the slider's value, rounded, is the cache key
        run = run_szt(chapter_config(profile, beta=beta, **overrides))
        ax = information_lines(information_table({beta: run}), hue="layer", references={"ln 4096": LN_4096})
        ax.set_title(f"I(X;T_ℓ), β = {beta:g} ({profile} profile)")
        return ax.figure

    return live_control(draw, {"beta": log_slider(beta, low=1e-3, high=1.0)}, button="Train and estimate")


def value_histograms(run: SZTRun, layer: int, *, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and, per logged epoch, the fraction of all neuron values of layer ``layer``
    (1-based, clean S_ℓ over the 4096 inputs) in each bin: shape (E, bins).

    The bins span [−1, 1] for tanh, else the layer's range over all epochs.

    Parameters
    ----------
    run : SZTRun
        A run whose clean representations were kept.
    layer : int
        The hidden layer, 1-based.
    bins : int, default 60
        Number of bins.

    Returns
    -------
    edges : ndarray, shape (bins + 1,)
        The bin edges.
    fractions : ndarray, shape (E, bins)
        Per logged epoch, the fraction of values in each bin (each row sums to 1).

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> edges, fractions = value_histograms(run, 1, bins=4)
    >>> edges, fractions.shape, fractions.sum(1)
    (array([-1. , -0.5,  0. ,  0.5,  1. ]), (3, 4), array([1., 1., 1.]))
    """
    clean = run.clean[layer - 1]
    low, high = float(clean.min()), float(clean.max())
    if run.config.activation == "tanh":
        low, high = -1.0, 1.0
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    flat = clean.reshape(len(clean), -1)
    # One searchsorted over all epochs at once; bincount on (epoch, bin) codes.
    codes = np.clip(np.searchsorted(edges, flat, side="right") - 1, 0, bins - 1)
    codes = codes + bins * np.arange(len(clean))[:, None]
    counts = np.bincount(codes.ravel(), minlength=len(clean) * bins).reshape(len(clean), bins)
    return edges, counts / flat.shape[1]


def histogram_figure(run: SZTRun, *, bins: int = 60) -> plt.Figure:
    """Per hidden layer, the distribution of its neuron values over epochs (colour: fraction, log).

    Parameters
    ----------
    run : SZTRun
        A run whose clean representations were kept.
    bins : int, default 60
        Bins of the neuron values (:func:`ipcore.experiments.szt_chapters.value_histograms`).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per hidden layer, and a colour bar.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> import matplotlib.pyplot as plt
    >>> fig = histogram_figure(run, bins=4)
    >>> fig.axes[0].get_title()
    'layer 1 (3 neurons)'
    >>> plt.close(fig)
    """
    n_layers = len(run.clean)
    fig, axes = plt.subplots(1, n_layers, figsize=(3.1 * n_layers, 3.0), sharey=run.config.activation == "tanh")
    x = np.array(_epoch_axis(run.epochs))
    # Cell edges halfway (in log) between logged epochs.
    mid = np.sqrt(x[1:] * x[:-1])
    x_edges = np.concatenate([[x[0] / 1.5], mid, [x[-1] * 1.2]])
    for layer, ax in enumerate(np.atleast_1d(axes), start=1):
        edges, frac = value_histograms(run, layer, bins=bins)
        mesh = ax.pcolormesh(x_edges, edges, np.where(frac > 0, frac, np.nan).T, cmap="magma_r",
                             norm=LogNorm(vmin=1e-4, vmax=1.0), shading="flat")
        ax.set_xscale("log")
        ax.set_title(f"layer {layer} ({run.clean[layer - 1].shape[-1]} neurons)", fontsize=10)
        ax.set_xlabel("epoch")
    np.atleast_1d(axes)[0].set_ylabel("neuron value S_ℓ")
    fig.colorbar(mesh, ax=axes, fraction=0.02, label="fraction of values")
    return fig


def _scatter3d(ax, run: SZTRun, t: np.ndarray) -> None:
    """One 3-neuron representation, a point per input coloured by class; tanh axes span [−1, 1]."""
    ax.scatter(t[:, 0], t[:, 1], t[:, 2], c=np.array(CLASS_COLOURS)[run.labels], s=3, alpha=0.6, depthshade=False)
    if run.config.activation == "tanh":
        for set_lim in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
            set_lim(-1, 1)
    ax.tick_params(labelsize=6)


def scatter_figure(run: SZTRun, *, layer: int = 5, epochs: Sequence[int]) -> plt.Figure:
    """The clean S_ℓ of all 4096 inputs of a 3-neuron layer at the logged epochs nearest to
    ``epochs``, coloured by class.

    Parameters
    ----------
    run : SZTRun
        A run whose clean representations and labels were kept.
    layer : int, default 5
        The hidden layer, 1-based; it must have 3 neurons (layer 5 of 12-10-7-5-4-3-2).
    epochs : sequence of int
        The epochs to show (each replaced by the nearest logged one,
        :func:`ipcore.experiments.szt_chapters.nearest_logged`).

    Returns
    -------
    matplotlib.figure.Figure
        One 3-D panel per epoch.

    Raises
    ------
    ValueError
        If the layer does not have 3 neurons (naming ``layer``), or an epoch is outside the
        logged range.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> import matplotlib.pyplot as plt
    >>> fig = scatter_figure(run, layer=1, epochs=[0, 9])
    >>> [ax.get_title() for ax in fig.axes]
    ['epoch 0', 'epoch 9']
    >>> plt.close(fig)
    """
    clean = run.clean[layer - 1]
    if clean.shape[-1] != 3:
        raise ValueError(f"layer: the scatter needs a 3-neuron layer; layer {layer} has {clean.shape[-1]}")
    indices = [nearest_logged(run, e) for e in epochs]
    fig = plt.figure(figsize=(3.4 * len(indices), 3.4))
    for k, i in enumerate(indices, start=1):
        ax = fig.add_subplot(1, len(indices), k, projection="3d")
        _scatter3d(ax, run, clean[i])
        ax.set_title(f"epoch {int(run.epochs[i])}", fontsize=10)
    fig.legend(handles=[plt.Line2D([], [], ls="", marker="o", color=c, label=f"class {j}")
                        for j, c in enumerate(CLASS_COLOURS)], loc="upper right")
    fig.tight_layout()
    return fig


def variants_figure(runs: Mapping[str, SZTRun], *, height: int = 430) -> go.Figure:
    """One panel per variant: I(X;T_ℓ) ± 2 SE per layer over epochs, on a shared axis.

    Parameters
    ----------
    runs : mapping of str to SZTRun
        The runs, keyed by the variant's name (the panels' titles).
    height : int, default 430
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per variant and layer.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> fig = variants_figure({"tanh": run, "relu": run})
    >>> len(fig.data), [a.text for a in fig.layout.annotations]
    (2, ['tanh', 'relu'])
    """
    from plotly.subplots import make_subplots

    names = list(runs)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=True, horizontal_spacing=0.03)
    for col, name in enumerate(names, start=1):
        run = runs[name]
        for layer in range(run.mi.shape[1]):
            fig.add_trace(go.Scatter(
                x=_epoch_axis(run.epochs), y=run.mi[:, layer], mode="lines+markers", name=f"layer {layer + 1}",
                legendgroup=f"l{layer}", showlegend=col == 1, marker={"size": 3},
                line={"color": LAYER_COLOURS[layer % len(LAYER_COLOURS)]},
                error_y={"type": "data", "array": 2 * run.mi_std[:, layer], "visible": True, "thickness": 1},
            ), row=1, col=col)
    fig.update_xaxes(type="log", title_text="epoch")
    fig.update_yaxes(title_text="I(X;T_ℓ) [nats]", row=1, col=1)
    fig.update_layout(height=height, template="plotly_white", margin={"l": 60, "r": 20, "t": 50, "b": 40})
    return fig


def clustering_figure(run: SZTRun, table: pd.DataFrame, *, layer: int, width: float,
                      epochs: Sequence[int]) -> plt.Figure:
    """Top: H(Bin(T_ℓ)) at ``width`` and the cluster entropy over epochs, with the scatter epochs
    marked. Bottom: the 3-neuron layer's clean representation at those epochs.

    Parameters
    ----------
    run : SZTRun
        A run whose clean representations and labels were kept.
    table : pandas.DataFrame
        The run's :func:`ipcore.experiments.szt_chapters.clustering_table` for ``layer``.
    layer : int
        The hidden layer, 1-based, with 3 neurons.
    width : float
        The bin width (and cluster diameter) shown, one of the table's widths.
    epochs : sequence of int
        The epochs of the scatter plots (nearest logged ones).

    Returns
    -------
    matplotlib.figure.Figure
        One panel on top, one 3-D panel per epoch below.

    Raises
    ------
    ValueError
        If an epoch is outside the logged range.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> import matplotlib.pyplot as plt
    >>> table = clustering_table(run, layer=1, widths=[0.3, 1.0])
    >>> fig = clustering_figure(run, table, layer=1, width=0.3, epochs=[0, 9])
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    table = table[table.width == width].reset_index(drop=True)
    indices = [nearest_logged(run, e) for e in epochs]
    clean = run.clean[layer - 1]
    fig = plt.figure(figsize=(3.3 * len(indices), 6.6))
    grid = fig.add_gridspec(2, len(indices), height_ratios=[1, 1.15])
    ax = fig.add_subplot(grid[0, :])
    x = _epoch_axis(table.epoch.to_numpy())
    ax.plot(x, table.binned, "o-", ms=3, color="#21918c", label=f"H(Bin(T_{layer})), width {width:g}")
    ax.plot(x, table.clusters, "s--", ms=3, color="#b5367a", label=f"cluster entropy H(C_r), diameter r = {width:g}")
    for i in indices:
        ax.axvline(x[i], color="0.6", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("nats")
    ax.legend(loc="best", fontsize=8)
    for k, i in enumerate(indices):
        sub = fig.add_subplot(grid[1, k], projection="3d")
        _scatter3d(sub, run, clean[i])
        sub.set_title(f"epoch {int(run.epochs[i])}: H(Bin) = {table.binned.iloc[i]:.2f}", fontsize=9)
    fig.tight_layout()
    return fig



def clustering_slider_figure(table: pd.DataFrame, *, layer: int, active: float, height: int = 430) -> go.Figure:
    """Width slider: H(Bin(T_ℓ)) and the cluster entropy at diameter = width, over epochs.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.szt_chapters.clustering_table`.
    layer : int
        The table's layer, 1-based (for the title).
    active : float
        The width shown first, one of the table's widths.
    height : int, default 430
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Two traces per width and a slider.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.szt import SZTConfig, SZTRun
    >>> s = np.array([[[-0.9, 0.1, 0.3], [-0.5, 0.2, 0.4], [0.5, -0.2, 0.1], [0.9, 0.3, -0.4]]])
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={k: np.array([0.7, 0.5, 0.4]) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
    ...              mi=np.array([[1.2], [1.4], [1.0]]), mi_std=np.full((3, 1), 0.01), binned=np.full((3, 1), 1.386),
    ...              clean=[np.concatenate([s, 0.9 * s, 1.1 * s])], labels=np.array([0, 0, 1, 1]))
    >>> table = clustering_table(run, layer=1, widths=[0.3, 1.0])
    >>> fig = clustering_slider_figure(table, layer=1, active=0.3)
    >>> len(fig.data), fig.layout.title.text
    (4, 'Layer 1 of the deterministic SZT network: binning vs clustering at scale 0.3')
    """
    widths = sorted(table.width.unique())

    def traces(width: float):
        part = table[table.width == width].sort_values("epoch")
        x = _epoch_axis(part.epoch.to_numpy())
        yield go.Scatter(x=x, y=part.binned, mode="lines+markers", name="H(Bin(T)), bins of this width",
                         line={"color": "#21918c"}, marker={"size": 4}), 1, 1
        yield go.Scatter(x=x, y=part.clusters, mode="lines+markers", name="cluster entropy, cluster diameter = width",
                         line={"color": "#b5367a", "dash": "dash"}, marker={"size": 4, "symbol": "square"}), 1, 1

    fig = beta_slider_figure(
        widths, traces, active=widths.index(active), label="width",
        title=lambda w: f"Layer {layer} of the deterministic SZT network: binning vs clustering at scale {w:g}",
        height=height,
    )
    fig.update_xaxes(type="log", title_text="epoch")
    fig.update_yaxes(title_text="nats", range=[0, LN_4096 + 0.5])
    return fig
