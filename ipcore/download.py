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
    """Hex digest of a file's bytes (``algorithm`` as named by :mod:`hashlib`).

    Parameters
    ----------
    path : str or os.PathLike
        The file, read in blocks of 1 MiB.
    algorithm : str, default "md5"
        A name :func:`hashlib.new` accepts (``"md5"``, ``"sha256"`` …).

    Returns
    -------
    str
        The hexadecimal digest.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If ``algorithm`` is not a hash :mod:`hashlib` knows.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "hello.txt"
    ...     _ = path.write_bytes(b"hello")
    ...     file_digest(path), file_digest(path, "sha256")[:16]
    ('5d41402abc4b2a76b9719d911017c592', '2cf24dba5fb0a30e')
    """
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether ``url``'s host accepts a TCP connection (its port, else 443/80) within ``timeout`` seconds.

    A host found unreachable is remembered for the rest of the process and not
    tried again, so that an offline machine fails in seconds.

    Parameters
    ----------
    url : str
        The address; its scheme gives the default port (80 for http, else 443).
    timeout : float, default 3.0
        Seconds to wait for the connection.

    Returns
    -------
    bool
        Whether the connection was accepted (it is closed at once; nothing is sent).

    Examples
    --------
    A server on this machine:

    >>> import socket
    >>> listener = socket.create_server(("127.0.0.1", 0))
    >>> reachable(f"http://127.0.0.1:{listener.getsockname()[1]}/")
    True
    >>> listener.close()
    """
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

    The bytes go to a temporary file beside ``target``, which is renamed to
    ``target`` only once its digest matches: an interrupted or corrupt download
    never passes for the real file.

    Parameters
    ----------
    urls : sequence of str
        Mirrors of the file, tried in order; a host that does not accept a
        connection (:func:`ipcore.download.reachable`) is skipped.
    target : str or os.PathLike
        Where the file goes (its folder is created).
    digest : str
        The file's published hex digest.
    algorithm : str, default "md5"
        The hash of ``digest``, as named by :mod:`hashlib`.

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    OSError
        If no mirror gave the file with that digest; the message says why for each.

    Examples
    --------
    A file served from this machine (no network needed):

    >>> import functools, hashlib, http.server, tempfile, threading
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> served = Path(tmp.name, "served")
    >>> served.mkdir()
    >>> _ = (served / "hello.txt").write_bytes(b"hello")
    >>> class Quiet(http.server.SimpleHTTPRequestHandler):
    ...     def log_message(self, *args):
    ...         pass
    >>> server = http.server.HTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=served))
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> url = f"http://127.0.0.1:{server.server_port}/hello.txt"
    >>> path = download([url], Path(tmp.name, "copy.txt"), digest=hashlib.md5(b"hello").hexdigest())
    >>> path.name, path.read_bytes()
    ('copy.txt', b'hello')
    >>> download([url], Path(tmp.name, "other.txt"), digest="0" * 32)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    OSError: http://127.0.0.1:.../hello.txt: wrong md5 digest
    >>> sorted(p.name for p in Path(tmp.name).iterdir())  # no partial file left behind
    ['copy.txt', 'served']
    >>> server.shutdown()
    >>> server.server_close()
    >>> tmp.cleanup()
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
