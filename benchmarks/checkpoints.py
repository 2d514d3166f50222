"""Checkpoint cost over a run (issue 18): `python benchmarks/checkpoints.py`.

An SZT run's checkpoints, side by side: 84 saves (one per logged epoch of the paper's schedule),
each after one more snapshot of the clean layers (4096 inputs × 10+7+5+4+3 units, float64: what
the deterministic binning run keeps), through `ipcore.cache.CachedRun.save_checkpoint`. The
baseline stores the same list under another key, which the cache writes whole every time (what
every checkpoint did before segments); ours appends only the new snapshot. Prints the first and
last save and the total; nothing here is a pass/fail test.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from ipcore import cache

WIDTHS = (10, 7, 5, 4, 3)


def saves(key: str, n: int = 84) -> list[float]:
    root = Path(tempfile.mkdtemp(prefix="ipcore-ckpt-bench-"))
    run = cache.CachedRun("bench", {"key": key}, modules=["ipcore.seeding"], root=root)
    rng = np.random.default_rng(0)
    snapshots, times = [], []
    for epoch in range(n):
        snapshots.append({"epoch": epoch, "clean": {f"hidden.{i}": rng.normal(size=(4096, w)) for i, w in enumerate(WIDTHS)}})
        start = time.perf_counter()
        run.save_checkpoint({"epoch": epoch, key: snapshots})
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    whole = saves("all_snapshots")  # not the append-only key: written whole each time
    appended = saves(cache.CachedRun.APPEND_ONLY)
    print(f"{'84 checkpoints of a growing run':36}  {'first':>8}  {'last':>8}  {'all':>8}")
    for name, times in (("whole list each time (before)", whole), ("new snapshots only (segments)", appended)):
        print(f"{name:36}  {times[0] * 1e3:6.0f} ms  {times[-1] * 1e3:6.0f} ms  {sum(times):6.2f} s")
    print(f"ratio of the totals: {sum(whole) / sum(appended):.1f}×")


if __name__ == "__main__":
    main()
