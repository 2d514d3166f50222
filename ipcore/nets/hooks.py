"""Noise and recording for any ``torch.nn.Module``, through forward hooks (no change to its class).

:func:`add_noise` makes chosen layers of a user's model noisy: each output S becomes
T = S + β Z, Z ~ N(0, I), in training and in evaluation alike, the noisy network of
Goldfeld et al. The hooks also keep, on request, each chosen layer's S (its output before its
own noise, after the noise of the layers before it): the centers of the sample-propagation
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
    """The hooks :func:`~ipcore.nets.add_noise` placed: noise after each chosen layer, and optional capture.

    Each chosen layer's output S becomes T = S + β Z, Z ~ N(0, I). ``enabled`` switches the
    noise (off: the clean, deterministic network); inside :meth:`capture` each chosen layer's
    S is kept in ``captured`` (layer name → tensor). Used as a context manager, it removes
    its hooks at the end of the ``with`` block. Create it with :func:`~ipcore.nets.add_noise`,
    which checks the arguments.

    Parameters
    ----------
    model : nn.Module
        The model whose layers get the hooks.
    layers : list of str
        Names of the chosen modules (as in ``model.named_modules()``).
    beta : float
        The noise standard deviation β ≥ 0.
    seed : int or None
        Seed of the generator of the noise (``None``: a nondeterministic seed).

    Attributes
    ----------
    enabled : bool
        Whether the noise is on.
    captured : dict of str to torch.Tensor or None
        Inside :meth:`capture`, each chosen layer's S; ``None`` outside.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from ipcore.nets import add_noise
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> x = torch.randn(5, 3)
    >>> with add_noise(model, nn.Tanh, beta=0.1) as hooks:
    ...     hooks
    ...     hooks.enabled = False               # the clean network
    ...     torch.equal(model(x), model(x))
    NoisyLayers(beta=0.1, layers=['1'])
    True
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
        """Keep each chosen layer's S during the block (with the noise on or off).

        S is the layer's output before its own noise, after the noise of the chosen layers
        before it (detached); a layer that runs several times keeps its last output.
        ``enabled`` is restored when the block ends.

        Parameters
        ----------
        noise : bool, default True
            Whether the noise is on during the block.

        Yields
        ------
        dict of str to torch.Tensor
            Filled during the block: chosen layer name → its S.

        Examples
        --------
        The noise added to the last layer's S is T − S, of standard deviation β:

        >>> import torch
        >>> from torch import nn
        >>> from ipcore.nets import add_noise
        >>> model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        >>> hooks = add_noise(model, ["2"], beta=0.5, seed=0)
        >>> with torch.no_grad(), hooks.capture() as captured:
        ...     t = model(torch.randn(20000, 3))
        >>> round(float((t - captured["2"]).std()), 2)
        0.5
        """
        was = self.enabled
        self.captured, self.enabled = {}, noise
        try:
            yield self.captured
        finally:
            self.captured, self.enabled = None, was

    def remove(self) -> None:
        """Take every hook off: the model computes exactly what it computed before.

        Examples
        --------
        >>> import torch
        >>> from torch import nn
        >>> from ipcore.nets import add_noise
        >>> model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
        >>> x = torch.randn(4, 3)
        >>> before = model(x)
        >>> hooks = add_noise(model, ["0"], beta=1.0)
        >>> torch.equal(model(x), before)
        False
        >>> hooks.remove()
        >>> torch.equal(model(x), before)
        True
        """
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

    Each chosen layer's output S_ℓ becomes

        T_ℓ = S_ℓ + β Z,   Z ~ N(0, I),

    with Z drawn from a generator seeded with ``seed``, in training and in evaluation alike;
    β = 0 keeps the network deterministic (the layers can still be recorded). The model's
    class is not changed: the noise comes from forward hooks, which ``.remove()`` (or the end
    of a ``with`` block) takes off.

    Parameters
    ----------
    model : nn.Module
        Any model.
    layers : list of str, or type, or tuple of types
        Names of modules of ``model`` (see ``dict(model.named_modules())``), or a module type
        (or tuple of types), meaning every module of that type, in the model's order. Each
        chosen module's output must be one tensor.
    beta : float
        The noise standard deviation β ≥ 0.
    seed : int or None, default 0
        Seed of the noise's generator, in [0, 2⁶³); ``None``: a nondeterministic seed.

    Returns
    -------
    NoisyLayers
        The hooks, which switch the noise (``enabled``), capture the layers' S
        (:meth:`~ipcore.nets.NoisyLayers.capture`) and take themselves off
        (:meth:`~ipcore.nets.NoisyLayers.remove`).

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``.
    ValueError
        If ``layers`` names a module the model does not have, names one twice, is empty, or
        is a type of which the model has no module (the message lists the valid choices);
        if ``beta`` is not a valid noise standard deviation (negative, not finite, outside
        [1e-100, 1e100] other than 0); if ``seed`` is not an integer in [0, 2⁶³); and, in
        the forward pass, if a chosen module returns something other than one tensor
        (named ``layers``).

    See Also
    --------
    ipcore.InformationProbe : measures the information of the noisy layers while the model trains.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from ipcore.nets import add_noise
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> x = torch.randn(5, 3)
    >>> clean = model(x)
    >>> hooks = add_noise(model, ["0", "2"], beta=0.1, seed=0)
    >>> torch.equal(model(x), clean)            # noisy, in eval mode too
    False
    >>> hooks.remove()
    >>> add_noise(model, nn.Linear, beta=0.1).layers      # a type: every module of it
    ['0', '2']
    >>> add_noise(model, ["fc1"], beta=0.1)
    Traceback (most recent call last):
        ...
    ValueError: layers: the model has no module ['fc1']; its modules are ['0', '1', '2']
    """
    chosen = select_layers(model, layers)
    return NoisyLayers(model, chosen, check_beta(beta, allow_zero=True), seed)
