"""How long ib_curve takes on the SZT problem (4096 × 2, 100 β from 0.8 to 300): the issue's target is 60 s.

Run: .venv/bin/python benchmarks/ib_curve_speed.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ipcore.bottleneck import IBConvergenceWarning, ib_curve
from ipcore.experiments.ib_bound import szt_joint

BETAS = np.geomspace(0.8, 300.0, 100)

for label, sharpness in (("hard labels", None), ("smoothed, γ = 1", 1.0), ("smoothed, γ = 4", 4.0)):
    for dual in (False, True):
        if dual and sharpness is None:
            continue
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IBConvergenceWarning)
            curve = ib_curve(szt_joint(sharpness), BETAS, dual=dual)
        seconds = time.perf_counter() - start
        print(f"{label:16s} {'dualIB' if dual else 'IB':6s} {seconds:6.1f} s   settled {curve.converged.sum():3d}/100   "
              f"inputs after merging {curve.encoders[0].shape[0]:4d}   clusters ≤ {curve.n_clusters.max()}")
