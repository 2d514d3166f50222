"""Measure your own network (issue 15, first step): noise hooks on any module, the information
probe against exact values, against the estimators called directly, and its bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

import ipcore
import ipcore.measure
from ipcore.book.notebook import read_results, run_notebook
from ipcore.experiments import your_network as yn
from ipcore.estimators import binned_entropy, channel_information, sp_label_information, sp_mutual_information
from ipcore.nets import add_noise


def _mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))


def test_removing_the_noise_leaves_the_model_as_it_was():
    model, x = _mlp(), torch.randn(50, 3)
    before = model(x)
    noise = add_noise(model, ["1", "3"], 0.3, seed=1)
    assert not torch.equal(model(x), before)
    noise.remove()
    assert torch.equal(model(x), before)
    with add_noise(model, nn.Tanh, 0.0):  # β = 0: deterministic, only recordable
        assert torch.equal(model(x), before)
    assert torch.equal(model(x), before) and type(model) is nn.Sequential


def test_the_noise_has_std_beta_in_evaluation_and_a_seed_repeats_it():
    model = _mlp().eval()
    x = torch.randn(4000, 3)
    clean = model[1](model[0](x))
    with add_noise(model, ["1"], 0.2, seed=5) as noise:
        first = model(x)
        with noise.capture() as captured:
            model(x)
        assert torch.equal(captured["1"], clean)  # the layer's S, before its own noise
    with add_noise(model, ["1"], 0.2, seed=5):
        assert torch.equal(model(x), first)  # the same seed, the same noise
    with add_noise(model, ["1"], 0.2, seed=5):
        inner = model[:2](x)
    assert float((inner - clean).detach().std()) == pytest.approx(0.2, rel=0.03)


def test_a_single_noisy_unit_is_measured_to_its_exact_information():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1), nn.Tanh())
    with torch.no_grad():
        model[0].weight.fill_(1.5)
        model[0].bias.fill_(0.2)
    x = torch.tensor([[-3.0], [-1.0], [1.0], [3.0]])
    probe = ipcore.InformationProbe(model, x, [0, 0, 0, 1], layers=["1"], beta=0.1, n_mc=400)
    row = probe.record(0).iloc[0]
    truth = channel_information(np.tanh(1.5 * x.numpy() + 0.2)[:, 0], 0.1)
    assert abs(row.mi_x - truth) < 4 * row.mi_x_std + 1e-9
    assert row.dim == 1 and row.layer == "1" and row.estimator == "sp"


def test_the_probe_computes_what_the_estimators_compute_on_the_same_representations():
    model, x = _mlp(), torch.randn(64, 3)
    labels = np.arange(64) % 2
    probe = ipcore.InformationProbe(model, x, labels, layers=["1", "3"], beta=0.1, replicas=6, seed=3)
    first, second = probe.record(0).itertuples()
    with torch.no_grad():
        s1 = torch.tanh(model[0](x)).double().numpy()  # not through the hooked module, which adds noise
    direct = sp_mutual_information(s1, 0.1, seed=3)  # the first noisy layer: h(T|X) known exactly
    assert first.mi_x == direct.mi and first.mi_x_std == direct.mi_std
    assert first.mi_y == sp_label_information(s1, labels, 0.1, seed=5).mi
    # the second layer sees the first one's noise: its information cannot exceed the first's
    assert second.mi_x <= first.mi_x + 4 * math.hypot(first.mi_x_std, second.mi_x_std)
    assert second.mi_y <= math.log(2) + 1e-9


def test_a_training_loop_with_records_and_the_table_and_plane():
    model, x = _mlp(), torch.randn(128, 3)
    y = (x[:, 0] > 0).long()
    probe = ipcore.InformationProbe(model, x[:64], y[:64], layers=nn.Tanh, beta=0.05, replicas=4)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for epoch in range(3):
        loss = nn.functional.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        probe.record(epoch)
    assert model.training  # recording leaves the model in the mode it found it in
    table = probe.table()
    assert list(table.columns) == ["epoch", "layer", "estimator", "dim", "mi_x", "mi_x_std", "mi_y", "mi_y_std"]
    assert len(table) == 6 and probe.layers == ["1", "3"] and set(table.epoch) == {0, 1, 2}
    assert (table.mi_x <= math.log(64) + 4 * table.mi_x_std + 1e-9).all()
    fig = probe.plane()
    assert fig.axes[0].get_xlabel() == "I(X;T) [nats]"
    probe.remove()


def test_without_training_noise_the_model_trains_clean_and_is_measured_noisy():
    model, x = _mlp(), torch.randn(40, 3)
    before = model(x)
    probe = ipcore.InformationProbe(model, x, np.arange(40) % 2, layers=["1"], beta=0.1, train_noise=False)
    assert torch.equal(model(x), before)  # no noise outside the records
    row = probe.record(0).iloc[0]
    assert 0 < row.mi_x <= math.log(40) + 4 * row.mi_x_std
    assert torch.equal(model(x), before) and not probe.noise.enabled


def test_binning_and_kde_measure_a_deterministic_network():
    model, x = _mlp(), torch.randn(100, 3)
    labels = np.arange(100) % 3
    binned = ipcore.InformationProbe(model, x, labels, layers=["3"], beta=0.0, estimator="binning", bin_width=0.1)
    row = binned.record(0).iloc[0]
    with torch.no_grad():
        s = model[:4](x).double().numpy()
    assert row.mi_x == binned_entropy(s, width=0.1) and math.isnan(row.mi_x_std)
    kde = ipcore.InformationProbe(model, x, labels, layers=["3"], beta=0.0, estimator="kde", kde_beta=math.sqrt(1e-3))
    assert 0 < kde.record(0).iloc[0].mi_x <= math.log(100) + 1e-9


@pytest.mark.parametrize(("kwargs", "name", "listed"), [
    (dict(layers=["fc9"]), "layers", "'0', '1'"),
    (dict(layers=nn.Conv2d), "layers", "Linear"),
    (dict(layers="1"), "layers", "'0'"),
    (dict(beta=0.0), "estimator", "binning"),
    (dict(estimator="binning"), "bin_width", ""),
    (dict(estimator="kde"), "kde_beta", ""),
    (dict(estimator="knn"), "estimator", "sp"),
    (dict(beta=-1.0), "beta", ""),
    (dict(replicas=0), "replicas", ""),
])
def test_bad_arguments_are_named_with_the_valid_choices(kwargs, name, listed):
    model, x = _mlp(), torch.randn(10, 3)
    with pytest.raises(ValueError, match=f"^{name}") as caught:
        ipcore.InformationProbe(model, x, np.arange(10) % 2, **{"layers": ["1"], "beta": 0.1, **kwargs})
    assert listed in str(caught.value)


def test_labels_must_match_the_inputs():
    with pytest.raises(ValueError, match="^labels"):
        ipcore.InformationProbe(_mlp(), torch.randn(10, 3), [0, 1], layers=["1"], beta=0.1)


@pytest.mark.parametrize(("name", "value"), [("beta", 0.0), ("lr", -1.0), ("batch_size", 0), ("seed", -1)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(beta=0.1, lr=1e-3, batch_size=64, seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        yn.check_chapter_parameters(**{**good, name: value})


def test_the_package_root_exports_the_user_api():
    assert ipcore.InformationProbe is ipcore.measure.InformationProbe and ipcore.add_noise is add_noise
    with pytest.raises(AttributeError):
        ipcore.not_a_name


@pytest.mark.slow
def test_the_tutorial_runs_and_its_outcomes_hold(repo_root, tmp_path):
    out = tmp_path / "your_network.ipynb"
    run_notebook(repo_root / "notebooks" / "your_network.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke" and r["measured"] == 300
    # the 784-dimensional pooled layer sits at its ceiling ln m; the dense layer learns the labels
    assert r["layer_5_mi_x_final"] == pytest.approx(math.log(300), abs=0.05)
    assert r["layer_8_mi_y_final"] > r["layer_8_mi_y_initial"] + 0.5
