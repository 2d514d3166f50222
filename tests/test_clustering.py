"""Clustering measures against cases whose answer is known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ipcore.estimators.clustering import (
    cluster_entropy,
    cosine_similarity_histograms,
    diameter_clusters,
    labels_entropy,
    nearest_neighbour_distances,
)


@pytest.fixture
def four_blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1.0]])
    sizes = [100, 100, 200, 400]  # unequal, so the entropy is not just ln 4
    points = np.concatenate([rng.normal(c, 0.005, (k, 3)) for c, k in zip(centers, sizes)])
    p = np.array(sizes) / sum(sizes)
    return points, float(-(p * np.log(p)).sum())


def test_cluster_entropy_of_separated_blobs_is_the_entropy_of_their_sizes(four_blobs):
    points, expected = four_blobs
    assert cluster_entropy(points, 0.2) == pytest.approx(expected, abs=1e-12)
    # Below the smallest gap every point is its own cluster: ln n; above the largest, one cluster: 0.
    assert cluster_entropy(points, 1e-9) == pytest.approx(math.log(len(points)), abs=1e-12)
    assert cluster_entropy(points, 10.0) == pytest.approx(0.0, abs=1e-12)


def test_clusters_have_at_most_the_given_diameter():
    points = np.array([[0.0], [0.3], [1.0], [1.2], [3.0]])
    labels = diameter_clusters(points, [0.5, 1.3, 3.5])
    assert [len(set(row)) for row in labels] == [3, 2, 1]
    assert labels[0][0] == labels[0][1] != labels[0][2] == labels[0][3] != labels[0][4]
    # A chain of close steps is not one cluster (no single-linkage chaining) …
    chain = np.arange(0, 10, 0.1)[:, None]
    assert len(set(diameter_clusters(chain, 0.15))) >= 50
    # … and no cluster of a random cloud is wider than the diameter.
    cloud = np.random.default_rng(2).uniform(-1, 1, (400, 3))
    for label in np.unique(labels := diameter_clusters(cloud, 0.3)):
        members = cloud[labels == label]
        assert np.linalg.norm(members[:, None] - members[None], axis=-1).max() <= 0.3


def test_labels_entropy_matches_a_count():
    labels = [3, 3, 1, 7, 7, 7]
    p = np.array([2, 1, 3]) / 6
    assert labels_entropy(labels) == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-15)


def test_nearest_neighbour_distances_match_brute_force():
    rng = np.random.default_rng(1)
    points = rng.uniform(-1, 1, (300, 4))
    points[7] = points[3]  # a duplicate has distance 0
    full = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(full, np.inf)
    np.testing.assert_allclose(nearest_neighbour_distances(points), full.min(1), rtol=1e-12, atol=1e-15)


def test_cosine_histograms_of_aligned_classes_on_orthogonal_axes():
    # Class 0 along e1 (two lengths), class 1 along e2: within-class cosines 1, across 0.
    points = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0], [0.0, 0.5]])
    stats = cosine_similarity_histograms(points, [0, 0, 1, 1], bins=4)
    assert stats["within_mean"] == pytest.approx(1.0) and stats["across_mean"] == pytest.approx(0.0)
    np.testing.assert_allclose(stats["within"], [0, 0, 0, 1])  # bins of width 0.5 over [-1, 1]
    np.testing.assert_allclose(stats["across"], [0, 0, 1, 0])


@pytest.mark.parametrize("call, name", [
    (lambda: cosine_similarity_histograms(np.eye(3), [0, 1]), "labels"),
    (lambda: cosine_similarity_histograms(np.eye(3), [0.5, 1, 1]), "labels"),
    (lambda: cluster_entropy(np.zeros((5, 2)), 0.0), "diameter"),
    (lambda: diameter_clusters(np.zeros((5, 2)), [0.1, -1.0]), "diameters"),
    (lambda: cluster_entropy(np.full((5, 2), np.nan), 0.1), "points"),
    (lambda: nearest_neighbour_distances(np.zeros((1, 2))), "points"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
