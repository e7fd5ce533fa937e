"""pytest configuration shared by the unit tests and the nbval notebook runs.

Two changes to how nbval checks a notebook:

1. nbval sends each cell to the kernel with ``store_history=False``. IPython
   then cannot see the cell's source when it decides whether a trailing ``;``
   hides the cell's value, so ``plotting.image_grid(...);`` shows its figure
   twice under nbval but once in Jupyter, and the stored outputs never match.
   Cells are sent with history here, exactly as Jupyter and nbconvert send
   them.
2. nbval compares text exactly and skips figures. Here a cell whose metadata
   names tolerances (``"tolerance": {"decimal": 0.02, ...}``, see
   :mod:`cnncourse.tolerance`) has its numbers compared as numbers (losses
   alone may use ``relative``), and every cell's figures are compared by the
   share of their ink that moved, tile by tile: a figure of another size, a
   blank one or another figure fails; a figure of a cell without an ``image``
   tolerance must stay exact.

``tests/test_nbval_plugin.py`` checks the comparison's edge paths cell by
cell; ``tests/test_tolerance.py`` runs nbval itself on small notebooks.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from cnncourse import tolerance

_TIMINGS = Path(__file__).parent / "chapters" / "timings.csv"


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, TensorFlow gets its share of the cores.

    ``make test`` runs two workers (``-n 2``): each would otherwise start as
    many threads as the machine has cores, twice too many. An explicit
    ``TF_NUM_INTRAOP_THREADS`` (CI sets 1) is left as it is. Notebook kernels
    and trainings in the tests inherit the variable.
    """
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers and "TF_NUM_INTRAOP_THREADS" not in os.environ:
        share = max(1, (os.cpu_count() or 1) // int(workers))
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(share)


def _seconds_of_chapters() -> dict[str, float]:
    """Each chapter's run time on the reference machine (chapters/timings.csv)."""
    try:
        with _TIMINGS.open(newline="") as f:
            return {row["chapter"]: float(row["seconds"]) for row in csv.DictReader(f)}
    except (OSError, KeyError, ValueError):
        return {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest notebooks first, then the student copies, longest first,
    then the other slow tests, then the rest.

    ``make test`` runs pytest-xdist with ``--dist loadscope``: each module
    (each notebook, for nbval) or class goes whole to one worker, so a
    notebook's cells run in order in one kernel, as nbval needs. With
    ``--no-loadscope-reorder`` the workers take the scopes in this order:
    the longest chapters start first and the short tests fill in at the end
    (a student copy, run with the fast preset, takes about as long as its
    chapter's share of chapters/timings.csv).
    """
    seconds = _seconds_of_chapters()

    def chapter_seconds(stem: str) -> float:
        return next((s for name, s in seconds.items() if name[:2] == stem[:2]), 0.0)

    def order(item: pytest.Item) -> tuple[int, float]:
        if item.path.suffix == ".ipynb":
            return 0, -chapter_seconds(item.path.stem)
        copy = getattr(item.cls, "__name__", "").removeprefix("TestStudentCopy")
        if copy != getattr(item.cls, "__name__", ""):  # a chapter's student copy
            return 1, -chapter_seconds(copy)
        return (2 if item.get_closest_marker("slow") else 3), 0.0

    items.sort(key=order)  # stable: a notebook's cells stay in order


def _execute_with_history(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                           stop_on_error=False)


def _compare_with_tolerances(self, test, ref, skip_compare=None):
    """nbval's ``IPyNbCell.compare_outputs``, with numbers and figures under tolerances."""
    rule = tolerance.rule_of(self.cell.metadata)
    if rule.exact_text:
        if not _exact_compare(self, test, ref, skip_compare):
            return False
    else:
        skip = skip_compare or self.parent.skip_compare
        self.comparison_traceback = []
        stored, fresh = _texts(self, ref, skip), _texts(self, test, skip)
        if sorted(stored) != sorted(fresh):
            self.comparison_traceback.append(
                f"output kinds differ: {sorted(stored)} stored, {sorted(fresh)} now")
            return False
        for key in stored:
            if len(stored[key]) != len(fresh[key]):
                self.comparison_traceback.append(f"{len(stored[key])} '{key}' outputs stored, "
                                                 f"{len(fresh[key])} now")
                return False
            for a, b in zip(stored[key], fresh[key]):
                problem = tolerance.compare_text(a, b, rule)
                if problem:
                    self.comparison_traceback.append(f"'{key}': {problem}\n--- stored:\n{a}\n"
                                                     f"--- now:\n{b}")
                    return False
    problem = tolerance.compare_images(ref, test, rule)
    if problem:
        self.comparison_traceback = [problem]
        return False
    return True


def _texts(item, outputs, skip):
    """Sanitized text outputs of a cell by key (stream name or MIME type), in order."""
    from nbval.plugin import transform_streams_for_comparison

    texts: dict[str, list[str]] = {}
    for output in transform_streams_for_comparison(outputs):
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in skip:
                        texts.setdefault(mime, []).append(item.sanitize(data))
            else:
                texts.setdefault(key, []).append(item.sanitize(value))
    return texts


try:
    from nbval.kernel import RunningKernel
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval not installed: the unit tests run without it
    pass
else:
    RunningKernel.execute_cell_input = _execute_with_history
    _exact_compare = IPyNbCell.compare_outputs
    IPyNbCell.compare_outputs = _compare_with_tolerances
