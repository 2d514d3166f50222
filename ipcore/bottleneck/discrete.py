"""The information bottleneck (IB) and its dual (dualIB) of a discrete joint distribution p(x, y).

For a trade-off β > 0 the IB looks for an encoder p(t|x) that minimises

    F_β = I(X;T) + β E_{p(x,t)} d(x, t),

with the distortion d(x, t) = D_KL[p(y|x) ‖ p(y|t)] (Tishby, Pereira & Bialek, 1999); since
E d = I(X;Y) − I(T;Y) for the consistent decoder, this is the Lagrangian I(X;T) − β I(T;Y)
up to a constant. Its stationary points satisfy the self-consistent equations

    p(t|x) = p(t) exp(−β d(x, t)) / Z(x, β),
    p(t)   = Σ_x p(x) p(t|x),
    p(y|t) = Σ_x p(y|x) p(x|t),

iterated Blahut–Arimoto style until the encoder stops changing. The dualIB (Piran,
Shwartz-Ziv & Tishby, 2020) switches the distortion to D_KL[p(y|t) ‖ p(y|x)] and its
decoder to the normalised geometric mean p(y|t) ∝ Π_x p(y|x)^{p(x|t)}: the natural
parameters (log p(y|x)) are averaged, so p(y|t) stays in the exponential family of p(y|x).

The curve is traced over β by annealing: downward from one cluster per x at the largest β
(clusters merge as β falls, as in IDNNs' reverse annealing), and upward from one cluster at
the smallest β (each cluster split in two, slightly perturbed, at every step, so that a
bifurcation can happen). Per β the solution with the lower F_β is reported. All information
in nats.

Inputs x with the same p(y|x) are merged first (their sum is one input of the reduced
problem). This is exact: the update gives such inputs the same encoder from the first
iteration on, and I(X;T) of a shared encoder does not change when the inputs are merged.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from ipcore.config import DTYPE, progress_bar
from ipcore.seeding import make_generator
from ipcore.validation import (
    Array, Choice, Flag, Integer, JointDistribution, Optional, Real, Seed, as_joint_distribution, check_weights,
    validate_params,
)

#: IDNNs' reverse-annealing grid for the SZT bound: β = 2^k, k from log₂ 0.8 to log₂ 300 in steps of 0.1.
SZT_BETAS = 2.0 ** np.arange(math.log2(0.8), math.log2(300.0), 0.1)
#: How the curve is traced: from large β down, from small β up, or both (the better per β kept).
ANNEALING = ("down", "up", "both")
#: A cluster with p(t) below this is dropped.
CLUSTER_MASS_MIN = 1e-12
#: Iterations between two merges of the clusters whose decoders have met.
MERGE_EVERY = 25
#: log of the smallest probability a decoder entry takes (0·log 0 = 0 without NaN).
_LOG_TINY = math.log(1e-300)


class IBConvergenceWarning(UserWarning):
    """Some β of an IB curve reached the iteration limit before the encoder settled.

    Issued by :func:`~ipcore.bottleneck.ib_curve`, listing those β; ``IBCurve.converged``
    says which they are. Raise ``max_iter`` or ``tol``, or leave out the β next to a
    bifurcation (where the iteration slows down).

    Examples
    --------
    >>> import warnings
    >>> from ipcore.bottleneck import IBConvergenceWarning, binary_joint, ib_curve
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     curve = ib_curve(binary_joint([0.05, 0.3, 0.7]), betas=[5.0], max_iter=1)
    >>> caught[0].category is IBConvergenceWarning, curve.converged.tolist()
    (True, [False])
    """


@dataclass
class IBCurve:
    """The IB (or dualIB) solutions over β, in nats; arrays are per β, in ascending β.

    Returned by :func:`~ipcore.bottleneck.ib_curve`. ``i_ty`` is I(T;Y) of the joint
    p(t, y) = Σ_x p(t|x) p(x, y) (the Markov chain T – X – Y); ``i_ty_decoder`` is

        Σ_t p(t) Σ_y q(y|t) ln(q(y|t)/p(y))

    with the solver's own decoder q (the same number for the IB; the geometric-mean
    decoder's for the dualIB).

    Parameters
    ----------
    beta : numpy.ndarray
        The trade-offs β, ascending.
    i_xt : numpy.ndarray
        I(X;T) per β.
    i_ty : numpy.ndarray
        I(T;Y) per β, through the Markov chain T – X – Y.
    i_ty_decoder : numpy.ndarray
        I(T;Y) per β with the solver's decoder.
    n_clusters : numpy.ndarray
        Clusters with p(t) > 0 after merging those with equal decoders, per β.
    free_energy : numpy.ndarray
        F_β = I(X;T) + β E d(x, t) of the reported solution, per β.
    converged : numpy.ndarray
        bool per β: the encoder changed by less than ``tol`` before ``max_iter``.
    iterations : numpy.ndarray
        The iterations each β took.
    annealing : numpy.ndarray
        ``"down"`` or ``"up"`` per β: the pass whose solution is reported.
    dual : bool
        Whether these are dualIB solutions.
    h_x : float
        H(X).
    h_y : float
        H(Y).
    i_xy : float
        I(X;Y), the bound of I(T;Y).
    x_index : numpy.ndarray
        (n_x,) row of the merged problem that each x belongs to (−1: p(x) = 0).
    critical_beta : float
        The IB's first critical β, 1/ρ² (:func:`~ipcore.bottleneck.ib_critical_beta`; the
        IB's also for a dual curve).
    encoders : list of numpy.ndarray or None, default None
        p(t|x̃) per β, merged x̃ (``None`` when computed with ``keep_encoders=False``).
    decoders : list of numpy.ndarray or None, default None
        The solver's p(y|t) per β.

    Examples
    --------
    >>> from ipcore.bottleneck import binary_joint, ib_curve
    >>> curve = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 2.0, 10.0])
    >>> curve.beta.tolist(), curve.n_clusters.tolist(), bool(curve.converged.all())
    ([1.0, 2.0, 10.0], [1, 2, 2], True)
    >>> round(curve.h_x, 4), round(curve.i_xy, 4)             # ln 2, and I(X;Y)
    (0.6931, 0.3681)
    """

    beta: np.ndarray
    i_xt: np.ndarray
    i_ty: np.ndarray
    i_ty_decoder: np.ndarray
    n_clusters: np.ndarray  #: clusters with p(t) > 0 after merging those with equal decoders
    free_energy: np.ndarray  #: F_β = I(X;T) + β E d(x, t) of the reported solution
    converged: np.ndarray  #: bool: the encoder changed by less than ``tol`` before ``max_iter``
    iterations: np.ndarray
    annealing: np.ndarray  #: "down" or "up": the pass whose solution is reported
    dual: bool
    h_x: float
    h_y: float
    i_xy: float
    x_index: np.ndarray  #: (n_x,) row of the merged problem that each x belongs to, −1 where p(x) = 0
    critical_beta: float  #: the IB's first critical β, 1/ρ² (:func:`ib_critical_beta`; the IB's also for a dual curve)
    encoders: list[np.ndarray] | None = field(default=None, repr=False)  #: p(t|x̃) per β, merged x̃
    decoders: list[np.ndarray] | None = field(default=None, repr=False)  #: the solver's p(y|t) per β

    @validate_params(beta=Real(low=0, open_low=True))
    def nearest(self, beta: float) -> int:
        """Index of the computed β nearest to ``beta`` on a log scale (what :meth:`encoder` and :meth:`decoder` use).

        Parameters
        ----------
        beta : float
            A trade-off β > 0.

        Returns
        -------
        int
            The index i minimising abs(ln β_i − ln ``beta``).

        Raises
        ------
        ValueError
            If ``beta`` is not a finite number > 0.

        Examples
        --------
        3 is nearer to 2 than to 10 on a log scale (ln 1.5 < ln 3.33):

        >>> from ipcore.bottleneck import binary_joint, ib_curve
        >>> curve = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 2.0, 10.0])
        >>> curve.nearest(3.0), curve.nearest(5.0), curve.nearest(1e-3)
        (1, 2, 0)
        """
        return int(np.argmin(np.abs(np.log(self.beta) - math.log(beta))))

    def _kept(self, what: list[np.ndarray] | None) -> list[np.ndarray]:
        if what is None:
            raise ValueError("beta: this curve was computed with keep_encoders=False")
        return what

    def encoder(self, beta: float) -> np.ndarray:
        """p(t|x) at the computed β nearest to ``beta``: (n_x, clusters), rows sum to 1 (NaN rows where p(x) = 0).

        Parameters
        ----------
        beta : float
            A trade-off β > 0; the nearest computed one (:meth:`nearest`) is used.

        Returns
        -------
        numpy.ndarray
            The encoder, one row per x of the original ``p_xy`` (inputs merged for solving
            share their row).

        Raises
        ------
        ValueError
            If ``beta`` is not a finite number > 0, or the curve was computed with
            ``keep_encoders=False`` (both named ``beta``).

        Examples
        --------
        Below the critical β the encoder is one cluster; far above it, each x has its own:

        >>> from ipcore.bottleneck import binary_joint, ib_curve
        >>> curve = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 10.0])
        >>> curve.encoder(1.0).shape
        (2, 1)
        >>> curve.encoder(10.0).max(axis=1).round(6).tolist(), curve.encoder(10.0).sum(axis=1).round(6).tolist()
        ([1.0, 1.0], [1.0, 1.0])
        """
        merged = self._kept(self.encoders)[self.nearest(beta)]
        full = merged[np.maximum(self.x_index, 0)]
        full[self.x_index < 0] = np.nan  # p(t|x) is not defined where x never occurs
        return full

    def decoder(self, beta: float) -> np.ndarray:
        """The solver's p(y|t) at the computed β nearest to ``beta``: (clusters, n_y).

        Parameters
        ----------
        beta : float
            A trade-off β > 0; the nearest computed one (:meth:`nearest`) is used.

        Returns
        -------
        numpy.ndarray
            The decoder, one row per cluster, rows summing to 1 (the IB's arithmetic mean,
            the dualIB's normalised geometric mean).

        Raises
        ------
        ValueError
            If ``beta`` is not a finite number > 0, or the curve was computed with
            ``keep_encoders=False`` (both named ``beta``).

        Examples
        --------
        With one cluster per x, the decoder's rows are the p(y|x):

        >>> import numpy as np
        >>> from ipcore.bottleneck import binary_joint, ib_curve
        >>> curve = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 10.0])
        >>> np.sort(curve.decoder(10.0)[:, 1]).round(4).tolist()
        [0.1, 0.9]
        >>> curve.decoder(1.0).round(4).tolist()                  # one cluster: p(y)
        [[0.5, 0.5]]
        """
        return self._kept(self.decoders)[self.nearest(beta)]

    def to_frame(self) -> pd.DataFrame:
        """The curve as a table: one row per β.

        Returns
        -------
        pandas.DataFrame
            Columns beta, i_xt, i_ty, i_ty_decoder, n_clusters, converged, iterations,
            annealing (information in nats).

        Examples
        --------
        >>> from ipcore.bottleneck import binary_joint, ib_curve
        >>> table = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 2.0, 10.0]).to_frame()
        >>> list(table.columns)
        ['beta', 'i_xt', 'i_ty', 'i_ty_decoder', 'n_clusters', 'converged', 'iterations', 'annealing']
        >>> table.i_xt.round(3).tolist()
        [0.0, 0.483, 0.693]
        """
        return pd.DataFrame({"beta": self.beta, "i_xt": self.i_xt, "i_ty": self.i_ty,
                             "i_ty_decoder": self.i_ty_decoder, "n_clusters": self.n_clusters,
                             "converged": self.converged, "iterations": self.iterations,
                             "annealing": self.annealing})


# ------------------------------------------------------------------------------------------ pieces


def _entropy(p: torch.Tensor) -> float:
    return float(-torch.special.xlogy(p, p).sum())


def _merge_inputs(p_xy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """p(x̃) and p(y|x̃) of the inputs with distinct p(y|x), and each x's x̃ (−1 for an x with p(x) = 0)."""
    px = p_xy.sum(1)
    seen = px > 0
    # equal up to rounding: 12 decimals
    _, index = np.unique(np.round((p_xy[seen] / px[seen, None]).numpy(), 12), axis=0, return_inverse=True)
    index = torch.as_tensor(index.reshape(-1))
    n = int(index.max()) + 1
    px_merged = torch.zeros(n, dtype=DTYPE).index_add_(0, index, px[seen])
    pyx = torch.zeros(n, p_xy.shape[1], dtype=DTYPE).index_add_(0, index, p_xy[seen]) / px_merged[:, None]
    x_index = np.full(len(px), -1)
    x_index[seen.numpy()] = index.numpy()
    return px_merged, pyx, x_index


class _Problem:
    """The merged problem and the operations of one iteration, vectorised over x, t and y."""

    def __init__(self, px: torch.Tensor, pyx: torch.Tensor, dual: bool):
        self.px, self.pyx, self.dual = px, pyx, dual
        self.py = px @ pyx
        self.log_pyx = torch.log(pyx) if dual else torch.log(pyx.clamp_min(1e-300))
        self.neg_h_yx = torch.special.xlogy(pyx, pyx).sum(1)  # Σ_y p(y|x) ln p(y|x)

    def cluster_marginal(self, q: torch.Tensor) -> torch.Tensor:
        return self.px @ q

    def decoder(self, q: torch.Tensor, pt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The solver's p(y|t) and its logarithm (t with p(t) = 0 get p(y)). IB: arithmetic, dualIB: geometric mean."""
        p_x_given_t = (q * self.px[:, None]) / pt.clamp_min(1e-300)[None, :]  # (x, t), columns sum to 1
        if self.dual:
            log_q = torch.log_softmax(p_x_given_t.T @ self.log_pyx, dim=1)
            return log_q.exp(), log_q
        dec = p_x_given_t.T @ self.pyx
        return dec, torch.log(dec.clamp_min(1e-300))

    def distortion(self, dec: torch.Tensor, log_dec: torch.Tensor) -> torch.Tensor:
        """d(x, t): IB D_KL[p(y|x) ‖ p(y|t)], dualIB D_KL[p(y|t) ‖ p(y|x)], shape (x, t)."""
        if self.dual:
            return (torch.special.xlogy(dec, dec).sum(1))[None, :] - self.log_pyx @ dec.T
        return (self.neg_h_yx[:, None] - self.pyx @ log_dec.clamp_min(_LOG_TINY).T).clamp_min(0.0)

    def update(self, q: torch.Tensor, beta: float) -> torch.Tensor:
        pt = self.cluster_marginal(q)
        dec, log_dec = self.decoder(q, pt)
        logits = torch.log(pt.clamp_min(1e-300))[None, :] - beta * self.distortion(dec, log_dec)
        logits[:, pt <= 0] = -math.inf
        return torch.softmax(logits, dim=1)

    def solve(self, q: torch.Tensor, beta: float, tol: float, max_iter: int,
              merge_tol: float) -> tuple[torch.Tensor, int, bool]:
        """Iterate the self-consistent equations from ``q`` until max |Δp(t|x)| < ``tol``.

        Every :data:`MERGE_EVERY` iterations, clusters whose decoders have met are merged:
        with many clusters (one per x at a large β) most of them meet within a few
        iterations, and each iteration costs (clusters × inputs)."""
        for it in range(1, max_iter + 1):
            new = self.update(q, beta)
            change = float((new - q).abs().max()) if new.shape == q.shape else math.inf
            q = new
            if change < tol:
                return q, it, True
            if it % MERGE_EVERY == 0 and q.shape[1] > 1:
                q = self.merge_clusters(q, merge_tol)
        return q, max_iter, False

    def merge_clusters(self, q: torch.Tensor, merge_tol: float) -> torch.Tensor:
        """Drop empty clusters, and add up those whose decoders agree within ``merge_tol``.

        Clusters with equal decoders have proportional encoder columns (p(t|x) depends on t only
        through p(t) and the decoder), so adding them up changes no quantity of the solution."""
        pt = self.cluster_marginal(q)
        q = q[:, pt > CLUSTER_MASS_MIN]
        pt = pt[pt > CLUSTER_MASS_MIN]
        dec, _ = self.decoder(q, pt)
        keys = np.round(dec.numpy() / merge_tol)
        _, group = np.unique(keys, axis=0, return_inverse=True)
        group = torch.as_tensor(group.reshape(-1))
        merged = torch.zeros(q.shape[0], int(group.max()) + 1, dtype=DTYPE).index_add_(1, group, q)
        return merged / merged.sum(1, keepdim=True)

    def quantities(self, q: torch.Tensor, beta: float) -> dict[str, Any]:
        pt = self.cluster_marginal(q)
        dec, log_dec = self.decoder(q, pt)
        joint_xt = q * self.px[:, None]
        i_xt = float(torch.special.xlogy(joint_xt, q / pt.clamp_min(1e-300)[None, :]).sum())
        markov = (joint_xt.T @ self.pyx) / pt.clamp_min(1e-300)[:, None]  # p(y|t) through T – X – Y
        log_py = torch.log(self.py.clamp_min(1e-300))

        def info(decoder: torch.Tensor) -> float:
            return float((pt[:, None] * (torch.special.xlogy(decoder, decoder) - decoder * log_py[None, :])).sum())

        expected = float((joint_xt * self.distortion(dec, log_dec)).sum())
        return {"i_xt": max(i_xt, 0.0), "i_ty": max(info(markov), 0.0), "i_ty_decoder": info(dec),
                "free_energy": i_xt + beta * expected, "n_clusters": int((pt > CLUSTER_MASS_MIN).sum()),
                "encoder": q.numpy().copy(), "decoder": dec.numpy().copy()}


def _split(q: torch.Tensor, generator: torch.Generator, size: float = 0.05) -> torch.Tensor:
    """Each cluster in two, its mass shared with a small random imbalance per x (so a split can grow)."""
    noise = size * (2 * torch.rand(q.shape, generator=generator, dtype=DTYPE) - 1)
    both = torch.cat([q * (1 + noise), q * (1 - noise)], dim=1)
    return both / both.sum(1, keepdim=True)


# ------------------------------------------------------------------------------------------ the curve


@validate_params(
    p_xy=JointDistribution(), betas=Optional(Array(ndim=(1,), positive=True)), dual=Flag(),
    n_clusters=Optional(Integer(low=1)), anneal=Choice(ANNEALING), tol=Real(low=0, high=1, open_low=True),
    max_iter=Integer(low=1), merge_tol=Real(low=0, high=1, open_low=True), seed=Seed(), keep_encoders=Flag(),
    progress=Flag(),
)
def ib_curve(
    p_xy: Any,
    betas: Sequence[float] | None = None,
    *,
    dual: bool = False,
    n_clusters: int | None = None,
    anneal: str = "both",
    tol: float = 1e-8,
    max_iter: int = 3000,
    merge_tol: float = 1e-7,
    seed: int = 0,
    keep_encoders: bool = True,
    progress: bool = False,
) -> IBCurve:
    """The IB (``dual=False``) or dualIB (``dual=True``) curve of ``p_xy`` over ``betas``, in nats.

    For each trade-off β > 0 the IB looks for an encoder p(t|x) that minimises

        F_β = I(X;T) + β E_{p(x,t)} d(x, t),

    with the distortion d(x, t) = D_KL[p(y|x) ‖ p(y|t)] (Tishby, Pereira & Bialek, 1999);
    since E d = I(X;Y) − I(T;Y) for the consistent decoder, this is the Lagrangian
    I(X;T) − β I(T;Y) up to a constant. Its stationary points satisfy the self-consistent
    equations

        p(t|x) = p(t) exp(−β d(x, t)) / Z(x, β),
        p(t)   = Σ_x p(x) p(t|x),
        p(y|t) = Σ_x p(y|x) p(x|t),

    iterated Blahut–Arimoto style until the encoder stops changing. The dualIB (Piran,
    Shwartz-Ziv & Tishby, 2020) switches the distortion to D_KL[p(y|t) ‖ p(y|x)] and its
    decoder to the normalised geometric mean p(y|t) ∝ Π_x p(y|x)^{p(x|t)}.

    The curve is traced by annealing: downward from one cluster per x at the largest β
    (clusters merge as β falls), and upward from one cluster at the smallest β (each cluster
    split in two, slightly perturbed, at every step, so that a bifurcation can happen). Per
    β the solution with the lower F_β is reported. Inputs x with the same p(y|x) are merged
    first, which is exact.

    Parameters
    ----------
    p_xy : array-like of shape (n_x, n_y)
        The joint distribution, rows x, columns y (non-negative, summing to 1 within 1e-9).
    betas : array-like of shape (n_β,) or None, default None
        The trade-offs β > 0 (sorted here); ``None``: ``ipcore.bottleneck.SZT_BETAS``
        (IDNNs' grid, β = 2^k for k from log₂ 0.8 to log₂ 300 in steps of 0.1).
    dual : bool, default False
        The dualIB instead of the IB. It needs p(y|x) > 0 wherever p(x) > 0 (its distortion
        is D_KL[p(y|t) ‖ p(y|x)]).
    n_clusters : int or None, default None
        Caps the clusters, ≥ 1 (``None``: one per distinct p(y|x)).
    anneal : str, default "both"
        The passes: ``"down"``, ``"up"`` or ``"both"`` (``ipcore.bottleneck.ANNEALING``; the
        better per β kept).
    tol : float, default 1e-8
        Each β is iterated until the encoder changes by less than this (max-abs), in (0, 1].
    max_iter : int, default 3000
        … or for at most this many iterations, ≥ 1.
    merge_tol : float, default 1e-7
        Clusters whose decoders agree within this are merged between β steps, in (0, 1].
    seed : int, default 0
        Draws the perturbations of the upward pass (and the start of a capped downward one).
    keep_encoders : bool, default True
        Keep every β's encoder and decoder (:meth:`~ipcore.bottleneck.IBCurve.encoder`).
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    IBCurve
        The solutions per β, in ascending β.

    Raises
    ------
    ValueError
        If ``p_xy`` is not a 2-D non-negative array summing to 1 (or, for the dualIB, has a
        p(y|x) = 0 where p(x) > 0); ``betas`` is not a 1-D array of finite numbers > 0;
        ``dual``, ``keep_encoders`` or ``progress`` is not a bool; ``n_clusters`` or
        ``max_iter`` not an integer ≥ 1; ``anneal`` not one of the three; ``tol`` or
        ``merge_tol`` not in (0, 1]; ``seed`` not an integer in [0, 2⁶³).

    Warns
    -----
    IBConvergenceWarning
        Listing the β that did not settle within ``max_iter`` iterations.

    See Also
    --------
    ipcore.bottleneck.ib_critical_beta : where the curve leaves the trivial solution.

    Examples
    --------
    X uniform on {0, 1} and Y = X flipped with probability 0.1: below the critical β
    1/(1 − 2·0.1)² = 1.5625 the solution is trivial; far above it, T keeps all of X and
    I(T;Y) reaches I(X;Y):

    >>> from ipcore.bottleneck import binary_joint, ib_curve
    >>> curve = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 2.0, 10.0])
    >>> round(curve.critical_beta, 4)
    1.5625
    >>> curve.i_xt.round(3).tolist(), curve.i_ty.round(3).tolist(), round(curve.i_xy, 3)
    ([0.0, 0.483, 0.693], [0.0, 0.282, 0.368], 0.368)

    The dualIB's decoder carries at least as much about Y here:

    >>> dual = ib_curve(binary_joint([0.1, 0.9]), betas=[1.0, 2.0, 10.0], dual=True)
    >>> bool((dual.i_ty >= curve.i_ty - 1e-9).all()), bool((dual.i_ty <= dual.i_xy + 1e-9).all())
    (True, True)
    """
    joint = as_joint_distribution(p_xy, "p_xy").cpu()
    grid = np.sort(np.asarray(SZT_BETAS if betas is None else betas, dtype=np.float64).reshape(-1))
    px_full = joint.sum(1)
    px, pyx, x_index = _merge_inputs(joint)
    if dual and bool((pyx <= 0).any()):
        raise ValueError("p_xy: the dualIB needs p(y|x) > 0 for every x with p(x) > 0 (its distortion "
                         "D_KL[p(y|t) ‖ p(y|x)] is infinite otherwise); smooth the labels, e.g. a logistic p(y|x)")
    problem = _Problem(px, pyx, dual)
    cap = len(px) if n_clusters is None else min(n_clusters, len(px))
    generator = make_generator(seed)
    h_x, h_y = _entropy(px_full), _entropy(joint.sum(0))
    i_xy = float(torch.special.xlogy(joint, joint / (px_full[:, None] * joint.sum(0)[None, :]).clamp_min(1e-300)).sum())

    passes: dict[str, list[dict[str, Any]]] = {}
    bar = progress_bar(total=len(grid) * (2 if anneal == "both" else 1), enabled=progress,
                       desc="dualIB" if dual else "IB", unit="β")

    def trace(q: torch.Tensor, direction: str) -> list[dict[str, Any]]:
        """Solve each β in turn from the previous solution: descending β for "down", ascending for
        "up" (splitting every cluster first, up to ``cap``); returned in ascending β."""
        found = []
        for beta in grid[::-1] if direction == "down" else grid:
            if direction == "up" and q.shape[1] * 2 <= cap:
                q = _split(q, generator)
            q, its, ok = problem.solve(q, float(beta), tol, max_iter, merge_tol)
            q = problem.merge_clusters(q, merge_tol)
            found.append({**problem.quantities(q, float(beta)), "iterations": its, "converged": ok,
                          "annealing": direction})
            bar.update()
        return found[::-1] if direction == "down" else found

    if anneal in ("down", "both"):
        if cap == len(px):
            start = torch.eye(len(px), dtype=DTYPE)
        else:  # fewer clusters than inputs: a random soft assignment
            start = torch.rand(len(px), cap, generator=generator, dtype=DTYPE)
            start = start / start.sum(1, keepdim=True)
        passes["down"] = trace(start, "down")
    if anneal in ("up", "both"):
        passes["up"] = trace(torch.ones(len(px), 1, dtype=DTYPE), "up")
    bar.close()

    best = [min(candidates, key=lambda s: s["free_energy"]) for candidates in zip(*passes.values())]
    not_settled = [float(b) for b, s in zip(grid, best) if not s["converged"]]
    if not_settled:
        warnings.warn(f"ib_curve: {len(not_settled)} of {len(grid)} β did not converge to tol={tol:g} within "
                      f"max_iter={max_iter} iterations (β = {', '.join(f'{b:.4g}' for b in not_settled[:8])}"
                      f"{', …' if len(not_settled) > 8 else ''}); see IBCurve.converged", IBConvergenceWarning,
                      stacklevel=3)

    def column(key: str, dtype: Any = np.float64) -> np.ndarray:
        return np.array([s[key] for s in best], dtype=dtype)

    return IBCurve(
        beta=grid, i_xt=column("i_xt"), i_ty=column("i_ty"), i_ty_decoder=column("i_ty_decoder"),
        n_clusters=column("n_clusters", np.int64), free_energy=column("free_energy"),
        converged=column("converged", bool), iterations=column("iterations", np.int64),
        annealing=column("annealing", object), dual=dual, h_x=h_x, h_y=h_y, i_xy=i_xy, x_index=x_index,
        critical_beta=ib_critical_beta(joint),
        encoders=[s["encoder"] for s in best] if keep_encoders else None,
        decoders=[s["decoder"] for s in best] if keep_encoders else None,
    )


@validate_params(p_xy=JointDistribution())
def ib_critical_beta(p_xy: Any) -> float:
    """The β at which the trivial IB solution (one cluster, I(X;T) = 0) stops being optimal.

    A small perturbation f of the trivial encoder changes F_β at second order by
    ½(E[f²] − β E[E[f|Y]²]), so the trivial solution is stable while β < 1/λ₂, with
    λ₂ = ρ², ρ the second singular value of p(x, y)/√(p(x) p(y)) (the maximal
    correlation of X and Y).

    Parameters
    ----------
    p_xy : array-like of shape (n_x, n_y)
        The joint distribution, rows x, columns y (non-negative, summing to 1 within 1e-9).

    Returns
    -------
    float
        1/ρ² (``inf`` when X and Y are independent).

    Raises
    ------
    ValueError
        If ``p_xy`` is not a finite 2-D non-negative array summing to 1.

    Examples
    --------
    For a binary symmetric channel with flip probability ε and uniform X, ρ = 1 − 2ε:

    >>> import numpy as np
    >>> from ipcore.bottleneck import binary_joint, ib_critical_beta
    >>> round(ib_critical_beta(binary_joint([0.1, 0.9])), 6)            # 1 / 0.8²
    1.5625
    >>> ib_critical_beta(np.full((2, 3), 1 / 6))                        # independent
    inf
    """
    joint = as_joint_distribution(p_xy, "p_xy").cpu()
    px, py = joint.sum(1), joint.sum(0)
    keep_x, keep_y = px > 0, py > 0
    a = joint[keep_x][:, keep_y] / torch.sqrt(px[keep_x, None] * py[None, keep_y])
    singular = torch.linalg.svdvals(a)
    rho = float(singular[1]) if len(singular) > 1 else 0.0
    return math.inf if rho <= 1e-12 else 1.0 / rho**2


@validate_params(p_y1=Array(ndim=(1,)), p_x=Optional(Array(ndim=(1,), positive=True)))
def binary_joint(p_y1: Any, p_x: Any = None) -> np.ndarray:
    """p(x, y) for y ∈ {0, 1} from p(y = 1 | x) (one value per x in [0, 1]) and p(x) (uniform by default).

    Column 0 is y = 0, column 1 is y = 1:

        p(x, 1) = p(x) p(y=1|x),   p(x, 0) = p(x) (1 − p(y=1|x)).

    Parameters
    ----------
    p_y1 : array-like of shape (n_x,)
        p(y = 1 | x) for each x, in [0, 1].
    p_x : array-like of shape (n_x,) or None, default None
        p(x), positive and summing to 1 within 1e-9 (``None``: uniform).

    Returns
    -------
    numpy.ndarray
        p(x, y) of shape (n_x, 2), float64.

    Raises
    ------
    ValueError
        If ``p_y1`` is not a finite 1-D array of probabilities in [0, 1], or ``p_x`` is not a
        finite 1-D array of values > 0 with one per x and summing to 1.

    Examples
    --------
    >>> from ipcore.bottleneck import binary_joint
    >>> binary_joint([0.1, 0.9]).round(12).tolist()
    [[0.45, 0.05], [0.05, 0.45]]
    >>> binary_joint([0.0, 1.0], p_x=[0.25, 0.75]).tolist()
    [[0.25, 0.0], [0.0, 0.75]]
    """
    p1 = np.asarray(p_y1, dtype=np.float64)
    if ((p1 < 0) | (p1 > 1)).any():
        raise ValueError(f"p_y1: must be probabilities in [0, 1], got min {p1.min():.3g}, max {p1.max():.3g}")
    px = check_weights(p_x, len(p1), device=torch.device("cpu"), name="p_x").numpy()
    return np.stack([px * (1 - p1), px * p1], axis=1)
