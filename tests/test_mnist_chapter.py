"""The MNIST CNN chapter at the smoke profile (needs the MNIST test set: IPCORE_DATA or the cache)."""

from __future__ import annotations

import pytest
import torch

from ipcore.nets.cnn import NoisyCNN
from ipcore.experiments.mnist import MNISTConfig
from ipcore.nets.models import clean_pass
from ipcore.book.notebook import NotebookError, read_results, run_notebook


def test_cnn_shapes_noise_and_dropout():
    x = torch.rand(5, 28, 28)
    noisy = NoisyCNN(beta=0.1)
    noisy.eval()
    assert noisy(x).shape == (5, 10)
    assert not torch.equal(noisy(x), noisy(x)), "the noise must stay on when measuring"
    with clean_pass(noisy):
        assert torch.equal(noisy(x), noisy(x))
    dropout = NoisyCNN(dropout=0.5)
    dropout.eval()
    assert torch.equal(dropout(x), dropout(x)), "dropout is off when measuring"


@pytest.mark.parametrize("kwargs, name", [
    ({"activation": "gelu"}, "activation"), ({"channels": (8,)}, "channels"), ({"hidden": 0}, "hidden"),
    ({"dropout": 1.0}, "dropout"), ({"beta": 0.1, "dropout": 0.2}, "dropout"), ({"beta": -1.0}, "beta"),
])
def test_cnn_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        NoisyCNN(**kwargs)


@pytest.mark.parametrize("kwargs, name", [
    ({"variant": "bayesian"}, "variant"), ({"variant": "noisy", "beta": 0.0}, "beta"),
    ({"variant": "dropout", "dropout": 0.0}, "dropout"), ({"n_record": 5}, "n_record"), ({"epochs": 0}, "epochs"),
])
def test_config_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        MNISTConfig(**kwargs)


@pytest.mark.slow
def test_smoke_chapter_networks_err_alike_and_cluster(repo_root, tmp_path):
    out = tmp_path / "mnist.ipynb"
    run_notebook(repo_root / "notebooks" / "mnist_cnn.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke"
    # Comparable validation error (2 000 training images, 4 epochs).
    for name in ("deterministic", "noisy", "dropout"):
        assert r[f"{name}_val_error"] < 0.10
    assert abs(r["noisy_val_error"] - r["deterministic_val_error"]) < 0.015
    # Clustering in the dense layer, deterministic and noisy alike: the within − across gap grows,
    # and within-class similarity rises after the first epoch.
    for name in ("deterministic", "noisy", "dropout"):
        assert r[f"{name}_dense_gap_last"] - r[f"{name}_dense_gap_first"] > 0.4
        assert r[f"{name}_dense_within_last"] > r[f"{name}_dense_within_epoch1"]
    # The 32-dimensional estimate is sample-size limited: it keeps rising with n.
    mi = r["mi_by_sample_size"]
    assert mi[0] < mi[1] < mi[2]


@pytest.mark.slow
@pytest.mark.parametrize("parameters, match", [
    ({"beta": 0.0}, "beta"), ({"betas": [0.05, 0.2]}, "betas"), ({"device": "tpu"}, "device"),
    ({"data_path": "/nonexistent/mnist"}, "path: /nonexistent/mnist is not a folder"),
])
def test_chapter_rejects_bad_parameters(repo_root, tmp_path, parameters, match):
    with pytest.raises(NotebookError, match=match):
        run_notebook(repo_root / "notebooks" / "mnist_cnn.md", tmp_path / "o.ipynb", parameters, progress=False)
