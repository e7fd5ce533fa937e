"""Tests of cnncourse.explain: Grad-CAM, occlusion and the deletion check.

The known answer: class-1 images hold one bright 6×6 square on noise, class-0
images only noise, so the only evidence for class 1 is the square, and both
maps must point at it.
"""

from __future__ import annotations

import numpy as np
import pytest

SIZE, SIDE = 32, 6


def _squares(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(images, labels, corners)``: noise 0-150, every odd image with a 255 square."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 150, (n, SIZE, SIZE, 3)).astype("float32")
    labels = np.arange(n) % 2
    corners = rng.integers(0, SIZE - SIDE + 1, (n, 2))
    for i in np.flatnonzero(labels):
        row, col = corners[i]
        images[i, row:row + SIDE, col:col + SIDE] = 255
    return images, labels, corners


def _square_model(units: int):
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input((SIZE, SIZE, 3)),
        layers.Rescaling(1 / 255),
        layers.Conv2D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.GlobalMaxPooling2D(),
        layers.Dense(units, activation="sigmoid" if units == 1 else "softmax"),
    ])
    loss = "binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def trained():
    """``{units: model}`` for a softmax (2) and a sigmoid (1) model, trained on the squares."""
    from cnncourse import repro

    repro.setup()
    images, labels, _ = _squares(512, seed=0)
    models = {}
    for units in (2, 1):
        model = _square_model(units)
        history = model.fit(images, labels, epochs=5, batch_size=32, verbose=0)
        assert history.history["accuracy"][-1] > 0.95
        models[units] = model
    return models


@pytest.fixture(scope="module")
def test_squares():
    """Unseen images: ``(images, labels, corners)``, half with a square."""
    return _squares(12, seed=1)


def _tiny_cnn(units: int = 2, size: int = 16):
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input((size, size, 3)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(units, activation="sigmoid" if units == 1 else "softmax"),
    ])


def _noise(n: int = 3, size: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, size, size, 3)).astype("float32")


def _check_maps(maps: np.ndarray, shape: tuple[int, ...]) -> None:
    assert maps.shape == shape
    assert maps.dtype == np.float32
    assert np.isfinite(maps).all() and maps.min() >= 0 and maps.max() <= 1


# --- Known answer ---------------------------------------------------------------


@pytest.mark.slow  # the `trained` fixture trains two CNNs
@pytest.mark.parametrize("units", [2, 1], ids=["softmax", "sigmoid"])
@pytest.mark.parametrize("method", ["grad_cam", "occlusion"])
def test_maps_of_class_1_peak_on_the_square(trained, test_squares, units, method):
    from cnncourse import explain

    images, labels, corners = test_squares
    square = np.flatnonzero(labels == 1)
    maps = getattr(explain, method)(trained[units], images[square], class_index=1)
    _check_maps(maps, (len(square), SIZE, SIZE))
    slack = 2 if method == "grad_cam" else 0  # Grad-CAM's grid is 16×16, 2 pixels a cell
    for one, (row, col) in zip(maps, corners[square]):
        peak_row, peak_col = np.unravel_index(one.argmax(), one.shape)
        assert row - slack <= peak_row < row + SIDE + slack
        assert col - slack <= peak_col < col + SIDE + slack
        inside = np.zeros(one.shape, bool)
        inside[row:row + SIDE, col:col + SIDE] = True
        assert one[inside].mean() > 0.3
        assert one[inside].mean() > 10 * one[~inside].mean()


@pytest.mark.slow  # the `trained` fixture trains two CNNs
def test_covering_the_grad_cam_top_pixels_removes_the_evidence_random_ones_do_not(
        trained, test_squares):
    from cnncourse import explain

    images, labels, _ = test_squares
    square = images[labels == 1]
    for model in trained.values():
        maps = explain.grad_cam(model, square, class_index=1)
        top, random = explain.deletion_drop(model, square, maps, fraction=0.1, class_index=1)
        assert top.shape == random.shape == (len(square),)
        assert top.mean() > 0.8  # the square is gone: P(class 1) falls from about 1 to about 0
        assert top.mean() - random.mean() > 0.5
        assert (top > random).all()


@pytest.mark.slow  # the `trained` fixture trains two CNNs
def test_deletion_drop_is_seeded_and_in_probability_units(trained, test_squares):
    from cnncourse import explain

    images, _, _ = test_squares
    model = trained[2]
    maps = explain.occlusion(model, images[:4])
    first = explain.deletion_drop(model, images[:4], maps, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip(first, explain.deletion_drop(
        model, images[:4], maps, seed=3)))
    assert not np.array_equal(first[1], explain.deletion_drop(model, images[:4], maps, seed=4)[1])
    for drop in first:  # a fall of a probability lies in [-1, 1]
        assert (np.abs(drop) <= 1).all()
    # Covering every pixel with the fill leaves one flat image per colour: same P for both.
    everything = explain.deletion_drop(model, images[:4], maps, fraction=1.0)
    np.testing.assert_allclose(everything[0], everything[1], atol=1e-6)


# --- Which class ----------------------------------------------------------------


@pytest.mark.slow  # the `trained` fixture trains two CNNs
@pytest.mark.parametrize("units", [2, 1], ids=["softmax", "sigmoid"])
def test_class_index_none_explains_the_predicted_class(trained, test_squares, units):
    from cnncourse import explain

    images, _, _ = test_squares
    model = trained[units]
    p = model.predict(images, verbose=0)
    predicted = (p[:, 0] > 0.5).astype(int) if units == 1 else p.argmax(axis=1)
    assert 0 < predicted.sum() < len(predicted)  # both classes occur
    np.testing.assert_array_equal(explain.grad_cam(model, images),
                                  explain.grad_cam(model, images, class_index=predicted))
    np.testing.assert_array_equal(explain.occlusion(model, images[:4]),
                                  explain.occlusion(model, images[:4], class_index=predicted[:4]))


@pytest.mark.slow  # the `trained` fixture trains two CNNs
def test_sigmoid_class_0_and_class_1_maps_differ(trained, test_squares):
    from cnncourse import explain

    images, labels, _ = test_squares
    square = images[labels == 1]
    model = trained[1]
    for method in (explain.grad_cam, explain.occlusion):
        dog, cat = method(model, square, class_index=1), method(model, square, class_index=0)
        _check_maps(cat, dog.shape)
        assert not np.allclose(dog, cat, atol=0.05)


@pytest.mark.slow  # the `trained` fixture trains two CNNs
def test_softmax_maps_explain_the_logits(trained, test_squares):
    """The same network ending in logits (no softmax) gives the same Grad-CAM and drops."""
    import keras

    from cnncourse import explain

    images, _, _ = test_squares
    soft = trained[2]
    dense = keras.layers.Dense(2)
    logits = keras.Sequential([keras.Input((SIZE, SIZE, 3)), *soft.layers[:-1], dense])
    dense.set_weights(soft.layers[-1].get_weights())
    np.testing.assert_allclose(explain.grad_cam(logits, images, class_index=1),
                               explain.grad_cam(soft, images, class_index=1), atol=1e-5)
    maps = explain.grad_cam(soft, images)
    for a, b in zip(explain.deletion_drop(logits, images, maps),
                    explain.deletion_drop(soft, images, maps)):
        np.testing.assert_allclose(a, b, atol=1e-5)


# --- Models as the chapters build them ------------------------------------------


def test_augmentation_layers_do_not_run_and_batch_norm_uses_its_averages():
    """Rescaling + RandomFlip + RandomRotation first, as in chapter 6: inference mode only."""
    import keras
    from keras import layers

    from cnncourse import explain, repro

    repro.setup()
    body = [layers.Conv2D(8, 3, padding="same"), layers.BatchNormalization(), layers.ReLU(),
            layers.MaxPooling2D(2), layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(), layers.Dropout(0.5),
            layers.Dense(1, activation="sigmoid")]
    augmented = keras.Sequential([keras.Input((16, 16, 3)), layers.Rescaling(1 / 255),
                                  layers.RandomFlip("horizontal"), layers.RandomRotation(0.2),
                                  *body])
    plain = keras.Sequential([keras.Input((16, 16, 3)), layers.Rescaling(1 / 255), *body])
    images = _noise(4)
    # The augmentation is real: in training mode it changes the prediction.
    assert not np.allclose(augmented(images, training=True), augmented(images, training=False))
    for method in (explain.grad_cam, explain.occlusion):
        first = method(augmented, images, class_index=1)
        _check_maps(first, (4, 16, 16))
        assert first.max() == 1  # not trivially all zero
        np.testing.assert_array_equal(first, method(augmented, images, class_index=1))
        # Same maps as without the augmentation layers (their weights are shared).
        np.testing.assert_allclose(first, method(plain, images, class_index=1), atol=1e-5)
        # One image's map does not depend on the rest of the batch (batch norm in inference).
        np.testing.assert_allclose(first[2:3], method(augmented, images[2:3], class_index=1),
                                   atol=1e-5)


def test_cats_dogs_cnn_with_its_nested_augmentation_block():
    from cnncourse import explain, models

    model = models.cats_dogs_cnn(32, epochs=1, steps_per_epoch=1, widths=(4, 8))
    assert type(model.get_layer("augmentation")).__name__ == "Sequential"  # nested, at the start
    # Each stage pools before its batch norm and ReLU: the last 4-D layer is that ReLU.
    assert type(explain._conv_layer(model, None)).__name__ == "ReLU"
    images = _noise(3, 32)
    maps = explain.grad_cam(model, images)
    _check_maps(maps, (3, 32, 32))
    np.testing.assert_array_equal(maps, explain.grad_cam(model, images))
    # Chapter 6 reads the last convolution instead, before its pooling: a grid twice as fine.
    conv = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"][-1]
    assert conv.output.shape[1] == 2 * explain._conv_layer(model, None).output.shape[1]
    _check_maps(explain.grad_cam(model, images, layer=conv.name), (3, 32, 32))
    _check_maps(explain.occlusion(model, images, class_index=0), (3, 32, 32))


def test_article_model_a_sequential_inside_a_sequential():
    from cnncourse import explain, models

    model = models.article_cats_dogs_model(32)
    assert type(model.layers[0]).__name__ == "Sequential"
    assert explain._conv_layer(model, None) is model.layers[-4]  # the last MaxPooling2D
    maps = explain.grad_cam(model, _noise(2, 32), class_index=1)
    _check_maps(maps, (2, 32, 32))


def test_a_nested_convolutional_base_is_explained_as_a_whole():
    import keras
    from keras import layers

    from cnncourse import explain

    inner_inputs = keras.Input((16, 16, 3))
    inner = layers.Conv2D(4, 3, padding="same", activation="relu", name="inner_conv")(inner_inputs)
    base = keras.Model(inner_inputs, inner, name="base")
    inputs = keras.Input((16, 16, 3))
    outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(base(inputs)))
    model = keras.Model(inputs, outputs)
    images = _noise(2)
    assert explain._conv_layer(model, None) is base
    _check_maps(explain.grad_cam(model, images, class_index=0), (2, 16, 16))
    np.testing.assert_array_equal(explain.grad_cam(model, images, layer="base"),
                                  explain.grad_cam(model, images, layer=base))
    with pytest.raises(ValueError, match="inside the nested model 'base'"):
        explain.grad_cam(model, images, layer="inner_conv")


def test_occlusion_needs_no_convolution_and_covers_every_pixel():
    import keras

    from cnncourse import explain

    model = keras.Sequential([keras.Input((10, 10, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])  # a linear score: each pixel's weight
    weights = np.zeros((100, 1), "float32")
    weights[36] = 1.0  # only pixel (3, 6) counts
    model.layers[-1].set_weights([weights, np.zeros(1, "float32")])
    image = np.zeros((1, 10, 10, 1), "float32")
    image[0, 3, 6] = 5.0
    maps = explain.occlusion(model, image, class_index=1, patch=3, stride=3, fill=0.0)
    _check_maps(maps, (1, 10, 10))
    # Patches start at 0, 3, 6 and 7 (the last one flush with the border). Pixel (3, 6) is
    # hidden by the patch at (3, 6) only; columns 7-8 are covered by it and by the patch at
    # (3, 7), which hides nothing: their mean fall is half; column 9 only by the latter.
    expected = np.zeros((10, 10), "float32")
    expected[3:6, 6] = 1.0
    expected[3:6, 7:9] = 0.5
    np.testing.assert_array_equal(maps[0], expected)


# --- Errors ---------------------------------------------------------------------


def test_grad_cam_needs_a_convolution():
    import keras

    from cnncourse import explain

    dense = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="Grad-CAM needs a convolutional layer.*occlusion"):
        explain.grad_cam(dense, _noise(2))


@pytest.mark.parametrize("method", ["grad_cam", "occlusion"])
def test_a_class_index_out_of_range_is_refused(method):
    from cnncourse import explain

    run = getattr(explain, method)
    with pytest.raises(ValueError, match="class_index 5 is out of range.*use 0 to 1"):
        run(_tiny_cnn(2), _noise(2), class_index=5)
    with pytest.raises(ValueError, match="out of range.*1 the positive"):
        run(_tiny_cnn(1), _noise(2), class_index=2)
    with pytest.raises(ValueError, match="one an image"):
        run(_tiny_cnn(2), _noise(2), class_index=[0, 1, 1])


@pytest.mark.parametrize("method", ["grad_cam", "occlusion"])
def test_images_of_the_wrong_rank_or_size_are_refused(method):
    from cnncourse import explain

    run = getattr(explain, method)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\).*image\[None\]"):
        run(_tiny_cnn(), _noise(1)[0])
    with pytest.raises(ValueError, match="do not fit the model's input"):
        run(_tiny_cnn(), _noise(1, 20))


def test_bad_layers_patches_and_maps_are_explained():
    from cnncourse import explain

    model, images = _tiny_cnn(), _noise(2)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        explain.grad_cam(model, images, layer="nope")
    with pytest.raises(ValueError, match="needs a layer with 4-D output"):
        explain.grad_cam(model, images, layer=model.layers[-2].name)
    with pytest.raises(ValueError, match="larger than the 16×16 images"):
        explain.occlusion(model, images, patch=17)
    with pytest.raises(ValueError, match="stride must be a positive int"):
        explain.occlusion(model, images, stride=0)
    with pytest.raises(ValueError, match="fill must be one value or one value a channel"):
        explain.occlusion(model, images, fill=[1.0, 2.0])
    with pytest.raises(ValueError, match="maps must be one"):
        explain.deletion_drop(model, images, np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="fraction must be in"):
        explain.deletion_drop(model, images, np.zeros((2, 16, 16)), fraction=0)
    with pytest.raises(ValueError, match="baseline must be"):
        explain.deletion_drop(model, images, np.zeros((2, 16, 16)),
                              baseline="blob")


def test_the_region_baseline_covers_one_block_of_the_same_area():
    from cnncourse.explain import _random_region

    rng = np.random.default_rng(0)
    for height, width, k in ((96, 96, 922), (16, 16, 26), (8, 20, 7)):
        idx = _random_region(rng, height, width, k)
        assert len(set(idx.tolist())) == k
        rows, cols = np.divmod(idx, width)
        side = min(width, int(np.ceil(np.sqrt(k))))
        assert cols.max() - cols.min() < side  # no wrap to the next row
        assert rows.max() - rows.min() == -(-k // side) - 1
        assert idx.min() >= 0 and idx.max() < height * width


def test_deletion_drop_with_a_region_baseline_is_seeded():
    from cnncourse import explain

    model, images = _tiny_cnn(), _noise(2)
    maps = np.random.default_rng(1).random((2, 16, 16))
    first = explain.deletion_drop(model, images, maps, baseline="region")
    again = explain.deletion_drop(model, images, maps, baseline="region")
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert first[1].shape == (2,)
