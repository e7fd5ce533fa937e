"""How many photos does chapter 6's network need? The measurement chapter 7 shows.

``python -m cnncourse.bench photos-per-class --out DIR`` trains chapter 6's
network (:func:`cnncourse.models.cats_dogs_cnn`) from scratch on the first
``n`` photos of each class of a seeded shuffle of chapter 6's 3,500
training photos, for each ``n`` of :data:`SIZES` and each seed, and writes
one row per run to ``DIR/photos_per_class.csv``. Every run is scored on
chapter 6's 500 validation and 1,000 test photos. Small sets are repeated
within an epoch, so that every run takes at least :data:`MIN_STEPS` steps
of the optimizer: 15 epochs of 20 photos would be 15 steps, too few to say
anything about the photos. The run on all the photos with the course's
seed is chapter 6's training itself; the file names of the test photos it
gets wrong go to ``DIR/chapter6_mistakes.csv``. The course stores both in
``chapters/data/``; chapter 7 reads them with :func:`read_results` and
:func:`read_mistakes`.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cnncourse import stored

__all__ = ["ALL", "COLUMNS", "MIN_STEPS", "SIZES", "draw_indices", "main",
           "read_mistakes", "read_results", "run", "steps_for", "subset",
           "train_one"]

COLUMNS = ("per_class", "seed", "n_train", "steps", "val_acc", "test_acc",
           "train_seconds")
MISTAKE_COLUMNS = ("filename", "category", "p_dog")
ALL = 1750
"""Photos per class in chapter 6's training part."""
SIZES = {10: (0, 1, 2), 25: (0, 1, 2), 50: (0, 1, 2), 100: (0, 1, 2),
         250: (0,), ALL: (42,)}
"""Photos per class → seeds run by default (one seed from 250 up: those
runs cost minutes each on a shared 2-core CPU, and their spread is
smaller; ``--sizes 500`` adds a point). Seed 42 at :data:`ALL` is chapter
6's own training."""
MIN_STEPS = 150
FILE_NAME = "photos_per_class.csv"
MISTAKES_FILE = "chapter6_mistakes.csv"
COMMAND = "python -m cnncourse.bench photos-per-class --out DIR"
RESULTS_URL = stored.DATA_URL


def steps_for(n_train: int, batch_size: int = 32) -> int:
    """Steps an epoch: one pass over the photos, or more, so that chapter 6's
    15 epochs take at least :data:`MIN_STEPS` steps (the photos repeat).

    Examples
    --------
    >>> steps_for(3500), steps_for(20), steps_for(200)
    (110, 10, 10)
    """
    from cnncourse import models

    return max(math.ceil(n_train / batch_size),
               math.ceil(MIN_STEPS / models.CATS_DOGS_EPOCHS))


def subset(train: Any, per_class: int, seed: int) -> Any:
    """``per_class`` photos of each class of ``train``, drawn with ``seed``.

    All of them, in their order, when ``per_class`` is :data:`ALL` or more.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"filename": list("abcdef"),
    ...                       "category": ["cat"] * 3 + ["dog"] * 3})
    >>> subset(frame, 2, 0)["category"].value_counts().tolist()
    [2, 2]
    """
    counts = train["category"].value_counts()
    if per_class >= counts.min():
        return train
    return (train.groupby("category", group_keys=False)
            .sample(per_class, random_state=seed).reset_index(drop=True))


def draw_indices(labels: Any, per_class: int, seed: int) -> Any:
    """Positions of ``per_class`` photos of each class, drawn with ``seed``.

    What chapter 7's pretrained points of the photos-per-class curve train
    on: a few photos of each class of the training features, at random,
    without repeats; the same seed draws the same photos.

    Parameters
    ----------
    labels : array-like of int
        The class of each photo, 0 (cat) or 1 (dog).
    per_class : int
        Photos to draw of each class.
    seed : int
        Seed of the draw (``numpy.random.default_rng``).

    Returns
    -------
    numpy.ndarray
        ``2 * per_class`` positions in ``labels``: the cats', then the dogs'.

    Raises
    ------
    ValueError
        When a class has fewer than ``per_class`` photos.

    Examples
    --------
    >>> import numpy as np
    >>> labels = np.array([0, 1, 0, 1, 1, 0, 1])
    >>> pick = draw_indices(labels, 2, seed=0)
    >>> labels[pick].tolist()
    [0, 0, 1, 1]
    >>> bool((pick == draw_indices(labels, 2, seed=0)).all())
    True
    """
    import numpy as np

    labels = np.asarray(labels)
    where = [np.flatnonzero(labels == c) for c in (0, 1)]
    fewest = min(len(w) for w in where)
    if fewest < per_class:
        counts = ", ".join(f"class {c}: {len(w)}" for c, w in enumerate(where))
        raise ValueError(f"cannot draw {per_class} photos of each class from "
                         f"{counts}; ask for at most {fewest} a class")
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(w, per_class, replace=False)
                           for w in where])


def train_one(parts: tuple[Any, Any, Any], per_class: int, seed: int,
              evaluation: tuple[Any, Any]) -> tuple[dict[str, Any], Any]:
    """Train chapter 6's network on ``per_class`` photos a class; one row.

    Returns the row (:data:`COLUMNS`) and the trained model.
    """
    from cnncourse import images, models, repro
    from cnncourse.training import fit_timed

    repro.setup(seed)
    train = subset(parts[0], per_class, seed)
    train_ds = images.make_dataset(
        train["filename"], images.labels_of(train),
        image_size=models.CATS_DOGS_SIZE, batch_size=32, shuffle=True)
    for _ in train_ds:  # decode once, untimed
        pass
    epochs, steps = models.CATS_DOGS_EPOCHS, steps_for(len(train))
    if steps > len(train_ds):
        train_ds = train_ds.repeat()
    repro.setup(seed)
    model = models.cats_dogs_cnn(models.CATS_DOGS_SIZE, epochs=epochs,
                                 steps_per_epoch=steps)
    _, seconds = fit_timed(model, train_ds, epochs=epochs,
                           steps_per_epoch=steps, verbose=0)
    val_acc, test_acc = (
        model.evaluate(ds, verbose=0, return_dict=True)["accuracy"]
        for ds in evaluation)
    row = {"per_class": per_class, "seed": seed, "n_train": len(train),
           "steps": epochs * steps, "val_acc": round(float(val_acc), 4),
           "test_acc": round(float(test_acc), 4),
           "train_seconds": round(seconds, 1)}
    return row, model


def run(out: str | os.PathLike,
        sizes: dict[int, Sequence[int]] | None = None) -> Path:
    """Train every (size, seed) of ``sizes`` and write the two CSVs in ``out``.

    Rows are written (and printed as JSON) as soon as each run ends.

    Examples
    --------
    >>> run("/tmp/few", {10: [0]})  # doctest: +SKIP
    PosixPath('/tmp/few/photos_per_class.csv')
    """
    from cnncourse import datasets, images, models

    sizes = SIZES if sizes is None else sizes
    frame, _ = images.usable(datasets.dogs_vs_cats_frame(n_per_class=2500))
    parts = images.split(frame, test_size=0.2, val_size=0.1, seed=42)
    evaluation = tuple(
        images.make_dataset(part["filename"], images.labels_of(part),
                            image_size=models.CATS_DOGS_SIZE, batch_size=32)
        for part in parts[1:])
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    described = "; ".join(f"{n}: seeds {' '.join(map(str, seeds))}"
                          for n, seeds in sizes.items())
    note = (f"photos per class {described}; val_acc and test_acc on chapter "
            "6's 500 and 1,000 photos; see cnncourse/few_photos.py")
    with stored.table_writer(path, COMMAND, note, COLUMNS) as add:
        for per_class, seeds in sizes.items():
            for seed in seeds:
                row, model = train_one(parts, per_class, seed, evaluation)
                add(row)
                if per_class >= ALL and seed == 42:
                    _write_mistakes(out / MISTAKES_FILE, model, parts[2],
                                    evaluation[1])
    return path


def _write_mistakes(path: Path, model: Any, test: Any, test_ds: Any) -> None:
    import numpy as np

    from cnncourse import images

    p_dog = model.predict(test_ds, verbose=0)[:, 0]
    wrong = (p_dog > 0.5).astype(int) != images.labels_of(test)
    with path.open("w", newline="") as file:
        file.write(f"# Made by: {COMMAND}\n# the test photos chapter 6's "
                   "network (all photos, seed 42) gets wrong\n")
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(MISTAKE_COLUMNS)
        for index in np.flatnonzero(wrong):
            writer.writerow([Path(test["filename"].iloc[index]).name,
                             test["category"].iloc[index],
                             round(float(p_dog[index]), 3)])


def read_results(path: str | os.PathLike | None = None) -> Any:
    """The stored runs as a DataFrame, one row a run (:data:`COLUMNS`).

    By default ``data/photos_per_class.csv`` in the current folder
    (``chapters/``), else the repository's ``chapters/data/``, else the
    course's copy online (for a notebook opened alone, as on Colab):
    :func:`cnncourse.stored.locate`.
    """
    return stored.read_csv(FILE_NAME, path)


def read_mistakes(path: str | os.PathLike | None = None) -> Any:
    """Chapter 6's wrong test photos: ``filename`` (no folder), ``category``,
    ``p_dog``; found as :func:`read_results` finds its file."""
    return stored.read_csv(MISTAKES_FILE, path)


def main(argv: Sequence[str] | None = None) -> Path:
    """The ``photos-per-class`` task of ``python -m cnncourse.bench``."""
    parser = argparse.ArgumentParser(
        prog="python -m cnncourse.bench photos-per-class",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True,
                        help=f"folder for {FILE_NAME} and {MISTAKES_FILE}")
    parser.add_argument("--sizes", type=int, nargs="+", metavar="N",
                        help="photos per class to run (default: all of "
                             f"{sorted(SIZES)}, with their seeds)")
    parser.add_argument("--seeds", type=int, nargs="+", metavar="S",
                        help="seeds for every size given (default: each "
                             "size's own)")
    args = parser.parse_args(argv)
    chosen = args.sizes or list(SIZES)
    sizes = {n: args.seeds or SIZES.get(n, (0,)) for n in chosen}
    path = run(args.out, sizes)
    print(f"wrote {path}", flush=True)
    return path
