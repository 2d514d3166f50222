"""The one results cache: atomic, keyed by parameters and by the code that computes them.

A result is stored under ``<cache>/<kind>/<key>.pt`` where the key hashes
the parameters and the source of the ipcore modules that produce it, so a
change in that code invalidates exactly the results it affects. Writes go
to a temporary file that is renamed into place, so an interrupted run never
leaves a half-written result. Checkpoints (same key, ``.ckpt.pt``) let a long
run resume where it stopped. Every file carries a SHA-256 of its contents and
is read without unrestricted unpickling: a truncated, altered or crafted file
is set aside (``<kind>/corrupt/``) with a warning naming it, and recomputed.

The folder is ``$IPCORE_CACHE`` if set, else ``~/.cache/ipcore``.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import importlib
import inspect
import io
import json
import os
import socket
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import torch

CACHE_ENV = "IPCORE_CACHE"


def cache_root() -> Path:
    """The cache folder (created on first use).

    Returns
    -------
    pathlib.Path
        ``$IPCORE_CACHE`` if set, else ``~/.cache/ipcore``.

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"IPCORE_CACHE": tmp}):
    ...     cache_root() == Path(tmp)
    True
    """
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
    """SHA-256 of the source of the named modules or packages (e.g. ``["ipcore.nets.training", "ipcore.estimators"]``).

    A package counts with every ``.py`` file in its folder, so that a new
    submodule cannot be forgotten. Order and repetitions of the names do not matter.

    Parameters
    ----------
    modules : iterable of str
        Importable module or package names.

    Returns
    -------
    str
        64 hexadecimal digits.

    Raises
    ------
    ImportError
        If a name cannot be imported.

    Examples
    --------
    >>> version = code_version(["ipcore.seeding", "ipcore.config"])
    >>> len(version), version == code_version(["ipcore.config", "ipcore.seeding", "ipcore.config"])
    (64, True)
    """
    digest = hashlib.sha256()
    for name in sorted(set(modules)):
        for label, path in _source_files(name):
            digest.update(label.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}  # cache_key's json.dumps sorts the keys
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
    """Key of a result: its parameters (canonical JSON) and the version of its code.

    Parameters
    ----------
    params : dict
        The parameters of the computation: nested dicts, lists, tuples, ``None``,
        bools, ints, strings, floats (keyed by their exact ``repr``) and arrays
        (keyed by their values).
    modules : iterable of str
        The modules whose source computes the result (:func:`ipcore.cache.code_version`).

    Returns
    -------
    str
        32 hexadecimal digits (a truncated SHA-256).

    Raises
    ------
    ValueError
        If ``params`` holds a value of another type (the message starts with ``parameters:``).

    Examples
    --------
    >>> key = cache_key({"beta": 0.1, "seed": 0}, modules=["ipcore.seeding"])
    >>> len(key), key == cache_key({"seed": 0, "beta": 0.1}, modules=["ipcore.seeding"])
    (32, True)
    >>> key == cache_key({"beta": 0.1, "seed": 1}, modules=["ipcore.seeding"])
    False
    >>> cache_key({"betas": {0.1}}, modules=[])
    Traceback (most recent call last):
    ...
    ValueError: parameters: cannot key a cache entry on a set ({0.1})
    """
    text = json.dumps({"params": _canonical(params), "code": code_version(modules)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def process_alive(pid: int) -> bool:
    """Whether a process of this id runs (on this machine).

    Parameters
    ----------
    pid : int
        A process id.

    Returns
    -------
    bool
        True for a running process, this user's or another's.

    Examples
    --------
    >>> import os
    >>> process_alive(os.getpid()), process_alive(99_999_999)  # beyond any system's largest pid
    (True, False)
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


#: This machine's name as it appears in temporary files (dots would end the name's field).
HOST = socket.gethostname().replace(".", "_") or "localhost"


def process_token() -> str:
    """``<pid>@<host>``: who writes a temporary, so that a cache folder shared by several
    machines never has one machine delete another's temporaries as orphans.

    Returns
    -------
    str
        This process's id and :data:`HOST`, the machine's name with dots replaced by ``_``.

    Examples
    --------
    >>> import os
    >>> process_token() == f"{os.getpid()}@{HOST}"
    True
    """
    return f"{os.getpid()}@{HOST}"


def remove_orphaned(folder: Path, prefix: str) -> list[Path]:
    """Delete the files of ``folder`` named ``<prefix><pid>[@<host>].<anything>`` whose process has
    exited (what a killed run leaves: temporaries, kernel sockets); returns them. Files of
    another host are left alone: whether their process lives cannot be seen from here.

    Parameters
    ----------
    folder : pathlib.Path
        The folder to sweep (not its subfolders).
    prefix : str
        What the names start with before the process id.

    Returns
    -------
    list of pathlib.Path
        The files deleted.

    Examples
    --------
    >>> import os, tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for owner in (os.getpid(), 99_999_999, "99999999@elsewhere"):
    ...         _ = Path(tmp, f"result.pt.{owner}.tmp").write_bytes(b"")
    ...     [path.name for path in remove_orphaned(Path(tmp), "result.pt.")]
    ['result.pt.99999999.tmp']
    """
    removed = []
    for path in Path(folder).glob(f"{glob.escape(prefix)}*"):
        pid, _, host = path.name[len(prefix):].split(".", 1)[0].partition("@")
        if host and host != HOST:
            continue
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


#: First bytes of every entry: the format, then the SHA-256 of the payload (a torch.save stream).
MAGIC = b"IPCORE-CACHE-1\n"
_DIGEST_BYTES = 32
#: Classes outside ipcore that a result or checkpoint may name: numpy arrays and their dtypes.
#: Nothing else is unpickled, so a crafted file in the cache cannot run code.
_NUMPY_GLOBALS = {"numpy.ndarray", "numpy.dtype", "numpy._core.multiarray._reconstruct",
                  "numpy.core.multiarray._reconstruct", "numpy._core.multiarray.scalar", "numpy.core.multiarray.scalar"}


class CacheWarning(UserWarning):
    """A cache entry could not be read or written; the computation goes on without it.

    Examples
    --------
    A damaged result is set aside, with this warning, and counts as absent:

    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     run = CachedRun("demo", {"beta": 0.1}, modules=[], root=Path(tmp))
    ...     run.result_path.parent.mkdir()
    ...     _ = run.result_path.write_bytes(b"half a file")
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         print(run.done, caught[0].category.__name__)
    False CacheWarning
    """


class CorruptEntry(ValueError):
    """A cache file that is truncated, altered, of another format, or names a class ipcore does not store.

    A :class:`ValueError`; its message starts with the file's path.

    Examples
    --------
    >>> from pathlib import Path
    >>> checked_payload(b"not a cache entry", Path("entry.pt"))
    Traceback (most recent call last):
    ...
    ipcore.cache.CorruptEntry: entry.pt: not an ipcore cache entry (empty, truncated, or written by another program)
    """


def atomic_save(obj: Any, path: Path) -> None:
    """Write ``obj`` (torch.save, behind :data:`MAGIC` and a SHA-256) to a temporary file beside
    ``path``, then rename it into place: ``path`` holds the old entry or the whole new one, never part.

    A full disk raises ``OSError`` (ENOSPC) saying "no space left on <folder>", with no partial file left.

    Parameters
    ----------
    obj : object
        What to store: tensors, numpy arrays, plain containers and numbers, and
        instances of ipcore's own classes (what :func:`ipcore.cache.safe_load` reads back).
    path : pathlib.Path
        The entry's file; its folder is created.

    Returns
    -------
    None

    Raises
    ------
    OSError
        If the file cannot be written (a full disk: "no space left on <folder>").

    Examples
    --------
    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "demo" / "entry.pt"
    ...     atomic_save({"mi": torch.tensor([0.5, 1.0]), "epochs": 3}, path)
    ...     print(path.read_bytes().startswith(MAGIC), safe_load(path)["epochs"], sorted(p.name for p in path.parent.iterdir()))
    True 3 ['entry.pt']
    """
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    payload = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.{process_token()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + hashlib.sha256(payload).digest())
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"no space left on {path.parent} to write {len(payload) / 1e6:.1f} MB; "
                          f"the entries already there are intact") from None
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _allowed_global(name: str) -> Any | None:
    """The object a stored file may name: numpy's array machinery, or a class defined in ipcore."""
    module_name, _, attribute = name.rpartition(".")
    if name in _NUMPY_GLOBALS or module_name == "numpy.dtypes":
        pass
    elif not module_name.startswith("ipcore."):
        return None
    try:
        obj = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return None
    return obj if inspect.isclass(obj) or name in _NUMPY_GLOBALS else None


def _numpy_dtype_classes() -> list[type]:
    """numpy's dtype classes (``numpy.dtypes.Float64DType`` …): an array's dtype is rebuilt from one,
    and the torch reader does not list them among a file's globals."""
    import numpy as np

    return [getattr(np.dtypes, name) for name in getattr(np.dtypes, "__all__", []) if inspect.isclass(getattr(np.dtypes, name))]


def checked_payload(raw: bytes, path: Path) -> bytes:
    """The torch.save stream inside an entry's bytes, after its checksum is checked (raises
    :class:`CorruptEntry` naming ``path``). Nothing is unpickled here.

    Parameters
    ----------
    raw : bytes
        The entry file's contents.
    path : pathlib.Path
        The file, named in the error.

    Returns
    -------
    bytes
        The payload: ``raw`` after :data:`MAGIC` and the digest, or ``raw`` itself for an
        entry written before checksums existed (a bare torch.save zip).

    Raises
    ------
    CorruptEntry
        If the checksum does not match, or ``raw`` is not an ipcore cache entry.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "entry.pt"
    ...     atomic_save([1, 2, 3], path)
    ...     raw = path.read_bytes()
    >>> checked_payload(raw, path).startswith(b"PK")  # a torch.save zip
    True
    >>> checked_payload(raw[:-1], Path("entry.pt"))
    Traceback (most recent call last):
    ...
    ipcore.cache.CorruptEntry: entry.pt: checksum mismatch (the file was truncated or altered)
    """
    head = len(MAGIC) + _DIGEST_BYTES
    if raw.startswith(MAGIC):
        payload = raw[head:]
        if len(raw) < head or hashlib.sha256(payload).digest() != raw[len(MAGIC) : head]:
            raise CorruptEntry(f"{path}: checksum mismatch (the file was truncated or altered)")
        return payload
    if raw.startswith(b"PK\x03\x04"):  # an entry of ipcore before checksums: a bare torch.save zip
        return raw
    raise CorruptEntry(f"{path}: not an ipcore cache entry (empty, truncated, or written by another program)")


def safe_load(path: Path) -> Any:
    """Read an entry written by :func:`atomic_save`, checking its checksum and unpickling only
    tensors, plain containers, numpy arrays and ipcore's own classes (``weights_only``).

    Entries written before checksums existed (a bare torch.save file) are read the same
    way, without the checksum. Raises :class:`CorruptEntry` naming ``path`` for anything else.

    Parameters
    ----------
    path : pathlib.Path
        The entry's file.

    Returns
    -------
    object
        What was stored.

    Raises
    ------
    CorruptEntry
        If the file is truncated, altered, of another format, or names a class
        that ipcore does not store (a crafted file cannot run code).
    OSError
        If the file cannot be read.

    Examples
    --------
    >>> import fractions, tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "entry.pt"
    >>> atomic_save({"beta": 0.1, "layers": [1, 2]}, path)
    >>> safe_load(path)
    {'beta': 0.1, 'layers': [1, 2]}
    >>> atomic_save(fractions.Fraction(1, 3), path)  # a class outside ipcore
    >>> safe_load(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipcore.cache.CorruptEntry: .../entry.pt: names ['fractions.Fraction'], which ipcore does not store; not loaded
    >>> tmp.cleanup()
    """
    payload = checked_payload(path.read_bytes(), path)
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(payload))
        allowed = [_allowed_global(name) for name in names]
        refused = [name for name, obj in zip(names, allowed) if obj is None]
        if refused:
            raise CorruptEntry(f"{path}: names {refused}, which ipcore does not store; not loaded")
        with torch.serialization.safe_globals(allowed + _numpy_dtype_classes()):
            return torch.load(io.BytesIO(payload), weights_only=True)
    except CorruptEntry:
        raise
    except Exception as exc:  # any failure of the torch reader on a file whose checksum matched
        raise CorruptEntry(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None


def set_aside(path: Path, why: str) -> Path:
    """Move a bad entry to ``<kind>/corrupt/`` (kept for inspection, out of the way) and warn, naming it.

    Parameters
    ----------
    path : pathlib.Path
        The bad entry, in its ``<kind>`` folder.
    why : str
        What is wrong with it, the start of the warning.

    Returns
    -------
    pathlib.Path
        Where it went: ``<kind>/corrupt/<name>.<unix time>``.

    Warns
    -----
    CacheWarning
        ``"<why>; set aside as <target>, recomputing"``.

    Examples
    --------
    >>> import tempfile, warnings
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "demo" / "entry.pt"
    ...     path.parent.mkdir()
    ...     _ = path.write_bytes(b"junk")
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         target = set_aside(path, "entry.pt: damaged")
    ...     print(path.exists(), target.parent.name, target.read_bytes(), caught[0].category.__name__)
    False corrupt b'junk' CacheWarning
    """
    folder = path.parent / "corrupt"
    folder.mkdir(exist_ok=True)
    target = folder / f"{path.name}.{int(time.time())}"
    try:
        os.replace(path, target)
    except FileNotFoundError:  # another process set it aside, or replaced it, first
        pass
    # the caller's line: user → CachedRun.done / load_checkpoint → _read → set_aside
    warnings.warn(f"{why}; set aside as {target}, recomputing", CacheWarning, stacklevel=4)
    return target


class CachedRun:
    """The cache entry (result and checkpoint) of one computation.

    The result is ``<root>/<kind>/<key>.pt``, the checkpoint ``<key>.ckpt.pt`` beside it
    (with the segment files of its :attr:`APPEND_ONLY` list), the key being
    :func:`ipcore.cache.cache_key` of ``params`` and ``modules``. Temporaries left
    by killed runs of the same key are removed when the entry is opened.

    A corrupt entry is set aside with a :class:`CacheWarning` and treated as absent; a
    write that fails (a full disk) warns and leaves the previous entry as it was, so
    the computation in progress is never lost to its cache.

    Parameters
    ----------
    kind : str
        The kind of computation, a plain name (an identifier): the entry's folder.
    params : dict
        Its parameters (what :func:`ipcore.cache.cache_key` accepts).
    modules : iterable of str
        The modules whose code computes it; a change in their source changes the key.
    root : pathlib.Path, optional
        The cache folder; :func:`ipcore.cache.cache_root` by default.

    Raises
    ------
    ValueError
        If ``kind`` is not a plain name, or ``params`` holds a value that cannot be keyed.

    See Also
    --------
    :func:`ipcore.cache.cached` : Load or compute and store, in one call.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     run = CachedRun("szt", {"beta": 0.1}, modules=["ipcore.seeding"], root=Path(tmp))
    ...     print(run.done)
    ...     run.save({"mi": 1.5})
    ...     again = CachedRun("szt", {"beta": 0.1}, modules=["ipcore.seeding"], root=Path(tmp))
    ...     print(again.done, again.load(), again.result_path.parent.name)
    False
    True {'mi': 1.5} szt
    """

    _MISSING = object()
    #: In a checkpoint (a dict), the list under this key only grows from one save to the next
    #: (:func:`ipcore.nets.training.train`'s snapshots). Its new items go to a segment file of
    #: their own, so a save writes what is new, not everything so far: the last checkpoint of a
    #: long run costs what the first did.
    APPEND_ONLY = "snapshots"

    def __init__(self, kind: str, params: dict[str, Any], *, modules: Iterable[str], root: Path | None = None) -> None:
        if not kind.isidentifier():
            raise ValueError(f"kind: must be a plain name, got {kind!r}")
        self.kind, self.params = kind, dict(params)
        self.key = cache_key(self.params, modules)
        folder = (root or cache_root()) / kind
        self.result_path = folder / f"{self.key}.pt"
        self.checkpoint_path = folder / f"{self.key}.ckpt.pt"
        self._result: Any = self._MISSING
        #: (start, stop) of the items in each segment file the last checkpoint names
        self._segments: list[tuple[int, int]] = []
        if folder.is_dir():  # temporaries of a run that was killed while writing
            names = [self.result_path.name, self.checkpoint_path.name]
            names += sorted({p.name.split(".pt.", 1)[0] + ".pt" for p in folder.glob(f"{self.key}.ckpt.seg*.pt.*")})
            for name in names:
                remove_orphaned(folder, f"{name}.")

    def _segment_path(self, start: int, stop: int) -> Path:
        """The segment of items [start, stop): named by its range, so that writers at different
        points of the same run (twins, a retry beside its first attempt) never overwrite each
        other's segments, and seeded writers of one range write the same bytes."""
        return self.checkpoint_path.with_name(f"{self.key}.ckpt.seg{start}-{stop}.pt")

    def _read(self, path: Path) -> Any:
        if not path.is_file():
            return self._MISSING
        try:
            return safe_load(path)
        except FileNotFoundError:  # removed since (a twin run saved its result and cleared its segments)
            return self._MISSING
        except CorruptEntry as exc:
            set_aside(path, str(exc))
            return self._MISSING

    @property
    def stored(self) -> bool:
        """Whether a result file is there whose checksum matches: cheaper than :attr:`done` (it
        does not unpickle a large result), for a scheduler deciding what is left to compute.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     before = run.stored
        ...     run.save([1, 2, 3])
        ...     print(before, run.stored)
        False True
        """
        try:
            checked_payload(self.result_path.read_bytes(), self.result_path)
        except (OSError, CorruptEntry):
            return False
        return True

    @property
    def done(self) -> bool:
        """Whether a valid result is stored (it is read, and checked, once).

        A damaged result is set aside with a :class:`CacheWarning` and counts as absent.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     before = run.done
        ...     run.save({"mi": 0.3})
        ...     print(before, CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp)).done)
        False True
        """
        if self._result is self._MISSING:
            self._result = self._read(self.result_path)
        return self._result is not self._MISSING

    def load(self) -> Any:
        """The stored result.

        Returns
        -------
        object
            What :meth:`save` stored.

        Raises
        ------
        FileNotFoundError
            If no valid result is stored (see :attr:`done`).

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     run.save({"mi": 0.3})
        ...     print(CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp)).load())
        {'mi': 0.3}
        """
        if not self.done:
            raise FileNotFoundError(f"{self.result_path}: no valid result stored")
        return self._result

    def _write(self, obj: Any, path: Path) -> bool:
        try:
            atomic_save(obj, path)
            return True
        except OSError as exc:
            warnings.warn(f"{exc}; the {'result' if path == self.result_path else 'checkpoint'} is not cached",
                          CacheWarning, stacklevel=3)
            return False

    def save(self, result: Any) -> None:
        """Store ``result`` atomically and delete the checkpoint, which it supersedes.

        A write that fails (a full disk) warns with a :class:`CacheWarning` and leaves
        the previous entry and the checkpoint as they were.

        Parameters
        ----------
        result : object
            What to store (see :func:`ipcore.cache.atomic_save`).

        Returns
        -------
        None

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     run.save_checkpoint({"epoch": 5})
        ...     run.save({"mi": 0.3})
        ...     print(run.done, run.checkpoint_path.exists())
        True False
        """
        if self._write(result, self.result_path):
            self._result = result
            self.discard_checkpoint()

    def discard_checkpoint(self) -> None:
        """Delete the checkpoint and its segments (a computation whose results were stored
        elsewhere, as an ensemble's are per member).

        Returns
        -------
        None

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     run.save_checkpoint({"epoch": 1, "snapshots": [1]})
        ...     run.discard_checkpoint()
        ...     print(run.load_checkpoint(), list(run.checkpoint_path.parent.iterdir()))
        None []
        """
        self.checkpoint_path.unlink(missing_ok=True)
        for segment in self.checkpoint_path.parent.glob(f"{self.key}.ckpt.seg*.pt"):
            segment.unlink(missing_ok=True)
        self._segments = []

    def load_checkpoint(self) -> Any | None:
        """The last checkpoint, its append-only list reassembled from its segments; None if there
        is none, or if it or a segment it names is damaged (set aside with a warning).

        Returns
        -------
        object or None
            What :meth:`save_checkpoint` was last given, or ``None``.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     print(run.load_checkpoint())
        ...     run.save_checkpoint({"epoch": 2, "snapshots": ["a", "b"]})
        ...     print(CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp)).load_checkpoint())
        None
        {'epoch': 2, 'snapshots': ['a', 'b']}
        """
        state = self._read(self.checkpoint_path)
        if state is self._MISSING:
            return None
        self._segments = []
        ranges = state.pop("_segments", None) if isinstance(state, dict) else None
        if ranges is None:  # a checkpoint without segments (written before they existed)
            return state
        items: list[Any] = []
        for start, stop in ranges:
            part = self._read(self._segment_path(start, stop)) if start == len(items) else self._MISSING
            if part is self._MISSING or not isinstance(part, list) or len(part) != stop - start:
                set_aside(self.checkpoint_path, f"{self.checkpoint_path}: its segment of items {start}–{stop} "
                          "is missing or damaged")
                return None
            items.extend(part)
        state[self.APPEND_ONLY] = items
        self._segments = [tuple(r) for r in ranges]
        return state

    def save_checkpoint(self, state: Any) -> None:
        """Write ``state`` as the checkpoint: what its :attr:`APPEND_ONLY` list gained since the
        last save goes to a new segment file first, then the rest, naming the segments.

        A write that fails (a full disk) warns with a :class:`CacheWarning` and leaves
        the previous checkpoint whole.

        Parameters
        ----------
        state : object
            The state to resume from; for a dict, its ``"snapshots"`` list may only
            grow from one save to the next (a shorter one starts the segments again).

        Returns
        -------
        None

        Examples
        --------
        The second save writes only the new snapshot:

        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     run = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
        ...     run.save_checkpoint({"epoch": 1, "snapshots": [10]})
        ...     run.save_checkpoint({"epoch": 2, "snapshots": [10, 20]})
        ...     print(sorted(path.name.split(".", 1)[1] for path in run.checkpoint_path.parent.iterdir()))
        ...     print(run.load_checkpoint())
        ['ckpt.pt', 'ckpt.seg0-1.pt', 'ckpt.seg1-2.pt']
        {'epoch': 2, 'snapshots': [10, 20]}
        """
        items = state.get(self.APPEND_ONLY) if isinstance(state, dict) else None
        if not isinstance(items, list):
            self._write(state, self.checkpoint_path)
            return
        saved = self._segments[-1][1] if self._segments else 0
        if len(items) < saved:  # not the list saved before: its segments start again
            self._segments, saved = [], 0
        if len(items) > saved:
            if not self._write(items[saved:], self._segment_path(saved, len(items))):
                return  # the previous checkpoint stays whole
            self._segments.append((saved, len(items)))
        self._write({**state, self.APPEND_ONLY: [], "_segments": list(self._segments)}, self.checkpoint_path)


def load_stored(entries: Iterable[CachedRun]) -> Any | None:
    """The result of the first of ``entries`` that holds one, or None: one computation stored
    under several keys (a network trained alone, or as a member of an ensemble).

    Parameters
    ----------
    entries : iterable of CachedRun
        The entries, in order of preference.

    Returns
    -------
    object or None
        The first stored result.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     alone = CachedRun("demo", {"seed": 0}, modules=[], root=Path(tmp))
    ...     member = CachedRun("demo", {"seed": 0, "trained_as": "member"}, modules=[], root=Path(tmp))
    ...     before = load_stored([alone, member])
    ...     member.save({"mi": 0.3})
    ...     print(before, load_stored([alone, member]))
    None {'mi': 0.3}
    """
    for entry in entries:
        if entry.done:
            return entry.load()
    return None


def cached(kind: str, params: dict[str, Any], compute: Callable[[], Any], *, modules: Iterable[str]) -> Any:
    """``compute()``'s result, loaded from the cache when the same parameters and code ran before.

    Parameters
    ----------
    kind : str
        The kind of computation, a plain name (the entry's folder).
    params : dict
        Its parameters, the key of the entry with ``modules``.
    compute : callable
        Computes the result, called without arguments on a miss.
    modules : iterable of str
        The modules whose code computes it.

    Returns
    -------
    object
        The stored result, or ``compute()``'s (then stored).

    Raises
    ------
    ValueError
        If ``kind`` is not a plain name, or ``params`` holds a value that cannot be keyed.

    See Also
    --------
    :class:`ipcore.cache.CachedRun` : The entry, for checkpoints and finer control.

    Examples
    --------
    The second call loads what the first computed:

    >>> import os, tempfile
    >>> from unittest import mock
    >>> calls = []
    >>> def compute():
    ...     calls.append(1)
    ...     return {"mi": 0.7}
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"IPCORE_CACHE": tmp}):
    ...     first = cached("demo", {"beta": 0.1}, compute, modules=["ipcore.seeding"])
    ...     second = cached("demo", {"beta": 0.1}, compute, modules=["ipcore.seeding"])
    >>> first == second == {"mi": 0.7}, len(calls)
    (True, 1)
    """
    run = CachedRun(kind, params, modules=modules)
    if run.done:
        return run.load()
    result = compute()
    run.save(result)
    return result
