"""Compiled kd-tree evaluation of the mixture kernel on the CPU (numba).

Computes, for every point t, the unnormalised log-sum

    log Σ_j w_j exp(−‖t − μ_j‖² / (2β²))                      (nats)

within a relative error ``eps`` of the sum, visiting only the centers that
matter. The centers go into a balanced kd-tree (median splits along the
widest coordinate, leaves of ``LEAF_SIZE``). Each point, in parallel:

1. descends to the leaf nearest to it, leaving the farther sibling of every
   level on a stack, and sums that leaf exactly: a lower bound L on its sum;
2. pops nodes nearest-first. A node of weight W whose box is D away
   contributes at most W·K_max, K_max = exp(−D²/(2β²)). It is dropped when
   K_max ≤ eps·L, that is W·K_max ≤ eps·L·W: every dropped node and every
   skipped term w_j K_j ≤ eps·L·w_j spends a share of the budget in
   proportion to its weight, so all of them together stay below eps·L ≤ eps·g;
3. with ``approximate`` (the rtol mode), a node whose kernel values lie in
   [K_min, K_max] with K_max − K_min ≤ 2 eps L is added as W (K_max + K_min)/2,
   an error of at most eps·L·W: the same budget. This summarises tight
   clusters, as scikit-learn's ``KernelDensity(rtol=...)`` does;
4. otherwise a leaf is summed exactly (squared distances by explicit
   differences, so no cancellation at small β) and an inner node's children
   are pushed.

Sums are kept relative to the largest term seen so far, so nothing
underflows: a point far from every center still gets a finite log-density.
Exact mode is eps = e^(−40): the result is low by at most 4e−18 relative.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

#: Centers per leaf. Larger leaves mean fewer node visits and more terms per visit;
#: 64 was fastest over the benchmark cases (16 and 32: 5–30 % slower at n = 40 960).
LEAF_SIZE = 64
#: Points handed to a thread at a time (they are in tree order, so neighbours share cache).
POINTS_PER_TASK = 64
#: Points per compiled call (at most a few seconds each, so that Ctrl-C is not held up for long).
POINTS_PER_CALL = 1 << 16


def tree_depth(n: int, leaf_size: int = LEAF_SIZE) -> int:
    """Levels of a balanced kd-tree over ``n`` rows with leaves of at most about ``leaf_size``."""
    return max(0, math.ceil(math.log2(max(1.0, n / leaf_size))))


@nb.njit(cache=True, inline="always")
def _column_range(x: np.ndarray, order: np.ndarray, start: int, stop: int, c: int) -> tuple[float, float]:
    """Smallest and largest of column c over rows order[start:stop] of x."""
    low, high = np.inf, -np.inf
    for r in range(start, stop):
        v = x[order[r], c]
        low, high = min(low, v), max(high, v)
    return low, high


@nb.njit(cache=True, parallel=True)
def kd_order(x: np.ndarray, depth: int) -> np.ndarray:
    """The row order of a balanced kd-tree over the rows of ``x`` (n, d), in heap layout.

    Node ``2**l − 1 + i`` (level l, i-th from the left) holds rows
    ``order[(i n) >> l : ((i + 1) n) >> l]``: each split is at the median of
    the node's widest coordinate, so children differ in size by at most one
    and no index arrays are stored.
    """
    n, d = x.shape
    order = np.arange(n)
    for level in range(depth):
        for i in nb.prange(1 << level):
            start, stop = (i * n) >> level, ((i + 1) * n) >> level
            widest, width = 0, -1.0
            for c in range(d):
                low, high = _column_range(x, order, start, stop, c)
                if high - low > width:
                    widest, width = c, high - low
            keys = np.empty(stop - start)
            for r in range(start, stop):
                keys[r - start] = x[order[r], widest]
            perm = np.argsort(keys)  # quicksort: deterministic, and ties may go either way
            segment = order[start:stop].copy()
            for r in range(stop - start):
                order[start + r] = segment[perm[r]]
    return order


@nb.njit(cache=True, parallel=True)
def node_boxes(x: np.ndarray, order: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounding boxes ``lo``, ``hi`` (2**(depth+1) − 1, d) of every node of :func:`kd_order`'s tree."""
    n, d = x.shape
    first_leaf = (1 << depth) - 1
    lo = np.empty((2 * first_leaf + 1, d))
    hi = np.empty((2 * first_leaf + 1, d))
    for i in nb.prange(1 << depth):
        for c in range(d):
            lo[first_leaf + i, c], hi[first_leaf + i, c] = _column_range(
                x, order, (i * n) >> depth, ((i + 1) * n) >> depth, c)
    for node in range(first_leaf - 1, -1, -1):
        for c in range(d):
            lo[node, c] = min(lo[2 * node + 1, c], lo[2 * node + 2, c])
            hi[node, c] = max(hi[2 * node + 1, c], hi[2 * node + 2, c])
    return lo, hi


#: exp(r) on |r| ≤ ln2/2 by its Taylor polynomial to degree 13 (relative error < 1e-17).
_EXP_TAYLOR = tuple(1.0 / math.factorial(i) for i in range(14))
_LOG2E = 1.4426950408889634
_LN2_HI = 0.693147180369123816490  # ln 2 split so that k · _LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10


@nb.njit(cache=True, inline="always")
def _exp_into(x: np.ndarray, size: int, shift: float, mantissa: np.ndarray, exponent_bits: np.ndarray) -> None:
    """exp(x_j − shift) = mantissa_j · 2^k_j for j < size (x_j ≤ shift; −inf gives 0).

    A loop the compiler vectorises: libm's exp is called one value at a time.
    Arguments below −700 give 0 (exp(−700) < 1e−304: negligible in every sum here).
    """
    c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 = _EXP_TAYLOR
    for j in range(size):
        y = x[j] - shift
        keep = y >= -700.0
        y = max(y, -700.0)
        k = math.floor(y * _LOG2E + 0.5)
        r = (y - k * _LN2_HI) - k * _LN2_LO
        p = c0 + r * (c1 + r * (c2 + r * (c3 + r * (c4 + r * (c5 + r * (c6 + r * (
            c7 + r * (c8 + r * (c9 + r * (c10 + r * (c11 + r * (c12 + r * c13))))))))))))
        mantissa[j] = p if keep else 0.0
        exponent_bits[j] = (np.int64(k) + 1023) << 52


@nb.njit(cache=True, inline="always")
def _box_gap_sq(lo: np.ndarray, hi: np.ndarray, node: int, t: np.ndarray) -> float:
    """Squared distance from point t to the box of ``node`` (0 inside it)."""
    total = 0.0
    for c in range(t.shape[0]):
        gap = max(lo[node, c] - t[c], t[c] - hi[node, c], 0.0)
        total += gap * gap
    return total


@nb.njit(cache=True, parallel=True)
def tree_log_sums(
    points: np.ndarray, centers_t: np.ndarray, log_w: np.ndarray, node_log_w: np.ndarray,
    lo: np.ndarray, hi: np.ndarray, depth: int, inv2b2: float, log_eps: float, approximate: bool,
) -> np.ndarray:
    """log Σ_j w_j exp(−‖t − μ_j‖² inv2b2) at every point, within relative error e^log_eps.

    ``centers_t`` (d, n) and ``log_w`` are in tree order (see :func:`kd_order`),
    ``node_log_w`` is the log total weight of every node. Algorithm: module docstring.
    """
    k, d = points.shape
    n = centers_t.shape[1]
    out = np.empty(k)
    first_leaf = (1 << depth) - 1
    eps = math.exp(log_eps)
    max_leaf = (n + (1 << depth) - 1) >> depth
    tasks = (k + POINTS_PER_TASK - 1) // POINTS_PER_TASK
    for task in nb.prange(tasks):
        stack = np.empty(depth + 1, dtype=np.int64)  # one far sibling per level, and a near child
        stack_gap = np.empty(depth + 1)
        dist = np.empty(max_leaf)
        logit = np.empty(max_leaf)
        mantissa = np.empty(max_leaf)
        exponent_bits = np.empty(max_leaf, dtype=np.int64)
        exponent = exponent_bits.view(np.float64)  # 2^k, assembled bit by bit in exponent_bits
        for q in range(task * POINTS_PER_TASK, min(k, (task + 1) * POINTS_PER_TASK)):
            t = points[q]
            # Until the first leaf is summed nothing can be dropped (L = 0), so the loop
            # below first walks down to the nearest leaf, leaving the farther siblings stacked.
            node, top = 0, 0
            shift = -np.inf  # largest log-term so far; sums are in units of e^shift
            total = 0.0  # the estimate
            lower = 0.0  # a lower bound on the sum (differs from total only by summaries)
            log_lower = -np.inf
            while node >= 0:
                if node >= first_leaf:
                    leaf = node - first_leaf
                    start = (leaf * n) >> depth
                    size = (((leaf + 1) * n) >> depth) - start
                    # Vectorised over the leaf: squared distances, then one max and one exp pass.
                    for j in range(size):
                        dist[j] = 0.0
                    for c in range(d):
                        tc = t[c]
                        for j in range(size):
                            diff = tc - centers_t[c, start + j]
                            dist[j] += diff * diff
                    threshold = log_lower + log_eps  # terms below it are within the budget
                    top_term = -np.inf
                    for j in range(size):
                        kernel = -dist[j] * inv2b2
                        term = log_w[start + j] + kernel if kernel >= threshold else -np.inf
                        logit[j] = term
                        top_term = max(top_term, term)
                    if top_term > shift:
                        rescale = math.exp(shift - top_term)
                        total, lower, shift = total * rescale, lower * rescale, top_term
                    leaf_sum = 0.0
                    _exp_into(logit, size, shift, mantissa, exponent_bits)
                    for j in range(size):
                        leaf_sum += mantissa[j] * exponent[j]
                    total += leaf_sum
                    lower += leaf_sum
                    log_lower = shift + math.log(lower)
                else:
                    left = 2 * node + 1
                    gap_l, gap_r = _box_gap_sq(lo, hi, left, t), _box_gap_sq(lo, hi, left + 1, t)
                    near, far, gap_near, gap_far = (
                        (left, left + 1, gap_l, gap_r) if gap_l <= gap_r else (left + 1, left, gap_r, gap_l))
                    stack[top], stack_gap[top] = far, gap_far
                    stack[top + 1], stack_gap[top + 1] = near, gap_near
                    top += 2
                # The next node that is not negligible, nearest first.
                node = -1
                while top > 0:
                    top -= 1
                    log_k_max = -stack_gap[top] * inv2b2
                    if log_k_max < log_lower + log_eps:
                        continue  # W K_max < eps L W: dropped within the budget
                    candidate = stack[top]
                    if approximate and lower > 0.0:  # no bound yet (walking down): nothing to summarise
                        far_sq = 0.0
                        for c in range(d):
                            f = max(t[c] - lo[candidate, c], hi[candidate, c] - t[c])
                            far_sq += f * f
                        k_max = math.exp(log_k_max - shift)
                        k_min = math.exp(-far_sq * inv2b2 - shift)
                        if k_max - k_min <= 2.0 * eps * lower:
                            w = math.exp(node_log_w[candidate])
                            total += 0.5 * w * (k_max + k_min)
                            lower += w * k_min
                            log_lower = shift + math.log(lower)
                            continue
                    node = candidate
                    break
            out[q] = shift + math.log(total)
    return out


@nb.njit(cache=True)
def node_log_weights(log_w_sorted: np.ndarray, depth: int) -> np.ndarray:
    """log of the total weight of every node of the heap-layout tree."""
    n = log_w_sorted.shape[0]
    first_leaf = (1 << depth) - 1
    weight = np.zeros((1 << (depth + 1)) - 1)
    for i in range(1 << depth):
        for j in range((i * n) >> depth, ((i + 1) * n) >> depth):
            weight[first_leaf + i] += math.exp(log_w_sorted[j])
    for node in range(first_leaf - 1, -1, -1):
        weight[node] = weight[2 * node + 1] + weight[2 * node + 2]
    return np.log(weight)


def log_sums(points: np.ndarray, centers: np.ndarray, log_w: np.ndarray, beta: float, log_eps: float,
             approximate: bool, threads: int) -> np.ndarray:
    """Unnormalised ``log Σ_j w_j exp(−‖t − μ_j‖²/(2β²))`` at each point, within relative error e^log_eps.

    ``points`` (k, d), ``centers`` (n, d) float64; ``log_w`` (n,) finite (no zero
    weights), summing to 1 in probability. ``threads`` caps numba's threads.
    """
    depth = tree_depth(centers.shape[0])
    order = kd_order(centers, depth)
    lo, hi = node_boxes(centers, order, depth)
    sorted_log_w = np.ascontiguousarray(log_w[order])
    # Points in tree order too: neighbours then run on one thread and share what they touch.
    point_order = kd_order(points, tree_depth(points.shape[0], POINTS_PER_TASK))
    sorted_points = np.ascontiguousarray(points[point_order])
    args = (np.ascontiguousarray(centers[order].T), sorted_log_w, node_log_weights(sorted_log_w, depth), lo, hi,
            depth, 0.5 / (beta * beta), log_eps, approximate)
    sums = np.empty(points.shape[0])
    previous = nb.get_num_threads()
    nb.set_num_threads(max(1, min(threads, nb.config.NUMBA_NUM_THREADS)))
    try:
        # Compiled code does not see Ctrl-C: in slices of a few seconds, an interrupt is felt soon.
        for start in range(0, points.shape[0], POINTS_PER_CALL):
            sums[start : start + POINTS_PER_CALL] = tree_log_sums(sorted_points[start : start + POINTS_PER_CALL], *args)
    finally:
        nb.set_num_threads(previous)
    out = np.empty_like(sums)
    out[point_order] = sums
    return out
