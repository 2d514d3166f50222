"""The one results cache: atomic, keyed by parameters and by the code that computes them.

A result is stored under ``<cache>/<kind>/<key>.pt`` where the key hashes
the parameters and the source of the ipcore modules that produce it, so a
change in that code invalidates exactly the results it affects. Writes go
to a temporary file that is renamed into place, so an interrupted run never
leaves a half-written result. Checkpoints (same key, ``.ckpt.pt``) let a long
run resume where it stopped.

The folder is ``$IPCORE_CACHE`` if set, else ``~/.cache/ipcore``.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import torch

CACHE_ENV = "IPCORE_CACHE"


def cache_root() -> Path:
    """The cache folder (created on first use)."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "ipcore")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _source_files(module_name: str) -> list[tuple[str, Path]]:
    """(label, path) of a module's source, or of every module in a package (its whole folder)."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__path__"):  # a package: all of it, so a new submodule cannot be forgotten
        return sorted((f"{module_name}/{path.relative_to(folder)}", path)
                      for folder in map(Path, module.__path__) for path in folder.rglob("*.py"))
    return [(module_name, Path(inspect.getsourcefile(module)))]


def code_version(modules: Iterable[str]) -> str:
    """SHA-256 of the source of the named modules or packages (e.g. ``["ipcore.nets.training", "ipcore.estimators"]``)."""
    digest = hashlib.sha256()
    for name in sorted(set(modules)):
        for label, path in _source_files(name):
            digest.update(label.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return repr(value)  # exact, and 0.1 stays 0.1
    if hasattr(value, "tolist"):
        return _canonical(value.tolist())
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise ValueError(f"parameters: cannot key a cache entry on a {type(value).__name__} ({value!r})")


def cache_key(params: dict[str, Any], modules: Iterable[str]) -> str:
    """Key of a result: its parameters (canonical JSON) and the version of its code."""
    text = json.dumps({"params": _canonical(params), "code": code_version(modules)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def atomic_save(obj: Any, path: Path) -> None:
    """torch.save to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class CachedRun:
    """The cache entry (result and checkpoint) of one computation.

    >>> run = CachedRun("szt", params, modules=["ipcore.nets.training", "ipcore.nets.models"])
    >>> if run.done: result = run.load()
    """

    def __init__(self, kind: str, params: dict[str, Any], *, modules: Iterable[str], root: Path | None = None) -> None:
        if not kind.isidentifier():
            raise ValueError(f"kind: must be a plain name, got {kind!r}")
        self.kind, self.params = kind, dict(params)
        self.key = cache_key(self.params, modules)
        folder = (root or cache_root()) / kind
        self.result_path = folder / f"{self.key}.pt"
        self.checkpoint_path = folder / f"{self.key}.ckpt.pt"

    @property
    def done(self) -> bool:
        return self.result_path.is_file()

    def load(self) -> Any:
        return torch.load(self.result_path, weights_only=False)

    def save(self, result: Any) -> None:
        atomic_save(result, self.result_path)
        if self.checkpoint_path.exists():
            self.checkpoint_path.unlink()

    def load_checkpoint(self) -> Any | None:
        if not self.checkpoint_path.is_file():
            return None
        return torch.load(self.checkpoint_path, weights_only=False)

    def save_checkpoint(self, state: Any) -> None:
        atomic_save(state, self.checkpoint_path)


def cached(kind: str, params: dict[str, Any], compute: Callable[[], Any], *, modules: Iterable[str]) -> Any:
    """``compute()``'s result, loaded from the cache when the same parameters and code ran before."""
    run = CachedRun(kind, params, modules=modules)
    if run.done:
        return run.load()
    result = compute()
    run.save(result)
    return result
