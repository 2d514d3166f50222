"""The MNIST loader: where it looks, what it checks, and how it fails."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from ipcore import download as download_module
from ipcore.data import MNISTNotFound, load_mnist, mnist_splits, read_idx

# the shared MNIST test set: $IPCORE_DATA (as CI sets it), else ../shared/data beside the checkout
SHARED = Path(os.environ.get("IPCORE_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data") / "mnist"
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def shared_mnist():
    """The 10 000 MNIST test images beside the checkout (as in CI)."""
    if not all((SHARED / f).is_file() for f in TEST_FILES):
        if os.environ.get("CI"):  # CI has the shared data: a missing file there is a failure, not a skip
            pytest.fail(f"{SHARED} lacks {TEST_FILES}; .ci/run expects ../shared/data beside the checkout")
        pytest.skip(f"{SHARED} does not hold the MNIST test set")
    return SHARED


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    """No network and an empty cache, so that only the folders a test names are seen."""
    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("IPCORE_DATA", raising=False)
    monkeypatch.setattr(download_module, "reachable", lambda url, timeout=3.0: False)


def copy_test_set(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TEST_FILES:
        shutil.copy(source / name, folder / name)
    return folder


def test_reads_the_test_set_with_checksums(shared_mnist):
    data = load_mnist("test", path=shared_mnist)
    assert data.images.shape == (10000, 28, 28) and data.images.dtype == np.uint8
    assert data.labels.shape == (10000,) and data.labels.dtype == np.int64
    assert np.bincount(data.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert data.labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_ipcore_data_folder_and_its_mnist_subfolder_are_searched(shared_mnist, tmp_path, monkeypatch):
    copy_test_set(shared_mnist, tmp_path / "data" / "mnist")
    monkeypatch.setenv("IPCORE_DATA", str(tmp_path / "data"))
    assert load_mnist("test").source == str(tmp_path / "data" / "mnist")


def test_uncompressed_files_are_read_too(shared_mnist, tmp_path):
    for name in TEST_FILES:
        with gzip.open(shared_mnist / name) as src, open(tmp_path / name[:-3], "wb") as dst:
            dst.write(src.read())
    assert np.array_equal(load_mnist("test", path=tmp_path).labels, load_mnist("test", path=shared_mnist).labels)


def test_missing_files_say_where_they_were_looked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("IPCORE_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(MNISTNotFound) as info:
        load_mnist("test")
    message = str(info.value)
    assert "t10k-images-idx3-ubyte" in message and str(tmp_path / "nowhere") in message
    assert "IPCORE_DATA" in message and "no network" in message


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(MNISTNotFound, match="^path: .*not a folder"):
        load_mnist("test", path=tmp_path / "absent")


def test_a_bad_checksum_names_the_file(shared_mnist, tmp_path):
    folder = copy_test_set(shared_mnist, tmp_path / "m")
    raw = bytearray((folder / TEST_FILES[1]).read_bytes())
    raw[-10] ^= 0xFF  # one flipped byte
    (folder / TEST_FILES[1]).write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=f"{TEST_FILES[1]}: md5 .* does not match"):
        load_mnist("test", path=folder)


def test_a_truncated_file_is_an_error_never_a_short_array(shared_mnist, tmp_path):
    with gzip.open(shared_mnist / TEST_FILES[0]) as fh:
        raw = fh.read()
    (tmp_path / "short-idx3-ubyte").write_bytes(raw[: len(raw) - 784])  # one image short
    with pytest.raises(ValueError, match="short-idx3-ubyte: holds .* bytes but its header"):
        read_idx(tmp_path / "short-idx3-ubyte")
    (tmp_path / "cut.gz").write_bytes((shared_mnist / TEST_FILES[0]).read_bytes()[:100_000])
    with pytest.raises(ValueError, match="cut.gz: cannot be read"):
        read_idx(tmp_path / "cut.gz")
    (tmp_path / "junk").write_bytes(b"not an idx file")
    with pytest.raises(ValueError, match="junk: not an IDX file"):
        read_idx(tmp_path / "junk")


def test_test_set_only_gives_a_seeded_split_that_says_so(shared_mnist):
    a = mnist_splits(path=shared_mnist, seed=3)
    b = mnist_splits(path=shared_mnist, seed=3)
    assert not a["standard"] and "10 000" in a["note"]
    assert len(a["y_train"]) == 8000 and len(a["y_val"]) == 2000
    assert np.array_equal(a["y_val"], b["y_val"])
    assert not np.array_equal(a["y_val"], mnist_splits(path=shared_mnist, seed=4)["y_val"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="^split"):
        load_mnist("validation")
    with pytest.raises(ValueError, match="^val_fraction"):
        mnist_splits(val_fraction=1.5)


def test_the_folders_searched_are_the_path_then_ipcore_data_and_its_mnist_subfolder_then_the_cache(tmp_path, monkeypatch):
    from ipcore.cache import cache_root
    from ipcore.data.mnist import candidate_folders

    monkeypatch.setenv("IPCORE_DATA", str(tmp_path / "data"))
    assert candidate_folders(tmp_path / "mine") == [tmp_path / "mine", tmp_path / "data" / "mnist", tmp_path / "data",
                                                    cache_root() / "data" / "mnist"]
    monkeypatch.delenv("IPCORE_DATA")
    assert candidate_folders() == [cache_root() / "data" / "mnist"]


def test_a_gzipped_file_is_found_before_an_uncompressed_one(tmp_path):
    from ipcore.data.mnist import _find

    stem = "t10k-labels-idx1-ubyte"
    assert _find(tmp_path, stem) is None
    (tmp_path / stem).write_bytes(b"x")
    assert _find(tmp_path, stem) == tmp_path / stem
    (tmp_path / (stem + ".gz")).write_bytes(b"x")
    assert _find(tmp_path, stem) == tmp_path / (stem + ".gz")


def test_a_download_asks_every_mirror_for_the_gzipped_file_and_checks_its_md5(tmp_path, monkeypatch):
    from ipcore.data import mnist

    asked = {}

    def fake_download(urls, destination, digest=None):
        asked.update(urls=urls, destination=destination, digest=digest)
        return destination

    monkeypatch.setattr(mnist, "download", fake_download)
    stem, md5 = "t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c"
    assert mnist._download(stem, md5, tmp_path) == tmp_path / (stem + ".gz")
    assert asked["urls"] == [mirror + stem + ".gz" for mirror in mnist.MIRRORS] and len(asked["urls"]) >= 1
    assert asked["destination"] == tmp_path / (stem + ".gz")
    assert asked["digest"] == md5
