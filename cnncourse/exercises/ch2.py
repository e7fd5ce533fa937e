"""The exercises of chapter 2, kernels and convolution."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cnncourse.exercises.grading import (
    Exercise, Question, Wrong, as_array, as_int, as_items, count_feedback,
    ndim, register,
)


_CH2_IMAGE = np.array([
    [1, 1, 1, 8, 8, 8],
    [1, 1, 1, 8, 8, 8],
    [1, 1, 1, 8, 8, 8],
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1],
])
"""The 6×6 ``image`` of chapter 2: a bright block in the top right corner."""


def _grade_2_1(answer: Any) -> str:
    from cnncourse import ops

    valid = ops.conv2d(_CH2_IMAGE, ops.SHARPEN)
    centred = ops.conv2d(_CH2_IMAGE, ops.SHARPEN, padding="same")
    if ndim(answer) == 2 and np.shape(answer) == (3, 3):
        raise Wrong("that is a 3×3 array (the element-wise products?): an "
                    "output value is their sum, one number.")
    if ndim(answer) == 2:
        raise Wrong("that is the whole map: give its two values, (map[0, 0], "
                    "map[1, 1]).")
    parts = as_items(answer, 2, "(value at row 0 column 0, value at row 1 "
                                "column 1)")
    if any(ndim(part) > 0 for part in parts):
        raise Wrong("each value is one number: the sum of the 9 element-wise "
                    "products of the window and the kernel, not the products "
                    "themselves.")
    got = [as_int(part, "each value") for part in parts]
    truth = [int(valid[0, 0]), int(valid[1, 1])]
    if got == truth:
        return (f"{truth[0]} on the flat top-left corner (the weights sum to "
                f"1) and {truth[1]} beside the bright block: a dark rim that "
                "makes the edge look sharper.")
    if got == truth[::-1]:
        raise Wrong("the two values are swapped: first the one at row 0, "
                    "column 0.")
    (r, c), g, t = next(item for item in zip(((0, 0), (1, 1)), got, truth)
                        if item[1] != item[2])
    if g == -t:
        raise Wrong(f"the value at ({r}, {c}) has the wrong sign: the kernel "
                    "is +5 at the centre and −1 on the four neighbours.")
    if g == int(centred[r, c]):
        raise Wrong(f"{g} is the window centred on image[{r}, {c}]; without "
                    f"padding the window of output ({r}, {c}) starts there: "
                    f"rows {r}–{r + 2}, columns {c}–{c + 2}, centred on "
                    f"image[{r + 1}, {c + 1}].")
    raise Wrong(f"the value at ({r}, {c}) is not {g}: lay the kernel on rows "
                f"{r}–{r + 2} and columns {c}–{c + 2}, multiply element by "
                "element and add up.")


def _grade_2_2(answer: Any) -> str:
    from cnncourse import ops

    if not isinstance(answer, dict):
        raise Wrong("give a dict, kernel name → predicted value "
                    "({'identity': ..., 'box blur': ...}), not "
                    f"{type(answer).__name__}.")
    names = {name.lower(): name for name in ops.CLASSIC_KERNELS}
    given = {names.get(str(key).lower().replace("_", " "), key): value
             for key, value in answer.items()}
    unknown = [repr(key) for key in given if key not in ops.CLASSIC_KERNELS]
    if unknown:
        raise Wrong(f"unknown kernel name(s) {', '.join(unknown)}: use the "
                    "names of ops.CLASSIC_KERNELS.")
    missing = [name for name in ops.CLASSIC_KERNELS if name not in given]
    if missing:
        raise Wrong("predict all eight kernels; missing: "
                    f"{', '.join(missing)}.")
    predicted = {}
    for name, value in given.items():
        values = np.ravel(as_array(value, f"the prediction for {name}")
                          .astype(float))
        if values.size == 0 or not np.allclose(values, values[0]):
            raise Wrong(f"{name}: a constant image gives a constant output; "
                        "give one number.")
        predicted[name] = float(values[0])
    truth = {name: 0.5 * float(k.sum())
             for name, k in ops.CLASSIC_KERNELS.items()}
    wrong = [name for name in truth
             if not math.isclose(predicted[name], truth[name], abs_tol=1e-6)]
    if not wrong:
        return ("0.5 × the sum of the weights: 0.5 where they sum to 1 "
                "(blurs, identity, sharpen, emboss), 0 where they sum to 0 "
                "(Sobel, outline).")
    if all(math.isclose(v, 0.5) for v in predicted.values()):
        raise Wrong("0.5 for every kernel: but the Sobel and outline weights "
                    "sum to 0, so on a flat area they give 0.")
    if all(math.isclose(v, 0, abs_tol=1e-9) for v in predicted.values()):
        raise Wrong("0 for every kernel: only the kernels whose weights sum "
                    "to 0 (Sobel, outline) wipe out a flat area; the others "
                    "sum to 1.")
    name = wrong[0]
    raise Wrong(f"wrong for {', '.join(wrong)}: a flat area of 0.5 gives 0.5 "
                f"× the sum of the weights, {truth[name]:g} for {name}, not "
                f"{predicted[name]:g}.")


register(Exercise(
    id="2.1", label="ch02-ex1",
    answer="(value at row 0 column 0, value at row 1 column 1)",
    variable="values",
    hint="Output (r, c) comes from the 3×3 window whose top-left corner is "
         "image[r, c] (no padding). SHARPEN is 5 at the centre and −1 above, "
         "below, left and right.",
    solution="(1, -6). The top-left window is all ones: 5 × 1 − 4 × 1 = 1, "
             "as on any flat area. The window of output (1, 1) covers rows "
             "1–3 and columns 1–3, centred on image[2, 2] = 1 with "
             "neighbours 1, 1, 8 and 1: 5 − 11 = −6, a dark rim beside the "
             "bright block.",
    grade=_grade_2_1,
))

register(Exercise(
    id="2.2", label="ch02-ex2",
    answer="a dict: kernel name of ops.CLASSIC_KERNELS -> predicted output "
           "value",
    variable="predictions",
    hint="On a flat area every pixel under the window has the same value v, "
         "so each output is v times something that depends only on the "
         "kernel.",
    solution="The output is v × (sum of the weights). The blurs, identity, "
             "sharpen and emboss sum to 1: 0.5 stays 0.5, brightness is "
             "kept. Sobel x, Sobel y and outline sum to 0: flat areas become "
             "0, which is why the outline image is an even mid-gray (the "
             "colour of zero) but for the edges.",
    grade=_grade_2_2,
    question=Question(
        text="Which one property of a kernel's weights explains both that "
             "the box blur keeps the brightness and that the outline kernel "
             "sends flat areas to zero?",
        choices={
            "a": "The sum of the weights.",
            "b": "The centre weight, which says how much of itself a pixel "
                 "keeps.",
            "c": "The largest weight, which sets how bright the output can "
                 "get.",
        },
        right="a",
        why={
            "a": "on a flat area of value v the output is v × the sum: 1 "
                 "keeps the value, 0 wipes it out.",
            "b": "on a flat area every weight counts, not only the centre: "
                 "the box blur's centre is 1/9, yet it keeps the value.",
            "c": "the outline's largest weight is 8, but flat areas go to 0: "
                 "the −1s cancel it.",
        },
    ),
))


def _grade_2_3(answer: Any) -> str:
    weights = 5 * 5 * 3 * 16
    mistakes = {
        weights: "1,200 forgets the biases: each of the 16 filters also has "
                 "one, 16 × 76.",
        5 * 5 * 16 + 16: "416 ignores the 3 input channels: a filter spans "
                         "all of them, 5 × 5 × 3 = 75 weights.",
        5 * 5 * 16: "400 ignores the 3 input channels (a filter is 5 × 5 × "
                    "3) and the 16 biases.",
        76: "76 is one filter (75 weights and a bias); the layer has 16.",
        75: "75 is one filter's weights; the layer has 16 filters, each with "
            "a bias too.",
    }

    def otherwise(given: int) -> str:
        if given > 10_000:
            return (f"{given:,} grows with the image, but a convolution's "
                    "parameters do not: the same 16 kernels slide over every "
                    "position.")
        return (f"{given:,} is not right: count one filter's weights (kernel "
                "× kernel × input channels), add its bias, and multiply by "
                "the number of filters.")

    return count_feedback(answer, "the number of parameters", weights + 16,
                          "1,216: 16 filters of 5 × 5 × 3 = 75 weights and "
                          "one bias each.",
                          mistakes, otherwise)


register(Exercise(
    id="2.3", label="ch02-ex3",
    answer="an int, the number of parameters",
    variable="params",
    hint="One filter covers 5 × 5 pixels of every input channel and has one "
         "bias; the layer has 16 filters.",
    solution="16 × (5 × 5 × 3 + 1) = 1,216, on 32×32 and on 200×200 images "
             "alike: the same kernels slide over every position (weight "
             "sharing), so the image size does not enter.",
    grade=_grade_2_3,
    question=Question(
        text="Does the number of parameters of Conv2D(16, 5) depend on the "
             "image's height and width?",
        choices={
            "a": "Yes: a larger image needs more weights to cover it.",
            "b": "No: the same kernels slide over every position.",
            "c": "Only with padding=\"same\", which adds weights for the "
                 "border.",
        },
        right="b",
        why={
            "a": "a larger image gives a larger output map, computed with "
                 "the same 16 kernels.",
            "b": "the layer learns only its 16 kernels and biases, whatever "
                 "the image size.",
            "c": "padding adds zeros to the image, not weights to the layer.",
        },
    ),
))
