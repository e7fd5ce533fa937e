"""Benchmarks of the course's models: ``python -m cnncourse.bench TASK --out DIR``.

Each task trains its models from scratch on this machine, saves them in
``DIR`` and prints, as its last line, one JSON object with what it measured.
Speed and accuracy targets are checked here, never in timed tests.

Tasks
-----
fashion-mnist
    The source article's one-convolution model (3 epochs) and the course's
    better CNN (chapter 5).
dogs-vs-cats
    The article's model (3 epochs) and the course's better model (chapter 6).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["main"]


def run_fashion_mnist(out: Path) -> dict:
    """Train and save chapter 5's two models; return the measured figures.

    Trains, exactly as the notebook does, the source article's model
    (:func:`cnncourse.models.article_fashion_model`, 3 epochs) and the
    course's CNN (:func:`cnncourse.models.fashion_cnn`), each on the first
    80 % of the training images with the last 20 % for validation
    (``validation_split=0.2``), and wraps the CNN with
    :func:`cnncourse.models.mirror_averaged` (test-time flips, chosen on the
    validation images). The test set is only evaluated, once a model is
    trained. Saves ``out/fashion_seed.keras`` and ``out/fashion_cnn.keras``
    (the wrapped CNN), both with input float32 ``(N, 28, 28, 1)`` in [0, 1]
    and output 10 probabilities.

    Returns
    -------
    dict
        ``seed_val_acc``, ``seed_test_acc``, ``seed_train_seconds``,
        ``cnn_val_acc``, ``cnn_test_acc``, ``cnn_train_seconds`` (wall-clock
        seconds of ``fit``), ``cnn_plain_val_acc`` and ``cnn_plain_test_acc``
        (the CNN without mirror averaging), ``time_ratio`` (CNN / article) and
        ``load_1min`` (the machine's 1-minute load average at the end).
    """
    import os

    from cnncourse import repro

    repro.setup()
    import keras

    from cnncourse import datasets, models
    from cnncourse.training import fit_timed

    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    x_test = x_test.reshape(-1, 28, 28, 1).astype("float32") / 255.0
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)

    n_fit = len(x_train) - int(len(x_train) * models.FASHION_VALIDATION_SPLIT)
    x_val, y_val = x_train[n_fit:], y_train[n_fit:]

    def accuracies(model: Any) -> tuple[float, float]:
        return tuple(round(float(model.evaluate(x, y, verbose=0)[1]), 4)
                     for x, y in ((x_val, y_val), (x_test, y_test)))

    repro.setup()
    seed = models.article_fashion_model()
    _, seed_seconds = fit_timed(seed, x_train, y_train, epochs=models.ARTICLE_EPOCHS, verbose=2,
                                validation_split=models.FASHION_VALIDATION_SPLIT)
    seed.save(out / "fashion_seed.keras")
    repro.setup()
    cnn = models.fashion_cnn(epochs=models.FASHION_CNN_EPOCHS,
                             steps_per_epoch=models.fashion_steps_per_epoch(
                                 n_fit, models.FASHION_CNN_BATCH_SIZE))
    _, cnn_seconds = fit_timed(cnn, x_train, y_train, epochs=models.FASHION_CNN_EPOCHS,
                               batch_size=models.FASHION_CNN_BATCH_SIZE, verbose=2,
                               validation_split=models.FASHION_VALIDATION_SPLIT)
    final = models.mirror_averaged(cnn)
    final.save(out / "fashion_cnn.keras")
    result = dict(zip(("seed_val_acc", "seed_test_acc"), accuracies(seed)))
    result["seed_train_seconds"] = round(seed_seconds, 1)
    result.update(zip(("cnn_val_acc", "cnn_test_acc"), accuracies(final)))
    result["cnn_train_seconds"] = round(cnn_seconds, 1)
    result.update(zip(("cnn_plain_val_acc", "cnn_plain_test_acc"), accuracies(cnn)))
    result["time_ratio"] = round(cnn_seconds / seed_seconds, 2)
    result["load_1min"] = round(os.getloadavg()[0], 2)
    return result


ARTICLE_CATS_DOGS_SIZE = 128  # the article's model reads 128×128 photos, as in the article


def run_dogs_vs_cats(out: Path) -> dict:
    """Train and save chapter 6's models; return the measured figures.

    Reads the photos found by :func:`cnncourse.datasets.dogs_vs_cats_frame`
    (``$CNNCOURSE_DATA``), splits them as chapter 6 does, fills the pipelines'
    caches (decoding is not training), then trains, exactly as the chapter
    does, the article's model for 3 epochs at ``ARTICLE_CATS_DOGS_SIZE`` and
    the course's CNN (:func:`cnncourse.models.cats_dogs_cnn`) for
    ``models.CATS_DOGS_EPOCHS`` epochs at ``models.CATS_DOGS_SIZE``, and saves
    the latter as ``out/dogs_vs_cats.keras``. Its input is float32 RGB 0-255
    at that size (resize bilinearly first); its output ``(N, 1)`` is P(dog).
    The test photos are only evaluated, once both models are trained.

    Returns
    -------
    dict
        ``test_acc`` and ``val_acc`` (course CNN), ``train_seconds`` (its
        ``fit``), ``seed_train_seconds`` (the article's 3-epoch ``fit``),
        ``time_ratio`` (the two divided), ``n_train``, and ``seed_val_acc``,
        ``seed_test_acc``, ``n_val``, ``n_test``, ``epochs``, ``image_size``,
        ``load_avg``.
    """
    import os

    from cnncourse import repro

    repro.setup()
    from cnncourse import datasets, images, models
    from cnncourse.training import fit_timed

    frame, _problems = images.usable(datasets.dogs_vs_cats_frame())
    train, val, test = images.split(frame)

    def pipelines(size: int) -> list[Any]:
        parts = [images.make_dataset(part["filename"], images.labels_of(part), image_size=size,
                                     batch_size=32, shuffle=part is train)
                 for part in (train, val, test)]
        for ds in parts:  # decode every photo once into the cache
            for _ in ds:
                pass
        return parts

    seed_train, seed_val, seed_test = pipelines(ARTICLE_CATS_DOGS_SIZE)
    train_ds, val_ds, test_ds = pipelines(models.CATS_DOGS_SIZE)

    seed_model = models.article_cats_dogs_model(ARTICLE_CATS_DOGS_SIZE)
    _, seed_seconds = fit_timed(seed_model, seed_train, validation_data=seed_val,
                                epochs=models.ARTICLE_EPOCHS, verbose=2)
    repro.setup()
    model = models.cats_dogs_cnn(models.CATS_DOGS_SIZE, epochs=models.CATS_DOGS_EPOCHS,
                                 steps_per_epoch=len(train_ds))
    _, seconds = fit_timed(model, train_ds, validation_data=val_ds,
                           epochs=models.CATS_DOGS_EPOCHS, verbose=2)
    model.save(out / "dogs_vs_cats.keras")

    def accuracy(m: Any, ds: Any) -> float:
        return round(float(m.evaluate(ds, verbose=0, return_dict=True)["accuracy"]), 4)

    return {
        "test_acc": accuracy(model, test_ds),
        "val_acc": accuracy(model, val_ds),
        "train_seconds": round(seconds, 1),
        "seed_train_seconds": round(seed_seconds, 1),
        "time_ratio": round(seconds / seed_seconds, 2),
        "n_train": len(train),
        "seed_val_acc": accuracy(seed_model, seed_val),
        "seed_test_acc": accuracy(seed_model, seed_test),
        "n_val": len(val),
        "n_test": len(test),
        "epochs": models.CATS_DOGS_EPOCHS,
        "image_size": models.CATS_DOGS_SIZE,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


TASKS: dict[str, Callable[[Path], dict]] = {
    "fashion-mnist": run_fashion_mnist,
    "dogs-vs-cats": run_dogs_vs_cats,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cnncourse.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--out", type=Path, required=True, help="folder for the saved models")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = TASKS[args.task](args.out)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
