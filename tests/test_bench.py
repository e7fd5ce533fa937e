"""Tests of cnncourse.bench: the command line and its JSON contract (no real training)."""

from __future__ import annotations

import json
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


def test_run_fashion_mnist_on_a_tiny_data_set(tmp_path, monkeypatch):
    """The whole fashion-mnist task on 40 + 20 random images, 1 and 2 epochs."""
    from cnncourse import datasets, models

    rng = np.random.default_rng(0)

    def tiny() -> tuple:
        return ((rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), np.arange(40) % 10),
                (rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), np.arange(20) % 10))

    monkeypatch.setattr(datasets, "load_fashion_mnist", tiny)
    monkeypatch.setattr(models, "ARTICLE_EPOCHS", 1)
    monkeypatch.setattr(models, "FASHION_CNN_EPOCHS", 2)  # one of warm-up, one of decay
    result = bench.run_fashion_mnist(tmp_path)
    assert {"seed_val_acc", "seed_test_acc", "seed_train_seconds", "cnn_test_acc",
            "cnn_train_seconds", "cnn_plain_test_acc"} <= set(result)
    json.dumps(result)  # the command prints it as JSON
    assert all(0.0 <= result[k] <= 1.0 for k in ("seed_val_acc", "seed_test_acc", "cnn_test_acc",
                                                  "cnn_plain_test_acc"))
    assert result["cnn_train_seconds"] > 0

    import keras

    x = rng.random((3, 28, 28, 1), dtype=np.float32)
    for name in ("fashion_seed.keras", "fashion_cnn.keras"):
        probs = keras.saving.load_model(tmp_path / name).predict(x, verbose=0)
        assert probs.shape == (3, 10)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
