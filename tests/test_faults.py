"""Interruptions lose nothing: signals sent to a real training process, and a killed one.

A child process trains a small network with the disk cache as its checkpoint store; the
test sends it SIGINT (Ctrl-C), SIGTERM or SIGKILL once it is under way, then resumes the run
here and checks that it ends bit-identical to one that was never interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

CHILD = textwrap.dedent("""
    import sys, torch
    from ipcore.cache import CachedRun
    from ipcore.nets import NoisyMLP, train

    torch.manual_seed(0)
    model = NoisyMLP(beta=0.05)
    x = torch.rand(256, 12)
    y = (x.sum(1) > 6).long()
    loss = lambda m, a, b: torch.nn.functional.cross_entropy(m(a), b)
    store = CachedRun("faults", {"run": 1}, modules=["ipcore.nets"])
    started = []
    def announce(m):
        if not started:
            started.append(1)
            print("training", flush=True)
    train(model, x, y, loss_fn=loss, epochs=10**7, lr=1e-3, batch_size=64, store=store, progress=False,
          after_step=announce, checkpoint_seconds=float(sys.argv[1]), seed=3)
""")


def _model_and_data():
    from ipcore.nets import NoisyMLP

    torch.manual_seed(0)
    model = NoisyMLP(beta=0.05)
    x = torch.rand(256, 12)
    return model, x, (x.sum(1) > 6).long()


def _start(tmp_path, checkpoint_seconds):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    # the child trains on as many threads as this process resumes on: float sums depend on it
    env = {**os.environ, "IPCORE_CACHE": str(tmp_path / "cache"), "IPCORE_PROGRESS": "0",
           "OMP_NUM_THREADS": str(torch.get_num_threads())}
    child = subprocess.Popen([sys.executable, str(script), str(checkpoint_seconds)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() == "training"
    time.sleep(1.0)
    return child


def _resume_and_compare(tmp_path, monkeypatch):
    from ipcore.cache import CachedRun
    from ipcore.nets import train

    monkeypatch.setenv("IPCORE_CACHE", str(tmp_path / "cache"))
    store = CachedRun("faults", {"run": 1}, modules=["ipcore.nets"])
    state = store.load_checkpoint()
    assert state is not None and state["epoch"] >= 1
    stopped = state["epoch"]
    loss = lambda m, a, b: torch.nn.functional.cross_entropy(m(a), b)  # noqa: E731
    resumed, x, y = _model_and_data()
    train(resumed, x, y, loss_fn=loss, epochs=stopped + 3, lr=1e-3, batch_size=64, store=store, progress=False, seed=3)
    straight, x, y = _model_and_data()
    train(straight, x, y, loss_fn=loss, epochs=stopped + 3, lr=1e-3, batch_size=64, progress=False, seed=3)
    for a, b in zip(resumed.parameters(), straight.parameters()):
        assert torch.equal(a, b)
    return stopped


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_saves_a_checkpoint_and_says_where_the_run_resumes(sig, tmp_path, monkeypatch):
    child = _start(tmp_path, checkpoint_seconds=3600)  # no timed checkpoint: only the signal saves
    child.send_signal(sig)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0
    last = err.strip().splitlines()[-1]
    assert f"TrainingInterrupted: {sig.name}: stopped after epoch" in last and "resumes from epoch" in last
    stopped = _resume_and_compare(tmp_path, monkeypatch)
    assert f"after epoch {stopped} of" in last


def test_a_killed_run_keeps_its_timed_checkpoint(tmp_path, monkeypatch):
    child = _start(tmp_path, checkpoint_seconds=0.2)
    child.kill()  # SIGKILL: nothing runs on the way out
    child.communicate(timeout=60)
    _resume_and_compare(tmp_path, monkeypatch)
    assert not list((tmp_path / "cache").rglob("*.tmp"))


def test_files_of_killed_runs_are_removed_on_the_next_start(tmp_path, monkeypatch):
    import tempfile

    from ipcore import cache
    from ipcore.book.notebook import KERNEL_FILE_PREFIX, kernel_file_stem

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        stale = [tmp_path / f"{KERNEL_FILE_PREFIX}{gone.pid}.abc.json", tmp_path / f"{KERNEL_FILE_PREFIX}{gone.pid}.abc-1"]
        kept = tmp_path / f"{KERNEL_FILE_PREFIX}{alive.pid}.def-1"
        for path in (*stale, kept):
            path.write_text("")
        assert kernel_file_stem().startswith(f"{KERNEL_FILE_PREFIX}{os.getpid()}.")
        assert not any(p.exists() for p in stale) and kept.exists()
        # the cache's temporaries likewise, when their entry is next opened
        monkeypatch.setenv("IPCORE_CACHE", str(tmp_path / "cache"))
        run = cache.CachedRun("demo", {"n": 1}, modules=["ipcore.seeding"])
        run.result_path.parent.mkdir(parents=True)
        orphan = run.result_path.parent / f"{run.result_path.name}.{gone.pid}.xyz.tmp"
        orphan.write_bytes(b"half")
        cache.CachedRun("demo", {"n": 1}, modules=["ipcore.seeding"])
        assert not orphan.exists()
    finally:
        alive.kill()
        alive.wait()


def test_ctrl_c_in_the_cli_is_one_line(monkeypatch, capsys):
    from ipcore.book import cli
    from ipcore.nets.training import TrainingInterrupted

    def interrupted(args):
        raise TrainingInterrupted("SIGINT: stopped after epoch 12 of 100 and saved a checkpoint")

    monkeypatch.setattr(cli, "_cmd_params", interrupted)
    assert cli.main(["params", "notebooks/single_neuron.md"]) == 130
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "interrupted" in err and "resume" in err


def test_two_concurrent_runs_of_one_entry_leave_one_valid_entry(tmp_path):
    code = textwrap.dedent("""
        import time, torch
        from ipcore import cache
        def compute():
            time.sleep(0.5)
            return {"weights": torch.arange(200_000, dtype=torch.float64)}
        for _ in range(3):
            cache.atomic_save(compute(), cache.CachedRun("race", {"n": 1}, modules=["ipcore.seeding"]).result_path)
    """)
    env = {**os.environ, "IPCORE_CACHE": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    from ipcore import cache

    entry = cache.safe_load(next((tmp_path / "race").glob("*.pt")))
    assert torch.equal(entry["weights"], torch.arange(200_000, dtype=torch.float64))
    assert not list((tmp_path / "race").glob("*.tmp"))
