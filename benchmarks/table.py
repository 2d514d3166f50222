"""Render benchmarks/results.json as the Markdown tables of benchmarks/README.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def to_markdown(results: dict) -> str:
    m = results["machine"]
    out = [f"Machine: {m['platform']}, {m.get('processor') or 'x86_64'}, torch {m['torch']}, "
           f"{m['threads']} threads, Python {m['python']}.", ""]
    rows = results.get("kernel_vs_sklearn", [])
    if rows:
        out += [
            "| n | d | β | sklearn s | ours exact s | speed-up | ours rtol=1e-3 s | speed-up | max err sklearn | max err exact | max err rtol |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            out.append(
                f"| {r['n']} | {r['d']} | {r['beta']} | {r.get('sklearn_s', float('nan')):.3f} | {r['ours_exact_s']:.3f} | "
                f"{r.get('speedup_exact', float('nan')):.1f}× | {r['ours_rtol_s']:.3f} | {r.get('speedup_rtol', float('nan')):.1f}× | "
                f"{r.get('sklearn_err', float('nan')):.1e} | {r['ours_exact_err']:.1e} | {r['ours_rtol_err']:.1e} |"
            )
        out.append("")
    if "throughput" in results:
        t = results["throughput"]
        out.append(f"Dense path: {t['dense_pairs_per_s'] / 1e6:.0f} M pair-evaluations/s; torch.logsumexp: "
                   f"{t['torch_logsumexp_per_s'] / 1e6:.0f} M elements/s; ratio {t['ratio']:.2f}.")
    if "memory" in results:
        mem = results["memory"]
        out.append(f"Peak resident memory, n = {mem['n']}, d = {mem['d']}, β = {mem['beta']}: {mem['peak_rss_mb']:.0f} MB "
                   f"(of which {mem['inputs_rss_mb']:.0f} MB before the call: Python, torch, inputs); {mem['seconds']:.1f} s.")
    if "sp_workload" in results:
        sp = results["sp_workload"]
        out.append(f"SZT-shaped SP estimate (m = {sp['m']}, R = {sp['R']}, d = {sp['d']}, β = {sp['beta']}, n_mc = 1): "
                   f"{sp['seconds']:.1f} s; I = {sp['mi']:.3f} ± {sp['mi_std']:.3f} nats.")
    if "ensemble" in results:
        out += ["", "| N | β | N sequential runs s | one ensemble s | speed-up | ensemble ms/step | sequential ms/step/network |",
                "|---:|---:|---:|---:|---:|---:|---:|"]
        for r in results["ensemble"]:
            out.append(f"| {r['N']} | {r['beta']:g} | {r['sequential_s']:.2f} | {r['ensemble_s']:.2f} | {r['speedup']:.1f}× | "
                       f"{r['ensemble_ms_per_step']:.2f} | {r['sequential_ms_per_network_step']:.2f} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.json")
    print(to_markdown(json.loads(path.read_text())))
