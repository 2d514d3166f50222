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
    if "knn_vs_sklearn" in results:
        out += knn_tables(results["knn_vs_sklearn"])
    if "conditional_entropies" in results:
        out += ["", "| d | float64 draws and kernel s | float32 s | speed-up | float32 kernel used | its error bound, nats | "
                "h(T|X) before | after | difference / SE | float32 kernel's error / SE |",
                "|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---:|"]
        for r in results["conditional_entropies"]:
            out.append(f"| {r['d']} | {r['float64_s']:.3f} | {r['float32_s']:.3f} | {r['speedup']:.2f}× | "
                       f"{'yes' if r['float32_used'] else 'no'} | {r['bound_nats']:.1e} | {r['h_before']:.4f} | "
                       f"{r['h_after']:.4f} | {r['difference_in_se']:.2f} | {r['kernel_error_in_se']:.1e} |")
    if "beta_grid" in results:
        g = results["beta_grid"]
        out.append(f"\nFive β, {g['steps']} steps: five single networks {g['singles_s']:.2f} s "
                   f"({g['singles_ms_per_step']:.2f} ms per step of all five), one ensemble {g['ensemble_s']:.2f} s "
                   f"({g['ensemble_ms_per_step']:.2f} ms per step): {g['speedup']:.1f}×.")
    if "mine_batch" in results:
        g = results["mine_batch"]
        out.append(f"\n{g['critics']} MINE critics, {g['steps']} steps, {g['threads']} threads: one after another "
                   f"{g['singles_s']:.1f} s ({g['singles_ms_per_critic_step']:.2f} ms per critic and step), one batch "
                   f"{g['batch_s']:.1f} s ({g['batch_ms_per_critic_step']:.2f} ms): {g['speedup']:.2f}×; estimates apart "
                   f"by at most {g['largest_difference_in_se']:.2g} SE.")
    return "\n".join(out) + "\n"


def knn_tables(rows: list[dict]) -> list[str]:
    """Times (ours over scikit-learn's mutual_info_regression) and estimates against the truth."""
    def one_core(r: dict, key: str) -> str:
        return f"{r[key]:.3f}" if key in r else "—"

    first = rows[0] if rows else {"n": "?"}
    out = ["", f"kNN estimators, n = {first['n']}, d_y = 1; seconds, best of 3; ratio = ours / scikit-learn (below 1: ours faster):", "",
           "| I nats | d_x | sklearn s | ours KSG s | ratio | ours kNN-MI s | ratio | ours KSG, 1 core s | ours kNN-MI, 1 core s "
           "| ours KSG column by column s | ratio | ours kNN entropy of X s |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['mi']:g} | {r['d_x']} | {r['sklearn_s']:.3f} | {r['ours_ksg_s']:.3f} | {r['ratio_ksg']:.2f} | "
                   f"{r['ours_knn_s']:.3f} | {r['ratio_knn']:.2f} | {one_core(r, 'ours_ksg_1core_s')} | "
                   f"{one_core(r, 'ours_knn_1core_s')} | {r['ours_ksg_by_column_s']:.3f} | {r['ratio_ksg_by_column']:.2f} | "
                   f"{r['ours_entropy_s']:.3f} |")
    out += ["", "Estimates (nats; error = estimate − truth): ours of the joint I(X;Y); scikit-learn's of each I(X_j;Y):", "",
            "| I nats | d_x | ours KSG Î ± se (error) | ours kNN-MI Î ± se (error) | sklearn Î (d_x = 1) (error) "
            "| per column, max abs error: sklearn | per column: ours KSG | ours kNN ĥ(X) error |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        sk = f"{r['sklearn_mi'][0]:.3f} ({r['sklearn_mi'][0] - r['mi']:+.3f})" if r["d_x"] == 1 else "—"
        sk_col = f"{r['sklearn_column_max_err']:.3f}" if "sklearn_column_max_err" in r else "—"
        ours_col = f"{r['ours_by_column_max_err']:.3f}" if "ours_by_column_max_err" in r else "—"
        out.append(f"| {r['mi']:g} | {r['d_x']} | {r['ours_ksg_mi']:.3f} ± {r['ours_ksg_se']:.3f} ({r['ours_ksg_mi'] - r['mi']:+.3f}) | "
                   f"{r['ours_knn_mi']:.3f} ± {r['ours_knn_se']:.3f} ({r['ours_knn_mi'] - r['mi']:+.3f}) | {sk} | {sk_col} | "
                   f"{ours_col} | {r['ours_entropy'] - r['entropy_x']:+.3f} |")
    return out


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.json")
    print(to_markdown(json.loads(path.read_text())))
