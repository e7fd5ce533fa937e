"""Shared fixtures: a loopback HTTP server and an isolated data environment."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


@contextlib.contextmanager
def _serving(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port while the block runs; yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval: shutdown() waits up to one, 0.5 s by default, for every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve() -> Callable[[Path], contextlib.AbstractContextManager[str]]:
    """The one loopback HTTP server of the tests: ``with serve(folder) as url: ...``.

    ``url`` ends with a slash. :func:`http_folder` serves a fresh folder for one
    test; ``tests/test_site.py`` serves the built site for its module.
    """
    return _serving


@pytest.fixture
def http_folder(tmp_path: Path, serve) -> Iterator[tuple[str, Path]]:
    """Serve a fresh folder on 127.0.0.1; yields ``(base_url, folder)``."""
    folder = tmp_path / "served"
    folder.mkdir()
    with serve(folder) as url:
        yield url, folder


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
