"""Model builders of the chapters, shared by the notebooks and the benchmarks.

Each builder returns a new, compiled Keras model, so that a notebook and
``python -m cnncourse.bench`` train exactly the same network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["CATS_DOGS_AUGMENTATION", "CATS_DOGS_EPOCHS", "CATS_DOGS_SIZE",
           "HEADS", "article_cats_dogs_model",
           "article_fashion_model", "cats_dogs_cnn",
           "dense_fashion_model", "fashion_cnn", "fashion_steps_per_epoch", "mirror_averaged"]

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
        Input ``(N, 28, 28, 1)`` float in [0, 1]; output 10 class
        probabilities; ``795 * units + 10`` parameters; metric ``"accuracy"``.

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


ARTICLE_EPOCHS = 3  # the article trains 3 epochs with Keras's default batch of 32 images

# How the course's CNN is trained (chosen on the validation split, never on the test set): with
# filters (16, 48, 96) and pooling first, 10 epochs gave 0.9356 mirror-averaged validation
# accuracy in ~100-125 s on 2 cores, 12 epochs 0.9341; (16, 64, 128) for 8 epochs 0.9359 in
# ~140 s; (32, 64, 128) for 10 epochs 0.9375 in ~195 s.
FASHION_CNN_EPOCHS = 10
FASHION_CNN_BATCH_SIZE = 128
FASHION_VALIDATION_SPLIT = 0.2


def fashion_steps_per_epoch(n_train: int = 48_000, batch_size: int = FASHION_CNN_BATCH_SIZE) -> int:
    """Batches in one epoch of ``n_train`` images (the last batch may be short).

    The default is the 48,000 images ``validation_split=0.2`` leaves for
    training out of Fashion-MNIST's 60,000.

    Examples
    --------
    >>> fashion_steps_per_epoch(48_000, 64)
    750
    >>> fashion_steps_per_epoch(100, 64)
    2
    """
    if n_train < 1 or batch_size < 1:
        raise ValueError(f"n_train and batch_size must be positive, got {n_train} and {batch_size}")
    return -(-n_train // batch_size)


def fashion_cnn(
    *,
    filters: tuple[int, ...] = (16, 48, 96),
    batch_norm: bool = True,
    dropout: float = 0.3,
    dense_units: int = 256,
    flip: bool = True,
    shift: float = 0.0,
    label_smoothing: float = 0.1,
    learning_rate: float = 3e-3,
    epochs: int | None = FASHION_CNN_EPOCHS,
    warmup_epochs: int = 1,
    steps_per_epoch: int | None = None,
    jit_compile: bool = True,
    pool_first: bool = True,
    head: str = "flatten",
) -> Any:
    """The course's CNN for Fashion-MNIST, or one of the steps that lead to it.

    ``[RandomFlip] → blocks → Flatten → Dense(dense_units, relu) → [Dropout]
    → Dense(10, softmax)`` (``head="gap"``: global average pooling in place
    of ``Flatten``), where each entry of ``filters`` adds a block
    ``Conv2D(n, 3×3, padding="same") → MaxPooling2D(2) → [BatchNormalization]
    → ReLU``, so that every block halves the map: 28 → 14 → 7 → 3.
    Compiled with Adam and categorical cross-entropy.

    With ``epochs``, the learning rate follows a "warm-up then cosine"
    schedule: it rises linearly from ``learning_rate / 10`` to
    ``learning_rate`` during the first ``warmup_epochs``, then decays along
    a cosine to 0 at the end of the last epoch. With ``epochs=None`` it stays
    at ``learning_rate``.

    Parameters
    ----------
    filters : tuple of int
        Filters of each block, 1 to 4 blocks.
    batch_norm : bool
        Normalize each convolution's outputs over the batch, before the ReLU.
    dropout : float
        Share of the hidden dense layer's outputs zeroed at random while
        training (0: no dropout layer).
    dense_units : int
        Width of the hidden dense layer.
    flip : bool
        Mirror each training image left-right with probability 1/2
        (``RandomFlip``; it does nothing when predicting).
    shift : float
        Shift each training image at random by up to this share of its
        height and width, filling with black (``RandomTranslation``; 0: none).
    label_smoothing : float
        Train towards ``1 - label_smoothing + label_smoothing / 10`` for the
        true class and ``label_smoothing / 10`` for the others, instead of 1
        and 0, which discourages over-confident predictions.
    learning_rate : float
        Adam's peak (or constant) learning rate.
    epochs : int or None
        Length of the training the schedule spans; None for a constant rate.
    warmup_epochs : int
        Epochs of linear warm-up at the start of the schedule.
    steps_per_epoch : int, optional
        Batches an epoch; default :func:`fashion_steps_per_epoch` of 48,000
        images at ``FASHION_CNN_BATCH_SIZE``.
    jit_compile : bool
        Compile each training step with XLA, which fuses this small
        network's many cheap operations (batch norm, ReLU, pooling, the
        optimizer's updates) into fewer kernels; the same results up to
        float rounding.
    pool_first : bool
        Pool each convolution's output *before* batch norm and ReLU, so
        that both work on a quarter of the pixels. ReLU and max pooling
        commute exactly; batch norm then normalizes the pooled values. A
        third less training time for the same validation accuracy
        (measured on 2 cores); False gives the textbook order
        ``Conv2D → BatchNormalization → ReLU → MaxPooling2D``.
    head : {"flatten", "gap"}
        How the last feature map becomes a vector for the dense layers: every
        position kept (``Flatten``, 3 × 3 × 96 = 864 numbers with the default
        filters) or each map averaged over its positions
        (``GlobalAveragePooling2D``, 96 numbers). Chapter 4 compares the two.

    Returns
    -------
    keras.Model
        Input ``(N, 28, 28, 1)`` float32 in [0, 1]; output 10 class
        probabilities; one-hot labels; metric ``"accuracy"``.

    Examples
    --------
    >>> model = fashion_cnn(filters=(8,), batch_norm=False, dropout=0.0, flip=False,
    ...                     dense_units=128)  # doctest: +SKIP
    >>> model.output_shape, model.count_params()  # doctest: +SKIP
    ((None, 10), 202202)
    """
    import keras
    from keras import layers

    if not 1 <= len(filters) <= 4 or min(filters) < 1:
        raise ValueError(f"filters must hold 1 to 4 positive ints (each block halves the "
                         f"28×28 map), got {filters!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if dense_units < 1:
        raise ValueError(f"dense_units must be a positive integer, got {dense_units}")
    _check_head(head)
    if epochs is not None and not 0 <= warmup_epochs < epochs:
        raise ValueError(f"warmup_epochs must be at least 0 and less than epochs ({epochs}), "
                         f"got {warmup_epochs}")

    inputs = keras.Input(shape=FASHION_INPUT_SHAPE)
    x = layers.RandomFlip("horizontal")(inputs) if flip else inputs
    if shift:
        x = layers.RandomTranslation(shift, shift, fill_mode="constant")(x)
    for n in filters:
        # Batch normalization adds its own offset: a bias in the convolution would be redundant.
        x = layers.Conv2D(n, 3, padding="same", use_bias=not batch_norm)(x)
        if pool_first:
            x = layers.MaxPooling2D(2)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        if not pool_first:
            x = layers.MaxPooling2D(2)(x)
    x = _head(head)(x)
    x = layers.Dense(dense_units, activation="relu")(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(FASHION_CLASSES, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="fashion_cnn")

    rate: Any = learning_rate
    if epochs is not None:
        steps = steps_per_epoch or fashion_steps_per_epoch()
        warmup = warmup_epochs * steps
        rate = keras.optimizers.schedules.CosineDecay(
            learning_rate / 10 if warmup else learning_rate, decay_steps=epochs * steps - warmup,
            warmup_target=learning_rate if warmup else None, warmup_steps=warmup)
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
                  metrics=["accuracy"], jit_compile=jit_compile)
    return model


HEADS = ("flatten", "gap")  # the values of the builders' ``head`` keyword


def _check_head(head: str) -> None:
    if head not in HEADS:
        raise ValueError(f"head must be 'flatten' (keep every position of "
                         f"the last map) or 'gap' (global average "
                         f"pooling), got {head!r}")


def _head(head: str) -> Any:
    """A new ``Flatten`` or ``GlobalAveragePooling2D`` layer for ``head``."""
    from keras import layers

    if head == "flatten":
        return layers.Flatten()
    return layers.GlobalAveragePooling2D()


def mirror_averaged(model: Any) -> Any:
    """Wrap a trained classifier so that it averages each image with its mirror image.

    *Test-time augmentation*: the wrapped model predicts the image and the
    image flipped left-right, and returns the mean of the two probability
    vectors. It pays off for a model trained with random flips, for which
    both views are equally familiar; it costs two predictions, no training.

    The flip is a fixed linear map, built from standard Keras layers
    (``Permute`` and a ``Dense`` layer whose frozen weights are the reversed
    identity matrix), so that the saved ``.keras`` file loads with
    :func:`keras.saving.load_model` alone, without this package.

    Parameters
    ----------
    model : keras.Model
        Input ``(N, H, W, C)``, output class probabilities; it is shared, not
        copied.

    Returns
    -------
    keras.Model
        Same input and output shapes; compiled with ``model``'s loss and
        ``"accuracy"`` so that ``evaluate`` works.

    Examples
    --------
    >>> tta = mirror_averaged(fashion_cnn())  # doctest: +SKIP
    >>> tta.output_shape  # doctest: +SKIP
    (None, 10)
    """
    import keras
    import numpy as np
    from keras import layers

    _, height, width, channels = model.input_shape
    inputs = keras.Input(shape=(height, width, channels))
    # (N, H, W, C) -> (N, H, C, W): a Dense layer acts on the last axis, the columns.
    columns_last = layers.Permute((1, 3, 2))(inputs)
    reverse = layers.Dense(width, use_bias=False, trainable=False, name="reverse_columns")
    mirrored = layers.Permute((1, 3, 2))(reverse(columns_last))
    reverse.set_weights([np.eye(width, dtype="float32")[::-1]])
    outputs = layers.Average()([model(inputs), model(mirrored)])
    wrapped = keras.Model(inputs, outputs, name=f"{model.name}_mirror_averaged")
    wrapped.compile(loss=model.loss, metrics=["accuracy"])
    return wrapped


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


# How chapter 6's network is trained, chosen on the validation photos, one run each of 15
# epochs at 96×96: flips alone 0.876, flips and ±10 % zoom 0.868, flips, 18° turns, ±20 % zoom
# and ±10 % shifts 0.834, no augmentation 0.856 (the stronger the augmentation, the more epochs
# it needs to pay off); 128×128 cost 2.5 times as much a step. Pooling before batch norm in each
# stage then took an epoch from ~14 s to ~10 s; validation 0.872 to 0.924 over three runs with
# flips (seeds and data order differ), test 0.873 to 0.887.
CATS_DOGS_SIZE = 96
CATS_DOGS_EPOCHS = 15
CATS_DOGS_AUGMENTATION: dict[str, float] = {"rotation": 0.0, "zoom": 0.0, "translation": 0.0}


def _conv_bn_relu(x: Any, filters: int, *, strides: int = 1, pool: bool = False) -> Any:
    """3×3 convolution (no bias: the batch norm has one), [2×2 max pooling], batch norm, ReLU.

    With ``pool``, the pooling comes right after the convolution, so that
    batch norm and ReLU work on a quarter of the pixels: ReLU and max pooling
    commute, and batch norm normalizes the pooled values. On 2 cores this cut
    an epoch of the 96×96 network by a third.

    The batch norm's running mean and variance, used for validation and
    prediction, follow the last ~10 batches (momentum 0.9) rather than Keras's
    default ~100 (0.99): with 110 batches an epoch and a high learning rate,
    the default lags the weights by about an epoch and throws the validation
    accuracy around (0.50 after a good epoch); the training is the same.
    """
    from keras import layers

    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    if pool:
        x = layers.MaxPooling2D(2)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.ReLU()(x)


def cats_dogs_cnn(
    image_size: int = CATS_DOGS_SIZE,
    *,
    epochs: int,
    steps_per_epoch: int,
    augment: bool = True,
    augmentation: Mapping[str, float] | None = None,
    widths: tuple[int, ...] = (32, 64, 128, 256),
    dropout: float = 0.3,
    peak_learning_rate: float = 3e-3,
    weight_decay: float = 1e-4,
    head: str = "gap",
) -> Any:
    """The course's cats-vs-dogs CNN: cheap on a CPU, and it generalises.

    ``augmentation → Rescaling → stem (3×3 conv, stride 2, batch norm, ReLU)
    → for each width: [3×3 conv → 2×2 max pooling → batch norm → ReLU] →
    global average pooling → dropout → Dense(1, sigmoid)``. The stride-2 stem
    halves the image before any costly layer; pooling straight after each
    convolution leaves batch norm and ReLU a quarter of the pixels; batch
    norm lets a high learning rate train it fast; global average pooling
    replaces ``Flatten`` and its millions of weights.

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
        Include :func:`cnncourse.augment.augmentation` at the input (active
        only in training).
    augmentation : mapping, optional
        Its options; default :data:`CATS_DOGS_AUGMENTATION`, left-right flips
        alone, which did best in 15 epochs on 3,500 photos. With more epochs
        or photos, try ``{}`` (flips, rotations, zooms and shifts).
    widths : tuple of int
        Filters of the convolution of each stage; each stage halves the size.
    dropout : float
        Dropout rate before the output layer.
    peak_learning_rate, weight_decay : float
        AdamW's highest learning rate and its decoupled weight decay.
    head : {"gap", "flatten"}
        Global average pooling (256 numbers for the default widths), or
        ``Flatten`` to keep every position of the last map (3 × 3 × 256 =
        2,304 numbers at 96×96), as chapter 4 compares.

    Returns
    -------
    keras.Model
        Compiled. Input ``(N, image_size, image_size, 3)`` float RGB, values
        0-255; output ``(N, 1)``, the probability of "dog"; integer labels
        (0 cat, 1 dog) with binary cross-entropy; metric ``"accuracy"``.

    Examples
    --------
    >>> model = cats_dogs_cnn(96, epochs=15, steps_per_epoch=110)  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, 1)
    """
    import keras
    from keras import layers

    from cnncourse.augment import augmentation as augmentation_block

    if epochs < 1 or steps_per_epoch < 1:
        raise ValueError(f"epochs and steps_per_epoch must be positive, got {epochs} and "
                         f"{steps_per_epoch}; pass those of the fit call (steps: len(train_ds))")
    if not widths:
        raise ValueError("widths needs at least one stage, e.g. (32, 64, 128, 256)")
    _check_head(head)
    inputs = keras.Input(shape=(image_size, image_size, 3))
    options = CATS_DOGS_AUGMENTATION if augmentation is None else augmentation
    x = augmentation_block(**options)(inputs) if augment else inputs
    x = layers.Rescaling(1 / 255)(x)
    x = _conv_bn_relu(x, widths[0], strides=2)
    for width in widths:
        x = _conv_bn_relu(x, width, pool=True)
    x = _head(head)(x)
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
