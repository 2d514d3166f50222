"""Estimators against ground truth: closed forms, exact quadrature, brute force, invariants."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
import torch

from ipcore.estimators import (
    binned_entropy,
    binned_mutual_information,
    gaussian_channel_mutual_information,
    gaussian_entropy,
    gaussian_mixture_entropy,
    jointly_gaussian_mutual_information,
    kde_entropy_bounds,
    kde_mutual_information,
    mixture_entropy_1d,
    mixture_log_density,
    bin_codes,
    kde_information_batch,
    sp_mutual_information,
    two_point_mutual_information,
)
from ipcore.config import torch_threads
from ipcore.estimators import kernel


def brute_log_density(points: np.ndarray, centers: np.ndarray, beta: float, weights=None) -> np.ndarray:
    """float64 log-sum-exp over explicit squared differences, in row chunks."""
    n, d = centers.shape
    with np.errstate(divide="ignore"):  # zero weights are −inf terms
        logw = np.log(np.full(n, 1.0 / n) if weights is None else np.asarray(weights))
    out = []
    for chunk in np.array_split(points, max(1, len(points) // 256)):
        logits = logw - ((chunk[:, None, :] - centers[None]) ** 2).sum(-1) / (2 * beta**2)
        mx = logits.max(1, keepdims=True)
        out.append(mx[:, 0] + np.log(np.exp(logits - mx).sum(1)))
    return np.concatenate(out) - 0.5 * d * math.log(2 * math.pi * beta**2)


def clustered(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    center = 3 * rng.normal(size=(8, d))
    spread = np.exp(rng.uniform(np.log(0.01), 0, size=8))
    lab = rng.integers(0, 8, n)
    return np.tanh(center[lab] + spread[lab, None] * rng.normal(size=(n, d)))


# --------------------------------------------------------------------------- kernel

@pytest.mark.parametrize("d, beta", [(2, 0.05), (5, 0.005), (10, 0.005), (10, 0.05)])
def test_pruned_kernel_matches_brute_force(d, beta):
    centers = clustered(3000, d, seed=d)
    points = centers + beta * np.random.default_rng(1).normal(size=centers.shape)
    assert points.shape[0] * centers.shape[0] > kernel.DENSE_PAIRS  # exercises the tree path
    got = mixture_log_density(points, centers, beta).numpy()
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, brute_log_density(points, centers, beta), rtol=0, atol=1e-9)


def test_pruned_kernel_handles_duplicates_weights_and_far_points():
    rng = np.random.default_rng(2)
    centers = np.repeat(clustered(600, 3, seed=3), 4, axis=0)  # every center four times
    weights = rng.uniform(size=len(centers))
    weights[::7] = 0.0
    weights /= weights.sum()
    points = np.concatenate([centers[:2000] + 0.01 * rng.normal(size=(2000, 3)), np.full((100, 3), 5.0)])
    got = mixture_log_density(points, centers, 0.01, weights).numpy()
    np.testing.assert_allclose(got, brute_log_density(points, centers, 0.01, weights), rtol=0, atol=1e-9)


@pytest.mark.parametrize("rtol", [1e-3, 1e-2])
def test_relative_tolerance_mode_stays_within_rtol(rtol):
    centers = clustered(4000, 3, seed=5)
    points = centers + 0.05 * np.random.default_rng(6).normal(size=centers.shape)
    got = mixture_log_density(points, centers, 0.05, rtol=rtol).numpy()
    error = np.abs(got - brute_log_density(points, centers, 0.05)).max()
    # within rtol, and really approximate: it uses the error it is allowed (measured 0.33·rtol,
    # 0.31·rtol), where exact mode errs by 2e-15; a kernel that ignored rtol would fail here
    assert rtol / 30 < error <= rtol


def test_batched_kernel_equals_separate_calls():
    rng = np.random.default_rng(7)
    centers = rng.normal(size=(5, 20, 3))
    points = rng.normal(size=(5, 30, 3))
    got = mixture_log_density(points, centers, 0.3)
    for b in range(5):
        np.testing.assert_allclose(got[b].numpy(), brute_log_density(points[b], centers[b], 0.3), atol=1e-10)


def test_large_low_dimensional_batches_take_the_tree_mixture_by_mixture(monkeypatch):
    """An ensemble's layers (3 networks, d = 8, 1100 points each: over DENSE_PAIRS per mixture)
    go to the kd-tree, each with its own weights (zero weights too); d = 9 stays dense."""
    rng = np.random.default_rng(11)
    centers = np.stack([clustered(1100, 8, seed=s) for s in (1, 2, 3)])
    weights = rng.uniform(size=(3, 1100))
    weights[1, ::5] = 0.0
    weights /= weights.sum(1, keepdims=True)
    assert 1100 * 1100 > kernel.DENSE_PAIRS
    trees = []
    real = kernel._log_density_tree
    monkeypatch.setattr(kernel, "_log_density_tree", lambda *a, **k: trees.append(1) or real(*a, **k))
    got = mixture_log_density(centers, centers, 0.03, weights).numpy()
    assert len(trees) == 3
    for b in range(3):
        np.testing.assert_allclose(got[b], brute_log_density(centers[b], centers[b], 0.03, weights[b]), rtol=0, atol=1e-9)
    wide = np.concatenate([centers, centers[..., :1] ** 2], axis=-1)  # d = 9
    got = mixture_log_density(wide, wide, 0.03).numpy()
    assert len(trees) == 3  # the dense product
    np.testing.assert_allclose(got[2], brute_log_density(wide[2], wide[2], 0.03), rtol=0, atol=1e-9)


@pytest.mark.parametrize("k, n, d", [(150_000, 10, 2), (20, 60_000, 1), (3, 500_000, 3)])
def test_tree_path_with_lopsided_sizes(k, n, d):
    """One leaf and many points; few points and a deep tree (a 1-D mixture); points far outside."""
    rng = np.random.default_rng(k)
    centers = np.tanh(2 * rng.normal(size=(n, d)))
    near = centers[rng.integers(0, n, k - 1)] + 0.02 * rng.normal(size=(k - 1, d))
    points = np.concatenate([near, np.full((1, d), -4.0)])
    assert k * n > kernel.DENSE_PAIRS
    got = mixture_log_density(points, centers, 0.02).numpy()
    np.testing.assert_allclose(got, brute_log_density(points, centers, 0.02), rtol=0, atol=1e-9)


@pytest.mark.parametrize("case", ["separated", "far off-centre, unequal weights", "zero weights", "batch of two",
                                  "near: dense"])
def test_wide_mixtures_screened_in_float32_equal_brute_force(case, monkeypatch):
    """d >= 64 and >= 2^20 pairs: a float32 screen, exact float64 on what it keeps; as exact as brute force."""
    rng = np.random.default_rng(8)
    d, k, beta = 96, 1100, 0.3
    centers = np.tanh(clustered(k, d, seed=9) + 0.5 * rng.normal(size=(k, d)))
    points = centers + beta * rng.normal(size=centers.shape)
    weights = None
    if case == "far off-centre, unequal weights":
        centers, points = centers + 1e3, points + 1e3  # the shift to the centers' mean keeps float32's digits
        weights = rng.uniform(size=k)
        weights /= weights.sum()
    if case == "zero weights":  # −inf terms: never kept, and they leave the error bound finite
        weights = np.r_[np.zeros(100), np.full(k - 100, 1.0 / (k - 100))]
        points = points[100:]  # near the others (a point whose own center weighs 0 has many near pairs)
    if case == "near: dense":
        beta = 3.0  # every pair counts: the screen keeps them all and gives way to the float64 product
    kept = []
    screened = kernel._screened_mixture
    monkeypatch.setattr(kernel, "_screened_mixture", lambda *a: kept.append(1) or screened(*a))
    dense = kernel._dense_block
    fell_back = []
    monkeypatch.setattr(kernel, "_dense_block", lambda *a: fell_back.append(1) or dense(*a))
    if case == "batch of two":
        got = mixture_log_density(np.stack([points, points[::-1]]), np.stack([centers, centers]), beta).numpy()
        expected = [brute_log_density(points, centers, beta), brute_log_density(points[::-1], centers, beta)]
        assert len(kept) == 2
    else:
        assert len(points) * k > kernel.DENSE_PAIRS  # 2-D and large: not the tree, slow in many dimensions
        got, expected = mixture_log_density(points, centers, beta, weights).numpy(), brute_log_density(points, centers, beta, weights)
        assert len(kept) == 1
    assert bool(fell_back) == (case == "near: dense")
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-10)


@pytest.mark.parametrize(("scale", "beta"), [(1e19, 1.0), (1.0, 1e-20)])
def test_wide_mixtures_beyond_float32_take_the_float64_product(scale, beta):
    rng = np.random.default_rng(10)
    centers = scale * rng.normal(size=(1024, 64))
    got = mixture_log_density(centers, centers, beta).numpy()
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, brute_log_density(centers, centers, beta), rtol=1e-13)


def test_the_screen_drops_by_the_callers_log_tolerance(monkeypatch):
    seen = []
    screened = kernel._screened_mixture
    monkeypatch.setattr(kernel, "_screened_mixture", lambda *a: seen.append(a[-1]) or screened(*a))
    centers = np.random.default_rng(11).normal(size=(1024, 64))
    mixture_log_density(centers, centers, 0.5, log_tolerance=20.0)
    assert seen == [20.0]


def test_vectorised_exp_matches_libm_to_round_off():
    from ipcore.estimators import tree

    x = np.concatenate([np.linspace(-700, 0, 100_001), [-np.inf, -800.0]])
    mantissa, bits = np.empty_like(x), np.empty(len(x), dtype=np.int64)
    tree._exp_into(x, len(x), 0.0, mantissa, bits)
    got = mantissa * bits.view(np.float64)
    np.testing.assert_allclose(got[:-2], np.exp(x[:-2]), rtol=4e-16, atol=0)
    assert got[-2] == 0.0 and got[-1] == 0.0  # −inf, and below the clamp


def test_kd_tree_is_a_permutation_with_nested_boxes_that_contain_their_rows():
    from ipcore.estimators import tree

    x = clustered(1000, 4, seed=8)
    depth = tree.tree_depth(1000, 16)
    order = tree.kd_order(x, depth)
    lo, hi = tree.node_boxes(x, order, depth)
    assert sorted(order.tolist()) == list(range(1000))
    first_leaf = (1 << depth) - 1
    for level in range(depth + 1):
        for i in range(1 << level):
            rows = x[order[(i * 1000) >> level : ((i + 1) * 1000) >> level]]
            node = (1 << level) - 1 + i
            np.testing.assert_array_equal(rows.min(0), lo[node])  # tight boxes
            np.testing.assert_array_equal(rows.max(0), hi[node])
            if level == depth:
                assert 1000 >> depth <= len(rows) <= (1000 >> depth) + 1  # balanced leaves
    assert lo.shape == (2 * first_leaf + 1, 4)


def test_the_tree_path_leaves_torchs_thread_count_as_it_found_it():
    # numba's OpenMP layer shares the runtime with torch: a chapter training on one thread
    # found itself on all of them after its first kd-tree estimate.
    c = torch.tensor(np.random.default_rng(0).uniform(-1, 1, (20000, 3)))
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        kernel.mixture_log_density(c[:3000], c, 0.05)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(previous)


def test_tree_path_is_deterministic_and_independent_of_threads():
    centers = clustered(3000, 3, seed=9)
    points = centers + 0.01 * np.random.default_rng(9).normal(size=centers.shape)
    one = mixture_log_density(points, centers, 0.01)
    with torch_threads(1):
        single = mixture_log_density(points, centers, 0.01)
    assert torch.equal(one, single)


# --------------------------------------------------------------------------- Monte Carlo entropy

@pytest.mark.parametrize("d, beta", [(1, 0.1), (10, 0.005)])
def test_one_component_entropy(d, beta, mc_seed):
    h, se = gaussian_mixture_entropy(np.zeros((1, d)), beta, n_mc=4000, seed=mc_seed, return_std=True, control_variate=False)
    assert abs(h - gaussian_entropy(d, beta)) < 4 * se
    # With the control variate, one Gaussian's estimate is its entropy to round-off.
    h, se = gaussian_mixture_entropy(np.zeros((1, d)), beta, n_mc=4000, seed=mc_seed, return_std=True)
    assert h == pytest.approx(gaussian_entropy(d, beta), abs=1e-12) and se < 1e-12
    assert gaussian_entropy(10, 0.005) == pytest.approx(-38.794, abs=1e-3)


def test_separated_components_add_ln_m(mc_seed):
    m, d, beta = 16, 4, 0.01
    centers = np.random.default_rng(0).permutation(np.eye(16)[:, :d] * 0 + np.arange(16)[:, None] * np.ones(d))
    h, se = gaussian_mixture_entropy(centers, beta, n_mc=200, seed=mc_seed, return_std=True)
    assert abs(h - (math.log(m) + gaussian_entropy(d, beta))) < max(4 * se, 1e-9)


@pytest.mark.parametrize("offset", [0, 1, 2])
def test_1d_monte_carlo_within_4_standard_errors_of_quadrature(offset, mc_seed):
    rng = np.random.default_rng(mc_seed + offset)
    points = np.tanh(2 * rng.normal(size=200))
    exact = mixture_entropy_1d(points, 0.05)
    h, se = gaussian_mixture_entropy(points, 0.05, n_mc=50, seed=mc_seed + offset, return_std=True)
    assert abs(h - exact) < 4 * se


def test_standard_error_shrinks_like_one_over_sqrt_n_times_n_mc():
    points = np.tanh(2 * np.random.default_rng(3).normal(size=(400, 2)))
    _, se10 = gaussian_mixture_entropy(points, 0.1, n_mc=10, seed=0, return_std=True)
    _, se40 = gaussian_mixture_entropy(points, 0.1, n_mc=40, seed=0, return_std=True)
    _, se_half = gaussian_mixture_entropy(points[:100], 0.1, n_mc=40, seed=0, return_std=True)
    assert se10 / se40 == pytest.approx(2.0, rel=0.15)
    assert se_half / se40 == pytest.approx(2.0, rel=0.25)
    # The reported error is honest: spread of independent estimates matches it.
    estimates = [gaussian_mixture_entropy(points, 0.1, n_mc=10, seed=s) for s in range(30)]
    assert np.std(estimates, ddof=1) == pytest.approx(se10, rel=0.4)


def test_entropy_is_reproducible_with_a_seed():
    points = np.random.default_rng(4).normal(size=(50, 3))
    assert gaussian_mixture_entropy(points, 0.2, seed=9) == gaussian_mixture_entropy(points, 0.2, seed=9)


# --------------------------------------------------------------------------- SP estimator

def test_sp_discrete_separated_inputs_give_ln_m(mc_seed):
    m, d, beta = 32, 5, 0.005
    rng = np.random.default_rng(mc_seed)
    centers = rng.uniform(-1, 1, size=(m, d))
    est = sp_mutual_information(centers, beta, n_mc=20, seed=mc_seed)
    assert est.mi == pytest.approx(math.log(m), abs=max(4 * est.mi_std, 1e-6))
    # Deeper layer: R noisy-pass replicas per input, tight compared with the spacing.
    replicas = centers[:, None, :] + 0.1 * beta * rng.normal(size=(m, 20, d))
    est2 = sp_mutual_information(replicas.reshape(-1, d), beta, conditional_centers=replicas, n_mc=5, seed=mc_seed + 1)
    assert est2.mi == pytest.approx(math.log(m), abs=4 * est2.mi_std + 0.01)
    assert est2.n_inputs == m and est2.dim == d


def test_sp_gaussian_input_through_noisy_linear_layer_matches_closed_form():
    rng = np.random.default_rng(1)
    A = np.array([[1.0, 0.3], [0.0, 0.5]])
    x = rng.normal(size=(20000, 2))
    sigma = 0.5
    truth = gaussian_channel_mutual_information(np.eye(2), A, sigma)
    est = sp_mutual_information(x @ A.T, sigma, n_mc=2, seed=0)
    assert est.mi == pytest.approx(truth, rel=0.02)


def test_sp_is_between_0_and_ln_m_up_to_mc_error(mc_seed):
    rng = np.random.default_rng(mc_seed)
    for trial in range(3):
        s = np.tanh(rng.normal(size=(64, 3)) * 2)
        replicas = np.tanh(np.arctanh(s)[:, None, :] + 0.2 * rng.normal(size=(64, 10, 3)))
        est = sp_mutual_information(replicas[:, 0, :], 0.05, conditional_centers=replicas, n_mc=10, seed=mc_seed + trial)
        assert -4 * est.mi_std <= est.mi <= math.log(64) + 4 * est.mi_std


def test_sp_negative_estimates_are_returned_and_flagged_not_clipped():
    centers = np.zeros((10, 2))  # h(T) is one Gaussian …
    spread = np.random.default_rng(3).normal(size=(10, 8, 2))  # … but each conditional is wider
    est = sp_mutual_information(centers, 0.1, conditional_centers=spread, n_mc=4, seed=0)
    assert est.mi < 0 and est.negative
    assert est.mi == est.h_t - est.h_t_given_x


def test_sp_first_layer_conditional_entropy_is_exact():
    est = sp_mutual_information(np.random.default_rng(4).normal(size=(100, 10)), 0.005, seed=0)
    assert est.h_t_given_x == pytest.approx(-38.794, abs=1e-3) and est.h_t_given_x_std == 0.0


# --------------------------------------------------------------------------- binning

def szt_patterns() -> np.ndarray:
    r = np.arange(4096)
    return ((r[:, None] >> np.arange(11, -1, -1)) & 1).astype(np.float64)


def test_binning_distinct_rows_give_ln_4096_and_a_constant_layer_gives_0():
    x = szt_patterns()
    assert binned_entropy(x * 0.3 + 0.01, width=0.1) == pytest.approx(math.log(4096), abs=1e-12)
    assert binned_entropy(np.full((4096, 5), 0.37), width=1e-4) == 0.0
    assert binned_entropy(np.tanh(x), bins=30, range=(-1, 1)) == pytest.approx(math.log(4096), abs=1e-12)


@pytest.mark.parametrize("width", [0.05, 0.3, 1.0])
def test_binning_matches_a_brute_force_dict_count(width):
    t = np.tanh(np.random.default_rng(5).normal(size=(2000, 3)) * 2)
    labels = (t[:, 0] > 0).astype(int)
    codes = [tuple(np.floor(row / width).astype(int)) for row in t]
    counts = np.array(list(Counter(codes).values())) / len(codes)
    h = -(counts * np.log(counts)).sum()
    assert binned_entropy(t, width=width) == pytest.approx(h, abs=1e-12)
    joint = np.array(list(Counter(zip(codes, labels)).values())) / len(codes)
    py = np.bincount(labels) / len(labels)
    mi = h - (py * np.log(py)).sum() + (joint * np.log(joint)).sum()
    assert binned_mutual_information(t, labels, width=width) == pytest.approx(mi, abs=1e-12)


def test_binned_information_about_the_input_index_is_the_binned_entropy():
    t = np.tanh(np.random.default_rng(6).normal(size=(500, 2)))
    idx = np.arange(500)
    assert binned_mutual_information(t, idx, width=0.2) == pytest.approx(binned_entropy(t, width=0.2), abs=1e-12)


# --------------------------------------------------------------------------- KDE bounds

def test_kde_bounds_bracket_the_exact_entropy_in_1d():
    rng = np.random.default_rng(7)
    for _ in range(3):
        t = np.tanh(2 * rng.normal(size=150))
        lower, upper = kde_entropy_bounds(t, beta=0.1)
        exact = mixture_entropy_1d(t, 0.1)
        assert lower - 1e-9 <= exact <= upper + 1e-9


def test_kde_bounds_are_tight_for_separated_and_single_components():
    sep = np.arange(20)[:, None] * np.ones((1, 3))
    lower, upper = kde_entropy_bounds(sep, beta=math.sqrt(1e-3))
    truth = math.log(20) + gaussian_entropy(3, math.sqrt(1e-3))
    assert lower == pytest.approx(truth, abs=1e-9) and upper == pytest.approx(truth, abs=1e-9)
    one = kde_entropy_bounds(np.zeros((4, 3)), beta=math.sqrt(0.1))
    assert one[0] == pytest.approx(gaussian_entropy(3, math.sqrt(0.1)), abs=1e-12)
    assert one[1] == pytest.approx(gaussian_entropy(3, math.sqrt(0.1)), abs=1e-12)


def test_kde_information_of_separated_classes():
    t = np.concatenate([np.zeros((50, 2)), np.ones((150, 2)) * 5])
    y = np.array([0] * 50 + [1] * 150)
    info = kde_mutual_information(t, y, beta=math.sqrt(1e-3))
    h_y = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert info.mi_y_upper == pytest.approx(h_y, abs=1e-9)
    assert info.mi_y_lower == pytest.approx(h_y, abs=1e-9)
    assert info.mi_x_upper == pytest.approx(h_y, abs=1e-9)


def test_the_batched_kde_is_the_kde_of_each_network():
    """N representations of the same labelled inputs at once equal N separate estimates, and a
    network whose classes sit apart gets I(T;Y) = H(Y)."""
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 120)
    t = rng.normal(size=(4, 120, 3)) * np.array([0.05, 0.2, 1.0, 3.0])[:, None, None]
    t[3] += 40.0 * labels[:, None]  # network 3: classes far apart
    batch = kde_information_batch(t, labels, beta=0.1)
    for i in range(4):
        one = kde_mutual_information(t[i], labels, beta=0.1)
        for key in ("mi_x_upper", "mi_x_lower", "mi_y_upper", "mi_y_lower"):
            assert batch[key][i] == pytest.approx(getattr(one, key), abs=1e-10), (i, key)
    p = np.bincount(labels) / len(labels)
    assert batch["mi_y_upper"][3] == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-9)
    with pytest.raises(ValueError, match="^t"):
        kde_information_batch(t[0], labels, beta=0.1)
    with pytest.raises(ValueError, match="^labels"):
        kde_information_batch(t, labels[:-1], beta=0.1)


# --------------------------------------------------------------------------- closed forms

def test_gaussian_channel_agrees_with_the_joint_covariance_formula():
    rng = np.random.default_rng(8)
    A = rng.normal(size=(3, 4))
    L = rng.normal(size=(4, 4))
    cov_x = L @ L.T + 0.1 * np.eye(4)
    sigma = 0.7
    joint = np.block([[cov_x, cov_x @ A.T], [A @ cov_x, A @ cov_x @ A.T + sigma**2 * np.eye(3)]])
    assert gaussian_channel_mutual_information(cov_x, A, sigma) == pytest.approx(
        jointly_gaussian_mutual_information(joint, 4), rel=1e-10)


def test_two_point_information_limits():
    assert two_point_mutual_information(0.0, 0.1) == pytest.approx(0.0, abs=1e-9)
    assert two_point_mutual_information(10.0, 0.1) == pytest.approx(math.log(2), abs=1e-9)
    mid = two_point_mutual_information(0.2, 0.1)
    assert 0 < mid < math.log(2)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: gaussian_mixture_entropy(np.zeros((3, 2)), 0.0), "beta"),
        (lambda: gaussian_mixture_entropy(np.zeros((3, 2)), float("inf")), "beta"),
        (lambda: gaussian_mixture_entropy(np.array([[0.0, np.nan]]), 0.1), "centers"),
        (lambda: gaussian_mixture_entropy(np.zeros((3, 2)), 0.1, n_mc=0), "n_mc"),
        (lambda: gaussian_mixture_entropy(np.zeros((2, 2)), 0.1, weights=[-0.5, 1.5]), "weights"),
        (lambda: gaussian_mixture_entropy(np.zeros((2, 2)), 0.1, weights=[0.5, 0.6]), "weights"),
        (lambda: sp_mutual_information(np.zeros((4, 3)), 0.1, conditional_centers=np.zeros((4, 5, 2))), "conditional_centers"),
        (lambda: sp_mutual_information(np.zeros((4, 3)), 0.1, conditional_centers=np.zeros((4, 3))), "conditional_centers"),
        (lambda: sp_mutual_information(np.zeros((4, 3)), -1.0), "beta"),
        (lambda: sp_mutual_information(np.full((4, 3), np.inf), 0.1), "centers"),
        (lambda: mixture_log_density(np.zeros((4, 3)), np.zeros((4, 2)), 0.1), "points"),
        (lambda: mixture_log_density(np.zeros((4, 2)), np.zeros((4, 2)), 0.1, rtol=-1), "rtol"),
        (lambda: binned_entropy(np.zeros((4, 2))), "width"),
        (lambda: binned_entropy(np.zeros((4, 2)), width=-1.0), "width"),
        (lambda: binned_entropy(np.zeros((4, 2)), bins=10), "range"),
        (lambda: binned_mutual_information(np.zeros((4, 2)), [0, 1], width=0.1), "labels"),
        (lambda: kde_entropy_bounds(np.zeros((4, 2)), beta=0.0), "beta"),
        (lambda: gaussian_channel_mutual_information(np.eye(2), np.ones((2, 3)), 1.0), "A"),
        (lambda: gaussian_channel_mutual_information(np.eye(2), np.ones((2, 2)), 0.0), "sigma"),
        (lambda: two_point_mutual_information(-1.0, 0.1), "distance"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_inputs_give_the_cpu_result():
    x = np.random.default_rng(9).normal(size=(300, 3))
    cpu = gaussian_mixture_entropy(x, 0.1, seed=0)
    gpu = gaussian_mixture_entropy(torch.from_numpy(x).cuda(), 0.1, seed=0)
    assert gpu == pytest.approx(cpu, abs=1e-9)


# --- what mutation testing found unchecked -------------------------------------------------

def test_merging_identical_centers_sums_their_weights_and_drops_zero_weights():
    centers = torch.tensor([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0], [5.0, 5.0], [2.0, 3.0]], dtype=torch.float64)
    weights = torch.tensor([0.1, 0.2, 0.3, 0.0, 0.4], dtype=torch.float64)
    merged, w = kernel.merge_identical_centers(centers, weights)
    assert merged.shape == (2, 2)
    found = {tuple(row.tolist()): float(v) for row, v in zip(merged, w)}
    assert found == pytest.approx({(0.0, 1.0): 0.4, (2.0, 3.0): 0.6})
    # rows with equal projections on the shortcut's direction but different coordinates stay apart
    direction = torch.linspace(1.0, 2.0, 2, dtype=torch.float64).sqrt()
    twin = torch.tensor([[direction[1], 0.0], [0.0, direction[0]]], dtype=torch.float64)
    assert float(twin[0] @ direction) == pytest.approx(float(twin[1] @ direction))
    kept, kept_w = kernel.merge_identical_centers(twin, torch.tensor([0.5, 0.5], dtype=torch.float64))
    assert kept.shape == (2, 2) and kept_w.tolist() == [0.5, 0.5]
    distinct, distinct_w = kernel.merge_identical_centers(centers[:2], weights[:2])
    assert torch.equal(distinct, centers[:2]) and torch.equal(distinct_w, weights[:2])


@pytest.mark.parametrize(("n_mc", "replicas"), [(1, 2), (1, 3), (2, 1), (3, 4)])
def test_the_conditional_entropies_and_their_standard_error_match_the_spread_over_seeds(n_mc, replicas):
    """With R identical replicas per input each conditional mixture is one Gaussian, so
    h(T|X) = (d/2) ln(2πeβ²); the reported standard error matches the spread over 300 seeds."""
    beta, d, m = 0.3, 2, 5
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, (m, 1, d))
    replicas_ = np.repeat(inputs, replicas, axis=1)
    centers = inputs[:, 0, :]
    runs = [sp_mutual_information(centers, beta, conditional_centers=replicas_, n_mc=n_mc, seed=s, control_variate=False)
            for s in range(300)]
    values = np.array([r.h_t_given_x for r in runs])
    errors = np.array([r.h_t_given_x_std for r in runs])
    truth = 0.5 * d * math.log(2 * math.pi * math.e * beta**2)
    assert values.mean() == pytest.approx(truth, abs=4 * values.std() / math.sqrt(len(values)))
    # −ln N(βε; 0, β²I) = (d/2) ln(2πβ²) + ‖ε‖²/2 has variance d/2 per draw: the spread is known
    assert values.std() == pytest.approx(math.sqrt(0.5 * d / (m * replicas * n_mc)), rel=0.15)
    assert float(np.sqrt((errors**2).mean())) == pytest.approx(values.std(), rel=0.15)
    # The control variate removes that spread entirely when there are two draws or more to fit it on.
    if replicas * n_mc >= 2:
        sharp = sp_mutual_information(centers, beta, conditional_centers=replicas_, n_mc=n_mc, seed=0)
        assert sharp.h_t_given_x == pytest.approx(truth, abs=1e-12)


def test_one_replica_and_one_draw_has_no_variance_estimate():
    """R = 1 and n_mc = 1: one draw per input and no second to compare it with; the error is 0."""
    est = sp_mutual_information(np.zeros((3, 1)), 0.5, conditional_centers=np.zeros((3, 1, 1)), n_mc=1, seed=0)
    assert est.h_t_given_x_std == 0.0 and math.isfinite(est.h_t_given_x)


@pytest.mark.parametrize(("edges", "message"), [([[0.0, 1.0]], "edges: expected 1 dimension"),
                                                ([0.0, 2.0, 1.0], "edges: need at least 2 strictly increasing"),
                                                ([1.0], "edges: need at least 2 strictly increasing")])
def test_bad_edges_are_refused_by_name(edges, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        bin_codes(np.zeros((3, 1)), edges=edges)


def test_two_edges_make_a_bin_and_a_symbol_above_it():
    codes = bin_codes(np.array([[-1.0], [0.0], [0.5], [1.0], [2.0]]), edges=[0.0, 1.0])
    assert codes[:, 0].tolist() == [0, 0, 0, 1, 1]


def test_binned_rows_with_negative_and_wide_codes_match_a_brute_force_count():
    """Rows packed into one integer per row: negative codes, columns of different spans, and
    spans too wide to pack (the fallback) all count like a dictionary of rows."""
    rng = np.random.default_rng(2)
    for scale in (3.0, 1e6):
        t = rng.normal(size=(500, 3)) * np.array([1.0, 5.0, scale])
        t[:100] = t[:1]  # a repeated row
        codes = np.floor(t / 0.5).astype(np.int64)
        counts = np.array(list(Counter(map(tuple, codes)).values()), dtype=float) / len(codes)
        assert binned_entropy(t, width=0.5) == pytest.approx(float(-(counts * np.log(counts)).sum()), abs=1e-12)


def test_equal_bins_on_a_range_clip_to_the_first_and_last():
    codes = bin_codes(np.array([[-5.0], [0.0], [0.49], [0.5], [1.0], [7.0]]), bins=4, range=(0.0, 1.0))
    assert codes[:, 0].tolist() == [0, 0, 1, 2, 3, 3]
    with pytest.raises(ValueError, match="^range: must be finite with high > low"):
        bin_codes(np.zeros((2, 1)), bins=4, range=(1.0, 1.0))


@pytest.mark.parametrize(("cov", "message"), [
    (np.ones((2, 2, 2)), r"cov_x: expected 2 dimension\(s\), got shape \(2, 2, 2\)"),
    (np.ones((2, 3)), r"cov_x: must be square, got shape \(2, 3\)"),
    (np.array([[1.0, 0.5], [0.0, 1.0]]), r"cov_x: must be symmetric \(a covariance\), max \|C - Cᵀ\| = 0\.5$"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), r"cov_x: must be positive definite, its smallest eigenvalue is -1$"),
])
def test_bad_covariances_are_refused_with_what_is_wrong(cov, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        gaussian_channel_mutual_information(cov, np.ones((1, cov.shape[-1])), 1.0)


def test_points_and_centers_of_different_dimensions_are_refused_with_both():
    with pytest.raises(ValueError, match=r"^points: dimension 3 differs from the centers' dimension 2$"):
        mixture_log_density(np.zeros((5, 3)), np.zeros((4, 2)), 0.1)


def test_bins_beyond_two_to_the_52_are_refused():
    """⌊t / width⌋ is exact in float64 only below 2⁵²; beyond, neighbouring bins merge silently."""
    assert bin_codes(np.array([[2.0**51]]), width=1.0)[0, 0] == 2**51
    with pytest.raises(ValueError, match=r"^width: t / width reaches .* beyond the 2\*\*52"):
        bin_codes(np.array([[2.0**52.5]]), width=1.0)


def test_estimates_do_not_depend_on_the_number_of_threads():
    """A sweep's worker runs on one thread, a notebook on all: their numbers must agree to the
    last digit (reductions of more than 32 768 terms are summed in a fixed order)."""
    from ipcore.config import torch_threads
    from ipcore.estimators import sp_label_information

    rng = np.random.default_rng(0)
    c = np.tanh(rng.normal(size=(4096, 10, 3)) * 0.3 + rng.normal(size=(4096, 1, 3)))
    wide = rng.normal(size=(5000, 3))  # 5000 × 8 draws: more than 32 768 terms to sum
    labels = rng.integers(0, 3, 5000)

    def estimates():
        sp = sp_mutual_information(c[:, 0], 0.005, conditional_centers=c, seed=1)
        h = gaussian_mixture_entropy(wide, 0.3, n_mc=8, seed=3, return_std=True)
        lab = sp_label_information(wide, labels, 0.3, n_mc=8, seed=2)
        return sp.mi, sp.mi_std, *h, lab.mi, lab.mi_std

    with torch_threads(1):
        one = estimates()
    with torch_threads(2):
        two = estimates()
    assert one == two


def _szt_like_replicas(m=512, replicas=100, d=4, beta=0.005, spread=0.5, seed=3):
    """m inputs' noisy-pass replicas of a tanh layer: clustered clean points, replicas ~β apart."""
    rng = np.random.default_rng(seed)
    clean = np.tanh(rng.normal(size=(m, d)) * 2.0)
    return np.clip(clean[:, None, :] + spread * beta * rng.normal(size=(m, replicas, d)), -1, 1)


def test_float32_conditional_entropies_move_the_estimate_by_far_less_than_a_tenth_of_its_error(monkeypatch):
    from ipcore.estimators import entropy

    reps = _szt_like_replicas()
    centered = torch.as_tensor(reps - reps.reshape(-1, 4).mean(0))
    h32, s32, error = entropy._batched_mixture_entropies(centered, 0.005, 1, 7, float32=True)
    h64, s64, none = entropy._batched_mixture_entropies(centered, 0.005, 1, 7)
    assert 0 < error <= entropy.FLOAT32_ERROR_MAX and none == 0.0  # float32 was used, and bounded
    se = float(s64.pow(2).sum().sqrt()) / len(s64)
    assert abs(float(h32.mean() - h64.mean())) <= error < 0.1 * se  # the bound holds and is small
    assert float((h32 - h64).abs().max()) <= 1e-4
    fast = sp_mutual_information(reps[:, 0], 0.005, conditional_centers=reps, seed=1)
    monkeypatch.setattr(entropy, "FLOAT32_ERROR_MAX", -1.0)  # float64 throughout
    exact = sp_mutual_information(reps[:, 0], 0.005, conditional_centers=reps, seed=1)
    assert abs(fast.mi - exact.mi) < 0.01 * exact.mi_std
    assert fast.mi_std == pytest.approx(exact.mi_std, rel=1e-4)


@pytest.mark.parametrize("d", [4, 12, 32])
@pytest.mark.parametrize("spread", [0.3, 3.0])
def test_float32_error_bound_holds_for_every_log_density(d, spread):
    """Each mixture shifted to its mean in float64 and then cast, as the estimator does: the
    largest error of any log-density stays below a third of the mixture's estimate, for tight
    clusters of saturated units (spread 0.3 β near ±1) and loose ones."""
    reps = torch.as_tensor(_szt_like_replicas(m=64, d=d, spread=spread))
    reps = reps - reps.mean(dim=1, keepdim=True)
    points = reps + 0.005 * torch.randn(reps.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    log_w = torch.full(reps.shape[:2], -math.log(reps.shape[1]), dtype=torch.float64)
    exact = kernel._log_density_dense(points, reps, log_w, 0.005)
    fast = kernel._log_density_dense(points.float(), reps.float(), log_w.float(), 0.005).double()
    per_mixture = torch.tensor([kernel.float32_log_density_error(points[i], reps[i], 0.005) for i in range(len(reps))])
    assert ((fast - exact).abs().amax(1) <= per_mixture / 3).all()
    assert kernel.float32_log_density_error(points, reps, 0.005) == pytest.approx(float(per_mixture.mean()))


def test_float32_is_not_tried_where_its_numbers_would_overflow():
    from ipcore.estimators import entropy

    reps = 1e-30 * _szt_like_replicas(m=32)
    est = sp_mutual_information(reps[:, 0], 1e-30, conditional_centers=reps, n_mc=1, seed=1)
    centered = torch.as_tensor(reps - reps[:, 0].mean(0))
    h64, _, error = entropy._batched_mixture_entropies(centered, 1e-30, 1, 2, float32=True)
    assert error == 0.0 and est.h_t_given_x == pytest.approx(float(h64.mean()), rel=1e-15, abs=0)


def test_wide_mixtures_keep_float64():
    """Replicas spread over hundreds of β: float32's bound exceeds a tenth of the standard error,
    so the estimate is the float64 one to the last digit."""
    from ipcore.estimators import entropy

    reps = _szt_like_replicas(m=128, spread=400.0)
    centered = torch.as_tensor(reps - reps[:, 0].mean(0))  # the estimator's shift: its centers' mean
    assert entropy.float32_log_density_error(centered, centered, 0.005) > entropy.FLOAT32_ERROR_MAX
    est = sp_mutual_information(reps[:, 0], 0.005, conditional_centers=reps, n_mc=1, seed=1)
    h64, s64, _ = entropy._batched_mixture_entropies(centered, 0.005, 1, 2)
    assert est.h_t_given_x == pytest.approx(float(h64.mean()), rel=1e-15, abs=0)
