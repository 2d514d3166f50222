"""The one training loop and the one recorder of hidden representations, for one network
or an ensemble of many (:class:`~ipcore.nets.ensemble.EnsembleMLP`).

The recorder works with any ``nn.Module`` through forward hooks on its
:class:`~ipcore.nets.models.GaussianNoise` layers: at scheduled epochs it stores,
for every noise layer ℓ, the clean S_ℓ of all inputs (noise off) and
optionally R noisy-pass replicas (noise on in layers < ℓ, clean S_ℓ kept),
which are the centers of the sample-propagation estimator.

Randomness of a run, all from its seed (one seed per member of an ensemble):
the batch order (a generator seeded with the seed), the noise of training and
the noise of measurement (two :class:`~ipcore.seeding.NormalStream` streams
derived from it). The initialisation is the caller's (``torch.manual_seed(seed)``
before building the model; :func:`~ipcore.nets.ensemble.ensemble_of_mlps` does the
same per member). So member i of an ensemble trains as the single network of its
seed, whatever else is in the batch.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

import numpy as np
import torch
from torch import nn

from ipcore.config import flush_denormals, progress_bar, torch_threads
from ipcore.validation import (Choice, Flag, InstanceOf, Integer, IsCallable, Optional, Real, Unchecked, check_choice,
                               validate_params)
from ipcore.nets.hooks import select_layers
from ipcore.nets.models import clean_pass, noise_layers, noise_source
from ipcore.seeding import NormalStream, derive_seed, make_generator, seed_everything
from ipcore.validation import check_seed


@validate_params(last_epoch=Integer(low=1), num=Integer(low=1), include_zero=Flag())
def log_spaced_epochs(last_epoch: int, num: int = 100, *, include_zero: bool = False) -> np.ndarray:
    """Log-spaced epochs from 1 to ``last_epoch``, optionally with epoch 0.

    The epochs are

        unique(round(logspace(0, log10(last_epoch), num))),

    so fewer than ``num`` where rounding makes neighbours equal. With ``last_epoch = 9999``
    and ``num = 100`` these are the paper's 84 logged epochs (Goldfeld et al.).

    Parameters
    ----------
    last_epoch : int
        The last epoch, ≥ 1.
    num : int, default 100
        The number of log-spaced points before rounding, ≥ 1.
    include_zero : bool, default False
        Whether to put epoch 0 (before training) first.

    Returns
    -------
    numpy.ndarray
        Sorted unique int64 epochs.

    Raises
    ------
    ValueError
        If ``last_epoch`` or ``num`` is not an integer ≥ 1, or ``include_zero`` is not a bool.

    See Also
    --------
    ipcore.nets.logging_schedule : the named schedules.

    Examples
    --------
    Five points between 1 and 100 are the powers 10^(k/2), rounded:

    >>> from ipcore.nets import log_spaced_epochs
    >>> log_spaced_epochs(100, 5).tolist()
    [1, 3, 10, 32, 100]
    >>> len(log_spaced_epochs(9999, 100)), log_spaced_epochs(9999, 100, include_zero=True)[:3].tolist()
    (84, [0, 1, 2])
    """
    last = last_epoch  # the declaration checks both
    epochs = np.unique(np.round(np.logspace(0, np.log10(last), num)).astype(np.int64))
    return np.concatenate([[0], epochs]) if include_zero else epochs


@validate_params(epochs=Integer(low=1), num=Integer(low=1))
def log2_spaced_epochs(epochs: int, num: int = 400) -> np.ndarray:
    """IDNNs' schedule (Shwartz-Ziv & Tishby): log-spaced in base 2, minus one.

    The epochs are

        unique(int(logspace₂(0, log₂ epochs, num))) − 1,

    in [0, epochs − 1], where epoch e is recorded after e epochs of training (IDNNs takes
    activations at the start of a logged epoch). With ``epochs = 8000, num = 400`` (their
    defaults) these are 274 epochs.

    Parameters
    ----------
    epochs : int
        The number of training epochs, ≥ 1.
    num : int, default 400
        The number of log-spaced points before truncation, ≥ 1.

    Returns
    -------
    numpy.ndarray
        Sorted unique int64 epochs in [0, epochs − 1].

    Raises
    ------
    ValueError
        If ``epochs`` or ``num`` is not an integer ≥ 1.

    Examples
    --------
    With one point per power of two the epochs are 2^k − 1:

    >>> from ipcore.nets import log2_spaced_epochs
    >>> log2_spaced_epochs(16, 5).tolist()
    [0, 1, 3, 7, 15]
    >>> len(log2_spaced_epochs(8000, 400))
    274
    """
    return np.unique(np.logspace(0, np.log2(epochs), num, base=2).astype(np.int64)) - 1


@validate_params(epochs=Integer(low=1))
def piecewise_epochs(epochs: int) -> np.ndarray:
    """Saxe et al.'s schedule (ibsgd): every epoch below 20, every 5th below 100, every 20th below 2000, then every 100th.

    All below ``epochs``; 211 epochs for ``epochs = 10000``.

    Parameters
    ----------
    epochs : int
        The number of training epochs, ≥ 1.

    Returns
    -------
    numpy.ndarray
        Sorted int64 epochs in [0, epochs − 1].

    Raises
    ------
    ValueError
        If ``epochs`` is not an integer ≥ 1.

    Examples
    --------
    >>> from ipcore.nets import piecewise_epochs
    >>> piecewise_epochs(36).tolist()[18:]
    [18, 19, 20, 25, 30, 35]
    >>> len(piecewise_epochs(10000))
    211
    """
    steps = np.concatenate([np.arange(0, 20), np.arange(20, 100, 5), np.arange(100, 2000, 20),
                            np.arange(2000, max(epochs, 2000), 100)])
    return steps[steps < epochs].astype(np.int64)


#: The named logging schedules of :func:`logging_schedule`: name → what it is and whose it was.
SCHEDULES: dict[str, str] = {
    "log10": "log-spaced, base 10, with epoch 0 (Goldfeld et al.; 84 epochs of 10 000 for 100 points)",
    "log2": "log-spaced, base 2, minus one (IDNNs, Shwartz-Ziv & Tishby; 274 epochs of 8000 for 400 points)",
    "piecewise": "every epoch < 20, every 5th < 100, every 20th < 2000, then every 100th (ibsgd, Saxe et al.)",
}


@validate_params(name=Unchecked("checked as 'schedule' below"), epochs=Integer(low=1), num=Integer(low=1))
def logging_schedule(name: str, epochs: int, num: int = 100) -> np.ndarray:
    """The epochs (in [0, epochs − 1]) at which the named logging schedule records.

    The schedules (``ipcore.nets.training.SCHEDULES``):

    - ``"log10"``: log-spaced, base 10, with epoch 0 (Goldfeld et al.; 84 epochs of 10 000
      for 100 points), :func:`~ipcore.nets.log_spaced_epochs` up to ``epochs − 1``;
    - ``"log2"``: log-spaced, base 2, minus one (IDNNs, Shwartz-Ziv & Tishby; 274 epochs of
      8000 for 400 points), :func:`~ipcore.nets.log2_spaced_epochs`;
    - ``"piecewise"``: every epoch < 20, every 5th < 100, every 20th < 2000, then every
      100th (ibsgd, Saxe et al.), :func:`~ipcore.nets.piecewise_epochs`.

    Parameters
    ----------
    name : str
        ``"log10"``, ``"log2"`` or ``"piecewise"``.
    epochs : int
        The number of training epochs, ≥ 1.
    num : int, default 100
        The number of log-spaced points (ignored by ``"piecewise"``), ≥ 1.

    Returns
    -------
    numpy.ndarray
        Sorted unique int64 epochs in [0, epochs − 1].

    Raises
    ------
    ValueError
        If ``name`` is not one of the schedules (named ``schedule``), or ``epochs`` or ``num``
        is not an integer ≥ 1.

    Examples
    --------
    >>> from ipcore.nets import logging_schedule
    >>> logging_schedule("log10", 11, num=5).tolist()
    [0, 1, 2, 3, 6, 10]
    >>> logging_schedule("log2", 16, num=5).tolist()
    [0, 1, 3, 7, 15]
    >>> all(logging_schedule(name, 50).max() < 50 for name in ("log10", "log2", "piecewise"))
    True
    """
    check_choice(name, "schedule", SCHEDULES)
    if name == "log10":
        return log_spaced_epochs(epochs - 1, num, include_zero=True) if epochs > 1 else np.array([0])
    if name == "log2":
        return log2_spaced_epochs(epochs, num)
    return piecewise_epochs(epochs)


def check_schedule(schedule: Sequence[int], epochs: int) -> np.ndarray:
    """Sorted unique epochs of ``schedule``, each within [0, epochs]."""
    sched = np.unique(np.asarray(schedule, dtype=np.int64))
    if sched.size == 0:
        raise ValueError("schedule: is empty; give at least one epoch to record")
    if sched[0] < 0 or sched[-1] > epochs:
        raise ValueError(
            f"schedule: epochs must lie in [0, epochs={epochs}], got range [{sched[0]}, {sched[-1]}]"
        )
    return sched


def ensemble_size(model: nn.Module) -> int | None:
    """N for an ensemble (a model with a ``members`` attribute), None for one network."""
    members = getattr(model, "members", None)
    return None if members is None else int(members)


@dataclass
class Snapshot:
    """What the recorder kept at one epoch: numpy arrays in the model's dtype.

    Per layer, ``clean`` is (m, d) for one network and (N, m, d) for an ensemble;
    ``replicas`` (m, R, d) or (N, m, R, d). ``metrics`` holds floats, or (N,) arrays.
    """

    epoch: int
    clean: dict[str, np.ndarray]
    replicas: dict[str, np.ndarray] = field(default_factory=dict)
    parameters: dict[str, np.ndarray] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)


class Recorder:
    """Records hidden representations of ``inputs`` at scheduled epochs.

    Forward hooks on the model's :class:`~ipcore.nets.GaussianNoise` layers keep, at each
    record, every noise layer ℓ's clean S_ℓ of all inputs (noise off), and optionally R
    noisy-pass replicas (noise on in the layers before ℓ, the clean S_ℓ kept): the centers
    of the sample-propagation estimator. :func:`~ipcore.nets.train` calls :meth:`record` at
    the epochs of ``schedule``; each record appends a ``Snapshot`` (``epoch``, ``clean``,
    ``replicas``, ``parameters``, ``metrics``; numpy arrays in the model's dtype) to
    ``snapshots``.

    Parameters
    ----------
    model : nn.Module
        Any module containing :class:`~ipcore.nets.GaussianNoise` layers (one network, or an
        ensemble, whose members all see the same inputs).
    inputs : torch.Tensor
        The whole data set X (m, ...), pushed through at each record.
    schedule : sequence of int
        Epochs at which to record (0 = before training); :func:`~ipcore.nets.train` checks
        that they lie in [0, epochs].
    replicas : int, default 0
        R ≥ 0 noisy passes per input to keep for the conditional entropies.
    record_parameters : bool, default False
        Also keep a copy of the model's parameters.
    reduce : callable or None, default None
        Applied to each snapshot when it is taken (e.g. to estimate and drop replicas).
    outputs : sequence of str, default ()
        Names of further modules whose output is kept in the clean pass
        (e.g. ``"output"``, the logits, to measure the softmax layer).

    Attributes
    ----------
    snapshots : list of Snapshot
        The records so far. Per layer, ``clean`` is (m, d) for one network and (N, m, d)
        for an ensemble; ``replicas`` (m, R, d) or (N, m, R, d).
    layers : dict of str to GaussianNoise
        The recorded noise layers by name.
    members : int or None
        N for an ensemble, ``None`` for one network.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``, ``inputs`` not a ``torch.Tensor``, or ``reduce``
        neither ``None`` nor callable.
    ValueError
        If ``replicas`` is not an integer ≥ 0, ``record_parameters`` not a bool, ``outputs``
        names a module the model does not have, or the model has no
        :class:`~ipcore.nets.GaussianNoise` layer (named ``model``).

    Examples
    --------
    >>> import torch
    >>> from ipcore.nets import NoisyMLP, Recorder
    >>> _ = torch.manual_seed(0)
    >>> net = NoisyMLP((4, 3, 2), beta=0.1)
    >>> recorder = Recorder(net, torch.randn(10, 4), schedule=[0], replicas=5, outputs=["output"])
    >>> snapshot = recorder.record(0)
    >>> {name: x.shape for name, x in snapshot.clean.items()}
    {'hidden.0.2': (10, 3), 'output': (10, 2)}
    >>> snapshot.replicas["hidden.0.2"].shape              # (m, R, d)
    (10, 5, 3)
    """

    @validate_params(model=InstanceOf((nn.Module,)), inputs=InstanceOf((torch.Tensor,)),
                     schedule=Unchecked("epochs checked against the run's length by train()"), replicas=Integer(low=0),
                     record_parameters=Flag(), reduce=Optional(IsCallable()),
                     outputs=Unchecked("module names, checked against the model below"))
    def __init__(
        self,
        model: nn.Module,
        inputs: torch.Tensor,
        schedule: Sequence[int],
        *,
        replicas: int = 0,
        record_parameters: bool = False,
        reduce: Callable[[Snapshot], Snapshot] | None = None,
        outputs: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.inputs = inputs
        self.schedule = np.unique(np.asarray(schedule, dtype=np.int64))
        if replicas < 0:
            raise ValueError(f"replicas: must be >= 0, got {replicas}")
        self.replicas = int(replicas)
        self.record_parameters = record_parameters
        # Applied to each snapshot as it is taken: e.g. estimate I(X;T) and drop the replicas,
        # which would otherwise take gigabytes over a long run.
        self.reduce = reduce
        self.members = ensemble_size(model)
        self.layers = noise_layers(model)
        if not self.layers:
            raise ValueError("model: has no GaussianNoise layer to record")
        self.outputs = select_layers(model, list(outputs), "outputs") if len(outputs) else []
        modules = dict(model.named_modules())
        self.snapshots: list[Snapshot] = []
        self._captured: dict[str, torch.Tensor] | None = None
        for name, layer in self.layers.items():
            layer.register_forward_hook(self._hook(name, output=False))
        for name in self.outputs:
            modules[name].register_forward_hook(self._hook(name, output=True))

    def _hook(self, name: str, *, output: bool) -> Callable[..., None]:
        def hook(module: nn.Module, args: tuple[Any, ...], result: torch.Tensor) -> None:
            if self._captured is not None:
                self._captured[name] = (result if output else args[0]).detach()

        return hook

    def _capture(self) -> dict[str, np.ndarray]:
        """One pass of all inputs: per layer, (m, d) or (N, m, d) (features flattened)."""
        lead = 1 if self.members is None else 2
        self._captured = {}
        try:
            self.model(self.inputs)
            return {k: v.cpu().numpy().reshape(*v.shape[:lead], -1) for k, v in self._captured.items()}
        finally:
            self._captured = None

    @torch.no_grad()
    def record(self, epoch: int, metrics: dict[str, Any] | None = None) -> Snapshot:
        """Push all inputs through now and store a ``Snapshot``.

        One clean pass (noise off, eval mode), then ``replicas`` noisy passes; the model's
        training mode is restored. ``reduce``, if set, is applied before the snapshot is kept.

        Parameters
        ----------
        epoch : int
            The epoch to file the snapshot under.
        metrics : dict or None, default None
            Losses and metrics to keep with it.

        Returns
        -------
        Snapshot
            The snapshot (after ``reduce``), also appended to ``snapshots``.

        Examples
        --------
        Without noise in the layers before it, a replica of the first layer is its clean S:

        >>> import numpy as np, torch
        >>> from ipcore.nets import NoisyMLP, Recorder
        >>> net = NoisyMLP((4, 3, 3, 2), beta=0.5)
        >>> recorder = Recorder(net, torch.randn(6, 4), schedule=[0], replicas=2)
        >>> snapshot = recorder.record(0, {"loss": 0.7})
        >>> clean, replicas = snapshot.clean["hidden.0.2"], snapshot.replicas["hidden.0.2"]
        >>> np.array_equal(replicas[:, 1], clean), np.array_equal(snapshot.replicas["hidden.1.2"][:, 1],
        ...                                                        snapshot.clean["hidden.1.2"])
        (True, False)
        >>> snapshot.metrics, len(recorder.snapshots)
        ({'loss': 0.7}, 1)
        """
        was_training = self.model.training
        self.model.eval()
        try:
            with clean_pass(self.model):
                clean = self._capture()
            replicas: dict[str, list[np.ndarray]] = {k: [] for k in self.layers}
            for _ in range(self.replicas):
                for k, v in self._capture().items():
                    if k in replicas:
                        replicas[k].append(v)
        finally:
            self.model.train(was_training)
        axis = 1 if self.members is None else 2  # the replica axis, after the inputs
        snap = Snapshot(
            epoch=int(epoch),
            clean=clean,
            # torch's stack, not numpy's: the replica axis sits inside each array, and numpy's
            # strided copy took half of a record of 50 networks × 50 replicas (11 s; torch 6 s,
            # most of it first-touch page faults of the 1.2 GB result)
            replicas={k: torch.stack([torch.from_numpy(a) for a in v], dim=axis).numpy() for k, v in replicas.items() if v},
            parameters={k: p.detach().cpu().numpy().copy() for k, p in self.model.named_parameters()}
            if self.record_parameters
            else {},
            metrics=dict(metrics or {}),
        )
        if self.reduce is not None:
            snap = self.reduce(snap)
        self.snapshots.append(snap)
        return snap


#: A run with a checkpoint store saves at least this often (seconds), whatever ``checkpoint_every`` says.
CHECKPOINT_SECONDS = 60.0


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on SIGINT or SIGTERM after saving a checkpoint; the message says where it resumes."""


@contextmanager
def _deferred_signals(enabled: bool) -> Iterator[list[str]]:
    """While the block runs, SIGINT and SIGTERM only note their name in the yielded list (the
    trainer saves at the end of its epoch, then stops); a second SIGINT stops at once.

    Only in the main thread, and only when ``enabled`` (a run without a store has nothing to save).
    """
    received: list[str] = []
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield received
        return

    def note(signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if received and signum == signal.SIGINT:
            raise KeyboardInterrupt  # the second Ctrl-C: the user does not want to wait for the epoch
        received.append(name)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class CheckpointStore(Protocol):
    """Where :func:`train` keeps its checkpoint (e.g. :class:`ipcore.cache.CachedRun`)."""

    def load_checkpoint(self) -> Any | None: ...

    def save_checkpoint(self, state: Any) -> None: ...


#: Optimizers of :func:`train` and their options. Both update every parameter elementwise, so the
#: members of an ensemble, whose parameters are stacked, are updated exactly as separate networks
#: would be. Adam is the fused kernel (one call per step for all parameters: the per-tensor loop
#: cost the stacked ensemble ~0.7 ms per step on the CPU); SGD the foreach one.
OPTIMIZERS: dict[str, tuple[type[torch.optim.Optimizer], dict[str, Any]]] = {
    "adam": (torch.optim.Adam, {"fused": True}),
    "sgd": (torch.optim.SGD, {"foreach": True}),
}


def _run_seeds(seed: int | Sequence[int], members: int | None) -> list[int]:
    """One seed per network: ``[seed]`` for one network, N seeds for an ensemble of N."""
    if members is None:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"seed: one network takes one integer seed, got {seed!r}")
        return [check_seed(seed)]
    if isinstance(seed, (int, np.integer)) or len(seed) != members:
        raise ValueError(f"seed: an ensemble of {members} members needs {members} seeds, got {seed!r}")
    return [check_seed(s, "seed") for s in seed]


def _as_metric(value: Any, members: int | None) -> Any:
    """A loss or metric as a float (one network) or an (N,) float64 array (an ensemble)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double().numpy()
    if members is None:
        return float(value)
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (members,)).copy()


def gradient_statistics(batch_gradients: Sequence[torch.Tensor], weight: torch.Tensor,
                        members: int | None) -> dict[str, Any]:
    """Over one epoch's batch gradients g_1 … g_B of a parameter W (per network):

        mean = ‖(1/B) Σ_b g_b‖₂,   std = √((1/B) Σ_b ‖g_b − ḡ‖₂²),   norm = ‖W‖₂ (Frobenius),

    floats, or (N,) arrays for an ensemble (norms over each member's entries).
    With no gradient (epoch 0, before any update) mean and std are NaN.
    """
    start = 0 if members is None else 1  # the member axis is kept
    per_network = tuple(range(start, weight.ndim))
    norm = weight.detach().double().pow(2).sum(per_network).sqrt()
    if not batch_gradients:
        nan = _as_metric(np.nan, members)
        return {"grad_mean": nan, "grad_std": nan.copy() if members else nan, "weight_norm": _as_metric(norm, members)}
    g = torch.stack(list(batch_gradients)).double()  # (B, …)
    mean = g.mean(0)
    spread = (g - mean).pow(2).mean(0)
    return {
        "grad_mean": _as_metric(mean.pow(2).sum(per_network).sqrt(), members),
        "grad_std": _as_metric(spread.sum(per_network).sqrt(), members),
        "weight_norm": _as_metric(norm, members),
    }


@validate_params(
    model=InstanceOf((nn.Module,)), x=InstanceOf((torch.Tensor,)), y=InstanceOf((torch.Tensor,)), loss_fn=IsCallable(),
    epochs=Integer(low=0), lr=Real(low=0, open_low=True), batch_size=Optional(Integer(low=1)),
    recorder=Optional(InstanceOf((Recorder,))), seed=Unchecked("one seed, or one per member: checked below"),
    progress=Flag(), desc=InstanceOf((str,)), evaluate=Optional(IsCallable()),
    store=Optional(Unchecked("a CheckpointStore")), checkpoint_every=Integer(low=0),
    checkpoint_seconds=Optional(Real(low=0, open_low=True)),
    after_step=Optional(IsCallable()), threads=Optional(Integer(low=1)), optimizer=Choice(tuple(OPTIMIZERS)),
    shuffle=Flag(), gradient_stats=Unchecked("parameter names, checked against the model below"),
    gradient_batch_size=Optional(Integer(low=1)), timings=Optional(InstanceOf((dict,))))
def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    loss_fn: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor],
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    recorder: Recorder | None = None,
    seed: int | Sequence[int] = 0,
    progress: bool = True,
    desc: str = "training",
    evaluate: Callable[[nn.Module], dict[str, Any]] | None = None,
    store: CheckpointStore | None = None,
    checkpoint_every: int = 0,
    checkpoint_seconds: float | None = CHECKPOINT_SECONDS,
    after_step: Callable[[nn.Module], None] | None = None,
    threads: int | None = None,
    optimizer: str = "adam",
    shuffle: bool = True,
    gradient_stats: Sequence[str] = (),
    gradient_batch_size: int | None = None,
    timings: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Train ``model`` (one network, or an ensemble of N) on (x, y); record at the recorder's schedule.

    ``loss_fn(model, x_batch, y_batch)`` returns the mean loss: a scalar, or
    (N,) per-member losses for an ensemble, whose sum is minimised (it receives
    the model so that a loss may read any part of it). One epoch is one pass
    over mini-batches of ``batch_size`` (full batch when None), reshuffled every
    epoch unless ``shuffle`` is False (then the same contiguous slices, as the
    SZT code took them). An ensemble's members each shuffle with their own
    seed (``seed``: one per member) and get batches of shape (N, b, …).

    Randomness of a run comes from its seed alone (one seed per member of an ensemble):
    the batch order, the noise of training and the noise of measurement. The
    initialisation is the caller's (``torch.manual_seed(seed)`` before building the model;
    :func:`~ipcore.nets.ensemble_of_mlps` does the same per member), so member i of an
    ensemble trains as the single network of its seed, whatever else is in the batch.

    At recorded epochs the clean-pass training loss and ``evaluate(model)``
    (run with noise off, in eval mode) are logged, and, for every parameter
    named in ``gradient_stats``, the statistics of the batch gradients g_1 … g_B of that
    epoch's updates::

        grad_mean = ‖(1/B) Σ_b g_b‖₂,   grad_std = √((1/B) Σ_b ‖g_b − ḡ‖₂²),   weight_norm = ‖W‖₂

    (keys ``grad_mean/<name>``, ``grad_std/<name>``, ``weight_norm/<name>``; Frobenius
    norms, per member for an ensemble; NaN at epoch 0, before any update). With
    ``gradient_batch_size``, the statistics come instead from
    mini-batches of that size drawn only to measure: at each recorded epoch
    (epoch 0 included) the training set is shuffled by a generator of its own
    (derived from the seed) and the gradient of every batch is taken at the
    epoch's final parameters, with no update. A full-batch run has one
    gradient per epoch, so this is how it gets a batch-to-batch spread
    (Saxe et al.'s SGD-against-full-batch comparison); training is unchanged
    by it.

    With a ``store``, the full state (model, optimizer, random generators and
    streams, snapshots, history) is saved every ``checkpoint_every`` epochs, at the
    end of the first epoch that ends ``checkpoint_seconds`` or more after the last
    save (``None``: by epochs only), and when the process gets SIGINT (Ctrl-C) or
    SIGTERM: it finishes its epoch, saves, and raises ``TrainingInterrupted``
    saying where the run will resume (a second Ctrl-C stops at once). A run that
    finds a checkpoint resumes from it: an interrupted run ends bit-identical to an
    uninterrupted one.

    Parameters
    ----------
    model : nn.Module
        One network, or an ensemble (a model with a ``members`` attribute, such as
        :class:`~ipcore.nets.EnsembleMLP`).
    x : torch.Tensor
        The training inputs, one row per example.
    y : torch.Tensor
        The training targets, one row per input.
    loss_fn : callable
        ``loss_fn(model, x_batch, y_batch)``: the mean loss, a scalar or (N,) per member.
    epochs : int
        The number of epochs, ≥ 0.
    lr : float
        The learning rate, > 0.
    batch_size : int or None, default None
        The mini-batch size, ≥ 1; ``None``: full batch.
    recorder : Recorder or None, default None
        Records the representations at its schedule, which must lie in [0, epochs].
    seed : int or sequence of int, default 0
        One seed for one network, one per member for an ensemble.
    progress : bool, default True
        Whether to show a progress bar.
    desc : str, default "training"
        The progress bar's label.
    evaluate : callable or None, default None
        ``evaluate(model)`` returns a dict of further metrics, logged at recorded epochs.
    store : CheckpointStore or None, default None
        Where the checkpoint is kept (an object with ``load_checkpoint()`` and
        ``save_checkpoint(state)``, e.g. ``ipcore.cache.CachedRun``).
    checkpoint_every : int, default 0
        Save every this many epochs, ≥ 0 (0: not by epochs).
    checkpoint_seconds : float or None, default 60.0
        Save at the end of the first epoch this many seconds after the last save, > 0
        (``None``: by epochs only).
    after_step : callable or None, default None
        ``after_step(model)`` runs after every optimizer step (e.g.
        :func:`~ipcore.nets.orthonormality_step_`).
    threads : int or None, default None
        CPU threads of the optimisation steps only (1 suits one tiny network); recording and
        evaluation keep torch's setting.
    optimizer : str, default "adam"
        ``"adam"`` or ``"sgd"`` (plain, no momentum), at learning rate ``lr``; both update
        every parameter elementwise, so the members of an ensemble do not interact.
    shuffle : bool, default True
        Whether to reshuffle the mini-batches every epoch.
    gradient_stats : sequence of str, default ()
        Names of parameters (as in ``model.named_parameters()``) whose gradient statistics
        are logged.
    gradient_batch_size : int or None, default None
        Measure the gradient statistics on mini-batches of this size, drawn only to measure.
    timings : dict or None, default None
        The wall seconds spent in the optimisation steps (``"training"``) and in recording
        and measuring (``"recording"``) are added to it.

    Returns
    -------
    list of dict
        One dict per recorded epoch: ``epoch``, ``loss`` (clean pass, on all of x), the
        metrics of ``evaluate`` and the gradient statistics; floats for one network, (N,)
        arrays for an ensemble.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``, ``x`` or ``y`` not a ``torch.Tensor``,
        ``loss_fn`` (or a given ``evaluate`` or ``after_step``) not callable, ``recorder`` not a
        :class:`~ipcore.nets.Recorder`, ``desc`` not a str or ``timings`` not a dict.
    ValueError
        If ``y`` does not have one row per row of ``x``; ``epochs``, ``checkpoint_every`` are
        not integers ≥ 0 or ``batch_size``, ``threads``, ``gradient_batch_size`` not
        integers ≥ 1; ``lr`` or ``checkpoint_seconds`` is not > 0; ``seed`` is not one seed for
        one network or one per member for an ensemble; ``optimizer`` is not ``"adam"`` or
        ``"sgd"``; ``progress`` or ``shuffle`` is not a bool; ``gradient_stats`` names a
        parameter the model does not have; or the recorder's schedule is empty or leaves
        [0, epochs] (named ``schedule``).
    KeyboardInterrupt
        ``TrainingInterrupted`` (a subclass), raised after saving a checkpoint when a run with
        a ``store`` gets SIGINT or SIGTERM; its message says where the run will resume.

    Examples
    --------
    >>> import torch
    >>> from torch.nn import functional as F
    >>> from ipcore.nets import NoisyMLP, Recorder, train
    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(32, 4)
    >>> y = (x[:, 0] > 0).long()
    >>> _ = torch.manual_seed(1)
    >>> net = NoisyMLP((4, 8, 2), beta=0.05)
    >>> recorder = Recorder(net, x, schedule=[0, 5, 20])
    >>> history = train(net, x, y, loss_fn=lambda m, xb, yb: F.cross_entropy(m(xb), yb),
    ...                 epochs=20, lr=0.05, recorder=recorder, seed=1, threads=1, progress=False)
    >>> [int(h["epoch"]) for h in history], history[-1]["loss"] < history[0]["loss"]
    ([0, 5, 20], True)

    Member 0 of an ensemble of seeds [1, 2] trains as the network of seed 1 above:

    >>> from ipcore.nets import ensemble_of_mlps
    >>> from ipcore.nets.ensemble import cross_entropy
    >>> ensemble = ensemble_of_mlps([1, 2], widths=(4, 8, 2), betas=0.05)
    >>> history = train(ensemble, x, y, loss_fn=lambda m, xb, yb: cross_entropy(m(xb), yb),
    ...                 epochs=20, lr=0.05, recorder=Recorder(ensemble, x, [0, 20]), seed=[1, 2], threads=1,
    ...                 progress=False)
    >>> history[-1]["loss"].shape
    (2,)
    >>> torch.allclose(ensemble.member(0).output.weight, net.output.weight, atol=1e-5)
    True
    """
    if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"y: needs one row per input, x has shape {tuple(x.shape)} and y {tuple(y.shape)}")
    members = ensemble_size(model)
    seeds = _run_seeds(seed, members)
    parameters = dict(model.named_parameters())
    unknown = [name for name in gradient_stats if name not in parameters]
    if unknown:
        raise ValueError(f"gradient_stats: the model has no parameter {unknown}; its parameters are {sorted(parameters)}")
    seed_everything(seeds[0])  # the global generator: dropout and anything else outside the streams
    shufflers = [make_generator(s) for s in seeds]
    first = next(iter(parameters.values()))
    purposes = ("training noise", "measurement noise") + (("gradient noise",) if gradient_batch_size else ())
    streams = {purpose: NormalStream(seeds, purpose, dtype=first.dtype, device=first.device) for purpose in purposes}
    # The measurement batches' own shuffles: drawing them leaves the training batches as they were.
    measuring = [make_generator(derive_seed(s, "gradient batches")) for s in seeds] if gradient_batch_size else []
    schedule = check_schedule(recorder.schedule, epochs) if recorder is not None else np.array([], dtype=np.int64)
    todo = set(schedule.tolist())
    optimizer_class, options = OPTIMIZERS[optimizer]
    opt = optimizer_class(model.parameters(), lr=lr, **options)
    n = x.shape[0]
    batch_axis = 0 if members is None else 1
    history: list[dict[str, Any]] = []
    batch_gradients: dict[str, list[torch.Tensor]] = {name: [] for name in gradient_stats}
    first_epoch = 1

    state = store.load_checkpoint() if store is not None else None
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        for g, s in zip(shufflers, state["shuffle_rng"]):
            g.set_state(s)
        for g, s in zip(measuring, state.get("measure_rng", [])):
            g.set_state(s)
        torch.set_rng_state(state["global_rng"])
        for purpose, stream in streams.items():
            stream.load_state_dict(state["streams"][purpose])
        history = state["history"]
        if recorder is not None:
            recorder.snapshots = state["snapshots"]
        first_epoch = state["epoch"] + 1

    clock = {"training": 0.0, "recording": 0.0}

    def gathered(order: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # index_select: several times faster than x[order]; batches are then slices
        order = order.to(x.device)
        return tuple(t.index_select(0, order.reshape(-1)).view(*order.shape, *t.shape[1:]) for t in (x, y))

    def shuffled(generators: list[torch.Generator]) -> torch.Tensor:
        orders = [torch.randperm(n, generator=g) for g in generators]  # one draw per member
        return orders[0] if members is None else torch.stack(orders)

    def measurement_gradients() -> None:
        """The gradients of mini-batches of ``gradient_batch_size`` at the current parameters, no update."""
        x_m, y_m = gathered(shuffled(measuring))
        was_training = model.training
        model.train()
        try:  # the global generator (dropout) forked: training draws the same numbers with or without this
            with torch.random.fork_rng(devices=[]), torch.enable_grad(), torch_threads(threads), \
                    noise_source(model, streams["gradient noise"]):
                for start in range(0, n, gradient_batch_size):
                    length = min(gradient_batch_size, n - start)
                    model.zero_grad(set_to_none=True)
                    loss_fn(model, x_m.narrow(batch_axis, start, length), y_m.narrow(batch_axis, start, length)).sum().backward()
                    for name, grads in batch_gradients.items():
                        grads.append(parameters[name].grad.detach().clone())
        finally:
            model.zero_grad(set_to_none=True)
            model.train(was_training)

    def record(epoch: int) -> None:
        if epoch not in todo:
            return
        started = time.perf_counter()
        was_training = model.training
        model.eval()  # measuring: dropout and the like off (clean_pass switches the noise off)
        try:
            with torch.no_grad(), clean_pass(model):
                metrics = {"epoch": float(epoch), "loss": _as_metric(loss_fn(model, x, y), members)}
                if evaluate is not None:
                    metrics.update({k: _as_metric(v, members) for k, v in evaluate(model).items()})
        finally:
            model.train(was_training)
        if gradient_batch_size and batch_gradients:
            measurement_gradients()
        for name, grads in batch_gradients.items():
            stats = gradient_statistics(grads, parameters[name], members)
            metrics.update({f"{key}/{name}": value for key, value in stats.items()})
            grads.clear()
        if recorder is not None:
            with noise_source(model, streams["measurement noise"]):
                recorder.record(epoch, metrics)
        history.append(metrics)
        clock["recording"] += time.perf_counter() - started

    def save(epoch: int) -> None:
        store.save_checkpoint({  # type: ignore[union-attr]
            "epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "shuffle_rng": [g.get_state() for g in shufflers], "global_rng": torch.get_rng_state(),
            "measure_rng": [g.get_state() for g in measuring],
            "streams": {purpose: stream.state_dict() for purpose, stream in streams.items()},
            "history": history, "snapshots": recorder.snapshots if recorder is not None else [],
        })

    def epoch_order() -> torch.Tensor:
        if not (batch_size and shuffle):
            order = torch.arange(n)
            return order if members is None else order.expand(members, n)
        return shuffled(shufflers)  # one draw per member and epoch

    if first_epoch == 1:
        record(0)
    last_save = time.monotonic()
    bar = progress_bar(range(first_epoch, epochs + 1), enabled=progress, desc=desc, mininterval=1.0,
                       initial=first_epoch - 1, total=epochs)
    step = batch_size or n
    with _deferred_signals(store is not None) as signalled:
        for epoch in bar:
            model.train()
            x_epoch, y_epoch = gathered(epoch_order())  # once per epoch
            measured = epoch in todo and not gradient_batch_size
            started = time.perf_counter()
            with torch_threads(threads), flush_denormals(), noise_source(model, streams["training noise"]):
                for start in range(0, n, step):
                    length = min(step, n - start)
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model, x_epoch.narrow(batch_axis, start, length),
                                   y_epoch.narrow(batch_axis, start, length))
                    loss.sum().backward()
                    if measured:
                        for name, grads in batch_gradients.items():
                            grads.append(parameters[name].grad.detach().clone())
                    opt.step()
                    if after_step is not None:
                        after_step(model)
            clock["training"] += time.perf_counter() - started
            record(epoch)
            if store is None or epoch == epochs:
                continue
            due = (checkpoint_every and epoch % checkpoint_every == 0) or (
                checkpoint_seconds is not None and time.monotonic() - last_save >= checkpoint_seconds)
            if due or signalled:
                save(epoch)
                last_save = time.monotonic()
            if signalled:
                bar.close()
                raise TrainingInterrupted(f"{signalled[0]}: stopped after epoch {epoch} of {epochs} and saved a "
                                          f"checkpoint; running it again resumes from epoch {epoch + 1}")
    if timings is not None:
        for key, seconds in clock.items():
            timings[key] = timings.get(key, 0.0) + seconds
    return history
