"""Shared fixtures: a loopback HTTP server and an isolated data environment."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a fresh folder on 127.0.0.1; yields ``(base_url, folder)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits up to one, 0.5 s by default, for every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No copy of any data set anywhere, and downloads pointed at a closed port.

    ``KERAS_HOME`` is an empty folder, ``CNNCOURSE_DATA`` is unset, Debian's
    Fashion-MNIST folder is redirected to a missing path. Returns ``tmp_path``.
    """
    from cnncourse import datasets

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("CNNCOURSE_DATA", raising=False)
    monkeypatch.setenv("CNNCOURSE_FASHION_MNIST_URL", "http://127.0.0.1:1/")
    monkeypatch.setenv("CNNCOURSE_DOGS_VS_CATS_URL", "http://127.0.0.1:1/pets.zip")
    monkeypatch.setenv("CNNCOURSE_KERAS_APPLICATIONS_URL", "http://127.0.0.1:1/")
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian")
    return tmp_path
