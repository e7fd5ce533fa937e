"""Photos from disk to training batches: checking files and the ``tf.data`` pipeline.

Real photo collections are messy. Microsoft's full PetImages set, for
instance, holds empty files, truncated JPEGs and files that are not images at
all, next to grayscale, CMYK and palette images and PNGs named ``.jpg``. This
module does two jobs:

1. :func:`check_images` opens every file once with Pillow and says whether
   the pipeline can read it (``ok``) or must skip it (``skip``), and why;
   :func:`usable` keeps the readable rows of a DataFrame and counts the rest.
2. :func:`make_dataset` builds the ``tf.data`` pipeline: read, decode to RGB
   (grayscale, CMYK, RGBA and palette images are converted, whatever the file
   extension says), resize, cache in memory, shuffle, batch and prefetch.

Images come out as float32 RGB with values 0-255: scaling belongs inside the
model (a ``Rescaling`` layer), so that the saved model takes raw pixels.

Examples
--------
>>> from cnncourse import datasets, images  # doctest: +SKIP
>>> frame = datasets.dogs_vs_cats_frame(n_per_class=100)  # doctest: +SKIP
>>> frame, problems = images.usable(frame)  # doctest: +SKIP
>>> ds = images.make_dataset(frame["filename"], images.labels_of(frame),
...                          image_size=128, batch_size=32)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CLASS_NAMES",
    "READABLE_FORMATS",
    "check_image",
    "check_images",
    "decode_resize",
    "labels_of",
    "load_batch",
    "make_dataset",
    "split",
    "usable",
]

CLASS_NAMES = ("cat", "dog")
"""Class names in label order: label 0 is a cat, label 1 a dog."""

READABLE_FORMATS = frozenset({"JPEG", "PNG", "GIF", "BMP", "WEBP"})
"""Pillow's names of the formats ``tf.io.decode_image`` reads."""


def check_image(path: str | os.PathLike) -> tuple[str, str]:
    """Say whether the pipeline can read one image file, and describe it.

    The file is opened and fully decoded with Pillow (a truncated JPEG
    fails here, as it would in TensorFlow). Images that are not RGB are
    fine: the pipeline converts them.

    Parameters
    ----------
    path : path-like
        The file to check.

    Returns
    -------
    status : str
        ``"ok"`` when :func:`make_dataset` can read it, ``"skip"`` otherwise.
    detail : str
        Format and colour mode (``"JPEG RGB"``, ``"JPEG CMYK"``,
        ``"PNG RGBA"``...) of a readable file, or why it cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> Image.new("L", (8, 8)).save(folder / "gray.jpg")
    >>> check_image(folder / "gray.jpg")
    ('ok', 'JPEG L')
    >>> (folder / "notes.jpg").write_text("hello")
    5
    >>> check_image(folder / "notes.jpg")
    ('skip', 'not an image Pillow recognises')
    """
    from PIL import Image, UnidentifiedImageError

    path = os.fspath(path)
    try:
        if os.path.getsize(path) == 0:
            return "skip", "empty file"
        with Image.open(path) as image:
            fmt, mode = image.format, image.mode
            image.load()  # decodes every byte: raises on truncated data
    except UnidentifiedImageError:
        return "skip", "not an image Pillow recognises"
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's ways of saying "broken"
        return "skip", f"cannot be decoded: {exc}"
    if fmt not in READABLE_FORMATS:
        return "skip", f"{fmt} {mode}: format not read by TensorFlow"
    return "ok", f"{fmt} {mode}"


def check_images(paths: Iterable[str | os.PathLike], *, workers: int = 4) -> pd.DataFrame:
    """Check many files with :func:`check_image` (in threads) and tabulate the answers.

    Parameters
    ----------
    paths : iterable of path-like
        The files to check.
    workers : int
        Threads that decode at once (Pillow releases the GIL while decoding).

    Returns
    -------
    pandas.DataFrame
        One row per file, in the given order: ``filename``, ``status``
        (``"ok"`` or ``"skip"``) and ``detail``.

    Examples
    --------
    >>> check_images([]).columns.tolist()
    ['filename', 'status', 'detail']
    """
    paths = [os.fspath(p) for p in paths]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        answers = list(pool.map(check_image, paths))
    return pd.DataFrame({
        "filename": paths,
        "status": [s for s, _ in answers],
        "detail": [d for _, d in answers],
    })


def usable(frame: pd.DataFrame, *, column: str = "filename",
           workers: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a DataFrame of image files into the readable rows and the problems.

    Parameters
    ----------
    frame : pandas.DataFrame
        Has a column of file paths (``filename`` by default), and any others.
    column : str
        The name of that column.
    workers : int
        Threads used by :func:`check_images`.

    Returns
    -------
    kept : pandas.DataFrame
        The rows whose file the pipeline can read, index reset.
    problems : pandas.DataFrame
        The skipped rows, with the ``detail`` saying why; empty when all is well.

    Examples
    --------
    >>> frame, problems = usable(datasets.dogs_vs_cats_frame())  # doctest: +SKIP
    >>> len(problems)  # doctest: +SKIP
    0
    """
    if column not in frame:
        raise KeyError(f"the frame has no column {column!r}; its columns are {list(frame)}; "
                       "pass column= the name of the column of file paths")
    report = check_images(frame[column], workers=workers)
    ok = (report["status"] == "ok").to_numpy()
    problems = frame.loc[~ok].assign(detail=report.loc[~ok, "detail"].to_numpy())
    return frame.loc[ok].reset_index(drop=True), problems.reset_index(drop=True)


def labels_of(frame: pd.DataFrame, *, column: str = "category") -> np.ndarray:
    """Integer labels of a dogs-vs-cats frame: 0 for ``"cat"``, 1 for ``"dog"``.

    Examples
    --------
    >>> labels_of(pd.DataFrame({"category": ["dog", "cat", "dog"]}))
    array([1, 0, 1], dtype=int32)
    """
    values = frame[column].astype(str).str.lower()
    unknown = sorted(set(values) - set(CLASS_NAMES))
    if unknown:
        raise ValueError(f"unknown categories {unknown}; expected only {list(CLASS_NAMES)}")
    return (values == CLASS_NAMES[1]).to_numpy().astype(np.int32)


def split(
    frame: pd.DataFrame,
    *,
    test_size: float = 0.2,
    val_size: float = 0.1,
    column: str = "category",
    seed: int = 42,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split a frame into training, validation and test parts, stratified by class.

    Two calls of scikit-learn's ``train_test_split``: first the test part is
    set aside, then the validation part is taken from the rest. Every part
    keeps the class proportions of the whole.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per image.
    test_size, val_size : float
        Shares of the whole frame for the test and validation parts.
    column : str
        The column of labels to stratify by.
    seed : int
        Seed of the shuffle (the same seed gives the same split).

    Returns
    -------
    train, val, test : pandas.DataFrame
        Disjoint, together the whole frame, each with its index reset.

    Examples
    --------
    >>> frame = pd.DataFrame({"filename": [f"{i}.jpg" for i in range(100)],
    ...                       "category": ["cat", "dog"] * 50})
    >>> train, val, test = split(frame)
    >>> len(train), len(val), len(test), int((test["category"] == "cat").sum())
    (70, 10, 20, 10)
    """
    from sklearn.model_selection import train_test_split

    if not (0 < test_size < 1 and 0 < val_size < 1 and test_size + val_size < 1):
        raise ValueError(f"test_size and val_size must be in (0, 1) with a sum below 1, "
                         f"got {test_size} and {val_size}")
    n_test = round(test_size * len(frame))
    n_val = round(val_size * len(frame))
    rest, test = train_test_split(frame, test_size=n_test, stratify=frame[column],
                                  random_state=seed)
    train, val = train_test_split(rest, test_size=n_val, stratify=rest[column],
                                  random_state=seed)
    return tuple(part.reset_index(drop=True) for part in (train, val, test))  # type: ignore[return-value]


def decode_resize(path: Any, image_size: int | tuple[int, int]) -> Any:
    """Read one image file into a uint8 RGB tensor of the given size (TensorFlow op).

    Any format :data:`READABLE_FORMATS` names is read, whatever the extension;
    grayscale, CMYK, RGBA and palette images become RGB. Resizing is bilinear
    and does not keep the aspect ratio (``image_dataset_from_directory``'s
    default).

    Parameters
    ----------
    path : str or scalar string tensor
        The file.
    image_size : int or (height, width)
        The output size.

    Returns
    -------
    tf.Tensor
        Shape ``(height, width, 3)``, dtype uint8.

    Examples
    --------
    >>> decode_resize("cat.0.jpg", 128).shape  # doctest: +SKIP
    TensorShape([128, 128, 3])
    """
    import tensorflow as tf

    size = _size(image_size)
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    image = tf.image.resize(image, size, method="bilinear")
    image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
    return tf.ensure_shape(image, (*size, 3))


def make_dataset(
    filenames: Sequence[str] | pd.Series,
    labels: Sequence[int] | np.ndarray | None = None,
    *,
    image_size: int | tuple[int, int] = 128,
    batch_size: int = 32,
    shuffle: bool = False,
    seed: int = 0,
    cache: bool = True,
) -> Any:
    """The input pipeline: decode, resize, cache, shuffle, batch and prefetch.

    Each file is decoded and resized once (in parallel) and kept in memory as
    uint8 when ``cache`` is true (5,000 images of 128×128 take 245 MB), so
    every later epoch only shuffles and batches. Batches are float32 with
    values 0-255.

    Parameters
    ----------
    filenames : sequence of str
        Image files; check them first with :func:`usable`, since one
        unreadable file stops the pipeline with an error.
    labels : sequence of int, optional
        One label per file; without labels the dataset yields images only.
    image_size : int or (height, width)
        Size of the images produced.
    batch_size : int
        Images per batch; the last batch may be smaller.
    shuffle : bool
        Reshuffle the images every epoch (for training).
    seed : int
        Seed of the shuffle, so that runs repeat.
    cache : bool
        Keep the decoded images in memory after the first pass.

    Returns
    -------
    tf.data.Dataset
        Yields ``(images, labels)`` (or ``images``), images float32 of shape
        ``(batch, height, width, 3)``, labels int32 of shape ``(batch,)``.

    Examples
    --------
    >>> ds = make_dataset(frame["filename"], labels_of(frame), shuffle=True)  # doctest: +SKIP
    >>> images, labels = next(iter(ds))  # doctest: +SKIP
    >>> images.shape, labels.shape  # doctest: +SKIP
    (TensorShape([32, 128, 128, 3]), TensorShape([32]))
    """
    import tensorflow as tf

    filenames = [os.fspath(f) for f in filenames]
    if not filenames:
        raise ValueError("make_dataset needs at least one file")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    paths = tf.data.Dataset.from_tensor_slices(filenames)
    images = paths.map(lambda p: decode_resize(p, image_size),
                       num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if labels is not None:
        labels = np.asarray(labels, dtype=np.int32)
        if len(labels) != len(filenames):
            raise ValueError(f"got {len(filenames)} files but {len(labels)} labels")
        ds = tf.data.Dataset.zip(images, tf.data.Dataset.from_tensor_slices(labels))
    else:
        ds = images
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(len(filenames), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size)

    def to_float(*batch: Any) -> Any:
        return (tf.cast(batch[0], tf.float32), *batch[1:]) if len(batch) > 1 \
            else tf.cast(batch[0], tf.float32)

    return ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def load_batch(filenames: Sequence[str | os.PathLike],
               image_size: int | tuple[int, int] = 128) -> np.ndarray:
    """Read a few image files into one float32 array, as :func:`make_dataset` would.

    Handy to predict on new photos: ``model.predict(load_batch([path]))``.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(filenames), height, width, 3)``, float32, values 0-255.

    Examples
    --------
    >>> load_batch(["my_cat.jpg"]).shape  # doctest: +SKIP
    (1, 128, 128, 3)
    """
    import tensorflow as tf

    arrays = [decode_resize(tf.constant(os.fspath(f)), image_size).numpy() for f in filenames]
    if not arrays:
        raise ValueError("load_batch needs at least one file")
    return np.stack(arrays).astype(np.float32)


def _size(image_size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(image_size, (int, np.integer)):
        size = (int(image_size), int(image_size))
    else:
        size = tuple(int(s) for s in image_size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"image_size must be a positive int or (height, width), got {image_size}")
    return size  # type: ignore[return-value]
