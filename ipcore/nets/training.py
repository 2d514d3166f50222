"""The one training loop and the one recorder of hidden representations.

The recorder works with any ``nn.Module`` through forward hooks on its
:class:`~ipcore.nets.models.GaussianNoise` layers: at scheduled epochs it stores,
for every noise layer ℓ, the clean S_ℓ of all inputs (noise off) and
optionally R noisy-pass replicas (noise on in layers < ℓ, clean S_ℓ kept),
which are the centres of the sample-propagation estimator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import numpy as np
import torch
from torch import nn

from ipcore.config import check_number, check_positive_int, progress_bar, torch_threads
from ipcore.nets.models import clean_pass, noise_layers
from ipcore.seeding import seed_everything


def log_spaced_epochs(last_epoch: int, num: int = 100, *, include_zero: bool = False) -> np.ndarray:
    """``unique(round(logspace(0, log10(last_epoch), num)))``, optionally with epoch 0.

    With ``last_epoch = 9999`` and ``num = 100`` these are the paper's 84
    logged epochs.
    """
    last = check_positive_int(last_epoch, "last_epoch")
    num = check_positive_int(num, "num")
    epochs = np.unique(np.round(np.logspace(0, np.log10(last), num)).astype(np.int64))
    return np.concatenate([[0], epochs]) if include_zero else epochs


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


@dataclass
class Snapshot:
    """What the recorder kept at one epoch. Arrays are numpy, float64."""

    epoch: int
    clean: dict[str, np.ndarray]
    replicas: dict[str, np.ndarray] = field(default_factory=dict)  # (m, R, d) per layer
    parameters: dict[str, np.ndarray] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


class Recorder:
    """Records hidden representations of ``inputs`` at scheduled epochs.

    Parameters
    ----------
    model: any module containing :class:`~ipcore.nets.models.GaussianNoise` layers.
    inputs: the whole data set X (m, ...), pushed through at each record.
    schedule: epochs at which to record (0 = before training).
    replicas: R noisy passes per input to keep for the conditional entropies.
    record_parameters: also keep a copy of the model's parameters.
    reduce: applied to each snapshot when it is taken (e.g. to estimate and drop replicas).
    """

    def __init__(
        self,
        model: nn.Module,
        inputs: torch.Tensor,
        schedule: Sequence[int],
        *,
        replicas: int = 0,
        record_parameters: bool = False,
        reduce: Callable[[Snapshot], Snapshot] | None = None,
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
        self.layers = noise_layers(model)
        if not self.layers:
            raise ValueError("model: has no GaussianNoise layer to record")
        self.snapshots: list[Snapshot] = []
        self._captured: dict[str, torch.Tensor] | None = None
        for name, layer in self.layers.items():
            layer.register_forward_hook(self._hook(name))

    def _hook(self, name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: tuple[Any, ...], output: torch.Tensor) -> None:
            if self._captured is not None:
                self._captured[name] = args[0].detach()

        return hook

    def _capture(self) -> dict[str, torch.Tensor]:
        self._captured = {}
        try:
            self.model(self.inputs)
            return self._captured
        finally:
            self._captured = None

    @torch.no_grad()
    def record(self, epoch: int, metrics: dict[str, float] | None = None) -> Snapshot:
        """Push all inputs through now and store a :class:`Snapshot`."""
        was_training = self.model.training
        self.model.eval()
        try:
            with clean_pass(self.model):
                clean = {k: v.cpu().double().numpy().reshape(v.shape[0], -1) for k, v in self._capture().items()}
            replicas: dict[str, list[np.ndarray]] = {k: [] for k in self.layers}
            for _ in range(self.replicas):
                for k, v in self._capture().items():
                    replicas[k].append(v.cpu().double().numpy().reshape(v.shape[0], -1))
        finally:
            self.model.train(was_training)
        snap = Snapshot(
            epoch=int(epoch),
            clean=clean,
            replicas={k: np.stack(v, axis=1) for k, v in replicas.items() if v},
            parameters={k: p.detach().cpu().double().numpy().copy() for k, p in self.model.named_parameters()}
            if self.record_parameters
            else {},
            metrics=dict(metrics or {}),
        )
        if self.reduce is not None:
            snap = self.reduce(snap)
        self.snapshots.append(snap)
        return snap


class CheckpointStore(Protocol):
    """Where :func:`train` keeps its checkpoint (e.g. :class:`ipcore.cache.CachedRun`)."""

    def load_checkpoint(self) -> Any | None: ...

    def save_checkpoint(self, state: Any) -> None: ...


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
    seed: int = 0,
    progress: bool = True,
    desc: str = "training",
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    store: CheckpointStore | None = None,
    checkpoint_every: int = 0,
    after_step: Callable[[nn.Module], None] | None = None,
    threads: int | None = None,
) -> list[dict[str, float]]:
    """Train ``model`` with Adam on (x, y); record at the recorder's schedule.

    ``loss_fn(model, x_batch, y_batch)`` returns the scalar loss (it receives
    the model so that a loss may read any part of it). One epoch is one pass
    over shuffled mini-batches (full batch when ``batch_size`` is None). At
    recorded epochs the clean-pass training loss and ``evaluate(model)``
    (run with noise off, in eval mode) are logged. ``after_step(model)`` runs after every
    optimizer step (e.g. an orthonormality step). ``threads`` sets the CPU
    threads of the optimisation steps only (1 suits tiny networks); recording
    and evaluation keep torch's setting.

    With a ``store``, the full state (model, optimizer, both random streams,
    snapshots, history) is saved every ``checkpoint_every`` epochs, and a
    run that finds a checkpoint resumes from it: an interrupted run ends
    bit-identical to an uninterrupted one. Returns one dict per recorded epoch.
    """
    epochs = int(epochs)
    if epochs < 0:
        raise ValueError(f"epochs: must be >= 0, got {epochs}")
    lr = check_number(lr, "lr")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size")
    if checkpoint_every < 0:
        raise ValueError(f"checkpoint_every: must be >= 0, got {checkpoint_every}")
    gen = seed_everything(seed)
    schedule = check_schedule(recorder.schedule, epochs) if recorder is not None else np.array([], dtype=np.int64)
    todo = set(schedule.tolist())
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    n = x.shape[0]
    history: list[dict[str, float]] = []
    first_epoch = 1

    state = store.load_checkpoint() if store is not None else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        gen.set_state(state["shuffle_rng"])
        torch.set_rng_state(state["noise_rng"])
        history = state["history"]
        if recorder is not None:
            recorder.snapshots = state["snapshots"]
        first_epoch = state["epoch"] + 1

    def record(epoch: int) -> None:
        if epoch not in todo:
            return
        was_training = model.training
        model.eval()  # measuring: dropout and the like off (clean_pass switches the noise off)
        try:
            with torch.no_grad(), clean_pass(model):
                metrics = {"epoch": float(epoch), "loss": float(loss_fn(model, x, y))}
                if evaluate is not None:
                    metrics.update(evaluate(model))
        finally:
            model.train(was_training)
        if recorder is not None:
            recorder.record(epoch, metrics)
        history.append(metrics)

    def save(epoch: int) -> None:
        store.save_checkpoint({  # type: ignore[union-attr]
            "epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "shuffle_rng": gen.get_state(), "noise_rng": torch.get_rng_state(), "history": history,
            "snapshots": recorder.snapshots if recorder is not None else [],
        })

    if first_epoch == 1:
        record(0)
    bar = progress_bar(range(first_epoch, epochs + 1), enabled=progress, desc=desc, mininterval=1.0,
               initial=first_epoch - 1, total=epochs)
    for epoch in bar:
        model.train()
        order = torch.randperm(n, generator=gen) if batch_size else torch.arange(n)
        step = batch_size or n
        with torch_threads(threads):
            for start in range(0, n, step):
                idx = order[start : start + step]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model, x[idx], y[idx])
                loss.backward()
                optimizer.step()
                if after_step is not None:
                    after_step(model)
        record(epoch)
        if store is not None and checkpoint_every and epoch % checkpoint_every == 0 and epoch < epochs:
            save(epoch)
    return history
