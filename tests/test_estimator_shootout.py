"""The estimator shoot-out chapter (issue 14): its rows against the known truths, its tables and
figures, its parameters, and the chapter's outcomes in the smoke profile."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ipcore.book.notebook import read_results, run_notebook
from ipcore.estimators import channel_information
from ipcore.data import noisy_layer
from ipcore.experiments import estimator_shootout as es


def test_gaussian_rows_carry_every_estimator_on_one_sample():
    rows = pd.DataFrame(es.gaussian_rows(1.0, 0, n=600, dim=2, mine_steps=20, bin_width=0.5))
    assert list(rows.estimator) == list(es.GAUSSIAN_ESTIMATORS)
    assert (rows.truth == 1.0).all() and (rows.n == 600).all() and (rows.d == 2).all()
    knn = rows.set_index("estimator").loc["kNN"]
    assert abs(knn.estimate - 1.0) < 4 * knn.std_error + 0.05
    assert math.isnan(rows.set_index("estimator").loc["binning"].std_error)


def test_layer_rows_use_the_quadrature_truth_and_sample_propagation_finds_it():
    rows = pd.DataFrame(es.layer_rows(2, 2000, 1, beta=0.1, n_inputs=8, mine_steps=None)).set_index("estimator")
    truth = channel_information(noisy_layer(2, 0.1, n_inputs=8, block=2, seed=0).centers, 0.1)
    assert (rows.truth == truth).all() and "MINE" not in rows.index
    # 8 input values, all in the sample: SP has only Monte Carlo error left, and the binning of
    # the clean layer counts the 8 values, ln 8, above the truth.
    assert rows.loc["SP"].estimate == pytest.approx(truth, abs=4 * rows.loc["SP"].std_error + 0.01)
    assert rows.loc["binning (clean layer)"].estimate == pytest.approx(math.log(8), abs=0.05)
    assert rows.loc["KDE upper bound"].estimate > truth
    assert rows.loc["SP"].std_error < rows.loc["SP, no control variate"].std_error


def _fake_table() -> pd.DataFrame:
    rows = []
    for d, n, seed in [(1, 100, 0), (1, 400, 0), (2, 100, 0), (2, 400, 0), (2, 400, 1)]:
        for name in (*es.LAYER_ESTIMATORS, "SP, no control variate"):
            if name == "MINE" and n != 400:
                continue
            rows.append({"task": "noisy layer", "estimator": name, "truth": float(d), "estimate": d + 0.1 * seed,
                         "std_error": 0.01 if name == "SP" else 0.04, "seconds": 0.1, "n": n, "d": d, "seed": seed})
    for mi in (0.0, 5.0):
        for name in es.GAUSSIAN_ESTIMATORS:
            rows.append({"task": "gaussian", "estimator": name, "truth": mi, "estimate": mi - 0.5, "std_error": 0.1,
                         "seconds": 0.1, "n": 300, "d": 2, "seed": 0})
    table = pd.DataFrame(rows)
    table["error"] = table.estimate - table.truth
    return table


def test_the_summary_and_the_control_variate_table():
    table = _fake_table()
    summary = es.summary(table).set_index(["task", "estimator", "d"])
    assert summary.loc[("gaussian", "kNN", 2)].rms_error == pytest.approx(0.5)
    # at the largest n of the layer (400): d = 2 has seeds 0 and 1 with errors 0 and 0.1
    assert summary.loc[("noisy layer", "SP", 2)].rms_error == pytest.approx(math.sqrt(0.01 / 2))
    assert summary.loc[("noisy layer", "SP", 2)].n == 400
    cv = es.control_variate_table(table)
    assert list(cv.columns) == ["without", "with", "ratio"] and cv.loc[2, "ratio"] == pytest.approx(4.0)


def test_the_figures():
    table = _fake_table()
    slider = es.layer_slider_figure(table)
    assert [s["label"] for s in slider.layout.sliders[0].steps] == ["1", "2"]
    assert slider.layout.xaxis.type == "log"
    assert "true I(X;T) = 2.000" in slider.layout.title.text
    fig = es.gaussian_figure(table)
    assert len(fig.axes[0].get_legend().get_texts()) == 1 + len(es.GAUSSIAN_ESTIMATORS)
    assert es.dimension_figure(table).axes[0].get_yscale() == "log"


@pytest.mark.parametrize(("name", "value"), [("gaussian_dim", 0), ("beta", 0.0), ("n_inputs", 1), ("bin_width", -1.0),
                                             ("first_seed", -1)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(gaussian_dim=2, beta=0.1, n_inputs=8, bin_width=0.5, first_seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        es.check_chapter_parameters(**{**good, name: value})
    with pytest.raises(ValueError, match="^profile"):
        es.profile_settings("fast")


@pytest.mark.slow
def test_the_chapter_runs_and_its_outcomes_hold(repo_root, tmp_path):
    out = tmp_path / "estimators.ipynb"
    run_notebook(repo_root / "notebooks" / "estimators.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke" and r["n"] == 1000
    # whitened kNN follows the Gaussians' diagonal; KSG, MINE and binning fall far below it by 10 nats
    assert r["gaussian_kNN_d2_rms_error"] < 0.2
    assert min(r[f"gaussian_{e}_d2_rms_error"] for e in ("KSG", "MINE", "binning")) > 1.0
    # on the noisy layer, sample propagation beats kNN by far from d = 4; binning the clean layer is no estimate
    assert 10 * r["noisy_layer_SP_d4_rms_error"] < r["noisy_layer_kNN_d4_rms_error"]
    assert r["noisy_layer_binning_clean_layer_d1_rms_error"] > 0.5
    assert r["sp_control_variate_gain_d4"] > 2.0


TINY = {"mi_grid": (0.0, 2.0), "n": 300, "seeds": 1, "mine_steps": 30, "sizes": (100, 300), "dims": (1, 2)}


def test_run_trains_every_mine_critic_in_one_batch_and_caches_each_unit(monkeypatch, tmp_path):
    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path))
    monkeypatch.setattr(es, "profile_settings", lambda profile: dict(TINY))
    batches = []
    batch = es.mine_mutual_information_batch
    monkeypatch.setattr(es, "mine_mutual_information_batch", lambda pairs, seeds, **kw: batches.append(len(pairs)) or
                        batch(pairs, seeds, **kw))
    table = es.run("smoke", progress=False)
    assert batches == [4]  # 2 Gaussian samples and the 2 layers at the largest n, one batch
    mine = table[table.estimator == "MINE"].set_index(["task", "d"])
    assert len(mine) == 4 and (mine.n == 300).all()
    # each unit's MINE row is the one its own rows function computes alone, up to rounding
    alone = pd.DataFrame(es.gaussian_rows(2.0, 0, n=300, dim=2, mine_steps=30, bin_width=0.5)).set_index("estimator")
    assert abs(alone.loc["MINE"].estimate - table.query("task == 'gaussian' and truth == 2.0 and estimator == 'MINE'")
               .estimate.item()) < 0.5 * alone.loc["MINE"].std_error
    alone = pd.DataFrame(es.layer_rows(2, 300, 0, beta=0.1, n_inputs=8, mine_steps=30)).set_index("estimator")
    assert abs(alone.loc["MINE"].estimate - mine.loc[("noisy layer", 2)].estimate) < 0.5 * alone.loc["MINE"].std_error
    # the legends' order within a unit, MINE included
    first = table[(table.task == "gaussian") & (table.truth == 0.0)]
    assert list(first.estimator) == list(es.GAUSSIAN_ESTIMATORS)
    # every unit is stored: a second run trains nothing
    monkeypatch.setattr(es, "mine_mutual_information_batch", lambda *a, **k: pytest.fail("MINE retrained"))
    pd.testing.assert_frame_equal(es.run("smoke", progress=False), table)


def test_an_interrupted_run_keeps_every_unit_it_completed(monkeypatch, tmp_path):
    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path))
    monkeypatch.setattr(es, "profile_settings", lambda profile: dict(TINY))
    monkeypatch.setattr(es, "MINE_BATCH", 2)
    batches = []
    batch = es.mine_mutual_information_batch

    def interrupted(pairs, seeds, **kw):
        batches.append(len(pairs))
        if len(batches) == 2:
            raise KeyboardInterrupt
        return batch(pairs, seeds, **kw)

    monkeypatch.setattr(es, "mine_mutual_information_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        es.run("smoke", progress=False)
    # the 2 layer units without MINE and the first batch's 2 units were stored: only the second batch is left
    batches.clear()
    monkeypatch.setattr(es, "mine_mutual_information_batch", lambda pairs, seeds, **kw: batches.append(len(pairs)) or
                        batch(pairs, seeds, **kw))
    table = es.run("smoke", progress=False)
    assert batches == [2] and len(table[table.estimator == "MINE"]) == 4
