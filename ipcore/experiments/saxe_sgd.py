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
    """The resolution settings of ``profile`` (``"smoke"`` or ``"paper"``)."""
    return chapter_settings(__name__, profile)


def configs(profile: str, activations: Sequence[str] = ("tanh", "relu"), *, n_networks: int | None = None,
            **overrides: Any) -> dict[tuple[str, str], PlaneConfig]:
    """One ensemble per (activation, regime) of :data:`REGIMES`, keyed so; ``overrides``
    (kde_variance, bin_width, optimizer, first_seed, …) apply to all."""
    settings = profile_settings(profile)
    if n_networks is not None:
        settings["n_networks"] = n_networks
    setup = {**SZT_SETUP, "kde_variance": None, **settings, **overrides, "gradient_batch_size": MEASUREMENT_BATCH}
    return {(a, regime): PlaneConfig(**{**setup, "activation": a, "batch_size": size})
            for a in activations for regime, size in REGIMES.items()}


def planes(runs: Mapping[tuple[str, str], PlaneRun], measure: str = "binning") -> dict[str, dict[str, Plane]]:
    """{activation: {regime: mean plane}} of one measure ("binning" or "KDE")."""
    out: dict[str, dict[str, Plane]] = {}
    for (activation, regime), run in runs.items():
        out.setdefault(activation, {})[regime] = szt_planes(run)[measure]
    return out


def summary(runs: Mapping[tuple[str, str], PlaneRun]) -> pd.DataFrame:
    """Per activation and regime: the largest fall of any hidden layer's mean binned I(X;T)
    after its peak, that of the last hidden layer with the epoch of its peak, the first epoch
    after the SNR's maximum at which the SNR of the last hidden layer's weights is below 1, the
    final SNR, and the final test accuracy (mean over the networks)."""
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
    the grey band marks where the last hidden layer's mean binned I(X;T) falls from its peak."""
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
    """Raise ``ValueError`` naming the first bad parameter of the chapter."""
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
    """The largest hidden fall of one row of :func:`summary` (NaN when the row is absent)."""
    row = table[(table.activation == activation) & (table.regime == regime)]
    return float(row["largest hidden fall"].iloc[0]) if len(row) else math.nan
