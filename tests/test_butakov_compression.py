"""Butakov et al.'s compressed-information chapter (issue 14): the image rows against their
truths, the CNN and its relative noise, the plane's run and tables, the chapter's parameters and
its outcomes in the smoke profile."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from ipcore.book.notebook import read_results, run_notebook
from ipcore.experiments import butakov_compression as bc
from ipcore.nets import CompressionCNN, RelativeGaussianNoise


def test_relative_noise_scales_with_the_signal_and_is_on_at_inference():
    layer = RelativeGaussianNoise(0.1).eval()
    s = torch.tensor([[0.0, 1.0, -10.0]]).repeat(20000, 1)
    torch.manual_seed(0)
    noise = layer(s) - s
    assert noise[:, 0].abs().max() == 0.0
    assert noise.std(0)[1:].tolist() == pytest.approx([0.1, 1.0], rel=0.03)


def test_the_classifier_has_their_shapes():
    net = CompressionCNN(sigma=0.0, dropout=0.1).eval()
    x = torch.zeros(3, 28, 28)
    t = x[:, None]
    shapes = []
    for layer in net.hidden:
        t = layer(t)
        shapes.append(tuple(t.shape[1:]))
    assert shapes == [(8, 13, 13), (16, 5, 5), (32, 1, 1), (32,)]
    assert net(x).shape == (3, 10)


def test_image_rows_on_the_latents_recover_the_truth_and_compression_loses_information():
    rows = pd.DataFrame(bc.image_rows("blobs", 0, mi_grid=(0.0, 4.0), n=800, n_train=600, ae_epochs=3))
    assert set(rows.method) == set(bc.METHODS) and len(rows) == 6
    latents = rows[rows.method == "latents"].set_index("truth")
    assert latents.estimate.values == pytest.approx([0.0, 4.0], abs=0.25)
    # PCA of blob images to 2 dimensions is not one-to-one: at 4 nats it keeps less than the latents
    pca = rows[(rows.method == "PCA") & (rows.truth == 4.0)].estimate.iloc[0]
    assert pca < latents.loc[4.0].estimate - 0.3
    with pytest.raises(ValueError, match="^task"):
        bc.image_rows("circles", 0, mi_grid=(0.0,), n=10, n_train=10, ae_epochs=1)


def test_the_image_summary_and_figure():
    rows = []
    for task in ("blobs", "rectangles"):
        for method in bc.METHODS:
            for mi in (0.0, 5.0):
                rows.append({"task": task, "method": method, "truth": mi, "estimate": mi - (method != "latents"),
                             "std_error": 0.1, "n": 100, "latent_dim": 2, "code_dim": 2, "seed": 0})
    table = pd.DataFrame(rows)
    table["error"] = table.estimate - table.truth
    summary = bc.image_summary(table)
    assert summary.loc[("blobs", "PCA"), "rms_error"] == pytest.approx(1.0)
    assert summary.loc[("rectangles", "latents"), "error_at_top"] == 0.0
    fig = bc.images_figure(table)
    assert len(fig.axes) == 2 and "rectangles" in fig.axes[1].get_title()


def test_a_tiny_cnn_run_measures_every_layer_under_both_compressions(tmp_path, monkeypatch):
    config = bc.CNNPlaneConfig(epochs=2, n_train=300, n_record=200, n_log=3, x_ae_epochs=2, layer_ae_epochs=2,
                               batch_size=100)
    run = bc.run_cnn_plane(config, progress=False, use_cache=False)
    assert list(run.epochs) == [0, 1, 2] and run.layers == bc.LAYER_NAMES
    for compression in bc.LAYER_COMPRESSIONS:
        assert run.mi_x[compression].shape == run.mi_y[compression].shape == (3, 5)
        assert np.isfinite(run.mi_x[compression]).all()
        # I(L;Y) ≤ H(Y) up to the estimator's error
        assert (run.mi_y[compression] < run.label_entropy + 0.3).all()
    assert run.label_entropy == pytest.approx(math.log(10), abs=0.05)
    table = bc.cnn_table(run)
    assert len(table) == 10 and (table["I(X;L) fall after peak"] >= 0).all()
    fig = bc.cnn_plane_figure(run)
    assert [s["label"] for s in fig.layout.sliders[0].steps] == list(bc.LAYER_COMPRESSIONS)
    assert 0.0 <= bc.accuracy(run) <= 1.0


@pytest.mark.parametrize(("name", "value"), [("tasks", []), ("tasks", ["blobs", "blobs"]), ("tasks", "blobs"),
                                             ("tasks", ["squares"]), ("lr", 0.0), ("sigma", -1.0), ("first_seed", -1)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(tasks=["blobs"], lr=1e-3, sigma=1e-3, first_seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        bc.check_chapter_parameters(**{**good, name: value})


@pytest.mark.parametrize(("name", "value"), [("epochs", 0), ("n_record", 30), ("dropout", 1.0), ("lr", -1.0)])
def test_bad_cnn_configs_are_named(name, value):
    with pytest.raises(ValueError, match=f"^{name}:"):
        bc.CNNPlaneConfig(**{name: value})


@pytest.mark.slow
def test_the_chapter_runs_and_its_outcomes_hold(repo_root, tmp_path):
    out = tmp_path / "butakov_compression.ipynb"
    run_notebook(repo_root / "notebooks" / "butakov_compression.md", out, {}, progress=False)
    r = read_results(out)
    assert r["profile"] == "smoke"
    # the estimator is right on the latents; compression loses information at the top of the grid
    assert r["blobs_latents_rms_error"] < 0.2
    assert r["blobs_PCA_error_at_top"] < -0.5
    # the network learns: its last layer carries information about the labels
    assert r["cnn_accuracy"] > 0.3 and r["PCA_L5_i_ly_end"] > 0.3
