"""Data sets: the SZT patterns (regenerated from their rule), MNIST (IDX files, checked), and
samples whose mutual information is known exactly."""

from ipcore.data.images import gaussian_blobs, rectangles
from ipcore.data.known_mi import NoisyLayer, correlated_gaussians, noisy_layer
from ipcore.data.mnist import MNIST, MNISTNotFound, load_mnist, mnist_splits, read_idx
from ipcore.data.szt import ICOSAHEDRON, SPLITS, SZT_THRESHOLD, szt, szt_split, train_test_split

__all__ = ["szt", "train_test_split", "szt_split", "SPLITS", "ICOSAHEDRON", "SZT_THRESHOLD",
           "load_mnist", "mnist_splits", "read_idx", "MNIST", "MNISTNotFound", "correlated_gaussians", "noisy_layer", "NoisyLayer",
           "gaussian_blobs", "rectangles"]
