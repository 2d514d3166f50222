"""The information-plane chapter at the smoke profile: its reported numbers show what the
original figures claim, and bad parameters stop it with a clear error."""

from __future__ import annotations

import math

import pytest

from ipcore.book.notebook import NotebookError, read_results, run_notebook

pytestmark = pytest.mark.slow
LN_4096 = math.log(4096)
CHAPTER = "szt_information_plane"
HIDDEN = [f"layer{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def results(repo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("plane") / f"{CHAPTER}.ipynb"
    run_notebook(repo_root / "notebooks" / f"{CHAPTER}.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke" and r["n_networks"] >= 4
    return r


def test_the_binned_plane_fits_then_compresses(results):
    r, h_y = results, results["label_entropy"]
    assert h_y == pytest.approx(0.6926, abs=1e-4)
    # Fitting: every layer ends with nearly all the label information (and never more than H(Y)).
    for layer in HIDDEN + ["softmax"]:
        assert 0.9 * h_y < r[f"{layer}_mi_y_final"] <= h_y + 1e-9, layer
    # Layer 1 keeps the 4096 inputs in distinct bins; the deepest layers lose a nat or more.
    assert r["layer1_mi_x_final"] == pytest.approx(LN_4096, abs=0.01) and r["layer1_compression"] < 0.01
    assert r["layer5_compression"] > 1.0 and r["softmax_compression"] > 1.0
    assert 0 < r["layer5_mi_x_peak_epoch"] < r["epochs"] - 1
    assert r["final_train_acc"] > 0.97


def test_the_gradient_snr_falls_from_drift_to_diffusion(results):
    r = results
    assert r["snr_max"] > 5 and r["snr_final_max"] < 1
    for layer in HIDDEN:
        assert 0 < r[f"{layer}_snr_below_1_epoch"] < r["epochs"], layer


def test_the_noisy_plane_is_measured_with_error_bars(results):
    r, h_y = results, results["label_entropy"]
    assert r["noisy_n_networks"] >= 2 and r["betas"] == [0.005, 0.05]
    assert abs(r["noisy_layer1_mi_x_final"] - LN_4096) < 0.1  # separated inputs: ln 4096 up to MC error
    assert r["noisy_layer5_compression"] > 1.0
    for layer in HIDDEN:
        assert 0.9 * h_y < r[f"noisy_{layer}_mi_y_final"] <= h_y + 0.05, layer
    assert 0 < r["noisy_max_se"] < 0.5


@pytest.mark.parametrize("parameters, match", [
    ({"n_networks": 0}, "n_networks: must be an integer >= 1"),
    ({"schedule": "log3"}, "schedule: must be one of"),
    ({"beta": -0.005}, "beta: must be finite and > 0"),
])
def test_bad_parameters_stop_the_chapter_before_training(repo_root, tmp_path, parameters, match):
    with pytest.raises(NotebookError, match=match):
        run_notebook(repo_root / "notebooks" / f"{CHAPTER}.md", tmp_path / "o.ipynb", parameters, progress=False)


@pytest.mark.parametrize("overrides, match", [
    ({"binning": "fine"}, "binning: must be one of"),
    ({"split": "sorted"}, "split: must be one of"),
    ({"betas": [0.02, 0.1]}, "betas: must contain the chapter's beta"),
    ({"noisy_networks": -1}, "n_networks: must be an integer >= 1"),
    ({"batch_size": 0}, "batch_size: must be an integer >= 1"),
    ({"profile": "full"}, "profile: must be one of"),
])
def test_every_chapter_parameter_is_checked_by_name(overrides, match):
    from ipcore.experiments.information_plane_chapter import chapter_configs

    kwargs = {"profile": "smoke", "beta": 0.005, **overrides}
    with pytest.raises(ValueError, match=f"^{match}"):
        chapter_configs(kwargs.pop("profile"), **kwargs)
