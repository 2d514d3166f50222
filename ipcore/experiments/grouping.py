"""Several cached runs trained as one batched computation, each result cached on its own.

The chapters' β grids (:func:`ipcore.experiments.szt.run_szt_ensemble`,
:func:`ipcore.experiments.information_plane.run_plane_group`) share this: runs already stored
are loaded, the rest train together as one ensemble under a checkpoint of their own, and each
result is stored under its member's key.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Callable, Hashable, Mapping, Sequence, TypeVar

from ipcore.cache import CachedRun
from ipcore.config import progress_bar

Config = TypeVar("Config", bound=Hashable)


def run_group(
    configs: Sequence[Config],
    *,
    config_type: type,
    group_key: Callable[[Config], Any],
    varying: str,
    stored: Callable[[Config], Any | None],
    run_alone: Callable[[Config], Any],
    train_together: Callable[[list[Config], CachedRun | None], list[Any]],
    member_entry: Callable[[Config], CachedRun],
    group_entry: Callable[[list[Config]], CachedRun],
    order: Callable[[Config], Any],
    use_cache: bool = True,
) -> list[Any]:
    """The runs of ``configs``: stored ones loaded, the rest computed as one group, in the order given.

    Parameters
    ----------
    configs : sequence of dataclass instances
        The runs' configs, a list or tuple of ``config_type``; equal configs are computed once.
    config_type : type
        The config class (the error messages name it).
    group_key : callable
        What the configs of one group share; configs whose keys differ are refused.
    varying : str
        The fields that may differ, for the error message (e.g. ``"beta and seed"``).
    stored : callable
        ``stored(config)``: the stored run, or None.
    run_alone : callable
        ``run_alone(config)``: the run of one config (used when only one is missing).
    train_together : callable
        ``train_together(configs, store)``: the runs of several configs, computed as one,
        checkpointing into ``store`` (None without the cache).
    member_entry : callable
        ``member_entry(config)``: where a run computed in a group is stored.
    group_entry : callable
        ``group_entry(configs)``: the checkpoint entry of a group.
    order : callable
        Sort key of the configs trained together (one canonical order, so that an interrupted
        group resumes whatever order it is asked in).
    use_cache : bool, default True
        Load stored runs and store the computed ones.

    Returns
    -------
    list
        One run per config, in the order given.

    Raises
    ------
    ValueError
        If ``configs`` is not a list or tuple of ``config_type``, is empty, or holds configs
        with different ``group_key`` (the message names the fields that differ).

    Examples
    --------
    >>> from dataclasses import dataclass, replace
    >>> @dataclass(frozen=True)
    ... class Toy:
    ...     beta: float
    ...     lr: float = 0.1
    >>> computed = []
    >>> runs = run_group([Toy(0.2), Toy(0.1), Toy(0.2)], config_type=Toy, group_key=lambda c: replace(c, beta=0.0),
    ...                  varying="beta", stored=lambda c: None, run_alone=lambda c: c.beta,
    ...                  train_together=lambda cs, store: computed.append(cs) or [c.beta for c in cs],
    ...                  member_entry=None, group_entry=None, order=lambda c: c.beta, use_cache=False)
    >>> runs, computed
    ([0.2, 0.1, 0.2], [[Toy(beta=0.1, lr=0.1), Toy(beta=0.2, lr=0.1)]])
    >>> run_group([Toy(0.2), Toy(0.1, lr=1.0)], config_type=Toy, group_key=lambda c: replace(c, beta=0.0),
    ...           varying="beta", stored=None, run_alone=None, train_together=None, member_entry=None,
    ...           group_entry=None, order=None)
    Traceback (most recent call last):
    ...
    ValueError: configs: the members of a group may differ only in beta, got configs that differ in lr
    """
    name = config_type.__name__
    if isinstance(configs, config_type) or not isinstance(configs, (list, tuple)):
        raise ValueError(f"configs: give a list of {name}, got {type(configs).__name__}")
    configs = list(configs)
    if not configs:
        raise ValueError(f"configs: give at least one {name}")
    for config in configs:
        if not isinstance(config, config_type):
            raise ValueError(f"configs: expected {name} items, got {type(config).__name__}")
    shape = group_key(configs[0])
    for config in configs[1:]:
        other = group_key(config)
        if other != shape:
            fields = [k for k, v in asdict(other).items() if asdict(shape)[k] != v]
            raise ValueError(f"configs: the members of a group may differ only in {varying}, "
                             f"got configs that differ in {', '.join(fields)}")
    unique = list(dict.fromkeys(configs))
    done: dict[Config, Any] = {c: stored(c) for c in unique} if use_cache else {}
    todo = sorted((c for c in unique if done.get(c) is None), key=order)
    if len(todo) == 1:
        done[todo[0]] = run_alone(todo[0])
    elif todo:
        group = group_entry(todo) if use_cache else None
        for config, run in zip(todo, train_together(todo, group)):
            done[config] = run
            if use_cache:
                member_entry(config).save(run)
        if group is not None:
            group.discard_checkpoint()
    return [done[c] for c in configs]


def run_keyed(
    configs: Mapping[Any, Config],
    *,
    group_key: Callable[[Config], Any | None],
    run_alone: Callable[[Config], Any],
    run_together: Callable[[list[Config]], list[Any]],
    progress: bool = True,
    desc: str = "runs",
) -> dict[Any, Any]:
    """A chapter's runs, keyed as its configs: those sharing a ``group_key`` computed as one group.

    Parameters
    ----------
    configs : mapping of key to config
        The runs, keyed as the caller likes (by β, by variant, …).
    group_key : callable
        What the configs of one group share; None: the config runs alone.
    run_alone : callable
        ``run_alone(config)``: the run of a config alone of its group.
    run_together : callable
        ``run_together(configs)``: the runs of a group's configs, in their order (e.g. a function
        built on :func:`~ipcore.experiments.grouping.run_group`).
    progress : bool, default True
        Show an overall progress bar (for more than one run).
    desc : str, default "runs"
        The bar's label.

    Returns
    -------
    dict
        The runs, under the keys of ``configs`` and in their order.

    Examples
    --------
    >>> calls = []
    >>> runs = run_keyed({"a": 1, "b": 12, "c": 3}, group_key=lambda c: c < 10,
    ...                  run_alone=lambda c: calls.append(("alone", c)) or c,
    ...                  run_together=lambda cs: calls.append(("together", cs)) or cs, progress=False)
    >>> runs, calls
    ({'a': 1, 'b': 12, 'c': 3}, [('together', [1, 3]), ('alone', 12)])
    """
    groups: dict[Any, list[Any]] = {}
    for key, config in configs.items():
        group = group_key(config)
        groups.setdefault(("alone", key) if group is None else ("group", group), []).append(key)
    runs: dict[Any, Any] = {}
    with progress_bar(total=len(configs), enabled=progress and len(configs) > 1, desc=desc) as bar:
        for keys in groups.values():
            if len(keys) == 1:
                runs[keys[0]] = run_alone(configs[keys[0]])
            else:
                runs.update(zip(keys, run_together([configs[k] for k in keys])))
            bar.update(len(keys))
    return {key: runs[key] for key in configs}
