"""Butakov et al.'s (2024) synthetic images: smooth injective maps of Gaussian latents.

An injective map changes no mutual information, so the images of a pair of correlated latents
(:func:`ipcore.data.correlated_gaussians`) carry exactly the latents' I(X;Y), in a
space of hundreds of pixels where estimators must work hard.

- :func:`gaussian_blobs`: a latent ξ ∈ R² becomes a center c = Φ(ξ) ∈ (0, 1)² (Φ the normal
  CDF), and pixel (u, v) of a ``size`` × ``size`` grid on [0, 1]² is exp(−10 ((u − c_x)² + (v − c_y)²)).
- :func:`rectangles`: a latent ξ ∈ R⁴ becomes, through Φ, four uniforms; each pair gives the
  ends x₀ < x₁ of one side, uniform over the ends at least ``min_width`` pixels apart, and a
  pixel's value is the fraction of its area the rectangle covers.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ipcore.validation import SAMPLES, Integer, Real, as_samples, validate_params


def _latents(xi: object, d: int) -> np.ndarray:
    z = as_samples(xi, "latents").numpy()
    if z.shape[1] != d:
        raise ValueError(f"latents: need {d} coordinates per sample, got {z.shape[1]}")
    return z


@validate_params(latents=SAMPLES, size=Integer(low=2, high=1024))
def gaussian_blobs(latents: object, size: int = 16) -> np.ndarray:
    """Images (n, size, size) of Gaussian blobs centered at Φ(ξ) for latents ξ (n, 2).

    A latent ξ ∈ R² becomes a center c = Φ(ξ) ∈ (0, 1)² (Φ the normal CDF), and
    pixel (u, v) of a ``size`` × ``size`` grid on [0, 1]² is
    exp(−10 ((u − c_x)² + (v − c_y)²)). The map is smooth and injective, so the
    images carry exactly the information of their latents.

    Parameters
    ----------
    latents : array_like, shape (n, 2)
        The latents ξ, one row per image (numpy array or torch tensor).
    size : int, default 16
        Side of the images in pixels, in [2, 1024].

    Returns
    -------
    ndarray of float64, shape (n, size, size)
        The images, values in (0, 1]; row index v, column index u.

    Raises
    ------
    ValueError
        If ``latents`` is not a finite 2-D array with 2 columns, or ``size`` is out
        of range (the message starts with the argument's name).

    See Also
    --------
    :func:`ipcore.data.correlated_gaussians` : Latents with a known I(X;Y).

    Examples
    --------
    >>> import numpy as np
    >>> images = gaussian_blobs(np.zeros((2, 2)), size=5)  # ξ = 0: the blob sits at the middle
    >>> images.shape, float(images[0, 2, 2])
    ((2, 5, 5), 1.0)
    >>> from ipcore.data import correlated_gaussians
    >>> x, y = correlated_gaussians(3, 2, 2, mi=1.0, seed=0)
    >>> gaussian_blobs(x).shape
    (3, 16, 16)
    >>> gaussian_blobs(np.zeros((2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: latents: need 2 coordinates per sample, got 3
    """
    center = ndtr(_latents(latents, 2))
    grid = np.linspace(0.0, 1.0, size)
    across = np.exp(-10.0 * (grid[None, :] - center[:, :1]) ** 2)  # (n, size): exp(−10 (u − c_x)²)
    down = np.exp(-10.0 * (grid[None, :] - center[:, 1:]) ** 2)
    return down[:, :, None] * across[:, None, :]  # the exponent splits: one outer product per image


def _rectangle_sides(uniform: np.ndarray, size: int, min_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Ends x₀ < x₁ (in pixels, on [0, size]) of one side from two uniforms per sample, (n, 2):
    uniform over the pairs with x₁ − x₀ ≥ ``min_width``. x₀ has density ∝ (span − x₀), and x₁
    given x₀ is uniform on [x₀ + min_width, size]: smooth, and one-to-one."""
    span = size - min_width
    x0 = span * (1.0 - np.sqrt(1.0 - uniform[:, 0]))
    return x0, x0 + min_width + uniform[:, 1] * (span - x0)


def _coverage(x0: np.ndarray, x1: np.ndarray, size: int) -> np.ndarray:
    """(n, size): the fraction of each pixel [i, i + 1) that [x₀, x₁] covers."""
    i = np.arange(size)[None, :]
    return np.clip(np.minimum(x1[:, None], i + 1) - np.maximum(x0[:, None], i), 0.0, 1.0)


@validate_params(latents=SAMPLES, size=Integer(low=3, high=1024), min_width=Real(low=0, open_low=True))
def rectangles(latents: object, size: int = 32, min_width: float = 2.0) -> np.ndarray:
    """Images (n, size, size) of axis-aligned rectangles from latents ξ (n, 4).

    A latent ξ ∈ R⁴ becomes, through Φ (the normal CDF), four uniforms; each pair
    gives the ends x₀ < x₁ of one side, uniform over the ends at least
    ``min_width`` pixels apart, and a pixel's value is the fraction of its area
    the rectangle covers. The map is smooth and injective, so the images carry
    exactly the information of their latents.

    Parameters
    ----------
    latents : array_like, shape (n, 4)
        The latents ξ, one row per image: two for the columns, two for the rows
        (numpy array or torch tensor).
    size : int, default 32
        Side of the images in pixels, in [3, 1024].
    min_width : float, default 2.0
        Smallest side of a rectangle in pixels, > 0 and below ``size``.

    Returns
    -------
    ndarray of float64, shape (n, size, size)
        The images, values in [0, 1]; each sums to its rectangle's area in pixels.

    Raises
    ------
    ValueError
        If ``latents`` is not a finite 2-D array with 4 columns, ``size`` is out of
        range, or ``min_width`` is not in (0, ``size``) (the message starts with
        the argument's name).

    See Also
    --------
    :func:`ipcore.data.correlated_gaussians` : Latents with a known I(X;Y).

    Examples
    --------
    >>> import numpy as np
    >>> image = rectangles(np.zeros((1, 4)), size=8)[0]  # ξ = 0: each side 4.12 pixels
    >>> image.shape, round(float(image.sum()), 2), float(image.max())
    ((8, 8), 16.99, 1.0)
    >>> rectangles(np.zeros((1, 4)), size=8, min_width=8)
    Traceback (most recent call last):
    ...
    ValueError: min_width: must be below the image size 8, got 8
    """
    if min_width >= size:
        raise ValueError(f"min_width: must be below the image size {size}, got {min_width:g}")
    u = ndtr(_latents(latents, 4))
    x0, x1 = _rectangle_sides(u[:, :2], size, min_width)
    y0, y1 = _rectangle_sides(u[:, 2:], size, min_width)
    return _coverage(y0, y1, size)[:, :, None] * _coverage(x0, x1, size)[:, None, :]
