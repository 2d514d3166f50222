"""The results cache: keyed by parameters and code, atomic, resumable."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import sys

import numpy as np
import pytest
import torch

from ipcore import cache


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))


def test_same_parameters_load_instead_of_recomputing():
    calls = []
    compute = lambda: calls.append(1) or {"value": 42}  # noqa: E731
    assert cache.cached("demo", {"beta": 0.1, "epochs": [1, 2]}, compute, modules=["ipcore.seeding"]) == {"value": 42}
    assert cache.cached("demo", {"epochs": [1, 2], "beta": 0.1}, compute, modules=["ipcore.seeding"]) == {"value": 42}
    assert len(calls) == 1
    cache.cached("demo", {"beta": 0.1000001, "epochs": [1, 2]}, compute, modules=["ipcore.seeding"])
    assert len(calls) == 2


def test_key_depends_on_the_code_of_the_named_modules_only():
    params = {"beta": 0.1}
    a = cache.cache_key(params, ["ipcore.seeding"])
    assert a == cache.cache_key(params, ["ipcore.seeding"])
    assert a != cache.cache_key(params, ["ipcore.seeding", "ipcore.config"])


def test_a_package_key_covers_every_module_in_it(tmp_path, monkeypatch):
    package = tmp_path / "src" / "demo_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "kernel.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    for module in [m for m in sys.modules if m.split(".")[0] == "demo_pkg"]:  # an import by an earlier run
        monkeypatch.delitem(sys.modules, module)
    before = cache.cache_key({}, ["demo_pkg"])
    (package / "tree.py").write_text("Y = 2\n")  # a submodule nobody imports or names
    assert cache.cache_key({}, ["demo_pkg"]) != before


def test_checkpoints_resume_and_disappear_when_the_result_is_saved(tmp_path):
    run = cache.CachedRun("demo", {"n": 1}, modules=["ipcore.seeding"])
    assert run.load_checkpoint() is None and not run.done
    run.save_checkpoint({"epoch": 7})
    assert cache.CachedRun("demo", {"n": 1}, modules=["ipcore.seeding"]).load_checkpoint() == {"epoch": 7}
    run.save({"final": True})
    assert run.done and run.load() == {"final": True} and run.load_checkpoint() is None
    assert not list(tmp_path.rglob("*.tmp"))


def test_unkeyable_parameters_are_rejected():
    with pytest.raises(ValueError, match="^parameters"):
        cache.cache_key({"f": object()}, ["ipcore.seeding"])


# ----------------------------------------------------------------------------------------
# Faults: corrupt entries, crafted files, a full disk
# ----------------------------------------------------------------------------------------

def _stored_run():
    run = cache.CachedRun("demo", {"n": 2}, modules=["ipcore.seeding"])
    run.save({"final": [1.0, 2.0]})
    return run


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "one byte flipped"])
def test_a_corrupt_result_is_set_aside_with_its_path_and_recomputed(damage, tmp_path):
    path = _stored_run().result_path
    raw = path.read_bytes()
    path.write_bytes({"truncated": raw[: len(raw) // 2], "empty": b"", "garbage": b"\x00garbage" * 50,
                      "one byte flipped": raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:]}[damage])
    calls = []
    with pytest.warns(cache.CacheWarning, match=str(path)):
        value = cache.cached("demo", {"n": 2}, lambda: calls.append(1) or {"final": "recomputed"}, modules=["ipcore.seeding"])
    assert value == {"final": "recomputed"} and calls == [1]
    assert list((path.parent / "corrupt").iterdir())  # kept for inspection, out of the way
    assert cache.CachedRun("demo", {"n": 2}, modules=["ipcore.seeding"]).load() == {"final": "recomputed"}


def test_a_corrupt_checkpoint_is_set_aside_and_the_run_starts_afresh():
    run = cache.CachedRun("demo", {"n": 3}, modules=["ipcore.seeding"])
    run.save_checkpoint({"epoch": 5})
    run.checkpoint_path.write_bytes(run.checkpoint_path.read_bytes()[:40])
    with pytest.warns(cache.CacheWarning, match="checksum mismatch"):
        assert run.load_checkpoint() is None
    assert not run.checkpoint_path.exists()


def test_a_crafted_file_in_the_cache_runs_no_code(tmp_path):
    import pickle

    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    run = cache.CachedRun("demo", {"n": 4}, modules=["ipcore.seeding"])
    run.result_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save({"result": Exploit()}, buffer, pickle_module=pickle)
    payload = buffer.getvalue()
    run.result_path.write_bytes(cache.MAGIC + hashlib.sha256(payload).digest() + payload)  # a valid checksum, even
    with pytest.warns(cache.CacheWarning, match="does not store"):
        assert not run.done
    assert not marker.exists()


def test_entries_written_before_checksums_still_load():
    run = cache.CachedRun("demo", {"n": 5}, modules=["ipcore.seeding"])
    run.result_path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"old": np.arange(3)}, run.result_path)  # what ipcore wrote before
    assert run.done and run.load()["old"].tolist() == [0, 1, 2]


def test_a_full_disk_warns_keeps_the_old_entry_and_leaves_no_partial_file():
    run = _stored_run()
    before = run.result_path.read_bytes()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache.os, "fdopen", _FullDisk())
        with pytest.warns(cache.CacheWarning, match=f"no space left on {run.result_path.parent}"):
            run.save({"final": "new"})
        with pytest.raises(OSError, match="no space left on"):
            cache.atomic_save({"x": 1}, run.result_path)
    assert run.result_path.read_bytes() == before
    assert not list(run.result_path.parent.glob("*.tmp"))
    assert cache.CachedRun("demo", {"n": 2}, modules=["ipcore.seeding"]).load() == {"final": [1.0, 2.0]}


def test_a_second_corrupt_entry_of_a_kind_is_set_aside_beside_the_first():
    for n in (6, 7):
        run = cache.CachedRun("demo", {"n": n}, modules=["ipcore.seeding"])
        run.save({"n": n})
        run.result_path.write_bytes(b"garbage")
        with pytest.warns(cache.CacheWarning, match="set aside"):
            assert not cache.CachedRun("demo", {"n": n}, modules=["ipcore.seeding"]).done
    assert len(list((run.result_path.parent / "corrupt").iterdir())) == 2


def _entry_with_checksum(payload: bytes) -> bytes:
    return cache.MAGIC + hashlib.sha256(payload).digest() + payload


@pytest.mark.parametrize("stored", [
    pytest.param(lambda: {"fraction": __import__("fractions").Fraction(1, 3)}, id="a class outside ipcore and numpy"),
    pytest.param(lambda: {"function": cache.safe_load}, id="a function of ipcore, not a class"),
])
def test_only_ipcore_classes_and_numpy_are_unpickled(stored, tmp_path):
    buffer = io.BytesIO()
    torch.save(stored(), buffer)
    path = tmp_path / "entry.pt"
    path.write_bytes(_entry_with_checksum(buffer.getvalue()))
    with pytest.raises(cache.CorruptEntry, match="which ipcore does not store"):
        cache.safe_load(path)


def test_ipcore_classes_and_numpy_arrays_round_trip(tmp_path):
    from ipcore.experiments.information_plane import PlaneConfig

    path = tmp_path / "entry.pt"
    value = {"config": PlaneConfig(n_networks=7), "array": np.arange(4, dtype=np.float32),
             "dtype": np.dtype("int16")}
    cache.atomic_save(value, path)
    loaded = cache.safe_load(path)
    assert loaded["config"] == PlaneConfig(n_networks=7)
    assert loaded["array"].dtype == np.float32 and loaded["array"].tolist() == [0, 1, 2, 3]
    assert loaded["dtype"] == np.dtype("int16")


def test_a_checksummed_payload_the_reader_cannot_read_names_the_file_and_the_error(tmp_path):
    path = tmp_path / "entry.pt"
    path.write_bytes(_entry_with_checksum(b""))  # a header and the digest of nothing
    with pytest.raises(cache.CorruptEntry) as caught:
        cache.safe_load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot be read (") and "Error" in message.split("(", 1)[1]


def test_loading_a_missing_result_says_which_file():
    run = cache.CachedRun("demo", {"n": 11}, modules=["ipcore.seeding"])
    with pytest.raises(FileNotFoundError, match=f"^{run.result_path}: no valid result stored"):
        run.load()


class _FullDisk:
    """os.fdopen whose files refuse every write with ENOSPC."""

    def __init__(self) -> None:
        self.real = os.fdopen

    def __call__(self, fd, mode="r", *args, **kwargs):
        handle = self.real(fd, mode, *args, **kwargs)

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                handle.close()

            def write(self, data):
                raise OSError(errno.ENOSPC, "No space left on device")

        return Full()


def test_a_failed_save_keeps_the_checkpoint_and_says_which_entry_was_not_cached():
    run = cache.CachedRun("demo", {"n": 12}, modules=["ipcore.seeding"])
    run.save_checkpoint({"epoch": 3})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache.os, "fdopen", _FullDisk())
        with pytest.warns(cache.CacheWarning, match="; the result is not cached$"):
            run.save({"final": 1})
        with pytest.warns(cache.CacheWarning, match="; the checkpoint is not cached$"):
            run.save_checkpoint({"epoch": 4})
        with pytest.raises(OSError) as caught:
            cache.atomic_save({"x": np.zeros(250_000)}, run.result_path)  # 2.0 MB
    assert caught.value.errno == errno.ENOSPC and "to write 2.0 MB" in str(caught.value)
    assert run.load_checkpoint() == {"epoch": 3}  # the progress it had is kept
    assert not cache.CachedRun("demo", {"n": 12}, modules=["ipcore.seeding"]).done


def test_a_writer_s_temporary_sits_beside_the_entry_under_its_process_id(tmp_path):
    """What a killed writer leaves is ``<entry name>.<pid>.<random>.tmp`` in the entry's folder,
    the name :func:`remove_orphaned` looks for; a live writer's is left alone."""
    path = tmp_path / "deep" / "er" / "entry.pt"
    seen = []
    real_fsync = os.fsync

    def watch(fd):
        seen.extend(path.parent.iterdir())
        assert cache.remove_orphaned(path.parent, f"{path.name}.") == []  # this process is alive
        real_fsync(fd)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache.os, "fsync", watch)
        cache.atomic_save({"x": 1}, path)
    assert len(seen) == 1
    name = seen[0].name
    assert name.startswith(f"entry.pt.{os.getpid()}@{cache.HOST}.") and name.endswith(".tmp")
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.pt"]


def test_another_machine_s_temporaries_in_a_shared_cache_are_left_alone(tmp_path):
    dead = 2**22 + 12345  # above any pid in use here
    mine = tmp_path / f"entry.pt.{dead}@{cache.HOST}.abc.tmp"
    theirs = tmp_path / f"entry.pt.{dead}@another_machine.abc.tmp"
    older = tmp_path / f"entry.pt.{dead}.abc.tmp"  # written before temporaries named their host
    for path in (mine, theirs, older):
        path.write_bytes(b"")
    removed = cache.remove_orphaned(tmp_path, "entry.pt.")
    assert sorted(removed) == sorted([mine, older]) and theirs.exists()


def test_the_default_cache_folder_is_under_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_root() == tmp_path / ".cache" / "ipcore" and (tmp_path / ".cache" / "ipcore").is_dir()


def test_keys_tell_apart_every_value_of_lists_arrays_and_tensors():
    key = lambda params: cache.cache_key(params, [])  # noqa: E731
    assert key({"a": [1, 2]}) != key({"a": [1, 3]})
    assert key({"a": np.array([1.0, 2.0])}) != key({"a": np.array([1.0, 2.5])})
    assert key({"a": torch.tensor([1, 2])}) != key({"a": torch.tensor([1, 4])})
    assert key({"a": np.array([1.0, 2.0])}) == key({"a": [1.0, 2.0]}) == key({"a": (1.0, 2.0)})
    assert key({1: "x", "b": "y"}) == key({"b": "y", 1: "x"})  # keys of mixed types sort by their text
    with pytest.raises(ValueError, match=r"^parameters: cannot key a cache entry on a object \("):
        key({"a": object()})


def test_the_key_format_is_stable():
    """A change of the key's layout would orphan every user's cached runs: it must be deliberate."""
    assert cache.code_version([]) == cache.code_version([])
    text = json.dumps({"params": {"beta": "0.1", "n": 3}, "code": cache.code_version([])}, sort_keys=True)
    assert cache.cache_key({"n": 3, "beta": 0.1}, []) == hashlib.sha256(text.encode()).hexdigest()[:32]


def test_a_kind_must_be_a_plain_name():
    with pytest.raises(ValueError, match=r"^kind: must be a plain name, got 'a/b'"):
        cache.CachedRun("a/b", {}, modules=[])


def test_cache_warnings_point_at_the_line_that_asked():
    """A set-aside entry or a failed write is reported at the caller's line, not inside ipcore."""
    import warnings

    run = _stored_run()
    run.result_path.write_bytes(b"garbage")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not cache.CachedRun("demo", {"n": 2}, modules=["ipcore.seeding"]).done
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cache.os, "fdopen", _FullDisk())
            run.save_checkpoint({"epoch": 1})
    assert [w.filename for w in caught if issubclass(w.category, cache.CacheWarning)] == [__file__, __file__]


# ------------------------------------------------------------------------ append-only checkpoints


def test_a_checkpoint_writes_only_the_snapshots_taken_since_the_last_one(tmp_path):
    run = cache.CachedRun("demo", {"n": 2}, modules=["ipcore.seeding"], root=tmp_path)
    snapshots = []
    sizes = []
    for epoch in range(1, 6):
        snapshots.append(np.full(1000, float(epoch)))
        run.save_checkpoint({"epoch": epoch, "snapshots": snapshots})
        sizes.append(run._segment_path(epoch - 1, epoch).stat().st_size)
    assert max(sizes) < 1.5 * min(sizes)  # each save writes one snapshot, not all so far
    assert run.checkpoint_path.stat().st_size < sizes[0]  # the rest of the state names the segments
    state = cache.CachedRun("demo", {"n": 2}, modules=["ipcore.seeding"], root=tmp_path).load_checkpoint()
    assert state["epoch"] == 5 and "_segments" not in state
    assert [float(s[0]) for s in state["snapshots"]] == [1.0, 2.0, 3.0, 4.0, 5.0]
    run.save({"final": True})
    assert list((tmp_path / "demo").glob("*.ckpt*")) == []  # the result replaces checkpoint and segments


def test_a_resumed_run_appends_after_the_segments_it_loaded(tmp_path):
    first = cache.CachedRun("demo", {"n": 3}, modules=["ipcore.seeding"], root=tmp_path)
    first.save_checkpoint({"epoch": 1, "snapshots": ["a", "b"]})
    second = cache.CachedRun("demo", {"n": 3}, modules=["ipcore.seeding"], root=tmp_path)
    state = second.load_checkpoint()
    state["snapshots"].append("c")
    second.save_checkpoint({"epoch": 2, "snapshots": state["snapshots"]})
    assert cache.safe_load(second._segment_path(2, 3)) == ["c"]
    assert cache.CachedRun("demo", {"n": 3}, modules=["ipcore.seeding"], root=tmp_path).load_checkpoint() == {
        "epoch": 2, "snapshots": ["a", "b", "c"]}


def test_a_checkpoint_whose_segment_is_damaged_is_set_aside_and_the_run_starts_afresh(tmp_path):
    run = cache.CachedRun("demo", {"n": 4}, modules=["ipcore.seeding"], root=tmp_path)
    run.save_checkpoint({"epoch": 1, "snapshots": [1]})
    run.save_checkpoint({"epoch": 2, "snapshots": [1, 2]})
    segment = run._segment_path(1, 2)
    segment.write_bytes(segment.read_bytes()[:-5])
    with pytest.warns(cache.CacheWarning) as caught:
        assert cache.CachedRun("demo", {"n": 4}, modules=["ipcore.seeding"], root=tmp_path).load_checkpoint() is None
    messages = [str(w.message) for w in caught]
    assert any("checksum mismatch" in m for m in messages)  # the segment, set aside
    assert any("its segment of items 1–2 is missing or damaged" in m for m in messages)  # then the checkpoint
    assert not run.checkpoint_path.exists()


def test_two_writers_of_one_run_at_different_points_never_mix_their_snapshots(tmp_path):
    # twins (or a retry beside its first attempt) checkpoint the same run at different epochs
    a = cache.CachedRun("demo", {"n": 5}, modules=["ipcore.seeding"], root=tmp_path)
    b = cache.CachedRun("demo", {"n": 5}, modules=["ipcore.seeding"], root=tmp_path)
    items = list(range(10))
    a.save_checkpoint({"epoch": 3, "snapshots": items[:3]})
    b.save_checkpoint({"epoch": 5, "snapshots": items[:5]})
    b.save_checkpoint({"epoch": 10, "snapshots": items[:10]})
    a.save_checkpoint({"epoch": 8, "snapshots": items[:8]})
    for last in (a, b):
        state = cache.CachedRun("demo", {"n": 5}, modules=["ipcore.seeding"], root=tmp_path).load_checkpoint()
        assert state["snapshots"] == items[: state["epoch"]]  # whoever wrote last, its own snapshots
        last.save_checkpoint({"epoch": state["epoch"], "snapshots": items[: state["epoch"]]})


def test_a_segment_removed_while_a_checkpoint_is_read_is_a_miss_not_a_crash(tmp_path):
    run = cache.CachedRun("demo", {"n": 6}, modules=["ipcore.seeding"], root=tmp_path)
    run.save_checkpoint({"epoch": 1, "snapshots": [1]})
    run._segment_path(0, 1).unlink()  # a twin saved its result and cleared the segments
    with pytest.warns(cache.CacheWarning, match="missing or damaged"):
        assert cache.CachedRun("demo", {"n": 6}, modules=["ipcore.seeding"], root=tmp_path).load_checkpoint() is None
