"""Shared fixtures: the repository root, a built book, a local HTTP server for it."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The Monte Carlo seed of this session: $IPCORE_TEST_SEED, else a new one each run. Tests that
#: take the ``mc_seed`` fixture assert what holds for any seed (a standard error that is honest,
#: a bound that always holds), as scikit-learn's ``global_random_seed`` tests do; the seed is in
#: the header and in the report of a failing test, so that the failure can be rerun.
MC_SEED = int(os.environ.get("IPCORE_TEST_SEED") or int.from_bytes(os.urandom(4), "little") % 2**31)


def pytest_report_header(config) -> str:
    return f"Monte Carlo seed: IPCORE_TEST_SEED={MC_SEED}"


@pytest.fixture
def mc_seed() -> int:
    """The session's Monte Carlo seed (see :data:`MC_SEED`)."""
    return MC_SEED


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "mc_seed" in getattr(item, "fixturenames", ()):
        report.sections.append(("Monte Carlo seed", f"rerun with IPCORE_TEST_SEED={MC_SEED}"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory) -> Path:
    """One results cache for the session, shared by the chapter tests and the book build
    (a subprocess that inherits it), so each network trains once; the user's cache is untouched."""
    path = tmp_path_factory.mktemp("ipcore-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IPCORE_CACHE", str(path))
        yield path


@pytest.fixture(scope="session", autouse=True)
def kernels_dump_their_stacks_on_abort():
    """Kernels started by the tests (papermill, the book build) print every thread's Python
    stack when they get SIGABRT: see :func:`stuck_kernel_watchdog`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONFAULTHANDLER", "1")
        yield


def abort_kernels() -> list[int]:
    """Send SIGABRT to every Jupyter kernel below this process (children of the book build
    included); returns their pids."""
    aborted = []
    for process in psutil.Process().children(recursive=True):
        try:
            if any("ipykernel_launcher" in part for part in process.cmdline()):
                process.send_signal(signal.SIGABRT)
                aborted.append(process.pid)
        except psutil.Error:  # it ended meanwhile
            pass
    return aborted


@pytest.fixture(autouse=True)
def matplotlib_figures_closed():
    """Every test starts and ends with no Matplotlib figure open: figures a test draws are
    closed after it, so that a test checking that code closes its own figures sees only those."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def stuck_kernel_watchdog(request):
    """A test still running after the ini's ``faulthandler_timeout`` is stuck (the slowest test,
    the first book build, takes a few minutes). pytest then prints its own stacks; this aborts
    the test's kernels, which print theirs (faulthandler), and nbclient, seeing them dead,
    fails the test with DeadKernelError. So a hang costs one failed test with the place it
    hung, not the whole CI run."""
    limit = float(request.config.getini("faulthandler_timeout") or 0)
    if limit <= 0:
        yield
        return
    timer = threading.Timer(limit, abort_kernels)
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book exactly as `make book` does (offline, warnings as errors)."""
    # A public repository URL, so that the Binder launch buttons are built and can be checked.
    env = dict(os.environ, IPCORE_REPOSITORY_URL="https://github.com/example/ipcore")
    status = subprocess.call([sys.executable, "-m", "ipcore.book.cli", "book", "--root", str(ROOT)], cwd=ROOT, env=env)
    assert status == 0, "the book build failed (see the output above)"
    html = ROOT / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output readable
        pass


@pytest.fixture(scope="session")
def book_server(built_book: Path):
    """Serve the built book on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class MemoryStore:
    """A checkpoint store in memory (what :class:`ipcore.cache.CachedRun` does on disk), for
    interrupt-and-resume tests: it keeps a deep copy of the last checkpoint."""

    def __init__(self) -> None:
        self.state = None

    def load_checkpoint(self):
        return self.state

    def save_checkpoint(self, state) -> None:
        import copy

        self.state = copy.deepcopy(state)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None
