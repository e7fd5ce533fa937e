"""Estimated teaching and exercise minutes of each chapter, for a workshop.

The instructor guide's one-day and two-day tracks are built from these
estimates. They are estimates, by a stated method, not measurements of a
real class:

- **teaching**: the words of the chapter's text (markdown, solutions left
  out) at :data:`WORDS_PER_MINUTE`, a teaching pace (explaining, drawing,
  answering questions: about half a silent reader's speed), plus
  :data:`MINUTES_PER_CELL` for each code cell the learners run and look at,
  plus the chapter's measured run time (``chapters/timings.csv``) where it
  is long enough to matter;
- **exercises**: :data:`MINUTES_PER_EXERCISE` for each exercise (read, try,
  check, look at the solution together), :data:`MINUTES_PER_BUILD` for one
  in which the learner writes and trains a network.

``core`` leaves out the sections marked optional (the admonition
"Optional in a one-day workshop") and their exercises: the one-day track.

Regenerate the stored table with::

    python -m cnncourse.track > chapters/data/workshop_minutes.csv

Examples
--------
>>> words("Two words\\n\\n```{admonition} x\\n:class: tip\\n"
...       "three more words\\n```")
5
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cnncourse import book, timings

__all__ = ["MINUTES_PER_BUILD", "MINUTES_PER_CELL", "MINUTES_PER_EXERCISE",
           "OPTIONAL_TITLE", "WORDS_PER_MINUTE", "Estimate", "estimate",
           "estimates", "table", "words"]

WORDS_PER_MINUTE = 100
"""Words of text taught a minute: about half a silent reader's 200-250."""
MINUTES_PER_CELL = 0.5
"""Minutes to run a code cell and look at what it printed or drew."""
MINUTES_PER_EXERCISE = 8
"""Minutes for an exercise: read it, try, check, see the solution."""
MINUTES_PER_BUILD = 15
"""Minutes for an exercise in which the learner builds and trains a network."""
OPTIONAL_TITLE = "Optional in a one-day workshop"
"""The admonition that marks a section as optional (CONTRIBUTING.md)."""

_DIRECTIVE_LINE = re.compile(r"^\s*(`{3,}|:{3,}|:[\w-]+:)")


def words(markdown: str) -> int:
    """The words of a markdown text, without directive fences and options."""
    lines = [line for line in markdown.splitlines()
             if not _DIRECTIVE_LINE.match(line)]
    return len(re.findall(r"\w[\w'’-]*", "\n".join(lines)))


@dataclass(frozen=True)
class Estimate:
    """One chapter's estimated minutes (see the module's method)."""

    chapter: str
    words: int
    cells: int
    exercises: int
    run_minutes: float
    teaching: int
    exercise_minutes: int

    @property
    def total(self) -> int:
        return self.teaching + self.exercise_minutes


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _core_cells(nb: nbformat.NotebookNode) -> list:
    """The cells outside the optional sections."""
    kept, skipping = [], False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^#{1,2} ", cell.source,
                                                      re.MULTILINE):
            skipping = OPTIONAL_TITLE in cell.source
        if not skipping:
            kept.append(cell)
    return kept


def estimate(path: str | os.PathLike, run_seconds: float = 0.0, *,
             core: bool = False) -> Estimate:
    """Estimate a chapter's teaching and exercise minutes.

    Parameters
    ----------
    path : path
        The chapter's notebook.
    run_seconds : float
        Its measured run time, top to bottom (``chapters/timings.csv``).
    core : bool
        Leave out the optional sections and their exercises.
    """
    nb = nbformat.read(path, as_version=4)
    cells = _core_cells(nb) if core else nb.cells
    shown = [c for c in cells if "solution" not in _tags(c)]
    text = sum(words(c.source) for c in shown if c.cell_type == "markdown")
    code = sum(1 for c in shown if c.cell_type == "code" and c.source.strip())
    labels = [c.source for c in shown if c.cell_type == "markdown"
              and "{exercise}" in c.source]
    builds = sum("keras.Sequential" in s and "Train" in s for s in labels)
    exercise_minutes = (MINUTES_PER_EXERCISE * (len(labels) - builds)
                        + MINUTES_PER_BUILD * builds)
    run_minutes = run_seconds / 60
    teaching = math.ceil(text / WORDS_PER_MINUTE + MINUTES_PER_CELL * code
                         + run_minutes)
    return Estimate(Path(path).stem, text, code, len(labels),
                    round(run_minutes, 1), teaching, exercise_minutes)


def estimates(root: str | os.PathLike | None = None, *, core: bool = False
              ) -> list[Estimate]:
    """Every chapter of the table of contents, in order."""
    root = book.find_root(root)
    try:
        seconds = {t.chapter: t.seconds
                   for t in timings.read_csv(timings.csv_path(root))}
    except FileNotFoundError:
        seconds = {}
    return [estimate(path, seconds.get(path.stem, 0.0), core=core)
            for path in book.toc_notebooks(root)]


def table(root: str | os.PathLike | None = None) -> str:
    """The CSV the guide shows: both tracks' minutes, chapter by chapter."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["chapter", "words", "code cells", "exercises",
                     "run minutes", "teaching", "exercise time", "total",
                     "core teaching", "core exercises", "core total"])
    for full, core in zip(estimates(root), estimates(root, core=True)):
        writer.writerow([full.chapter, full.words, full.cells, full.exercises,
                         full.run_minutes, full.teaching,
                         full.exercise_minutes, full.total, core.teaching,
                         core.exercise_minutes, core.total])
    return out.getvalue()


if __name__ == "__main__":  # python -m cnncourse.track > chapters/data/...
    sys.stdout.write(table())
