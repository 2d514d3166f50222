"""The single-neuron chapter: the library pieces, and the notebook run through papermill."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from ipcore.experiments import single_neuron as sn
from ipcore.nets.models import GaussianNoise, SingleNeuron, clean_pass
from ipcore.book.notebook import check_parameters, load_notebook, notebook_parameters, read_results, run_notebook
from ipcore.nets.training import Recorder, check_schedule, log_spaced_epochs


def test_paper_schedule_has_84_epochs():
    epochs = log_spaced_epochs(9999, 100)
    assert len(epochs) == 84 and epochs[0] == 1 and epochs[-1] == 9999


def test_schedule_past_the_last_epoch_is_rejected():
    with pytest.raises(ValueError, match="^schedule"):
        check_schedule([0, 10, 20], epochs=10)


def test_noise_layer_adds_noise_of_std_beta_and_clean_pass_removes_it():
    torch.manual_seed(0)
    layer = GaussianNoise(0.1)
    x = torch.zeros(200_000)
    assert float(layer(x).std()) == pytest.approx(0.1, rel=0.01)
    with clean_pass(layer):
        assert torch.equal(layer(x), x)
    assert layer.enabled
    with pytest.raises(ValueError, match="^beta"):
        GaussianNoise(-0.1)


def test_recorder_stores_the_clean_pre_noise_value():
    model = SingleNeuron(beta=0.5, w=2.0, b=-1.0)
    x = torch.tensor([-3.0, -1.0, 1.0, 3.0], dtype=torch.float64)
    rec = Recorder(model, x, [0], replicas=3)
    snap = rec.record(0)
    np.testing.assert_allclose(snap.clean["noise"][:, 0], np.tanh(2 * x.numpy() - 1), atol=1e-15)
    # The single layer's S does not depend on noise: replicas equal the clean value.
    assert snap.replicas["noise"].shape == (4, 3, 1)
    np.testing.assert_allclose(snap.replicas["noise"][:, :, 0], np.repeat(snap.clean["noise"], 3, axis=1))


@pytest.fixture(scope="module")
def run():
    return sn.train_single_neuron(epochs=2500, n_records=30, progress=False)


def test_training_saturates_the_neuron(run):
    assert run.w[-1] > 3.5 and run.b[-1] < -2 * run.w[-1] + 1.0
    assert run.loss[-1] < 0.05 * run.loss[0]
    # −3, −1, 1 end within 2e-3 of −1 (the last, tanh(w + b), is the slowest); 3 ends near +1.
    assert np.all(np.abs(run.centers[-1, :3] + 1) < 2e-3) and run.centers[-1, 3] > 0.99


def test_information_falls_from_ln4_to_h_quarter(run):
    curves = sn.information_curves(run, [0.005, 0.1])
    small = curves[curves.beta == 0.005].mi.to_numpy()
    assert small[0] == pytest.approx(math.log(4), abs=1e-6)
    assert small[-1] == pytest.approx(sn.SATURATED_INFORMATION, abs=0.02)
    # Information is bounded by H(X) = ln 4 and by H(class) from below once merged (up to quadrature error).
    assert curves.mi.max() <= math.log(4) + 1e-8
    assert curves.mi.min() >= sn.SATURATED_INFORMATION - 1e-6
    # Larger β blurs more: I is non-increasing in β at every epoch.
    large = curves[curves.beta == 0.1].mi.to_numpy()
    assert np.all(large <= small + 1e-9)


def test_training_is_reproducible():
    a = sn.train_single_neuron(epochs=50, n_records=5, progress=False, seed=3, train_beta=0.1)
    b = sn.train_single_neuron(epochs=50, n_records=5, progress=False, seed=3, train_beta=0.1)
    np.testing.assert_array_equal(a.centers, b.centers)


def test_chapter_parameters_are_checked():
    good = dict(epochs=100, lr=0.01, beta=0.05, mi_betas=[0.01], early_epoch=10, late_epoch=100)
    sn.check_chapter_parameters(**good)
    for key, value in [("epochs", 0), ("lr", -1.0), ("beta", 0.0), ("mi_betas", [0.1, -0.1]),
                       ("late_epoch", 101), ("early_epoch", 100)]:
        with pytest.raises(ValueError, match=f"^{key}"):
            sn.check_chapter_parameters(**{**good, key: value})


def test_notebook_parameters_are_read_and_checked(repo_root):
    params = notebook_parameters(load_notebook(repo_root / "notebooks" / "single_neuron.md"))
    assert params["profile"] == "smoke" and params["epochs"] == 2500
    with pytest.raises(ValueError, match="unknown"):
        check_parameters({"betta": 0.1}, params)
    with pytest.raises(ValueError, match="'beta'"):
        check_parameters({"beta": "abc"}, params)
    assert check_parameters({"beta": 1, "mi_betas": [0.1]}, params) == {"beta": 1, "mi_betas": [0.1]}


@pytest.mark.slow
def test_notebook_runs_through_papermill_and_reports_its_numbers(repo_root, tmp_path):
    out = tmp_path / "single_neuron.ipynb"
    run_notebook(repo_root / "notebooks" / "single_neuron.md", out,
                 {"epochs": 2500, "mi_betas": [0.005, 0.05]}, progress=False)
    results = read_results(out)
    assert results["profile"] == "smoke"
    assert results["initial_mi_smallest_beta"] == pytest.approx(math.log(4), abs=0.02)
    assert results["final_mi_smallest_beta"] == pytest.approx(0.562, abs=0.05)


@pytest.mark.slow
def test_cli_reports_bad_parameters_clearly(repo_root, tmp_path):
    nb = str(repo_root / "notebooks" / "single_neuron.md")
    cli = [sys.executable, "-m", "ipcore.book.cli"]
    help_text = subprocess.run(cli + ["run", "--help"], capture_output=True, text=True, check=True).stdout
    assert "-p NAME VALUE" in help_text
    bad_name = subprocess.run(cli + ["run", nb, "-p", "betta", "0.1", "-o", str(tmp_path / "o.ipynb")],
                              capture_output=True, text=True)
    assert bad_name.returncode == 2 and "parameter 'betta': unknown" in bad_name.stderr
    assert "Traceback" not in bad_name.stderr
    bad_value = subprocess.run(cli + ["run", nb, "-p", "beta", "-0.1", "-o", str(tmp_path / "o.ipynb"),
                                      "--no-progress"], capture_output=True, text=True)
    assert bad_value.returncode == 2 and "ValueError: beta: must be finite and > 0" in bad_value.stderr
    assert "Traceback" not in bad_value.stderr


def transport_report_notebook():
    """A notebook whose kernel reports the transport it talks over (``report``: "tcp" or "ipc")."""
    import nbformat

    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("unused = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from ipykernel.kernelapp import IPKernelApp\n"
                                  "from ipcore.book.notebook import report\n"
                                  "report({'transport': IPKernelApp.instance().transport})")])


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="IPC sockets are POSIX-only; Windows keeps TCP")
def test_kernels_talk_over_ipc_sockets_and_leave_none_behind(tmp_path):
    # Over TCP the kernel's own output pipe could take the heartbeat's port
    # (a CI failure); Unix sockets cannot collide.
    import glob
    import tempfile

    import nbformat

    src = tmp_path / "transport.ipynb"
    nbformat.write(transport_report_notebook(), src)
    before = set(glob.glob(f"{tempfile.gettempdir()}/ipcore-kernel-*"))
    run_notebook(src, tmp_path / "out.ipynb", progress=False)
    assert read_results(tmp_path / "out.ipynb") == {"transport": "ipc"}
    assert set(glob.glob(f"{tempfile.gettempdir()}/ipcore-kernel-*")) == before


@pytest.mark.slow
def test_a_stuck_kernel_is_aborted_with_its_stack_printed(tmp_path, capfd):
    # What tests/conftest.py does when a test outlives faulthandler_timeout: the kernel
    # prints where it is stuck, and the run fails at once instead of waiting forever.
    import threading

    import nbformat
    from nbclient.exceptions import DeadKernelError

    from conftest import abort_kernels

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("unused = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import time\n\ndef stuck_here():\n    time.sleep(600)\n\nstuck_here()")])
    src = tmp_path / "stuck.ipynb"
    nbformat.write(nb, src)
    aborted: list[int] = []
    # Late enough for the kernel to be inside the cell (it starts in about 2 s).
    timer = threading.Timer(15, lambda: aborted.extend(abort_kernels()))
    timer.start()
    try:
        with pytest.raises(DeadKernelError):
            run_notebook(src, tmp_path / "out.ipynb", progress=False)
    finally:
        timer.cancel()
    assert len(aborted) == 1
    err = capfd.readouterr().err
    assert "Fatal Python error: Aborted" in err
    assert "in stuck_here" in err


def test_a_missed_socket_wake_up_costs_one_poll_slice_not_forever():
    # The kernel's reply is in the client's socket, but the poll waiting for it is never
    # woken (a missed edge-triggered wake-up: both processes idle, the run stuck for good).
    # Our kernel clients wait in slices, and the next slice finds the reply.
    import asyncio
    import time

    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    from ipcore.book.notebook import POLL_SLICE_S, kernel_manager_class

    channel_class = kernel_manager_class()().client_factory.shell_channel_class.default_value

    async def scenario() -> tuple[dict, list, float]:
        context = zmq.asyncio.Context()
        receiver, sender = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
        receiver.bind("inproc://reply")
        sender.connect("inproc://reply")
        session = Session(key=b"k")
        channel = channel_class(receiver, session)
        session.send(sender, "execute_reply", {"status": "ok"})
        polls: list = []
        real_poll = receiver.poll

        def poll(timeout=None, flags=zmq.POLLIN):
            polls.append(timeout)
            if len(polls) == 1:  # the first wait is never woken: it ends only at its timeout, empty
                if timeout is None:
                    return asyncio.get_running_loop().create_future()  # would wait for ever
                future = asyncio.get_running_loop().create_future()
                asyncio.get_running_loop().call_later(timeout / 1000, future.set_result, 0)
                return future
            return real_poll(timeout, flags)

        receiver.poll = poll
        start = time.monotonic()
        msg = await asyncio.wait_for(channel.get_msg(timeout=None), timeout=10 * POLL_SLICE_S)
        elapsed = time.monotonic() - start
        receiver.close(0)
        sender.close(0)
        context.term()
        return msg, polls, elapsed

    msg, polls, elapsed = asyncio.run(scenario())
    assert msg["msg_type"] == "execute_reply" and msg["content"] == {"status": "ok"}
    assert polls[0] == 1000 * POLL_SLICE_S and len(polls) == 2  # no unbounded wait
    assert POLL_SLICE_S <= elapsed < 3 * POLL_SLICE_S


def test_a_bounded_wait_on_a_kernel_socket_ends_on_time():
    import asyncio
    import time
    from queue import Empty

    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    from ipcore.book.notebook import kernel_manager_class

    channel_class = kernel_manager_class()().client_factory.iopub_channel_class.default_value

    async def wait(timeout: float) -> float:
        context = zmq.asyncio.Context()
        socket = context.socket(zmq.PAIR)
        socket.bind("inproc://silent")
        start = time.monotonic()
        try:
            with pytest.raises(Empty):
                await channel_class(socket, Session(key=b"k")).get_msg(timeout=timeout)
            return time.monotonic() - start
        finally:
            socket.close(0)
            context.term()

    assert 2.5 <= asyncio.run(wait(2.5)) < 3.5
    assert asyncio.run(wait(0)) < 0.5


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="IPC sockets are POSIX-only; Windows keeps TCP")
def test_the_books_executor_starts_the_same_kernels_as_papermill(tmp_path):
    from myst_nb.core.execute import cache

    from ipcore.book.sphinx_ext import execute_with_chapter_kernels

    execute_with_chapter_kernels()
    execute_with_chapter_kernels()  # idempotent: Sphinx may set the extension up more than once
    assert cache.single_nb_execution.__wrapped__.__module__ == "jupyter_cache.executors.utils"
    result = cache.single_nb_execution(transport_report_notebook(), cwd=str(tmp_path), timeout=60, allow_errors=False)
    assert result.err is None
    assert read_results(result.nb) == {"transport": "ipc"}


PROFILE_NOTEBOOK = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

```{code-cell} ipython3
:tags: [parameters]

profile = "smoke"
```

```{code-cell} ipython3
from ipcore.book.notebook import report
from ipcore.config import book_profile

report({"profile": book_profile(profile)})
```
'''


def test_an_explicit_profile_wins_over_the_book_build_s(tmp_path, monkeypatch):
    notebook = tmp_path / "profile.md"
    notebook.write_text(PROFILE_NOTEBOOK)
    monkeypatch.setenv("IPCORE_BOOK_PROFILE", "paper")
    explicit = run_notebook(notebook, tmp_path / "explicit.ipynb", {"profile": "smoke"}, progress=False)
    assert read_results(explicit)["profile"] == "smoke"
    assert os.environ["IPCORE_BOOK_PROFILE"] == "paper"  # given back to this process
    implicit = run_notebook(notebook, tmp_path / "implicit.ipynb", {}, progress=False)
    assert read_results(implicit)["profile"] == "paper"  # the build's, when none is given
