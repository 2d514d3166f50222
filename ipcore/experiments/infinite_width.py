"""Information in infinite ensembles of infinitely wide networks (Shwartz-Ziv & Alemi, 2020), on MNIST.

The network is info_ntk's ``FC``: two erf hidden layers, one dense output per class, in the NTK
parameterisation, infinitely wide (:mod:`ipcore.nets.infinite_width`). A few MNIST images (the
shared test set: the first ``train_size`` are the training set, the next ``test_size`` the test
points), pixels scaled as x/128 − 1 and one-hot labels, as info_ntk does. The quantities are
those of :func:`~ipcore.nets.infinite_width.ensemble_information`, over training time t and
for several weight scales σ_w. All information in nats.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ipcore.data import load_mnist
from ipcore.nets.infinite_width import InfiniteEnsemble, ensemble_information
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_number, check_positive_int, check_positive_numbers, check_seed

PROFILES = register_profiles(__name__, {
    "smoke": {"train_size": 20, "test_size": 20, "n_times": 25, "n_samples": 200},
    "paper": {"train_size": 100, "test_size": 100, "n_times": 60, "n_samples": 1000},
})
COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e8c500", "#e8743b"]
QUANTITIES = {
    "information": "I(X;Z) bounds",
    "i_zd_upper": "I(Z;D|X) bound",
    "mse": "MSE (train dashed, test solid)",
    "loss": "test loss (Bayes solid, Gibbs dashed)",
}


def profile_settings(profile: str) -> dict[str, Any]:
    """Resolution settings of ``profile`` (``"smoke"`` or ``"paper"``)."""
    return chapter_settings(__name__, profile)


def check_chapter_parameters(*, train_size: int | None, test_size: int | None, weight_stds: Sequence[float],
                             bias_std: float, t_min: float, t_max: float, seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter."""
    for name, value in (("train_size", train_size), ("test_size", test_size)):
        if value is not None and check_positive_int(value, name) < 2:
            raise ValueError(f"{name}: needs at least 2 images, got {value}")
    if train_size is not None and test_size is not None and train_size + test_size > 10000:
        raise ValueError(f"test_size: train_size + test_size must fit in the 10 000 test images, got {train_size + test_size}")
    check_positive_numbers(weight_stds, "weight_stds", meaning="weight scales σ_w")
    check_number(bias_std, "bias_std", allow_zero=True)
    if check_number(t_max, "t_max") <= check_number(t_min, "t_min"):
        raise ValueError(f"t_max: must exceed t_min = {t_min:g}, got {t_max:g}")
    check_seed(seed)


def mnist_subset(train_size: int, test_size: int, *, data_path: str | None = None) -> dict[str, np.ndarray]:
    """The first ``train_size`` test images as training set, the next ``test_size`` as test points:
    x/128 − 1 (flattened, float64) and one-hot labels over 10 classes."""
    data = load_mnist("test", path=data_path)
    n = check_positive_int(train_size, "train_size") + check_positive_int(test_size, "test_size")
    x = np.asarray(data.images[:n], dtype=np.float64).reshape(n, -1) / 128.0 - 1.0
    y = np.eye(10)[np.asarray(data.labels[:n], dtype=np.int64)]
    return {"x_train": x[:train_size], "y_train": y[:train_size], "x_test": x[train_size:], "y_test": y[train_size:]}


def sweep(subset: dict[str, np.ndarray], *, weight_stds: Sequence[float], bias_std: float, times: Sequence[float],
          n_samples: int, seed: int = 0) -> pd.DataFrame:
    """:func:`ensemble_information` for each weight scale: one row per (weight_std, time)."""
    tables = []
    for w in weight_stds:
        ensemble = InfiniteEnsemble(subset["x_train"], subset["y_train"], weight_std=float(w), bias_std=bias_std)
        table = ensemble_information(ensemble, subset["x_test"], subset["y_test"], times, n_samples=n_samples, seed=seed)
        tables.append(table.assign(weight_std=float(w)))
    return pd.concat(tables, ignore_index=True)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per weight scale: the peak and final I(X;Z) bounds, the final I(Z;D|X) bound and the final test losses."""
    rows = []
    for w, part in table.groupby("weight_std"):
        last = part.iloc[-1]
        rows.append({"σ_w": w, "peak I(X;Z) lower": part.i_xz_lower.max(), "final I(X;Z) lower": last.i_xz_lower,
                     "final I(X;Z) upper": last.i_xz_upper, "final I(Z;D|X) bound": last.i_zd_upper,
                     "final train MSE": last.train_mse, "final test MSE": last.test_mse,
                     "final Bayes loss": last.bayes_loss, "final Gibbs loss": last.gibbs_loss})
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, *, test_size: int) -> plt.Figure:
    """Four panels over training time, one colour per weight scale."""
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.8), constrained_layout=True)
    for k, (w, part) in enumerate(table.groupby("weight_std")):
        colour = COLOURS[k % len(COLOURS)]
        t = part.time.to_numpy()
        axes[0].fill_between(t, part.i_xz_lower, part.i_xz_upper, color=colour, alpha=0.25)
        axes[0].plot(t, part.i_xz_lower, color=colour, label=f"σ_w = {w:g}")
        axes[1].plot(t, part.i_zd_upper, color=colour)
        axes[2].plot(t, part.train_mse, "--", color=colour)
        axes[2].plot(t, part.test_mse, color=colour)
        axes[3].plot(t, part.bayes_loss, color=colour)
        axes[3].plot(t, part.gibbs_loss, "--", color=colour)
    axes[0].axhline(math.log(test_size), color="grey", ls=":", lw=1)
    for ax, title in zip(axes, QUANTITIES.values()):
        ax.set(xscale="log", xlabel="training time t", title=title)
    axes[0].set_ylabel("nats")
    axes[0].legend(fontsize=8)
    return fig


def slider_figure(table: pd.DataFrame, *, test_size: int) -> go.Figure:
    """The I(X;Z) bounds and the I(Z;D|X) bound over t, with a slider over the weight scale σ_w."""
    from ipcore.plotting import beta_slider_figure

    scales = sorted(float(w) for w in table.weight_std.unique())

    def traces(w: float):
        part = table[table.weight_std == w]
        t = part.time.to_numpy()
        yield go.Scatter(x=t, y=part.i_xz_upper, mode="lines", line={"color": COLOURS[1], "width": 1},
                         name="I(X;Z), upper bound"), 1, 1
        yield go.Scatter(x=t, y=part.i_xz_lower, mode="lines", line={"color": COLOURS[1], "width": 2.5},
                         fill="tonexty", name="I(X;Z), lower bound"), 1, 1
        yield go.Scatter(x=t, y=part.i_zd_upper, mode="lines", line={"color": COLOURS[5], "width": 2.5},
                         name="I(Z;D|X), upper bound"), 1, 2

    times = table.time.to_numpy()
    static = [(go.Scatter(x=[times.min(), times.max()], y=[math.log(test_size)] * 2, mode="lines", name="ln K",
                          line={"color": "grey", "dash": "dot", "width": 1}), 1, 1)]
    fig = beta_slider_figure(scales, traces, rows=1, cols=2, static_traces=static, label="σ_w",
                             subplot_titles=("I(X;Z) between its bounds [nats]", "I(Z;D|X) bound [nats]"),
                             title=lambda w: f"Infinite ensemble, weight scale σ_w = {w:g}", height=430)
    fig.update_xaxes(type="log", title_text="training time t")
    return fig
