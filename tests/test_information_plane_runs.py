"""Small runs of the many-networks information plane: what each measurement option records."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ipcore.experiments.information_plane import PlaneConfig, run_plane


@pytest.fixture(scope="module")
def kde_run():
    config = PlaneConfig(n_networks=2, epochs=3, n_log=3, activation="softsign", kde_variance=1e-3,
                         binning="width", bin_width=0.07)
    return run_plane(config, progress=False, use_cache=False)


@pytest.mark.slow  # the KDE of all 4096 inputs, 6 layers, 2 networks, 4 epochs: about 30 s
def test_the_kde_bounds_are_recorded_beside_the_binning(kde_run):
    run = kde_run
    assert run.mi_x_kde.shape == run.mi_x.shape == (2, len(run.epochs), 6)
    # 4096 distinct inputs, representations far apart at σ² = 1e-3: the bound is near ln 4096 in layer 1
    assert np.all(run.mi_x_kde[:, :, 0] > math.log(4096) - 0.5)
    assert np.all(run.mi_x_kde <= math.log(4096) + 1e-9)
    assert np.all(run.mi_y_kde <= run.label_entropy + 1e-9) and np.all(run.mi_y_kde >= -1e-9)
    # both estimators see the same representations: a layer that bins finely is also resolved by the kernel
    assert np.all(np.abs(run.mi_x_kde[:, :, 0] - run.mi_x[:, :, 0]) < 1.0)


def test_the_kde_is_only_for_deterministic_networks():
    with pytest.raises(ValueError, match="^kde_variance: the KDE bounds are for deterministic networks"):
        PlaneConfig(beta=0.1, kde_variance=1e-3)
    with pytest.raises(ValueError, match="^kde_variance"):
        PlaneConfig(kde_variance=-1.0)
    assert PlaneConfig().kde_variance is None


def _noisy(**kwargs):
    return PlaneConfig(**{"n_networks": 2, "epochs": 6, "schedule": "log10", "n_log": 3, "replicas": 3, **kwargs})


def test_a_beta_grid_of_ensembles_trains_as_one_and_measures_each_as_alone():
    from ipcore.experiments.information_plane import run_plane_group

    configs = [_noisy(beta=0.02), _noisy(beta=0.1, n_networks=1, first_seed=4)]
    grouped = run_plane_group(configs, progress=False, use_cache=False)
    for config, run in zip(configs, grouped):
        alone = run_plane(config, progress=False, use_cache=False)
        assert run.config == config and run.mi_x.shape == alone.mi_x.shape == (config.n_networks, 4, 5)
        # the networks follow their runs alone to float rounding: over 6 epochs, far inside the errors
        np.testing.assert_allclose(run.mi_x, alone.mi_x, atol=0.05 * alone.mi_x_se.max())
        np.testing.assert_allclose(run.mi_y, alone.mi_y, atol=0.05 * alone.mi_y_se.max())
        np.testing.assert_allclose(run.metrics["test_acc"], alone.metrics["test_acc"], atol=1e-9)
        np.testing.assert_allclose(run.weight_norm, alone.weight_norm, rtol=1e-5)


def test_grouped_ensembles_are_cached_one_by_one(tmp_path, monkeypatch):
    from ipcore.experiments import information_plane as ip

    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path))
    first = ip.run_planes({0.02: _noisy(beta=0.02), 0.1: _noisy(beta=0.1)}, progress=False)
    assert ip.member_entry(_noisy(beta=0.1)).done and not ip.cache_entry(_noisy(beta=0.1)).done
    trained = []
    real = ip._train_and_measure
    monkeypatch.setattr(ip, "_train_and_measure", lambda configs, **kw: trained.append(configs) or real(configs, **kw))
    again = ip.run_planes({"det": _noisy(beta=0.0), 0.1: _noisy(beta=0.1), 0.05: _noisy(beta=0.05)}, progress=False)
    assert trained == [[_noisy(beta=0.0)], [_noisy(beta=0.05)]]  # the deterministic one alone; the stored one loaded
    assert np.array_equal(again[0.1].mi_x, first[0.1].mi_x)
    assert np.array_equal(ip.run_plane(_noisy(beta=0.02), progress=False).mi_x, first[0.02].mi_x)
    assert not list((tmp_path / "information_plane_group").glob("*.ckpt*"))


def test_deterministic_ensembles_of_several_activations_train_as_one_and_measure_each_as_alone():
    from ipcore.experiments.information_plane import run_plane_group

    setup = {"n_networks": 2, "epochs": 6, "schedule": "log10", "n_log": 3, "binning": "width", "kde_variance": 1e-3}
    configs = [PlaneConfig(**setup, activation="relu"), PlaneConfig(**setup, activation="tanh"),
               PlaneConfig(**{**setup, "n_networks": 1}, activation="softsign", first_seed=3)]
    grouped = run_plane_group(configs, progress=False, use_cache=False)
    for config, run in zip(configs, grouped):
        alone = run_plane(config, progress=False, use_cache=False)
        assert run.config == config and run.mi_x.shape == alone.mi_x.shape == (config.n_networks, 4, 6)
        # over 6 epochs the networks follow their runs alone to float rounding: the same bins, the same bounds
        np.testing.assert_allclose(run.mi_x, alone.mi_x, atol=1e-9)
        np.testing.assert_allclose(run.mi_x_kde, alone.mi_x_kde, rtol=1e-6)
        np.testing.assert_allclose(run.mi_y_kde, alone.mi_y_kde, atol=1e-6)
        np.testing.assert_allclose(run.weight_norm, alone.weight_norm, rtol=1e-5)
    assert not np.allclose(grouped[0].mi_x_kde, grouped[1].mi_x_kde)  # relu and tanh are other networks


def test_a_group_may_differ_only_in_beta_activation_seeds_and_size():
    from ipcore.experiments.information_plane import run_plane_group

    with pytest.raises(ValueError, match="^configs: the members of a group may differ only in beta, activation, "
                                         "first_seed and n_networks, got configs that differ in lr"):
        run_plane_group([_noisy(beta=0.1), _noisy(beta=0.1, lr=1e-3)], progress=False)
    with pytest.raises(ValueError, match=r"^configs: noisy \(beta > 0\) and deterministic \(beta = 0\) configs"):
        run_plane_group([_noisy(beta=0.0), _noisy(beta=0.1)], progress=False)
    with pytest.raises(ValueError, match="^configs: give at least one"):
        run_plane_group([], progress=False)


def test_an_interrupted_group_resumes_from_its_checkpoint_to_the_same_numbers(tmp_path, monkeypatch):
    from ipcore.experiments import information_plane as ip

    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path))
    configs = [_noisy(beta=0.1), _noisy(beta=0.02)]
    reference = ip.run_plane_group(configs, progress=False, use_cache=False)
    real_train = ip.train

    def dying_train(*args, **kwargs):  # Ctrl-C in epoch 5 (7 steps an epoch); checkpoints every 2 epochs
        steps = []

        def after_step(model):
            steps.append(1)
            if len(steps) == 33:
                raise KeyboardInterrupt

        return real_train(*args, **{**kwargs, "after_step": after_step})

    monkeypatch.setattr(ip, "train", dying_train)
    with pytest.raises(KeyboardInterrupt):
        ip.run_plane_group(configs, progress=False, checkpoint_every=2)
    resumed_from = []

    def spying_train(*args, **kwargs):
        resumed_from.append(kwargs["store"].load_checkpoint()["epoch"])
        return real_train(*args, **kwargs)

    monkeypatch.setattr(ip, "train", spying_train)
    resumed = ip.run_plane_group(configs[::-1], progress=False, checkpoint_every=2)
    assert resumed_from == [4]
    for a, b in zip(reference, resumed[::-1]):
        assert a.config == b.config and np.array_equal(a.mi_x, b.mi_x) and np.array_equal(a.grad_mean, b.grad_mean,
                                                                                            equal_nan=True)
    assert not list((tmp_path / "information_plane_group").glob("*.ckpt*"))
