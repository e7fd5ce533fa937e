"""Fetch every data set into the cache before a workshop: ``python -m cnncourse fetch-data``.

Each data set is looked for first (``$CNNCOURSE_DATA``, the cache, Debian's
package) and downloaded only when missing, through the finders of
:mod:`cnncourse.datasets`, which show a progress bar in a terminal and check
what they download against its published SHA-256. Without internet each data set gets one clear message
saying what to do instead, never a traceback.
"""

from __future__ import annotations

import sys
from typing import TextIO

from cnncourse.datasets import DataUnavailableError
from cnncourse.needs import DATASETS

__all__ = ["fetch_all"]


def fetch_all(names: list[str] | None = None, *, out: TextIO | None = None) -> int:
    """Make every data set (or those in ``names``) present; return the number missing.

    Parameters
    ----------
    names : list of str, optional
        Keys of :data:`cnncourse.needs.DATASETS`; all of them by default.
    out : text stream, optional
        Where the messages go (standard output by default).

    Returns
    -------
    int
        How many data sets are still missing (0 when all are ready).

    Examples
    --------
    >>> fetch_all(["fashion-mnist"])  # doctest: +SKIP
    Fashion-MNIST: already present in /usr/share/datasets/fashion-mnist
    0
    """
    out = out or sys.stdout
    missing = 0
    for name in names or list(DATASETS):
        dataset = DATASETS[name]
        try:
            folder = dataset.find(download=False)
            print(f"{dataset.title}: already present in {folder}", file=out, flush=True)
            continue
        except DataUnavailableError:
            pass
        print(f"{dataset.title}: downloading {dataset.size} from {dataset.url}", file=out,
              flush=True)
        try:
            folder = dataset.find(download=True)
        except DataUnavailableError as exc:
            missing += 1
            print(f"{dataset.title}: NOT fetched.\n{_indent(str(exc))}\n"
                  f"  Without internet: copy the files from a machine that has them, or "
                  f"serve a mirror and set {dataset.url_env} to its URL.", file=out, flush=True)
            continue
        print(f"{dataset.title}: ready in {folder}", file=out, flush=True)
    return missing


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
