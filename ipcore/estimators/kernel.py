"""The Gaussian-mixture log-density kernel under every entropy in ipcore.

    g(t) = Σ_j w_j N(t; μ_j, β² I_d),
    log g(t) = logsumexp_j [log w_j − ‖t − μ_j‖² / (2β²)] − (d/2) ln(2πβ²)   (nats).

Pairwise work is a matrix product plus a log-sum-exp over cache-sized blocks.
Small problems are evaluated densely. Large ones use two balanced kd-trees,
one over the centres (leaves of 32) and a deeper one over the points (leaves
of 8: small boxes prune far better in high dimension), built with one batched
sort per level, and traversed level by level with all node pairs at once:

* every point is routed to the centre leaf containing it; the exact sum over
  that leaf is a lower bound on its density, and the minimum over a point
  node is the node's bound L;
* a centre node c of total log-weight W_c whose box is D away from a point
  node's box contributes at most exp(W_c − D²/(2β²)) to any of its points;
* the pair is dropped when W_c − D²/(2β²) < L − tol − ln(2 · #centre leaves).

Over all levels at most 2 · #centre leaves nodes can be dropped for a point,
so everything dropped adds up to at most e^(−tol) · g(t): the result is low by
at most e^(−tol) ≈ 4e−18 relative (tol = 40, the default), below float64
resolution of log g. Identical centres are merged first. Surviving leaf pairs
are evaluated exactly. With ``rtol > 0`` the drop budget is rtol/2 and tight
centre nodes may be summarised by their moments (see
:func:`_log_density_pruned`), a relative error of at most rtol in all.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ipcore.config import as_tensor, check_beta, check_weights

#: Default truncation: dropped terms sum to at most e^(−40) of the density.
LOG_TOLERANCE = 40.0
#: Centres per leaf and points per leaf of the dual-tree path.
LEAF_SIZE = 32
QUERY_LEAF_SIZE = 8
#: Most node pairs held at once by the dual-tree traversal (bounds its memory).
MAX_CANDIDATES = 1 << 20
#: Below this many (point, centre) pairs the dense path is used directly.
DENSE_PAIRS = 1 << 22
#: Pair values evaluated per chunk: 2¹⁸ float64 = 2 MiB, reused across chunks, so that the
#: product, max, exp and sum passes run in cache (fresh large buffers cost page faults).
PAIRS_PER_CHUNK = 1 << 18


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
        raise ValueError(f"points: dimension {p.shape[-1]} differs from the centres' dimension {c.shape[-1]}")
    if p.ndim == 3 and p.shape[0] != c.shape[0]:
        raise ValueError(f"points: batch size {p.shape[0]} differs from the centres' batch size {c.shape[0]}")
    return p, c


# --------------------------------------------------------------------------
# Dense path
# --------------------------------------------------------------------------

def logsumexp_rows_(logits: torch.Tensor) -> torch.Tensor:
    """log Σ exp over the last axis, overwriting ``logits`` (one max, one exp, one sum pass).

    Faster than ``torch.logsumexp`` on CPU, which does not fuse these passes.
    Rows that are all −inf give −inf.
    """
    row_max = logits.amax(dim=-1, keepdim=True)
    row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
    total = logits.sub_(row_max).exp_().sum(dim=-1)
    return torch.log(total) + row_max.squeeze(-1)


def _log_density_dense(points: torch.Tensor, centers: torch.Tensor, log_w: torch.Tensor, beta: float) -> torch.Tensor:
    """Unnormalised log Σ_j w_j exp(−‖t−μ_j‖²/(2β²)), exact, in cache-sized row blocks.

    Works batched: points (..., k, d), centers (..., n, d), log_w (..., n).
    Coordinates are shifted to the centres' mean, which keeps the expansion
    ‖t−μ‖² = ‖t‖² − 2 t·μ + ‖μ‖² accurate at small β. One workspace buffer is
    reused for every block.
    """
    if points.ndim == 3:  # independent mixtures: cache-sized chunks of the batch
        per_batch = max(1, PAIRS_PER_CHUNK // max(1, points.shape[1] * centers.shape[1]))
        return torch.cat([
            _dense_block(points[b : b + per_batch], centers[b : b + per_batch], log_w[b : b + per_batch], beta)
            for b in range(0, points.shape[0], per_batch)
        ])
    return _dense_block(points, centers, log_w, beta)


def _dense_block(points: torch.Tensor, centers: torch.Tensor, log_w: torch.Tensor, beta: float) -> torch.Tensor:
    """:func:`_log_density_dense` on one block, reusing one workspace for its row chunks."""
    shift = centers.mean(dim=-2, keepdim=True)
    c = centers - shift
    p = points - shift
    inv2b2 = 0.5 / (beta * beta)
    col = (log_w - inv2b2 * (c * c).sum(-1)).unsqueeze(-2)  # (..., 1, n)
    ct = c.transpose(-1, -2)
    batch = c.shape[0] if c.ndim == 3 else 1
    rows = max(1, min(p.shape[-2], PAIRS_PER_CHUNK // max(1, c.shape[-2] * batch)))
    work = torch.empty(p.shape[:-2] + (rows, c.shape[-2]), dtype=p.dtype, device=p.device)
    out = torch.empty(p.shape[:-1], dtype=p.dtype, device=p.device)
    for start in range(0, p.shape[-2], rows):
        pb = p[..., start : start + rows, :]
        logits = work[..., : pb.shape[-2], :]
        if p.ndim == 3:
            torch.baddbmm(col, pb, ct, alpha=2.0 * inv2b2, out=logits)
        else:
            torch.addmm(col[0], pb, ct, alpha=2.0 * inv2b2, out=logits)
        out[..., start : start + rows] = logsumexp_rows_(logits) - inv2b2 * (pb * pb).sum(-1)
    return out


# --------------------------------------------------------------------------
# Pruned path: a dual kd-tree, traversed level by level, all pairs at once
# --------------------------------------------------------------------------

def _take(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``t[idx]`` along the first axis via index_select: an order of magnitude faster on CPU."""
    return torch.index_select(t, 0, idx.reshape(-1)).view(*idx.shape, *t.shape[1:])


class KDTree:
    """A balanced kd-tree over the rows of ``x`` (n, d), built with one batched sort per level.

    ``2**depth`` leaves of ``leaf`` rows each (the last rows padded by repeating
    row n−1, marked invalid). Per level it keeps the split dimension and
    value, and per node the bounding box, so that points can be routed to a
    leaf and pairs of nodes bounded.
    """

    def __init__(self, x: torch.Tensor, depth: int) -> None:
        n, d = x.shape
        blocks = 1 << depth
        leaf = max(1, math.ceil(n / blocks))
        total = blocks * leaf
        order = torch.arange(total, device=x.device)
        self.split_dim: list[torch.Tensor] = []
        self.split_value: list[torch.Tensor] = []
        for level in range(depth):
            segs = 1 << level
            seg = _take(x, order.clamp(max=n - 1)).view(segs, total // segs, d)
            widest = (seg.amax(1) - seg.amin(1)).argmax(1)
            key = seg.gather(2, widest.view(segs, 1, 1).expand(segs, total // segs, 1)).squeeze(2)
            sorted_key, perm = key.sort(dim=1, stable=True)
            order = order.view(segs, -1).gather(1, perm).reshape(-1)
            self.split_dim.append(widest)
            self.split_value.append(sorted_key[:, total // segs // 2])  # first row of the right half
        order = order.view(blocks, leaf)
        self.depth, self.leaf = depth, leaf
        self.valid = order < n
        self.index = order.clamp(max=n - 1)
        self.rows = _take(x, self.index)  # (blocks, leaf, d)
        # Bounding boxes per level, leaves first; padding repeats a real row, so boxes stay exact.
        lo, hi = self.rows.amin(1), self.rows.amax(1)
        self.lo, self.hi = [lo], [hi]
        for _ in range(depth):
            lo = torch.minimum(lo[0::2], lo[1::2])
            hi = torch.maximum(hi[0::2], hi[1::2])
            self.lo.insert(0, lo)
            self.hi.insert(0, hi)

    def route(self, t: torch.Tensor) -> torch.Tensor:
        """Leaf index of the cell containing each row of ``t`` (k, d)."""
        node = torch.zeros(t.shape[0], dtype=torch.long, device=t.device)
        for dim, value in zip(self.split_dim, self.split_value):
            coord = t.gather(1, _take(dim, node)[:, None])[:, 0]
            node = 2 * node + (coord >= _take(value, node)).long()
        return node


def _box_gap_sq(lo_a: torch.Tensor, hi_a: torch.Tensor, lo_b: torch.Tensor, hi_b: torch.Tensor) -> torch.Tensor:
    """Squared distance between paired axis-aligned boxes (row i of a with row i of b)."""
    gap = torch.clamp(torch.maximum(lo_b - hi_a, lo_a - hi_b), min=0.0)
    return (gap * gap).sum(-1)


def merge_identical_centres(centers: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The same mixture with fewer components: identical centres (n, d) merged into one
    carrying their summed weight, and components of weight 0 dropped."""
    keep = weights > 0
    if not bool(keep.all()):
        centers, weights = centers[keep], weights[keep]
    # Distinct values of a generic projection prove the rows distinct (the common case), cheaply.
    direction = torch.linspace(1.0, 2.0, centers.shape[1], dtype=centers.dtype, device=centers.device).sqrt()
    projected = torch.sort(centers @ direction).values
    if not bool((projected[1:] == projected[:-1]).any()):
        return centers, weights
    uniq, inverse = torch.unique(centers, dim=0, return_inverse=True)
    if uniq.shape[0] == centers.shape[0]:
        return centers, weights
    return uniq, torch.zeros(uniq.shape[0], dtype=weights.dtype, device=weights.device).index_add_(0, inverse, weights)


def _leaf_pair_log_sums(
    q_rows: torch.Tensor, c_mean: torch.Tensor, c_aug: torch.Tensor, qi: torch.Tensor, ci: torch.Tensor, inv2b2: float,
    work: torch.Tensor | None = None,
) -> torch.Tensor:
    """log Σ_j over centre leaf ci[p], at every point of query leaf qi[p]: (pairs, leaf_q).

    ``c_aug[c]`` is the (d+1, leaf_c) matrix [μ_j − m_c scaled by 1/β² ; log w_j − ‖μ_j − m_c‖²/(2β²)],
    so one batched product of [t − m_c, 1] with it gives every logit (no extra pass for the bias).
    """
    q = _take(q_rows, qi) - _take(c_mean, ci)[:, None, :]  # relative to the centre leaf's mean: accurate at small β
    q_norm = (q * q).sum(-1)
    q_aug = torch.cat([q, torch.ones_like(q[..., :1])], dim=-1)
    if work is None:
        logits = torch.bmm(q_aug, _take(c_aug, ci))
    else:
        logits = torch.bmm(q_aug, _take(c_aug, ci), out=work[: qi.shape[0]])
    return logsumexp_rows_(logits) - inv2b2 * q_norm


def _augmented_centres(c_centred: torch.Tensor, c_col: torch.Tensor, inv2b2: float) -> torch.Tensor:
    """Per leaf, [2 inv2b2 · (μ − m)ᵀ ; log w − inv2b2 ‖μ − m‖²]: (leaves, d+1, leaf_c)."""
    return torch.cat([c_centred.transpose(1, 2) * (2.0 * inv2b2), c_col[:, None, :]], dim=1).contiguous()


def _node_moments(rows: torch.Tensor, w: torch.Tensor, depth: int) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    """Per level (root first): total weight W, weighted mean c̄ and E‖μ − c̄‖² of every node."""
    W = w.sum(1)
    s1 = (w[..., None] * rows).sum(1)
    s2 = (w * (rows * rows).sum(-1)).sum(1)
    Ws, S1, S2 = [W], [s1], [s2]
    for _ in range(depth):
        Ws.insert(0, Ws[0][0::2] + Ws[0][1::2])
        S1.insert(0, S1[0][0::2] + S1[0][1::2])
        S2.insert(0, S2[0][0::2] + S2[0][1::2])
    means, spreads = [], []
    for W_l, s1_l, s2_l in zip(Ws, S1, S2):
        safe = torch.where(W_l > 0, W_l, torch.ones_like(W_l))
        mean = s1_l / safe[:, None]
        means.append(mean)
        spreads.append(torch.clamp(s2_l / safe - (mean * mean).sum(-1), min=0.0))
    return Ws, means, spreads


def _merge_into(acc: torch.Tensor, q: torch.Tensor, part: torch.Tensor) -> torch.Tensor:
    """acc[q[p]] ← logaddexp(acc[q[p]], part[p]) for every pair p (q may repeat).

    Only the rows of ``acc`` that ``q`` touches are read and written, so a
    chunk costs O(chunk), not O(len(acc)).
    """
    rows, slot = torch.unique(q, return_inverse=True)
    current = _take(acc, rows)
    idx = slot[:, None].expand_as(part)
    new_max = current.scatter_reduce(0, idx, part, reduce="amax", include_self=True)
    new_max = torch.where(torch.isfinite(new_max), new_max, torch.zeros_like(new_max))
    total = torch.exp(current - new_max).scatter_add_(0, idx, torch.exp(part - _take(new_max, slot)))
    acc[rows] = new_max + torch.log(total)
    return acc


def _tree_depth(count: int, leaf_size: int) -> int:
    """Levels of a kd-tree with leaves of about ``leaf_size`` rows (none empty)."""
    depth = max(0, math.ceil(math.log2(max(1, count / leaf_size))))
    return min(depth, max(0, math.floor(math.log2(max(1, count)))))


def _log_density_pruned(
    points: torch.Tensor, centers: torch.Tensor, weights: torch.Tensor, beta: float, tol: float,
    rtol: float = 0.0, leaf_size: int = LEAF_SIZE, query_leaf_size: int = QUERY_LEAF_SIZE,
) -> torch.Tensor:
    """Dual-tree evaluation; exact up to e^(−tol), or within relative error ``rtol`` if rtol > 0.

    With rtol > 0 two approximations are allowed, each within rtol/2 of the
    density: far node pairs are dropped, and a centre node that is tight
    compared with β is summarised by its weight W, mean c̄ and spread
    v = E‖μ − c̄‖²/(2β²):
        log Σ_j w_j e^{−‖t−μ_j‖²/(2β²)} ≈ log W − ‖t − c̄‖²/(2β²) − v + ρ²/4,
    with error at most ρ²/4, ρ = (‖t − c̄‖ r + r²/2)/β² and r the node's radius
    (Hoeffding's lemma). The approximation is used where ρ² ≤ 2 rtol.
    """
    centers, weights = merge_identical_centres(centers, weights)
    log_w = torch.log(weights)
    k, n = points.shape[0], centers.shape[0]
    # The query tree goes deeper than the centre tree: small query leaves have tight boxes
    # (in d = 10 a 32-point box is wide in most coordinates), which is what prunes pairs.
    depth_c = _tree_depth(n, leaf_size)
    depth_q = max(depth_c, _tree_depth(k, query_leaf_size))
    qt, ct = KDTree(points, depth_q), KDTree(centers, depth_c)
    inv2b2 = 0.5 / (beta * beta)
    device = points.device

    lw = torch.where(ct.valid, _take(log_w, ct.index), torch.full_like(ct.rows[..., 0], -math.inf))
    c_mean = ct.rows.mean(1)
    c_centred = ct.rows - c_mean[:, None, :]
    c_aug = _augmented_centres(c_centred, lw - inv2b2 * (c_centred * c_centred).sum(-1), inv2b2)
    node_w, node_mean, node_spread = _node_moments(ct.rows, torch.exp(lw), depth_c)
    node_log_w = [torch.log(W) for W in node_w]

    # Lower bound per point: the exact sum over the centre leaf it falls in.
    home = _take(ct.route(points), qt.index)  # (leaves, leaf_q)
    flat_rows, flat_home = qt.rows.reshape(-1, 1, points.shape[1]), home.reshape(-1)
    step = max(1, PAIRS_PER_CHUNK // ct.leaf)
    own = torch.cat([
        _leaf_pair_log_sums(flat_rows, c_mean, c_aug, torch.arange(s0, min(s0 + step, flat_home.numel()), device=device),
                            flat_home[s0 : s0 + step], inv2b2)
        for s0 in range(0, flat_home.numel(), step)
    ]).view(home.shape)
    bound = torch.where(qt.valid, own, torch.full_like(own, math.inf)).amin(1)  # per query leaf
    bounds = [bound]
    for _ in range(depth_q):
        bounds.insert(0, torch.minimum(bounds[0][0::2], bounds[0][1::2]))
    # Everything dropped, over all levels, sums to at most e^(−tol) (or rtol/2) of the density.
    drop_budget = math.log(2.0 / rtol) if rtol > 0 else tol
    slack = drop_budget + math.log(2 * ct.rows.shape[0])

    acc = torch.full(qt.valid.shape, -math.inf, dtype=points.dtype, device=device)
    work = torch.empty((max(1, PAIRS_PER_CHUNK // (qt.leaf * ct.leaf)), qt.leaf, ct.leaf), dtype=points.dtype, device=device)
    both_q = torch.tensor([0, 0, 1, 1], device=device)
    both_c = torch.tensor([0, 1, 0, 1], device=device)
    one = torch.tensor([0, 1], device=device)

    def keep_mask(lq: int, lc: int, qi: torch.Tensor, ci: torch.Tensor) -> torch.Tensor:
        """Pairs whose weight bound is not negligible, computed in bounded slices."""
        parts = []
        for s0 in range(0, qi.shape[0], PAIRS_PER_CHUNK):
            q, c = qi[s0 : s0 + PAIRS_PER_CHUNK], ci[s0 : s0 + PAIRS_PER_CHUNK]
            gap = _box_gap_sq(_take(qt.lo[lq], q), _take(qt.hi[lq], q), _take(ct.lo[lc], c), _take(ct.hi[lc], c))
            parts.append(_take(node_log_w[lc], c) - inv2b2 * gap >= _take(bounds[lq], q) - slack)
        return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.bool, device=device)

    def summarisable(lq: int, lc: int, qi: torch.Tensor, ci: torch.Tensor):
        """Which pairs the moment summary may replace, with the centre nodes' means and radii."""
        mean = _take(node_mean[lc], ci)
        radius = torch.maximum(_take(ct.hi[lc], ci) - mean, mean - _take(ct.lo[lc], ci)).norm(dim=-1)
        far = torch.maximum((_take(qt.hi[lq], qi) - mean).abs(), (_take(qt.lo[lq], qi) - mean).abs()).norm(dim=-1)
        rho = (far * radius + 0.5 * radius * radius) / (beta * beta)
        return rho * rho <= 2.0 * rtol, mean, radius

    def descend(lq: int, lc: int, qi: torch.Tensor, ci: torch.Tensor) -> None:
        """Prune, summarise and split node pairs from levels (lq, lc) down; evaluate surviving leaf pairs."""
        nonlocal acc
        while True:
            keep = keep_mask(lq, lc, qi, ci)
            qi, ci = qi[keep], ci[keep]
            if rtol > 0 and qi.numel():
                summarise, mean, radius = summarisable(lq, lc, qi, ci)
                if bool(summarise.any()):
                    qs, cs = qi[summarise], ci[summarise]
                    acc = _merge_summaries(acc, qt, lq, qs, mean[summarise], radius[summarise],
                                           _take(node_log_w[lc], cs), _take(node_spread[lc], cs), beta)
                    qi, ci = qi[~summarise], ci[~summarise]
            if lq == depth_q and lc == depth_c:
                break
            # Surviving pairs become the pairs of their children (both trees, or the deeper one).
            if lq < depth_q and lc < depth_c:
                qi = (2 * qi[:, None] + both_q).reshape(-1)
                ci = (2 * ci[:, None] + both_c).reshape(-1)
                lq, lc = lq + 1, lc + 1
            elif lq < depth_q:
                qi = (2 * qi[:, None] + one).reshape(-1)
                ci = ci.repeat_interleave(2)
                lq += 1
            else:
                qi = qi.repeat_interleave(2)
                ci = (2 * ci[:, None] + one).reshape(-1)
                lc += 1
            if qi.shape[0] > MAX_CANDIDATES:  # depth-first on slices: memory stays bounded
                for s0 in range(0, qi.shape[0], MAX_CANDIDATES // 4):
                    descend(lq, lc, qi[s0 : s0 + MAX_CANDIDATES // 4], ci[s0 : s0 + MAX_CANDIDATES // 4])
                return
        order = torch.argsort(qi, stable=True)  # chunks then touch few query leaves
        qi, ci = qi[order], ci[order]
        for s0 in range(0, qi.shape[0], work.shape[0]):
            q_chunk, c_chunk = qi[s0 : s0 + work.shape[0]], ci[s0 : s0 + work.shape[0]]
            acc = _merge_into(acc, q_chunk, _leaf_pair_log_sums(qt.rows, c_mean, c_aug, q_chunk, c_chunk, inv2b2, work))

    root = torch.zeros(1, dtype=torch.long, device=device)
    descend(0, 0, root, root)

    out = torch.empty(k, dtype=points.dtype, device=device)
    out[qt.index[qt.valid]] = acc[qt.valid]
    return out


def _merge_summaries(
    acc: torch.Tensor, qt: KDTree, level: int, qi: torch.Tensor, mean: torch.Tensor,
    radius: torch.Tensor, log_w: torch.Tensor, spread: torch.Tensor, beta: float,
) -> torch.Tensor:
    """Add the moment summaries of centre nodes to every point of query nodes ``qi`` (at ``level``)."""
    nodes = 1 << level
    size = qt.rows.shape[0] // nodes * qt.leaf
    rows = qt.rows.view(nodes, size, -1)
    acc_level = acc.view(nodes, size)
    per_chunk = max(1, PAIRS_PER_CHUNK // (size * rows.shape[-1]))
    inv2b2 = 0.5 / (beta * beta)
    for start in range(0, qi.shape[0], per_chunk):
        sl = slice(start, start + per_chunk)
        diff = _take(rows, qi[sl]) - mean[sl][:, None, :]
        dist = (diff * diff).sum(-1)  # (pairs, size)
        rho = (dist.sqrt() * radius[sl][:, None] + 0.5 * radius[sl][:, None] ** 2) / (beta * beta)
        part = log_w[sl][:, None] - inv2b2 * dist - inv2b2 * spread[sl][:, None] + 0.25 * rho * rho
        acc_level = _merge_into(acc_level, qi[sl], part)
    return acc_level.view_as(acc)


def mixture_log_density(
    points: Any, centers: Any, beta: float, weights: Any = None, *, log_tolerance: float = LOG_TOLERANCE,
    rtol: float = 0.0,
) -> torch.Tensor:
    """Log-density of an isotropic Gaussian mixture at each point, in nats.

    ``log g(t_i) = log Σ_j w_j N(t_i; μ_j, β² I_d)`` for points ``t`` of shape
    (k, d) (or (k,) in one dimension) and centres ``μ`` of shape (n, d);
    ``weights`` default to 1/n. Batched input, points (B, k, d) with centres
    (B, n, d) and weights (B, n), gives B independent mixtures (dense path).

    Computed in float64 on the centres' device. Terms are dropped only where
    their total is provably below e^(−log_tolerance) of the density, so the
    result is low by at most that relative amount (4e−18 by default).
    ``rtol > 0`` allows, like scikit-learn's ``KernelDensity(rtol=...)``, a
    relative error of the density up to ``rtol`` (|error of log g| ≤ rtol
    to first order) in exchange for speed on large, clustered inputs.

    Returns a float64 tensor of shape (k,) (or (B, k)).
    """
    b = check_beta(beta)
    if not (isinstance(log_tolerance, (int, float)) and log_tolerance >= 1):
        raise ValueError(f"log_tolerance: must be a number >= 1, got {log_tolerance!r}")
    if not (isinstance(rtol, (int, float)) and 0 <= rtol < 0.5):
        raise ValueError(f"rtol: must be a number in [0, 0.5), got {rtol!r}")
    p, c = _as_points_and_centers(points, centers)
    d = c.shape[-1]
    with torch.no_grad():
        w = check_weights(weights, tuple(c.shape[:-1]) if c.ndim == 3 else c.shape[0], device=c.device)
        if c.ndim == 3 or p.shape[0] * c.shape[0] <= DENSE_PAIRS:
            dens = _log_density_dense(p, c, torch.log(w), b)
        else:
            dens = _log_density_pruned(p, c, w, b, float(log_tolerance), float(rtol))
        return dens - 0.5 * d * math.log(2.0 * math.pi * b * b)


__all__ = ["mixture_log_density", "KDTree", "logsumexp_rows_", "LOG_TOLERANCE"]
