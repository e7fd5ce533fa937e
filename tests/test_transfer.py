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


# --- Fine-tuning: the top of the base, on MobileNetV2's own layers ---------


@pytest.fixture(scope="module")
def mobilenet():
    """A small MobileNetV2 (random weights, 32 px: its last block is 1×1), frozen,
    its block input and features for 24 photos, and a head for them."""
    import keras

    from cnncourse import repro

    repro.setup(0)
    base = keras.applications.MobileNetV2(alpha=0.35, weights=None,
                                          input_shape=(32, 32, 3),
                                          include_top=False)
    base.trainable = False
    x, y = _photos(24, size=32)
    a, f, labels = transfer.features(
        transfer.feature_model(base, top=transfer.TOP), _dataset(x, y))
    head = transfer.head(f.shape[1])
    head.get_layer("p_dog").set_weights(
        [np.linspace(-1, 1, f.shape[1])[:, None].astype("float32"),
         np.array([0.1], "float32")])
    return base, head, a, f, labels


def _batch_norms(model):
    import keras

    return [layer for layer in model.layers
            if isinstance(layer, keras.layers.BatchNormalization)]


def test_feature_model_with_top_also_returns_the_block_input(mobilenet):
    base, _, a, f, labels = mobilenet
    assert a.shape == (24, *base.get_layer(transfer.TOP).input.shape[1:])
    x, _ = _photos(24, size=32)
    plain, _ = transfer.features(transfer.feature_model(base), _dataset(x, labels))
    np.testing.assert_array_equal(f, plain)  # the same features as without top


def test_top_of_base_copies_the_weights_of_the_base_and_the_head(mobilenet):
    base, head, a, _, _ = mobilenet
    tuned = transfer.top_of_base(base, head, transfer.TOP)
    names = [layer.name for layer in base.layers]
    copied = names[names.index(transfer.TOP):] + ["dropout", "p_dog"]
    assert [layer.name for layer in tuned.layers[1:]] == (
        copied[:-2] + ["pool"] + copied[-2:])
    for name in copied:
        source = (head if name in ("dropout", "p_dog") else base).get_layer(name)
        for mine, theirs in zip(tuned.get_layer(name).get_weights(),
                                source.get_weights(), strict=True):
            np.testing.assert_array_equal(mine, theirs)
        assert tuned.get_layer(name) is not source  # copies, not shared


def test_top_of_base_predicts_what_base_and_head_predict(mobilenet):
    base, head, a, f, _ = mobilenet
    tuned = transfer.top_of_base(base, head)
    assert tuned.input_shape == (None, *a.shape[1:])
    assert tuned.output_shape == (None, 1)
    np.testing.assert_allclose(tuned.predict(a, verbose=0),
                               head.predict(f, verbose=0), atol=1e-5)


@pytest.mark.parametrize("batch_norm", transfer.BATCH_NORM_MODES)
def test_top_of_base_freezes_only_batch_norm_and_only_when_asked(mobilenet,
                                                                 batch_norm):
    base, head, _, _, _ = mobilenet
    tuned = transfer.top_of_base(base, head, batch_norm=batch_norm,
                                 learning_rate=3e-4)
    norms = _batch_norms(tuned)
    assert len(norms) == 4  # expand, depthwise, project, Conv_1
    assert all(layer.trainable == (batch_norm != "frozen") for layer in norms)
    others = [layer for layer in tuned.layers[1:] if layer not in norms]
    assert all(layer.trainable for layer in others)
    assert tuned.get_layer("block_16_project").trainable
    assert float(tuned.optimizer.learning_rate) == pytest.approx(3e-4)
    assert tuned.loss == "binary_crossentropy"
    assert base.trainable is False and not base.trainable_weights


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_norm": "inference"}, "batch_norm must be one of 'trainable'"),
    ({"top": "block_99_expand"}, "no layer 'block_99_expand'.*out_relu"),
    ({"top": "block_15_expand"}, "not a chain.*block_15_add"),
])
def test_top_of_base_refuses_what_it_cannot_copy(mobilenet, kwargs, message):
    base, head, _, _, _ = mobilenet
    with pytest.raises(ValueError, match=message):
        transfer.top_of_base(base, head, **kwargs)


@pytest.mark.slow  # trains the top for one epoch, three times (a few seconds)
@pytest.mark.parametrize("batch_norm, moves", [
    ("frozen", False), ("trainable", True),
    ("called with training=False", True),  # Keras 3's fit overrides it
])
def test_batch_norm_statistics_move_unless_frozen(mobilenet, batch_norm, moves):
    from cnncourse import repro

    base, head, a, _, labels = mobilenet
    before = [w.copy() for w in base.get_weights()]
    repro.setup(0)
    tuned = transfer.top_of_base(base, head, batch_norm=batch_norm,
                                 learning_rate=1e-2)
    averages = [layer.moving_mean.numpy().copy() for layer in _batch_norms(tuned)]
    kernel = tuned.get_layer("Conv_1").kernel.numpy().copy()
    tuned.fit(a, labels, epochs=1, batch_size=8, verbose=0)
    moved = [not np.array_equal(layer.moving_mean.numpy(), average)
             for layer, average in zip(_batch_norms(tuned), averages)]
    assert all(moved) if moves else not any(moved)
    assert not np.array_equal(tuned.get_layer("Conv_1").kernel.numpy(), kernel)
    for old, new in zip(before, base.get_weights()):  # the base is untouched
        np.testing.assert_array_equal(old, new)


def test_docstring_examples_hold():
    import doctest

    result = doctest.testmod(transfer)
    assert result.attempted >= 7 and result.failed == 0
