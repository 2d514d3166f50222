"""MNIST from the standard IDX files, found locally or downloaded with checksums.

Where the files come from, in this order:

1. an explicit ``path`` (a folder holding the IDX files);
2. the folder named by ``$IPCORE_DATA`` (its ``mnist/`` subfolder, or the folder itself);
3. the user cache, ``<cache>/data/mnist`` (``$IPCORE_CACHE`` or ``~/.cache/ipcore``);
4. only if none has them and a network is there: a download from public mirrors into the
   user cache, each file checked against its md5.

Files may be gzipped (``*.gz``, checked against the published md5) or not. A file with the
wrong checksum, a wrong header, or fewer bytes than its header announces is an error naming
the file: never a silently short array.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ipcore.cache import cache_root
from ipcore.validation import Choice, Flag, Optional, PathLike, Real, Seed, Unchecked, check_choice, validate_params
from ipcore.download import download, file_digest

DATA_ENV = "IPCORE_DATA"

#: split → (images file, md5 of its .gz, labels file, md5 of its .gz, number of examples).
FILES: dict[str, tuple[str, str, str, str, int]] = {
    "train": ("train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
              "train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432", 60000),
    "test": ("t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3",
             "t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c", 10000),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


class MNISTNotFound(FileNotFoundError):
    """No folder held the MNIST files and none could be downloaded.

    A :class:`FileNotFoundError`; its message lists the folders searched and
    says how to provide the files.

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> issubclass(MNISTNotFound, FileNotFoundError)
    True
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"IPCORE_CACHE": tmp, "IPCORE_DATA": ""}):
    ...     try:
    ...         load_mnist("test", path=tmp, download=False)  # an empty folder
    ...     except MNISTNotFound as exc:
    ...         print(str(exc).splitlines()[0])
    MNIST test files (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) not found; looked in:
    """


@validate_params(path=PathLike(), md5=Optional(Unchecked("compared with the file's digest")))
def read_idx(path: str | os.PathLike, *, md5: str | None = None) -> np.ndarray:
    """Read one IDX file (gzipped when its name ends in .gz) into a uint8 array.

    Checks the md5 of a ``.gz`` file when ``md5`` is given, the magic number
    (unsigned bytes, 1–3 dimensions) and that the data has exactly the size
    the header announces. Every failure is a ``ValueError`` naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        The IDX file; gzipped when its name ends in ``.gz``.
    md5 : str, optional
        The published md5 (hex) of a ``.gz`` file; not checked when ``None`` or
        when the file is not gzipped.

    Returns
    -------
    ndarray of uint8
        The array, of the shape its header announces (1 to 3 dimensions).

    Raises
    ------
    ValueError
        If ``path`` is not a file, or the file has the wrong md5, a bad magic
        number, a damaged gzip stream, or not exactly the bytes its header
        announces (the message names the file).

    Examples
    --------
    A 2 × 3 IDX file: magic number 0x00000803 (unsigned bytes, 2 dimensions),
    the dimensions as big-endian 32-bit integers, then the data.

    >>> import tempfile
    >>> from pathlib import Path
    >>> header = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "tiny-idx2-ubyte"
    >>> _ = path.write_bytes(header + bytes(range(6)))
    >>> read_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    >>> _ = path.write_bytes(header + bytes(range(5)))  # one byte short
    >>> read_idx(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../tiny-idx2-ubyte: holds 17 bytes but its header (2, 3) needs 18; the file is truncated or corrupt
    >>> tmp.cleanup()
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: {path} {'is a folder, not an IDX file' if path.is_dir() else 'does not exist'}")
    if md5 is not None and path.suffix == ".gz":
        actual = file_digest(path, "md5")
        if actual != md5:
            raise ValueError(f"{path}: md5 {actual} does not match the published {md5}; the file is "
                             "corrupt or not the MNIST file of that name (delete it and provide it again)")
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:  # a truncated or damaged gzip stream
        raise ValueError(f"{path}: cannot be read ({exc}); the file is truncated or corrupt") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or not 1 <= raw[3] <= 3:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated header ({len(raw)} bytes)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(f"{path}: holds {len(raw)} bytes but its header {shape} needs {expected}; "
                         "the file is truncated or corrupt")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def candidate_folders(path: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike, optional
        An explicit folder, searched first.

    Returns
    -------
    list of pathlib.Path
        ``path``; ``$IPCORE_DATA/mnist`` and ``$IPCORE_DATA`` when that is set;
        ``<cache>/data/mnist`` (created with the cache folder if absent).

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"IPCORE_CACHE": tmp, "IPCORE_DATA": "/data"}):
    ...     [folder.as_posix().replace(tmp, "<cache>") for folder in candidate_folders("mine")]
    ['mine', '/data/mnist', '/data', '<cache>/data/mnist']
    """
    folders: list[Path] = []
    if path is not None:
        folders.append(Path(path))
    if os.environ.get(DATA_ENV):
        root = Path(os.environ[DATA_ENV])
        folders += [root / "mnist", root]
    folders.append(cache_root() / "data" / "mnist")
    return folders


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _download(stem: str, md5: str, folder: Path) -> Path:
    return download([mirror + stem + ".gz" for mirror in MIRRORS], folder / (stem + ".gz"), digest=md5)


@dataclass(frozen=True)
class MNIST:
    """Images uint8 (N, 28, 28), labels int64 (N,), and the files they came from.

    What :func:`ipcore.data.load_mnist` returns.

    Parameters
    ----------
    images : ndarray of uint8, shape (N, 28, 28)
        The images, pixel values 0–255.
    labels : ndarray of int64, shape (N,)
        The digits, 0–9.
    source : str
        The folder the IDX files were read from.

    Examples
    --------
    >>> import numpy as np
    >>> data = MNIST(np.zeros((2, 28, 28), np.uint8), np.array([3, 7]), source="nowhere")
    >>> data.images.shape, data.labels.tolist(), data.source
    ((2, 28, 28), [3, 7], 'nowhere')
    """

    images: np.ndarray
    labels: np.ndarray
    source: str


@validate_params(split=Choice(("train", "test")), path=Optional(PathLike()), download=Flag())
def load_mnist(split: str = "test", *, path: str | os.PathLike | None = None, download: bool = True) -> MNIST:
    """Load an MNIST split (``"train"``: 60 000 images, ``"test"``: 10 000).

    Searches ``path``, ``$IPCORE_DATA`` and the user cache; downloads into the cache
    only if no folder has the files and ``download`` is true. Raises
    :class:`ipcore.data.MNISTNotFound` saying where it looked and how to provide the files.

    Parameters
    ----------
    split : str, default "test"
        ``"train"`` or ``"test"``.
    path : str or os.PathLike, optional
        A folder holding the IDX files (gzipped or not), searched first.
    download : bool, default True
        Whether to download the files into the user cache when no folder has them.

    Returns
    -------
    MNIST
        ``images`` uint8 (N, 28, 28), ``labels`` int64 (N,) and ``source``, the
        folder they were read from.

    Raises
    ------
    MNISTNotFound
        If ``path`` is not a folder, or no folder has the files and they are not
        downloaded (``download=False``, or the download failed).
    ValueError
        If ``split`` is not ``"train"`` or ``"test"``, or a file is corrupt,
        truncated or of the wrong shape (the message names it).

    See Also
    --------
    :func:`ipcore.data.mnist_splits` : Training and validation sets.

    Examples
    --------
    With the files in ``$IPCORE_DATA`` or the user cache (else they are downloaded):

    >>> load_mnist("test").images.shape  # doctest: +SKIP
    (10000, 28, 28)

    A ``path`` that is not a folder is an error, before any search or download:

    >>> import os, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"IPCORE_CACHE": tmp}):
    ...     load_mnist("test", path="no/such/folder")
    Traceback (most recent call last):
    ...
    ipcore.data.mnist.MNISTNotFound: path: no/such/folder is not a folder (it should hold t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz)
    """
    images_stem, images_md5, labels_stem, labels_md5, n = FILES[check_choice(split, "split", FILES)]
    folders = candidate_folders(path)
    if path is not None and not Path(path).is_dir():
        raise MNISTNotFound(f"path: {path} is not a folder (it should hold {images_stem}.gz and {labels_stem}.gz)")
    for folder in folders:
        images_file, labels_file = _find(folder, images_stem), _find(folder, labels_stem)
        if images_file and labels_file:
            break
    else:
        why = "download=False"
        if download:
            try:
                cache = folders[-1]
                images_file = _download(images_stem, images_md5, cache)
                labels_file = _download(labels_stem, labels_md5, cache)
                why = ""
            except OSError as exc:
                why = f"the download failed ({exc})"
        if why:
            looked = "\n".join(f"  - {f}" for f in folders)
            raise MNISTNotFound(
                f"MNIST {split} files ({images_stem}[.gz], {labels_stem}[.gz]) not found; looked in:\n{looked}\n"
                f"and {why}. Put the files in one of these folders, set {DATA_ENV} to a folder holding "
                f"them (or a mnist/ subfolder), or pass path=."
            )
    images = read_idx(images_file, md5=images_md5)
    labels = read_idx(labels_file, md5=labels_md5)
    if images.shape != (n, 28, 28) or labels.shape != (n,):
        raise ValueError(f"{images_file}: MNIST {split} needs images (n, 28, 28) and labels (n,) with n = {n}, "
                         f"got {images.shape} and {labels.shape}")
    if labels.max() > 9:
        raise ValueError(f"{labels_file}: labels must be 0–9, found {int(labels.max())}")
    return MNIST(images, labels.astype(np.int64), str(images_file.parent))


@validate_params(path=Optional(PathLike()), val_fraction=Real(low=0, high=1, open_low=True, open_high=True), seed=Seed(),
                 download=Flag())
def mnist_splits(*, path: str | os.PathLike | None = None, val_fraction: float = 0.2, seed: int = 0,
                 download: bool = True) -> dict[str, object]:
    """Train and validation sets: the standard 60 000 / 10 000 when the training files exist,
    else a seeded split of the 10 000 test images (``val_fraction`` of them for validation).

    Returns a dict with ``x_train``, ``y_train``, ``x_val``, ``y_val`` (uint8 / int64 arrays),
    ``standard`` (bool) and ``note`` (one sentence saying which split this is).

    Parameters
    ----------
    path : str or os.PathLike, optional
        A folder holding the IDX files, searched first (see :func:`ipcore.data.load_mnist`).
    val_fraction : float, default 0.2
        Fraction of the test images held out for validation when only they are
        found, in (0, 1).
    seed : int, default 0
        Seed of that split, an integer in [0, 2⁶³).
    download : bool, default True
        Whether missing files may be downloaded into the user cache.

    Returns
    -------
    dict
        ``x_train``, ``x_val`` (uint8, (n, 28, 28)), ``y_train``, ``y_val`` (int64,
        (n,)), ``standard`` (bool: the standard split) and ``note`` (str).

    Raises
    ------
    MNISTNotFound
        If the test files are not found (and not downloaded).
    ValueError
        If ``val_fraction``, ``seed`` or ``download`` is invalid, or a file is
        corrupt (the message names it).

    Examples
    --------
    Where only the 10 000 test images are found, they are split 8000 / 2000:

    >>> mnist_splits(download=False)["x_train"].shape  # doctest: +SKIP
    (8000, 28, 28)

    The arguments are checked before any file is read:

    >>> mnist_splits(val_fraction=1.0)
    Traceback (most recent call last):
    ...
    ValueError: val_fraction: must be a finite number in (0, 1), got 1.0
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction: must be in (0, 1), got {val_fraction}")
    test = load_mnist("test", path=path, download=download)
    try:
        train = load_mnist("train", path=path, download=download)
    except MNISTNotFound:
        train = None
    if train is not None:
        return {"x_train": train.images, "y_train": train.labels, "x_val": test.images, "y_val": test.labels,
                "standard": True, "note": "the standard split: 60 000 training images, the 10 000 test images for validation"}
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(test.labels))
    n_val = int(round(val_fraction * len(order)))
    val, tr = order[:n_val], order[n_val:]
    return {"x_train": test.images[tr], "y_train": test.labels[tr], "x_val": test.images[val],
            "y_val": test.labels[val], "standard": False,
            "note": f"only the 10 000 MNIST test images were found, so they are split (seed {seed}) into "
                    f"{len(tr)} training and {len(val)} validation images"}
