"""Small convolutional networks for MNIST built from the noisy layers of :mod:`ipcore.nets.models`:
:class:`NoisyCNN` (Goldfeld et al.'s MNIST chapter) and :class:`CompressionCNN` (Butakov et al.).

Four layers, two convolutional and two fully connected:

    conv 5×5 (1 → c₁, padding 2) → a → max-pool 2 → noise/dropout      (c₁ × 14 × 14)
    conv 5×5 (c₁ → c₂, padding 2) → a → max-pool 2 → noise/dropout     (c₂ × 7 × 7)
    linear (c₂·49 → h) → a → noise/dropout                              (h)
    linear (h → 10): logits

Each hidden layer ends in a :class:`~ipcore.nets.models.GaussianNoise` of std β (the noisy
network; β = 0 is the deterministic one), so the training recorder reads every
hidden representation S_ℓ the same way as in the SZT network. The dropout variant
puts ``nn.Dropout(p)`` after it instead (β = 0): active while training, off when
measuring, whereas the Gaussian noise is on in both.
"""

from __future__ import annotations

import torch
from torch import nn

from ipcore.validation import Beta, Choice, Integer, Real, Widths, validate_params
from ipcore.nets.models import ACTIVATIONS, GaussianNoise, RelativeGaussianNoise


class _ImageClassifier(nn.Module):
    """Images (n, 28, 28) or (n, 1, 28, 28) through the ``hidden`` layers, then ``output``: the logits."""

    hidden: nn.ModuleList
    output: nn.Linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The logits of a batch of 28 × 28 images.

        Parameters
        ----------
        x : torch.Tensor
            Images of shape (n, 28, 28) or (n, 1, 28, 28); converted to the network's dtype.

        Returns
        -------
        torch.Tensor
            Logits of shape (n, 10).

        Examples
        --------
        >>> import torch
        >>> from ipcore.nets import NoisyCNN
        >>> net = NoisyCNN()
        >>> net(torch.zeros(3, 28, 28)).shape == net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
        True
        """
        t = x.to(self.output.weight.dtype)
        if t.ndim == 3:  # (n, 28, 28) images
            t = t[:, None]
        for layer in self.hidden:
            t = layer(t)
        return self.output(t)


class NoisyCNN(_ImageClassifier):
    """The four-layer CNN of Goldfeld et al.'s MNIST chapter, with noise of std β after each hidden layer.

    Two convolutional and two fully connected layers::

        conv 5×5 (1 → c₁, padding 2) → a → max-pool 2 → noise/dropout      (c₁ × 14 × 14)
        conv 5×5 (c₁ → c₂, padding 2) → a → max-pool 2 → noise/dropout     (c₂ × 7 × 7)
        linear (c₂·49 → h) → a → noise/dropout                              (h)
        linear (h → 10): logits

    Hidden layers are ``hidden.0``, ``hidden.1``, ``hidden.2``; each ends in a
    :class:`~ipcore.nets.GaussianNoise` of std β (β = 0: the deterministic network), so the
    training recorder reads every hidden representation S_ℓ as in the SZT network. The
    dropout variant puts ``nn.Dropout(p)`` after it instead (β = 0): active while training,
    off when measuring, whereas the Gaussian noise is on in both.

    Parameters
    ----------
    channels : sequence of two int, default (8, 16)
        The channels (c₁, c₂) of the two convolutional layers.
    hidden : int, default 32
        The width h of the fully connected hidden layer.
    activation : str, default "relu"
        The activation a: ``"tanh"``, ``"relu"``, ``"softsign"``, ``"softplus"`` or ``"linear"``.
    beta : float, default 0.0
        The noise standard deviation β ≥ 0 after each hidden layer.
    dropout : float, default 0.0
        The dropout probability p in [0, 1) after each hidden layer (only with β = 0).

    Raises
    ------
    ValueError
        If ``channels`` is not two integers ≥ 1, ``hidden`` is not an integer ≥ 1,
        ``activation`` is not one of its choices, ``beta`` is not a valid noise standard
        deviation, ``dropout`` is not in [0, 1), or both ``beta`` and ``dropout`` are > 0
        (named ``dropout``).

    See Also
    --------
    ipcore.nets.CompressionCNN : Butakov et al.'s classifier.

    Examples
    --------
    >>> import torch
    >>> from ipcore.nets import NoisyCNN, noise_layers
    >>> _ = torch.manual_seed(0)
    >>> net = NoisyCNN(channels=(4, 8), hidden=16, beta=0.1)
    >>> images = torch.rand(2, 28, 28)
    >>> net(images).shape
    torch.Size([2, 10])
    >>> list(noise_layers(net))
    ['hidden.0.3', 'hidden.1.3', 'hidden.2.3']
    >>> net.hidden[0](images[:, None]).shape            # c₁ × 14 × 14
    torch.Size([2, 4, 14, 14])
    """

    @validate_params(channels=Widths(min_len=2), hidden=Integer(low=1), activation=Choice(tuple(ACTIVATIONS)),
                     beta=Beta(allow_zero=True), dropout=Real(low=0, high=1, open_high=True))
    def __init__(self, channels: tuple[int, int] = (8, 16), hidden: int = 32, activation: str = "relu",
                 beta: float = 0.0, dropout: float = 0.0) -> None:
        super().__init__()
        beta = float(beta)  # the ranges are checked by the declaration above; here what it cannot say
        if len(channels) != 2:
            raise ValueError(f"channels: need two integers >= 1, got {channels!r}")
        if beta > 0 and dropout > 0:
            raise ValueError("dropout: use either noise (beta > 0) or dropout, not both")
        self.beta, self.dropout, self.activation = beta, float(dropout), activation
        act = ACTIVATIONS[activation]
        c1, c2 = channels

        def regulariser() -> list[nn.Module]:
            return [GaussianNoise(beta)] + ([nn.Dropout(dropout)] if dropout > 0 else [])

        self.hidden = nn.ModuleList([
            nn.Sequential(nn.Conv2d(1, c1, 5, padding=2), act(), nn.MaxPool2d(2), *regulariser()),
            nn.Sequential(nn.Conv2d(c1, c2, 5, padding=2), act(), nn.MaxPool2d(2), *regulariser()),
            nn.Sequential(nn.Flatten(), nn.Linear(c2 * 49, hidden), act(), *regulariser()),
        ])
        self.output = nn.Linear(hidden, 10)


class CompressionCNN(_ImageClassifier):
    """Butakov et al.'s MNIST classifier (their ``misc/classifier.py``), with its noise.

    The layers::

        dropout → conv 3×3 (1 → 8) → max-pool 2 → LeakyReLU → noise        L1 (8 × 13 × 13)
        dropout → conv 3×3 (8 → 16) → max-pool 2 → LeakyReLU → noise       L2 (16 × 5 × 5)
        dropout → conv 3×3 (16 → 32) → max-pool 2 → LeakyReLU → noise      L3 (32)
        linear (32 → 32) → LeakyReLU → noise                                L4 (32)
        linear (32 → 10): logits, whose log-softmax is L5

    The noise is relative (:class:`~ipcore.nets.RelativeGaussianNoise`, std σ·abs(s)) and
    on at inference too; dropout only while training. Hidden layers are ``hidden.0`` … ``hidden.3``.

    Parameters
    ----------
    sigma : float, default 1e-3
        The relative noise standard deviation σ ≥ 0 (0: no noise).
    dropout : float, default 0.1
        The dropout probability in [0, 1) before each convolution.

    Raises
    ------
    ValueError
        If ``sigma`` is not a valid noise standard deviation (negative, not finite, outside
        [1e-100, 1e100] other than 0) or ``dropout`` is not in [0, 1).

    Examples
    --------
    >>> import torch
    >>> from ipcore.nets import CompressionCNN
    >>> _ = torch.manual_seed(0)
    >>> net = CompressionCNN(sigma=1e-3).eval()
    >>> x = torch.rand(2, 1, 28, 28)
    >>> [tuple(net.hidden[0](x).shape), tuple(net(x).shape)]     # L1 is 8 × 13 × 13
    [(2, 8, 13, 13), (2, 10)]
    """

    @validate_params(sigma=Beta(allow_zero=True), dropout=Real(low=0, high=1, open_high=True))
    def __init__(self, sigma: float = 1e-3, dropout: float = 0.1) -> None:
        super().__init__()
        self.sigma, self.dropout = float(sigma), float(dropout)

        def conv(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(nn.Dropout(dropout), nn.Conv2d(c_in, c_out, 3), nn.MaxPool2d(2), nn.LeakyReLU(),
                                 RelativeGaussianNoise(sigma))

        self.hidden = nn.ModuleList([
            conv(1, 8), conv(8, 16), conv(16, 32),
            nn.Sequential(nn.Flatten(), nn.Linear(32, 32), nn.LeakyReLU(), RelativeGaussianNoise(sigma)),
        ])
        self.output = nn.Linear(32, 10)
