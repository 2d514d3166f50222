"""Noise and recording for any ``torch.nn.Module``, through forward hooks (no change to its class).

:func:`add_noise` makes chosen layers of a user's model noisy: each output S becomes
T = S + β Z, Z ~ N(0, I), in training and in evaluation alike, the noisy network of
Goldfeld et al. The hooks also keep, on request, each chosen layer's S (its output before its
own noise, after the noise of the layers before it): the centres of the sample-propagation
estimator. :meth:`NoisyLayers.remove` takes every hook off and leaves the model as it was.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import torch
from torch import nn

from ipcore.seeding import make_generator
from ipcore.validation import Beta, InstanceOf, Optional, Seed, Unchecked, check_beta, validate_params


def _module_names(model: nn.Module) -> dict[str, nn.Module]:
    return {name: module for name, module in model.named_modules() if name}


def select_layers(model: nn.Module, layers: Any, name: str = "layers") -> list[str]:
    """The names of the modules ``layers`` selects: a list of module names, or a module type
    (or a tuple of types), meaning every module of that type, in the model's order.
    A ``ValueError`` naming ``name`` lists the valid choices when one is unknown."""
    modules = _module_names(model)
    if isinstance(layers, type) or (isinstance(layers, tuple) and layers and all(isinstance(t, type) for t in layers)):
        chosen = [n for n, m in modules.items() if isinstance(m, layers)]
        if not chosen:
            kinds = sorted({type(m).__name__ for m in modules.values()})
            raise ValueError(f"{name}: the model has no module of type {layers}; its module types are {kinds}")
        return chosen
    if isinstance(layers, str) or not isinstance(layers, Sequence) or not layers:
        raise ValueError(f"{name}: give a list of module names or a module type, got {layers!r}; the model's modules "
                         f"are {list(modules)}")
    unknown = [n for n in layers if n not in modules]
    if unknown:
        raise ValueError(f"{name}: the model has no module {unknown}; its modules are {list(modules)}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"{name}: a layer is named twice in {list(layers)}")
    return list(layers)


class NoisyLayers:
    """The hooks :func:`add_noise` placed: noise after each chosen layer, and optional capture.

    ``enabled`` switches the noise (off: the clean, deterministic network); inside
    :meth:`capture` each chosen layer's S is kept in ``captured`` (layer name → tensor).
    """

    def __init__(self, model: nn.Module, layers: list[str], beta: float, seed: int | None) -> None:
        self.model, self.layers, self.beta = model, layers, beta
        self.enabled = True
        self.generator = make_generator(seed)
        self.captured: dict[str, torch.Tensor] | None = None
        self.order: list[str] = []  #: the chosen layers in the order the forward pass reaches them
        modules = _module_names(model)
        self._handles = [modules[n].register_forward_hook(self._hook(n)) for n in layers]

    def _hook(self, layer: str):
        def hook(module: nn.Module, args: tuple[Any, ...], output: Any) -> Any:
            if not isinstance(output, torch.Tensor):
                raise ValueError(f"layers: {layer!r} returns {type(output).__name__}, not a tensor; choose a module "
                                 "whose output is one tensor")
            if self.captured is not None:
                if layer not in self.order:
                    self.order.append(layer)
                self.captured[layer] = output.detach()
            if self.enabled and self.beta > 0:
                z = torch.randn(output.shape, generator=self.generator, dtype=output.dtype)
                return output + self.beta * z.to(output.device)
            return None  # the output unchanged

        return hook

    @contextmanager
    def capture(self, *, noise: bool = True) -> Iterator[dict[str, torch.Tensor]]:
        """Keep each chosen layer's S during the block (with the noise on or off)."""
        was = self.enabled
        self.captured, self.enabled = {}, noise
        try:
            yield self.captured
        finally:
            self.captured, self.enabled = None, was

    def remove(self) -> None:
        """Take every hook off: the model computes exactly what it computed before."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> "NoisyLayers":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"NoisyLayers(beta={self.beta:g}, layers={self.layers})"


@validate_params(model=InstanceOf((nn.Module,)), layers=Unchecked("module names or types, checked against the model"),
                 beta=Beta(allow_zero=True), seed=Optional(Seed()))
def add_noise(model: nn.Module, layers: Any, beta: float, *, seed: int | None = 0) -> NoisyLayers:
    """Add Gaussian noise of std ``beta`` after each of ``layers`` of ``model`` (names, or a type).

    T_ℓ = S_ℓ + β Z with Z ~ N(0, I) drawn from a generator seeded with ``seed``, in training
    and in evaluation alike; β = 0 keeps the network deterministic (the layers can still be
    recorded). Returns the hooks; ``.remove()`` (or a ``with`` block) takes them off.
    """
    chosen = select_layers(model, layers)
    return NoisyLayers(model, chosen, check_beta(beta, allow_zero=True), seed)
