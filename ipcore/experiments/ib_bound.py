"""The information-bottleneck bound of the SZT problem, its dual, and the SZT layers against it.

Shwartz-Ziv & Tishby (2017) say that the layers of the trained SZT networks lie on or near
"the IB theoretical bound": the IB curve of p(x, y) with p(x) = 1/4096 and p(y|x) the rule's
labels (IDNNs' ``load_reverese_annealing_data``; the iterations themselves were never
released). This module computes that curve with :func:`ipcore.bottleneck.ib_curve`, for the
hard labels and for a smoothed, logistic version of the rule,

    ``p(y = 1 | x) = σ(γ (k + |R| − θ))``,

with the sharpness γ a parameter (the rule's own statistic ``k + |R|`` and threshold θ, see
:mod:`ipcore.data.szt`; γ → ∞ gives back the hard labels). It also builds the chapter's small
problem (``|X|`` inputs on a line, p(y = 1 | x) = σ(γ s)) whose clusters can be drawn. All
information in nats.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy.special import expit

from ipcore.bottleneck import IBConvergenceWarning, IBCurve, binary_joint, ib_curve
from ipcore.data.szt import ICOSAHEDRON, SZT_THRESHOLD, szt
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import check_number, check_positive_int, check_positive_numbers

#: Resolution of each profile: the β grid's step in log₂ β (IDNNs: 0.1) and the iteration limit.
PROFILES = register_profiles(__name__, {
    "smoke": {"log2_step": 0.3, "max_iter": 1500, "toy_betas": 24},
    "paper": {"log2_step": 0.1, "max_iter": 3000, "toy_betas": 60},
})
IB_COLOUR, DUAL_COLOUR, HARD_COLOUR = "#3b528b", "#e8743b", "#5f5f5f"
LAYER_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#e8c500", "#e8743b"]


def profile_settings(profile: str) -> dict[str, Any]:
    """Resolution settings of ``profile`` (``"smoke"`` or ``"paper"``).

    Parameters
    ----------
    profile : str
        One of :data:`ipcore.config.PROFILE_NAMES`.

    Returns
    -------
    dict
        ``log2_step`` (the step of the IB β grid in log₂ β; IDNNs: 0.1), ``max_iter`` (the
        iteration limit per β) and ``toy_betas`` (trade-offs of the small problem); a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> profile_settings("smoke")
    {'log2_step': 0.3, 'max_iter': 1500, 'toy_betas': 24}
    """
    return chapter_settings(__name__, profile)


def check_chapter_parameters(*, sharpness: float, beta_min: float, beta_max: float, beta: float,
                             toy_inputs: int, toy_sharpness: float, toy_betas: Sequence[float]) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Here β is the IB trade-off of F = I(X;T) − β I(T;Y), not a noise standard deviation.

    Parameters
    ----------
    sharpness : float
        γ of the smoothed rule, > 0.
    beta_min, beta_max : float
        The range of the IB β grid, 0 < beta_min < beta_max.
    beta : float
        The trade-off the figure opens at, in [beta_min, beta_max].
    toy_inputs : int
        ``|X|`` of the small problem, at least 2.
    toy_sharpness : float
        γ of the small problem, > 0.
    toy_betas : sequence of float
        The trade-offs drawn for the small problem, each > 0.

    Raises
    ------
    ValueError
        Naming the first parameter out of range.

    Examples
    --------
    >>> check_chapter_parameters(sharpness=2.0, beta_min=1.0, beta_max=1000.0, beta=50.0, toy_inputs=12,
    ...                          toy_sharpness=5.0, toy_betas=[2.0, 8.0])
    >>> check_chapter_parameters(sharpness=2.0, beta_min=1.0, beta_max=1000.0, beta=5000.0, toy_inputs=12,
    ...                          toy_sharpness=5.0, toy_betas=[2.0, 8.0])
    Traceback (most recent call last):
    ...
    ValueError: beta: must lie in [beta_min, beta_max] = [1, 1000], got 5000
    """
    check_number(sharpness, "sharpness")
    check_number(beta_min, "beta_min")
    if check_number(beta_max, "beta_max") <= beta_min:
        raise ValueError(f"beta_max: must exceed beta_min = {beta_min:g}, got {beta_max:g}")
    if not beta_min <= check_number(beta, "beta") <= beta_max:
        raise ValueError(f"beta: must lie in [beta_min, beta_max] = [{beta_min:g}, {beta_max:g}], got {beta:g}")
    if check_positive_int(toy_inputs, "toy_inputs") < 2:
        raise ValueError(f"toy_inputs: the small problem needs at least 2 inputs, got {toy_inputs}")
    check_number(toy_sharpness, "toy_sharpness")
    check_positive_numbers(toy_betas, "toy_betas", meaning="IB trade-offs β")


def beta_grid(beta_min: float, beta_max: float, log2_step: float) -> np.ndarray:
    """β = 2^k for k from log₂ beta_min to log₂ beta_max in steps of ``log2_step`` (IDNNs' grid at 0.1).

    Parameters
    ----------
    beta_min, beta_max : float
        The range of the IB trade-off β, 0 < beta_min < beta_max.
    log2_step : float
        The step in log₂ β, > 0.

    Returns
    -------
    ndarray
        The grid, increasing, from beta_min up to beta_max (included when on the grid).

    Raises
    ------
    ValueError
        If a bound or the step is not a number > 0, or beta_max ≤ beta_min.

    Examples
    --------
    >>> beta_grid(1, 8, 1.0)
    array([1., 2., 4., 8.])
    >>> len(beta_grid(1, 1024, 0.1))
    101
    >>> beta_grid(8, 1, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: beta_max: must exceed beta_min = 8, got 1
    """
    beta_min, beta_max = check_number(beta_min, "beta_min"), check_number(beta_max, "beta_max")
    if beta_max <= beta_min:
        raise ValueError(f"beta_max: must exceed beta_min = {beta_min:g}, got {beta_max:g}")
    return 2.0 ** np.arange(math.log2(beta_min), math.log2(beta_max) + 1e-12, check_number(log2_step, "log2_step"))


def szt_statistic() -> np.ndarray:
    """``k + |R| − θ`` of the 4096 SZT inputs: the label is 1 exactly where it is positive.

    k = Σ x_i, R = Σ x_i v_i with v_i the unit vectors of
    :data:`ipcore.data.szt.ICOSAHEDRON`, θ = :data:`ipcore.data.szt.SZT_THRESHOLD`.

    Returns
    -------
    ndarray of float64, shape (4096,)
        The statistic, in the row order of :func:`ipcore.data.szt`.

    Examples
    --------
    >>> statistic = szt_statistic()
    >>> statistic.shape, int((statistic > 0).sum())  # the 2118 inputs of class 1
    ((4096,), 2118)
    """
    x, _ = szt()
    return x.sum(1) + np.linalg.norm(x.astype(np.float64) @ ICOSAHEDRON, axis=1) - SZT_THRESHOLD


def szt_joint(sharpness: float | None = None) -> np.ndarray:
    """p(x, y) of the SZT problem, p(x) = 1/4096: the hard labels (``None``) or ``σ(γ (k + |R| − θ))``.

    Parameters
    ----------
    sharpness : float, optional
        γ > 0 of the smoothed rule ``p(y = 1 | x) = σ(γ (k + |R| − θ))``; None: the hard labels.

    Returns
    -------
    ndarray, shape (4096, 2)
        The joint distribution, rows x, columns y = 0, 1.

    Raises
    ------
    ValueError
        If ``sharpness`` is not a number > 0.

    Examples
    --------
    >>> szt_joint().sum(0).round(4)  # p(y)
    array([0.4829, 0.5171])
    >>> szt_joint(5.0).shape
    (4096, 2)
    """
    if sharpness is None:
        _, y = szt()
        return binary_joint(y.astype(np.float64))
    gamma = check_number(sharpness, "sharpness")
    return binary_joint(expit(gamma * szt_statistic()))


def toy_joint(n_inputs: int, sharpness: float) -> tuple[np.ndarray, np.ndarray]:
    """The small problem: x uniform on ``n_inputs`` points s ∈ [−1, 1], p(y = 1 | x) = σ(γ s). Returns (p_xy, s).

    Parameters
    ----------
    n_inputs : int
        ``|X|``, a positive integer (errors name it ``toy_inputs``).
    sharpness : float
        γ > 0 (errors name it ``toy_sharpness``).

    Returns
    -------
    p_xy : ndarray, shape (n_inputs, 2)
        The joint distribution.
    s : ndarray, shape (n_inputs,)
        The inputs' positions, evenly spaced on [−1, 1].

    Raises
    ------
    ValueError
        If ``n_inputs`` or ``sharpness`` is out of range.

    Examples
    --------
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> p_xy.round(4)
    array([[0.2483, 0.0017],
           [0.2103, 0.0397],
           [0.0397, 0.2103],
           [0.0017, 0.2483]])
    """
    s = np.linspace(-1.0, 1.0, check_positive_int(n_inputs, "toy_inputs"))
    return binary_joint(expit(check_number(sharpness, "toy_sharpness") * s)), s


def curves(p_xy: np.ndarray, betas: np.ndarray, *, max_iter: int, dual: bool = True) -> dict[str, IBCurve]:
    """The IB curve and (if ``dual``) the dualIB curve of ``p_xy``; unsettled β are counted, not warned.

    Each is :func:`ipcore.bottleneck.ib_curve` over the trade-offs ``betas``; the
    :class:`ipcore.bottleneck.IBConvergenceWarning` of a β that did not settle within
    ``max_iter`` iterations is silenced (the curve's ``converged`` records it).

    Parameters
    ----------
    p_xy : ndarray, shape (n_x, n_y)
        The joint distribution.
    betas : ndarray
        The IB trade-offs β, increasing.
    max_iter : int
        Iteration limit per β.
    dual : bool, default True
        Also the dualIB curve.

    Returns
    -------
    dict of str to IBCurve
        ``"IB"`` and, with ``dual``, ``"dualIB"``.

    Examples
    --------
    The small problem with 4 inputs, on a coarse grid of 3 trade-offs:

    >>> import numpy as np
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> found = curves(p_xy, np.array([1.0, 4.0, 32.0]), max_iter=200)
    >>> ib = found["IB"]
    >>> list(found), ib.i_xt.round(3), ib.n_clusters
    (['IB', 'dualIB'], array([0.   , 0.687, 1.357]), array([1, 2, 4]))
    """
    out = {}
    for name, is_dual in (("IB", False), ("dualIB", True))[: 2 if dual else 1]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IBConvergenceWarning)
            out[name] = ib_curve(p_xy, betas, dual=is_dual, max_iter=max_iter)
    return out


def found_critical_beta(curve: IBCurve, threshold: float = 1e-4) -> tuple[float, float]:
    """Between which computed β the solution stops being trivial (I(X;T) > ``threshold`` nats):
    (the last trivial β, the first non-trivial one); ``nan`` or ``inf`` where the grid has none.

    Parameters
    ----------
    curve : IBCurve
        A computed curve.
    threshold : float, default 1e-4
        I(X;T) (nats) above which a solution is not trivial.

    Returns
    -------
    tuple of float
        (last trivial β, first non-trivial β): ``nan`` first when the grid's first β is already
        non-trivial, ``inf`` second when no β is.

    Examples
    --------
    The small problem with 4 inputs, on a coarse grid of 3 trade-offs:

    >>> import numpy as np
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> curve = curves(p_xy, np.array([0.5, 2.0, 64.0]), max_iter=200, dual=False)["IB"]
    >>> found_critical_beta(curve), round(curve.critical_beta, 3)  # theory: 1/ρ²
    ((0.5, 2.0), 1.39)
    """
    above = np.nonzero(curve.i_xt > threshold)[0]
    if not len(above):
        return float(curve.beta[-1]), math.inf
    return (float(curve.beta[above[0] - 1]) if above[0] > 0 else math.nan), float(curve.beta[above[0]])


def information_at(curve: IBCurve, i_xt: Sequence[float]) -> np.ndarray:
    """I(T;Y) of the curve at the given I(X;T), by interpolation (NaN beyond its end).

    Parameters
    ----------
    curve : IBCurve
        A computed curve.
    i_xt : sequence of float
        Values of I(X;T), nats.

    Returns
    -------
    ndarray
        I(T;Y) in nats, linearly interpolated along the curve; NaN beyond its largest I(X;T).

    Examples
    --------
    The small problem with 4 inputs, on a coarse grid of 3 trade-offs:

    >>> import numpy as np
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> curve = curves(p_xy, np.array([0.5, 2.0, 64.0]), max_iter=200, dual=False)["IB"]
    >>> information_at(curve, [0.1, 0.5, 5.0]).round(3)
    array([0.064, 0.318,   nan])
    """
    order = np.argsort(curve.i_xt, kind="stable")
    return np.interp(i_xt, curve.i_xt[order], curve.i_ty[order], right=np.nan)


def corner_bound(i_xt: np.ndarray, h_y: float) -> np.ndarray:
    """The IB curve of deterministic labels: I(T;Y) = min(I(X;T), H(Y)).

    Parameters
    ----------
    i_xt : ndarray
        Values of I(X;T), nats.
    h_y : float
        H(Y), nats.

    Returns
    -------
    ndarray
        The bound at each value.

    Examples
    --------
    >>> import numpy as np
    >>> corner_bound(np.array([0.2, 0.5, 1.0]), np.log(2)).round(3)
    array([0.2  , 0.5  , 0.693])
    """
    return np.minimum(i_xt, h_y)


def summary_table(curves_by_label: Mapping[str, Mapping[str, IBCurve]], points: Sequence[float]) -> pd.DataFrame:
    """Per problem and curve: I(X;Y), critical β (theory and found), and I(T;Y) at each of ``points``.

    Parameters
    ----------
    curves_by_label : mapping of str to mapping of str to IBCurve
        {problem: {curve name: curve}}, e.g. :func:`ipcore.experiments.ib_bound.szt_curves`.
    points : sequence of float
        Values of I(X;T) (nats) at which I(T;Y) is read.

    Returns
    -------
    pandas.DataFrame
        One row per problem and curve: problem, curve, I(X;Y), clusters (max), β settled,
        critical β found in (:func:`ipcore.experiments.ib_bound.found_critical_beta`),
        critical β, 1/ρ² (IB rows only), and ``I(T;Y) at I(X;T)=<p>`` per point.

    Examples
    --------
    The small problem with 4 inputs, on a coarse grid of 3 trade-offs:

    >>> import numpy as np
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> curve = curves(p_xy, np.array([0.5, 2.0, 64.0]), max_iter=200, dual=False)["IB"]
    >>> table = summary_table({"toy": {"IB": curve}}, [0.5])
    >>> print(table[["curve", "β settled", "critical β found in"]].to_string(index=False))
    curve β settled critical β found in
       IB       3/3            (0.5, 2]
    >>> round(float(table["I(T;Y) at I(X;T)=0.5"].iloc[0]), 3)
    0.318
    """
    rows = []
    for label, found in curves_by_label.items():
        for name, curve in found.items():
            row = {"problem": label, "curve": name, "I(X;Y)": curve.i_xy, "clusters (max)": int(curve.n_clusters.max()),
                   "β settled": f"{int(curve.converged.sum())}/{len(curve.beta)}",
                   "critical β found in": "({:.3g}, {:.3g}]".format(*found_critical_beta(curve))}
            row["critical β, 1/ρ²"] = curve.critical_beta if name == "IB" else math.nan
            for p in points:
                row[f"I(T;Y) at I(X;T)={p:g}"] = float(information_at(curve, [p])[0])
            rows.append(row)
    return pd.DataFrame(rows)


def szt_curves(betas: np.ndarray, *, sharpness: float, max_iter: int) -> dict[str, dict[str, IBCurve]]:
    """The chapter's curves: the IB of the hard labels, and the IB and dualIB of the smoothed rule.

    Parameters
    ----------
    betas : ndarray
        The IB trade-offs β (:func:`ipcore.experiments.ib_bound.beta_grid`).
    sharpness : float
        γ of the smoothed rule.
    max_iter : int
        Iteration limit per β.

    Returns
    -------
    dict of str to dict of str to IBCurve
        ``{"hard labels": {"IB": …}, "smoothed, γ = <γ>": {"IB": …, "dualIB": …}}``.

    Raises
    ------
    ValueError
        If ``sharpness`` is not a number > 0.
    """
    return {"hard labels": curves(szt_joint(None), betas, max_iter=max_iter, dual=False),
            f"smoothed, γ = {sharpness:g}": curves(szt_joint(sharpness), betas, max_iter=max_iter)}


# ------------------------------------------------------------------------------------------ figures


def curves_figure(found: Mapping[str, IBCurve], hard: IBCurve, *, active_beta: float) -> go.Figure:
    """The IB and dualIB curves of the smoothed rule (and the hard labels' corner), with a point per
    curve at the slider's β; right: the number of clusters over β.

    Parameters
    ----------
    found : mapping of str to IBCurve
        ``"IB"`` and ``"dualIB"`` curves on one β grid.
    hard : IBCurve
        The hard labels' IB curve (for H(Y) and the corner bound).
    active_beta : float
        The β shown first (the nearest on the grid, in log).

    Returns
    -------
    plotly.graph_objects.Figure
        Two panels and a slider over the grid's β.

    Examples
    --------
    The small problem with 4 inputs, on a coarse grid of 3 trade-offs:

    >>> import numpy as np
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> found = curves(p_xy, np.array([1.0, 4.0, 32.0]), max_iter=200)
    >>> from ipcore.bottleneck import binary_joint
    >>> hard = curves(binary_joint(np.array([0.0, 0.0, 1.0, 1.0])), np.array([1.0, 4.0]), max_iter=50,
    ...               dual=False)["IB"]
    >>> fig = curves_figure(found, hard, active_beta=4.0)
    >>> fig.layout.title.text
    'IB and dualIB of the smoothed SZT rule, β = 4'
    """
    from ipcore.plotting import beta_slider_figure

    ib, dual = found["IB"], found["dualIB"]
    x_max = float(max(ib.i_xt.max(), dual.i_xt.max(), hard.h_y) * 1.05)
    corner = np.linspace(0, x_max, 50)
    static = [
        (go.Scatter(x=corner, y=corner_bound(corner, hard.h_y), mode="lines", name="IB, hard labels: min(I(X;T), H(Y))",
                    line={"color": HARD_COLOUR, "dash": "dash", "width": 1.5}), 1, 1),
        (go.Scatter(x=ib.i_xt, y=ib.i_ty, mode="lines+markers", name="IB, smoothed", marker={"size": 4},
                    line={"color": IB_COLOUR}), 1, 1),
        (go.Scatter(x=dual.i_xt, y=dual.i_ty, mode="lines+markers", name="dualIB, smoothed (I(T;Y) through T–X–Y)",
                    marker={"size": 4}, line={"color": DUAL_COLOUR}), 1, 1),
        (go.Scatter(x=dual.i_xt, y=dual.i_ty_decoder, mode="lines", name="dualIB, its own decoder",
                    line={"color": DUAL_COLOUR, "dash": "dot", "width": 1}), 1, 1),
        (go.Scatter(x=ib.beta, y=ib.n_clusters, mode="lines", line={"color": IB_COLOUR, "shape": "hv"},
                    name="clusters, IB", showlegend=False), 1, 2),
        (go.Scatter(x=dual.beta, y=dual.n_clusters, mode="lines", line={"color": DUAL_COLOUR, "shape": "hv"},
                    name="clusters, dualIB", showlegend=False), 1, 2),
    ]
    betas = [float(b) for b in ib.beta]

    def traces(beta: float):
        i = betas.index(beta)
        for curve, colour, name in ((ib, IB_COLOUR, "IB"), (dual, DUAL_COLOUR, "dualIB")):
            yield go.Scatter(x=[curve.i_xt[i]], y=[curve.i_ty[i]], mode="markers", showlegend=False, name=f"{name} at β",
                             marker={"size": 13, "color": colour, "line": {"color": "black", "width": 1.5}}), 1, 1
            yield go.Scatter(x=[beta], y=[curve.n_clusters[i]], mode="markers", showlegend=False, name=f"{name} at β",
                             marker={"size": 10, "color": colour, "line": {"color": "black", "width": 1}}), 1, 2

    active = int(np.argmin(np.abs(np.log(ib.beta) - math.log(active_beta))))
    shown = [float(f"{b:.3g}") for b in betas]  # the slider's labels
    fig = beta_slider_figure(
        shown, lambda b: traces(betas[shown.index(b)]),
        rows=1, cols=2, static_traces=static, active=active, column_widths=[0.64, 0.36],
        subplot_titles=("information plane [nats]", "effective clusters"),
        title=lambda b: f"IB and dualIB of the smoothed SZT rule, β = {b:.3g}", height=520,
    )
    fig.update_xaxes(title_text="I(X;T)", range=[0, x_max], row=1, col=1)
    fig.update_yaxes(title_text="I(T;Y)", range=[0, hard.h_y * 1.05], row=1, col=1)
    fig.update_xaxes(title_text="β", type="log", row=1, col=2)
    fig.update_layout(legend={"x": 0.2, "y": 0.8, "xanchor": "left", "yanchor": "top", "font": {"size": 11},
                              "bgcolor": "rgba(255,255,255,0.85)"})
    return fig


def layers_figure(mean: Mapping[str, np.ndarray], layers: Sequence[str], hard: IBCurve,
                  *, ax: plt.Axes | None = None) -> plt.Figure:
    """The binned SZT layers over training (mean over networks; the last epoch marked) on the hard labels' bound.

    Parameters
    ----------
    mean : mapping of str to ndarray
        ``mi_x`` and ``mi_y``, each (E, L), e.g.
        :func:`ipcore.experiments.information_plane_chapter.mean_plane`.
    layers : sequence of str
        The L layers' names.
    hard : IBCurve
        The hard labels' IB curve (its H(Y)).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from ipcore.bottleneck import binary_joint
    >>> hard = curves(binary_joint(np.array([0.0, 0.0, 1.0, 1.0])), np.array([1.0, 4.0]), max_iter=50,
    ...               dual=False)["IB"]
    >>> mean = {"mi_x": np.array([[1.0, 0.5], [2.0, 0.6]]), "mi_y": np.array([[0.2, 0.3], [0.5, 0.6]])}
    >>> fig = layers_figure(mean, ["layer 1", "layer 2"], hard)
    >>> fig.axes[0].get_title()
    'Binned SZT layers over training (mean over networks) against the bound'
    >>> plt.close(fig)
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.8))
    x_max = float(max(mean["mi_x"].max(), hard.h_y) * 1.05)
    grid = np.linspace(0, x_max, 200)
    ax.plot(grid, corner_bound(grid, hard.h_y), "--", color=HARD_COLOUR, label="IB bound: min(I(X;T), H(Y))")
    for k, name in enumerate(layers):
        colour = LAYER_COLOURS[k % len(LAYER_COLOURS)]
        ax.plot(mean["mi_x"][:, k], mean["mi_y"][:, k], "-", color=colour, alpha=0.45, lw=1)
        ax.plot(mean["mi_x"][-1, k], mean["mi_y"][-1, k], "o", color=colour, ms=8, mec="black", label=name)
    ax.set(xlabel="I(X;T) [nats]", ylabel="I(T;Y) [nats]", xlim=(0, x_max), ylim=(0, hard.h_y * 1.08),
           title="Binned SZT layers over training (mean over networks) against the bound")
    ax.legend(fontsize=8, loc="lower right", ncol=2)
    return ax.figure


def layer_gaps(mean: Mapping[str, np.ndarray], layers: Sequence[str], hard: IBCurve) -> pd.DataFrame:
    """Per layer at the last logged epoch: I(X;T), I(T;Y), how far below the bound I(T;Y) lies, and
    how far I(X;T) is from the bound's corner H(Y).

    Parameters
    ----------
    mean : mapping of str to ndarray
        ``mi_x`` and ``mi_y``, each (E, L).
    layers : sequence of str
        The L layers' names.
    hard : IBCurve
        The hard labels' IB curve (its H(Y)).

    Returns
    -------
    pandas.DataFrame
        One row per layer: layer, I(X;T), I(T;Y), below the bound (min(I(X;T), H(Y)) − I(T;Y)),
        I(X;T) above H(Y). Nats.

    Examples
    --------
    >>> import numpy as np
    >>> from ipcore.bottleneck import binary_joint
    >>> hard = curves(binary_joint(np.array([0.0, 0.0, 1.0, 1.0])), np.array([1.0, 4.0]), max_iter=50,
    ...               dual=False)["IB"]
    >>> mean = {"mi_x": np.array([[1.0, 0.5], [2.0, 0.6]]), "mi_y": np.array([[0.2, 0.3], [0.5, 0.6]])}
    >>> print(layer_gaps(mean, ["layer 1", "layer 2"], hard).round(3).to_string(index=False))
      layer  I(X;T)  I(T;Y)  below the bound  I(X;T) above H(Y)
    layer 1     2.0     0.5            0.193              1.307
    layer 2     0.6     0.6            0.000             -0.093
    """
    i_xt, i_ty = mean["mi_x"][-1], mean["mi_y"][-1]
    return pd.DataFrame({
        "layer": list(layers), "I(X;T)": i_xt, "I(T;Y)": i_ty,
        "below the bound": corner_bound(i_xt, hard.h_y) - i_ty,
        "I(X;T) above H(Y)": i_xt - hard.h_y,
    })


def displayed_clusters(encoder: np.ndarray, decoder: np.ndarray, decimals: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The clusters as a picture shows them: those whose p(y=1|t) agree to ``decimals`` added up
    (clusters still drifting apart or together after a split), ordered by p(y=1|t).

    Parameters
    ----------
    encoder : ndarray, shape (n_x, n_t)
        p(t|x).
    decoder : ndarray, shape (n_t, n_y)
        p(y|t), binary labels.
    decimals : int, default 2
        Decimals of p(y=1|t) that must agree for clusters to merge.

    Returns
    -------
    encoder : ndarray, shape (n_x, k)
        p(t|x) of the k displayed clusters.
    values : ndarray, shape (k,)
        Their p(y=1|t), rounded, increasing.

    Examples
    --------
    >>> import numpy as np
    >>> encoder = np.array([[0.5, 0.5, 0.0], [0.0, 0.2, 0.8]])
    >>> decoder = np.array([[0.3, 0.7], [0.299, 0.701], [0.9, 0.1]])  # clusters 0 and 1 agree
    >>> merged, values = displayed_clusters(encoder, decoder)
    >>> merged, values
    (array([[0. , 1. ],
           [0.8, 0.2]]), array([0.1, 0.7]))
    """
    keys = np.round(decoder[:, 1], decimals)
    values, group = np.unique(keys, return_inverse=True)
    merged = np.zeros((encoder.shape[0], len(values)))
    np.add.at(merged.T, group, encoder.T)
    return merged, values


def bifurcation_figure(found: Mapping[str, IBCurve], s: np.ndarray, picture_betas: Sequence[float]) -> plt.Figure:
    """Top: each cluster's decoder p(y=1|t) over β (marker area ∝ p(t)): the clusters split as β grows.
    Bottom: the encoder p(t|x) at a few β, x along s, clusters ordered by their decoder.

    Parameters
    ----------
    found : mapping of str to IBCurve
        The small problem's curves, e.g. ``"IB"`` and ``"dualIB"`` (uniform p(x)).
    s : ndarray
        The inputs' positions (:func:`ipcore.experiments.ib_bound.toy_joint`).
    picture_betas : sequence of float
        The β of the encoder pictures (the nearest computed ones are drawn).

    Returns
    -------
    matplotlib.figure.Figure
        One column block per curve.

    Examples
    --------
    The small problem with 4 inputs, on a coarse grid of 3 trade-offs:

    >>> import numpy as np
    >>> p_xy, s = toy_joint(4, 5.0)
    >>> curve = curves(p_xy, np.array([0.5, 2.0, 64.0]), max_iter=200, dual=False)["IB"]
    >>> import matplotlib.pyplot as plt
    >>> fig = bifurcation_figure({"IB": curve}, s, [2.0, 64.0])
    >>> [ax.get_title() for ax in fig.axes]
    ['IB: clusters over β', 'IB, β = 2', 'IB, β = 64']
    >>> plt.close(fig)
    """
    names = list(found)
    fig = plt.figure(figsize=(11, 6.2), constrained_layout=True)
    grid = fig.add_gridspec(2, len(picture_betas) * len(names))
    for col, name in enumerate(names):
        curve = found[name]
        ax = fig.add_subplot(grid[0, col * len(picture_betas):(col + 1) * len(picture_betas)])
        for beta in curve.beta:
            enc, values = displayed_clusters(curve.encoder(beta), curve.decoder(beta))
            pt = enc.mean(0)  # p(x) is uniform in the small problem
            ax.scatter(np.full(len(values), beta), values, s=4 + 300 * pt, color=IB_COLOUR if name == "IB" else DUAL_COLOUR,
                       alpha=0.6, edgecolors="none")
        for beta in picture_betas:
            ax.axvline(beta, color="grey", lw=0.6, ls=":")
        ax.set(xscale="log", xlabel="β", ylabel="p(y = 1 | t)", title=f"{name}: clusters over β")
        for j, beta in enumerate(picture_betas):
            axe = fig.add_subplot(grid[1, col * len(picture_betas) + j])
            enc, values = displayed_clusters(curve.encoder(beta), curve.decoder(beta))
            axe.imshow(enc.T, aspect="auto", origin="lower", cmap="Greys", vmin=0, vmax=1,
                       extent=(s[0], s[-1], -0.5, len(values) - 0.5), interpolation="nearest")
            axe.set_title(f"{name}, β = {curve.beta[curve.nearest(beta)]:.3g}", fontsize=9)
            axe.set_xlabel("s (x)")
            axe.set_yticks(range(len(values)))
            axe.set_yticklabels([f"{v:.2f}" for v in values], fontsize=6 if len(values) > 8 else 8)
            if j == 0:
                axe.set_ylabel("cluster t: p(y=1|t)")
    fig.suptitle("The small problem: encoders p(t|x) (black = 1) and their bifurcations")
    return fig
