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
    """The resolution settings of ``profile`` (``"smoke"`` or ``"paper"``)."""
    return chapter_settings(__name__, profile)


def check_chapter_parameters(*, beta: float, lr: float, batch_size: int, seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter."""
    check_number(beta, "beta")
    check_number(lr, "lr")
    check_positive_int(batch_size, "batch_size")
    check_seed(seed, "seed")


def mnist_tensors(n_train: int, n_measure: int, *, seed: int = 0, data_path: str | None = None):
    """(x_train, y_train, x_measure, y_measure, note): MNIST images as float tensors (n, 1, 28, 28)
    in [0, 1] and labels; the measured images are held out from training (the MNIST chapter's split)."""
    data = mnist_splits(path=data_path, seed=seed)
    x_train = torch.as_tensor(data["x_train"][:n_train], dtype=torch.float32)[:, None] / 255.0
    x_measure = torch.as_tensor(data["x_val"][:n_measure], dtype=torch.float32)[:, None] / 255.0
    return (x_train, torch.as_tensor(data["y_train"][:n_train]), x_measure,
            torch.as_tensor(data["y_val"][:n_measure]), str(data["note"]))
