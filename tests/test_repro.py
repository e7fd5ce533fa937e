"""Tests of cnncourse.repro."""

from __future__ import annotations

import os
import random

import numpy as np

from cnncourse import repro


def test_quiet_tensorflow_sets_log_level():
    repro.quiet_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_setup_seeds_python_numpy_and_keras():
    import keras

    def draw():
        return (random.random(), np.random.rand(),
                float(keras.ops.convert_to_numpy(keras.random.uniform(()))))

    repro.setup(7)
    first = draw()
    repro.setup(7)
    assert draw() == first
    repro.setup(8)
    assert draw() != first


def test_setup_makes_training_repeatable():
    import keras

    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")

    def train() -> np.ndarray:
        repro.setup(3)
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights()[0]

    np.testing.assert_array_equal(train(), train())
