"""Does fine-tuning beat the head alone? The measurement chapter 7 shows.

``python -m cnncourse.bench fine-tune --out DIR`` does what chapter 7 does,
once per seed of :data:`SEEDS`: chapter 6's photos and split (3,500
training and 500 validation photos; the 1,000 test photos are never
read), 224-pixel photos through MobileNetV2's frozen ImageNet base (α =
1.0), each photo once, keeping its pooled features and the activations
entering :data:`cnncourse.transfer.TOP`. Then, for each seed, three
trainings, each seeded with :func:`cnncourse.repro.setup`:

``head``
    The head on the frozen features (:func:`cnncourse.transfer.head`,
    ``transfer.EPOCHS`` epochs, batch ``transfer.BATCH_SIZE``);
``bn frozen``
    the base's top from ``transfer.TOP`` fine-tuned with that seed's head
    (:func:`cnncourse.transfer.top_of_base`, ``transfer.FINE_TUNE_EPOCHS``
    epochs, learning rate ``transfer.FINE_TUNE_RATE``, batch 32), batch norm
    frozen (inference mode);
``bn trainable``
    the same with batch norm trainable (training mode in ``fit``).

Each run is scored on the 500 validation photos; one row a run goes to
``DIR/fine_tune_seeds.csv`` (:data:`COLUMNS`) as it ends. The course stores
the file in ``chapters/data/``; chapter 7 reads it with :func:`read_results`
and :func:`summary`. About 10 minutes on a 2-core CPU, most of it the
forward passes of the 4,000 photos.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cnncourse import stored

__all__ = ["COLUMNS", "FILE_NAME", "SEEDS", "SETUPS", "Features", "main",
           "prepare", "read_results", "run", "summary", "train_seed"]

COLUMNS = ("seed", "setup", "val_acc", "val_loss", "train_seconds")
SEEDS = (0, 1, 2)
SETUPS = {"head": None, "bn frozen": "frozen", "bn trainable": "trainable"}
"""Setup → ``batch_norm`` of :func:`cnncourse.transfer.top_of_base`
(``None``: the head alone on the frozen features)."""
FILE_NAME = "fine_tune_seeds.csv"
COMMAND = "python -m cnncourse.bench fine-tune --out DIR"


@dataclass
class Features:
    """What the trainings read, computed once: the base and its outputs.

    ``a_*`` are the activations entering ``top`` (``(N, 7, 7, 160)`` for
    MobileNetV2 at 224 pixels), ``f_*`` the pooled features
    (``(N, 1280)``), ``y_*`` the labels (1 for dog); ``seconds`` is the time
    of the forward passes.
    """

    base: Any
    top: str
    a_train: np.ndarray
    f_train: np.ndarray
    y_train: np.ndarray
    a_val: np.ndarray
    f_val: np.ndarray
    y_val: np.ndarray
    seconds: float


def prepare() -> Features:
    """Chapter 7's base and the features of chapter 6's training and validation photos.

    As chapter 7 does: the photos of :func:`cnncourse.datasets.dogs_vs_cats_frame`
    (2,500 a class, ``$CNNCOURSE_DATA``), split 3,500 / 500 / 1,000 with seed 42,
    read at ``transfer.IMAGE_SIZE`` pixels (decoded once, untimed), then through
    :func:`cnncourse.transfer.feature_model` with ``top=transfer.TOP``. The test
    photos are not read.

    Examples
    --------
    >>> data = prepare()  # doctest: +SKIP
    >>> data.a_train.shape, data.f_val.shape  # doctest: +SKIP
    ((3500, 7, 7, 160), (500, 1280))
    """
    from cnncourse import datasets, images, pretrained, repro, transfer

    repro.setup()
    frame, _ = images.usable(datasets.dogs_vs_cats_frame(n_per_class=2500))
    train, val, _test = images.split(frame, test_size=0.2, val_size=0.1, seed=42)
    size = transfer.IMAGE_SIZE
    pipelines = [images.make_dataset(part["filename"], images.labels_of(part),
                                     image_size=size, batch_size=32)
                 for part in (train, val)]
    for ds in pipelines:  # decode every photo once, untimed
        for _ in ds:
            pass
    base = pretrained.mobilenet_v2(pretrained.ALPHA, input_shape=(size, size, 3))
    extractor = transfer.feature_model(base, top=transfer.TOP)
    start = time.perf_counter()
    a_train, f_train, y_train = transfer.features(extractor, pipelines[0])
    a_val, f_val, y_val = transfer.features(extractor, pipelines[1])
    return Features(base, transfer.TOP, a_train, f_train, y_train, a_val, f_val,
                    y_val, time.perf_counter() - start)


def train_seed(data: Features, seed: int) -> list[dict[str, Any]]:
    """The three trainings of :data:`SETUPS` with ``seed``; one row each.

    The head is trained first; both fine-tunings start from it (the
    seed then changes their batch order and dropout). Each training is
    preceded by ``repro.setup(seed)``, as chapter 7 precedes its own with
    ``repro.setup()``.

    Returns
    -------
    list of dict
        The fields of :data:`COLUMNS`, in the order of :data:`SETUPS`;
        ``train_seconds`` is the ``fit`` alone (the forward passes of
        :func:`prepare` are not included).

    Examples
    --------
    >>> [row["setup"] for row in train_seed(prepare(), 0)]  # doctest: +SKIP
    ['head', 'bn frozen', 'bn trainable']
    """
    from cnncourse import repro, transfer
    from cnncourse.training import fit_timed

    rows = []
    repro.setup(seed)
    head = transfer.head(data.f_train.shape[1])
    _, seconds = fit_timed(head, data.f_train, data.y_train, epochs=transfer.EPOCHS,
                           batch_size=transfer.BATCH_SIZE,
                           validation_data=(data.f_val, data.y_val), verbose=0)
    rows.append(_row(seed, "head", head, data.f_val, data.y_val, seconds))
    for setup, batch_norm in SETUPS.items():
        if batch_norm is None:
            continue
        repro.setup(seed)
        tuned = transfer.top_of_base(data.base, head, data.top, batch_norm=batch_norm)
        _, seconds = fit_timed(tuned, data.a_train, data.y_train,
                               epochs=transfer.FINE_TUNE_EPOCHS,
                               batch_size=transfer.BATCH_SIZE,
                               validation_data=(data.a_val, data.y_val), verbose=0)
        rows.append(_row(seed, setup, tuned, data.a_val, data.y_val, seconds))
    return rows


def _row(seed: int, setup: str, model: Any, x: np.ndarray, y: np.ndarray,
         seconds: float) -> dict[str, Any]:
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    return {"seed": seed, "setup": setup, "val_acc": round(float(scores["accuracy"]), 4),
            "val_loss": round(float(scores["loss"]), 5),
            "train_seconds": round(seconds, 1)}


def run(out: str | os.PathLike, seeds: Sequence[int] = SEEDS) -> dict[str, Any]:
    """Compute the features once, train every seed, write ``out/fine_tune_seeds.csv``.

    Rows are written (and printed as JSON) as soon as each seed's three
    trainings end.

    Returns
    -------
    dict
        The summary: ``seeds``, ``feature_seconds``, for each setup the mean
        and standard deviation over the seeds of ``val_acc`` and
        ``val_loss`` (``head_val_acc``, ``head_val_acc_std``, …, with
        ``bn_frozen_…`` and ``bn_trainable_…``; the spreads are ``None``
        for one seed), ``csv`` (the path) and ``load_avg``.

    Examples
    --------
    >>> run("/tmp/fine", [0])["seeds"]  # doctest: +SKIP
    [0]
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("no seeds to run; give at least one, e.g. --seeds 0 1 2")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    data = prepare()
    note = (f"seeds {' '.join(map(str, seeds))}; val_acc and val_loss on chapter 6's "
            "500 validation photos; see cnncourse/fine_tune.py")
    with stored.table_writer(path, COMMAND, note, COLUMNS) as add:
        for seed in seeds:
            for row in train_seed(data, seed):
                add(row)
    table = summary(read_results(path))
    result: dict[str, Any] = {"seeds": seeds, "feature_seconds": round(data.seconds, 1)}
    for setup, numbers in table.iterrows():
        key = setup.replace(" ", "_")
        for column in ("val_acc", "val_loss"):
            result[f"{key}_{column}"] = round(float(numbers[column]), 5)
            spread = float(numbers[f"{column}_std"])  # NaN for one seed: null in JSON
            result[f"{key}_{column}_std"] = None if np.isnan(spread) else round(spread, 5)
    result["csv"] = str(path)
    result["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    return result


def read_results(path: str | os.PathLike | None = None) -> Any:
    """The stored runs as a DataFrame, one row a (seed, setup) (:data:`COLUMNS`).

    By default ``data/fine_tune_seeds.csv`` in the current folder
    (``chapters/``), else the repository's ``chapters/data/``, else the
    course's copy online: :func:`cnncourse.stored.locate`.

    Examples
    --------
    >>> read_results()["setup"].unique().tolist()  # doctest: +SKIP
    ['head', 'bn frozen', 'bn trainable']
    """
    return stored.read_csv(FILE_NAME, path)


def summary(results: Any) -> Any:
    """Mean, spread and range of each setup over the seeds.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows as :func:`read_results` returns them.

    Returns
    -------
    pandas.DataFrame
        Indexed by setup, in the order of :data:`SETUPS`: ``runs``, then for
        ``val_acc``, ``val_loss`` and ``train_seconds`` the mean, standard
        deviation over the seeds (``…_std``, ``ddof=1``), lowest and highest.

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"seed": [0, 1, 0, 1],
    ...                      "setup": ["head"] * 2 + ["bn frozen"] * 2,
    ...                      "val_acc": [0.99, 0.98, 0.98, 0.98],
    ...                      "val_loss": [0.03, 0.04, 0.05, 0.05],
    ...                      "train_seconds": [1.0, 1.0, 9.0, 11.0]})
    >>> summary(runs)[["runs", "val_acc", "val_loss_std", "train_seconds_max"]]
               runs  val_acc  val_loss_std  train_seconds_max
    setup
    head          2    0.985      0.007071                1.0
    bn frozen     2    0.980      0.000000               11.0
    """
    table = stored.over_seeds(results, ["setup"], ("val_acc", "val_loss", "train_seconds"))
    order = [setup for setup in SETUPS if setup in table.index]
    return table.loc[order + [s for s in table.index if s not in order]]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """The ``fine-tune`` task of ``python -m cnncourse.bench``: last line, the JSON summary."""
    parser = argparse.ArgumentParser(
        prog="python -m cnncourse.bench fine-tune",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help=f"folder for {FILE_NAME}")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), metavar="N",
                        help=f"seeds to run (default: {' '.join(map(str, SEEDS))})")
    args = parser.parse_args(argv)
    result = run(args.out, args.seeds)
    print(json.dumps(result), flush=True)
    return result
