"""SGD against full-batch descent: gradients measured on batches drawn only to measure, the chapter."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import MemoryStore
from ipcore.book.notebook import read_results, run_notebook
from ipcore.data import szt
from ipcore.experiments import saxe_sgd as sg
from ipcore.experiments.information_plane import PlaneConfig, run_plane
from ipcore.nets.ensemble import cross_entropy, ensemble_of_mlps
from ipcore.nets.models import NoisyMLP
from ipcore.nets.training import Recorder, train

X_NP, Y_NP = szt()
X, Y = torch.as_tensor(X_NP[::16], dtype=torch.float64), torch.as_tensor(Y_NP[::16])  # 256 inputs
WIDTHS = (12, 6, 4, 2)
WEIGHTS = ["hidden.0.0.weight", "output.weight"]


def loss(model, xb, yb):
    return cross_entropy(model(xb), yb)


def single(seed: int, **kwargs):
    torch.manual_seed(seed)
    net = NoisyMLP(WIDTHS, "tanh", 0.0, dtype=torch.float64)
    recorder = Recorder(net, X, [0, 3, 6], record_parameters=True)
    history = train(net, X, Y, loss_fn=loss, epochs=6, lr=1e-2, recorder=recorder, seed=seed, progress=False,
                    gradient_stats=WEIGHTS, **kwargs)
    return net, history, recorder


def test_measured_batches_of_a_full_batch_run_average_to_its_full_gradient():
    """Equal batches of the mean loss: the mean of their gradients is the full-batch gradient at
    the recorded parameters, and their spread is what a full batch alone cannot show."""
    net, history, recorder = single(3, batch_size=None, gradient_batch_size=64)  # 256 = 4 × 64
    for snap, h in zip(recorder.snapshots, history):
        probe = NoisyMLP(WIDTHS, "tanh", 0.0, dtype=torch.float64)
        probe.load_state_dict({k: torch.as_tensor(v) for k, v in snap.parameters.items()})
        probe.zero_grad()
        loss(probe, X, Y).backward()
        for name in WEIGHTS:
            full = dict(probe.named_parameters())[name].grad
            assert h[f"grad_mean/{name}"] == pytest.approx(float(full.norm()), rel=1e-10)
            assert h[f"grad_std/{name}"] > 0.05 * h[f"grad_mean/{name}"]
    # without measurement batches the one full batch has no spread
    _, plain, _ = single(3, batch_size=None)
    assert plain[-1]["grad_std/output.weight"] == 0.0


def test_measuring_does_not_change_training():
    a, _, rec_a = single(5, batch_size=32, gradient_batch_size=50)
    b, _, rec_b = single(5, batch_size=32)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    assert np.array_equal(rec_a.snapshots[-1].clean["hidden.1.2"], rec_b.snapshots[-1].clean["hidden.1.2"])


def test_an_ensemble_member_measures_as_its_single_network():
    model = ensemble_of_mlps([1, 2], widths=WIDTHS, dtype=torch.float64)
    history = train(model, X, Y, loss_fn=loss, epochs=4, lr=1e-2, batch_size=None, recorder=Recorder(model, X, [0, 4]),
                    seed=[1, 2], progress=False, gradient_stats=WEIGHTS, gradient_batch_size=100)
    torch.manual_seed(2)
    net = NoisyMLP(WIDTHS, "tanh", 0.0, dtype=torch.float64)
    alone = train(net, X, Y, loss_fn=loss, epochs=4, lr=1e-2, batch_size=None, recorder=Recorder(net, X, [0, 4]),
                  seed=2, progress=False, gradient_stats=WEIGHTS, gradient_batch_size=100)
    for h, s in zip(history, alone):
        for key in ("grad_mean/output.weight", "grad_std/hidden.0.0.weight"):
            assert h[key][1] == pytest.approx(s[key], rel=1e-9)


def test_a_run_with_measurement_batches_resumes_bit_identically():
    _, full, _ = single(7, batch_size=64, gradient_batch_size=50)
    store = MemoryStore()
    torch.manual_seed(7)
    net = NoisyMLP(WIDTHS, "tanh", 0.0, dtype=torch.float64)
    calls = []

    def die_at_epoch_6(model):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return {}

    with pytest.raises(KeyboardInterrupt):
        train(net, X, Y, loss_fn=loss, epochs=6, lr=1e-2, batch_size=64, recorder=Recorder(net, X, [0, 3, 6]), seed=7,
              progress=False, gradient_stats=WEIGHTS, gradient_batch_size=50, store=store, checkpoint_every=4,
              evaluate=die_at_epoch_6)
    assert store.state["epoch"] == 4
    _, resumed, _ = single(7, batch_size=64, gradient_batch_size=50, store=store, checkpoint_every=4)
    for a, b in zip(full, resumed):
        assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def test_a_bad_measurement_batch_size_is_named():
    torch.manual_seed(0)
    net = NoisyMLP(WIDTHS, "tanh", 0.0)
    with pytest.raises(ValueError, match="^gradient_batch_size"):
        train(net, X.float(), Y, loss_fn=loss, epochs=1, lr=1e-2, progress=False, gradient_batch_size=0)
    with pytest.raises(ValueError, match="^gradient_batch_size"):
        PlaneConfig(gradient_batch_size=0)


def test_the_chapter_configs_differ_only_in_the_batch_size():
    configs = sg.configs("paper", ["tanh", "relu"], n_networks=4, optimizer="sgd")
    assert set(configs) == {(a, r) for a in ("tanh", "relu") for r in ("mini-batch", "full batch")}
    mini, full = configs[("tanh", "mini-batch")], configs[("tanh", "full batch")]
    assert (mini.batch_size, full.batch_size) == (256, None)
    assert mini.gradient_batch_size == full.gradient_batch_size == 256
    assert mini.__dict__ | {"batch_size": None} == full.__dict__
    assert (mini.optimizer, mini.n_networks, mini.kde_variance, mini.init) == ("sgd", 4, None, "trunc_normal_fan_out")


def test_the_summary_of_small_runs():
    base = dict(n_networks=1, epochs=12, lr=1e-2, n_log=6, schedule="log10", binning="width", batch_size=256,
                gradient_batch_size=256, init="trunc_normal_fan_out")
    runs = {("tanh", "mini-batch"): run_plane(PlaneConfig(**base), progress=False, use_cache=False),
            ("tanh", "full batch"): run_plane(PlaneConfig(**{**base, "batch_size": None}), progress=False, use_cache=False)}
    table = sg.summary(runs)
    assert list(table.regime) == ["mini-batch", "full batch"]
    assert np.all(np.isfinite(table["final SNR"])) and np.all(table["final SNR"] > 0)
    assert sg.compressed(table, "tanh", "full batch") == table["largest hidden fall"].iloc[1]
    assert np.isnan(sg.compressed(table, "relu", "full batch"))
    fig = sg.snr_figure(runs)
    assert len(fig.axes) == 2 and fig.axes[1].get_title() == "tanh, full batch"


@pytest.mark.parametrize(("name", "value"), [("activations", []), ("activations", ["relu", "relu"]),
                                             ("activations", ["swish"]), ("n_networks", 0), ("epochs", 1), ("lr", 0.0),
                                             ("optimizer", "rmsprop"), ("bin_width", 0.0), ("kde_variance", -1.0),
                                             ("first_seed", -2)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(activations=["tanh", "relu"], n_networks=None, epochs=None, lr=None, optimizer="adam", bin_width=0.07,
                kde_variance=None, first_seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        sg.check_chapter_parameters(**{**good, name: value})


@pytest.mark.slow
def test_the_chapter_runs_and_its_outcomes_hold(repo_root, tmp_path):
    out = tmp_path / "saxe_sgd.ipynb"
    run_notebook(repo_root / "notebooks" / "saxe_sgd.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke" and r["epochs"] == 400
    # tanh compresses without stochastic gradients too; ReLU under neither, or far less
    assert r["tanh_mini_batch_compression"] > 1.0 and r["tanh_full_batch_compression"] > 1.0
    assert r["relu_mini_batch_compression"] < 0.6 and r["relu_full_batch_compression"] < 0.6
    # the measured batch gradients of a full-batch ReLU run end up disagreeing (SNR < 1) without compression
    assert r["relu_full_batch_final_snr"] < 1.0
    assert min(r[f"{a}_{m}_test_acc"] for a in ("tanh", "relu") for m in ("mini_batch", "full_batch")) > 0.85
