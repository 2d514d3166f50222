"""The tutorial chapter ``your_network``: its profiles, its parameters' checks and its data.

The chapter's models and training loop are the reader's own code, written in the notebook;
only what every reader would otherwise copy lives here.
"""

from __future__ import annotations

from typing import Any

import torch

from ipcore.data import mnist_splits
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_number, check_positive_int, check_seed

#: ``smoke``: 2 000 training images, 4 epochs, 300 measured; ``paper``: 8 000, 30 epochs, 1 000.
PROFILES = register_profiles(__name__, {
    "smoke": {"n_train": 2000, "epochs": 4, "n_measure": 300, "replicas": 4},
    "paper": {"n_train": 8000, "epochs": 30, "n_measure": 1000, "replicas": 10},
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
        ``n_train`` (training images), ``epochs``, ``n_measure`` (held-out images whose layers
        are measured) and ``replicas`` (noisy passes per image); a copy, see
        :func:`ipcore.experiments.profiles.chapter_settings`.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> profile_settings("smoke")
    {'n_train': 2000, 'epochs': 4, 'n_measure': 300, 'replicas': 4}
    >>> profile_settings("paper")["epochs"]
    30
    """
    return chapter_settings(__name__, profile)


def check_chapter_parameters(*, beta: float, lr: float, batch_size: int, seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    beta : float
        The noise standard deviation β of the reader's noisy layers, > 0.
    lr : float
        The learning rate, > 0.
    batch_size : int
        The mini-batch size, a positive integer.
    seed : int
        The seed, a non-negative integer.

    Raises
    ------
    ValueError
        Naming the first of ``beta``, ``lr``, ``batch_size``, ``seed`` that is out of range.

    Examples
    --------
    >>> check_chapter_parameters(beta=0.1, lr=1e-3, batch_size=64, seed=0)
    >>> check_chapter_parameters(beta=0.1, lr=1e-3, batch_size=0, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: batch_size: must be an integer >= 1, got 0
    """
    check_number(beta, "beta")
    check_number(lr, "lr")
    check_positive_int(batch_size, "batch_size")
    check_seed(seed, "seed")


def mnist_tensors(n_train: int, n_measure: int, *, seed: int = 0, data_path: str | None = None):
    """MNIST images as float tensors in [0, 1] and their labels, the measured images held out.

    The split is the MNIST chapter's (:func:`ipcore.data.mnist_splits`): training images from
    the training split, measured images from the validation split, which training never sees.

    Parameters
    ----------
    n_train : int
        Training images (the first ``n_train`` of the training split).
    n_measure : int
        Measured images (the first ``n_measure`` of the validation split).
    seed : int, default 0
        The split's seed.
    data_path : str, optional
        Folder holding the MNIST files; by default ``$IPCORE_DATA``, the cache, or a download.

    Returns
    -------
    x_train : torch.Tensor of float32, shape (n_train, 1, 28, 28)
        Training images, pixels scaled to [0, 1].
    y_train : torch.Tensor of int64, shape (n_train,)
        Their labels.
    x_measure : torch.Tensor of float32, shape (n_measure, 1, 28, 28)
        Measured images.
    y_measure : torch.Tensor of int64, shape (n_measure,)
        Their labels.
    note : str
        Where the images came from (:func:`ipcore.data.mnist_splits`' note).

    Raises
    ------
    ValueError
        From :func:`ipcore.data.mnist_splits` when the files cannot be found or read.
    """
    data = mnist_splits(path=data_path, seed=seed)
    x_train = torch.as_tensor(data["x_train"][:n_train], dtype=torch.float32)[:, None] / 255.0
    x_measure = torch.as_tensor(data["x_val"][:n_measure], dtype=torch.float32)[:, None] / 255.0
    return (x_train, torch.as_tensor(data["y_train"][:n_train]), x_measure,
            torch.as_tensor(data["y_val"][:n_measure]), str(data["note"]))
