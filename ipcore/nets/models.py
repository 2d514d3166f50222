"""Noisy networks: Gaussian noise of std β after every hidden activation.

A hidden layer computes S_ℓ = a(W_ℓ T_{ℓ−1} + b_ℓ) (the clean value) and
T_ℓ = S_ℓ + Z_ℓ with Z_ℓ ~ N(0, β² I); the next layer reads the noisy T_ℓ.
The noise is on while training and while sampling for estimation; loss and
accuracy are reported for the clean pass (:func:`clean_pass`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

from ipcore.config import check_choice, check_number


def check_noise_std(beta: float, name: str = "beta") -> float:
    """β as a float; 0 (the deterministic network) is allowed here, negatives and NaN are not."""
    return check_number(beta, name, allow_zero=True, meaning="the noise standard deviation")


class GaussianNoise(nn.Module):
    """Adds N(0, β² I) to its input, in training and in evaluation alike.

    Its input is the clean S_ℓ of the layer; the training recorder reads it
    through a forward hook. Inside :func:`clean_pass` it is the identity.
    """

    def __init__(self, beta: float) -> None:
        super().__init__()
        self.beta = check_noise_std(beta)
        self.enabled = True

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        if self.enabled and self.beta > 0:
            return s + self.beta * torch.randn_like(s)
        return s

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


def noise_layers(model: nn.Module) -> dict[str, GaussianNoise]:
    """The model's noise layers by qualified name, in forward order of definition."""
    return {name: m for name, m in model.named_modules() if isinstance(m, GaussianNoise)}


@contextmanager
def clean_pass(model: nn.Module) -> Iterator[nn.Module]:
    """Context in which every :class:`GaussianNoise` of ``model`` is switched off."""
    layers = list(noise_layers(model).values())
    saved = [m.enabled for m in layers]
    for m in layers:
        m.enabled = False
    try:
        yield model
    finally:
        for m, s in zip(layers, saved):
            m.enabled = s


class SingleNeuron(nn.Module):
    """T = tanh(w X + b) + Z, Z ~ N(0, β²): the paper's one-neuron example."""

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


#: Hidden activations of :class:`NoisyMLP`.
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU, "linear": nn.Identity}


class NoisyMLP(nn.Module):
    """Fully connected network with noise of std β after every hidden activation.

    ``widths`` = (input, hidden…, output); the default 12-10-7-5-4-3-2 is the
    SZT network. Hidden layer ℓ computes S_ℓ = a(W_ℓ T_{ℓ−1} + b_ℓ) and
    T_ℓ = S_ℓ + N(0, β² I); the output layer gives logits, without noise.
    β = 0 is the deterministic network.
    """

    def __init__(
        self,
        widths: tuple[int, ...] = (12, 10, 7, 5, 4, 3, 2),
        activation: str = "tanh",
        beta: float = 0.0,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        widths = tuple(widths)
        if len(widths) < 3 or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths):
            raise ValueError(f"widths: need input, at least one hidden and an output width, all integers >= 1; got {widths!r}")
        check_choice(activation, "activation", ACTIVATIONS)
        beta = check_noise_std(beta)
        self.widths, self.activation, self.beta = widths, activation, beta
        self.hidden = nn.ModuleList(
            nn.Sequential(nn.Linear(a, b, dtype=dtype), ACTIVATIONS[activation](), GaussianNoise(beta))
            for a, b in zip(widths[:-2], widths[1:-1])
        )
        self.output = nn.Linear(widths[-2], widths[-1], dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = x.to(self.output.weight.dtype)
        for layer in self.hidden:
            t = layer(t)
        return self.output(t)


@torch.no_grad()
def orthonormality_step_(model: nn.Module, alpha: float) -> None:
    """W ← W − α (W Wᵀ W − W) on every linear layer but the last (the output).

    One step toward orthonormal rows, applied after every optimizer step; it
    keeps weights from growing and so limits how far representations can
    cluster (Goldfeld et al., Fig. 5b).
    """
    alpha = check_number(alpha, "alpha", allow_zero=True)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    for layer in linears[:-1]:
        w = layer.weight
        w.sub_(alpha * (w @ w.T @ w - w))
