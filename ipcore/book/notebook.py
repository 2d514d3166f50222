"""Running chapter notebooks with parameters, and reading their results back.

Chapters are MyST-markdown text notebooks. papermill cannot read them, so
:func:`~ipcore.book.notebook.run_notebook` converts with jupytext, checks the parameters against
the notebook's ``parameters`` cell, and executes with papermill's API.

A notebook publishes its key numbers with :func:`~ipcore.book.notebook.report`; they travel in the
output's metadata and :func:`~ipcore.book.notebook.read_results` gets them back from an executed
notebook, without importing any of the notebook's code.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Mapping

import nbformat

from ipcore.config import PROFILE_ENV

#: Metadata key under which :func:`report` stores a notebook's results.
RESULTS_KEY = "ipcore_results"


class NotebookError(RuntimeError):
    """A notebook failed while executing; the message is the notebook's own error.

    Raised by :func:`ipcore.book.notebook.run_notebook`, e.g.
    ``notebooks/szt_noisy.md: cell 3 failed: ValueError: beta: must be ...``.

    Examples
    --------
    >>> issubclass(NotebookError, RuntimeError)
    True
    """


#: Longest single wait on a kernel's socket, in seconds (see :func:`kernel_manager_class`).
POLL_SLICE_S = 1.0


@functools.cache
def kernel_manager_class() -> type:
    """The kernel manager that runs chapter kernels, for papermill and for the book's executor.

    - **Transport: IPC sockets on POSIX.** Over TCP, jupyter_client picks five
      free ports and the kernel binds them later; in between, the kernel's own
      output pipe (``bind_to_random_port``) can take one of them, and the
      heartbeat thread dies with "Address already in use" (seen in CI).
      Unix-domain sockets named after a unique path cannot collide. The kernel
      manager deletes the socket files at shutdown.
    - **Its clients wait on a socket at most** :data:`~ipcore.book.notebook.POLL_SLICE_S` **at a time.**
      zmq.asyncio wakes a waiting poll through an edge-triggered file
      descriptor, and a wake-up can be missed. Seen here: the kernel had run
      the cell and sent its reply, both processes sat idle, and the client's
      single unbounded poll waited forever (stop 9's CI lost 85 minutes so).
      Every new poll reads the socket's state afresh, so waiting in slices
      makes a missed wake-up cost at most one slice.

    Returns
    -------
    type
        A subclass of ``jupyter_client.AsyncKernelManager`` (made once, then cached), whose
        kernels' files are named by :func:`ipcore.book.notebook.kernel_file_stem`.

    Examples
    --------
    >>> from jupyter_client import AsyncKernelManager
    >>> issubclass(kernel_manager_class(), AsyncKernelManager)
    True
    """
    from queue import Empty

    from jupyter_client import AsyncKernelManager
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.channels import AsyncZMQSocketChannel
    from traitlets import Type, default

    class SlicedPollChannel(AsyncZMQSocketChannel):
        async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
            """The next message; waits up to ``timeout`` seconds (None: for ever) in slices."""
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = POLL_SLICE_S if deadline is None else min(POLL_SLICE_S, deadline - time.monotonic())
                try:
                    return await super().get_msg(timeout=max(left, 0.0))
                except Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

    class SlicedPollClient(AsyncKernelClient):
        shell_channel_class = Type(SlicedPollChannel)
        iopub_channel_class = Type(SlicedPollChannel)
        stdin_channel_class = Type(SlicedPollChannel)
        control_channel_class = Type(SlicedPollChannel)

    class ChapterKernelManager(AsyncKernelManager):
        @default("client_factory")
        def _default_client_factory(self) -> type:
            return SlicedPollClient

        if os.name == "posix":
            @default("transport")
            def _default_transport(self) -> str:
                return "ipc"

            @default("ip")
            def _default_ip(self) -> str:
                # sockets are "<ip>-<port>"; a short absolute path keeps them under
                # the 107-byte limit of Unix socket names
                return os.path.join(tempfile.gettempdir(), kernel_file_stem())

        @default("connection_file")
        def _default_connection_file(self) -> str:
            return os.path.join(tempfile.gettempdir(), f"{kernel_file_stem()}.json")

    return ChapterKernelManager


#: Kernel sockets and connection files are ``<tmp>/ipcore-kernel-<pid>.<id>…``, pid the client's.
KERNEL_FILE_PREFIX = "ipcore-kernel-"


def kernel_file_stem() -> str:
    """A fresh name for one kernel's files, after deleting those of clients that have exited
    (a run killed by SIGKILL cannot remove its own).

    Returns
    -------
    str
        ``ipcore-kernel-<pid>.<12 hex digits>``, ``pid`` this process's; the kernel's sockets
        and connection file in the temporary folder start with it.
    """
    from ipcore.cache import remove_orphaned

    remove_orphaned(Path(tempfile.gettempdir()), KERNEL_FILE_PREFIX)
    return f"{KERNEL_FILE_PREFIX}{os.getpid()}.{uuid.uuid4().hex[:12]}"


def client_settings() -> dict[str, Any]:
    """nbclient settings for every chapter run (papermill's, and the book's executor's).

    - ``kernel_manager_class``: :func:`~ipcore.book.notebook.kernel_manager_class`.
    - ``shutdown_kernel="immediate"``: once the last cell has replied (or failed),
      the kernel is stopped by a signal rather than by a shutdown request.
      Nothing is left to collect by then, and ipykernel's graceful shutdown
      races with itself: its control thread flushes stdout after the main
      thread has closed the output pipe, and prints a ZMQError traceback
      ("Socket operation on non-socket") under a clean error message (seen in
      CI, in ``ipcore run`` with a bad parameter).

    Returns
    -------
    dict
        Keyword arguments for papermill's ``execute_notebook`` and nbclient's ``NotebookClient``.

    Examples
    --------
    >>> settings = client_settings()
    >>> sorted(settings), settings["shutdown_kernel"]
    (['kernel_manager_class', 'shutdown_kernel'], 'immediate')
    """
    return {"kernel_manager_class": kernel_manager_class(), "shutdown_kernel": "immediate"}


def load_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a text (``.md``, via jupytext) or ``.ipynb`` notebook.

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook file: MyST markdown (any suffix but ``.ipynb``) or ``.ipynb``.

    Returns
    -------
    nbformat.NotebookNode
        The notebook (version 4).

    Raises
    ------
    ValueError
        If ``path`` is a folder or no file (the message names ``notebook``).

    Examples
    --------
    >>> load_notebook("no/such/chapter.md")
    Traceback (most recent call last):
    ...
    ValueError: notebook: no such file 'no/such/chapter.md'
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"notebook: {str(path)!r} is a folder; give a notebook file, e.g. notebooks/single_neuron.md")
    if not path.is_file():
        raise ValueError(f"notebook: no such file {str(path)!r}")
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    import jupytext

    return jupytext.read(path)


def notebook_parameters(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Names and default values of the cell tagged ``parameters`` (literals only).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.

    Returns
    -------
    dict
        Each name assigned in the first cell tagged ``parameters`` and its value; None for a
        value that is not a Python literal (any value is then accepted).

    Raises
    ------
    ValueError
        If no code cell is tagged ``parameters``.

    Examples
    --------
    >>> import nbformat
    >>> source = "profile = 'smoke'; beta = 0.05; seeds = [0, 1]; draw = len"
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})])
    >>> notebook_parameters(nb)
    {'profile': 'smoke', 'beta': 0.05, 'seeds': [0, 1], 'draw': None}
    >>> notebook_parameters(nbformat.v4.new_notebook())
    Traceback (most recent call last):
    ...
    ValueError: notebook: has no code cell tagged 'parameters'
    """
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ValueError("notebook: has no code cell tagged 'parameters'")
    params: dict[str, Any] = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                params[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                params[node.targets[0].id] = None  # not a literal: any value accepted
    return params


def parse_value(text: str) -> Any:
    """A command-line parameter value: a Python literal if it parses as one, else the string.

    Parameters
    ----------
    text : str
        The value as typed.

    Returns
    -------
    object
        The literal (number, list, tuple, dict, bool, None, quoted string) or ``text`` itself.

    Examples
    --------
    >>> parse_value("0.05"), parse_value("[1, 2]"), parse_value("'paper'"), parse_value("paper")
    (0.05, [1, 2], 'paper', 'paper')
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _compatible(value: Any, default: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and (
            isinstance(default, float) or isinstance(value, int)
        ) and math.isfinite(value)
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def check_parameters(given: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Check names and types of ``given`` against the notebook's ``defaults``.

    Raises ``ValueError`` naming an unknown parameter (with the known ones) or
    a value whose type does not match the default's.

    A value matches a default of the same type; an integer also matches a float default (not
    the other way), any list or tuple a list or tuple, anything a default of None.

    Parameters
    ----------
    given : mapping of str to object
        The parameters to set.
    defaults : mapping of str to object
        The notebook's parameters (:func:`ipcore.book.notebook.notebook_parameters`).

    Returns
    -------
    dict
        ``given``, unchanged.

    Raises
    ------
    ValueError
        For an unknown name or a value of the wrong type (naming the parameter).

    Examples
    --------
    >>> defaults = {"profile": "smoke", "beta": 0.05}
    >>> check_parameters({"beta": 1}, defaults)
    {'beta': 1}
    >>> check_parameters({"bta": 0.1}, defaults)
    Traceback (most recent call last):
    ...
    ValueError: parameter 'bta': unknown; this notebook takes beta, profile
    >>> check_parameters({"beta": "big"}, defaults)
    Traceback (most recent call last):
    ...
    ValueError: parameter 'beta': expected a value like 0.05 (float), got 'big'
    """
    for name, value in given.items():
        if name not in defaults:
            raise ValueError(f"parameter {name!r}: unknown; this notebook takes {', '.join(sorted(defaults))}")
        if not _compatible(value, defaults[name]):
            raise ValueError(
                f"parameter {name!r}: expected a value like {defaults[name]!r} "
                f"({type(defaults[name]).__name__}), got {value!r}"
            )
    return dict(given)


def run_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    progress: bool = True,
    kernel_name: str = "python3",
    cwd: str | Path | None = None,
    timeout: int | None = None,
) -> nbformat.NotebookNode:
    """Execute ``notebook`` with ``parameters`` through papermill and write ``output`` (.ipynb).

    Raises ``ValueError`` for unknown or ill-typed parameters before anything
    runs, and :class:`~ipcore.book.notebook.NotebookError` carrying the notebook's own error
    message (e.g. ``ValueError: beta: must be ...``) when a cell fails.

    The output is written to a temporary file beside it and renamed when the run succeeds, so
    a failed or interrupted run leaves no half-executed notebook. A ``profile`` given here wins
    over the book build's ``$IPCORE_BOOK_PROFILE``.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The notebook (MyST markdown or ``.ipynb``).
    output : str or pathlib.Path
        The executed notebook to write; must end in ``.ipynb``.
    parameters : mapping of str to object, optional
        Values for the notebook's ``parameters`` cell.
    progress : bool, default True
        Show papermill's progress bar.
    kernel_name : str, default "python3"
        The Jupyter kernel.
    cwd : str or pathlib.Path, optional
        Working folder of the kernel (default: the notebook's folder).
    timeout : int, optional
        Seconds a cell may run (default: no limit).

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    ValueError
        For a missing notebook, unknown or ill-typed parameters, or an ``output`` that is not
        ``.ipynb`` or cannot be written.
    NotebookError
        When a cell fails.

    Examples
    --------
    The notebook and its parameters are checked before a kernel starts:

    >>> run_notebook("no/such/chapter.md", "chapter.ipynb")
    Traceback (most recent call last):
    ...
    ValueError: notebook: no such file 'no/such/chapter.md'
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb = load_notebook(notebook)
    params = check_parameters(dict(parameters or {}), notebook_parameters(nb))
    output = Path(output)
    if output.suffix != ".ipynb":
        raise ValueError(f"output: must end in .ipynb, got {str(output)!r}")
    partial = _writable_partial(output)
    nb.metadata.setdefault("kernelspec", {"name": kernel_name, "display_name": "Python 3", "language": "python"})
    # A profile given here wins over the book build's: the kernel (which inherits this process's
    # environment) must not see $IPCORE_BOOK_PROFILE, or book_profile() would override it.
    book_setting = os.environ.pop(PROFILE_ENV, None) if "profile" in params else None
    try:
        executed = pm.execute_notebook(
            nb,
            str(partial),
            parameters=params,
            kernel_name=kernel_name,
            progress_bar=progress,
            cwd=str(cwd if cwd is not None else Path(notebook).resolve().parent),
            execution_timeout=timeout,
            **client_settings(),
        )
        os.replace(partial, output)
        return executed
    except PapermillExecutionError as exc:
        raise NotebookError(f"{notebook}: cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}") from None
    finally:  # a failed or interrupted run leaves no half-executed notebook behind
        partial.unlink(missing_ok=True)
        if book_setting is not None:
            os.environ[PROFILE_ENV] = book_setting


def _writable_partial(output: Path) -> Path:
    """The temporary file beside ``output`` that papermill writes as it runs (renamed on success),
    after checking that the folder can be written: a ``ValueError`` naming ``output`` if not."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.stem}.", suffix=".partial.ipynb")
        os.close(fd)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"output: cannot write to {str(output.parent)!r}: a file of that name is in the way") from None
    except OSError as exc:
        raise ValueError(f"output: cannot write to {str(output.parent)!r} ({exc.strerror or exc})") from None
    return Path(name)


def format_number(value: Any) -> str:
    """A reported value as a reader wants it: 4 decimals in [1e-3, 1e6), 4 significant digits
    in scientific notation outside it (a bin width of 1e-8 is ``1e-08``, not ``0.0000``).

    Parameters
    ----------
    value : object
        A reported value; only floats are formatted.

    Returns
    -------
    str
        The text shown.

    Examples
    --------
    >>> format_number(0.12345), format_number(1e-8), format_number(2.5e7), format_number(3), format_number(True)
    ('0.1235', '1e-08', '2.5e+07', '3', 'True')
    """
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if value == 0 or not math.isfinite(value) or 1e-3 <= abs(value) < 1e6:
        return f"{value:.4f}"
    return f"{value:.4g}"


def report(results: Mapping[str, Any], *, caption: str = "Numbers of this run") -> None:
    """Show ``results`` as a small table and store them in the output's metadata.

    Values must be JSON-serialisable (numbers, strings, lists). Tests and
    ``ipcore reproduce`` read them back with :func:`~ipcore.book.notebook.read_results`.

    Parameters
    ----------
    results : mapping of str to object
        The numbers to publish (numpy numbers are converted to float).
    caption : str, default "Numbers of this run"
        The table's caption.

    See Also
    --------
    ipcore.book.notebook.read_results : Reads them back from an executed notebook.
    """
    from IPython.display import display

    clean = json.loads(json.dumps(dict(results), default=float))
    rows = "".join(
        f"<tr><td>{k}</td><td>{format_number(v)}</td></tr>" for k, v in clean.items()
    )
    html = f"<table class='ipcore-results'><caption>{caption}</caption><tbody>{rows}</tbody></table>"
    display({"text/html": html, "text/plain": repr(clean)}, metadata={RESULTS_KEY: clean}, raw=True)


def read_results(executed: str | Path | nbformat.NotebookNode) -> dict[str, Any]:
    """The merged :func:`~ipcore.book.notebook.report` results of an executed notebook.

    Parameters
    ----------
    executed : str, pathlib.Path or nbformat.NotebookNode
        The executed notebook, or its ``.ipynb`` file.

    Returns
    -------
    dict
        Every output's :data:`~ipcore.book.notebook.RESULTS_KEY` metadata, merged in order (later reports win).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("report({'mi': 1.2})")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "{'mi': 1.2}"},
    ...                                        metadata={RESULTS_KEY: {"mi": 1.2}})]
    >>> read_results(nbformat.v4.new_notebook(cells=[cell]))
    {'mi': 1.2}
    """
    nb = executed if isinstance(executed, nbformat.NotebookNode) else nbformat.read(Path(executed), as_version=4)
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            found.update(out.get("metadata", {}).get(RESULTS_KEY, {}))
    return found
