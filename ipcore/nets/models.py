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

    Its input is the clean S_ℓ of the layer; the training recorder reads it
    through a forward hook. Inside :func:`clean_pass` it is the identity.
    The standard normal numbers come from torch's global generator, or, inside
    :func:`noise_source`, from a :class:`~ipcore.seeding.NormalStream` (the
    trainer's: one stream per network, so that a run depends only on its seed).
    """

    @validate_params(beta=Beta(allow_zero=True))
    def __init__(self, beta: float) -> None:
        super().__init__()
        self.beta = check_noise_std(beta)
        self.enabled = True
        self.stream: NormalStream | None = None

    def scale(self, s: torch.Tensor) -> float | torch.Tensor:
        """The noise standard deviation applied to ``s``."""
        return self.beta

    def standard_normal(self, s: torch.Tensor) -> torch.Tensor:
        """Standard normal numbers shaped like ``s``: from the stream if one is set."""
        if self.stream is None:
            return torch.randn_like(s)
        members = self.stream.members
        if s.numel() % members or (members > 1 and s.shape[0] != members):
            raise ValueError(f"noise stream: has {members} members but the input has shape {tuple(s.shape)}")
        return self.stream.take(s.numel() // members).view(s.shape).to(s.dtype)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        if self.enabled and self.beta > 0:
            return s + self.scale(s) * self.standard_normal(s)
        return s

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class RelativeGaussianNoise(GaussianNoise):
    """Adds noise of std β·abs(s) to each coordinate s of its input (multiplicative noise, as
    Butakov et al.'s classifier has), in training and in evaluation alike."""

    def scale(self, s: torch.Tensor) -> torch.Tensor:
        return self.beta * s.abs()


@validate_params(model=InstanceOf((nn.Module,)))
def noise_layers(model: nn.Module) -> dict[str, GaussianNoise]:
    """The model's noise layers by qualified name, in forward order of definition."""
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
    """T = tanh(w X + b) + Z, Z ~ N(0, β²): the paper's one-neuron example."""

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
        """The linear maps, input to output."""
        return [layer[0] for layer in self.hidden] + [self.output]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = x.to(self.output.weight.dtype)
        for layer in self.hidden:
            t = layer(t)
        return self.output(t)


class NoisyMLP(_HiddenThenOutput):
    """Fully connected network with noise of std β after every hidden activation.

    ``widths`` = (input, hidden…, output); the default 12-10-7-5-4-3-2 is the
    SZT network. Hidden layer ℓ computes S_ℓ = a(W_ℓ T_{ℓ−1} + b_ℓ) and
    T_ℓ = S_ℓ + N(0, β² I); the output layer gives logits, without noise.
    β = 0 is the deterministic network. ``init`` is one of :data:`INITS`.
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

    ``widths`` = (input, hidden…, output). Hidden layer ℓ computes
    T_ℓ = W_ℓ T_{ℓ−1} + N(0, β² I) (β = 0 by default: the noise Saxe et al. add is
    for measurement only, see :func:`ipcore.estimators.linear_layer_information`).
    Every weight is drawn N(0, init_std²), small, so that training starts near the
    origin as in the theory of deep linear learning dynamics. :meth:`products`
    gives W̄_ℓ = W_ℓ ⋯ W_1 for every layer.
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
        """W̄_ℓ = W_ℓ ⋯ W_1 for ℓ = 1 … D + 1 (the last is the whole map W_tot)."""
        out, w = [], None
        for layer in self.linears():
            w = layer.weight.clone() if w is None else layer.weight @ w
            out.append(w)
        return out


@torch.no_grad()
@validate_params(model=InstanceOf((nn.Module,)), alpha=Real(low=0))
def orthonormality_step_(model: nn.Module, alpha: float) -> None:
    """W ← W − α (W Wᵀ W − W) on every linear layer but the last (the output).

    One step toward orthonormal rows, applied after every optimizer step; it
    keeps weights from growing and so limits how far representations can
    cluster (Goldfeld et al., Fig. 5b).
    """
    alpha = check_number(alpha, "alpha", allow_zero=True)
    # NoisyMLP and EnsembleMLP list their maps (an ensemble's are stacked: the products are batched)
    linears = model.linears() if hasattr(model, "linears") else [m for m in model.modules() if isinstance(m, nn.Linear)]
    for layer in linears[:-1]:
        w = layer.weight
        w.sub_(alpha * (w @ w.mT @ w - w))
