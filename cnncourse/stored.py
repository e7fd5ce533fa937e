"""The benchmark results the chapters read: stored tables, written and found.

Benchmarks that take too long for a notebook (``python -m cnncourse.bench
…``) write CSV tables (:func:`table_writer`: a comment naming the command,
then one row a run as it ends) that the course keeps in ``chapters/data/``;
the chapters read them with :func:`read_csv` and summarize runs over seeds
with :func:`over_seeds`. A table ``NAME`` is looked for, in this order:

1. ``data/NAME`` in the current folder: ``chapters/`` where the notebooks
   run, or the folder of the student copies (``python -m cnncourse kit``
   puts the tables in their ``data/``);
2. the repository's ``chapters/data/NAME`` next to this package (a
   notebook run elsewhere, with the package installed from a clone);
3. the course's copy online, :data:`DATA_URL` ``+ NAME`` (a notebook opened
   alone, as on Colab).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["DATA_URL", "locate", "over_seeds", "read_csv", "table_writer"]

# The repository of _config.yml (tests/test_stored.py checks that they agree).
DATA_URL = ("https://raw.githubusercontent.com/cnn-course/cnn-course/main/"
            "chapters/data/")
"""The folder of the stored tables online, ending with ``/``."""


def locate(name: str) -> Path | str:
    """Where the table ``name`` is read from: a local path, else its URL.

    Parameters
    ----------
    name : str
        A file name of ``chapters/data/``, such as ``"gap_vs_flatten.csv"``.

    Returns
    -------
    pathlib.Path or str
        The first of ``data/name`` (current folder) and the repository's
        ``chapters/data/name`` that exists, else :data:`DATA_URL` ``+ name``.

    Examples
    --------
    >>> locate("no_such_table.csv")
    'https://raw.githubusercontent.com/cnn-course/cnn-course/main/chapters/data/no_such_table.csv'
    """
    repository = Path(__file__).resolve().parents[1]
    copies = [Path("data") / name, repository / "chapters" / "data" / name]
    return next((copy for copy in copies if copy.is_file()), DATA_URL + name)


def read_csv(name: str, path: str | os.PathLike | None = None) -> Any:
    """The stored table ``name`` as a DataFrame, ``#`` lines skipped.

    Parameters
    ----------
    name : str
        Its file name, found by :func:`locate` when ``path`` is not given.
    path : path, optional
        Read this file instead.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> read_csv("gap_vs_flatten.csv")["head"].unique().tolist()  # doctest: +SKIP
    ['flatten', 'gap']
    """
    import pandas as pd

    return pd.read_csv(locate(name) if path is None else path, comment="#")


@contextlib.contextmanager
def table_writer(path: str | os.PathLike, command: str, note: str,
                 columns: Sequence[str]) -> Iterator[Callable[[dict], None]]:
    """Write a table of runs as they end; yields ``add(row)``.

    The file starts with two comment lines, ``# Made by: command`` and
    ``# note``, then the column names. Each ``add(row)`` writes the row,
    flushes the file (an interrupted benchmark keeps its finished runs) and
    prints the row as one line of JSON.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "runs.csv"
    >>> with table_writer(path, "python -m x", "one seed", ["seed", "acc"]) as add:
    ...     add({"seed": 0, "acc": 0.9})
    {"seed": 0, "acc": 0.9}
    >>> print(path.read_text(), end="")
    # Made by: python -m x
    # one seed
    seed,acc
    0,0.9
    """
    with Path(path).open("w", newline="") as file:
        file.write(f"# Made by: {command}\n# {note}\n")
        writer = csv.DictWriter(file, list(columns), lineterminator="\n")
        writer.writeheader()

        def add(row: dict) -> None:
            writer.writerow(row)
            file.flush()
            print(json.dumps(row), flush=True)

        yield add


def over_seeds(results: Any, by: Sequence[str], columns: Sequence[str]) -> Any:
    """Runs, mean, spread and range of ``columns`` for each group of ``by``.

    Parameters
    ----------
    results : pandas.DataFrame
        One row a run, with a ``seed`` column.
    by : sequence of str
        The columns that name a setup; groups keep their first appearance's order.
    columns : sequence of str
        The numbers to summarize.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``: ``runs``, then for each column its mean, its
        standard deviation over the seeds (``…_std``, ``ddof=1``), lowest
        (``…_min``) and highest (``…_max``).

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"setup": ["a", "a", "b"], "seed": [0, 1, 0],
    ...                      "acc": [0.8, 0.9, 0.7]})
    >>> over_seeds(runs, ["setup"], ["acc"]).round(3)
           runs   acc  acc_std  acc_min  acc_max
    setup
    a         2  0.85    0.071      0.8      0.9
    b         1  0.70      NaN      0.7      0.7
    """
    grouped = results.groupby(list(by), sort=False)
    table = grouped.agg(runs=("seed", "count"))
    for column in columns:
        table[column] = grouped[column].mean()
        table[f"{column}_std"] = grouped[column].std(ddof=1)
        table[f"{column}_min"] = grouped[column].min()
        table[f"{column}_max"] = grouped[column].max()
    return table
