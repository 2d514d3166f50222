"""ipcore: noisy networks and mutual-information estimators.

Companion library of the reproducible book for Goldfeld et al., *Estimating
Information Flow in Deep Neural Networks* (ICML 2019). All information
quantities are in nats.
"""

from ipcore.config import DTYPE, resolve_device
from ipcore.seeding import seed_everything

__version__ = "0.1.0"

#: The user API, re-exported here and imported on first use (``import ipcore`` stays light):
#: measure your own network (:mod:`ipcore.measure`, :func:`ipcore.nets.add_noise`).
_USER_API = {"InformationProbe": "measure", "add_noise": "nets"}

__all__ = ["DTYPE", "resolve_device", "seed_everything", "__version__", *_USER_API]


def __getattr__(name: str):
    if name in _USER_API:
        import importlib

        return getattr(importlib.import_module(f"ipcore.{_USER_API[name]}"), name)
    raise AttributeError(f"module 'ipcore' has no attribute {name!r}")
