"""The exercises of chapter 4, pooling."""

from __future__ import annotations

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
