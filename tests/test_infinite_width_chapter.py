"""The infinite-width chapter: its data, its sweep, its parameters and its numbers."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from ipcore.book.notebook import read_results, run_notebook
from ipcore.experiments import infinite_width as iw



def mnist_or_fail() -> None:
    """The shared MNIST test set must be there under CI (.ci/run sets $IPCORE_DATA); elsewhere skip."""
    from ipcore.data import MNISTNotFound, load_mnist

    try:
        load_mnist("test", download=False)
    except MNISTNotFound as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the MNIST test set is missing under CI: {exc}")
        pytest.skip(f"no MNIST test set here: {exc}")


@pytest.fixture(scope="module")
def subset():
    mnist_or_fail()
    return iw.mnist_subset(6, 5)


def test_the_subset_is_info_ntks_scaling_of_the_shared_test_images(subset):
    from ipcore.data import load_mnist

    data = load_mnist("test")
    assert subset["x_train"].shape == (6, 784) and subset["x_test"].shape == (5, 784)
    np.testing.assert_allclose(subset["x_train"][0], data.images[0].reshape(-1) / 128.0 - 1.0)
    np.testing.assert_allclose(subset["x_test"][0], data.images[6].reshape(-1) / 128.0 - 1.0)
    assert subset["x_train"].min() >= -1 and subset["x_train"].max() < 1
    np.testing.assert_array_equal(subset["y_test"].argmax(1), data.labels[6:11])
    np.testing.assert_allclose(subset["y_train"].sum(1), 1.0)


def test_the_sweep_has_a_row_per_scale_and_time(subset):
    table = iw.sweep(subset, weight_stds=[1.0, 2.0], bias_std=0.05, times=[0.1, 1e4], n_samples=200)
    assert len(table) == 4 and sorted(table.weight_std.unique()) == [1.0, 2.0]
    # the bounds bracket I(X;Z) in expectation; near I = 0 their estimates may cross by their error
    assert np.all(table.i_xz_lower <= table.i_xz_upper + 5e-3)
    final = table[table.time == 1e4]
    assert np.all(final.train_mse < 1e-10)
    summary = iw.summary(table)
    assert list(summary["σ_w"]) == [1.0, 2.0]


@pytest.mark.parametrize(("name", "value"), [("train_size", 1), ("test_size", 0), ("weight_stds", []),
                                             ("weight_stds", [1.0, -1.0]), ("bias_std", -0.1), ("t_max", 0.001),
                                             ("seed", -1)])
def test_bad_chapter_parameters_are_named(name, value):
    good = dict(train_size=20, test_size=20, weight_stds=[1.0], bias_std=0.05, t_min=0.01, t_max=1e4, seed=0)
    with pytest.raises(ValueError, match=f"^{name}:"):
        iw.check_chapter_parameters(**{**good, name: value})


def test_too_many_images_are_refused():
    with pytest.raises(ValueError, match=r"^test_size: train_size \+ test_size must fit"):
        iw.check_chapter_parameters(train_size=9000, test_size=2000, weight_stds=[1.0], bias_std=0.0,
                                    t_min=0.01, t_max=1.0, seed=0)


@pytest.mark.slow
def test_the_chapter_runs_and_its_numbers_hold(repo_root, tmp_path):
    mnist_or_fail()
    out = tmp_path / "infinite_width.ipynb"
    run_notebook(repo_root / "notebooks" / "infinite_width.md", out, {}, progress=False)
    r = read_results(out)
    assert r["ln_K"] == pytest.approx(math.log(20))
    assert abs(r["i_xz_lower_first_time"]) < 0.01  # the prior: the outputs do not tell the images apart
    assert r["i_xz_lower_final_large_scale"] < r["i_xz_lower_final_small_scale"] <= r["i_xz_upper_final_small_scale"]
    assert r["i_xz_upper_final_small_scale"] < r["ln_K"]
    assert r["train_mse_final"] < 1e-10 < r["test_mse_final_small_scale"]
