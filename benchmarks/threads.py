"""Threads on a busy machine (issue 18's thread policy): `python benchmarks/threads.py`.

One sample-propagation estimate (1024 inputs × 20 replicas in 5 dimensions) and 300 training
steps of the SZT network (batch 512), each the best of 3, in a fresh process per case: with the
machine idle and with one competing CPU-bound process, on all cores and on one thread. Prints a
table; nothing here is a pass/fail test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

WORK = r'''
import json, sys, time
import numpy as np, torch
from ipcore.estimators import sp_mutual_information
from ipcore.nets import NoisyMLP
threads = int(sys.argv[1])
if threads:
    torch.set_num_threads(threads)
c = np.random.default_rng(0).uniform(-1, 1, (1024, 20, 5))
def estimate():
    sp_mutual_information(c[:, 0], 0.05, conditional_centers=c, seed=0)
def train():
    torch.manual_seed(0)
    net = NoisyMLP((12, 10, 7, 5, 4, 3, 2), beta=0.005)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x, y = torch.randn(512, 12), torch.randint(0, 2, (512,))
    for _ in range(300):
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
out = {}
for name, fn in (("estimate_s", estimate), ("train300_s", train)):
    fn()
    times = []
    for _ in range(3):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    out[name] = min(times)
out["threads_after"] = torch.get_num_threads()
print(json.dumps(out))
'''


def case(threads: int) -> dict:
    done = subprocess.run([sys.executable, "-c", WORK, str(threads)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    cores = os.cpu_count() or 1
    rows = []
    for load in ("idle", "one busy process"):
        hog = None
        if load != "idle":
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            time.sleep(0.5)
        try:
            for threads in (0, 1):
                rows.append({"load": load, "threads": threads or cores, **case(threads)})
        finally:
            if hog is not None:
                hog.kill()
    print(f"{cores} cores; seconds, best of 3\n")
    print("| load | torch threads asked | SP estimate s | 300 training steps s | threads after |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['load']} | {r['threads']} | {r['estimate_s']:.3f} | {r['train300_s']:.3f} | {r['threads_after']} |")


if __name__ == "__main__":
    main()
