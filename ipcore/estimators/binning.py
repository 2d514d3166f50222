"""Binning estimators: the quantity earlier information-plane work plotted.

For a deterministic network and X uniform on m distinct inputs,
I(X; Bin(T)) = H(Bin(T)), which tends to ln m as the bins shrink; with
coarse bins it measures how representations cluster. All values in nats.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ipcore.config import as_labels, as_samples, check_number, check_positive_int


def bin_codes(t: Any, *, width: float | None = None, bins: int | None = None, range: tuple[float, float] | None = None) -> torch.Tensor:
    """Integer bin index of every coordinate of ``t`` (n, d) → int64 (n, d).

    Either ``width``: floor(t / width), unbounded (right for ReLU layers); or
    ``bins`` equal bins on ``range`` = (low, high), values outside clipped to
    the edge bins (as np.digitize-based code did for tanh layers).
    """
    x = as_samples(t, "t")
    if (width is None) == (bins is None):
        raise ValueError("width: give exactly one of width= or bins= (with range=)")
    if width is not None:
        return torch.floor(x / check_number(width, "width")).to(torch.int64)
    nb = check_positive_int(bins, "bins")
    if range is None:
        raise ValueError("range: required with bins= (e.g. range=(-1, 1) for tanh)")
    low, high = (float(v) for v in range)
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError(f"range: must be finite with high > low, got {range!r}")
    return torch.clamp(torch.floor((x - low) / (high - low) * nb), 0, nb - 1).to(torch.int64)


def _row_counts(codes: torch.Tensor) -> torch.Tensor:
    """Counts of identical rows (hashing by sort, no Python loop over samples)."""
    return torch.unique(codes, dim=0, return_counts=True)[1]


def _entropy_of_counts(counts: torch.Tensor) -> float:
    p = counts.to(torch.float64) / counts.sum()
    return float(-(p * torch.log(p)).sum())


def binned_entropy(t: Any, *, width: float | None = None, bins: int | None = None, range: tuple[float, float] | None = None) -> float:
    """H(Bin(T)) = −Σ_b p_b ln p_b over the occupied bins of the rows of ``t`` (n, d), in nats.

    Each row is one equally likely sample (one input of the data set).
    """
    return _entropy_of_counts(_row_counts(bin_codes(t, width=width, bins=bins, range=range)))


def binned_mutual_information(
    t: Any, labels: Any, *, width: float | None = None, bins: int | None = None, range: tuple[float, float] | None = None
) -> float:
    """I(Bin(T); L) = H(Bin T) + H(L) − H(Bin T, L) in nats, rows of ``t`` equally likely.

    With ``labels`` = Y this is I(T;Y) of the information plane; with
    ``labels`` = the input index it is I(X; Bin(T)) = H(Bin(T)).
    """
    codes = bin_codes(t, width=width, bins=bins, range=range)
    lab = as_labels(labels, codes.shape[0], device=codes.device)
    joint = torch.cat([codes, lab[:, None]], dim=1)
    return (
        _entropy_of_counts(_row_counts(codes))
        + _entropy_of_counts(torch.unique(lab, return_counts=True)[1])
        - _entropy_of_counts(_row_counts(joint))
    )
