"""Many small fully connected networks trained as one batched computation.

An :class:`EnsembleMLP` holds N networks of one shape (N seeds, N noise
levels β, or N activations) as stacked parameters with a leading member dimension:
weight ℓ has shape (N, out, in). Its forward pass is a batched matrix product per layer,
so one optimizer step trains all N networks, and :func:`ipcore.nets.training.train`
trains it exactly as it trains one network. Member i computes what the
:class:`~ipcore.nets.models.NoisyMLP` of its seed computes: it is initialised
by that network's own draws (:func:`ensemble_of_mlps`), batches and noise come
from its own generators, and Adam and plain SGD update every parameter
elementwise, so members do not interact.

Shapes: a batch is (N, b, in) (each member its own batch) or (b, in) (one
batch shared by every member, as when the recorder pushes the whole data set
through); the output is (N, b, out).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ipcore.nets.models import ACTIVATIONS, INITS, GaussianNoise, NoisyMLP, check_noise_std
from ipcore.validation import Choice, Unchecked, Widths, check_choice, check_positive_int, check_seed, validate_params


class EnsembleLinear(nn.Module):
    """N affine maps at once: y_i = W_i x_i + b_i, with W (N, out, in) and b (N, out)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        if weight.ndim != 3 or bias.shape != weight.shape[:2]:
            raise ValueError(f"weight: expected (N, out, in) with bias (N, out), got {tuple(weight.shape)} "
                             f"and {tuple(bias.shape)}")
        self.weight = nn.Parameter(weight.detach().clone())
        self.bias = nn.Parameter(bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Computed feature-major, W xᵀ: with the long batch dimension last, the batched
        # products of these tiny layers run about 5× faster on the CPU (MKL) than x Wᵀ.
        if x.ndim == 2:  # one batch for every member
            return (torch.matmul(self.weight, x.mT) + self.bias[..., None]).mT
        return torch.baddbmm(self.bias[..., None], self.weight, x.mT).mT

    def extra_repr(self) -> str:
        n, out, inp = self.weight.shape
        return f"members={n}, in_features={inp}, out_features={out}"


class EnsembleGaussianNoise(GaussianNoise):
    """:class:`GaussianNoise` with one β per member: member i adds N(0, β_i² I).

    Its input has the members first, (N, …). Every member draws its numbers,
    also one whose β is 0, so that a member's noise never depends on the others'.
    """

    def __init__(self, betas: Sequence[float]) -> None:
        betas = [check_noise_std(b, "betas") for b in betas]
        super().__init__(max(betas))
        self.register_buffer("betas", torch.tensor(betas, dtype=torch.float64), persistent=False)

    def scale(self, s: torch.Tensor) -> torch.Tensor:
        return self.betas.to(s.dtype).view(-1, *([1] * (s.ndim - 1)))

    def extra_repr(self) -> str:
        return f"betas={[float(b) for b in self.betas]}"


class EnsembleActivation(nn.Module):
    """Each member's own activation: member i's slice of the (N, …) input goes through a_i.

    Members of one activation sit in contiguous runs; each run is one call of its activation
    (a single run, the usual case, is one call on the whole tensor, exactly the plain
    activation), so N members of k activations cost k elementwise calls and one concatenation.

    Parameters
    ----------
    activations : sequence of str
        One activation per member, names of :data:`ipcore.nets.models.ACTIVATIONS`.

    Examples
    --------
    >>> import torch
    >>> act = EnsembleActivation(["tanh", "tanh", "relu"])
    >>> act(torch.full((3, 1, 2), -1.0))[:, 0, 0]
    tensor([-0.7616, -0.7616,  0.0000])
    """

    def __init__(self, activations: Sequence[str]) -> None:
        super().__init__()
        activations = [check_choice(a, "activations", tuple(ACTIVATIONS)) for a in activations]
        if not activations:
            raise ValueError("activations: give one activation per member, got none")
        runs: list[tuple[int, int, str]] = []
        for i, name in enumerate(activations):
            if runs and runs[-1][2] == name:
                runs[-1] = (runs[-1][0], i + 1, name)
            else:
                runs.append((i, i + 1, name))
        self.sizes = [stop - start for start, stop, _ in runs]
        self.functions = nn.ModuleList(ACTIVATIONS[name]() for _, _, name in runs)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        if s.ndim < 3 or s.shape[0] != sum(self.sizes):
            raise ValueError(f"s: expected (members, batch, features) with {sum(self.sizes)} members, "
                             f"got shape {tuple(s.shape)}")
        if len(self.functions) == 1:
            return self.functions[0](s)
        # split, not slicing: the gradient of a split is one concatenation, while each slice's
        # gradient would be a zero tensor of the full shape. Concatenated feature-major, the
        # layout EnsembleLinear gives: the next batched product runs 2x slower on (N, b, w).
        parts = torch.split(s.mT, self.sizes)
        return torch.cat([f(part) for part, f in zip(parts, self.functions)]).mT


class EnsembleMLP(nn.Module):
    """N fully connected noisy networks of the same widths, as one module.

    The parameters of the N networks are stacked with a leading member dimension (weight ℓ
    has shape (N, out, in)), and member i computes what its network computes:

        S_ℓ,i = a_i(W_ℓ,i T_{ℓ−1},i + b_ℓ,i),   T_ℓ,i = S_ℓ,i + N(0, β_i² I).

    Members may differ in β and in their activation a_i (Saxe et al.'s four activations
    train as one ensemble); members of one activation should sit next to each other, since
    each contiguous run of one activation is one elementwise call.

    Layer names and structure follow :class:`~ipcore.nets.NoisyMLP`
    (``hidden.ℓ`` = linear, activation, noise; then ``output``), so the recorder
    and everything keyed on layer names treat both alike. The activation module
    ``hidden.ℓ.1`` is an ``ipcore.nets.ensemble.EnsembleActivation`` (the activations themselves sit inside
    it and see the members feature-major): select layers by name, not by activation type. Build one with
    :func:`~ipcore.nets.ensemble_of_mlps`.

    Parameters
    ----------
    networks : sequence of NoisyMLP
        The N networks, of one widths (their β and activations may differ); their current
        parameters are copied.

    Attributes
    ----------
    members : int
        N, the number of networks.
    widths : tuple of int
        The widths shared by the members.
    activations : list of str
        The activation a_i of each member.
    activation : str or None
        The activation shared by every member; None if they differ.
    betas : list of float
        The noise standard deviation β_i of each member.

    Raises
    ------
    ValueError
        If ``networks`` is empty, holds something that is not a :class:`~ipcore.nets.NoisyMLP`,
        or networks of different widths.

    Examples
    --------
    A batch of shape (b, in) is shared by every member; the output is (N, b, out), and
    member i computes what network i does:

    >>> import torch
    >>> from ipcore.nets import EnsembleMLP, NoisyMLP
    >>> _ = torch.manual_seed(0)
    >>> nets = [NoisyMLP((4, 3, 2)) for _ in range(3)]
    >>> ensemble = EnsembleMLP(nets)
    >>> x = torch.randn(5, 4)
    >>> ensemble.members, tuple(ensemble(x).shape)
    (3, (3, 5, 2))
    >>> torch.allclose(ensemble(x)[2], nets[2](x), atol=1e-6)
    True
    """

    @validate_params(networks=Unchecked("each checked to be a NoisyMLP of the first one's shape below"))
    def __init__(self, networks: Sequence[NoisyMLP]) -> None:
        super().__init__()
        networks = list(networks)
        if not networks:
            raise ValueError("networks: give at least one network")
        first = networks[0]
        for net in networks:
            if not isinstance(net, NoisyMLP):
                raise ValueError(f"networks: expected NoisyMLP networks, got {type(net).__name__}")
            if net.widths != first.widths:
                raise ValueError(f"networks: every member needs the same widths, got {first.widths} and {net.widths}")
        self.members = len(networks)
        self.widths = first.widths
        self.activations = [net.activation for net in networks]
        self.activation = first.activation if len(set(self.activations)) == 1 else None
        self.betas = [net.beta for net in networks]

        def stacked(layers: Sequence[nn.Linear]) -> EnsembleLinear:
            return EnsembleLinear(torch.stack([m.weight for m in layers]), torch.stack([m.bias for m in layers]))

        per_layer = list(zip(*(net.linears() for net in networks)))
        self.hidden = nn.ModuleList(
            nn.Sequential(stacked(layers), EnsembleActivation(self.activations), EnsembleGaussianNoise(self.betas))
            for layers in per_layer[:-1]
        )
        self.output = stacked(per_layer[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Every member's outputs (logits) for its batch, or for one batch shared by all.

        Parameters
        ----------
        x : torch.Tensor
            Inputs of shape (N, b, in) (each member its own batch) or (b, in) (one batch for
            every member); converted to the ensemble's dtype.

        Returns
        -------
        torch.Tensor
            Outputs of shape (N, b, out).

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import ensemble_of_mlps
        >>> ensemble = ensemble_of_mlps([0, 1], widths=(4, 3, 2))
        >>> tuple(ensemble(torch.zeros(2, 6, 4)).shape), tuple(ensemble(torch.zeros(6, 4)).shape)
        ((2, 6, 2), (2, 6, 2))
        """
        t = x.to(self.output.weight.dtype)
        for layer in self.hidden:
            t = layer(t)
        return self.output(t)

    def linears(self) -> list[EnsembleLinear]:
        """The stacked linear maps, input to output.

        Returns
        -------
        list of EnsembleLinear
            One per layer; each holds ``weight`` (N, out, in) and ``bias`` (N, out).

        Examples
        --------
        >>> from ipcore.nets import ensemble_of_mlps
        >>> ensemble = ensemble_of_mlps([0, 1, 2], widths=(4, 3, 2))
        >>> [tuple(m.weight.shape) for m in ensemble.linears()]
        [(3, 3, 4), (3, 2, 3)]
        """
        return [layer[0] for layer in self.hidden] + [self.output]

    def member(self, i: int) -> NoisyMLP:
        """A :class:`~ipcore.nets.NoisyMLP` with member ``i``'s current parameters (a copy).

        Parameters
        ----------
        i : int
            The member's index, 0 ≤ i < N.

        Returns
        -------
        NoisyMLP
            A new network of the ensemble's widths and dtype, and member i's activation and
            β; changing it leaves the ensemble as it is.

        Raises
        ------
        ValueError
            If ``i`` is not in [0, N − 1].

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import ensemble_of_mlps
        >>> ensemble = ensemble_of_mlps([0, 1], widths=(4, 3, 2), betas=[0.0, 0.1])
        >>> net = ensemble.member(1)
        >>> net.beta, torch.equal(net.output.weight, ensemble.output.weight[1])
        (0.1, True)
        """
        if not 0 <= i < self.members:
            raise ValueError(f"i: must index the members (0..{self.members - 1}), got {i}")
        dtype = self.output.weight.dtype
        net = NoisyMLP(self.widths, self.activations[i], self.betas[i], dtype=dtype)
        with torch.no_grad():
            for ours, theirs in zip(self.linears(), net.linears()):
                theirs.weight.copy_(ours.weight[i])
                theirs.bias.copy_(ours.bias[i])
        return net


@validate_params(seeds=Unchecked("each checked as a seed below"), widths=Widths(),
                 activation=Unchecked("one activation or one per seed, each checked below"),
                 betas=Unchecked("one β or one per seed, each checked below"), dtype=Choice((torch.float32, torch.float64)),
                 init=Choice(INITS))
def ensemble_of_mlps(
    seeds: Sequence[int],
    *,
    widths: tuple[int, ...] = (12, 10, 7, 5, 4, 3, 2),
    activation: str | Sequence[str] = "tanh",
    betas: float | Sequence[float] = 0.0,
    dtype: torch.dtype = torch.float32,
    init: str = "pytorch",
) -> EnsembleMLP:
    """The ensemble of the networks ``torch.manual_seed(seed); NoisyMLP(...)`` for each seed.

    Member i's initial parameters are exactly those of the single network of
    seed ``seeds[i]``; the global generator is left as it was.

    Parameters
    ----------
    seeds : sequence of int
        One seed per member (N ≥ 1 of them), each in [0, 2⁶³).
    widths : sequence of int, default (12, 10, 7, 5, 4, 3, 2)
        (input, hidden…, output) widths, as for :class:`~ipcore.nets.NoisyMLP`.
    activation : str or sequence of str, default "tanh"
        The hidden activation: ``"tanh"``, ``"relu"``, ``"softsign"``, ``"softplus"`` or
        ``"linear"``, for every member or one per seed.
    betas : float or sequence of float, default 0.0
        One noise standard deviation β for every member, or one per seed (N settings of
        one shape).
    dtype : torch.dtype, default torch.float32
        ``torch.float32`` or ``torch.float64``.
    init : str, default "pytorch"
        The weight initialisation, as for :class:`~ipcore.nets.NoisyMLP`: ``"pytorch"``,
        ``"trunc_normal_fan_in"``, ``"trunc_normal_fan_out"`` or ``"glorot_uniform"``.

    Returns
    -------
    EnsembleMLP
        The N networks, stacked.

    Raises
    ------
    ValueError
        If ``seeds`` is empty or holds a value that is not a seed, ``betas`` or ``activation``
        holds an invalid value or has neither one value nor one per seed, or ``widths``,
        ``dtype`` or ``init`` is not valid (as for :class:`~ipcore.nets.NoisyMLP`).

    See Also
    --------
    ipcore.nets.train : trains an ensemble as it trains one network.

    Examples
    --------
    Member i starts as the single network of seed ``seeds[i]``:

    >>> import torch
    >>> from ipcore.nets import NoisyMLP, ensemble_of_mlps
    >>> ensemble = ensemble_of_mlps([7, 8], widths=(4, 3, 2), betas=[0.0, 0.5])
    >>> _ = torch.manual_seed(8)
    >>> single = NoisyMLP((4, 3, 2))
    >>> torch.equal(ensemble.member(1).hidden[0][0].weight, single.hidden[0][0].weight)
    True
    >>> ensemble.betas
    [0.0, 0.5]

    Members of different activations (Saxe et al.'s comparison) train as one ensemble too:

    >>> mixed = ensemble_of_mlps([7, 8], widths=(4, 3, 2), activation=["tanh", "relu"])
    >>> mixed.activations, mixed.activation
    (['tanh', 'relu'], None)
    >>> x = torch.randn(5, 4)
    >>> torch.allclose(mixed(x)[1], mixed.member(1)(x), atol=1e-6)
    True
    """
    seeds = [check_seed(s, "seeds") for s in seeds]
    check_positive_int(len(seeds), "seeds (their number)")
    if isinstance(betas, (int, float)):
        betas = [betas] * len(seeds)
    betas = [check_noise_std(b, "betas") for b in betas]
    if len(betas) != len(seeds):
        raise ValueError(f"betas: give one β or one per seed ({len(seeds)}), got {len(betas)}")
    if not isinstance(activation, (str, list, tuple)):
        raise ValueError(f"activation: give one activation or a list of one per seed, got {activation!r}")
    activations = [activation] * len(seeds) if isinstance(activation, str) else list(activation)
    activations = [check_choice(a, "activation", tuple(ACTIVATIONS)) for a in activations]
    if len(activations) != len(seeds):
        raise ValueError(f"activation: give one activation or one per seed ({len(seeds)}), got {len(activations)}")
    networks = []
    with torch.random.fork_rng(devices=[]):
        for seed, beta, name in zip(seeds, betas, activations):  # construction only: N small initialisations
            torch.manual_seed(seed)
            networks.append(NoisyMLP(widths, name, beta, dtype=dtype, init=init))
    return EnsembleMLP(networks)


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) per network: a scalar for (b, C) logits, shape (N,) for (N, b, C).

    The loss of every classifier the trainer trains, one network or an ensemble
    (whose per-member losses the trainer sums: members share no parameter, so
    each receives the gradient of its own loss).
    """
    if logits.ndim == 2:
        return F.cross_entropy(logits, labels)
    # (N, C, b) with the class dimension second: cross_entropy's K-dimensional form; labels
    # (b,) shared by every member (the whole data set) or (N, b)
    return F.cross_entropy(logits.mT, labels.expand(logits.shape[:-1]), reduction="none").mean(-1)


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Fraction of correct argmax predictions per network: a scalar for (b, C), (N,) for (N, b, C)."""
    if logits.ndim == 2:
        return (logits.argmax(-1) == labels).double().mean()
    # the ensemble's logits are a transposed view of (N, C, b): the argmax over C runs there
    return (logits.mT.argmax(-2) == labels.expand(logits.shape[:-1])).double().mean(-1)
