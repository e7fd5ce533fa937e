"""The speed probe's scaling and reference (cnncourse.speed)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from cnncourse import speed, speed_reference, timings

ROOT = Path(__file__).resolve().parents[1]


def test_predict_scales_each_chapter_by_its_own_probe():
    got = speed.predict({"05": 300.0, "06": 490.0}, {"05": 2.0, "06": 7.0},
                        {"05": 3.0, "06": 3.5})
    assert got == {"05": 450.0, "06": 245.0}


def test_predict_skips_chapters_without_a_probe():
    assert speed.predict({"05": 300.0, "06": 490.0}, {"05": 2.0, "06": 0.0},
                         {"05": 2.0}) == {"05": 300.0}


def test_report_prints_minutes_from_the_stored_reference():
    ref = speed_reference
    twice = {c: 2 * s for c, s in ref.PROBE_SECONDS.items()}
    lines: list[str] = []
    got = speed.report(lines.append, probe=lambda: twice)
    assert got == pytest.approx({c: 2 * s for c, s in
                                 ref.CHAPTER_SECONDS.items()})
    text = "\n".join(lines)
    minutes = round(2 * ref.CHAPTER_SECONDS["05"] / 60)
    assert f"05  A CNN for Fashion-MNIST: about {minutes} min here" in text
    assert "2.0 ×" in text


def test_the_reference_was_measured_by_its_command():
    ref = speed_reference
    assert ref.COMMAND == speed.STORE_COMMAND
    assert set(ref.PROBE_SECONDS) == set(ref.CHAPTER_SECONDS) == set(
        speed.CHAPTERS)
    assert all(s > 0 for s in ref.PROBE_SECONDS.values())


def test_the_reference_copies_timings_csv():
    """Stale when chapters/timings.csv is re-measured: store it again."""
    rows = {r.chapter[:2]: r for r in timings.read_csv(
        timings.csv_path(ROOT))}
    for chapter, seconds in speed_reference.CHAPTER_SECONDS.items():
        assert rows[chapter].seconds == seconds, (
            f"chapters/timings.csv changed: run `{speed.STORE_COMMAND}`")
        assert rows[chapter].date == speed_reference.TIMINGS_DATES[chapter]


def test_store_reference_writes_an_importable_module(monkeypatch, tmp_path):
    target = tmp_path / "speed_reference.py"
    original = Path(speed.__file__)
    monkeypatch.setattr(speed, "__file__", str(tmp_path / "speed.py"))
    path = speed.store_reference(ROOT, probe=lambda: {"05": 1.5, "06": 4.25})
    assert path == target and original.with_name(target.name).exists()
    spec = importlib.util.spec_from_file_location("ref", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PROBE_SECONDS == {"05": 1.5, "06": 4.25}
    assert module.COMMAND == speed.STORE_COMMAND
    assert module.CHAPTER_SECONDS == speed_reference.CHAPTER_SECONDS


@pytest.mark.slow
def test_the_probe_runs_both_networks():
    seconds = speed.measure()
    assert set(seconds) == {"05", "06"} and all(s > 0 for s in
                                                 seconds.values())
