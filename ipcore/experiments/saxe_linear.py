"""Saxe et al. (2018): a deep linear student of a noisy linear teacher, measured exactly.

The teacher draws X ~ N(0, I_{N_i}) and answers Y = W_o X + ε_o, ε_o ~ N(0, σ_o²), reading
only the first ``n_relevant`` inputs (all of them by default); its weights are N(0, 1/n_relevant),
so that the signal W_o X has variance 1 and the signal-to-noise ratio is 1/σ_o². A
:class:`~ipcore.nets.models.DeepLinearNetwork` student learns from P samples by full-batch
gradient descent on the mean squared error. Its layers are linear, so with measurement noise
ε_MI ~ N(0, σ²_MI I) added to a layer, every information quantity is a log-determinant
(:func:`~ipcore.estimators.closed_forms.linear_layer_information`), and the generalisation
error is E_g = ‖W_o − W_tot‖²_F + σ_o² (for X ~ N(0, I)). All information in nats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from ipcore.config import progress_bar
from ipcore.estimators.closed_forms import linear_layer_information
from ipcore.nets.models import DeepLinearNetwork
from ipcore.nets.training import Recorder, Snapshot, log_spaced_epochs, train
from ipcore.seeding import derive_seed, make_generator, seed_everything
from ipcore.experiments.profiles import chapter_settings, register_profiles
from ipcore.validation import (check_int, check_number, check_positive_int, check_positive_numbers,
                               check_seed)

PROFILES = register_profiles(__name__, {
    "smoke": {"epochs": 2000, "n_log": 40, "sample_sizes": (50, 100, 400), "many_samples": 4},
    "paper": {"epochs": 20000, "n_log": 150, "sample_sizes": (25, 50, 100, 200, 400, 1000), "many_samples": 10},
})
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
        ``epochs``, ``n_log`` (logged epochs), ``sample_sizes`` (the training-set sizes P
        compared) and ``many_samples`` (P as a multiple of N_i for the large-P runs); a copy.

    Raises
    ------
    ValueError
        If ``profile`` is not a profile name.

    Examples
    --------
    >>> profile_settings("smoke")
    {'epochs': 2000, 'n_log': 40, 'sample_sizes': (50, 100, 400), 'many_samples': 4}
    """
    return chapter_settings(__name__, profile)


@dataclass(frozen=True)
class LinearTeacherConfig:
    """One student–teacher run. Defaults: the set-up of the spec (N_i = N_h = P = 100, one
    hidden layer, σ²_MI = 1, SNR 1); the learning rate and the initial scale were not published.

    A frozen dataclass. The teacher is Y = W_o X + ε_o with X ~ N(0, I_{N_i}),
    ε_o ~ N(0, σ_o²) and W_o ~ N(0, 1/n_relevant) on the relevant inputs (0 elsewhere).

    Parameters
    ----------
    n_inputs : int, default 100
        N_i, the input dimension.
    n_relevant : int, optional
        The teacher reads inputs 0 … n_relevant − 1 (None: all), in [1, n_inputs].
    n_hidden : int, default 100
        N_h, the width of every hidden layer.
    depth : int, default 1
        Hidden layers.
    n_train : int, default 100
        P, the training samples.
    teacher_noise : float, default 1.0
        σ_o², the variance of the teacher's output noise (signal variance 1), ≥ 0.
    lr : float, default 0.02
        Learning rate of full-batch gradient descent.
    epochs : int, default 20000
        Training epochs, at least 2.
    init_std : float, default 0.01
        Standard deviation of every initial weight.
    n_log : int, default 150
        Logged epochs (log-spaced, with epoch 0), at least 2.
    seed : int, default 0
        Seed of the teacher, the data and the student.

    Raises
    ------
    ValueError
        Naming the first field out of range.

    Examples
    --------
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, depth=2)
    >>> config.relevant, config.widths
    (2, (3, 2, 2, 1))
    >>> LinearTeacherConfig(n_inputs=3, n_relevant=5)
    Traceback (most recent call last):
    ...
    ValueError: n_relevant: must be an integer in [1, 3], got 5
    """

    n_inputs: int = 100
    n_relevant: int | None = None  #: the teacher reads inputs 0 … n_relevant − 1 (None: all)
    n_hidden: int = 100
    depth: int = 1  #: hidden layers
    n_train: int = 100  #: P, the training samples
    teacher_noise: float = 1.0  #: σ_o², the variance of the teacher's output noise (signal variance 1)
    lr: float = 0.02
    epochs: int = 20000
    init_std: float = 0.01  #: std of every initial weight
    n_log: int = 150  #: logged epochs (log-spaced, with epoch 0)
    seed: int = 0

    def __post_init__(self) -> None:
        check_positive_int(self.n_inputs, "n_inputs")
        if self.n_relevant is not None:
            check_int(self.n_relevant, "n_relevant", low=1, high=self.n_inputs)
        check_positive_int(self.n_hidden, "n_hidden")
        check_positive_int(self.depth, "depth")
        check_positive_int(self.n_train, "n_train")
        check_number(self.teacher_noise, "teacher_noise", allow_zero=True)
        check_number(self.lr, "lr")
        if check_positive_int(self.epochs, "epochs") < 2:
            raise ValueError(f"epochs: must be >= 2, got {self.epochs}")
        check_number(self.init_std, "init_std")
        if check_positive_int(self.n_log, "n_log") < 2:
            raise ValueError(f"n_log: must be >= 2, got {self.n_log}")
        check_seed(self.seed)

    @property
    def relevant(self) -> int:
        """The number of inputs the teacher reads (``n_relevant``, or ``n_inputs`` when None).

        Examples
        --------
        >>> LinearTeacherConfig().relevant
        100
        """
        return self.n_inputs if self.n_relevant is None else int(self.n_relevant)

    @property
    def widths(self) -> tuple[int, ...]:
        """The student's layer widths: (N_i, N_h, …, N_h, 1) with ``depth`` hidden layers.

        Examples
        --------
        >>> LinearTeacherConfig(n_inputs=4, n_hidden=3, depth=2).widths
        (4, 3, 3, 1)
        """
        return (self.n_inputs,) + (self.n_hidden,) * self.depth + (1,)


@dataclass
class LinearRun:
    """What a run keeps: the teacher, and per logged epoch every layer's W̄ and the errors.

    Made by :func:`ipcore.experiments.saxe_linear.run_linear`; E logged epochs, D = ``depth``.
    W̄_ℓ = W_ℓ ⋯ W_1 is the product of the weights up to layer ℓ, so that layer ℓ computes
    W̄_ℓ X; every information quantity of the run follows from it.

    Parameters
    ----------
    config : LinearTeacherConfig
        The run's parameters.
    teacher : ndarray, shape (1, N_i)
        W_o.
    epochs : ndarray of int, shape (E,)
        The logged epochs.
    products : list of ndarray
        Per layer ℓ = 1 … D + 1, W̄_ℓ over epochs, shape (E, width_ℓ, N_i).
    train_error : ndarray, shape (E,)
        Mean squared error on the P training samples.
    test_error : ndarray, shape (E,)
        E_g = ‖W_o − W_tot‖²_F + σ_o², the generalisation error.

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> run.layers
    ['layer 1', 'output']
    """

    config: LinearTeacherConfig
    teacher: np.ndarray  #: W_o, (1, N_i)
    epochs: np.ndarray  #: (E,)
    products: list[np.ndarray]  #: per layer ℓ = 1 … D + 1, W̄_ℓ over epochs, (E, width_ℓ, N_i)
    train_error: np.ndarray  #: (E,) mean squared error on the P training samples
    test_error: np.ndarray  #: (E,) E_g = ‖W_o − W_tot‖²_F + σ_o²

    @property
    def layers(self) -> list[str]:
        """Names of the layers: ``"layer 1"`` … ``"layer D"`` and ``"output"``."""
        return [f"layer {i + 1}" for i in range(self.config.depth)] + ["output"]


def teacher_data(config: LinearTeacherConfig) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """W_o (1, N_i) and the training set (X (P, N_i), Y (P, 1)), float64, from the run's seed.

    Y = W_o X + ε_o, X ~ N(0, I), ε_o ~ N(0, σ_o²); W_o ~ N(0, 1/n_relevant) on the relevant
    inputs, 0 on the others, so that the signal W_o X has variance 1.

    Parameters
    ----------
    config : LinearTeacherConfig
        The run's parameters (N_i, n_relevant, P, σ_o², seed).

    Returns
    -------
    teacher : ndarray, shape (1, N_i)
        W_o.
    x : torch.Tensor of float64, shape (P, N_i)
        The training inputs.
    y : torch.Tensor of float64, shape (P, 1)
        The teacher's answers.

    Examples
    --------
    >>> teacher, x, y = teacher_data(LinearTeacherConfig(n_inputs=3, n_relevant=2, n_train=10))
    >>> teacher.round(3), tuple(x.shape), tuple(y.shape)
    (array([[ 0.954, -0.088,  0.   ]]), (10, 3), (10, 1))
    """
    g = make_generator(derive_seed(config.seed, "linear teacher"))
    teacher = torch.zeros(1, config.n_inputs, dtype=torch.float64)
    teacher[0, :config.relevant] = torch.randn(config.relevant, generator=g, dtype=torch.float64) / config.relevant**0.5
    x = torch.randn(config.n_train, config.n_inputs, generator=g, dtype=torch.float64)
    y = x @ teacher.T + config.teacher_noise**0.5 * torch.randn(config.n_train, 1, generator=g, dtype=torch.float64)
    return teacher.numpy(), x, y


def _squared_error(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((model(x) - y) ** 2).sum(-1).mean()


def run_linear(config: LinearTeacherConfig = LinearTeacherConfig(), *, progress: bool = False) -> LinearRun:
    """Train the student by full-batch gradient descent; keep W̄_ℓ and the errors at log-spaced epochs.

    The loss is the mean squared error; plain gradient descent (no momentum) on all P samples
    at every step. ``n_log`` log-spaced epochs (with epoch 0) are logged.

    Parameters
    ----------
    config : LinearTeacherConfig, default LinearTeacherConfig()
        The run's parameters.
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    LinearRun
        The teacher, the products W̄_ℓ and the errors at the logged epochs.

    See Also
    --------
    ipcore.experiments.saxe_linear.information : The run's exact information quantities.
    """
    teacher, x, y = teacher_data(config)
    seed_everything(derive_seed(config.seed, "linear student"))
    model = DeepLinearNetwork(config.widths, init_std=config.init_std)
    schedule = log_spaced_epochs(config.epochs - 1, config.n_log, include_zero=True)
    w_o = torch.from_numpy(teacher)

    def keep_weights(snap: Snapshot) -> Snapshot:  # the activations are not needed: W̄ says it all
        return Snapshot(epoch=snap.epoch, clean={}, parameters=snap.parameters, metrics=snap.metrics)

    def generalisation(m: DeepLinearNetwork) -> dict[str, Any]:
        return {"test_error": float(((w_o - m.products()[-1]) ** 2).sum()) + config.teacher_noise}

    recorder = Recorder(model, x[:1], schedule, record_parameters=True, reduce=keep_weights)
    history = train(model, x, y, loss_fn=_squared_error, epochs=config.epochs, lr=config.lr, batch_size=None,
                    recorder=recorder, seed=config.seed, progress=progress, desc="linear student",
                    evaluate=generalisation, optimizer="sgd", threads=1)
    names = [f"hidden.{i}.0.weight" for i in range(config.depth)] + ["output.weight"]
    weights = [np.stack([s.parameters[n] for s in recorder.snapshots]) for n in names]  # (E, out, in) each
    products, w = [], None
    for layer in weights:
        w = layer if w is None else layer @ w
        products.append(w)
    return LinearRun(config=config, teacher=teacher, epochs=np.array([s.epoch for s in recorder.snapshots]),
                     products=products, train_error=np.array([h["loss"] for h in history]),
                     test_error=np.array([h["test_error"] for h in history]))


def information(run: LinearRun, variance: float = 1.0) -> pd.DataFrame:
    """Exact I(T;X), I(T;Y) and, when the teacher reads a subset, I(T;X_rel) and I(T;X_irr), per
    logged epoch and hidden layer, with measurement noise of variance ``variance`` (σ²_MI).

    One row per (epoch, layer); columns epoch, layer, i_tx, i_ty[, i_t_relevant, i_t_irrelevant].

    The layer T = W̄X + ε_MI, ε_MI ~ N(0, σ²_MI I), is a Gaussian channel: I(T;X) =
    ½ ln det(W̄W̄ᵀ + σ²_MI I) − ½ N_h ln σ²_MI, and the others are log-determinants too
    (:func:`ipcore.estimators.closed_forms.linear_layer_information`, called with
    β = √σ²_MI, the noise's standard deviation). All in nats.

    Parameters
    ----------
    run : LinearRun
        A run.
    variance : float, default 1.0
        σ²_MI, the variance of the measurement noise, > 0.

    Returns
    -------
    pandas.DataFrame
        One row per logged epoch and hidden layer.

    Raises
    ------
    ValueError
        If ``variance`` gives a β outside the estimators' range (from
        :func:`ipcore.estimators.closed_forms.linear_layer_information`).

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> print(information(run).round(3).to_string(index=False))
     epoch   layer  i_tx  i_ty  i_t_relevant  i_t_irrelevant
         0 layer 1   0.0  0.00         0.000           0.000
         9 layer 1   0.6  0.15         0.593           0.003
    """
    config = run.config
    subsets = None
    if config.relevant < config.n_inputs:
        subsets = {"relevant": list(range(config.relevant)), "irrelevant": list(range(config.relevant, config.n_inputs))}
    tables = []
    for name, w in zip(run.layers[:-1], run.products[:-1]):
        values = linear_layer_information(w, np.eye(config.n_inputs), beta=math.sqrt(variance), teacher=run.teacher,
                                          teacher_noise=config.teacher_noise, subsets=subsets)
        tables.append(pd.DataFrame({"epoch": run.epochs, "layer": name, **values}))
    return pd.concat(tables, ignore_index=True)


def check_chapter_parameters(*, n_inputs: int, n_hidden: int, depth: int, n_train: int, sample_sizes: Sequence[int],
                             teacher_noise: float, lr: float, epochs: int, init_std: float, init_stds: Sequence[float],
                             mi_variances: Sequence[float], n_relevant: int, seed: int) -> None:
    """Raise ``ValueError`` naming the first bad parameter of the chapter.

    Parameters
    ----------
    n_inputs, n_hidden, depth, n_train : int
        N_i, N_h, the hidden layers and P, positive integers.
    sample_sizes : sequence of int
        The training-set sizes P compared, whole numbers > 0.
    teacher_noise : float
        σ_o², ≥ 0.
    lr : float
        Learning rate, > 0.
    epochs : int
        Training epochs, at least 2.
    init_std : float
        The initial weight scale, > 0.
    init_stds : sequence of float
        The initial weight scales compared, each > 0.
    mi_variances : sequence of float
        The measurement noise variances σ²_MI of the slider, each > 0.
    n_relevant : int
        Relevant inputs of the split teacher, in [1, n_inputs − 1].
    seed : int
        A non-negative integer.

    Raises
    ------
    ValueError
        Naming the first parameter out of range (the fields of
        :class:`ipcore.experiments.saxe_linear.LinearTeacherConfig` first).

    Examples
    --------
    >>> check_chapter_parameters(n_inputs=3, n_hidden=2, depth=1, n_train=10, sample_sizes=[10, 20],
    ...                          teacher_noise=1.0, lr=0.02, epochs=100, init_std=0.01,
    ...                          init_stds=[0.01, 0.1], mi_variances=[1.0], n_relevant=3, seed=0)
    Traceback (most recent call last):
    ...
    ValueError: n_relevant: must leave some irrelevant inputs, below n_inputs = 3
    """
    LinearTeacherConfig(n_inputs=n_inputs, n_hidden=n_hidden, depth=depth, n_train=n_train,
                        teacher_noise=teacher_noise, lr=lr, epochs=epochs, init_std=init_std, seed=seed)
    for p in check_positive_numbers(sample_sizes, "sample_sizes", meaning="training-set sizes P"):
        if p != int(p):
            raise ValueError(f"sample_sizes: must be whole numbers of samples, got {p:g}")
    check_positive_numbers(init_stds, "init_stds", meaning="initial weight scales")
    check_positive_numbers(mi_variances, "mi_variances", meaning="measurement noise variances σ²_MI")
    if check_int(n_relevant, "n_relevant", low=1, high=n_inputs) == n_inputs:
        raise ValueError(f"n_relevant: must leave some irrelevant inputs, below n_inputs = {n_inputs}")


def runs(base: LinearTeacherConfig, variations: Sequence[Mapping[str, Any]], *, progress: bool = True) -> list[LinearRun]:
    """:func:`ipcore.experiments.saxe_linear.run_linear` of ``base`` with each set of changed fields (a bar over the runs).

    Parameters
    ----------
    base : LinearTeacherConfig
        The common parameters.
    variations : sequence of mapping
        Per run, the fields that differ from ``base`` (e.g. ``{"n_train": 400}``).
    progress : bool, default True
        Show a bar over the runs.

    Returns
    -------
    list of LinearRun
        One run per variation, in order.

    Raises
    ------
    ValueError
        If a variation sets a field out of range.
    """
    return [run_linear(replace(base, **dict(v))) for v in progress_bar(variations, enabled=progress, desc="students")]


def compression(values: np.ndarray) -> float:
    """How far a curve falls after its peak: max over t of (max_{s ≤ t} v_s − v_t), ≥ 0 (nats).

    Parameters
    ----------
    values : array_like, shape (E,)
        A curve over logged epochs, e.g. I(T;X).

    Returns
    -------
    float
        The largest fall below the running maximum; 0 for a curve that never falls.

    Examples
    --------
    >>> compression([0.1, 0.5, 0.3, 0.4])
    0.2
    >>> compression([0.1, 0.2, 0.3])
    0.0
    """
    v = np.asarray(values, dtype=np.float64)
    return float((np.maximum.accumulate(v) - v).max())


def summary(by_size: Sequence[LinearRun], variance: float) -> pd.DataFrame:
    """Per training-set size P: I(T;X) at the start and end, its largest fall after a peak, and the
    generalisation error at its minimum and at the end (first hidden layer; nats).

    Parameters
    ----------
    by_size : sequence of LinearRun
        One run per P.
    variance : float
        σ²_MI, the variance of the measurement noise.

    Returns
    -------
    pandas.DataFrame
        One row per run: P, I(T;X) start, I(T;X) end, I(T;X) largest fall
        (:func:`ipcore.experiments.saxe_linear.compression`), I(T;Y) end, E_g min, epoch of
        E_g min, E_g end, train error end.

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> table = summary([run], 1.0)
    >>> print(table[["P", "I(T;X) start", "I(T;X) end", "I(T;Y) end", "E_g end"]].round(3).to_string(index=False))
     P  I(T;X) start  I(T;X) end  I(T;Y) end  E_g end
    10           0.0         0.6        0.15      1.2
    """
    rows = []
    for run in by_size:
        first = information(run, variance).query("layer == 'layer 1'")
        rows.append({"P": run.config.n_train, "I(T;X) start": first.i_tx.iloc[0], "I(T;X) end": first.i_tx.iloc[-1],
                     "I(T;X) largest fall": compression(first.i_tx), "I(T;Y) end": first.i_ty.iloc[-1],
                     "E_g min": run.test_error.min(), "epoch of E_g min": int(run.epochs[run.test_error.argmin()]),
                     "E_g end": run.test_error[-1], "train error end": run.train_error[-1]})
    return pd.DataFrame(rows)


def _size_colours(n: int) -> list:
    return [plt.get_cmap("viridis")(x) for x in np.linspace(0.0, 0.9, n)]


def plane_slider_figure(by_size: Sequence[LinearRun], variances: Sequence[float]) -> go.Figure:
    """I(T;X) and I(T;Y) of the first hidden layer over epochs, one line per P, and the
    information plane, with a slider over the measurement noise variance σ²_MI.

    Parameters
    ----------
    by_size : sequence of LinearRun
        One run per P (one line each).
    variances : sequence of float
        The slider's σ²_MI; the one nearest to 1 (in log) is shown first.

    Returns
    -------
    plotly.graph_objects.Figure
        Three panels and a slider.

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> fig = plane_slider_figure([run], [0.1, 1.0])
    >>> len(fig.data), fig.layout.title.text
    (6, 'Deep linear student, first hidden layer, σ²_MI = 1')
    """
    from matplotlib.colors import to_hex

    from ipcore.plotting import beta_slider_figure

    colours = [to_hex(c) for c in _size_colours(len(by_size))]
    tables = {v: [information(run, v).query("layer == 'layer 1'") for run in by_size] for v in variances}

    def traces(variance: float):
        for run, part, colour in zip(by_size, tables[variance], colours):
            name, epochs = f"P = {run.config.n_train}", np.maximum(part.epoch.to_numpy(), 1)
            line = {"color": colour, "width": 2}
            yield go.Scatter(x=epochs, y=part.i_tx, mode="lines", line=line, name=name, legendgroup=name), 1, 1
            yield go.Scatter(x=epochs, y=part.i_ty, mode="lines", line=line, name=name, legendgroup=name,
                             showlegend=False), 1, 2
            yield go.Scatter(x=part.i_tx, y=part.i_ty, mode="lines+markers", marker={"size": 4}, line=line, name=name,
                             legendgroup=name, showlegend=False), 1, 3

    fig = beta_slider_figure(list(variances), traces, rows=1, cols=3, label="σ²_MI",
                             active=min(range(len(variances)), key=lambda i: abs(np.log(variances[i]))),
                             subplot_titles=("I(T;X) [nats]", "I(T;Y) [nats]", "information plane"),
                             title=lambda v: f"Deep linear student, first hidden layer, σ²_MI = {v:g}", height=430)
    fig.update_xaxes(type="log", title_text="epoch (epoch 0 drawn at 1)", row=1, col=1)
    fig.update_xaxes(type="log", title_text="epoch (epoch 0 drawn at 1)", row=1, col=2)
    fig.update_xaxes(title_text="I(T;X) [nats]", row=1, col=3)
    fig.update_yaxes(title_text="I(T;Y) [nats]", row=1, col=3)
    return fig


def errors_figure(by_size: Sequence[LinearRun], variance: float) -> plt.Figure:
    """Training error and generalisation error over epochs per P, next to I(T;X) of the first layer.

    Parameters
    ----------
    by_size : sequence of LinearRun
        One run per P.
    variance : float
        σ²_MI of the I(T;X) panel.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels; the dotted lines mark σ_o², the smallest possible error.

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> import matplotlib.pyplot as plt
    >>> fig = errors_figure([run], 1.0)
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['training error', 'generalisation error E_g (dotted: σ_o²)']
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), constrained_layout=True)
    for run, colour in zip(by_size, _size_colours(len(by_size))):
        epochs = np.maximum(run.epochs, 1)
        first = information(run, variance).query("layer == 'layer 1'")
        axes[0].plot(epochs, run.train_error, color=colour, label=f"P = {run.config.n_train}")
        axes[1].plot(epochs, run.test_error, color=colour)
        axes[2].plot(epochs, first.i_tx, color=colour)
    noise = by_size[0].config.teacher_noise
    for ax in axes[:2]:
        ax.axhline(noise, color="grey", ls=":", lw=1)
    axes[0].set(title="training error", ylabel="mean squared error")
    axes[1].set(title="generalisation error E_g (dotted: σ_o²)", yscale="log")
    axes[2].set(title=f"I(T;X), first hidden layer, σ²_MI = {variance:g} [nats]")
    for ax in axes:
        ax.set(xscale="log", xlabel="epoch")
    axes[0].legend(fontsize=8)
    return fig


def subspace_figure(split_runs: Sequence[LinearRun], variance: float) -> plt.Figure:
    """I(T;X), I(T;X_rel) and I(T;X_irr) of the first hidden layer over epochs, one panel per run,
    each shifted by its value at epoch 0 (so that rises and falls compare across panels).

    Parameters
    ----------
    split_runs : sequence of LinearRun
        Runs whose teacher reads a subset of the inputs (``n_relevant`` < ``n_inputs``).
    variance : float
        σ²_MI, the variance of the measurement noise.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per run.

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> import matplotlib.pyplot as plt
    >>> fig = subspace_figure([run], 1.0)
    >>> fig.axes[0].get_title()
    'P = 10, initial std 0.01'
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, len(split_runs), figsize=(3.6 * len(split_runs), 3.6), constrained_layout=True,
                             squeeze=False)
    for ax, run in zip(axes[0], split_runs):
        first = information(run, variance).query("layer == 'layer 1'")
        epochs = np.maximum(first.epoch.to_numpy(), 1)
        for column, label, colour in (("i_tx", "I(T;X)", "#21918c"), ("i_t_relevant", "I(T;X_rel)", "#e8743b"),
                                      ("i_t_irrelevant", "I(T;X_irr)", "#440154")):
            values = first[column].to_numpy()
            ax.plot(epochs, values - values[0], color=colour, label=f"{label} (from {values[0]:.2f})")
        c = run.config
        ax.set(xscale="log", xlabel="epoch", title=f"P = {c.n_train}, initial std {c.init_std:g}")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("change since epoch 0 [nats]")
    return fig


def subspace_table(split_runs: Sequence[LinearRun], variance: float) -> pd.DataFrame:
    """Per split run: the start, extreme and end values of I(T;X_rel) and I(T;X_irr) (first layer).

    Parameters
    ----------
    split_runs : sequence of LinearRun
        Runs whose teacher reads a subset of the inputs.
    variance : float
        σ²_MI, the variance of the measurement noise.

    Returns
    -------
    pandas.DataFrame
        One row per run: P, init_std, I(T;X_rel) start and end, I(T;X_irr) start, min and
        end, and the largest fall of I(T;X) (nats).

    Examples
    --------
    >>> import numpy as np
    >>> config = LinearTeacherConfig(n_inputs=3, n_relevant=2, n_hidden=2, n_train=10, epochs=10, n_log=2)
    >>> w1 = np.array([[[0.01, 0.0, 0.0], [0.0, 0.01, 0.0]], [[1.0, 0.2, 0.1], [0.1, 0.8, 0.05]]])
    >>> run = LinearRun(config, teacher=np.array([[0.7, 0.7, 0.0]]), epochs=np.array([0, 9]),
    ...                 products=[w1, np.array([[[0.01, 0.01]], [[0.6, 0.7]]]) @ w1],
    ...                 train_error=np.array([2.0, 1.1]), test_error=np.array([2.0, 1.2]))
    >>> table = subspace_table([run], 1.0)
    >>> print(table[["P", "I(T;X_rel) end", "I(T;X_irr) end"]].round(3).to_string(index=False))
     P  I(T;X_rel) end  I(T;X_irr) end
    10           0.593           0.003
    """
    rows = []
    for run in split_runs:
        first = information(run, variance).query("layer == 'layer 1'")
        rows.append({"P": run.config.n_train, "init_std": run.config.init_std,
                     "I(T;X_rel) start": first.i_t_relevant.iloc[0], "I(T;X_rel) end": first.i_t_relevant.iloc[-1],
                     "I(T;X_irr) start": first.i_t_irrelevant.iloc[0], "I(T;X_irr) min": first.i_t_irrelevant.min(),
                     "I(T;X_irr) end": first.i_t_irrelevant.iloc[-1],
                     "I(T;X) largest fall": compression(first.i_tx)})
    return pd.DataFrame(rows)
