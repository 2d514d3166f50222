"""Sweeps on Dask against the serial loop (issue 15): `python benchmarks/sweep.py`.

1. A grid of 8 SZT runs at the `smoke` profile (β ∈ {0.005, 0.02} × seeds 0–3; 500 epochs,
   20 logged epochs, R = 10), each into a cold cache: the serial loop (`run_szt` one after
   another in this process, as a chapter runs them) against `ipcore.book.sweep.sweep` on a
   LocalCluster of N worker processes, timed from the call (cluster start included) and
   without the start. The runs' numbers are compared: they must be identical.
2. Scheduling overhead per run: with the cluster up and every run stored, the wall time of
   submitting a run and getting its record back (the worker checks the cache entry's
   checksum and loads it), per run over the 8; and a bare empty task for reference.

Prints a table and a JSON line; nothing here is a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    os.environ["IPCORE_CACHE"] = tempfile.mkdtemp(prefix="ipcore-sweep-bench-")
    os.environ["IPCORE_PROGRESS"] = "0"

    from ipcore.book.sweep import compute_member, dask_client, forwarded_environment, sweep, sweep_configs
    from ipcore.experiments.szt import cache_entry, run_szt

    grid = {"beta": [0.005, 0.02], "seed": list(range(args.seeds))}
    configs = sweep_configs("szt", grid, profile="smoke")
    run_szt(configs[0].__class__(epochs=2, n_log=1, replicas=2), progress=False, use_cache=False)  # imports, numba

    serial, each = [], []
    for c in configs:
        t0 = time.perf_counter()
        serial.append(run_szt(c, progress=False, use_cache=False))
        each.append(time.perf_counter() - t0)
    serial_s = sum(each)

    start = time.perf_counter()
    with dask_client(workers=args.workers) as client:
        up = time.perf_counter()
        table = sweep("szt", grid, client=client, progress=False)
        done = time.perf_counter()
        assert (table["status"] == "computed").all(), table
        same = all(np.array_equal(cache_entry(c).load().mi, r.mi, equal_nan=True)
                   and all(np.array_equal(a, b) for a, b in zip(cache_entry(c).load().clean, r.clean))
                   for c, r in zip(configs, serial))

        environ = forwarded_environment()
        client.submit(compute_member, "szt", configs[0], environ, pure=False).result()  # warm
        t0 = time.perf_counter()
        for c in configs:  # one at a time: the round trip, not the throughput
            client.submit(compute_member, "szt", c, environ, pure=False).result()
        cached_round_trip = (time.perf_counter() - t0) / len(configs)
        t0 = time.perf_counter()
        for _ in range(20):
            client.submit(int, 0, pure=False).result()
        empty_round_trip = (time.perf_counter() - t0) / 20
    sweep_s, with_start_s = done - up, done - start

    rows = [
        (f"{len(configs)} smoke runs, serial loop", f"{serial_s:.1f} s", "1.00×"),
        (f"{len(configs)} smoke runs, LocalCluster of {args.workers}, cluster started", f"{sweep_s:.1f} s",
         f"{serial_s / sweep_s:.2f}×"),
        (f"  the same, cluster start included", f"{with_start_s:.1f} s", f"{serial_s / with_start_s:.2f}×"),
        ("  one run, mean: serial loop / on a worker", f"{np.mean(each):.1f} s / {table['seconds'].mean():.1f} s", ""),
        ("per run: submit, cache check and load, record back (run stored)", f"{cached_round_trip:.3f} s", ""),
        ("per task: an empty task's round trip", f"{empty_round_trip * 1e3:.1f} ms", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, ratio in rows:
        print(f"{name.ljust(width)}  {value:>9}  {ratio}")
    print(f"numbers identical to the serial loop: {same}")
    print(json.dumps({"serial_s": serial_s, "sweep_s": sweep_s, "with_start_s": with_start_s,
                      "cached_round_trip_s": cached_round_trip, "empty_round_trip_s": empty_round_trip,
                      "identical": same, "workers": args.workers, "cpus": os.cpu_count(),
                      "python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
