"""Plotting helpers: Plotly figures with precomputed β sliders, seaborn panels.

Static book pages have no kernel, so every β-dependent figure is a Plotly
figure whose slider switches between traces precomputed on a β grid.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import seaborn as sns
from plotly.basedatatypes import BaseTraceType
from plotly.subplots import make_subplots

#: A trace placed in a subplot: (trace, row, col).
PlacedTrace = tuple[BaseTraceType, int, int]


def beta_slider_figure(
    betas: Sequence[float] | Sequence[str],
    traces_for_beta: Callable[[Any], Iterable[PlacedTrace]],
    *,
    rows: int = 1,
    cols: int = 1,
    subplot_titles: Sequence[str] | None = None,
    static_traces: Iterable[PlacedTrace] = (),
    active: int = 0,
    title: Callable[[Any], str] = lambda b: f"β = {b:g}",
    label: str = "β",
    height: int = 450,
    **subplot_kwargs,
) -> go.Figure:
    """A figure whose slider shows, for each β of ``betas``, the traces ``traces_for_beta(β)``.

    All traces are precomputed; a slider step only toggles their visibility
    and sets ``title.text`` (setting ``title`` itself would drop the title's
    styling). ``static_traces`` stay visible at every step. ``label`` names
    the slider's quantity (β by default; e.g. a bin width); its values may also
    be names (strings, e.g. activations), shown as they are.
    """
    if len(betas) == 0:
        raise ValueError("betas: give at least one β for the slider")
    if not 0 <= active < len(betas):
        raise ValueError(f"active: must index betas (0..{len(betas) - 1}), got {active}")
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=subplot_titles, **subplot_kwargs)
    owner: list[int] = []  # index of the β each trace belongs to; −1 for static ones
    for trace, r, c in static_traces:
        fig.add_trace(trace, row=r, col=c)
        owner.append(-1)
    for i, beta in enumerate(betas):
        for trace, r, c in traces_for_beta(beta):
            trace.visible = i == active
            fig.add_trace(trace, row=r, col=c)
            owner.append(i)
    owner_arr = np.array(owner)
    steps = [
        {
            "method": "update",
            "label": beta if isinstance(beta, str) else f"{beta:g}",
            "args": [{"visible": ((owner_arr == i) | (owner_arr == -1)).tolist()}, {"title.text": title(beta)}],
        }
        for i, beta in enumerate(betas)
    ]
    fig.update_layout(
        title={"text": title(betas[active])},
        sliders=[{"active": active, "currentvalue": {"prefix": f"{label} = "}, "pad": {"t": 40}, "steps": steps}],
        height=height,
        template="plotly_white",
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
    )
    return fig


def show_figure(fig: go.Figure) -> None:
    """Display a Plotly figure so that it renders in the built book and in Jupyter.

    In a book build the output is an HTML ``<div>`` without the plotly.js
    library, which every page loads once from the book's own ``_static``
    folder (no CDN). Elsewhere (JupyterLab, papermill outputs) Plotly's own
    renderer is used.
    """
    import os

    from IPython.display import HTML, display

    from ipcore.config import PROFILE_ENV

    if os.environ.get(PROFILE_ENV):
        display(HTML(fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True})))
    else:
        fig.show()


def information_lines(
    table: pd.DataFrame,
    *,
    x: str = "epoch",
    y: str = "mi",
    hue: str = "beta",
    references: dict[str, float] | None = None,
    ax: plt.Axes | None = None,
    logx: bool = True,
) -> plt.Axes:
    """Seaborn line plot of an information curve per ``hue`` value, with horizontal reference lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.8))
    data = table.copy()
    if logx:
        data = data[data[x] > 0]
    sns.lineplot(data=data, x=x, y=y, hue=hue, palette="viridis", marker="o", markersize=3, ax=ax, legend="full")
    for label, value in (references or {}).items():
        ax.axhline(value, color="0.4", ls="--", lw=1)
        ax.annotate(label, (1.0, value), xycoords=("axes fraction", "data"), ha="right", va="bottom", fontsize=8)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel("I(X;T) [nats]" if y == "mi" else y)
    return ax


def information_plane(table: pd.DataFrame, *, layers: Sequence[str] | None = None, ax: plt.Axes | None = None,
                      x: str = "mi_x", y: str = "mi_y") -> plt.Figure:
    """The information plane of a tidy table (columns layer, epoch, ``x``, ``y``): one line per
    layer through its epochs, the points coloured by epoch (log scale), nats on both axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.4))
    order = list(layers) if layers is not None else list(dict.fromkeys(table["layer"]))
    epochs = table["epoch"].to_numpy(dtype=float)
    norm = plt.matplotlib.colors.LogNorm(vmin=max(1.0, epochs.min() + 1), vmax=epochs.max() + 1)
    for i, layer in enumerate(order):
        part = table[table["layer"] == layer].sort_values("epoch")
        ax.plot(part[x], part[y], color=plt.cm.tab10(i % 10), lw=1, alpha=0.6, label=layer)
        points = ax.scatter(part[x], part[y], c=part["epoch"] + 1, cmap="viridis", norm=norm, s=18, zorder=3)
    ax.figure.colorbar(points, ax=ax, label="epoch + 1")
    ax.set_xlabel("I(X;T) [nats]")
    ax.set_ylabel("I(T;Y) [nats]")
    ax.legend(frameon=False, fontsize=8)
    return ax.figure


def information_plane_slider(tables: Mapping[str, pd.DataFrame], *, label: str = "model",
                             x: str = "mi_x", y: str = "mi_y", height: int = 480) -> go.Figure:
    """Interactive information planes of several tidy tables (columns layer, epoch, ``x``, ``y``,
    in nats), a slider over the keys of ``tables``: a line per layer through its epochs, the
    points coloured by epoch (hover for the values). Axes fixed across the slider."""
    if not tables:
        raise ValueError("tables: give at least one table")
    everything = pd.concat(list(tables.values()))
    x_max, y_max = float(everything[x].max()) * 1.05, float(everything[y].max()) * 1.08
    cmax = float(np.log10(everything["epoch"].max() + 1)) or 1.0

    def traces(name: str):
        table = tables[name]
        for i, layer in enumerate(dict.fromkeys(table["layer"])):
            part = table[table["layer"] == layer].sort_values("epoch")
            yield go.Scatter(
                x=part[x], y=part[y], mode="lines+markers", name=f"layer {layer}",
                line={"color": f"rgba(80,80,80,{0.3 + 0.5 * i / max(1, table['layer'].nunique() - 1):.2f})"},
                marker={"size": 8, "color": np.log10(part["epoch"] + 1), "colorscale": "Viridis", "cmin": 0,
                        "cmax": cmax, "colorbar": {"title": "log₁₀(epoch + 1)"} if i == 0 else None},
                hovertemplate=f"layer {layer}<br>epoch %{{text}}<br>I(X;T) = %{{x:.3f}}<br>I(T;Y) = %{{y:.3f}}<extra></extra>",
                text=part["epoch"].astype(str)), 1, 1

    fig = beta_slider_figure(list(tables), traces, label=label, title=lambda k: f"information plane: {k}",
                             height=height)
    fig.update_xaxes(title_text="I(X;T) [nats]", range=[0, x_max])
    fig.update_yaxes(title_text="I(T;Y) [nats]", range=[0, y_max])
    return fig


def thumbnail(fig, *, close: bool = False) -> None:
    """Offer ``fig`` (a Matplotlib figure) as this chapter's thumbnail on the book's landing page.

    Stored with myst-nb's ``glue`` under the key ``thumbnail`` without being
    displayed again; ``close=True`` also keeps a figure made only for the
    thumbnail off the page. A no-op where myst-nb is not installed.
    """
    try:
        from myst_nb import glue
    except ImportError:  # the book extra is not installed: nothing reads thumbnails
        glue = None
    if glue is not None:
        glue("thumbnail", fig, display=False)
    if close:
        plt.close(fig)


def log_slider(value: float, *, low: float, high: float, description: str = "β", per_decade: int = 20):
    """An ipywidgets log-scale slider from ``low`` to ``high`` whose grid passes through ``value``.

    A FloatLogSlider snaps to ``min + k·step`` in log10; anchoring the grid at
    ``value`` keeps the chapter's β exact (0.005, not 0.005012) until the reader moves it.
    """
    import ipywidgets as widgets

    step = 1.0 / per_decade
    center = math.log10(value)
    lo = center - step * math.floor((center - math.log10(low)) / step + 1e-9)
    hi = center + step * math.floor((math.log10(high) - center) / step + 1e-9)
    return widgets.FloatLogSlider(value=value, base=10, min=lo, max=hi, step=step, description=description,
                                  readout_format=".4")  # d3-format, no type: trailing zeros trimmed


def live_control(
    draw: Callable[..., plt.Figure],
    controls: Mapping[str, Any],
    *,
    button: str | None = None,
):
    """An ipywidgets control for a live kernel: ``draw(**values)`` redrawn from the controls.

    ``controls`` maps ``draw``'s keyword names to ipywidgets value widgets;
    the figure ``draw`` returns (matplotlib) is shown below them. Cheap work
    redraws on every change; with ``button`` (its label), work that trains a
    network runs only when the button is clicked. An error of ``draw`` (a
    ``ValueError`` for a bad value, say) is printed in the output, in one line,
    and the control stays usable. The first figure is drawn at once, so a
    saved notebook (and the static book) shows the control in that state.
    """
    import ipywidgets as widgets
    from IPython.display import display

    out = widgets.Output()

    def redraw(*_) -> None:
        values = {name: widget.value for name, widget in controls.items()}
        with out:
            out.clear_output(wait=True)
            try:
                fig = draw(**values)
            except ValueError as exc:
                print(f"ValueError: {exc}")
                return
            display(fig)
            plt.close(fig)

    row: list = list(controls.values())
    if button is None:
        for widget in controls.values():
            widget.observe(redraw, names="value")
    else:
        run = widgets.Button(description=button, button_style="primary", icon="play", layout={"width": "auto"})
        run.on_click(redraw)
        row.append(run)
    redraw()
    return widgets.VBox([widgets.HBox(row), out])
