"""Infinite ensembles of infinitely wide networks: the kernels against finite wide networks and
quadrature, the gradient flow against its ODE, and the information quantities' limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ipcore.nets.infinite_width import (
    InfiniteEnsemble, _dual_activation, ensemble_information, infonce_bounds, network_kernels,
)
from ipcore.seeding import make_generator

X = torch.randn(5, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def finite_network(width, depth, activation, weight_std, bias_std, generator, d=10):
    """A finite network in the NTK parameterisation: its output function and parameters."""
    phi = torch.erf if activation == "erf" else torch.relu
    sizes = [d] + [width] * depth + [1]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [torch.randn(n_out, n_in, generator=generator, dtype=torch.float64, requires_grad=True),
                   torch.randn(n_out, generator=generator, dtype=torch.float64, requires_grad=True)]

    def forward(x, last_hidden=False):
        h = x
        for layer in range(depth + 1):
            w, b = params[2 * layer], params[2 * layer + 1]
            if last_hidden and layer == depth:
                return h
            h = weight_std * h @ w.T / math.sqrt(w.shape[1]) + bias_std * b
            if layer < depth:
                h = phi(h)
        return h[:, 0]

    return forward, params


@pytest.mark.parametrize("activation", ["erf", "relu"])
def test_the_ntk_is_that_of_wide_random_networks(activation):
    # Θ̂(x, x') = Σ_θ ∂f(x)/∂θ ∂f(x')/∂θ of a finite network converges to Θ as the width grows;
    # 4 networks of width 2048 bring the mean within a few percent (measured: 2–3.5 %).
    _, ntk = network_kernels(X, depth=2, activation=activation, weight_std=1.5, bias_std=0.1)
    generator = torch.Generator().manual_seed(1)
    empirical = torch.zeros_like(ntk)
    for _ in range(4):
        forward, params = finite_network(2048, 2, activation, 1.5, 0.1, generator)
        rows = []
        for i in range(len(X)):
            grads = torch.autograd.grad(forward(X[i:i + 1])[0], params)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
        jac = torch.stack(rows)
        empirical += jac @ jac.T / 4
    assert float((empirical - ntk).abs().max() / ntk.abs().max()) < 0.06


@pytest.mark.parametrize("activation", ["erf", "relu"])
def test_the_nngp_kernel_is_that_of_wide_random_networks(activation):
    # The output's covariance given the last hidden layer: σ_w² φ(h)·φ(h')/n + σ_b² → K.
    k, _ = network_kernels(X, depth=2, activation=activation, weight_std=1.5, bias_std=0.1)
    generator = torch.Generator().manual_seed(2)
    empirical = torch.zeros_like(k)
    with torch.no_grad():
        for _ in range(16):  # measured: within 0.6 % (ReLU) and 0.7 % (erf) at width 4096; 5 % with 4 networks
            forward, _ = finite_network(2048, 2, activation, 1.5, 0.1, generator)
            h = forward(X, last_hidden=True)
            empirical += (1.5**2 * h @ h.T / h.shape[1] + 0.1**2) / 16
    assert float((empirical - k).abs().max() / k.abs().max()) < 0.03


@pytest.mark.parametrize("activation", ["erf", "relu"])
def test_the_dual_activations_are_the_gaussian_expectations(activation):
    # against 2-D Gauss–Hermite quadrature of E[φ(u)φ(v)] and E[φ'(u)φ'(v)]
    phi = {"erf": lambda u: torch.erf(u), "relu": torch.relu}[activation]
    dphi = {"erf": lambda u: 2 / math.sqrt(math.pi) * torch.exp(-u * u), "relu": lambda u: (u > 0).double()}[activation]
    nodes, weights = np.polynomial.hermite_e.hermegauss(200)
    nodes, weights = torch.as_tensor(nodes), torch.as_tensor(weights / weights.sum())
    for kxx, kyy, kxy in [(1.0, 2.0, 0.7), (0.3, 0.5, -0.2), (4.0, 1.0, 1.9)]:
        chol = torch.linalg.cholesky(torch.tensor([[kxx, kxy], [kxy, kyy]], dtype=torch.float64))
        a, b = torch.meshgrid(nodes, nodes, indexing="ij")
        u = chol[0, 0] * a
        v = chol[1, 0] * a + chol[1, 1] * b
        w = weights[:, None] * weights[None, :]
        value, derivative = _dual_activation(activation, torch.tensor(kxy), torch.tensor(kxx), torch.tensor(kyy))
        # erf is smooth: the quadrature agrees to 1e-7; ReLU's kink slows it to ~0.5 %
        rel = 1e-6 if activation == "erf" else 1.5e-2
        assert float(value) == pytest.approx(float((w * phi(u) * phi(v)).sum()), rel=rel)
        if activation == "erf":  # the step's quadrature converges too slowly to test this way
            assert float(derivative) == pytest.approx(float((w * dphi(u) * dphi(v)).sum()), rel=1e-6)
    # ReLU's E[step(u) step(v)] = P(u > 0, v > 0) = (π − θ)/2π: ½ for v = u, ¼ for independent u, v
    _, same = _dual_activation("relu", torch.tensor(1.0), torch.tensor(1.0), torch.tensor(1.0))
    _, independent = _dual_activation("relu", torch.tensor(0.0), torch.tensor(1.0), torch.tensor(2.0))
    assert float(same) == pytest.approx(0.5) and float(independent) == pytest.approx(0.25)


def small_problem(n_train=6, n_test=4, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_train + n_test, 8, generator=g, dtype=torch.float64)
    y = torch.nn.functional.one_hot(torch.randint(0, c, (n_train + n_test,), generator=g), c).double()
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def test_at_the_start_the_outputs_are_the_nngp_prior():
    x, y, xt, _ = small_problem()
    ens = InfiniteEnsemble(x, y, weight_std=1.3, bias_std=0.2)
    out = ens.outputs(xt, [0.0])
    k, _ = network_kernels(xt, weight_std=1.3, bias_std=0.2)
    assert float(out.mean.abs().max()) == 0.0
    torch.testing.assert_close(out.covariance[0], k, rtol=1e-12, atol=1e-12)


def test_at_the_end_the_mean_interpolates_the_training_labels():
    x, y, _, _ = small_problem()
    out = InfiniteEnsemble(x, y).outputs(x, [math.inf, 1e7])
    torch.testing.assert_close(out.mean[0], y, rtol=0, atol=1e-8)
    torch.testing.assert_close(out.mean[1], y, rtol=0, atol=1e-6)
    assert float(out.variance.abs().max()) < 1e-8  # no spread left at the training points


def test_the_mean_follows_the_gradient_flow_ode():
    # d f(X)/dt = −Θ (f − Y) / n on the training points; the ensemble mean starts at 0.
    x, y, _, _ = small_problem()
    ens = InfiniteEnsemble(x, y)
    f, dt, steps = torch.zeros_like(y), 1e-3, 3000
    for _ in range(steps):
        f = f - dt * ens.ntk_train @ (f - y) / len(x)
    torch.testing.assert_close(ens.outputs(x, [dt * steps]).mean[0], f, rtol=0, atol=2e-3)


def test_the_information_bounds_bracket_each_other_and_behave_at_the_ends():
    x, y, xt, yt = small_problem(n_train=10, n_test=12)
    ens = InfiniteEnsemble(x, y, weight_std=1.5)
    table = ensemble_information(ens, xt, yt, [1e-3, 1.0, 10.0, 1e4], n_samples=400, seed=0)
    assert np.all(table.i_xz_lower <= table.i_xz_upper + 1e-9)
    assert np.all(table.i_xz_lower <= math.log(12) + 1e-9)
    assert table.i_xz_lower.iloc[0] < 0.01  # barely trained: the outputs hardly depend on x yet
    assert table.i_zd_upper.iloc[0] < table.i_zd_upper.iloc[-1]  # moving away from the prior
    assert table.train_mse.iloc[-1] < 1e-6 < table.train_mse.iloc[0]
    # Bayes loss ≤ Gibbs loss (Jensen: the log of the mean density ≥ the mean log density)
    assert np.all(table.bayes_loss <= table.gibbs_loss + 1e-9)


def test_infonce_bounds_of_far_apart_points_reach_ln_k():
    mean = torch.tensor([[0.0], [100.0], [200.0], [300.0]], dtype=torch.float64)
    lower, upper = infonce_bounds(mean, torch.ones(4, dtype=torch.float64), n_samples=50, generator=make_generator(0))
    assert lower == pytest.approx(math.log(4), abs=1e-9)
    assert upper > 10  # the leave-one-out bound is loose when the points never overlap


def test_bad_inputs_are_named():
    x, y, xt, yt = small_problem()
    ens = InfiniteEnsemble(x, y)
    with pytest.raises(ValueError, match=r"^times:"):
        ens.outputs(xt, [-1.0])
    with pytest.raises(ValueError, match=r"^z: has 3 features"):
        ens.outputs(xt[:, :3], [1.0])
    with pytest.raises(ValueError, match=r"^y_train: has 5 rows"):
        InfiniteEnsemble(x, y[:5])
    with pytest.raises(ValueError, match=r"^y_test: must have shape"):
        ensemble_information(ens, xt, yt[:, :2], [1.0])
