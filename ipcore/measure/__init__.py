"""Measure your own network: noise after chosen layers of any ``torch.nn.Module``, their
representations recorded from your own training loop, and I(X;T), I(T;Y) per layer and epoch
(a pandas table and an information-plane plot). Also exported from ``ipcore`` itself."""

from ipcore.measure.probe import ESTIMATORS, InformationProbe

__all__ = ["InformationProbe", "ESTIMATORS"]
