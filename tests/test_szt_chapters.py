"""SZT chapters run through papermill at the smoke profile; their reported numbers are asserted.

The runs are cached in the session's cache (see conftest), which the book build shares, so
each network is trained once per test session.
"""

from __future__ import annotations

import math

import pytest

from ipcore.book.notebook import NotebookError, read_results, run_notebook

pytestmark = pytest.mark.slow
LN_4096 = math.log(4096)


def run_chapter(repo_root, tmp_path, name, parameters=None):
    out = tmp_path / f"{name}.ipynb"
    run_notebook(repo_root / "notebooks" / f"{name}.md", out, parameters or {}, progress=False)
    results = read_results(out)
    assert results["profile"] == "smoke"
    return results


def test_binning_collapse_reaches_ln_4096_with_the_finest_bins(repo_root, tmp_path):
    results = run_chapter(repo_root, tmp_path, "szt_binning")
    # Every layer at every epoch within 0.01 of ln 4096 with the finest bins …
    assert results["finest_min_mi"] == pytest.approx(LN_4096, abs=0.01)
    # … while coarse bins show the deepest layer far below it ("compression" = clustering).
    assert results["coarsest_layer5_final"] < LN_4096 - 2.0


def test_noisy_network_fits_then_compresses(repo_root, tmp_path):
    r = run_chapter(repo_root, tmp_path, "szt_noisy")
    # Layer 1: flat at ln 4096 (its clean representations stay many β apart), up to 4 SE.
    assert r["layer1_min_separation_in_beta"] > 10
    assert abs(r["layer1_min"] - LN_4096) < 4 * r["max_se"] + 0.02
    assert abs(r["layer1_max"] - LN_4096) < 4 * r["max_se"] + 0.02
    # Layers 2–3 stay high (paper: 7.5–7.9).
    assert 6.8 < r["layer2_final"] < LN_4096 and 6.5 < r["layer3_final"] < LN_4096
    # Layer 5 rises to a peak, then compresses (paper profile goal: ≥ 1.5 nats).
    assert r["layer5_peak"] - r["layer5_first"] > 1.0
    assert r["layer5_compression"] > 1.5
    assert 0 < r["layer5_peak_epoch"] < r["epochs"]
    # The binned entropy at width 10β tracks I(X;T_5).
    assert r["layer5_binned_correlation"] > 0.9
    assert r["final_train_acc"] >= 0.97 and r["final_test_acc"] >= 0.92
    assert r["max_se"] < 0.1


def test_variants_compression_is_not_generalization(repo_root, tmp_path):
    r = run_chapter(repo_root, tmp_path, "szt_variants")
    assert r["tanh_compression"] > 1.5
    # Orthonormality stops compression but not generalization.
    assert r["orthonormal_compression"] < 0.5
    assert r["orthonormal_test_acc"] >= r["tanh_test_acc"] - 0.02
    # ReLU compresses far less than tanh; the linear net cannot fit the task.
    assert r["relu_compression"] < 0.5 * r["tanh_compression"]
    assert r["linear_train_acc"] < 0.9 < r["tanh_train_acc"]


def test_deterministic_binned_entropy_follows_clusters(repo_root, tmp_path):
    r = run_chapter(repo_root, tmp_path, "szt_deterministic")
    assert r["min_correlation"] > 0.9
    # At the coarse width the curve rises and falls (clusters form, then merge).
    assert r["binned_peak"] - r["binned_first"] > 0.5
    assert r["binned_peak"] - r["binned_trough"] > 0.5
    assert r["binned_first"] < r["binned_peak"] and r["binned_trough_epoch"] > r["binned_peak_epoch"]


@pytest.mark.parametrize("name, parameters, match", [
    ("szt_binning", {"widths": [0.1, -1.0]}, "widths"),
    ("szt_noisy", {"beta": -0.005}, "beta: must be finite and > 0"),
    ("szt_noisy", {"betas": [0.02, 0.1]}, "betas"),
    ("szt_noisy", {"scatter_epochs": [0, 4, 100000]}, "epoch"),
    ("szt_noisy", {"activation": "sigmoid"}, "activation: must be one of"),
    ("szt_noisy", {"log_epochs": [0, 10, 500]}, "log_epochs: every logged epoch must lie in"),
    ("szt_variants", {"alpha": -0.1}, "alpha"),
    ("szt_deterministic", {"widths": [0.01, 0.3]}, "widths"),
    ("szt_deterministic", {"layer": 7}, "layer"),
])
def test_chapters_reject_bad_parameters(repo_root, tmp_path, name, parameters, match):
    with pytest.raises(NotebookError, match=match):
        run_notebook(repo_root / "notebooks" / f"{name}.md", tmp_path / "o.ipynb", parameters, progress=False)
