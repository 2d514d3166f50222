"""Deep linear networks measured exactly: the closed forms, the student, and the chapter (Saxe et al. 2018)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ipcore.book.notebook import read_results, run_notebook
from ipcore.estimators import (gaussian_channel_mutual_information, jointly_gaussian_mutual_information,
                               linear_layer_information)
from ipcore.experiments import saxe_linear as sl
from ipcore.nets import DeepLinearNetwork

RNG = np.random.default_rng(3)


def random_covariance(n: int) -> np.ndarray:
    a = RNG.standard_normal((n, n))
    return a @ a.T / n + 0.2 * np.eye(n)


def joint_information(cov_x, w, variance, teacher, teacher_noise, first, second):
    """I between two groups of coordinates of the joint Gaussian (X, T, Y), by the joint-covariance formula."""
    n_in, n_h = cov_x.shape[0], w.shape[0]
    m = np.vstack([np.eye(n_in), w, teacher])
    c = m @ cov_x @ m.T
    c[n_in:n_in + n_h, n_in:n_in + n_h] += variance * np.eye(n_h)
    c[n_in + n_h:, n_in + n_h:] += teacher_noise * np.eye(teacher.shape[0])
    idx = list(first) + list(second)
    return jointly_gaussian_mutual_information(c[np.ix_(idx, idx)], len(first))


def test_every_quantity_matches_the_joint_covariance_formula():
    n_in, n_h, n_o = 6, 4, 2
    cov = random_covariance(n_in)
    w = RNG.standard_normal((3, n_h, n_in))
    teacher = RNG.standard_normal((n_o, n_in))
    out = linear_layer_information(w, cov, beta=math.sqrt(0.7), teacher=teacher, teacher_noise=0.4,
                                   subsets={"a": [0, 2], "b": [1, 3, 4, 5]})
    x, t, y = range(n_in), range(n_in, n_in + n_h), range(n_in + n_h, n_in + n_h + n_o)
    for k in range(3):
        truth = lambda first, second: joint_information(cov, w[k], 0.7, teacher, 0.4, first, second)  # noqa: E731
        assert out["i_tx"][k] == pytest.approx(truth(t, x), abs=1e-12)
        assert out["i_ty"][k] == pytest.approx(truth(t, y), abs=1e-12)
        assert out["i_t_a"][k] == pytest.approx(truth(t, [0, 2]), abs=1e-12)
        assert out["i_t_b"][k] == pytest.approx(truth(t, [1, 3, 4, 5]), abs=1e-12)
        assert out["i_tx"][k] == pytest.approx(gaussian_channel_mutual_information(cov, w[k], math.sqrt(0.7)), abs=1e-12)


def test_the_slides_formula_for_independent_blocks_and_the_data_processing_order():
    """For Σ_x = I the subset information is ½ ln det Σ_T − ½ ln det(W̄_irr W̄_irrᵀ + σ²I), and
    I(T;Y) ≤ I(T;X), I(T;X_S) ≤ I(T;X) for any subset."""
    w = RNG.standard_normal((5, 8))
    teacher = np.concatenate([RNG.standard_normal((1, 3)), np.zeros((1, 5))], axis=1)
    out = linear_layer_information(w, np.eye(8), beta=1.0, teacher=teacher, teacher_noise=0.5,
                                   subsets={"rel": [0, 1, 2], "irr": [3, 4, 5, 6, 7]})
    rel, irr = w[:, :3], w[:, 3:]
    logdet = lambda a: np.linalg.slogdet(a)[1]  # noqa: E731
    assert out["i_t_rel"] == pytest.approx(0.5 * logdet(w @ w.T + np.eye(5)) - 0.5 * logdet(irr @ irr.T + np.eye(5)))
    assert out["i_t_irr"] == pytest.approx(0.5 * logdet(w @ w.T + np.eye(5)) - 0.5 * logdet(rel @ rel.T + np.eye(5)))
    assert out["i_tx"] == pytest.approx(0.5 * logdet(w @ w.T + np.eye(5)))  # the slides' formula with the ½
    assert out["i_ty"] <= out["i_t_rel"] + 1e-12 <= out["i_tx"] + 2e-12  # Y depends on X_rel only
    assert out["i_t_irr"] <= out["i_tx"]


def test_a_monte_carlo_estimate_of_the_layer_information_agrees():
    """I(T;X) = E[ln p(T|X) − ln p(T)] by sampling, against the log-determinant."""
    w = RNG.standard_normal((2, 3)) * 0.8
    variance = 0.5
    n = 400_000
    x = RNG.standard_normal((n, 3))
    t = x @ w.T + math.sqrt(variance) * RNG.standard_normal((n, 2))
    cov_t = w @ w.T + variance * np.eye(2)
    log_marginal = -0.5 * np.einsum("ij,jk,ik->i", t, np.linalg.inv(cov_t), t) - 0.5 * np.linalg.slogdet(2 * np.pi * cov_t)[1]
    resid = t - x @ w.T
    log_conditional = -0.5 * (resid**2).sum(1) / variance - math.log(2 * np.pi * variance)
    samples = log_conditional - log_marginal
    exact = float(linear_layer_information(w, np.eye(3), beta=math.sqrt(variance))["i_tx"])
    assert samples.mean() == pytest.approx(exact, abs=4 * samples.std() / math.sqrt(n))


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(weights=np.ones((2, 3)), cov_x=np.eye(4), beta=1.0), "weights"),
    (dict(weights=np.ones((2, 3)), cov_x=np.eye(3), beta=0.0), "beta"),
    (dict(weights=np.ones((2, 3)), cov_x=-np.eye(3), beta=1.0), "cov_x"),
    (dict(weights=np.ones((2, 3)), cov_x=np.eye(3), beta=1.0, teacher=np.ones((1, 2))), "teacher"),
    (dict(weights=np.ones((2, 3)), cov_x=np.eye(3), beta=1.0, teacher=np.ones((2, 3)), teacher_noise=0.0),
     "teacher_noise"),
    (dict(weights=np.ones((2, 3)), cov_x=np.eye(3), beta=1.0, subsets={"a": [0, 3]}), "subsets"),
    (dict(weights=np.ones((2, 3)), cov_x=np.eye(3), beta=1.0, subsets={"a": [1, 1]}), "subsets"),
])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        linear_layer_information(**kwargs)


def test_the_student_has_no_biases_and_its_products_compose():
    torch.manual_seed(0)
    net = DeepLinearNetwork((5, 4, 3, 2), init_std=0.3)
    assert all(layer.bias is None for layer in net.linears()) and len(net.linears()) == 3
    assert float(net.linears()[0].weight.detach().std()) == pytest.approx(0.3, rel=0.4)
    x = torch.randn(7, 5, dtype=torch.float64)
    products = net.products()
    assert [tuple(p.shape) for p in products] == [(4, 5), (3, 5), (2, 5)]
    torch.testing.assert_close(net(x), x @ products[-1].T)
    with pytest.raises(ValueError, match="^init_std"):
        DeepLinearNetwork((5, 3, 2), init_std=-1.0)


@pytest.fixture(scope="module")
def overfitting_run():
    return sl.run_linear(sl.LinearTeacherConfig(n_inputs=30, n_hidden=30, n_train=30, epochs=1500, n_log=25))


def test_the_generalisation_error_is_the_closed_form_and_the_run_overfits(overfitting_run):
    run = overfitting_run
    w_tot = run.products[-1][-1]
    assert run.test_error[-1] == pytest.approx(float(((run.teacher - w_tot) ** 2).sum()) + 1.0)
    # the closed form is the expected squared error on fresh teacher data
    config = run.config
    g = torch.Generator().manual_seed(5)
    x = torch.randn(200_000, config.n_inputs, generator=g, dtype=torch.float64).numpy()
    y = x @ run.teacher.T + np.sqrt(config.teacher_noise) * torch.randn(200_000, 1, generator=g, dtype=torch.float64).numpy()
    assert float(((y - x @ w_tot.T) ** 2).mean()) == pytest.approx(run.test_error[-1], rel=0.02)
    assert run.train_error[-1] < 0.1 and run.test_error[-1] > 2 * run.test_error.min()  # P = N_i: it fits the noise
    info = sl.information(run)
    assert sl.compression(info.i_tx) < 1e-4  # I(T;X) never falls from a small initialisation
    assert np.all(info.i_ty <= info.i_tx)  # data processing: Y reaches T only through X


def test_runs_depend_on_their_seed_and_repeat_with_it():
    config = sl.LinearTeacherConfig(n_inputs=8, n_hidden=6, n_train=10, epochs=20, n_log=5)
    a, b = sl.run_linear(config), sl.run_linear(config)
    c = sl.run_linear(sl.LinearTeacherConfig(**{**config.__dict__, "seed": 1}))
    np.testing.assert_array_equal(a.products[0], b.products[0])
    assert not np.allclose(a.products[0], c.products[0]) and not np.allclose(a.teacher, c.teacher)


def test_the_irrelevant_inputs_are_outside_the_teacher_and_their_information_is_measured():
    config = sl.LinearTeacherConfig(n_inputs=10, n_relevant=4, n_hidden=10, n_train=40, epochs=30, n_log=5)
    run = sl.run_linear(config)
    assert np.all(run.teacher[0, 4:] == 0) and np.all(run.teacher[0, :4] != 0)
    info = sl.information(run)
    assert {"i_t_relevant", "i_t_irrelevant"} <= set(info.columns)
    assert np.all(info.i_t_relevant <= info.i_tx + 1e-12) and np.all(info.i_t_irrelevant <= info.i_tx + 1e-12)


def test_compression_is_the_largest_fall_after_a_peak():
    assert sl.compression([0.0, 1.0, 2.0]) == 0.0
    assert sl.compression([0.0, 3.0, 1.0, 2.5, 0.5]) == pytest.approx(2.5)


@pytest.mark.parametrize(("name", "value"), [("n_inputs", 0), ("depth", 0), ("n_train", -1), ("teacher_noise", -1.0),
                                             ("lr", 0.0), ("epochs", 1), ("init_std", 0.0), ("sample_sizes", []),
                                             ("sample_sizes", [10, 2.5]), ("init_stds", [-0.1]), ("mi_variances", [0.0]),
                                             ("n_relevant", 100), ("n_relevant", 0), ("seed", -1)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(n_inputs=100, n_hidden=100, depth=1, n_train=100, sample_sizes=[50, 100], teacher_noise=1.0, lr=0.02,
                epochs=100, init_std=0.01, init_stds=[0.01, 0.1], mi_variances=[1.0], n_relevant=30, seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        sl.check_chapter_parameters(**{**good, name: value})


@pytest.mark.slow
def test_the_chapter_runs_and_its_numbers_hold(repo_root, tmp_path):
    out = tmp_path / "saxe_linear.ipynb"
    run_notebook(repo_root / "notebooks" / "saxe_linear.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke" and r["epochs"] == 2000
    assert r["i_tx_start"] == pytest.approx(50 * math.log1p(1e-2 * 1.0), rel=0.05)  # W₁W₁ᵀ ≈ N_i σ_init² I
    assert r["largest_fall_i_tx"] < 1e-3  # no compression from a small initialisation
    assert r["e_g_end_at_p_n_train"] > 3 * r["e_g_min_at_p_n_train"]  # P = N_i overfits
    assert r["e_g_end_at_largest_p"] < 1.5  # many samples: close to σ_o² = 1
    assert r["irrelevant_fall_large_init"] > 0.01 and r["relevant_rise_large_init"] > 0.05
