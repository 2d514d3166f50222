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
    """Resolution settings of ``profile`` (``"smoke"`` or ``"paper"``).

    Parameters
    ----------
    profile : str
        One of :data:`ipcore.config.PROFILE_NAMES`.

    Returns
    -------
    dict
        ``train_size`` and ``test_size`` (MNIST images), ``n_times`` (points of the time grid)
        and ``n_samples`` (Monte Carlo samples of the bounds); a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> profile_settings("smoke")
    {'train_size': 20, 'test_size': 20, 'n_times': 25, 'n_samples': 200}
    """
    return chapter_settings(__name__, profile)


def check_chapter_parameters(*, train_size: int | None, test_size: int | None, weight_stds: Sequence[float],
                             bias_std: float, t_min: float, t_max: float, seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    train_size, test_size : int or None
        Training images and test points, at least 2 each, together at most 10 000 (None: the
        profile's).
    weight_stds : sequence of float
        The weight scales σ_w compared, each > 0.
    bias_std : float
        The bias scale σ_b, ≥ 0.
    t_min, t_max : float
        The range of training times, 0 < t_min < t_max.
    seed : int
        A non-negative integer.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_chapter_parameters(train_size=20, test_size=20, weight_stds=[1.0, 2.0], bias_std=0.05,
    ...                          t_min=1.0, t_max=1e4, seed=0)
    >>> check_chapter_parameters(train_size=20, test_size=20, weight_stds=[1.0], bias_std=0.05,
    ...                          t_min=1.0, t_max=0.5, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: t_max: must exceed t_min = 1, got 0.5
    """
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
    x/128 − 1 (flattened, float64) and one-hot labels over 10 classes.

    As info_ntk does, both come from the MNIST test set.

    Parameters
    ----------
    train_size : int
        Training images, a positive integer.
    test_size : int
        Test points, a positive integer.
    data_path : str, optional
        Folder holding the MNIST files (else ``$IPCORE_DATA``, the cache, a download).

    Returns
    -------
    dict of str to ndarray
        ``x_train`` (train_size, 784), ``y_train`` (train_size, 10), ``x_test``
        (test_size, 784), ``y_test`` (test_size, 10).

    Raises
    ------
    ValueError
        If a size is not a positive integer, or the MNIST files cannot be found.
    """
    data = load_mnist("test", path=data_path)
    n = check_positive_int(train_size, "train_size") + check_positive_int(test_size, "test_size")
    x = np.asarray(data.images[:n], dtype=np.float64).reshape(n, -1) / 128.0 - 1.0
    y = np.eye(10)[np.asarray(data.labels[:n], dtype=np.int64)]
    return {"x_train": x[:train_size], "y_train": y[:train_size], "x_test": x[train_size:], "y_test": y[train_size:]}


def sweep(subset: dict[str, np.ndarray], *, weight_stds: Sequence[float], bias_std: float, times: Sequence[float],
          n_samples: int, seed: int = 0) -> pd.DataFrame:
    """:func:`ipcore.nets.infinite_width.ensemble_information` for each weight scale: one row per (weight_std, time).

    Parameters
    ----------
    subset : dict of str to ndarray
        Training and test data, as :func:`ipcore.experiments.infinite_width.mnist_subset`
        returns them.
    weight_stds : sequence of float
        Weight scales σ_w.
    bias_std : float
        The bias scale σ_b.
    times : sequence of float
        Training times t.
    n_samples : int
        Monte Carlo samples of the bounds.
    seed : int, default 0
        Seed of the Monte Carlo samples.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`ipcore.nets.infinite_width.ensemble_information` (time, the
        bounds i_xz_lower, i_xz_upper, i_zd_upper in nats, the losses and errors) and
        ``weight_std``.

    Examples
    --------
    A sweep over made-up data (4 training and 4 test points in 5 dimensions):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(-1, 1, (8, 5)), np.eye(10)[rng.integers(0, 10, 8)]
    >>> subset = {"x_train": x[:4], "y_train": y[:4], "x_test": x[4:], "y_test": y[4:]}
    >>> table = sweep(subset, weight_stds=[1.0, 2.0], bias_std=0.05, times=[1.0, 100.0], n_samples=50)
    >>> table.shape, table.weight_std.tolist()
    ((4, 9), [1.0, 1.0, 2.0, 2.0])
    """
    tables = []
    for w in weight_stds:
        ensemble = InfiniteEnsemble(subset["x_train"], subset["y_train"], weight_std=float(w), bias_std=bias_std)
        table = ensemble_information(ensemble, subset["x_test"], subset["y_test"], times, n_samples=n_samples, seed=seed)
        tables.append(table.assign(weight_std=float(w)))
    return pd.concat(tables, ignore_index=True)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per weight scale: the peak and final I(X;Z) bounds, the final I(Z;D|X) bound and the final test losses.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.infinite_width.sweep`.

    Returns
    -------
    pandas.DataFrame
        One row per σ_w: σ_w, peak I(X;Z) lower, final I(X;Z) lower, final I(X;Z) upper,
        final I(Z;D|X) bound, final train MSE, final test MSE, final Bayes loss, final Gibbs
        loss (information in nats).

    Examples
    --------
    A sweep over made-up data (4 training and 4 test points in 5 dimensions):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(-1, 1, (8, 5)), np.eye(10)[rng.integers(0, 10, 8)]
    >>> subset = {"x_train": x[:4], "y_train": y[:4], "x_test": x[4:], "y_test": y[4:]}
    >>> table = sweep(subset, weight_stds=[1.0, 2.0], bias_std=0.05, times=[1.0, 100.0], n_samples=50)
    >>> summary(table)["σ_w"].tolist()
    [1.0, 2.0]
    """
    rows = []
    for w, part in table.groupby("weight_std"):
        last = part.iloc[-1]
        rows.append({"σ_w": w, "peak I(X;Z) lower": part.i_xz_lower.max(), "final I(X;Z) lower": last.i_xz_lower,
                     "final I(X;Z) upper": last.i_xz_upper, "final I(Z;D|X) bound": last.i_zd_upper,
                     "final train MSE": last.train_mse, "final test MSE": last.test_mse,
                     "final Bayes loss": last.bayes_loss, "final Gibbs loss": last.gibbs_loss})
    return pd.DataFrame(rows)


def figure(table: pd.DataFrame, *, test_size: int) -> plt.Figure:
    """Four panels over training time, one colour per weight scale.

    The panels: the I(X;Z) bounds (ln K, K = ``test_size``, dotted), the I(Z;D|X) bound, the
    train and test MSE, and the Bayes and Gibbs test losses.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.infinite_width.sweep`.
    test_size : int
        K, the number of test points (I(X;Z) ≤ ln K).

    Returns
    -------
    matplotlib.figure.Figure
        One row of four panels.

    Examples
    --------
    A sweep over made-up data (4 training and 4 test points in 5 dimensions):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(-1, 1, (8, 5)), np.eye(10)[rng.integers(0, 10, 8)]
    >>> subset = {"x_train": x[:4], "y_train": y[:4], "x_test": x[4:], "y_test": y[4:]}
    >>> table = sweep(subset, weight_stds=[1.0, 2.0], bias_std=0.05, times=[1.0, 100.0], n_samples=50)
    >>> import matplotlib.pyplot as plt
    >>> fig = figure(table, test_size=4)
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['I(X;Z) bounds', 'I(Z;D|X) bound']
    >>> plt.close(fig)
    """
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
    """The I(X;Z) bounds and the I(Z;D|X) bound over t, with a slider over the weight scale σ_w.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.infinite_width.sweep`.
    test_size : int
        K, the number of test points (ln K is drawn).

    Returns
    -------
    plotly.graph_objects.Figure
        Two panels and a slider.

    Examples
    --------
    A sweep over made-up data (4 training and 4 test points in 5 dimensions):

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.uniform(-1, 1, (8, 5)), np.eye(10)[rng.integers(0, 10, 8)]
    >>> subset = {"x_train": x[:4], "y_train": y[:4], "x_test": x[4:], "y_test": y[4:]}
    >>> table = sweep(subset, weight_stds=[1.0, 2.0], bias_std=0.05, times=[1.0, 100.0], n_samples=50)
    >>> fig = slider_figure(table, test_size=4)
    >>> len(fig.data), fig.layout.title.text
    (7, 'Infinite ensemble, weight scale σ_w = 1')
    """
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
