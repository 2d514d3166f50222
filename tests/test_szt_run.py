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


def _tiny(**kwargs):
    return SZTConfig(**{"epochs": 20, "log_epochs": (0, 5, 19), "replicas": 4, **kwargs})


def test_an_ensemble_of_betas_measures_each_member_as_its_single_run():
    """Members follow their single networks to float rounding: over 20 epochs the numbers agree
    far inside their Monte Carlo errors (same estimator, same seeds)."""
    from ipcore.experiments.szt import run_szt_ensemble

    configs = [_tiny(beta=b) for b in (0.01, 0.05)] + [_tiny(beta=0.01, seed=3), _tiny(beta=0.0)]
    members = run_szt_ensemble(configs, progress=False, use_cache=False)
    for config, member in zip(configs, members):
        single = run_szt(config, progress=False, use_cache=False)
        assert member.config == config and member.trained_as == "member of an ensemble of 4"
        assert single.trained_as == "single network"
        assert np.array_equal(member.epochs, single.epochs)
        se = np.nanmax(single.mi_std) if config.beta > 0 else 0.0
        np.testing.assert_allclose(member.mi, single.mi, atol=0.05 * se, equal_nan=True)
        np.testing.assert_allclose(member.binned, single.binned, atol=1e-9)
        for key in ("train_acc", "test_acc", "loss"):
            np.testing.assert_allclose(member.metrics[key], single.metrics[key], rtol=1e-4, err_msg=key)
        for a, b in zip(member.clean, single.clean):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert np.isnan(members[3].mi).all() and np.isfinite(members[0].mi).all()  # β = 0 member: binned only


def test_ensemble_members_are_cached_one_by_one_and_never_retrained(monkeypatch):
    from ipcore.experiments import szt

    first = szt.run_szt_ensemble([_tiny(beta=0.01), _tiny(beta=0.05)], progress=False)
    assert all(szt.member_entry(c).done for c in (_tiny(beta=0.01), _tiny(beta=0.05)))
    trained = []
    real = szt._train_and_measure
    monkeypatch.setattr(szt, "_train_and_measure", lambda configs, **kw: trained.append(configs) or real(configs, **kw))
    again = szt.run_szt_ensemble([_tiny(beta=0.05), _tiny(beta=0.01), _tiny(beta=0.02), _tiny(beta=0.1)],
                                 progress=False)
    assert trained == [[_tiny(beta=0.02), _tiny(beta=0.1)]]  # only the two not stored
    assert np.array_equal(again[1].mi, first[0].mi) and np.array_equal(again[0].mi, first[1].mi)
    # a single run of a stored member loads it; run_szt stores nothing new
    assert np.array_equal(run_szt(_tiny(beta=0.02), progress=False).mi, again[2].mi) and len(trained) == 1
    # the group's checkpoint is gone once its members are stored
    assert not list((szt.cache_entry(_tiny()).result_path.parent.parent / "szt_ensemble").glob("*.ckpt*"))


def test_ensemble_configs_may_differ_only_in_beta_and_seed():
    from ipcore.experiments.szt import run_szt_ensemble

    with pytest.raises(ValueError, match="^configs: the members of a group may differ only in beta and seed, "
                                         "got configs that differ in activation"):
        run_szt_ensemble([_tiny(), _tiny(activation="relu")], progress=False)
    with pytest.raises(ValueError, match="^configs: give at least one"):
        run_szt_ensemble([], progress=False)
    with pytest.raises(ValueError, match="^configs: expected SZTConfig"):
        run_szt_ensemble([_tiny(), {"beta": 0.1}], progress=False)


def test_a_chapters_beta_grid_trains_as_one_ensemble(monkeypatch):
    from ipcore.experiments import szt, szt_chapters

    calls = []
    monkeypatch.setattr(szt_chapters, "run_szt_ensemble", lambda configs, **kw: calls.append(("ensemble", configs))
                        or [szt.run_szt(c, progress=False, use_cache=False) for c in configs])
    monkeypatch.setattr(szt_chapters, "run_szt", lambda config, **kw: calls.append(("single", config))
                        or szt.run_szt(config, progress=False, use_cache=False))
    configs = {"a": _tiny(beta=0.01), "relu": _tiny(activation="relu"), "b": _tiny(beta=0.05)}
    runs = szt_chapters.run_all(configs, progress=False)
    assert list(runs) == ["a", "relu", "b"] and runs["b"].config.beta == 0.05
    assert calls == [("ensemble", [_tiny(beta=0.01), _tiny(beta=0.05)]), ("single", _tiny(activation="relu"))]


def test_an_interrupted_ensemble_resumes_from_its_checkpoint_to_the_same_numbers(tmp_path, monkeypatch):
    from ipcore.experiments import szt

    configs = [_tiny(beta=0.05), _tiny(beta=0.01)]
    reference = szt.run_szt_ensemble(configs, progress=False, use_cache=False)
    real_train = szt.train

    def dying_train(*args, **kwargs):  # Ctrl-C in epoch 12 (13 steps an epoch); checkpoints every 5 epochs
        steps = []

        def after_step(model):
            steps.append(1)
            if len(steps) == 150:
                raise KeyboardInterrupt

        return real_train(*args, **{**kwargs, "after_step": after_step})

    monkeypatch.setattr(szt, "train", dying_train)
    with pytest.raises(KeyboardInterrupt):
        szt.run_szt_ensemble(configs, progress=False, checkpoint_every=5)
    assert len(list((tmp_path / "szt_ensemble").glob("*.ckpt.pt"))) == 1
    resumed_from = []

    def spying_train(*args, **kwargs):
        resumed_from.append(kwargs["store"].load_checkpoint()["epoch"])
        return real_train(*args, **kwargs)

    monkeypatch.setattr(szt, "train", spying_train)
    resumed = szt.run_szt_ensemble(configs[::-1], progress=False, checkpoint_every=5)  # any order: one group
    assert resumed_from == [10]
    for a, b in zip(reference, resumed[::-1]):
        assert a.config == b.config and np.array_equal(a.mi, b.mi) and np.array_equal(a.metrics["loss"], b.metrics["loss"])
    assert not list((tmp_path / "szt_ensemble").glob("*.ckpt*"))  # discarded once the members are stored


def test_an_ensemble_wants_a_list_of_configs():
    from ipcore.experiments.szt import run_szt_ensemble

    with pytest.raises(ValueError, match="^configs: give a list of SZTConfig, got SZTConfig"):
        run_szt_ensemble(_tiny(), progress=False)
    assert SZTConfig(beta=0) == SZTConfig(beta=0.0) and isinstance(SZTConfig(beta=0).beta, float)
