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

__all__ = ["BATCH_SIZE", "DROPOUT", "EPOCHS", "FLIPS", "IMAGE_SIZE",
           "LEARNING_RATE", "classifier", "feature_model", "features",
           "head", "train"]

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


def feature_model(base: Any) -> Any:
    """Photos (0-255) → [-1, 1] → ``base(training=False)`` → global average.

    Parameters
    ----------
    base : keras.Model
        A convolutional base such as :func:`cnncourse.pretrained.mobilenet_v2`,
        with a fixed input shape.

    Returns
    -------
    keras.Model
        Input ``(N, H, W, 3)`` float32 0-255; output ``(N, channels)``.

    Examples
    --------
    >>> import keras
    >>> base = keras.Sequential([keras.Input((8, 8, 3)),
    ...                          keras.layers.Conv2D(4, 3)])
    >>> feature_model(base).output_shape
    (None, 4)
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=base.input_shape[1:])
    # MobileNetV2's preprocess_input, as a layer that a saved model keeps
    x = layers.Rescaling(1 / 127.5, offset=-1, name="to_minus1_1")(inputs)
    x = base(x, training=False)  # batch norm stays in inference mode
    outputs = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, outputs, name="features")


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
             flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
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
        ``(N, channels)`` float32 and ``(N,)``, in the same order.

    Examples
    --------
    >>> x, y = features(feature_model(base), val_ds)  # doctest: +SKIP
    """
    import tensorflow as tf

    outputs, labels = [], []
    for photos, batch_labels in dataset:
        if flip:
            photos = tf.image.flip_left_right(photos)
        outputs.append(extractor.predict_on_batch(photos))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(outputs), np.concatenate(labels)


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
