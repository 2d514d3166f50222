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
   upper bound with noise variance 0.1 (:func:`run_mnist_plane`).
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
    """The resolution settings of ``profile`` (``"smoke"`` or ``"paper"``)."""
    return chapter_settings(__name__, profile)


# ------------------------------------------------------------------------------ one neuron


def neuron_binning(activation: str) -> dict[str, Any]:
    """The bins of the single neuron: IDNNs' edges for bounded f, width 2/29 for unbounded f."""
    return {"edges": SZT_EDGES} if activation in DOUBLE_SATURATING else {"width": NEURON_BIN_WIDTH}


def neuron_table(weights: Sequence[float], sigmas: Sequence[float],
                 activations: Sequence[str] = SAXE_ACTIVATIONS) -> pd.DataFrame:
    """I(T;X) of one neuron T = f(wX), X ~ N(0, 1), for every activation and weight w: binned
    (column ``binned``, :func:`neuron_binning`'s bins) and with noise of std σ instead of bins
    (one column ``noise <σ>`` per σ). Exact (no sampling), in nats; one row per (activation, w)."""
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
    the largest w, and the fall from the peak to there (nats)."""
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
    with Gaussian noise of std σ instead of bins; the slider moves σ."""
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
    """The mean information plane of some networks: I(X;T) and I(T;Y) per logged epoch and layer (nats)."""

    epochs: np.ndarray  #: (E,)
    layers: list[str]
    mi_x: np.ndarray  #: (E, L)
    mi_y: np.ndarray  #: (E, L)
    label_entropy: float  #: H(Y), the ceiling of I(T;Y)
    input_entropy: float  #: ln of the number of inputs measured, the ceiling of I(X;T)


def szt_planes(run: PlaneRun) -> dict[str, Plane]:
    """The binned plane and, when the run recorded them, the KDE upper bounds, averaged over its networks."""
    out = {"binning": Plane(run.epochs, run.layers, run.mi_x.mean(0), run.mi_y.mean(0), run.label_entropy, math.log(4096))}
    if run.mi_x_kde is not None:
        out["KDE"] = Plane(run.epochs, run.layers, run.mi_x_kde.mean(0), run.mi_y_kde.mean(0), run.label_entropy,
                           math.log(4096))
    return out


def szt_configs(profile: str, activations: Sequence[str] = SAXE_ACTIVATIONS, *, n_networks: int | None = None,
                **overrides: Any) -> dict[str, PlaneConfig]:
    """One ensemble per activation with ibsgd's set-up (:data:`SZT_SETUP`) at the profile's
    resolution; ``overrides`` (kde_variance, bin_width, first_seed, …) apply to all."""
    settings = profile_settings(profile)["szt"]
    if n_networks is not None:
        settings["n_networks"] = n_networks
    return {a: PlaneConfig(**{**SZT_SETUP, **settings, **overrides, "activation": check_choice(a, "activations", ACTIVATIONS)})
            for a in activations}


def compression_table(planes: Mapping[str, Mapping[str, Plane]]) -> pd.DataFrame:
    """Per network kind (e.g. activation), measure and layer: I(X;T) at the first logged epoch,
    at its peak and at the end, and its largest fall after a peak (:func:`compression`, nats)."""
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
    """One Markdown line per network kind of a :func:`compression_table`: which hidden layers
    fall by more than ``threshold`` nats after their peak, by each measure, with the largest fall."""
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
    """One line per layer through its (I(X;T), I(T;Y)) points, markers coloured by log₁₀(epoch + 1)."""
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
    the activation). Axes are fixed across the slider, so planes compare by position."""
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
    """One MNIST MLP of Saxe et al. (ibsgd's MNIST set-up; its 10 000 epochs are a parameter)."""

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
    """The KDE upper bounds of every layer per logged epoch, and the network's errors."""

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
        return Plane(self.epochs, self.layers, self.mi_x, self.mi_y, self.label_entropy, math.log(self.config.n_measure))


def run_mnist_plane(config: MNISTPlaneConfig = MNISTPlaneConfig(), *, device: str | None = None,
                    data_path: str | None = None, progress: bool = True, use_cache: bool = True) -> MNISTPlaneRun:
    """Train one MNIST MLP and measure every layer with the KDE upper bounds (cached).

    Training images come from :func:`ipcore.data.mnist_splits` (the 60 000 training images,
    or, where only the test set exists, 8 000 of the test images); the measured images are the
    first ``n_measure`` MNIST test images, as Saxe et al. measured the test set.
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
    """:func:`run_mnist_plane` of every config (e.g. one per activation), with a bar over them."""
    bar = progress_bar(configs.items(), enabled=progress and len(configs) > 1, total=len(configs), desc="MNIST networks")
    return {key: run_mnist_plane(config, progress=progress, **kwargs) for key, config in bar}


# ------------------------------------------------------------------------------ the chapter


def check_activations(chosen: Sequence[str], name: str) -> None:
    """A chapter's list of activations: non-empty, each of :data:`SAXE_ACTIVATIONS`, each once."""
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
    """Raise ``ValueError`` naming the first bad parameter of the chapter."""
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
