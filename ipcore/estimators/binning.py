"""Binning estimators: the quantity earlier information-plane work plotted.

For a deterministic network and X uniform on m distinct inputs,
I(X; Bin(T)) = H(Bin(T)), which tends to ln m as the bins shrink; with
coarse bins it measures how representations cluster. All values in nats.

Three ways to bin, one per original code:

- ``width=w``: code ⌊t / w⌋ per coordinate, unbounded (Saxe et al.'s ibsgd, w = 0.07;
  right for ReLU layers).
- ``bins=k, range=(a, b)``: k equal bins on [a, b], values outside clipped to the
  edge bins.
- ``edges=e``: Shwartz-Ziv & Tishby's IDNNs, ``digitize(t, e) − 1`` with the 30
  edges ``linspace(−1, 1, 30)`` (:data:`SZT_EDGES`): code i for e_i ≤ t < e_{i+1},
  and a symbol of its own, len(e) − 1, for t ≥ e[-1] (tanh's exact ±1 saturation
  lands there, as in the original). Values below e[0] (IDNNs' code wraps them
  silently onto the top symbol) are, with ``outside="clip"``, put in the first
  bin, or, with ``outside="raise"``, an error.

Every entropy goes through one kernel, :func:`binned_information_batch`, which
packs each binned row into one integer and counts by sorting, for any number
of arrays at once (the N networks of an ensemble, every layer).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ipcore.validation import (Array, Choice, Integer, Labels, Optional, Real, Unchecked, as_labels, as_samples, as_tensor,
                               validate_params)

#: IDNNs' 30 bin edges on [−1, 1]: 29 bins of width 2/29 ≈ 0.069, plus the symbol of t ≥ 1.
SZT_EDGES = np.linspace(-1.0, 1.0, 30)
#: What :func:`bin_codes` does with values below the first edge.
OUTSIDE = ("clip", "raise")


def _check_edges(edges: Any) -> torch.Tensor:
    """Edges as float64, strictly increasing; their type and shape were checked by the caller's
    declaration (``Array(ndim=(1,))``)."""
    e = torch.as_tensor(np.asarray(edges, dtype=np.float64))
    if e.numel() < 2 or not bool((e[1:] > e[:-1]).all()):
        raise ValueError(f"edges: need at least 2 strictly increasing values, got {e.tolist()}")
    return e


@validate_params(t=Array(ndim=(1, 2)), width=Optional(Real(low=0, open_low=True)), bins=Optional(Integer(low=1)),
                 range=Optional(Unchecked("a (low, high) pair, checked with bins=")), edges=Optional(Array(ndim=(1,))),
                 outside=Choice(OUTSIDE))
def bin_codes(t: Any, *, width: float | None = None, bins: int | None = None, range: tuple[float, float] | None = None,
              edges: Any = None, outside: str = "clip") -> torch.Tensor:
    """Integer bin index of every coordinate of ``t`` (n, d) → int64 (n, d).

    Exactly one binning rule:

    - ``width=w``: code ⌊t / w⌋, unbounded;
    - ``bins=k, range=(a, b)``: code ⌊k (t − a) / (b − a)⌋ clipped to [0, k − 1];
    - ``edges=e``: code i for e_i ≤ t < e_{i+1}, len(e) − 1 for t ≥ e[-1] (IDNNs'
      ``digitize(t, e) − 1``); below e[0] as ``outside`` says.

    Parameters
    ----------
    t : array-like of shape (n, d) or (n,)
        The representations, one row per sample (a 1-D array is n samples of one
        coordinate).
    width : float, optional
        Bin width w > 0: code ⌊t / w⌋ per coordinate, unbounded (Saxe et al.'s
        w = 0.07, right for ReLU layers).
    bins : int, optional
        Number k ≥ 1 of equal bins on ``range``; values outside go to the edge bins.
    range : tuple of float, optional
        (low, high), finite with high > low; required with ``bins``.
    edges : array-like of shape (e,), optional
        Strictly increasing edges, IDNNs' rule: code i for e_i ≤ t < e_{i+1}, and a
        symbol of its own, e − 1, for t ≥ the last edge (e.g.
        ``ipcore.estimators.SZT_EDGES``).
    outside : {"clip", "raise"}, default "clip"
        With ``edges``: values below the first edge go to the first bin
        (``"clip"``) or are an error (``"raise"``).

    Returns
    -------
    torch.Tensor
        int64 of shape (n, d): the bin of every coordinate.

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric 1-D or 2-D array or is empty;
        If not exactly one of ``width``, ``bins`` and ``edges`` is given (named
        ``width``); if ``width`` is not a number > 0, or t / width reaches 2⁵² bins;
        if ``bins`` is not an integer ≥ 1; if ``range`` is missing with ``bins`` or
        not finite with high > low; if ``edges`` is not a 1-D array of at least 2
        strictly increasing values; if ``outside`` is not "clip" or "raise", or is
        "raise" and a value of ``t`` lies below the first edge.

    See Also
    --------
    ipcore.estimators.binned_entropy : H(Bin(T)) of these codes.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.estimators import SZT_EDGES, bin_codes
    >>> t = np.array([[-0.95, 0.0], [0.3, 0.99], [1.0, -1.0]])
    >>> bin_codes(t, width=0.5).tolist()
    [[-2, 0], [0, 1], [2, -2]]
    >>> bin_codes(t, bins=4, range=(-1, 1)).tolist()
    [[0, 2], [2, 3], [3, 0]]

    IDNNs' 30 edges: tanh's exact saturation at 1 gets the symbol 29 of its own:

    >>> bin_codes(t, edges=SZT_EDGES).tolist()
    [[0, 14], [18, 28], [29, 0]]
    """
    return _codes(as_samples(t, "t"), width=width, bins=bins, range=range, edges=edges, outside=outside)


def _codes(x: torch.Tensor, *, width: float | None, bins: int | None, range: tuple[float, float] | None,
           edges: Any, outside: str) -> torch.Tensor:
    """:func:`bin_codes` of a checked float tensor (n, d); the callers' declarations have checked
    ``width``, ``bins`` and ``outside``."""
    if sum(v is not None for v in (width, bins, edges)) != 1:
        raise ValueError("width: give exactly one of width=, bins= (with range=) or edges=")
    if width is not None:
        w = float(width)
        reach = float(x.abs().max()) / w if x.numel() else 0.0
        if not reach < 2**52:  # beyond, ⌊t / w⌋ is no longer exact in float64, and int64 would wrap
            raise ValueError(f"width: t / width reaches {reach:.3g} bins from 0, beyond the 2**52 that can be "
                             f"counted exactly; use a larger width (or rescale t)")
        return torch.floor(x / w).to(torch.int64)
    if edges is not None:
        e = _check_edges(edges).to(x.device)
        if outside == "raise" and bool((x < e[0]).any()):
            raise ValueError(f"t: {int((x < e[0]).sum())} value(s) below the first edge {float(e[0]):g} "
                             f"(min {float(x.min()):.4g}); use outside='clip' to put them in the first bin")
        codes = torch.bucketize(x, e, right=True) - 1  # np.digitize(x, e) − 1: e_i ≤ x < e_{i+1} → i
        return codes.clamp_(min=0)
    nb = int(bins)
    if range is None:
        raise ValueError("range: required with bins= (e.g. range=(-1, 1) for tanh)")
    low, high = (float(v) for v in range)
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError(f"range: must be finite with high > low, got {range!r}")
    return torch.clamp(torch.floor((x - low) / (high - low) * nb), 0, nb - 1).to(torch.int64)


def _entropy_of_counts(counts: torch.Tensor) -> float:
    p = counts.to(torch.float64) / counts.sum()
    return float(-(p * torch.log(p)).sum())


def _row_keys(codes: torch.Tensor, extra: int = 1) -> torch.Tensor:
    """One int64 per row of ``codes`` (B, m, d), equal exactly for equal rows, in [0, K) with
    K·extra < 2⁶²: a mixed-radix number of the shifted codes, or, when that does not fit,
    the row's rank among the distinct rows (one unique over all rows)."""
    b, m, d = codes.shape
    flat = codes.reshape(b * m, d)
    low = flat.amin(0)
    radix = (flat.amax(0) - low + 1).tolist()
    if math.prod(radix) * extra < 2**62:
        shifted = flat - low
        place = torch.tensor([math.prod(radix[:k]) for k in range(d)], dtype=torch.int64, device=codes.device)
        return (shifted * place).sum(1).view(b, m)
    return torch.unique(flat, dim=0, return_inverse=True)[1].view(b, m)


def _entropies_of_sorted(ordered: torch.Tensor) -> torch.Tensor:
    """Plug-in entropy (nats) of each row of ``ordered`` (B, m), sorted along the rows, its m
    entries equally likely: H = ln m − (1/m) Σ_c n_c ln n_c over the counts n_c of its values."""
    b, m = ordered.shape
    starts = torch.ones_like(ordered, dtype=torch.bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = torch.cumsum(starts.reshape(-1), 0) - 1  # run index of every entry, runs never cross rows
    counts = torch.bincount(run).to(torch.float64)
    owner = torch.repeat_interleave(torch.arange(b, device=ordered.device), starts.sum(1))
    n_log_n = torch.zeros(b, dtype=torch.float64, device=ordered.device).index_add_(0, owner, counts * torch.log(counts))
    return (math.log(m) - n_log_n / m).clamp_(min=0.0)  # one occupied bin: ln m − ln m, rounded below 0


@validate_params(t=Array(ndim=(2, 3, 4, 5, 6)), width=Optional(Real(low=0, open_low=True)), bins=Optional(Integer(low=1)),
                 range=Optional(Unchecked("a (low, high) pair, checked with bins=")), edges=Optional(Array(ndim=(1,))),
                 outside=Choice(OUTSIDE), labels=Optional(Array(ndim=(1, 2, 3, 4, 5))))
def binned_information_batch(t: Any, labels: Any = None, *, width: float | None = None, bins: int | None = None,
                             range: tuple[float, float] | None = None, edges: Any = None,
                             outside: str = "clip") -> tuple[np.ndarray, np.ndarray | None]:
    """H(Bin T) and I(Bin T; Y) for a batch of representations, in nats.

    For each (m, d) array of ``t``, its m rows equally likely,

        H(Bin T) = −Σ_b p_b ln p_b    (= I(X; Bin T) for distinct, uniform inputs),
        I(Bin T; Y) = H(Bin T) + H(Y) − H(Bin T, Y) = H(Bin T) − Σ_y p(y) H(Bin T | Y = y).

    Parameters
    ----------
    t : array-like of shape (..., m, d)
        Any number (up to 4) of leading dimensions (networks, epochs, …), each
        (m, d) array a layer's representation of the m equally likely inputs.
    labels : array-like of shape (m,) or (..., m), optional
        Integer class labels shared by all arrays, or one set per array; ``None``
        skips I(T;Y).
    width : float, optional
        Bin width w > 0: code ⌊t / w⌋ per coordinate, unbounded (Saxe et al.'s
        w = 0.07, right for ReLU layers).
    bins : int, optional
        Number k ≥ 1 of equal bins on ``range``; values outside go to the edge bins.
    range : tuple of float, optional
        (low, high), finite with high > low; required with ``bins``.
    edges : array-like of shape (e,), optional
        Strictly increasing edges, IDNNs' rule: code i for e_i ≤ t < e_{i+1}, and a
        symbol of its own, e − 1, for t ≥ the last edge (e.g.
        ``ipcore.estimators.SZT_EDGES``).
    outside : {"clip", "raise"}, default "clip"
        With ``edges``: values below the first edge go to the first bin
        (``"clip"``) or are an error (``"raise"``).

    Returns
    -------
    h : numpy.ndarray
        H(Bin T), shape ``t.shape[:-2]``.
    mi : numpy.ndarray or None
        I(Bin T; Y), the same shape; ``None`` without ``labels``.

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric array of 2 to 6 dimensions or is empty; if
        ``labels`` are not integers or do not have shape (m,) or (..., m);
        If not exactly one of ``width``, ``bins`` and ``edges`` is given (named
        ``width``); if ``width`` is not a number > 0, or t / width reaches 2⁵² bins;
        if ``bins`` is not an integer ≥ 1; if ``range`` is missing with ``bins`` or
        not finite with high > low; if ``edges`` is not a 1-D array of at least 2
        strictly increasing values; if ``outside`` is not "clip" or "raise", or is
        "raise" and a value of ``t`` lies below the first edge.

    Notes
    -----
    Every binned entropy of ipcore goes through this kernel: each binned row is
    packed into one integer and the entries are counted by sorting, O(m log m) per
    array. One sort per array serves both entropies: sorted by (bin, label), the
    entries of one bin are consecutive.

    Examples
    --------
    Two arrays of 8 inputs: one with distinct rows (H = ln 8), one collapsed to a
    point (H = 0); labels splitting the inputs in halves:

    >>> import numpy as np
    >>> from ipcore.estimators import binned_information_batch
    >>> x = np.linspace(-1.0, 1.0, 8)[:, None]
    >>> h, mi = binned_information_batch(np.stack([x, np.zeros_like(x)]), [0, 0, 0, 0, 1, 1, 1, 1], width=0.01)
    >>> h.shape, np.round(h, 6).tolist(), round(float(np.log(8)), 6)
    ((2,), [2.079442, 0.0], 2.079442)
    >>> np.round(mi, 6).tolist()
    [0.693147, 0.0]
    """
    x = as_tensor(t, "t", ndim=(2, 3, 4, 5, 6))
    lead, (m, d) = tuple(x.shape[:-2]), tuple(x.shape[-2:])
    batch = math.prod(lead)
    codes = _codes(x.reshape(batch * m, d), width=width, bins=bins, range=range, edges=edges,
                   outside=outside).view(batch, m, d)
    if labels is None:
        h_t = _entropies_of_sorted(torch.sort(_row_keys(codes), dim=1).values)
        return h_t.view(lead).cpu().numpy(), None
    lab = torch.as_tensor(np.asarray(labels) if not isinstance(labels, torch.Tensor) else labels)
    if lab.shape[-1:] != (m,) or (lab.ndim > 1 and tuple(lab.shape[:-1]) != lead):
        raise ValueError(f"labels: expected shape ({m},) or {lead + (m,)}, got {tuple(lab.shape)}")
    lab = as_labels(lab.reshape(-1), lab.numel(), device=codes.device).view(lab.shape)
    classes, lab = torch.unique(lab, return_inverse=True)  # 0 … C − 1
    n_classes = len(classes)
    h_y = _entropies_of_sorted(torch.sort(lab.reshape(-1, m), dim=1).values)  # one row if shared
    joint = torch.sort(_row_keys(codes, extra=n_classes) * n_classes + lab.expand(*lead, m).reshape(batch, m),
                       dim=1).values
    h_ty = _entropies_of_sorted(joint)
    h_t = _entropies_of_sorted(torch.div(joint, n_classes, rounding_mode="floor"))  # still sorted
    return h_t.view(lead).cpu().numpy(), (h_t + h_y - h_ty).view(lead).cpu().numpy()


@validate_params(t=Array(ndim=(1, 2)), width=Optional(Real(low=0, open_low=True)), bins=Optional(Integer(low=1)),
                 range=Optional(Unchecked("a (low, high) pair, checked with bins=")), edges=Optional(Array(ndim=(1,))),
                 outside=Choice(OUTSIDE))
def binned_entropy(t: Any, *, width: float | None = None, bins: int | None = None, range: tuple[float, float] | None = None,
                   edges: Any = None, outside: str = "clip") -> float:
    """Plug-in entropy of the binned rows of ``t``, in nats.

        H(Bin(T)) = −Σ_b p_b ln p_b

    over the occupied bins b (a bin is a d-tuple of codes, see
    :func:`ipcore.estimators.bin_codes`), p_b the fraction of rows in b. Each row is
    one equally likely sample (one input of the data set). For a deterministic
    network and m distinct inputs this is I(X; Bin(T)); it tends to ln m as the bins
    shrink.

    Parameters
    ----------
    t : array-like of shape (n, d) or (n,)
        The representations, one row per input.
    width : float, optional
        Bin width w > 0: code ⌊t / w⌋ per coordinate, unbounded (Saxe et al.'s
        w = 0.07, right for ReLU layers).
    bins : int, optional
        Number k ≥ 1 of equal bins on ``range``; values outside go to the edge bins.
    range : tuple of float, optional
        (low, high), finite with high > low; required with ``bins``.
    edges : array-like of shape (e,), optional
        Strictly increasing edges, IDNNs' rule: code i for e_i ≤ t < e_{i+1}, and a
        symbol of its own, e − 1, for t ≥ the last edge (e.g.
        ``ipcore.estimators.SZT_EDGES``).
    outside : {"clip", "raise"}, default "clip"
        With ``edges``: values below the first edge go to the first bin
        (``"clip"``) or are an error (``"raise"``).

    Returns
    -------
    float
        H(Bin(T)) in nats, between 0 and ln n.

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric 1-D or 2-D array or is empty;
        If not exactly one of ``width``, ``bins`` and ``edges`` is given (named
        ``width``); if ``width`` is not a number > 0, or t / width reaches 2⁵² bins;
        if ``bins`` is not an integer ≥ 1; if ``range`` is missing with ``bins`` or
        not finite with high > low; if ``edges`` is not a 1-D array of at least 2
        strictly increasing values; if ``outside`` is not "clip" or "raise", or is
        "raise" and a value of ``t`` lies below the first edge.

    Examples
    --------
    Eight distinct inputs: ln 8 with fine bins, ln 2 with two bins, 0 with one:

    >>> import math
    >>> import numpy as np
    >>> from ipcore.estimators import binned_entropy
    >>> t = np.linspace(0.0, 1.0, 8)
    >>> math.isclose(binned_entropy(t, width=0.01), math.log(8))
    True
    >>> round(binned_entropy(t, bins=2, range=(0, 1)), 6), round(binned_entropy(t, width=10.0), 6)
    (0.693147, 0.0)
    """
    h, _ = binned_information_batch(as_samples(t, "t"), width=width, bins=bins, range=range, edges=edges, outside=outside)
    return float(h)


@validate_params(t=Array(ndim=(1, 2)), width=Optional(Real(low=0, open_low=True)), bins=Optional(Integer(low=1)),
                 range=Optional(Unchecked("a (low, high) pair, checked with bins=")), edges=Optional(Array(ndim=(1,))),
                 outside=Choice(OUTSIDE), labels=Labels())
def binned_mutual_information(
    t: Any, labels: Any, *, width: float | None = None, bins: int | None = None, range: tuple[float, float] | None = None,
    edges: Any = None, outside: str = "clip",
) -> float:
    """Plug-in mutual information between the binned rows of ``t`` and labels, in nats.

        I(Bin(T); L) = H(Bin T) + H(L) − H(Bin T, L),

    the rows of ``t`` equally likely. With ``labels`` = Y this is I(T;Y) of the
    information plane; with ``labels`` = the input index it is
    I(X; Bin(T)) = H(Bin(T)).

    Parameters
    ----------
    t : array-like of shape (n, d) or (n,)
        The representations, one row per input.
    labels : array-like of shape (n,)
        Integer labels, one per row.
    width : float, optional
        Bin width w > 0: code ⌊t / w⌋ per coordinate, unbounded (Saxe et al.'s
        w = 0.07, right for ReLU layers).
    bins : int, optional
        Number k ≥ 1 of equal bins on ``range``; values outside go to the edge bins.
    range : tuple of float, optional
        (low, high), finite with high > low; required with ``bins``.
    edges : array-like of shape (e,), optional
        Strictly increasing edges, IDNNs' rule: code i for e_i ≤ t < e_{i+1}, and a
        symbol of its own, e − 1, for t ≥ the last edge (e.g.
        ``ipcore.estimators.SZT_EDGES``).
    outside : {"clip", "raise"}, default "clip"
        With ``edges``: values below the first edge go to the first bin
        (``"clip"``) or are an error (``"raise"``).

    Returns
    -------
    float
        I(Bin(T); L) in nats, between 0 and min(H(Bin T), H(L)).

    Raises
    ------
    ValueError
        If ``t`` is not a finite numeric 1-D or 2-D array or is empty; if
        ``labels`` are not integers, not 1-D or not one per row;
        If not exactly one of ``width``, ``bins`` and ``edges`` is given (named
        ``width``); if ``width`` is not a number > 0, or t / width reaches 2⁵² bins;
        if ``bins`` is not an integer ≥ 1; if ``range`` is missing with ``bins`` or
        not finite with high > low; if ``edges`` is not a 1-D array of at least 2
        strictly increasing values; if ``outside`` is not "clip" or "raise", or is
        "raise" and a value of ``t`` lies below the first edge.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.estimators import binned_entropy, binned_mutual_information
    >>> t = np.linspace(-1.0, 1.0, 8)
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]

    Fine bins separate the classes: I(T;Y) = H(Y) = ln 2:

    >>> round(binned_mutual_information(t, y, width=0.01), 6)
    0.693147

    With the input index as label, the information is the binned entropy:

    >>> bool(np.isclose(binned_mutual_information(t, np.arange(8), width=0.5), binned_entropy(t, width=0.5)))
    True
    """
    x = as_samples(t, "t")
    as_labels(labels, x.shape[0])  # the one labels check: count and type
    _, mi = binned_information_batch(x, labels, width=width, bins=bins, range=range, edges=edges, outside=outside)
    return float(mi)
