"""The information bottleneck and its dual for discrete distributions, in nats."""

from ipcore.bottleneck.discrete import (
    ANNEALING,
    SZT_BETAS,
    IBConvergenceWarning,
    IBCurve,
    binary_joint,
    ib_critical_beta,
    ib_curve,
)

__all__ = ["ib_curve", "IBCurve", "IBConvergenceWarning", "ib_critical_beta", "binary_joint", "SZT_BETAS", "ANNEALING"]
