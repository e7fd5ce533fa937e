"""The course's data sets, loaded offline first.

Every loader looks for a local copy before it touches the network:

1. an explicit folder, where the function takes one;
2. ``$CNNCOURSE_DATA/<name>/`` (the environment variable names a folder that
   holds one sub-folder per data set, e.g. ``fashion-mnist/``);
3. the cache, ``$KERAS_HOME/datasets/<name>/`` (``~/.keras/datasets/`` when
   ``KERAS_HOME`` is not set), shared with ``keras.datasets``;
4. for Fashion-MNIST, Debian's package ``dataset-fashion-mnist``
   (``/usr/share/datasets/fashion-mnist/``; ``CNNCOURSE_DEBIAN_DATA`` names
   another folder for ``/usr/share/datasets``, and set empty skips this
   step, as on a machine without the package);

and only then downloads into the cache (``pooch``), checking what each file
contains against its published SHA-256. A download prints nothing, unless
standard error is a terminal, where it shows a progress bar: a notebook's
outputs stay those of a machine that had the data. When every way fails,
:class:`DataUnavailableError` says where it looked and how to get the data.

A workshop without internet can point the downloads at a local mirror with
``CNNCOURSE_FASHION_MNIST_URL`` (a base URL holding the four ``.gz`` files)
and ``CNNCOURSE_DOGS_VS_CATS_URL`` (the URL of the PetImages zip).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "DataUnavailableError",
    "FASHION_MNIST_CLASSES",
    "cache_dir",
    "dogs_vs_cats_frame",
    "find_dogs_vs_cats",
    "find_fashion_mnist",
    "load_fashion_mnist",
    "safe_extract",
]

DATA_ENV = "CNNCOURSE_DATA"
# Debian's data packages: where they are, and the variable that moves or
# (set empty) disables that place.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_DATA_ENV = "CNNCOURSE_DEBIAN_DATA"

FASHION_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


class _IdxFile(NamedTuple):
    """One of Fashion-MNIST's four files and its two fingerprints."""

    name: str
    sha256: str  # of the .gz file as published by Zalando and Keras
    content_sha256: str  # of the decompressed IDX bytes: what is checked
    header_bytes: int  # 16 for images, 8 for labels


# The .gz hashes are the published ones (TensorFlow Datasets' checksum list).
# Debian's package re-wrote the gzip headers (the original file name and time
# stamp are gone, so each file is 23-24 bytes shorter), which changes the .gz
# hash but not one byte of the content: local copies and downloads (a
# workshop's mirror may serve Debian's files) are therefore checked on their
# decompressed content, which is what the arrays are made of.
FASHION_MNIST_FILES = (
    _IdxFile("train-images-idx3-ubyte.gz",
             "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
             "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 16),
    _IdxFile("train-labels-idx1-ubyte.gz",
             "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
             "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 8),
    _IdxFile("t10k-images-idx3-ubyte.gz",
             "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
             "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 16),
    _IdxFile("t10k-labels-idx1-ubyte.gz",
             "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
             "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 8),
)

# Microsoft's PetImages archive: the one Keras's "image classification from
# scratch" example and TensorFlow Datasets' ``cats_vs_dogs`` download.
DOGS_VS_CATS_URL = (
    "https://download.microsoft.com/download/3/E/1/"
    "3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip"
)
DOGS_VS_CATS_SHA256 = "b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9"
DOGS_VS_CATS_BYTES = 824_887_076

_DOWNLOAD_TIMEOUT = 30  # seconds without an answer before a download gives up


class DataUnavailableError(FileNotFoundError):
    """No local copy of a data set was found and it could not be downloaded."""


def cache_dir() -> Path:
    """Return the download cache, ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``.

    It is the folder ``keras.datasets`` and ``keras.utils.get_file`` use, so a
    file either of them downloaded is found here too.

    Examples
    --------
    >>> cache_dir().name
    'datasets'
    """
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def _env_dir(name: str) -> Path | None:
    root = os.environ.get(DATA_ENV)
    return Path(root).expanduser() / name if root else None


def _debian_fashion_mnist() -> Path | None:
    """Debian's Fashion-MNIST, moved or disabled by CNNCOURSE_DEBIAN_DATA."""
    root = os.environ.get(DEBIAN_DATA_ENV)
    if root is None:
        return DEBIAN_FASHION_MNIST
    return Path(root).expanduser() / "fashion-mnist" if root else None


def _gz_content_sha256(path: Path) -> str | None:
    """SHA-256 of a gzip file's decompressed bytes, or None if it is not valid gzip."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError):
        return None
    return digest.hexdigest()


def _fashion_files_ok(folder: Path) -> bool:
    return all(
        _gz_content_sha256(folder / f.name) == f.content_sha256 for f in FASHION_MNIST_FILES
    )


@contextlib.contextmanager
def _silenced(logger: logging.Logger) -> Iterator[None]:
    """Let ``logger`` pass only warnings and errors while the block runs."""
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _download(url: str, known_hash: str | None, fname: str,
              folder: Path) -> Path:
    """Download ``url`` into ``folder/fname``, silently unless in a terminal.

    With ``known_hash``, the file is kept only if its SHA-256 matches; without
    it, the caller checks the file. pooch's log lines and progress bar go to
    standard error, which a notebook would show as an output, so they are off
    unless standard error is a terminal (then the bar shows).
    """
    import pooch

    downloader = pooch.HTTPDownloader(progressbar=sys.stderr.isatty(),
                                      timeout=_DOWNLOAD_TIMEOUT)
    with _silenced(pooch.get_logger()):
        return Path(pooch.retrieve(
            url, known_hash=f"sha256:{known_hash}" if known_hash else None,
            fname=fname, path=folder, downloader=downloader))


def _download_fashion_file(base: str, f: _IdxFile, folder: Path) -> None:
    """Download one Fashion-MNIST file; delete it unless its content is right.

    The content, not the ``.gz`` bytes, is checked: a mirror of Debian's
    re-headered copy serves the same images in other gzip bytes.
    """
    path = _download(base.rstrip("/") + "/" + f.name, None, f.name, folder)
    if _gz_content_sha256(path) != f.content_sha256:
        path.unlink()
        raise ValueError(
            f"{f.name} from {base} does not decompress to the published "
            "Fashion-MNIST content (SHA-256 of its content differs); it was "
            "deleted")


def find_fashion_mnist(*, download: bool = True, url: str | None = None) -> Path:
    """Return the folder that holds Fashion-MNIST's four verified ``.gz`` files.

    Looks in ``$CNNCOURSE_DATA/fashion-mnist``, the Keras cache and Debian's
    ``/usr/share/datasets/fashion-mnist`` (see ``CNNCOURSE_DEBIAN_DATA`` in
    the module's description) in that order, and downloads into the cache
    only when none of them holds all four files with the right content. A
    cached or downloaded file whose content is wrong is deleted.

    Parameters
    ----------
    download : bool
        Whether to download when no local copy is found.
    url : str, optional
        Base URL of the four files; defaults to ``$CNNCOURSE_FASHION_MNIST_URL``
        or Keras's mirror.

    Raises
    ------
    DataUnavailableError
        When no verified copy is found and the download fails or is disabled.

    Examples
    --------
    >>> find_fashion_mnist().name  # doctest: +SKIP
    'fashion-mnist'
    """
    cache = cache_dir() / "fashion-mnist"
    candidates = [p for p in (_env_dir("fashion-mnist"), cache,
                              _debian_fashion_mnist()) if p]
    for folder in candidates:
        if folder.is_dir() and _fashion_files_ok(folder):
            return folder
    # A file in our cache that fails the check is never kept as if good.
    for f in FASHION_MNIST_FILES:
        cached = cache / f.name
        if cached.exists() and _gz_content_sha256(cached) != f.content_sha256:
            cached.unlink()
    base = url or os.environ.get("CNNCOURSE_FASHION_MNIST_URL") or FASHION_MNIST_URL
    reason = "downloading is disabled"
    if download:
        try:
            for f in FASHION_MNIST_FILES:
                _download_fashion_file(base, f, cache)
            return cache
        except Exception as exc:  # network errors come in many types
            reason = f"download from {base} failed: {exc}"
    raise DataUnavailableError(_missing_message(
        "Fashion-MNIST", candidates, reason,
        f"put the four .gz files ({', '.join(f.name for f in FASHION_MNIST_FILES)}) in "
        f"$CNNCOURSE_DATA/fashion-mnist/ or {cache}/; or, on Debian and Ubuntu, run "
        "`sudo apt-get install dataset-fashion-mnist`; or, with internet, run "
        "`python -m cnncourse fetch-data`",
    ))


def _missing_message(what: str, looked: list[Path], reason: str, fixes: str) -> str:
    env = os.environ.get(DATA_ENV)
    places = "\n".join(f"  - {p}" for p in looked)
    return (
        f"{what} is not on this machine and could not be downloaded.\n"
        f"Looked in (CNNCOURSE_DATA is {'set to ' + env if env else 'not set'}):\n{places}\n"
        f"Download: {reason}.\n"
        f"To fix: {fixes}."
    )


def _read_idx(path: Path, header_bytes: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_bytes)


def load_fashion_mnist(
    *, download: bool = True, url: str | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``.

    The arrays are exactly those of ``keras.datasets.fashion_mnist.load_data()``:
    uint8 images of shape ``(60000, 28, 28)`` and ``(10000, 28, 28)`` with values
    0-255, and uint8 labels 0-9 (names in :data:`FASHION_MNIST_CLASSES`).
    Where the files come from is described in :func:`find_fashion_mnist`.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    folder = find_fashion_mnist(download=download, url=url)
    arrays = [_read_idx(folder / f.name, f.header_bytes) for f in FASHION_MNIST_FILES]
    x_train, y_train, x_test, y_test = arrays
    return ((x_train.reshape(-1, 28, 28), y_train), (x_test.reshape(-1, 28, 28), y_test))


# --- Dogs vs cats -------------------------------------------------------------

_KAGGLE_NAME = re.compile(r"^(cat|dog)\.(\d+)\.jpe?g$", re.IGNORECASE)
_PUBLISHER_DIRS = {"Cat": "cat", "Dog": "dog"}


def _scan_dogs_vs_cats(root: Path) -> list[tuple[str, int, Path]]:
    """(category, index, path) for every photo under ``root`` in either layout."""
    rows: list[tuple[str, int, Path]] = []
    for folder in (root, root / "train"):  # Kaggle: cat.123.jpg, flat
        if folder.is_dir():
            for path in folder.iterdir():
                m = _KAGGLE_NAME.match(path.name)
                if m and path.is_file():
                    rows.append((m.group(1).lower(), int(m.group(2)), path))
    for folder in (root, root / "PetImages"):  # publisher: PetImages/Cat/123.jpg
        for sub, category in _PUBLISHER_DIRS.items():
            if (folder / sub).is_dir():
                for path in (folder / sub).iterdir():
                    if path.suffix.lower() in (".jpg", ".jpeg") and path.stem.isdigit():
                        rows.append((category, int(path.stem), path))
    return rows


def safe_extract(archive: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Extract a zip archive into ``target``, refusing members that would leave it.

    Raises
    ------
    ValueError
        If any member is absolute or climbs out with ``..``; nothing is
        extracted in that case.

    Examples
    --------
    >>> safe_extract("kagglecatsanddogs_5340.zip", "/tmp/pets")  # doctest: +SKIP
    PosixPath('/tmp/pets')
    """
    target = Path(target).resolve()
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            dest = (target / member).resolve()
            if member.startswith(("/", "\\")) or not dest.is_relative_to(target):
                raise ValueError(
                    f"refusing to extract {archive}: member {member!r} would be written "
                    f"outside {target}; the archive is damaged or malicious"
                )
        zf.extractall(target)
    return target


def find_dogs_vs_cats(
    data_dir: str | os.PathLike | None = None, *, download: bool = True, url: str | None = None
) -> Path:
    """Return a folder holding cat and dog photos in the Kaggle or publisher layout.

    Looks in ``data_dir`` (when given, and only there), then
    ``$CNNCOURSE_DATA/dogs-vs-cats``, then the cache; downloads and unpacks
    Microsoft's PetImages archive (787 MB, SHA-256 checked) only when none
    holds photos.

    Raises
    ------
    DataUnavailableError
        When no photos are found and the download fails or is disabled.
    """
    cache = cache_dir() / "dogs-vs-cats"
    if data_dir is not None:
        candidates = [Path(data_dir).expanduser()]
    else:
        candidates = [p for p in (_env_dir("dogs-vs-cats"), cache) if p]
    for folder in candidates:
        if folder.is_dir() and _scan_dogs_vs_cats(folder):
            return folder
    reason = "downloading is disabled"
    if data_dir is not None:
        reason = f"not tried, because data_dir={str(data_dir)!r} was given"
    elif download:
        source = url or os.environ.get("CNNCOURSE_DOGS_VS_CATS_URL") or DOGS_VS_CATS_URL
        try:
            archive = _download(source, DOGS_VS_CATS_SHA256, "kagglecatsanddogs_5340.zip",
                                cache_dir())
            safe_extract(archive, cache)
            archive.unlink()
            return cache
        except Exception as exc:
            reason = f"download from {source} failed: {exc}"
    raise DataUnavailableError(_missing_message(
        "The dogs-vs-cats data set", candidates, reason,
        "set CNNCOURSE_DATA to a folder whose dogs-vs-cats/ sub-folder holds the photos "
        "(Kaggle layout train/cat.0.jpg, or Microsoft's PetImages/Cat/0.jpg), "
        f"unpack Microsoft's kagglecatsanddogs_5340.zip into {cache}/, "
        "or, with internet, run `python -m cnncourse fetch-data`",
    ))


def dogs_vs_cats_frame(
    data_dir: str | os.PathLike | None = None, n_per_class: int | None = None
) -> pd.DataFrame:
    """List the dogs-vs-cats photos as a DataFrame of ``filename`` and ``category``.

    The label comes from the file name (``cat.123.jpg``, Kaggle's layout) or
    the folder (``PetImages/Cat/123.jpg``, the publisher's). Rows are sorted
    by category, then by the number in the file name; ``n_per_class`` keeps
    the first N of each category. Where the photos are found is described in
    :func:`find_dogs_vs_cats`. No image is opened here.

    Parameters
    ----------
    data_dir : path, optional
        A folder in either layout; when given, no other place is searched.
    n_per_class : int, optional
        Keep the first N photos of each category (all when None).

    Returns
    -------
    pandas.DataFrame
        Columns ``filename`` (absolute path, str) and ``category``
        (``"cat"`` or ``"dog"``).

    Examples
    --------
    >>> df = dogs_vs_cats_frame(n_per_class=2)  # doctest: +SKIP
    >>> df["category"].tolist()  # doctest: +SKIP
    ['cat', 'cat', 'dog', 'dog']
    """
    if n_per_class is not None and n_per_class < 1:
        raise ValueError(f"n_per_class must be a positive integer or None, got {n_per_class}")
    root = find_dogs_vs_cats(data_dir)
    rows = sorted(set(_scan_dogs_vs_cats(root)))
    frame = pd.DataFrame(
        {"filename": [str(p.resolve()) for _, _, p in rows],
         "category": [c for c, _, _ in rows]}
    )
    if n_per_class is not None:
        frame = frame.groupby("category", sort=True).head(n_per_class)
    return frame.reset_index(drop=True)
