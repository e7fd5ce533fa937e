"""Tests of cnncourse.transfer: chapter 7's model, on tiny stand-in bases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cnncourse import transfer


def _base(size: int = 8, *, batch_norm: bool = False):
    """A small frozen stand-in for MobileNetV2 (keeps the pixels' scale)."""
    import keras
    from keras import layers

    inputs = keras.Input((size, size, 3))
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    if batch_norm:
        x = layers.BatchNormalization(name="bn")(x)
    base = keras.Model(inputs, x, name="base")
    base.trainable = False
    return base


def _photos(n: int, size: int = 8, seed: int = 0):
    """Dogs bright on the left half, cats on the right; float32 0-255."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    x = rng.uniform(0, 60, (n, size, size, 3)).astype("float32")
    for i, label in enumerate(labels):
        half = slice(0, size // 2) if label else slice(size // 2, size)
        x[i, :, half] += 180
    return x, labels.astype("int32")


def _dataset(x, y, *, shuffle: bool = False):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=1, reshuffle_each_iteration=True)
    return ds.batch(16)


def test_feature_model_scales_pixels_to_minus_one_one():
    import keras

    identity = keras.Sequential([keras.Input((4, 4, 3)),
                                 keras.layers.Identity()])
    extractor = transfer.feature_model(identity)
    photos = np.stack([np.zeros((4, 4, 3)), np.full((4, 4, 3), 255.0)])
    np.testing.assert_allclose(extractor.predict(photos, verbose=0),
                               [[-1.0] * 3, [1.0] * 3], atol=1e-6)


def test_the_base_runs_in_inference_mode():
    """Batch norm uses its moving statistics even while training the rest."""
    base = _base(batch_norm=True)
    extractor = transfer.feature_model(base)
    x, _ = _photos(4)
    np.testing.assert_allclose(extractor(x, training=True).numpy(),
                               extractor(x, training=False).numpy(), atol=1e-5)
    moving = base.get_layer("bn").moving_mean.numpy().copy()
    extractor(x, training=True)
    np.testing.assert_array_equal(base.get_layer("bn").moving_mean.numpy(),
                                  moving)


def test_features_keep_labels_in_step_even_when_shuffled():
    import keras

    identity = keras.Sequential([keras.Input((4, 4, 3)),
                                 keras.layers.Identity()])
    extractor = transfer.feature_model(identity)
    x = np.zeros((40, 4, 4, 3), "float32")
    y = np.arange(40).astype("int32")
    x[:, :, :2, 0] = y[:, None, None]  # channel 0's mean: y / 2 (scaled)
    x[:, :, :2, 1] = 255.0  # channel 1: the left half bright
    feats, labels = transfer.features(extractor, _dataset(x, y, shuffle=True))
    assert sorted(labels.tolist()) == y.tolist() and labels.tolist() != \
        y.tolist()
    np.testing.assert_allclose(feats[:, 0], (labels / 2) / 127.5 - 1,
                               atol=1e-5)
    left_half = transfer.feature_model(keras.Sequential(
        [keras.Input((4, 4, 3)), keras.layers.Cropping2D(((0, 0), (0, 2)))]))
    plain, _ = transfer.features(left_half, _dataset(x, y))
    flipped, _ = transfer.features(left_half, _dataset(x, y), flip=True)
    np.testing.assert_allclose(plain[:, 1], 1.0, atol=1e-6)  # bright left
    np.testing.assert_allclose(flipped[:, 1], -1.0, atol=1e-6)  # mirrored


def test_head_is_dropout_and_one_sigmoid_unit():
    model = transfer.head(16, dropout=0.3, learning_rate=1e-2)
    assert model.count_params() == 17
    assert model.get_layer("dropout").rate == 0.3
    assert model.get_layer("p_dog").activation.__name__ == "sigmoid"
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-2)


@pytest.mark.slow  # trains a model for 30 epochs, twice (15 s each)
@pytest.mark.parametrize("flips", [False, True])
def test_train_learns_and_the_saved_model_takes_raw_photos(tmp_path, flips):
    import keras

    from cnncourse import repro

    repro.setup(0)
    x, y = _photos(96)
    x_val, y_val = _photos(32, seed=1)
    base = _base()
    frozen = [w.numpy().copy() for w in base.weights]
    model, history, seconds = transfer.train(
        base, _dataset(x, y, shuffle=True), _dataset(x_val, y_val),
        epochs=30, flips=flips, learning_rate=1e-2, batch_size=16)
    assert seconds > 0
    assert len(history.history["val_accuracy"]) == 30
    steps = -(-len(x) * (2 if flips else 1) // 16)
    assert history.params["steps"] == steps
    for before, after in zip(frozen, base.weights):  # the base stays frozen
        np.testing.assert_array_equal(before, after.numpy())
    probs = model.predict(x_val, verbose=0)
    assert probs.shape == (32, 1) and ((0 <= probs) & (probs <= 1)).all()
    assert model.evaluate(x_val, y_val, verbose=0)[1] >= 0.9
    model.save(tmp_path / "transfer.keras")
    with warnings.catch_warnings():  # a warning would fail a notebook (nbval)
        warnings.simplefilter("error")
        saved = keras.saving.load_model(tmp_path / "transfer.keras")
    np.testing.assert_allclose(saved.predict(x_val, verbose=0), probs,
                               atol=1e-6)


def test_docstring_examples_hold():
    import doctest

    result = doctest.testmod(transfer)
    assert result.attempted >= 3 and result.failed == 0
