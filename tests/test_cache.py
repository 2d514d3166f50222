"""The results cache: keyed by parameters and code, atomic, resumable."""

from __future__ import annotations

import pytest

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
