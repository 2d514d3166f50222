"""MNIST CNNs, deterministic, noisy and with dropout: validation error and clustering over training.

At every logged epoch the recorder pushes a fixed set of validation images
through the network (noise off for the clean S_ℓ) and keeps, per hidden layer,
the histograms of cosine similarity between representations of pairs from the
same class and from different classes. For the noisy network the last hidden
layer's I(X;T) is also estimated by sample propagation (R noisy passes per image).
Runs are cached, checkpointed and resumable like the SZT runs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from ipcore.cache import CachedRun
from ipcore.estimators.clustering import cosine_similarity_histograms
from ipcore.nets.cnn import NoisyCNN
from ipcore.config import resolve_device
from ipcore.validation import check_choice, check_number, check_positive_int
from ipcore.data.mnist import mnist_splits
from ipcore.estimators import sp_mutual_information
from ipcore.nets.models import ACTIVATIONS, GaussianNoise, check_noise_std
from ipcore.nets.training import Recorder, Snapshot, train

MNIST_MODULES = [
    "ipcore.experiments.mnist", "ipcore.nets.cnn", "ipcore.nets.models", "ipcore.nets.training", "ipcore.data.mnist",
    "ipcore.estimators.clustering", "ipcore.estimators", "ipcore.seeding",
]
VARIANTS = ("deterministic", "noisy", "dropout")
LAYER_NAMES = ("conv 1", "conv 2", "dense")
EVAL_CHUNK = 2000  #: images per forward pass when evaluating a whole set


@dataclass(frozen=True)
class MNISTConfig:
    """One MNIST CNN run. ``beta`` applies to the noisy variant, ``dropout`` to the dropout one.

    A frozen dataclass; its fields (with the code of :data:`~ipcore.experiments.mnist.MNIST_MODULES` and whether the
    standard MNIST split was found) are the key of the run in the results cache.

    Parameters
    ----------
    variant : str, default "deterministic"
        One of :data:`~ipcore.experiments.mnist.VARIANTS`: ``"deterministic"``, ``"noisy"`` or ``"dropout"``.
    beta : float, default 0.1
        β, the noise standard deviation after every hidden layer (noisy variant, > 0 there).
    dropout : float, default 0.2
        Dropout probability (dropout variant), in (0, 1).
    activation : str, default "tanh"
        One of :data:`ipcore.nets.models.ACTIVATIONS`.
    channels : tuple of int, default (8, 16)
        Channels of the two convolutional layers.
    hidden : int, default 32
        Width of the dense hidden layer.
    epochs : int, default 10
        Training epochs.
    lr : float, default 1e-3
        Learning rate.
    batch_size : int, default 64
        Mini-batch size.
    n_train : int, optional
        Use the first n training images (None: all).
    n_record : int, default 1000
        Validation images whose representations are measured, at least 20.
    replicas : int, default 20
        Noisy passes per image for I(X;T) of the last hidden layer (noisy variant).
    bins : int, default 40
        Bins of the cosine-similarity histograms on [−1, 1].
    seed : int, default 0
        Seed of the weights, the batches and the noise.
    split_seed : int, default 0
        Seed of the train/validation split.

    Raises
    ------
    ValueError
        Naming the first field out of range: an unknown ``variant`` or ``activation``, a
        noisy variant with ``beta`` = 0, a dropout variant without dropout, non-positive
        counts, or fewer than 20 recorded images.

    Examples
    --------
    >>> config = MNISTConfig(variant="noisy", beta=0.05, epochs=4)
    >>> type(config.model()).__name__
    'NoisyCNN'
    >>> MNISTConfig(variant="noisy", beta=0.0)
    Traceback (most recent call last):
    ...
    ValueError: beta: the noisy variant needs beta > 0, got 0.0
    """

    variant: str = "deterministic"
    beta: float = 0.1
    dropout: float = 0.2
    activation: str = "tanh"
    channels: tuple[int, int] = (8, 16)
    hidden: int = 32
    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 64
    n_train: int | None = None  #: use the first n training images (None: all)
    n_record: int = 1000  #: validation images whose representations are measured
    replicas: int = 20  #: noisy passes per image for I(X;T) of the last hidden layer (noisy variant)
    bins: int = 40
    seed: int = 0
    split_seed: int = 0

    def __post_init__(self) -> None:
        check_choice(self.variant, "variant", VARIANTS)
        check_choice(self.activation, "activation", ACTIVATIONS)
        check_noise_std(self.beta)
        if self.variant == "noisy" and self.beta <= 0:
            raise ValueError(f"beta: the noisy variant needs beta > 0, got {self.beta}")
        if not 0 <= self.dropout < 1 or (self.variant == "dropout" and self.dropout == 0):
            raise ValueError(f"dropout: must be in (0, 1) for the dropout variant, got {self.dropout}")
        check_positive_int(self.epochs, "epochs")
        check_number(self.lr, "lr")
        check_positive_int(self.batch_size, "batch_size")
        if self.n_train is not None:
            check_positive_int(self.n_train, "n_train")
        if check_positive_int(self.n_record, "n_record") < 20:
            raise ValueError(f"n_record: need at least 20 images to compare classes, got {self.n_record}")
        check_positive_int(self.replicas, "replicas")
        object.__setattr__(self, "channels", tuple(int(c) for c in self.channels))

    def model(self) -> NoisyCNN:
        """A fresh :class:`ipcore.nets.cnn.NoisyCNN` of this config (noise only in the noisy
        variant, dropout only in the dropout one).

        Returns
        -------
        ipcore.nets.cnn.NoisyCNN
            The untrained network (its weights from torch's current random state).
        """
        return NoisyCNN(self.channels, self.hidden, self.activation,
                        beta=self.beta if self.variant == "noisy" else 0.0,
                        dropout=self.dropout if self.variant == "dropout" else 0.0)


@dataclass
class MNISTRun:
    """What an MNIST run keeps per logged epoch (arrays indexed [epoch, …]).

    Made by :func:`ipcore.experiments.mnist.run_mnist`; E logged epochs (every epoch, 0
    included), 3 hidden layers (:data:`~ipcore.experiments.mnist.LAYER_NAMES`).

    Parameters
    ----------
    config : MNISTConfig
        The run's parameters.
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    metrics : dict of str to ndarray
        train_loss, val_loss, train_error, val_error (clean pass).
    edges : ndarray, shape (bins + 1,)
        Cosine-similarity bin edges.
    within : ndarray, shape (E, 3, bins)
        Fractions of same-class pairs per bin.
    across : ndarray, shape (E, 3, bins)
        Fractions of different-class pairs per bin.
    within_mean : ndarray, shape (E, 3)
        Mean cosine similarity of same-class pairs.
    across_mean : ndarray, shape (E, 3)
        Mean cosine similarity of different-class pairs.
    mi : ndarray, shape (E,)
        I(X;T_dense) in nats (NaN unless noisy).
    mi_std : ndarray, shape (E,)
        Its Monte Carlo standard error.
    final_replicas : ndarray, optional
        (n_record, R, hidden) float32, the dense layer's R noisy passes at the last epoch
        (noisy variant only).
    data_note : str, default ""
        Where the images came from.
    labels : ndarray of int
        Labels of the recorded images.

    Examples
    --------
    >>> import numpy as np
    >>> run = MNISTRun(MNISTConfig(), epochs=np.arange(2), metrics={}, edges=np.linspace(-1, 1, 3),
    ...                within=np.zeros((2, 3, 2)), across=np.zeros((2, 3, 2)),
    ...                within_mean=np.array([[0.5, 0.6, 0.7], [0.6, 0.7, 0.9]]),
    ...                across_mean=np.array([[0.4, 0.4, 0.4], [0.3, 0.2, 0.1]]),
    ...                mi=np.full(2, np.nan), mi_std=np.full(2, np.nan))
    >>> run.gap.round(2)
    array([[0.1, 0.2, 0.3],
           [0.3, 0.5, 0.8]])
    """

    config: MNISTConfig
    epochs: np.ndarray
    metrics: dict[str, np.ndarray]  #: train_loss, val_loss, train_error, val_error (clean pass)
    edges: np.ndarray  #: cosine-similarity bin edges
    within: np.ndarray  #: (E, 3 layers, bins) fractions of same-class pairs
    across: np.ndarray  #: (E, 3 layers, bins) fractions of different-class pairs
    within_mean: np.ndarray  #: (E, 3)
    across_mean: np.ndarray  #: (E, 3)
    mi: np.ndarray  #: (E,) I(X;T_dense) in nats (NaN unless noisy)
    mi_std: np.ndarray  #: (E,)
    final_replicas: np.ndarray | None = None  #: (n_record, R, hidden) float32, last epoch, noisy only
    data_note: str = ""
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def gap(self) -> np.ndarray:
        """(E, 3) mean within-class minus mean across-class cosine similarity."""
        return self.within_mean - self.across_mean


def chunked_logits(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's outputs for a whole set, EVAL_CHUNK images per forward pass.

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    x : torch.Tensor
        The inputs, one per row.

    Returns
    -------
    torch.Tensor
        The outputs, concatenated in order.

    Examples
    --------
    >>> import torch
    >>> chunked_logits(torch.nn.Linear(3, 2), torch.zeros(4500, 3)).shape  # 3 passes of at most 2000
    torch.Size([4500, 2])
    """
    return torch.cat([model(x[s : s + EVAL_CHUNK]) for s in range(0, len(x), EVAL_CHUNK)])


def chunked_cross_entropy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats): of one batch, or of a whole set in chunks (the recorder's
    whole-set loss), so that 60 000 images never sit in memory at once.

    Parameters
    ----------
    model : callable
        The network, inputs to logits.
    x : torch.Tensor
        The inputs.
    y : torch.Tensor of int64
        The class labels.

    Returns
    -------
    torch.Tensor
        The mean of −ln softmax(model(x))_y, a scalar.

    Examples
    --------
    >>> import torch
    >>> uniform = lambda x: torch.zeros(len(x), 2)  # p = ½ for both classes
    >>> chunked_cross_entropy(uniform, torch.zeros(4500, 3), torch.zeros(4500, dtype=torch.long))
    tensor(0.6931)
    """
    if len(x) <= EVAL_CHUNK:
        return F.cross_entropy(model(x), y)
    return sum(F.cross_entropy(model(x[s : s + EVAL_CHUNK]), y[s : s + EVAL_CHUNK], reduction="sum")
               for s in range(0, len(x), EVAL_CHUNK)) / len(x)


def dense_replicas(model: NoisyCNN, x: torch.Tensor, replicas: int) -> np.ndarray:
    """(n, R, h): the clean S of the dense layer for R noisy passes of each image (noise on upstream).

    The convolutional layers add their noise, the dense layer's own noise is left out: S is
    what enters it, so that the sample-propagation estimator can put it back.

    Parameters
    ----------
    model : NoisyCNN
        The network.
    x : torch.Tensor, shape (n, 28, 28)
        The images.
    replicas : int
        R, the noisy passes.

    Returns
    -------
    ndarray of float64, shape (n, R, h)
        S of every pass; h is the dense layer's width.

    Examples
    --------
    >>> import torch
    >>> model = MNISTConfig(variant="noisy", beta=0.1).model()
    >>> dense_replicas(model, torch.rand(5, 28, 28), 3).shape
    (5, 3, 32)
    """
    *upstream, dense = model.hidden
    outs = []
    with torch.no_grad():
        for _ in range(replicas):
            t = x.to(model.output.weight.dtype)[:, None]
            for layer in upstream:
                t = layer(t)
            for module in dense:
                if isinstance(module, GaussianNoise):
                    break  # S is the input of the dense layer's noise
                t = module(t)
            outs.append(t.double().cpu().numpy())
    return np.stack(outs, axis=1)


def run_mnist(config: MNISTConfig = MNISTConfig(), *, device: str | None = None, data_path: str | None = None,
              progress: bool = True, use_cache: bool = True, checkpoint_every: int = 1) -> MNISTRun:
    """Train and measure one MNIST CNN (loaded from the cache if it ran before).

    ``device``: ``"cpu"``, ``"cuda"`` or None (CUDA when available). The data come from
    :func:`ipcore.data.mnist_splits` (``data_path``, ``$IPCORE_DATA``, the cache, a download).

    At every epoch the first ``n_record`` validation images go through the network (noise off)
    and each hidden layer's histograms of cosine similarity between same-class and
    different-class pairs are kept; for the noisy variant, I(X;T) of the dense layer is also
    estimated by sample propagation from R noisy passes
    (:func:`ipcore.estimators.sp_mutual_information`), in nats.

    Parameters
    ----------
    config : MNISTConfig, default MNISTConfig()
        The run's parameters.
    device : str, optional
        ``"cpu"``, ``"cuda"`` or None.
    data_path : str, optional
        Folder holding the MNIST files.
    progress : bool, default True
        Show a progress bar.
    use_cache : bool, default True
        Load a stored result and store this one.
    checkpoint_every : int, default 1
        Epochs between checkpoints.

    Returns
    -------
    MNISTRun
        The per-epoch errors, histograms and estimates.

    Raises
    ------
    ValueError
        If ``device`` is unknown, or the MNIST files cannot be found.
    """
    data = mnist_splits(path=data_path, seed=config.split_seed)
    dev = resolve_device(device)
    key = {**asdict(config), "standard_split": data["standard"]}
    cached = CachedRun("mnist", key, modules=MNIST_MODULES) if use_cache else None
    if cached is not None and cached.done:
        return cached.load()
    n_train = config.n_train or len(data["y_train"])
    x_tr = torch.as_tensor(data["x_train"][:n_train], dtype=torch.float32, device=dev) / 255.0
    y_tr = torch.as_tensor(data["y_train"][:n_train], device=dev)
    x_val = torch.as_tensor(data["x_val"], dtype=torch.float32, device=dev) / 255.0
    y_val = torch.as_tensor(data["y_val"], device=dev)
    n_record = min(config.n_record, len(y_val))
    x_rec, y_rec = x_val[:n_record], data["y_val"][:n_record]

    torch.manual_seed(config.seed)
    model = config.model().to(dev)
    noisy = config.variant == "noisy"

    def reduce(snap: Snapshot) -> Snapshot:
        for i, name in enumerate(sorted(snap.clean)):
            stats = cosine_similarity_histograms(snap.clean[name], y_rec, bins=config.bins)
            snap.metrics.update({f"within_{i}": stats["within"], f"across_{i}": stats["across"],
                                 f"within_mean_{i}": stats["within_mean"], f"across_mean_{i}": stats["across_mean"]})
        if noisy:
            reps = dense_replicas(model, x_rec, config.replicas)
            est = sp_mutual_information(reps[:, 0], config.beta, conditional_centers=reps, seed=config.seed + snap.epoch)
            snap.metrics["mi"], snap.metrics["mi_std"] = est.mi, est.mi_std
            snap.metrics["replicas"] = reps.astype(np.float32)
        snap.clean = {}
        return snap

    recorder = Recorder(model, x_rec, list(range(config.epochs + 1)), reduce=reduce)

    def evaluate(m: torch.nn.Module) -> dict[str, float]:  # train() runs it in eval mode, noise off
        out: dict[str, float] = {}
        for split, x, y in (("train", x_tr, y_tr), ("val", x_val, y_val)):
            logits = chunked_logits(m, x)
            out[f"{split}_loss"] = float(F.cross_entropy(logits, y))
            out[f"{split}_error"] = float((logits.argmax(1) != y).float().mean())
        return out

    train(model, x_tr, y_tr, loss_fn=chunked_cross_entropy, epochs=config.epochs,
          lr=config.lr, batch_size=config.batch_size, recorder=recorder, seed=config.seed, progress=progress,
          desc=f"MNIST {config.variant}" + (f" β={config.beta:g}" if noisy else ""), evaluate=evaluate,
          store=cached, checkpoint_every=checkpoint_every)
    snaps = recorder.snapshots

    def column(key: str) -> np.ndarray:
        return np.array([s.metrics.get(key, math.nan) for s in snaps], dtype=np.float64)

    n_layers = len(model.hidden)
    run = MNISTRun(
        config=config,
        epochs=np.array([s.epoch for s in snaps]),
        metrics={k: column(k) for k in ("train_loss", "val_loss", "train_error", "val_error")},
        edges=np.linspace(-1.0, 1.0, config.bins + 1),
        within=np.array([[s.metrics[f"within_{i}"] for i in range(n_layers)] for s in snaps]),
        across=np.array([[s.metrics[f"across_{i}"] for i in range(n_layers)] for s in snaps]),
        within_mean=np.array([[s.metrics[f"within_mean_{i}"] for i in range(n_layers)] for s in snaps]),
        across_mean=np.array([[s.metrics[f"across_mean_{i}"] for i in range(n_layers)] for s in snaps]),
        mi=column("mi"), mi_std=column("mi_std"),
        final_replicas=snaps[-1].metrics.get("replicas") if noisy else None,
        data_note=str(data["note"]), labels=np.asarray(y_rec),
    )
    if cached is not None:
        cached.save(run)
    return run


def sample_size_check(run: MNISTRun, sizes: list[int], *, seed: int = 0) -> list[dict[str, Any]]:
    """I(X;T_dense) at the last epoch from the first n recorded images, for each n in ``sizes``.

    X is then uniform on those n images, so I ≤ ln n; an estimate that keeps
    climbing with n (instead of settling) is limited by the sample size, which
    for the SP estimator must grow like 2^d. Returns rows n, ln n, mi, mi_std.

    Parameters
    ----------
    run : MNISTRun
        A noisy run (with ``final_replicas``).
    sizes : list of int
        Numbers of images n, each in [2, n_record].
    seed : int, default 0
        Seed of the Monte Carlo estimates.

    Returns
    -------
    list of dict
        One row per n: ``n``, ``ln n``, ``mi`` and ``mi_std`` (nats).

    Raises
    ------
    ValueError
        If the run is not noisy (naming ``run``), or an n is out of range (naming ``sizes``).

    Examples
    --------
    >>> import numpy as np
    >>> run = MNISTRun(MNISTConfig(), epochs=np.arange(2), metrics={}, edges=np.linspace(-1, 1, 3),
    ...                within=np.zeros((2, 3, 2)), across=np.zeros((2, 3, 2)),
    ...                within_mean=np.array([[0.5, 0.6, 0.7], [0.6, 0.7, 0.9]]),
    ...                across_mean=np.array([[0.4, 0.4, 0.4], [0.3, 0.2, 0.1]]),
    ...                mi=np.full(2, np.nan), mi_std=np.full(2, np.nan))
    >>> sample_size_check(run, [10])
    Traceback (most recent call last):
    ...
    ValueError: run: the sample-size check needs a noisy run (it has no replicas)
    """
    if run.final_replicas is None:
        raise ValueError("run: the sample-size check needs a noisy run (it has no replicas)")
    reps = run.final_replicas.astype(np.float64)
    rows = []
    for n in sizes:
        if not 2 <= n <= len(reps):
            raise ValueError(f"sizes: each n must be in [2, {len(reps)}], got {n}")
        est = sp_mutual_information(reps[:n, 0], run.config.beta, conditional_centers=reps[:n], seed=seed)
        rows.append({"n": n, "ln n": math.log(n), "mi": est.mi, "mi_std": est.mi_std})
    return rows
