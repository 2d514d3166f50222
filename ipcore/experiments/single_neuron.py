"""The single tanh neuron: T = tanh(wX + b) + Z, Z ~ N(0, β²).

X is uniform on {−3, −1, 1, 3}; class +1 is {3}, class −1 the rest. Training
(Adam on the logistic loss of the pre-activation wX + b) makes w grow, the
neuron saturates, and tanh(−3w+b), tanh(−w+b), tanh(w+b) merge near −1. Then
I(X;T) falls from ln 4 = 1.386 toward H(¼, ¾) = 0.562 nats.

I(X;T) = h(T) − h(T|X) with h(T) the exact entropy of the 4-component mixture
(:func:`~ipcore.estimators.mixture_entropy_1d`) and h(T|X) = ½ ln(2πeβ²).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_beta, check_number, check_positive_int
from ipcore.estimators import gaussian_entropy, mixture_entropy_1d, mixture_log_density
from ipcore.nets.models import SingleNeuron
from ipcore.nets.training import Recorder, log_spaced_epochs, train

INPUTS = np.array([-3.0, -1.0, 1.0, 3.0])
LABELS = np.array([-1.0, -1.0, -1.0, 1.0])
#: I(X;T) before training for small β: ln 4 nats.
INITIAL_INFORMATION = math.log(4.0)
#: I(X;T) once −3, −1, 1 have merged: H(¼, ¾) nats.
SATURATED_INFORMATION = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))


@dataclass
class SingleNeuronRun:
    """A training trajectory: per recorded epoch, w, b, the loss and the four centers tanh(w x + b).

    Made by :func:`ipcore.experiments.single_neuron.train_single_neuron`; E recorded epochs.

    Parameters
    ----------
    epochs : ndarray of int, shape (E,)
        The recorded epochs.
    w : ndarray, shape (E,)
        The weight w at each recorded epoch.
    b : ndarray, shape (E,)
        The bias b at each recorded epoch.
    loss : ndarray
        The training loss, one value per epoch trained.
    centers : ndarray, shape (E, 4)
        S = tanh(w x_i + b) for the four inputs x_i of :data:`~ipcore.experiments.single_neuron.INPUTS`, the
        means of the four Gaussian components of T.

    Examples
    --------
    A made-up trajectory in which w grows and the neuron saturates:

    >>> import numpy as np
    >>> w, b = np.array([0.5, 2.0, 8.0]), np.array([0.0, 1.0, 5.0])
    >>> run = SingleNeuronRun(epochs=np.array([0, 10, 100]), w=w, b=b, loss=np.array([0.6, 0.3, 0.1]),
    ...                       centers=np.tanh(np.outer(w, INPUTS) + b[:, None]))
    >>> run.centers.round(3)
    array([[-0.905, -0.462,  0.462,  0.905],
           [-1.   , -0.762,  0.995,  1.   ],
           [-1.   , -0.995,  1.   ,  1.   ]])
    """

    epochs: np.ndarray  # (E,)
    w: np.ndarray  # (E,)
    b: np.ndarray  # (E,)
    loss: np.ndarray  # (E,)
    centers: np.ndarray  # (E, 4): S = tanh(w x_i + b)


def _logistic_loss_on_preactivation(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.softplus(-y * model.linear(x.reshape(-1, 1))[:, 0]).mean()


def train_single_neuron(
    *,
    epochs: int = 2500,
    lr: float = 0.01,
    w0: float = 0.5,
    b0: float = 0.0,
    n_records: int = 100,
    train_beta: float = 0.0,
    seed: int = 0,
    progress: bool = True,
) -> SingleNeuronRun:
    """Train the neuron with full-batch Adam and record it at log-spaced epochs.

    ``n_records`` log-spaced epochs in [1, epochs] are recorded, plus epoch 0.
    ``train_beta`` is the noise std during training; it does not enter the
    logistic loss of the pre-activation, so the trajectory is the same for
    every β at which I(X;T) is then measured.

    The loss is the logistic loss of the pre-activation, mean of ln(1 + exp(−y (wx + b))) over
    the four inputs, with labels y = +1 for x = 3 and −1 otherwise.

    Parameters
    ----------
    epochs : int, default 2500
        Full-batch Adam steps, a positive integer.
    lr : float, default 0.01
        Adam's learning rate.
    w0 : float, default 0.5
        Initial weight.
    b0 : float, default 0.0
        Initial bias.
    n_records : int, default 100
        Log-spaced recorded epochs (a positive integer), besides epoch 0.
    train_beta : float, default 0.0
        β, the standard deviation of the neuron's noise while training.
    seed : int, default 0
        Seed of the training noise.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    SingleNeuronRun
        w, b and the centers at the recorded epochs, and the loss of every epoch.

    Raises
    ------
    ValueError
        If ``epochs`` or ``n_records`` is not a positive integer (naming it).

    See Also
    --------
    ipcore.experiments.single_neuron.information_curves : I(X;T) along the trajectory.

    Examples
    --------
    The arguments are checked before training starts:

    >>> train_single_neuron(epochs=0)
    Traceback (most recent call last):
    ...
    ValueError: epochs: must be an integer >= 1, got 0
    """
    epochs = check_positive_int(epochs, "epochs")
    n_records = check_positive_int(n_records, "n_records")
    model = SingleNeuron(beta=train_beta, w=w0, b=b0)
    x = torch.as_tensor(INPUTS, dtype=torch.float64)
    y = torch.as_tensor(LABELS, dtype=torch.float64)
    recorder = Recorder(model, x, log_spaced_epochs(epochs, n_records, include_zero=True), record_parameters=True)
    history = train(
        model, x, y, loss_fn=_logistic_loss_on_preactivation, epochs=epochs, lr=lr,
        recorder=recorder, seed=seed, progress=progress, desc="single neuron",
    )
    snaps = recorder.snapshots
    return SingleNeuronRun(
        epochs=np.array([s.epoch for s in snaps]),
        w=np.array([float(s.parameters["linear.weight"].ravel()[0]) for s in snaps]),
        b=np.array([float(s.parameters["linear.bias"].ravel()[0]) for s in snaps]),
        loss=np.array([h["loss"] for h in history]),
        centers=np.stack([s.clean["noise"][:, 0] for s in snaps]),
    )


def information_curves(run: SingleNeuronRun, betas: Sequence[float]) -> pd.DataFrame:
    """I(X;T) in nats at every recorded epoch for every β, exact (quadrature).

    I(X;T) = h(T) − h(T|X) with h(T) the entropy of the 4-component mixture
    (1/4) Σ_i N(tanh(w x_i + b), β²) (:func:`ipcore.estimators.mixture_entropy_1d`) and
    h(T|X) = ½ ln(2πeβ²).

    Parameters
    ----------
    run : SingleNeuronRun
        The trajectory.
    betas : sequence of float
        Noise standard deviations β, each > 0.

    Returns
    -------
    pandas.DataFrame
        A long table with columns ``epoch``, ``beta``, ``mi``.

    Raises
    ------
    ValueError
        If a β is not a valid noise standard deviation (the message names ``betas``).

    Examples
    --------
    I(X;T) falls from about ln 4 = 1.386 toward H(¼, ¾) = 0.562 nats as the neuron saturates
    (here, with a made-up trajectory, toward ln 2, two merged pairs):

    >>> import numpy as np
    >>> w, b = np.array([0.5, 2.0, 8.0]), np.array([0.0, 1.0, 5.0])
    >>> run = SingleNeuronRun(epochs=np.array([0, 10, 100]), w=w, b=b, loss=np.array([0.6, 0.3, 0.1]),
    ...                       centers=np.tanh(np.outer(w, INPUTS) + b[:, None]))
    >>> print(information_curves(run, [0.01, 0.1]).round(3).to_string(index=False))
     epoch  beta    mi
         0  0.01 1.386
        10  0.01 1.055
       100  0.01 0.708
         0  0.10 1.350
        10  0.10 0.903
       100  0.10 0.693
    >>> information_curves(run, [0.0])
    Traceback (most recent call last):
    ...
    ValueError: betas: must be finite and > 0 (the noise standard deviation), got 0.0
    """
    rows = []
    for beta in betas:
        beta = check_beta(beta, "betas")
        h_noise = gaussian_entropy(1, beta)
        for epoch, centers in zip(run.epochs, run.centers):
            rows.append((int(epoch), beta, mixture_entropy_1d(centers, beta) - h_noise))
    return pd.DataFrame(rows, columns=["epoch", "beta", "mi"])


def density_over_epochs(run: SingleNeuronRun, beta: float, grid: np.ndarray) -> np.ndarray:
    """p_T(t) on ``grid`` at every recorded epoch: shape (E, len(grid)).

    p_T(t) = (1/4) Σ_i φ_β(t − tanh(w x_i + b)), φ_β the density of N(0, β²).

    Parameters
    ----------
    run : SingleNeuronRun
        The trajectory.
    beta : float
        The noise standard deviation β, > 0.
    grid : array_like, shape (G,)
        Points t at which the density is evaluated.

    Returns
    -------
    ndarray, shape (E, G)
        The density of T at each recorded epoch.

    Raises
    ------
    ValueError
        If ``beta`` is not a valid noise standard deviation.

    Examples
    --------
    >>> import numpy as np
    >>> w, b = np.array([0.5, 2.0, 8.0]), np.array([0.0, 1.0, 5.0])
    >>> run = SingleNeuronRun(epochs=np.array([0, 10, 100]), w=w, b=b, loss=np.array([0.6, 0.3, 0.1]),
    ...                       centers=np.tanh(np.outer(w, INPUTS) + b[:, None]))
    >>> density_over_epochs(run, 0.1, np.linspace(-1.25, 1.25, 5)).round(3)
    array([[0.003, 0.284, 0.   , 0.284, 0.003],
           [0.044, 0.393, 0.   , 0.002, 0.082],
           [0.082, 0.002, 0.   , 0.002, 0.088]])
    """
    beta = check_beta(beta)
    grid_t = torch.as_tensor(np.asarray(grid, dtype=np.float64))
    dens = [torch.exp(mixture_log_density(grid_t, c, beta)).numpy() for c in run.centers]
    return np.stack(dens)


# --------------------------------------------------------------------------
# Profiles and figures of the chapter
# --------------------------------------------------------------------------

#: Resolution of each profile: ``smoke`` runs in seconds in CI, ``paper`` is
#: the full-resolution figure.
PROFILES = register_profiles(__name__, {
    "smoke": {"n_records": 40, "n_grid": 241, "n_slider": 7},
    "paper": {"n_records": 120, "n_grid": 321, "n_slider": 11},
})


def profile_settings(profile: str) -> dict[str, int]:
    """Resolution settings of ``profile`` (``"smoke"`` or ``"paper"``).

    Parameters
    ----------
    profile : str
        One of :data:`ipcore.config.PROFILE_NAMES`.

    Returns
    -------
    dict
        ``n_records`` (recorded epochs), ``n_grid`` (points of the density's grid) and
        ``n_slider`` (β values of the slider); a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> profile_settings("smoke")
    {'n_records': 40, 'n_grid': 241, 'n_slider': 7}
    """
    return chapter_settings(__name__, profile)


def check_chapter_parameters(
    *, epochs: int, lr: float, beta: float, mi_betas: Sequence[float], early_epoch: int, late_epoch: int
) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    epochs : int
        Training epochs, a positive integer.
    lr : float
        Learning rate, > 0.
    beta : float
        The β the figure opens at, a noise standard deviation > 0.
    mi_betas : sequence of float
        The β values of the I(X;T) panel, at least one, each > 0.
    early_epoch : int
        The epoch of the first density, in [0, epochs].
    late_epoch : int
        The epoch of the second density, in [0, epochs] and after ``early_epoch``.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_chapter_parameters(epochs=2500, lr=0.01, beta=0.05, mi_betas=[0.01, 0.1],
    ...                          early_epoch=10, late_epoch=2500)
    >>> check_chapter_parameters(epochs=2500, lr=0.01, beta=0.05, mi_betas=[0.01, 0.1],
    ...                          early_epoch=50, late_epoch=10)
    Traceback (most recent call last):
    ...
    ValueError: early_epoch: must be before late_epoch (50 >= 10)
    """
    check_positive_int(epochs, "epochs")
    check_number(lr, "lr")
    check_beta(beta, "beta")
    if len(mi_betas) == 0:
        raise ValueError("mi_betas: give at least one β")
    for b in mi_betas:
        check_beta(b, "mi_betas")
    for name, value in (("early_epoch", early_epoch), ("late_epoch", late_epoch)):
        if not isinstance(value, (int, np.integer)) or not 0 <= value <= epochs:
            raise ValueError(f"{name}: must be an integer in [0, epochs={epochs}], got {value!r}")
    if early_epoch >= late_epoch:
        raise ValueError(f"early_epoch: must be before late_epoch ({early_epoch} >= {late_epoch})")


def slider_betas(n: int, low: float = 0.005, high: float = 0.2) -> list[float]:
    """``n`` log-spaced β values in [low, high], rounded to 2 significant digits.

    Parameters
    ----------
    n : int
        Number of values.
    low : float, default 0.005
        The smallest β.
    high : float, default 0.2
        The largest β.

    Returns
    -------
    list of float
        The slider's β values, increasing.

    Examples
    --------
    >>> slider_betas(5)
    [0.005, 0.013, 0.032, 0.08, 0.2]
    """
    return [float(f"{b:.2g}") for b in np.geomspace(low, high, n)]


def nearest_recorded(run: SingleNeuronRun, epoch: int) -> int:
    """Index of the recorded epoch nearest to ``epoch`` (ValueError beyond the run).

    Parameters
    ----------
    run : SingleNeuronRun
        The trajectory.
    epoch : int
        An epoch in [0, last recorded epoch].

    Returns
    -------
    int
        The index into ``run.epochs``.

    Raises
    ------
    ValueError
        If ``epoch`` lies outside the trained range (naming ``epoch``).

    Examples
    --------
    >>> import numpy as np
    >>> w, b = np.array([0.5, 2.0, 8.0]), np.array([0.0, 1.0, 5.0])
    >>> run = SingleNeuronRun(epochs=np.array([0, 10, 100]), w=w, b=b, loss=np.array([0.6, 0.3, 0.1]),
    ...                       centers=np.tanh(np.outer(w, INPUTS) + b[:, None]))
    >>> nearest_recorded(run, 30), nearest_recorded(run, 80)
    (1, 2)
    >>> nearest_recorded(run, 101)
    Traceback (most recent call last):
    ...
    ValueError: epoch: 101 is outside the trained range [0, 100]
    """
    if not 0 <= epoch <= run.epochs[-1]:
        raise ValueError(f"epoch: {epoch} is outside the trained range [0, {run.epochs[-1]}]")
    return int(np.argmin(np.abs(run.epochs - epoch)))


def chapter_figure(
    run: SingleNeuronRun,
    *,
    betas: Sequence[float],
    mi_betas: Sequence[float],
    early_epoch: int,
    late_epoch: int,
    n_grid: int = 241,
    active_beta: float | None = None,
):
    """The chapter's interactive figure: density of T at two epochs, its heat map over epochs, I(X;T).

    The slider selects β among ``betas``; the right panel always shows
    I(X;T) for ``mi_betas`` and highlights the selected β.

    Parameters
    ----------
    run : SingleNeuronRun
        The trajectory.
    betas : sequence of float
        The slider's β values.
    mi_betas : sequence of float
        The β values whose I(X;T) curves are always drawn.
    early_epoch : int
        Epoch of the first density (the nearest recorded one is drawn).
    late_epoch : int
        Epoch of the second density.
    n_grid : int, default 241
        Points of the grid of t on [−1.25, 1.25].
    active_beta : float, optional
        The β shown first (the first of ``betas`` if it is not one of them).

    Returns
    -------
    plotly.graph_objects.Figure
        Three panels and a β slider.

    Raises
    ------
    ValueError
        If an epoch lies outside the run, or a β is not a valid noise standard deviation.

    Examples
    --------
    >>> import numpy as np
    >>> w, b = np.array([0.5, 2.0, 8.0]), np.array([0.0, 1.0, 5.0])
    >>> run = SingleNeuronRun(epochs=np.array([0, 10, 100]), w=w, b=b, loss=np.array([0.6, 0.3, 0.1]),
    ...                       centers=np.tanh(np.outer(w, INPUTS) + b[:, None]))
    >>> fig = chapter_figure(run, betas=[0.01, 0.1], mi_betas=[0.01, 0.1], early_epoch=0, late_epoch=100,
    ...                      n_grid=21)
    >>> len(fig.data), fig.layout.title.text
    (12, 'Single tanh neuron, β = 0.01')
    """
    import plotly.graph_objects as go

    from ipcore.plotting import beta_slider_figure

    i_early, i_late = nearest_recorded(run, early_epoch), nearest_recorded(run, late_epoch)
    grid = np.linspace(-1.25, 1.25, n_grid)
    curves = information_curves(run, sorted(set(betas) | set(mi_betas)))
    ep = np.maximum(run.epochs, 1)  # epoch 0 drawn at 1 on the log axis
    palette = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725", "#e66101"]
    static = []
    for k, b in enumerate(mi_betas):
        c = curves[curves.beta == b]
        static.append((go.Scatter(x=ep, y=c.mi.to_numpy(), mode="lines", name=f"I, β={b:g}", showlegend=False,
                                  line={"width": 1.2, "color": palette[k % len(palette)]}, opacity=0.6), 1, 3))
    static.append((go.Scatter(x=[ep[0], ep[-1]], y=[INITIAL_INFORMATION] * 2, mode="lines", name="ln 4",
                              showlegend=False, line={"dash": "dash", "color": "grey", "width": 1}), 1, 3))
    static.append((go.Scatter(x=[ep[0], ep[-1]], y=[SATURATED_INFORMATION] * 2, mode="lines", name="H(¼,¾)",
                              showlegend=False, line={"dash": "dot", "color": "grey", "width": 1}), 1, 3))

    def traces(beta: float):
        dens = density_over_epochs(run, beta, grid)
        c = curves[curves.beta == beta]
        yield go.Scatter(x=grid, y=dens[i_early], name=f"epoch {run.epochs[i_early]}", line={"color": "#3b528b"}), 1, 1
        yield go.Scatter(x=grid, y=dens[i_late], name=f"epoch {run.epochs[i_late]}", line={"color": "#e66101"}), 1, 1
        yield go.Heatmap(x=ep, y=grid, z=np.round(np.log10(np.maximum(dens.T, 1e-3)), 2), zmin=-3,
                         colorscale="Viridis", colorbar={"title": {"text": "log₁₀ p"}, "x": 0.635, "len": 0.75, "thickness": 12},
                         showscale=True, name="log density"), 1, 2
        yield go.Scatter(x=ep, y=c.mi.to_numpy(), mode="lines+markers", name="I(X;T), selected β",
                         line={"width": 3, "color": "black"}, marker={"size": 4}), 1, 3

    active = list(betas).index(active_beta) if active_beta in betas else 0
    fig = beta_slider_figure(
        betas, traces, rows=1, cols=3, static_traces=static, active=active,
        subplot_titles=("density of T", "density of T over epochs", "I(X;T) [nats]"),
        title=lambda b: f"Single tanh neuron, β = {b:g}", horizontal_spacing=0.1,
    )
    fig.update_xaxes(title_text="t", row=1, col=1)
    fig.update_xaxes(title_text="epoch", type="log", row=1, col=2)
    fig.update_yaxes(title_text="t", row=1, col=2)
    fig.update_xaxes(title_text="epoch", type="log", row=1, col=3)
    fig.update_layout(legend={"orientation": "h", "x": 1.0, "xanchor": "right", "y": 1.12}, height=540)
    return fig


def live_explorer(run: SingleNeuronRun, *, beta: float = 0.05, epoch: int | None = None):
    """An ipywidgets control (for a live kernel) that recomputes the figure for any β and epoch.

    Parameters
    ----------
    run : SingleNeuronRun
        The trajectory.
    beta : float, default 0.05
        The β the log slider (on [1e-3, 1]) starts at.
    epoch : int, optional
        The epoch the epoch slider starts at (the nearest recorded one; default the last).

    Returns
    -------
    ipywidgets.Widget
        The control (:func:`ipcore.plotting.live_control`): the density of T at the chosen
        epoch, and I(X;T) over epochs at the chosen β.

    Raises
    ------
    ValueError
        If ``epoch`` lies outside the run.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ipcore.plotting import live_control, log_slider

    grid = np.linspace(-1.25, 1.25, 401)
    start = int(run.epochs[-1] if epoch is None else run.epochs[nearest_recorded(run, epoch)])

    def draw(beta: float, epoch: int) -> plt.Figure:
        i = nearest_recorded(run, int(epoch))
        mi = information_curves(run, [float(beta)])
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
        ax1.plot(grid, density_over_epochs(run, float(beta), grid)[i])
        ax1.set(xlabel="t", ylabel="density", title=f"epoch {run.epochs[i]}, β = {beta:.4g}")
        ax2.semilogx(np.maximum(run.epochs, 1), mi.mi, "k.-")
        ax2.axhline(INITIAL_INFORMATION, ls="--", c="grey")
        ax2.axhline(SATURATED_INFORMATION, ls=":", c="grey")
        ax2.set(xlabel="epoch", ylabel="I(X;T) [nats]")
        return fig

    return live_control(draw, {
        "beta": log_slider(beta, low=1e-3, high=1.0),
        "epoch": widgets.SelectionSlider(options=[int(e) for e in run.epochs], value=start, description="epoch"),
    })
