"""Saxe et al.'s nonlinearity chapter: the neuron table, the planes' summaries, the MNIST run, the chapter."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ipcore.book.notebook import read_results, run_notebook
from ipcore.data.mnist import MNISTNotFound, load_mnist
from ipcore.estimators import binned_neuron_information, kde_information_batch, noisy_neuron_information
from ipcore.experiments import saxe_nonlinearity as sn
from ipcore.nets.models import NoisyMLP


def test_the_neuron_table_is_the_exact_estimators_and_its_shapes_are_saxes():
    w = [0.1, 1.0, 10.0, 1000.0]
    table = sn.neuron_table(w, [0.1], activations=["tanh", "relu"])
    tanh, relu = table[table.activation == "tanh"], table[table.activation == "relu"]
    np.testing.assert_allclose(tanh.binned, binned_neuron_information(w, "tanh"), rtol=0, atol=0)
    np.testing.assert_allclose(relu.binned, binned_neuron_information(w, "relu", width=2 / 29), rtol=0, atol=0)
    np.testing.assert_allclose(relu["noise 0.1"], noisy_neuron_information(w, "relu", 0.1), rtol=0, atol=0)
    assert tanh.binned.iloc[-1] == pytest.approx(math.log(2), abs=0.05)  # saturated: the sign of X, one bit
    summary = sn.neuron_summary(table).set_index(["activation", "measure"])
    assert summary.loc[("tanh", "binned"), "fall"] > 1.0 and summary.loc[("tanh", "noise 0.1"), "fall"] > 0.1
    assert summary.loc[("relu", "binned"), "fall"] == 0.0 and summary.loc[("relu", "binned"), "w at peak"] == 1000.0


def test_the_neuron_figure_slides_over_sigma():
    table = sn.neuron_table([0.5, 2.0], [0.05, 0.2], activations=["tanh", "softsign"])
    fig = sn.neuron_figure(table, [0.05, 0.2])
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0.05", "0.2"]
    # two static binned lines, then two noisy lines per σ
    assert [sum(v) for v in (s.args[0]["visible"] for s in steps)] == [4, 4]


def plane(values: list[list[float]], layers=("layer 1", "softmax")) -> sn.Plane:
    mi = np.array(values, dtype=float)
    return sn.Plane(np.arange(len(mi)), list(layers), mi, mi / 10, 0.69, math.log(4096))


def test_the_compression_table_and_its_verdicts():
    planes = {"tanh": {"binning": plane([[1.0, 1.0], [3.0, 2.0], [1.5, 0.5]])},
              "relu": {"binning": plane([[1.0, 1.0], [2.0, 1.5], [2.2, 0.5]])}}
    table = sn.compression_table(planes).set_index(["network", "layer"])
    assert table.loc[("tanh", "layer 1"), "compression"] == pytest.approx(1.5)
    assert table.loc[("tanh", "layer 1"), ["first", "peak", "final"]].tolist() == [1.0, 3.0, 1.5]
    assert table.loc[("relu", "layer 1"), "compression"] == 0.0
    assert table.loc[("relu", "softmax"), "compression"] == pytest.approx(1.0)
    verdicts = sn.compression_verdicts(sn.compression_table(planes)).splitlines()
    assert verdicts[0].startswith("- **tanh**") and "binning: layer 1 (largest fall 1.50" in verdicts[0]
    assert "binning: no hidden layer" in verdicts[1]  # the softmax is not a hidden layer


def test_the_plane_slider_switches_activation_with_fixed_axes():
    planes = {a: {"binning": plane([[1.0, 1.0], [2.0, 1.0]]), "KDE": plane([[1.0, 1.0], [9.0, 1.0]])}
              for a in ("tanh", "relu")}
    fig = sn.plane_slider_figure(planes, ["binning", "KDE"], title="t, ")
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["tanh", "relu"] and steps[1].args[1]["title.text"] == "t, activation relu"
    assert fig.layout.xaxis.range[1] == pytest.approx(9.0 * 1.04)  # the largest I(X;T) of any plane


def test_szt_configs_are_ibsgds_set_up():
    configs = sn.szt_configs("paper", ["tanh", "relu"], n_networks=3, kde_variance=2e-3)
    c = configs["relu"]
    assert (c.activation, c.n_networks, c.epochs, c.lr, c.batch_size, c.optimizer) == ("relu", 3, 10000, 4e-4, 256, "adam")
    assert (c.init, c.binning, c.bin_width, c.kde_variance) == ("trunc_normal_fan_out", "width", 0.07, 2e-3)


def test_kde_without_the_lower_bound_gives_the_same_upper_bound():
    t = torch.randn(2, 300, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    labels = np.arange(300) % 3
    both, upper = kde_information_batch(t, labels, beta=math.sqrt(0.1)), kde_information_batch(t, labels, beta=math.sqrt(0.1), lower=False)
    assert set(upper) == {"mi_x_upper", "mi_y_upper"}
    for key in upper:
        np.testing.assert_array_equal(upper[key], both[key])


def test_glorot_uniform_is_keras_default():
    torch.manual_seed(0)
    net = NoisyMLP((784, 1024, 20, 10), "tanh", 0.0, init="glorot_uniform")
    first = net.linears()[0].weight.detach()
    bound = math.sqrt(6 / (784 + 1024))
    assert bound >= float(first.abs().max()) > 0.99 * bound
    assert float(first.std()) == pytest.approx(bound / math.sqrt(3), rel=0.01)
    assert all(float(layer.bias.detach().abs().max()) == 0.0 for layer in net.linears())


@pytest.mark.parametrize(("name", "value"), [("activation", "sigmoid"), ("widths", (784, 10)), ("widths", (12, 5, 10)),
                                             ("epochs", 1), ("lr", 0.0), ("batch_size", 0), ("optimizer", "rmsprop"),
                                             ("n_train", 0), ("n_measure", 10), ("n_measure", 10001),
                                             ("kde_variance", -0.1), ("schedule", "linear"), ("seed", -1)])
def test_bad_mnist_configs_are_named(name, value):
    with pytest.raises(ValueError, match=f"^{name}:"):
        sn.MNISTPlaneConfig(**{name: value})


def mnist_available() -> bool:
    try:
        load_mnist("test", download=False)
    except MNISTNotFound:
        return False
    return True


@pytest.mark.skipif(not mnist_available(), reason="the MNIST test files are not here (set IPCORE_DATA)")
def test_a_small_mnist_run_measures_every_layer_with_the_kde_bound():
    config = sn.MNISTPlaneConfig(widths=(784, 32, 8, 10), n_train=300, n_measure=120, epochs=3, lr=0.05, n_log=3)
    run = sn.run_mnist_plane(config, progress=False, use_cache=False)
    assert run.layers == ["layer 1", "layer 2", "softmax"] and list(run.epochs) == [0, 1, 2]
    assert run.mi_x.shape == run.mi_y.shape == (3, 3)
    assert np.all(run.mi_x <= math.log(120) + 1e-9) and np.all(run.mi_y <= run.label_entropy + 1e-9)
    assert np.all(run.mi_y <= run.mi_x + 1e-9)  # data processing, which the upper bounds keep here
    assert run.metrics["val_error"][-1] < run.metrics["val_error"][0]
    assert run.plane().input_entropy == pytest.approx(math.log(120))


@pytest.mark.parametrize(("name", "value"), [("activations", []), ("activations", "tanh"), ("activations", ["sigmoid"]),
                                             ("activations", ["tanh", "tanh"]), ("n_networks", 0),
                                             ("szt_kde_variance", 0.0), ("bin_width", -1.0), ("mnist_activations", []),
                                             ("mnist_kde_variance", float("nan")), ("mnist_epochs", 1),
                                             ("mnist_lr", -1.0), ("sigmas", [0.0]), ("first_seed", -1)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(activations=["tanh", "relu"], n_networks=None, szt_kde_variance=1e-3, bin_width=0.07,
                mnist_activations=["tanh"], mnist_kde_variance=0.1, mnist_epochs=None, mnist_lr=None, sigmas=None,
                first_seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        sn.check_chapter_parameters(**{**good, name: value})


@pytest.mark.slow
def test_the_chapter_runs_and_its_outcomes_hold(repo_root, tmp_path):
    out = tmp_path / "saxe_nonlinearity.ipynb"
    run_notebook(repo_root / "notebooks" / "saxe_nonlinearity.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke" and r["szt_epochs"] == 400
    # one neuron: the bounded activations rise then fall, the unbounded ones only rise
    assert r["neuron_tanh_fall"] > 1.0 and r["neuron_softsign_fall"] > 0.5
    assert r["neuron_relu_fall"] == 0.0 and r["neuron_softplus_fall"] == 0.0
    # SZT: tanh's last hidden layer compresses by both measures, ReLU's does not
    assert r["tanh_layer5_compression_binned"] > 1.0 and r["tanh_hidden_compression_kde"] > 1.0
    assert r["relu_layer5_compression_binned"] < 0.3
    assert r["tanh_hidden_compression_binned"] > r["relu_hidden_compression_binned"] + 0.5
    # MNIST: the networks learn; the smoke run is the fitting phase
    assert r["mnist_tanh_val_error"] < 0.2 and r["mnist_relu_val_error"] < 0.2
