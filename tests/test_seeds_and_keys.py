"""What a plausible bug would break silently: ignored seeds, cache keys missing a field,
standard errors that do not match the spread, weights that are not applied.

Every reproducibility test elsewhere runs one seed twice; these check that another seed
gives other numbers, so that a seed that is ignored is caught.
"""

from __future__ import annotations

import dataclasses

import sys

import numpy as np
import pytest
import torch

from ipcore.data import train_test_split
from ipcore.estimators import gaussian_mixture_entropy, kde_mutual_information, sp_mutual_information


def test_another_seed_gives_another_split_another_training_and_another_estimate():
    assert not np.array_equal(train_test_split(100, seed=0)[1], train_test_split(100, seed=1)[1])
    c = np.random.default_rng(0).uniform(-1, 1, (64, 2))
    assert gaussian_mixture_entropy(c, 0.1, seed=0) != gaussian_mixture_entropy(c, 0.1, seed=1)
    assert sp_mutual_information(c, 0.1, seed=0).mi != sp_mutual_information(c, 0.1, seed=1).mi

    from ipcore.nets import NoisyMLP, train

    x = torch.rand(64, 12)
    y = (x.sum(1) > 6).long()
    finals = []
    for seed in (0, 1):
        torch.manual_seed(0)  # the same initial network: only the run's seed differs
        net = NoisyMLP(beta=0.1)
        train(net, x, y, loss_fn=lambda m, a, b: torch.nn.functional.cross_entropy(m(a), b), epochs=3, lr=1e-2,
              batch_size=16, seed=seed, progress=False)
        finals.append(torch.cat([p.detach().flatten() for p in net.parameters()]))
    assert not torch.equal(finals[0], finals[1])  # other batch order and other noise


@pytest.mark.parametrize("n_mc", [1, 2, 5])
def test_the_standard_error_matches_the_spread_over_seeds(n_mc):
    c = np.random.default_rng(1).uniform(-1, 1, (40, 2))
    runs = [gaussian_mixture_entropy(c, 0.2, n_mc=n_mc, seed=s, return_std=True) for s in range(200)]
    spread = np.std([h for h, _ in runs], ddof=1)
    reported = np.mean([se for _, se in runs])
    # 200 seeds: the sample standard deviation is within ±15 % of the truth (3 σ)
    assert reported == pytest.approx(spread, rel=0.2)


def test_the_kde_class_weights_matter():
    # class 0: 90 % of the samples, spread; class 1: 10 %, tight. I(T;Y) = H(T) − Σ p(y) H(T|y)
    # weighs the conditional entropies by p(y): equal weights would give another number.
    rng = np.random.default_rng(2)
    t = np.concatenate([rng.normal(0, 1.0, (360, 1)), rng.normal(4, 0.05, (40, 1))])
    labels = np.repeat([0, 1], [360, 40])
    from ipcore.estimators import kde_entropy_bounds

    est = kde_mutual_information(t, labels, beta=0.1)
    lower, upper = kde_entropy_bounds(t, beta=0.1)
    per_class = [kde_entropy_bounds(t[labels == k], beta=0.1)[1] for k in (0, 1)]
    assert est.mi_y_upper == pytest.approx(upper - (0.9 * per_class[0] + 0.1 * per_class[1]), abs=1e-12)
    assert abs(est.mi_y_upper - (upper - 0.5 * sum(per_class))) > 0.5


def _fields_in_key(monkeypatch, module, run, config, **kwargs):
    """The parameters ``run(config)`` keys its cache entry on (the run is not computed)."""
    seen = {}

    class Recording:
        def __init__(self, kind, params, *, modules):
            seen.update(params)

        done = True

        def load(self):
            return "cached"

    monkeypatch.setattr(module, "CachedRun", Recording)
    assert run(config, progress=False, **kwargs) == "cached"
    return seen


@pytest.mark.parametrize("which", ["szt", "information_plane", "mnist"])
def test_every_field_of_a_configuration_enters_its_cache_key(which, monkeypatch):
    from ipcore.experiments import information_plane, mnist, szt

    module, run, config, extra = {
        "szt": (szt, szt.run_szt, szt.SZTConfig(), {}),
        "information_plane": (information_plane, information_plane.run_plane, information_plane.PlaneConfig(), {}),
        "mnist": (mnist, mnist.run_mnist, mnist.MNISTConfig(), {}),
    }[which]
    if which == "mnist":  # no data needed to compute a key
        monkeypatch.setattr(mnist, "mnist_splits", lambda **kw: {"standard": False})
    key = _fields_in_key(monkeypatch, module, run, config, **extra)
    for field in dataclasses.fields(config):
        assert field.name in key and key[field.name] == getattr(config, field.name), f"{field.name} not in the key"


def test_a_key_covers_the_files_of_a_package_in_its_subfolders(tmp_path, monkeypatch):
    from ipcore import cache

    package = tmp_path / "src" / "deep_pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "kernel.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    for module in [m for m in sys.modules if m.split(".")[0] == "deep_pkg"]:  # an import by an earlier run
        monkeypatch.delitem(sys.modules, module)
    before = cache.cache_key({}, ["deep_pkg"])
    (package / "sub" / "kernel.py").write_text("X = 2\n")
    assert cache.cache_key({}, ["deep_pkg"]) != before


def test_the_recorder_records_a_dropout_model_deterministically():
    from ipcore.nets import NoisyCNN, Recorder

    torch.manual_seed(0)
    net = NoisyCNN(channels=(2, 2), hidden=4, dropout=0.5).train()  # in training mode, as between epochs
    images = torch.rand(8, 1, 28, 28)
    rec = Recorder(net, images, [0, 1])
    first, second = rec.record(0), rec.record(1)
    assert first.clean and all(np.array_equal(first.clean[k], second.clean[k]) for k in first.clean)
    assert net.training  # and the recorder leaves the mode as it found it
    torch.manual_seed(1)
    dropped = [net(images) for _ in range(2)]  # the network itself does draw in training mode
    assert not torch.equal(*dropped)


def test_an_idx_file_with_trailing_bytes_is_refused(tmp_path):
    from ipcore.data import read_idx

    labels = np.arange(10, dtype=np.uint8)
    header = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big")
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(header + labels.tobytes())
    assert read_idx(path).tolist() == list(range(10))
    path.write_bytes(header + labels.tobytes() + b"\x00")
    with pytest.raises(ValueError, match="holds 19 bytes but its header"):
        read_idx(path)


def test_a_stream_saved_before_its_first_draw_resumes_identically():
    from ipcore.seeding import NormalStream

    fresh = NormalStream([3, 4], "demo", chunk=8)
    state = fresh.state_dict()
    assert state["buffer"] is None
    resumed = NormalStream([3, 4], "demo", chunk=8)
    resumed.load_state_dict(state)
    torch.testing.assert_close(resumed.take(5), NormalStream([3, 4], "demo", chunk=8).take(5))


@pytest.mark.parametrize("chunk", [1, 3, 8])
def test_a_stream_gives_the_same_numbers_however_they_are_taken(chunk):
    """Taken in pieces that cross chunk boundaries, or at once, or nothing at all: one sequence."""
    from ipcore.seeding import NormalStream

    whole = NormalStream([5, 6], "demo", chunk=chunk, dtype=torch.float64).take(20)
    pieces = NormalStream([5, 6], "demo", chunk=chunk, dtype=torch.float64)
    parts = [pieces.take(k) for k in (2, 0, 1, 7, 3, 7)]
    assert whole.shape == (2, 20) and whole.dtype == torch.float64
    assert parts[1].shape == (2, 0) and parts[1].dtype == torch.float64
    torch.testing.assert_close(torch.cat(parts, dim=1), whole, rtol=0, atol=0)
    # a float64 stream draws float64 numbers (not float32 ones widened)
    assert len(set(whole.flatten().tolist())) == 40 and not torch.equal(whole, whole.float().double())


def test_bad_streams_are_refused_by_name():
    from ipcore.seeding import NormalStream

    with pytest.raises(ValueError, match="^seeds: give at least one seed"):
        NormalStream([], "demo")
    with pytest.raises(ValueError, match="^seeds"):
        NormalStream([1, -2], "demo")
    with pytest.raises(ValueError, match="^chunk"):
        NormalStream([1], "demo", chunk=0)


def test_derived_seeds_are_stable_across_versions():
    """A run's seeds are SHA-256 of "<seed>:<purpose>": a cached or published run can be redrawn."""
    import hashlib

    from ipcore.seeding import derive_seed

    for seed, purpose in [(0, "training noise"), (7, "sp epoch 3 layer 1"), (2**31, "linear teacher")]:
        digest = hashlib.sha256(f"{seed}:{purpose}".encode()).digest()
        assert derive_seed(seed, purpose) == int.from_bytes(digest[:8], "little") >> 1
    assert max(derive_seed(s, "x") for s in range(64)) >= 2**62  # the whole range [0, 2⁶³) is used


@pytest.mark.parametrize(("schedule", "message"), [([], "schedule: is empty"), ([-1, 3], "schedule: epochs must lie in"),
                                                   ([0, 11], "schedule: epochs must lie in")])
def test_bad_schedules_are_refused_by_name(schedule, message):
    from ipcore.nets.training import check_schedule

    with pytest.raises(ValueError, match=f"^{message}"):
        check_schedule(schedule, 10)
    assert check_schedule([3, 0, 3, 10], 10).tolist() == [0, 3, 10]
