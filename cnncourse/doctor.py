"""Can this machine run the course? ``python -m cnncourse doctor`` answers.

It reports Python, TensorFlow and Keras, the CPUs and GPUs, and for every
chapter whether the data it needs (:data:`cnncourse.needs.CHAPTER_DATA`) is
present, can still be downloaded, or is missing (and how to fix that). Run
it on each laptop before a workshop: it exits non-zero when a chapter cannot
run.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
import threading
from dataclasses import dataclass, field
from typing import TextIO
from urllib.parse import urlsplit

from cnncourse.datasets import DataUnavailableError
from cnncourse.needs import CHAPTER_DATA, DATASETS, Dataset

__all__ = ["DataStatus", "Frameworks", "check_data", "check_frameworks", "cpu_count", "reachable",
           "run"]

CONNECT_TIMEOUT = 3.0  # seconds to wait for a download host to answer


@dataclass
class Frameworks:
    """Versions of what the chapters run on; ``problem`` says what is broken."""

    python: str
    tensorflow: str | None
    keras: str | None
    backend: str | None
    cpus: int
    gpus: list[str] = field(default_factory=list)
    problem: str | None = None


@dataclass
class DataStatus:
    """Whether one data set is ``present``, ``downloadable`` or ``missing``."""

    dataset: Dataset
    state: str
    detail: str  # the folder, the download URL, or why it is missing and the fix

    @property
    def usable(self) -> bool:
        return self.state in ("present", "downloadable")


def cpu_count() -> int:
    """How many CPUs this process may use (its affinity mask, where the OS has one).

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_frameworks() -> Frameworks:
    """Import TensorFlow and Keras (quietly) and report versions and devices.

    Examples
    --------
    >>> check_frameworks().keras  # doctest: +SKIP
    '3.15.1'
    """
    from cnncourse import repro

    repro.quiet_tensorflow()
    info = Frameworks(python=platform.python_version(), tensorflow=None, keras=None,
                      backend=None, cpus=cpu_count())
    try:
        tf = repro.quiet_import("tensorflow")  # no C++ start-up lines
    except Exception as exc:  # ImportError, or a broken install failing otherwise
        info.problem = (f"TensorFlow does not import ({exc}); install it with "
                        "`pip install -r requirements.txt` (on Colab it is already there)")
        return info
    info.tensorflow = tf.__version__
    info.gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    try:
        import keras
    except Exception as exc:
        info.problem = f"Keras does not import ({exc}); install it with `pip install 'keras>=3'`"
        return info
    info.keras, info.backend = keras.__version__, keras.backend.backend()
    if int(info.keras.split(".")[0]) < 3:
        info.problem = (f"Keras {info.keras} is too old: the course needs Keras 3 "
                        "(`pip install 'keras>=3'`)")
    return info


def reachable(url: str, timeout: float = CONNECT_TIMEOUT) -> tuple[bool, str]:
    """Whether a TCP connection to ``url``'s host opens within ``timeout`` seconds.

    Returns
    -------
    tuple of (bool, str)
        The answer and, when false, why (e.g. the name does not resolve).

    Examples
    --------
    >>> reachable("http://127.0.0.1:1/")[0]
    False
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    result: list[tuple[bool, str]] = []

    def connect() -> None:
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout).close()
            result.append((True, ""))
        except OSError as exc:
            result.append((False, str(exc) or type(exc).__name__))

    # A thread, because name resolution has no timeout of its own.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 1)
    return result[0] if result else (False, f"no answer within {timeout:.0f} s")


def check_data(dataset: Dataset, *, offline: bool = False) -> DataStatus:
    """Look for a data set without downloading it, else check that its host answers.

    With ``offline``, no host is asked: what is not on this machine is
    ``missing``, since a room without network cannot download it.

    Examples
    --------
    >>> from cnncourse.needs import DATASETS
    >>> check_data(DATASETS["fashion-mnist"]).state  # doctest: +SKIP
    'present'
    """
    try:
        return DataStatus(dataset, "present", str(dataset.find(download=False)))
    except DataUnavailableError as exc:
        missing = str(exc)
    fix = missing.split("To fix:", 1)[-1].strip()
    if offline:
        return DataStatus(dataset, "missing",
                          "not on this machine, and with no network it "
                          f"cannot be downloaded.\nTo fix: {fix}\nOr, in a "
                          "workshop, set CNNCOURSE_DATA to the room kit's "
                          "data folder.")
    ok, why = reachable(dataset.url)
    if ok:
        return DataStatus(dataset, "downloadable",
                          f"{dataset.size} from {dataset.url}, fetched on first use "
                          "(or now, with `python -m cnncourse fetch-data`)")
    host = urlsplit(dataset.url).hostname
    return DataStatus(dataset, "missing",
                      f"not on this machine, and {host} does not answer ({why}: offline?).\n"
                      f"To fix: {fix}\n"
                      f"Or serve a local mirror and set {dataset.url_env} to its URL.")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def run(out: TextIO | None = None, *, offline: bool = False,
        speed: bool = False) -> int:
    """Print the report; return 0 when every chapter can run, 1 otherwise.

    Parameters
    ----------
    out : file, optional
        Where to print (standard output by default).
    offline : bool
        Judge as if there were no network: only data on this machine
        counts, none is "downloadable".
    speed : bool
        Also run :func:`cnncourse.speed.report`: a short training timed to
        predict chapters 5 and 6's run times here.

    Examples
    --------
    >>> run()  # doctest: +SKIP
    Python      3.11.2
    ...
    All 7 chapters can run on this machine.
    0
    """
    out = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    fw = check_frameworks()
    say(f"Python      {fw.python} ({sys.executable})")
    say(f"TensorFlow  {fw.tensorflow or 'not importable'}")
    say(f"Keras       {fw.keras or 'not importable'}"
        + (f" (backend {fw.backend})" if fw.backend else ""))
    say(f"CPUs        {fw.cpus}")
    say(f"GPUs        {', '.join(fw.gpus) if fw.gpus else 'none: training runs on the CPU'}")
    if fw.problem:
        say(f"PROBLEM     {fw.problem}")
    say()
    say("Data")
    status = {name: check_data(d, offline=offline)
              for name, d in DATASETS.items()}
    for name, s in status.items():
        say(f"  {name:<14} {s.state}: " + _indent(s.detail, " " * 17).lstrip())
    say()
    say("Chapters")
    blocked: list[str] = []
    for chapter, needs in CHAPTER_DATA.items():
        problems = [f"{name} is missing" for name in needs if not status[name].usable]
        if fw.problem:
            problems.insert(0, "TensorFlow/Keras is not usable")
        if problems:
            blocked.append(chapter)
        uses = ", ".join(f"{n} ({status[n].state})" for n in needs) or "no data to fetch"
        say(f"  {chapter}  {'CANNOT RUN: ' + '; '.join(problems) if problems else 'ok'}"
            f"  [{uses}]")
    say()
    if speed and not fw.problem:
        from cnncourse import speed as probe

        probe.report(say)
        say()
    where = " with no network" if offline else ""
    if blocked:
        say(f"{len(blocked)} of {len(CHAPTER_DATA)} chapters cannot run "
            f"here{where} ({', '.join(blocked)}); the fixes are above.")
        return 1
    say(f"All {len(CHAPTER_DATA)} chapters can run on this machine{where}.")
    return 0

