"""The estimators of the debate on tasks whose answer is known (the chapter ``estimators``).

Two tasks, each estimator on the same samples, all values in nats:

- **Correlated Gaussians** (:func:`~ipcore.data.correlated_gaussians`, Butakov et al.'s
  construction): X, Y ∈ R^d jointly normal with I(X;Y) on a grid from 0 to 10 nats. The
  estimators that take paired samples: kNN (Kozachenko–Leonenko entropies, Berrett–Samworth–Yuan
  weighted above 4 dimensions, on whitened samples), KSG, MINE, and binning (a histogram of the
  standardised samples, I = Ĥ(Bin X) + Ĥ(Bin Y) − Ĥ(Bin X, Bin Y)).
- **A noisy layer** (:func:`~ipcore.data.noisy_layer`): X uniform on a finite set, T = tanh
  layer + N(0, β² I), I(X;T) exact by quadrature, in dimensions d from 1 to 10. The setting the
  sample-propagation (SP) estimator was built for: it sees the clean layer S and β, and
  h(T | X) = (d/2) ln(2πeβ²) is known. The others: kNN (Ĥ(T) − h(T|X) from the noisy samples),
  the Kolchinsky–Tracey KDE upper bound on the clean samples (σ² = β²), binning of the clean layer
  as Shwartz-Ziv & Tishby did (30 bins on [−1, 1], I(X; Bin S) = H(Bin S)), and MINE on (X, T)
  at the largest sample size only (it is by far the slowest).

Every (task, size, seed) is one cached unit, stored as soon as it is complete, so an interrupted
run resumes where it stopped; the MINE critics of the units not yet stored train
``MINE_BATCH`` at a time as one batch (:func:`~ipcore.estimators.mine_mutual_information_batch`).
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ipcore.cache import CachedRun
from ipcore.config import progress_bar
from ipcore.deprecation import renamed_keywords
from ipcore.data import NoisyLayer, correlated_gaussians, noisy_layer
from ipcore.estimators import (binned_entropy, channel_information, gaussian_entropy, kde_entropy_bounds,
                               knn_entropy, knn_mutual_information, ksg_mutual_information, mine_mutual_information_batch,
                               sp_mutual_information)
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.plotting import beta_slider_figure
from ipcore.validation import check_beta, check_number, check_positive_int, check_seed

#: ``smoke`` is small enough for CI (about a minute); ``paper`` has n = 5000, the size
#: Butakov et al. used, three seeds and the MI grid of their figures.
PROFILES = register_profiles(__name__, {
    "smoke": {"mi_grid": (0.0, 2.5, 5.0, 7.5, 10.0), "n": 1000, "seeds": 1, "mine_steps": 300,
              "sizes": (250, 1000), "dims": (1, 2, 4)},
    "paper": {"mi_grid": tuple(np.linspace(0.0, 10.0, 11)), "n": 5000, "seeds": 3, "mine_steps": 4000,
              "sizes": (250, 500, 1000, 2000, 5000), "dims": (1, 2, 4, 6, 10)},
})
#: The estimators of each task, in the order of the figures' legends.
GAUSSIAN_ESTIMATORS = ("kNN", "KSG", "MINE", "binning")
LAYER_ESTIMATORS = ("SP", "kNN", "KDE upper bound", "binning (clean layer)", "MINE")
#: Colours shared by both tasks' figures.
COLOURS = {"SP": "#1b9e77", "kNN": "#d95f02", "KSG": "#7570b3", "MINE": "#e7298a", "binning": "#66a61e",
           "binning (clean layer)": "#66a61e", "KDE upper bound": "#a6761d"}
#: The estimation code whose change invalidates the cached rows.
MODULES = ["ipcore.estimators", "ipcore.data.known_mi", "ipcore.experiments.estimator_shootout"]


def profile_settings(profile: str) -> dict[str, Any]:
    """The resolution settings of ``profile`` (``"smoke"`` or ``"paper"``).

    Parameters
    ----------
    profile : str
        One of :data:`ipcore.config.PROFILE_NAMES`.

    Returns
    -------
    dict
        ``mi_grid`` (true I(X;Y) of the Gaussians, nats), ``n`` (their samples), ``seeds``,
        ``mine_steps``, and for the noisy layer ``sizes`` (sample sizes) and ``dims``
        (dimensions); a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> settings = profile_settings("smoke")
    >>> settings["sizes"], settings["dims"]
    ((250, 1000), (1, 2, 4))
    """
    return chapter_settings(__name__, profile)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _row(task: str, estimator: str, truth: float, value: float, error: float, seconds: float, **extra: Any) -> dict:
    return {"task": task, "estimator": estimator, "truth": truth, "estimate": value, "std_error": error,
            "seconds": seconds, **extra}


def _binned_information(x: np.ndarray, y: np.ndarray, width: float) -> float:
    """Ĥ(Bin X) + Ĥ(Bin Y) − Ĥ(Bin X, Bin Y) on standardised samples, in nats."""
    zx, zy = (x - x.mean(0)) / x.std(0), (y - y.mean(0)) / y.std(0)
    return (binned_entropy(zx, width=width) + binned_entropy(zy, width=width)
            - binned_entropy(np.concatenate([zx, zy], 1), width=width))


def gaussian_rows(mi: float, seed: int, *, n: int, dim: int, mine_steps: int | None, bin_width: float) -> list[dict]:
    """Every estimator of :data:`~ipcore.experiments.estimator_shootout.GAUSSIAN_ESTIMATORS` on one sample of correlated Gaussians.

    X, Y ∈ R^d jointly normal with I(X;Y) = ``mi`` (:func:`ipcore.data.correlated_gaussians`);
    kNN (k = 5), KSG (k = 3), MINE (``mine_steps`` steps) and binning of the standardised
    samples, I = Ĥ(Bin X) + Ĥ(Bin Y) − Ĥ(Bin X, Bin Y). All in nats.

    Parameters
    ----------
    mi : float
        The true I(X;Y), nats.
    seed : int
        Seed of the sample and of MINE.
    n : int
        Samples.
    dim : int
        d, the dimension of X and of Y.
    mine_steps : int or None
        MINE's training steps; None: no MINE row.
    bin_width : float
        Bin width of the binning estimator (in standard deviations).

    Returns
    -------
    list of dict
        One row per estimator: task, estimator, truth, estimate, std_error (NaN for
        binning), seconds (of the call), n, d, seed.

    Examples
    --------
    >>> rows = gaussian_rows(1.0, 0, n=300, dim=1, mine_steps=None, bin_width=0.5)
    >>> [row["estimator"] for row in rows]
    ['kNN', 'KSG', 'binning']
    """
    fields, x, y = _gaussian_sample(mi, seed, n, dim)
    common = {"n": n, "d": dim, "seed": seed}
    knn, t_knn = _timed(lambda: knn_mutual_information(x, y, k=5))
    ksg, t_ksg = _timed(lambda: ksg_mutual_information(x, y, k=3))
    binned, t_bin = _timed(lambda: _binned_information(x, y, bin_width))
    rows = [_row("gaussian", "kNN", mi, knn.value, knn.std_error, t_knn, **common),
            _row("gaussian", "KSG", mi, ksg.value, ksg.std_error, t_ksg, **common),
            _row("gaussian", "binning", mi, binned, math.nan, t_bin, **common)]
    if mine_steps is not None:
        rows = _with_mine(rows, mine_rows([(fields, x, y)], steps=mine_steps)[0])
    return rows


def _gaussian_sample(mi: float, seed: int, n: int, dim: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """The row fields and (X, Y) samples of one Gaussian unit."""
    x, y = correlated_gaussians(n, dim, dim, mi, seed=seed)
    return {"task": "gaussian", "truth": mi, "n": n, "d": dim, "seed": seed}, x, y


def _layer_sample(dim: int, n: int, seed: int, beta: float, n_inputs: int) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """The row fields and (X, S, T) samples of one noisy-layer unit."""
    layer, truth = _layer_and_truth(dim, beta, n_inputs)
    x, s, t = layer.sample(n, seed=seed)
    return {"task": "noisy layer", "truth": truth, "n": n, "d": dim, "seed": seed}, x, s, t


def _layer_mine_sample(dim: int, n: int, seed: int, beta: float, n_inputs: int, **_: Any) -> tuple[dict, np.ndarray, np.ndarray]:
    """The row fields and MINE's (X, T) of one noisy-layer unit."""
    fields, x, _, t = _layer_sample(dim, n, seed, beta, n_inputs)
    return fields, x, t


#: Critics trained together at most: bounds the stacked samples' memory and what an interruption
#: loses; beyond about 16 a batch is no faster per critic (measured on 2 cores: 0.71 ms per critic
#: and step at 16, 0.66–0.82 at 33, 1.1 one at a time).
MINE_BATCH = 16


def mine_rows(samples: Sequence[tuple[dict, np.ndarray, np.ndarray]], *, steps: int, progress: bool = False) -> list[dict]:
    """The MINE row of each (row fields, x, y), the critics of equal sample sizes trained as one batch.

    Through :func:`ipcore.estimators.mine_mutual_information_batch` (seed: the fields' ``seed``),
    in batches of at most :data:`MINE_BATCH`; a row's ``seconds`` is its share of its batch's
    time. Values in nats.

    Parameters
    ----------
    samples : sequence of (dict, ndarray, ndarray)
        For each estimate: the row's fields (task, truth, n, d, seed) and the paired samples.
    steps : int
        MINE's training steps.
    progress : bool, default False
        Show a progress bar per batch.

    Returns
    -------
    list of dict
        One MINE row per sample, in their order.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.default_rng(0).standard_normal((200, 2))
    >>> rows = mine_rows([({"task": "demo", "truth": 0.0, "n": 200, "d": 1, "seed": 0}, z[:, :1], z[:, 1:])], steps=5)
    >>> rows[0]["estimator"], rows[0]["task"]
    ('MINE', 'demo')
    """
    out: list[dict | None] = [None] * len(samples)
    by_size: dict[int, list[int]] = {}
    for i, (_, x, _) in enumerate(samples):
        by_size.setdefault(len(x), []).append(i)
    for members in by_size.values():
        for start in range(0, len(members), MINE_BATCH):
            chunk = members[start:start + MINE_BATCH]
            found, seconds = _timed(lambda: mine_mutual_information_batch(
                [samples[i][1:] for i in chunk], [samples[i][0]["seed"] for i in chunk], steps=steps,
                progress=progress))
            for i, est in zip(chunk, found):
                fields = dict(samples[i][0])
                task, truth = fields.pop("task"), fields.pop("truth")
                out[i] = _row(task, "MINE", truth, est.value, est.std_error, seconds / len(chunk), **fields)
    return [row for row in out if row is not None]


@functools.lru_cache(maxsize=None)
def _layer_and_truth(dim: int, beta: float, n_inputs: int) -> tuple[NoisyLayer, float]:
    """One layer per dimension (blocks of 2 units above d = 1), and its exact I(X;T): the
    quadrature once, not once per sample size and seed."""
    layer = noisy_layer(dim, beta, n_inputs=n_inputs, block=1 if dim == 1 else 2, seed=0)
    return layer, channel_information(layer.centers, beta)


def layer_rows(dim: int, n: int, seed: int, *, beta: float, n_inputs: int, mine_steps: int | None) -> list[dict]:
    """Every estimator of :data:`~ipcore.experiments.estimator_shootout.LAYER_ESTIMATORS` on n samples of the
    noisy layer of dimension ``dim`` (MINE only when ``mine_steps`` is given); also the SP estimate without
    its control variate, whose standard error the chapter compares.

    The layer is T = tanh layer + N(0, β² I) on X uniform on ``n_inputs`` values
    (:func:`ipcore.data.noisy_layer`); the truth is exact by quadrature. kNN and the KDE bound
    estimate h(T) and subtract h(T|X) = (d/2) ln(2πeβ²); binning is H(Bin S) of the clean layer
    (30 bins on [−1, 1]). All in nats.

    Parameters
    ----------
    dim : int
        d, the layer's dimension.
    n : int
        Samples.
    seed : int
        Seed of the sample and of the Monte Carlo estimates.
    beta : float
        β, the noise standard deviation of the layer.
    n_inputs : int
        Values of X.
    mine_steps : int or None
        MINE's training steps; None: no MINE row.

    Returns
    -------
    list of dict
        One row per estimator, as :func:`ipcore.experiments.estimator_shootout.gaussian_rows`.

    Examples
    --------
    >>> rows = layer_rows(1, 200, 0, beta=0.1, n_inputs=4, mine_steps=None)
    >>> [row["estimator"] for row in rows]
    ['SP', 'SP, no control variate', 'kNN', 'KDE upper bound', 'binning (clean layer)']
    >>> round(rows[0]["truth"], 3)
    0.801
    """
    fields, x, s, t = _layer_sample(dim, n, seed, beta, n_inputs)
    truth = fields["truth"]
    noise = gaussian_entropy(dim, beta)
    common = {"n": n, "d": dim, "seed": seed}
    sp, t_sp = _timed(lambda: sp_mutual_information(s, beta, seed=seed))
    plain = sp_mutual_information(s, beta, seed=seed, control_variate=False)
    knn, t_knn = _timed(lambda: knn_entropy(t, k=5))
    (_, upper), t_kde = _timed(lambda: kde_entropy_bounds(s, beta=beta))
    binned, t_bin = _timed(lambda: binned_entropy(s, bins=30, range=(-1.0, 1.0)))
    rows = [_row("noisy layer", "SP", truth, sp.mi, sp.mi_std, t_sp, **common),
            _row("noisy layer", "SP, no control variate", truth, plain.mi, plain.mi_std, math.nan, **common),
            _row("noisy layer", "kNN", truth, knn.value - noise, knn.std_error, t_knn, **common),
            _row("noisy layer", "KDE upper bound", truth, upper - noise, math.nan, t_kde, **common),
            _row("noisy layer", "binning (clean layer)", truth, binned, math.nan, t_bin, **common)]
    if mine_steps is not None:
        rows = _with_mine(rows, mine_rows([(fields, x, t)], steps=mine_steps)[0])
    return rows


def _with_mine(rows: list[dict], mine: dict) -> list[dict]:
    """``rows`` with the MINE row where its task's list of estimators (the legends' order) puts it."""
    order = GAUSSIAN_ESTIMATORS if mine["task"] == "gaussian" else LAYER_ESTIMATORS
    later = set(order[order.index("MINE") + 1:])
    at = next((i for i, row in enumerate(rows) if row["estimator"] in later), len(rows))
    return rows[:at] + [mine] + rows[at:]


@renamed_keywords(points="n_inputs")
def run(profile: str, *, gaussian_dim: int = 2, beta: float = 0.1, n_inputs: int = 8, bin_width: float = 0.5,
        first_seed: int = 0, progress: bool = True) -> pd.DataFrame:
    """All rows of both tasks at the resolution of ``profile``, one cached unit per sample.

    Columns: task, estimator, truth, estimate, std_error (NaN where the estimator has none),
    seconds (one call; MINE's: its share of its batch), n, d, seed; ``error`` = estimate − truth.

    The MINE critics of the units not yet stored train :data:`MINE_BATCH` at a time as one
    batch (:func:`ipcore.experiments.estimator_shootout.mine_rows`); every unit is stored as
    soon as it is complete.

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"``.
    gaussian_dim : int, default 2
        d of the correlated Gaussians.
    beta : float, default 0.1
        β, the noise standard deviation of the noisy layer.
    n_inputs : int, default 8
        Values of X of the noisy layer, at least 2.
    bin_width : float, default 0.5
        Bin width of the Gaussians' binning estimator.
    first_seed : int, default 0
        The seeds are first_seed, …, first_seed + the profile's ``seeds`` − 1.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per estimator and sample.

    Raises
    ------
    ValueError
        If ``profile`` is unknown or a parameter is out of range
        (:func:`ipcore.experiments.estimator_shootout.check_chapter_parameters`).

    Notes
    -----
    ``points``, the old name of ``n_inputs``, still works with a :class:`DeprecationWarning`.

    A stored MINE value depends on the units that trained beside it only through rounding,
    which training amplifies (measured: within 7e-4 of its standard error of the value the
    unit gets alone); the cache does not record that company.

    Examples
    --------
    The parameters are checked before anything is computed:

    >>> run("smoke", n_inputs=1)
    Traceback (most recent call last):
    ...
    ValueError: n_inputs: a layer needs 2 input values or more, got 1
    """
    settings = profile_settings(profile)
    check_chapter_parameters(gaussian_dim=gaussian_dim, beta=beta, n_inputs=n_inputs, bin_width=bin_width,
                             first_seed=first_seed)
    seeds = range(first_seed, first_seed + settings["seeds"])
    # per unit: its cache entry, its rows but MINE's, and its MINE samples (None: no MINE row)
    units: list[tuple[CachedRun, Callable[[], list[dict]], Callable[[], tuple] | None]] = []
    for mi in settings["mi_grid"]:
        for seed in seeds:
            params = {"mi": float(mi), "seed": seed, "n": settings["n"], "dim": gaussian_dim,
                      "mine_steps": settings["mine_steps"], "bin_width": bin_width}
            units.append((CachedRun("shootout_gaussian", params, modules=MODULES),
                          lambda p=params: gaussian_rows(**{**p, "mine_steps": None}),
                          lambda p=params: _gaussian_sample(p["mi"], p["seed"], p["n"], p["dim"])))
    largest = max(settings["sizes"])
    for dim in settings["dims"]:
        for n in settings["sizes"]:
            for seed in seeds:
                params = {"dim": dim, "n": n, "seed": seed, "beta": beta, "n_inputs": n_inputs,
                          "mine_steps": settings["mine_steps"] if n == largest else None}
                units.append((CachedRun("shootout_layer", params, modules=MODULES),
                              lambda p=params: layer_rows(**{**p, "mine_steps": None}),
                              None if n != largest else lambda p=params: _layer_mine_sample(**p)))
    found: list[list[dict] | None] = [store.load() if store.done else None for store, _, _ in units]
    missing = [i for i, rows in enumerate(found) if rows is None]
    bar = progress_bar(total=len(missing), enabled=progress, desc="estimators", mininterval=1.0)
    # the units without MINE first, then the others MINE_BATCH at a time, their critics trained
    # as one batch: each unit is stored as soon as it is complete, so that an interruption loses
    # at most one batch
    with_mine = [i for i in missing if units[i][2] is not None]
    for i in (i for i in missing if units[i][2] is None):
        found[i] = units[i][1]()
        units[i][0].save(found[i])
        bar.update()
    for start in range(0, len(with_mine), MINE_BATCH):
        chunk = with_mine[start:start + MINE_BATCH]
        mine = mine_rows([units[i][2]() for i in chunk], steps=settings["mine_steps"], progress=progress)
        for i, mine_row in zip(chunk, mine):
            found[i] = _with_mine(units[i][1](), mine_row)
            units[i][0].save(found[i])
            bar.update()
    bar.close()
    table = pd.DataFrame([row for rows in found for row in rows])
    table["error"] = table["estimate"] - table["truth"]
    return table


@renamed_keywords(points="n_inputs")
def check_chapter_parameters(*, gaussian_dim: int, beta: float, n_inputs: int, bin_width: float, first_seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    gaussian_dim : int
        d of the correlated Gaussians, a positive integer.
    beta : float
        β, the noise standard deviation of the noisy layer, > 0.
    n_inputs : int
        Values of X of the noisy layer, at least 2.
    bin_width : float
        Bin width, > 0.
    first_seed : int
        A non-negative integer.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Notes
    -----
    ``points``, the old name of ``n_inputs``, still works with a :class:`DeprecationWarning`.

    Examples
    --------
    >>> check_chapter_parameters(gaussian_dim=2, beta=0.1, n_inputs=8, bin_width=0.5, first_seed=0)
    >>> check_chapter_parameters(gaussian_dim=2, beta=0.1, n_inputs=1, bin_width=0.5, first_seed=0)
    Traceback (most recent call last):
    ...
    ValueError: n_inputs: a layer needs 2 input values or more, got 1
    """
    check_positive_int(gaussian_dim, "gaussian_dim")
    check_beta(beta)
    if check_positive_int(n_inputs, "n_inputs") < 2:
        raise ValueError(f"n_inputs: a layer needs 2 input values or more, got {n_inputs}")
    check_number(bin_width, "bin_width")
    check_seed(first_seed, "first_seed")


def _mean_and_spread(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    return rows.groupby(list(by), sort=True)["estimate"].agg(["mean", "std", "count"]).reset_index()


def gaussian_figure(table: pd.DataFrame) -> plt.Figure:
    """Estimated against true I(X;Y) on the correlated Gaussians: the mean over seeds of each
    estimator with a band of ± one spread over seeds (± its standard error with one seed).

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.estimator_shootout.run` table.

    Returns
    -------
    matplotlib.figure.Figure
        One panel, with the diagonal.

    Examples
    --------
    A made-up table of both tasks (one seed):

    >>> import pandas as pd
    >>> gauss = [{"task": "gaussian", "estimator": e, "truth": t, "estimate": (1 - b) * t, "std_error": 0.05,
    ...           "seconds": 0.1, "n": 1000, "d": 2, "seed": 0}
    ...          for e, b in (("kNN", 0.05), ("KSG", 0.1), ("MINE", 0.2), ("binning", 0.5)) for t in (0.0, 5.0, 10.0)]
    >>> layer = [{"task": "noisy layer", "estimator": e, "truth": 0.8, "estimate": 0.8 + b, "std_error": s,
    ...           "seconds": 0.01, "n": n, "d": d, "seed": 0}
    ...          for e, b, s in (("SP", 0.0, 0.01), ("SP, no control variate", 0.0, 0.03), ("kNN", -0.05, 0.02))
    ...          for n in (250, 1000) for d in (1, 2)]
    >>> table = pd.DataFrame(gauss + layer)
    >>> table["error"] = table.estimate - table.truth
    >>> import matplotlib.pyplot as plt
    >>> fig = gaussian_figure(table)
    >>> fig.axes[0].get_title()
    'Correlated Gaussians, d = 2 per side, n = 1000'
    >>> plt.close(fig)
    """
    rows = table[table.task == "gaussian"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    top = float(rows.truth.max())
    ax.plot([0, top], [0, top], color="0.3", ls="--", lw=1, label="truth")
    for name in GAUSSIAN_ESTIMATORS:
        part = rows[rows.estimator == name]
        if part.empty:
            continue
        stats = part.groupby("truth").agg(mean=("estimate", "mean"), spread=("estimate", "std"),
                                          se=("std_error", "mean")).reset_index()
        band = stats.spread.where(stats.spread.notna() & (part.seed.nunique() > 1), stats.se).fillna(0.0)
        ax.plot(stats.truth, stats["mean"], marker="o", ms=3, color=COLOURS[name], label=name)
        ax.fill_between(stats.truth, stats["mean"] - band, stats["mean"] + band, color=COLOURS[name], alpha=0.2)
    d, n = int(rows.d.iloc[0]), int(rows.n.iloc[0])
    ax.set(xlabel="true I(X;Y) [nats]", ylabel="estimate [nats]",
           title=f"Correlated Gaussians, d = {d} per side, n = {n}")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def layer_slider_figure(table: pd.DataFrame) -> go.Figure:
    """Estimate − truth against the sample size n on the noisy layer, one line per estimator
    (mean over seeds, error bars ± one spread over seeds), with a slider over the dimension d.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.estimator_shootout.run` table.

    Returns
    -------
    plotly.graph_objects.Figure
        One panel and a slider over d.

    Examples
    --------
    A made-up table of both tasks (one seed):

    >>> import pandas as pd
    >>> gauss = [{"task": "gaussian", "estimator": e, "truth": t, "estimate": (1 - b) * t, "std_error": 0.05,
    ...           "seconds": 0.1, "n": 1000, "d": 2, "seed": 0}
    ...          for e, b in (("kNN", 0.05), ("KSG", 0.1), ("MINE", 0.2), ("binning", 0.5)) for t in (0.0, 5.0, 10.0)]
    >>> layer = [{"task": "noisy layer", "estimator": e, "truth": 0.8, "estimate": 0.8 + b, "std_error": s,
    ...           "seconds": 0.01, "n": n, "d": d, "seed": 0}
    ...          for e, b, s in (("SP", 0.0, 0.01), ("SP, no control variate", 0.0, 0.03), ("kNN", -0.05, 0.02))
    ...          for n in (250, 1000) for d in (1, 2)]
    >>> table = pd.DataFrame(gauss + layer)
    >>> table["error"] = table.estimate - table.truth
    >>> fig = layer_slider_figure(table)
    >>> len(fig.data), fig.layout.title.text
    (4, 'Noisy layer, d = 2: true I(X;T) = 0.800 nats')
    """
    rows = table[(table.task == "noisy layer") & table.estimator.isin(LAYER_ESTIMATORS)]
    dims = sorted(int(d) for d in rows.d.unique())
    truths = rows.groupby("d").truth.first()

    def traces(dim: int):
        part = rows[rows.d == dim]
        for name in LAYER_ESTIMATORS:
            stats = _mean_and_spread(part[part.estimator == name], ["n"])
            if stats.empty:
                continue
            yield go.Scatter(x=stats.n, y=stats["mean"] - truths[dim], name=name,
                             mode="lines+markers" if len(stats) > 1 else "markers",
                             line={"color": COLOURS[name]}, marker={"size": 8 if len(stats) == 1 else 6},
                             error_y={"type": "data", "array": stats["std"].fillna(0.0), "visible": True},
                             hovertemplate=f"{name}<br>n = %{{x}}<br>error = %{{y:.3f}} nats<extra></extra>"), 1, 1

    fig = beta_slider_figure(dims, traces, label="d", active=min(1, len(dims) - 1),
                             title=lambda d: f"Noisy layer, d = {d}: true I(X;T) = {truths[d]:.3f} nats")
    fig.add_hline(y=0.0, line_dash="dash", line_color="grey")
    fig.update_xaxes(type="log", title_text="samples n")
    fig.update_yaxes(title_text="estimate − truth [nats]")
    return fig


def dimension_figure(table: pd.DataFrame) -> plt.Figure:
    """``|estimate − truth|`` at the largest n against the dimension d, per estimator, log scale.

    The value drawn is the root-mean-square error over seeds.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.estimator_shootout.run` table.

    Returns
    -------
    matplotlib.figure.Figure
        One panel.

    Examples
    --------
    A made-up table of both tasks (one seed):

    >>> import pandas as pd
    >>> gauss = [{"task": "gaussian", "estimator": e, "truth": t, "estimate": (1 - b) * t, "std_error": 0.05,
    ...           "seconds": 0.1, "n": 1000, "d": 2, "seed": 0}
    ...          for e, b in (("kNN", 0.05), ("KSG", 0.1), ("MINE", 0.2), ("binning", 0.5)) for t in (0.0, 5.0, 10.0)]
    >>> layer = [{"task": "noisy layer", "estimator": e, "truth": 0.8, "estimate": 0.8 + b, "std_error": s,
    ...           "seconds": 0.01, "n": n, "d": d, "seed": 0}
    ...          for e, b, s in (("SP", 0.0, 0.01), ("SP, no control variate", 0.0, 0.03), ("kNN", -0.05, 0.02))
    ...          for n in (250, 1000) for d in (1, 2)]
    >>> table = pd.DataFrame(gauss + layer)
    >>> table["error"] = table.estimate - table.truth
    >>> import matplotlib.pyplot as plt
    >>> fig = dimension_figure(table)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['SP', 'kNN']
    >>> plt.close(fig)
    """
    rows = table[(table.task == "noisy layer") & table.estimator.isin(LAYER_ESTIMATORS)]
    rows = rows[rows.n == rows.n.max()]
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for name in LAYER_ESTIMATORS:
        part = rows[rows.estimator == name].groupby("d").error.apply(lambda e: float(np.sqrt((e**2).mean())))
        if not part.empty:
            ax.plot(part.index, part.values.clip(1e-4), marker="o", color=COLOURS[name], label=name)
    ax.set_yscale("log")
    ax.set(xlabel="dimension d of the layer", ylabel="root-mean-square error [nats]",
           title=f"Noisy layer, n = {int(rows.n.max())}")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per task, estimator and d, at the largest n: the mean error, the root-mean-square error
    over the truths and seeds, the mean reported standard error and the median time of one call
    (the median: a first call also pays for loading libraries).

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.estimator_shootout.run` table.

    Returns
    -------
    pandas.DataFrame
        Columns task, estimator, d, n, mean_error, rms_error, mean_std_error, seconds.

    Examples
    --------
    A made-up table of both tasks (one seed):

    >>> import pandas as pd
    >>> gauss = [{"task": "gaussian", "estimator": e, "truth": t, "estimate": (1 - b) * t, "std_error": 0.05,
    ...           "seconds": 0.1, "n": 1000, "d": 2, "seed": 0}
    ...          for e, b in (("kNN", 0.05), ("KSG", 0.1), ("MINE", 0.2), ("binning", 0.5)) for t in (0.0, 5.0, 10.0)]
    >>> layer = [{"task": "noisy layer", "estimator": e, "truth": 0.8, "estimate": 0.8 + b, "std_error": s,
    ...           "seconds": 0.01, "n": n, "d": d, "seed": 0}
    ...          for e, b, s in (("SP", 0.0, 0.01), ("SP, no control variate", 0.0, 0.03), ("kNN", -0.05, 0.02))
    ...          for n in (250, 1000) for d in (1, 2)]
    >>> table = pd.DataFrame(gauss + layer)
    >>> table["error"] = table.estimate - table.truth
    >>> print(summary(table).head(4)[["estimator", "d", "n", "mean_error", "rms_error"]].round(3).to_string(index=False))
    estimator  d    n  mean_error  rms_error
          KSG  2 1000       -0.50      0.645
         MINE  2 1000       -1.00      1.291
      binning  2 1000       -2.50      3.227
          kNN  2 1000       -0.25      0.323
    """
    largest = table.groupby("task").n.transform("max")
    rows = table[table.n == largest]
    out = rows.groupby(["task", "estimator", "d"]).agg(
        n=("n", "first"),
        mean_error=("error", "mean"),
        rms_error=("error", lambda e: float(np.sqrt((e**2).mean()))),
        mean_std_error=("std_error", "mean"),
        seconds=("seconds", "median"),
    ).reset_index()
    return out


def control_variate_table(table: pd.DataFrame) -> pd.DataFrame:
    """The SP estimator's standard error with and without its control variate, at the largest n.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.estimator_shootout.run` table.

    Returns
    -------
    pandas.DataFrame
        Indexed by d: without, with (mean standard errors, nats) and their ratio.

    Examples
    --------
    A made-up table of both tasks (one seed):

    >>> import pandas as pd
    >>> gauss = [{"task": "gaussian", "estimator": e, "truth": t, "estimate": (1 - b) * t, "std_error": 0.05,
    ...           "seconds": 0.1, "n": 1000, "d": 2, "seed": 0}
    ...          for e, b in (("kNN", 0.05), ("KSG", 0.1), ("MINE", 0.2), ("binning", 0.5)) for t in (0.0, 5.0, 10.0)]
    >>> layer = [{"task": "noisy layer", "estimator": e, "truth": 0.8, "estimate": 0.8 + b, "std_error": s,
    ...           "seconds": 0.01, "n": n, "d": d, "seed": 0}
    ...          for e, b, s in (("SP", 0.0, 0.01), ("SP, no control variate", 0.0, 0.03), ("kNN", -0.05, 0.02))
    ...          for n in (250, 1000) for d in (1, 2)]
    >>> table = pd.DataFrame(gauss + layer)
    >>> table["error"] = table.estimate - table.truth
    >>> print(control_variate_table(table).to_string())
    estimator  without  with  ratio
    d
    1             0.03  0.01    3.0
    2             0.03  0.01    3.0
    """
    rows = table[(table.task == "noisy layer") & (table.n == table[table.task == "noisy layer"].n.max())]
    pivot = rows[rows.estimator.isin(["SP", "SP, no control variate"])].pivot_table(
        index="d", columns="estimator", values="std_error", aggfunc="mean")
    pivot["ratio"] = pivot["SP, no control variate"] / pivot["SP"]
    return pivot.rename(columns={"SP": "with", "SP, no control variate": "without"})[["without", "with", "ratio"]]
