"""The exact 1-D mixture entropy and the mixture kernel against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ipcore.estimators import gaussian_entropy, mixture_entropy_1d, mixture_log_density
from ipcore.estimators.quadrature import GAUSS_WEIGHTS, KRONROD_NODES, KRONROD_WEIGHTS, adaptive_gauss_kronrod


def half_log_2pie(beta: float) -> float:
    return 0.5 * math.log(2 * math.pi * math.e * beta**2)


def test_kronrod_rule_is_exact_to_degree_22_and_gauss_to_13():
    for k in range(0, 23):
        exact = 2.0 / (k + 1) if k % 2 == 0 else 0.0
        assert (KRONROD_NODES**k) @ KRONROD_WEIGHTS == pytest.approx(exact, abs=1e-14)
        if k <= 13:
            assert (KRONROD_NODES**k) @ GAUSS_WEIGHTS == pytest.approx(exact, abs=1e-14)


def test_adaptive_quadrature_of_a_peaked_function():
    value, err = adaptive_gauss_kronrod(lambda t: 1.0 / (1e-4 + t * t), np.array([[-1.0, 1.0]]))
    assert value == pytest.approx(2 * math.atan(1 / 1e-2) / 1e-2, rel=1e-10)
    assert err < 1e-8


@pytest.mark.parametrize("abs_tol", [1e-3, 1e-6, 1e-9])
def test_the_tolerance_holds_over_a_wide_domain_of_several_panels(abs_tol):
    """The tolerance is for the whole integral, shared among panels by width, whatever the total width."""
    panels = np.array([[-40.0, -1.0], [-1.0, 0.5], [0.5, 60.0]])
    exact = (math.atan(60 / 1e-2) + math.atan(40 / 1e-2)) / 1e-2
    value, err = adaptive_gauss_kronrod(lambda t: 1.0 / (1e-4 + t * t), panels, abs_tol=abs_tol, rel_floor=0.0)
    assert abs(value - exact) <= abs_tol and 0.0 < err <= abs_tol


def test_out_of_rounds_or_panels_the_rest_is_accepted_and_its_error_reported():
    """A step cannot be resolved by halving; when the rounds (or panels) run out, the open panels
    are added as they are, and the error estimate covers the difference."""
    step = lambda t: (t > 1 / 3).astype(np.float64)  # noqa: E731
    for limits in ({"max_rounds": 4}, {"max_panels": 1}):
        value, err = adaptive_gauss_kronrod(step, np.array([[0.0, 1.0]]), abs_tol=1e-12, **limits)
        assert abs(value - 2 / 3) <= err and 1e-6 < err < 0.1
        assert value == pytest.approx(2 / 3, abs=0.05)
    # the panels that were accepted early count too
    value, err = adaptive_gauss_kronrod(step, np.array([[0.0, 0.25], [0.25, 1.0]]), abs_tol=1e-12, max_rounds=3)
    assert abs(value - 2 / 3) <= err < 0.1


def test_no_width_integrates_to_zero():
    assert adaptive_gauss_kronrod(np.exp, np.array([[1.0, 1.0]])) == (0.0, 0.0)


@pytest.mark.parametrize("beta", [0.005, 0.05, 1.0, 3.0])
def test_one_component_is_the_gaussian_entropy(beta):
    assert mixture_entropy_1d([0.7], beta) == pytest.approx(half_log_2pie(beta), abs=1e-9)
    assert gaussian_entropy(1, beta) == pytest.approx(half_log_2pie(beta), abs=1e-15)


@pytest.mark.parametrize("m", [2, 4, 16])
@pytest.mark.parametrize("beta", [0.005, 0.1])
def test_separated_equal_components_add_ln_m(m, beta):
    points = np.arange(m) * 60 * beta
    assert mixture_entropy_1d(points, beta) == pytest.approx(math.log(m) + half_log_2pie(beta), abs=1e-6)


def test_weights_give_the_discrete_entropy_when_separated():
    w = np.array([0.25, 0.75])
    h = mixture_entropy_1d([-1.0, 1.0], 0.01, weights=w)
    assert h == pytest.approx(-(w * np.log(w)).sum() + half_log_2pie(0.01), abs=1e-6)


def test_identical_points_merge_into_one_component():
    h = mixture_entropy_1d([0.2, 0.2, 0.2, 0.9], 0.005)
    assert h - half_log_2pie(0.005) == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)), abs=1e-6)


def test_two_overlapping_components_against_brute_force_riemann_sum():
    beta, delta = 0.3, 0.5
    t = np.linspace(-6, 6.5, 2_000_001)
    g = 0.5 * (np.exp(-t**2 / (2 * beta**2)) + np.exp(-(t - delta) ** 2 / (2 * beta**2))) / math.sqrt(2 * math.pi * beta**2)
    brute = -np.sum(g * np.log(g)) * (t[1] - t[0])
    assert mixture_entropy_1d([0.0, delta], beta) == pytest.approx(brute, abs=1e-8)
    # Overlap makes it strictly between one component and ln 2 more.
    assert half_log_2pie(beta) < mixture_entropy_1d([0.0, delta], beta) < half_log_2pie(beta) + math.log(2)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"centers": [0.0, 1.0], "beta": 0.0}, "beta"),
        ({"centers": [0.0, 1.0], "beta": -0.1}, "beta"),
        ({"centers": [0.0, 1.0], "beta": float("nan")}, "beta"),
        ({"centers": [0.0, float("nan")], "beta": 0.1}, "centers"),
        ({"centers": [0.0, float("inf")], "beta": 0.1}, "centers"),
        ({"centers": [], "beta": 0.1}, "centers"),
        ({"centers": [0.0, 1.0], "beta": 0.1, "weights": [0.5, 0.6]}, "weights"),
        ({"centers": [0.0, 1.0], "beta": 0.1, "weights": [1.5, -0.5]}, "weights"),
        ({"centers": [0.0, 1.0], "beta": 0.1, "weights": [1.0]}, "weights"),
        ({"centers": [[0.0, 1.0]], "beta": 0.1}, "centers"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        mixture_entropy_1d(**kwargs)


def brute_force_log_density(points: np.ndarray, centers: np.ndarray, beta: float) -> np.ndarray:
    diff = points[:, None, :] - centers[None, :, :]
    logits = -(diff**2).sum(-1) / (2 * beta**2)
    mx = logits.max(1, keepdims=True)
    d = centers.shape[1]
    return (mx[:, 0] + np.log(np.exp(logits - mx).mean(1))) - 0.5 * d * math.log(2 * math.pi * beta**2)


@pytest.mark.parametrize("d, beta", [(1, 0.1), (3, 0.05), (10, 0.005)])
def test_mixture_log_density_matches_brute_force(d, beta):
    rng = np.random.default_rng(d)
    centers = np.tanh(rng.normal(size=(300, d)) * 2)
    points = centers[rng.integers(0, 300, 200)] + beta * rng.normal(size=(200, d))
    got = mixture_log_density(points, centers, beta).numpy()
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, brute_force_log_density(points, centers, beta), rtol=0, atol=1e-9)


def test_mixture_log_density_far_points_do_not_underflow():
    got = mixture_log_density(np.full((1, 10), 1.0), np.zeros((5, 10)), 0.005)
    expected = -10 / (2 * 0.005**2) - 5 * math.log(2 * math.pi * 0.005**2)
    assert float(got[0]) == pytest.approx(expected, rel=1e-12)


def test_mixture_log_density_accepts_torch_and_rejects_mismatched_dimensions():
    c = torch.zeros(3, 2)
    assert mixture_log_density(torch.zeros(4, 2), c, 1.0).shape == (4,)
    with pytest.raises(ValueError, match="^points"):
        mixture_log_density(torch.zeros(4, 3), c, 1.0)
