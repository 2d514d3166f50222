"""The IB-bound chapter: its problems, its numbers, its parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ipcore.book.notebook import read_results, run_notebook
from ipcore.experiments import ib_bound as ibb


def test_the_szt_problem_has_the_rules_labels():
    hard = ibb.szt_joint(None)
    assert hard.shape == (4096, 2)
    assert hard.sum() == pytest.approx(1.0, abs=1e-12)
    assert hard[:, 1].sum() == pytest.approx(2118 / 4096, abs=1e-12)  # 2118 ones
    # the label is 1 exactly where the rule's statistic k + |R| − θ is positive
    np.testing.assert_array_equal(hard[:, 1] > 0, ibb.szt_statistic() > 0)
    # a very sharp logistic rule gives back the hard labels; a soft one does not
    np.testing.assert_allclose(ibb.szt_joint(1000.0), hard, atol=1e-12)
    assert np.abs(ibb.szt_joint(1.0) - hard).max() > 0.05 / 4096


def test_the_toy_problem_is_logistic_in_its_statistic():
    p, s = ibb.toy_joint(5, 2.0)
    np.testing.assert_allclose(s, [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_allclose(p[:, 1] / p.sum(1), 1 / (1 + np.exp(-2.0 * s)))


def test_the_beta_grid_is_idnns_at_its_step():
    grid = ibb.beta_grid(0.8, 300.0, 0.1)
    assert grid[0] == pytest.approx(0.8) and grid[-1] <= 300.0 < grid[-1] * 2**0.1
    np.testing.assert_allclose(np.diff(np.log2(grid)), 0.1)


def test_critical_beta_bracket_and_interpolation():
    from ipcore.bottleneck import ib_curve

    p = 0.5 * np.array([[0.9, 0.1], [0.1, 0.9]])
    curve = ib_curve(p, [1.0, 1.5, 1.6, 3.0])
    assert ibb.found_critical_beta(curve) == (1.5, 1.6)  # theory: 1/0.8² = 1.5625
    at = ibb.information_at(curve, [0.0, curve.i_xt[-1], 10.0])
    assert at[0] == pytest.approx(0.0, abs=1e-12) and at[1] == pytest.approx(curve.i_ty[-1])
    assert math.isnan(at[2])


def test_layer_gaps_measure_the_distance_to_the_corner():
    class Hard:
        h_y = 0.7

    mean = {"mi_x": np.array([[8.0, 0.5], [8.3, 0.6]]), "mi_y": np.array([[0.5, 0.4], [0.7, 0.55]])}
    gaps = ibb.layer_gaps(mean, ["a", "b"], Hard())
    np.testing.assert_allclose(gaps["below the bound"], [0.0, 0.05])
    np.testing.assert_allclose(gaps["I(X;T) above H(Y)"], [7.6, -0.1])


def test_displayed_clusters_add_up_clusters_a_picture_cannot_tell_apart():
    enc = np.array([[0.5, 0.5, 0.0], [0.0, 0.2, 0.8]])
    dec = np.array([[0.3, 0.7], [0.301, 0.699], [0.9, 0.1]])
    merged, values = ibb.displayed_clusters(enc, dec)
    np.testing.assert_allclose(values, [0.1, 0.7])
    np.testing.assert_allclose(merged, [[0.0, 1.0], [0.8, 0.2]])


@pytest.mark.parametrize(("name", "value"), [("sharpness", 0.0), ("beta_max", 0.5), ("beta", 1000.0),
                                             ("toy_inputs", 1), ("toy_sharpness", -1.0), ("toy_betas", [])])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(sharpness=1.0, beta_min=0.8, beta_max=300.0, beta=4.0, toy_inputs=40, toy_sharpness=4.0,
                toy_betas=[3.0])
    with pytest.raises(ValueError, match=f"^{name}:"):
        ibb.check_chapter_parameters(**{**good, name: value})


@pytest.mark.slow
def test_the_chapter_runs_and_its_numbers_hold(repo_root, tmp_path):
    out = tmp_path / "ib_bound.ipynb"
    run_notebook(repo_root / "notebooks" / "ib_bound.md", out, {}, progress=False)
    r = read_results(out)
    assert r["hard_critical_beta_theory"] == pytest.approx(1.0, rel=1e-9)
    low, high = r["smooth_critical_beta_found_in"]
    assert low < r["smooth_critical_beta_theory"] <= high  # the transition where 1/ρ² puts it
    low, high = r["hard_critical_beta_found_in"]
    assert low < 1.0 <= high
    assert r["dualib_ity_at_0.5"] <= r["ib_ity_at_0.5"] + 1e-6
    assert r["ib_ity_at_1.0"] < r["smooth_i_xy"]
    assert min(r["layers_below_bound"]) >= -1e-9  # no layer above the bound
