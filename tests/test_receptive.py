"""Tests of cnncourse.receptive: the recurrence, and the gradients that
check it."""

from __future__ import annotations

import pytest

from cnncourse import receptive
from cnncourse.receptive import SpatialLayer, receptive_fields


def test_receptive_fields_follow_the_recurrence_by_hand():
    # 3x3 conv: 3; 2x2 pool, stride 2: 3 + 1*1 = 4, jump 2;
    # 3x3 conv: 4 + 2*2 = 8.
    fields = receptive_fields([(3, 1), (2, 2), (3, 1)])
    assert [(f.size, f.jump) for f in fields] == [(3, 1), (4, 2), (8, 2)]
    assert [f.name for f in fields] == ["layer 1", "layer 2", "layer 3"]


def test_stride_multiplies_the_growth_of_every_later_layer():
    # Five 3x3 convolutions: 11 without stride; a stride of 2 in the first
    # makes each of the four later layers add 2 * 2 instead of 2.
    assert receptive_fields([(3, 1)] * 5)[-1].size == 11
    assert receptive_fields([(3, 2)] + [(3, 1)] * 4)[-1] == ("layer 5", 19, 2)


def test_dilation_spreads_the_kernel_without_weights():
    # A 3x3 kernel with dilation d spans 2d + 1 pixels; stacked dilations
    # 1, 2, 4 (WaveNet, DeepLab) give 3, 7, 15: exponential growth at
    # constant cost.
    assert receptive_fields([SpatialLayer("d2", 3, 1, 2)])[0] == ("d2", 5, 1)
    assert [
        f.size for f in receptive_fields([(3, 1, 1), (3, 1, 2), (3, 1, 4)])
    ] == [3, 7, 15]


@pytest.mark.parametrize("layer", [(0, 1), (3, 0), (3, 1, 0)])
def test_receptive_fields_reject_a_size_below_one(layer):
    with pytest.raises(ValueError, match=">= 1"):
        receptive_fields([(3, 1), layer])


# --- Keras models, checked against a measurement -----------------------------


def _mixed_network():
    """Strides, valid padding, dilation, depthwise, average pooling, 1x3."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(64, 64, 2)),
            layers.Conv2D(4, 5, strides=2, activation="relu"),
            layers.AveragePooling2D(3, strides=1),
            layers.Conv2D(
                4, 3, dilation_rate=2, padding="same", activation="relu"
            ),
            layers.DepthwiseConv2D(3),
            layers.MaxPooling2D(2),
            layers.Conv2D(3, (1, 3), activation="relu"),
            layers.Conv2D(3, 1),
        ],
        name="mixed",
    )


def _networks():
    from cnncourse import models

    return {
        "fashion_cnn": models.fashion_cnn(),  # chapter 5
        "cats_dogs_cnn": models.cats_dogs_cnn(
            160, epochs=1, steps_per_epoch=1
        ),  # chapter 6
        "article_cats_dogs": models.article_cats_dogs_model(96),
        "mixed": _mixed_network(),
    }


@pytest.fixture(scope="module")
def networks():
    from cnncourse import repro

    repro.setup(0)
    return _networks()


@pytest.mark.parametrize(
    "name", ["fashion_cnn", "cats_dogs_cnn", "article_cats_dogs", "mixed"]
)
def test_every_computed_field_is_the_measured_one(networks, name):
    """The recurrence against the gradient, every convolution and pooling."""
    model = networks[name]
    rows, cols = (
        receptive_fields(receptive.spatial_layers(model, axis))
        for axis in (0, 1)
    )
    assert rows, name
    for row, col in zip(rows, cols):
        assert receptive.measured_field(model, row.name) == (
            row.size,
            col.size,
        ), row.name


def test_chapter_5_network_sees_8_then_18_then_22_pixels(networks):
    table = receptive.field_table(networks["fashion_cnn"])
    assert table["field"].tolist() == [
        "3×3",
        "4×4",
        "8×8",
        "10×10",
        "18×18",
        "22×22",
    ]
    assert table["jump"].tolist()[-1] == "8×8"
    assert table["layer"].tolist() == ["Conv2D", "MaxPooling2D"] * 3


def test_spatial_layers_reads_non_square_kernels_per_axis(networks):
    layers = receptive.spatial_layers(networks["mixed"], axis=1)
    assert [(l.kernel, l.stride, l.dilation) for l in layers] == [
        (5, 2, 1),
        (3, 1, 1),
        (3, 1, 2),
        (3, 1, 1),
        (2, 2, 1),
        (3, 1, 1),
        (1, 1, 1),
    ]
    assert receptive.spatial_layers(networks["mixed"], axis=0)[-2].kernel == 1


def test_one_input_is_not_enough_through_max_pooling(networks):
    # Only the maximum of a pooling window passes a gradient: for one input,
    # one channel of the first pooling reaches the 3x3 window of its winner,
    # the union over many inputs the whole 4x4 field.
    model = networks["fashion_cnn"]
    first_pool = receptive.spatial_layers(model)[1].name
    one = receptive.gradient_support(model, first_pool, samples=1, channel=0)
    union = receptive.gradient_support(model, first_pool, channel=0)
    assert one.sum() == 9 and union.sum() == 16
    assert not (one & ~union).any()
    assert receptive.gradient_support(model, first_pool).sum() == 16


def test_unsupported_layers_are_named():
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Conv2DTranspose(2, 3, name="up"),
        ]
    )
    with pytest.raises(ValueError, match="up"):
        receptive.spatial_layers(model)


def test_docstring_examples_run():
    import doctest

    assert doctest.testmod(receptive).failed == 0
