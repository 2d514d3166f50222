"""The one place for input validation: converters, checks, and the declared parameters
of the public API.

Every public function declares the constraints of its parameters once, with
:func:`validate_params`; each violation raises ``ValueError`` (``TypeError`` for
a call the signature does not allow) whose message starts with the argument's
name, says what it must be and what was given, before any torch or numpy kernel
sees the value. The declarations are also what the bad-input tests are
generated from (``tests/test_bad_inputs.py``): each :class:`Constraint` lists
values it must reject.

Array arguments are converted with :func:`as_tensor`, so that numpy arrays and
torch tensors (CPU or CUDA) are accepted alike.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from ipcore.config import DTYPE, PROFILE_NAMES

#: The range of β (and of every noise standard deviation) the estimators accept.
BETA_MIN, BETA_MAX = 1e-100, 1e100
#: Largest magnitude of a coordinate whose squared distances stay finite in float64.
COORDINATE_MAX = 1e100

_INTEGER_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool)


def as_tensor(
    x: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    device: torch.device | None = None,
    dtype: torch.dtype = DTYPE,
    allow_empty: bool = False,
    max_abs: float | None = None,
) -> torch.Tensor:
    """Convert ``x`` to a finite floating tensor, or raise ``ValueError`` naming ``name``.

    The tensor stays on its own device unless ``device`` is given; numpy input
    goes to ``device`` or the CPU.
    """
    try:
        if isinstance(x, torch.Tensor):
            if x.is_complex():
                raise TypeError(f"dtype {x.dtype}")
            t = x.detach()
            if device is not None:
                t = t.to(device)
            t = t.to(dtype)
        else:
            arr = np.asarray(x)
            if arr.dtype == object or np.iscomplexobj(arr) or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
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
    if max_abs is not None and t.numel() and float(t.abs().max()) > max_abs:
        raise ValueError(f"{name}: values must lie within ±{max_abs:g} (their squared distances overflow float64 "
                         f"beyond), got max |value| {float(t.abs().max()):.3g}")
    return t


def as_samples(x: Any, name: str, *, device: torch.device | None = None) -> torch.Tensor:
    """Samples as a finite float64 tensor of shape (n, d); a 1-D array is n samples with d = 1."""
    t = as_tensor(x, name, ndim=(1, 2), device=device, max_abs=COORDINATE_MAX)
    return t[:, None] if t.ndim == 1 else t


def as_paired_samples(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Paired samples ``x`` (n, d_x) and ``y`` (n, d_y) as float64 numpy arrays, one row of y per row of x."""
    a, b = as_samples(x, "x").cpu().numpy(), as_samples(y, "y").cpu().numpy()
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"y: needs one row per row of x ({a.shape[0]}), got {b.shape[0]}")
    return a, b


def as_labels(labels: Any, n: int, *, device: torch.device | None = None, name: str = "labels") -> torch.Tensor:
    """Integer class labels as an int64 tensor of shape (n,), one per sample.

    Labels must be 1-D (an (n, 1) column is accepted as the same thing), integer-valued
    numbers or booleans; strings, ``None`` and fractional values are errors.
    """
    if labels is None:
        raise ValueError(f"{name}: expected {n} integer class labels, got None")
    if isinstance(labels, torch.Tensor):
        lab = labels.detach()
    else:
        arr = np.asarray(labels)
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise ValueError(f"{name}: must be integers (class indices), got dtype {arr.dtype}")
        lab = torch.as_tensor(arr)
    if lab.ndim == 2 and lab.shape[1] == 1:
        lab = lab[:, 0]
    if lab.ndim != 1:
        raise ValueError(f"{name}: must be 1-D, one class per sample, got shape {tuple(lab.shape)}")
    if lab.shape[0] != n:
        raise ValueError(f"{name}: has {lab.shape[0]} entries but there are {n} samples")
    if lab.dtype.is_complex or not (lab.dtype.is_floating_point or lab.dtype in _INTEGER_DTYPES):
        raise ValueError(f"{name}: must be integers (class indices), got dtype {lab.dtype}")
    if lab.dtype.is_floating_point and (not bool(torch.isfinite(lab).all()) or not bool((lab == torch.round(lab)).all())):
        raise ValueError(f"{name}: must be integers (class indices)")
    return lab.to(torch.int64).to(device) if device is not None else lab.to(torch.int64)


def check_number(value: Any, name: str, *, allow_zero: bool = False, meaning: str = "") -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (>= 0 with ``allow_zero``).

    The one scalar check: a bad value raises ``ValueError`` naming ``name``.
    """
    bound = ">= 0" if allow_zero else "> 0"
    note = f" ({meaning})" if meaning else ""
    if isinstance(value, (bool, str, bytes)):
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


def check_profile(profile: Any) -> str:
    """The one check of a chapter's ``profile``: one of :data:`ipcore.config.PROFILE_NAMES`
    (``"smoke"`` for CI, ``"paper"`` for the paper's resolution)."""
    return check_choice(profile, "profile", PROFILE_NAMES)


def check_beta(beta: Any, name: str = "beta", *, allow_zero: bool = False) -> float:
    """β as a float after checking it is a noise standard deviation float64 can work with.

    β must lie in [:data:`BETA_MIN`, :data:`BETA_MAX`]: the kernels compute 1/(2β²) and
    ln(2πβ²), which leave float64's range (or lose every digit) beyond it. With
    ``allow_zero``, 0 (no noise: the deterministic network) is accepted too.
    """
    b = check_number(beta, name, allow_zero=allow_zero, meaning="the noise standard deviation")
    if b != 0 and not BETA_MIN <= b <= BETA_MAX:
        raise ValueError(f"{name}: must lie in [{BETA_MIN:g}, {BETA_MAX:g}] (1/β² must be representable in "
                         f"float64), got {beta!r}")
    return b


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int after checking it is an integer ≥ 1."""
    return check_int(value, name, low=1)


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer (not a bool) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: must be an integer{_bounds(low, high)}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name}: must be an integer{_bounds(low, high)}, got {value!r}")
    return int(value)


def _bounds(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    return f" >= {low}" if low is not None else (f" <= {high}" if high is not None else "")


#: Seeds are integers in [0, 2⁶³): what numpy and torch generators both take.
SEED_MAX = 2**63 - 1


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an int after checking it is an integer in [0, 2⁶³)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= SEED_MAX:
        raise ValueError(f"{name}: must be a non-negative integer below 2**63, got {seed!r}")
    return int(seed)


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


def check_positive_numbers(values: Any, name: str, *, meaning: str = "") -> list[float]:
    """A non-empty list of finite numbers > 0 (each checked by :func:`check_number`), as floats."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) or len(values) == 0:
        raise ValueError(f"{name}: must be a non-empty list of numbers > 0{f' ({meaning})' if meaning else ''}, "
                         f"got {values!r}")
    return [check_number(v, name, meaning=meaning) for v in values]


def check_beta_grid(betas: Sequence[float], beta: float, name: str = "betas") -> list[float]:
    """Sorted unique β values of a slider grid, each a valid β, containing ``beta``."""
    if isinstance(betas, (str, bytes)) or not isinstance(betas, (Sequence, np.ndarray)):
        raise ValueError(f"{name}: must be a list of β values (e.g. [0.005, 0.05]), got {betas!r}")
    if len(betas) == 0:
        raise ValueError(f"{name}: give at least one β for the slider grid")
    grid = sorted({check_beta(b, name) for b in betas})
    if float(beta) not in grid:
        raise ValueError(f"{name}: must contain the chapter's beta = {beta:g}, got {grid}")
    return grid


# --------------------------------------------------------------------------
# Declared parameters
# --------------------------------------------------------------------------

class Constraint:
    """What one parameter must be: :meth:`check` converts a good value or raises, naming it.

    :meth:`invalid` lists values the constraint must reject; the bad-input tests
    call every declared function with each of them. (They are test inputs, not behaviour:
    mutation testing leaves them alone, since a mutant only trades one bad value for another.)
    """

    def check(self, value: Any, name: str) -> Any:
        raise NotImplementedError

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return []


@dataclass(frozen=True)
class Real(Constraint):
    """A finite real number in a range: ``low``/``high`` (``None``: unbounded), ends closed unless ``open_low``/``open_high``."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False

    def _describe(self) -> str:
        lo = "(" if self.open_low else "["
        hi = ")" if self.open_high else "]"
        return f"a finite number in {lo}{'-inf' if self.low is None else f'{self.low:g}'}, " \
               f"{'inf' if self.high is None else f'{self.high:g}'}{hi}"

    def check(self, value: Any, name: str) -> float:
        if isinstance(value, (bool, str, bytes)) or value is None:
            raise ValueError(f"{name}: must be {self._describe()}, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: must be {self._describe()}, got {value!r}") from exc
        too_low = self.low is not None and (number < self.low or (self.open_low and number == self.low))
        too_high = self.high is not None and (number > self.high or (self.open_high and number == self.high))
        if not math.isfinite(number) or too_low or too_high:
            raise ValueError(f"{name}: must be {self._describe()}, got {value!r}")
        return number

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        bad: list[Any] = [math.nan, math.inf, "0.5", None, True, [0.5]]
        if self.low is not None:  # a step that float64 can still see at the bound's scale
            bad += [self.low - max(1.0, abs(self.low))] + ([self.low] if self.open_low else [])
        if self.high is not None:
            bad += [self.high + max(1.0, abs(self.high))] + ([self.high] if self.open_high else [])
        return bad


@dataclass(frozen=True)
class Beta(Constraint):
    """A noise standard deviation: a float in [BETA_MIN, BETA_MAX], or also 0 with ``allow_zero``."""

    allow_zero: bool = False

    def check(self, value: Any, name: str) -> float:
        return check_beta(value, name, allow_zero=self.allow_zero)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [-0.1, math.nan, math.inf, 1e-300, 1e300, "0.1", None, True, [0.1]] + ([] if self.allow_zero else [0.0])


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer (not a bool) in [low, high]."""

    low: int | None = None
    high: int | None = None

    def check(self, value: Any, name: str) -> int:
        return check_int(value, name, low=self.low, high=self.high)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        bad: list[Any] = [1.5, "3", None, True, math.nan]
        if self.low is not None:
            bad.append(self.low - 1)
        if self.high is not None:
            bad.append(self.high + 1)
        return bad


@dataclass(frozen=True)
class Seed(Constraint):
    """A seed: an integer in [0, 2⁶³)."""

    def check(self, value: Any, name: str) -> int:
        return check_seed(value, name)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [-1, 1.5, 2**64, "0", True, None]


@dataclass(frozen=True)
class Choice(Constraint):
    """One of a fixed set of options."""

    options: tuple[Any, ...]

    def check(self, value: Any, name: str) -> Any:
        return check_choice(value, name, self.options)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return ["no-such-option", None, 3.5]


@dataclass(frozen=True)
class Flag(Constraint):
    """``True`` or ``False`` (numpy's bool too), nothing else."""

    def check(self, value: Any, name: str) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name}: must be True or False, got {value!r}")
        return bool(value)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return ["yes", None, 2]


@dataclass(frozen=True)
class Array(Constraint):
    """A finite numeric array with ``ndim`` among the allowed ones (values are checked, not converted).

    ``max_abs`` bounds the magnitude (for coordinates whose squared distances
    must stay finite); ``min_size`` the number of entries along the first axis.
    """

    ndim: tuple[int, ...] = (1, 2)
    max_abs: float | None = None
    min_size: int = 1
    allow_empty: bool = False
    positive: bool = False  #: every value > 0

    def check(self, value: Any, name: str) -> Any:
        t = as_tensor(value, name, ndim=self.ndim, allow_empty=self.allow_empty, max_abs=self.max_abs)
        if t.ndim and t.shape[0] < self.min_size:
            raise ValueError(f"{name}: needs at least {self.min_size} rows, got shape {tuple(t.shape)}")
        if self.positive and t.numel() and bool((t <= 0).any()):
            raise ValueError(f"{name}: every value must be > 0, got min {float(t.min()):.4g}")
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        wrong_ndim = next(n for n in range(0, 8) if n not in self.ndim)
        bad: list[Any] = ["abc", None, np.zeros((1,) * wrong_ndim) if wrong_ndim else 0.5, np.array([[["a", "b"]]]),
                          np.full((2,) * max(self.ndim), np.nan), np.ones((2,) * max(self.ndim), dtype=complex)]
        if not self.allow_empty:
            bad.append(np.zeros((0,) * max(self.ndim)))
        if self.positive:
            bad.append(np.full((2,) * max(self.ndim), -1.0))
        if self.max_abs is not None:
            bad.append(np.full((2,) * max(self.ndim), 1e300) * np.array([1, -1]).reshape((2,) + (1,) * (max(self.ndim) - 1)))
        return bad


#: Coordinates of points or mixture centers: 1-D (n,) or 2-D (n, d), magnitudes whose squares stay finite.
SAMPLES = Array(ndim=(1, 2), max_abs=COORDINATE_MAX)


@dataclass(frozen=True)
class Labels(Constraint):
    """Class labels: a 1-D array of integers (the count is checked against the samples in the body)."""

    def check(self, value: Any, name: str) -> Any:
        if value is None:
            raise ValueError(f"{name}: expected integer class labels, got None")
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else np.shape(value)
        as_labels(value, shape[0] if shape else -1, name=name)
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [None, ["a", "b"], [0.5, 1.0], np.zeros((2, 2), dtype=int), [complex(1, 1)]]


@dataclass(frozen=True)
class Widths(Constraint):
    """Layer widths: a sequence of at least ``min_len`` integers >= 1."""

    min_len: int = 3

    def check(self, value: Any, name: str) -> tuple[int, ...]:
        what = f"a sequence of at least {self.min_len} integers >= 1 (input, hidden…, output widths)"
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
            raise ValueError(f"{name}: must be {what}, got {value!r}")
        widths = tuple(value)
        if len(widths) < self.min_len or not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) and w >= 1
                                                 for w in widths):
            raise ValueError(f"{name}: must be {what}, got {value!r}")
        return tuple(int(w) for w in widths)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [12, "12-10-2", None, (12,) * (self.min_len - 1), (12, 0, 2) + (2,) * (self.min_len - 3),
                (12, 2.5, 2) + (2,) * (self.min_len - 3)]


@dataclass(frozen=True)
class InstanceOf(Constraint):
    """An instance of one of ``types``."""

    types: tuple[type, ...]

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, self.types):
            names = " or ".join(t.__name__ for t in self.types)
            raise TypeError(f"{name}: must be a {names}, got {type(value).__name__}")
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [v for v in (None, "x", 3) if not isinstance(v, self.types)]


@dataclass(frozen=True)
class PathLike(Constraint):
    """A file-system path (str or os.PathLike); whether it exists is the function's to check."""

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            raise ValueError(f"{name}: must be a path (str or pathlib.Path), got {value!r}")
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [None, 3, ""]


@dataclass(frozen=True)
class Unchecked(Constraint):
    """Declared, and deliberately not checked here: ``why`` says who checks it."""

    why: str

    def check(self, value: Any, name: str) -> Any:
        return value


@dataclass(frozen=True)
class Optional(Constraint):
    """``None``, or what ``inner`` accepts."""

    inner: Constraint = field(default_factory=lambda: Unchecked("none"))

    def check(self, value: Any, name: str) -> Any:
        return None if value is None else self.inner.check(value, name)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [v for v in self.inner.invalid() if v is not None]


def validate_params(**constraints: Constraint) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the constraints of every parameter of a function (or of a class's ``__init__``).

    Every parameter but ``self`` must be declared (an undeclared one is an error when the
    module is imported, so that no public function ships without its checks). On each
    call the given arguments are checked, in signature order, and the checked values
    (numbers as ``float``/``int``) passed on; defaults are not checked. The declarations
    are kept as ``func.__ipcore_params__``.
    """

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func)
        names = [p.name for p in sig.parameters.values()
                 if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        missing, unknown = set(names) - set(constraints), set(constraints) - set(names)
        if missing or unknown:
            raise TypeError(f"validate_params on {func.__qualname__}: undeclared {sorted(missing)}, unknown {sorted(unknown)}")
        ordered = [(n, constraints[n]) for n in names]

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            for name, constraint in ordered:
                if name in bound.arguments:
                    bound.arguments[name] = constraint.check(bound.arguments[name], name)
            return func(*bound.args, **bound.kwargs)

        checked.__ipcore_params__ = dict(ordered)  # type: ignore[attr-defined]
        return checked

    return wrap


def declared_params(obj: Any) -> dict[str, Constraint] | None:
    """The declared constraints of a function or class (its ``__init__``), or ``None``."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    return getattr(target, "__ipcore_params__", None)



@dataclass(frozen=True)
class JointDistribution(Constraint):
    """A discrete joint distribution p(x, y): a 2-D array, non-negative, summing to 1 within 1e-9."""

    def check(self, value: Any, name: str) -> Any:
        as_joint_distribution(value, name)
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [None, "p", np.full(4, 0.25), np.array([[0.5, 0.6], [0.1, -0.2]]), np.full((2, 2), 0.3),
                np.array([[0.5, np.nan], [0.25, 0.25]]), np.zeros((0, 2))]


def as_joint_distribution(value: Any, name: str) -> torch.Tensor:
    """A joint distribution p(x, y) as a float64 tensor (n_x, n_y), or ``ValueError`` naming ``name``.

    Rows or columns of zeros are allowed (an x that never occurs); the total must be 1
    within 1e-9 (not renormalised: a wrong total usually means a bug upstream).
    """
    p = as_tensor(value, name, ndim=2)
    if bool((p < 0).any()):
        raise ValueError(f"{name}: must be non-negative (a probability distribution), min {float(p.min()):.3g}")
    total = float(p.sum())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"{name}: must sum to 1 (a joint distribution p(x, y)), sum is {total:.12g}")
    return p

@dataclass(frozen=True)
class IsCallable(Constraint):
    """A function (anything callable)."""

    def check(self, value: Any, name: str) -> Any:
        if not callable(value):
            raise TypeError(f"{name}: must be callable (a function), got {type(value).__name__}")
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [None, 3, "f"]
