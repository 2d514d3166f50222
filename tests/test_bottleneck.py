"""The IB and dualIB curves against what theory says of them: closed forms, bounds, critical β."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from ipcore.bottleneck import IBConvergenceWarning, binary_joint, ib_critical_beta, ib_curve

LN2 = math.log(2)


def binary_entropy(p):
    p = np.clip(p, 1e-300, 1.0)
    q = np.clip(1 - p, 1e-300, 1.0)
    return -(p * np.log(p) + q * np.log(q))


def bsc(eps: float) -> np.ndarray:
    """X uniform on {0, 1}, Y = X flipped with probability eps."""
    return 0.5 * np.array([[1 - eps, eps], [eps, 1 - eps]])


def random_joint(seed: int, nx: int = 6, ny: int = 3) -> np.ndarray:
    p = np.random.default_rng(seed).gamma(0.7, size=(nx, ny))
    return p / p.sum()


def quiet_curve(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IBConvergenceWarning)
        return ib_curve(*args, **kwargs)


@pytest.fixture(scope="module")
def bsc_curve():
    return quiet_curve(bsc(0.1), np.geomspace(1.0, 50.0, 60))


def test_bsc_curve_is_the_closed_form(bsc_curve):
    # For the binary symmetric channel the optimal T is X through a BSC(δ) (Mrs. Gerber's lemma):
    # I(X;T) = ln 2 − h(δ), I(T;Y) = ln 2 − h(δ ⋆ ε), δ ⋆ ε = δ(1 − ε) + ε(1 − δ).
    eps = 0.1
    on = bsc_curve.i_xt > 1e-3
    assert on.sum() > 40
    for i_xt, i_ty in zip(bsc_curve.i_xt[on], bsc_curve.i_ty[on]):
        lo, hi = 0.0, 0.5  # δ with ln 2 − h(δ) = i_xt, by bisection (h increases on [0, ½])
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if LN2 - binary_entropy(mid) > i_xt else (lo, mid)
        delta = 0.5 * (lo + hi)
        assert i_ty == pytest.approx(LN2 - binary_entropy(delta * (1 - eps) + eps * (1 - delta)), abs=2e-5)


def test_bsc_critical_beta_is_where_theory_puts_it(bsc_curve):
    eps = 0.1
    theory = 1 / (1 - 2 * eps) ** 2  # 1/ρ², ρ = 1 − 2ε the maximal correlation
    assert ib_critical_beta(bsc(eps)) == pytest.approx(theory, rel=1e-12)
    below, above = bsc_curve.beta < 0.97 * theory, bsc_curve.beta > 1.03 * theory
    assert below.any() and above.any()
    assert np.all(bsc_curve.i_xt[below] < 1e-6)
    assert np.all(bsc_curve.i_xt[above] > 1e-3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_critical_beta_of_a_random_problem_matches_the_eigenvalue_criterion(seed):
    p = random_joint(seed)
    critical = ib_critical_beta(p)
    betas = critical * np.array([0.8, 0.9, 0.95, 1.05, 1.1, 1.3])
    curve = quiet_curve(p, betas, max_iter=20000, tol=1e-11)
    assert np.all(curve.i_xt[:3] < 1e-6), curve.i_xt
    assert np.all(curve.i_xt[3:] > 1e-5), curve.i_xt


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dual", [False, True])
def test_information_bounds_hold_at_every_beta(seed, dual):
    p = random_joint(seed)
    curve = quiet_curve(p, np.geomspace(0.5, 200, 25), dual=dual)
    assert np.all(curve.i_ty <= np.minimum(curve.i_xt, curve.i_xy) + 1e-9)
    assert np.all(curve.i_xt <= curve.h_x + 1e-9)
    assert np.all(curve.i_xt >= 0) and np.all(curve.i_ty >= 0)
    for beta in curve.beta[::6]:
        enc = curve.encoder(beta)
        assert enc.shape[0] == p.shape[0]
        np.testing.assert_allclose(enc.sum(1), 1.0, atol=1e-12)


def test_large_beta_keeps_all_relevant_information():
    p = random_joint(5)
    curve = quiet_curve(p, [1e4])
    assert curve.i_ty[0] == pytest.approx(curve.i_xy, abs=1e-4)
    assert curve.i_xy > 0.05


@pytest.mark.parametrize("seed", [0, 3])
def test_the_curve_is_non_decreasing_and_concave(seed):
    p = random_joint(seed, nx=8, ny=2)
    curve = quiet_curve(p, np.geomspace(1, 100, 40), tol=1e-11, max_iter=20000)
    assert np.all(np.diff(curve.i_xt) >= -1e-7)
    assert np.all(np.diff(curve.i_ty) >= -1e-7)
    moving = np.diff(curve.i_xt) > 1e-4
    slopes = (np.diff(curve.i_ty) / np.maximum(np.diff(curve.i_xt), 1e-300))[moving]
    assert len(slopes) > 10
    assert np.all(np.diff(slopes) <= 1e-3), slopes  # concave: the slope falls
    # and the slope at β is 1/β (the Lagrangian's stationarity): it lies between 1/β of the ends
    mids = np.sqrt(curve.beta[:-1] * curve.beta[1:])[moving]
    assert np.all(np.abs(slopes * mids - 1) < 0.15)


def test_a_deterministic_label_reaches_h_y_at_h_y():
    px = np.array([0.05, 0.1, 0.2, 0.15, 0.1, 0.2, 0.1, 0.1])
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    p = binary_joint(y.astype(float), px)
    curve = quiet_curve(p, np.geomspace(0.5, 50, 20))
    h_y = curve.h_y
    assert curve.i_xy == pytest.approx(h_y, abs=1e-12)
    assert ib_critical_beta(p) == pytest.approx(1.0, rel=1e-9)  # Y a function of X: ρ = 1
    high = curve.beta > 1.05
    np.testing.assert_allclose(curve.i_xt[high], h_y, atol=1e-7)
    np.testing.assert_allclose(curve.i_ty[high], h_y, atol=1e-7)
    np.testing.assert_allclose(curve.i_xt[curve.beta < 0.95], 0.0, atol=1e-9)


def test_inputs_with_equal_conditionals_are_merged_exactly():
    p = random_joint(7, nx=4, ny=2)
    doubled = np.concatenate([p, p]) / 2  # every x twice, each with half the mass
    betas = np.geomspace(1, 30, 12)
    a, b = quiet_curve(p, betas), quiet_curve(doubled, betas)
    np.testing.assert_allclose(a.i_ty, b.i_ty, atol=1e-12)
    np.testing.assert_allclose(a.i_xt, b.i_xt, atol=1e-12)
    assert b.encoder(30.0).shape[0] == 8
    np.testing.assert_allclose(b.encoder(30.0)[:4], b.encoder(30.0)[4:])


def logistic_problem(n: int = 24, sharpness: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    s = np.linspace(-1, 1, n)
    return binary_joint(1 / (1 + np.exp(-sharpness * s))), s


def test_dual_decoders_stay_logistic_in_the_same_statistic():
    p, s = logistic_problem()
    sharpness = 3.0
    curve = quiet_curve(p, np.geomspace(1, 100, 15), dual=True)
    for beta in curve.beta[::3]:
        enc, dec = curve.encoder(beta), curve.decoder(beta)
        p_x_given_t = enc * p.sum(1)[:, None]
        p_x_given_t /= p_x_given_t.sum(0, keepdims=True)
        # logit p(y=1|t) = sharpness · E[s | t]: the natural parameter averaged, the family kept
        np.testing.assert_allclose(np.log(dec[:, 1] / dec[:, 0]), sharpness * (p_x_given_t.T @ s), atol=1e-9)


def test_the_ib_decoder_is_the_arithmetic_mean():
    p, _ = logistic_problem()
    curve = quiet_curve(p, [5.0])
    enc = curve.encoder(5.0)
    joint_xt = enc * p.sum(1)[:, None]
    expected = (joint_xt.T @ (p / p.sum(1, keepdims=True))) / joint_xt.sum(0)[:, None]
    np.testing.assert_allclose(curve.decoder(5.0), expected, atol=1e-12)
    assert curve.i_ty_decoder[0] == pytest.approx(curve.i_ty[0], abs=1e-12)


def test_the_dual_curve_never_lies_above_the_ib_curve():
    p, _ = logistic_problem()
    betas = np.geomspace(0.5, 200, 24)
    ib = quiet_curve(p, betas, tol=1e-9, max_iter=5000)
    dual = quiet_curve(p, betas, dual=True)
    # The IB curve is concave, so a point lies below it iff it does not beat the IB's
    # Lagrangian I(X;T) − β I(T;Y) at any β: test against every supporting line.
    lagrangian_ib = ib.i_xt - ib.beta * ib.i_ty
    for a, b in zip(dual.i_xt, dual.i_ty):
        assert np.all(a - ib.beta * b >= lagrangian_ib - 1e-6)
    assert np.any(dual.i_ty < np.interp(dual.i_xt, ib.i_xt, ib.i_ty) - 1e-4)  # and it differs somewhere


def test_a_beta_that_does_not_settle_is_reported():
    with pytest.warns(IBConvergenceWarning, match=r"did not converge"):
        curve = ib_curve(bsc(0.1), [1.6, 3.0], max_iter=2)
    assert not curve.converged.all()


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(p_xy=np.array([[0.5, 0.6], [0.1, -0.2]])), r"^p_xy: must be non-negative"),
    (dict(p_xy=np.full((2, 2), 0.3)), r"^p_xy: must sum to 1"),
    (dict(p_xy=np.array([[0.5, np.nan], [0.25, 0.25]])), r"^p_xy: contains 1 NaN"),
    (dict(p_xy=np.full(4, 0.25)), r"^p_xy: expected 2 dimension"),
    (dict(p_xy=bsc(0.1), betas=[1.0, 0.0]), r"^betas: every value must be > 0"),
    (dict(p_xy=bsc(0.1), betas=[-1.0]), r"^betas: every value must be > 0"),
    (dict(p_xy=binary_joint(np.array([0.0, 1.0])), dual=True), r"^p_xy: the dualIB needs p\(y\|x\) > 0"),
])
def test_bad_input_names_its_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ib_curve(**kwargs)


def test_binary_joint_checks_its_probabilities():
    with pytest.raises(ValueError, match=r"^p_y1: must be probabilities"):
        binary_joint([0.5, 1.5])
    with pytest.raises(ValueError, match=r"^p_x: has shape \(3,\) but the components have shape \(2,\)"):
        binary_joint([0.5, 0.5], [0.2, 0.3, 0.5])
    np.testing.assert_allclose(binary_joint([0.25, 1.0]), [[0.375, 0.125], [0.0, 0.5]])


def test_an_input_that_never_occurs_has_no_encoder():
    p = np.array([[0.4, 0.1], [0.0, 0.0], [0.1, 0.4]])
    curve = quiet_curve(p, [2.0, 20.0])
    enc = curve.encoder(20.0)
    assert enc.shape[0] == 3 and np.isnan(enc[1]).all()
    np.testing.assert_allclose(enc[[0, 2]].sum(1), 1.0, atol=1e-12)
    assert curve.nearest(15.0) == 1 and curve.nearest(3.0) == 0  # nearest on a log scale
