"""Old names that keep working for one release, with a :class:`DeprecationWarning`.

The one place that renames public functions, keyword arguments and attributes: each shim
warns once per call site (Python's default filter) naming the replacement, then does
exactly what the new name does.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from typing import Any, Callable, TypeVar

from ipcore.validation import check_number

F = TypeVar("F", bound=Callable[..., Any])

#: The release after which the old names go.
REMOVED_IN = "0.3"


def warn_deprecated(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` (a :class:`DeprecationWarning`).

    Parameters
    ----------
    old : str
        The deprecated spelling, as the user wrote it (``"f(points=...)"``).
    new : str
        What to write instead.
    stacklevel : int, default 3
        Passed to :func:`warnings.warn`: 3 points at the caller of the shim that warns.

    Returns
    -------
    None

    Warns
    -----
    DeprecationWarning
        ``"<old> is deprecated and will be removed in ipcore <REMOVED_IN>; use <new>"``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_deprecated("old_name()", "new_name()", stacklevel=2)
    >>> print(caught[0].message)
    old_name() is deprecated and will be removed in ipcore 0.3; use new_name()
    """
    warnings.warn(f"{old} is deprecated and will be removed in ipcore {REMOVED_IN}; use {new}",
                  DeprecationWarning, stacklevel=stacklevel)


def renamed_function(new: F, old_name: str) -> F:
    """``new`` under its old name ``old_name``: same signature, warns on each call.

    Parameters
    ----------
    new : callable
        The function under its new name.
    old_name : str
        The name it had.

    Returns
    -------
    callable
        A function named ``old_name`` that warns with a :class:`DeprecationWarning`,
        then returns ``new(*args, **kwargs)``.

    Examples
    --------
    >>> import warnings
    >>> def gaussian_entropy_nats(d): return d
    >>> old = renamed_function(gaussian_entropy_nats, "old_entropy")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = old(3)
    >>> value, caught[0].category.__name__
    (3, 'DeprecationWarning')
    """
    @functools.wraps(new)
    def shim(*args: Any, **kwargs: Any) -> Any:
        warn_deprecated(f"{old_name}()", f"{new.__name__}()")
        return new(*args, **kwargs)

    shim.__name__ = shim.__qualname__ = old_name
    shim.__doc__ = f"Deprecated alias of :func:`{new.__module__}.{new.__name__}`."
    return shim  # type: ignore[return-value]


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Accept old keyword names: ``@renamed_keywords(points="centers")`` maps ``points=`` to
    ``centers=`` with a warning; passing both is a :class:`TypeError`.

    Parameters
    ----------
    **renames : str
        Old keyword name → new keyword name.

    Returns
    -------
    callable
        The decorator.

    Raises
    ------
    TypeError
        When decorating, if the function does not take a new name or still takes an
        old one; when calling, if both the old and the new keyword are given.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(points="centers")
    ... def count(centers): return len(centers)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     n = count(points=[1, 2])
    >>> n, str(caught[0].message).startswith("count(points=...) is deprecated")
    (2, True)
    """
    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        for old, new in renames.items():
            if new not in params or old in params:
                raise TypeError(f"renamed_keywords: {func.__name__} must take {new!r} and not {old!r}")

        @functools.wraps(func)
        def shim(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old!r} (deprecated) and {new!r}; pass {new!r}")
                    warn_deprecated(f"{func.__name__}({old}=...)", f"{new}=...")
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return shim  # type: ignore[return-value]

    return decorate


def renamed_attribute(new: str, old: str) -> property:
    """A read-only property ``old`` that returns attribute ``new``, with a warning.

    Parameters
    ----------
    new : str
        The attribute's name.
    old : str
        Its deprecated name, the name the property is assigned to in the class body.

    Returns
    -------
    property
        Reading it warns with a :class:`DeprecationWarning`, then returns ``getattr(self, new)``.

    Examples
    --------
    >>> import warnings
    >>> class Layer:
    ...     centers = [0.0, 1.0]
    ...     centres = renamed_attribute("centers", "centres")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = Layer().centres
    >>> value, str(caught[0].message).startswith("Layer.centres is deprecated")
    ([0.0, 1.0], True)
    """
    def getter(self: Any) -> Any:
        warn_deprecated(f"{type(self).__name__}.{old}", f".{new}")
        return getattr(self, new)

    return property(getter, doc=f"Deprecated alias of ``{new}``.")


def variance_to_beta(position: int | None, *, variance: str = "variance", beta: str = "beta") -> Callable[[F], F]:
    """For a function that took the noise *variance* σ² (argument ``position``, 0-based, or
    keyword ``variance``) and now takes the noise standard deviation as keyword-only ``beta``:
    old calls keep working, with a warning, as ``beta = sqrt(variance)``.

    Only the old positional slot and keyword are converted, so an old call can never be
    read silently as a β.

    Parameters
    ----------
    position : int or None
        The 0-based position the variance had among the positional arguments (None: it was
        keyword-only).
    variance : str, default "variance"
        The old keyword.
    beta : str, default "beta"
        The new keyword, the noise standard deviation.

    Returns
    -------
    callable
        The decorator.

    Raises
    ------
    TypeError
        When calling, if the variance is given twice, or both a variance and ``beta``.
    ValueError
        When calling, if the variance is not a finite number > 0 (the message names the old keyword).

    Examples
    --------
    >>> import warnings
    >>> @variance_to_beta(1)
    ... def noise_std(t, *, beta): return beta
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     noise_std([0.0], 0.25), noise_std([0.0], variance=0.04), noise_std([0.0], beta=0.3)
    (0.5, 0.2, 0.3)
    >>> @variance_to_beta(None, variance="kde_variance", beta="kde_beta")
    ... def probe(*, kde_beta=None): return kde_beta
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     probe(kde_variance=1e-2)
    0.1
    """
    def decorate(func: F) -> F:
        name = func.__qualname__.replace(".__init__", "")

        @functools.wraps(func)
        def shim(*args: Any, **kwargs: Any) -> Any:
            value = kwargs.pop(variance, None)
            if position is not None and len(args) > position:
                if value is not None:
                    raise TypeError(f"{name}() got the variance twice")
                value, args = args[position], args[:position] + args[position + 1:]
            if value is not None:
                if kwargs.get(beta) is not None:
                    raise TypeError(f"{name}() got both a variance ({variance}, deprecated) and {beta}; "
                                    f"pass {beta} only")
                warn_deprecated(f"{name}(..., {variance})",
                                f"{name}(..., {beta}=sqrt({variance})): {beta} is the noise standard deviation")
                kwargs[beta] = math.sqrt(check_number(value, variance))
            return func(*args, **kwargs)

        return shim  # type: ignore[return-value]

    return decorate
