"""The one place for device, dtype, threads, progress bars and the book's profiles.

Input validation has its own module, :mod:`ipcore.validation`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import torch

#: Default floating dtype of every estimator: float64, because log-densities at
#: β = 0.005 reach −d²/(2β²) ≈ −10⁵ and differences of such numbers matter.
DTYPE = torch.float64


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Return the torch device to compute on.

    ``None`` or ``"auto"`` picks CUDA when available and the CPU otherwise;
    anything else is passed to :class:`torch.device` and checked.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device: cannot interpret {device!r} as a torch device") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} requested but CUDA is not available on this machine")
    return dev


#: Environment variable through which a book build sets the chapters' profile.
PROFILE_ENV = "IPCORE_BOOK_PROFILE"
#: The chapters' resolutions: CI's and the paper's.
PROFILE_NAMES = ("smoke", "paper")


def book_profile(default: str) -> str:
    """The profile a chapter runs at: the book build's one if set, else ``default``."""
    return os.environ.get(PROFILE_ENV, default)


#: Set to "0" to switch every progress bar off (the book build does: a page shows results,
#: not how long they took, and a saved bar would render as a widget).
PROGRESS_ENV = "IPCORE_PROGRESS"


def progress_bar(iterable: Iterable[Any] | None = None, *, enabled: bool = True, **kwargs: Any):
    """The one progress bar: :mod:`tqdm.auto` (a widget in Jupyter, text elsewhere).

    Off when ``enabled`` is false or ``$IPCORE_PROGRESS`` is ``"0"``; ``kwargs`` go to tqdm.
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not enabled or os.environ.get(PROGRESS_ENV, "1") == "0", **kwargs)


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` intra-op CPU threads (``None``: leave torch's setting), then restore.

    Tiny networks (the SZT net, the single neuron) train fastest on one thread:
    on a busy machine, more threads than free cores make every small op wait
    for the slowest thread (measured: 20× slower on 2 shared cores).
    """
    if n is None:
        yield
        return
    from ipcore.validation import check_positive_int

    previous = torch.get_num_threads()
    torch.set_num_threads(check_positive_int(n, "threads"))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def torch_threads_kept() -> Iterator[None]:
    """Run a foreign call (numba's parallel kernels) and give torch back its thread count after it.

    numba's OpenMP threading layer shares the OpenMP runtime with torch and sets its thread
    count for its own loops; without this, a chapter that trains on one thread (see
    :func:`torch_threads`) found itself on all of them after its first kd-tree estimate, and on a
    busy machine every small op then waits for a thread that is not scheduled.
    """
    previous = torch.get_num_threads()
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


@contextmanager
def flush_denormals() -> Iterator[None]:
    """Run the block with subnormal floats flushed to zero on the CPU, then switch that off.

    A saturating tanh network produces gradients and sigmoid values below 1e-38,
    which the CPU computes with slow microcode: an SZT ensemble late in training
    ran its forward pass 1.8× slower for them. Flushing changes only values that
    small, far below anything a loss, an update or an estimate can resolve.
    (PyTorch has no getter for this flag; it is off by default and left off.)
    """
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)
