"""Tests of cnncourse.training."""

from __future__ import annotations

import math
import time

import pytest

from cnncourse.training import best_epoch, curves_text, fit_timed, summary


class _SlowModel:
    def fit(self, *args, **kwargs):
        time.sleep(0.05)
        return {"args": args, "kwargs": kwargs}


def test_fit_timed_passes_arguments_and_measures_wall_time():
    history, seconds = fit_timed(_SlowModel(), 1, 2, epochs=3)
    assert history == {"args": (1, 2), "kwargs": {"epochs": 3}}
    assert 0.05 <= seconds < 5


CURVES = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.6, 0.8, 0.9],
          "val_loss": [0.7, 0.45, 0.5], "val_accuracy": [0.70, 0.85, 0.84]}


def test_best_is_lowest_for_losses_and_highest_otherwise():
    assert best_epoch(CURVES, "val_loss") == (2, 0.45)
    assert best_epoch(CURVES, "val_accuracy") == (2, 0.85)
    assert best_epoch(CURVES, "loss") == (3, 0.3)
    assert best_epoch({"val_accuracy": [0.8, 0.9, 0.9]}, "val_accuracy") == (2, 0.9)
    assert best_epoch({"val_loss": [math.nan, 0.4]}, "val_loss") == (2, 0.4)


def test_summary_is_one_line_with_final_and_best_values():
    line = summary(CURVES, 61.25, label="cnn")
    assert "\n" not in line
    assert line.startswith("cnn: 3 epochs in 61.2 s; final loss 0.3000, ")
    assert "val_accuracy 0.8400; best" in line
    assert line.endswith("best val_loss 0.4500 (epoch 2), val_accuracy 0.8500 (epoch 2)")
    assert summary({"loss": [1.0]}) == "1 epoch; final loss 1.0000"


def test_summary_reads_a_keras_history():
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 2), "float32")
    history = model.fit(x, x[:, :1], epochs=2, validation_split=0.25, verbose=0)
    line = summary(history, digits=2)
    assert line.startswith("2 epochs; final loss ") and "best val_loss" in line


def test_bad_histories_say_what_is_expected():
    with pytest.raises(ValueError, match="History"):
        summary({})
    with pytest.raises(ValueError, match="one value an epoch"):
        summary({"loss": [1.0, 0.5], "val_loss": [1.0]})
    with pytest.raises(KeyError, match="val_loss"):
        best_epoch({"loss": [1.0]}, "val_loss")


def test_curves_text_shows_every_few_epochs_and_the_last():
    curves = {"loss": [0.9, 0.7, 0.5, 0.4, 0.35],
              "val_accuracy": [0.5, 0.6, 0.7, 0.8, 0.85]}
    lines = curves_text(curves, every=3).splitlines()
    assert lines == ["epoch 1: loss 0.900, val_accuracy 0.500",
                     "epoch 4: loss 0.400, val_accuracy 0.800",
                     "epoch 5: loss 0.350, val_accuracy 0.850"]
    assert len(curves_text(curves).splitlines()) == 5
    with pytest.raises(ValueError, match="every must be at least 1"):
        curves_text(curves, every=0)
