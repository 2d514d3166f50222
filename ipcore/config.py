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

    Parameters
    ----------
    device : str or torch.device, optional
        ``None`` or ``"auto"`` (the default choice), or a device such as
        ``"cpu"``, ``"cuda"`` or ``"cuda:1"``.

    Returns
    -------
    torch.device
        The device.

    Raises
    ------
    ValueError
        If ``device`` names no torch device, or names CUDA on a machine without it.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device().type in ("cpu", "cuda")
    True
    >>> resolve_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device: cannot interpret 'gpu' as a torch device
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
    """The profile a chapter runs at: the book build's one if set, else ``default``.

    The book build sets it in ``$IPCORE_BOOK_PROFILE`` (:data:`PROFILE_ENV`).

    Parameters
    ----------
    default : str
        The chapter's own profile, one of :data:`PROFILE_NAMES` (``"smoke"``, ``"paper"``).

    Returns
    -------
    str
        ``$IPCORE_BOOK_PROFILE`` if set, else ``default`` (not checked here: see
        :func:`ipcore.validation.check_profile`).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {PROFILE_ENV: "smoke"}):
    ...     book_profile("paper")
    'smoke'
    >>> with mock.patch.dict(os.environ):
    ...     _ = os.environ.pop(PROFILE_ENV, None)
    ...     book_profile("paper")
    'paper'
    """
    return os.environ.get(PROFILE_ENV, default)


#: Set to "0" to switch every progress bar off (the book build does: a page shows results,
#: not how long they took, and a saved bar would render as a widget).
PROGRESS_ENV = "IPCORE_PROGRESS"


def progress_bar(iterable: Iterable[Any] | None = None, *, enabled: bool = True, **kwargs: Any):
    """The one progress bar: :mod:`tqdm.auto` (a widget in Jupyter, text elsewhere).

    Off when ``enabled`` is false or ``$IPCORE_PROGRESS`` is ``"0"``; ``kwargs`` go to tqdm.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; ``None`` for a bar updated by hand.
    enabled : bool, default True
        Whether to show the bar (``$IPCORE_PROGRESS=0`` switches it off regardless).
    **kwargs
        Passed to tqdm (``total``, ``desc``, ``leave`` …).

    Returns
    -------
    tqdm.tqdm
        The bar, iterable like ``iterable``.

    Examples
    --------
    >>> bar = progress_bar(range(3), enabled=False, desc="epochs")
    >>> sum(bar), bar.disable
    (3, True)
    """
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not enabled or os.environ.get(PROGRESS_ENV, "1") == "0", **kwargs)


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` intra-op CPU threads (``None``: leave torch's setting), then restore.

    Tiny networks (the SZT net, the single neuron) train fastest on one thread:
    on a busy machine, more threads than free cores make every small op wait
    for the slowest thread (measured: 20× slower on 2 shared cores).

    Parameters
    ----------
    n : int or None
        Threads inside the block, at least 1; ``None`` leaves torch's setting.

    Yields
    ------
    None
        Torch's previous thread count is restored when the block ends, even by an
        exception.

    Raises
    ------
    ValueError
        If ``n`` is neither ``None`` nor an integer ≥ 1 (the message starts with ``threads:``).

    See Also
    --------
    :func:`ipcore.config.torch_threads_kept` : Undo what a foreign call does to the count.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
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

    Yields
    ------
    None
        Torch's thread count from before the block is set again after it, if the
        block changed it.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads_kept():
    ...     torch.set_num_threads(before + 1)  # what a foreign library may do
    >>> torch.get_num_threads() == before
    True
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

    Yields
    ------
    None
        Flushing is switched off when the block ends, even by an exception.

    Examples
    --------
    >>> import torch
    >>> tiny = torch.tensor([1e-310], dtype=torch.float64)  # subnormal in float64
    >>> with flush_denormals():
    ...     tiny * 1.0
    tensor([0.], dtype=torch.float64)
    >>> tiny * 1.0
    tensor([1.0000e-310], dtype=torch.float64)
    """
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)
