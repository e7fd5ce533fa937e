"""Model builders of the chapters, shared by the notebooks and the benchmarks.

Each builder returns a new, compiled Keras model, so that a notebook and
``python -m cnncourse.bench`` train exactly the same network.
"""

from __future__ import annotations

from typing import Any

__all__ = ["article_cats_dogs_model", "cats_dogs_cnn", "article_fashion_model", "dense_fashion_model"]

FASHION_INPUT_SHAPE = (28, 28, 1)
FASHION_CLASSES = 10


# --- Fashion-MNIST (chapter 5) -----------------------------------------------


def article_fashion_model() -> Any:
    """The source article's one-convolution network, corrected to run.

    ``Conv2D(8, 3×3, relu) → Flatten → Dense(128, relu) → Dense(10, softmax)``,
    compiled with RMSprop and categorical cross-entropy, as in the article.
    The article's listing has no ``Flatten`` (it would not train: the dense
    layers would act on every pixel of the 26×26×8 map separately); it is put
    back here.

    Returns
    -------
    keras.Model
        Input ``(N, 28, 28, 1)`` float in [0, 1]; output 10 class probabilities;
        693,722 parameters; metric ``"accuracy"``; labels one-hot.

    Examples
    --------
    >>> model = article_fashion_model()  # doctest: +SKIP
    >>> model.count_params()  # doctest: +SKIP
    693722
    """
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=FASHION_INPUT_SHAPE),
        layers.Conv2D(8, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(FASHION_CLASSES, activation="softmax"),
    ], name="article_cnn")
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def dense_fashion_model(units: int = 128) -> Any:
    """A network without convolutions: ``Flatten → Dense(units, relu) → Dense(10)``.

    The article's exercise: the same training (RMSprop, one-hot labels,
    categorical cross-entropy) without the convolution layer.

    Parameters
    ----------
    units : int
        Width of the hidden layer; 128 as in the article's model.

    Returns
    -------
    keras.Model
        Input ``(N, 28, 28, 1)``; output 10 class probabilities;
        ``785 * units + 11 * units... `` see :meth:`keras.Model.count_params`.

    Examples
    --------
    >>> dense_fashion_model().count_params()  # doctest: +SKIP
    101770
    """
    import keras
    from keras import layers

    if units < 1:
        raise ValueError(f"units must be a positive integer, got {units}")
    model = keras.Sequential([
        keras.Input(shape=FASHION_INPUT_SHAPE),
        layers.Flatten(),
        layers.Dense(units, activation="relu"),
        layers.Dense(FASHION_CLASSES, activation="softmax"),
    ], name=f"dense_{units}")
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# --- Cats vs dogs (chapter 6) ------------------------------------------------


def article_cats_dogs_model(image_size: int = 128, *, augment: bool = True) -> Any:
    """The source article's cats-vs-dogs network, corrected to run, in Keras 3.

    ``Conv2D(64, 3×3, relu) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) →
    MaxPooling2D(2) → Flatten → Dense(64, relu) → Dense(2, softmax)``, all
    convolutions unpadded. The article's code leaves out the ``Flatten``
    (chapter 4); it is put back. Its ``ImageDataGenerator`` becomes layers at
    the model's input: the article's random zoom and flips
    (:func:`cnncourse.augment.article_augmentation`, active only in training)
    and ``rescale=1./255`` as a ``Rescaling`` layer. The article does not show
    its ``compile`` call: Adam with its default learning rate is used.

    Parameters
    ----------
    image_size : int
        Height and width of the input; 128 as in the article.
    augment : bool
        Include the article's random zoom and flips.

    Returns
    -------
    keras.Model
        Compiled. Input ``(N, image_size, image_size, 3)`` float RGB, values
        0-255; output ``(N, 2)`` probabilities ``[cat, dog]``; integer labels
        (0 cat, 1 dog) with sparse categorical cross-entropy; metric
        ``"accuracy"``. 3,725,314 parameters at 128×128.

    Examples
    --------
    >>> article_cats_dogs_model().count_params()  # doctest: +SKIP
    3725314
    """
    import keras
    from keras import layers

    from cnncourse.augment import article_augmentation

    model = keras.Sequential(
        [keras.Input(shape=(image_size, image_size, 3))]
        + ([article_augmentation()] if augment else [])
        + [
            layers.Rescaling(1 / 255),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(2, activation="softmax"),
        ],
        name="article_cats_dogs",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _conv_bn_relu(x: Any, filters: int, *, strides: int = 1) -> Any:
    """3×3 convolution (no bias: the batch norm has one), batch norm, ReLU."""
    from keras import layers

    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def cats_dogs_cnn(
    image_size: int = 128,
    *,
    epochs: int,
    steps_per_epoch: int,
    augment: bool = True,
    widths: tuple[int, ...] = (32, 64, 128, 256),
    dropout: float = 0.3,
    peak_learning_rate: float = 3e-3,
    weight_decay: float = 1e-4,
) -> Any:
    """The course's cats-vs-dogs CNN: cheap on a CPU, and it generalises.

    ``augmentation → Rescaling → stem (3×3 conv, stride 2) → for each width:
    [3×3 conv → batch norm → ReLU → 2×2 max pooling] → global average pooling
    → dropout → Dense(1, sigmoid)``. The stride-2 stem halves the image before
    any costly layer; batch norm lets a high learning rate train it fast;
    global average pooling replaces ``Flatten`` and its millions of weights.

    It is compiled with AdamW and a one-cycle-like schedule: the learning rate
    rises linearly to ``peak_learning_rate`` over the first tenth of the
    training, then falls to zero along a cosine, so ``epochs`` and
    ``steps_per_epoch`` must be those of the ``fit`` call.

    Parameters
    ----------
    image_size : int
        Height and width of the input.
    epochs, steps_per_epoch : int
        The length of the training the schedule is laid out for.
    augment : bool
        Include :func:`cnncourse.augment.augmentation` (flips, rotations,
        zooms, shifts; active only in training).
    widths : tuple of int
        Filters of the convolution of each stage; each stage halves the size.
    dropout : float
        Dropout rate before the output layer.
    peak_learning_rate, weight_decay : float
        AdamW's highest learning rate and its decoupled weight decay.

    Returns
    -------
    keras.Model
        Compiled. Input ``(N, image_size, image_size, 3)`` float RGB, values
        0-255; output ``(N, 1)``, the probability of "dog"; integer labels
        (0 cat, 1 dog) with binary cross-entropy; metric ``"accuracy"``.

    Examples
    --------
    >>> model = cats_dogs_cnn(epochs=15, steps_per_epoch=110)  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, 1)
    """
    import keras
    from keras import layers

    from cnncourse.augment import augmentation

    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(f"epochs and steps_per_epoch must be positive, got {epochs} and "
                         f"{steps_per_epoch}; pass those of the fit call (steps: len(train_ds))")
    if not widths:
        raise ValueError("widths needs at least one stage, e.g. (32, 64, 128, 256)")
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = augmentation()(inputs) if augment else inputs
    x = layers.Rescaling(1 / 255)(x)
    x = _conv_bn_relu(x, widths[0], strides=2)
    for width in widths:
        x = _conv_bn_relu(x, width)
        x = layers.MaxPooling2D(2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs,
                        name="cats_dogs_cnn" if augment else "cats_dogs_cnn_no_augmentation")

    total = epochs * steps_per_epoch
    warmup = max(1, total // 10)
    schedule = keras.optimizers.schedules.CosineDecay(
        peak_learning_rate / 30, decay_steps=max(1, total - warmup),
        warmup_target=peak_learning_rate, warmup_steps=warmup)
    model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=weight_decay),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model
