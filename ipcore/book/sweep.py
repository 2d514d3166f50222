"""Sweeps: grids of the chapters' cached training runs, and whole chapters, on a Dask cluster.

A sweep is the Cartesian product of parameter values over one kind of run (a
:data:`~ipcore.book.sweep.TARGETS` entry: an SZT network, an ensemble of them, an MNIST CNN) at a
chapter profile. Each member is one Dask task that computes the run through
its usual function, so its result lands in the one results cache, where the
chapters then find it. The cluster is a ``LocalCluster`` of worker processes
started here, or an existing scheduler given by address (workers on other
machines must see the same cache folder).

Nothing is lost when things fail, because the cache does the bookkeeping:

- a worker killed mid-run: Dask runs the task again on another worker, which
  resumes from the run's last checkpoint in the shared cache;
- a sweep interrupted and started again: members whose result is stored are
  skipped without being read, the rest resume or start;
- two workers computing the same run at once: each writes its result by an
  atomic rename, so the entry is one whole, valid result (the same one: runs
  are seeded);
- an unreachable scheduler: :func:`~ipcore.book.sweep.dask_client` raises ``ValueError`` at once.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import urlparse

import pandas as pd

from ipcore.cache import CACHE_ENV, CachedRun, cache_root
from ipcore.config import progress_bar
from ipcore.validation import check_profile, check_choice, check_positive_int


@dataclass(frozen=True)
class SweepTarget:
    """A kind of cached run that a sweep can fan out.

    Parameters
    ----------
    description : str
        What one run is, and which chapters use it.
    config : callable
        ``(profile, **overrides)`` → a frozen config dataclass (validated there).
    run : callable
        ``(config, progress=False)`` → the result, computed or loaded from the cache.
    entry : callable, optional
        config → its :class:`ipcore.cache.CachedRun`, to skip stored results unread (None: the
        run is always submitted; it loads from the cache on the worker).

    Examples
    --------
    >>> kind = target("szt")
    >>> kind.config("smoke", beta=0.02).beta
    0.02
    """

    description: str
    config: Callable[..., Any]  #: (profile, **overrides) → a frozen config dataclass (validated there)
    run: Callable[..., Any]  #: (config, progress=False) → the result, computed or loaded from the cache
    entry: Callable[[Any], CachedRun] | None = None  #: config → its cache entry, to skip stored results unread


def _szt() -> SweepTarget:
    from ipcore.experiments import szt, szt_chapters

    return SweepTarget("one SZT network (chapters szt_noisy, szt_variants, szt_binning, szt_deterministic)",
                       szt_chapters.chapter_config, szt.run_szt, szt.cache_entry)


def _information_plane() -> SweepTarget:
    from ipcore.experiments import information_plane, information_plane_chapter

    return SweepTarget("an ensemble of SZT networks, one information plane (chapters szt_information_plane, ib_bound)",
                       information_plane_chapter.chapter_config, information_plane.run_plane, information_plane.cache_entry)


def _mnist() -> SweepTarget:
    from ipcore.experiments import mnist, mnist_chapter

    return SweepTarget("one MNIST CNN (chapter mnist_cnn; needs the MNIST files on every worker)",
                       mnist_chapter.chapter_config, mnist.run_mnist)


#: The kinds of run a sweep fans out, by name (loaded on first use: the chapter modules import torch).
TARGETS: dict[str, Callable[[], SweepTarget]] = {"szt": _szt, "information_plane": _information_plane, "mnist": _mnist}


def target(name: str) -> SweepTarget:
    """The :class:`~ipcore.book.sweep.SweepTarget` called ``name`` (``ValueError`` listing the names otherwise).

    Parameters
    ----------
    name : str
        A key of :data:`~ipcore.book.sweep.TARGETS`: ``"szt"``, ``"information_plane"`` or ``"mnist"``.

    Returns
    -------
    SweepTarget
        The kind of run (its chapter modules imported on first use).

    Raises
    ------
    ValueError
        If ``name`` is not a target (naming ``target``).

    Examples
    --------
    >>> target("szt").description
    'one SZT network (chapters szt_noisy, szt_variants, szt_binning, szt_deterministic)'
    >>> target("gan")
    Traceback (most recent call last):
    ...
    ValueError: target: must be one of ['information_plane', 'mnist', 'szt'], got 'gan'
    """
    return TARGETS[check_choice(name, "target", TARGETS)]()


def _load_target(name: str) -> None:
    target(name)


def sweep_configs(target_name: str, grid: Mapping[str, Sequence[Any]], *, profile: str = "smoke",
                  fixed: Mapping[str, Any] | None = None) -> list[Any]:
    """The configs of the grid: one per combination of ``grid``'s values (the last name varies
    fastest), each the target's ``profile`` config with ``fixed`` and the combination applied.

    An integer given for a float field (``0`` typed on the command line) becomes a float, the
    value the chapters key their runs on.

    Parameters
    ----------
    target_name : str
        A key of :data:`~ipcore.book.sweep.TARGETS`.
    grid : mapping of str to sequence
        Field → the values it takes, each a non-empty list.
    profile : str, default "smoke"
        The chapters' resolution to start from.
    fixed : mapping of str to object, optional
        Fields set for every run.

    Returns
    -------
    list
        The frozen configs, ``len`` = the product of the grid's lengths.

    Raises
    ------
    ValueError
        If the target or profile is unknown, a name is not a field of the runs (naming
        ``grid`` or ``fixed``), a grid entry is not a non-empty list, a name is both swept and
        fixed, or a value is out of range.

    Examples
    --------
    >>> configs = sweep_configs("szt", {"beta": [0.005, 0.02], "seed": [0, 1]}, fixed={"epochs": 100})
    >>> [(c.beta, c.seed, c.epochs) for c in configs]
    [(0.005, 0, 100), (0.005, 1, 100), (0.02, 0, 100), (0.02, 1, 100)]
    >>> sweep_configs("szt", {"beta": [0]})[0].beta
    0.0
    >>> sweep_configs("szt", {"beta": []})
    Traceback (most recent call last):
    ...
    ValueError: grid: beta needs a non-empty list of values, got []
    """
    kind = target(target_name)
    check_profile(profile)
    base = kind.config(profile)
    names = [f.name for f in fields(base)]

    def typed(name: str, value: Any) -> Any:
        # 0 typed on the command line is the float 0.0 the chapters key their runs on
        default = getattr(base, name)
        return float(value) if isinstance(default, float) and type(value) is int else value

    for argument, given in (("fixed", fixed or {}), ("grid", grid)):
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise ValueError(f"{argument}: {target_name} runs have no parameter {unknown[0]!r}; they have {names}")
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"grid: {name} needs a non-empty list of values, got {values!r}")
    clash = sorted(set(grid) & set(fixed or {}))
    if clash:
        raise ValueError(f"fixed: {clash} are also swept in grid; give each parameter in one of them")
    fixed = {name: typed(name, value) for name, value in (fixed or {}).items()}
    combos = itertools.product(*([typed(name, v) for v in values] for name, values in grid.items()))
    return [kind.config(profile, **fixed, **dict(zip(grid, combo))) for combo in combos]


def compute_member(target_name: str, config: Any, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One sweep member, as a worker runs it: the run computed (or resumed) into the cache.

    ``environ`` (the cache and data folders the client chose) is set in the worker's process
    first. Returns a small record (the result itself stays in the cache): ``status``
    ``"computed"`` or ``"cached"``, ``seconds`` and the worker's host and process id.

    Parameters
    ----------
    target_name : str
        A key of :data:`~ipcore.book.sweep.TARGETS`.
    config : object
        The run's config.
    environ : mapping of str to str, optional
        Environment variables to set first (:func:`ipcore.book.sweep.forwarded_environment`).

    Returns
    -------
    dict
        ``status``, ``seconds`` and ``worker`` (``host:pid``).
    """
    os.environ.update(environ or {})
    kind = target(target_name)
    start = time.perf_counter()
    stored = kind.entry is not None and kind.entry(config).stored
    kind.run(config, progress=False)
    return {"status": "cached" if stored else "computed", "seconds": time.perf_counter() - start,
            "worker": f"{socket.gethostname()}:{os.getpid()}"}


def forwarded_environment() -> dict[str, str]:
    """The folders a worker must use as this process does: the results cache and the data.

    Returns
    -------
    dict of str to str
        ``$IPCORE_CACHE`` (the cache in use) and, when set, ``$IPCORE_DATA`` (resolved).

    Examples
    --------
    >>> "IPCORE_CACHE" in forwarded_environment()
    True
    """
    env = {CACHE_ENV: str(cache_root())}
    if os.environ.get("IPCORE_DATA"):
        env["IPCORE_DATA"] = str(Path(os.environ["IPCORE_DATA"]).resolve())
    return env


def _check_address(address: str, timeout: float) -> str:
    """A scheduler address that answers: ``ValueError`` at once for a malformed or closed one."""
    url = urlparse(address if "://" in address else f"tcp://{address}")
    try:
        host, port = url.hostname, url.port
    except ValueError:
        host = port = None
    if url.scheme not in ("tcp", "tls") or not host or not port:
        raise ValueError(f"scheduler: expected an address like tcp://host:8786, got {address!r}")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise ValueError(f"scheduler: cannot reach {address!r} ({exc.strerror or exc}); start one with "
                         f"`dask scheduler` and workers with `dask worker {url.scheme}://{host}:{port}`, "
                         f"or leave --scheduler out to start a LocalCluster here") from None
    return f"{url.scheme}://{host}:{port}"


@contextmanager
def dask_client(scheduler: str | None = None, *, workers: int = 2, timeout: float = 5.0) -> Iterator[Any]:
    """A ``distributed.Client``: to the scheduler at ``scheduler`` (e.g. ``"tcp://host:8786"``), or
    to a ``LocalCluster`` of ``workers`` single-threaded processes started here and stopped after.

    Each local worker uses one thread for torch, numba and OpenMP: the runs are small, and
    worker processes already fill the cores (more threads than cores make every op wait).
    Workers of a scheduler of your own should be started the same way (see the Reproduce page).

    A context manager. Environment variables set while the local cluster runs are undone when
    it stops, so later subprocesses (a notebook's kernel) keep all their threads.

    Parameters
    ----------
    scheduler : str, optional
        The scheduler's address (``tcp://`` or ``tls://`` host and port); None starts a
        LocalCluster.
    workers : int, default 2
        Worker processes of the LocalCluster.
    timeout : float, default 5.0
        Seconds to wait for the scheduler.

    Yields
    ------
    distributed.Client
        The open client.

    Raises
    ------
    ValueError
        If ``scheduler`` is malformed or cannot be reached (at once), or ``workers`` is not a
        positive integer.

    Examples
    --------
    >>> with dask_client("not an address"):
    ...     pass
    Traceback (most recent call last):
    ...
    ValueError: scheduler: expected an address like tcp://host:8786, got 'not an address'
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        address = _check_address(scheduler, timeout)
        with Client(address, timeout=timeout) as client:
            yield client
        return
    check_positive_int(workers, "workers")
    one_thread = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}
    # Dask's nannies set MALLOC_TRIM_THRESHOLD_=65536 in their workers, which turns off glibc's
    # adaptive mmap threshold: torch's allocations are then mapped and unmapped every time and an
    # SZT run took 1.3× as long (11.9 s against 9.3 s, one thread). None unsets it.
    # The worker's sampling profiler takes the GIL every 10 ms, from a training loop that is
    # mostly Python launching small kernels.
    settings = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                "distributed.worker.profile.enabled": False}
    # The nannies set their workers' variables in this process too before spawning them (Dask
    # says so); they are given back after, or every later subprocess (a notebook's kernel) would
    # run on one thread.
    # (Dask also sets variables of its own, __DASK_PARENT_PID…: everything set or changed while the
    # cluster runs is undone, variables this process set meanwhile included.)
    env = {**one_thread, **forwarded_environment()}
    saved = dict(os.environ)
    try:
        with warnings.catch_warnings(), dask.config.set(settings):
            # another cluster holds 8787: the dashboard link printed names the port taken
            warnings.filterwarnings("ignore", message="Port 8787 is already in use")
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   silence_logs=logging.CRITICAL, env=env)
        with cluster, Client(cluster) as client:
            yield client
    finally:
        for name in set(os.environ) - set(saved):
            del os.environ[name]
        os.environ.update({name: value for name, value in saved.items() if os.environ.get(name) != value})


def _task_key(target_name: str, config: Any) -> str:
    """The member's Dask key: the same run submitted twice (by one sweep or two) is one task."""
    from dask.base import tokenize

    kind = target(target_name)
    token = kind.entry(config).key if kind.entry is not None else tokenize(asdict(config))
    return f"ipcore-{target_name}-{token}"


def wait_for(client: Any, futures: Mapping[str, Any], *, progress: bool = True, desc: str = "sweep",
             unit: str = "run") -> dict[str, tuple[str, Any]]:
    """Wait for every future of ``{name: future}``, with a progress bar:
    ``{name: ("ok", value) or ("failed", "Error: message")}``.

    A failing task does not stop the others. Dask retries a task whose worker died
    (``distributed.scheduler.allowed-failures`` times) before reporting it failed. On an
    interrupt the futures are cancelled, so nothing keeps running in a shared cluster.

    Parameters
    ----------
    client : distributed.Client
        The client the futures belong to.
    futures : mapping of str to distributed.Future
        The tasks, by name.
    progress : bool, default True
        Show a progress bar.
    desc : str, default "sweep"
        The bar's label.
    unit : str, default "run"
        The bar's unit.

    Returns
    -------
    dict of str to tuple
        Per name, ``("ok", result)`` or ``("failed", "<Error>: <message>")`` (``"cancelled"``
        for a task cancelled by another client).
    """
    from distributed import as_completed

    names = {future: name for name, future in futures.items()}
    outcome: dict[str, tuple[str, Any]] = {}
    try:
        bar = progress_bar(as_completed(list(futures.values())), enabled=progress, total=len(futures), desc=desc, unit=unit)
        for future in bar:
            name = names[future]
            if future.status == "finished":
                outcome[name] = ("ok", future.result())
            elif future.status == "cancelled":  # by another client of a shared scheduler
                outcome[name] = ("failed", "cancelled")
            else:
                exc = future.exception()
                outcome[name] = ("failed", f"{type(exc).__name__}: {exc}")
            bar.set_postfix_str(str(name)[:40])
    finally:
        client.cancel(list(futures.values()))
    return outcome


def sweep(target_name: str, grid: Mapping[str, Sequence[Any]], *, profile: str = "smoke",
          fixed: Mapping[str, Any] | None = None, scheduler: str | None = None, workers: int = 2,
          client: Any = None, progress: bool = True) -> pd.DataFrame:
    """Compute every run of a grid on a Dask cluster, into the results cache.

    ``client``: an open ``distributed.Client`` (else one is opened: to ``scheduler``, or to a new
    LocalCluster of ``workers`` processes). Members already stored are not submitted.
    Returns one row per member: the swept parameters, ``status`` (``"cached"``, ``"computed"``
    or ``"failed"``), ``seconds``, ``worker`` and ``error``.

    Parameters
    ----------
    target_name : str
        A key of :data:`~ipcore.book.sweep.TARGETS`.
    grid : mapping of str to sequence
        Field → its values (see :func:`ipcore.book.sweep.sweep_configs`).
    profile : str, default "smoke"
        The chapters' resolution to start from.
    fixed : mapping of str to object, optional
        Fields set for every run.
    scheduler : str, optional
        A Dask scheduler's address.
    workers : int, default 2
        Worker processes of the LocalCluster started when neither ``client`` nor
        ``scheduler`` is given.
    client : distributed.Client, optional
        An open client to use.
    progress : bool, default True
        Show a progress bar and the dashboard's address.

    Returns
    -------
    pandas.DataFrame
        One row per member, in the order of :func:`ipcore.book.sweep.sweep_configs`.

    Raises
    ------
    ValueError
        If the grid is invalid (:func:`ipcore.book.sweep.sweep_configs`), or ``scheduler``
        cannot be reached.

    Notes
    -----
    A grid of 2 × 2 SZT runs at the smoke profile, on a LocalCluster of two worker processes::

        sweep("szt", {"beta": [0.005, 0.02], "seed": [0, 1]}, profile="smoke")

    The command line's ``ipcore sweep szt -g beta 0.005 0.02 -g seed 0 1`` does the same.

    Examples
    --------
    The grid is checked before any cluster starts:

    >>> sweep("szt", {"bta": [0.1]})
    Traceback (most recent call last):
    ...
    ValueError: grid: szt runs have no parameter 'bta'; they have [...]
    """
    configs = sweep_configs(target_name, grid, profile=profile, fixed=fixed)
    kind = target(target_name)
    keys = [_task_key(target_name, config) for config in configs]
    todo = {key: config for key, config in zip(keys, configs)
            if kind.entry is None or not kind.entry(config).stored}
    outcome: dict[str, tuple[str, Any]] = {}
    if todo:
        environ = forwarded_environment()

        def submit(client: Any) -> dict[str, tuple[str, Any]]:
            client.run(_load_target, target_name)  # every worker imports torch and the run's code at once
            futures = {key: client.submit(compute_member, target_name, config, environ, key=key, pure=False)
                       for key, config in todo.items()}
            return wait_for(client, futures, progress=progress, desc=f"sweep {target_name}")

        if client is None:
            with dask_client(scheduler, workers=workers) as opened:
                if progress:
                    print(f"Dask dashboard: {opened.dashboard_link}")
                outcome = submit(opened)
        else:
            outcome = submit(client)
    rows = []
    for key, config in zip(keys, configs):
        row = {name: getattr(config, name) for name in grid}
        state, value = outcome.get(key, ("ok", {"status": "cached", "seconds": 0.0, "worker": ""}))
        if state == "ok":
            row.update(value, error="")
        else:
            row.update(status="failed", seconds=float("nan"), worker="", error=value)
        rows.append(row)
    return pd.DataFrame(rows)
