"""Profiles, tables and figures of the information-plane chapter, from (cached) plane runs.

The runs come from :func:`ipcore.experiments.information_plane.run_plane`; this module
chooses their parameters per profile and turns them into what a reader looks at.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from matplotlib.colors import LogNorm

from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_beta, check_beta_grid
from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
from ipcore.plotting import beta_slider_figure

LN_4096 = math.log(4096)
NATS_PER_BIT = math.log(2)
LAYER_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e8c500", "#e8743b"]
#: A layer whose mean I(X;T) falls by less than this from its peak (nats) is not marked as compressing.
COMPRESSION_SHOWN = 0.05


#: The chapter's profiles: the deterministic ensemble, the noisy ensembles (one per β of the
#: slider grid) and that grid. ``smoke`` (CI) trains 600 (400) epochs at 7.5× the paper's
#: learning rate, so that fitting, compression and the fall of the gradient SNR all happen in
#: seconds.
PROFILES = register_profiles(__name__, {
    "smoke": {"deterministic": {"n_networks": 4, "epochs": 600, "lr": 3e-3, "n_log": 70},
              "noisy": {"n_networks": 2, "epochs": 400, "lr": 3e-3, "n_log": 12, "replicas": 8},
              "betas": (0.005, 0.05)},
    "paper": {"deterministic": {"n_networks": 50, "epochs": 10000, "lr": 4e-4, "n_log": 400},
              "noisy": {"n_networks": 10, "epochs": 10000, "lr": 4e-4, "n_log": 30, "replicas": 30},
              "betas": (0.005, 0.01, 0.02, 0.05, 0.1)},
})


def chapter_configs(profile: str, *, beta: float, betas: Sequence[float] | None = None, n_networks: int | None = None,
                    noisy_networks: int | None = None, **overrides: Any) -> tuple[PlaneConfig, dict[float, PlaneConfig]]:
    """The chapter's deterministic config and its noisy configs keyed by β (the slider grid
    ``betas``, or the profile's, which must contain ``beta``). ``overrides`` (split, schedule,
    binning, batch size, seed, …) apply to all; None counts take the profile's.

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"`` (see :data:`~ipcore.experiments.information_plane_chapter.PROFILES`).
    beta : float
        The noise standard deviation β the chapter opens at, > 0; one of the grid.
    betas : sequence of float, optional
        The slider grid of β (default: the profile's).
    n_networks : int, optional
        Networks of the deterministic ensemble (default: the profile's).
    noisy_networks : int, optional
        Networks of each noisy ensemble (default: the profile's).
    **overrides
        Fields of :class:`ipcore.experiments.information_plane.PlaneConfig`.

    Returns
    -------
    deterministic : PlaneConfig
        The β = 0 ensemble.
    noisy : dict of float to PlaneConfig
        One ensemble per β of the grid.

    Raises
    ------
    ValueError
        If ``profile`` is unknown, ``beta`` is not a valid β or not in the grid (naming
        ``betas``), or a field is out of range.

    Examples
    --------
    >>> deterministic, noisy = chapter_configs("smoke", beta=0.05)
    >>> deterministic.n_networks, deterministic.epochs, deterministic.beta
    (4, 600, 0.0)
    >>> {beta: config.replicas for beta, config in noisy.items()}
    {0.005: 8, 0.05: 8}
    >>> chapter_configs("smoke", beta=0.02)
    Traceback (most recent call last):
    ...
    ValueError: betas: must contain the chapter's beta = 0.02, got [0.005, 0.05]
    """
    settings = chapter_settings(__name__, profile)
    grid = check_beta_grid(settings["betas"] if betas is None else betas, check_beta(beta))
    det = {**settings["deterministic"], **({} if n_networks is None else {"n_networks": n_networks})}
    noisy = {**settings["noisy"], **({} if noisy_networks is None else {"n_networks": noisy_networks})}
    deterministic = PlaneConfig(**{**det, **overrides, "beta": 0.0})
    return deterministic, {b: PlaneConfig(**{**noisy, **overrides, "beta": b}) for b in grid}


def chapter_config(profile: str, **overrides: Any) -> PlaneConfig:
    """One ensemble at ``profile``: the deterministic settings when ``beta`` is 0 (the default), the noisy
    ones otherwise, with ``overrides`` (validated by
    :class:`~ipcore.experiments.information_plane.PlaneConfig`).

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"``.
    **overrides
        Fields of :class:`ipcore.experiments.information_plane.PlaneConfig`, ``beta``
        among them.

    Returns
    -------
    ipcore.experiments.information_plane.PlaneConfig
        The ensemble's parameters.

    Raises
    ------
    ValueError
        If ``profile`` is unknown or a field is out of range.

    Examples
    --------
    >>> config = chapter_config("smoke")
    >>> config.n_networks, config.epochs, config.n_log
    (4, 600, 70)
    >>> chapter_config("smoke", beta=0.05).replicas
    8
    """
    settings = chapter_settings(__name__, profile)
    beta = overrides.get("beta", 0.0)
    return PlaneConfig(**{**settings["deterministic" if beta == 0 else "noisy"], **overrides})


# -------------------------------------------------------------------------------------- analysis


def mean_plane(run: PlaneRun) -> dict[str, np.ndarray]:
    """Across the N networks: the mean of I(X;T) and I(T;Y), their spread (standard deviation
    over networks) and the standard error of the mean, each (E, L). For noisy runs the standard
    error combines the seed-to-seed spread and the Monte Carlo error (its variance is the
    between-network variance over N, which contains the Monte Carlo variance).

    With a single network the spread is 0 and the standard error is the Monte Carlo one (0 for
    a binned run).

    Parameters
    ----------
    run : PlaneRun
        A run of :func:`ipcore.experiments.information_plane.run_plane`.

    Returns
    -------
    dict of str to ndarray
        ``mi_x``, ``mi_x_sd``, ``mi_x_se``, ``mi_y``, ``mi_y_sd``, ``mi_y_se``, each (E, L), nats.

    Examples
    --------
    A made-up run of 2 networks, 3 logged epochs, a hidden layer and the softmax:

    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> plane = mean_plane(run)
    >>> plane["mi_x"][:, 0], plane["mi_x_se"][:, 0].round(3)
    (array([2.1, 3.1, 2.3]), array([0.1, 0.1, 0.1]))
    """
    n = run.n_networks
    out = {}
    for key in ("mi_x", "mi_y"):
        values = getattr(run, key)
        out[key] = values.mean(0)
        out[f"{key}_sd"] = values.std(0, ddof=1) if n > 1 else np.zeros_like(values[0])
        se_mc = getattr(run, f"{key}_se")
        if n > 1:
            out[f"{key}_se"] = out[f"{key}_sd"] / math.sqrt(n)
        else:
            out[f"{key}_se"] = se_mc[0] if se_mc is not None else np.zeros_like(values[0])
    return out


def snr(run: PlaneRun, *, normalise: bool = False) -> dict[str, np.ndarray]:
    """Per logged epoch and weight matrix (E, W), averaged over the networks: the norm of the
    mean batch gradient, the norm of its standard deviation, and their ratio, SNR = mean / std.
    ``normalise``: both norms divided by the weight norm ‖W_ℓ‖ (as Shwartz-Ziv & Tishby's Fig. 4
    is said to be; the ratio is unchanged).

    Parameters
    ----------
    run : PlaneRun
        A run with gradient statistics.
    normalise : bool, default False
        Divide both norms by ‖W_ℓ‖_F.

    Returns
    -------
    dict of str to ndarray
        ``mean``, ``std`` and ``snr``, each (E, W); NaN at epoch 0, which has no gradient.

    Examples
    --------
    A made-up run of 2 networks, 3 logged epochs, a hidden layer and the softmax:

    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> snr(run)["snr"]
    array([[nan, nan],
           [4. , 2. ],
           [0.4, 0.2]])
    """
    scale = run.weight_norm if normalise else 1.0
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # epoch 0 has no gradient: NaN for every network
        mean = np.nanmean(run.grad_mean / scale, axis=0)
        std = np.nanmean(run.grad_std / scale, axis=0)
        return {"mean": mean, "std": std, "snr": mean / std}


def snr_transition(epochs: np.ndarray, ratio: np.ndarray) -> int | None:
    """The end of the drift phase: the first logged epoch after the SNR's maximum at which it is
    below 1, or None when it never exceeds 1. Counting from the maximum, not from epoch 1, skips
    the first epochs, whose batches see a network that moves fast (Adam's first steps are large)
    and so disagree for a reason that is not diffusion.

    Parameters
    ----------
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    ratio : ndarray, shape (E,)
        The SNR of one weight matrix at those epochs (NaN where unknown).

    Returns
    -------
    int or None
        The epoch, or None when the SNR never exceeds 1 or never falls below 1 after its peak.

    Examples
    --------
    >>> import numpy as np
    >>> epochs = np.array([0, 1, 10, 100, 1000])
    >>> snr_transition(epochs, np.array([np.nan, 0.5, 3.0, 1.2, 0.4]))
    1000
    >>> snr_transition(epochs, np.array([np.nan, 0.5, 0.8, 0.6, 0.4])) is None
    True
    """
    valid = np.isfinite(ratio)
    if not valid.any() or np.nanmax(ratio) < 1:
        return None
    peak = int(np.nanargmax(ratio))
    below = np.flatnonzero((np.arange(len(ratio)) > peak) & valid & (ratio < 1))
    return int(epochs[below[0]]) if below.size else None


def transitions(run: PlaneRun, *, normalise: bool = False) -> pd.DataFrame:
    """Per layer: where its mean I(X;T) peaks (compression starts), how much it falls from the
    peak to the end, its final I(T;Y), and the first epoch at which the SNR of its weights falls
    below 1 (the "diffusion" phase of Shwartz-Ziv & Tishby).

    Parameters
    ----------
    run : PlaneRun
        A run of :func:`ipcore.experiments.information_plane.run_plane`.
    normalise : bool, default False
        Passed to :func:`ipcore.experiments.information_plane_chapter.snr`.

    Returns
    -------
    pandas.DataFrame
        One row per layer: layer, first, peak, peak_epoch, final, compression (peak − final),
        final_se, mi_y_final, mi_y_max, snr_below_1_epoch (of the weights into the layer). Nats.

    Examples
    --------
    A made-up run of 2 networks, 3 logged epochs, a hidden layer and the softmax:

    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> table = transitions(run)
    >>> print(table[["layer", "peak", "peak_epoch", "final", "snr_below_1_epoch"]].to_string(index=False))
      layer  peak  peak_epoch  final  snr_below_1_epoch
    layer 1   3.1          10    2.3                 99
    softmax   0.6          10    0.6                 99
    """
    plane, ratio = mean_plane(run), snr(run, normalise=normalise)["snr"]
    rows = []
    for ell, name in enumerate(run.layers):
        mi = plane["mi_x"][:, ell]
        peak = int(np.argmax(mi))
        rows.append({
            "layer": name, "first": mi[0], "peak": mi[peak], "peak_epoch": int(run.epochs[peak]), "final": mi[-1],
            "compression": mi[peak] - mi[-1], "final_se": plane["mi_x_se"][-1, ell],
            "mi_y_final": plane["mi_y"][-1, ell], "mi_y_max": plane["mi_y"][:, ell].max(),
            "snr_below_1_epoch": snr_transition(run.epochs, ratio[:, ell]),  # the weights into layer ℓ
        })
    return pd.DataFrame(rows)


def timing_line(run: PlaneRun) -> str:
    """Where the run's time went (measured when it was computed, not when loaded from the cache).

    Parameters
    ----------
    run : PlaneRun
        A run.

    Returns
    -------
    str
        A line with the total minutes and the seconds of training, recording and estimation.

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
    >>> timing_line(run)
    'timings: not recorded'
    >>> run.timings = {"training": 90.0, "recording": 30.0, "estimation": 20.0}
    >>> timing_line(run)
    'computed in 2.0 min: training 90 s, recording 30 s (of which estimation 20 s)'
    """
    t = run.timings
    if not t:
        return "timings: not recorded"
    total = t.get("training", 0.0) + t.get("recording", 0.0)
    return (f"computed in {total / 60:.1f} min: training {t.get('training', 0.0):.0f} s, recording "
            f"{t.get('recording', 0.0):.0f} s (of which estimation {t.get('estimation', 0.0):.0f} s)")


def summary(run: PlaneRun) -> dict[str, Any]:
    """The numbers a chapter reports (and the tests read).

    Parameters
    ----------
    run : PlaneRun
        A run.

    Returns
    -------
    dict
        ``n_networks``, ``epochs``, ``logged_epochs``, ``label_entropy``, the final metrics
        (``final_<metric>``, mean over networks), ``snr_max``, ``snr_final_max``, the timings
        (``seconds_<part>``), and per layer (``layer1``, …, ``softmax``): ``_mi_x_peak``,
        ``_mi_x_peak_epoch``, ``_mi_x_final``, ``_compression``, ``_mi_y_final``,
        ``_mi_y_early_max`` (largest I(T;Y) in the first 5 % of training) and
        ``_snr_below_1_epoch``. Information in nats.

    Examples
    --------
    A made-up run of 2 networks, 3 logged epochs, a hidden layer and the softmax:

    >>> import numpy as np
    >>> from ipcore.experiments.information_plane import PlaneConfig, PlaneRun
    >>> mi_x = np.array([[[2.0, 0.5], [3.0, 0.6], [2.2, 0.6]], [[2.2, 0.5], [3.2, 0.6], [2.4, 0.6]]])
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]),
    ...                layers=["layer 1", "softmax"], mi_x=mi_x, mi_y=mi_x / 5, mi_x_se=None, mi_y_se=None,
    ...                grad_mean=np.array([[[np.nan, np.nan], [2.0, 1.0], [0.2, 0.1]]] * 2),
    ...                grad_std=np.full((2, 3, 2), 0.5), weight_norm=np.ones((2, 3, 2)),
    ...                metrics={"test_acc": np.full((2, 3), 0.9)}, label_entropy=0.693,
    ...                weights=["hidden.0.0.weight", "output.weight"])
    >>> values = summary(run)
    >>> values["epochs"], values["snr_max"], values["layer1_mi_x_peak_epoch"], round(values["layer1_compression"], 3)
    (100, 4.0, 10, 0.8)
    """
    table, plane = transitions(run), mean_plane(run)
    ratio = snr(run)["snr"]
    acc = {k: float(v[:, -1].mean()) for k, v in run.metrics.items()}
    early = run.epochs <= max(1, run.epochs[-1] // 20)  # the first 5 % of training
    out: dict[str, Any] = {
        "n_networks": run.n_networks, "epochs": int(run.epochs[-1]) + 1, "logged_epochs": len(run.epochs),
        "label_entropy": run.label_entropy, **{f"final_{k}": v for k, v in acc.items()},
        "snr_max": float(np.nanmax(ratio)), "snr_final_max": float(np.nanmax(ratio[-1])),
        **{f"seconds_{k}": v for k, v in run.timings.items()},
    }
    for ell, row in enumerate(table.itertuples()):
        key = row.layer.replace(" ", "")
        out.update({f"{key}_mi_x_peak": float(row.peak), f"{key}_mi_x_peak_epoch": int(row.peak_epoch),
                    f"{key}_mi_x_final": float(row.final), f"{key}_compression": float(row.compression),
                    f"{key}_mi_y_final": float(row.mi_y_final),
                    f"{key}_mi_y_early_max": float(plane["mi_y"][early, ell].max()),
                    f"{key}_snr_below_1_epoch": row.snr_below_1_epoch})
    return out


# --------------------------------------------------------------------------------------- figures


def _secondary_bits(ax: plt.Axes) -> None:
    """Top and right axes in bits beside the nats of the bottom and left ones."""
    to_bits, to_nats = (lambda v: v / NATS_PER_BIT), (lambda v: v * NATS_PER_BIT)
    ax.secondary_xaxis("top", functions=(to_bits, to_nats)).set_xlabel("bits", fontsize=8)
    ax.secondary_yaxis("right", functions=(to_bits, to_nats)).set_ylabel("bits", fontsize=8)


def _nearby(x: np.ndarray, y: np.ndarray, *, tolerance: float = 0.15) -> list[list[int]]:
    """Consecutive indices whose points (x, y) lie within ``tolerance`` of the previous one."""
    groups: list[list[int]] = [[0]]
    for i in range(1, len(x)):
        j = groups[-1][-1]
        if abs(x[i] - x[j]) < tolerance and abs(y[i] - y[j]) < tolerance:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def plane_figure(run: PlaneRun, *, spread_epochs: int = 8, ax: plt.Axes | None = None) -> plt.Figure:
    """The information plane as Shwartz-Ziv & Tishby drew it: I(T;Y) against I(X;T) per layer
    and logged epoch (mean over the N networks), coloured by epoch, points of one epoch joined
    across layers; crosses of ±1 standard deviation over the networks at ``spread_epochs``
    log-spaced epochs. Nats on the bottom and left axes, bits on the top and right ones.

    Parameters
    ----------
    run : PlaneRun
        A run.
    spread_epochs : int, default 8
        Log-spaced epochs at which the spread over networks is drawn (with N > 1).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes.

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
    >>> import matplotlib.pyplot as plt
    >>> fig = plane_figure(run)
    >>> fig.axes[0].get_title()
    'Information plane, mean of 2 networks (binned, 30 edges)'
    >>> plt.close(fig)
    """
    plane = mean_plane(run)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 4.6))
    epochs = run.epochs
    norm = LogNorm(vmin=1, vmax=max(int(epochs[-1]) + 1, 2))
    colours = plt.get_cmap("gnuplot")(norm(epochs + 1))
    for e in range(len(epochs)):
        ax.plot(plane["mi_x"][e], plane["mi_y"][e], "-", color=colours[e], lw=0.4, alpha=0.5)
    for ell in range(len(run.layers)):
        ax.scatter(plane["mi_x"][:, ell], plane["mi_y"][:, ell], c=colours, s=10, zorder=3, edgecolors="none")
    if run.n_networks > 1:
        shown = np.unique(np.round(np.geomspace(1, len(epochs), spread_epochs)).astype(int) - 1)
        for ell in range(len(run.layers)):
            ax.errorbar(plane["mi_x"][shown, ell], plane["mi_y"][shown, ell], xerr=plane["mi_x_sd"][shown, ell],
                        yerr=plane["mi_y_sd"][shown, ell], fmt="none", ecolor="0.45", elinewidth=0.6, zorder=2)
    for group in _nearby(plane["mi_x"][-1], plane["mi_y"][-1]):  # one label for layers that end together
        names = [run.layers[ell] for ell in group]
        label = names[0] if len(names) == 1 else f"{names[0]}–{names[-1].split()[-1]}"
        ax.annotate(label, (plane["mi_x"][-1, group[0]], plane["mi_y"][-1, group[0]]), textcoords="offset points",
                    xytext=(4, -10), fontsize=7, color="0.25", ha="right" if len(names) > 1 else "left")
    ax.axhline(run.label_entropy, color="0.5", ls="--", lw=0.8)
    ax.axvline(LN_4096, color="0.5", ls="--", lw=0.8)
    ax.annotate("H(Y)", (0.01, run.label_entropy), xycoords=("axes fraction", "data"), va="bottom", fontsize=8)
    ax.annotate("H(X) = ln 4096", (LN_4096, 0.02), xycoords=("data", "axes fraction"), ha="right", fontsize=8)
    ax.set_xlabel("I(X;T) [nats]")
    ax.set_ylabel("I(T;Y) [nats]")
    _secondary_bits(ax)
    bar = ax.figure.colorbar(plt.cm.ScalarMappable(norm=norm, cmap="gnuplot"), ax=ax, pad=0.12)
    bar.set_label("epoch + 1")
    how = "binned, 30 edges" if run.config.beta == 0 else f"SP estimates, β = {run.config.beta:g}"
    ax.set_title(f"Information plane, mean of {run.n_networks} networks ({how})", fontsize=10, pad=22)
    return ax.figure


def gradient_figure(run: PlaneRun, *, normalise: bool = False) -> plt.Figure:
    """Per weight matrix: the norm of the mean batch gradient (solid) and of its standard deviation (dotted)
    over epochs, log-log, averaged over the networks; the epoch where the SNR falls below 1
    (:func:`~ipcore.experiments.information_plane_chapter.snr_transition`, dashed) and the epoch where the
    layer's I(X;T) starts to fall (dotted, grey).

    The fall is marked when it exceeds :data:`~ipcore.experiments.information_plane_chapter.COMPRESSION_SHOWN` nats.

    Parameters
    ----------
    run : PlaneRun
        A run with gradient statistics.
    normalise : bool, default False
        Divide the norms by ‖W_ℓ‖_F.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per weight matrix, at most 3 per row.

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
    >>> import matplotlib.pyplot as plt
    >>> fig = gradient_figure(run)
    >>> [ax.get_title() for ax in fig.axes]
    ['weights into layer 1', 'weights into the output']
    >>> plt.close(fig)
    """
    stats, table = snr(run, normalise=normalise), transitions(run, normalise=normalise)
    n = len(run.weights)
    cols = min(3, n)
    fig, axes = plt.subplots(math.ceil(n / cols), cols, figsize=(3.4 * cols, 2.7 * math.ceil(n / cols)),
                             sharex=True, sharey=True, squeeze=False)
    x = np.where(run.epochs > 0, run.epochs, np.nan)
    targets = [f"layer {i + 1}" for i in range(n - 1)] + ["the output"]
    for w, ax in enumerate(axes.flat):
        if w >= n:
            ax.set_visible(False)
            continue
        colour = LAYER_COLOURS[w % len(LAYER_COLOURS)]
        ax.plot(x, stats["mean"][:, w], "-", color=colour, lw=1.2, label="‖mean‖")
        ax.plot(x, stats["std"][:, w], ":", color=colour, lw=1.4, label="‖std‖")
        crossing = snr_transition(run.epochs, stats["snr"][:, w])
        if crossing is not None:
            ax.axvline(crossing, color="k", ls="--", lw=0.8, label=f"SNR < 1 ({crossing})")
        if w < len(table) and table.compression.iloc[w] > COMPRESSION_SHOWN:
            ax.axvline(table.peak_epoch.iloc[w], color="0.5", ls=":", lw=1.2,
                       label=f"I(X;T) peak ({table.peak_epoch.iloc[w]})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"weights into {targets[w]}", fontsize=9)
        ax.legend(fontsize=6, loc="lower left")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel("gradient norm" + (" / ‖W‖" if normalise else ""))
    fig.tight_layout()
    return fig


def noisy_plane_figure(runs: Mapping[float, PlaneRun], *, active: float, height: int = 560) -> go.Figure:
    """β slider over ``runs`` (keyed by β): the information plane of the noisy networks, I(T;Y)
    against I(X;T) per layer (mean over seeds, ± 2 standard errors), markers coloured by epoch.

    Parameters
    ----------
    runs : mapping of float to PlaneRun
        Noisy runs keyed by their β (the noise standard deviation).
    active : float
        The β shown first, a key of ``runs``.
    height : int, default 560
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        The plane, with H(Y) and ln 4096 marked, and a slider.

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
    >>> fig = noisy_plane_figure({0.05: run, 0.1: run}, active=0.05)
    >>> len(fig.data)
    6
    """
    betas = sorted(runs)
    any_run = runs[betas[0]]
    log_epochs = np.log10(any_run.epochs + 1)

    def traces(beta: float):
        run = runs[beta]
        plane = mean_plane(run)
        for ell, name in enumerate(run.layers):
            yield go.Scatter(
                x=plane["mi_x"][:, ell], y=plane["mi_y"][:, ell], mode="lines+markers", name=name,
                line={"color": LAYER_COLOURS[ell % len(LAYER_COLOURS)], "width": 1},
                marker={"size": 7, "color": np.log10(run.epochs + 1), "colorscale": "Plasma",
                        "cmin": 0, "cmax": float(log_epochs[-1]), "showscale": ell == 0,
                        "colorbar": {"title": "log₁₀(epoch + 1)", "x": 1.02}},
                error_x={"type": "data", "array": 2 * plane["mi_x_se"][:, ell], "visible": True, "thickness": 0.6},
                error_y={"type": "data", "array": 2 * plane["mi_y_se"][:, ell], "visible": True, "thickness": 0.6},
                text=[f"epoch {e}" for e in run.epochs], hovertemplate="%{text}<br>I(X;T) %{x:.3f}<br>I(T;Y) %{y:.3f}",
            ), 1, 1

    h_y = any_run.label_entropy
    reference = [(go.Scatter(x=[0, LN_4096 + 0.3], y=[h_y, h_y], mode="lines", name="H(Y)",
                             line={"dash": "dash", "color": "grey"}), 1, 1),
                 (go.Scatter(x=[LN_4096, LN_4096], y=[0, h_y * 1.05], mode="lines", name="ln 4096",
                             line={"dash": "dot", "color": "grey"}), 1, 1)]
    fig = beta_slider_figure(
        betas, traces, static_traces=reference, active=betas.index(active),
        title=lambda b: f"Noisy SZT networks, β = {b:g}: information plane, mean of {runs[b].n_networks} seeds (± 2 SE)",
        height=height,
    )
    fig.update_xaxes(title_text="I(X;T) [nats]", range=[0, LN_4096 + 0.3])
    fig.update_yaxes(title_text="I(T;Y) [nats]", range=[0, h_y * 1.08])
    return fig
