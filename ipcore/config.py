"""The one place for device, dtype and input validation.

Every public function converts its array arguments with :func:`as_tensor`, so
that numpy arrays and torch tensors (CPU or CUDA) are accepted alike and bad
input is reported as a ``ValueError`` naming the argument, before any torch
kernel sees it.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
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
    previous = torch.get_num_threads()
    torch.set_num_threads(check_positive_int(n, "threads"))
    try:
        yield
    finally:
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


def as_tensor(
    x: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    device: torch.device | None = None,
    dtype: torch.dtype = DTYPE,
    allow_empty: bool = False,
) -> torch.Tensor:
    """Convert ``x`` to a finite floating tensor, or raise ``ValueError`` naming ``name``.

    The tensor stays on its own device unless ``device`` is given; numpy input
    goes to ``device`` or the CPU.
    """
    try:
        if isinstance(x, torch.Tensor):
            t = x.detach()
            if device is not None:
                t = t.to(device)
            t = t.to(dtype)
        else:
            arr = np.asarray(x)
            if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise TypeError(f"dtype {arr.dtype}")
            t = torch.as_tensor(arr.astype(np.float64, copy=False), dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{name}: expected a numeric array, got {type(x).__name__} ({exc})") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if t.ndim not in allowed:
            raise ValueError(f"{name}: expected {' or '.join(map(str, allowed))} dimension(s), got shape {tuple(t.shape)}")
    if not allow_empty and t.numel() == 0:
        raise ValueError(f"{name}: is empty (shape {tuple(t.shape)})")
    if not bool(torch.isfinite(t).all()):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(f"{name}: contains {bad} NaN or infinite value(s)")
    return t


def as_samples(x: Any, name: str, *, device: torch.device | None = None) -> torch.Tensor:
    """Samples as a finite float64 tensor of shape (n, d); a 1-D array is n samples with d = 1."""
    t = as_tensor(x, name, ndim=(1, 2), device=device)
    return t[:, None] if t.ndim == 1 else t


def as_labels(labels: Any, n: int, *, device: torch.device | None = None, name: str = "labels") -> torch.Tensor:
    """Integer class labels as an int64 tensor of shape (n,), one per sample."""
    lab = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels).reshape(-1)
    if lab.shape[0] != n:
        raise ValueError(f"{name}: has {lab.shape[0]} entries but there are {n} samples")
    if lab.dtype.is_floating_point and (not bool(torch.isfinite(lab).all()) or not bool((lab == torch.round(lab)).all())):
        raise ValueError(f"{name}: must be integers (class indices)")
    if not (lab.dtype.is_floating_point or lab.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool)):
        raise ValueError(f"{name}: must be integers (class indices), got dtype {lab.dtype}")
    return lab.to(torch.int64).to(device) if device is not None else lab.to(torch.int64)


def check_number(value: Any, name: str, *, allow_zero: bool = False, meaning: str = "") -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (>= 0 with ``allow_zero``).

    The one scalar check: a bad value raises ``ValueError`` naming ``name``.
    """
    bound = ">= 0" if allow_zero else "> 0"
    note = f" ({meaning})" if meaning else ""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a number {bound}{note}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a number {bound}{note}, got {value!r}") from exc
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise ValueError(f"{name}: must be finite and {bound}{note}, got {value!r}")
    return number


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Return ``value`` after checking it is one of ``choices`` (the one "must be one of" check)."""
    options = list(choices)
    if value not in options:
        raise ValueError(f"{name}: must be one of {sorted(options, key=str)}, got {value!r}")
    return value


def check_beta(beta: Any, name: str = "beta") -> float:
    """β as a float after checking it is a finite number > 0 (a noise standard deviation)."""
    return check_number(beta, name, meaning="the noise standard deviation")


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int after checking it is an integer ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise ValueError(f"{name}: must be an integer >= 1, got {value!r}")
    return int(value)


def check_weights(
    weights: Any, n: int | tuple[int, int], *, device: torch.device, name: str = "weights"
) -> torch.Tensor:
    """Return mixture weights of shape (n,), or (batch, n) for batched mixtures; uniform for ``None``.

    Weights must be non-negative and each mixture's must sum to 1 within 1e-9
    (a probability distribution over the components; they are not
    renormalised, because a wrong total usually means a bug upstream).
    """
    shape = (n,) if isinstance(n, int) else tuple(n)
    if weights is None:
        return torch.full(shape, 1.0 / shape[-1], dtype=DTYPE, device=device)
    w = as_tensor(weights, name, ndim=len(shape), device=device)
    if tuple(w.shape) != shape:
        raise ValueError(f"{name}: has shape {tuple(w.shape)} but the components have shape {shape}")
    if bool((w < 0).any()):
        raise ValueError(f"{name}: must be non-negative (min {float(w.min()):.3g})")
    total = w.sum(dim=-1)
    worst = float(total.flatten()[int((total - 1.0).abs().argmax())])
    if abs(worst - 1.0) > 1e-9:
        raise ValueError(f"{name}: must sum to 1 (a probability distribution), sum is {worst:.12g}")
    return w


def check_beta_grid(betas: Sequence[float], beta: float, name: str = "betas") -> list[float]:
    """Sorted unique β values of a slider grid, each finite and > 0, containing ``beta``."""
    if betas is None or len(betas) == 0:
        raise ValueError(f"{name}: give at least one β for the slider grid")
    grid = sorted({check_beta(b, name) for b in betas})
    if float(beta) not in grid:
        raise ValueError(f"{name}: must contain the chapter's beta = {beta:g}, got {grid}")
    return grid
