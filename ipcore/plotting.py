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

    Parameters
    ----------
    betas : sequence of float or sequence of str
        The slider's values, one step each, in order.
    traces_for_beta : callable
        ``traces_for_beta(value)`` returns the (trace, row, col) triples of that step.
    rows, cols : int, default 1
        The grid of subplots.
    subplot_titles : sequence of str, optional
        One title per subplot.
    static_traces : iterable of (trace, row, col), default ()
        Traces shown at every step (references, data).
    active : int, default 0
        Index of the step shown first.
    title : callable, default ``lambda b: f"β = {b:g}"``
        The figure's title at each step.
    label : str, default "β"
        The quantity the slider sets, shown before its current value.
    height : int, default 450
        The figure's height in pixels.
    **subplot_kwargs
        Passed to :func:`plotly.subplots.make_subplots` (``shared_yaxes`` …).

    Returns
    -------
    plotly.graph_objects.Figure
        The figure, the traces of step ``active`` visible.

    Raises
    ------
    ValueError
        If ``betas`` is empty or ``active`` does not index it.

    Examples
    --------
    >>> import numpy as np
    >>> import plotly.graph_objects as go
    >>> u = np.linspace(-1.0, 1.0, 5)
    >>> def density(beta):
    ...     return [(go.Scatter(x=u, y=np.exp(-u**2 / (2 * beta**2)), name=f"β = {beta:g}"), 1, 1)]
    >>> fig = beta_slider_figure([0.1, 1.0], density)
    >>> len(fig.data), [trace.visible for trace in fig.data], fig.layout.title.text
    (2, [True, False], 'β = 0.1')
    >>> [step.label for step in fig.layout.sliders[0].steps]
    ['0.1', '1']
    >>> beta_slider_figure([], density)
    Traceback (most recent call last):
    ...
    ValueError: betas: give at least one β for the slider
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

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure.

    Returns
    -------
    None
        The figure is displayed (in a book build, when ``$IPCORE_BOOK_PROFILE`` is
        set, as an :class:`IPython.display.HTML` object).

    Examples
    --------
    As in a book build (outside a notebook, the display shows the object's repr):

    >>> import os
    >>> from unittest import mock
    >>> import plotly.graph_objects as go
    >>> with mock.patch.dict(os.environ, {"IPCORE_BOOK_PROFILE": "smoke"}):
    ...     show_figure(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    <IPython.core.display.HTML object>
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
    """Seaborn line plot of an information curve per ``hue`` value, with horizontal reference lines.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy table with columns ``x``, ``y`` and ``hue``.
    x : str, default "epoch"
        The column on the horizontal axis.
    y : str, default "mi"
        The column on the vertical axis (``"mi"``: labelled I(X;T) in nats).
    hue : str, default "beta"
        The column whose values get one line each (viridis colours).
    references : dict of str to float, optional
        Label → value of dashed horizontal reference lines (e.g. ``{"ln 2": 0.693}``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 6.4 × 3.8 inch figure by default.
    logx : bool, default True
        A logarithmic horizontal axis (rows with ``x`` ≤ 0 are left out).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> table = pd.DataFrame({"epoch": [1, 10, 100] * 2, "mi": [0.1, 0.5, 0.9, 0.2, 0.6, 1.0],
    ...                       "beta": [0.1] * 3 + [0.2] * 3})
    >>> ax = information_lines(table, references={"ln 2": 0.693})
    >>> ax.get_ylabel(), ax.get_xscale(), [text.get_text() for text in ax.get_legend().get_texts()]
    ('I(X;T) [nats]', 'log', ['0.1', '0.2'])
    >>> plt.close(ax.figure)
    """
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
    layer through its epochs, the points coloured by epoch (log scale), nats on both axes.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``layer``, ``epoch``, ``x`` (I(X;T)) and ``y`` (I(T;Y)), in nats.
    layers : sequence of str, optional
        The layers to draw, in this order; all, in order of appearance, by default.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 6 × 4.4 inch figure by default.
    x, y : str, default "mi_x", "mi_y"
        The columns of I(X;T) and I(T;Y).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, with its colour bar of epoch + 1.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> table = pd.DataFrame({"layer": ["1"] * 3 + ["2"] * 3, "epoch": [0, 10, 100] * 2,
    ...                       "mi_x": [1.0, 2.0, 2.5, 0.5, 1.0, 1.2], "mi_y": [0.1, 0.5, 0.6, 0.1, 0.4, 0.5]})
    >>> fig = information_plane(table)
    >>> len(fig.axes), fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()  # the plane and its colour bar
    (2, 'I(X;T) [nats]', 'I(T;Y) [nats]')
    >>> plt.close(fig)
    """
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
    points coloured by epoch (hover for the values). Axes fixed across the slider.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        One table per slider step, columns ``layer``, ``epoch``, ``x`` and ``y``.
    label : str, default "model"
        What the slider chooses, shown before its current value.
    x, y : str, default "mi_x", "mi_y"
        The columns of I(X;T) and I(T;Y).
    height : int, default 480
        The figure's height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure, the first table's traces visible.

    Raises
    ------
    ValueError
        If ``tables`` is empty.

    See Also
    --------
    :func:`ipcore.plotting.beta_slider_figure` : The slider figure it builds on.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"layer": ["1"] * 3 + ["2"] * 3, "epoch": [0, 10, 100] * 2,
    ...                       "mi_x": [1.0, 2.0, 2.5, 0.5, 1.0, 1.2], "mi_y": [0.1, 0.5, 0.6, 0.1, 0.4, 0.5]})
    >>> fig = information_plane_slider({"tanh": table, "relu": table}, label="activation")
    >>> len(fig.data), [step.label for step in fig.layout.sliders[0].steps], fig.layout.title.text
    (4, ['tanh', 'relu'], 'information plane: tanh')
    >>> fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
    ('I(X;T) [nats]', 'I(T;Y) [nats]')
    """
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

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    close : bool, default False
        Whether to close the figure afterwards, so that it is not shown on the page.

    Returns
    -------
    None

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> thumbnail(fig, close=True)
    >>> plt.fignum_exists(fig.number)
    False
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

    Parameters
    ----------
    value : float
        The initial value, > 0; one of the grid's values.
    low, high : float
        The range, > 0; the slider's ends are the grid values just inside it.
    description : str, default "β"
        The slider's label.
    per_decade : int, default 20
        Grid values per factor of 10.

    Returns
    -------
    ipywidgets.FloatLogSlider
        The slider (base 10; ``min``, ``max`` and ``step`` in log10).

    Examples
    --------
    >>> slider = log_slider(0.005, low=1e-3, high=1.0)
    >>> slider.value, slider.description, slider.step
    (0.005, 'β', 0.05)
    >>> round(10 ** slider.min, 5), round(10 ** slider.max, 4)  # grid values inside [low, high]
    (0.00112, 0.9976)
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

    Parameters
    ----------
    draw : callable
        ``draw(**values)`` returns a Matplotlib figure (closed after it is shown).
    controls : mapping of str to ipywidgets widget
        ``draw``'s keyword names → value widgets (sliders, dropdowns …).
    button : str, optional
        A button's label: redraw only when it is clicked, not on every change.

    Returns
    -------
    ipywidgets.VBox
        The controls (and the button) in a row, the figure below them.

    Examples
    --------
    >>> import contextlib, io
    >>> import ipywidgets as widgets
    >>> import matplotlib.pyplot as plt
    >>> def draw(beta):
    ...     fig, ax = plt.subplots()
    ...     ax.set_title(f"β = {beta:g}")
    ...     return fig
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel, the first figure is printed
    ...     control = live_control(draw, {"beta": widgets.FloatSlider(value=0.1)}, button="Train")
    >>> row, output = control.children
    >>> [type(widget).__name__ for widget in row.children], type(output).__name__
    (['FloatSlider', 'Button'], 'Output')
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
