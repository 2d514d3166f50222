"""The estimators of the information plane against ground truth: IDNNs' binning rule, the
batched binned kernel, and the sample-propagation estimate of I(T;Y)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from ipcore.estimators import (
    SZT_EDGES,
    bin_codes,
    binned_entropy,
    binned_information_batch,
    binned_mutual_information,
    mixture_entropy_1d,
    sp_label_information,
)


def plug_in_entropy(symbols) -> float:
    counts = np.array(list(Counter(symbols).values()), dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def test_szt_edges_follow_idnns_digitize_rule_with_a_symbol_of_their_own_at_one():
    rng = np.random.default_rng(0)
    t = np.concatenate([rng.uniform(-1, 1, 500), SZT_EDGES, [1.0, 1.0, 0.9999999]])
    codes = bin_codes(t, edges=SZT_EDGES).numpy()[:, 0]
    assert np.array_equal(codes, np.digitize(t, SZT_EDGES) - 1)  # IDNNs' code, for values in [−1, 1]
    assert codes.max() == 29 and (codes[t == 1.0] == 29).all()  # t = 1 (saturated tanh): the 30th symbol
    assert codes[t == 0.9999999][0] == 28
    assert len(SZT_EDGES) == 30 and np.allclose(np.diff(SZT_EDGES), 2 / 29)


def test_values_below_the_first_edge_are_clipped_or_refused_never_wrapped():
    t = np.array([[-1.5], [-1.0], [0.0], [2.0]])
    # IDNNs' code gives −1.5 the index −1, which wraps onto the top edge's symbol, that of 2.0
    assert bin_codes(t, edges=SZT_EDGES)[:, 0].tolist() == [0, 0, 14, 29]
    with pytest.raises(ValueError, match=r"^t: 1 value\(s\) below the first edge"):
        bin_codes(t, edges=SZT_EDGES, outside="raise")
    assert bin_codes(t[1:], edges=SZT_EDGES, outside="raise")[:, 0].tolist() == [0, 14, 29]
    with pytest.raises(ValueError, match="^outside"):
        bin_codes(t, edges=SZT_EDGES, outside="wrap")
    with pytest.raises(ValueError, match="^edges"):
        bin_codes(t, edges=[0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="^width: give exactly one"):
        bin_codes(t, width=0.1, edges=SZT_EDGES)


@pytest.mark.parametrize("binning", [{"edges": SZT_EDGES}, {"width": 0.07}, {"width": 1e-9}, {"bins": 7, "range": (-1, 1)}])
def test_batched_binning_equals_a_dictionary_count_of_every_array(binning):
    rng = np.random.default_rng(1)
    t = np.tanh(rng.normal(scale=2.0, size=(3, 2, 300, 4)))
    t[0, 1] = np.round(t[0, 1], 1)  # an array with many repeated rows
    labels = rng.integers(0, 3, size=300)
    h, mi = binned_information_batch(t, labels, **binning)
    assert h.shape == mi.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            rows = [tuple(r) for r in bin_codes(t[i, j], **binning).numpy()]
            h_ref = plug_in_entropy(rows)
            mi_ref = h_ref + plug_in_entropy(labels) - plug_in_entropy([r + (y,) for r, y in zip(rows, labels)])
            assert h[i, j] == pytest.approx(h_ref, abs=1e-12)
            assert mi[i, j] == pytest.approx(mi_ref, abs=1e-12)
            assert binned_entropy(t[i, j], **binning) == pytest.approx(h_ref, abs=1e-12)
            assert binned_mutual_information(t[i, j], labels, **binning) == pytest.approx(mi_ref, abs=1e-12)


def test_binned_label_information_limits():
    labels = np.repeat([0, 1], [700, 300])
    h_y = plug_in_entropy(labels)
    # every input its own bin: I(X;T) = ln m, I(T;Y) = H(Y); one bin per class: both H(Y)
    distinct = np.linspace(-0.99, 0.99, 1000)[:, None]
    per_class = np.where(labels == 1, 0.5, -0.5)[:, None]
    h, mi = binned_information_batch(np.stack([distinct, per_class]), labels, width=1e-4)
    assert h == pytest.approx([math.log(1000), h_y], abs=1e-12) and mi == pytest.approx([h_y, h_y], abs=1e-12)
    h, mi = binned_information_batch(np.zeros((1000, 3)), labels, edges=SZT_EDGES)
    assert h == 0 and mi == pytest.approx(0, abs=1e-12)
    with pytest.raises(ValueError, match="^labels"):
        binned_information_batch(np.stack([distinct, per_class]), labels[:999], edges=SZT_EDGES)


def test_sp_label_information_of_separated_classes_is_the_label_entropy():
    rng = np.random.default_rng(2)
    centers = np.concatenate([rng.normal(0, 0.1, (300, 2)), rng.normal(5, 0.1, (200, 2))])
    labels = np.repeat([0, 1], [300, 200])
    est = sp_label_information(centers, labels, 0.05, n_mc=3, seed=0)
    assert est.label_entropy == pytest.approx(-(0.6 * math.log(0.6) + 0.4 * math.log(0.4)), abs=1e-12)
    assert est.mi == pytest.approx(est.label_entropy, abs=1e-9) and est.mi_std < 1e-9
    assert est.n_classes == 2


def test_sp_label_information_of_identical_class_distributions_is_zero():
    rng = np.random.default_rng(3)
    half = rng.normal(size=(250, 3))
    est = sp_label_information(np.concatenate([half, half]), np.repeat([0, 1], 250), 0.3, n_mc=2, seed=1)
    assert est.mi == pytest.approx(0.0, abs=1e-12) and est.mi_std < 1e-12


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sp_label_information_matches_exact_quadrature_in_1d(seed):
    rng = np.random.default_rng(10 + seed)
    s = rng.normal(size=80)
    labels = (s + rng.normal(scale=0.8, size=80) > 0).astype(int)
    beta = 0.4
    exact = mixture_entropy_1d(s, beta) - sum(
        np.mean(labels == y) * mixture_entropy_1d(s[labels == y], beta) for y in (0, 1))
    est = sp_label_information(s, labels, beta, n_mc=100, seed=seed)
    assert abs(est.mi - exact) < 4 * est.mi_std + 1e-3
    assert 0 < est.mi_std < 0.02


def test_sp_label_information_rejects_bad_input():
    with pytest.raises(ValueError, match="^labels"):
        sp_label_information(np.zeros((5, 2)), [0, 1], 0.1)
    with pytest.raises(ValueError, match="^beta"):
        sp_label_information(np.zeros((2, 2)), [0, 1], -0.1)
    with pytest.raises(ValueError, match="^labels: must be integers"):
        sp_label_information(np.zeros((2, 2)), [0.5, 1], 0.1)
