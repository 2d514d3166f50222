"""The one downloader: checksummed, atomic, and quick to give up offline.

Used for the MNIST files and for the ipywidgets JavaScript the book serves
itself. A file is fetched into a temporary name beside its target, checked
against its published digest, and only then renamed into place, so an
interrupted or corrupt download never passes for the real file. A host that
does not answer a TCP connection in a few seconds is skipped (and remembered
for the rest of the process), so an offline machine fails in seconds, not
minutes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
import urllib.request
from pathlib import Path
from typing import Sequence
from urllib.parse import urlparse

_unreachable: set[tuple[str, int]] = set()  # (host, port)s found unreachable in this process: not retried


def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    """Hex digest of a file's bytes (``algorithm`` as named by :mod:`hashlib`)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether ``url``'s host accepts a TCP connection (its port, else 443/80) within ``timeout`` seconds."""
    parsed = urlparse(url)
    address = (parsed.hostname or "", parsed.port or (80 if parsed.scheme == "http" else 443))
    if address in _unreachable:
        return False
    try:
        socket.create_connection(address, timeout=timeout).close()
        return True
    except OSError:
        _unreachable.add(address)
        return False


def download(urls: Sequence[str], target: str | os.PathLike, *, digest: str, algorithm: str = "md5") -> Path:
    """Fetch the first of ``urls`` (mirrors of one file) whose bytes have ``digest``; return ``target``.

    Raises ``OSError`` listing, for every mirror, why it was not used (no
    connection, an HTTP or network error, a wrong digest).
    """
    target = Path(target)
    errors = []
    for url in urls:
        if not reachable(url):
            errors.append(f"{url}: no network connection to its host")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(url, timeout=30) as response, tempfile.NamedTemporaryFile(
                dir=target.parent, delete=False, suffix=".part"
            ) as tmp:
                shutil.copyfileobj(response, tmp)
            if file_digest(tmp.name, algorithm) != digest:
                os.unlink(tmp.name)
                errors.append(f"{url}: wrong {algorithm} digest")
                continue
            os.replace(tmp.name, target)  # atomic: a half-written file never has the final name
            return target
        except OSError as exc:
            errors.append(f"{url}: {exc}")
    raise OSError("; ".join(errors))
