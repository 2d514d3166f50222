"""Estimators of entropy and mutual information, all in nats.

The kernel :func:`mixture_log_density` sits under every Gaussian-mixture
entropy; :func:`mixture_entropy_1d` is the exact 1-D value by quadrature.
"""

from ipcore.estimators.kernel import mixture_log_density
from ipcore.estimators.quadrature import gaussian_entropy, mixture_entropy_1d

__all__ = ["mixture_log_density", "mixture_entropy_1d", "gaussian_entropy"]
