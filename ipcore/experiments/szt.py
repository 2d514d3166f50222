"""The SZT network (12-10-7-5-4-3-2) trained on the SZT data, with I(X;T_ℓ) tracked per layer.

At every logged epoch the recorder pushes all 4096 inputs through the noisy
network R times; the sample-propagation estimator turns the clean S_ℓ of
those passes into I(X;T_ℓ) (nats) at once, and only the estimates, the clean
representations and H(Bin(T_ℓ)) are kept. Runs are cached by their
parameters and the code that computes them, checkpointed, and resumable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from ipcore.cache import CachedRun
from ipcore.validation import check_choice, check_number, check_positive_int
from ipcore.data import szt, train_test_split
from ipcore.estimators import binned_entropy, sp_mutual_information
from ipcore.nets.models import ACTIVATIONS, NoisyMLP, check_noise_std, orthonormality_step_
from ipcore.nets.training import Recorder, Snapshot, log_spaced_epochs, train

#: ipcore modules whose code determines an SZT result (their change invalidates the cache).
SZT_MODULES = [
    "ipcore.experiments.szt", "ipcore.nets.training", "ipcore.nets.models", "ipcore.data.szt",
    "ipcore.estimators", "ipcore.seeding",
]


@dataclass(frozen=True)
class SZTConfig:
    """Parameters of one SZT run. Defaults are the paper's (Goldfeld et al., Fig. 5a)."""

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
        check_noise_std(self.beta)
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
        """Logged epochs: ``log_epochs`` if given, else unique(round(logspace(0, log10(epochs − 1), n_log))) and 0."""
        if self.log_epochs is not None:
            return np.array(self.log_epochs, dtype=np.int64)
        return log_spaced_epochs(self.epochs - 1, self.n_log, include_zero=True)

    @property
    def bin_width(self) -> float:
        return self.bin_width_factor * self.beta if self.beta > 0 else 0.1


@dataclass
class SZTRun:
    """What an SZT run keeps, per logged epoch (arrays indexed [epoch, …])."""

    config: SZTConfig
    epochs: np.ndarray
    metrics: dict[str, np.ndarray]  #: loss, train/test loss and accuracy (clean pass)
    mi: np.ndarray  #: (E, L) I(X;T_ℓ) in nats (NaN when not estimated)
    mi_std: np.ndarray  #: (E, L) Monte Carlo standard errors
    binned: np.ndarray  #: (E, L) H(Bin(T_ℓ)) in nats, bins of width config.bin_width
    clean: list[np.ndarray] = field(default_factory=list)  #: per layer, (E, 4096, d_ℓ), in config.precision
    labels: np.ndarray | None = None


def _estimator(config: SZTConfig, layer_names: list[str]):
    def reduce(snap: Snapshot) -> Snapshot:
        for i, name in enumerate(layer_names):
            clean = snap.clean[name]
            snap.metrics[f"binned_{i}"] = binned_entropy(clean, width=config.bin_width)
            if config.estimate and config.beta > 0:
                reps = snap.replicas[name]
                est = sp_mutual_information(
                    reps[:, 0, :], config.beta, conditional_centers=None if i == 0 else reps,
                    n_mc=config.n_mc, seed=config.seed + 1000 * snap.epoch + i,
                )
                snap.metrics[f"mi_{i}"], snap.metrics[f"mi_std_{i}"] = est.mi, est.mi_std
        snap.replicas = {}  # estimated; dropping them keeps a long run's memory small
        snap.clean = {k: v.astype(config.precision) for k, v in snap.clean.items()}
        return snap

    return reduce


def cache_entry(config: SZTConfig) -> CachedRun:
    """Where the run of ``config`` is cached (its result and checkpoint)."""
    return CachedRun("szt", asdict(config), modules=SZT_MODULES)


def run_szt(config: SZTConfig = SZTConfig(), *, progress: bool = True, checkpoint_every: int = 250,
            use_cache: bool = True) -> SZTRun:
    """Train and measure one SZT network (loaded from the cache if it ran before)."""
    cached = cache_entry(config) if use_cache else None
    if cached is not None and cached.done:
        return cached.load()
    x_np, y_np = szt()
    train_idx, test_idx = train_test_split(len(x_np), seed=config.split_seed)
    torch.manual_seed(config.seed)
    dtype = getattr(torch, config.precision)
    x = torch.as_tensor(x_np, dtype=dtype)
    y = torch.as_tensor(y_np)
    model = NoisyMLP(config.widths, config.activation, config.beta, dtype=dtype)
    layer_names = [f"hidden.{i}.2" for i in range(len(config.widths) - 2)]
    replicas = config.replicas if (config.estimate and config.beta > 0) else 0
    recorder = Recorder(model, x, config.schedule(), replicas=replicas, reduce=_estimator(config, layer_names))
    xtr, ytr, xte, yte = x[train_idx], y[train_idx], x[test_idx], y[test_idx]

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        out_tr, out_te = m(xtr), m(xte)
        return {
            "train_loss": float(F.cross_entropy(out_tr, ytr)), "test_loss": float(F.cross_entropy(out_te, yte)),
            "train_acc": float((out_tr.argmax(1) == ytr).float().mean()),
            "test_acc": float((out_te.argmax(1) == yte).float().mean()),
        }

    alpha = config.orthonormal_alpha
    train(
        model, xtr, ytr, loss_fn=lambda m, xb, yb: F.cross_entropy(m(xb), yb), epochs=config.epochs,
        lr=config.lr, batch_size=config.batch_size, recorder=recorder, seed=config.seed, progress=progress,
        desc=f"SZT {config.activation} β={config.beta:g}", evaluate=evaluate, store=cached,
        checkpoint_every=checkpoint_every, after_step=(lambda m: orthonormality_step_(m, alpha)) if alpha > 0 else None,
        threads=1,  # a 12-10-7-5-4-3-2 net: one thread is fastest; estimation uses them all
    )
    snaps = recorder.snapshots
    n_layers = len(layer_names)

    def column(key: str) -> np.ndarray:
        return np.array([s.metrics.get(key, np.nan) for s in snaps], dtype=np.float64)

    run = SZTRun(
        config=config,
        epochs=np.array([s.epoch for s in snaps]),
        metrics={k: column(k) for k in ("loss", "train_loss", "test_loss", "train_acc", "test_acc")},
        mi=np.stack([column(f"mi_{i}") for i in range(n_layers)], axis=1),
        mi_std=np.stack([column(f"mi_std_{i}") for i in range(n_layers)], axis=1),
        binned=np.stack([column(f"binned_{i}") for i in range(n_layers)], axis=1),
        clean=[np.stack([s.clean[name] for s in snaps]) for name in layer_names],
        labels=y_np,
    )
    if cached is not None:
        cached.save(run)
    return run


def summary(run: SZTRun) -> dict[str, Any]:
    """The numbers a chapter reports: I per layer at the start, peak and end, accuracies."""
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
    Returns a long table with columns ``epoch``, ``layer`` (1-based), ``width``, ``mi``.
    """
    rows = []
    for width in widths:
        check_number(width, "widths")
        for layer, clean in enumerate(run.clean, start=1):
            for epoch, t in zip(run.epochs, clean):
                rows.append((int(epoch), layer, float(width), binned_entropy(t, width=width)))
    return pd.DataFrame(rows, columns=["epoch", "layer", "width", "mi"])
