"""How long chapters 5 and 6 take on this laptop: a 20-second speed probe.

``python -m cnncourse doctor --speed`` (or ``python -m cnncourse speed``)
trains the two chapters' networks, :func:`cnncourse.models.fashion_cnn` and
:func:`cnncourse.models.cats_dogs_cnn`, for a few steps on random data of
their real shapes and batch sizes, and times the steps after the first
(which compile). The same probe was run on the machine that measured
``chapters/timings.csv`` (:mod:`cnncourse.speed_reference`, written by
:func:`store_reference`); each chapter's run time there, scaled by how much
slower or faster this laptop ran its network, is the prediction. It is an
estimate: the chapters also load and decode data, which the probe does not.

Examples
--------
>>> predict({"05": 300.0}, {"05": 2.0}, {"05": 4.0})
{'05': 600.0}
"""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["CHAPTERS", "STORE_COMMAND", "measure", "predict", "report",
           "store_reference"]

# chapter -> (its network's probe, steps timed, batch size, image shape)
CHAPTERS = {"05": ("fashion_cnn", 20, 128, (28, 28, 1)),
            "06": ("cats_dogs_cnn", 8, 32, (96, 96, 3))}
TITLES = {"05": "A CNN for Fashion-MNIST", "06": "Cats vs dogs"}
STORE_COMMAND = "python -m cnncourse speed --store"
REPEATS = 2  # timed runs of each probe; the fastest counts


def _model(name: str, steps: int) -> Any:
    from cnncourse import models

    if name == "fashion_cnn":
        return models.fashion_cnn(epochs=2, steps_per_epoch=steps)
    return models.cats_dogs_cnn(epochs=2, steps_per_epoch=steps)


def _probe(name: str, steps: int, batch: int, shape: tuple[int, ...]
           ) -> float:
    """Seconds of ``steps`` training steps, after a first (compiling) run."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (steps * batch, *shape)).astype("float32")
    classes = 10 if name == "fashion_cnn" else 2
    y = rng.integers(0, classes, steps * batch)
    if name == "fashion_cnn":  # scaled inputs, one-hot labels (smoothing)
        x, y = x / 255.0, np.eye(classes, dtype="float32")[y]
    model = _model(name, steps)
    model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, verbose=0)
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        best = min(best, time.perf_counter() - start)
    return best


def measure() -> dict[str, float]:
    """Time each chapter's probe on this machine, in seconds.

    Examples
    --------
    >>> sorted(measure())  # doctest: +SKIP
    ['05', '06']
    """
    from cnncourse import repro

    repro.setup()
    return {chapter: _probe(*spec) for chapter, spec in CHAPTERS.items()}


def predict(reference_chapters: dict[str, float],
            reference_probe: dict[str, float],
            probe: dict[str, float]) -> dict[str, float]:
    """Each chapter's reference run time times this machine's probe ratio.

    Examples
    --------
    >>> predict({"05": 300.0, "06": 500.0}, {"05": 2.0, "06": 5.0},
    ...         {"05": 1.0, "06": 10.0})
    {'05': 150.0, '06': 1000.0}
    """
    return {chapter: seconds * probe[chapter] / reference_probe[chapter]
            for chapter, seconds in reference_chapters.items()
            if chapter in probe and reference_probe.get(chapter)}


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


Probe = Callable[[], dict[str, float]]


def report(say: Callable[[str], None] = print,
           probe: Probe | None = None) -> dict[str, float]:
    """Run the probe and print each chapter's predicted run time here.

    Returns the predictions, in seconds, by chapter number.
    """
    from cnncourse import speed_reference as ref

    say(f"Speed probe (about 20 s): chapters {' and '.join(CHAPTERS)}'s "
        "networks trained a few steps on random data")
    start = time.perf_counter()
    here = (probe or measure)()
    predicted = predict(ref.CHAPTER_SECONDS, ref.PROBE_SECONDS, here)
    for chapter, seconds in predicted.items():
        ratio = here[chapter] / ref.PROBE_SECONDS[chapter]
        say(f"  {chapter}  {TITLES[chapter]}: about {_minutes(seconds)} here"
            f" ({ratio:.1f} × the {_minutes(ref.CHAPTER_SECONDS[chapter])} "
            f"of the course's {ref.CPUS}-CPU machine)")
    say(f"  (probe took {time.perf_counter() - start:.0f} s; estimates: the "
        "chapters also read and decode data)")
    return predicted


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


def store_reference(root: str | os.PathLike | None = None,
                    probe: Probe | None = None) -> Path:
    """Measure the probe here and write :mod:`cnncourse.speed_reference`.

    Run it on the machine that measured ``chapters/timings.csv`` (whose
    chapter 5 and 6 rows it copies), with nothing else running.
    """
    from cnncourse import book, doctor, timings

    root = book.find_root(root)
    rows = {r.chapter[:2]: r for r in timings.read_csv(timings.csv_path(root))}
    seconds = (probe or measure)()
    chapters = {c: rows[c].seconds for c in CHAPTERS}
    when = datetime.date.today().isoformat()
    text = (
        '"""The speed probe\'s reference (:mod:`cnncourse.speed`).\n\n'
        f"Written by ``{STORE_COMMAND}`` on {when},\n"
        "on the machine that measured chapters/timings.csv, whose chapter\n"
        "5 and 6 rows are copied here. Do not edit: run the command again\n"
        "after ``timings --write`` stores new rows, on a quiet machine.\n"
        '"""\n\n'
        f"COMMAND = {STORE_COMMAND!r}\n"
        f"DATE = {when!r}\n"
        f"CPUS = {doctor.cpu_count()}\n"
        f"LOAD = {_load()!r}  # load averages (1, 5, 15 min) when measured\n"
        "PROBE_SECONDS = {"
        + ", ".join(f"{c!r}: {s:.3f}" for c, s in seconds.items()) + "}\n"
        "CHAPTER_SECONDS = {"
        + ", ".join(f"{c!r}: {s}" for c, s in chapters.items()) + "}\n"
        "TIMINGS_DATES = {"
        + ", ".join(f"{c!r}: {rows[c].date!r}" for c in CHAPTERS) + "}\n"
    )
    path = Path(__file__).with_name("speed_reference.py")
    path.write_text(text, encoding="utf-8")
    return path
