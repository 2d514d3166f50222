"""The information probe: I(X;T_ℓ) and I(T_ℓ;Y) of chosen layers of any model, while it trains.

In outline (``model``, ``x_measure``, ``y_measure`` and ``train_one_epoch`` are yours; the
runnable examples are in :class:`InformationProbe`'s docstring)::

    probe = InformationProbe(model, x_measure, y_measure, layers=["conv2", "fc1"], beta=0.1)
    for epoch in range(epochs):
        train_one_epoch(model)          # your own loop; the noise is on while it trains
        probe.record(epoch)             # representations → estimates, replicas dropped
    probe.table()                       # epoch, layer, mi_x, mi_x_std, mi_y, mi_y_std (nats)
    probe.plane()                       # the information plane

At each record, the measured inputs X (m of them, equally likely) go through the model
once with the noise off (the clean representations S_ℓ, for binning and the KDE bounds) and
R times with the noise on, stacked into one batch (each layer's S_ℓ with the noise of the
layers before it: the replicas of the sample-propagation estimator). The estimates are taken
at once and the representations dropped, so memory does not grow with the epochs.

Estimators (``estimator=``), all in nats:

- ``"sp"``, sample propagation (Goldfeld et al. 2019), for noisy layers (β > 0):
  I(X;T_ℓ) = h(T_ℓ) − (1/m) Σ_i h(T_ℓ | X = x_i), each a Gaussian-mixture entropy
  (:func:`~ipcore.estimators.sp_mutual_information`; h(T|X) = (d/2) ln(2πeβ²) exactly for the
  first noisy layer), and I(T_ℓ;Y) by :func:`~ipcore.estimators.sp_label_information`.
- ``"binning"`` (Shwartz-Ziv & Tishby) on the clean S_ℓ with bins of ``bin_width``:
  I(X; Bin S) = H(Bin S) and I(Bin S; Y).
- ``"kde"``: Kolchinsky & Tracey's upper bounds on the clean S_ℓ with noise of standard
  deviation ``kde_beta`` (Saxe et al. state its variance σ² = ``kde_beta`` squared).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from torch import nn

from ipcore.estimators import (binned_entropy, binned_mutual_information, kde_mutual_information,
                               sp_label_information, sp_mutual_information)
from ipcore.deprecation import variance_to_beta
from ipcore.nets.hooks import add_noise
from ipcore.plotting import information_plane
from ipcore.validation import (Beta, Choice, Flag, InstanceOf, Integer, Optional, Real, Seed, Unchecked, as_labels,
                               validate_params)

#: The estimators a probe offers, and what each needs.
ESTIMATORS = {"sp": "noisy layers (beta > 0)", "binning": "bin_width", "kde": "kde_beta"}
#: Rows per forward pass when recording (inputs × replicas are stacked, then cut into chunks).
RECORD_CHUNK = 4096


class InformationProbe:
    """Noise after ``layers`` of ``model``, and the information of those layers at each record.

    Each chosen layer's output S_ℓ becomes T_ℓ = S_ℓ + β Z, Z ~ N(0, I) (through
    :func:`~ipcore.nets.add_noise`, in training and evaluation alike). At each
    :meth:`record` the measured inputs X (m of them, equally likely) go through the model
    once with the noise off (the clean S_ℓ) and R times with the noise on (each layer's S_ℓ
    with the noise of the layers before it: the replicas of the sample-propagation
    estimator); the estimates are taken at once and the representations dropped. The
    estimators, all in nats:

    - ``"sp"``, sample propagation (Goldfeld et al. 2019), for noisy layers (β > 0):
      I(X;T_ℓ) = h(T_ℓ) − (1/m) Σ_i h(T_ℓ | X = x_i), each a Gaussian-mixture entropy
      (:func:`~ipcore.estimators.sp_mutual_information`; h(T|X) = (d/2) ln(2πeβ²) exactly
      for the first noisy layer), and I(T_ℓ;Y) by :func:`~ipcore.estimators.sp_label_information`;
    - ``"binning"`` (Shwartz-Ziv & Tishby) on the clean S_ℓ with bins of ``bin_width``:
      I(X; Bin S) = H(Bin S) and I(Bin S; Y);
    - ``"kde"``: Kolchinsky & Tracey's upper bounds on the clean S_ℓ with noise of standard
      deviation ``kde_beta`` (Saxe et al. state its variance σ² = ``kde_beta`` squared).

    Parameters
    ----------
    model : nn.Module
        Any model; its class is not changed.
    inputs : torch.Tensor
        The measured inputs X, (m, …) with m ≥ 2, uniform over them.
    labels : array-like of shape (m,) or None, default None
        Their integer classes (``None``: I(T;Y) is not estimated).
    layers : list of str, or type
        Module names (see ``dict(model.named_modules())``) or a module type.
    beta : float
        The noise standard deviation β ≥ 0 after each chosen layer (0: deterministic, then
        ``estimator`` must be ``"binning"`` or ``"kde"``).
    estimator : str, default "sp"
        ``"sp"``, ``"binning"`` or ``"kde"`` (``ipcore.measure.ESTIMATORS``).
    replicas : int, default 10
        Noisy passes per input for the conditional entropies of ``"sp"``, ≥ 1.
    bin_width : float or None, default None
        The bin width of ``"binning"``, > 0 (needed there).
    kde_beta : float or None, default None
        The noise standard deviation of ``"kde"``'s kernel, > 0 (needed there). Saxe et al.'s
        σ² = 1e-3 is ``kde_beta=math.sqrt(1e-3)``; the old ``kde_variance=σ²`` (ipcore 0.1)
        still works, converted, with a :class:`DeprecationWarning`.
    n_mc : int, default 10
        Monte Carlo draws per mixture component of ``"sp"``, ≥ 1.
    seed : int, default 0
        Seeds the noise and the Monte Carlo draws.
    train_noise : bool, default True
        ``False``: the noise is on only while recording (a network trained without it,
        measured as a noisy one).

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module`` or ``inputs`` not a ``torch.Tensor``.
    ValueError
        If ``inputs`` has fewer than 2 rows; ``labels`` are not integers, one per input;
        ``layers`` names a module the model does not have (the message lists them);
        ``beta`` is negative, not finite, or outside [1e-100, 1e100] other than 0;
        ``estimator`` is not one of the three, or is ``"sp"`` with β = 0, ``"binning"``
        without ``bin_width`` (named ``bin_width``) or ``"kde"`` without ``kde_beta``
        (named ``kde_beta``); ``replicas`` or ``n_mc`` is not an integer ≥ 1;
        ``bin_width`` or ``kde_beta`` is not > 0; ``seed`` is not an integer in
        [0, 2⁶³); or ``train_noise`` is not a bool.

    Examples
    --------
    With noise far smaller than the distances between the m inputs' representations,
    I(X;T) is ln m, and I(T;Y) is H(Y):

    >>> import math, torch
    >>> from torch import nn
    >>> from ipcore import InformationProbe
    >>> _ = torch.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    >>> x = torch.randn(20, 2)
    >>> y = (x[:, 0] > 0).long()
    >>> probe = InformationProbe(model, x, y, layers=["1"], beta=1e-3, replicas=3, n_mc=5)
    >>> row = probe.record(epoch=0).iloc[0]
    >>> round(float(row.mi_x), 3), round(math.log(20), 3)
    (2.996, 2.996)
    >>> p1 = float(y.double().mean())
    >>> round(float(row.mi_y), 3), round(-p1 * math.log(p1) - (1 - p1) * math.log(1 - p1), 3)
    (0.647, 0.647)
    >>> probe.remove()
    """

    @variance_to_beta(None, variance="kde_variance", beta="kde_beta")
    @validate_params(model=InstanceOf((nn.Module,)), inputs=InstanceOf((torch.Tensor,)),
                     labels=Unchecked("checked against the inputs below"),
                     layers=Unchecked("module names or types, checked against the model"),
                     beta=Real(low=0), estimator=Choice(tuple(ESTIMATORS)), replicas=Integer(low=1),
                     bin_width=Optional(Real(low=0, open_low=True)), kde_beta=Optional(Beta()),
                     n_mc=Integer(low=1), seed=Seed(), train_noise=Flag())
    def __init__(self, model: nn.Module, inputs: torch.Tensor, labels: Any = None, *, layers: Any, beta: float,
                 estimator: str = "sp", replicas: int = 10, bin_width: float | None = None,
                 kde_beta: float | None = None, n_mc: int = 10, seed: int = 0, train_noise: bool = True) -> None:
        if estimator == "sp" and beta == 0:
            raise ValueError("estimator: 'sp' estimates noisy layers and needs beta > 0; for a deterministic "
                             f"network (beta = 0) choose one of {['binning', 'kde']}")
        if estimator == "binning" and bin_width is None:
            raise ValueError("bin_width: the 'binning' estimator needs a bin width (e.g. 0.07 for tanh layers)")
        if estimator == "kde" and kde_beta is None:
            raise ValueError("kde_beta: the 'kde' estimator needs the noise standard deviation of its kernel "
                             "(e.g. 0.03, Saxe et al.'s variance 1e-3)")
        if len(inputs) < 2:
            raise ValueError(f"inputs: measure at least 2 inputs, got {len(inputs)}")
        self.labels = None if labels is None else as_labels(labels, len(inputs)).cpu().numpy()
        self.model, self.inputs, self.estimator, self.beta = model, inputs, estimator, float(beta)
        self.replicas = replicas if estimator == "sp" else 0
        self.bin_width, self.kde_beta, self.n_mc, self.seed = bin_width, kde_beta, n_mc, seed
        self.noise = add_noise(model, layers, beta, seed=seed)
        self.noise.enabled = train_noise  # the records switch it on for their noisy passes either way
        self.rows: list[dict[str, Any]] = []

    @property
    def layers(self) -> list[str]:
        """The names of the chosen layers, in the order they were given (or the model's, for a type).

        Examples
        --------
        >>> import torch
        >>> from torch import nn
        >>> from ipcore import InformationProbe
        >>> model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU())
        >>> probe = InformationProbe(model, torch.randn(5, 2), layers=nn.ReLU, beta=0.1)
        >>> probe.layers
        ['1', '3']
        """
        return list(self.noise.layers)

    def _passes(self, x: torch.Tensor, *, noise: bool) -> dict[str, np.ndarray]:
        """Each chosen layer's S for the rows of x (flattened to (rows, d)), in chunks."""
        parts: dict[str, list[np.ndarray]] = {}
        for start in range(0, len(x), RECORD_CHUNK):
            with self.noise.capture(noise=noise) as captured:
                self.model(x[start:start + RECORD_CHUNK])
            missing = [n for n in self.noise.layers if n not in captured]
            if missing:
                raise ValueError(f"layers: {missing} did not run in the model's forward pass")
            for name, s in captured.items():
                parts.setdefault(name, []).append(s.reshape(len(s), -1).double().cpu().numpy())
        return {name: np.concatenate(chunks) for name, chunks in parts.items()}

    @validate_params(epoch=Integer(low=0))
    def record(self, epoch: int) -> pd.DataFrame:
        """Estimate every chosen layer's information now; returns this epoch's rows (also kept).

        The model is put in eval mode for the passes (no gradient), then back in the mode it
        was in. ``"sp"`` seeds its Monte Carlo draws with ``seed`` and ``epoch``.

        Parameters
        ----------
        epoch : int
            The epoch the rows are filed under, ≥ 0.

        Returns
        -------
        pandas.DataFrame
            One row per chosen layer: ``epoch``, ``layer``, ``estimator``, ``dim`` (the layer's
            width, flattened), ``mi_x`` = I(X;T), ``mi_x_std``, ``mi_y`` = I(T;Y),
            ``mi_y_std`` (nats; NaN where not estimated: the standard deviations of the
            Monte Carlo estimates exist for ``"sp"`` only, I(T;Y) only with labels).

        Raises
        ------
        ValueError
            If ``epoch`` is not an integer ≥ 0; a chosen layer did not run in the forward
            pass or did not return one tensor (named ``layers``); or the estimator is
            ``"kde"`` and the probe has no labels (named ``labels``).

        Examples
        --------
        With bins so narrow that every input has its own, I(X; Bin S) = H(Bin S) = ln m:

        >>> import math, torch
        >>> from torch import nn
        >>> from ipcore import InformationProbe
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
        >>> probe = InformationProbe(model, torch.randn(16, 2), torch.arange(16) % 2, layers=["1"],
        ...                          beta=0.0, estimator="binning", bin_width=1e-6)
        >>> rows = probe.record(0)
        >>> rows[["epoch", "layer", "estimator", "dim"]].values.tolist()
        [[0, '1', 'binning', 8]]
        >>> round(float(rows.mi_x[0]), 6) == round(math.log(16), 6), round(float(rows.mi_y[0]), 6) == round(math.log(2), 6)
        (True, True)
        """
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                clean = self._passes(self.inputs, noise=False)
                stacked = None
                if self.replicas:
                    m = len(self.inputs)
                    rep = self._passes(self.inputs.repeat(self.replicas, *([1] * (self.inputs.ndim - 1))), noise=True)
                    stacked = {n: s.reshape(self.replicas, m, -1).transpose(1, 0, 2) for n, s in rep.items()}
        finally:
            self.model.train(was_training)
        first = self.noise.order[0]
        rows = [self._estimate(epoch, name, clean[name], None if stacked is None else stacked[name], name == first)
                for name in self.noise.layers]
        self.rows.extend(rows)
        return pd.DataFrame(rows)

    def _estimate(self, epoch: int, layer: str, clean: np.ndarray, replicas: np.ndarray | None,
                  first: bool) -> dict[str, Any]:
        nan = math.nan
        row = {"epoch": int(epoch), "layer": layer, "estimator": self.estimator, "dim": clean.shape[1],
               "mi_x": nan, "mi_x_std": nan, "mi_y": nan, "mi_y_std": nan}
        seed = self.seed + 7919 * int(epoch)
        if self.estimator == "sp":
            est = sp_mutual_information(replicas[:, 0], self.beta, conditional_centers=None if first else replicas,
                                        n_mc=self.n_mc, seed=seed)
            row.update(mi_x=est.mi, mi_x_std=est.mi_std)
            if self.labels is not None:
                lab = sp_label_information(replicas[:, 0], self.labels, self.beta, n_mc=self.n_mc, seed=seed + 2)
                row.update(mi_y=lab.mi, mi_y_std=lab.mi_std)
        elif self.estimator == "binning":
            row["mi_x"] = binned_entropy(clean, width=self.bin_width)
            if self.labels is not None:
                row["mi_y"] = binned_mutual_information(clean, self.labels, width=self.bin_width)
        else:
            if self.labels is None:
                raise ValueError("labels: the 'kde' estimator estimates I(T;X) and I(T;Y) together; give labels")
            kde = kde_mutual_information(clean, self.labels, beta=self.kde_beta)
            row.update(mi_x=kde.mi_x_upper, mi_y=kde.mi_y_upper)
        return row

    def table(self) -> pd.DataFrame:
        """Every record so far: epoch, layer, estimator, dim, mi_x, mi_x_std, mi_y, mi_y_std (nats).

        Returns
        -------
        pandas.DataFrame
            The rows of every :meth:`record`, in order (empty, with these columns, before the
            first).

        Examples
        --------
        >>> import torch
        >>> from torch import nn
        >>> from ipcore import InformationProbe
        >>> model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3), nn.Tanh())
        >>> probe = InformationProbe(model, torch.randn(8, 2), torch.arange(8) % 2, layers=nn.Tanh,
        ...                          beta=0.0, estimator="binning", bin_width=0.1)
        >>> len(probe.table())
        0
        >>> for epoch in range(3):
        ...     _ = probe.record(epoch)
        >>> table = probe.table()
        >>> table.shape, table.layer.tolist()[:2]
        ((6, 8), ['1', '3'])
        """
        columns = ["epoch", "layer", "estimator", "dim", "mi_x", "mi_x_std", "mi_y", "mi_y_std"]
        return pd.DataFrame(self.rows, columns=columns)

    def plane(self, ax: plt.Axes | None = None) -> plt.Figure:
        """The information plane of the records so far (one line per layer, points coloured by epoch).

        I(X;T) on the x axis, I(T;Y) on the y axis, in nats; the colour scale is
        logarithmic in epoch + 1.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or None, default None
            Axes to draw on (``None``: a new figure).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on.

        Raises
        ------
        ValueError
            If nothing has been recorded yet (named ``probe``), or the probe has no labels
            (named ``labels``).

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> import torch
        >>> from torch import nn
        >>> from ipcore import InformationProbe
        >>> model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
        >>> probe = InformationProbe(model, torch.randn(8, 2), torch.arange(8) % 2, layers=["1"],
        ...                          beta=0.0, estimator="binning", bin_width=0.1)
        >>> for epoch in (0, 1):
        ...     _ = probe.record(epoch)
        >>> fig = probe.plane()
        >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
        ('I(X;T) [nats]', 'I(T;Y) [nats]')
        >>> plt.close(fig)
        """
        if not self.rows:
            raise ValueError("probe: nothing recorded yet; call record(epoch) first")
        if self.labels is None:
            raise ValueError("labels: the plane needs I(T;Y); create the probe with labels")
        return information_plane(self.table(), layers=self.layers, ax=ax)

    def remove(self) -> None:
        """Take the noise hooks off the model (it computes what it did before).

        The records so far are kept; recording again is not possible.

        Examples
        --------
        >>> import torch
        >>> from torch import nn
        >>> from ipcore import InformationProbe
        >>> model = nn.Sequential(nn.Linear(2, 4), nn.Tanh())
        >>> x = torch.randn(6, 2)
        >>> before = model(x)
        >>> probe = InformationProbe(model, x, layers=["1"], beta=0.5)
        >>> torch.equal(model(x), before)
        False
        >>> probe.remove()
        >>> torch.equal(model(x), before)
        True
        """
        self.noise.remove()

    def __repr__(self) -> str:
        return (f"InformationProbe({self.estimator}, beta={self.beta:g}, layers={self.layers}, "
                f"{len(self.inputs)} inputs, {len({r['epoch'] for r in self.rows})} records)")

