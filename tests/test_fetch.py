"""Tests of cnncourse.fetch (``python -m cnncourse fetch-data``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cnncourse import datasets, fetch, pretrained
from cnncourse.__main__ import main


def test_already_present_is_not_downloaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    calls = []

    def finder(*, download: bool) -> Path:
        calls.append(download)
        return tmp_path

    monkeypatch.setattr(datasets, "find_fashion_mnist", finder)
    monkeypatch.setattr(datasets, "find_dogs_vs_cats", finder)
    monkeypatch.setattr(pretrained, "find_mobilenet_v2", finder)
    out = io.StringIO()
    assert fetch.fetch_all(out=out) == 0
    assert calls == [False, False, False]  # looked, never downloaded
    assert out.getvalue().count(f"already present in {tmp_path}") == 3


def test_downloads_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    def finder(*, download: bool) -> Path:
        if not download:
            raise datasets.DataUnavailableError("not here")
        return tmp_path

    monkeypatch.setattr(datasets, "find_fashion_mnist", finder)
    out = io.StringIO()
    assert fetch.fetch_all(["fashion-mnist"], out=out) == 0
    assert f"Fashion-MNIST: ready in {tmp_path}" in out.getvalue()


def test_offline_prints_a_message_per_dataset(no_data: Path, capsys: pytest.CaptureFixture):
    """No data anywhere and the downloads point at a closed port: clear words, exit 1."""
    assert main(["fetch-data"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    for title, env in (("Fashion-MNIST", "CNNCOURSE_FASHION_MNIST_URL"),
                       ("dogs vs cats", "CNNCOURSE_DOGS_VS_CATS_URL"),
                       ("MobileNetV2 weights (α = 1.0)", "CNNCOURSE_KERAS_APPLICATIONS_URL")):
        assert f"{title}: NOT fetched." in out
        assert f"set {env} to its URL" in out
    assert "http://127.0.0.1:1/" in out
    assert "3 data set(s) could not be fetched" in err
    assert not list((no_data / "keras").rglob("*.gz"))  # nothing half-downloaded kept
    assert not list((no_data / "keras").rglob("*.h5"))


def test_fetch_data_command_present(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    capsys: pytest.CaptureFixture):
    monkeypatch.setattr(datasets, "find_fashion_mnist", lambda *, download: tmp_path)
    assert main(["fetch-data", "fashion-mnist"]) == 0
    assert "Fashion-MNIST: already present" in capsys.readouterr().out


def test_unknown_dataset_is_refused(capsys: pytest.CaptureFixture):
    with pytest.raises(SystemExit) as exit_info:
        main(["fetch-data", "imagenet"])
    assert exit_info.value.code == 2
    assert "choose from fashion-mnist, dogs-vs-cats" in capsys.readouterr().err
