"""The sample-based mutual-information estimators (nearest neighbours, KSG, MINE) against closed forms,
invariants and a brute force; the known-truth images and PCA compression."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import digamma, gammaln, ndtr

from ipcore.data import correlated_gaussians, gaussian_blobs, rectangles
from ipcore.estimators import (autoencoder_compression, knn_label_information, mixture_entropy_1d, bsy_weights, jointly_gaussian_mutual_information, knn_entropy, knn_mutual_information,
                               ksg_mutual_information, mine_mutual_information, mine_mutual_information_batch,
                               pca_compression)

RNG = np.random.default_rng(11)


def anisotropic_gaussian(n: int, d: int, seed: int) -> tuple[np.ndarray, float]:
    """Samples of a rotated Gaussian with standard deviations from 0.01 to 100, and its entropy."""
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    scales = np.geomspace(0.01, 100, d) if d > 1 else np.array([0.01])
    x = (rng.standard_normal((n, d)) * scales) @ q.T
    return x, 0.5 * d * math.log(2 * math.pi * math.e) + float(np.log(scales).sum())


@pytest.mark.parametrize("d", [1, 2, 3])
def test_kozachenko_leonenko_gives_an_anisotropic_gaussians_entropy(d):
    x, truth = anisotropic_gaussian(5000, d, seed=d)
    est = knn_entropy(x, k=5, weighted=False)
    assert abs(est.value - truth) < 4 * est.std_error + 0.02  # KL's bias at n = 5000, d ≤ 3: below 0.02


def test_in_eight_anisotropic_dimensions_whitening_and_the_weights_recover_the_entropy():
    x, truth = anisotropic_gaussian(5000, 8, seed=8)
    plain, weighted = knn_entropy(x, k=5, weighted=False), knn_entropy(x, k=5)  # d > 4: weighted by default
    assert abs(plain.value - truth) < 0.15  # KL's bias in d = 8 at n = 5000 (measured −0.07)
    assert abs(weighted.value - truth) < 4 * weighted.std_error  # the weights remove the bias, at a larger variance
    assert weighted.std_error > plain.std_error


def test_an_invertible_linear_map_adds_its_log_determinant_exactly():
    x = RNG.standard_normal((800, 3)) ** 3  # far from Gaussian
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    for weighted in (False, True):
        h, h_mapped = knn_entropy(x, weighted=weighted).value, knn_entropy(x @ a.T, weighted=weighted).value
        assert h_mapped == pytest.approx(h + math.log(abs(np.linalg.det(a))), abs=1e-8)


def test_a_uniform_square_has_entropy_zero():
    est = knn_entropy(RNG.uniform(size=(5000, 2)), k=5, weighted=False)
    assert abs(est.value) < 4 * est.std_error + 0.05  # boundary bias of the square


def test_the_weights_meet_their_constraints():
    np.testing.assert_array_equal(bsy_weights(4, 5), [1, 0, 0, 0, 0])
    for d, k in ((8, 5), (10, 8), (6, 5)):
        w = bsy_weights(d, k)
        j = np.arange(1, k + 1)
        assert w.sum() == pytest.approx(1.0, abs=1e-10)
        for ell in range(1, d // 4 + 1):
            assert float(w @ np.exp(gammaln(j + 2 * ell / d) - gammaln(j))) == pytest.approx(0.0, abs=1e-8)
        allowed = {i * k // d - 1 for i in range(1, d + 1)}
        assert all(w[i] == 0 for i in range(k) if i not in allowed)


@pytest.mark.parametrize("mi", [0.0, 1.0, 3.0])
def test_the_gaussian_pairs_carry_the_information_asked_for(mi):
    x, y = correlated_gaussians(200_000, 3, 2, mi, seed=4)
    cov = np.cov(np.concatenate([x, y], axis=1), rowvar=False)
    assert jointly_gaussian_mutual_information(cov, 3) == pytest.approx(mi, abs=0.01)
    # each block is standard normal: unit-variance pairs, turned by rotations
    np.testing.assert_allclose(np.cov(x, rowvar=False), np.eye(3), atol=0.01)
    np.testing.assert_allclose(np.cov(y, rowvar=False), np.eye(2), atol=0.01)


@pytest.mark.parametrize(("d", "mi"), [(1, 0.0), (1, 1.0), (2, 1.0), (1, 4.0)])
def test_both_mutual_information_estimators_recover_gaussian_information(d, mi):
    x, y = correlated_gaussians(5000, d, d, mi, seed=int(10 * mi) + d)
    for est, bias in ((knn_mutual_information(x, y), 0.1), (ksg_mutual_information(x, y), 0.1)):
        assert abs(est.value - mi) < 4 * est.std_error + bias


def test_ksg_is_the_brute_force_formula():
    x, y = correlated_gaussians(150, 2, 1, 0.7, seed=2)
    ours = ksg_mutual_information(x, y, k=3).value

    def whiten(a):
        a = a - a.mean(0)
        values, vectors = np.linalg.eigh(np.atleast_2d(np.cov(a, rowvar=False)))
        return a @ (vectors / np.sqrt(values)) @ vectors.T

    zx, zy = whiten(x), whiten(y)
    dx = np.abs(zx[:, None] - zx[None]).max(-1)
    dy = np.abs(zy[:, None] - zy[None]).max(-1)
    joint = np.maximum(dx, dy)
    np.fill_diagonal(joint, np.inf)
    eps = np.sort(joint, axis=1)[:, 2]  # the 3rd neighbour
    nx = (dx < eps[:, None]).sum(1) - 1
    ny = (dy < eps[:, None]).sum(1) - 1
    n = len(x)
    brute = digamma(3) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))
    assert ours == pytest.approx(brute, abs=1e-12)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: knn_entropy(np.zeros((10, 2)) + np.arange(10)[:, None], k=10), "k"),
    (lambda: knn_entropy(np.full((10, 1), np.nan)), "x"),
    (lambda: knn_entropy(np.zeros((10, 0))), "x"),
    (lambda: knn_entropy(np.repeat(RNG.standard_normal((5, 2)), 2, axis=0), k=1), "x"),
    (lambda: knn_entropy(np.outer(np.arange(20.0), [1.0, 2.0])), "x"),  # on a line: singular covariance
    (lambda: knn_mutual_information(np.ones((10, 1)), np.ones((9, 1))), "y"),
    (lambda: ksg_mutual_information(RNG.standard_normal((10, 1)), RNG.standard_normal((11, 1))), "y"),
    (lambda: ksg_mutual_information(RNG.standard_normal((5, 1)), RNG.standard_normal((5, 1)), k=5), "k"),
])
def test_bad_inputs_are_named(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()


# ------------------------------------------------------------------------------------------- MINE


def test_mine_bounds_gaussian_information_from_below_and_finds_none_where_there_is_none():
    for mi in (1.0, 3.0):
        x, y = correlated_gaussians(4000, 2, 2, mi, seed=3)
        est = mine_mutual_information(x, y, steps=1500, seed=0)
        # a lower bound, reached to within its optimisation gap (measured 0.05 at 1 nat, 0.10 at 3 nats)
        assert mi - 0.25 < est.value < mi + 4 * est.std_error
        assert est.training_curve.shape == (1500,) and abs(est.training_curve[-200:].mean() - mi) < 0.3
    x, y = correlated_gaussians(4000, 1, 1, 0.0, seed=5)
    assert abs(mine_mutual_information(x, y, steps=500, seed=0).value) < 0.05


def test_mine_repeats_with_its_seed():
    x, y = correlated_gaussians(600, 1, 1, 0.5, seed=1)
    a, b = (mine_mutual_information(x, y, steps=50, seed=7) for _ in range(2))
    c = mine_mutual_information(x, y, steps=50, seed=8)
    assert a.value == b.value and a.value != c.value


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(x=np.ones((10, 1)), y=np.ones((9, 1))), "y"),
    (dict(x=RNG.standard_normal((3, 1)), y=RNG.standard_normal((3, 1)), held_out=0.5), "held_out"),
    (dict(x=np.ones((10, 1)), y=RNG.standard_normal((10, 1))), "x"),
    (dict(x=RNG.standard_normal((10, 1)), y=RNG.standard_normal((10, 1)), ema=0.0), "ema"),
])
def test_mine_names_its_bad_inputs(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        mine_mutual_information(**kwargs)



def test_a_batch_of_critics_gives_each_pair_its_own_estimate():
    # pairs of different dimensions and truths train as one stack; each member lands where its own run does
    truths, dims = (0.5, 2.0, 0.0), ((1, 1), (2, 3), (3, 1))
    pairs = [correlated_gaussians(2000, dx, dy, mi, seed=10 + i) for i, (mi, (dx, dy)) in enumerate(zip(truths, dims))]
    batch = mine_mutual_information_batch(pairs, [4, 5, 6], steps=600)
    for (x, y), seed, mi, member in zip(pairs, (4, 5, 6), truths, batch):
        alone = mine_mutual_information(x, y, steps=600, seed=seed)
        # the same split, initialisation and batches: apart only by rounding amplified in training
        assert abs(member.value - alone.value) < 0.5 * member.std_error
        assert np.corrcoef(member.training_curve, alone.training_curve)[0, 1] > 0.99
        assert mi - 0.3 < member.value < mi + 4 * member.std_error
    # a member's estimate does not depend on its company
    again = mine_mutual_information_batch(pairs[1:2], np.array([5]), steps=600)[0]
    assert abs(again.value - batch[1].value) < 0.5 * batch[1].std_error


@pytest.mark.parametrize(("pairs", "seeds", "message"), [
    ([], [], "pairs: needs a non-empty"),
    ("xy", [0], "pairs: needs a non-empty"),
    ([(np.zeros((10, 1)),)], [0], r"pairs\[0\]: needs an \(x, y\) pair"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((9, 1)))], [0], r"pairs\[0\] y: needs one row"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((10, 1))), (RNG.standard_normal((10, 1)), np.ones((10, 1)))],
     [0, 1], r"pairs\[1\] y: a coordinate is constant"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((10, 1))), (RNG.standard_normal((12, 1)),) * 2], [0, 1],
     r"pairs: every pair needs the same number of samples, got \[10, 12\]"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((10, 1)))], [0, 1], "seeds: needs one seed per pair"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((10, 1)))], 0, "seeds: needs one seed per pair"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((10, 1)))], [-1], "seeds: must be"),
    ([(RNG.standard_normal((10, 1)), RNG.standard_normal((10, 1)))], np.array([0, 1]), "seeds: needs one seed per pair"),
])
def test_mine_batch_names_its_bad_inputs(pairs, seeds, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        mine_mutual_information_batch(pairs, seeds, steps=2)


# ------------------------------------------------------------------- known-truth images, compression


def test_blob_images_are_one_to_one_their_centers_come_back_exactly():
    latents = RNG.standard_normal((50, 2))
    images = gaussian_blobs(latents, size=16)
    assert images.shape == (50, 16, 16) and images.max() <= 1.0 and images.min() > 0
    # log pixel = −10 (u − c_x)² − 10 (v − c_y)²: the center is the vertex of each row's parabola
    grid = np.linspace(0, 1, 16)
    logs = np.log(images)
    slope_u = (logs[:, 0, 1] - logs[:, 0, 0]) / (grid[1] - grid[0])  # −10 (2 c_x − u₀ − u₁)
    center_x = (grid[0] + grid[1] + slope_u / 10) / 2
    np.testing.assert_allclose(center_x, ndtr(latents[:, 0]), atol=1e-9)
    np.testing.assert_allclose(np.log(images[:, :, 3]).argmax(1), np.abs(grid[None] - ndtr(latents[:, 1:])).argmin(1))


def test_rectangle_images_are_one_to_one_their_sides_come_back_exactly():
    latents = RNG.standard_normal((200, 4))
    images = rectangles(latents, size=32, min_width=2.0)
    assert images.shape == (200, 32, 32) and 0.0 <= images.min() and images.max() <= 1.0
    columns = images.max(1)  # the horizontal coverage, (n, 32)
    first = (columns > 0).argmax(1)
    last = 31 - (columns[:, ::-1] > 0).argmax(1)
    rows = np.arange(200)
    x0 = first + 1 - columns[rows, first]
    x1 = last + columns[rows, last]
    u = ndtr(latents[:, :2])
    span = 30.0
    np.testing.assert_allclose(x0, span * (1 - np.sqrt(1 - u[:, 0])), atol=1e-9)
    np.testing.assert_allclose(x1, x0 + 2 + u[:, 1] * (span - x0), atol=1e-9)
    assert np.all(x1 - x0 >= 2 - 1e-12)


def test_rectangle_sides_are_uniform_over_the_allowed_pairs():
    x0 = 30 * (1 - np.sqrt(1 - RNG.uniform(size=200_000)))
    # uniform over {x₁ − x₀ ≥ 2} ⇒ x₀ has density 2 (30 − x₀)/30²: mean 10, P(x₀ < 15) = 3/4
    assert x0.mean() == pytest.approx(10.0, abs=0.05) and (x0 < 15).mean() == pytest.approx(0.75, abs=0.005)


def test_pca_of_a_linear_embedding_keeps_the_information_exactly():
    x, y = correlated_gaussians(2000, 2, 2, 1.0, seed=9)
    embed_x, embed_y = RNG.standard_normal((2, 40)), RNG.standard_normal((2, 30))
    train_x, train_y = correlated_gaussians(500, 2, 2, 1.0, seed=10)
    px, py = pca_compression(train_x @ embed_x, 2), pca_compression(train_y @ embed_y, 2)
    assert px.components.shape == (2, 40) and np.allclose(px.components @ px.components.T, np.eye(2))
    direct = knn_mutual_information(x, y).value
    assert knn_mutual_information(px(x @ embed_x), py(y @ embed_y)).value == pytest.approx(direct, abs=1e-8)
    assert px.explained_variance[0] >= px.explained_variance[1] > 0


def test_label_information_against_its_truths():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 6000)
    anisotropic = rng.standard_normal((6000, 3)) @ np.array([[3.0, 0, 0], [1, 1, 0], [0, 0, 0.1]])
    p = np.bincount(labels) / len(labels)
    # Independent of the labels: 0. Classes far apart: H(Y) exactly (whitening by the pooled
    # within-class covariance keeps each class round; by the total one it would not).
    none = knn_label_information(anisotropic, labels)
    assert abs(none.value) < 4 * none.std_error + 0.01
    separated = knn_label_information(anisotropic + 50 * labels[:, None], labels)
    assert separated.value == pytest.approx(-(p * np.log(p)).sum(), abs=1e-3)
    # Two overlapping unit Gaussians at ±1: I = h(mixture) − h(N(0, 1)), by quadrature.
    two = rng.integers(0, 2, 20000)
    est = knn_label_information((rng.standard_normal(20000) + np.where(two == 1, 1.0, -1.0))[:, None], two)
    truth = mixture_entropy_1d(np.array([-1.0, 1.0]), 1.0) - 0.5 * math.log(2 * math.pi * math.e)
    assert est.value == pytest.approx(truth, abs=0.02)
    with pytest.raises(ValueError, match="^labels"):
        knn_label_information(anisotropic[:10], np.arange(10) % 5, k=3)


def test_an_autoencoder_follows_a_curved_embedding_and_keeps_most_of_the_information():
    # Latents of 2 nats through a curved (tanh) embedding in 12 dimensions, which PCA cannot
    # undo: the autoencoder's 2-D code reconstructs the held-out data to a few per cent, and its
    # information is below the truth (it can only lose some) by less than 0.4 nats.
    x, y = correlated_gaussians(2500, 2, 2, 2.0, seed=1)
    embed_x, embed_y = RNG.standard_normal((2, 12)), RNG.standard_normal((2, 12))
    ex, ey = np.tanh(0.5 * x @ embed_x), np.tanh(0.5 * y @ embed_y)
    ax = autoencoder_compression(ex[:1500], 2, epochs=25, batch_size=128, seed=0)
    ay = autoencoder_compression(ey[:1500], 2, epochs=25, batch_size=128, seed=0)
    assert ax.losses[-1] < ax.losses[0] / 5
    held_x = ex[1500:]
    assert np.abs(ax.reconstruct(held_x) - held_x).mean() < 0.1 * np.abs(held_x).mean()
    code = knn_mutual_information(ax(held_x), ay(ey[1500:]))
    truth = 2.0
    assert truth - 0.4 < code.value < truth + 4 * code.std_error
    again = autoencoder_compression(ex[:200], 2, epochs=2, seed=3)
    assert np.array_equal(again(held_x), autoencoder_compression(ex[:200], 2, epochs=2, seed=3)(held_x))


@pytest.mark.parametrize(("call", "name"), [
    (lambda: autoencoder_compression(np.ones((5, 3)), 1), "train"),
    (lambda: autoencoder_compression(RNG.standard_normal((5, 3)), 1, epochs=1)(np.ones((2, 4))), "x"),
    (lambda: pca_compression(np.ones((5, 3)), 4), "k"),
    (lambda: pca_compression(RNG.standard_normal((5, 3)), 2)(np.ones((2, 4))), "x"),
    (lambda: gaussian_blobs(np.ones((3, 3))), "latents"),
    (lambda: rectangles(np.ones((3, 4)), size=8, min_width=8.0), "min_width"),
])
def test_compression_and_images_name_bad_inputs(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
