"""Data sets: the SZT patterns (regenerated from their rule) and, later, MNIST."""

from ipcore.data.szt import ICOSAHEDRON, SZT_THRESHOLD, szt, train_test_split

__all__ = ["szt", "train_test_split", "ICOSAHEDRON", "SZT_THRESHOLD"]
