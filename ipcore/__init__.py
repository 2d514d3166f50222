"""ipcore: noisy networks and mutual-information estimators.

Companion library of the reproducible book for Goldfeld et al., *Estimating
Information Flow in Deep Neural Networks* (ICML 2019). All information
quantities are in nats.
"""

from ipcore.config import DTYPE, resolve_device
from ipcore.seeding import seed_everything

__version__ = "0.1.0"

__all__ = ["DTYPE", "resolve_device", "seed_everything", "__version__"]
