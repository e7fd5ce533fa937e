"""Benchmarks of the course's models: ``python -m cnncourse.bench TASK --out DIR``.

Each task trains its models from scratch on this machine, saves them in
``DIR`` and prints, as its last line, one JSON object with what it measured.
Speed and accuracy targets are checked here, never in timed tests.

Tasks
-----
fashion-mnist
    The source article's one-convolution model (3 epochs) and the course's
    better CNN (chapter 5).
dogs-vs-cats
    The article's model (3 epochs) and the course's better model (chapter 6).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

__all__ = ["main"]


def run_fashion_mnist(out: Path) -> dict:
    """Train and save chapter 5's two models; return the measured figures."""
    raise NotImplementedError("chapter 5's benchmark is not written yet")


def run_dogs_vs_cats(out: Path) -> dict:
    """Train and save chapter 6's models; return the measured figures."""
    raise NotImplementedError("chapter 6's benchmark is not written yet")


TASKS: dict[str, Callable[[Path], dict]] = {
    "fashion-mnist": run_fashion_mnist,
    "dogs-vs-cats": run_dogs_vs_cats,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cnncourse.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--out", type=Path, required=True, help="folder for the saved models")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = TASKS[args.task](args.out)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
