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
                             steps_per_epoch=models.fashion_steps_per_epoch(n_fit))
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


DOGS_VS_CATS_SIZE = 128  # input height and width of chapter 6's models
DOGS_VS_CATS_EPOCHS = 15  # epochs of chapter 6's CNN (the article's model: 3)


def run_dogs_vs_cats(out: Path) -> dict:
    """Train and save chapter 6's models; return the measured figures.

    Reads the photos found by :func:`cnncourse.datasets.dogs_vs_cats_frame`
    (``$CNNCOURSE_DATA``), splits them as chapter 6 does, fills the pipeline's
    cache (decoding is not training), then trains the article's model for 3
    epochs and the course's CNN for ``DOGS_VS_CATS_EPOCHS`` epochs, and saves
    the latter as ``out/dogs_vs_cats.keras``. Its input is float32 RGB 0-255
    at 128×128 (resize bilinearly first); its output ``(N, 1)`` is P(dog).

    Returns
    -------
    dict
        ``test_acc`` (course CNN), ``train_seconds`` (its ``fit``),
        ``seed_train_seconds`` (the article's 3-epoch ``fit``), ``n_train``,
        and ``seed_test_acc``, ``n_val``, ``n_test``, ``epochs``, ``load_avg``.
    """
    import os

    from cnncourse import repro

    repro.setup()
    from cnncourse import datasets, images, models
    from cnncourse.training import fit_timed

    frame, _problems = images.usable(datasets.dogs_vs_cats_frame())
    train, val, test = images.split(frame)
    parts = {
        name: images.make_dataset(part["filename"], images.labels_of(part),
                                  image_size=DOGS_VS_CATS_SIZE, batch_size=32,
                                  shuffle=name == "train")
        for name, part in (("train", train), ("val", val), ("test", test))
    }
    for ds in parts.values():  # decode every photo once into the cache
        for _ in ds:
            pass

    seed_model = models.article_cats_dogs_model(DOGS_VS_CATS_SIZE)
    _, seed_seconds = fit_timed(seed_model, parts["train"], validation_data=parts["val"],
                                epochs=3, verbose=2)
    seed_acc = seed_model.evaluate(parts["test"], verbose=0, return_dict=True)["accuracy"]

    model = models.cats_dogs_cnn(DOGS_VS_CATS_SIZE, epochs=DOGS_VS_CATS_EPOCHS,
                                 steps_per_epoch=len(parts["train"]))
    _, seconds = fit_timed(model, parts["train"], validation_data=parts["val"],
                           epochs=DOGS_VS_CATS_EPOCHS, verbose=2)
    test_acc = model.evaluate(parts["test"], verbose=0, return_dict=True)["accuracy"]
    model.save(out / "dogs_vs_cats.keras")
    return {
        "test_acc": round(float(test_acc), 4),
        "train_seconds": round(seconds, 1),
        "seed_train_seconds": round(seed_seconds, 1),
        "n_train": len(train),
        "seed_test_acc": round(float(seed_acc), 4),
        "n_val": len(val),
        "n_test": len(test),
        "epochs": DOGS_VS_CATS_EPOCHS,
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
