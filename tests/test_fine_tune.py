"""cnncourse.fine_tune: chapter 7's fine-tuning over seeds, and what its stored runs say."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cnncourse import bench, fine_tune, transfer

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "chapters" / "data" / fine_tune.FILE_NAME


@pytest.fixture
def fake(monkeypatch) -> list:
    """``prepare`` and ``train_seed`` replaced: no photos, no training."""
    calls: list = []

    def prepare():
        calls.append("prepare")
        return fine_tune.Features(None, "top", *[np.zeros(2)] * 6, 12.34)

    def train_seed(data, seed):
        calls.append(seed)
        return [{"seed": seed, "setup": setup, "val_acc": 0.98 + i / 100,
                 "val_loss": 0.03 + seed / 100, "train_seconds": 1.0}
                for i, setup in enumerate(fine_tune.SETUPS)]

    monkeypatch.setattr(fine_tune, "prepare", prepare)
    monkeypatch.setattr(fine_tune, "train_seed", train_seed)
    return calls


def test_run_computes_the_features_once_and_writes_a_row_a_run(tmp_path, fake, capsys):
    result = fine_tune.run(tmp_path / "new", [2, 0])
    assert fake == ["prepare", 2, 0]
    path = tmp_path / "new" / fine_tune.FILE_NAME
    lines = path.read_text().splitlines()
    assert lines[0] == f"# Made by: {fine_tune.COMMAND}"
    assert "seeds 2 0" in lines[1] and lines[2] == ",".join(fine_tune.COLUMNS)
    runs = fine_tune.read_results(path)
    assert list(runs.columns) == list(fine_tune.COLUMNS) and len(runs) == 6
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == runs.to_dict("records")
    assert result["seeds"] == [2, 0] and result["feature_seconds"] == 12.3
    assert result["bn_trainable_val_acc"] == pytest.approx(1.0)
    assert result["head_val_loss"] == pytest.approx(0.04)
    assert result["head_val_loss_std"] == pytest.approx(0.01414, abs=1e-5)


def test_run_refuses_no_seeds_before_any_work(tmp_path, fake):
    with pytest.raises(ValueError, match="--seeds 0 1 2"):
        fine_tune.run(tmp_path, [])
    assert not fake and not (tmp_path / fine_tune.FILE_NAME).exists()


def test_bench_dispatches_fine_tune_and_ends_with_the_json_summary(tmp_path, fake, capsys):
    bench.main(["fine-tune", "--out", str(tmp_path), "--seeds", "7"])
    assert fake == ["prepare", 7]
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["seeds"] == [7] and last["csv"] == str(tmp_path / fine_tune.FILE_NAME)
    assert {"head_val_acc", "bn_frozen_val_acc", "load_avg"} <= set(last)
    assert last["bn_trainable_val_loss_std"] is None  # one seed: no spread, valid JSON


def test_summary_orders_the_setups_and_gives_mean_spread_and_range():
    runs = pd.DataFrame({"seed": [0, 0, 1, 1], "setup": ["bn frozen", "head"] * 2,
                         "val_acc": [0.97, 0.99, 0.98, 0.98],
                         "val_loss": [0.05, 0.03, 0.07, 0.03],
                         "train_seconds": [10.0, 1.0, 20.0, 1.0]})
    table = fine_tune.summary(runs)
    assert table.index.tolist() == ["head", "bn frozen"]
    frozen = table.loc["bn frozen"]
    assert frozen["runs"] == 2 and frozen["val_acc"] == pytest.approx(0.975)
    assert frozen["val_loss_std"] == pytest.approx(0.01414, abs=1e-5)
    assert (frozen["val_loss_min"], frozen["val_loss_max"]) == (0.05, 0.07)
    assert table.loc["head", "train_seconds_max"] == 1.0


@pytest.mark.slow  # trains a head and two tops on a small MobileNetV2 (about 10 s)
def test_train_seed_trains_the_three_setups_from_one_head():
    import keras

    from cnncourse import repro

    repro.setup(0)
    base = keras.applications.MobileNetV2(alpha=0.35, weights=None, input_shape=(32, 32, 3),
                                          include_top=False)
    base.trainable = False
    rng = np.random.default_rng(0)
    photos = rng.uniform(0, 255, (48, 32, 32, 3)).astype("float32")
    labels = np.arange(48) % 2
    a, f = transfer.feature_model(base, top=transfer.TOP).predict(photos, verbose=0)
    data = fine_tune.Features(base, transfer.TOP, a[:32], f[:32], labels[:32],
                              a[32:], f[32:], labels[32:], 1.0)
    rows = fine_tune.train_seed(data, 3)
    assert [row["setup"] for row in rows] == list(fine_tune.SETUPS)
    assert all(row["seed"] == 3 and set(row) == set(fine_tune.COLUMNS) for row in rows)
    assert all(0 <= row["val_acc"] <= 1 and row["val_loss"] > 0 for row in rows)
    again = fine_tune.train_seed(data, 3)
    assert [row["val_loss"] for row in again] == [row["val_loss"] for row in rows]


def test_docstring_examples_hold():
    import doctest

    result = doctest.testmod(fine_tune, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0


# --- The stored runs support what chapter 7 says -------------------------


@pytest.fixture(scope="module")
def stored():
    return fine_tune.read_results(STORED)


def _by_seed(runs: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row a seed, one column a setup."""
    return runs.pivot(index="seed", columns="setup", values=column)


def _noise(table: pd.DataFrame, column: str, *setups: str) -> float:
    """Twice the larger spread over the seeds of ``setups``: what seeds alone move."""
    return 2 * max(table.loc[setup, f"{column}_std"] for setup in setups)


def test_stored_runs_are_the_default_command_s(stored):
    assert STORED.read_text().splitlines()[0] == f"# Made by: {fine_tune.COMMAND}"
    assert list(stored.columns) == list(fine_tune.COLUMNS)
    for setup in fine_tune.SETUPS:
        assert sorted(stored.loc[stored["setup"] == setup, "seed"]) == list(fine_tune.SEEDS)
    # accuracies of 500 validation photos: whole photos
    assert np.allclose(stored["val_acc"] * 500, (stored["val_acc"] * 500).round())


def test_fine_tuning_does_not_beat_the_head_alone(stored):
    """Chapter 7: fine-tuning does not help here, whatever batch norm does.

    On every seed the head alone on the frozen features has the lowest
    validation loss and at least the accuracy of either fine-tuned top; and
    on average, fine-tuning with batch norm frozen is not ahead by more than
    twice the seeds' spread.
    """
    table = fine_tune.summary(stored)
    loss, acc = _by_seed(stored, "val_loss"), _by_seed(stored, "val_acc")
    for setup in ("bn frozen", "bn trainable"):
        assert (loss["head"] < loss[setup]).all(), (setup, loss)
        assert (acc["head"] >= acc[setup]).all(), (setup, acc)
    gain = table.loc["bn frozen", "val_acc"] - table.loc["head", "val_acc"]
    assert gain <= _noise(table, "val_acc", "head", "bn frozen"), table


def test_batch_norm_trainable_and_frozen_differ_less_than_the_seeds(stored):
    """Chapter 7: over seeds, batch norm in training mode is not shown worse.

    Chapter 7's one run (seed 42) had twice the validation loss with batch
    norm trainable; over the stored seeds the two means differ by less than
    twice their spread, in loss and in accuracy, and neither is lower on
    every seed.
    """
    table = fine_tune.summary(stored)
    for column in ("val_loss", "val_acc"):
        difference = (table.loc["bn trainable", column]
                      - table.loc["bn frozen", column])
        assert abs(difference) < _noise(table, column, "bn frozen", "bn trainable"), (
            column, table)
    loss = _by_seed(stored, "val_loss")
    higher = loss["bn trainable"] > loss["bn frozen"]
    assert higher.any() and not higher.all(), loss
