"""The SZT network (12-10-7-5-4-3-2) trained on the SZT data, with I(X;T_ℓ) tracked per layer.

At every logged epoch the recorder pushes all 4096 inputs through the noisy
network R times; the sample-propagation estimator turns the clean S_ℓ of
those passes into I(X;T_ℓ) (nats) at once, and only the estimates, the clean
representations and H(Bin(T_ℓ)) are kept. Runs are cached by their
parameters and the code that computes them, checkpointed, and resumable.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from ipcore.cache import CachedRun, load_stored
from ipcore.experiments.grouping import run_group
from ipcore.validation import check_choice, check_number, check_positive_int
from ipcore.data import szt, train_test_split
from ipcore.estimators import binned_entropy, sp_mutual_information
from ipcore.nets.ensemble import accuracy, cross_entropy, ensemble_of_mlps
from ipcore.nets.models import ACTIVATIONS, NoisyMLP, check_noise_std, orthonormality_step_
from ipcore.nets.training import Recorder, Snapshot, log_spaced_epochs, train

#: ipcore modules whose code determines an SZT result (their change invalidates the cache).
SZT_MODULES = [
    "ipcore.experiments.szt", "ipcore.nets.training", "ipcore.nets.models", "ipcore.nets.ensemble", "ipcore.data.szt",
    "ipcore.estimators", "ipcore.seeding",
]


@dataclass(frozen=True)
class SZTConfig:
    """Parameters of one SZT run. Defaults are the paper's (Goldfeld et al., Fig. 5a).

    A frozen dataclass: its fields (with the code of :data:`~ipcore.experiments.szt.SZT_MODULES`) are the key of the run
    in the results cache, so two equal configs share one run.

    Parameters
    ----------
    activation : str, default "tanh"
        The hidden layers' activation, one of :data:`ipcore.nets.models.ACTIVATIONS`.
    beta : float, default 0.005
        β, the standard deviation of the Gaussian noise added after every hidden layer,
        T_ℓ = S_ℓ + Z, Z ~ N(0, β² I); 0 trains a deterministic network.
    epochs : int, default 10000
        Training epochs, at least 2.
    lr : float, default 4e-4
        Adam's learning rate, > 0.
    batch_size : int, default 256
        Mini-batch size.
    n_log : int, default 100
        Points of logspace(0, log10(epochs − 1), n_log); rounded and deduplicated (84 unique
        epochs by default), with epoch 0.
    replicas : int, default 100
        R, the noisy passes per input from which h(T_ℓ | X) is estimated (β > 0).
    n_mc : int, default 1
        Monte Carlo draws per mixture component of the sample-propagation estimator.
    orthonormal_alpha : float, default 0.0
        Strength of the orthonormality step after every update (0: none), see
        :func:`ipcore.nets.models.orthonormality_step_`.
    widths : tuple of int, default (12, 10, 7, 5, 4, 3, 2)
        Layer widths, input to output; SZT needs 12 inputs and 2 outputs.
    bin_width_factor : float, default 10.0
        H(Bin(T_ℓ)) uses bins of width factor·β (or 0.1 when β = 0), see
        :attr:`~ipcore.experiments.szt.SZTConfig.bin_width`.
    seed : int, default 0
        Seed of the initial weights, the batches and the noise.
    split_seed : int, default 0
        Seed of the train/test split (:func:`ipcore.data.train_test_split`).
    estimate : bool, default True
        False: record representations only (deterministic-network chapters).
    log_epochs : tuple of int, optional
        Explicit logged epochs (overrides ``n_log``), each in [0, epochs − 1]; stored sorted
        and without repeats.
    precision : str, default "float32"
        "float32" or "float64". "float64" trains and records in double precision: a saturated
        deterministic network stays injective (in float32, tanh(x) is exactly ±1 for ``|x| ≳ 9``,
        and distinct inputs collide).

    Raises
    ------
    ValueError
        Naming the first field out of range: an unknown ``activation`` or ``precision``, a
        negative ``beta``, ``epochs`` < 2, a non-positive ``lr``, ``batch_size``, ``n_log``,
        ``n_mc`` or ``replicas`` (when estimating with β > 0), ``widths`` that do not start at
        12 and end at 2, or a logged epoch outside [0, epochs − 1].

    See Also
    --------
    ipcore.experiments.szt.run_szt : Trains and measures the network of a config.
    ipcore.experiments.szt_chapters.chapter_config : The config of a chapter profile.

    Examples
    --------
    >>> config = SZTConfig(beta=0.01, epochs=100, n_log=5)
    >>> config.schedule()
    array([ 0,  1,  3, 10, 31, 99])
    >>> round(config.bin_width, 6)
    0.1
    >>> SZTConfig(epochs=100, log_epochs=(50, 0, 99, 50)).log_epochs
    (0, 50, 99)
    >>> SZTConfig(widths=(12, 10, 3))
    Traceback (most recent call last):
    ...
    ValueError: widths: SZT needs 12 inputs and 2 outputs, got (12, 10, 3)
    >>> SZTConfig(epochs=100, log_epochs=(0, 100))
    Traceback (most recent call last):
    ...
    ValueError: log_epochs: every logged epoch must lie in [0, epochs − 1 = 99], got [0, 100]
    """

    activation: str = "tanh"
    beta: float = 0.005
    epochs: int = 10000
    lr: float = 4e-4
    batch_size: int = 256
    n_log: int = 100  #: points of logspace(0, log10(epochs − 1), n_log); 84 unique epochs by default
    replicas: int = 100  #: R noisy passes per input for h(T_ℓ | X)
    n_mc: int = 1  #: Monte Carlo draws per mixture component
    orthonormal_alpha: float = 0.0
    widths: tuple[int, ...] = (12, 10, 7, 5, 4, 3, 2)
    bin_width_factor: float = 10.0  #: H(Bin(T_ℓ)) uses bins of width factor·β (or 0.1 when β = 0)
    seed: int = 0
    split_seed: int = 0
    estimate: bool = True  #: False: record representations only (deterministic-network chapters)
    log_epochs: tuple[int, ...] | None = None  #: explicit logged epochs (overrides n_log), each in [0, epochs − 1]
    #: "float64" trains and records in double precision: a saturated deterministic network stays
    #: injective (in float32, tanh(x) is exactly ±1 for |x| ≳ 9, and distinct inputs collide).
    precision: str = "float32"

    def __post_init__(self) -> None:
        check_choice(self.activation, "activation", ACTIVATIONS)
        object.__setattr__(self, "beta", float(check_noise_std(self.beta)))  # 0 and 0.0: one config, one key
        if check_positive_int(self.epochs, "epochs") < 2:
            raise ValueError(f"epochs: must be >= 2, got {self.epochs}")
        check_number(self.lr, "lr")
        check_positive_int(self.batch_size, "batch_size")
        check_positive_int(self.n_log, "n_log")
        check_positive_int(self.n_mc, "n_mc")
        if self.estimate and self.beta > 0:
            check_positive_int(self.replicas, "replicas")
        check_number(self.orthonormal_alpha, "orthonormal_alpha", allow_zero=True)
        check_number(self.bin_width_factor, "bin_width_factor")
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        if self.widths[0] != 12 or self.widths[-1] != 2:
            raise ValueError(f"widths: SZT needs 12 inputs and 2 outputs, got {self.widths}")
        check_choice(self.precision, "precision", ("float32", "float64"))
        if self.log_epochs is not None:
            logged = tuple(sorted({int(e) for e in self.log_epochs}))
            if not logged or logged[0] < 0 or logged[-1] > self.epochs - 1:
                raise ValueError(
                    f"log_epochs: every logged epoch must lie in [0, epochs − 1 = {self.epochs - 1}], "
                    f"got {list(self.log_epochs)}"
                )
            object.__setattr__(self, "log_epochs", logged)

    def schedule(self) -> np.ndarray:
        """The logged epochs, ``log_epochs`` if given, else the log-spaced schedule and epoch 0.

        unique(round(logspace(0, log10(epochs − 1), n_log))) together with 0; epoch e is measured
        after e epochs of training.

        Returns
        -------
        ndarray of int64
            The logged epochs, increasing, each in [0, epochs − 1].

        Examples
        --------
        >>> SZTConfig(epochs=100, n_log=5).schedule()
        array([ 0,  1,  3, 10, 31, 99])
        >>> SZTConfig(epochs=100, log_epochs=(0, 9)).schedule()
        array([0, 9])
        """
        if self.log_epochs is not None:
            return np.array(self.log_epochs, dtype=np.int64)
        return log_spaced_epochs(self.epochs - 1, self.n_log, include_zero=True)

    @property
    def bin_width(self) -> float:
        """Width of the bins of H(Bin(T_ℓ)): ``bin_width_factor`` · β, or 0.1 when β = 0.

        Examples
        --------
        >>> round(SZTConfig(beta=0.02).bin_width, 6)
        0.2
        >>> SZTConfig(beta=0.0).bin_width
        0.1
        """
        return self.bin_width_factor * self.beta if self.beta > 0 else 0.1


@dataclass
class SZTRun:
    """What an SZT run keeps, per logged epoch (arrays indexed [epoch, …]).

    Made by :func:`ipcore.experiments.szt.run_szt`; E logged epochs, L = 5 hidden layers.

    Parameters
    ----------
    config : SZTConfig
        The run's parameters.
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    metrics : dict of str to ndarray
        Per logged epoch: ``loss``, ``train_loss``, ``test_loss``, ``train_acc`` and
        ``test_acc`` (clean pass).
    mi : ndarray, shape (E, L)
        I(X;T_ℓ) in nats (NaN when not estimated).
    mi_std : ndarray, shape (E, L)
        Monte Carlo standard errors of ``mi``.
    binned : ndarray, shape (E, L)
        H(Bin(T_ℓ)) in nats, bins of width ``config.bin_width``.
    clean : list of ndarray
        Per hidden layer, the clean S_ℓ of all 4096 inputs, shape (E, 4096, d_ℓ), in
        ``config.precision``.
    labels : ndarray, optional
        The 4096 labels.
    trained_as : str, default "single network"
        How it was computed: ``"single network"`` (:func:`~ipcore.experiments.szt.run_szt`) or
        ``"member of an ensemble of N"`` (:func:`~ipcore.experiments.szt.run_szt_ensemble`).
    timings : dict of str to float
        Wall seconds of the computation (for a member, of its whole ensemble; after a resume, of
        the part after it): ``training``
        (the optimizer steps), ``recording`` (forward passes, evaluation and estimation) and
        ``estimation`` alone.

    Examples
    --------
    >>> import numpy as np
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 9)), epochs=np.array([0, 9]),
    ...              metrics={}, mi=np.zeros((2, 5)), mi_std=np.zeros((2, 5)), binned=np.zeros((2, 5)))
    >>> run.mi.shape, run.clean
    ((2, 5), [])
    """

    config: SZTConfig
    epochs: np.ndarray
    metrics: dict[str, np.ndarray]  #: loss, train/test loss and accuracy (clean pass)
    mi: np.ndarray  #: (E, L) I(X;T_ℓ) in nats (NaN when not estimated)
    mi_std: np.ndarray  #: (E, L) Monte Carlo standard errors
    binned: np.ndarray  #: (E, L) H(Bin(T_ℓ)) in nats, bins of width config.bin_width
    clean: list[np.ndarray] = field(default_factory=list)  #: per layer, (E, 4096, d_ℓ), in config.precision
    labels: np.ndarray | None = None
    #: how it was computed: "single network", or "member of an ensemble of N" (run_szt_ensemble)
    trained_as: str = "single network"
    #: wall seconds of the computation (for a member: of its whole ensemble; after a resume: of
    #: the part after it): training steps, recording (forward passes, evaluation and
    #: estimation), and estimation alone
    timings: dict[str, float] = field(default_factory=dict)


def _measure(config: SZTConfig, clean: dict[str, np.ndarray], replicas: dict[str, np.ndarray], epoch: int,
             layer_names: list[str]) -> dict[str, float]:
    """One network's numbers at one logged epoch: H(Bin(T_ℓ)) and, for β > 0, the SP estimate of I(X;T_ℓ)."""
    metrics = {}
    for i, name in enumerate(layer_names):
        metrics[f"binned_{i}"] = binned_entropy(clean[name], width=config.bin_width)
        if config.estimate and config.beta > 0:
            reps = replicas[name]
            est = sp_mutual_information(
                reps[:, 0, :], config.beta, conditional_centers=None if i == 0 else reps,
                n_mc=config.n_mc, seed=config.seed + 1000 * epoch + i,
            )
            metrics[f"mi_{i}"], metrics[f"mi_std_{i}"] = est.mi, est.mi_std
    return metrics


def _estimator(configs: Sequence[SZTConfig], layer_names: list[str], ensemble: bool, timings: dict[str, float]):
    """The recorder's reduce: each member's numbers (one network: ``ensemble`` False, one config);
    the seconds it takes are added to ``timings["estimation"]``."""
    precision = configs[0].precision

    def reduce(snap: Snapshot) -> Snapshot:
        started = time.perf_counter()
        per_member = [
            _measure(config, {k: v[i] for k, v in snap.clean.items()} if ensemble else snap.clean,
                     {k: v[i] for k, v in snap.replicas.items()} if ensemble else snap.replicas,
                     snap.epoch, layer_names)
            for i, config in enumerate(configs)
        ]
        for key in dict.fromkeys(k for m in per_member for k in m):  # a β = 0 member of a noisy ensemble: NaN
            values = [m.get(key, np.nan) for m in per_member]
            snap.metrics[key] = np.array(values) if ensemble else values[0]
        snap.replicas = {}  # estimated; dropping them keeps a long run's memory small
        snap.clean = {k: v.astype(precision) for k, v in snap.clean.items()}
        timings["estimation"] = timings.get("estimation", 0.0) + time.perf_counter() - started
        return snap

    return reduce


def cache_entry(config: SZTConfig) -> CachedRun:
    """Where the run of ``config`` is cached (its result and checkpoint).

    The entry's key is ``config``'s fields and the source of :data:`~ipcore.experiments.szt.SZT_MODULES`: editing that
    code invalidates the stored runs, editing a figure does not.

    Parameters
    ----------
    config : SZTConfig
        The run's parameters.

    Returns
    -------
    ipcore.cache.CachedRun
        The entry (nothing is read or written until it is used).
    """
    return CachedRun("szt", asdict(config), modules=SZT_MODULES)


def member_entry(config: SZTConfig) -> CachedRun:
    """Where the run of ``config`` is cached when it trained as a member of an ensemble.

    Kept apart from :func:`~ipcore.experiments.szt.cache_entry`'s: a member follows the single
    network's computation only to float rounding at every step (its products run batched),
    so the two are different computations of the same run and each is stored as what it is.
    The key does not name the other members: a member computes what it does whatever the
    others are, to the same rounding.

    Parameters
    ----------
    config : SZTConfig
        The member's parameters.

    Returns
    -------
    ipcore.cache.CachedRun
        The entry (nothing is read or written until it is used).
    """
    return CachedRun("szt", {**asdict(config), "trained_as": "ensemble member"}, modules=SZT_MODULES)


def stored_run(config: SZTConfig) -> SZTRun | None:
    """The cached run of ``config``, trained alone or as an ensemble member; None if neither is stored.

    Parameters
    ----------
    config : SZTConfig
        The run's parameters.

    Returns
    -------
    SZTRun or None
        The stored run (a single network's first, if both are stored).
    """
    return load_stored((cache_entry(config), member_entry(config)))


def run_szt(config: SZTConfig = SZTConfig(), *, progress: bool = True, checkpoint_every: int = 250,
            use_cache: bool = True) -> SZTRun:
    """Train and measure one SZT network (loaded from the cache if it ran before).

    At every logged epoch (:meth:`~ipcore.experiments.szt.SZTConfig.schedule`) all 4096 inputs go through the noisy
    network R = ``config.replicas`` times; the sample-propagation estimator
    (:func:`ipcore.estimators.sp_mutual_information`) turns the clean S_ℓ of those passes into
    I(X;T_ℓ) = h(T_ℓ) − h(T_ℓ | X) in nats, and H(Bin(T_ℓ)) is computed on the clean pass.
    Training saves a checkpoint every ``checkpoint_every`` epochs, so an interrupted run resumes.

    Parameters
    ----------
    config : SZTConfig, default SZTConfig()
        The run's parameters (the paper's by default: 10 000 epochs).
    progress : bool, default True
        Show a progress bar.
    checkpoint_every : int, default 250
        Epochs between checkpoints.
    use_cache : bool, default True
        Load a stored result and store this one; False computes without the cache.

    Returns
    -------
    SZTRun
        The logged epochs' estimates, metrics and clean representations.

    See Also
    --------
    ipcore.experiments.szt_chapters.run_all : Several runs with one progress bar.
    ipcore.book.sweep.sweep : A grid of runs on a Dask cluster, into the same cache.
    """
    cached = cache_entry(config) if use_cache else None
    if cached is not None and (stored := load_stored((cached, member_entry(config)))) is not None:
        return stored  # trained alone, or in an ensemble
    run = _train_and_measure([config], ensemble=False, store=cached, progress=progress,
                             checkpoint_every=checkpoint_every)[0]
    if cached is not None:
        cached.save(run)
    return run


def _train_and_measure(configs: list[SZTConfig], *, ensemble: bool, store: CachedRun | None, progress: bool,
                       checkpoint_every: int) -> list[SZTRun]:
    """Train the networks of ``configs`` (one, or the members of one ensemble) and measure them."""
    first = configs[0]
    x_np, y_np = szt()
    train_idx, test_idx = train_test_split(len(x_np), seed=first.split_seed)
    dtype = getattr(torch, first.precision)
    x = torch.as_tensor(x_np, dtype=dtype)
    y = torch.as_tensor(y_np)
    if ensemble:
        model: torch.nn.Module = ensemble_of_mlps([c.seed for c in configs], widths=first.widths,
                                                  activation=first.activation, betas=[c.beta for c in configs],
                                                  dtype=dtype)
    else:
        torch.manual_seed(first.seed)
        model = NoisyMLP(first.widths, first.activation, first.beta, dtype=dtype)
    layer_names = [f"hidden.{i}.2" for i in range(len(first.widths) - 2)]
    replicas = first.replicas if (first.estimate and any(c.beta > 0 for c in configs)) else 0
    timings: dict[str, float] = {}
    recorder = Recorder(model, x, first.schedule(), replicas=replicas,
                        reduce=_estimator(configs, layer_names, ensemble, timings))
    xtr, ytr, xte, yte = x[train_idx], y[train_idx], x[test_idx], y[test_idx]

    def evaluate(m: torch.nn.Module) -> dict[str, Any]:
        out_tr, out_te = m(xtr), m(xte)
        values = {"train_loss": cross_entropy(out_tr, ytr), "test_loss": cross_entropy(out_te, yte),
                  "train_acc": accuracy(out_tr, ytr), "test_acc": accuracy(out_te, yte)}
        return {k: v.detach().double().numpy() if ensemble else float(v) for k, v in values.items()}

    alpha = first.orthonormal_alpha
    betas = ", ".join(f"{c.beta:g}" for c in configs)
    train(
        model, xtr, ytr, loss_fn=lambda m, xb, yb: cross_entropy(m(xb), yb), epochs=first.epochs,
        lr=first.lr, batch_size=first.batch_size, recorder=recorder,
        seed=[c.seed for c in configs] if ensemble else first.seed, progress=progress,
        desc=f"SZT {first.activation} β={betas}" + (f" ({len(configs)} networks)" if ensemble else ""),
        evaluate=evaluate, store=store, checkpoint_every=checkpoint_every,
        after_step=(lambda m: orthonormality_step_(m, alpha)) if alpha > 0 else None,
        threads=1,  # 12-10-7-5-4-3-2 nets: one thread is fastest, also for a few as one ensemble
        timings=timings,
    )
    snaps = recorder.snapshots
    n_layers = len(layer_names)

    def member_run(i: int) -> SZTRun:
        def column(key: str) -> np.ndarray:
            values = [s.metrics.get(key, np.nan) for s in snaps]  # absent: not estimated (β = 0)
            return np.array([v[i] if ensemble and np.ndim(v) else v for v in values], dtype=np.float64)

        def clean(name: str) -> np.ndarray:
            return np.stack([s.clean[name][i] if ensemble else s.clean[name] for s in snaps])

        return SZTRun(
            config=configs[i],
            epochs=np.array([s.epoch for s in snaps]),
            metrics={k: column(k) for k in ("loss", "train_loss", "test_loss", "train_acc", "test_acc")},
            mi=np.stack([column(f"mi_{j}") for j in range(n_layers)], axis=1),
            mi_std=np.stack([column(f"mi_std_{j}") for j in range(n_layers)], axis=1),
            binned=np.stack([column(f"binned_{j}") for j in range(n_layers)], axis=1),
            clean=[clean(name) for name in layer_names],
            labels=y_np,
            trained_as=f"member of an ensemble of {len(configs)}" if ensemble else "single network",
            timings=dict(timings),
        )

    return [member_run(i) for i in range(len(configs))]


#: The fields in which the members of one SZT ensemble may differ (the rest is the shape and the training).
ENSEMBLE_FIELDS = ("beta", "seed")


def run_szt_ensemble(configs: Sequence[SZTConfig], *, progress: bool = True, checkpoint_every: int = 250,
                     use_cache: bool = True) -> list[SZTRun]:
    """Train and measure several SZT networks as one ensemble; each result is cached on its own.

    The configs may differ only in β and the seed (:data:`~ipcore.experiments.szt.ENSEMBLE_FIELDS`): the five
    β of the main figure, or the seeds of an average. Each run already stored (trained alone by
    :func:`~ipcore.experiments.szt.run_szt` or as a member) is loaded and not retrained; the
    rest train together as one :class:`~ipcore.nets.EnsembleMLP` (one batched optimizer step for
    all of them, on one thread), are measured as :func:`~ipcore.experiments.szt.run_szt`
    measures one network (same estimator, same Monte Carlo seeds), and are stored per member
    (:func:`~ipcore.experiments.szt.member_entry`). Member i starts from the initial weights of
    its seed, draws its batches and noise from its own seed, and follows the single network's
    computation to float rounding at every step. The ensemble checkpoints every
    ``checkpoint_every`` epochs and resumes.

    Parameters
    ----------
    configs : sequence of SZTConfig
        The runs, at least one; equal configs are computed once.
    progress : bool, default True
        Show a progress bar.
    checkpoint_every : int, default 250
        Epochs between checkpoints.
    use_cache : bool, default True
        Load stored results and store these; False computes every config without the cache.

    Returns
    -------
    list of SZTRun
        One run per config, in the order given.

    Raises
    ------
    ValueError
        If ``configs`` is empty, holds something that is not an :class:`~ipcore.experiments.szt.SZTConfig`, or
        configs that differ in a field other than β and the seed (the message names the fields).

    See Also
    --------
    ipcore.experiments.szt_chapters.run_all : Groups a chapter's configs into ensembles.

    Examples
    --------
    >>> runs = run_szt_ensemble([SZTConfig(beta=b, epochs=3, replicas=2, log_epochs=(0, 2)) for b in (0.02, 0.1)],
    ...                         progress=False, use_cache=False)
    >>> [run.config.beta for run in runs], runs[0].mi.shape, runs[1].trained_as
    ([0.02, 0.1], (2, 5), 'member of an ensemble of 2')
    """
    return run_group(
        configs, config_type=SZTConfig, group_key=lambda c: replace(c, beta=0.0, seed=0),
        varying=" and ".join(ENSEMBLE_FIELDS), stored=stored_run,
        run_alone=lambda c: run_szt(c, progress=progress, checkpoint_every=checkpoint_every, use_cache=use_cache),
        train_together=lambda todo, store: _train_and_measure(todo, ensemble=True, store=store, progress=progress,
                                                              checkpoint_every=checkpoint_every),
        member_entry=member_entry, order=lambda c: (c.seed, c.beta), use_cache=use_cache,
        group_entry=lambda todo: CachedRun("szt_ensemble", {"members": [asdict(c) for c in todo]}, modules=SZT_MODULES),
    )


def summary(run: SZTRun) -> dict[str, Any]:
    """The numbers a chapter reports: I per layer at the start, peak and end, accuracies.

    For each layer ℓ (1-based) with a finite estimate: ``layer<ℓ>_first`` (at the first logged
    epoch ≥ 1), ``layer<ℓ>_peak`` and ``layer<ℓ>_peak_epoch`` (the largest I(X;T_ℓ) and when),
    ``layer<ℓ>_final``; and ``final_train_acc``, ``final_test_acc``. Information in nats.

    Parameters
    ----------
    run : SZTRun
        A run of :func:`ipcore.experiments.szt.run_szt`.

    Returns
    -------
    dict
        The numbers, keyed as above (layers never estimated are left out).

    Examples
    --------
    >>> import numpy as np
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 3, 9)), epochs=np.array([0, 3, 9]),
    ...              metrics={"train_acc": np.array([0.5, 0.8, 0.9]), "test_acc": np.array([0.5, 0.7, 0.85])},
    ...              mi=np.array([[8.3, 6.0], [8.3, 6.5], [8.3, 5.0]]), mi_std=np.zeros((3, 2)),
    ...              binned=np.zeros((3, 2)))
    >>> values = summary(run)
    >>> values["layer2_peak"], values["layer2_peak_epoch"], values["layer2_final"], values["final_test_acc"]
    (6.5, 3, 5.0, 0.85)
    """
    mi = run.mi
    out: dict[str, Any] = {
        "final_train_acc": float(run.metrics["train_acc"][-1]),
        "final_test_acc": float(run.metrics["test_acc"][-1]),
    }
    for layer in range(mi.shape[1]):
        if np.isfinite(mi[:, layer]).any():
            peak = int(np.nanargmax(mi[:, layer]))
            out[f"layer{layer + 1}_first"] = float(mi[1 if len(mi) > 1 else 0, layer])
            out[f"layer{layer + 1}_peak"] = float(mi[peak, layer])
            out[f"layer{layer + 1}_peak_epoch"] = int(run.epochs[peak])
            out[f"layer{layer + 1}_final"] = float(mi[-1, layer])
    return out


def binned_information(run: SZTRun, widths: list[float]) -> pd.DataFrame:
    """I(X; Bin(T_ℓ)) = H(Bin(T_ℓ)) in nats for every logged epoch, layer and bin width.

    For a deterministic network and X uniform on the 4096 distinct inputs this
    is the quantity earlier work plotted; it tends to ln 4096 as bins shrink.

    Parameters
    ----------
    run : SZTRun
        A run whose clean representations were kept.
    widths : list of float
        Bin widths, each > 0.

    Returns
    -------
    pandas.DataFrame
        A long table with columns ``epoch``, ``layer`` (1-based), ``width``, ``mi``.

    Raises
    ------
    ValueError
        If a width is not a number > 0 (the message names ``widths``).

    Examples
    --------
    >>> import numpy as np
    >>> layer = np.array([[[0.0], [0.05], [0.5], [0.55]]] * 2)  # 2 epochs, 4 inputs, 1 neuron
    >>> run = SZTRun(SZTConfig(epochs=10, log_epochs=(0, 9)), epochs=np.array([0, 9]), metrics={},
    ...              mi=np.zeros((2, 1)), mi_std=np.zeros((2, 1)), binned=np.zeros((2, 1)), clean=[layer])
    >>> table = binned_information(run, [0.1, 1.0])
    >>> table.round(3).values.tolist()
    [[0.0, 1.0, 0.1, 0.693], [9.0, 1.0, 0.1, 0.693], [0.0, 1.0, 1.0, 0.0], [9.0, 1.0, 1.0, 0.0]]
    >>> binned_information(run, [0.0])
    Traceback (most recent call last):
    ...
    ValueError: widths: must be finite and > 0, got 0.0
    """
    rows = []
    for width in widths:
        check_number(width, "widths")
        for layer, clean in enumerate(run.clean, start=1):
            for epoch, t in zip(run.epochs, clean):
                rows.append((int(epoch), layer, float(width), binned_entropy(t, width=width)))
    return pd.DataFrame(rows, columns=["epoch", "layer", "width", "mi"])
