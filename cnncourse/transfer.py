"""Transfer learning, chapter 7's recipe: ImageNet features and a small head.

The whole model is ``photos (float32 RGB, 0-255) → Rescaling to [-1, 1]
(MobileNetV2's preprocess_input) → frozen MobileNetV2 base, called with
training=False → global average pooling → dropout → Dense(1, sigmoid)``,
the probability of "dog".

Since the base is frozen and run in inference mode, everything up to the
pooling gives the same numbers at every epoch; :func:`train` therefore runs
each photo through it once (:func:`features`), trains the head on those
1,280 numbers a photo, and puts the trained head on the base
(:func:`classifier`). Random left-right flips become a second, mirrored
copy of each training photo's features.

Fine-tuning (:func:`top_of_base`) trains the base's last layers, from
:data:`TOP` on, with the trained head: the layers below stay frozen, so
their output (the input of :data:`TOP`) is stored once too
(:func:`feature_model` with ``top``), and only the top runs each epoch.

Examples
--------
>>> from cnncourse import pretrained  # doctest: +SKIP
>>> base = pretrained.mobilenet_v2(input_shape=(224, 224, 3))  # doctest: +SKIP
>>> model, history, seconds = train(base, train_ds, val_ds)  # doctest: +SKIP
>>> model.predict(images.load_batch(["my_dog.jpg"], 224))  # doctest: +SKIP
array([[0.99]], dtype=float32)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = ["BATCH_SIZE", "BATCH_NORM_MODES", "DROPOUT", "EPOCHS",
           "FINE_TUNE_EPOCHS", "FINE_TUNE_RATE", "FLIPS", "IMAGE_SIZE",
           "LEARNING_RATE", "TOP", "classifier", "feature_model", "features",
           "head", "top_of_base", "train"]

# Chosen on the validation photos of chapter 6's split (one run each, heads on
# features computed once; see CONTRIBUTING.md for the frontier): α = 1.0
# beat α = 0.35 (0.978 against 0.944 at 160 px, 5 epochs), and 224 px (the
# size the weights were trained at, 0.988) beat 160 (0.978), 128 (0.964) and
# 96 (0.942) for about twice the forward passes of 160; mirrored copies of
# the training photos gave 0.978-0.982 against 0.978-0.980 without at 160
# px, within the noise of 500 photos (±0.006), for twice the forward passes;
# 5, 10 or 20 epochs of the head gave the same, so the cheapest was kept.
IMAGE_SIZE = 224
"""Height and width of the photos the chapter's model reads."""
EPOCHS = 5
LEARNING_RATE = 1e-3
DROPOUT = 0.2
BATCH_SIZE = 32
FLIPS = False
"""Whether to train the head on each photo's mirror image too."""
TOP = "block_16_expand"
"""The first layer fine-tuned: MobileNetV2's last block (expand, depthwise
and project convolutions) and the 1×1 convolution after it, 880,000
weights of 2.26 million at α = 1.0."""
FINE_TUNE_EPOCHS = 2
FINE_TUNE_RATE = 1e-4
"""Adam's learning rate for fine-tuning: ten times below the head's, not to
wreck what the pretrained layers know."""
BATCH_NORM_MODES = ("trainable", "called with training=False", "frozen")
"""How :func:`top_of_base` treats the base's batch-norm layers."""


def feature_model(base: Any, *, top: str | None = None) -> Any:
    """Photos (0-255) → [-1, 1] → ``base(training=False)`` → global average.

    Parameters
    ----------
    base : keras.Model
        A convolutional base such as :func:`cnncourse.pretrained.mobilenet_v2`,
        with a fixed input shape.
    top : str, optional
        The name of a layer of ``base`` (:data:`TOP` for fine-tuning): the
        model then also returns, first, the activations that enter it.

    Returns
    -------
    keras.Model
        Input ``(N, H, W, 3)`` float32 0-255; output ``(N, channels)``, or
        with ``top`` two outputs, ``[(N, h, w, c) at top's input,
        (N, channels)]``.

    Examples
    --------
    >>> import keras
    >>> photos = keras.Input((8, 8, 3))
    >>> a = keras.layers.Conv2D(4, 3, name="a")(photos)
    >>> base = keras.Model(photos, keras.layers.Conv2D(5, 3, name="b")(a))
    >>> feature_model(base).output_shape
    (None, 5)
    >>> feature_model(base, top="b").output_shape
    [(None, 6, 6, 4), (None, 5)]
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=base.input_shape[1:])
    # MobileNetV2's preprocess_input, as a layer that a saved model keeps
    x = layers.Rescaling(1 / 127.5, offset=-1, name="to_minus1_1")(inputs)
    if top is None:
        x = base(x, training=False)  # batch norm stays in inference mode
        return keras.Model(inputs, layers.GlobalAveragePooling2D(name="pool")(x),
                           name="features")
    inside = keras.Model(base.input, [_layer(base, top).input, base.output])
    block_input, x = inside(x, training=False)
    outputs = [block_input, layers.GlobalAveragePooling2D(name="pool")(x)]
    return keras.Model(inputs, outputs, name="features")


def _layer(base: Any, name: str) -> Any:
    """``base.get_layer(name)``, or an error that names the layers to choose."""
    names = [layer.name for layer in base.layers]
    if name not in names:
        raise ValueError(f"{base.name} has no layer {name!r}; its last layers are "
                         f"{', '.join(names[-12:])}")
    return base.get_layer(name)


def head(n_features: int, *, dropout: float = DROPOUT,
         learning_rate: float = LEARNING_RATE) -> Any:
    """The trainable part: dropout, then one sigmoid unit, compiled.

    Examples
    --------
    >>> head(1280).count_params()
    1281
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(n_features,))
    x = layers.Dropout(dropout, name="dropout")(inputs)
    outputs = layers.Dense(1, activation="sigmoid", name="p_dog")(x)
    model = keras.Model(inputs, outputs, name="head")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def features(extractor: Any, dataset: Any, *,
             flip: bool = False) -> tuple[np.ndarray, ...]:
    """Run every photo of a labelled dataset through ``extractor`` once.

    Parameters
    ----------
    extractor : keras.Model
        From :func:`feature_model`.
    dataset : tf.data.Dataset
        Batches ``(photos, labels)`` as :func:`cnncourse.images.make_dataset`
        makes them; read once, so a shuffled one is fine too.
    flip : bool
        Mirror each photo left-right first.

    Returns
    -------
    features, labels : numpy.ndarray
        ``(N, channels)`` float32 and ``(N,)``, in the same order. With an
        extractor of several outputs (``feature_model(base, top=...)``), one
        array per output, then the labels: ``block_input, features, labels``.

    Examples
    --------
    >>> x, y = features(feature_model(base), val_ds)  # doctest: +SKIP
    >>> a, x, y = features(feature_model(base, top=TOP),
    ...                    val_ds)  # doctest: +SKIP
    """
    import tensorflow as tf

    outputs, labels = [], []
    for photos, batch_labels in dataset:
        if flip:
            photos = tf.image.flip_left_right(photos)
        out = extractor.predict_on_batch(photos)
        outputs.append(out if isinstance(out, (list, tuple)) else [out])
        labels.append(np.asarray(batch_labels))
    return (*(np.concatenate(parts) for parts in zip(*outputs)),
            np.concatenate(labels))


def top_of_base(base: Any, trained_head: Any, top: str = TOP, *,
                batch_norm: str = "frozen",
                learning_rate: float = FINE_TUNE_RATE) -> Any:
    """The base from layer ``top`` to its end, then the head: for fine-tuning.

    A new model whose input is what enters ``top`` in ``base`` (the stored
    block inputs of :func:`feature_model` with ``top``): copies of the base's
    layers from ``top`` on, weights included, global average pooling, then
    copies of the trained head's layers. Every copied layer is trainable
    (but batch norm in ``"frozen"``); ``base`` and ``trained_head`` are not
    changed.

    Parameters
    ----------
    base : keras.Model
        The pretrained base; its layers from ``top`` on must form a chain
        (no branch or residual sum), as MobileNetV2's last block does.
    trained_head : keras.Model
        From :func:`head`, trained on the base's pooled features.
    top : str
        The first layer to fine-tune (default :data:`TOP`).
    batch_norm : {"frozen", "trainable", "called with training=False"}
        ``"frozen"``: the batch-norm layers get ``trainable = False``, so
        they normalize with their running averages always (inference mode)
        and keep them. ``"trainable"``: they normalize each batch with its
        own statistics in ``fit`` (training mode) and move their averages.
        ``"called with training=False"``: trainable, but called with
        ``training=False`` as the Keras guide advises; in Keras 3 ``fit``
        overrides it, so this behaves as ``"trainable"`` (Keras issue 20285).
    learning_rate : float
        Adam's learning rate (default :data:`FINE_TUNE_RATE`).

    Returns
    -------
    keras.Model
        Input ``(N, h, w, c)``, the activations entering ``top``; output
        ``(N, 1)``, P(dog). Compiled with Adam, binary cross-entropy and
        ``"accuracy"``.

    Raises
    ------
    ValueError
        For another ``batch_norm``, a ``top`` that ``base`` lacks, or layers
        after ``top`` that are not a chain.

    Examples
    --------
    >>> import keras
    >>> base = keras.Sequential([keras.Input((8, 8, 3)),
    ...                          keras.layers.Conv2D(4, 3, name="a"),
    ...                          keras.layers.Conv2D(6, 3, name="b"),
    ...                          keras.layers.BatchNormalization(name="bn")])
    >>> tuned = top_of_base(base, head(6), "b", batch_norm="frozen")
    >>> tuned.input_shape, tuned.output_shape
    ((None, 6, 6, 4), (None, 1))
    >>> [(layer.name, layer.trainable) for layer in tuned.layers[1:3]]
    [('b', True), ('bn', False)]
    """
    import keras

    if batch_norm not in BATCH_NORM_MODES:
        raise ValueError(f"batch_norm must be one of {', '.join(map(repr, BATCH_NORM_MODES))}; "
                         f"got {batch_norm!r}")
    first = base.layers.index(_layer(base, top))
    chain = base.layers[first:]
    for previous, layer in zip(chain, chain[1:]):
        if layer.input is not previous.output:
            raise ValueError(f"the layers of {base.name} from {top!r} on are not a chain: "
                             f"{layer.name!r} does not take {previous.name!r}'s output alone; "
                             "choose a later top, after the last branch or residual sum")
    x = inputs = keras.Input(_layer(base, top).input.shape[1:], name="block_input")
    for layer in chain + trained_head.layers[1:]:  # the head's input layer left out
        copy = layer.__class__.from_config(layer.get_config())
        is_bn = isinstance(layer, keras.layers.BatchNormalization)
        copy.trainable = not (is_bn and batch_norm == "frozen")
        if is_bn and batch_norm == "called with training=False":
            x = copy(x, training=False)
        else:
            x = copy(x)
        if layer is chain[-1]:
            x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        copy.set_weights(layer.get_weights())
    model = keras.Model(inputs, x, name="top_of_base")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def classifier(base: Any, trained_head: Any) -> Any:
    """The whole model: :func:`feature_model` of ``base``, then the head.

    Returns
    -------
    keras.Model
        Input float32 RGB photos 0-255 at the base's size; output
        ``(N, 1)``, P(dog); compiled for ``evaluate`` (binary
        cross-entropy, ``"accuracy"``). The head's layers are shared.

    Examples
    --------
    >>> import keras
    >>> base = keras.Sequential([keras.Input((8, 8, 3)),
    ...                          keras.layers.Conv2D(4, 3)])
    >>> classifier(base, head(4)).output_shape
    (None, 1)
    """
    import keras

    extractor = feature_model(base)
    model = keras.Model(extractor.input, trained_head(extractor.output),
                        name="transfer")
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    # Built now, the optimizer is saved with the state that loading expects:
    # no warning (on stderr, which fails a notebook) when the model is loaded.
    model.optimizer.build(model.trainable_variables)
    return model


def train(base: Any, train_ds: Any, val_ds: Any, *, epochs: int = EPOCHS,
          flips: bool = FLIPS, dropout: float = DROPOUT,
          learning_rate: float = LEARNING_RATE,
          batch_size: int = BATCH_SIZE) -> tuple[Any, Any, float]:
    """Train a head on a frozen base's features; return the whole model.

    Parameters
    ----------
    base : keras.Model
        The frozen base, weights loaded.
    train_ds, val_ds : tf.data.Dataset
        Labelled photos, float32 0-255 at the base's input size, not
        shuffled (:func:`cnncourse.images.make_dataset`).
    epochs, dropout, learning_rate, batch_size
        The head's training (Adam).
    flips : bool
        Also train on each training photo's mirror image.

    Returns
    -------
    model : keras.Model
        :func:`classifier`: photos 0-255 in, P(dog) out.
    history : keras.callbacks.History
        Of the head's ``fit``, validation included.
    seconds : float
        Wall-clock time of it all: the forward passes through the base
        (training and validation photos) and the head's training.

    Examples
    --------
    >>> model, history, seconds = train(
    ...     base, train_ds, val_ds)  # doctest: +SKIP
    """
    start = time.perf_counter()
    extractor = feature_model(base)
    x_train, y_train = features(extractor, train_ds)
    if flips:
        x_flip, _ = features(extractor, train_ds, flip=True)
        x_train = np.concatenate([x_train, x_flip])
        y_train = np.concatenate([y_train, y_train])
    validation = features(extractor, val_ds)
    trained = head(x_train.shape[1], dropout=dropout,
                   learning_rate=learning_rate)
    history = trained.fit(x_train, y_train, epochs=epochs,
                          batch_size=batch_size, shuffle=True,
                          validation_data=validation, verbose=2)
    model = classifier(base, trained)
    return model, history, time.perf_counter() - start
