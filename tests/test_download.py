"""The one downloader: digest-checked, atomic, fails fast and clearly."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest

from ipcore import download as dl


@pytest.fixture
def server(tmp_path):
    """A local HTTP server over tmp_path/site; yields its base URL."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "file.bin").write_bytes(b"information plane" * 1000)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_download_checks_the_digest_and_falls_back_to_the_next_mirror(server, tmp_path):
    payload = b"information plane" * 1000
    sha = hashlib.sha512(payload).hexdigest()
    target = tmp_path / "out" / "file.bin"
    got = dl.download([server + "missing.bin", server + "file.bin"], target, digest=sha, algorithm="sha512")
    assert got == target and target.read_bytes() == payload
    assert dl.file_digest(target, "md5") == hashlib.md5(payload).hexdigest()
    assert list(target.parent.glob("*.part")) == []


def test_a_wrong_digest_leaves_no_file_and_says_which_mirror(server, tmp_path):
    target = tmp_path / "out" / "file.bin"
    with pytest.raises(OSError, match=r"file\.bin: wrong sha256 digest"):
        dl.download([server + "file.bin"], target, digest="0" * 64, algorithm="sha256")
    assert not target.exists() and list(target.parent.glob("*")) == []


def test_an_unreachable_host_fails_in_seconds_with_its_reason(tmp_path):
    # port 9 (discard) on localhost: refused at once
    with pytest.raises(OSError, match="no network connection"):
        dl.download(["http://127.0.0.1:9/x"], tmp_path / "x", digest="0")
