"""The exercises of chapter 4, pooling."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from cnncourse.exercises.grading import (
    Exercise, Wrong, as_ints, as_items, count_feedback, register,
)


def _article_dense_params(size: int, pools: tuple[bool, bool] = (True, True),
                          padding: str = "valid") -> int:
    """Parameters of the first ``Dense(64)`` of the article's network.

    Parameters
    ----------
    size : int
        Height and width of the input.
    pools : pair of bool
        Whether each of the two poolings is there (a learner may forget one).
    padding : {"valid", "same"}
        The convolutions' padding (the article's are "valid").

    Returns
    -------
    int

    Examples
    --------
    >>> _article_dense_params(128)
    3686464
    """
    for pooled in pools:
        size = size - 2 if padding == "valid" else size  # Conv2D(64, 3)
        size = size // 2 if pooled else size  # MaxPooling2D(2)
    return size * size * 64 * 64 + 64


def _grade_4_1(answer: Any) -> str:
    right = _article_dense_params(200)
    known = {
        right - 64: "that forgets the 64 biases of the Dense units.",
        49 * 49 * 64 * 64 + 64: "pooling rounds down: 97 // 2 = 48, not 49 "
                                "(the last row and column are dropped).",
        _article_dense_params(128): "that is the value for 128×128 inputs; "
                                    "redo the sizes from 200: 200 → 198 → 99 "
                                    "→ 97 → 48.",
        _article_dense_params(200, (True, False)): "that skips the second "
                                                   "pooling: 97 // 2 = 48.",
        _article_dense_params(200, (False, True)): "that skips the first "
                                                   "pooling: 198 // 2 = 99.",
        _article_dense_params(200, (False, False)): "that skips both "
                                                    "poolings: each halves "
                                                    "the map.",
        _article_dense_params(200, padding="same"): "the convolutions are "
                                                    "unpadded ('valid'): "
                                                    "each takes 2 pixels "
                                                    "off, 200 → 198.",
        48 * 48 * 64: "147,456 is what Flatten gives; the Dense layer has a "
                      "weight for each of those numbers and each of its 64 "
                      "units, plus 64 biases.",
        48 * 48 * 64 + 64: "each of Flatten's 147,456 numbers connects to "
                           "each of the 64 units: multiply by 64 too.",
        right + 1792 + 36_928 + 130: "that is the whole network; the "
                                     "exercise asks only for the first Dense "
                                     "layer.",
    }
    return count_feedback(
        answer, "the number of parameters", right,
        "9,437,248: the map is 48 × 48 × 64 after the second pooling, so "
        "Flatten gives 147,456 numbers, each connected to 64 units, plus 64 "
        "biases.",
        {n: f"{n:,}: {why}" for n, why in known.items()},
        lambda given: f"{given:,} is not right: follow the size 200 → conv → "
                      "pool → conv → pool, then (size × size × 64) × 64 + "
                      "64.")


register(Exercise(
    id="4.1", label="ch04-ex1",
    answer="an int, the parameters of the first Dense layer",
    variable="dense_params",
    hint="An unpadded 3×3 convolution takes 2 pixels off; 2×2 pooling "
         "halves, rounding down. The first Dense layer has (numbers out of "
         "Flatten) × 64 weights and 64 biases.",
    solution="200 → 198 (conv) → 99 (pool) → 97 (conv) → 48 (pool). Flatten "
             "gives 48 × 48 × 64 = 147,456 numbers, and the first Dense "
             "layer has 147,456 × 64 + 64 = 9,437,248 parameters, 2.6 times "
             "as many as on 128×128 inputs; the convolutions' parameters do "
             "not change.",
    grade=_grade_4_1,
))


def _grade_4_2(answer: Any) -> str:
    parts = as_items(answer, 2, "(max pooling commutes with ReLU?, average "
                                "pooling commutes with ReLU?)")
    if not all(isinstance(part, (bool, np.bool_)) for part in parts):
        raise Wrong("answer each question with True or False.")
    max_ok, average_ok = (bool(part) for part in parts)
    if max_ok and not average_ok:
        return ("max pooling commutes with ReLU (ReLU keeps the order of "
                "numbers), average pooling does not.")
    problems = []
    if not max_ok:
        problems.append("ReLU never changes the order of two numbers (it is "
                        "non-decreasing), so a window's largest value stays "
                        "the largest: max pooling and ReLU commute")
    if average_ok:
        problems.append("the mean of ReLUs is not the ReLU of the mean: a "
                        "window with 2 and −2 gives mean(2, 0) = 1 one way "
                        "and relu(0) = 0 the other")
    raise Wrong("; ".join(problems) + ".")


register(Exercise(
    id="4.2", label="ch04-ex2",
    answer="(max pooling and ReLU commute?, average pooling and ReLU "
           "commute?), two bools",
    variable="commute",
    hint="Does ReLU ever change which of two numbers is larger? For the "
         "average, try a window holding only 2 and −2.",
    solution="(True, False). ReLU is non-decreasing, so the largest value of "
             "a window stays the largest and max pooling commutes with it "
             "(and ReLU after pooling is 4× cheaper). The mean of ReLUs is "
             "not the ReLU of the mean: 2 and −2 give 1 one way, 0 the "
             "other.",
    grade=_grade_4_2,
))


def _grade_4_3(answer: Any) -> str:
    overlapping, plain, params = as_ints(
        answer, "(size with 3×3 windows, size with 2×2 windows, parameters)",
        "the size with 3×3 windows", "the size with 2×2 windows",
        "the number of parameters")
    for got, k in ((overlapping, 3), (plain, 2)):
        if got == 27:
            continue
        if got == (55 - k) // 2:
            raise Wrong(f"{got} forgets the + 1 (the first window): with "
                        f"{k}×{k} windows, (55 − {k}) // 2 + 1 = 27.")
        if got == 28:
            raise Wrong(f"28 rounds up: with {k}×{k} windows and no padding, "
                        f"the size is floor((55 − {k}) / 2) + 1 = 27 (28 = "
                        "ceil(55 / 2) is 'same').")
        raise Wrong(f"{got} with {k}×{k} windows: floor((55 − {k}) / 2) + 1 = "
                    "27.")
    if params != 0:
        raise Wrong(f"{params} parameters: pooling has no weights, it only "
                    "takes the largest value of each window.")
    return ("27 either way, and no parameters: the 3×3 windows overlap their "
            "neighbours by a row and a column, but they fit as many times as "
            "the 2×2 ones.")


register(Exercise(
    id="4.3", label="ch04-ex3",
    answer="(size with 3×3 windows stride 2, size with 2×2 windows stride 2, "
           "parameters)",
    variable="pool_sizes",
    hint="Chapter 3's formula floor((n − k) / s) + 1 holds for pooling "
         "windows as for kernels. What would a pooling layer learn?",
    solution="(27, 27, 0): floor((55 − 3) / 2) + 1 = 27 and floor((55 − 2) / "
             "2) + 1 = 27, the same size, but the 3×3 windows share a row "
             "and a column with their neighbours. Pooling has nothing to "
             "learn: 0 parameters.",
    grade=_grade_4_3,
))


# --- 4.4: build and train a small CNN ----------------------------------------

BUILD_MAX_PARAMS = 50_000
"""Exercise 4.4's budget: a small CNN, well under the dense network's."""
BUILD_MIN_ACCURACY = 0.80
"""Exercise 4.4's bar, on :data:`BUILD_TEST_IMAGES` test images."""
BUILD_TEST_IMAGES = 2_000
"""How many of Fashion-MNIST's test images (the first) 4.4 is checked on."""


@functools.lru_cache(maxsize=1)
def _build_test_set() -> tuple[np.ndarray, np.ndarray]:
    """The first test images of Fashion-MNIST, scaled to [0, 1], and labels."""
    from cnncourse import datasets

    _, (x_test, y_test) = datasets.load_fashion_mnist()
    x = (x_test[:BUILD_TEST_IMAGES, ..., None] / 255).astype("float32")
    return x, y_test[:BUILD_TEST_IMAGES]


def _structure_4_4(model: Any) -> tuple[int, int, int]:
    """Check the layers and size; return (convolutions, poolings, params)."""
    import keras

    if not isinstance(model, keras.Model):
        raise Wrong(f"give the model itself, not {type(model).__name__}: "
                    "my_cnn = keras.Sequential([...]).")
    if not isinstance(model, keras.Sequential):
        raise Wrong("build it with keras.Sequential([...]): a list of "
                    "layers, each feeding the next.")
    layers = model.layers
    if not layers:
        raise Wrong("the Sequential has no layers yet.")
    try:
        shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, ValueError):
        shape = None
    if shape is None:
        raise Wrong("the model does not know its input yet: start the list "
                    "with keras.Input((28, 28, 1)).")
    if shape == (28, 28):
        raise Wrong("input (28, 28): Conv2D needs a channel axis, "
                    "keras.Input((28, 28, 1)), and images x[..., None].")
    if shape != (28, 28, 1):
        raise Wrong(f"input {shape}: Fashion-MNIST images are 28×28 with one "
                    "channel, keras.Input((28, 28, 1)).")
    convolutions = sum(isinstance(layer, keras.layers.Conv2D)
                       for layer in layers)
    if not convolutions:
        raise Wrong("no Conv2D layer: Flatten and Dense alone make chapter "
                    "1's dense network, which ignores which pixels are "
                    "neighbours.")
    pooling = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D,
               keras.layers.GlobalAveragePooling2D,
               keras.layers.GlobalMaxPooling2D)
    poolings = sum(isinstance(layer, pooling) for layer in layers)
    if not poolings:
        raise Wrong("no pooling layer: put a MaxPooling2D(2) after a "
                    "convolution, it halves the map's height and width.")
    last = layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.units != 10:
        units = getattr(last, "units", None)
        what = (f"Dense({units})" if units is not None
                else type(last).__name__)
        raise Wrong(f"the last layer is {what}: Fashion-MNIST has 10 "
                    "classes, end with Dense(10, activation=\"softmax\").")
    activation = getattr(last.activation, "__name__", str(last.activation))
    if activation != "softmax":
        raise Wrong(f"the last layer's activation is {activation}: use "
                    "\"softmax\", so that the 10 outputs are probabilities "
                    "that sum to 1.")
    params = model.count_params()
    if params > BUILD_MAX_PARAMS:
        raise Wrong(f"{params:,} parameters, more than {BUILD_MAX_PARAMS:,}: "
                    "pool before Flatten (each MaxPooling2D(2) divides the "
                    "dense layer's weights by 4) or use fewer filters.")
    return convolutions, poolings, params


def _grade_4_4(answer: Any) -> str:
    convolutions, poolings, params = _structure_4_4(answer)
    x, y = _build_test_set()
    accuracy = float((answer.predict(x, verbose=0).argmax(axis=1) == y).mean())
    on = f"on the first {BUILD_TEST_IMAGES:,} test images"
    if accuracy < 0.2:
        raise Wrong(f"accuracy {accuracy:.2f} {on}, about chance (0.10): "
                    "compile and fit the model first, on images scaled to "
                    "[0, 1].")
    if accuracy < BUILD_MIN_ACCURACY:
        raise Wrong(f"accuracy {accuracy:.2f} {on}, below "
                    f"{BUILD_MIN_ACCURACY:.2f}: train for more epochs or on "
                    "more images, scaled to [0, 1] like the test images.")
    return (f"{convolutions} Conv2D and {poolings} pooling layers, "
            f"{params:,} parameters, accuracy {accuracy:.2f} {on}.")


register(Exercise(
    id="4.4", label="ch04-ex4",
    answer="your trained keras.Sequential model",
    variable="my_cnn",
    hint="keras.Sequential([keras.Input((28, 28, 1)), Conv2D(16, 3, "
         "activation=\"relu\"), MaxPooling2D(2), ..., Flatten(), Dense(10, "
         "activation=\"softmax\")]); compile with \"adam\" and "
         "\"sparse_categorical_crossentropy\", then fit for a few epochs.",
    solution="Two blocks of Conv2D(3×3, ReLU) and MaxPooling2D(2) (16 then "
             "32 filters), Flatten and Dense(10, softmax): 12,810 "
             "parameters. Five epochs on 6,000 images take seconds and reach "
             "about 0.84. The pooling keeps the dense layer small: without "
             "it, Flatten would hand 24 × 24 × 32 = 18,432 numbers to the "
             "last layer, 184,330 weights.",
    grade=_grade_4_4,
))
