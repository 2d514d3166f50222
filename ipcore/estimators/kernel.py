"""The Gaussian-mixture log-density kernel under every entropy in ipcore.

    g(t) = Σ_j w_j N(t; μ_j, β² I_d),
    log g(t) = logsumexp_j [log w_j − ‖t − μ_j‖² / (2β²)] − (d/2) ln(2πβ²)   (nats).

Two evaluations of the same sum, chosen by size and device:

* **dense**: a matrix product plus a fused log-sum-exp over cache-sized
  blocks, exact. Used for small problems, for batches of independent
  mixtures of more than ``TREE_BATCH_MAX_DIM`` (8) dimensions or of many
  mixtures, for layers of ``SCREEN_MIN_DIM`` (64) dimensions or more, and on
  accelerators (where n × n pair work in large chunks is fast and a tree's
  branching is not). On the CPU a wide, large mixture is first screened in
  float32 (twice as fast a product); the pairs that can matter are recomputed
  exactly in float64 and the rest, provably below e^(−log_tolerance) of the
  density, dropped as the tree drops them;
* **tree** (CPU, above ``DENSE_PAIRS`` pairs per mixture; a batch of up to
  ``TREE_BATCH_MAX_MIXTURES`` mixtures of at most 8 dimensions, mixture by
  mixture): the compiled kd-tree of
  ``ipcore.estimators.tree``, which visits each point's centers
  nearest-first and drops, with a weight-proportional budget, whatever is
  provably below e^(−40) of the point's density (exact to float64), or, with
  ``rtol > 0``, within a relative error rtol (scikit-learn's contract).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ipcore.config import torch_threads_kept
from ipcore.deprecation import renamed_function
from ipcore.validation import Array, Beta, Optional, Real, as_tensor, check_weights, validate_params

#: Default truncation: dropped terms sum to at most e^(−40) of the density.
LOG_TOLERANCE = 40.0
#: Below this many (point, center) pairs the CPU uses the dense path: under it a
#: dense block costs less than building the trees (measured crossover 2¹⁹–2²¹, by β).
DENSE_PAIRS = 1 << 20
#: Pair values evaluated per chunk: 2¹⁸ float64 = 2 MiB, reused across chunks, so that the
#: product, max, exp and sum passes run in cache (fresh large buffers cost page faults).
PAIRS_PER_CHUNK = 1 << 18
#: On accelerators chunks are larger (128 MiB): there each chunk costs kernel launches.
DEVICE_PAIRS_PER_CHUNK = 1 << 24
#: From this dimension on, a large float64 mixture on the CPU is first screened in float32
#: (:func:`_screened_mixture`): there the matrix product, not the exponentials, costs most.
SCREEN_MIN_DIM = 64
#: Rows per matrix product of wide layers, at least: fewer stream the centers from memory once
#: per few rows (measured, d = 1024, n = 10⁴, screened: 26 rows 5.7 s, 256 rows 2.4 s).
WIDE_ROWS = 256
#: Mixtures with fewer (point, center) pairs are not screened (a loop over mixtures would cost more).
SCREEN_MIN_PAIRS = 1 << 20
#: Above this fraction of a block's pairs left by the screen, the mixture is evaluated densely in float64.
SCREEN_MAX_FRACTION = 0.02
#: A batch of mixtures (an ensemble's layers) of at most this dimension and more than
#: :data:`DENSE_PAIRS` pairs each takes the kd-tree, mixture by mixture; wider ones the dense
#: product. Measured on trained SZT ensembles (10 networks, 4096 inputs, β = √1e-3), d = 3–7:
#: the tree 2.6–20× faster on ReLU and softplus layers, 0.9–1.9× on tanh layers (as fast as
#: the dense path once they saturate); at d = 10 1.3–2.7× slower (and 5× slower on 10 000 tanh
#: points of d = 10–20 at β = √0.1), where its boxes no longer separate the points.
TREE_BATCH_MAX_DIM = 8
#: Batches of more mixtures stay dense (a tree is built per mixture; the many small
#: conditional mixtures of the SP estimator are dense anyway).
TREE_BATCH_MAX_MIXTURES = 64
#: Largest exponent the screen computes in float32 (float32 ends at 3.4e38).
FLOAT32_EXPONENT_MAX = 1e30


def _as_points_and_centers(points: Any, centers: Any) -> tuple[torch.Tensor, torch.Tensor]:
    c = as_tensor(centers, "centers", ndim=(1, 2, 3))
    p = as_tensor(points, "points", ndim=(1, 2, 3), device=c.device)
    if c.ndim == 1:
        c = c[:, None]
    if p.ndim == 1:
        p = p[:, None]
    if p.ndim != c.ndim:
        raise ValueError(f"points: has {p.ndim} dimensions but centers has {c.ndim}; batched inputs must both be 3-D")
    if p.shape[-1] != c.shape[-1]:
        raise ValueError(f"points: dimension {p.shape[-1]} differs from the centers' dimension {c.shape[-1]}")
    if p.ndim == 3 and p.shape[0] != c.shape[0]:
        raise ValueError(f"points: batch size {p.shape[0]} differs from the centers' batch size {c.shape[0]}")
    return p, c


# --------------------------------------------------------------------------
# Dense path
# --------------------------------------------------------------------------

def logsumexp_rows_(logits: torch.Tensor) -> torch.Tensor:
    """log Σ exp over the last axis, overwriting ``logits`` (one max, one clamp, one exp, one sum pass).

    For each row x of ``logits``,

        logsumexp(x) = m + log Σ_j exp(x_j − m),   m = max_j x_j,

    computed in place: ``logits`` holds exp(x − m) afterwards. Faster than
    ``torch.logsumexp`` on CPU, which does not fuse these passes.

    Parameters
    ----------
    logits : torch.Tensor
        Floating tensor of any shape (..., n); overwritten.

    Returns
    -------
    torch.Tensor
        Shape (...): log Σ_j exp(logits[..., j]) per row; −inf for a row that is all −inf.

    Notes
    -----
    Terms below e^(−700) of the row's largest (e^(−87) in float32) are raised to it before
    exp: exp of an argument whose result underflows takes a slow path (measured 5–15×
    slower per element), and the change is at most n·e^(−700) (n·e^(−87)) relative.

    Examples
    --------
    The same value as ``torch.logsumexp``, here log(1 + 3) = ln 4:

    >>> import math, torch
    >>> from ipcore.estimators.kernel import logsumexp_rows_
    >>> x = torch.tensor([[0.0, math.log(3.0)], [-math.inf, -math.inf]], dtype=torch.float64)
    >>> expected = torch.logsumexp(x, dim=-1)
    >>> out = logsumexp_rows_(x)
    >>> math.isclose(float(out[0]), math.log(4.0)), bool(torch.allclose(out, expected))
    (True, True)
    >>> float(out[1])
    -inf
    """
    row_max = logits.amax(dim=-1, keepdim=True)
    finite = torch.isfinite(row_max)
    row_max = torch.where(finite, row_max, torch.zeros_like(row_max))
    floor = -700.0 if logits.dtype == torch.float64 else -87.0  # where exp leaves the normal numbers
    total = logits.sub_(row_max).clamp_(min=floor).exp_().sum(dim=-1)
    out = torch.log(total) + row_max.squeeze(-1)
    return torch.where(finite.squeeze(-1), out, torch.full_like(out, -math.inf))


def _pairs_per_chunk(device: torch.device) -> int:
    return PAIRS_PER_CHUNK if device.type == "cpu" else DEVICE_PAIRS_PER_CHUNK


def _log_density_dense(points: torch.Tensor, centers: torch.Tensor, log_w: torch.Tensor, beta: float,
                       log_tolerance: float = LOG_TOLERANCE) -> torch.Tensor:
    """Unnormalised log Σ_j w_j exp(−‖t−μ_j‖²/(2β²)), exact, in cache-sized row blocks.

    Works batched: points (..., k, d), centers (..., n, d), log_w (..., n).
    Coordinates are shifted to the centers' mean, which keeps the expansion
    ‖t−μ‖² = ‖t‖² − 2 t·μ + ‖μ‖² accurate at small β. One workspace buffer is
    reused for every block.
    """
    k, n, d = points.shape[-2], centers.shape[-2], centers.shape[-1]
    if points.dtype == torch.float64 and points.device.type == "cpu" and d >= SCREEN_MIN_DIM and k * n >= SCREEN_MIN_PAIRS:
        # wide and large: each mixture alone (few, each large), screened in float32 where that leaves few pairs
        single = points.ndim == 2
        p3, c3, w3 = (points[None], centers[None], log_w[None]) if single else (points, centers, log_w)
        out = torch.stack([_screened_mixture(p3[b], c3[b], w3[b], beta, log_tolerance) for b in range(p3.shape[0])])
        return out[0] if single else out
    if points.ndim == 3:  # independent mixtures: cache-sized chunks of the batch
        per_batch = max(1, _pairs_per_chunk(points.device) // max(1, points.shape[1] * centers.shape[1]))
        return torch.cat([
            _dense_block(points[b : b + per_batch], centers[b : b + per_batch], log_w[b : b + per_batch], beta)
            for b in range(0, points.shape[0], per_batch)
        ])
    return _dense_block(points, centers, log_w, beta)


#: Largest error, in the exponent ‖t − μ‖²/(2β²), that the matrix-product expansion may make;
#: beyond it (coordinates far from the centers' mean relative to β) squared distances are
#: computed from explicit differences.
EXPANSION_ERROR_MAX = 1e-10
def float32_log_density_error(points: torch.Tensor, centers: torch.Tensor, beta: float) -> float:
    """An estimate of the largest error, in nats, of the mean of log-densities of equal-weight mixtures in float32.

    For one mixture, with points t and centers μ given relative to its centers' mean (as the
    caller must cast them), the float32 dense evaluation (matrix-product expansion, fused
    log-sum-exp over n centers) errs in each log-density by about at most

        e = ε (8 max ‖t‖² + 8 max ‖μ‖²) / (2β²) + ε ⌈log₂ n⌉ + ε,   ε = 2⁻²³,

    the first term the expansion's cancellation, the rounding of the coordinates and of the
    exponents, the others the sum and its logarithm. The constants are a generous reading of
    the usual rounding analysis, not a proof: measured, the largest error of a log-density
    stays below a third of e for d up to 32 (``tests/test_estimators.py``). For m mixtures with
    equally many points each, the mean of all their log-densities errs by at most the mean of
    their e (in practice far less: the errors take both signs). Computed in the inputs' dtype
    (float32 inputs change it by a relative 1e-7).

    Parameters
    ----------
    points : torch.Tensor
        Shape (m, k, d) (k points in each of m mixtures) or (k, d).
    centers : torch.Tensor
        Shape (m, n, d) or (n, d).
    beta : float
        The components' standard deviation β > 0.

    Returns
    -------
    float
        The bound, in nats.

    Examples
    --------
    Points and centers within a few β of their mean: an error near 1e-5 nats.

    >>> import torch
    >>> from ipcore.estimators.kernel import float32_log_density_error
    >>> centers = 0.01 * torch.randn(4, 100, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> bound = float32_log_density_error(centers + 0.01 * torch.randn_like(centers), centers, 0.01)
    >>> 1e-6 < bound < 1e-4
    True
    """
    eps = torch.finfo(torch.float32).eps
    shift = centers.mean(dim=-2, keepdim=True)
    scale = (points - shift).square_().sum(-1).amax(-1) + (centers - shift).square_().sum(-1).amax(-1)
    per_mixture = eps * (8.0 * scale.double() * 0.5 / (beta * beta)
                         + math.ceil(math.log2(max(2, centers.shape[-2]))) + 1.0)
    return float(per_mixture.mean())


def _screened_mixture(points: torch.Tensor, centers: torch.Tensor, log_w: torch.Tensor, beta: float,
                      log_tolerance: float = LOG_TOLERANCE) -> torch.Tensor:
    """:func:`_log_density_dense` of one float64 mixture (points (k, d), centers (n, d)), screened in float32.

    Each row's exponents a_j = log w_j − ‖t − μ_j‖²/(2β²) are first computed in float32 (the
    matrix-product expansion, twice as fast as float64 on a CPU). With δ a worst-case bound on
    their float32 error,

        δ = ε (d + 4) [2 max‖t‖ max‖μ‖ + max‖t‖² + max‖μ‖²] / (2β²) + 4ε max|log w_j|,  ε = 2⁻²³

    (the product's accumulation, the casts and the norms, relative to the centers' mean; the
    maximum over the finite log-weights), every pair with a float32 exponent within
    ``log_tolerance`` + ln n + 2δ of its row's largest is kept and its exponent recomputed
    exactly in float64 from explicit differences; the pairs dropped sum to at most
    e^(−log_tolerance) of the row's density, as the tree path drops. The mixture is evaluated
    densely in float64 instead where float32 cannot hold its exponents (beyond 1e30), or where
    the screen keeps more than SCREEN_MAX_FRACTION of a block's pairs (nearby centers, or a
    loose δ): the result is the float64 one either way.
    """
    n, d = centers.shape
    shift = centers.mean(dim=0, keepdim=True)
    c, p = centers - shift, points - shift
    inv2b2 = 0.5 / (beta * beta)
    c_sq, p_sq = (c * c).sum(-1), (p * p).sum(-1)
    col = log_w - inv2b2 * c_sq
    p_max, c_max = float(p_sq.max()) ** 0.5, float(c_sq.max()) ** 0.5
    w_max = float(log_w[torch.isfinite(log_w)].abs().max())  # zero weights are −inf terms: never kept
    largest = inv2b2 * (p_max + c_max) ** 2 + w_max
    if not largest < FLOAT32_EXPONENT_MAX:  # exponents beyond float32 (or NaN): float64 throughout
        return _dense_block(points, centers, log_w, beta)
    eps = torch.finfo(torch.float32).eps
    delta = eps * (d + 4) * (2.0 * p_max * c_max + p_max**2 + c_max**2) * inv2b2 + 4.0 * eps * w_max
    margin = log_tolerance + math.log(n) + 2.0 * delta
    p32, ct32, col32, p_sq32 = p.float(), c.float().T.contiguous(), col.float()[None], p_sq.float()[:, None]
    rows = max(1, min(p.shape[0], max(WIDE_ROWS, PAIRS_PER_CHUNK // n)))
    work = torch.empty(rows, n, dtype=torch.float32)
    out = torch.empty(p.shape[0], dtype=torch.float64)
    per_recompute = max(1, PAIRS_PER_CHUNK // d)  # kept pairs whose differences fit one workspace
    for start in range(0, p.shape[0], rows):
        stop = min(start + rows, p.shape[0])
        exponents = torch.addmm(col32, p32[start:stop], ct32, alpha=2.0 * inv2b2, out=work[: stop - start])
        exponents.sub_(p_sq32[start:stop], alpha=inv2b2)
        row, center = (exponents >= exponents.amax(1, keepdim=True) - margin).nonzero(as_tuple=True)
        if len(row) > SCREEN_MAX_FRACTION * (stop - start) * n:  # too many near pairs: the float64 product is cheaper
            return _dense_block(points, centers, log_w, beta)
        exact = torch.empty(len(row), dtype=torch.float64)
        for at in range(0, len(row), per_recompute):  # explicit differences, a workspace at a time
            diff = p[start + row[at : at + per_recompute]] - c[center[at : at + per_recompute]]
            exact[at : at + per_recompute] = log_w[center[at : at + per_recompute]] - inv2b2 * (diff * diff).sum(-1)
        top = torch.full((stop - start,), -math.inf, dtype=torch.float64).scatter_reduce_(0, row, exact, "amax")
        total = torch.zeros(stop - start, dtype=torch.float64).index_add_(0, row, (exact - top[row]).exp_())
        out[start:stop] = top + total.log_()
    return out


def _dense_block(points: torch.Tensor, centers: torch.Tensor, log_w: torch.Tensor, beta: float) -> torch.Tensor:
    """:func:`_log_density_dense` on one block, reusing one workspace for its row chunks."""
    shift = centers.mean(dim=-2, keepdim=True)
    c = centers - shift
    p = points - shift
    inv2b2 = 0.5 / (beta * beta)
    # The expansion's rounding error is about 4 ε (‖t‖² + ‖μ‖²) / (2β²): fine near the centers'
    # mean, not for centers at ±1e6 with β = 0.005, where only differences keep the digits.
    scale = float((p * p).sum(-1).max()) + float((c * c).sum(-1).max())
    # float32 blocks come only from callers that bounded their whole error
    # (float32_log_density_error): they take the expansion, the fast path.
    explicit = p.dtype == torch.float64 and 4 * torch.finfo(p.dtype).eps * scale * inv2b2 > EXPANSION_ERROR_MAX
    col = (log_w - inv2b2 * (c * c).sum(-1)).unsqueeze(-2)  # (..., 1, n)
    ct = c.transpose(-1, -2)
    batch = c.shape[0] if c.ndim == 3 else 1
    per_row = c.shape[-2] * batch * (c.shape[-1] if explicit else 1)
    rows = max(1, min(p.shape[-2], _pairs_per_chunk(p.device) // max(1, per_row)))
    work = torch.empty(p.shape[:-2] + (rows, c.shape[-2]), dtype=p.dtype, device=p.device)
    out = torch.empty(p.shape[:-1], dtype=p.dtype, device=p.device)
    for start in range(0, p.shape[-2], rows):
        pb = p[..., start : start + rows, :]
        logits = work[..., : pb.shape[-2], :]
        if explicit:
            diff = pb.unsqueeze(-2) - c.unsqueeze(-3)  # (..., rows, n, d)
            torch.sub(log_w.unsqueeze(-2), (diff * diff).sum(-1), alpha=inv2b2, out=logits)
            out[..., start : start + rows] = logsumexp_rows_(logits)
            continue
        if p.ndim == 3:
            torch.baddbmm(col, pb, ct, alpha=2.0 * inv2b2, out=logits)
        else:
            torch.addmm(col[0], pb, ct, alpha=2.0 * inv2b2, out=logits)
        out[..., start : start + rows] = logsumexp_rows_(logits) - inv2b2 * (pb * pb).sum(-1)
    return out


def drop_zero_weights(centers: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The same mixture without its components of weight 0."""
    keep = weights > 0
    return (centers, weights) if bool(keep.all()) else (centers[keep], weights[keep])


def merge_identical_centers(centers: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The same mixture with fewer components: identical centers merged, zero weights dropped.

    Identical centers μ_j = μ_k are merged into one component carrying their
    summed weight w_j + w_k, and components of weight 0 are dropped, so that

        Σ_j w_j N(t; μ_j, β² I)

    is the same density for every t and every β, with fewer terms.

    Parameters
    ----------
    centers : torch.Tensor
        Shape (n, d), the components' means.
    weights : torch.Tensor
        Shape (n,), the mixture weights, non-negative (not checked here).

    Returns
    -------
    centers : torch.Tensor
        Shape (n', d), n' ≤ n, the distinct centers of positive weight (the input itself
        when every row is already distinct and no weight is 0).
    weights : torch.Tensor
        Shape (n',), their weights; the total is unchanged.

    Notes
    -----
    Distinct values of a generic projection prove the rows distinct (the common case)
    cheaply, with one sort; only otherwise are the rows compared with ``torch.unique``.

    Examples
    --------
    >>> import torch
    >>> from ipcore.estimators.kernel import merge_identical_centers, mixture_log_density
    >>> centers = torch.tensor([[0.0], [1.0], [0.0], [5.0]], dtype=torch.float64)
    >>> weights = torch.tensor([0.25, 0.5, 0.25, 0.0], dtype=torch.float64)
    >>> merged, merged_weights = merge_identical_centers(centers, weights)
    >>> merged[:, 0].tolist(), merged_weights.tolist()
    ([0.0, 1.0], [0.5, 0.5])

    The density is the same:

    >>> t = torch.linspace(-2.0, 3.0, 11, dtype=torch.float64)
    >>> bool(torch.allclose(mixture_log_density(t, merged, 0.3, merged_weights),
    ...                     mixture_log_density(t, centers[:3], 0.3, weights[:3])))
    True
    """
    centers, weights = drop_zero_weights(centers, weights)
    # Distinct values of a generic projection prove the rows distinct (the common case), cheaply.
    direction = torch.linspace(1.0, 2.0, centers.shape[1], dtype=centers.dtype, device=centers.device).sqrt()
    projected = torch.sort(centers @ direction).values
    if not bool((projected[1:] == projected[:-1]).any()):
        return centers, weights
    uniq, inverse = torch.unique(centers, dim=0, return_inverse=True)
    if uniq.shape[0] == centers.shape[0]:
        return centers, weights
    return uniq, torch.zeros(uniq.shape[0], dtype=weights.dtype, device=weights.device).index_add_(0, inverse, weights)


# --------------------------------------------------------------------------
# Pruned path: the compiled kd-tree of ``ipcore.estimators.tree`` (CPU)
# --------------------------------------------------------------------------

def _log_density_tree(points: torch.Tensor, centers: torch.Tensor, weights: torch.Tensor, beta: float,
                      log_eps: float, approximate: bool) -> torch.Tensor:
    """:func:`ipcore.estimators.tree.log_sums` on CPU tensors, with zero-weight components removed."""
    centers, weights = drop_zero_weights(centers, weights)
    with torch_threads_kept():  # numba's OpenMP layer would leave torch on all threads
        from ipcore.estimators import tree  # numba: imported (and its kernels loaded) on first use

        sums = tree.log_sums(points.contiguous().numpy(), centers.contiguous().numpy(), torch.log(weights).numpy(),
                             beta, log_eps, approximate, torch.get_num_threads())
    return torch.from_numpy(sums)


@validate_params(points=Array(ndim=(1, 2, 3), max_abs=1e100), centers=Array(ndim=(1, 2, 3), max_abs=1e100), beta=Beta(),
                 weights=Optional(Array(ndim=(1, 2))), log_tolerance=Real(low=1, high=700),
                 rtol=Real(low=0, high=0.5, open_high=True))
def mixture_log_density(
    points: Any, centers: Any, beta: float, weights: Any = None, *, log_tolerance: float = LOG_TOLERANCE,
    rtol: float = 0.0,
) -> torch.Tensor:
    """Log-density of an isotropic Gaussian mixture at each point, in nats.

    For points t_i and centers μ_j,

        log g(t_i) = log Σ_j w_j N(t_i; μ_j, β² I_d)
                   = logsumexp_j [log w_j − ‖t_i − μ_j‖² / (2β²)] − (d/2) ln(2πβ²),

    with β the components' (the noise's) standard deviation and weights w_j
    (default 1/n). This is the one kernel under every Gaussian-mixture entropy of
    ipcore: the Monte Carlo entropy, the sample-propagation (SP) estimator, the KDE
    bounds and the exact quadrature.

    Parameters
    ----------
    points : array-like of shape (k, d), (k,) or (B, k, d)
        The evaluation points t_i (numpy or torch, any device); a 1-D array is k
        points in one dimension. Batched input, points (B, k, d) with centers
        (B, n, d) and weights (B, n), gives B independent mixtures.
    centers : array-like of shape (n, d), (n,) or (B, n, d)
        The components' means μ_j.
    beta : float
        The noise standard deviation β > 0, shared by all components.
    weights : array-like of shape (n,) or (B, n), optional
        The mixture weights w_j: non-negative, summing to 1 (each mixture's).
        Default: 1/n each.
    log_tolerance : float, default 40
        Terms are dropped only where their total is provably below
        e^(−log_tolerance) of the density, so the result is low by at most that
        relative amount (4e−18 by default). In [1, 700].
    rtol : float, default 0
        Like scikit-learn's ``KernelDensity(rtol=...)``: a relative error of the
        density up to ``rtol`` (abs(error of log g) ≤ rtol to first order) in
        exchange for speed on large inputs. In [0, 0.5); 0 is exact. The tree
        path's only: on the CPU, below 64 dimensions (batches: up to 8 dimensions and 64
        mixtures).

    Returns
    -------
    torch.Tensor
        float64, shape (k,) (or (B, k)), on the centers' device: log g(t_i) in nats.

    Raises
    ------
    ValueError
        If ``points`` or ``centers`` is not a finite numeric array of 1, 2 or 3
        dimensions, is empty or has a coordinate beyond ±1e100; if the points'
        dimension or batch size differs from the centers' (``points``); if
        ``beta`` is not a number in [1e-100, 1e100]; if ``weights`` has the wrong
        shape, a negative entry, or does not sum to 1 within 1e-9; if
        ``log_tolerance`` is not in [1, 700]; if ``rtol`` is not in [0, 0.5).

    Notes
    -----
    Computed in float64 on the centers' device, by one of two evaluations of the
    same sum (see ``ipcore.estimators.kernel``): a dense matrix product with a
    fused log-sum-exp, exact, for small problems, accelerators, layers of 64
    dimensions or more and batches of more than 8 dimensions or 64 mixtures; or, on the CPU above 2²⁰ (point,
    center) pairs per mixture, the compiled kd-tree of ``ipcore.estimators.tree``, which
    visits each point's centers nearest-first and drops what is provably negligible. ``rtol`` applies
    to the tree path (the dense path is exact to ``log_tolerance``). The dense path costs
    O(k n d) time; on the CPU, a mixture of 64 dimensions or more and 2²⁰ pairs or
    more is first screened in float32 (twice as fast a product): the pairs within
    ``log_tolerance`` of their row's largest term, allowing for float32's worst-case
    error, are recomputed exactly in float64 and the rest dropped, as the tree does
    (where the screen leaves more than 2 % of the pairs, or float32 cannot hold the
    exponents, the float64 product is used).

    See Also
    --------
    ipcore.estimators.gaussian_mixture_entropy : Monte Carlo entropy of the mixture.
    ipcore.estimators.mixture_entropy_1d : its exact entropy in one dimension.

    Examples
    --------
    One component is the normal density, log N(t; 0, β²) = −t²/(2β²) − ½ ln(2πβ²):

    >>> import math, torch
    >>> from ipcore.estimators import mixture_log_density
    >>> t = torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64)
    >>> log_g = mixture_log_density(t, [0.0], 0.5)
    >>> exact = -t**2 / (2 * 0.5**2) - 0.5 * math.log(2 * math.pi * 0.5**2)
    >>> bool(torch.allclose(log_g, exact))
    True

    At a center of a well-separated mixture only its own component counts,
    log g(μ_j) = ln w_j − (d/2) ln(2πβ²):

    >>> log_g = mixture_log_density([[10.0, 0.0]], [[0.0, 0.0], [10.0, 0.0]], 0.5, weights=[0.25, 0.75])
    >>> math.isclose(float(log_g[0]), math.log(0.75) - math.log(2 * math.pi * 0.5**2))
    True

    Four independent mixtures of 5 centers, each at 3 points:

    >>> tuple(mixture_log_density(torch.zeros(4, 3, 2), torch.ones(4, 5, 2), 1.0).shape)
    (4, 3)
    """
    b = beta
    p, c = _as_points_and_centers(points, centers)
    d = c.shape[-1]
    with torch.no_grad():
        w = check_weights(weights, tuple(c.shape[:-1]) if c.ndim == 3 else c.shape[0], device=c.device)
        log_eps = math.log(rtol) if rtol > 0 else -float(log_tolerance)
        pairs = p.shape[-2] * c.shape[-2]
        many = c.ndim == 3 and (d > TREE_BATCH_MAX_DIM or c.shape[0] > TREE_BATCH_MAX_MIXTURES)
        if c.device.type != "cpu" or pairs <= DENSE_PAIRS or d >= SCREEN_MIN_DIM or many:
            dens = _log_density_dense(p, c, torch.log(w), b, float(log_tolerance))
        elif c.ndim == 3:  # a few large low-dimensional mixtures (an ensemble's layers): each a compiled tree walk
            dens = torch.stack([_log_density_tree(p[i], c[i], w[i], b, log_eps, approximate=rtol > 0)
                                for i in range(c.shape[0])])
        else:
            dens = _log_density_tree(p, c, w, b, log_eps, approximate=rtol > 0)
        return dens - 0.5 * d * math.log(2.0 * math.pi * b * b)


#: Deprecated spelling (ipcore 0.1); centers is the one spelling.
merge_identical_centres = renamed_function(merge_identical_centers, "merge_identical_centres")

__all__ = ["mixture_log_density", "logsumexp_rows_", "merge_identical_centers", "LOG_TOLERANCE"]
