"""Noisy networks: Gaussian noise of std β after every hidden activation.

A hidden layer computes S_ℓ = a(W_ℓ T_{ℓ−1} + b_ℓ) (the clean value) and
T_ℓ = S_ℓ + Z_ℓ with Z_ℓ ~ N(0, β² I); the next layer reads the noisy T_ℓ.
The noise is on while training and while sampling for estimation; loss and
accuracy are reported for the clean pass (:func:`clean_pass`).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

from ipcore.validation import Beta, Choice, InstanceOf, Real, Widths, check_beta, check_choice, check_number, validate_params
from ipcore.seeding import NormalStream


def check_noise_std(beta: float, name: str = "beta") -> float:
    """β as a float; 0 (the deterministic network) is allowed here, negatives and NaN are not."""
    return check_beta(beta, name, allow_zero=True)


class GaussianNoise(nn.Module):
    """Adds N(0, β² I) to its input, in training and in evaluation alike.

    The layer computes

        T = S + β Z,   Z ~ N(0, I),

    with β the noise standard deviation. Its input is the clean S_ℓ of the layer; the
    training recorder reads it through a forward hook. Inside ``ipcore.nets.models.clean_pass``
    it is the identity. The standard normal numbers come from torch's global generator, or,
    inside ``ipcore.nets.models.noise_source``, from an ``ipcore.seeding.NormalStream``
    (the trainer's: one stream per network, so that a run depends only on its seed).

    Parameters
    ----------
    beta : float
        The noise standard deviation β ≥ 0; 0 makes the layer the identity (the
        deterministic network).

    Attributes
    ----------
    beta : float
        The noise standard deviation.
    enabled : bool
        Whether the noise is on (``False`` inside ``ipcore.nets.models.clean_pass``).
    stream : NormalStream or None
        The stream the standard normal numbers come from; ``None``: torch's global generator.

    Raises
    ------
    ValueError
        If ``beta`` is negative, not finite, not a number, or outside [1e-100, 1e100]
        (other than 0).

    See Also
    --------
    ipcore.nets.RelativeGaussianNoise : noise whose standard deviation scales with the input.
    ipcore.nets.add_noise : the same noise after chosen layers of any model, through hooks.

    Examples
    --------
    The noise has standard deviation β, and stays on in evaluation mode:

    >>> import torch
    >>> from ipcore.nets import GaussianNoise
    >>> _ = torch.manual_seed(0)
    >>> noise = GaussianNoise(0.5).eval()
    >>> s = torch.zeros(20000, 2, dtype=torch.float64)
    >>> round(float(noise(s).std()), 2)
    0.5

    With β = 0 the layer is the identity:

    >>> torch.equal(GaussianNoise(0.0)(s + 1.0), s + 1.0)
    True
    """

    @validate_params(beta=Beta(allow_zero=True))
    def __init__(self, beta: float) -> None:
        super().__init__()
        self.beta = check_noise_std(beta)
        self.enabled = True
        self.stream: NormalStream | None = None

    def scale(self, s: torch.Tensor) -> float | torch.Tensor:
        """The noise standard deviation applied to ``s``: β, whatever ``s`` is.

        Subclasses change this one method to change the noise (e.g.
        :class:`~ipcore.nets.RelativeGaussianNoise`, β·abs(s)).

        Parameters
        ----------
        s : torch.Tensor
            The clean input of the layer.

        Returns
        -------
        float or torch.Tensor
            The standard deviation, a number or a tensor that broadcasts against ``s``.

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import GaussianNoise
        >>> GaussianNoise(0.25).scale(torch.ones(3))
        0.25
        """
        return self.beta

    def standard_normal(self, s: torch.Tensor) -> torch.Tensor:
        """Standard normal numbers shaped like ``s``: from the stream if one is set.

        Parameters
        ----------
        s : torch.Tensor
            The tensor whose shape and dtype the numbers take.

        Returns
        -------
        torch.Tensor
            N(0, 1) numbers of the shape and dtype of ``s``, from ``stream`` when it is set,
            else from torch's global generator.

        Raises
        ------
        ValueError
            If the stream has several members and ``s`` is not split evenly among them
            (its first dimension must be the members).

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import GaussianNoise
        >>> _ = torch.manual_seed(0)
        >>> z = GaussianNoise(0.1).standard_normal(torch.zeros(4, 3, dtype=torch.float64))
        >>> tuple(z.shape), z.dtype
        ((4, 3), torch.float64)
        """
        if self.stream is None:
            return torch.randn_like(s)
        members = self.stream.members
        if s.numel() % members or (members > 1 and s.shape[0] != members):
            raise ValueError(f"noise stream: has {members} members but the input has shape {tuple(s.shape)}")
        return self.stream.take(s.numel() // members).view(s.shape).to(s.dtype)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        """T = S + scale(S) · Z with Z ~ N(0, I); S itself when the noise is off or β = 0.

        Parameters
        ----------
        s : torch.Tensor
            The clean representation S, of any shape.

        Returns
        -------
        torch.Tensor
            The noisy T, of the shape of ``s``.

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import GaussianNoise
        >>> from ipcore.nets.models import clean_pass
        >>> noise = GaussianNoise(1.0)
        >>> s = torch.arange(3.0)
        >>> with clean_pass(noise):       # the noise switched off
        ...     torch.equal(noise(s), s)
        True
        """
        if self.enabled and self.beta > 0:
            return s + self.scale(s) * self.standard_normal(s)
        return s

    def extra_repr(self) -> str:
        """The layer's line in the model's ``repr``: its β.

        Returns
        -------
        str
            ``"beta=<β>"``.

        Examples
        --------
        >>> from ipcore.nets import GaussianNoise
        >>> GaussianNoise(0.1)
        GaussianNoise(beta=0.1)
        """
        return f"beta={self.beta}"


class RelativeGaussianNoise(GaussianNoise):
    """Adds noise of std β·abs(s) to each coordinate s of its input, in training and in evaluation alike.

    Multiplicative noise, as Butakov et al.'s classifier has:

        T = S + β · abs(S) · Z,   Z ~ N(0, I),

    so a coordinate that is 0 stays 0, and β is the noise standard deviation relative to the
    coordinate's magnitude.

    Parameters
    ----------
    beta : float
        The relative noise standard deviation β ≥ 0 (0: the identity).

    Raises
    ------
    ValueError
        If ``beta`` is negative, not finite, not a number, or outside [1e-100, 1e100]
        (other than 0).

    See Also
    --------
    ipcore.nets.GaussianNoise : additive noise of std β.
    ipcore.nets.CompressionCNN : the network that uses it.

    Examples
    --------
    Zeros stay zeros; elsewhere the standard deviation is β·abs(s):

    >>> import torch
    >>> from ipcore.nets import RelativeGaussianNoise
    >>> _ = torch.manual_seed(0)
    >>> noise = RelativeGaussianNoise(0.1)
    >>> torch.equal(noise(torch.zeros(5)), torch.zeros(5))
    True
    >>> t = noise(torch.full((20000,), -2.0, dtype=torch.float64))
    >>> round(float(t.mean()), 2), round(float(t.std()), 2)
    (-2.0, 0.2)
    """

    def scale(self, s: torch.Tensor) -> torch.Tensor:
        """The noise standard deviation of each coordinate: β·abs(s).

        Parameters
        ----------
        s : torch.Tensor
            The clean input of the layer.

        Returns
        -------
        torch.Tensor
            β·abs(s), of the shape of ``s``.

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import RelativeGaussianNoise
        >>> RelativeGaussianNoise(0.5).scale(torch.tensor([-2.0, 0.0, 4.0]))
        tensor([1., 0., 2.])
        """
        return self.beta * s.abs()


@validate_params(model=InstanceOf((nn.Module,)))
def noise_layers(model: nn.Module) -> dict[str, GaussianNoise]:
    """The model's noise layers by qualified name, in the order the model defines them.

    Parameters
    ----------
    model : nn.Module
        Any module.

    Returns
    -------
    dict of str to GaussianNoise
        Every :class:`~ipcore.nets.GaussianNoise` (or subclass) in ``model``, keyed by its name in
        ``model.named_modules()``; empty if there is none.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.

    Examples
    --------
    >>> from ipcore.nets import NoisyMLP, noise_layers
    >>> list(noise_layers(NoisyMLP((4, 3, 3, 2), beta=0.1)))
    ['hidden.0.2', 'hidden.1.2']
    """
    return {name: m for name, m in model.named_modules() if isinstance(m, GaussianNoise)}


@contextmanager
def _noise_layers_set(model: nn.Module, attribute: str, value: object) -> Iterator[nn.Module]:
    """Context in which ``attribute`` of every :class:`GaussianNoise` of ``model`` is ``value``."""
    layers = list(noise_layers(model).values())
    saved = [getattr(m, attribute) for m in layers]
    for m in layers:
        setattr(m, attribute, value)
    try:
        yield model
    finally:
        for m, previous in zip(layers, saved):
            setattr(m, attribute, previous)


def noise_source(model: nn.Module, stream: NormalStream | None):
    """Context in which every :class:`GaussianNoise` of ``model`` draws from ``stream``."""
    return _noise_layers_set(model, "stream", stream)


def clean_pass(model: nn.Module):
    """Context in which every :class:`GaussianNoise` of ``model`` is switched off."""
    return _noise_layers_set(model, "enabled", False)


class SingleNeuron(nn.Module):
    """T = tanh(w X + b) + Z, Z ~ N(0, β²): the paper's one-neuron example.

    One input, one tanh unit, then :class:`~ipcore.nets.GaussianNoise` of std β; computed
    in float64.

    Parameters
    ----------
    beta : float, default 0.0
        The noise standard deviation β ≥ 0 (0: the deterministic neuron).
    w : float, default 0.5
        The weight.
    b : float, default 0.0
        The bias.

    Raises
    ------
    ValueError
        If ``beta`` is not a valid noise standard deviation (negative, not finite, outside
        [1e-100, 1e100] other than 0), or ``w`` or ``b`` is not a finite number in [-1e100, 1e100].

    Examples
    --------
    Without noise the neuron is tanh(w x + b):

    >>> import math, torch
    >>> from ipcore.nets import SingleNeuron
    >>> neuron = SingleNeuron(w=2.0, b=-1.0)
    >>> t = neuron(torch.tensor([1.0, 0.5]))
    >>> t.shape, [round(v, 4) for v in t.flatten().tolist()] == [round(math.tanh(1.0), 4), 0.0]
    (torch.Size([2, 1]), True)
    """

    @validate_params(beta=Beta(allow_zero=True), w=Real(low=-1e100, high=1e100), b=Real(low=-1e100, high=1e100))
    def __init__(self, beta: float = 0.0, w: float = 0.5, b: float = 0.0) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1, dtype=torch.float64)
        with torch.no_grad():
            self.linear.weight.fill_(float(w))
            self.linear.bias.fill_(float(b))
        self.activation = nn.Tanh()
        self.noise = GaussianNoise(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """T = tanh(w x + b) + Z for each input x.

        Parameters
        ----------
        x : torch.Tensor
            Inputs of any shape, read as n scalars.

        Returns
        -------
        torch.Tensor
            T of shape (n, 1), float64.

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import SingleNeuron
        >>> SingleNeuron(w=1.0)(torch.zeros(2, 2)).shape
        torch.Size([4, 1])
        """
        x = x.reshape(-1, 1).to(self.linear.weight.dtype)
        return self.noise(self.activation(self.linear(x)))


class _TanhFromSigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = torch.sigmoid(2.0 * x).mul_(2.0).sub_(1.0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return torch.ops.aten.tanh_backward(grad, y)  # grad · (1 − y²)


class Tanh(nn.Module):
    """tanh(x), computed as 2σ(2x) − 1, with the derivative 1 − tanh²(x).

    The same function as :class:`torch.nn.Tanh`, evaluated through the logistic
    sigmoid, which PyTorch's CPU builds vectorise and its tanh not: 3–4× faster
    on the activations of a large ensemble. The absolute error is at most
    2 ulp of 1 (2e-7 in float32, 4e-16 in float64); only the relative error of
    tiny values is larger than torch.tanh's (1e-4 at |x| = 1e-3 in float32).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _TanhFromSigmoid.apply(x)


#: Hidden activations of :class:`NoisyMLP`.
#: softsign (z / (1 + |z|)) saturates on both sides like tanh, but polynomially; softplus
#: (ln(1 + eᶻ)) on one side only, like ReLU: Saxe et al. compare all four.
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": Tanh, "relu": nn.ReLU, "softsign": nn.Softsign,
                                           "softplus": nn.Softplus, "linear": nn.Identity}

#: Weight initialisations of :class:`NoisyMLP`: PyTorch's default (uniform, Kaiming), or the
#: truncated normal (cut at 2 standard deviations, biases 0) of the SZT code, IDNNs
#: (std 1/√fan_in), or of Saxe et al.'s ibsgd (std 1/√fan_out); or Keras' default, Glorot uniform
#: (Saxe et al.'s MNIST networks).
INITS = ("pytorch", "trunc_normal_fan_in", "trunc_normal_fan_out", "glorot_uniform")


@torch.no_grad()
def initialise_(layer: nn.Linear, init: str) -> None:
    """Initialise ``layer``'s weight and bias in place with the named scheme of :data:`INITS`."""
    check_choice(init, "init", INITS)
    if init == "pytorch":
        layer.reset_parameters()
        return
    fan_out, fan_in = layer.weight.shape
    if init == "glorot_uniform":  # Keras' default: U(±√(6 / (fan_in + fan_out))), bias 0
        nn.init.xavier_uniform_(layer.weight)
        layer.bias.zero_()
        return
    std = 1.0 / math.sqrt(fan_in if init == "trunc_normal_fan_in" else fan_out)
    nn.init.trunc_normal_(layer.weight, std=std, a=-2 * std, b=2 * std)
    layer.bias.zero_()


class _HiddenThenOutput(nn.Module):
    """Hidden layers ``hidden[ℓ]`` (each a Sequential whose first module is its linear map),
    then the linear ``output``: the structure the recorder and the layer names rely on."""

    hidden: nn.ModuleList
    output: nn.Linear

    def linears(self) -> list[nn.Linear]:
        """The linear maps, input to output.

        Returns
        -------
        list of nn.Linear
            The first module of every hidden layer, then ``output``.

        Examples
        --------
        >>> from ipcore.nets import NoisyMLP
        >>> [tuple(m.weight.shape) for m in NoisyMLP((4, 3, 2)).linears()]
        [(3, 4), (2, 3)]
        """
        return [layer[0] for layer in self.hidden] + [self.output]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer's values (logits for a classifier) for a batch of inputs.

        Parameters
        ----------
        x : torch.Tensor
            Inputs of shape (b, input width); converted to the network's dtype.

        Returns
        -------
        torch.Tensor
            Outputs of shape (b, output width), with noise after every hidden layer.

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import NoisyMLP
        >>> NoisyMLP((4, 3, 2))(torch.zeros(5, 4)).shape
        torch.Size([5, 2])
        """
        t = x.to(self.output.weight.dtype)
        for layer in self.hidden:
            t = layer(t)
        return self.output(t)


class NoisyMLP(_HiddenThenOutput):
    """Fully connected network with noise of std β after every hidden activation.

    Hidden layer ℓ computes

        S_ℓ = a(W_ℓ T_{ℓ−1} + b_ℓ),   T_ℓ = S_ℓ + N(0, β² I),

    with T_0 = x; the output layer gives logits, without noise. β = 0 is the deterministic
    network. Hidden layer ℓ is ``hidden.ℓ`` (linear, activation,
    :class:`~ipcore.nets.GaussianNoise`), then comes ``output``.

    Parameters
    ----------
    widths : sequence of int, default (12, 10, 7, 5, 4, 3, 2)
        (input, hidden…, output) widths, at least three; the default 12-10-7-5-4-3-2 is the
        SZT network.
    activation : str, default "tanh"
        The hidden activation a: ``"tanh"``, ``"relu"``, ``"softsign"``, ``"softplus"`` or
        ``"linear"`` (``ipcore.nets.models.ACTIVATIONS``).
    beta : float, default 0.0
        The noise standard deviation β ≥ 0.
    dtype : torch.dtype, default torch.float32
        ``torch.float32`` or ``torch.float64``.
    init : str, default "pytorch"
        The weight initialisation, one of ``ipcore.nets.models.INITS``: ``"pytorch"`` (PyTorch's
        default, uniform), ``"trunc_normal_fan_in"`` or ``"trunc_normal_fan_out"`` (a normal
        truncated at 2 standard deviations, of std 1/√fan_in or 1/√fan_out, biases 0), or
        ``"glorot_uniform"`` (Keras' default).

    Raises
    ------
    ValueError
        If ``widths`` is not a sequence of at least three integers ≥ 1, ``activation``,
        ``dtype`` or ``init`` is not one of its choices, or ``beta`` is not a valid noise
        standard deviation (negative, not finite, outside [1e-100, 1e100] other than 0).

    See Also
    --------
    ipcore.nets.ensemble_of_mlps : N such networks trained as one computation.

    Examples
    --------
    >>> import torch
    >>> from ipcore.nets import NoisyMLP
    >>> _ = torch.manual_seed(0)
    >>> net = NoisyMLP((12, 10, 7, 5, 4, 3, 2), beta=0.1)
    >>> net(torch.zeros(8, 12)).shape
    torch.Size([8, 2])
    >>> len(net.hidden), net.hidden[0]
    (5, Sequential(
      (0): Linear(in_features=12, out_features=10, bias=True)
      (1): Tanh()
      (2): GaussianNoise(beta=0.1)
    ))

    With β = 0 the network is deterministic:

    >>> clean = NoisyMLP((3, 4, 2), beta=0.0)
    >>> x = torch.randn(5, 3)
    >>> torch.equal(clean(x), clean(x))
    True
    """

    @validate_params(widths=Widths(), activation=Choice(tuple(ACTIVATIONS)), beta=Beta(allow_zero=True),
                     dtype=Choice((torch.float32, torch.float64)), init=Choice(INITS))
    def __init__(
        self,
        widths: tuple[int, ...] = (12, 10, 7, 5, 4, 3, 2),
        activation: str = "tanh",
        beta: float = 0.0,
        dtype: torch.dtype = torch.float32,
        init: str = "pytorch",
    ) -> None:
        super().__init__()
        widths, beta = tuple(widths), float(beta)  # checked by the declaration above
        self.widths, self.activation, self.beta, self.init = widths, activation, beta, init
        self.hidden = nn.ModuleList(
            nn.Sequential(nn.Linear(a, b, dtype=dtype), ACTIVATIONS[activation](), GaussianNoise(beta))
            for a, b in zip(widths[:-2], widths[1:-1])
        )
        self.output = nn.Linear(widths[-2], widths[-1], dtype=dtype)
        if init != "pytorch":  # nn.Linear has drawn PyTorch's already: the default draws nothing more
            for layer in self.linears():
                initialise_(layer, init)


class DeepLinearNetwork(_HiddenThenOutput):
    """A deep linear network without biases: y = W_{D+1} ⋯ W_1 x (Saxe et al.'s student).

    Hidden layer ℓ computes

        T_ℓ = W_ℓ T_{ℓ−1} + N(0, β² I),

    with T_0 = x (β = 0 by default: the noise Saxe et al. add is for measurement only, see
    :func:`ipcore.estimators.linear_layer_information`). Every weight is drawn
    N(0, init_std²), small, so that training starts near the origin as in the theory of
    deep linear learning dynamics. :meth:`products` gives W̄_ℓ = W_ℓ ⋯ W_1 for every layer.

    Parameters
    ----------
    widths : sequence of int, default (100, 100, 1)
        (input, hidden…, output) widths, at least three.
    init_std : float, default 1e-2
        The standard deviation of every initial weight, ≥ 0.
    beta : float, default 0.0
        The noise standard deviation β ≥ 0 after every hidden layer.
    dtype : torch.dtype, default torch.float64
        ``torch.float32`` or ``torch.float64``.

    Raises
    ------
    ValueError
        If ``widths`` is not a sequence of at least three integers ≥ 1, ``init_std`` is
        negative or not finite, ``beta`` is not a valid noise standard deviation, or ``dtype``
        is not one of the two.

    Examples
    --------
    Without noise the network is the product of its weights, the last of :meth:`products`:

    >>> import torch
    >>> from ipcore.nets import DeepLinearNetwork
    >>> _ = torch.manual_seed(0)
    >>> net = DeepLinearNetwork((4, 3, 3, 2), init_std=0.5)
    >>> x = torch.randn(6, 4, dtype=torch.float64)
    >>> torch.allclose(net(x), x @ net.products()[-1].T)
    True
    """

    @validate_params(widths=Widths(), init_std=Real(low=0), beta=Beta(allow_zero=True),
                     dtype=Choice((torch.float32, torch.float64)))
    def __init__(self, widths: tuple[int, ...] = (100, 100, 1), init_std: float = 1e-2, beta: float = 0.0,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.widths, self.init_std, self.beta = tuple(int(w) for w in widths), float(init_std), float(beta)
        self.hidden = nn.ModuleList(nn.Sequential(nn.Linear(a, b, bias=False, dtype=dtype), GaussianNoise(self.beta))
                                    for a, b in zip(self.widths[:-2], self.widths[1:-1]))
        self.output = nn.Linear(self.widths[-2], self.widths[-1], bias=False, dtype=dtype)
        with torch.no_grad():
            for layer in self.linears():
                layer.weight.normal_(0.0, self.init_std)

    @torch.no_grad()
    def products(self) -> list[torch.Tensor]:
        """W̄_ℓ = W_ℓ ⋯ W_1 for ℓ = 1 … D + 1 (the last is the whole map W_tot).

        Returns
        -------
        list of torch.Tensor
            D + 1 matrices; W̄_ℓ has shape (widths[ℓ], widths[0]). Copies, without gradient.

        Examples
        --------
        >>> from ipcore.nets import DeepLinearNetwork
        >>> [tuple(w.shape) for w in DeepLinearNetwork((5, 4, 3, 2)).products()]
        [(4, 5), (3, 5), (2, 5)]
        """
        out, w = [], None
        for layer in self.linears():
            w = layer.weight.clone() if w is None else layer.weight @ w
            out.append(w)
        return out


@torch.no_grad()
@validate_params(model=InstanceOf((nn.Module,)), alpha=Real(low=0))
def orthonormality_step_(model: nn.Module, alpha: float) -> None:
    """W ← W − α (W Wᵀ W − W) on every linear layer but the last (the output), in place.

    One step toward orthonormal rows, applied after every optimizer step; it
    keeps weights from growing and so limits how far representations can
    cluster (Goldfeld et al., Fig. 5b). A weight with orthonormal rows (W Wᵀ = I) is a fixed
    point.

    Parameters
    ----------
    model : nn.Module
        The network: its ``linears()`` if it has them (:class:`~ipcore.nets.NoisyMLP`,
        :class:`~ipcore.nets.EnsembleMLP`, whose stacked weights get the step member by member),
        else its ``nn.Linear`` modules in order.
    alpha : float
        The step size α ≥ 0.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.
    ValueError
        If ``alpha`` is negative or not a finite number.

    See Also
    --------
    ipcore.nets.train : takes it as ``after_step``.

    Examples
    --------
    For W = c I the step gives (c − α (c³ − c)) I; orthonormal rows do not move, nor does
    the output layer:

    >>> import torch
    >>> from ipcore.nets import NoisyMLP, orthonormality_step_
    >>> net = NoisyMLP((2, 2, 2, 2), dtype=torch.float64)
    >>> with torch.no_grad():
    ...     _ = net.hidden[0][0].weight.copy_(2 * torch.eye(2))
    ...     _ = net.hidden[1][0].weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    ...     _ = net.output.weight.fill_(3.0)
    >>> orthonormality_step_(net, alpha=0.05)
    >>> [round(v, 6) for v in net.hidden[0][0].weight.diagonal().tolist()]   # 2 − 0.05 · (8 − 2)
    [1.7, 1.7]
    >>> net.hidden[1][0].weight.tolist(), net.output.weight.tolist()
    ([[0.0, 1.0], [1.0, 0.0]], [[3.0, 3.0], [3.0, 3.0]])
    """
    alpha = check_number(alpha, "alpha", allow_zero=True)
    # NoisyMLP and EnsembleMLP list their maps (an ensemble's are stacked: the products are batched)
    linears = model.linears() if hasattr(model, "linears") else [m for m in model.modules() if isinstance(m, nn.Linear)]
    for layer in linears[:-1]:
        w = layer.weight
        w.sub_(alpha * (w @ w.mT @ w - w))
