"""Small runs of the many-networks information plane: what each measurement option records."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ipcore.experiments.information_plane import PlaneConfig, run_plane


@pytest.fixture(scope="module")
def kde_run():
    config = PlaneConfig(n_networks=2, epochs=3, n_log=3, activation="softsign", kde_variance=1e-3,
                         binning="width", bin_width=0.07)
    return run_plane(config, progress=False, use_cache=False)


@pytest.mark.slow  # the KDE of all 4096 inputs, 6 layers, 2 networks, 4 epochs: about 30 s
def test_the_kde_bounds_are_recorded_beside_the_binning(kde_run):
    run = kde_run
    assert run.mi_x_kde.shape == run.mi_x.shape == (2, len(run.epochs), 6)
    # 4096 distinct inputs, representations far apart at σ² = 1e-3: the bound is near ln 4096 in layer 1
    assert np.all(run.mi_x_kde[:, :, 0] > math.log(4096) - 0.5)
    assert np.all(run.mi_x_kde <= math.log(4096) + 1e-9)
    assert np.all(run.mi_y_kde <= run.label_entropy + 1e-9) and np.all(run.mi_y_kde >= -1e-9)
    # both estimators see the same representations: a layer that bins finely is also resolved by the kernel
    assert np.all(np.abs(run.mi_x_kde[:, :, 0] - run.mi_x[:, :, 0]) < 1.0)


def test_the_kde_is_only_for_deterministic_networks():
    with pytest.raises(ValueError, match="^kde_variance: the KDE bounds are for deterministic networks"):
        PlaneConfig(beta=0.1, kde_variance=1e-3)
    with pytest.raises(ValueError, match="^kde_variance"):
        PlaneConfig(kde_variance=-1.0)
    assert PlaneConfig().kde_variance is None
