"""What each chapter needs to run: its data sets, and where each one comes from.

The one place that says which chapter uses which data; ``python -m cnncourse
doctor`` and ``fetch-data`` read it, and a test checks that every chapter in
``_toc.yml`` has an entry.

Examples
--------
>>> CHAPTER_DATA["05"]
('fashion-mnist',)
>>> DATASETS["dogs-vs-cats"].title
'dogs vs cats'
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cnncourse import datasets, pretrained

__all__ = ["CHAPTER_DATA", "DATASETS", "Dataset", "chapter_number"]


@dataclass(frozen=True)
class Dataset:
    """A data set the course uses and how :mod:`cnncourse.datasets` finds it."""

    name: str  # folder name under $CNNCOURSE_DATA and the cache
    title: str
    finder: str  # a function of cnncourse.datasets, or "module.function" of cnncourse
    url_env: str  # environment variable that points the download at a mirror
    default_url: str
    size: str  # download size, for the messages

    @property
    def url(self) -> str:
        """Where a download would come from: the mirror in :attr:`url_env`, else the default."""
        return os.environ.get(self.url_env) or self.default_url

    def find(self, *, download: bool) -> Path:
        """Return the data set's folder (see :mod:`cnncourse.datasets`).

        Raises
        ------
        cnncourse.datasets.DataUnavailableError
            When it is not on this machine and ``download`` is false or fails.
        """
        module, _, function = self.finder.rpartition(".")
        source = importlib.import_module(f"cnncourse.{module}") if module else datasets
        return getattr(source, function)(download=download)


DATASETS: dict[str, Dataset] = {
    "fashion-mnist": Dataset("fashion-mnist", "Fashion-MNIST", "find_fashion_mnist",
                             "CNNCOURSE_FASHION_MNIST_URL", datasets.FASHION_MNIST_URL,
                             "30 MB"),
    "dogs-vs-cats": Dataset("dogs-vs-cats", "dogs vs cats", "find_dogs_vs_cats",
                            "CNNCOURSE_DOGS_VS_CATS_URL", datasets.DOGS_VS_CATS_URL,
                            "787 MB"),
    # Chapter 7's ImageNet weights, looked for and checked by cnncourse.pretrained.
    "mobilenet-v2": Dataset("keras-applications", f"MobileNetV2 weights (α = {pretrained.ALPHA})",
                            "pretrained.find_mobilenet_v2", pretrained.URL_ENV,
                            pretrained.KERAS_URL + pretrained.keras_file_name(),
                            "9 MB"),
}

# Chapter number -> the data sets it loads. Chapters 2-4 use scikit-image's
# bundled photos, which come with the package.
CHAPTER_DATA: dict[str, tuple[str, ...]] = {
    "01": ("fashion-mnist",),
    "02": (),
    "03": (),
    "04": (),
    "05": ("fashion-mnist",),
    "06": ("dogs-vs-cats",),
    "07": ("dogs-vs-cats", "mobilenet-v2"),
}


def chapter_number(path: str | os.PathLike) -> str:
    """The chapter number a notebook's file name starts with, e.g. ``"03"``.

    Raises
    ------
    ValueError
        When the name does not start with digits and an underscore.

    Examples
    --------
    >>> chapter_number("chapters/03_padding.ipynb")
    '03'
    """
    match = re.match(r"(\d+)_", Path(path).name)
    if not match:
        raise ValueError(f"{Path(path).name}: a chapter's file name starts with its number, "
                         "like 03_padding.ipynb")
    return match.group(1)
