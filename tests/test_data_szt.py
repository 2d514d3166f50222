"""The SZT data set is regenerated bit-exactly from its rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ipcore.data import ICOSAHEDRON, szt, train_test_split


def icosahedral_group() -> list[np.ndarray]:
    """All 120 orthogonal maps of the icosahedron onto itself, by closure of three generators."""
    def rotation(axis, angle):
        a = np.asarray(axis, float) / np.linalg.norm(axis)
        k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
        return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k

    generators = [rotation(ICOSAHEDRON[0], 2 * np.pi / 5), rotation(ICOSAHEDRON[1], 2 * np.pi / 5), -np.eye(3)]
    group = [np.eye(3)]
    frontier = [np.eye(3)]
    while frontier:
        new = []
        for g, h in itertools.product(frontier, generators):
            m = h @ g
            if not any(np.allclose(m, e) for e in group):
                group.append(m)
                new.append(m)
        frontier = new
    return group


def test_patterns_and_label_counts():
    x, y = szt()
    assert x.dtype == np.uint8 and x.shape == (4096, 12)
    assert y.dtype == np.int64 and y.shape == (4096,)
    assert int(y.sum()) == 2118
    assert x[5].tolist() == [0] * 9 + [1, 0, 1]  # row r is r in binary, most significant bit first
    k = x.sum(1)
    assert (y[k <= 4] == 0).all() and (y[k >= 8] == 1).all()
    # Counts of positive labels per number of active inputs are fixed by the rule: none up to 4,
    # all C(12, k) from 8 on, and the mixed counts between them (which sum to the published 2118).
    from math import comb

    counts = [int(y[k == j].sum()) for j in range(13)]
    assert counts[:5] == [0] * 5 and counts[8:] == [comb(12, j) for j in range(8, 13)]
    assert counts[5:8] == [60, 532, 732]


def test_vertices_form_a_regular_icosahedron():
    assert np.allclose(np.linalg.norm(ICOSAHEDRON, axis=1), 1.0)
    dots = np.round(ICOSAHEDRON @ ICOSAHEDRON.T, 9)
    assert sorted(set(dots.ravel())) == pytest.approx([-1.0, -1 / np.sqrt(5), 1 / np.sqrt(5), 1.0])
    assert ((np.abs(dots - 1 / np.sqrt(5)) < 1e-9).sum(1) == 5).all()  # five neighbours each


def test_labels_are_invariant_under_the_120_symmetries():
    x, y = szt()
    group = icosahedral_group()
    assert len(group) == 120
    index = {tuple(row): i for i, row in enumerate(x)}
    for g in group:
        images = ICOSAHEDRON @ g.T
        perm = np.array([int(np.argmin(np.linalg.norm(ICOSAHEDRON - im, axis=1))) for im in images])
        moved = np.zeros_like(x)
        moved[:, perm] = x  # input at vertex i goes to vertex perm[i]
        assert np.array_equal(y[[index[tuple(r)] for r in moved]], y)


@pytest.mark.parametrize("theta", [7.5629, 7.7012])
def test_any_threshold_in_the_interval_gives_the_same_labels(theta):
    assert np.array_equal(szt(theta)[1], szt()[1])


def test_bad_threshold_and_split():
    with pytest.raises(ValueError, match="^threshold"):
        szt(7.5)
    train, test = train_test_split(4096, seed=0)
    assert len(train) == 3277 and len(test) == 819
    assert len(np.intersect1d(train, test)) == 0
    assert np.array_equal(train_test_split(4096, seed=0)[0], train)
    with pytest.raises(ValueError, match="^test_fraction"):
        train_test_split(10, test_fraction=1.5)


def test_splits_random_and_idnns_file_order():
    from ipcore.data import szt_split

    _, y = szt()
    train, test = szt_split("random", seed=0)
    assert len(train) == 3277 and len(test) == 819 and not set(train) & set(test)
    assert not np.array_equal(szt_split("random", seed=1)[0], train)
    train, test = szt_split("szt_file_order")
    assert train.tolist() == list(range(3277)) and test.tolist() == list(range(3277, 4096))
    assert int(y[test].sum()) == 685 and int(y[train].sum()) == 1433  # IDNNs' biased test set
    with pytest.raises(ValueError, match="^split: must be one of"):
        szt_split("sorted")
