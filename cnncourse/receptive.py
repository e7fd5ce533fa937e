"""Receptive fields: how much of the input one unit of a layer sees.

A layer with kernel ``k``, stride ``s`` and dilation ``d`` widens the field
of the layer before it by ``(d·(k − 1))·j`` input pixels, where the *jump*
``j`` is the distance in input pixels between two neighbouring units of
that layer; its own units are then ``j·s`` apart:

    r_l = r_{l−1} + d_l·(k_l − 1)·j_{l−1},    j_l = j_{l−1}·s_l,

starting from ``r_0 = j_0 = 1`` (a pixel sees itself). Pooling counts as a
layer with its window as the kernel; batch norm, activations and other
pixel-wise layers change nothing.

:func:`receptive_fields` applies the recurrence to a list of layers,
:func:`spatial_layers` reads that list from a Keras model, and
:func:`field_table` does both. :func:`gradient_support` and
:func:`measured_field` measure the field of a trained or untrained model
from its gradients (``tests/test_receptive.py``
checks the recurrence against it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Field", "SpatialLayer", "field_table", "gradient_support",
           "measured_field", "receptive_fields", "spatial_layers"]


class SpatialLayer(NamedTuple):
    """A layer that looks at neighbouring pixels, along one axis."""

    name: str
    kernel: int
    stride: int = 1
    dilation: int = 1
    kind: str = ""  # the Keras layer's class, e.g. "Conv2D"


class Field(NamedTuple):
    """The receptive field of one layer's units, along one axis."""

    name: str
    size: int  # input pixels one unit sees
    jump: int  # input pixels between two neighbouring units


def receptive_fields(
        layers: Iterable[SpatialLayer | Sequence[Any]]) -> list[Field]:
    """The receptive field and jump after each layer.

    Parameters
    ----------
    layers : iterable
        In order from the input, each a :class:`SpatialLayer` or a tuple
        ``(kernel, stride)`` or ``(kernel, stride, dilation)`` (named
        ``"layer 1"``, ``"layer 2"``...).

    Returns
    -------
    list of Field
        One per layer: ``size`` and ``jump`` in input pixels.

    Raises
    ------
    ValueError
        For a kernel, stride or dilation below 1.

    Examples
    --------
    Three 3×3 convolutions, each followed by 2×2 pooling (chapter 5):

    >>> [f.size for f in receptive_fields([(3, 1), (2, 2)] * 3)]
    [3, 4, 8, 10, 18, 22]
    >>> receptive_fields([(3, 1, 2)])[0].size  # dilation 2: a 5×5 field
    5
    """
    size, jump, fields = 1, 1, []
    for number, layer in enumerate(layers, start=1):
        if not isinstance(layer, SpatialLayer):
            layer = SpatialLayer(f"layer {number}", *layer)
        if min(layer.kernel, layer.stride, layer.dilation) < 1:
            raise ValueError(f"{layer.name}: kernel, stride and dilation "
                             f"must be >= 1, got {tuple(layer[1:4])}")
        size += layer.dilation * (layer.kernel - 1) * jump
        jump *= layer.stride
        fields.append(Field(layer.name, size, jump))
    return fields


_CONVOLUTIONS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
_POOLING = ("MaxPooling2D", "AveragePooling2D")


def spatial_layers(model: Any, axis: int = 0) -> list[SpatialLayer]:
    """The convolution and pooling layers of a Keras model, in order.

    Nested models (an augmentation block) are searched too. Layers that act
    on each pixel alone (batch norm, activations, rescaling) are left out:
    they do not change a field.

    Parameters
    ----------
    model : keras.Model
        A model whose layers run one after the other (no branches that
        merge layers of different fields).
    axis : {0, 1}
        Rows (0) or columns (1): kernels and strides may differ.

    Returns
    -------
    list of SpatialLayer

    Raises
    ------
    ValueError
        For a layer whose field this module does not compute (a transposed
        convolution, upsampling, global pooling before the end).

    Examples
    --------
    >>> from cnncourse import models  # doctest: +SKIP
    >>> model = models.fashion_cnn()  # doctest: +SKIP
    >>> [layer.kernel for layer in spatial_layers(model)]  # doctest: +SKIP
    [3, 2, 3, 2, 3, 2]
    """
    found: list[SpatialLayer] = []
    for layer in _flat_layers(model):
        kind = type(layer).__name__
        if kind in _CONVOLUTIONS:
            found.append(SpatialLayer(
                layer.name, layer.kernel_size[axis], layer.strides[axis],
                layer.dilation_rate[axis], kind))
        elif kind in _POOLING:
            found.append(SpatialLayer(layer.name, layer.pool_size[axis],
                                      layer.strides[axis], 1, kind))
        elif "Transpose" in kind or "UpSampling" in kind or "Cropping" in kind:
            raise ValueError(f"{layer.name} ({kind}): its receptive field "
                             "is not computed here; take the layers before "
                             "it")
    return found


def _flat_layers(model: Any) -> list[Any]:
    layers = []
    for layer in model.layers:
        layers += _flat_layers(layer) if hasattr(layer, "layers") else [layer]
    return layers


def field_table(model: Any) -> Any:
    """Kernel, stride, jump and receptive field of each layer of a Keras model.

    Parameters
    ----------
    model : keras.Model
        As for :func:`spatial_layers`.

    Returns
    -------
    pandas.DataFrame
        One row a convolution or pooling layer: ``name``, ``layer`` (its
        class), ``kernel``, ``stride``, ``dilation``, ``jump`` and ``field``,
        sizes written ``"3×3"``.

    Examples
    --------
    >>> field_table(models.fashion_cnn())["field"].tolist()  # doctest: +SKIP
    ['3×3', '4×4', '8×8', '10×10', '18×18', '22×22']
    """
    import pandas as pd

    rows, cols = spatial_layers(model, 0), spatial_layers(model, 1)
    fields = zip(receptive_fields(rows), receptive_fields(cols))

    def pair(a: int, b: int) -> str:
        return f"{a}×{b}"

    return pd.DataFrame([
        {"name": r.name, "layer": r.kind, "kernel": pair(r.kernel, c.kernel),
         "stride": pair(r.stride, c.stride),
         "dilation": pair(r.dilation, c.dilation),
         "jump": pair(fr.jump, fc.jump), "field": pair(fr.size, fc.size)}
        for r, c, (fr, fc) in zip(rows, cols, fields)])


def gradient_support(model: Any, layer: str, *, samples: int = 32,
                     seed: int = 0, channel: int | None = None) -> np.ndarray:
    """The input pixels that move the centre unit of ``layer``: a boolean map.

    Feeds ``samples`` random inputs, takes the gradient of the centre
    position of ``layer``'s output (all channels summed, or ``channel``
    alone) with respect to
    the input, and marks every pixel where it is non-zero for at least one
    input. One input is not enough: through a ReLU or max pooling a unit
    depends on only part of its field for a given input (only the maximum of
    a pooling window gets a gradient), and the union over many inputs fills
    it.

    Parameters
    ----------
    model : keras.Model
        With a fixed input size; it is run in inference mode.
    layer : str
        Name of the layer whose output unit is measured.
    samples : int
        How many random inputs (uniform in [0, 1)) the union runs over.
    seed : int
        Seed of the random inputs.
    channel : int, optional
        Measure this channel of the unit only (default: their sum).

    Returns
    -------
    numpy.ndarray
        Boolean, the input's height × width.

    Examples
    --------
    >>> model = models.fashion_cnn()  # doctest: +SKIP
    >>> gradient_support(model, "conv2d").sum()  # doctest: +SKIP
    9
    """
    import keras
    import tensorflow as tf

    inner = keras.Model(model.inputs, model.get_layer(layer).output)
    shape = (samples, *model.input_shape[1:])
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.random(shape, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = inner(x, training=False)
        _, height, width, _ = out.shape
        unit = out[:, height // 2, width // 2, :]
        centre = tf.reduce_sum(unit if channel is None else unit[:, channel])
    return np.any(tape.gradient(centre, x).numpy() != 0, axis=(0, -1))


def measured_field(model: Any, layer: str, *, samples: int = 32,
                   seed: int = 0) -> tuple[int, int]:
    """The field of the centre unit of ``layer``, measured by its gradient.

    The height and width of the smallest box that holds
    :func:`gradient_support` (same parameters).

    Returns
    -------
    tuple of int
        ``(height, width)`` in input pixels; smaller than the computed field
        when the field of the centre unit runs over the image's border.

    Examples
    --------
    >>> measured_field(models.fashion_cnn(), "conv2d_2")  # doctest: +SKIP
    (18, 18)
    """
    touched = gradient_support(model, layer, samples=samples, seed=seed)
    rows = np.flatnonzero(touched.any(axis=1))
    cols = np.flatnonzero(touched.any(axis=0))
    if not rows.size:
        raise ValueError(f"no input pixel moves {layer}'s centre unit; give "
                         "it other inputs (more samples) or check the layer "
                         "name")
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)
