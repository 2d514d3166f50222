"""The one registry of profiles: what ``smoke`` and ``paper`` mean for each chapter's study.

Every study module registers its table here, next to the code that uses it
(``PROFILES = register_profiles(__name__, {...})``), and reads it back through
:func:`~ipcore.experiments.profiles.chapter_settings`. The registry checks what a table must satisfy: exactly the
profiles of :data:`ipcore.config.PROFILE_NAMES`, and the same settings in each, so that a
chapter run at either resolution takes the same parameters.
"""

from __future__ import annotations

import copy
from types import MappingProxyType
from typing import Any, Mapping

from ipcore.config import PROFILE_NAMES
from ipcore.validation import check_choice, check_profile

#: study name (the module's name under ``ipcore.experiments``) → its read-only table.
REGISTRY: dict[str, Mapping[str, Mapping[str, Any]]] = {}


def _study(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _keys(settings: Any) -> Any:
    """The shape of a profile's settings: its keys, recursively for nested tables."""
    if isinstance(settings, Mapping):
        return {key: _keys(value) for key, value in settings.items()}
    return None


def register_profiles(study: str, table: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    """Register ``table`` (profile → settings) as the profiles of ``study``; return it read-only.

    Parameters
    ----------
    study : str
        The study module's ``__name__`` (or its last component).
    table : mapping
        One mapping of settings per profile of :data:`ipcore.config.PROFILE_NAMES`, all with
        the same keys.

    Returns
    -------
    mapping
        ``table`` behind a read-only view.

    Raises
    ------
    ValueError
        If the profiles are not exactly ``PROFILE_NAMES``, if their settings differ in keys,
        or if another table is already registered for ``study``.

    Examples
    --------
    >>> table = register_profiles("example_study", {"smoke": {"epochs": 5}, "paper": {"epochs": 500}})
    >>> chapter_settings("example_study", "paper")
    {'epochs': 500}
    >>> del REGISTRY["example_study"]
    """
    name = _study(study)
    if tuple(table) != PROFILE_NAMES:
        raise ValueError(f"table: the profiles of {name} must be {list(PROFILE_NAMES)}, got {list(table)}")
    shapes = {profile: _keys(settings) for profile, settings in table.items()}
    if any(shape != shapes[PROFILE_NAMES[0]] for shape in shapes.values()):
        raise ValueError(f"table: the profiles of {name} must set the same parameters, got {shapes}")
    if name in REGISTRY and REGISTRY[name] != table:
        raise ValueError(f"study: {name} already has a profile table")
    REGISTRY[name] = MappingProxyType(dict(table))
    return REGISTRY[name]


def chapter_settings(study: str, profile: str) -> dict[str, Any]:
    """A copy of the settings of ``profile`` for ``study`` (changing it changes nothing here).

    Parameters
    ----------
    study : str
        The study module's ``__name__`` or its last component (``"szt_chapters"``).
    profile : str
        One of :data:`ipcore.config.PROFILE_NAMES` (``"smoke"`` or ``"paper"``).

    Returns
    -------
    dict
        A deep copy of the study's settings at ``profile``.

    Raises
    ------
    ValueError
        If ``profile`` is not one of :data:`ipcore.config.PROFILE_NAMES` or ``study`` registered none.

    See Also
    --------
    ipcore.experiments.profiles.register_profiles : Where each study registers its table.

    Examples
    --------
    >>> import ipcore.experiments.ib_bound
    >>> sorted(chapter_settings("ib_bound", "smoke"))
    ['log2_step', 'max_iter', 'toy_betas']
    >>> chapter_settings("ipcore.experiments.ib_bound", "paper")["log2_step"]
    0.1
    >>> chapter_settings("ib_bound", "huge")
    Traceback (most recent call last):
    ...
    ValueError: profile: must be one of ['paper', 'smoke'], got 'huge'
    >>> chapter_settings("no_such_study", "smoke")
    Traceback (most recent call last):
    ...
    ValueError: study: must be one of [...], got 'no_such_study'
    """
    profile = check_profile(profile)
    name = check_choice(_study(study), "study", REGISTRY)
    return copy.deepcopy(dict(REGISTRY[name][profile]))


__all__ = ["REGISTRY", "register_profiles", "chapter_settings"]
