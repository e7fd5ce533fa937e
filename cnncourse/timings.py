"""How long each chapter takes to run here: ``python -m cnncourse timings [--write]``.

Every notebook of ``_toc.yml`` is executed top to bottom in a fresh kernel
(nbclient; nothing is written back unless ``--store`` asks for it) and its
wall time is measured. ``--write`` stores the table in ``chapters/timings.csv``, which the
instructor guide shows as the workshop schedule: the times there are
measured by this command, not typed by hand. Naming chapters
(``timings --write 05_fashion_mnist``) re-measures only those and keeps the
other rows.
"""

from __future__ import annotations

import csv
import datetime
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple, TextIO

import nbformat

from cnncourse import book
from cnncourse.doctor import cpu_count

__all__ = ["CSV_NAME", "Timing", "csv_path", "measure", "notebook_title", "read_csv",
           "time_notebook", "update", "write_csv"]

CSV_NAME = "timings.csv"
FIELDS = ("chapter", "title", "seconds", "cpus", "date")
TIMEOUT = 3600  # seconds a single cell may run before the chapter counts as failed


class Timing(NamedTuple):
    """One row of ``timings.csv``."""

    chapter: str  # the notebook's file name without .ipynb
    title: str
    seconds: float
    cpus: int
    date: str  # ISO date of the measurement


def notebook_title(nb: nbformat.NotebookNode) -> str:
    """The text of the notebook's first ``# `` heading, or ``""``.

    Examples
    --------
    >>> import nbformat
    >>> notebook_title(nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("# Padding and stride\\n\\nText")]))
    'Padding and stride'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]
"""Start kernels the way nbval's run them: without capturing file descriptors 1 and 2.

ipykernel forwards what C++ libraries write to the process's stderr (TensorFlow's
start-up and tf.data log lines, which no log level silences in TF 2.21) into the
cell's outputs, but not when it runs under pytest. Stored outputs are compared by
nbval under pytest, so they are made without that capture too.
"""


def time_notebook(path: str | os.PathLike, timeout: int = TIMEOUT, *, store: bool = False) -> float:
    """Execute a notebook in a fresh kernel, in its own folder; return the wall time in s.

    The notebook file is not changed, unless ``store`` is true: then the
    executed notebook, with its new outputs, is written back to ``path`` (one
    run both refreshes a chapter's outputs and measures it).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell raises; the message names the cell and the error.

    Examples
    --------
    >>> time_notebook("chapters/03_padding.ipynb")  # doctest: +SKIP
    21.4
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent)}},
                            extra_arguments=KERNEL_ARGUMENTS)
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if store:
        nbformat.write(nb, path)
    return seconds


def measure(paths: list[Path], out: TextIO | None = None, *, store: bool = False) -> list[Timing]:
    """Time each notebook in turn, printing one table row as each finishes.

    With ``store``, each executed notebook is written back (see
    :func:`time_notebook`).

    Examples
    --------
    >>> measure(book.toc_notebooks(book.find_root()))  # doctest: +SKIP
    """
    out = out or sys.stdout
    cpus = cpu_count()
    today = datetime.date.today().isoformat()
    rows = []
    print(f"{'chapter':<32} {'seconds':>8}  title", file=out, flush=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        row = Timing(path.stem, notebook_title(nb), round(time_notebook(path, store=store), 1), cpus, today)
        print(f"{row.chapter:<32} {row.seconds:>8.1f}  {row.title}", file=out, flush=True)
        rows.append(row)
    total = sum(r.seconds for r in rows)
    print(f"{'total':<32} {total:>8.1f}  ({total / 60:.1f} min on {cpus} CPUs, "
          f"load {os.getloadavg()[0]:.1f})", file=out, flush=True)
    return rows


def write_csv(rows: list[Timing], path: str | os.PathLike) -> Path:
    """Write ``rows`` as ``timings.csv`` (header ``chapter,title,seconds,cpus,date``).

    Examples
    --------
    >>> write_csv([Timing("01_images_as_arrays", "Images as arrays", 12.3, 2,
    ...                   "2026-01-01")], "/tmp/timings.csv").name
    'timings.csv'
    """
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows(rows)
    return path


def update(old: list[Timing], new: list[Timing], order: list[str]) -> list[Timing]:
    """The rows for the chapters in ``order``: ``new`` ones first, else ``old`` ones.

    Lets one chapter be re-measured without running the others; chapters no
    longer in ``order`` are dropped.

    Examples
    --------
    >>> old = [Timing("01_a", "A", 10.0, 2, "2026-01-01"), Timing("02_b", "B", 20.0, 2, "2026-01-01")]
    >>> new = [Timing("02_b", "B", 25.0, 2, "2026-02-01")]
    >>> [r.seconds for r in update(old, new, ["01_a", "02_b"])]
    [10.0, 25.0]
    """
    rows = {r.chapter: r for r in old} | {r.chapter: r for r in new}
    return [rows[name] for name in order if name in rows]


def read_csv(path: str | os.PathLike) -> list[Timing]:
    """Read a ``timings.csv`` written by :func:`write_csv`.

    Examples
    --------
    >>> [r.chapter for r in read_csv("chapters/timings.csv")]  # doctest: +SKIP
    ['01_images_as_arrays', ...]
    """
    with open(path, newline="", encoding="utf-8") as f:
        return [Timing(r["chapter"], r["title"], float(r["seconds"]), int(r["cpus"]), r["date"])
                for r in csv.DictReader(f)]


def csv_path(root: str | os.PathLike) -> Path:
    """Where the book keeps its timings: ``chapters/timings.csv`` beside the chapters."""
    notebooks = book.toc_notebooks(root)
    folder = notebooks[0].parent if notebooks else Path(root) / "chapters"
    return folder / CSV_NAME
