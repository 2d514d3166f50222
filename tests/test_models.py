"""Noisy networks: structure, noise placement, orthonormality step, clear errors."""

from __future__ import annotations

import pytest
import torch

from conftest import MemoryStore
from ipcore.nets.models import NoisyMLP, clean_pass, noise_layers, orthonormality_step_
from ipcore.nets.training import Recorder


def test_szt_network_shape_and_noise_after_every_hidden_layer():
    net = NoisyMLP(beta=0.1)
    assert [layer[0].out_features for layer in net.hidden] == [10, 7, 5, 4, 3]
    assert len(noise_layers(net)) == 5
    x = torch.zeros(64, 12)
    torch.manual_seed(0)
    noisy = torch.stack([net(x) for _ in range(3)])
    assert not torch.equal(noisy[0], noisy[1])  # noise on in training and in evaluation
    with clean_pass(net):
        assert torch.equal(net(x), net(x))
    assert NoisyMLP(beta=0.0)(x).shape == (64, 2)


def test_recorder_replicas_of_deeper_layers_vary_and_first_layer_does_not():
    torch.manual_seed(1)
    net = NoisyMLP(beta=0.05)
    x = torch.randint(0, 2, (32, 12)).float()
    snap = Recorder(net, x, [0], replicas=4).record(0)
    first, second = snap.replicas["hidden.0.2"], snap.replicas["hidden.1.2"]
    assert first.shape == (32, 4, 10) and second.shape == (32, 4, 7)
    assert torch.allclose(torch.from_numpy(first[:, 0]), torch.from_numpy(first[:, 3]))  # S_1 is a function of X
    assert not torch.allclose(torch.from_numpy(second[:, 0]), torch.from_numpy(second[:, 3]))


def test_orthonormality_step_drives_rows_toward_orthonormal_and_spares_the_output():
    torch.manual_seed(2)
    net = NoisyMLP(widths=(6, 4, 3, 2))
    out_before = net.output.weight.clone()
    def defect():
        w = net.hidden[0][0].weight
        return float((w @ w.T - torch.eye(4)).norm().detach())
    before = defect()
    for _ in range(200):
        orthonormality_step_(net, 0.05)
    assert defect() < 1e-3 < before
    assert torch.equal(net.output.weight, out_before)


@pytest.mark.parametrize("kwargs, name", [
    ({"activation": "sigmoidal"}, "activation"),
    ({"beta": -0.1}, "beta"),
    ({"beta": float("nan")}, "beta"),
    ({"widths": (12, 2)}, "widths"),
    ({"widths": (12, 0, 2)}, "widths"),
])
def test_bad_parameters_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        NoisyMLP(**kwargs)
    with pytest.raises(ValueError, match="^alpha"):
        orthonormality_step_(NoisyMLP(), -1.0)


def _szt_like_run(store=None, interrupt_at=None):
    from torch.nn import functional as F

    from ipcore.nets.training import train

    torch.manual_seed(0)
    net = NoisyMLP(widths=(12, 6, 4, 2), beta=0.05)
    x = torch.randint(0, 2, (128, 12)).float()
    y = (x.sum(1) > 6).long()
    rec = Recorder(net, x, [0, 5, 10, 20], replicas=2)

    def evaluate(model):
        if interrupt_at is not None and len(rec.snapshots) == interrupt_at:
            raise KeyboardInterrupt
        return {"accuracy": float((model(x).argmax(1) == y).float().mean())}

    history = train(net, x, y, loss_fn=lambda m, xb, yb: F.cross_entropy(m(xb), yb), epochs=20, lr=1e-2,
                    batch_size=32, recorder=rec, seed=3, progress=False, evaluate=evaluate,
                    store=store, checkpoint_every=4)
    return net, rec, history


def test_interrupted_training_resumes_bit_identically():
    net_a, rec_a, hist_a = _szt_like_run()
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):
        _szt_like_run(store=store, interrupt_at=3)  # dies at epoch 20's record, after checkpoint 16
    assert store.state["epoch"] == 16
    net_b, rec_b, hist_b = _szt_like_run(store=store)
    for pa, pb in zip(net_a.parameters(), net_b.parameters()):
        assert torch.equal(pa, pb)
    assert hist_a == hist_b and [s.epoch for s in rec_b.snapshots] == [0, 5, 10, 20]
    accuracy = [a["accuracy"] for a in hist_a]  # measured 0.57, 0.79, 0.84, 0.98: the network learns
    assert accuracy[-1] > 0.9 and accuracy[0] < 0.7 and accuracy == sorted(accuracy)
    import numpy as np
    assert np.array_equal(rec_a.snapshots[-1].replicas["hidden.1.2"], rec_b.snapshots[-1].replicas["hidden.1.2"])


def test_recorded_loss_is_measured_with_dropout_off():
    from torch import nn
    from torch.nn import functional as F

    from ipcore.nets.models import GaussianNoise
    from ipcore.nets.training import Recorder, train

    torch.manual_seed(0)
    x, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    model = nn.Sequential(nn.Linear(3, 8), GaussianNoise(0.0), nn.Dropout(0.5), nn.Linear(8, 2))
    history = train(model, x, y, loss_fn=lambda m, xb, yb: F.cross_entropy(m(xb), yb), epochs=2, lr=0.01,
                    batch_size=16, recorder=Recorder(model, x, [0, 1, 2]), progress=False,
                    evaluate=lambda m: {"training_mode": float(m.training)})
    assert model.training, "train() leaves the model in training mode"
    model.eval()
    with torch.no_grad():
        assert history[-1]["loss"] == pytest.approx(float(F.cross_entropy(model(x), y)), rel=1e-6)
    assert [h["training_mode"] for h in history] == [0.0, 0.0, 0.0]


def test_tanh_through_the_sigmoid_is_tanh_to_round_off():
    from ipcore.nets.models import ACTIVATIONS, Tanh

    assert ACTIVATIONS["tanh"] is Tanh
    for dtype, tol in ((torch.float32, 2.5e-7), (torch.float64, 5e-16)):
        x = torch.linspace(-25, 25, 200_001, dtype=dtype)
        assert float((Tanh()(x).double() - torch.tanh(x.double())).abs().max()) < tol
    x = torch.randn(50, dtype=torch.float64, requires_grad=True)
    Tanh()(x).sum().backward()
    torch.testing.assert_close(x.grad, 1 - torch.tanh(x.detach()) ** 2, rtol=1e-12, atol=1e-14)
    assert torch.autograd.gradcheck(Tanh(), (torch.randn(8, dtype=torch.float64, requires_grad=True),))
