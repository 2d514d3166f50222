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

    Parameters
    ----------
    x : array_like
        Numbers or booleans: a numpy array, a torch tensor (detached), a list, a scalar.
    name : str
        The argument's name, which starts every error message.
    ndim : int or sequence of int, optional
        The allowed numbers of dimensions; any when ``None``.
    device : torch.device, optional
        Where to put the tensor.
    dtype : torch.dtype, default float64
        The floating dtype of the result (:data:`ipcore.config.DTYPE`).
    allow_empty : bool, default False
        Whether an array without entries is accepted.
    max_abs : float, optional
        The largest magnitude allowed (e.g. :data:`COORDINATE_MAX`).

    Returns
    -------
    torch.Tensor
        ``x`` as a finite tensor of ``dtype``.

    Raises
    ------
    ValueError
        If ``x`` is not numeric (strings, objects, complex numbers), has another
        number of dimensions, is empty, holds NaN or infinite values, or exceeds
        ``max_abs``.

    Examples
    --------
    >>> import numpy as np
    >>> as_tensor([1, 2], "x")
    tensor([1., 2.], dtype=torch.float64)
    >>> as_tensor(np.ones((2, 3)), "x", ndim=2).shape
    torch.Size([2, 3])
    >>> as_tensor([1.0, float("nan")], "x")
    Traceback (most recent call last):
    ...
    ValueError: x: contains 1 NaN or infinite value(s)
    >>> as_tensor("ab", "x")
    Traceback (most recent call last):
    ...
    ValueError: x: expected a numeric array, got str (dtype <U2)
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
    """Samples as a finite float64 tensor of shape (n, d); a 1-D array is n samples with d = 1.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
        The samples, one per row.
    name : str
        The argument's name, which starts every error message.
    device : torch.device, optional
        Where to put the tensor (by default its own device, or the CPU).

    Returns
    -------
    torch.Tensor of float64, shape (n, d)
        The samples.

    Raises
    ------
    ValueError
        If ``x`` is not a non-empty numeric 1-D or 2-D array of finite values
        within ±:data:`COORDINATE_MAX`.

    Examples
    --------
    >>> as_samples([1.0, 2.0, 3.0], "x").shape
    torch.Size([3, 1])
    >>> as_samples([[0.0, 1e300]], "x")
    Traceback (most recent call last):
    ...
    ValueError: x: values must lie within ±1e+100 (their squared distances overflow float64 beyond), got max |value| 1e+300
    """
    t = as_tensor(x, name, ndim=(1, 2), device=device, max_abs=COORDINATE_MAX)
    return t[:, None] if t.ndim == 1 else t


def as_paired_samples(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Paired samples ``x`` (n, d_x) and ``y`` (n, d_y) as float64 numpy arrays, one row of y per row of x.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d_x)
        Samples of X; errors name it ``x``.
    y : array_like, shape (n,) or (n, d_y)
        The paired samples of Y; errors name it ``y``.

    Returns
    -------
    x : ndarray of float64, shape (n, d_x)
        Samples of X, on the CPU.
    y : ndarray of float64, shape (n, d_y)
        Samples of Y, on the CPU.

    Raises
    ------
    ValueError
        If either is not valid samples (see :func:`ipcore.validation.as_samples`),
        or their numbers of rows differ.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = as_paired_samples(np.zeros((3, 2)), [1, 2, 3])
    >>> x.shape, y.shape, y.dtype
    ((3, 2), (3, 1), dtype('float64'))
    >>> as_paired_samples(np.zeros((3, 2)), [1, 2])
    Traceback (most recent call last):
    ...
    ValueError: y: needs one row per row of x (3), got 2
    """
    a, b = as_samples(x, "x").cpu().numpy(), as_samples(y, "y").cpu().numpy()
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"y: needs one row per row of x ({a.shape[0]}), got {b.shape[0]}")
    return a, b


def as_labels(labels: Any, n: int, *, device: torch.device | None = None, name: str = "labels") -> torch.Tensor:
    """Integer class labels as an int64 tensor of shape (n,), one per sample.

    Labels must be 1-D (an (n, 1) column is accepted as the same thing), integer-valued
    numbers or booleans; strings, ``None`` and fractional values are errors.

    Parameters
    ----------
    labels : array_like, shape (n,) or (n, 1)
        The class of each sample.
    n : int
        The number of samples.
    device : torch.device, optional
        Where to put the tensor.
    name : str, default "labels"
        The argument's name, which starts every error message.

    Returns
    -------
    torch.Tensor of int64, shape (n,)
        The labels.

    Raises
    ------
    ValueError
        If ``labels`` is ``None``, not integer-valued, not 1-D, or not ``n`` long.

    Examples
    --------
    >>> as_labels([[0], [1], [1]], 3)
    tensor([0, 1, 1])
    >>> as_labels([0.5, 1.0], 2)
    Traceback (most recent call last):
    ...
    ValueError: labels: must be integers (class indices)
    >>> as_labels([0, 1], 3)
    Traceback (most recent call last):
    ...
    ValueError: labels: has 2 entries but there are 3 samples
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

    Parameters
    ----------
    value : object
        The number (bools and strings are refused).
    name : str
        The argument's name, which starts the error message.
    allow_zero : bool, default False
        Whether 0 is accepted.
    meaning : str, default ""
        What the number is, added to the error message in parentheses.

    Returns
    -------
    float
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not a finite number > 0 (≥ 0 with ``allow_zero``).

    Examples
    --------
    >>> check_number(2, "scale"), check_number(0, "scale", allow_zero=True)
    (2.0, 0.0)
    >>> check_number(-1, "beta", meaning="the noise standard deviation")
    Traceback (most recent call last):
    ...
    ValueError: beta: must be finite and > 0 (the noise standard deviation), got -1
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
    """Return ``value`` after checking it is one of ``choices`` (the one "must be one of" check).

    Parameters
    ----------
    value : object
        The value given.
    name : str
        The argument's name, which starts the error message.
    choices : iterable
        The allowed values (listed, sorted, in the message).

    Returns
    -------
    object
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not among ``choices``.

    Examples
    --------
    >>> check_choice("gaussian", "kernel", ["gaussian", "tophat"])
    'gaussian'
    >>> check_choice("rbf", "kernel", ["tophat", "gaussian"])
    Traceback (most recent call last):
    ...
    ValueError: kernel: must be one of ['gaussian', 'tophat'], got 'rbf'
    """
    options = list(choices)
    if value not in options:
        raise ValueError(f"{name}: must be one of {sorted(options, key=str)}, got {value!r}")
    return value


def check_profile(profile: Any) -> str:
    """The one check of a chapter's ``profile``: one of :data:`ipcore.config.PROFILE_NAMES`
    (``"smoke"`` for CI, ``"paper"`` for the paper's resolution).

    Parameters
    ----------
    profile : object
        The profile given.

    Returns
    -------
    str
        ``profile``.

    Raises
    ------
    ValueError
        If ``profile`` is not ``"smoke"`` or ``"paper"``.

    Examples
    --------
    >>> check_profile("smoke")
    'smoke'
    >>> check_profile("fast")
    Traceback (most recent call last):
    ...
    ValueError: profile: must be one of ['paper', 'smoke'], got 'fast'
    """
    return check_choice(profile, "profile", PROFILE_NAMES)


def check_beta(beta: Any, name: str = "beta", *, allow_zero: bool = False) -> float:
    """β as a float after checking it is a noise standard deviation float64 can work with.

    β must lie in [:data:`BETA_MIN`, :data:`BETA_MAX`]: the kernels compute 1/(2β²) and
    ln(2πβ²), which leave float64's range (or lose every digit) beyond it. With
    ``allow_zero``, 0 (no noise: the deterministic network) is accepted too.

    Parameters
    ----------
    beta : object
        β, the noise standard deviation.
    name : str, default "beta"
        The argument's name, which starts the error message.
    allow_zero : bool, default False
        Whether β = 0 is accepted.

    Returns
    -------
    float
        β.

    Raises
    ------
    ValueError
        If β is not a finite number in [:data:`BETA_MIN`, :data:`BETA_MAX`]
        (or 0 with ``allow_zero``).

    Examples
    --------
    >>> check_beta(0.1), check_beta(0, allow_zero=True)
    (0.1, 0.0)
    >>> check_beta(0)
    Traceback (most recent call last):
    ...
    ValueError: beta: must be finite and > 0 (the noise standard deviation), got 0
    >>> check_beta(1e-200)
    Traceback (most recent call last):
    ...
    ValueError: beta: must lie in [1e-100, 1e+100] (1/β² must be representable in float64), got 1e-200
    """
    b = check_number(beta, name, allow_zero=allow_zero, meaning="the noise standard deviation")
    if b != 0 and not BETA_MIN <= b <= BETA_MAX:
        raise ValueError(f"{name}: must lie in [{BETA_MIN:g}, {BETA_MAX:g}] (1/β² must be representable in "
                         f"float64), got {beta!r}")
    return b


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int after checking it is an integer ≥ 1.

    Parameters
    ----------
    value : object
        The integer (a Python or numpy integer; not a bool, not a float).
    name : str
        The argument's name, which starts the error message.

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not an integer ≥ 1.

    Examples
    --------
    >>> check_positive_int(3, "epochs")
    3
    >>> check_positive_int(0, "epochs")
    Traceback (most recent call last):
    ...
    ValueError: epochs: must be an integer >= 1, got 0
    """
    return check_int(value, name, low=1)


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer (not a bool) in [low, high].

    Parameters
    ----------
    value : object
        The integer (a Python or numpy integer).
    name : str
        The argument's name, which starts the error message.
    low, high : int, optional
        The bounds, inclusive; ``None`` for none.

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    ValueError
        If ``value`` is not an integer, is a bool, or lies outside [low, high].

    Examples
    --------
    >>> import numpy as np
    >>> check_int(np.int64(4), "layer", low=0, high=10)
    4
    >>> check_int(11, "layer", low=0, high=10)
    Traceback (most recent call last):
    ...
    ValueError: layer: must be an integer in [0, 10], got 11
    >>> check_int(True, "layer")
    Traceback (most recent call last):
    ...
    ValueError: layer: must be an integer, got True
    """
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
    """``seed`` as an int after checking it is an integer in [0, 2⁶³).

    Parameters
    ----------
    seed : object
        The seed (a Python or numpy integer, not a bool).
    name : str, default "seed"
        The argument's name, which starts the error message.

    Returns
    -------
    int
        ``seed``.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer in [0, 2⁶³).

    Examples
    --------
    >>> check_seed(2**63 - 1)
    9223372036854775807
    >>> check_seed(2**63)
    Traceback (most recent call last):
    ...
    ValueError: seed: must be a non-negative integer below 2**63, got 9223372036854775808
    """
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

    Parameters
    ----------
    weights : array_like or None
        The weights, or ``None`` for uniform ones.
    n : int or tuple of int
        The number of components, or (batch, components).
    device : torch.device
        Where to put the tensor.
    name : str, default "weights"
        The argument's name, which starts the error message.

    Returns
    -------
    torch.Tensor of float64, shape (n,) or (batch, n)
        The weights.

    Raises
    ------
    ValueError
        If the weights have another shape, a negative entry, or a mixture's
        weights do not sum to 1.

    Examples
    --------
    >>> import torch
    >>> check_weights(None, 4, device=torch.device("cpu"))
    tensor([0.2500, 0.2500, 0.2500, 0.2500], dtype=torch.float64)
    >>> check_weights([[0.5, 0.5], [1.0, 0.0]], (2, 2), device=torch.device("cpu")).shape
    torch.Size([2, 2])
    >>> check_weights([0.5, 0.6], 2, device=torch.device("cpu"))
    Traceback (most recent call last):
    ...
    ValueError: weights: must sum to 1 (a probability distribution), sum is 1.1
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
    """A non-empty list of finite numbers > 0 (each checked by :func:`check_number`), as floats.

    Parameters
    ----------
    values : sequence of numbers
        A list, tuple or numpy array.
    name : str
        The argument's name, which starts the error message.
    meaning : str, default ""
        What the numbers are, added to the error message in parentheses.

    Returns
    -------
    list of float
        The numbers, in their order.

    Raises
    ------
    ValueError
        If ``values`` is not a non-empty sequence, or one of them is not a finite number > 0.

    Examples
    --------
    >>> check_positive_numbers((1, 0.5), "widths")
    [1.0, 0.5]
    >>> check_positive_numbers([], "widths")
    Traceback (most recent call last):
    ...
    ValueError: widths: must be a non-empty list of numbers > 0, got []
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)) or len(values) == 0:
        raise ValueError(f"{name}: must be a non-empty list of numbers > 0{f' ({meaning})' if meaning else ''}, "
                         f"got {values!r}")
    return [check_number(v, name, meaning=meaning) for v in values]


def check_beta_grid(betas: Sequence[float], beta: float, name: str = "betas") -> list[float]:
    """Sorted unique β values of a slider grid, each a valid β, containing ``beta``.

    Parameters
    ----------
    betas : sequence of float
        The grid, β values in any order (repetitions are dropped).
    beta : float
        The chapter's β, which the grid must contain.
    name : str, default "betas"
        The argument's name, which starts the error message.

    Returns
    -------
    list of float
        The grid, sorted, without repetitions.

    Raises
    ------
    ValueError
        If ``betas`` is not a non-empty sequence of valid β (see
        :func:`ipcore.validation.check_beta`), or does not contain ``beta``.

    Examples
    --------
    >>> check_beta_grid([0.1, 0.005, 0.1], 0.005)
    [0.005, 0.1]
    >>> check_beta_grid([0.1], 0.005)
    Traceback (most recent call last):
    ...
    ValueError: betas: must contain the chapter's beta = 0.005, got [0.1]
    """
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

    The base class of the declarations :func:`ipcore.validation.validate_params` takes.

    Examples
    --------
    A constraint of one's own:

    >>> class Even(Constraint):
    ...     def check(self, value, name):
    ...         value = check_int(value, name)
    ...         if value % 2:
    ...             raise ValueError(f"{name}: must be even, got {value}")
    ...         return value
    ...     def invalid(self):
    ...         return [1, 2.0, None]
    >>> Even().check(4, "batch")
    4
    >>> Even().check(3, "batch")
    Traceback (most recent call last):
    ...
    ValueError: batch: must be even, got 3
    """

    def check(self, value: Any, name: str) -> Any:
        """Return ``value``, converted (numbers as ``float``/``int``), or raise naming ``name``.

        Parameters
        ----------
        value : object
            The argument given.
        name : str
            The argument's name, which starts the error message.

        Returns
        -------
        object
            The checked value.

        Raises
        ------
        ValueError
            If ``value`` does not satisfy the constraint (:class:`TypeError` for
            :class:`ipcore.validation.InstanceOf` and :class:`ipcore.validation.IsCallable`).

        Examples
        --------
        >>> Real(low=0).check(2, "scale")
        2.0
        >>> Real(low=0, high=1, open_low=True).check(0, "fraction")
        Traceback (most recent call last):
        ...
        ValueError: fraction: must be a finite number in (0, 1], got 0
        """
        raise NotImplementedError

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        """Values :meth:`check` must reject, for the bad-input tests.

        Returns
        -------
        list
            Bad values: wrong types, NaN and infinities, values just beyond the bounds.

        Examples
        --------
        >>> Integer(low=1).invalid()
        [1.5, '3', None, True, nan, 0]
        >>> def rejects(constraint, value):
        ...     try:
        ...         constraint.check(value, "n")
        ...     except ValueError:
        ...         return True
        ...     return False
        >>> all(rejects(Integer(low=1), value) for value in Integer(low=1).invalid())
        True
        """
        return []


@dataclass(frozen=True)
class Real(Constraint):
    """A finite real number in a range: ``low``/``high`` (``None``: unbounded), ends closed unless ``open_low``/``open_high``.

    Parameters
    ----------
    low, high : float, optional
        The bounds; ``None`` for none.
    open_low, open_high : bool, default False
        Whether the bound itself is excluded.

    Examples
    --------
    >>> Real(low=0, high=1, open_low=True).check(1, "fraction")
    1.0
    >>> Real(low=0).check("1", "scale")
    Traceback (most recent call last):
    ...
    ValueError: scale: must be a finite number in [0, inf], got '1'
    """

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
    """A noise standard deviation: a float in [BETA_MIN, BETA_MAX], or also 0 with ``allow_zero``.

    Parameters
    ----------
    allow_zero : bool, default False
        Whether β = 0 (no noise) is accepted.

    See Also
    --------
    :func:`ipcore.validation.check_beta` : The check.

    Examples
    --------
    >>> Beta(allow_zero=True).check(0, "beta")
    0.0
    >>> Beta().check(-0.1, "beta")
    Traceback (most recent call last):
    ...
    ValueError: beta: must be finite and > 0 (the noise standard deviation), got -0.1
    """

    allow_zero: bool = False

    def check(self, value: Any, name: str) -> float:
        return check_beta(value, name, allow_zero=self.allow_zero)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [-0.1, math.nan, math.inf, 1e-300, 1e300, "0.1", None, True, [0.1]] + ([] if self.allow_zero else [0.0])


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer (not a bool) in [low, high].

    Parameters
    ----------
    low, high : int, optional
        The bounds, inclusive; ``None`` for none.

    Examples
    --------
    >>> Integer(low=1, high=4096).check(12, "dim")
    12
    >>> Integer(low=1, high=4096).check(0, "dim")
    Traceback (most recent call last):
    ...
    ValueError: dim: must be an integer in [1, 4096], got 0
    """

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
    """A seed: an integer in [0, 2⁶³).

    Examples
    --------
    >>> Seed().check(7, "seed")
    7
    >>> Seed().check(-1, "seed")
    Traceback (most recent call last):
    ...
    ValueError: seed: must be a non-negative integer below 2**63, got -1
    """

    def check(self, value: Any, name: str) -> int:
        return check_seed(value, name)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [-1, 1.5, 2**64, "0", True, None]


@dataclass(frozen=True)
class Choice(Constraint):
    """One of a fixed set of options.

    Parameters
    ----------
    options : tuple
        The allowed values.

    Examples
    --------
    >>> Choice(("train", "test")).check("val", "split")
    Traceback (most recent call last):
    ...
    ValueError: split: must be one of ['test', 'train'], got 'val'
    """

    options: tuple[Any, ...]

    def check(self, value: Any, name: str) -> Any:
        return check_choice(value, name, self.options)

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return ["no-such-option", None, 3.5]


@dataclass(frozen=True)
class Flag(Constraint):
    """``True`` or ``False`` (numpy's bool too), nothing else.

    Examples
    --------
    >>> import numpy as np
    >>> Flag().check(np.bool_(True), "download")
    True
    >>> Flag().check("yes", "download")
    Traceback (most recent call last):
    ...
    ValueError: download: must be True or False, got 'yes'
    """

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

    Parameters
    ----------
    ndim : tuple of int, default (1, 2)
        The allowed numbers of dimensions.
    max_abs : float, optional
        The largest magnitude allowed.
    min_size : int, default 1
        The fewest rows (entries along the first axis).
    allow_empty : bool, default False
        Whether an array without entries is accepted.
    positive : bool, default False
        Whether every value must be > 0.

    Examples
    --------
    >>> import numpy as np
    >>> Array(ndim=(2,)).check([[1.0, 2.0]], "x")  # returned as given
    [[1.0, 2.0]]
    >>> Array(ndim=(2,), min_size=2).check(np.zeros((1, 3)), "x")
    Traceback (most recent call last):
    ...
    ValueError: x: needs at least 2 rows, got shape (1, 3)
    >>> Array(positive=True).check([1.0, -2.0], "widths")
    Traceback (most recent call last):
    ...
    ValueError: widths: every value must be > 0, got min -2
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


#: Coordinates of samples or mixture centers: 1-D (n,) or 2-D (n, d), magnitudes whose squares stay finite.
SAMPLES = Array(ndim=(1, 2), max_abs=COORDINATE_MAX)


@dataclass(frozen=True)
class Labels(Constraint):
    """Class labels: a 1-D array of integers (the count is checked against the samples in the body).

    See Also
    --------
    :func:`ipcore.validation.as_labels` : The check, and the conversion.

    Examples
    --------
    >>> Labels().check([0, 1, 2], "labels")
    [0, 1, 2]
    >>> Labels().check(["a", "b"], "labels")
    Traceback (most recent call last):
    ...
    ValueError: labels: must be integers (class indices), got dtype <U1
    """

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
    """Layer widths: a sequence of at least ``min_len`` integers >= 1.

    Parameters
    ----------
    min_len : int, default 3
        The fewest widths (input, at least one hidden layer, output).

    Examples
    --------
    >>> Widths().check([12, 10, 2], "widths")
    (12, 10, 2)
    >>> Widths().check([12, 2], "widths")
    Traceback (most recent call last):
    ...
    ValueError: widths: must be a sequence of at least 3 integers >= 1 (input, hidden…, output widths), got [12, 2]
    """

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
    """An instance of one of ``types``; anything else is a :class:`TypeError`.

    Parameters
    ----------
    types : tuple of type
        The accepted types.

    Examples
    --------
    >>> import torch
    >>> InstanceOf((torch.nn.Module,)).check(3, "model")
    Traceback (most recent call last):
    ...
    TypeError: model: must be a Module, got int
    """

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
    """A file-system path (str or os.PathLike); whether it exists is the function's to check.

    Examples
    --------
    >>> from pathlib import Path
    >>> PathLike().check(Path("data"), "path") == Path("data")  # returned as given
    True
    >>> PathLike().check("", "path")
    Traceback (most recent call last):
    ...
    ValueError: path: must be a path (str or pathlib.Path), got ''
    """

    def check(self, value: Any, name: str) -> Any:
        if not isinstance(value, (str, os.PathLike)) or not str(value):
            raise ValueError(f"{name}: must be a path (str or pathlib.Path), got {value!r}")
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [None, 3, ""]


@dataclass(frozen=True)
class Unchecked(Constraint):
    """Declared, and deliberately not checked here: ``why`` says who checks it.

    Parameters
    ----------
    why : str
        Who checks the value instead (the function's body, a callee).

    Examples
    --------
    >>> Unchecked("compared with the file's digest").check("any value", "md5")
    'any value'
    """

    why: str

    def check(self, value: Any, name: str) -> Any:
        return value


@dataclass(frozen=True)
class Optional(Constraint):
    """``None``, or what ``inner`` accepts.

    Parameters
    ----------
    inner : Constraint, default Unchecked("none")
        The constraint of a value that is not ``None``.

    Examples
    --------
    >>> Optional(Integer(low=1)).check(None, "n") is None
    True
    >>> Optional(Integer(low=1)).check(0, "n")
    Traceback (most recent call last):
    ...
    ValueError: n: must be an integer >= 1, got 0
    """

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

    Parameters
    ----------
    **constraints : Constraint
        One per parameter, by the parameter's name (``*args`` and ``**kwargs`` excepted).

    Returns
    -------
    callable
        The decorator; the function it returns checks its arguments, then calls the
        original one.

    Raises
    ------
    TypeError
        When decorating: if a parameter is undeclared or a declared name is not a parameter.

    See Also
    --------
    :func:`ipcore.validation.declared_params` : The declarations of a function.

    Examples
    --------
    >>> @validate_params(n=Integer(low=1), beta=Beta())
    ... def noise_levels(n, beta=0.1):
    ...     return [beta] * n
    >>> noise_levels(2, beta=1)  # the checked values are passed on: 1 becomes 1.0
    [1.0, 1.0]
    >>> noise_levels(0)
    Traceback (most recent call last):
    ...
    ValueError: n: must be an integer >= 1, got 0
    >>> @validate_params(n=Integer(low=1))
    ... def forgotten(n, k):
    ...     return n
    Traceback (most recent call last):
    ...
    TypeError: validate_params on forgotten: undeclared ['k'], unknown []
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
    """The declared constraints of a function or class (its ``__init__``), or ``None``.

    Parameters
    ----------
    obj : callable or class
        A function decorated with :func:`ipcore.validation.validate_params`, or a
        class whose ``__init__`` is.

    Returns
    -------
    dict or None
        Parameter name → :class:`ipcore.validation.Constraint`, in signature order;
        ``None`` for an undeclared function.

    Examples
    --------
    >>> @validate_params(seed=Seed())
    ... def draw(seed=0):
    ...     return seed
    >>> declared_params(draw)
    {'seed': Seed()}
    >>> declared_params(print) is None
    True
    """
    target = obj.__init__ if inspect.isclass(obj) else obj
    return getattr(target, "__ipcore_params__", None)



@dataclass(frozen=True)
class JointDistribution(Constraint):
    """A discrete joint distribution p(x, y): a 2-D array, non-negative, summing to 1 within 1e-9.

    See Also
    --------
    :func:`ipcore.validation.as_joint_distribution` : The check, and the conversion.

    Examples
    --------
    >>> JointDistribution().check([[0.5, 0.5]], "p")
    [[0.5, 0.5]]
    >>> JointDistribution().check([[0.5, 0.6]], "p")
    Traceback (most recent call last):
    ...
    ValueError: p: must sum to 1 (a joint distribution p(x, y)), sum is 1.1
    """

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

    Parameters
    ----------
    value : array_like, shape (n_x, n_y)
        The probabilities p(x, y).
    name : str
        The argument's name, which starts the error message.

    Returns
    -------
    torch.Tensor of float64, shape (n_x, n_y)
        p(x, y).

    Raises
    ------
    ValueError
        If ``value`` is not a finite 2-D numeric array, has a negative entry, or
        does not sum to 1.

    Examples
    --------
    >>> as_joint_distribution([[0.25, 0.25], [0.5, 0.0]], "p")
    tensor([[0.2500, 0.2500],
            [0.5000, 0.0000]], dtype=torch.float64)
    >>> as_joint_distribution([[0.25, 0.25], [0.25, 0.0]], "p")
    Traceback (most recent call last):
    ...
    ValueError: p: must sum to 1 (a joint distribution p(x, y)), sum is 0.75
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
    """A function (anything callable); anything else is a :class:`TypeError`.

    Examples
    --------
    >>> IsCallable().check(len, "draw") is len
    True
    >>> IsCallable().check(3, "draw")
    Traceback (most recent call last):
    ...
    TypeError: draw: must be callable (a function), got int
    """

    def check(self, value: Any, name: str) -> Any:
        if not callable(value):
            raise TypeError(f"{name}: must be callable (a function), got {type(value).__name__}")
        return value

    def invalid(self) -> list[Any]:  # pragma: no mutate block (test inputs)
        return [None, 3, "f"]
