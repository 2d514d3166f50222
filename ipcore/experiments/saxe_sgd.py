"""Saxe et al. (2018): compression without stochasticity, mini-batch SGD against full-batch descent.

tanh and ReLU SZT networks (ibsgd's set-up, :data:`~ipcore.experiments.saxe_nonlinearity.SZT_SETUP`)
train twice: on mini-batches of 256, and on the whole training set at every step (one
deterministic update per epoch; the optimizer, Adam by default as in ibsgd, is the same). Both
are measured by binning (and optionally the KDE bound) through the many-networks plane.

The gradient signal-to-noise ratio needs a batch-to-batch spread, which a full-batch run does
not have. So in both regimes it is measured the same way: at each logged epoch, the gradients
of mini-batches of 256 drawn only for the measurement, at that epoch's parameters
(``gradient_batch_size``), and SNR = ‖mean‖ / ‖std‖ over those batches, per weight matrix.
All information in nats.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
from ipcore.experiments.information_plane_chapter import snr, snr_transition
from ipcore.experiments.saxe_linear import compression
from ipcore.experiments.saxe_nonlinearity import LAYER_COLOURS, SZT_SETUP, Plane, check_activations, szt_planes
from ipcore.validation import check_choice, check_number, check_positive_int, check_seed

#: The two regimes: the training batch size (None: the whole training set).
REGIMES: dict[str, int | None] = {"mini-batch": 256, "full batch": None}
#: Batches drawn at each logged epoch to measure the gradients' mean and spread.
MEASUREMENT_BATCH = 256

#: ``smoke`` trains 400 epochs at 7.5× the paper's learning rate (binning only); ``paper``
#: trains ibsgd's 10 000 epochs at its rate, 10 networks per activation and regime.
PROFILES = register_profiles(__name__, {
    "smoke": {"n_networks": 2, "epochs": 400, "lr": 3e-3, "schedule": "log10", "n_log": 16},
    "paper": {"n_networks": 10, "epochs": 10000, "lr": 4e-4, "schedule": "log10", "n_log": 60},
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
        Fields of :class:`ipcore.experiments.information_plane.PlaneConfig`: ``n_networks``,
        ``epochs``, ``lr``, ``schedule``, ``n_log``; a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> profile_settings("smoke")
    {'n_networks': 2, 'epochs': 400, 'lr': 0.003, 'schedule': 'log10', 'n_log': 16}
    """
    return chapter_settings(__name__, profile)


def configs(profile: str, activations: Sequence[str] = ("tanh", "relu"), *, n_networks: int | None = None,
            **overrides: Any) -> dict[tuple[str, str], PlaneConfig]:
    """One ensemble per (activation, regime) of :data:`~ipcore.experiments.saxe_sgd.REGIMES`, keyed so; ``overrides``
    (kde_variance, bin_width, optimizer, first_seed, …) apply to all.

    Every ensemble has ibsgd's set-up
    (:data:`ipcore.experiments.saxe_nonlinearity.SZT_SETUP`, no KDE bounds unless
    ``kde_variance`` is given) and measures its gradients on batches of
    :data:`~ipcore.experiments.saxe_sgd.MEASUREMENT_BATCH` drawn for the purpose, so that both regimes get an SNR.

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"``.
    activations : sequence of str, default ("tanh", "relu")
        The activations.
    n_networks : int, optional
        Networks per ensemble (default: the profile's).
    **overrides
        Fields of :class:`ipcore.experiments.information_plane.PlaneConfig`.

    Returns
    -------
    dict of (str, str) to PlaneConfig
        Keyed by (activation, regime), regime ``"mini-batch"`` or ``"full batch"``.

    Raises
    ------
    ValueError
        If ``profile`` is unknown or a field is out of range.

    Examples
    --------
    >>> for key, config in configs("smoke", ("tanh",)).items():
    ...     print(key, config.batch_size, config.gradient_batch_size)
    ('tanh', 'mini-batch') 256 256
    ('tanh', 'full batch') None 256
    """
    settings = profile_settings(profile)
    if n_networks is not None:
        settings["n_networks"] = n_networks
    setup = {**SZT_SETUP, "kde_variance": None, **settings, **overrides, "gradient_batch_size": MEASUREMENT_BATCH}
    return {(a, regime): PlaneConfig(**{**setup, "activation": a, "batch_size": size})
            for a in activations for regime, size in REGIMES.items()}


def planes(runs: Mapping[tuple[str, str], PlaneRun], measure: str = "binning") -> dict[str, dict[str, Plane]]:
    """{activation: {regime: mean plane}} of one measure ("binning" or "KDE").

    Parameters
    ----------
    runs : mapping of (str, str) to PlaneRun
        The runs keyed by (activation, regime), as :func:`ipcore.experiments.saxe_sgd.configs`.
    measure : str, default "binning"
        ``"binning"``, or ``"KDE"`` for runs with KDE bounds.

    Returns
    -------
    dict of str to dict of str to Plane
        The mean planes (:func:`ipcore.experiments.saxe_nonlinearity.szt_planes`), for
        :func:`ipcore.experiments.saxe_nonlinearity.plane_slider_figure`.

    Raises
    ------
    KeyError
        If a run has no planes of ``measure``.

    Examples
    --------
    A made-up ensemble of 2 networks (a hidden layer and the softmax), used for both regimes:

    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> runs = {("tanh", "mini-batch"): run, ("tanh", "full batch"): run}
    >>> {activation: sorted(by_regime) for activation, by_regime in planes(runs).items()}
    {'tanh': ['full batch', 'mini-batch']}
    """
    out: dict[str, dict[str, Plane]] = {}
    for (activation, regime), run in runs.items():
        out.setdefault(activation, {})[regime] = szt_planes(run)[measure]
    return out


def summary(runs: Mapping[tuple[str, str], PlaneRun]) -> pd.DataFrame:
    """Per activation and regime: the largest fall of any hidden layer's mean binned I(X;T)
    after its peak, that of the last hidden layer with the epoch of its peak, the first epoch
    after the SNR's maximum at which the SNR of the last hidden layer's weights is below 1, the
    final SNR, and the final test accuracy (mean over the networks).

    Falls are :func:`ipcore.experiments.saxe_linear.compression` (nats), the SNR epoch
    :func:`ipcore.experiments.information_plane_chapter.snr_transition`.

    Parameters
    ----------
    runs : mapping of (str, str) to PlaneRun
        The runs keyed by (activation, regime).

    Returns
    -------
    pandas.DataFrame
        One row per run: activation, regime, largest hidden fall, ``<last layer> fall``,
        ``<last layer> peak epoch``, SNR < 1 from epoch, final SNR, test accuracy.

    Examples
    --------
    A made-up ensemble of 2 networks (a hidden layer and the softmax), used for both regimes:

    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> runs = {("tanh", "mini-batch"): run, ("tanh", "full batch"): run}
    >>> print(summary(runs).round(3).to_string(index=False))
    activation     regime  largest hidden fall  layer 1 fall  layer 1 peak epoch  SNR < 1 from epoch  final SNR  test accuracy
          tanh mini-batch                  0.8           0.8                  10                  99        0.4            0.9
          tanh full batch                  0.8           0.8                  10                  99        0.4            0.9
    """
    rows = []
    for (activation, regime), run in runs.items():
        mi = run.mi_x.mean(0)  # (E, L)
        hidden = [ell for ell, name in enumerate(run.layers) if name != "softmax"]
        last = hidden[-1]
        ratio = snr(run)["snr"]  # (E, W); weight ℓ feeds layer ℓ + 1
        rows.append({
            "activation": activation, "regime": regime,
            "largest hidden fall": max(compression(mi[:, ell]) for ell in hidden),
            f"{run.layers[last]} fall": compression(mi[:, last]),
            f"{run.layers[last]} peak epoch": int(run.epochs[int(np.argmax(mi[:, last]))]),
            "SNR < 1 from epoch": snr_transition(run.epochs, ratio[:, last]),
            "final SNR": float(ratio[-1, last]),
            "test accuracy": float(run.metrics["test_acc"][:, -1].mean()),
        })
    return pd.DataFrame(rows)


def snr_figure(runs: Mapping[tuple[str, str], PlaneRun]) -> plt.Figure:
    """SNR = ‖mean‖ / ‖std‖ of the measured batch gradients per weight matrix over epochs
    (log–log), one panel per activation (rows) and regime (columns); the dotted line is SNR = 1,
    the grey band marks where the last hidden layer's mean binned I(X;T) falls from its peak.

    The band is drawn when that fall exceeds 0.05 nats.

    Parameters
    ----------
    runs : mapping of (str, str) to PlaneRun
        The runs keyed by (activation, regime).

    Returns
    -------
    matplotlib.figure.Figure
        A grid of panels, activations by regimes.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> runs = {("tanh", "mini-batch"): run, ("tanh", "full batch"): run}
    >>> import matplotlib.pyplot as plt
    >>> fig = snr_figure(runs)
    >>> [ax.get_title() for ax in fig.axes]
    ['tanh, mini-batch', 'tanh, full batch']
    >>> plt.close(fig)
    """
    activations = list(dict.fromkeys(a for a, _ in runs))
    regimes = list(dict.fromkeys(r for _, r in runs))
    fig, axes = plt.subplots(len(activations), len(regimes), figsize=(4.6 * len(regimes), 3.0 * len(activations)),
                             sharex=True, sharey=True, squeeze=False, constrained_layout=True)
    for i, activation in enumerate(activations):
        for j, regime in enumerate(regimes):
            ax, run = axes[i, j], runs[(activation, regime)]
            ratio = snr(run)["snr"]
            epochs = np.maximum(run.epochs, 1)
            targets = [name for name in run.layers if name != "softmax"] + ["output"]
            for w in range(ratio.shape[1]):
                ax.plot(epochs, ratio[:, w], color=LAYER_COLOURS[w % len(LAYER_COLOURS)], lw=1.2,
                        label=f"into {targets[w]}")
            mi = run.mi_x.mean(0)[:, len(targets) - 2]
            peak = int(np.argmax(mi))
            if mi[peak] - mi[-1] > 0.05:
                ax.axvspan(epochs[peak], epochs[-1], color="0.85", zorder=0, label="last hidden layer compresses")
            ax.axhline(1.0, color="k", ls=":", lw=1)
            ax.set(xscale="log", yscale="log", title=f"{activation}, {regime}")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel("gradient SNR ‖mean‖/‖std‖")
    axes[0, -1].legend(fontsize=7, loc="lower left")
    return fig


def check_chapter_parameters(*, activations: Sequence[str], n_networks: int | None, epochs: int | None,
                             lr: float | None, optimizer: str, bin_width: float, kde_variance: float | None,
                             first_seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    activations : sequence of str
        Activations (see :func:`ipcore.experiments.saxe_nonlinearity.check_activations`).
    n_networks : int or None
        Networks per ensemble, a positive integer (None: the profile's).
    epochs : int or None
        Training epochs, at least 2 (None: the profile's).
    lr : float or None
        Learning rate, > 0 (None: the profile's).
    optimizer : str
        ``"adam"`` or ``"sgd"``.
    bin_width : float
        Bin width, > 0.
    kde_variance : float or None
        Noise variance of the KDE bounds, > 0 (None: none).
    first_seed : int
        A non-negative integer.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_chapter_parameters(activations=["tanh"], n_networks=None, epochs=None, lr=None,
    ...                          optimizer="rmsprop", bin_width=0.07, kde_variance=None, first_seed=0)
    Traceback (most recent call last):
    ...
    ValueError: optimizer: must be one of ['adam', 'sgd'], got 'rmsprop'
    """
    check_activations(activations, "activations")
    if n_networks is not None:
        check_positive_int(n_networks, "n_networks")
    if epochs is not None and check_positive_int(epochs, "epochs") < 2:
        raise ValueError(f"epochs: must be >= 2, got {epochs}")
    if lr is not None:
        check_number(lr, "lr")
    check_choice(optimizer, "optimizer", ("adam", "sgd"))
    check_number(bin_width, "bin_width")
    if kde_variance is not None:
        check_number(kde_variance, "kde_variance")
    check_seed(first_seed, "first_seed")


def compressed(table: pd.DataFrame, activation: str, regime: str) -> float:
    """The largest hidden fall of one row of :func:`~ipcore.experiments.saxe_sgd.summary` (NaN when the row is absent).

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.saxe_sgd.summary`.
    activation : str
        The row's activation.
    regime : str
        The row's regime, ``"mini-batch"`` or ``"full batch"``.

    Returns
    -------
    float
        The largest fall (nats), or NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"activation": ["tanh"], "regime": ["full batch"], "largest hidden fall": [0.8]})
    >>> compressed(table, "tanh", "full batch"), compressed(table, "relu", "full batch")
    (0.8, nan)
    """
    row = table[(table.activation == activation) & (table.regime == regime)]
    return float(row["largest hidden fall"].iloc[0]) if len(row) else math.nan
