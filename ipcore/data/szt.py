"""The Shwartz-Ziv & Tishby (2017) data set, regenerated bit-exactly from its rule.

The 4096 inputs are all patterns x ∈ {0,1}^12; row r is the binary expansion
of r, most significant bit first. The 12 inputs sit on the vertices v_i of a
regular icosahedron (unit vectors): column 0 the north pole; columns
1, 3, 10, 5, 11 on the upper ring (z = 1/√5, radius 2/√5, azimuths 0°, 72°,
144°, 216°, 288°); columns 7, 6, 4, 2, 8 their antipodes; column 9 the south
pole. With k = Σ x_i and R = Σ x_i v_i, the label is y = 1 iff k + |R| > θ for
any θ in (7.5628, 7.7013). No file is shipped or downloaded.
"""

from __future__ import annotations

import math

import numpy as np

from ipcore.validation import Choice, Integer, Real, Seed, validate_params

#: The threshold θ (any value in (7.5628, 7.7013) gives the same labels).
SZT_THRESHOLD = 7.63


def _icosahedron() -> np.ndarray:
    v = np.zeros((12, 3))
    v[0] = (0.0, 0.0, 1.0)
    v[9] = (0.0, 0.0, -1.0)
    z, r = 1 / math.sqrt(5), 2 / math.sqrt(5)
    upper = [1, 3, 10, 5, 11]
    lower = [7, 6, 4, 2, 8]  # antipodes of the upper ring, in the same order
    for k, (col, anti) in enumerate(zip(upper, lower)):
        phi = math.radians(72 * k)
        v[col] = (r * math.cos(phi), r * math.sin(phi), z)
        v[anti] = -v[col]
    return v


#: Unit vectors of the 12 input positions, row i for column i.
ICOSAHEDRON = _icosahedron()


@validate_params(threshold=Real(low=7.5628, high=7.7013, open_low=True, open_high=True))
def szt(threshold: float = SZT_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """The SZT data set: all 4096 patterns of 12 bits and their labels, with 2118 ones.

    Row r of ``x`` is the binary expansion of r, most significant bit first. With
    k = Σ x_i and R = Σ x_i v_i (v_i the unit vectors of :data:`ipcore.data.ICOSAHEDRON`),
    the label is y = 1 iff k + ‖R‖ > θ.

    Parameters
    ----------
    threshold : float, default 7.63
        θ. It must lie in (7.5628, 7.7013), the interval in which the
        rule reproduces the published labels; every θ in it gives the same labels.

    Returns
    -------
    x : ndarray of uint8, shape (4096, 12)
        The inputs.
    y : ndarray of int64, shape (4096,)
        The labels, 0 or 1.

    Raises
    ------
    ValueError
        If ``threshold`` lies outside (7.5628, 7.7013).

    See Also
    --------
    :func:`ipcore.data.szt_split` : The train and test indices of these inputs.

    Examples
    --------
    >>> x, y = szt()
    >>> x.shape, x.dtype, y.shape, int(y.sum())
    ((4096, 12), dtype('uint8'), (4096,), 2118)
    >>> x[5]  # row 5 = 0b101
    array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1], dtype=uint8)
    >>> bool((szt(7.6)[1] == y).all())
    True
    >>> szt(threshold=7.8)
    Traceback (most recent call last):
    ...
    ValueError: threshold: must be a finite number in (7.5628, 7.7013), got 7.8
    """
    rows = np.arange(4096)
    x = ((rows[:, None] >> np.arange(11, -1, -1)) & 1).astype(np.uint8)
    k = x.sum(1, dtype=np.int64)
    resultant = np.linalg.norm(x.astype(np.float64) @ ICOSAHEDRON, axis=1)
    y = (k + resultant > threshold).astype(np.int64)
    return x, y


@validate_params(n=Integer(low=2), test_fraction=Real(low=0, high=1, open_low=True, open_high=True), seed=Seed())
def train_test_split(n: int = 4096, *, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of range(n) into sorted train and test indices (SZT: 3277 / 819).

    The test set is the first round(n · ``test_fraction``) entries of a random
    permutation of range(n), the training set the rest; both are returned sorted.

    Parameters
    ----------
    n : int, default 4096
        Number of inputs to split, at least 2.
    test_fraction : float, default 0.2
        Fraction of the inputs for testing, in (0, 1).
    seed : int, default 0
        Seed of the permutation, an integer in [0, 2⁶³).

    Returns
    -------
    train : ndarray of int64
        Sorted training indices.
    test : ndarray of int64
        Sorted test indices.

    Raises
    ------
    ValueError
        If ``n``, ``test_fraction`` or ``seed`` is out of range, or if
        ``test_fraction`` leaves no input for one of the two sets.

    Examples
    --------
    >>> train, test = train_test_split()
    >>> len(train), len(test), len(set(train) | set(test))
    (3277, 819, 4096)
    >>> train, test = train_test_split(10, test_fraction=0.3, seed=1)
    >>> len(train), len(test), bool((train[1:] > train[:-1]).all())
    (7, 3, True)
    >>> train_test_split(3, test_fraction=0.1)
    Traceback (most recent call last):
    ...
    ValueError: test_fraction: 0.1 of 3 inputs leaves 0 for testing and 3 for training; both need at least one
    """
    n_test = int(round(n * test_fraction))
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"test_fraction: {test_fraction!r} of {n} inputs leaves {n_test} for testing and "
                         f"{n - n_test} for training; both need at least one")
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


#: How the 4096 SZT inputs are split 3277 / 819 (80 % / 20 %), see :func:`szt_split`.
SPLITS = {
    "random": "a seeded random permutation (ibsgd's choice; the default)",
    "szt_file_order": "the first 3277 rows train, as IDNNs' default (its test set is then 84 % class 1)",
}


@validate_params(split=Choice(tuple(SPLITS)), seed=Seed())
def szt_split(split: str = "random", *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices of the SZT inputs, 3277 / 819, as one of :data:`ipcore.data.SPLITS`.

    IDNNs (Shwartz-Ziv & Tishby) takes the first 80 % of the file without
    shuffling, which biases the test set (685 of its 819 labels are 1);
    ``"random"`` is :func:`ipcore.data.train_test_split` with ``seed``.

    Parameters
    ----------
    split : str, default "random"
        ``"random"`` (a seeded permutation) or ``"szt_file_order"`` (the first
        3277 rows train).
    seed : int, default 0
        Seed of the ``"random"`` split, an integer in [0, 2⁶³); unused by
        ``"szt_file_order"``.

    Returns
    -------
    train : ndarray of int64, shape (3277,)
        Sorted training indices into the rows of :func:`ipcore.data.szt`.
    test : ndarray of int64, shape (819,)
        Sorted test indices.

    Raises
    ------
    ValueError
        If ``split`` is not a key of :data:`ipcore.data.SPLITS`, or ``seed`` is
        not a valid seed.

    Examples
    --------
    >>> x, y = szt()
    >>> train, test = szt_split("szt_file_order")
    >>> len(train), len(test), int(y[test].sum())
    (3277, 819, 685)
    >>> train, test = szt_split("random", seed=0)
    >>> bool((test == train_test_split(4096, seed=0)[1]).all())
    True
    >>> szt_split("shuffled")
    Traceback (most recent call last):
    ...
    ValueError: split: must be one of ['random', 'szt_file_order'], got 'shuffled'
    """
    if split not in SPLITS:
        raise ValueError(f"split: must be one of {sorted(SPLITS)}, got {split!r}")
    if split == "random":
        return train_test_split(4096, seed=seed)
    rows = np.arange(4096)
    return rows[:3277], rows[3277:]
