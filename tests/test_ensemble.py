"""Many networks trained at once: each member is the single network of its seed, independent
of the others; the trainer's random streams, schedules and gradient statistics."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from conftest import MemoryStore
from ipcore.data import szt
from ipcore.nets.ensemble import EnsembleMLP, accuracy, cross_entropy, ensemble_of_mlps
from ipcore.nets.models import NoisyMLP
from ipcore.nets.training import (
    Recorder,
    gradient_statistics,
    log2_spaced_epochs,
    logging_schedule,
    piecewise_epochs,
    train,
)
from ipcore.seeding import NormalStream

X_NP, Y_NP = szt()
X, Y = torch.as_tensor(X_NP[::8], dtype=torch.float32), torch.as_tensor(Y_NP[::8])  # 512 inputs
WIDTHS = (12, 6, 4, 3, 2)
SCHEDULE = [0, 2, 5, 8]
WEIGHTS = ["hidden.0.0.weight", "output.weight"]


def member(value, i):
    """Member i's entry of a recorded metric (the epoch is one number for the whole ensemble)."""
    return value if np.ndim(value) == 0 else value[i]


def loss(model, xb, yb):
    return cross_entropy(model(xb), yb)


def run(model, seed, **kwargs):
    recorder = Recorder(model, X, SCHEDULE, replicas=kwargs.pop("replicas", 2), outputs=["output"])
    history = train(model, X, Y, loss_fn=loss, epochs=8, lr=1e-2, batch_size=100, recorder=recorder, seed=seed,
                    progress=False, gradient_stats=WEIGHTS, **kwargs)
    return history, recorder


def single(seed, beta, activation="tanh", **kwargs):
    torch.manual_seed(seed)
    net = NoisyMLP(WIDTHS, activation, beta=beta, init="trunc_normal_fan_in")
    history, recorder = run(net, seed, **kwargs)
    return net, history, recorder


def ensemble(seeds, beta, activation="tanh", **kwargs):
    net = ensemble_of_mlps(seeds, widths=WIDTHS, betas=beta, activation=activation, init="trunc_normal_fan_in")
    history, recorder = run(net, seeds, **kwargs)
    return net, history, recorder


def test_normal_stream_gives_a_member_its_own_numbers_whatever_the_others():
    alone = NormalStream([7], "noise", chunk=10)
    together = NormalStream([3, 7, 11], "noise", chunk=10)
    sizes = [4, 9, 25, 0, 3]  # across chunk boundaries, and more than a chunk at once
    a = torch.cat([alone.take(k) for k in sizes], dim=1)
    b = torch.cat([together.take(k) for k in sizes], dim=1)
    assert a.shape == (1, 41) and b.shape == (3, 41)
    assert torch.equal(a[0], b[1])
    assert not torch.equal(b[0], b[1]) and not torch.equal(b[1], NormalStream([7], "other", chunk=10).take(41)[0])
    state = copy.deepcopy(together.state_dict())
    after = together.take(17)
    resumed = NormalStream([3, 7, 11], "noise", chunk=10)
    resumed.load_state_dict(state)
    assert torch.equal(resumed.take(17), after)
    with pytest.raises(ValueError, match="^state"):
        alone.load_state_dict(state)


def test_members_start_as_the_single_networks_of_their_seeds():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    ens = ensemble_of_mlps([4, 9], widths=WIDTHS, init="trunc_normal_fan_in")
    assert torch.equal(torch.get_rng_state(), before)  # the global generator is left as it was
    for i, seed in enumerate([4, 9]):
        torch.manual_seed(seed)
        net = NoisyMLP(WIDTHS, init="trunc_normal_fan_in")
        for a, b in zip(net.parameters(), ens.member(i).parameters()):
            assert torch.equal(a, b)
    for layer in NoisyMLP(WIDTHS, init="trunc_normal_fan_in").linears():
        assert layer.weight.abs().max() <= 2 / layer.weight.shape[1] ** 0.5 and (layer.bias == 0).all()


@pytest.mark.parametrize("beta", [0.0, 0.05])
def test_a_member_trains_exactly_as_the_single_network_of_its_seed(beta):
    net, h_single, r_single = single(5, beta)
    ens, h_ens, r_ens = ensemble([2, 5, 9], beta)
    for a, b in zip(net.parameters(), ens.member(1).parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    for hs, he in zip(h_single, h_ens):
        for key, value in hs.items():
            np.testing.assert_allclose(member(he[key], 1), value, rtol=1e-4, atol=1e-6, err_msg=key)
    for s_snap, e_snap in zip(r_single.snapshots, r_ens.snapshots):
        for name, clean in s_snap.clean.items():
            np.testing.assert_allclose(e_snap.clean[name][1], clean, rtol=1e-4, atol=1e-5)
        for name, reps in s_snap.replicas.items():  # the measurement noise too
            np.testing.assert_allclose(e_snap.replicas[name][1], reps, rtol=1e-4, atol=1e-5)
    # different seeds give different networks
    assert not np.allclose(h_ens[-1]["loss"][0], h_ens[-1]["loss"][1])


def test_a_member_does_not_depend_on_the_other_members():
    _, h_a, r_a = ensemble([5, 2], 0.05)
    _, h_b, r_b = ensemble([8, 1, 5, 3], 0.05)
    for ha, hb in zip(h_a, h_b):
        for key in ha:
            np.testing.assert_allclose(member(ha[key], 0), member(hb[key], 2), rtol=1e-5, atol=1e-7, err_msg=key)
    np.testing.assert_allclose(r_a.snapshots[-1].replicas["hidden.1.2"][0], r_b.snapshots[-1].replicas["hidden.1.2"][2],
                               rtol=1e-5, atol=1e-6)


def test_members_may_differ_in_beta():
    ens, history, _ = ensemble([5, 5], [0.0, 0.05])
    net, h_single, _ = single(5, 0.05)
    np.testing.assert_allclose(history[-1]["loss"][1], h_single[-1]["loss"], rtol=1e-4)
    assert history[-1]["loss"][0] != history[-1]["loss"][1]
    det, h_det, _ = single(5, 0.0)
    np.testing.assert_allclose(history[-1]["loss"][0], h_det[-1]["loss"], rtol=1e-4)


def test_members_may_differ_in_activation():
    # Saxe et al.'s four activations as one ensemble, runs of one activation and a lone one
    activations = ["tanh", "tanh", "relu", "softsign", "softplus", "relu"]
    ens, history, recorder = ensemble([5, 6, 5, 5, 5, 7], 0.05, activations)
    assert ens.activations == activations and ens.activation is None
    for i, (seed, activation) in enumerate(zip([5, 6, 5, 5, 5, 7], activations)):
        net, h_single, r_single = single(seed, 0.05, activation)
        for a, b in zip(net.parameters(), ens.member(i).parameters()):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(history[-1]["loss"][i], h_single[-1]["loss"], rtol=1e-4)
        np.testing.assert_allclose(recorder.snapshots[-1].replicas["hidden.1.2"][i],
                                   r_single.snapshots[-1].replicas["hidden.1.2"], rtol=1e-4, atol=1e-5)
        assert ens.member(i).activation == activation
    # the same seed and noise with another activation is another network
    assert len({round(float(history[-1]["loss"][i]), 6) for i in (0, 2, 3, 4)}) == 4
    assert ensemble_of_mlps([0, 1], widths=WIDTHS).activation == "tanh"


def test_an_interrupted_ensemble_resumes_bit_identically():
    _, h_full, r_full = ensemble([1, 2], 0.05)
    store = MemoryStore()
    interrupted = ensemble_of_mlps([1, 2], widths=WIDTHS, betas=0.05, init="trunc_normal_fan_in")
    recorder = Recorder(interrupted, X, SCHEDULE, replicas=2, outputs=["output"])

    def die_at_epoch_8(model):
        if len(recorder.snapshots) == 3:
            raise KeyboardInterrupt
        return {}

    with pytest.raises(KeyboardInterrupt):
        train(interrupted, X, Y, loss_fn=loss, epochs=8, lr=1e-2, batch_size=100, recorder=recorder, seed=[1, 2],
              progress=False, gradient_stats=WEIGHTS, store=store, checkpoint_every=3, evaluate=die_at_epoch_8)
    assert store.state["epoch"] == 6
    resumed = ensemble_of_mlps([1, 2], widths=WIDTHS, betas=0.05, init="trunc_normal_fan_in")
    h_resumed, r_resumed = run(resumed, [1, 2], store=store, checkpoint_every=3)
    for a, b in zip(h_full, h_resumed):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    assert np.array_equal(r_full.snapshots[-1].replicas["hidden.2.2"], r_resumed.snapshots[-1].replicas["hidden.2.2"])


def test_gradient_statistics_of_known_gradients():
    a, b = torch.tensor([[3.0, 0.0]]), torch.tensor([[1.0, 2.0]])
    stats = gradient_statistics([a, b], torch.tensor([[3.0, 4.0]]), None)
    assert stats["grad_mean"] == pytest.approx(np.hypot(2.0, 1.0))  # ‖(a + b)/2‖
    assert stats["grad_std"] == pytest.approx(np.hypot(1.0, 1.0))  # √(mean ‖g − ḡ‖²) = ‖a − b‖/2
    assert stats["weight_norm"] == pytest.approx(5.0)
    # an ensemble: per member, the norms over that member's entries only
    g1, g2 = torch.stack([a, 2 * a]), torch.stack([b, 2 * b])
    stats = gradient_statistics([g1, g2], torch.stack([torch.tensor([[3.0, 4.0]])] * 2), 2)
    np.testing.assert_allclose(stats["grad_mean"], [np.hypot(2, 1), 2 * np.hypot(2, 1)])
    np.testing.assert_allclose(stats["grad_std"], [np.sqrt(2), 2 * np.sqrt(2)])
    empty = gradient_statistics([], torch.ones(2, 2), None)
    assert np.isnan(empty["grad_mean"]) and empty["weight_norm"] == pytest.approx(2.0)


def test_recorded_gradient_statistics_are_those_of_the_epochs_batches():
    torch.manual_seed(0)
    net = NoisyMLP(WIDTHS, init="trunc_normal_fan_in")
    reference = copy.deepcopy(net)
    history = train(net, X, Y, loss_fn=loss, epochs=2, lr=1e-2, batch_size=200, recorder=Recorder(net, X, [0, 2]),
                    seed=0, progress=False, gradient_stats=["hidden.1.0.weight"])
    assert np.isnan(history[0]["grad_mean/hidden.1.0.weight"])
    # replay both epochs by hand: same batches (the run's generator), same Adam steps
    opt = torch.optim.Adam(reference.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    for _ in range(2):
        order = torch.randperm(len(X), generator=gen)
        grads = []
        for start in range(0, len(X), 200):
            idx = order[start:start + 200]
            opt.zero_grad()
            loss(reference, X[idx], Y[idx]).backward()
            grads.append(reference.hidden[1][0].weight.grad.clone())
            opt.step()
    g = torch.stack(grads).double()
    assert history[1]["grad_mean/hidden.1.0.weight"] == pytest.approx(float(g.mean(0).norm()), rel=1e-5)
    assert history[1]["grad_std/hidden.1.0.weight"] == pytest.approx(
        float((g - g.mean(0)).pow(2).sum((1, 2)).mean().sqrt()), rel=1e-5)


def test_logging_schedules_of_the_original_codes():
    idnns = log2_spaced_epochs(8000, 400)
    assert len(idnns) == 274 and idnns[0] == 0 and idnns[-1] == 7999  # IDNNs' defaults
    saxe = piecewise_epochs(10000)
    assert len(saxe) == 211 and saxe[:3].tolist() == [0, 1, 2] and saxe[-1] == 9900
    assert set(np.diff(saxe[(saxe >= 100) & (saxe < 2000)])) == {20}
    assert logging_schedule("log10", 10000, 100).tolist() == np.concatenate(
        [[0], np.unique(np.round(np.logspace(0, np.log10(9999), 100)).astype(int))]).tolist()
    with pytest.raises(ValueError, match="^schedule: must be one of"):
        logging_schedule("log3", 100)


def test_bad_ensemble_arguments_name_the_argument():
    with pytest.raises(ValueError, match="^seed: an ensemble of 2 members needs 2 seeds"):
        train(ensemble_of_mlps([0, 1], widths=WIDTHS), X, Y, loss_fn=loss, epochs=1, lr=0.1, seed=0, progress=False)
    with pytest.raises(ValueError, match="^seed: one network takes one integer seed"):
        train(NoisyMLP(WIDTHS), X, Y, loss_fn=loss, epochs=1, lr=0.1, seed=[0, 1], progress=False)
    with pytest.raises(ValueError, match="^optimizer: must be one of"):
        train(NoisyMLP(WIDTHS), X, Y, loss_fn=loss, epochs=1, lr=0.1, optimizer="rmsprop", progress=False)
    with pytest.raises(ValueError, match="^gradient_stats: the model has no parameter"):
        train(NoisyMLP(WIDTHS), X, Y, loss_fn=loss, epochs=1, lr=0.1, gradient_stats=["w"], progress=False)
    with pytest.raises(ValueError, match="^betas: give one β or one per seed"):
        ensemble_of_mlps([0, 1, 2], betas=[0.1, 0.2])
    with pytest.raises(ValueError, match="^betas: must be finite and >= 0"):
        ensemble_of_mlps([0, 1], betas=-0.1)
    with pytest.raises(ValueError, match="^seeds"):
        ensemble_of_mlps([0, -1])
    with pytest.raises(ValueError, match="^activation: give one activation or one per seed"):
        ensemble_of_mlps([0, 1, 2], activation=["tanh", "relu"])
    with pytest.raises(ValueError, match="^activation: must be one of"):
        ensemble_of_mlps([0, 1], activation=["tanh", "sigmoid"])
    with pytest.raises(ValueError, match="^activation: give one activation or a list"):
        ensemble_of_mlps([0, 1], activation=None)
    from ipcore.nets.ensemble import EnsembleActivation

    with pytest.raises(ValueError, match=r"^s: expected \(members, batch, features\) with 3 members, got shape \(3, 3\)"):
        EnsembleActivation(["tanh", "relu", "relu"])(torch.zeros(3, 3))  # (N, d): would split the features
    with pytest.raises(ValueError, match="^s: expected"):
        EnsembleActivation(["tanh", "relu"])(torch.zeros(3, 4, 2))
    with pytest.raises(ValueError, match="^activations: give one activation per member"):
        EnsembleActivation([])
    with pytest.raises(ValueError, match="^networks: every member needs the same widths"):
        EnsembleMLP([NoisyMLP(WIDTHS), NoisyMLP((12, 3, 2))])
    with pytest.raises(ValueError, match="^init: must be one of"):
        NoisyMLP(WIDTHS, init="xavier")
    with pytest.raises(ValueError, match="^outputs: the model has no module"):
        Recorder(NoisyMLP(WIDTHS), X, [0], outputs=["logits"])


def test_an_ensembles_printout_says_its_members_sizes_and_noise():
    from ipcore.nets import ensemble_of_mlps

    text = repr(ensemble_of_mlps([0, 1, 2], widths=(4, 3, 2), betas=[0.1, 0.2, 0.3]))
    assert "members=3, in_features=4, out_features=3" in text
    assert "members=3, in_features=3, out_features=2" in text
    assert "betas=[0.1, 0.2, 0.3]" in text


# --- what mutation testing found unchecked -------------------------------------------------

def test_a_member_carries_its_own_noise_dtype_and_parameters():
    from ipcore.nets.ensemble import ensemble_of_mlps

    ensemble = ensemble_of_mlps([0, 1, 2], widths=(3, 4, 2), betas=[0.0, 0.1, 0.3], dtype=torch.float64)
    member = ensemble.member(2)
    assert member.beta == 0.3 and member.output.weight.dtype == torch.float64
    torch.testing.assert_close(member.output.weight, ensemble.output.weight[2])
    with pytest.raises(ValueError, match=r"^i: must index the members \(0\.\.2\), got 3"):
        ensemble.member(3)
    with pytest.raises(ValueError, match=r"^i: must index the members \(0\.\.2\), got -1"):
        ensemble.member(-1)


def test_an_ensemble_takes_inputs_of_any_float_dtype():
    from ipcore.nets.ensemble import ensemble_of_mlps

    ensemble = ensemble_of_mlps([0, 1], widths=(3, 4, 2))  # float32
    out = ensemble(torch.zeros(2, 5, 3, dtype=torch.float64))
    assert out.shape == (2, 5, 2) and out.dtype == torch.float32


def test_the_per_member_noise_is_not_part_of_the_saved_state():
    """β is a setting of the ensemble, not a parameter: checkpoints hold the weights only."""
    from ipcore.nets.ensemble import ensemble_of_mlps

    ensemble = ensemble_of_mlps([0, 1], widths=(3, 4, 2), betas=[0.1, 0.2])
    assert not [k for k in ensemble.state_dict() if "betas" in k]


def test_bad_stacked_shapes_and_noise_are_named():
    from ipcore.nets.ensemble import EnsembleGaussianNoise, EnsembleLinear

    with pytest.raises(ValueError, match=r"^weight: expected \(N, out, in\) with bias \(N, out\), got \(2, 3, 4\) and \(2, 4\)"):
        EnsembleLinear(torch.zeros(2, 3, 4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"^weight: expected \(N, out, in\) with bias \(N, out\), got \(3, 4\) and \(3,\)"):
        EnsembleLinear(torch.zeros(3, 4), torch.zeros(3))
    with pytest.raises(ValueError, match="^betas"):
        EnsembleGaussianNoise([0.1, -0.2])


def test_accuracy_of_one_network_and_of_an_ensemble():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]])
    labels = torch.tensor([0, 1, 1])
    assert float(accuracy(logits, labels)) == pytest.approx(2 / 3)
    both = torch.stack([logits, -logits])  # the second network is wrong where the first is right
    np.testing.assert_allclose(accuracy(both, labels).numpy(), [2 / 3, 1 / 3])
