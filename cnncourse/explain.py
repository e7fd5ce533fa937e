"""What the network looks at: Grad-CAM and occlusion maps, and a check of their faithfulness.

Both methods return one *map* an image, ``(H, W)`` at the image's size with
values in [0, 1], that says which pixels mattered for one class's score:

- :func:`grad_cam` (Selvaraju et al., 2017) looks *inside* the network. It
  takes the feature maps of one convolutional layer (by default the last
  layer whose output is 4-D, e.g. ``(N, 4, 4, 256)``), weighs each channel
  by the mean gradient of the class score with respect to it, sums, keeps the
  positive part and stretches the coarse grid to the image's size. Cost: one
  forward and one backward pass a batch. Its resolution is the layer's grid,
  not the image's: with ``cats_dogs_cnn`` at 96×96, the default (the last
  stage's ReLU, after its pooling) is 3×3, so each cell covers 32×32 pixels and the smooth look of the
  upsampled map is interpolation, not detail; chapter 6 passes the last
  convolution instead (``layer=``, before its pooling), a 6×6 grid of
  16×16-pixel cells.
- :func:`occlusion` (Zeiler & Fergus, 2014) treats the network as a black
  box. It covers a square patch of the image, slid over every position, and
  records how much the class score falls. Cost: one prediction a patch
  position, ``((H - patch) / stride + 1)²`` an image (225 for a 128×128 image
  with the default 16-pixel patch and stride 8), so it is slow but needs no
  gradient and works for any model. Its resolution is the patch and the
  stride; a patch much smaller than the evidence hides nothing if the rest of
  the object is enough for the network.

:func:`deletion_drop` checks whether a map is *faithful*: covering the pixels
the map ranks highest must hurt the prediction far more than covering as many
pixels chosen at random.

Reading the maps honestly
-------------------------
- A map explains one class's score for one image, for this trained model:
  it shows where the evidence was *used*, not what a human would point at,
  and not why. Explaining "cat" and "dog" on the same photo gives different
  maps; say which class a figure explains.
- Each map is divided by its own maximum, so every map has a brightest spot,
  even when the network is unsure, and two maps' brightness cannot be
  compared. Show the predicted probability next to each map.
- A map that lights up the background (a lawn, a sofa, a watermark) is a
  finding, not a failure of the method: the network may have learned a
  shortcut. Confirm it with :func:`deletion_drop` or by editing the image.
- Grad-CAM and occlusion answer different questions (gradients at the image
  against the effect of removing a patch); where they agree, trust both more.

The score explained for a class is the network's *logit* for that class
where it can be read (a final ``Dense`` or ``Activation`` layer with a
sigmoid, softmax or linear activation), so that a confident prediction
(probability ≈ 1, where the sigmoid and softmax are flat) still has
gradients; otherwise the probability (see :func:`grad_cam`).

Examples
--------
With a trained ``model`` and a batch of ``photos`` (0-255, as it takes them):

>>> maps = grad_cam(model, photos)  # doctest: +SKIP
>>> slow = occlusion(model, photos)  # doctest: +SKIP
>>> top, random = deletion_drop(model, photos, maps)  # doctest: +SKIP
>>> bool(top.mean() > random.mean())  # a faithful map  # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["deletion_drop", "grad_cam", "occlusion"]

ClassIndex = int | Sequence[int] | np.ndarray | None
Fill = float | Sequence[float] | np.ndarray | None

_EPSILON = 1e-7  # how far a probability is kept from 0 and 1 before taking its logit


# --- The model's parts --------------------------------------------------------


@dataclass(frozen=True)
class _Head:
    """How to read class scores from a model's output layer.

    ``features`` is the Keras tensor to compute (the output layer's input when
    the logits can be read, else the model's output); :meth:`values` turns it
    into ``(N, units)`` logits (``kind == "logits"``) or probabilities.
    """

    features: Any
    units: int
    kind: str  # "logits" or "probabilities"
    dense: Any = None  # the final Dense layer whose activation is skipped, if any

    @property
    def classes(self) -> int:
        return 2 if self.units == 1 else self.units

    def values(self, features: Any) -> Any:
        """``(N, units)`` logits or probabilities from the computed ``features``."""
        from keras import ops

        if self.dense is None:
            return features
        x = ops.matmul(features, self.dense.kernel)
        return x if self.dense.bias is None else x + self.dense.bias


def _activation_name(layer: Any) -> str | None:
    """``"sigmoid"``, ``"softmax"``, ``"linear"``... for a Dense or Activation layer, else None."""
    from keras import layers

    if not isinstance(layer, (layers.Dense, layers.Activation)):
        return None
    return getattr(layer.activation, "__name__", None)


def _head(model: Any) -> _Head:
    """Where the class scores of ``model`` come from (see :class:`_Head`)."""
    from keras import layers

    output = _single(model, "outputs")
    if len(output.shape) != 2:
        raise ValueError(f"the model's output must be (N, classes) scores, got shape "
                         f"{tuple(output.shape)}: explain a classifier with one output vector")
    units = int(output.shape[-1])
    # The layer that made the output, and the call (node) of it in this model: a layer
    # shared with another model has one node a model.
    last, node_index, _ = output._keras_history
    activation = _activation_name(last)
    if activation == "linear":  # the outputs are logits already
        return _Head(output, units, "logits")
    node = last._inbound_nodes[node_index]
    if (activation in ("sigmoid", "softmax") and (activation == "sigmoid") == (units == 1)
            and len(node.input_tensors) == 1):
        # Read the logits before the activation: the layer's input, then its affine part.
        return _Head(node.input_tensors[0], units, "logits",
                     last if isinstance(last, layers.Dense) else None)
    return _Head(output, units, "probabilities")


def _single(model: Any, what: str) -> Any:
    """The one input or output tensor of ``model``; a clear error for unbuilt or multi-io models."""
    try:
        tensors = getattr(model, what)
    except (AttributeError, ValueError) as error:
        raise ValueError(f"the model has no defined {what}: give it a keras.Input "
                         f"(or call it on a batch) before explaining it ({error})") from None
    if len(tensors) != 1:
        raise ValueError(f"the model has {len(tensors)} {what}: these functions explain a "
                         "classifier with one image input and one output")
    return tensors[0]


def _is_preprocessing(layer: Any) -> bool:
    """Rescaling, Random* augmentation and the like, or a nested model made only of them."""
    nested = getattr(layer, "layers", None)
    if nested is not None:
        inner = [sub for sub in nested if type(sub).__name__ != "InputLayer"]
        return bool(inner) and all(_is_preprocessing(sub) for sub in inner)
    return type(layer).__module__.startswith("keras.src.layers.preprocessing")


def _has_convolution(layer: Any) -> bool:
    """Whether ``layer`` is a convolution (Conv2D, SeparableConv2D...) or a model holding one."""
    nested = getattr(layer, "layers", None)
    if nested is not None:
        return any(_has_convolution(sub) for sub in nested)
    return type(layer).__module__.startswith("keras.src.layers.convolutional")


def _nested_owner(model: Any, target: Any) -> Any:
    """The top-level nested model of ``model`` holding ``target`` (a layer or a name), or None."""
    for top in model.layers:
        stack = list(getattr(top, "layers", []))
        while stack:
            layer = stack.pop()
            if layer is target or layer.name == target:
                return top
            stack.extend(getattr(layer, "layers", []))
    return None


def _conv_layer(model: Any, layer: Any) -> Any:
    """The layer whose feature maps Grad-CAM weighs: ``layer`` checked, or the default."""
    if layer is None:
        convolutions = [i for i, top in enumerate(model.layers) if _has_convolution(top)]
        for candidate in reversed(model.layers[convolutions[0]:] if convolutions else []):
            if not _is_preprocessing(candidate) and len(_output_of(model, candidate).shape) == 4:
                return candidate
        raise ValueError(
            f"Grad-CAM needs a convolutional layer: model {model.name!r} has no convolution "
            "followed by a layer with a 4-D output (N, height, width, channels) at its top level "
            "(convolutions inside a nested model count only if that model's output is 4-D). Use "
            "occlusion(), which works on any model, or pass layer= a top-level layer with 4-D "
            "output")
    name = layer if isinstance(layer, str) else getattr(layer, "name", repr(layer))
    found = [top for top in model.layers
             if top is layer or (isinstance(layer, str) and top.name == layer)]
    if not found:
        owner = _nested_owner(model, layer)
        if owner is not None:
            raise ValueError(
                f"layer {name!r} is inside the nested model {owner.name!r}: layer= takes a layer "
                f"of the model's top level (model.layers), such as {owner.name!r} itself; to "
                "explain a layer inside it, build the model with that layer at the top level")
        names = [top.name for top in model.layers if type(top).__name__ != "InputLayer"]
        raise ValueError(f"model {model.name!r} has no layer {name!r}; its layers: {names}")
    if len(_output_of(model, found[0]).shape) != 4:
        raise ValueError(f"layer {name!r} has output shape "
                         f"{tuple(_output_of(model, found[0]).shape)}: Grad-CAM "
                         "needs a layer with 4-D output (N, height, width, channels), e.g. a "
                         "Conv2D, an activation or a pooling layer after one")
    return found[0]


def _output_of(model: Any, layer: Any) -> Any:
    """``layer``'s output tensor in ``model``'s graph.

    Usually ``layer.output``; but that of a nested functional model is its own
    inner output, so the outputs of the nodes where a model calls the layer
    are tried too, and the one connected to ``model``'s input is returned.
    """
    import keras

    inputs = _single(model, "inputs")
    candidates = [node.output_tensors[0] for node in reversed(getattr(layer, "_inbound_nodes", []))
                  if len(node.output_tensors) == 1]
    for tensor in candidates:
        try:
            keras.Model(inputs, tensor)
        except ValueError:  # a node of another graph
            continue
        return tensor
    raise ValueError(f"layer {layer.name!r} is not connected to the model's input: pass a layer "
                     "the model calls once, between its input and its output")


def _sub_model(model: Any, outputs: list[Any]) -> Any:
    """A model from ``model``'s input to ``outputs`` (tensors of its graph)."""
    import keras

    return keras.Model(_single(model, "inputs"), outputs)


# --- Inputs ------------------------------------------------------------------


def _check_images(model: Any, images: Any) -> np.ndarray:
    """``images`` as float32 ``(N, H, W, C)``, checked against the model's input shape."""
    expected = tuple(_single(model, "inputs").shape)
    images = np.asarray(images, dtype=np.float32)
    hint = " (for one image, pass image[None])" if images.ndim == 3 else ""
    if images.ndim != 4 or len(expected) != 4:
        raise ValueError(f"images must be a batch shaped (N, H, W, C) for a model with input "
                         f"{expected}, got shape {images.shape}{hint}")
    if any(e is not None and e != got for e, got in zip(expected[1:], images.shape[1:])):
        raise ValueError(f"images of shape {images.shape[1:]} do not fit the model's input "
                         f"{expected[1:]}: resize them to the size the model was built for")
    if len(images) == 0:
        raise ValueError("images holds no image: pass a batch (N, H, W, C) with N >= 1")
    return images


def _check_classes(class_index: ClassIndex, n: int, head: _Head) -> np.ndarray | None:
    """``class_index`` as ``(n,)`` ints, or None (the predicted class); range-checked."""
    if class_index is None:
        return None
    classes = np.asarray(class_index)
    if classes.dtype == bool or not np.issubdtype(classes.dtype, np.integer) or classes.ndim > 1:
        raise ValueError(f"class_index must be an int, one int an image, or None (the predicted "
                         f"class), got {class_index!r}")
    classes = np.broadcast_to(classes, (n,)) if classes.ndim == 0 else classes
    if len(classes) != n:
        raise ValueError(f"class_index holds {len(classes)} classes for {n} images: give one an "
                         "image, a single int, or None")
    bad = classes[(classes < 0) | (classes >= head.classes)]
    if len(bad):
        meaning = (": 0 explains the negative class (1 - p), 1 the positive one (p)"
                   if head.units == 1 else "")
        raise ValueError(f"class_index {int(bad[0])} is out of range for a model with "
                         f"{head.units} output unit{'s' if head.units > 1 else ''}: use 0 to "
                         f"{head.classes - 1}{meaning}")
    return classes.astype(int)


def _check_fill(fill: Fill, images: np.ndarray) -> np.ndarray:
    """``(N, C)`` fill colours: each image's mean colour by default."""
    channels = images.shape[-1]
    if fill is None:
        return images.mean(axis=(1, 2))
    colour = np.asarray(fill, dtype=np.float32)
    if colour.ndim > 1 or colour.size not in (1, channels):
        raise ValueError(f"fill must be one value or one value a channel ({channels}), "
                         f"got {fill!r}")
    return np.broadcast_to(colour.reshape(-1), (len(images), channels)).astype(np.float32)


# --- Scores ------------------------------------------------------------------


def _predicted(values: np.ndarray, head: _Head) -> np.ndarray:
    """The predicted class of each row: ``p > 0.5`` for one sigmoid unit, else the argmax."""
    if head.units > 1:
        return np.argmax(values, axis=1)
    p = values[:, 0]
    if head.kind == "logits":
        p = 1 / (1 + np.exp(-p.astype(np.float64)))
    return (p > 0.5).astype(int)


def _score(values: Any, classes: np.ndarray, head: _Head) -> Any:
    """The explained score of each row, ``(N,)``: a logit where possible (see :func:`grad_cam`)."""
    from keras import ops

    values = ops.convert_to_tensor(values)
    if head.units == 1:
        z = values[:, 0]
        if head.kind == "probabilities":
            p = ops.clip(z, _EPSILON, 1 - _EPSILON)
            z = ops.log(p) - ops.log(1 - p)
        return z * ops.convert_to_tensor(2 * classes - 1, dtype=z.dtype)
    return ops.take_along_axis(values, ops.convert_to_tensor(classes[:, None]), axis=1)[:, 0]


def _probability(values: np.ndarray, classes: np.ndarray, head: _Head) -> np.ndarray:
    """P(class) of each row, ``(N,)``, from logits or probabilities."""
    values = values.astype(np.float64)
    if head.kind == "logits":
        if head.units == 1:
            values = 1 / (1 + np.exp(-values))
        else:
            values = np.exp(values - values.max(axis=1, keepdims=True))
            values /= values.sum(axis=1, keepdims=True)
    if head.units == 1:
        p = values[:, 0]
        return np.where(classes == 1, p, 1 - p)
    return values[np.arange(len(values)), classes]


def _values(model: Any, head: _Head, images: np.ndarray, batch_size: int) -> np.ndarray:
    """``(N, units)`` logits or probabilities of ``images``, in inference mode, in batches."""
    output = _single(model, "outputs")
    scorer = model if head.features is output else _sub_model(model, head.features)
    out = [_numpy(head.values(scorer(images[i:i + batch_size], training=False)))
           for i in range(0, len(images), batch_size)]
    return np.concatenate(out)


def _numpy(x: Any) -> np.ndarray:
    """A backend tensor (or array) as a NumPy array."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(x))


def _normalised(maps: np.ndarray) -> np.ndarray:
    """Negatives to 0, then each map divided by its maximum (an all-zero map stays zero)."""
    maps = np.maximum(maps, 0)
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0).astype(np.float32)


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")


# --- The methods ---------------------------------------------------------------


def grad_cam(
    model: Any,
    images: Any,
    *,
    class_index: ClassIndex = None,
    layer: Any = None,
    batch_size: int = 32,
) -> np.ndarray:
    """Grad-CAM maps: where one convolutional layer saw evidence for a class.

    For each image, the feature maps ``A_k`` of ``layer`` (channels ``k``) are
    weighed by ``α_k``, the mean over the map of the gradient of the class
    score with respect to ``A_k``; the map is ``ReLU(Σ_k α_k A_k)``, resized
    bilinearly to the image's height and width and divided by its maximum
    (Selvaraju et al., 2017).

    The model runs in inference mode (``training=False``): augmentation
    layers do nothing, dropout is off and batch normalisation uses its
    moving averages, so the maps are repeatable and one image's map does not
    depend on the others in the batch.

    The score explained is the class's **logit** when it can be read: if the
    output layer is a ``Dense`` (or ``Activation``) layer with a sigmoid or
    softmax, its pre-activation is recomputed from its input (``x·W + b``),
    exactly, with no loss of precision. The sigmoid and softmax are flat for
    a confident prediction (p ≈ 1), so their gradients vanish there; the
    logit's do not. For one sigmoid unit (``P(positive)``, e.g. ``P(dog)``)
    class 1 is explained by the logit ``z`` and class 0 by ``-z``, the logit
    of ``1 - p``. For other output layers (e.g. a model averaging two
    predictions) the score is the probability, and for one unit the logit
    ``log(p / (1 - p))`` of the probability clipped to ``[1e-7, 1 - 1e-7]``;
    its gradient, hence the map, vanishes where the output saturates.

    Parameters
    ----------
    model : keras.Model
        A built classifier with one image input ``(N, H, W, C)`` and one
        output ``(N, classes)`` (softmax or logits) or ``(N, 1)`` (sigmoid).
        Sequential or functional; preprocessing and augmentation layers
        (``Rescaling``, ``RandomFlip``, or a nested block of them) may come
        first. Needs the TensorFlow backend (``GradientTape``).
    images : array of shape ``(N, H, W, C)``
        What the model takes (e.g. 0-255 RGB for ``cats_dogs_cnn``).
    class_index : int, sequence of int, or None
        The class to explain, one for all images or one an image; ``None``:
        each image's predicted class (``p > 0.5`` for one sigmoid unit, else
        the highest probability). For one sigmoid unit, 1 is the positive
        class (dog) and 0 the negative one (cat).
    layer : str or keras.Layer, optional
        A layer of the model's top level (``model.layers``, by name or
        object) with a 4-D output. A nested model there, e.g. a convolutional
        base, is accepted as a whole, but not a layer inside it. Default: the
        last top-level layer with a 4-D output that is neither a
        preprocessing layer nor before the first convolution (for
        ``cats_dogs_cnn``, its last stage's ``ReLU``, 3×3 after its pooling
        and batch normalization; a nested augmentation block is skipped). An earlier layer gives a finer grid but less
        class-specific maps.
    batch_size : int
        Images a forward and backward pass.

    Returns
    -------
    numpy.ndarray
        ``(N, H, W)`` float32 maps with values in [0, 1], each divided by its
        own maximum; a map is all zeros when no channel speaks for the class.

    Raises
    ------
    ValueError
        If the model has no 4-D layer to explain (use :func:`occlusion`), the
        layer is unknown, nested or not 4-D, ``class_index`` is out of range,
        or the images' shape does not fit the model.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((16, 16, 3)),
    ...     keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
    ...     keras.layers.GlobalAveragePooling2D(),
    ...     keras.layers.Dense(2, activation="softmax")])
    >>> images = np.random.default_rng(0).uniform(0, 255, (3, 16, 16, 3))
    >>> maps = grad_cam(model, images, class_index=1)
    >>> maps.shape, maps.dtype, bool(maps.min() >= 0 and maps.max() <= 1)
    ((3, 16, 16), dtype('float32'), True)
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"grad_cam needs Keras's TensorFlow backend (its GradientTape), but Keras "
                         f"runs on {keras.backend.backend()!r}: set KERAS_BACKEND=tensorflow "
                         "before importing keras, or use occlusion()")
    import tensorflow as tf

    _check_batch_size(batch_size)
    images = _check_images(model, images)
    head = _head(model)
    classes = _check_classes(class_index, len(images), head)
    conv = _conv_layer(model, layer)
    sub = _sub_model(model, [_output_of(model, conv), head.features])

    maps = []
    for start in range(0, len(images), batch_size):
        batch = tf.convert_to_tensor(images[start:start + batch_size])
        with tf.GradientTape() as tape:
            features, last = sub(batch, training=False)
            values = head.values(last)
            chosen = (_predicted(_numpy(values), head) if classes is None
                      else classes[start:start + batch_size])
            # Each image's score depends only on its own features, so the gradient of the
            # sum gives every image's gradient at once.
            total = tf.reduce_sum(_score(values, chosen, head))
        grads = tape.gradient(total, features)
        weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # α_k, (n, 1, 1, K)
        cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1, keepdims=True))
        cam = tf.image.resize(cam, images.shape[1:3], method="bilinear")
        maps.append(cam.numpy()[..., 0])
    return _normalised(np.concatenate(maps))


def _starts(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of the patch positions, the last one flush with the border."""
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts


def occlusion(
    model: Any,
    images: Any,
    *,
    class_index: ClassIndex = None,
    patch: int | None = None,
    stride: int | None = None,
    fill: Fill = None,
    batch_size: int = 64,
) -> np.ndarray:
    """Occlusion sensitivity maps: how much the class score falls when a patch is hidden.

    A ``patch``×``patch`` square filled with ``fill`` is slid over each image
    by ``stride`` pixels (the last row and column of positions flush with the
    border, so every pixel is covered); all the occluded copies are predicted,
    in batches, in inference mode. The fall of the class score at each
    position, ``score(image) - score(occluded)``, is spread over the pixels the
    patch covered (a pixel covered by several positions gets their mean);
    negative values (hiding the patch *raised* the score) become 0 and each
    map is divided by its maximum (Zeiler & Fergus, 2014).

    The score is the same as :func:`grad_cam`'s: the class's logit where the
    output layer lets it be read, else its probability. The logit keeps
    falls visible for a confident prediction, whose probability barely moves
    until it collapses. Cost: one prediction a position, ``len(images) ×
    n_rows × n_columns`` in all; no gradient, so any model and backend works.

    Parameters
    ----------
    model : keras.Model
        A built classifier, as for :func:`grad_cam`; no convolution needed.
    images : array of shape ``(N, H, W, C)``
        What the model takes.
    class_index : int, sequence of int, or None
        As for :func:`grad_cam`; ``None`` is each image's predicted class.
    patch : int, optional
        Side of the square, in pixels; default ``max(1, min(H, W) // 8)``
        (16 for 128×128). Choose it about the size of the evidence: a patch
        much smaller than an object hides nothing if the rest of the object
        suffices.
    stride : int, optional
        Step between positions; default ``max(1, patch // 2)``.
    fill : float or sequence of float, optional
        The patch's colour, one value or one a channel, in the images' units
        (e.g. 0-255); default each image's mean colour, which adds no new
        edge or colour the network might react to.
    batch_size : int
        Occluded copies a prediction.

    Returns
    -------
    numpy.ndarray
        ``(N, H, W)`` float32 maps with values in [0, 1]; all zeros for an
        image where no patch lowered the score.

    Raises
    ------
    ValueError
        On a patch larger than the image, a bad stride, fill or
        ``class_index``, or images whose shape does not fit the model.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((16, 16, 3)), keras.layers.Flatten(),
    ...     keras.layers.Dense(1, activation="sigmoid")])
    >>> images = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3))
    >>> occlusion(model, images, class_index=1, patch=4).shape
    (2, 16, 16)
    """
    _check_batch_size(batch_size)
    images = _check_images(model, images)
    n, height, width, _ = images.shape
    patch = max(1, min(height, width) // 8) if patch is None else patch
    stride = max(1, patch // 2) if stride is None else stride
    for name, value in (("patch", patch), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int (pixels), got {value!r}")
    if patch > min(height, width):
        raise ValueError(f"patch {patch} is larger than the {height}×{width} images: choose "
                         f"at most {min(height, width)}, e.g. {max(1, min(height, width) // 8)}")
    head = _head(model)
    classes = _check_classes(class_index, n, head)
    colours = _check_fill(fill, images)
    positions = [(y, x) for y in _starts(height, patch, stride)
                 for x in _starts(width, patch, stride)]

    values = _values(model, head, images, batch_size)
    classes = _predicted(values, head) if classes is None else classes
    base = _numpy(_score(values, classes, head))

    maps = np.zeros((n, height, width), dtype=np.float64)
    counts = np.zeros((height, width), dtype=np.float64)
    for y, x in positions:
        counts[y:y + patch, x:x + patch] += 1
    for i in range(n):
        falls = []
        for start in range(0, len(positions), batch_size):
            chunk = positions[start:start + batch_size]
            copies = np.repeat(images[i:i + 1], len(chunk), axis=0)
            for j, (y, x) in enumerate(chunk):
                copies[j, y:y + patch, x:x + patch] = colours[i]
            occluded = _values(model, head, copies, batch_size)
            falls.append(base[i] - _numpy(_score(occluded, np.full(len(chunk), classes[i]), head)))
        for (y, x), fall in zip(positions, np.concatenate(falls)):
            maps[i, y:y + patch, x:x + patch] += fall
    return _normalised(maps / counts)


def _random_region(rng: np.random.Generator, height: int, width: int,
                   k: int) -> np.ndarray:
    """Flat indices of ``k`` contiguous pixels: a near-square at a random place.

    The region is ``side`` columns wide (``ceil(sqrt(k))``, at most the
    width) and as many rows as ``k`` pixels need, the last one cut short.

    Examples
    --------
    >>> idx = _random_region(np.random.default_rng(0), 10, 10, 10)
    >>> len(idx), len(set(idx.tolist()))
    (10, 10)
    """
    side = min(width, int(np.ceil(np.sqrt(k))))
    rows = -(-k // side)
    top = rng.integers(0, height - rows + 1)
    left = rng.integers(0, width - side + 1)
    r, c = np.divmod(np.arange(k), side)
    return (top + r) * width + left + c


def deletion_drop(
    model: Any,
    images: Any,
    maps: Any,
    *,
    fraction: float = 0.1,
    class_index: ClassIndex = None,
    fill: Fill = None,
    seed: int = 0,
    batch_size: int = 64,
    baseline: str = "pixels",
) -> tuple[np.ndarray, np.ndarray]:
    """How much covering a map's top pixels lowers P(class), against covering random pixels.

    For each image, the ``fraction`` of its pixels that its map ranks highest
    (ties broken at random) are set to ``fill``, and so, in a second copy, are
    as many pixels chosen at random (seeded): scattered single pixels
    (``baseline="pixels"``) or one contiguous region at a random place
    (``baseline="region"``: a square, its last row cut short to the same
    number of pixels), which is the fairer rival of a map whose top pixels
    form a blob; the model predicts both. A
    **faithful** map points at what the model uses, so the first cover lowers
    the probability much more than the second, averaged over many images; a
    map no better than chance lowers it about as much as random pixels do.

    Parameters
    ----------
    model : keras.Model
        A built classifier, as for :func:`grad_cam`.
    images : array of shape ``(N, H, W, C)``
        What the model takes.
    maps : array of shape ``(N, H, W)``
        One map an image, higher = more important, e.g. from :func:`grad_cam`
        or :func:`occlusion`.
    fraction : float
        Share of the pixels covered, in (0, 1]; at least one pixel.
    class_index : int, sequence of int, or None
        The class whose probability is watched; ``None``: each image's
        predicted class (on the uncovered image). Pass the class the maps
        explain.
    fill : float or sequence of float, optional
        The covering colour, as for :func:`occlusion`; default each image's
        mean colour.
    seed : int
        Seed of the random pixels (and of the tie-breaking).
    batch_size : int
        Images a prediction.
    baseline : {"pixels", "region"}
        What the random cover is: scattered pixels, or one contiguous region
        of the same area.

    Returns
    -------
    tuple of numpy.ndarray
        ``(map_drop, random_drop)``, each ``(N,)`` float: ``P(class | image) -
        P(class | covered image)`` in probability units, for the map's top
        pixels and for the random ones. Negative when covering raised the
        probability.

    Raises
    ------
    ValueError
        On maps that do not match the images, a fraction outside (0, 1], or
        as :func:`occlusion`.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 1)), keras.layers.Flatten(),
    ...     keras.layers.Dense(2, activation="softmax")])
    >>> images = np.random.default_rng(0).uniform(0, 1, (4, 8, 8, 1))
    >>> top, random = deletion_drop(model, images, images[..., 0], fraction=0.25)
    >>> top.shape, random.shape
    ((4,), (4,))
    """
    _check_batch_size(batch_size)
    images = _check_images(model, images)
    n, height, width, _ = images.shape
    maps = np.asarray(maps, dtype=np.float64)
    if maps.shape != (n, height, width):
        raise ValueError(f"maps must be one (H, W) map an image, shaped {(n, height, width)}, "
                         f"got {maps.shape}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], the share of pixels covered, got {fraction}")
    if baseline not in ("pixels", "region"):
        raise ValueError(f"baseline must be 'pixels' or 'region', got {baseline!r}")
    head = _head(model)
    classes = _check_classes(class_index, n, head)
    colours = _check_fill(fill, images)
    rng = np.random.default_rng(seed)
    pixels = height * width
    k = max(1, round(fraction * pixels))

    covered = np.repeat(images, 2, axis=0)  # even rows: the map's top pixels; odd rows: random
    for i in range(n):
        # Sort by the map, highest first; a random key breaks ties (flat regions) fairly.
        top = np.lexsort((rng.random(pixels), -maps[i].ravel()))[:k]
        if baseline == "region":
            random = _random_region(rng, height, width, k)
        else:
            random = rng.choice(pixels, size=k, replace=False)
        for row, chosen in ((2 * i, top), (2 * i + 1, random)):
            covered[row].reshape(pixels, -1)[chosen] = colours[i]

    values = _values(model, head, images, batch_size)
    classes = _predicted(values, head) if classes is None else classes
    before = _probability(values, classes, head)
    after = _probability(_values(model, head, covered, batch_size), np.repeat(classes, 2), head)
    return before - after[0::2], before - after[1::2]
