"""The ``ipcore`` command line.

Usage::

    ipcore run NOTEBOOK [-p NAME VALUE]... [-o OUT.ipynb]   execute a chapter with parameters
    ipcore params NOTEBOOK                                  list a chapter's parameters
    ipcore book [--profile smoke|paper]                     build the book into _build/html (offline)
    ipcore reproduce [--profile smoke|paper] [--only CH]... run every chapter, write notebooks, figures, a summary
                     [--workers N | --scheduler ADDR]       ... in parallel on a Dask cluster
    ipcore sweep TARGET -g NAME VALUE... [-s NAME VALUE]... a grid of cached training runs on a Dask cluster
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence


def _cmd_run(args: argparse.Namespace) -> int:
    from ipcore.book.notebook import parse_value, read_results, run_notebook

    params = {name: parse_value(value) for name, value in (args.parameter or [])}
    output = Path(args.output) if args.output else Path(args.notebook).with_suffix(".ipynb").name
    nb = run_notebook(args.notebook, output, params, progress=not args.no_progress)
    results = read_results(nb)
    print(f"wrote {output}")
    for key, value in results.items():
        print(f"  {key}: {value}")
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from ipcore.book.notebook import load_notebook, notebook_parameters

    for name, value in notebook_parameters(load_notebook(args.notebook)).items():
        print(f"{name} = {value!r}")
    return 0


def _cmd_book(args: argparse.Namespace) -> int:
    from ipcore.book.build import build_book

    return build_book(Path(args.root), profile=args.profile, strict=not args.no_strict)


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from ipcore.book.reproduce import reproduce, summary_table

    results = reproduce(Path(args.root), Path(args.output), profile=args.profile, only=args.only,
                        device=args.device, progress=not args.no_progress, scheduler=args.scheduler,
                        workers=args.workers)
    print(summary_table(results))
    print(f"executed notebooks and figures: {args.output}")
    return 0 if all(r.status == "ok" for r in results) else 1


def _cmd_sweep(args: argparse.Namespace) -> int:
    from ipcore.book.notebook import parse_value
    from ipcore.book.sweep import TARGETS, sweep, target

    if args.list or args.target is None:
        for name in TARGETS:
            print(f"{name}: {target(name).description}")
        return 0
    grid = {name: [parse_value(v) for v in values] for name, *values in (args.grid or [])}
    fixed = {name: parse_value(value) for name, value in (args.set or [])}
    table = sweep(args.target, grid, profile=args.profile, fixed=fixed, scheduler=args.scheduler,
                  workers=args.workers, progress=not args.no_progress)
    print(table.to_string(index=False))
    counts = table["status"].value_counts().to_dict()
    print(", ".join(f"{n} {status}" for status, n in counts.items()) + " (results in the cache; the chapters load them)")
    return 0 if "failed" not in counts else 1


def _add_cluster_options(parser: argparse.ArgumentParser, *, default_workers: int | None) -> None:
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="an existing Dask scheduler, e.g. tcp://host:8786 (its workers must see the same cache folder)")
    parser.add_argument("--workers", type=int, default=default_workers, metavar="N",
                        help="worker processes of the LocalCluster started when no --scheduler is given"
                        + (f" (default: {default_workers})" if default_workers else ""))


def build_parser() -> argparse.ArgumentParser:
    """The ``ipcore`` argument parser: the subcommands run, params, book, reproduce and sweep.

    Each subcommand's parsed arguments carry ``func``, the function that runs it.

    Returns
    -------
    argparse.ArgumentParser
        The parser (``prog="ipcore"``).

    Examples
    --------
    >>> args = build_parser().parse_args(["sweep", "szt", "-g", "beta", "0.005", "0.02", "-s", "epochs", "2000"])
    >>> args.command, args.target, args.grid, args.set, args.workers
    ('sweep', 'szt', [['beta', '0.005', '0.02']], [['epochs', '2000']], 2)
    """
    from ipcore.config import PROFILE_NAMES

    parser = argparse.ArgumentParser(prog="ipcore", description="Information flow in noisy neural networks: run the book's chapters.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute a chapter notebook with parameters (papermill)",
                         description="Execute a MyST-markdown or .ipynb notebook with papermill, "
                         "after checking the parameters against its 'parameters' cell.")
    run.add_argument("notebook", help="path to the notebook, e.g. notebooks/single_neuron.md")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="set a parameter; VALUE is read as a Python literal (0.05, [1, 2], 'paper') or else a string")
    run.add_argument("-o", "--output", help="executed notebook to write (.ipynb); default: NAME.ipynb here")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.set_defaults(func=_cmd_run)

    params = sub.add_parser("params", help="list a notebook's parameters and defaults")
    params.add_argument("notebook")
    params.set_defaults(func=_cmd_params)

    book = sub.add_parser("book", help="build the book offline into ROOT/_build/html")
    book.add_argument("--root", default=".", help="folder holding _config.yml and _toc.yml (default: .)")
    book.add_argument("--profile", default="smoke", choices=PROFILE_NAMES, help="resolution of the chapters (default: smoke)")
    book.add_argument("--no-strict", action="store_true", help="do not turn warnings into errors")
    book.set_defaults(func=_cmd_book)

    rep = sub.add_parser("reproduce", help="run every chapter through papermill and print a summary",
                         description="Run the chapters in the book's order at one profile; executed notebooks "
                         "and figures go to OUTPUT. Training runs are cached: an interrupted run resumes, "
                         "a repeated one reloads.")
    rep.add_argument("--profile", default="smoke", choices=PROFILE_NAMES, help="resolution (default: smoke)")
    rep.add_argument("--only", action="append", metavar="CHAPTER",
                     help="run only this chapter (repeatable), e.g. --only szt_noisy")
    rep.add_argument("--device", choices=["cpu", "cuda"], help="device for chapters that take one (default: automatic)")
    rep.add_argument("-o", "--output", default="reproduction", help="output folder (default: ./reproduction)")
    rep.add_argument("--root", default=".", help="repository root holding _toc.yml and notebooks/ (default: .)")
    rep.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    _add_cluster_options(rep, default_workers=None)
    rep.set_defaults(func=_cmd_reproduce)

    swp = sub.add_parser("sweep", help="compute a grid of cached training runs on a Dask cluster",
                         description="Compute every combination of the grid's values for one kind of run "
                         "(see --list) on a Dask cluster: a LocalCluster started here, or --scheduler. Results go "
                         "to the results cache, where the chapters find them; stored members are skipped, "
                         "interrupted ones resume from their checkpoint.",
                         epilog="example: ipcore sweep szt -g beta 0.005 0.02 -g seed 0 1 2 3 --workers 2")
    swp.add_argument("target", nargs="?", help="the kind of run: szt, information_plane or mnist")
    swp.add_argument("-g", "--grid", nargs="+", action="append", metavar="NAME VALUE",
                     help="sweep a parameter over values (repeatable), e.g. -g beta 0.005 0.01 0.02")
    swp.add_argument("-s", "--set", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="fix a parameter for every run, e.g. -s epochs 2000")
    swp.add_argument("--profile", default="smoke", choices=PROFILE_NAMES, help="the chapters' resolution to start from (default: smoke)")
    swp.add_argument("--list", action="store_true", help="list the kinds of run and exit")
    swp.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_cluster_options(swp, default_workers=2)
    swp.set_defaults(func=_cmd_sweep)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ipcore`` command line with ``argv``; return the exit status.

    Errors a user can fix (a ``ValueError``, a failing notebook) print one line,
    ``ipcore <command>: error: <message>``, to standard error instead of a traceback.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 1 when a chapter of ``reproduce`` or a member of ``sweep`` failed; 2 for
        an error in the arguments or a failing notebook; 130 when interrupted.

    Raises
    ------
    SystemExit
        From argparse, for arguments it cannot parse (and for ``--help``).

    Examples
    --------
    >>> import contextlib, io
    >>> errors = io.StringIO()
    >>> with contextlib.redirect_stderr(errors):
    ...     main(["params", "no/such/chapter.md"])
    2
    >>> print(errors.getvalue().strip())
    ipcore params: error: notebook: no such file 'no/such/chapter.md'
    """
    from ipcore.book.notebook import NotebookError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, NotebookError) as exc:
        print(f"ipcore {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ipcore {args.command}: interrupted; training runs resume from their last checkpoint on the next run",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
