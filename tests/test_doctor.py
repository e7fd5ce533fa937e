"""Tests of cnncourse.doctor (``python -m cnncourse doctor``)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncourse import datasets, doctor, pretrained
from cnncourse.needs import CHAPTER_DATA, DATASETS


@pytest.fixture
def frameworks_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip importing TensorFlow: report fixed versions."""
    monkeypatch.setattr(doctor, "check_frameworks", lambda: doctor.Frameworks(
        python="3.11.0", tensorflow="2.99.0", keras="3.99.0", backend="tensorflow", cpus=2))


def _chapter_lines(report: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r"^  (\d\d)  (.*)$", report, re.MULTILINE)}


def test_all_present(frameworks_ok, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(datasets, "find_fashion_mnist", lambda *, download: tmp_path / "f")
    monkeypatch.setattr(datasets, "find_dogs_vs_cats", lambda *, download: tmp_path / "d")
    monkeypatch.setattr(pretrained, "find_mobilenet_v2", lambda *, download: tmp_path / "w.h5")
    out = io.StringIO()
    assert doctor.run(out) == 0
    report = out.getvalue()
    assert "TensorFlow  2.99.0" in report and "Keras       3.99.0" in report
    assert f"present: {tmp_path / 'd'}" in report
    assert f"mobilenet-v2   present: {tmp_path / 'w.h5'}" in report
    lines = _chapter_lines(report)
    assert set(lines) == set(CHAPTER_DATA)
    assert all(line.startswith("ok") for line in lines.values())


def test_offline_without_photos_blocks_only_their_chapter(frameworks_ok, no_data: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path):
    monkeypatch.setattr(datasets, "find_fashion_mnist", lambda *, download: tmp_path)
    out = io.StringIO()
    assert doctor.run(out) == 1
    report = out.getvalue()
    lines = _chapter_lines(report)
    blocked = {c for c, needs in CHAPTER_DATA.items() if "dogs-vs-cats" in needs}
    assert {c for c, line in lines.items() if line.startswith("CANNOT RUN")} == blocked
    assert "dogs-vs-cats   missing" in report
    assert "CNNCOURSE_DOGS_VS_CATS_URL" in report  # the mirror fix is offered


def test_downloadable_counts_as_runnable(frameworks_ok, no_data: Path,
                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(doctor, "reachable", lambda url, timeout=3.0: (True, ""))
    statuses = [doctor.check_data(d) for d in DATASETS.values()]
    assert [s.state for s in statuses] == ["downloadable"] * 3
    assert all(s.usable for s in statuses)
    assert doctor.run(io.StringIO()) == 0


def test_offline_downloadable_is_not_ready(frameworks_ok, no_data: Path,
                                           monkeypatch: pytest.MonkeyPatch):
    """A laptop with no data may not print "All chapters can run" offline."""
    asked = []
    monkeypatch.setattr(doctor, "reachable", lambda url, timeout=3.0:
                        asked.append(url) or (True, ""))
    out = io.StringIO()
    assert doctor.run(out, offline=True) == 1
    report = out.getvalue()
    assert not asked  # no host is asked: there is no network
    assert "downloadable:" not in report and "(downloadable)" not in report
    assert "can run on this machine" not in report
    needing = {c for c, needs in CHAPTER_DATA.items() if needs}
    lines = _chapter_lines(report)
    cannot = {c for c, line in lines.items() if line.startswith("CANNOT")}
    assert cannot == needing
    assert "with no network" in report and "room kit's data folder" in report


def test_speed_adds_the_probe_to_the_report(frameworks_ok, no_data: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    from cnncourse import speed

    monkeypatch.setattr(speed, "measure", lambda: {"05": 1.0, "06": 1.0})
    monkeypatch.setattr(doctor, "reachable",
                        lambda url, timeout=3.0: (True, ""))
    out = io.StringIO()
    doctor.run(out, speed=True)
    assert "05  A CNN for Fashion-MNIST: about" in out.getvalue()
    out = io.StringIO()
    doctor.run(out)
    assert "Speed probe" not in out.getvalue()


def test_offline_with_the_data_is_ready(frameworks_ok, no_data: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path):
    monkeypatch.setattr(doctor, "reachable",
                        lambda url, timeout=3.0: (False, "offline"))
    for module, finder in ((datasets, "find_fashion_mnist"),
                           (datasets, "find_dogs_vs_cats"),
                           (pretrained, "find_mobilenet_v2")):
        monkeypatch.setattr(module, finder,
                            lambda *, download, f=finder: tmp_path / f)
    out = io.StringIO()
    assert doctor.run(out, offline=True) == 0
    assert "can run on this machine with no network." in out.getvalue()


def test_broken_frameworks_block_every_chapter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(doctor, "check_frameworks", lambda: doctor.Frameworks(
        python="3.11.0", tensorflow=None, keras=None, backend=None, cpus=1,
        problem="TensorFlow does not import"))
    monkeypatch.setattr(datasets, "find_fashion_mnist", lambda *, download: tmp_path)
    monkeypatch.setattr(datasets, "find_dogs_vs_cats", lambda *, download: tmp_path)
    out = io.StringIO()
    assert doctor.run(out) == 1
    lines = _chapter_lines(out.getvalue())
    assert all(line.startswith("CANNOT RUN") for line in lines.values())
    assert "PROBLEM     TensorFlow does not import" in out.getvalue()


def test_reachable(http_folder):
    url, _ = http_folder
    assert doctor.reachable(url) == (True, "")
    ok, why = doctor.reachable("http://127.0.0.1:1/", timeout=1)
    assert not ok and why


def test_check_frameworks_here():
    import keras

    info = doctor.check_frameworks()
    assert info.problem is None
    assert info.keras == keras.__version__ and info.backend == "tensorflow"
    assert info.cpus >= 1


def test_doctor_command_exit_status(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture):
    from cnncourse.__main__ import main

    calls = []
    monkeypatch.setattr(doctor, "run",
                        lambda out=None, **kw: calls.append(kw) or 1)
    assert main(["doctor"]) == 1
    assert main(["doctor", "--offline"]) == 1
    assert calls == [{"offline": False, "speed": False},
                     {"offline": True, "speed": False}]


@pytest.mark.slow  # imports TensorFlow in a fresh process
def test_doctor_prints_no_tensorflow_log_line(tmp_path: Path):
    """TensorFlow's C++ start-up lines go to file descriptor 2 whatever its
    log level; the command imports it with that descriptor silenced."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]),
           "KERAS_HOME": str(tmp_path),
           "CNNCOURSE_FASHION_MNIST_URL": "http://127.0.0.1:1/",
           "CNNCOURSE_DOGS_VS_CATS_URL": "http://127.0.0.1:1/pets.zip"}
    result = subprocess.run([sys.executable, "-m", "cnncourse", "doctor"],
                            capture_output=True, text=True, env=env,
                            timeout=300)
    assert re.search(r"^TensorFlow  \d", result.stdout, re.MULTILINE), (
        result.stdout + result.stderr)
    noise = re.compile(r"^(WARNING: All log messages|[IWEF]\d{4} )|oneDNN",
                       re.MULTILINE)
    assert not noise.search(result.stdout + result.stderr), result.stderr
