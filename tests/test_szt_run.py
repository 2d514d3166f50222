"""The SZT runner: estimates per layer, cache reuse, clear errors (smoke-sized)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ipcore.experiments.szt import SZTConfig, run_szt, summary


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path))


def test_tiny_run_estimates_every_layer_and_is_cached():
    config = SZTConfig(epochs=30, n_log=4, replicas=4)
    run = run_szt(config, progress=False)
    assert run.epochs[0] == 0 and run.epochs[-1] == 29
    assert run.mi.shape == (len(run.epochs), 5) and np.isfinite(run.mi).all()
    # Every estimate is at most H(X) = ln 4096, up to its Monte Carlo error.
    assert (run.mi - 4 * run.mi_std <= math.log(4096)).all()
    assert (run.binned <= math.log(4096) + 1e-9).all() and [c.shape[2] for c in run.clean] == [10, 7, 5, 4, 3]
    again = run_szt(config, progress=False)
    assert np.array_equal(again.mi, run.mi)
    # 30 epochs learn the rule well past the majority class of the 819 test inputs (51.9 %): measured 0.884
    acc = summary(run)["final_test_acc"]
    assert acc > 0.8 and round(acc * 819) == pytest.approx(acc * 819, abs=1e-3)  # a fraction of the 819


def test_deterministic_network_records_binning_only():
    run = run_szt(SZTConfig(beta=0.0, epochs=10, n_log=3, estimate=False), progress=False)
    assert np.isnan(run.mi).all() and np.isfinite(run.binned).all()


@pytest.mark.parametrize("kwargs, name", [
    ({"activation": "sigmoid"}, "activation"),
    ({"beta": -0.005}, "beta"),
    ({"epochs": 1}, "epochs"),
    ({"lr": 0.0}, "lr"),
    ({"replicas": 0}, "replicas"),
    ({"widths": (12, 4, 3)}, "widths"),
    ({"epochs": 100, "log_epochs": (0, 10, 100)}, "log_epochs"),  # past the last epoch (99)
    ({"log_epochs": (-1, 5)}, "log_epochs"),
    ({"precision": "float16"}, "precision"),
])
def test_bad_parameters_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        SZTConfig(**kwargs)


def test_explicit_log_epochs_are_the_schedule():
    run = run_szt(SZTConfig(beta=0.0, epochs=12, log_epochs=(11, 3, 3, 0), estimate=False), progress=False)
    assert run.epochs.tolist() == [0, 3, 11]


def test_double_precision_runs_keep_double_precision_representations():
    run = run_szt(SZTConfig(beta=0.0, epochs=5, n_log=2, estimate=False, precision="float64"), progress=False)
    assert all(c.dtype == np.float64 for c in run.clean)
    # Distinct inputs stay distinct (a float32 saturated net can map several inputs to one point).
    assert all(len(np.unique(c[-1], axis=0)) == 4096 for c in run.clean)
