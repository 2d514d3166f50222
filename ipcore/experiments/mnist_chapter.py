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
    """The :class:`~ipcore.experiments.mnist.MNISTConfig` of ``profile`` with ``overrides`` (validated by MNISTConfig).

    Parameters
    ----------
    profile : str
        ``"smoke"`` (2 000 training images, 4 epochs, 300 measured images) or ``"paper"`` (every training
        image, 20 epochs, 1 000 measured images), see :data:`~ipcore.experiments.mnist_chapter.PROFILES`.
    **overrides
        Fields of :class:`ipcore.experiments.mnist.MNISTConfig` (``variant``, ``beta``,
        ``seed``, …).

    Returns
    -------
    ipcore.experiments.mnist.MNISTConfig
        The run's parameters.

    Raises
    ------
    ValueError
        If ``profile`` is unknown or a field is out of range (naming it).

    Examples
    --------
    >>> config = chapter_config("smoke")
    >>> config.variant, config.epochs, config.n_train, config.n_record
    ('deterministic', 4, 2000, 300)
    >>> chapter_config("smoke", variant="noisy", beta=0.2).beta
    0.2
    >>> chapter_config("smoke", variant="dropout", dropout=1.5)
    Traceback (most recent call last):
    ...
    ValueError: dropout: must be in (0, 1) for the dropout variant, got 1.5
    """
    settings = chapter_settings(__name__, profile)
    del settings["betas"]
    return MNISTConfig(**{**settings, **overrides})


def run_all(configs: Mapping[Any, MNISTConfig], *, device: str | None = None, data_path: str | None = None,
            progress: bool = True) -> dict[Any, MNISTRun]:
    """Run (or load from the cache) every config, with an overall progress bar.

    Parameters
    ----------
    configs : mapping of key to MNISTConfig
        The runs, keyed as the caller likes.
    device : str, optional
        ``"cpu"``, ``"cuda"`` or None (CUDA when available).
    data_path : str, optional
        Folder holding the MNIST files.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    dict of key to MNISTRun
        The runs of :func:`ipcore.experiments.mnist.run_mnist`, under the same keys.
    """
    bar = progress_bar(configs.items(), enabled=progress, total=len(configs), desc="MNIST runs")
    return {key: run_mnist(c, device=device, data_path=data_path, progress=progress) for key, c in bar}


def error_table(runs: Mapping[str, MNISTRun]) -> pd.DataFrame:
    """Final train and validation error (%) per network, with its noise or dropout setting.

    Parameters
    ----------
    runs : mapping of str to MNISTRun
        The runs, keyed by the network's name.

    Returns
    -------
    pandas.DataFrame
        Indexed by network: setting (β or the dropout p), train error %, validation error %.

    Examples
    --------
    A made-up noisy run of 2 logged epochs, 4 histogram bins and 20 measured images:

    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> print(error_table({"noisy": run}).to_string())
             setting  train error %  validation error %
    network
    noisy    β = 0.1            5.0                 8.0
    """
    rows = []
    for name, run in runs.items():
        c = run.config
        setting = {"noisy": f"β = {c.beta:g}", "dropout": f"p = {c.dropout:g}"}.get(c.variant, "")
        rows.append({"network": name, "setting": setting,
                     "train error %": 100 * run.metrics["train_error"][-1],
                     "validation error %": 100 * run.metrics["val_error"][-1]})
    return pd.DataFrame(rows).set_index("network")


def gap_table(runs: Mapping[str, MNISTRun]) -> pd.DataFrame:
    """Long table: network, epoch, layer, within, across (mean cosine similarities), gap.

    Parameters
    ----------
    runs : mapping of str to MNISTRun
        The runs, keyed by the network's name.

    Returns
    -------
    pandas.DataFrame
        One row per network, logged epoch and layer; ``gap`` = within − across.

    Examples
    --------
    A made-up noisy run of 2 logged epochs, 4 histogram bins and 20 measured images:

    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> table = gap_table({"noisy": run})
    >>> len(table), round(float(table.gap.iloc[0]), 3)
    (6, 0.2)
    """
    frames = []
    for name, run in runs.items():
        for i, layer in enumerate(LAYER_NAMES):
            frames.append(pd.DataFrame({"network": name, "epoch": run.epochs, "layer": layer,
                                        "within": run.within_mean[:, i], "across": run.across_mean[:, i],
                                        "gap": run.gap[:, i]}))
    return pd.concat(frames, ignore_index=True)


def shown_epochs(run: MNISTRun, n: int = 3) -> list[int]:
    """Indices of ``n`` logged epochs spread over the run (first and last included).

    Parameters
    ----------
    run : MNISTRun
        The run.
    n : int, default 3
        How many epochs (fewer when the run logged fewer).

    Returns
    -------
    list of int
        Indices into ``run.epochs``, increasing.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> shown_epochs(run), shown_epochs(run, 2)
    ([0, 1], [0, 1])
    """
    return sorted({int(round(i)) for i in np.linspace(0, len(run.epochs) - 1, n)})


def histogram_slider_figure(runs: Mapping[float, MNISTRun], *, active: float, height: int = 640) -> go.Figure:
    """β slider (β = 0: deterministic): per layer (rows) and epoch (columns), the histograms
    of cosine similarity of same-class (blue) and different-class (orange) pairs.

    Parameters
    ----------
    runs : mapping of float to MNISTRun
        Runs keyed by β, the deterministic one under 0.
    active : float
        The β shown first, a key of ``runs``.
    height : int, default 640
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        A grid of layers by epochs (:func:`ipcore.experiments.mnist_chapter.shown_epochs` of
        the first run) and a slider.

    Examples
    --------
    A made-up noisy run of 2 logged epochs, 4 histogram bins and 20 measured images:

    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> fig = histogram_slider_figure({0.0: run, 0.1: run}, active=0.1)
    >>> fig.layout.title.text
    'Cosine similarity of MNIST representations, noisy network, β = 0.1'
    """
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
    """The same histograms as a static grid (layers × epochs) for one network.

    Parameters
    ----------
    run : MNISTRun
        The run.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per layer and shown epoch.

    Examples
    --------
    A made-up noisy run of 2 logged epochs, 4 histogram bins and 20 measured images:

    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> import matplotlib.pyplot as plt
    >>> fig = histogram_grid(run, "noisy network")
    >>> len(fig.axes), fig.axes[0].get_title()
    (6, 'conv 1, epoch 0')
    >>> plt.close(fig)
    """
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

    Parameters
    ----------
    profile : str
        The profile of :func:`ipcore.experiments.mnist_chapter.chapter_config`.
    beta : float
        The slider's starting β (log slider on [1e-2, 1]); the value is rounded to 4
        significant digits, which is the run's cache key.
    device : str, optional
        ``"cpu"``, ``"cuda"`` or None.
    data_path : str, optional
        Folder holding the MNIST files.
    **overrides
        Other fields of :class:`ipcore.experiments.mnist.MNISTConfig`.

    Returns
    -------
    ipywidgets.Widget
        The control (:func:`ipcore.plotting.live_control`).
    """
    def draw(beta: float) -> plt.Figure:
        beta = float(f"{beta:.4g}")  # the slider's value, rounded, is the cache key
        config = chapter_config(profile, variant="noisy", beta=beta, **overrides)
        run = run_mnist(config, device=device, data_path=data_path)
        return histogram_grid(run, f"noisy network, β = {beta:g} ({profile} profile)")

    return live_control(draw, {"beta": log_slider(beta, low=1e-2, high=1.0)}, button="Train and show")


def gap_figure(table: pd.DataFrame) -> plt.Figure:
    """Within-class minus across-class mean cosine similarity over epochs, per layer and network.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`ipcore.experiments.mnist_chapter.gap_table`.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per layer (seaborn's ``relplot``), one line per network.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> import matplotlib.pyplot as plt
    >>> fig = gap_figure(gap_table({"noisy": run}))
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    import seaborn as sns

    grid = sns.relplot(data=table, x="epoch", y="gap", hue="network", col="layer", kind="line", marker="o",
                       height=2.8, aspect=1.1, palette="viridis")
    grid.set_axis_labels("epoch", "within − across cosine similarity")
    return grid.figure


def information_figure(run: MNISTRun) -> plt.Figure:
    """I(X;T) of the dense layer over epochs (noisy network), ± 2 SE, with ln n for reference.

    n is the number of measured images: X is uniform on them, so I(X;T) ≤ ln n.

    Parameters
    ----------
    run : MNISTRun
        A noisy run.

    Returns
    -------
    matplotlib.figure.Figure
        One panel.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.experiments.mnist import MNISTConfig, MNISTRun
    >>> run = MNISTRun(MNISTConfig(variant="noisy", beta=0.1), epochs=np.arange(2),
    ...                metrics={"train_error": np.array([0.9, 0.05]), "val_error": np.array([0.9, 0.08])},
    ...                edges=np.linspace(-1, 1, 5), within=np.full((2, 3, 4), 0.25), across=np.full((2, 3, 4), 0.25),
    ...                within_mean=np.full((2, 3), 0.6), across_mean=np.full((2, 3), 0.4),
    ...                mi=np.array([2.0, 2.4]), mi_std=np.full(2, 0.05), labels=np.arange(20) % 10)
    >>> import matplotlib.pyplot as plt
    >>> fig = information_figure(run)
    >>> fig.axes[0].get_ylabel()
    'I(X; T_dense) [nats]'
    >>> plt.close(fig)
    """
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

