"""Exact information of one neuron T = f(wX), X ~ N(0, 1): binned (Saxe et al.'s formula) and noisy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from ipcore.estimators import (SZT_EDGES, bin_codes, binned_entropy, binned_neuron_information, noisy_neuron_information,
                               two_point_mutual_information)
from ipcore.estimators.neuron import TORCH_ACTIVATIONS, neuron_law, rounded_inverse

N_SAMPLES = 1_000_000


def sampled(activation: str, w: float, dtype: torch.dtype, **bins) -> tuple[float, float]:
    """The plug-in binned entropy of f(wX) from N_SAMPLES draws, and its standard error
    (the standard deviation of −ln p̂(bin) over the draws, over √n)."""
    x = torch.randn(N_SAMPLES, generator=torch.Generator().manual_seed(1), dtype=torch.float64).to(dtype)
    t = TORCH_ACTIVATIONS[activation](w * x)[:, None]
    _, inverse, counts = torch.unique(bin_codes(t, **bins)[:, 0], return_inverse=True, return_counts=True)
    surprise = -torch.log(counts.double() / N_SAMPLES)[inverse]
    return binned_entropy(t, **bins), float(surprise.std()) / math.sqrt(N_SAMPLES)


@pytest.mark.parametrize(("activation", "bins"), [("tanh", {"edges": SZT_EDGES}), ("softsign", {"edges": SZT_EDGES}),
                                                  ("relu", {"width": 2 / 29}), ("softplus", {"width": 0.07}),
                                                  ("linear", {"width": 0.5})])
@pytest.mark.parametrize("w", [0.3, 2.0, 25.0])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_exact_binned_entropy_is_what_sampling_converges_to(activation, bins, w, dtype):
    """With the activation computed as torch computes it, the exact value and a million samples agree to
    their sampling error (the plug-in estimate is also biased low, by about (K − 1)/2n ≤ 1e-3)."""
    exact = binned_neuron_information(w, activation, precision=str(dtype).removeprefix("torch."), **bins)
    estimate, se = sampled(activation, w, dtype, **bins)
    assert estimate == pytest.approx(exact, abs=4 * se + 1e-3)


def test_float_rounding_puts_saturated_tanh_in_the_symbol_of_its_own():
    """tanh(z) is exactly 1 in float32 beyond z ≈ 9.01: IDNNs' extra symbol t ≥ 1 fills, which real
    arithmetic never reaches. At w = 30 that is about a quarter of the mass, moved out of the top bin."""
    assert torch.tanh(torch.tensor(9.1, dtype=torch.float32)) == 1.0
    z = rounded_inverse("tanh", np.array([1.0]), torch.float32)[0]
    assert 8.5 < z < 9.5 and torch.tanh(torch.tensor(z, dtype=torch.float32)) == 1.0
    real = binned_neuron_information(30.0, "tanh")
    rounded = binned_neuron_information(30.0, "tanh", precision="float32")
    p_one = norm.sf(z / 30.0)  # P(tanh(30X) rounds to 1)
    q = norm.sf(math.atanh(SZT_EDGES[-2]) / 30.0)  # the mass of the top bin [1 − 2/29, 1) in real arithmetic
    moved = -p_one * math.log(p_one) - (q - p_one) * math.log(q - p_one) + q * math.log(q)
    assert 0.2 < p_one < 0.4
    assert rounded - real == pytest.approx(moved, abs=1e-4)


def test_relu_bins_by_width_have_the_closed_form_probabilities():
    """P(bin 0) = Φ(width/w) (the atom at 0 and (0, width)), P(bin k) = Φ((k+1)width/w) − Φ(k width/w)."""
    w, width = 1.7, 0.25
    k = np.arange(1, 200)
    p = np.concatenate([[norm.cdf(width / w)], norm.cdf((k + 1) * width / w) - norm.cdf(k * width / w)])
    p = p[p > 0]
    assert binned_neuron_information(w, "relu", width=width) == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-12)


def test_saxe_shapes_tanh_rises_then_falls_to_one_bit_and_relu_keeps_rising():
    w = np.geomspace(0.05, 1e6, 70)
    tanh = binned_neuron_information(w, "tanh")
    w_relu = w[w <= 1e4]
    relu = binned_neuron_information(w_relu, "relu", width=2 / 29)
    peak = int(np.argmax(tanh))
    assert 0.5 < w[peak] < 3.0  # it peaks near w ≈ 1
    assert np.all(np.diff(tanh[peak:]) < 1e-12) and np.all(np.diff(tanh[:peak + 1]) > -1e-12)
    assert tanh[-1] == pytest.approx(math.log(2), abs=1e-4)  # saturated: the sign of X, one bit
    assert np.all(np.diff(relu) > 0)
    # for large w ReLU's bins resolve the half-Gaussian: H ≈ ½ ln 2 + ½ h(|wX|) − ½ ln width… grows like ½ ln w
    assert relu[-1] - relu[-11] == pytest.approx(0.5 * math.log(w_relu[-1] / w_relu[-11]), rel=0.02)


def test_w_zero_and_negative_w():
    assert binned_neuron_information(0.0, "tanh") == 0.0
    assert binned_neuron_information(0.0, "relu", width=0.1) == 0.0
    assert binned_neuron_information(-2.5, "softsign") == binned_neuron_information(2.5, "softsign")
    assert noisy_neuron_information(0.0, "tanh", 0.1) == pytest.approx(0.0, abs=1e-9)
    values = binned_neuron_information(np.array([0.5, -0.5, 2.0]), "tanh")
    assert values.shape == (3,) and values[0] == values[1]


@pytest.mark.parametrize("sigma", [0.01, 0.1, 1.0])
@pytest.mark.parametrize("w", [0.3, 3.0, 30.0])
def test_the_noisy_linear_neuron_matches_its_closed_form(sigma, w):
    """T = wX + σZ is Gaussian: I(X;T) = ½ ln(1 + w²/σ²)."""
    assert noisy_neuron_information(w, "linear", sigma) == pytest.approx(0.5 * math.log1p(w * w / sigma**2), abs=2e-6)


def test_a_saturated_noisy_tanh_is_the_two_point_channel():
    """As w → ∞, tanh(wX) → ±1 with probability ½ each: T = ±1 + σZ."""
    for sigma in (0.2, 0.5):
        assert noisy_neuron_information(1e5, "tanh", sigma) == pytest.approx(
            two_point_mutual_information(2.0, sigma), abs=1e-4)


def test_the_noisy_relu_matches_monte_carlo():
    """I(X;T) = h(T) − h(σZ), h(T) by Monte Carlo over a million draws of the exact density of T."""
    w, sigma = 2.0, 0.3
    rng = np.random.default_rng(0)
    t = np.maximum(w * rng.standard_normal(200_000), 0) + sigma * rng.standard_normal(200_000)
    # density of T: ½ N(0, σ²) + ∫₀^∞ φ(s/w)/w N(t; s, σ²) ds, the integral in closed form
    s2 = w * w + sigma * sigma
    half_gauss = (2 / np.sqrt(2 * np.pi * s2)) * np.exp(-t * t / (2 * s2)) * norm.cdf(t * w / (sigma * np.sqrt(s2)))
    density = 0.5 * norm.pdf(t, scale=sigma) + 0.5 * half_gauss
    h = -np.log(density)
    mc, se = h.mean() - 0.5 * math.log(2 * math.pi * math.e * sigma**2), h.std() / math.sqrt(len(h))
    assert noisy_neuron_information(w, "relu", sigma) == pytest.approx(mc, abs=4 * se)


def test_the_law_is_fine_where_it_has_mass_and_sums_to_one():
    for activation in ("tanh", "relu", "softplus"):
        values, mass = neuron_law(5.0, activation, 0.01)
        assert mass.sum() == pytest.approx(1.0) and np.all(mass > 0)
        # beyond |X| = 7 (mass 2.6e-12) Φ(x) rounds to 1 in float64 and the cells cannot be told apart
        reach = TORCH_ACTIVATIONS[activation](torch.tensor([-35.0, 35.0], dtype=torch.float64)).numpy()
        inside = np.sort(values[(values >= reach[0]) & (values <= reach[1])])  # f(5X) for |X| ≤ 7
        assert np.diff(inside).max() < 2 * 0.01  # cells ≤ 0.01 wide, each point inside its cell
        assert mass[(values < reach[0]) | (values > reach[1])].sum() < 1e-11
        assert mass.max() <= 1 / 2048 + 1e-12 or activation == "relu"  # ReLU's atom at 0 gathers half
    values, mass = neuron_law(5.0, "relu", 0.01)
    assert mass[values == 0].sum() == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: binned_neuron_information(1.0, "sigmoid"), "activation"),
    (lambda: binned_neuron_information(np.ones((2, 2)), "tanh"), "w"),
    (lambda: binned_neuron_information(1.0, "tanh", edges=[0.5, 0.1]), "edges"),
    (lambda: binned_neuron_information(1.0, "tanh", width=-0.1), "width"),
    (lambda: binned_neuron_information(1.0, "tanh", edges=SZT_EDGES, width=0.1), "width"),
    (lambda: binned_neuron_information(1e4, "linear", width=1e-4, max_bins=1000), "width"),
    (lambda: binned_neuron_information(1.0, "tanh", precision="float16"), "precision"),
    (lambda: noisy_neuron_information(1.0, "tanh", 0.0), "sigma"),
    (lambda: noisy_neuron_information(float("nan"), "tanh", 0.1), "w"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
