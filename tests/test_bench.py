"""Tests of cnncourse.bench: the command line and its JSON contract.

The tasks run end to end on tiny, easy data sets (marked slow): every figure
they report must be the one of the run, and the models must have learnt.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

from cnncourse import bench

_DATA = os.environ.get("CNNCOURSE_DATA")  # before a fixture unsets it


def test_bench_prints_the_task_result_as_its_last_line(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake_task(out: Path) -> dict:
        seen["out"] = out
        print("Epoch 1/1 - some training log")
        return {"cnn_test_acc": 0.5, "cnn_train_seconds": 1.0}

    monkeypatch.setitem(bench.TASKS, "fashion-mnist", fake_task)
    out = tmp_path / "new" / "folder"
    bench.main(["fashion-mnist", "--out", str(out)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == {"cnn_test_acc": 0.5, "cnn_train_seconds": 1.0}
    assert seen["out"] == out and out.is_dir()


@pytest.mark.parametrize("argv", [[], ["fashion-mnist"], ["no-such-task", "--out", "x"]])
def test_bench_rejects_a_missing_task_or_folder(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.main(argv)
    assert exit_info.value.code == 2
    assert "usage" in capsys.readouterr().err


@pytest.mark.parametrize("argv, expected", [
    (["fashion-mnist", "--cnn", "filters=(32, 64, 128)", "--cnn", " epochs = 12", "--cnn",
      "learning_rate=5e-3", "--random-seed", "7"],
     {"cnn_options": {"filters": (32, 64, 128), "epochs": 12, "learning_rate": 0.005},
      "random_seed": 7}),
    (["transfer", "--transfer", "alpha=0.35", "--transfer", "flips=False", "--no-scratch"],
     {"transfer_options": {"alpha": 0.35, "flips": False}, "scratch": False}),
])
def test_bench_passes_its_settings_to_the_task(argv, expected, tmp_path, monkeypatch, capsys):
    seen = {}

    def fake_task(out: Path, **kwargs) -> dict:
        seen.update(kwargs)
        return {"cnn_test_acc": 0.5}

    monkeypatch.setitem(bench.TASKS, argv[0], fake_task)
    bench.main([*argv, "--out", str(tmp_path)])
    assert seen == expected
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"cnn_test_acc": 0.5}


@pytest.mark.parametrize("argv, message", [
    (["dogs-vs-cats", "--cnn", "epochs=3"], "fashion-mnist task only"),
    (["fashion-mnist", "--cnn", "epochs"], "KEY=VALUE"),
    (["fashion-mnist", "--cnn", "epochs=twelve"], "not a Python literal"),
    (["fashion-mnist", "--cnn", "epoch=12"], "unknown fashion_cnn option(s) epoch; choose among"),
    (["fashion-mnist", "--cnn", "steps_per_epoch=10"], "unknown fashion_cnn option(s) steps_per"),
    (["fashion-mnist", "--random-seed", "one"], "invalid int value"),
])
def test_bench_rejects_a_bad_variant_before_training(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(bench.TASKS, "fashion-mnist", lambda out, **kwargs: pytest.fail("ran"))
    monkeypatch.setitem(bench.TASKS, "dogs-vs-cats", lambda out, **kwargs: pytest.fail("ran"))
    with pytest.raises(SystemExit) as exit_info:
        bench.main([*argv, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_fashion_cnn_options_complete_a_variant_with_chapter_5s_settings():
    from cnncourse import models

    chapter = {"epochs": models.FASHION_CNN_EPOCHS, "batch_size": models.FASHION_CNN_BATCH_SIZE}
    assert bench.fashion_cnn_options() == chapter
    assert bench.fashion_cnn_options({"filters": (8,), "epochs": 2}) == {
        **chapter, "filters": (8,), "epochs": 2}
    assert bench.fashion_cnn_options({"batch_size": 64})["batch_size"] == 64
    with pytest.raises(ValueError, match="filters") as error:
        bench.fashion_cnn_options({"filter": (8,)})
    assert "unknown fashion_cnn option(s) filter;" in str(error.value)


@pytest.fixture
def fits(monkeypatch) -> list[dict]:
    """Every ``training.fit_timed`` call of the task: its model, arguments and seconds."""
    from cnncourse import training

    calls = []
    real = training.fit_timed

    def recording(model, *args, **kwargs):
        history, seconds = real(model, *args, **kwargs)
        calls.append({"model": model, "kwargs": kwargs, "seconds": seconds})
        return history, seconds

    monkeypatch.setattr(training, "fit_timed", recording)
    return calls


def _bands(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST look-alikes (uint8 28×28) of an easy task: class k is a bright bar
    on rows 2k + 4 and 2k + 5, over noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    x = rng.integers(0, 80, (n, 28, 28), dtype=np.uint8)
    for i, k in enumerate(labels):
        x[i, 2 * k + 4:2 * k + 6] = 255
    return x, labels


@pytest.mark.slow
def test_run_fashion_mnist_reports_its_own_run(tmp_path, monkeypatch, fits):
    """The whole fashion-mnist task on 400 + 100 easy images, 3 epochs each."""
    import keras

    from cnncourse import datasets, models

    (x_train, y_train), (x_test, y_test) = data = _bands(400, seed=0), _bands(100, seed=1)
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda: data)
    monkeypatch.setattr(models, "ARTICLE_EPOCHS", 3)
    monkeypatch.setattr(models, "FASHION_CNN_EPOCHS", 3)  # one of warm-up, two of decay
    monkeypatch.setattr(models, "FASHION_CNN_BATCH_SIZE", 8)  # 120 steps, for batch norm's running statistics
    start = time.perf_counter()
    result = bench.run_fashion_mnist(tmp_path)
    elapsed = time.perf_counter() - start

    assert set(result) == {"seed_val_acc", "seed_test_acc", "seed_train_seconds", "cnn_val_acc",
                           "cnn_test_acc", "cnn_train_seconds", "cnn_plain_val_acc",
                           "cnn_plain_test_acc", "time_ratio", "load_1min"}
    assert json.loads(json.dumps(result)) == result  # the command prints it as JSON

    # Trained as documented: 3 epochs each, on the first 80 %, logged a line an epoch.
    assert [call["kwargs"]["epochs"] for call in fits] == [3, 3]
    assert all(call["kwargs"]["verbose"] == 2 and call["kwargs"]["validation_split"] == 0.2
               for call in fits)
    cnn = fits[1]["model"]
    steps = math.ceil(320 / 8)
    assert int(cnn.optimizer.iterations) == 3 * steps
    assert float(cnn.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-6)  # schedule spent

    # The seconds are those of the two fits, and the ratio theirs.
    seed_seconds, cnn_seconds = (call["seconds"] for call in fits)
    assert result["seed_train_seconds"] == round(seed_seconds, 1)
    assert result["cnn_train_seconds"] == round(cnn_seconds, 1)
    assert result["time_ratio"] == round(cnn_seconds / seed_seconds, 2)
    assert 0 < seed_seconds + cnn_seconds < elapsed
    assert result["load_1min"] >= 0

    # The accuracies are those of the saved models on the last 20 % and on the test images.
    x_val = x_train[320:, :, :, None] / 255.0
    y_val = keras.utils.to_categorical(y_train[320:], 10)
    x_new = x_test[:, :, :, None] / 255.0
    y_new = keras.utils.to_categorical(y_test, 10)
    for name, prefix in (("fashion_seed.keras", "seed"), ("fashion_cnn.keras", "cnn")):
        saved = keras.saving.load_model(tmp_path / name)
        for x, y, part in ((x_val, y_val, "val"), (x_new, y_new, "test")):
            accuracy = saved.evaluate(x, y, verbose=0)[1]
            assert result[f"{prefix}_{part}_acc"] == pytest.approx(accuracy, abs=1e-4), name
        probs = saved.predict(x_new[:3], verbose=0)
        assert probs.shape == (3, 10)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)

    # ... and they have learnt the easy task (chance: 0.1).
    assert result["seed_test_acc"] >= 0.8, result
    assert min(result["cnn_test_acc"], result["cnn_plain_test_acc"]) >= 0.3, result


@pytest.mark.slow
def test_run_fashion_mnist_trains_the_variant_asked_for(tmp_path, monkeypatch, fits):
    """A variant (one block of 8 filters, 2 epochs of 16 images) with another seed."""
    from cnncourse import datasets, models, repro

    data = _bands(400, seed=0), _bands(100, seed=1)
    monkeypatch.setattr(datasets, "load_fashion_mnist", lambda: data)
    monkeypatch.setattr(models, "ARTICLE_EPOCHS", 1)
    seeds = []
    real_setup = repro.setup
    monkeypatch.setattr(repro, "setup", lambda seed=repro.DEFAULT_SEED, **kw: (
        seeds.append(seed), real_setup(seed, **kw))[1])
    options = {"filters": (8,), "epochs": 2, "batch_size": 16, "dense_units": 32}
    result = bench.run_fashion_mnist(tmp_path, cnn_options=options, random_seed=3)

    assert seeds and set(seeds) == {3}
    assert result["random_seed"] == 3
    assert result["cnn_options"] == {**options}
    assert json.loads(json.dumps(result))["cnn_options"]["filters"] == [8]  # as printed
    assert [call["kwargs"]["epochs"] for call in fits] == [1, 2]
    cnn = fits[1]["model"]
    assert fits[1]["kwargs"]["batch_size"] == 16
    assert [layer.filters for layer in cnn.layers if hasattr(layer, "filters")] == [8]
    assert [layer.units for layer in cnn.layers if hasattr(layer, "units")] == [32, 10]
    assert int(cnn.optimizer.iterations) == 2 * math.ceil(320 / 16)
    assert float(cnn.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-6)  # schedule spent


def _bright_dogs(no_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """200 photos (dogs bright, cats dark) and a broken one under a fresh CNNCOURSE_DATA."""
    from PIL import Image

    folder = no_data / "data" / "dogs-vs-cats" / "train"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(100):
        for name, low in (("cat", 0), ("dog", 150)):
            pixels = rng.integers(low, low + 100, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{name}.{i}.jpg")
    (folder / "cat.100.jpg").write_bytes(b"not a JPEG")  # skipped: 200 usable photos
    monkeypatch.setenv("CNNCOURSE_DATA", str(no_data / "data"))
    return no_data / "data"


@pytest.mark.slow
def test_run_dogs_vs_cats_reports_its_own_run(no_data, monkeypatch, fits):
    """The whole dogs-vs-cats task on 200 photos (dogs bright, cats dark) and a broken one."""
    import keras

    from cnncourse import datasets, images

    _bright_dogs(no_data, monkeypatch)
    from cnncourse import models

    monkeypatch.setattr(bench, "ARTICLE_CATS_DOGS_SIZE", 40)
    monkeypatch.setattr(models, "CATS_DOGS_SIZE", 32)
    monkeypatch.setattr(models, "CATS_DOGS_EPOCHS", 20)  # 100 steps: batch norm statistics settle
    out = no_data / "out"
    out.mkdir()
    result = bench.run_dogs_vs_cats(out)

    assert set(result) == {"test_acc", "val_acc", "train_seconds", "seed_train_seconds",
                           "time_ratio", "n_train", "seed_val_acc", "seed_test_acc", "n_val",
                           "n_test", "epochs", "image_size", "load_avg"}
    assert json.loads(json.dumps(result)) == result
    assert (result["n_train"], result["n_val"], result["n_test"]) == (140, 20, 40)
    assert result["epochs"] == 20 and [call["kwargs"]["epochs"] for call in fits] == [3, 20]
    assert all(call["kwargs"]["verbose"] == 2 for call in fits)
    assert int(fits[1]["model"].optimizer.iterations) == 20 * math.ceil(140 / 32)
    assert result["seed_train_seconds"] == round(fits[0]["seconds"], 1)
    assert result["train_seconds"] == round(fits[1]["seconds"], 1)
    assert result["time_ratio"] == round(fits[1]["seconds"] / fits[0]["seconds"], 2)
    assert result["image_size"] == 32 and fits[1]["model"].input_shape == (None, 32, 32, 3)
    assert fits[0]["model"].input_shape == (None, 40, 40, 3)  # the article's size
    assert len(result["load_avg"]) == 3
    for key in ("test_acc", "seed_test_acc"):  # a share of the 40 test photos
        assert result[key] * 40 == pytest.approx(round(result[key] * 40), abs=1e-3), result

    # The saved model is the one measured: same accuracy on the same test photos.
    _, _, test = images.split(images.usable(datasets.dogs_vs_cats_frame())[0])
    test_ds = images.make_dataset(test["filename"], images.labels_of(test), image_size=32,
                                  batch_size=32)
    saved = keras.saving.load_model(out / "dogs_vs_cats.keras")
    assert saved.evaluate(test_ds, verbose=0, return_dict=True)["accuracy"] == pytest.approx(
        result["test_acc"], abs=1e-4)
    assert result["test_acc"] >= 0.8, result  # chance: 0.5


@pytest.mark.parametrize("argv, message", [
    (["dogs-vs-cats", "--transfer", "epochs=3"], "transfer task only"),
    (["fashion-mnist", "--no-scratch"], "transfer task only"),
    (["transfer", "--cnn", "epochs=3"], "fashion-mnist task only"),
    (["transfer", "--transfer", "epoch=3"], "unknown transfer option(s) epoch; choose among"),
    (["transfer", "--transfer", "alpha"], "--transfer takes KEY=VALUE"),
])
def test_bench_rejects_bad_transfer_settings(argv, message, tmp_path, monkeypatch, capsys):
    for task in ("transfer", "dogs-vs-cats", "fashion-mnist"):
        monkeypatch.setitem(bench.TASKS, task, lambda out, **kwargs: pytest.fail("ran"))
    with pytest.raises(SystemExit) as exit_info:
        bench.main([*argv, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_transfer_options_are_the_chapters_unless_given():
    from cnncourse import pretrained, transfer

    options = bench.transfer_options_of()
    assert options["alpha"] == pretrained.ALPHA and options["image_size"] == transfer.IMAGE_SIZE
    assert options["epochs"] == transfer.EPOCHS and options["flips"] == transfer.FLIPS
    assert bench.transfer_options_of({"image_size": 96})["image_size"] == 96
    import inspect

    keywords = set(inspect.signature(transfer.train).parameters) - {"base", "train_ds", "val_ds"}
    assert set(options) == keywords | {"alpha", "image_size"}


@pytest.mark.slow
def test_run_transfer_reports_its_own_run(no_data, monkeypatch, fits):
    """The transfer task on the 200 bright-dog photos, α = 0.35 at 32 px, beside chapter 6's."""
    import shutil

    import keras

    from cnncourse import datasets, images, models, pretrained

    shared = Path(_DATA or "/nonexistent") / pretrained.FOLDER
    if not (shared / pretrained.SHARED_FILES[0.35]).is_file():
        pytest.skip("needs the shared MobileNetV2 weights (set CNNCOURSE_DATA)")
    data = _bright_dogs(no_data, monkeypatch)
    (data / pretrained.FOLDER).mkdir()
    shutil.copyfile(shared / pretrained.SHARED_FILES[0.35],
                    data / pretrained.FOLDER / pretrained.SHARED_FILES[0.35])
    monkeypatch.setattr(models, "CATS_DOGS_SIZE", 32)
    monkeypatch.setattr(models, "CATS_DOGS_EPOCHS", 3)
    out = no_data / "out"
    out.mkdir()
    options = {"alpha": 0.35, "image_size": 32, "epochs": 10, "learning_rate": 0.01}
    start = time.perf_counter()
    result = bench.run_transfer(out, transfer_options=options)
    elapsed = time.perf_counter() - start

    assert {"val_acc", "test_acc", "train_seconds", "scratch_test_acc", "scratch_train_seconds",
            "alpha", "image_size"} <= set(result)
    assert json.loads(json.dumps(result)) == result
    assert (result["alpha"], result["image_size"]) == (0.35, 32)
    assert result["options"] == {k: v for k, v in bench.transfer_options_of(options).items()
                                 if k not in ("alpha", "image_size")}
    assert result["options"]["epochs"] == 10
    assert [call["kwargs"]["epochs"] for call in fits] == [3]  # chapter 6's, from scratch
    assert result["scratch_train_seconds"] == round(fits[0]["seconds"], 1)
    assert 0 < result["train_seconds"] + result["scratch_train_seconds"] < elapsed
    # The ratio is of the unrounded times; each time printed is rounded to
    # 0.1 s, so the ratio of the printed ones lies within these bounds.
    train, scratch = result["train_seconds"], result["scratch_train_seconds"]
    low, high = (train - 0.05) / (scratch + 0.05), (train + 0.05) / (scratch - 0.05)
    assert low - 0.005 <= result["time_ratio"] <= high + 0.005

    # The saved model takes 0-255 photos at 32 px and is the one measured.
    _, _, test = images.split(images.usable(datasets.dogs_vs_cats_frame())[0])
    test_ds = images.make_dataset(test["filename"], images.labels_of(test), image_size=32,
                                  batch_size=32)
    saved = keras.saving.load_model(out / "transfer.keras")
    assert saved.input_shape == (None, 32, 32, 3)
    assert saved.evaluate(test_ds, verbose=0, return_dict=True)["accuracy"] == pytest.approx(
        result["test_acc"], abs=1e-4)
    probs = saved.predict(np.full((2, 32, 32, 3), 255.0, "float32"), verbose=0)
    assert probs.shape == (2, 1) and ((0 <= probs) & (probs <= 1)).all()
    assert result["test_acc"] >= 0.8, result  # chance: 0.5


def test_bench_docstring_examples_hold():
    import doctest

    result = doctest.testmod(bench)
    assert result.attempted >= 1 and result.failed == 0
