"""The information plane of Shwartz-Ziv & Tishby (2017), averaged over N networks.

N SZT networks (12-10-7-5-4-3-2, Adam) train as one ensemble
(:func:`~ipcore.nets.ensemble.ensemble_of_mlps`). At every logged epoch all 4096
inputs go through every network and each layer is measured:

- deterministic networks (β = 0): binned as in IDNNs (30 edges on [−1, 1],
  :data:`~ipcore.estimators.SZT_EDGES`), I(X;T) = H(Bin T) and
  I(T;Y) = H(Bin T) − Σ_y p(y) H(Bin T | Y = y), the five hidden layers and the
  softmax output; with ``kde_variance`` also Saxe et al.'s KDE upper bounds
  (:func:`~ipcore.estimators.kde_information_batch`) of the same layers;
- noisy networks (β > 0): the sample-propagation estimates of I(X;T)
  (:func:`~ipcore.estimators.sp_mutual_information`) and I(T;Y)
  (:func:`~ipcore.estimators.sp_label_information`) of the five noisy layers,
  with their standard errors.

The gradient statistics of every weight matrix (the norm of the mean batch
gradient and of its standard deviation over the epoch's batches) are logged at
the same epochs. Only these numbers are kept per network; runs are cached,
checkpointed and resumable. All information in nats. The chapter's profiles, tables and
figures are in :mod:`ipcore.experiments.information_plane_chapter`, so that editing a
figure does not invalidate the cached runs.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from ipcore.cache import CachedRun, load_stored
from ipcore.experiments.grouping import run_group, run_keyed
from ipcore.validation import check_choice, check_number, check_positive_int
from ipcore.data import SPLITS, szt, szt_split
from ipcore.estimators import (SZT_EDGES, binned_information_batch, kde_information_batch, labels_entropy,
                               sp_label_information, sp_mutual_information)
from ipcore.nets.ensemble import accuracy, cross_entropy, ensemble_of_mlps
from ipcore.nets.models import ACTIVATIONS, INITS, check_noise_std
from ipcore.nets.training import OPTIMIZERS, SCHEDULES, Recorder, Snapshot, logging_schedule, train
from ipcore.seeding import derive_seed
from ipcore.validation import check_seed

#: ipcore modules and packages whose code determines a result (their change invalidates the cache).
PLANE_MODULES = ["ipcore.experiments.information_plane", "ipcore.nets", "ipcore.data.szt",
                 "ipcore.estimators", "ipcore.seeding"]
#: How deterministic layers are binned.
BINNINGS = {
    "szt": "30 edges on [−1, 1], IDNNs' digitize rule (values ≥ 1 a symbol of their own)",
    "width": "bins of width bin_width, unbounded (ibsgd: 0.07)",
}


@dataclass(frozen=True)
class PlaneConfig:
    """One ensemble of SZT networks. Defaults are IDNNs' set-up (see the chapter for why).

    A frozen dataclass; its fields (with the code of
    :data:`~ipcore.experiments.information_plane.PLANE_MODULES`) are the key of the ensemble in the results
    cache.

    Parameters
    ----------
    n_networks : int, default 50
        N, the networks trained together.
    first_seed : int, default 0
        The networks' seeds are first_seed, …, first_seed + n_networks − 1.
    beta : float, default 0.0
        β, the noise standard deviation after every hidden layer; 0: deterministic, binned.
    activation : str, default "tanh"
        One of :data:`ipcore.nets.models.ACTIVATIONS`.
    widths : tuple of int, default (12, 10, 7, 5, 4, 3, 2)
        Layer widths: 12 inputs, at least one hidden layer, 2 outputs.
    epochs : int, default 10000
        Training epochs, at least 2.
    lr : float, default 4e-4
        Learning rate.
    batch_size : int, optional, default 512
        Mini-batch size; None: full batch.
    optimizer : str, default "adam"
        One of :data:`ipcore.nets.training.OPTIMIZERS`.
    shuffle : bool, default True
        Reshuffle the batches every epoch (IDNNs: no, fixed contiguous slices).
    gradient_batch_size : int, optional
        None: the gradient statistics come from the epoch's training batches; else from
        batches of this size drawn only to measure, at the logged epoch's parameters (how a
        full-batch run gets an SNR).
    init : str, default "trunc_normal_fan_in"
        Weight initialisation, one of :data:`ipcore.nets.models.INITS`.
    split : str, default "random"
        Train/test split, one of :data:`ipcore.data.SPLITS`.
    split_seed : int, default 0
        Seed of the random split.
    schedule : str, default "log2"
        Logging schedule, one of :data:`ipcore.nets.training.SCHEDULES`.
    n_log : int, default 400
        Points of the log-spaced schedules.
    binning : str, default "szt"
        How deterministic layers are binned, a key of :data:`~ipcore.experiments.information_plane.BINNINGS`:
        ``"szt"`` (30 edges on [−1, 1]) or ``"width"``.
    bin_width : float, default 0.07
        The bin width with ``binning="width"``.
    kde_variance : float, optional
        Also Saxe et al.'s KDE upper bounds, noise variance σ² (β = 0 only; ibsgd: 1e-3).
    replicas : int, default 50
        Noisy passes per input for h(T_ℓ | X) (β > 0).
    n_mc : int, default 1
        Monte Carlo draws per mixture component (β > 0).
    precision : str, default "float32"
        ``"float32"`` or ``"float64"``.

    Raises
    ------
    ValueError
        Naming the first field out of range; also ``kde_variance`` with β > 0.

    See Also
    --------
    ipcore.experiments.information_plane.run_plane : Trains and measures the ensemble.
    ipcore.experiments.information_plane_chapter.chapter_config : The config of a profile.

    Examples
    --------
    >>> config = PlaneConfig(n_networks=3, first_seed=5, epochs=100, schedule="log10", n_log=5)
    >>> config.seeds
    [5, 6, 7]
    >>> config.logged_epochs()
    array([ 0,  1,  3, 10, 31, 99])
    >>> PlaneConfig(beta=0.01, kde_variance=1e-3)
    Traceback (most recent call last):
    ...
    ValueError: kde_variance: the KDE bounds are for deterministic networks (beta = 0), got beta = 0.01
    """

    n_networks: int = 50
    first_seed: int = 0  #: the networks' seeds are first_seed, …, first_seed + n_networks − 1
    beta: float = 0.0  #: noise std after every hidden layer; 0: deterministic, binned
    activation: str = "tanh"
    widths: tuple[int, ...] = (12, 10, 7, 5, 4, 3, 2)
    epochs: int = 10000
    lr: float = 4e-4
    batch_size: int | None = 512  #: None: full batch
    optimizer: str = "adam"
    shuffle: bool = True  #: reshuffle the batches every epoch (IDNNs: no, fixed contiguous slices)
    #: None: the gradient statistics come from the epoch's training batches; else from batches of
    #: this size drawn only to measure, at the logged epoch's parameters (how a full-batch run gets an SNR)
    gradient_batch_size: int | None = None
    init: str = "trunc_normal_fan_in"
    split: str = "random"
    split_seed: int = 0
    schedule: str = "log2"
    n_log: int = 400  #: points of the log-spaced schedules
    binning: str = "szt"
    bin_width: float = 0.07  #: with binning="width"
    kde_variance: float | None = None  #: also Saxe et al.'s KDE upper bounds, noise variance σ² (β = 0; ibsgd: 1e-3)
    replicas: int = 50  #: noisy passes per input for h(T_ℓ | X) (β > 0)
    n_mc: int = 1  #: Monte Carlo draws per mixture component (β > 0)
    precision: str = "float32"

    def __post_init__(self) -> None:
        check_positive_int(self.n_networks, "n_networks")
        check_seed(self.first_seed, "first_seed")
        object.__setattr__(self, "beta", float(check_noise_std(self.beta)))  # 0 and 0.0: one config, one key
        check_choice(self.activation, "activation", ACTIVATIONS)
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        if len(self.widths) < 3 or self.widths[0] != 12 or self.widths[-1] != 2:
            raise ValueError(f"widths: SZT needs 12 inputs, at least one hidden layer and 2 outputs, got {self.widths}")
        if check_positive_int(self.epochs, "epochs") < 2:
            raise ValueError(f"epochs: must be >= 2, got {self.epochs}")
        check_number(self.lr, "lr")
        if self.batch_size is not None:
            check_positive_int(self.batch_size, "batch_size")
        if self.gradient_batch_size is not None:
            check_positive_int(self.gradient_batch_size, "gradient_batch_size")
        check_choice(self.optimizer, "optimizer", OPTIMIZERS)
        check_choice(self.init, "init", INITS)
        check_choice(self.split, "split", SPLITS)
        check_seed(self.split_seed, "split_seed")
        check_choice(self.schedule, "schedule", SCHEDULES)
        check_positive_int(self.n_log, "n_log")
        check_choice(self.binning, "binning", BINNINGS)
        check_number(self.bin_width, "bin_width")
        if self.kde_variance is not None:
            check_number(self.kde_variance, "kde_variance")
            if self.beta > 0:
                raise ValueError(f"kde_variance: the KDE bounds are for deterministic networks (beta = 0), got beta = {self.beta:g}")
        if self.beta > 0:
            check_positive_int(self.replicas, "replicas")
        check_positive_int(self.n_mc, "n_mc")
        check_choice(self.precision, "precision", ("float32", "float64"))

    @property
    def seeds(self) -> list[int]:
        """The networks' seeds: first_seed, …, first_seed + n_networks − 1."""
        return list(range(self.first_seed, self.first_seed + self.n_networks))

    def logged_epochs(self) -> np.ndarray:
        """The epochs measured: after e epochs of training, e in [0, epochs − 1].

        Returns
        -------
        ndarray of int
            The schedule ``schedule`` with ``n_log`` points
            (:func:`ipcore.nets.training.logging_schedule`).

        Examples
        --------
        >>> PlaneConfig(epochs=100, schedule="log10", n_log=5).logged_epochs()
        array([ 0,  1,  3, 10, 31, 99])
        >>> len(PlaneConfig().logged_epochs())  # IDNNs' log2 schedule, 400 points over 10 000 epochs
        279
        """
        return logging_schedule(self.schedule, self.epochs, self.n_log)

    def binning_kwargs(self) -> dict[str, Any]:
        """The bins of deterministic layers, as keyword arguments of :func:`ipcore.estimators.binned_information_batch`.

        Returns
        -------
        dict
            ``{"edges": SZT_EDGES}`` for ``binning="szt"``, ``{"width": bin_width}`` otherwise.

        Examples
        --------
        >>> PlaneConfig(binning="width", bin_width=0.07).binning_kwargs()
        {'width': 0.07}
        """
        return {"edges": SZT_EDGES} if self.binning == "szt" else {"width": self.bin_width}


@dataclass
class PlaneRun:
    """What a plane run keeps: per network, logged epoch and layer (arrays [network, epoch, layer]).

    Made by :func:`ipcore.experiments.information_plane.run_plane`; N networks, E logged
    epochs, L measured layers, W weight matrices.

    Parameters
    ----------
    config : PlaneConfig
        The ensemble's parameters.
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    layers : list of str
        Names of the measured layers ("layer 1" … and "softmax" when binned).
    mi_x : ndarray, shape (N, E, L)
        I(X;T_ℓ) in nats.
    mi_y : ndarray, shape (N, E, L)
        I(T_ℓ;Y) in nats.
    mi_x_se, mi_y_se : ndarray or None
        Monte Carlo standard errors (noisy runs), else None.
    mi_x_kde, mi_y_kde : ndarray, optional
        (N, E, L) KDE upper bounds (``kde_variance`` set), keyword-only.
    grad_mean : ndarray, shape (N, E, W)
        ‖mean batch gradient‖ per weight matrix (NaN at epoch 0).
    grad_std : ndarray, shape (N, E, W)
        ‖std of the batch gradients‖.
    weight_norm : ndarray, shape (N, E, W)
        ‖W_ℓ‖_F.
    metrics : dict of str to ndarray
        Train/test loss and accuracy, (N, E), clean pass.
    label_entropy : float
        H(Y) over the 4096 inputs (0.6926 nats).
    weights : list of str
        Names of the W weight matrices.
    timings : dict of str to float
        Wall seconds of the run that computed it: training steps, recording (forward passes,
        losses, gradient statistics and estimation), and estimation alone.

    Examples
    --------
    >>> import numpy as np
    >>> values = np.ones((2, 3, 1))  # 2 networks, 3 logged epochs, 1 layer
    >>> run = PlaneRun(PlaneConfig(n_networks=2, epochs=100), epochs=np.array([0, 10, 99]), layers=["layer 1"],
    ...                mi_x=values, mi_y=values / 2, mi_x_se=None, mi_y_se=None, grad_mean=values,
    ...                grad_std=values, weight_norm=values, metrics={}, label_entropy=0.693)
    >>> run.n_networks
    2
    """

    config: PlaneConfig
    epochs: np.ndarray  #: (E,)
    layers: list[str]  #: names of the measured layers ("layer 1" … and "softmax" when binned)
    mi_x: np.ndarray  #: (N, E, L) I(X;T_ℓ) in nats
    mi_y: np.ndarray  #: (N, E, L) I(T_ℓ;Y) in nats
    mi_x_se: np.ndarray | None  #: Monte Carlo standard errors (noisy runs), else None
    mi_y_se: np.ndarray | None
    mi_x_kde: np.ndarray | None = field(default=None, kw_only=True)  #: (N, E, L) KDE upper bounds (kde_variance set)
    mi_y_kde: np.ndarray | None = field(default=None, kw_only=True)
    grad_mean: np.ndarray  #: (N, E, W) ‖mean batch gradient‖ per weight matrix (NaN at epoch 0)
    grad_std: np.ndarray  #: (N, E, W) ‖std of the batch gradients‖
    weight_norm: np.ndarray  #: (N, E, W) ‖W_ℓ‖_F
    metrics: dict[str, np.ndarray]  #: train/test loss and accuracy, (N, E), clean pass
    label_entropy: float  #: H(Y) over the 4096 inputs (0.6926 nats)
    weights: list[str] = field(default_factory=list)  #: names of the W weight matrices
    #: wall seconds of the run that computed it: training steps, recording (forward passes,
    #: losses, gradient statistics and estimation), and estimation alone
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_networks(self) -> int:
        """N, the number of networks of the ensemble."""
        return self.mi_x.shape[0]


def _weight_names(n_hidden: int) -> list[str]:
    return [f"hidden.{i}.0.weight" for i in range(n_hidden)] + ["output.weight"]


def _member_slices(configs: list[PlaneConfig]) -> list[slice]:
    """The members of each config in an ensemble of ``configs``' networks, config after config."""
    ends = np.cumsum([c.n_networks for c in configs])
    return [slice(int(end) - c.n_networks, int(end)) for c, end in zip(configs, ends)]


def _measure(configs: list[PlaneConfig], layer_names: list[str], labels: np.ndarray, timings: dict[str, float]):
    """The recorder's reduce: the snapshot's representations become the plane's numbers
    (the seconds it takes are added to ``timings["estimation"]``). Several configs: the
    members of one ensemble, config after config, each measured with its own β (noisy) or
    binned and bounded on its own members (deterministic)."""
    config = configs[0]
    members = [(c, seed) for c in configs for seed in c.seeds]
    seeds = [seed for _, seed in members]

    def reduce(snap: Snapshot) -> Snapshot:
        started = time.perf_counter()
        if config.beta == 0:
            clean = [snap.clean[name] for name in layer_names]
            logits = torch.as_tensor(snap.clean["output"], dtype=torch.float64)
            clean.append(torch.softmax(logits, dim=-1).numpy())
            for key in ("mi_x", "mi_y") + (("mi_x_kde", "mi_y_kde") if config.kde_variance is not None else ()):
                snap.metrics[key] = np.zeros((len(seeds), len(clean)))  # (N, L)
            for member, part in zip(configs, _member_slices(configs)):  # each config's networks
                results = [binned_information_batch(t[part], labels, **member.binning_kwargs()) for t in clean]
                snap.metrics["mi_x"][part] = np.stack([h for h, _ in results], axis=1)
                snap.metrics["mi_y"][part] = np.stack([i for _, i in results], axis=1)
                if config.kde_variance is not None:
                    kde = [kde_information_batch(t[part], labels, beta=math.sqrt(config.kde_variance), lower=False)
                           for t in clean]
                    snap.metrics["mi_x_kde"][part] = np.stack([k["mi_x_upper"] for k in kde], axis=1)
                    snap.metrics["mi_y_kde"][part] = np.stack([k["mi_y_upper"] for k in kde], axis=1)
        else:
            values = np.zeros((4, len(seeds), len(layer_names)))
            for i, (member, seed) in enumerate(members):  # per network: each estimate is one batched computation
                for ell, name in enumerate(layer_names):
                    reps = snap.replicas[name][i]  # (m, R, d)
                    mc_seed = derive_seed(seed, f"sp epoch {snap.epoch} layer {ell}")
                    x_est = sp_mutual_information(reps[:, 0], member.beta, conditional_centers=None if ell == 0 else reps,
                                                  n_mc=member.n_mc, seed=mc_seed)
                    y_est = sp_label_information(reps[:, 0], labels, member.beta, n_mc=member.n_mc, seed=mc_seed + 7)
                    values[:, i, ell] = (x_est.mi, x_est.mi_std, y_est.mi, y_est.mi_std)
            for key, value in zip(("mi_x", "mi_x_se", "mi_y", "mi_y_se"), values):
                snap.metrics[key] = value
        snap.clean, snap.replicas = {}, {}  # measured; only the numbers are kept
        timings["estimation"] = timings.get("estimation", 0.0) + time.perf_counter() - started
        return snap

    return reduce


def cache_entry(config: PlaneConfig) -> CachedRun:
    """Where the ensemble of ``config`` is cached (its result and checkpoint).

    Parameters
    ----------
    config : PlaneConfig
        The ensemble's parameters.

    Returns
    -------
    ipcore.cache.CachedRun
        The entry, keyed by ``config``'s fields and the source of
        :data:`~ipcore.experiments.information_plane.PLANE_MODULES` (nothing is read or written until it is
        used).
    """
    return CachedRun("information_plane", asdict(config), modules=PLANE_MODULES)


def member_entry(config: PlaneConfig) -> CachedRun:
    """Where the ensemble of ``config`` is cached when it trained inside a larger ensemble
    (:func:`~ipcore.experiments.information_plane.run_plane_group`).

    Kept apart from :func:`~ipcore.experiments.information_plane.cache_entry`'s: its networks
    follow the ones trained alone only to float rounding at every step (the batched products
    of a larger ensemble round differently), so each computation is stored as what it is.

    Parameters
    ----------
    config : PlaneConfig
        The ensemble's parameters.

    Returns
    -------
    ipcore.cache.CachedRun
        The entry (nothing is read or written until it is used).
    """
    return CachedRun("information_plane", {**asdict(config), "trained_as": "part of a larger ensemble"},
                     modules=PLANE_MODULES)


def run_plane(config: PlaneConfig = PlaneConfig(), *, progress: bool = True, checkpoint_every: int = 500,
              use_cache: bool = True) -> PlaneRun:
    """Train and measure the ensemble of ``config`` (loaded from the cache if it ran before).

    The N networks train as one batched ensemble
    (:func:`ipcore.nets.ensemble.ensemble_of_mlps`). At each logged epoch, all 4096 inputs go
    through every network: deterministic layers are binned (I(X;T) = H(Bin T),
    I(T;Y) = H(Bin T) − Σ_y p(y) H(Bin T | Y = y), and the KDE upper bounds with
    ``kde_variance``); noisy layers get the sample-propagation estimates of I(X;T) and I(T;Y)
    with their standard errors. All in nats. Gradient statistics of every weight matrix are
    logged at the same epochs. Training checkpoints every ``checkpoint_every`` epochs.

    Parameters
    ----------
    config : PlaneConfig, default PlaneConfig()
        The ensemble's parameters (IDNNs' by default: 50 networks, 10 000 epochs).
    progress : bool, default True
        Show a progress bar.
    checkpoint_every : int, default 500
        Epochs between checkpoints.
    use_cache : bool, default True
        Load a stored result and store this one.

    Returns
    -------
    PlaneRun
        The per-network measurements.

    See Also
    --------
    ipcore.experiments.information_plane_chapter.mean_plane : The mean over the networks.
    """
    cached = cache_entry(config) if use_cache else None
    if cached is not None and (stored := load_stored((cached, member_entry(config)))) is not None:
        return stored  # trained alone, or inside a larger ensemble
    run = _train_and_measure([config], store=cached, progress=progress, checkpoint_every=checkpoint_every)[0]
    if cached is not None:
        cached.save(run)
    return run


def _train_and_measure(configs: list[PlaneConfig], *, store: CachedRun | None, progress: bool,
                       checkpoint_every: int) -> list[PlaneRun]:
    """Train the networks of ``configs`` as one ensemble and measure them; one run per config."""
    config = configs[0]
    x_np, y_np = szt()
    train_idx, test_idx = szt_split(config.split, seed=config.split_seed)
    dtype = getattr(torch, config.precision)
    x, y = torch.as_tensor(x_np, dtype=dtype), torch.as_tensor(y_np)
    seeds = [seed for c in configs for seed in c.seeds]
    betas = [c.beta for c in configs for _ in c.seeds]
    activations = [c.activation for c in configs for _ in c.seeds]
    model = ensemble_of_mlps(seeds, widths=config.widths, activation=activations, betas=betas,
                             dtype=dtype, init=config.init)
    n_hidden = len(config.widths) - 2
    layer_names = [f"hidden.{i}.2" for i in range(n_hidden)]
    timings: dict[str, float] = {}
    recorder = Recorder(model, x, config.logged_epochs(), replicas=config.replicas if config.beta > 0 else 0,
                        reduce=_measure(configs, layer_names, y_np, timings), outputs=["output"] if config.beta == 0 else ())
    xtr, ytr, xte, yte = x[train_idx], y[train_idx], x[test_idx], y[test_idx]

    def evaluate(m: torch.nn.Module) -> dict[str, Any]:
        out_tr, out_te = m(xtr), m(xte)
        return {
            "train_loss": cross_entropy(out_tr, ytr), "test_loss": cross_entropy(out_te, yte),
            "train_acc": accuracy(out_tr, ytr), "test_acc": accuracy(out_te, yte),
        }

    weights = _weight_names(n_hidden)
    kind = "β=" + ", ".join(f"{c.beta:g}" for c in configs) if config.beta > 0 else "deterministic"
    names = ", ".join(dict.fromkeys(activations))
    train(
        model, xtr, ytr, loss_fn=lambda m, xb, yb: cross_entropy(m(xb), yb), epochs=config.epochs, lr=config.lr,
        batch_size=config.batch_size, recorder=recorder, seed=seeds, progress=progress,
        desc=f"{len(seeds)} SZT networks ({names}, {kind})", evaluate=evaluate, store=store,
        checkpoint_every=checkpoint_every, optimizer=config.optimizer, shuffle=config.shuffle, gradient_stats=weights,
        gradient_batch_size=config.gradient_batch_size, timings=timings,
    )
    snaps = recorder.snapshots
    noisy = config.beta > 0
    runs = []
    for c, part in zip(configs, _member_slices(configs)):
        def stacked(key: str) -> np.ndarray:  # (N, E, …) from per-epoch (N, …), this config's networks
            return np.stack([np.asarray(s.metrics[key])[part] for s in snaps], axis=1)

        def per_weight(prefix: str) -> np.ndarray:
            return np.stack([stacked(f"{prefix}/{w}") for w in weights], axis=-1)

        runs.append(PlaneRun(
            config=c,
            epochs=np.array([s.epoch for s in snaps]),
            layers=[f"layer {i + 1}" for i in range(n_hidden)] + ([] if noisy else ["softmax"]),
            mi_x=stacked("mi_x"), mi_y=stacked("mi_y"),
            mi_x_se=stacked("mi_x_se") if noisy else None, mi_y_se=stacked("mi_y_se") if noisy else None,
            mi_x_kde=stacked("mi_x_kde") if c.kde_variance is not None else None,
            mi_y_kde=stacked("mi_y_kde") if c.kde_variance is not None else None,
            grad_mean=per_weight("grad_mean"), grad_std=per_weight("grad_std"), weight_norm=per_weight("weight_norm"),
            metrics={k: stacked(k) for k in ("train_loss", "test_loss", "train_acc", "test_acc")},
            label_entropy=labels_entropy(y_np),
            weights=weights,
            timings=dict(timings),
        ))
    return runs


def _group_key(config: PlaneConfig) -> PlaneConfig:
    """What the configs that may train as one ensemble share: everything but β, the activation
    and the seeds, and whether the networks are noisy (noisy layers are estimated, deterministic
    ones binned)."""
    return replace(config, beta=1.0 if config.beta > 0 else 0.0, activation="tanh", first_seed=0, n_networks=1)


def run_plane_group(configs: Sequence[PlaneConfig], *, progress: bool = True, checkpoint_every: int = 500,
                    use_cache: bool = True) -> list[PlaneRun]:
    """Train and measure several ensembles (a β grid, a set of activations) as one larger ensemble; each cached on its own.

    The configs may differ only in β, the activation, ``first_seed`` and ``n_networks`` (the
    five β of the chapter's noisy planes; Saxe et al.'s four activations), and are all noisy or
    all deterministic. Each one already stored (trained alone by
    :func:`~ipcore.experiments.information_plane.run_plane` or inside a group) is loaded and not
    retrained; the rest train together as one ensemble of all their networks (one batched
    optimizer step), are measured as :func:`~ipcore.experiments.information_plane.run_plane`
    measures them (same estimators, same Monte Carlo seeds), and are stored per config
    (:func:`~ipcore.experiments.information_plane.member_entry`). The group checkpoints every
    ``checkpoint_every`` epochs and resumes.

    Parameters
    ----------
    configs : sequence of PlaneConfig
        At least one config, all noisy (β > 0) or all deterministic; equal configs are computed
        once.
    progress : bool, default True
        Show a progress bar.
    checkpoint_every : int, default 500
        Epochs between checkpoints.
    use_cache : bool, default True
        Load stored results and store these.

    Returns
    -------
    list of PlaneRun
        One run per config, in the order given.

    Raises
    ------
    ValueError
        If ``configs`` is empty, holds something that is not a
        :class:`~ipcore.experiments.information_plane.PlaneConfig`, mixes noisy and
        deterministic configs, or holds configs that differ in a field other than β, the
        activation, ``first_seed`` and ``n_networks`` (the message names the fields).

    Examples
    --------
    >>> configs = [PlaneConfig(n_networks=2, beta=b, epochs=3, schedule="log10", n_log=2, replicas=2) for b in (0.05, 0.1)]
    >>> runs = run_plane_group(configs, progress=False, use_cache=False)
    >>> [run.config.beta for run in runs], runs[1].mi_x.shape
    ([0.05, 0.1], (2, 3, 5))
    """
    kinds = {c.beta > 0 for c in configs if isinstance(c, PlaneConfig)} if isinstance(configs, (list, tuple)) else set()
    if len(kinds) > 1:
        raise ValueError("configs: noisy (beta > 0) and deterministic (beta = 0) configs are measured differently "
                         "and cannot train as one group")

    return run_group(
        configs, config_type=PlaneConfig, group_key=_group_key, varying="beta, activation, first_seed and n_networks",
        stored=lambda c: load_stored((cache_entry(c), member_entry(c))),
        run_alone=lambda c: run_plane(c, progress=progress, checkpoint_every=checkpoint_every, use_cache=use_cache),
        train_together=lambda todo, store: _train_and_measure(todo, store=store, progress=progress,
                                                              checkpoint_every=checkpoint_every),
        member_entry=member_entry, order=lambda c: (c.activation, c.first_seed, c.beta, c.n_networks), use_cache=use_cache,
        group_entry=lambda todo: CachedRun("information_plane_group", {"members": [asdict(c) for c in todo]},
                                           modules=PLANE_MODULES),
    )


def run_planes(configs: Mapping[Any, PlaneConfig], *, progress: bool = True) -> dict[Any, PlaneRun]:
    """Run (or load) every config, with an overall progress bar (e.g. one ensemble per β).

    Configs that differ only in β, the activation, ``first_seed`` and ``n_networks`` (a β
    grid, Saxe et al.'s activations), all noisy or all deterministic, train together as one
    larger ensemble (:func:`~ipcore.experiments.information_plane.run_plane_group`),
    each result cached on its own; the others run alone
    (:func:`~ipcore.experiments.information_plane.run_plane`). A stored run is loaded whichever
    way it was computed.

    Parameters
    ----------
    configs : mapping of key to PlaneConfig
        The ensembles, keyed as the caller likes.
    progress : bool, default True
        Show progress bars (the overall one only for more than one ensemble).

    Returns
    -------
    dict of key to PlaneRun
        The runs, under the same keys.
    """
    return run_keyed(configs, group_key=_group_key, run_alone=lambda c: run_plane(c, progress=progress),
                     run_together=lambda cs: run_plane_group(cs, progress=progress), progress=progress,
                     desc="ensembles")
