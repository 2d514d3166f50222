"""Saxe et al. (2018): whether a network compresses depends on its nonlinearity.

Three measurements, all in nats:

1. **One neuron** T = f(wX), X ~ N(0, 1), for tanh, ReLU, softsign and softplus: the binned
   I(T;X) = H(Bin T) exactly from the bin probabilities through f⁻¹
   (:func:`~ipcore.estimators.binned_neuron_information`), and I(X; f(wX) + σZ) with Gaussian
   noise instead of bins by exact 1-D quadrature
   (:func:`~ipcore.estimators.noisy_neuron_information`).
2. **The SZT network** with each activation, trained as in Saxe et al.'s code (ibsgd): Adam,
   batch 256, a truncated normal initialisation of std 1/√fan-out; every layer measured by
   binning (width 0.07) and by the KDE upper bound (noise variance 1e-3), both through the
   many-networks plane (:func:`~ipcore.experiments.information_plane.run_plane`).
3. **MNIST 784-1024-20-20-20-10**, tanh and ReLU, plain SGD (lr 0.001, batch 128, Glorot
   uniform initialisation as Keras'), every layer measured on the MNIST test images by the KDE
   upper bound with noise variance 0.1 (:func:`~ipcore.experiments.saxe_nonlinearity.run_mnist_plane`).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from ipcore.cache import CachedRun
from ipcore.config import progress_bar, resolve_device
from ipcore.data.mnist import load_mnist, mnist_splits
from ipcore.estimators import (SZT_EDGES, binned_neuron_information, kde_information_batch, labels_entropy,
                               noisy_neuron_information)
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
from ipcore.experiments.mnist import chunked_cross_entropy, chunked_logits
from ipcore.experiments.saxe_linear import compression
from ipcore.nets.models import ACTIVATIONS, NoisyMLP
from ipcore.nets.training import SCHEDULES, Recorder, Snapshot, logging_schedule, train
from ipcore.plotting import PlacedTrace, beta_slider_figure
from ipcore.validation import (check_choice, check_int, check_number, check_positive_int, check_positive_numbers,
                               check_seed)

#: The activations Saxe et al. compare; the first two saturate on both sides, the last two on one.
SAXE_ACTIVATIONS = ("tanh", "softsign", "relu", "softplus")
DOUBLE_SATURATING = ("tanh", "softsign")
#: Bins of the single neuron: IDNNs' 30 edges on [−1, 1] for the bounded activations, bins of
#: the same width 2/29 (unbounded) for the others.
NEURON_BIN_WIDTH = 2 / 29
ACTIVATION_COLOURS = {"tanh": "#3b528b", "softsign": "#21918c", "relu": "#e8743b", "softplus": "#b5367a"}
LAYER_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e8c500", "#e8743b"]

#: ibsgd's SZT set-up (Saxe et al.), beside the plane's own defaults (IDNNs').
SZT_SETUP: dict[str, Any] = {"batch_size": 256, "optimizer": "adam", "init": "trunc_normal_fan_out",
                             "binning": "width", "bin_width": 0.07, "kde_variance": 1e-3}

#: ``smoke`` (CI) trains the SZT networks 400 epochs at 7.5× the paper's learning rate and the
#: MNIST networks 30 epochs on 4 000 images at 50× its rate, so that fitting and (for tanh)
#: compression happen in seconds. ``paper`` keeps the authors' learning rates; its MNIST
#: networks train 1 000 epochs, not their 10 000 (see the chapter).
PROFILES = register_profiles(__name__, {
    "smoke": {"neuron": {"n_weights": 25, "sigmas": (0.05, 0.1, 0.2)},
              "szt": {"n_networks": 2, "epochs": 400, "lr": 3e-3, "schedule": "log10", "n_log": 8},
              "mnist": {"n_train": 4000, "n_measure": 1500, "epochs": 30, "lr": 0.05, "n_log": 8}},
    "paper": {"neuron": {"n_weights": 80, "sigmas": (0.01, 0.02, 0.05, 0.1, 0.2)},
              "szt": {"n_networks": 10, "epochs": 10000, "lr": 4e-4, "schedule": "log10", "n_log": 60},
              "mnist": {"n_train": None, "n_measure": 10000, "epochs": 1000, "lr": 0.001, "n_log": 30}},
})


def profile_settings(profile: str) -> dict[str, Any]:
    """The resolution settings of ``profile`` (``"smoke"`` or ``"paper"``).

    Parameters
    ----------
    profile : str
        One of :data:`ipcore.config.PROFILE_NAMES`.

    Returns
    -------
    dict
        Three tables: ``neuron`` (``n_weights``, ``sigmas``), ``szt`` (fields of
        :class:`ipcore.experiments.information_plane.PlaneConfig`) and ``mnist`` (fields of
        :class:`ipcore.experiments.saxe_nonlinearity.MNISTPlaneConfig`); a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> settings = profile_settings("smoke")
    >>> sorted(settings)
    ['mnist', 'neuron', 'szt']
    >>> settings["szt"]
    {'n_networks': 2, 'epochs': 400, 'lr': 0.003, 'schedule': 'log10', 'n_log': 8}
    """
    return chapter_settings(__name__, profile)


# ------------------------------------------------------------------------------ one neuron


def neuron_binning(activation: str) -> dict[str, Any]:
    """The bins of the single neuron: IDNNs' edges for bounded f, width 2/29 for unbounded f.

    Parameters
    ----------
    activation : str
        One of :data:`ipcore.experiments.saxe_nonlinearity.SAXE_ACTIVATIONS`.

    Returns
    -------
    dict
        Keyword arguments of :func:`ipcore.estimators.binned_neuron_information`:
        ``{"edges": SZT_EDGES}`` (30 edges on [−1, 1]) for tanh and softsign,
        ``{"width": 2/29}`` for ReLU and softplus.

    Examples
    --------
    >>> sorted(neuron_binning("tanh"))
    ['edges']
    >>> round(neuron_binning("relu")["width"], 4)
    0.069
    """
    return {"edges": SZT_EDGES} if activation in DOUBLE_SATURATING else {"width": NEURON_BIN_WIDTH}


def neuron_table(weights: Sequence[float], sigmas: Sequence[float],
                 activations: Sequence[str] = SAXE_ACTIVATIONS) -> pd.DataFrame:
    """I(T;X) of one neuron T = f(wX), X ~ N(0, 1), for every activation and weight w: binned (column
    ``binned``, :func:`~ipcore.experiments.saxe_nonlinearity.neuron_binning`'s bins) and with noise of std σ
    instead of bins (one column ``noise <σ>`` per σ). Exact (no sampling), in nats; one row per (activation,
    w).

    The binned value is I(T;X) = H(Bin T), from the bin probabilities through f⁻¹
    (:func:`ipcore.estimators.binned_neuron_information`); the noisy one is
    I(X; f(wX) + σZ), Z ~ N(0, 1), by 1-D quadrature
    (:func:`ipcore.estimators.noisy_neuron_information`).

    Parameters
    ----------
    weights : sequence of float
        Neuron weights w, each > 0.
    sigmas : sequence of float
        Noise standard deviations σ, each > 0.
    activations : sequence of str, default SAXE_ACTIVATIONS
        Activations, each one of :data:`ipcore.experiments.saxe_nonlinearity.SAXE_ACTIVATIONS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``activation``, ``w``, ``binned`` and ``noise <σ>`` per σ.

    Raises
    ------
    ValueError
        If ``weights`` or ``sigmas`` is not a non-empty list of numbers > 0, or an activation
        is not one of Saxe et al.'s (each naming its argument).

    Examples
    --------
    A saturating neuron loses binned information as w grows:

    >>> print(neuron_table([1.0, 50.0], [0.1], activations=("tanh",)).round(3).to_string(index=False))
    activation    w  binned  noise 0.1
          tanh  1.0   3.347      1.680
          tanh 50.0   0.881      0.785
    >>> neuron_table([1.0], [0.1], activations=("sigmoid",))
    Traceback (most recent call last):
    ...
    ValueError: activations: must be one of ['relu', 'softplus', 'softsign', 'tanh'], got 'sigmoid'
    """
    w = np.asarray(check_positive_numbers(weights, "weights", meaning="neuron weights w"))
    sigmas = check_positive_numbers(sigmas, "sigmas", meaning="noise standard deviations σ")
    rows = []
    for activation in activations:
        check_choice(activation, "activations", SAXE_ACTIVATIONS)
        table = pd.DataFrame({"activation": activation, "w": w,
                              "binned": binned_neuron_information(w, activation, **neuron_binning(activation))})
        for sigma in sigmas:
            table[f"noise {sigma:g}"] = noisy_neuron_information(w, activation, sigma)
        rows.append(table)
    return pd.concat(rows, ignore_index=True)


def neuron_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per activation and measure: the peak of I(T;X) over w, the w of the peak, the value at
    the largest w, and the fall from the peak to there (nats).

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.saxe_nonlinearity.neuron_table`.

    Returns
    -------
    pandas.DataFrame
        Columns activation, measure, peak, w at peak, at largest w, fall.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"activation": ["tanh"] * 3 + ["relu"] * 3, "w": [0.5, 5.0, 50.0] * 2,
    ...                       "binned": [3.2, 1.9, 0.9, 1.9, 3.2, 4.3], "noise 0.1": [1.4, 1.2, 0.8, 0.9, 2.2, 3.4]})
    >>> print(neuron_summary(table).to_string(index=False))
    activation   measure  peak  w at peak  at largest w  fall
          tanh    binned   3.2        0.5           0.9   2.3
          tanh noise 0.1   1.4        0.5           0.8   0.6
          relu    binned   4.3       50.0           4.3   0.0
          relu noise 0.1   3.4       50.0           3.4   0.0
    """
    rows = []
    for activation, part in table.groupby("activation", sort=False):
        for column in [c for c in part.columns if c not in ("activation", "w")]:
            values = part[column].to_numpy()
            peak = int(np.argmax(values))
            rows.append({"activation": activation, "measure": column, "peak": values[peak],
                         "w at peak": part.w.iloc[peak], "at largest w": values[-1], "fall": values[peak] - values[-1]})
    return pd.DataFrame(rows)


def neuron_figure(table: pd.DataFrame, sigmas: Sequence[float]) -> go.Figure:
    """Left: binned I(T;X) of one neuron against w, one line per activation. Right: the same
    with Gaussian noise of std σ instead of bins; the slider moves σ.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.saxe_nonlinearity.neuron_table` with a ``noise <σ>``
        column for every σ of ``sigmas``.
    sigmas : sequence of float
        The slider's σ values.

    Returns
    -------
    plotly.graph_objects.Figure
        Two panels and a σ slider.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"activation": ["tanh"] * 3 + ["relu"] * 3, "w": [0.5, 5.0, 50.0] * 2,
    ...                       "binned": [3.2, 1.9, 0.9, 1.9, 3.2, 4.3], "noise 0.1": [1.4, 1.2, 0.8, 0.9, 2.2, 3.4]})
    >>> fig = neuron_figure(table, [0.1])
    >>> len(fig.data), fig.layout.title.text
    (4, 'One neuron T = f(wX), X ~ N(0, 1): I(T;X) against w (right: σ = 0.1)')
    """
    activations = list(dict.fromkeys(table.activation))

    def lines(column: str, col: int, legend: bool) -> Iterator[PlacedTrace]:
        for activation in activations:
            part = table[table.activation == activation]
            yield go.Scatter(x=part.w, y=part[column], mode="lines", name=activation, legendgroup=activation,
                             showlegend=legend, line={"color": ACTIVATION_COLOURS[activation], "width": 2}), 1, col

    fig = beta_slider_figure(
        list(sigmas), lambda s: lines(f"noise {s:g}", 2, False), static_traces=lines("binned", 1, True), cols=2,
        label="σ", active=len(sigmas) // 2, height=430,
        subplot_titles=("binned (30 bins on [−1, 1], or width 2/29)", "Gaussian noise of std σ instead of bins"),
        title=lambda s: f"One neuron T = f(wX), X ~ N(0, 1): I(T;X) against w (right: σ = {s:g})",
    )
    fig.update_xaxes(type="log", title_text="weight w")
    fig.update_yaxes(title_text="I(T;X) [nats]", col=1)
    fig.add_hline(y=math.log(2), line_dash="dot", line_color="grey", annotation_text="ln 2", col=1)
    return fig


# ------------------------------------------------------------------------------ the planes


@dataclass
class Plane:
    """The mean information plane of some networks: I(X;T) and I(T;Y) per logged epoch and layer (nats).

    Parameters
    ----------
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    layers : list of str
        Names of the L measured layers.
    mi_x : ndarray, shape (E, L)
        I(X;T) (or its estimate or bound), nats.
    mi_y : ndarray, shape (E, L)
        I(T;Y), nats.
    label_entropy : float
        H(Y), the ceiling of I(T;Y).
    input_entropy : float
        ln of the number of inputs measured, the ceiling of I(X;T).

    Examples
    --------
    >>> import numpy as np
    >>> plane = Plane(epochs=np.array([0, 10, 99]), layers=["layer 1", "softmax"],
    ...               mi_x=np.array([[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]]),
    ...               mi_y=np.array([[0.1, 0.05], [0.5, 0.4], [0.6, 0.6]]), label_entropy=0.693,
    ...               input_entropy=float(np.log(4096)))
    >>> plane.mi_x.shape, round(plane.input_entropy, 3)
    ((3, 2), 8.318)
    """

    epochs: np.ndarray  #: (E,)
    layers: list[str]
    mi_x: np.ndarray  #: (E, L)
    mi_y: np.ndarray  #: (E, L)
    label_entropy: float  #: H(Y), the ceiling of I(T;Y)
    input_entropy: float  #: ln of the number of inputs measured, the ceiling of I(X;T)


def szt_planes(run: PlaneRun) -> dict[str, Plane]:
    """The binned plane and, when the run recorded them, the KDE upper bounds, averaged over its networks.

    Parameters
    ----------
    run : PlaneRun
        A deterministic run of :func:`ipcore.experiments.information_plane.run_plane`.

    Returns
    -------
    dict of str to Plane
        ``"binning"``, and ``"KDE"`` when the run has ``mi_x_kde``; each the mean over the
        networks, with ``input_entropy`` ln 4096.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> values = np.ones((2, 3, 1))  # 2 networks, 3 logged epochs, 1 layer
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]), layers=["layer 1"],
    ...                mi_x=values, mi_y=values / 2, mi_x_se=None, mi_y_se=None, grad_mean=values,
    ...                grad_std=values, weight_norm=values, metrics={}, label_entropy=0.693)
    >>> planes = szt_planes(run)
    >>> sorted(planes), planes["binning"].mi_y.tolist()
    (['binning'], [[0.5], [0.5], [0.5]])
    """
    out = {"binning": Plane(run.epochs, run.layers, run.mi_x.mean(0), run.mi_y.mean(0), run.label_entropy, math.log(4096))}
    if run.mi_x_kde is not None:
        out["KDE"] = Plane(run.epochs, run.layers, run.mi_x_kde.mean(0), run.mi_y_kde.mean(0), run.label_entropy,
                           math.log(4096))
    return out


def szt_configs(profile: str, activations: Sequence[str] = SAXE_ACTIVATIONS, *, n_networks: int | None = None,
                **overrides: Any) -> dict[str, PlaneConfig]:
    """One ensemble per activation with ibsgd's set-up
    (:data:`~ipcore.experiments.saxe_nonlinearity.SZT_SETUP`) at the profile's resolution; ``overrides``
    (kde_variance, bin_width, first_seed, …) apply to all.

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"``.
    activations : sequence of str, default SAXE_ACTIVATIONS
        The activations, one ensemble each.
    n_networks : int, optional
        Networks per ensemble (default: the profile's).
    **overrides
        Fields of :class:`ipcore.experiments.information_plane.PlaneConfig`.

    Returns
    -------
    dict of str to PlaneConfig
        One config per activation.

    Raises
    ------
    ValueError
        If ``profile`` or an activation is unknown (``activations``), or a field is out of
        range.

    Examples
    --------
    >>> configs = szt_configs("smoke", ("tanh", "relu"))
    >>> list(configs)
    ['tanh', 'relu']
    >>> config = configs["relu"]
    >>> config.epochs, config.batch_size, config.binning, config.bin_width, config.kde_variance
    (400, 256, 'width', 0.07, 0.001)
    """
    settings = profile_settings(profile)["szt"]
    if n_networks is not None:
        settings["n_networks"] = n_networks
    return {a: PlaneConfig(**{**SZT_SETUP, **settings, **overrides, "activation": check_choice(a, "activations", ACTIVATIONS)})
            for a in activations}


def compression_table(planes: Mapping[str, Mapping[str, Plane]]) -> pd.DataFrame:
    """Per network kind (e.g. activation), measure and layer: I(X;T) at the first logged epoch, at its peak
    and at the end, and its largest fall after a peak (:func:`~ipcore.experiments.saxe_linear.compression`,
    nats).

    Parameters
    ----------
    planes : mapping of str to mapping of str to Plane
        {kind: {measure: plane}}, e.g. {"tanh": {"binning": …, "KDE": …}}.

    Returns
    -------
    pandas.DataFrame
        Columns network, measure, layer, first, peak, final, compression
        (:func:`ipcore.experiments.saxe_linear.compression`), I(T;Y) final.

    Examples
    --------
    >>> import numpy as np
    >>> plane = Plane(epochs=np.array([0, 10, 99]), layers=["layer 1", "softmax"],
    ...               mi_x=np.array([[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]]),
    ...               mi_y=np.array([[0.1, 0.05], [0.5, 0.4], [0.6, 0.6]]), label_entropy=0.693,
    ...               input_entropy=float(np.log(4096)))
    >>> print(compression_table({"tanh": {"binning": plane}}).round(3).to_string(index=False))
    network measure   layer  first  peak  final  compression  I(T;Y) final
       tanh binning layer 1    2.0   3.0    2.2          0.8           0.6
       tanh binning softmax    0.5   0.6    0.6          0.0           0.6
    """
    rows = []
    for kind, by_measure in planes.items():
        for measure, plane in by_measure.items():
            for ell, layer in enumerate(plane.layers):
                values = plane.mi_x[:, ell]
                rows.append({"network": kind, "measure": measure, "layer": layer, "first": values[0],
                             "peak": values.max(), "final": values[-1], "compression": compression(values),
                             "I(T;Y) final": plane.mi_y[-1, ell]})
    return pd.DataFrame(rows)


#: A layer whose mean I(X;T) falls by more than this after its peak (nats) is said to compress.
COMPRESSES = 0.5


def compression_verdicts(table: pd.DataFrame, *, threshold: float = COMPRESSES) -> str:
    """One Markdown line per network kind of a
    :func:`~ipcore.experiments.saxe_nonlinearity.compression_table`: which hidden layers fall by more than
    ``threshold`` nats after their peak, by each measure, with the largest fall.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.saxe_nonlinearity.compression_table`.
    threshold : float, default COMPRESSES
        The fall (nats) above which a layer is said to compress (0.5).

    Returns
    -------
    str
        Markdown bullet lines, one per network kind; the softmax layer is left out.

    Examples
    --------
    >>> import numpy as np
    >>> plane = Plane(epochs=np.array([0, 10, 99]), layers=["layer 1", "softmax"],
    ...               mi_x=np.array([[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]]),
    ...               mi_y=np.array([[0.1, 0.05], [0.5, 0.4], [0.6, 0.6]]), label_entropy=0.693,
    ...               input_entropy=float(np.log(4096)))
    >>> print(compression_verdicts(compression_table({"tanh": {"binning": plane}})))
    - **tanh**, hidden layers whose I(X;T) falls by more than 0.5 nats after its peak. binning: layer 1 (largest fall 0.80 nats, layer 1).
    """
    lines = []
    hidden = table[table.layer != "softmax"]
    for kind, part in hidden.groupby("network", sort=False):
        parts = []
        for measure, rows in part.groupby("measure", sort=False):
            falling = rows[rows.compression > threshold]
            largest = rows.loc[rows.compression.idxmax()]
            which = ", ".join(falling.layer) if len(falling) else "no hidden layer"
            parts.append(f"{measure}: {which} (largest fall {largest.compression:.2f} nats, {largest.layer})")
        lines.append(f"- **{kind}**, hidden layers whose I(X;T) falls by more than {threshold:g} nats after its peak. "
                     + "; ".join(parts) + ".")
    return "\n".join(lines)


def plane_traces(plane: Plane, col: int, *, scale: bool, legend: bool, cmax: float) -> Iterator[PlacedTrace]:
    """One line per layer through its (I(X;T), I(T;Y)) points, markers coloured by log₁₀(epoch + 1).

    Parameters
    ----------
    plane : Plane
        The plane to draw.
    col : int
        The subplot column the traces go to.
    scale : bool
        Show the epoch colour bar (on the first layer's trace).
    legend : bool
        Show the layers in the legend.
    cmax : float
        The top of the colour scale, log₁₀(last epoch + 1) of the figure.

    Yields
    ------
    tuple
        ``(trace, row, col)``, a :data:`ipcore.plotting.PlacedTrace`, one per layer.

    Examples
    --------
    >>> import numpy as np
    >>> plane = Plane(epochs=np.array([0, 10, 99]), layers=["layer 1", "softmax"],
    ...               mi_x=np.array([[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]]),
    ...               mi_y=np.array([[0.1, 0.05], [0.5, 0.4], [0.6, 0.6]]), label_entropy=0.693,
    ...               input_entropy=float(np.log(4096)))
    >>> [trace.name for trace, row, col in plane_traces(plane, 1, scale=True, legend=True, cmax=2.0)]
    ['layer 1', 'softmax']
    """
    for ell, name in enumerate(plane.layers):
        yield go.Scatter(
            x=plane.mi_x[:, ell], y=plane.mi_y[:, ell], mode="lines+markers", name=name, legendgroup=name,
            showlegend=legend, line={"color": LAYER_COLOURS[ell % len(LAYER_COLOURS)], "width": 1},
            marker={"size": 6, "color": np.log10(plane.epochs + 1), "colorscale": "Plasma", "cmin": 0, "cmax": cmax,
                    "showscale": scale and ell == 0, "colorbar": {"title": "log₁₀(epoch + 1)", "x": 1.02}},
            text=[f"{name}, epoch {e}" for e in plane.epochs],
            hovertemplate="%{text}<br>I(X;T) %{x:.3f}<br>I(T;Y) %{y:.3f}<extra></extra>",
        ), 1, col


def plane_slider_figure(planes: Mapping[str, Mapping[str, Plane]], panels: Sequence[str], *, label: str = "activation",
                        title: str = "", height: int = 520) -> go.Figure:
    """Information planes side by side, one panel per entry of ``panels`` (e.g. "binning" and
    "KDE", or "mini-batch" and "full batch"), with a slider over the keys of ``planes`` (e.g.
    the activation). Axes are fixed across the slider, so planes compare by position.

    Parameters
    ----------
    planes : mapping of str to mapping of str to Plane
        {slider key: {panel: plane}}; every key needs every panel.
    panels : sequence of str
        The panels, left to right.
    label : str, default "activation"
        The slider's label.
    title : str, default ""
        Start of the title, before "<label> <key>".
    height : int, default 520
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One panel per entry of ``panels`` and a slider.

    Examples
    --------
    >>> import numpy as np
    >>> plane = Plane(epochs=np.array([0, 10, 99]), layers=["layer 1", "softmax"],
    ...               mi_x=np.array([[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]]),
    ...               mi_y=np.array([[0.1, 0.05], [0.5, 0.4], [0.6, 0.6]]), label_entropy=0.693,
    ...               input_entropy=float(np.log(4096)))
    >>> planes = {"tanh": {"binning": plane, "KDE": plane}, "relu": {"binning": plane, "KDE": plane}}
    >>> fig = plane_slider_figure(planes, ["binning", "KDE"])
    >>> len(fig.data), fig.layout.title.text
    (8, 'activation tanh')
    """
    kinds = list(planes)
    everything = [planes[k][p] for k in kinds for p in panels]
    cmax = float(max(np.log10(p.epochs[-1] + 1) for p in everything))
    x_max = max(max(p.input_entropy, float(np.nanmax(p.mi_x))) for p in everything) * 1.04
    y_max = max(max(p.label_entropy, float(np.nanmax(p.mi_y))) for p in everything) * 1.08

    def traces(kind: str) -> Iterator[PlacedTrace]:
        for col, panel in enumerate(panels, start=1):
            yield from plane_traces(planes[kind][panel], col, scale=col == 1, legend=col == 1, cmax=cmax)

    fig = beta_slider_figure(kinds, traces, cols=len(panels), subplot_titles=list(panels), label=label,
                             title=lambda k: f"{title}{label} {k}", height=height)
    # the layers' legend in a row above the panels, clear of the epoch colour bar on the right
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.1, "x": 0.0},
                      margin={"l": 60, "r": 20, "t": 120, "b": 40})
    fig.update_xaxes(title_text="I(X;T) [nats]", range=[0, x_max])
    fig.update_yaxes(title_text="I(T;Y) [nats]", range=[0, y_max], col=1)
    fig.update_yaxes(range=[0, y_max])
    return fig


# ------------------------------------------------------------------------------ MNIST

#: ipcore modules whose code determines an MNIST plane run (their change invalidates the cache).
MNIST_PLANE_MODULES = ["ipcore.experiments.saxe_nonlinearity", "ipcore.experiments.mnist", "ipcore.nets",
                       "ipcore.data.mnist", "ipcore.estimators", "ipcore.seeding"]


@dataclass(frozen=True)
class MNISTPlaneConfig:
    """One MNIST MLP of Saxe et al. (ibsgd's MNIST set-up; its 10 000 epochs are a parameter).

    A frozen dataclass, the key of the run in the results cache.

    Parameters
    ----------
    activation : str, default "tanh"
        The hidden layers' activation, one of :data:`ipcore.nets.models.ACTIVATIONS`.
    widths : tuple of int, default (784, 1024, 20, 20, 20, 10)
        Layer widths, 784 inputs and 10 outputs.
    epochs : int, default 10000
        Training epochs, at least 2.
    lr : float, default 0.001
        Learning rate.
    batch_size : int, default 128
        Mini-batch size.
    optimizer : str, default "sgd"
        ``"sgd"`` (plain SGD, no momentum) or ``"adam"``.
    init : str, default "glorot_uniform"
        Weight initialisation (Keras' default).
    n_train : int, optional
        The first n training images (None: all).
    n_measure : int, default 10000
        The first n MNIST test images, whose representations are measured, in [20, 10000].
    kde_variance : float, default 0.1
        σ², the noise variance of the KDE upper bounds (their β is √σ²).
    schedule : str, default "log10"
        The logging schedule, one of :data:`ipcore.nets.training.SCHEDULES`.
    n_log : int, default 25
        Points of the log-spaced schedules.
    seed : int, default 0
        Seed of the initial weights and the batches.
    split_seed : int, default 0
        Seed of the train/validation split.

    Raises
    ------
    ValueError
        Naming the first field out of range.

    Examples
    --------
    >>> MNISTPlaneConfig(activation="relu", epochs=30).widths
    (784, 1024, 20, 20, 20, 10)
    >>> MNISTPlaneConfig(n_measure=10)
    Traceback (most recent call last):
    ...
    ValueError: n_measure: must be an integer in [20, 10000], got 10
    """

    activation: str = "tanh"
    widths: tuple[int, ...] = (784, 1024, 20, 20, 20, 10)
    epochs: int = 10000
    lr: float = 0.001
    batch_size: int = 128
    optimizer: str = "sgd"  #: plain SGD (no momentum)
    init: str = "glorot_uniform"  #: Keras' default
    n_train: int | None = None  #: the first n training images (None: all)
    n_measure: int = 10000  #: the first n MNIST test images, whose representations are measured
    kde_variance: float = 0.1
    schedule: str = "log10"
    n_log: int = 25  #: points of the log-spaced schedules
    seed: int = 0
    split_seed: int = 0

    def __post_init__(self) -> None:
        check_choice(self.activation, "activation", ACTIVATIONS)
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        if len(self.widths) < 3 or self.widths[0] != 784 or self.widths[-1] != 10:
            raise ValueError(f"widths: MNIST needs 784 inputs, at least one hidden layer and 10 outputs, got {self.widths}")
        if check_positive_int(self.epochs, "epochs") < 2:
            raise ValueError(f"epochs: must be >= 2, got {self.epochs}")
        check_number(self.lr, "lr")
        check_positive_int(self.batch_size, "batch_size")
        check_choice(self.optimizer, "optimizer", ("sgd", "adam"))
        if self.n_train is not None:
            check_positive_int(self.n_train, "n_train")
        check_int(self.n_measure, "n_measure", low=20, high=10000)
        check_number(self.kde_variance, "kde_variance")
        check_choice(self.schedule, "schedule", SCHEDULES)
        check_positive_int(self.n_log, "n_log")
        check_seed(self.seed)
        check_seed(self.split_seed, "split_seed")


@dataclass
class MNISTPlaneRun:
    """The KDE upper bounds of every layer per logged epoch, and the network's errors.

    Made by :func:`ipcore.experiments.saxe_nonlinearity.run_mnist_plane`; E logged epochs,
    L measured layers (the hidden ones and the softmax).

    Parameters
    ----------
    config : MNISTPlaneConfig
        The run's parameters.
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    layers : list of str
        The layers' names.
    mi_x : ndarray, shape (E, L)
        Upper bound of I(X;T), nats.
    mi_y : ndarray, shape (E, L)
        Upper bound of I(T;Y), nats.
    metrics : dict of str to ndarray
        Per logged epoch: train_error, val_error, loss (clean pass).
    label_entropy : float
        H(Y) of the measured images.
    data_note : str, default ""
        Where the images came from.
    timings : dict of str to float
        Wall seconds of the run that computed it: training, recording (with estimation) and
        estimation.

    Examples
    --------
    >>> import numpy as np
    >>> plane = Plane(epochs=np.array([0, 10, 99]), layers=["layer 1", "softmax"],
    ...               mi_x=np.array([[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]]),
    ...               mi_y=np.array([[0.1, 0.05], [0.5, 0.4], [0.6, 0.6]]), label_entropy=0.693,
    ...               input_entropy=float(np.log(4096)))
    >>> run = MNISTPlaneRun(MNISTPlaneConfig(n_measure=100), epochs=plane.epochs, layers=plane.layers,
    ...                     mi_x=plane.mi_x, mi_y=plane.mi_y, metrics={}, label_entropy=2.3)
    >>> round(run.plane().input_entropy, 3)  # ln 100
    4.605
    """

    config: MNISTPlaneConfig
    epochs: np.ndarray  #: (E,)
    layers: list[str]
    mi_x: np.ndarray  #: (E, L) upper bound of I(X;T) (nats)
    mi_y: np.ndarray  #: (E, L) upper bound of I(T;Y) (nats)
    metrics: dict[str, np.ndarray]  #: (E,) train_error, val_error, train_loss (clean pass)
    label_entropy: float  #: H(Y) of the measured images
    data_note: str = ""
    #: wall seconds of the run that computed it: training, recording (with estimation) and estimation
    timings: dict[str, float] = field(default_factory=dict)

    def plane(self) -> Plane:
        """The run as a :class:`ipcore.experiments.saxe_nonlinearity.Plane` whose ``input_entropy`` is ln n_measure.

        Returns
        -------
        Plane
            The run's epochs, layers and bounds.
        """
        return Plane(self.epochs, self.layers, self.mi_x, self.mi_y, self.label_entropy, math.log(self.config.n_measure))


def run_mnist_plane(config: MNISTPlaneConfig = MNISTPlaneConfig(), *, device: str | None = None,
                    data_path: str | None = None, progress: bool = True, use_cache: bool = True) -> MNISTPlaneRun:
    """Train one MNIST MLP and measure every layer with the KDE upper bounds (cached).

    Training images come from :func:`ipcore.data.mnist_splits` (the 60 000 training images,
    or, where only the test set exists, 8 000 of the test images); the measured images are the
    first ``n_measure`` MNIST test images, as Saxe et al. measured the test set.

    Each layer T (the softmax output included) is measured by Kolchinsky and Tracey's upper
    bounds of I(X;T) and I(T;Y) with noise of variance ``kde_variance``
    (:func:`ipcore.estimators.kde_information_batch`), in nats.

    Parameters
    ----------
    config : MNISTPlaneConfig, default MNISTPlaneConfig()
        The run's parameters.
    device : str, optional
        ``"cpu"``, ``"cuda"`` or None (CUDA when available).
    data_path : str, optional
        Folder holding the MNIST files (else ``$IPCORE_DATA``, the cache, a download).
    progress : bool, default True
        Show a progress bar.
    use_cache : bool, default True
        Load a stored result and store this one.

    Returns
    -------
    MNISTPlaneRun
        The bounds and errors at the logged epochs.

    Raises
    ------
    ValueError
        If ``device`` is unknown, or the MNIST files cannot be found.
    """
    data = mnist_splits(path=data_path, seed=config.split_seed)
    key = {**asdict(config), "standard_split": data["standard"]}
    cached = CachedRun("saxe_mnist", key, modules=MNIST_PLANE_MODULES) if use_cache else None
    if cached is not None and cached.done:
        return cached.load()
    dev = resolve_device(device)
    test = load_mnist("test", path=data_path)
    n_train = config.n_train or len(data["y_train"])
    x_tr = torch.as_tensor(data["x_train"][:n_train].reshape(-1, 784), dtype=torch.float32, device=dev) / 255.0
    y_tr = torch.as_tensor(data["y_train"][:n_train], device=dev)
    x_val = torch.as_tensor(data["x_val"].reshape(-1, 784), dtype=torch.float32, device=dev) / 255.0
    y_val = torch.as_tensor(data["y_val"], device=dev)
    x_me = torch.as_tensor(test.images[:config.n_measure].reshape(-1, 784), dtype=torch.float32, device=dev) / 255.0
    y_me = test.labels[:config.n_measure]

    torch.manual_seed(config.seed)
    model = NoisyMLP(config.widths, config.activation, 0.0, init=config.init).to(dev)
    n_hidden = len(config.widths) - 2
    names = [f"hidden.{i}.2" for i in range(n_hidden)] + ["output"]
    timings: dict[str, float] = {}

    def reduce(snap: Snapshot) -> Snapshot:
        started = time.perf_counter()
        for i, name in enumerate(names):
            t = torch.as_tensor(snap.clean[name], dtype=torch.float64)
            if name == "output":
                t = torch.softmax(t, dim=-1)
            kde = kde_information_batch(t[None], y_me, beta=math.sqrt(config.kde_variance), lower=False)  # batched: the dense kernel
            snap.metrics[f"mi_x_{i}"], snap.metrics[f"mi_y_{i}"] = float(kde["mi_x_upper"][0]), float(kde["mi_y_upper"][0])
        snap.clean = {}
        timings["estimation"] = timings.get("estimation", 0.0) + time.perf_counter() - started
        return snap

    recorder = Recorder(model, x_me, logging_schedule(config.schedule, config.epochs, config.n_log), reduce=reduce,
                        outputs=["output"])

    def error(m: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
        return float((chunked_logits(m, x).argmax(1) != y).float().mean())

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        return {"train_error": error(m, x_tr, y_tr), "val_error": error(m, x_val, y_val)}

    train(model, x_tr, y_tr, loss_fn=chunked_cross_entropy, epochs=config.epochs, lr=config.lr, batch_size=config.batch_size,
          recorder=recorder, seed=config.seed, progress=progress, desc=f"MNIST MLP ({config.activation})",
          evaluate=evaluate, store=cached, optimizer=config.optimizer, timings=timings)
    snaps = recorder.snapshots
    run = MNISTPlaneRun(
        config=config, epochs=np.array([s.epoch for s in snaps]),
        layers=[f"layer {i + 1}" for i in range(n_hidden)] + ["softmax"],
        mi_x=np.array([[s.metrics[f"mi_x_{i}"] for i in range(len(names))] for s in snaps]),
        mi_y=np.array([[s.metrics[f"mi_y_{i}"] for i in range(len(names))] for s in snaps]),
        metrics={k: np.array([s.metrics[k] for s in snaps]) for k in ("train_error", "val_error", "loss")},
        label_entropy=labels_entropy(y_me),
        data_note=str(data["note"]), timings=timings,
    )
    if cached is not None:
        cached.save(run)
    return run


def run_mnist_planes(configs: Mapping[str, MNISTPlaneConfig], *, progress: bool = True,
                     **kwargs: Any) -> dict[str, MNISTPlaneRun]:
    """:func:`ipcore.experiments.saxe_nonlinearity.run_mnist_plane` of every config (e.g. one per activation), with a bar over them.

    Parameters
    ----------
    configs : mapping of str to MNISTPlaneConfig
        The runs, keyed (e.g. by activation).
    progress : bool, default True
        Show progress bars.
    **kwargs
        ``device``, ``data_path``, ``use_cache`` of
        :func:`ipcore.experiments.saxe_nonlinearity.run_mnist_plane`.

    Returns
    -------
    dict of str to MNISTPlaneRun
        The runs, under the same keys.
    """
    bar = progress_bar(configs.items(), enabled=progress and len(configs) > 1, total=len(configs), desc="MNIST networks")
    return {key: run_mnist_plane(config, progress=progress, **kwargs) for key, config in bar}


# ------------------------------------------------------------------------------ the chapter


def check_activations(chosen: Sequence[str], name: str) -> None:
    """A chapter's list of activations: non-empty, each of :data:`~ipcore.experiments.saxe_nonlinearity.SAXE_ACTIVATIONS`, each once.

    Parameters
    ----------
    chosen : sequence of str
        The activations given.
    name : str
        The parameter's name, which starts the error message.

    Raises
    ------
    ValueError
        If ``chosen`` is a string or empty, holds an activation Saxe et al. did not compare, or
        holds one twice.

    Examples
    --------
    >>> check_activations(["tanh", "relu"], "activations")
    >>> check_activations(["tanh", "tanh"], "activations")
    Traceback (most recent call last):
    ...
    ValueError: activations: each activation once, got ['tanh', 'tanh']
    """
    if isinstance(chosen, str) or len(chosen) == 0:
        raise ValueError(f"{name}: give a non-empty list of activations from {list(SAXE_ACTIVATIONS)}, got {chosen!r}")
    for a in chosen:
        check_choice(a, name, SAXE_ACTIVATIONS)
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"{name}: each activation once, got {list(chosen)}")


def check_chapter_parameters(*, activations: Sequence[str], n_networks: int | None, szt_kde_variance: float,
                             bin_width: float, mnist_activations: Sequence[str], mnist_kde_variance: float,
                             mnist_epochs: int | None, mnist_lr: float | None, sigmas: Sequence[float] | None,
                             first_seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    activations : sequence of str
        Activations of the SZT networks (see
        :func:`ipcore.experiments.saxe_nonlinearity.check_activations`).
    n_networks : int or None
        Networks per ensemble, a positive integer (None: the profile's).
    szt_kde_variance : float
        Noise variance of the SZT networks' KDE bounds, > 0.
    bin_width : float
        Bin width of the SZT networks' binning, > 0.
    mnist_activations : sequence of str
        Activations of the MNIST networks.
    mnist_kde_variance : float
        Noise variance of the MNIST networks' KDE bounds, > 0.
    mnist_epochs : int or None
        Training epochs of the MNIST networks, at least 2 (None: the profile's).
    mnist_lr : float or None
        Their learning rate, > 0 (None: the profile's).
    sigmas : sequence of float or None
        Noise standard deviations σ of the single neuron, each > 0 (None: the profile's).
    first_seed : int
        Seed of the first network, a non-negative integer.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_chapter_parameters(activations=["tanh", "relu"], n_networks=None, szt_kde_variance=1e-3,
    ...                          bin_width=0.07, mnist_activations=["tanh"], mnist_kde_variance=0.1,
    ...                          mnist_epochs=1, mnist_lr=None, sigmas=None, first_seed=0)
    Traceback (most recent call last):
    ...
    ValueError: mnist_epochs: must be >= 2, got 1
    """
    check_activations(activations, "activations")
    check_activations(mnist_activations, "mnist_activations")
    if n_networks is not None:
        check_positive_int(n_networks, "n_networks")
    check_number(szt_kde_variance, "szt_kde_variance")
    check_number(bin_width, "bin_width")
    check_number(mnist_kde_variance, "mnist_kde_variance")
    if mnist_epochs is not None and check_positive_int(mnist_epochs, "mnist_epochs") < 2:
        raise ValueError(f"mnist_epochs: must be >= 2, got {mnist_epochs}")
    if mnist_lr is not None:
        check_number(mnist_lr, "mnist_lr")
    if sigmas is not None:
        check_positive_numbers(sigmas, "sigmas", meaning="noise standard deviations σ of the neuron")
    check_seed(first_seed, "first_seed")
