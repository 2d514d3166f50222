"""Profiles, tables and figures of the MNIST chapter, built from (cached) MNIST runs."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ipcore.config import progress_bar
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_profile  # noqa: F401 (the chapter checks its profile through ch.check_profile)
from ipcore.experiments.mnist import LAYER_NAMES, MNISTConfig, MNISTRun, run_mnist
from ipcore.plotting import beta_slider_figure, live_control, log_slider

#: Run parameters per profile, and ``betas``: the β of the noisy networks behind the histogram
#: slider (β = 0 is the deterministic network). ``smoke`` (CI): 2 000 training images, 4 epochs,
#: 300 measured images. ``paper``: every training image found, 20 epochs, 1 000 measured images.
PROFILES = register_profiles(__name__, {
    "smoke": {"epochs": 4, "n_train": 2000, "n_record": 300, "replicas": 10, "lr": 3e-3, "betas": (0.05, 0.1, 0.2)},
    "paper": {"epochs": 20, "n_train": None, "n_record": 1000, "replicas": 20, "lr": 1e-3,
              "betas": (0.05, 0.1, 0.2, 0.4)},
})
#: The slider grid of each profile (a view of ``PROFILES``).
BETA_GRID: dict[str, tuple[float, ...]] = {profile: settings["betas"] for profile, settings in PROFILES.items()}
WITHIN, ACROSS = "#3b528b", "#e8743b"



def chapter_config(profile: str, **overrides: Any) -> MNISTConfig:
    """The :class:`MNISTConfig` of ``profile`` with ``overrides`` (validated by MNISTConfig)."""
    settings = chapter_settings(__name__, profile)
    del settings["betas"]
    return MNISTConfig(**{**settings, **overrides})


def run_all(configs: Mapping[Any, MNISTConfig], *, device: str | None = None, data_path: str | None = None,
            progress: bool = True) -> dict[Any, MNISTRun]:
    """Run (or load from the cache) every config, with an overall progress bar."""
    bar = progress_bar(configs.items(), enabled=progress, total=len(configs), desc="MNIST runs")
    return {key: run_mnist(c, device=device, data_path=data_path, progress=progress) for key, c in bar}


def error_table(runs: Mapping[str, MNISTRun]) -> pd.DataFrame:
    """Final train and validation error (%) per network, with its noise or dropout setting."""
    rows = []
    for name, run in runs.items():
        c = run.config
        setting = {"noisy": f"β = {c.beta:g}", "dropout": f"p = {c.dropout:g}"}.get(c.variant, "")
        rows.append({"network": name, "setting": setting,
                     "train error %": 100 * run.metrics["train_error"][-1],
                     "validation error %": 100 * run.metrics["val_error"][-1]})
    return pd.DataFrame(rows).set_index("network")


def gap_table(runs: Mapping[str, MNISTRun]) -> pd.DataFrame:
    """Long table: network, epoch, layer, within, across (mean cosine similarities), gap."""
    frames = []
    for name, run in runs.items():
        for i, layer in enumerate(LAYER_NAMES):
            frames.append(pd.DataFrame({"network": name, "epoch": run.epochs, "layer": layer,
                                        "within": run.within_mean[:, i], "across": run.across_mean[:, i],
                                        "gap": run.gap[:, i]}))
    return pd.concat(frames, ignore_index=True)


def shown_epochs(run: MNISTRun, n: int = 3) -> list[int]:
    """Indices of ``n`` logged epochs spread over the run (first and last included)."""
    return sorted({int(round(i)) for i in np.linspace(0, len(run.epochs) - 1, n)})


def histogram_slider_figure(runs: Mapping[float, MNISTRun], *, active: float, height: int = 640) -> go.Figure:
    """β slider (β = 0: deterministic): per layer (rows) and epoch (columns), the histograms
    of cosine similarity of same-class (blue) and different-class (orange) pairs."""
    betas = sorted(runs)
    first = runs[betas[0]]
    cols = shown_epochs(first)
    centers = 0.5 * (first.edges[1:] + first.edges[:-1])
    width = float(first.edges[1] - first.edges[0])

    def traces(beta: float):
        run = runs[beta]
        for r, _ in enumerate(LAYER_NAMES, start=1):
            for c, e in enumerate(cols, start=1):
                for name, data, colour in (("same class", run.within, WITHIN), ("different classes", run.across, ACROSS)):
                    yield go.Bar(x=centers, y=data[e, r - 1], width=width, name=name, legendgroup=name,
                                 showlegend=r == 1 and c == 1, marker={"color": colour}, opacity=0.6), r, c

    titles = [f"{layer}, epoch {int(first.epochs[e])}" for layer in LAYER_NAMES for e in cols]
    fig = beta_slider_figure(
        betas, traces, rows=len(LAYER_NAMES), cols=len(cols), subplot_titles=titles, active=betas.index(active),
        title=lambda b: "Cosine similarity of MNIST representations, " + (
            "deterministic network (β = 0)" if b == 0 else f"noisy network, β = {b:g}"),
        height=height, vertical_spacing=0.09, horizontal_spacing=0.05,
    )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(range=[-1, 1])
    fig.update_xaxes(title_text="cosine similarity", row=len(LAYER_NAMES))
    return fig


def histogram_grid(run: MNISTRun, title: str) -> plt.Figure:
    """The same histograms as a static grid (layers × epochs) for one network."""
    cols = shown_epochs(run)
    fig, axes = plt.subplots(len(LAYER_NAMES), len(cols), figsize=(3.0 * len(cols), 2.1 * len(LAYER_NAMES)),
                             sharex=True, squeeze=False)
    centers = 0.5 * (run.edges[1:] + run.edges[:-1])
    for r, layer in enumerate(LAYER_NAMES):
        for c, e in enumerate(cols):
            ax = axes[r, c]
            ax.fill_between(centers, run.within[e, r], step="mid", alpha=0.5, color=WITHIN, label="same class")
            ax.fill_between(centers, run.across[e, r], step="mid", alpha=0.5, color=ACROSS, label="different classes")
            ax.set_title(f"{layer}, epoch {int(run.epochs[e])}", fontsize=9)
            ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("cosine similarity")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def live_histograms(profile: str, *, beta: float, device: str | None = None, data_path: str | None = None,
                    **overrides: Any):
    """Live control (needs a kernel): the noisy CNN's cosine-similarity histograms for any β, trained on click.

    ``overrides`` (seed, say) are the chapter's other parameters; a run at a β
    already trained (the slider grid's) loads from the cache.
    """
    def draw(beta: float) -> plt.Figure:
        beta = float(f"{beta:.4g}")  # the slider's value, rounded, is the cache key
        config = chapter_config(profile, variant="noisy", beta=beta, **overrides)
        run = run_mnist(config, device=device, data_path=data_path)
        return histogram_grid(run, f"noisy network, β = {beta:g} ({profile} profile)")

    return live_control(draw, {"beta": log_slider(beta, low=1e-2, high=1.0)}, button="Train and show")


def gap_figure(table: pd.DataFrame) -> plt.Figure:
    """Within-class minus across-class mean cosine similarity over epochs, per layer and network."""
    import seaborn as sns

    grid = sns.relplot(data=table, x="epoch", y="gap", hue="network", col="layer", kind="line", marker="o",
                       height=2.8, aspect=1.1, palette="viridis")
    grid.set_axis_labels("epoch", "within − across cosine similarity")
    return grid.figure


def information_figure(run: MNISTRun) -> plt.Figure:
    """I(X;T) of the dense layer over epochs (noisy network), ± 2 SE, with ln n for reference."""
    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    ax.errorbar(run.epochs, run.mi, yerr=2 * run.mi_std, marker="o", ms=3, capsize=2, color="#21918c",
                label=f"SP estimate, β = {run.config.beta:g}")
    ax.axhline(np.log(len(run.labels)), color="0.4", ls="--", lw=1)
    ax.annotate(f"ln n = ln {len(run.labels)}", (1.0, np.log(len(run.labels))), xycoords=("axes fraction", "data"),
                ha="right", va="bottom", fontsize=8)
    ax.set_xlabel("epoch")
    ax.set_ylabel("I(X; T_dense) [nats]")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig

