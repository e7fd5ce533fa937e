"""Benchmarks of the course's models: ``python -m cnncourse.bench TASK --out DIR``.

Each task trains its models from scratch on this machine, saves them in
``DIR`` and prints, as its last line, one JSON object with what it measured.
Speed and accuracy targets are checked here, never in timed tests.

Tasks
-----
fashion-mnist
    The source article's one-convolution model (3 epochs) and the course's
    better CNN (chapter 5). ``--cnn KEY=VALUE`` (repeatable) trains a variant
    of the CNN instead, e.g. ``--cnn "filters=(32, 64, 128)" --cnn epochs=12``,
    to measure a point of the accuracy-against-time frontier.
dogs-vs-cats
    The article's model (3 epochs) and the course's better model (chapter 6).
transfer
    Chapter 7's model: a head on MobileNetV2's frozen ImageNet features,
    saved as ``transfer.keras``, and chapter 6's network from scratch in the
    same run. ``--transfer KEY=VALUE`` (repeatable) measures another point
    of the frontier, e.g. ``--transfer alpha=0.35 --transfer image_size=128``;
    ``--no-scratch`` skips chapter 6's network.
photos-per-class
    Chapter 6's network from scratch on 10 to 1,750 photos a class, several
    seeds at the small sizes: one CSV row a run, and the test photos the
    full run gets wrong (:mod:`cnncourse.few_photos`).
gap-vs-flatten
    Chapters 5 and 6's networks with ``Flatten`` and with global average
    pooling, ``--seeds 0 1 2``: one CSV row a run (:mod:`cnncourse.heads`).
fine-tune
    Chapter 7's head on frozen features against its fine-tuned top, batch
    norm frozen and trainable, ``--seeds 0 1 2``: one CSV row a run
    (:mod:`cnncourse.fine_tune`).

``--random-seed N`` seeds both trainings of either task with ``N`` instead of
the course's fixed seed, to see how much a figure moves from one seed to the
next. (In the JSON, ``seed_…`` figures are the article's model, the seed the
course grew from; ``random_seed`` is this number.)
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["main"]


def fashion_cnn_options(options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings of the CNN that ``fashion-mnist`` trains, with ``options`` applied.

    Parameters
    ----------
    options : dict, optional
        Keyword arguments of :func:`cnncourse.models.fashion_cnn` (except
        ``steps_per_epoch``, which follows from the others) and
        ``batch_size``; what is not given keeps chapter 5's value.

    Returns
    -------
    dict
        ``epochs`` and ``batch_size`` (chapter 5's by default), then
        ``options`` as given.

    Raises
    ------
    ValueError
        For a key that is neither, naming the keys allowed.

    Examples
    --------
    >>> fashion_cnn_options({"epochs": 12})["epochs"]
    12
    """
    from cnncourse import models

    allowed = set(inspect.signature(models.fashion_cnn).parameters) - {"steps_per_epoch"}
    allowed.add("batch_size")
    unknown = sorted(set(options or {}) - allowed)
    if unknown:
        raise ValueError(f"unknown fashion_cnn option(s) {', '.join(unknown)}; "
                         f"choose among {', '.join(sorted(allowed))}")
    return {"epochs": models.FASHION_CNN_EPOCHS, "batch_size": models.FASHION_CNN_BATCH_SIZE,
            **(options or {})}


def run_fashion_mnist(out: Path, *, cnn_options: dict[str, Any] | None = None,
                      random_seed: int | None = None) -> dict:
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

    Parameters
    ----------
    out : Path
        Existing folder for the saved models.
    cnn_options : dict, optional
        A variant of the CNN: see :func:`fashion_cnn_options`.
    random_seed : int, optional
        Seed of both trainings (default: the course's, ``repro.DEFAULT_SEED``).

    Returns
    -------
    dict
        ``seed_val_acc``, ``seed_test_acc``, ``seed_train_seconds``,
        ``cnn_val_acc``, ``cnn_test_acc``, ``cnn_train_seconds`` (wall-clock
        seconds of ``fit``), ``cnn_plain_val_acc`` and ``cnn_plain_test_acc``
        (the CNN without mirror averaging), ``time_ratio`` (CNN / article) and
        ``load_1min`` (the machine's 1-minute load average at the end); then
        ``cnn_options`` (as :func:`fashion_cnn_options` completes them) when
        ``cnn_options`` is given, and ``random_seed`` when it is given.
    """
    import os

    from cnncourse import repro

    used = fashion_cnn_options(cnn_options)  # a typo fails before minutes of training
    settings = dict(used)
    epochs, batch_size = settings.pop("epochs"), settings.pop("batch_size")
    seed = repro.DEFAULT_SEED if random_seed is None else random_seed
    repro.setup(seed)
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

    repro.setup(seed)
    article = models.article_fashion_model()
    _, seed_seconds = fit_timed(article, x_train, y_train, epochs=models.ARTICLE_EPOCHS,
                                verbose=2, validation_split=models.FASHION_VALIDATION_SPLIT)
    article.save(out / "fashion_seed.keras")
    repro.setup(seed)
    cnn = models.fashion_cnn(epochs=epochs, **settings,
                             steps_per_epoch=models.fashion_steps_per_epoch(n_fit, batch_size))
    _, cnn_seconds = fit_timed(cnn, x_train, y_train, epochs=epochs, batch_size=batch_size,
                               verbose=2, validation_split=models.FASHION_VALIDATION_SPLIT)
    final = models.mirror_averaged(cnn)
    final.save(out / "fashion_cnn.keras")
    result = dict(zip(("seed_val_acc", "seed_test_acc"), accuracies(article)))
    result["seed_train_seconds"] = round(seed_seconds, 1)
    result.update(zip(("cnn_val_acc", "cnn_test_acc"), accuracies(final)))
    result["cnn_train_seconds"] = round(cnn_seconds, 1)
    result.update(zip(("cnn_plain_val_acc", "cnn_plain_test_acc"), accuracies(cnn)))
    result["time_ratio"] = round(cnn_seconds / seed_seconds, 2)
    result["load_1min"] = round(os.getloadavg()[0], 2)
    if cnn_options is not None:
        result["cnn_options"] = used
    if random_seed is not None:
        result["random_seed"] = random_seed
    return result


ARTICLE_CATS_DOGS_SIZE = 128  # the article's model reads 128×128 photos, as in the article


def run_dogs_vs_cats(out: Path, *, random_seed: int | None = None) -> dict:
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
    ``random_seed`` (default: the course's) seeds both trainings.

    Returns
    -------
    dict
        ``test_acc`` and ``val_acc`` (course CNN), ``train_seconds`` (its
        ``fit``), ``seed_train_seconds`` (the article's 3-epoch ``fit``),
        ``time_ratio`` (the two divided), ``n_train``, and ``seed_val_acc``,
        ``seed_test_acc``, ``n_val``, ``n_test``, ``epochs``, ``image_size``,
        ``load_avg``; ``random_seed`` when it is given.
    """
    import os

    from cnncourse import repro

    seed = repro.DEFAULT_SEED if random_seed is None else random_seed
    repro.setup(seed)
    from cnncourse import models
    from cnncourse.training import fit_timed

    train, val, test = _dogs_vs_cats_split()
    seed_train, seed_val, seed_test = _pipelines((train, val, test), ARTICLE_CATS_DOGS_SIZE)
    train_ds, val_ds, test_ds = _pipelines((train, val, test), models.CATS_DOGS_SIZE)

    seed_model = models.article_cats_dogs_model(ARTICLE_CATS_DOGS_SIZE)
    _, seed_seconds = fit_timed(seed_model, seed_train, validation_data=seed_val,
                                epochs=models.ARTICLE_EPOCHS, verbose=2)
    model, seconds = _train_cats_dogs_cnn(train_ds, val_ds, seed)
    model.save(out / "dogs_vs_cats.keras")

    result = {
        "test_acc": _accuracy(model, test_ds),
        "val_acc": _accuracy(model, val_ds),
        "train_seconds": round(seconds, 1),
        "seed_train_seconds": round(seed_seconds, 1),
        "time_ratio": round(seconds / seed_seconds, 2),
        "n_train": len(train),
        "seed_val_acc": _accuracy(seed_model, seed_val),
        "seed_test_acc": _accuracy(seed_model, seed_test),
        "n_val": len(val),
        "n_test": len(test),
        "epochs": models.CATS_DOGS_EPOCHS,
        "image_size": models.CATS_DOGS_SIZE,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
    if random_seed is not None:
        result["random_seed"] = random_seed
    return result


def _dogs_vs_cats_split() -> tuple[Any, Any, Any]:
    """Chapter 6's photos (``$CNNCOURSE_DATA``), readable ones, split as the chapter does."""
    from cnncourse import datasets, images

    frame, _problems = images.usable(datasets.dogs_vs_cats_frame())
    return images.split(frame)


def _pipelines(parts: tuple[Any, Any, Any], size: int) -> list[Any]:
    """Chapter 6's pipelines of (train, val, test) at ``size``, caches filled.

    Decoding every photo once here keeps it out of the training times.
    """
    from cnncourse import images

    train = parts[0]
    datasets = [images.make_dataset(part["filename"], images.labels_of(part), image_size=size,
                                    batch_size=32, shuffle=part is train)
                for part in parts]
    for ds in datasets:  # decode every photo once into the cache
        for _ in ds:
            pass
    return datasets


def _train_cats_dogs_cnn(train_ds: Any, val_ds: Any, seed: int) -> tuple[Any, float]:
    """Chapter 6's network trained from scratch as the chapter does; (model, fit seconds)."""
    from cnncourse import models, repro
    from cnncourse.training import fit_timed

    repro.setup(seed)
    model = models.cats_dogs_cnn(models.CATS_DOGS_SIZE, epochs=models.CATS_DOGS_EPOCHS,
                                 steps_per_epoch=len(train_ds))
    _, seconds = fit_timed(model, train_ds, validation_data=val_ds,
                           epochs=models.CATS_DOGS_EPOCHS, verbose=2)
    return model, seconds


def _accuracy(model: Any, ds: Any) -> float:
    return round(float(model.evaluate(ds, verbose=0, return_dict=True)["accuracy"]), 4)


def run_transfer(out: Path, *, random_seed: int | None = None,
                 transfer_options: dict[str, Any] | None = None,
                 scratch: bool = True) -> dict:
    """Train and save chapter 7's model; train chapter 6's network beside it.

    Loads MobileNetV2's ImageNet weights (:func:`cnncourse.pretrained.mobilenet_v2`,
    ``transfer.ALPHA`` unless ``transfer_options`` says otherwise), trains
    chapter 7's head on chapter 6's split (:func:`cnncourse.transfer.train`)
    and saves the whole model as ``out/transfer.keras``: input float32 RGB
    0-255 at ``image_size`` (resize bilinearly first), output ``(N, 1)``,
    P(dog). Then trains chapter 6's network from scratch exactly as
    ``dogs-vs-cats`` does (not saved). Decoding the photos is not training;
    the test photos are only evaluated, once both models are trained.

    Parameters
    ----------
    out : Path
        Existing folder for the saved model.
    random_seed : int, optional
        Seed of both trainings (default: the course's).
    transfer_options : dict, optional
        ``alpha``, ``image_size`` and keywords of
        :func:`cnncourse.transfer.train` (``epochs``, ``flips``, ...), to
        measure a point of the frontier; the chapter's values otherwise.
    scratch : bool
        Train chapter 6's network too (without it, no ``scratch_`` figures
        and no ``time_ratio``).

    Returns
    -------
    dict
        ``val_acc``, ``test_acc``, ``train_seconds`` (weights loaded to
        trained model, forward passes through the base included),
        ``scratch_val_acc``, ``scratch_test_acc``, ``scratch_train_seconds``,
        ``time_ratio`` (transfer / scratch), ``alpha``, ``image_size``,
        ``options`` (the head's training) and ``load_avg`` (1, 5 and 15
        minutes, at the end); ``random_seed`` when it is given.
    """
    import os

    from cnncourse import repro

    seed = repro.DEFAULT_SEED if random_seed is None else random_seed
    repro.setup(seed)
    from cnncourse import models, pretrained, transfer

    options = transfer_options_of(transfer_options)
    alpha, size = options.pop("alpha"), options.pop("image_size")
    parts = _dogs_vs_cats_split()
    train_ds, val_ds, test_ds = _pipelines(parts, size)
    base = pretrained.mobilenet_v2(alpha, input_shape=(size, size, 3))
    repro.setup(seed)
    model, _, seconds = transfer.train(base, train_ds, val_ds, **options)
    model.save(out / "transfer.keras")
    result = {
        "val_acc": _accuracy(model, val_ds),
        "test_acc": _accuracy(model, test_ds),
        "train_seconds": round(seconds, 1),
        "load_avg_transfer": [round(x, 2) for x in os.getloadavg()],
    }
    if scratch:
        scratch_parts = _pipelines(parts, models.CATS_DOGS_SIZE)
        cnn, scratch_seconds = _train_cats_dogs_cnn(*scratch_parts[:2], seed)
        result.update({
            "scratch_val_acc": _accuracy(cnn, scratch_parts[1]),
            "scratch_test_acc": _accuracy(cnn, scratch_parts[2]),
            "scratch_train_seconds": round(scratch_seconds, 1),
            "time_ratio": round(seconds / scratch_seconds, 2),
        })
    result.update({"alpha": alpha, "image_size": size, "options": options,
                   "load_avg": [round(x, 2) for x in os.getloadavg()]})
    if random_seed is not None:
        result["random_seed"] = random_seed
    return result


def transfer_options_of(options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings ``transfer`` trains with: the chapter's, with ``options`` applied.

    Raises
    ------
    ValueError
        For a key that is not ``alpha``, ``image_size`` or a keyword of
        :func:`cnncourse.transfer.train`, naming the keys allowed.

    Examples
    --------
    >>> transfer_options_of({"epochs": 3})["epochs"]
    3
    """
    from cnncourse import pretrained, transfer

    chapter = {"alpha": pretrained.ALPHA, "image_size": transfer.IMAGE_SIZE,
               "epochs": transfer.EPOCHS, "flips": transfer.FLIPS,
               "dropout": transfer.DROPOUT, "learning_rate": transfer.LEARNING_RATE,
               "batch_size": transfer.BATCH_SIZE}
    unknown = sorted(set(options or {}) - set(chapter))
    if unknown:
        raise ValueError(f"unknown transfer option(s) {', '.join(unknown)}; "
                         f"choose among {', '.join(sorted(chapter))}")
    return {**chapter, **(options or {})}


TASKS: dict[str, Callable[..., dict]] = {
    "fashion-mnist": run_fashion_mnist,
    "dogs-vs-cats": run_dogs_vs_cats,
    "transfer": run_transfer,
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    own = {"gap-vs-flatten": "heads", "photos-per-class": "few_photos",
           "fine-tune": "fine_tune"}  # tasks with their own options
    if argv[:1] and argv[0] in own:
        import importlib

        importlib.import_module(f"cnncourse.{own[argv[0]]}").main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m cnncourse.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--out", type=Path, required=True, help="folder for the saved models")
    parser.add_argument("--cnn", action="append", default=[], metavar="KEY=VALUE",
                        help="fashion-mnist only: train this variant of the CNN (a keyword of "
                             "cnncourse.models.fashion_cnn, or batch_size; VALUE a Python literal); "
                             "repeatable")
    parser.add_argument("--transfer", action="append", default=[], metavar="KEY=VALUE",
                        help="transfer only: train with this setting (alpha, image_size, or a "
                             "keyword of cnncourse.transfer.train); repeatable")
    parser.add_argument("--no-scratch", action="store_true",
                        help="transfer only: skip chapter 6's network (no scratch_ figures)")
    parser.add_argument("--random-seed", type=int, metavar="N",
                        help="seed both trainings with N instead of the course's seed")
    args = parser.parse_args(argv)
    kwargs: dict[str, Any] = {}
    for flag, task, values, check in (("--cnn", "fashion-mnist", args.cnn, fashion_cnn_options),
                                      ("--transfer", "transfer", args.transfer,
                                       transfer_options_of)):
        if not values:
            continue
        if args.task != task:
            parser.error(f"{flag} applies to the {task} task only")
        try:
            options = dict(_key_value(item, flag) for item in values)
            check(options)
        except ValueError as error:
            parser.error(str(error))
        kwargs[f"{flag[2:]}_options"] = options
    if args.no_scratch:
        if args.task != "transfer":
            parser.error("--no-scratch applies to the transfer task only")
        kwargs["scratch"] = False
    if args.random_seed is not None:
        kwargs["random_seed"] = args.random_seed
    args.out.mkdir(parents=True, exist_ok=True)
    result = TASKS[args.task](args.out, **kwargs)
    print(json.dumps(result), flush=True)


def _key_value(item: str, flag: str = "--cnn") -> tuple[str, Any]:
    """``"epochs=12"`` → ``("epochs", 12)``; the value is read as a Python literal."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"{flag} takes KEY=VALUE, e.g. epochs=12; got {item!r}")
    try:
        return key.strip(), ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        raise ValueError(f"the value of {flag} {item!r} is not a Python literal; quote strings "
                         f"(e.g. name='x') and write tuples as (16, 48, 96)") from None


if __name__ == "__main__":
    main()
