"""Benchmarks of the mixture kernel and the SP estimator (`make bench`).

Prints ratios against baselines run side by side on identical inputs and
identical Monte Carlo points; nothing here is a pass/fail test.

1. Against the authors' approach: scikit-learn KernelDensity(bandwidth=β,
   rtol=1e-3) fitted on the centers, scored at the MC points, vs ours exact
   (rtol=0) and ours with rtol=1e-3, each the best of 5 runs (n = 4096),
   3 (n = 40 960) or 1 (n = 409 600). Errors are max |log g − brute force|
   over a subsample of query points (float64 explicit differences).
   Before any timing, one call loads our compiled kernels (see main).
2. Against the machine: dense pair-evaluations/s vs torch.logsumexp on a
   large matrix.
3. Memory: peak resident memory for n = 409 600, d = 10 (subprocess).
4. The real workload: one SZT-shaped SP estimate (m = 4096, R = 100, d = 5,
   β = 0.005), end to end.
5. Many networks at once: training N SZT networks as one ensemble
   (ipcore.nets.ensemble) against N sequential runs of the same trainer on one
   network each, at N = 1, 10, 50, deterministic and noisy (β = 0.005); the
   information plane's set-up (batch 512, Adam), best of 3.
6. Nearest-neighbour estimators against scikit-learn's mutual_info_regression (KSG,
   n_neighbors=3, one 1-D estimate per column of X): n = 5000 correlated Gaussians with
   I(X;Y) = 1 and 3 nats, d_y = 1, d_x = 1, 2, 5, 10; one call of each on the same arrays,
   best of 3; estimates against the exact joint (ours) and per-column (scikit-learn's) truths.
7. The levers of the paper profile (``--only levers``): h(T|X) of an SZT-shaped layer (4096
   mixtures of 100 replicas, d = 3–10) with float64 draws and kernel (as before) against
   float32 draws and the float32 kernel where its error bound allows, with the difference of
   the estimates in standard errors; and the main figure's five β trained as five single
   networks one after the other against one ensemble of five. Best of 3, interleaved. And the
   estimators chapter's 48 MINE critics (n = 5000) trained one after another against one stacked
   batch, 300 steps each, best of 2. And Saxe et al.'s four activations × 10 SZT networks, 20
   epochs: one ensemble per activation, one after another, against one ensemble of 40.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workloads import clustered_layer, monte_carlo_points  # noqa: E402

from ipcore.estimators import mixture_log_density, sp_mutual_information  # noqa: E402
from ipcore.estimators.kernel import _log_density_dense  # noqa: E402


def brute_force(points: torch.Tensor, centers: torch.Tensor, beta: float) -> torch.Tensor:
    """float64 log g by explicit differences (no matrix-product expansion), chunked over centers."""
    d = centers.shape[1]
    acc = torch.full((points.shape[0],), -math.inf, dtype=torch.float64)
    for chunk in torch.split(centers, 4096):
        logits = -((points[:, None, :] - chunk[None]) ** 2).sum(-1) / (2 * beta * beta)
        acc = torch.logaddexp(acc, torch.logsumexp(logits, dim=1))
    return acc - math.log(centers.shape[0]) - 0.5 * d * math.log(2 * math.pi * beta * beta)


def timed(fn, repeat: int = 1):
    """fn's result and its best wall time over ``repeat`` runs."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def bench_against_sklearn(sizes, dims, betas, n_check, skip_sklearn):
    from sklearn.neighbors import KernelDensity

    rows = []
    for n in sizes:
        for d in dims:
            for beta in betas:
                c = clustered_layer(n, d, seed=0)
                p = monte_carlo_points(c, beta, seed=1)
                ct, pt = torch.from_numpy(c), torch.from_numpy(p)
                sub = torch.from_numpy(np.random.default_rng(2).choice(n, size=min(n_check, n), replace=False))
                truth = brute_force(pt[sub], ct, beta)
                # Millisecond timings vary from run to run: both sides take their best of a few.
                repeat = 5 if n <= 4096 else 3 if n <= 40960 else 1
                exact, t_exact = timed(lambda: mixture_log_density(pt, ct, beta), repeat)
                approx, t_approx = timed(lambda: mixture_log_density(pt, ct, beta, rtol=1e-3), repeat)
                row = {
                    "n": n, "d": d, "beta": beta,
                    "ours_exact_s": t_exact, "ours_exact_err": float((exact[sub] - truth).abs().max()),
                    "ours_rtol_s": t_approx, "ours_rtol_err": float((approx[sub] - truth).abs().max()),
                }
                if not skip_sklearn:
                    kde = KernelDensity(kernel="gaussian", bandwidth=beta, rtol=1e-3)
                    sk, t_sk = timed(lambda: kde.fit(c).score_samples(p), repeat)
                    row.update(sklearn_s=t_sk, sklearn_err=float((torch.from_numpy(sk)[sub] - truth).abs().max()),
                               speedup_exact=t_sk / t_exact, speedup_rtol=t_sk / t_approx)
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def bench_throughput():
    n, d, beta = 4096, 5, 0.05
    c = torch.from_numpy(clustered_layer(n, d, seed=0))
    p = torch.from_numpy(monte_carlo_points(c.numpy(), beta, seed=1))
    log_w = torch.full((n,), -math.log(n), dtype=torch.float64)
    x = torch.randn(4096, 4096, dtype=torch.float64)
    _log_density_dense(p, c, log_w, beta), torch.logsumexp(x, 1)  # warm up
    reps = 5
    _, t_dense = timed(lambda: [_log_density_dense(p, c, log_w, beta) for _ in range(reps)])
    _, t_lse = timed(lambda: [torch.logsumexp(x, 1) for _ in range(reps)])
    dense_rate = reps * n * n / t_dense
    lse_rate = reps * x.numel() / t_lse
    row = {"dense_pairs_per_s": dense_rate, "torch_logsumexp_per_s": lse_rate, "ratio": dense_rate / lse_rate}
    print(json.dumps(row), flush=True)
    return row


MEMORY_PROBE = """
import resource, sys, time, torch
sys.path.insert(0, {bench!r})
from workloads import clustered_layer, monte_carlo_points
from ipcore.estimators import mixture_log_density
c = torch.from_numpy(clustered_layer(409600, 10, seed=0)); p = torch.from_numpy(monte_carlo_points(c.numpy(), {beta}, seed=1))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter(); mixture_log_density(p, c, {beta}); el = time.perf_counter() - t
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, el)
"""


def bench_memory(beta: float = 0.005):
    code = MEMORY_PROBE.format(bench=str(Path(__file__).resolve().parent), beta=beta)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    base_kb, peak_kb, seconds = int(out[0]), int(out[1]), float(out[2])
    row = {"n": 409600, "d": 10, "beta": beta, "peak_rss_mb": peak_kb / 1024, "inputs_rss_mb": base_kb / 1024, "seconds": seconds}
    print(json.dumps(row), flush=True)
    return row


def bench_sp_workload(m: int = 4096, replicas: int = 100, d: int = 5, beta: float = 0.005):
    """A layer-like set of m clean representations, R noisy-pass replicas each (spread ~β after propagation)."""
    rng = np.random.default_rng(3)
    clean = clustered_layer(m, d, seed=4)
    cond = np.clip(clean[:, None, :] + 0.5 * beta * rng.normal(size=(m, replicas, d)), -1, 1)
    est, seconds = timed(lambda: sp_mutual_information(cond.reshape(-1, d), beta, conditional_centers=cond, n_mc=1, seed=0))
    row = {"m": m, "R": replicas, "d": d, "beta": beta, "seconds": seconds, "mi": est.mi, "mi_std": est.mi_std,
           "h_t": est.h_t, "h_t_given_x": est.h_t_given_x}
    print(json.dumps(row), flush=True)
    return row


def bench_ensemble(sizes=(1, 10, 50), epochs: int = 20, repeat: int = 3):
    """Seconds for ``epochs`` epochs of N networks: N sequential runs (one thread each, as the
    SZT chapters train one network) against one ensemble (torch's threads), and the ratio."""
    from ipcore.data import szt, szt_split
    from ipcore.nets.ensemble import cross_entropy, ensemble_of_mlps
    from ipcore.nets.models import NoisyMLP
    from ipcore.nets.training import train

    x_np, y_np = szt()
    train_idx, _ = szt_split("random")
    x, y = torch.as_tensor(x_np[train_idx], dtype=torch.float32), torch.as_tensor(y_np[train_idx])

    def loss(m, xb, yb):
        return cross_entropy(m(xb), yb)

    def sequential(n: int, beta: float) -> None:
        for seed in range(n):
            torch.manual_seed(seed)
            net = NoisyMLP(beta=beta, init="trunc_normal_fan_in")
            train(net, x, y, loss_fn=loss, epochs=epochs, lr=4e-4, batch_size=512, seed=seed, progress=False, threads=1)

    def ensemble(n: int, beta: float) -> None:
        net = ensemble_of_mlps(range(n), betas=beta, init="trunc_normal_fan_in")
        train(net, x, y, loss_fn=loss, epochs=epochs, lr=4e-4, batch_size=512, seed=list(range(n)), progress=False)

    rows = []
    for beta in (0.0, 0.005):
        sequential(1, beta), ensemble(2, beta)  # warm up
        for n in sizes:
            # N sequential runs cost N times one run: timed on min(N, 10) runs and scaled
            timed_runs = min(n, 10)
            _, t_seq = timed(lambda: sequential(timed_runs, beta), repeat)
            t_seq *= n / timed_runs
            _, t_ens = timed(lambda: ensemble(n, beta), repeat)
            steps = epochs * math.ceil(len(x) / 512)
            row = {"N": n, "beta": beta, "epochs": epochs, "sequential_s": t_seq, "ensemble_s": t_ens,
                   "speedup": t_seq / t_ens, "ensemble_ms_per_step": 1e3 * t_ens / steps,
                   "sequential_ms_per_network_step": 1e3 * t_seq / (n * steps)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def column_truths(x: np.ndarray, mi: float, seed: int = 0) -> np.ndarray | None:
    """The exact I(X_j; Y) of each column of ``correlated_gaussians(n, d_x, 1, mi, seed)``'s x.

    There x = x₀ Rᵀ with x₀ the generator's first standard-normal draw and only x₀'s first
    column correlated with y (ρ² = 1 − e^{−2 mi}), so Corr(X_j, Y)² = R_{j0}² ρ² and
    I(X_j; Y) = −½ ln(1 − R_{j0}² ρ²). R is recovered from x₀ and x by least squares; None if
    the data are not of that form (the construction changed), so no wrong truth is reported.
    """
    n, d = x.shape
    x0 = np.random.default_rng(seed).standard_normal((n, d))
    rotation_t = np.linalg.lstsq(x0, x, rcond=None)[0]
    if not (np.allclose(x0 @ rotation_t, x, atol=1e-10) and np.allclose(rotation_t.T @ rotation_t, np.eye(d), atol=1e-10)):
        return None
    rho2 = -math.expm1(-2.0 * mi)
    return -0.5 * np.log1p(-(rotation_t[0] ** 2) * rho2)


def _conditional_entropies_float64(centers: torch.Tensor, beta: float, seed: int):
    """The SP estimator's h(T|X) as it was before issue 18's estimation lever: float64 draws, the
    float64 kernel (the baseline, kept here to run side by side)."""
    from ipcore.estimators.entropy import _with_control_variate
    from ipcore.seeding import make_generator

    m, r, d = centers.shape
    eps = torch.randn((m, r, 1, d), generator=make_generator(seed), dtype=torch.float64)
    points = (centers[:, :, None, :] + beta * eps).reshape(m, r, d)
    neg_log = -mixture_log_density(points, centers, beta).view(m, r, 1)
    neg_log = _with_control_variate(neg_log, eps, torch.full((r,), 1.0 / r, dtype=torch.float64))
    h = neg_log.mean(dim=(1, 2))
    se = neg_log.reshape(m, r).var(dim=1, unbiased=True).div(r).sqrt()
    return h, se


def bench_conditional_entropies(dims=(3, 5, 7, 10), m: int = 4096, replicas: int = 100, beta: float = 0.005,
                                repeat: int = 3):
    """h(T|X) of an SZT-shaped layer (m inputs × R replicas, the SP estimator's batch of m mixtures):
    float64 draws and kernel (before) against float32 draws and, where its error bound allows, the
    float32 kernel (after); the mean h(T|X) of both and their difference in standard errors (other
    draws: Monte Carlo noise), and the float32 kernel's own error (against float64 on the same draws)."""
    from ipcore.estimators.entropy import _batched_mixture_entropies

    rows = []
    for d in dims:
        rng = np.random.default_rng(3)
        clean = clustered_layer(m, d, seed=4)
        cond = torch.as_tensor(np.clip(clean[:, None, :] + 0.5 * beta * rng.normal(size=(m, replicas, d)), -1, 1))
        cond = cond - cond[:, 0].mean(0)
        before, after = [], []
        for _ in range(repeat):  # interleaved, best of each
            t = time.perf_counter(); h0, s0 = _conditional_entropies_float64(cond, beta, 1); before.append(time.perf_counter() - t)
            t = time.perf_counter(); h1, s1, bound = _batched_mixture_entropies(cond, beta, 1, 1, float32=True)
            after.append(time.perf_counter() - t)
        h64, _, _ = _batched_mixture_entropies(cond, beta, 1, 1)  # the same (new) draws, float64 kernel
        se = float(s0.pow(2).sum().sqrt()) / m
        row = {"d": d, "m": m, "R": replicas, "beta": beta, "float64_s": min(before), "float32_s": min(after),
               "speedup": min(before) / min(after), "float32_used": bound > 0, "bound_nats": bound,
               "h_before": float(h0.mean()), "h_after": float(h1.mean()), "se": se,
               "difference_in_se": abs(float(h1.mean() - h0.mean())) / se,
               "kernel_error_in_se": abs(float(h1.mean() - h64.mean())) / se}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def bench_beta_grid(betas=(0.005, 0.01, 0.02, 0.05, 0.1), epochs: int = 40, repeat: int = 3):
    """The five β of the main figure: five single networks trained one after the other (one thread,
    as run_szt trains) against one ensemble of five (run_szt_ensemble), SZT's batch 256."""
    from ipcore.data import szt, train_test_split
    from ipcore.nets.ensemble import cross_entropy, ensemble_of_mlps
    from ipcore.nets.models import NoisyMLP
    from ipcore.nets.training import train

    x_np, y_np = szt()
    train_idx, _ = train_test_split(len(x_np), seed=0)
    x, y = torch.as_tensor(x_np[train_idx], dtype=torch.float32), torch.as_tensor(y_np[train_idx])
    steps = epochs * -(-len(x) // 256)

    def loss(model, xb, yb):
        return cross_entropy(model(xb), yb)

    def singles():
        for beta in betas:
            torch.manual_seed(0)
            train(NoisyMLP((12, 10, 7, 5, 4, 3, 2), "tanh", beta), x, y, loss_fn=loss, epochs=epochs, lr=4e-4,
                  batch_size=256, seed=0, progress=False, threads=1)

    def ensemble():
        train(ensemble_of_mlps([0] * len(betas), betas=list(betas)), x, y, loss_fn=loss, epochs=epochs, lr=4e-4,
              batch_size=256, seed=[0] * len(betas), progress=False, threads=1)

    before, after = [], []
    for _ in range(repeat):
        t = time.perf_counter(); singles(); before.append(time.perf_counter() - t)
        t = time.perf_counter(); ensemble(); after.append(time.perf_counter() - t)
    row = {"networks": len(betas), "steps": steps, "singles_s": min(before), "ensemble_s": min(after),
           "speedup": min(before) / min(after), "singles_ms_per_step": 1e3 * min(before) / steps,
           "ensemble_ms_per_step": 1e3 * min(after) / steps}
    print(json.dumps(row), flush=True)
    return row


def bench_activations(activations=("tanh", "softsign", "relu", "softplus"), n: int = 10, epochs: int = 20,
                      repeat: int = 3):
    """Saxe et al.'s SZT networks: one ensemble of ``n`` per activation, trained one after the other
    (as before the per-member activations), against one ensemble of all of them; ibsgd's set-up
    (batch 256, Adam, one thread), deterministic."""
    from ipcore.data import szt, szt_split
    from ipcore.nets.ensemble import cross_entropy, ensemble_of_mlps
    from ipcore.nets.training import train

    x_np, y_np = szt()
    train_idx, _ = szt_split("random")
    x, y = torch.as_tensor(x_np[train_idx], dtype=torch.float32), torch.as_tensor(y_np[train_idx])
    steps = epochs * -(-len(x) // 256)

    def loss(model, xb, yb):
        return cross_entropy(model(xb), yb)

    def fit(names: list[str]) -> None:
        seeds = list(range(n)) * (len(names) // n)
        train(ensemble_of_mlps(seeds, activation=names, init="trunc_normal_fan_out"), x, y, loss_fn=loss,
              epochs=epochs, lr=4e-4, batch_size=256, seed=seeds, progress=False, threads=1)

    def one_per_activation():
        for name in activations:
            fit([name] * n)

    def all_as_one():
        fit([name for name in activations for _ in range(n)])

    before, after = [], []
    for _ in range(repeat):
        t = time.perf_counter(); one_per_activation(); before.append(time.perf_counter() - t)
        t = time.perf_counter(); all_as_one(); after.append(time.perf_counter() - t)
    row = {"activations": len(activations), "networks_each": n, "steps": steps, "one_per_activation_s": min(before),
           "all_as_one_s": min(after), "speedup": min(before) / min(after)}
    print(json.dumps(row), flush=True)
    return row


def bench_mine_batch(steps: int = 300, repeat: int = 2):
    """The estimators chapter's MINE workload at the paper profile (33 correlated-Gaussian samples, d = 2,
    and 15 noisy-layer samples, d = 1-10, n = 5000 each): the 48 critics trained one after another
    against one stacked batch (mine_mutual_information_batch), ``steps`` steps each (the paper's
    4000 cost 4000/steps times as much, step for step), best of ``repeat``, interleaved."""
    from ipcore.data import correlated_gaussians, noisy_layer
    from ipcore.estimators import mine_mutual_information, mine_mutual_information_batch

    pairs = [correlated_gaussians(5000, 2, 2, mi, seed=seed) for mi in np.linspace(0, 10, 11) for seed in range(3)]
    for dim in (1, 2, 4, 6, 10):
        layer = noisy_layer(dim, 0.1, n_inputs=8, block=1 if dim == 1 else 2, seed=0)
        pairs += [(x, t) for x, _, t in (layer.sample(5000, seed=seed) for seed in range(3))]
    seeds = list(range(len(pairs)))
    mine_mutual_information_batch(pairs[:2], seeds[:2], steps=5)  # warm up
    before, after = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        singles = [mine_mutual_information(x, y, steps=steps, seed=s) for (x, y), s in zip(pairs, seeds)]
        before.append(time.perf_counter() - t)
        t = time.perf_counter()
        batch = mine_mutual_information_batch(pairs, seeds, steps=steps)
        after.append(time.perf_counter() - t)
    apart = max(abs(a.value - b.value) / a.std_error for a, b in zip(singles, batch))
    row = {"critics": len(pairs), "steps": steps, "threads": torch.get_num_threads(), "singles_s": min(before),
           "batch_s": min(after), "speedup": min(before) / min(after),
           "singles_ms_per_critic_step": 1e3 * min(before) / steps / len(pairs),
           "batch_ms_per_critic_step": 1e3 * min(after) / steps / len(pairs), "largest_difference_in_se": apart}
    print(json.dumps(row), flush=True)
    return row


def bench_knn_vs_sklearn(n: int = 5000, d_xs=(1, 2, 5, 10), mis=(1.0, 3.0), repeat: int = 3):
    """Our kNN estimators against scikit-learn's mutual_info_regression on the same (n, d_x) X
    and 1-D y; see the README for what each side estimates."""
    from sklearn.feature_selection import mutual_info_regression

    from ipcore.data import correlated_gaussians
    from ipcore.estimators import knn_entropy, knn_mutual_information, ksg_mutual_information

    def sk(x, y):
        return mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0)

    def ours_by_column(x, y):
        return [ksg_mutual_information(x[:, [j]], y, k=3) for j in range(x.shape[1])]

    warm_x, warm_y = correlated_gaussians(500, 2, 1, 1.0, seed=1)  # load scipy's and scikit-learn's code paths
    sk(warm_x, warm_y), ksg_mutual_information(warm_x, warm_y), knn_mutual_information(warm_x, warm_y)
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    rows = []
    for mi in mis:
        for d_x in d_xs:
            x, y = correlated_gaussians(n, d_x, 1, mi, seed=0)
            calls = {
                "sklearn": lambda: sk(x, y),
                "ours_ksg": lambda: ksg_mutual_information(x, y, k=3),
                "ours_knn": lambda: knn_mutual_information(x, y, k=5),
                "ours_entropy": lambda: knn_entropy(x, k=5),
                "ours_ksg_by_column": lambda: ours_by_column(x, y),
            }
            est, best = {}, dict.fromkeys(calls, math.inf)
            for _ in range(repeat):  # interleaved, so that a busy spell on a shared machine hits all alike
                for name, fn in calls.items():
                    est[name], t = timed(fn)
                    best[name] = min(best[name], t)
            est_sk, est_ksg, est_knn, est_ent, est_col = est.values()
            t_sk, t_ksg, t_knn, t_ent, t_col = best.values()
            truths = column_truths(x, mi)
            row = {
                "n": n, "d_x": d_x, "d_y": 1, "mi": mi, "entropy_x": 0.5 * d_x * math.log(2 * math.pi * math.e),
                "sklearn_s": t_sk, "ours_ksg_s": t_ksg, "ours_knn_s": t_knn, "ours_entropy_s": t_ent,
                "ours_ksg_by_column_s": t_col,
                "ratio_ksg": t_ksg / t_sk, "ratio_knn": t_knn / t_sk, "ratio_ksg_by_column": t_col / t_sk,
                "sklearn_mi": [float(v) for v in est_sk],
                "ours_ksg_mi": est_ksg.value, "ours_ksg_se": est_ksg.std_error,
                "ours_knn_mi": est_knn.value, "ours_knn_se": est_knn.std_error,
                "ours_entropy": est_ent.value, "ours_entropy_se": est_ent.std_error,
                "ours_ksg_by_column_mi": [e.value for e in est_col],
                "column_truth_mi": None if truths is None else [float(v) for v in truths],
            }
            if truths is not None:
                row["sklearn_column_max_err"] = float(np.abs(est_sk - truths).max())
                row["ours_by_column_max_err"] = float(np.abs(np.array(row["ours_ksg_by_column_mi"]) - truths).max())
            if cpus is not None and len(cpus) > 1:
                # scikit-learn's call runs on one core (n_jobs=None); ours queries with workers=-1.
                # The same two calls of ours with the process held to one core:
                os.sched_setaffinity(0, cpus[:1])
                try:
                    row["ours_ksg_1core_s"] = min(timed(lambda: ksg_mutual_information(x, y, k=3))[1] for _ in range(repeat))
                    row["ours_knn_1core_s"] = min(timed(lambda: knn_mutual_information(x, y, k=5))[1] for _ in range(repeat))
                finally:
                    os.sched_setaffinity(0, cpus)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="4096,40960,409600")
    parser.add_argument("--dims", default="3,5,10")
    parser.add_argument("--betas", default="0.005,0.05")
    parser.add_argument("--check", type=int, default=500, help="query points checked against brute force")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--only", choices=["sklearn", "throughput", "memory", "sp", "ensemble", "knn", "levers"],
                        action="append")
    parser.add_argument("--output", default=str(Path(__file__).resolve().parent / "results.json"))
    args = parser.parse_args()
    parts = set(args.only or ["sklearn", "throughput", "memory", "sp", "ensemble", "knn", "levers"])
    # Load the compiled tree (from numba's on-disk cache; a fresh install compiles it, ~7 s) before any timing.
    warm = torch.from_numpy(clustered_layer(2048, 3, seed=0))
    mixture_log_density(warm, warm, 0.05)
    results = {
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "torch": torch.__version__,
                    "threads": torch.get_num_threads(), "python": platform.python_version()},
    }
    if "throughput" in parts:
        results["throughput"] = bench_throughput()
    if "sp" in parts:
        results["sp_workload"] = bench_sp_workload()
    if "ensemble" in parts:
        results["ensemble"] = bench_ensemble()
    if "memory" in parts:
        results["memory"] = bench_memory()
    if "knn" in parts:
        results["knn_vs_sklearn"] = bench_knn_vs_sklearn()
    if "levers" in parts:
        results["conditional_entropies"] = bench_conditional_entropies()
        results["beta_grid"] = bench_beta_grid()
        results["activations"] = bench_activations()
        results["mine_batch"] = bench_mine_batch()
    if "sklearn" in parts:
        results["kernel_vs_sklearn"] = bench_against_sklearn(
            [int(s) for s in args.sizes.split(",")], [int(s) for s in args.dims.split(",")],
            [float(s) for s in args.betas.split(",")], args.check, args.skip_sklearn)
    Path(args.output).write_text(json.dumps(results, indent=2))
    print(f"wrote {args.output}\n")
    from table import to_markdown

    print(to_markdown(results))


if __name__ == "__main__":
    main()
