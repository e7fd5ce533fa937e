"""Flatten against global average pooling: the measurement chapter 4 shows.

``python -m cnncourse.bench gap-vs-flatten --seeds 0 1 2 --out DIR`` trains
chapter 5's network (:func:`cnncourse.models.fashion_cnn`) and chapter 6's
(:func:`cnncourse.models.cats_dogs_cnn`) with each head, ``"flatten"`` and
``"gap"``, once per seed, exactly as the chapters train them, and writes one
row per run to ``DIR/gap_vs_flatten.csv``. The course stores the result in
``chapters/data/gap_vs_flatten.csv``; chapter 4 reads it with
:func:`read_results`, :func:`summary` and :func:`comparison`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cnncourse import stored

__all__ = ["COLUMNS", "DATASETS", "RESULTS_URL", "comparison", "main",
           "read_results", "run", "summary", "train_cats_dogs",
           "train_fashion"]

COLUMNS = ("dataset", "head", "seed", "val_acc", "test_acc", "train_seconds",
           "parameters")
DATASETS = ("fashion-mnist", "dogs-vs-cats")
FILE_NAME = "gap_vs_flatten.csv"
COMMAND = "python -m cnncourse.bench gap-vs-flatten --seeds 0 1 2 --out DIR"
# Where a notebook opened alone (Colab) finds the stored results.
RESULTS_URL = stored.DATA_URL + FILE_NAME


def train_fashion(head: str, seed: int) -> dict[str, Any]:
    """Train chapter 5's network with ``head``; return one row of results.

    As chapter 5 and ``python -m cnncourse.bench fashion-mnist`` do: the
    first 80 % of the training images for training, the last 20 % for
    validation, 10 epochs, then the accuracies of the mirror-averaged
    network (:func:`cnncourse.models.mirror_averaged`) on the validation
    and test images.

    Parameters
    ----------
    head : {"flatten", "gap"}
        The ``head`` keyword of :func:`cnncourse.models.fashion_cnn`.
    seed : int
        Seed of the training (weights, batch order, flips, dropout).

    Returns
    -------
    dict
        The fields of :data:`COLUMNS`.

    Examples
    --------
    >>> train_fashion("gap", 0)["head"]  # doctest: +SKIP
    'gap'
    """
    from cnncourse import repro

    repro.setup(seed)
    import keras

    from cnncourse import datasets, models
    from cnncourse.training import fit_timed

    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    x_train, x_test = (x.reshape(-1, 28, 28, 1).astype("float32") / 255.0
                       for x in (x_train, x_test))
    y_train, y_test = (keras.utils.to_categorical(y, 10)
                       for y in (y_train, y_test))
    n_fit = len(x_train) - int(len(x_train) * models.FASHION_VALIDATION_SPLIT)
    batch_size = models.FASHION_CNN_BATCH_SIZE
    cnn = models.fashion_cnn(
        head=head, epochs=models.FASHION_CNN_EPOCHS,
        steps_per_epoch=models.fashion_steps_per_epoch(n_fit, batch_size))
    _, seconds = fit_timed(
        cnn, x_train, y_train, epochs=models.FASHION_CNN_EPOCHS,
        batch_size=batch_size, verbose=2,
        validation_split=models.FASHION_VALIDATION_SPLIT)
    final = models.mirror_averaged(cnn)
    parts = ((x_train[n_fit:], y_train[n_fit:]), (x_test, y_test))
    val_acc, test_acc = (final.evaluate(x, y, verbose=0)[1] for x, y in parts)
    return _row("fashion-mnist", head, seed, val_acc, test_acc, seconds, cnn)


def train_cats_dogs(head: str, seed: int) -> dict[str, Any]:
    """Train chapter 6's network with ``head``; return one row of results.

    As chapter 6 does: its 5,000 photos (2,500 a class, from
    ``$CNNCOURSE_DATA``), its split (3,500 / 500 / 1,000, seed 42 whatever
    ``seed`` is), 96×96 pixels, flips, 15 epochs; then the accuracies on the
    validation and test photos. Parameters and result as for
    :func:`train_fashion`, ``head`` being the keyword of
    :func:`cnncourse.models.cats_dogs_cnn`.

    Examples
    --------
    >>> train_cats_dogs("flatten", 0)["dataset"]  # doctest: +SKIP
    'dogs-vs-cats'
    """
    from cnncourse import repro

    repro.setup(seed)
    from cnncourse import datasets, images, models
    from cnncourse.training import fit_timed

    frame, _ = images.usable(datasets.dogs_vs_cats_frame(n_per_class=2500))
    parts = images.split(frame, test_size=0.2, val_size=0.1, seed=42)
    train_ds, val_ds, test_ds = (
        images.make_dataset(part["filename"], images.labels_of(part),
                            image_size=models.CATS_DOGS_SIZE, batch_size=32,
                            shuffle=part is parts[0])
        for part in parts)
    for ds in (train_ds, val_ds, test_ds):  # decode each photo once, untimed
        for _ in ds:
            pass
    repro.setup(seed)
    model = models.cats_dogs_cnn(
        models.CATS_DOGS_SIZE, epochs=models.CATS_DOGS_EPOCHS,
        steps_per_epoch=len(train_ds), head=head)
    _, seconds = fit_timed(model, train_ds, validation_data=val_ds,
                           epochs=models.CATS_DOGS_EPOCHS, verbose=2)
    val_acc, test_acc = (
        model.evaluate(ds, verbose=0, return_dict=True)["accuracy"]
        for ds in (val_ds, test_ds))
    return _row("dogs-vs-cats", head, seed, val_acc, test_acc, seconds, model)


def _row(dataset: str, head: str, seed: int, val_acc: float, test_acc: float,
         seconds: float, model: Any) -> dict[str, Any]:
    return {"dataset": dataset, "head": head, "seed": seed,
            "val_acc": round(float(val_acc), 4),
            "test_acc": round(float(test_acc), 4),
            "train_seconds": round(seconds, 1),
            "parameters": model.count_params()}


TRAIN = {"fashion-mnist": train_fashion, "dogs-vs-cats": train_cats_dogs}


def run(out: str | os.PathLike, seeds: Sequence[int], *,
        datasets: Sequence[str] = DATASETS,
        heads: Sequence[str] = ("flatten", "gap")) -> Path:
    """Train every (seed, data set, head) and write ``out/gap_vs_flatten.csv``.

    Runs in that order, so that an interrupted run has whole seeds; each
    row is written (and printed as JSON) as soon as its run ends. A file
    already there is replaced.

    Parameters
    ----------
    out : path
        Folder for the CSV (created if missing).
    seeds : sequence of int
        Training seeds, e.g. ``(0, 1, 2)``.
    datasets, heads : sequence of str
        Subsets of :data:`DATASETS` and of ``("flatten", "gap")``.

    Returns
    -------
    Path
        The CSV: a header of ``#`` lines saying how it was made, then
        :data:`COLUMNS` and one row per run.

    Examples
    --------
    >>> run("/tmp/heads", [0], datasets=["fashion-mnist"])  # doctest: +SKIP
    PosixPath('/tmp/heads/gap_vs_flatten.csv')
    """
    from cnncourse.models import HEADS

    unknown = (sorted(set(datasets) - set(DATASETS))
               + sorted(set(heads) - set(HEADS)))
    if unknown or not seeds:
        raise ValueError(f"choose data sets among {DATASETS}, heads among "
                         f"{HEADS} and at least one seed; got "
                         f"{unknown or 'no seed'}")
    path = Path(out) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    note = (f"with --seeds {' '.join(map(str, seeds))}; one row per run; "
            "see cnncourse/heads.py")
    with stored.table_writer(path, COMMAND, note, COLUMNS) as add:
        for seed in seeds:
            for dataset in datasets:
                for head in heads:
                    add(TRAIN[dataset](head, seed))
    return path


def read_results(path: str | os.PathLike | None = None) -> Any:
    """The stored runs as a DataFrame, one row per run (:data:`COLUMNS`).

    Parameters
    ----------
    path : path, optional
        A CSV written by :func:`run`; by default ``data/gap_vs_flatten.csv``
        in the current folder (``chapters/``, where the notebooks run), else
        the repository's ``chapters/data/`` next to this package (a student
        copy elsewhere, with the package installed from a clone), else the
        course's copy online (:data:`RESULTS_URL`, for a notebook opened
        alone, as on Colab): :func:`cnncourse.stored.locate`.

    Examples
    --------
    >>> read_results()["dataset"].unique().tolist()  # doctest: +SKIP
    ['fashion-mnist', 'dogs-vs-cats']
    """
    return stored.read_csv(FILE_NAME, path)


def summary(results: Any) -> Any:
    """Mean, spread and range of each data set and head, over the seeds.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows as :func:`read_results` returns them.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(dataset, head)``: ``runs``, ``parameters``, then for
        ``val_acc``, ``test_acc`` and ``train_seconds`` the mean, standard
        deviation over the seeds (``…_std``, ``ddof=1``), lowest and highest.

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"dataset": ["d"] * 2, "head": ["gap"] * 2,
    ...                      "seed": [0, 1], "val_acc": [0.8, 0.9],
    ...                      "test_acc": [0.7, 0.8],
    ...                      "train_seconds": [10.0, 12.0],
    ...                      "parameters": [5, 5]})
    >>> round(float(summary(runs).loc[("d", "gap"), "val_acc"]), 2)
    0.85
    """
    keys = ["dataset", "head"]
    table = stored.over_seeds(results, keys,
                              ("val_acc", "test_acc", "train_seconds"))
    parameters = results.groupby(keys, sort=False)["parameters"].first()
    table.insert(1, "parameters", parameters)
    return table


def comparison(results: Any, metric: str = "test_acc") -> Any:
    """Global average pooling against ``Flatten``, one row a data set.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows as :func:`read_results` returns them, with both heads.
    metric : str
        ``"test_acc"`` or ``"val_acc"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by data set: ``flatten`` and ``gap`` (the mean of
        ``metric`` over the seeds), ``gap_minus_flatten`` (in points, i.e.
        ×100), ``flatten_always_better`` (every Flatten run above every GAP
        run) and ``gap_always_better`` (the reverse).

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"dataset": ["d"] * 4,
    ...                      "head": ["flatten", "gap"] * 2,
    ...                      "test_acc": [0.90, 0.88, 0.91, 0.89]})
    >>> row = comparison(runs).loc["d"]
    >>> float(row["gap_minus_flatten"]), bool(row["flatten_always_better"])
    (-2.0, True)
    """
    import pandas as pd

    rows = {}
    for dataset, runs in results.groupby("dataset", sort=False):
        flat = runs.loc[runs["head"] == "flatten", metric]
        gap = runs.loc[runs["head"] == "gap", metric]
        if flat.empty or gap.empty:
            raise ValueError(f"{dataset}: no runs with both heads; run "
                             f"{COMMAND} --datasets {dataset}")
        difference = 100 * (gap.mean() - flat.mean())
        rows[dataset] = {"flatten": flat.mean(), "gap": gap.mean(),
                         "gap_minus_flatten": round(difference, 2),
                         "flatten_always_better": bool(flat.min() > gap.max()),
                         "gap_always_better": bool(gap.min() > flat.max())}
    return pd.DataFrame.from_dict(rows, orient="index")


def main(argv: Sequence[str] | None = None) -> Path:
    """The ``gap-vs-flatten`` task of ``python -m cnncourse.bench``."""
    parser = argparse.ArgumentParser(
        prog="python -m cnncourse.bench gap-vs-flatten",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True,
                        help=f"folder for {FILE_NAME}")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        metavar="N")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS,
                        default=list(DATASETS))
    parser.add_argument("--heads", nargs="+", choices=("flatten", "gap"),
                        default=["flatten", "gap"])
    args = parser.parse_args(argv)
    path = run(args.out, args.seeds, datasets=args.datasets, heads=args.heads)
    print(f"wrote {path}", flush=True)
    return path
