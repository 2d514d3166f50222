"""Sweeps on Dask: a grid on a LocalCluster of 2 worker processes equals the serial runs, and
nothing is lost when a worker dies, a sweep restarts, two workers race, or the scheduler is away."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from ipcore.book.cli import main
from ipcore.book.sweep import compute_member, dask_client, forwarded_environment, sweep, sweep_configs
from ipcore.experiments.szt import cache_entry, run_szt

#: Small SZT runs: a few seconds each, with a checkpoint at epoch 250 (run_szt's default interval).
FIXED = {"epochs": 300, "n_log": 6, "replicas": 5}
GRID = {"beta": [0.02, 0.05], "seed": [0, 1]}


def assert_same_run(a, b) -> None:
    np.testing.assert_array_equal(a.epochs, b.epochs)
    np.testing.assert_array_equal(a.mi, b.mi)
    np.testing.assert_array_equal(a.mi_std, b.mi_std)
    np.testing.assert_array_equal(a.binned, b.binned)
    for key in a.metrics:
        np.testing.assert_array_equal(a.metrics[key], b.metrics[key])
    for x, y in zip(a.clean, b.clean):
        np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A cache folder of this module's own, so that its runs start cold."""
    path = tmp_path_factory.mktemp("sweep_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPCORE_CACHE", str(path))
        yield path


@pytest.fixture(scope="module")
def client(cache):
    with dask_client(workers=2) as client:
        yield client


@pytest.fixture(scope="module")
def serial(cache) -> dict:
    """The grid's runs computed here, one after another, without the cache."""
    return {(c.beta, c.seed): run_szt(c, progress=False, use_cache=False)
            for c in sweep_configs("szt", GRID, fixed=FIXED)}


# ------------------------------------------------------------------------------------- the grid


def test_configs_are_the_product_of_the_grid_over_the_profile():
    configs = sweep_configs("szt", {"beta": [0.01, 0.1], "seed": [3, 4, 5]}, profile="smoke", fixed={"epochs": 50})
    assert [(c.beta, c.seed) for c in configs] == [(0.01, 3), (0.01, 4), (0.01, 5), (0.1, 3), (0.1, 4), (0.1, 5)]
    assert {c.epochs for c in configs} == {50} and {c.lr for c in configs} == {0.01}  # smoke's learning rate
    assert sweep_configs("szt", {"seed": [0]}, profile="paper")[0].epochs == 10000


@pytest.mark.parametrize("call, message", [
    (dict(target_name="szt_noisy", grid={"seed": [0]}), "target: must be one of"),
    (dict(target_name="szt", grid={"betta": [0.1]}), "grid: szt runs have no parameter 'betta'; they have ['activation', 'beta'"),
    (dict(target_name="szt", grid={"beta": []}), "grid: beta needs a non-empty list of values"),
    (dict(target_name="szt", grid={"beta": 0.1}), "grid: beta needs a non-empty list of values"),
    (dict(target_name="szt", grid={"beta": [-1.0]}), "beta"),
    (dict(target_name="szt", grid={"seed": [0]}, fixed={"seed": 1}), "fixed: ['seed'] are also swept in grid"),
    (dict(target_name="szt", grid={"seed": [0]}, profile="full"), "profile: must be one of"),
])
def test_a_bad_grid_is_refused_naming_the_argument(call, message):
    with pytest.raises(ValueError) as info:
        sweep_configs(**call)
    assert message in str(info.value)


def test_an_unreachable_scheduler_fails_at_once_saying_how_to_start_one():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"scheduler: cannot reach 'tcp://127.0.0.1:9'.*dask scheduler"):
        sweep("szt", GRID, fixed=FIXED, scheduler="tcp://127.0.0.1:9", progress=False)
    assert time.perf_counter() - start < 5  # the check, not a connection timeout
    with pytest.raises(ValueError, match="scheduler: expected an address like tcp://host:8786"):
        sweep("szt", GRID, fixed=FIXED, scheduler="http://", progress=False)


def test_a_grid_on_two_worker_processes_equals_the_serial_runs(client, serial):
    table = sweep("szt", GRID, fixed=FIXED, client=client, progress=False)
    assert list(table["status"]) == ["computed"] * 4, table
    assert table["worker"].nunique() == 2  # both processes took part
    for config in sweep_configs("szt", GRID, fixed=FIXED):
        assert_same_run(cache_entry(config).load(), serial[(config.beta, config.seed)])


def test_a_restarted_sweep_recomputes_only_what_is_missing(client, serial):
    sweep("szt", GRID, fixed=FIXED, client=client, progress=False)
    lost = sweep_configs("szt", GRID, fixed=FIXED)[2]
    cache_entry(lost).result_path.unlink()
    table = sweep("szt", GRID, fixed=FIXED, client=client, progress=False)
    assert list(table["status"]) == ["cached", "cached", "computed", "cached"], table
    assert_same_run(cache_entry(lost).load(), serial[(lost.beta, lost.seed)])


def test_a_worker_killed_mid_run_has_its_run_finished_elsewhere_with_the_same_numbers(client, serial, cache):
    configs = sweep_configs("szt", GRID, fixed=FIXED)
    for config in configs:
        cache_entry(config).result_path.unlink(missing_ok=True)
    environ = forwarded_environment()
    futures = [client.submit(compute_member, "szt", c, environ, key=f"killed-{i}", pure=False)
               for i, c in enumerate(configs)]
    deadline = time.monotonic() + 120
    while not list((cache / "szt").glob("*.ckpt.pt")):  # a run is half done: it has a checkpoint
        assert time.monotonic() < deadline, "no checkpoint written"
        time.sleep(0.05)
    address, running = next((a, keys) for a, keys in client.processing().items() if keys)
    killed = client.run(os.getpid, workers=[address])[address]
    os.kill(killed, signal.SIGKILL)
    records = client.gather(futures)  # Dask runs the lost task again on a live worker
    assert all(r["status"] == "computed" for r in records)
    for key, record in zip((f.key for f in futures), records):
        if key in running:  # finished by another process than the one killed
            assert int(record["worker"].rsplit(":", 1)[1]) != killed
    for config in configs:
        assert_same_run(cache_entry(config).load(), serial[(config.beta, config.seed)])


def test_two_workers_computing_the_same_run_leave_one_valid_result(client, serial):
    config = sweep_configs("szt", GRID, fixed=FIXED)[0]
    cache_entry(config).result_path.unlink(missing_ok=True)
    environ = forwarded_environment()
    twins = [client.submit(compute_member, "szt", config, environ, key=f"twin-{i}", pure=False) for i in range(2)]
    records = client.gather(twins)
    assert {r["worker"] for r in records} and all(r["status"] == "computed" for r in records)
    entry = cache_entry(config)
    assert entry.stored and not entry.checkpoint_path.exists()
    assert_same_run(entry.load(), serial[(config.beta, config.seed)])


# ---------------------------------------------------------------------------------------- CLI


def test_the_cli_lists_the_kinds_of_run(capsys):
    assert main(["sweep", "--list"]) == 0
    out = capsys.readouterr().out
    assert "szt: one SZT network" in out and "information_plane:" in out and "mnist:" in out


def test_the_cli_reports_a_bad_grid_as_an_error(capsys):
    assert main(["sweep", "szt", "-g", "betta", "0.1"]) == 2
    assert "grid: szt runs have no parameter 'betta'" in capsys.readouterr().err
    assert main(["sweep", "szt", "-g", "beta", "0.1", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "scheduler: cannot reach" in capsys.readouterr().err


def test_the_cli_runs_a_grid_and_prints_its_table(cache, capsys):
    status = main(["sweep", "szt", "-g", "beta", "0.05", "-s", "epochs", "60", "-s", "n_log", "3",
                   "-s", "replicas", "3", "--workers", "1", "--no-progress"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "Dask dashboard" not in out  # --no-progress prints only the table
    assert "1 computed" in out
    assert cache_entry(sweep_configs("szt", {"beta": [0.05]}, fixed={"epochs": 60, "n_log": 3, "replicas": 3})[0]).stored


def test_a_local_cluster_gives_this_process_its_environment_back(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = dict(os.environ)
    with dask_client(workers=1) as client:
        assert client.run(lambda: os.environ.get("OMP_NUM_THREADS")) != {}
    assert dict(os.environ) == before  # no OMP_NUM_THREADS=1 left for later subprocesses


def test_whole_numbers_for_float_parameters_key_the_same_runs_as_the_chapters():
    from ipcore.experiments.szt_chapters import chapter_config

    config = sweep_configs("szt", {"beta": [0]}, fixed={"orthonormal_alpha": 0}, profile="smoke")[0]
    assert config == chapter_config("smoke", beta=0.0) and isinstance(config.beta, float)
    assert cache_entry(config).key == cache_entry(chapter_config("smoke", beta=0.0)).key
    with pytest.raises(ValueError, match="fixed: szt runs have no parameter 'epoch'"):
        sweep_configs("szt", {"beta": [0.1]}, fixed={"epoch": 10})
