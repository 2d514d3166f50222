"""Butakov et al. (ICLR 2024): information of high-dimensional pairs through lossy compression.

Two parts, all information in nats:

1. **Known-truth images.** Latents (X, Y) of known I(X;Y)
   (:func:`~ipcore.data.correlated_gaussians`, 2 per side for blobs, 4 for rectangles) are drawn
   as images (:func:`~ipcore.data.gaussian_blobs`, :func:`~ipcore.data.rectangles`), which are
   one-to-one, so the images carry the latents' information exactly. Each image is compressed
   to as many dimensions as its latent, by PCA and by an autoencoder fitted on training images
   of the marginal (the same for X and Y: both latents are standard normal), and the kNN
   estimator (:func:`~ipcore.estimators.knn_mutual_information`) is applied to the held-out
   compressed pairs. Also the estimate on the latents themselves, the best compression can do.
2. **An MNIST CNN.** Their classifier (:class:`~ipcore.nets.CompressionCNN`: relative noise
   of σ = 1e-3 on every layer, at inference too; dropout 0.1) trains on the shared MNIST
   images; at logged epochs the held-out images X and each layer L are compressed to 4
   dimensions (X by an autoencoder fitted once, L by PCA or by an autoencoder fitted at that
   epoch) and I(X;L) = kNN I(X′;L′), ``I(L;Y) = Ĥ(L′) − Σ_y p(y) Ĥ(L′|y)``
   (:func:`~ipcore.estimators.knn_label_information`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from ipcore.cache import CachedRun, cached
from ipcore.config import progress_bar
from ipcore.data import correlated_gaussians, gaussian_blobs, mnist_splits, rectangles
from ipcore.estimators import (autoencoder_compression, knn_label_information, knn_mutual_information, labels_entropy,
                               pca_compression)
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.experiments.mnist import chunked_cross_entropy, chunked_logits
from ipcore.experiments.saxe_nonlinearity import Plane, plane_slider_figure
from ipcore.nets import CompressionCNN, Recorder, log_spaced_epochs, train
from ipcore.nets.training import Snapshot
from ipcore.seeding import derive_seed
from ipcore.validation import check_choice, check_number, check_positive_int, check_seed

#: The image tasks: the latent dimension per side, the image's side in pixels, the drawing.
IMAGE_TASKS: dict[str, dict[str, Any]] = {
    "blobs": {"latent_dim": 2, "size": 16, "draw": lambda z: gaussian_blobs(z, size=16)},
    "rectangles": {"latent_dim": 4, "size": 32, "draw": lambda z: rectangles(z, size=32, min_width=2.0)},
}
#: The curves of the image figure: the latents (no compression), PCA, the autoencoder.
METHODS = ("latents", "PCA", "autoencoder")
METHOD_COLOURS = {"latents": "0.35", "PCA": "#7570b3", "autoencoder": "#d95f02"}
#: Layer compressions of the CNN's plane (the slider).
LAYER_COMPRESSIONS = ("PCA", "autoencoder")
MODULES = ["ipcore.estimators", "ipcore.data", "ipcore.nets", "ipcore.experiments.butakov_compression"]

#: ``smoke`` runs in about a minute on two cores; ``paper`` is Butakov et al.'s grid and sample
#: sizes for the images (their 2000 autoencoder epochs cut to 150) and a CNN of 60 epochs.
PROFILES = register_profiles(__name__, {
    "smoke": {"mi_grid": (0.0, 2.0, 4.0, 6.0), "n": 1000, "n_train": 2000, "ae_epochs": 40, "seeds": 1,
              "cnn": {"n_train": 2000, "epochs": 6, "n_log": 4, "n_record": 1000, "x_ae_epochs": 10,
                      "layer_ae_epochs": 8}},
    "paper": {"mi_grid": tuple(np.linspace(0.0, 10.0, 11)), "n": 5000, "n_train": 6000, "ae_epochs": 150,
              "seeds": 1,
              "cnn": {"n_train": 8000, "epochs": 60, "n_log": 16, "n_record": 2000, "x_ae_epochs": 100,
                      "layer_ae_epochs": 40}},
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
        For the images: ``mi_grid`` (true I(X;Y) values, nats), ``n`` (estimation pairs),
        ``n_train`` (images the compressions are fitted on), ``ae_epochs``, ``seeds``; and
        ``cnn``, fields of :class:`ipcore.experiments.butakov_compression.CNNPlaneConfig`. A copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> settings = profile_settings("smoke")
    >>> settings["mi_grid"], settings["n"]
    ((0.0, 2.0, 4.0, 6.0), 1000)
    >>> settings["cnn"]["epochs"]
    6
    """
    return chapter_settings(__name__, profile)


# ------------------------------------------------------------------------------ the images

def image_rows(task: str, seed: int, *, mi_grid: tuple[float, ...], n: int, n_train: int, ae_epochs: int,
               code_dim: int | None = None, k: int = 5) -> list[dict]:
    """Estimates on one task at every I of ``mi_grid``: on the latents, and on the held-out
    images compressed by PCA and by an autoencoder (to ``code_dim``, default the latent
    dimension), both fitted on ``n_train`` images of the marginal.

    The images are one-to-one functions of the latents, so I(image X; image Y) = I(X;Y),
    known. The estimator is :func:`ipcore.estimators.knn_mutual_information` on the
    compressed pairs, in nats.

    Parameters
    ----------
    task : str
        A key of :data:`~ipcore.experiments.butakov_compression.IMAGE_TASKS`: ``"blobs"`` or ``"rectangles"``.
    seed : int
        Seed of the images, the pairs and the autoencoder.
    mi_grid : tuple of float
        True I(X;Y) values, nats.
    n : int
        Estimation pairs per value.
    n_train : int
        Images the compressions are fitted on.
    ae_epochs : int
        Training epochs of the autoencoder.
    code_dim : int, optional
        Dimension of the compressed images (default: the latent dimension).
    k : int, default 5
        Neighbours of the kNN estimator.

    Returns
    -------
    list of dict
        One row per I and method (latents, PCA, autoencoder): task, method, truth, estimate,
        std_error, n, latent_dim, code_dim, seed.

    Raises
    ------
    ValueError
        If ``task`` is unknown.

    Examples
    --------
    The task is checked before anything is drawn or fitted:

    >>> image_rows("circles", 0, mi_grid=(0.0,), n=100, n_train=100, ae_epochs=1)
    Traceback (most recent call last):
    ...
    ValueError: task: must be one of ['blobs', 'rectangles'], got 'circles'
    """
    spec = IMAGE_TASKS[check_choice(task, "task", IMAGE_TASKS)]
    dim, draw = spec["latent_dim"], spec["draw"]
    code = code_dim or dim
    train_images = draw(np.random.default_rng(derive_seed(seed, f"{task} train")).standard_normal((n_train, dim)))
    compressors = {"PCA": pca_compression(train_images, code),
                   "autoencoder": autoencoder_compression(train_images, code, epochs=ae_epochs, seed=seed)}
    rows = []
    for mi in mi_grid:  # one pair sample per information value; each estimate is vectorised
        x, y = correlated_gaussians(n, dim, dim, float(mi), seed=derive_seed(seed, f"{task} {mi:g}") % 2**31)
        images_x, images_y = draw(x), draw(y)
        pairs = {"latents": (x, y), **{name: (f(images_x), f(images_y)) for name, f in compressors.items()}}
        for method, (a, b) in pairs.items():
            est = knn_mutual_information(a, b, k=k)
            rows.append({"task": task, "method": method, "truth": float(mi), "estimate": est.value,
                         "std_error": est.std_error, "n": n, "latent_dim": dim, "code_dim": code, "seed": seed})
    return rows


def run_images(profile: str, *, tasks: tuple[str, ...] = tuple(IMAGE_TASKS), first_seed: int = 0,
               progress: bool = True) -> pd.DataFrame:
    """Every task's rows at the resolution of ``profile``, one cached unit per (task, seed).

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"``.
    tasks : tuple of str, default all of IMAGE_TASKS
        The tasks.
    first_seed : int, default 0
        The seeds are first_seed, …, first_seed + the profile's ``seeds`` − 1.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`ipcore.experiments.butakov_compression.image_rows`, and ``error``
        = estimate − truth.

    Raises
    ------
    ValueError
        If ``profile`` or a task is unknown.

    Examples
    --------
    >>> run_images("huge")
    Traceback (most recent call last):
    ...
    ValueError: profile: must be one of ['paper', 'smoke'], got 'huge'
    """
    settings = profile_settings(profile)
    units = [(task, seed) for task in tasks for seed in range(first_seed, first_seed + settings["seeds"])]
    rows: list[dict] = []
    for task, seed in progress_bar(units, enabled=progress, desc="image tasks"):
        params = {"task": task, "seed": seed, "mi_grid": tuple(float(m) for m in settings["mi_grid"]),
                  "n": settings["n"], "n_train": settings["n_train"], "ae_epochs": settings["ae_epochs"]}
        rows.extend(cached("butakov_images", params, lambda p=params: image_rows(**p), modules=MODULES))
    table = pd.DataFrame(rows)
    table["error"] = table.estimate - table.truth
    return table


def images_figure(table: pd.DataFrame) -> plt.Figure:
    """Estimated against true I(X;Y), one panel per task: the latents, PCA and the autoencoder,
    each with a ± one standard error band (the spread over seeds with several), and the diagonal.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.butakov_compression.run_images` table.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per task.

    Examples
    --------
    A made-up table (PCA 0.5 nats low, the autoencoder 0.2 low):

    >>> import pandas as pd
    >>> table = pd.DataFrame([{"task": "blobs", "method": m, "truth": t, "estimate": t + e, "std_error": 0.05,
    ...                        "code_dim": 2, "seed": 0}
    ...                       for m, e in (("latents", 0.0), ("PCA", -0.5), ("autoencoder", -0.2))
    ...                       for t in (0.0, 2.0, 4.0)])
    >>> table["error"] = table.estimate - table.truth
    >>> import matplotlib.pyplot as plt
    >>> fig = images_figure(table)
    >>> fig.axes[0].get_title()
    'blobs (16×16), compressed to 2 per side'
    >>> plt.close(fig)
    """
    tasks = list(dict.fromkeys(table.task))
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.2 * len(tasks), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        part = table[table.task == task]
        top = float(part.truth.max())
        ax.plot([0, top], [0, top], color="0.6", ls="--", lw=1, label="truth")
        for method in METHODS:
            rows = part[part.method == method]
            stats = rows.groupby("truth").agg(mean=("estimate", "mean"), spread=("estimate", "std"),
                                              se=("std_error", "mean")).reset_index()
            band = stats.se if rows.seed.nunique() == 1 else stats.spread
            ax.plot(stats.truth, stats["mean"], marker="o", ms=3, color=METHOD_COLOURS[method], label=method)
            ax.fill_between(stats.truth, stats["mean"] - band, stats["mean"] + band, color=METHOD_COLOURS[method],
                            alpha=0.25)
        size = IMAGE_TASKS[task]["size"]
        ax.set(xlabel="true I(X;Y) [nats]", ylabel="estimate [nats]",
               title=f"{task} ({size}×{size}), compressed to {int(part.code_dim.iloc[0])} per side")
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def image_examples(task: str, *, count: int = 6, seed: int = 0) -> plt.Figure:
    """A row of the task's images, for the reader to see what is compressed.

    Parameters
    ----------
    task : str
        ``"blobs"`` or ``"rectangles"``.
    count : int, default 6
        Images shown.
    seed : int, default 0
        Seed of their latents.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per image.

    Raises
    ------
    ValueError
        If ``task`` is unknown (naming ``task``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = image_examples("blobs", count=3)
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    >>> image_examples("circles")
    Traceback (most recent call last):
    ...
    ValueError: task: must be one of ['blobs', 'rectangles'], got 'circles'
    """
    spec = IMAGE_TASKS[check_choice(task, "task", IMAGE_TASKS)]
    images = spec["draw"](np.random.default_rng(seed).standard_normal((count, spec["latent_dim"])))
    fig, axes = plt.subplots(1, count, figsize=(1.3 * count, 1.5))
    for ax, image in zip(axes, images):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
    fig.suptitle(task, fontsize=9)
    fig.tight_layout()
    return fig


def image_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per task and method: the mean and root-mean-square error over the grid, and the error at the largest I.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.butakov_compression.run_images` table.

    Returns
    -------
    pandas.DataFrame
        Indexed by (task, method), methods in the order of
        :data:`~ipcore.experiments.butakov_compression.METHODS`: mean_error, rms_error, error_at_top (nats).

    Examples
    --------
    A made-up table (PCA 0.5 nats low, the autoencoder 0.2 low):

    >>> import pandas as pd
    >>> table = pd.DataFrame([{"task": "blobs", "method": m, "truth": t, "estimate": t + e, "std_error": 0.05,
    ...                        "code_dim": 2, "seed": 0}
    ...                       for m, e in (("latents", 0.0), ("PCA", -0.5), ("autoencoder", -0.2))
    ...                       for t in (0.0, 2.0, 4.0)])
    >>> table["error"] = table.estimate - table.truth
    >>> print(image_summary(table).round(3).to_string())
                       mean_error  rms_error  error_at_top
    task  method
    blobs latents             0.0        0.0           0.0
          PCA                -0.5        0.5          -0.5
          autoencoder        -0.2        0.2          -0.2
    """
    top = table.truth.max()
    return table.groupby(["task", "method"]).agg(
        mean_error=("error", "mean"),
        rms_error=("error", lambda e: float(np.sqrt((e**2).mean()))),
        error_at_top=("error", lambda e: float(e[table.loc[e.index, "truth"] == top].mean())),
    ).reindex(METHODS, level="method")


# ------------------------------------------------------------------------------ the MNIST CNN

@dataclass(frozen=True)
class CNNPlaneConfig:
    """One run of Butakov et al.'s MNIST classifier, measured through compression.

    A frozen dataclass, the key of the run in the results cache.

    Parameters
    ----------
    epochs : int, default 60
        Training epochs.
    lr : float, default 1e-3
        Learning rate.
    batch_size : int, default 256
        Mini-batch size.
    n_train : int, optional, default 8000
        The first n training images (None: all).
    n_record : int, default 2000
        Held-out images whose representations are measured; every class needs more than
        ``k`` of them.
    n_log : int, default 16
        Logged epochs, log-spaced, epoch 0 included.
    sigma : float, default 1e-3
        Relative noise of every layer, rep·(1 + σz), ≥ 0.
    dropout : float, default 0.1
        Dropout probability, in [0, 1).
    code_dim : int, default 4
        Dimension of the compressed X and layers.
    x_ae_epochs : int, default 100
        Training epochs of the autoencoder of X.
    layer_ae_epochs : int, default 40
        Training epochs of each layer's autoencoder.
    k : int, default 5
        Neighbours of the kNN estimates.
    seed : int, default 0
        Seed of the network, the noise and the autoencoders.
    split_seed : int, default 0
        Seed of the train/validation split.

    Raises
    ------
    ValueError
        Naming the first field out of range.

    Examples
    --------
    >>> CNNPlaneConfig(dropout=1.0)
    Traceback (most recent call last):
    ...
    ValueError: dropout: must be in [0, 1), got 1.0
    """

    epochs: int = 60
    lr: float = 1e-3
    batch_size: int = 256
    n_train: int | None = 8000  #: the first n training images (None: all)
    n_record: int = 2000  #: held-out images whose representations are measured
    n_log: int = 16  #: logged epochs, log-spaced, epoch 0 included
    sigma: float = 1e-3  #: relative noise of every layer
    dropout: float = 0.1
    code_dim: int = 4  #: dimension of the compressed X and layers
    x_ae_epochs: int = 100
    layer_ae_epochs: int = 40
    k: int = 5  #: neighbours of the kNN estimates
    seed: int = 0
    split_seed: int = 0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "n_record", "n_log", "code_dim", "x_ae_epochs", "layer_ae_epochs", "k"):
            check_positive_int(getattr(self, name), name)
        if self.n_train is not None:
            check_positive_int(self.n_train, "n_train")
        check_number(self.lr, "lr")
        check_number(self.sigma, "sigma", allow_zero=True)
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout: must be in [0, 1), got {self.dropout}")
        if self.n_record < 10 * (self.k + 1):
            raise ValueError(f"n_record: each of the 10 classes needs more than k = {self.k} images; "
                             f"give at least {10 * (self.k + 1)} (k + 1 per class), got {self.n_record}")
        check_seed(self.seed, "seed")


@dataclass
class CNNPlaneRun:
    """Per logged epoch and layer (L1 … L5), I(X;L) and I(L;Y) of each layer compression.

    Made by :func:`ipcore.experiments.butakov_compression.run_cnn_plane`; E logged epochs,
    L = 5 layers.

    Parameters
    ----------
    config : CNNPlaneConfig
        The run's parameters.
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    layers : list of str
        The layers' names (:data:`~ipcore.experiments.butakov_compression.LAYER_NAMES`).
    mi_x : dict of str to ndarray
        Compression ("PCA", "autoencoder") → (E, L) kNN estimates of I(X;L), nats.
    mi_y : dict of str to ndarray
        Compression → (E, L) estimates of I(L;Y), nats.
    metrics : dict of str to ndarray
        loss (training, clean pass) and val_error per logged epoch.
    label_entropy : float
        H(Y) of the measured images.
    data_note : str, default ""
        Where the images came from.
    x_reconstruction_error : float
        Mean absolute error of the X autoencoder on held-out images.
    extra : dict
        Anything else worth keeping.

    Examples
    --------
    A made-up run of 2 logged epochs:

    >>> import numpy as np
    >>> run = CNNPlaneRun(CNNPlaneConfig(), epochs=np.array([0, 5]), layers=list(LAYER_NAMES),
    ...                   mi_x={"PCA": np.array([[3.0, 2.5, 2.0, 1.5, 1.0], [3.5, 3.0, 2.5, 2.0, 1.2]]),
    ...                         "autoencoder": np.full((2, 5), 2.0)},
    ...                   mi_y={"PCA": np.full((2, 5), 1.0), "autoencoder": np.full((2, 5), 1.5)},
    ...                   metrics={"loss": np.array([2.3, 0.3]), "val_error": np.array([0.9, 0.04])},
    ...                   label_entropy=2.3)
    >>> planes = run.planes()
    >>> sorted(planes), list(planes["PCA"])
    (['PCA', 'autoencoder'], ['MNIST CNN'])
    """

    config: CNNPlaneConfig
    epochs: np.ndarray  #: (E,)
    layers: list[str]
    mi_x: dict[str, np.ndarray]  #: compression → (E, L)
    mi_y: dict[str, np.ndarray]  #: compression → (E, L)
    metrics: dict[str, np.ndarray]  #: loss (training, clean pass), val_error per logged epoch
    label_entropy: float
    data_note: str = ""
    x_reconstruction_error: float = math.nan  #: mean absolute error of the X autoencoder on held-out images
    extra: dict[str, Any] = field(default_factory=dict)

    def planes(self) -> dict[str, dict[str, Plane]]:
        """{compression: {"MNIST CNN": Plane}} for :func:`~ipcore.experiments.saxe_nonlinearity.plane_slider_figure`.

        Returns
        -------
        dict of str to dict of str to Plane
            One :class:`ipcore.experiments.saxe_nonlinearity.Plane` per compression, whose
            ``input_entropy`` is ln n_record, for
            :func:`ipcore.experiments.saxe_nonlinearity.plane_slider_figure`.
        """
        return {c: {"MNIST CNN": Plane(self.epochs, self.layers, self.mi_x[c], self.mi_y[c], self.label_entropy,
                                       math.log(self.config.n_record))} for c in self.mi_x}


LAYER_NAMES = ["L1 (conv 8)", "L2 (conv 16)", "L3 (conv 32)", "L4 (dense 32)", "L5 (log-softmax)"]


def _noisy(rep: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """The layer's own relative noise on a representation: rep·(1 + σz)."""
    return rep * (1.0 + sigma * rng.standard_normal(rep.shape))


def run_cnn_plane(config: CNNPlaneConfig = CNNPlaneConfig(), *, data_path: str | None = None, progress: bool = True,
                  use_cache: bool = True) -> CNNPlaneRun:
    """Train the classifier and measure its compressed information plane (cached, checkpointed).

    At each logged epoch the held-out images X and each layer L (with its own relative noise;
    L5 the log-softmax) are compressed to ``code_dim`` dimensions (X by an autoencoder fitted
    once, L by PCA or by an autoencoder fitted at that epoch), and I(X;L) = kNN I(X′;L′),
    ``I(L;Y) = Ĥ(L′) − Σ_y p(y) Ĥ(L′|y)`` (:func:`ipcore.estimators.knn_label_information`), nats.

    Parameters
    ----------
    config : CNNPlaneConfig, default CNNPlaneConfig()
        The run's parameters.
    data_path : str, optional
        Folder holding the MNIST files (else ``$IPCORE_DATA``, the cache, a download).
    progress : bool, default True
        Show a progress bar.
    use_cache : bool, default True
        Load a stored result and store this one.

    Returns
    -------
    CNNPlaneRun
        The estimates at the logged epochs.

    Raises
    ------
    ValueError
        If the MNIST files cannot be found.
    """
    data = mnist_splits(path=data_path, seed=config.split_seed)
    store = CachedRun("butakov_cnn", {**asdict(config), "standard_split": data["standard"]},
                      modules=MODULES) if use_cache else None
    if store is not None and store.done:
        return store.load()
    n_train = config.n_train or len(data["y_train"])
    scale = lambda a: (torch.as_tensor(a, dtype=torch.float32) / 255.0 - 0.1307) / 0.3081  # noqa: E731 (their normalisation)
    x_tr, y_tr = scale(data["x_train"][:n_train]), torch.as_tensor(data["y_train"][:n_train])
    n_record = min(config.n_record, len(data["y_val"]))
    x_val, y_val = scale(data["x_val"]), torch.as_tensor(data["y_val"])
    x_rec, y_rec = x_val[:n_record], np.asarray(data["y_val"][:n_record])
    # X compressed once: an autoencoder fitted on the training images, applied to the measured ones.
    x_ae = autoencoder_compression(x_tr.numpy(), config.code_dim, epochs=config.x_ae_epochs,
                                   seed=derive_seed(config.seed, "x autoencoder") % 2**31)
    x_code = x_ae(x_rec.numpy())
    x_error = float(np.abs(x_ae.reconstruct(x_rec.numpy()) - x_rec.numpy()).mean())
    label_entropy = labels_entropy(y_rec)

    torch.manual_seed(config.seed)
    model = CompressionCNN(config.sigma, config.dropout)
    schedule = log_spaced_epochs(config.epochs, config.n_log, include_zero=True)

    def reduce(snap: Snapshot) -> Snapshot:
        rng = np.random.default_rng(derive_seed(config.seed, f"measure {snap.epoch}"))
        reps = [_noisy(snap.replicas[name][:, 0], config.sigma, rng) for name in sorted(snap.replicas)]
        reps.append(torch.log_softmax(torch.as_tensor(snap.clean["output"]), 1).numpy())  # L5
        for compression in LAYER_COMPRESSIONS:
            for ell, rep in enumerate(reps):
                if compression == "PCA":
                    code = pca_compression(rep, config.code_dim)(rep)
                else:
                    code = autoencoder_compression(rep, config.code_dim, epochs=config.layer_ae_epochs,
                                                   seed=derive_seed(config.seed, f"layer {ell} {snap.epoch}") % 2**31)(rep)
                snap.metrics[f"{compression}_x_{ell}"] = knn_mutual_information(x_code, code, k=config.k).value
                snap.metrics[f"{compression}_y_{ell}"] = knn_label_information(code, y_rec, k=config.k).value
        snap.clean, snap.replicas = {}, {}
        return snap

    recorder = Recorder(model, x_rec, schedule, replicas=1, reduce=reduce, outputs=["output"])

    def evaluate(m: torch.nn.Module) -> dict[str, float]:
        logits = chunked_logits(m, x_val)
        return {"val_error": float((logits.argmax(1) != y_val).float().mean())}

    train(model, x_tr, y_tr, loss_fn=chunked_cross_entropy, epochs=config.epochs, lr=config.lr,
          batch_size=config.batch_size, recorder=recorder, seed=config.seed, progress=progress,
          desc="Butakov CNN", evaluate=evaluate, store=store)
    snaps = recorder.snapshots
    n_layers = len(LAYER_NAMES)

    def grid(prefix: str) -> np.ndarray:
        return np.array([[s.metrics[f"{prefix}_{ell}"] for ell in range(n_layers)] for s in snaps])

    run = CNNPlaneRun(
        config=config, epochs=np.array([s.epoch for s in snaps]), layers=list(LAYER_NAMES),
        mi_x={c: grid(f"{c}_x") for c in LAYER_COMPRESSIONS}, mi_y={c: grid(f"{c}_y") for c in LAYER_COMPRESSIONS},
        metrics={key: np.array([s.metrics.get(key, math.nan) for s in snaps]) for key in ("loss", "val_error")},
        label_entropy=label_entropy, data_note=str(data["note"]), x_reconstruction_error=x_error,
    )
    if store is not None:
        store.save(run)
    return run


def cnn_config(profile: str, **overrides: Any) -> CNNPlaneConfig:
    """The CNN run of ``profile``, with ``overrides`` (lr, sigma, seed, …).

    Parameters
    ----------
    profile : str
        ``"smoke"`` or ``"paper"``.
    **overrides
        Fields of :class:`ipcore.experiments.butakov_compression.CNNPlaneConfig`.

    Returns
    -------
    CNNPlaneConfig
        The run's parameters.

    Raises
    ------
    ValueError
        If ``profile`` is unknown or a field is out of range.

    Examples
    --------
    >>> config = cnn_config("smoke", sigma=0.01)
    >>> config.epochs, config.n_train, config.n_log, config.sigma
    (6, 2000, 4, 0.01)
    """
    return CNNPlaneConfig(**{**profile_settings(profile)["cnn"], **overrides})


def cnn_plane_figure(run: CNNPlaneRun) -> go.Figure:
    """The compressed information plane, a slider over the layers' compression (PCA, autoencoder).

    Parameters
    ----------
    run : CNNPlaneRun
        A run.

    Returns
    -------
    plotly.graph_objects.Figure
        The plane (:func:`ipcore.experiments.saxe_nonlinearity.plane_slider_figure`).

    Examples
    --------
    A made-up run of 2 logged epochs:

    >>> import numpy as np
    >>> run = CNNPlaneRun(CNNPlaneConfig(), epochs=np.array([0, 5]), layers=list(LAYER_NAMES),
    ...                   mi_x={"PCA": np.array([[3.0, 2.5, 2.0, 1.5, 1.0], [3.5, 3.0, 2.5, 2.0, 1.2]]),
    ...                         "autoencoder": np.full((2, 5), 2.0)},
    ...                   mi_y={"PCA": np.full((2, 5), 1.0), "autoencoder": np.full((2, 5), 1.5)},
    ...                   metrics={"loss": np.array([2.3, 0.3]), "val_error": np.array([0.9, 0.04])},
    ...                   label_entropy=2.3)
    >>> fig = cnn_plane_figure(run)
    >>> len(fig.data), fig.layout.title.text
    (10, "Butakov et al.'s MNIST CNN, layer compression PCA")
    """
    return plane_slider_figure(run.planes(), ["MNIST CNN"], label="layer compression",
                               title="Butakov et al.'s MNIST CNN, ")


def cnn_table(run: CNNPlaneRun) -> pd.DataFrame:
    """Per layer and compression: I(X;L) and I(L;Y) at the first and last logged epoch, and the
    largest fall of I(X;L) after its peak (the compression, if any).

    Parameters
    ----------
    run : CNNPlaneRun
        A run.

    Returns
    -------
    pandas.DataFrame
        One row per compression and layer: compression, layer, I(X;L) start, I(X;L) end,
        I(X;L) fall after peak, peak epoch, I(L;Y) start, I(L;Y) end (nats).

    Examples
    --------
    A made-up run of 2 logged epochs:

    >>> import numpy as np
    >>> run = CNNPlaneRun(CNNPlaneConfig(), epochs=np.array([0, 5]), layers=list(LAYER_NAMES),
    ...                   mi_x={"PCA": np.array([[3.0, 2.5, 2.0, 1.5, 1.0], [3.5, 3.0, 2.5, 2.0, 1.2]]),
    ...                         "autoencoder": np.full((2, 5), 2.0)},
    ...                   mi_y={"PCA": np.full((2, 5), 1.0), "autoencoder": np.full((2, 5), 1.5)},
    ...                   metrics={"loss": np.array([2.3, 0.3]), "val_error": np.array([0.9, 0.04])},
    ...                   label_entropy=2.3)
    >>> table = cnn_table(run)
    >>> print(table[["compression", "layer", "I(X;L) start", "I(X;L) end"]].head(2).to_string(index=False))
    compression        layer  I(X;L) start  I(X;L) end
            PCA  L1 (conv 8)           3.0         3.5
            PCA L2 (conv 16)           2.5         3.0
    """
    rows = []
    for compression in run.mi_x:
        mi_x, mi_y = run.mi_x[compression], run.mi_y[compression]
        for ell, layer in enumerate(run.layers):
            peak = int(np.argmax(mi_x[:, ell]))
            rows.append({"compression": compression, "layer": layer, "I(X;L) start": mi_x[0, ell],
                         "I(X;L) end": mi_x[-1, ell], "I(X;L) fall after peak": mi_x[peak, ell] - mi_x[peak:, ell].min(),
                         "peak epoch": int(run.epochs[peak]), "I(L;Y) start": mi_y[0, ell], "I(L;Y) end": mi_y[-1, ell]})
    return pd.DataFrame(rows)


def check_chapter_parameters(*, tasks: Any, lr: float, sigma: float, first_seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    tasks : list of str
        Distinct keys of :data:`~ipcore.experiments.butakov_compression.IMAGE_TASKS`.
    lr : float
        The CNN's learning rate, > 0.
    sigma : float
        The CNN's relative noise, ≥ 0.
    first_seed : int
        A non-negative integer.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_chapter_parameters(tasks=["blobs", "rectangles"], lr=1e-3, sigma=1e-3, first_seed=0)
    >>> check_chapter_parameters(tasks=["blobs", "blobs"], lr=1e-3, sigma=1e-3, first_seed=0)
    Traceback (most recent call last):
    ...
    ValueError: tasks: a list of distinct tasks from ['blobs', 'rectangles'], got ['blobs', 'blobs']
    """
    if isinstance(tasks, str) or not tasks or any(t not in IMAGE_TASKS for t in tasks) or len(set(tasks)) != len(tasks):
        raise ValueError(f"tasks: a list of distinct tasks from {sorted(IMAGE_TASKS)}, got {tasks!r}")
    check_number(lr, "lr")
    check_number(sigma, "sigma", allow_zero=True)
    check_seed(first_seed, "first_seed")


def accuracy(run: CNNPlaneRun) -> float:
    """The final validation accuracy.

    Parameters
    ----------
    run : CNNPlaneRun
        A run.

    Returns
    -------
    float
        1 − the validation error at the last logged epoch.

    Examples
    --------
    >>> import numpy as np
    >>> run = CNNPlaneRun(CNNPlaneConfig(), epochs=np.array([0, 5]), layers=list(LAYER_NAMES),
    ...                   mi_x={"PCA": np.array([[3.0, 2.5, 2.0, 1.5, 1.0], [3.5, 3.0, 2.5, 2.0, 1.2]]),
    ...                         "autoencoder": np.full((2, 5), 2.0)},
    ...                   mi_y={"PCA": np.full((2, 5), 1.0), "autoencoder": np.full((2, 5), 1.5)},
    ...                   metrics={"loss": np.array([2.3, 0.3]), "val_error": np.array([0.9, 0.04])},
    ...                   label_entropy=2.3)
    >>> round(accuracy(run), 3)
    0.96
    """
    return float(1.0 - run.metrics["val_error"][-1])

