"""Tests of cnncourse.bench: the command line and its JSON contract.

The tasks run end to end on tiny, easy data sets (marked slow): every figure
they report must be the one of the run, and the models must have learnt.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from cnncourse import bench


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
def test_run_dogs_vs_cats_reports_its_own_run(no_data, monkeypatch, fits):
    """The whole dogs-vs-cats task on 200 photos (dogs bright, cats dark) and a broken one."""
    import keras
    from PIL import Image

    from cnncourse import datasets, images

    folder = no_data / "data" / "dogs-vs-cats" / "train"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(100):
        for name, low in (("cat", 0), ("dog", 150)):
            pixels = rng.integers(low, low + 100, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f"{name}.{i}.jpg")
    (folder / "cat.100.jpg").write_bytes(b"not a JPEG")  # skipped: 200 usable photos
    monkeypatch.setenv("CNNCOURSE_DATA", str(no_data / "data"))
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
