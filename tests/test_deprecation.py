"""Old names keep working for one release, with a DeprecationWarning, and give the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ipcore.data import noisy_layer
from ipcore.estimators import (kde_entropy_bounds, kde_information_batch, kde_mutual_information,
                               linear_layer_information, mixture_entropy_1d, mixture_entropy_2d)
from ipcore.estimators import kernel
from ipcore.experiments import estimator_shootout


def _same(old, new) -> None:
    with pytest.warns(DeprecationWarning, match="deprecated"):
        before = old()
    after = new()
    if isinstance(after, dict):
        assert before.keys() == after.keys()
        for key in after:
            np.testing.assert_array_equal(before[key], after[key])
    else:
        assert before == after


T = np.random.default_rng(0).normal(size=(12, 2))
LABELS = np.array([0, 1] * 6)


@pytest.mark.parametrize(("old", "new"), [
    (lambda: kde_entropy_bounds(T, 0.01), lambda: kde_entropy_bounds(T, beta=0.1)),
    (lambda: kde_entropy_bounds(T, variance=0.01), lambda: kde_entropy_bounds(T, beta=0.1)),
    (lambda: kde_mutual_information(T, LABELS, 0.04), lambda: kde_mutual_information(T, LABELS, beta=0.2)),
    (lambda: kde_information_batch(T[None], LABELS, 0.25, lower=False),
     lambda: kde_information_batch(T[None], LABELS, beta=0.5, lower=False)),
    (lambda: linear_layer_information(np.eye(2), np.eye(2), 0.09), lambda: linear_layer_information(np.eye(2), np.eye(2), beta=0.3)),
    (lambda: mixture_entropy_1d(points=[0.0, 1.0], beta=0.3), lambda: mixture_entropy_1d(centers=[0.0, 1.0], beta=0.3)),
    (lambda: mixture_entropy_2d(points=T[:3], beta=0.5), lambda: mixture_entropy_2d(T[:3], 0.5)),
    (lambda: noisy_layer(2, 0.1, points=3).centers.tolist(), lambda: noisy_layer(2, 0.1, n_inputs=3).centers.tolist()),
    (lambda: noisy_layer(2, 0.1).centres.tolist(), lambda: noisy_layer(2, 0.1).centers.tolist()),
    (lambda: [x.tolist() for x in kernel.merge_identical_centres(torch.zeros(3, 1), torch.full((3,), 1 / 3))],
     lambda: [x.tolist() for x in kernel.merge_identical_centers(torch.zeros(3, 1), torch.full((3,), 1 / 3))]),
    (lambda: estimator_shootout.check_chapter_parameters(gaussian_dim=2, beta=0.1, points=8, bin_width=0.5, first_seed=0),
     lambda: estimator_shootout.check_chapter_parameters(gaussian_dim=2, beta=0.1, n_inputs=8, bin_width=0.5, first_seed=0)),
])
def test_old_names_warn_and_agree(old, new):
    _same(old, new)


def test_kde_beta_is_the_standard_deviation():
    """One well separated component per point: H_KL = ln n + (d/2) ln(2πeβ²) exactly (β the std)."""
    far = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]])
    _, upper = kde_entropy_bounds(far, beta=0.5)
    assert upper == pytest.approx(math.log(3) + math.log(2 * math.pi * math.e * 0.25), abs=1e-12)


@pytest.mark.parametrize("call", [
    lambda: kde_entropy_bounds(T, 0.01, beta=0.1),  # variance and β together
    lambda: mixture_entropy_1d(points=[0.0], centers=[0.0], beta=0.3),
    lambda: noisy_layer(2, 0.1, points=3, n_inputs=3),
])
def test_old_and_new_name_together_is_an_error(call):
    with pytest.raises(TypeError, match="both"):
        call()


def test_a_bad_old_variance_is_named():
    with pytest.raises(ValueError, match="variance"), pytest.warns(DeprecationWarning):
        kde_entropy_bounds(T, -1.0)


def test_the_probe_takes_the_kde_noise_as_a_standard_deviation():
    from torch import nn

    import ipcore

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh())
    x, y = torch.randn(10, 2), torch.arange(10) % 2
    new = ipcore.InformationProbe(model, x, y, layers=["1"], beta=0.0, estimator="kde", kde_beta=0.1)
    table = new.record(epoch=0)
    new.remove()
    with pytest.warns(DeprecationWarning, match="kde_variance"):
        old = ipcore.InformationProbe(model, x, y, layers=["1"], beta=0.0, estimator="kde", kde_variance=0.01)
    assert old.kde_beta == pytest.approx(0.1)
    assert old.record(epoch=0).equals(table)
    old.remove()
    with pytest.raises(TypeError, match="both"):
        ipcore.InformationProbe(model, x, y, layers=["1"], beta=0.0, estimator="kde", kde_variance=0.01, kde_beta=0.1)
