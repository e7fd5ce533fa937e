"""The exercises of chapter 3, padding and stride."""

from __future__ import annotations

from typing import Any

from cnncourse.exercises.grading import (
    Exercise, Question, Wrong, as_int, as_ints, as_items, as_number,
    register,
)


def _zeros_pair(value: Any, where: str) -> tuple[float, float]:
    """A ``(before, after)`` answer as two floats, or :class:`Wrong`."""
    before, after = as_items(
        value, 2, f"(zeros before, zeros after) as {where}")
    return (as_number(before, "the zeros before"),
            as_number(after, "the zeros after"))


def _split_mistake(before: float, after: float, total: int) -> None:
    """:class:`Wrong` for "same" padding's ``total`` zeros split otherwise.

    Keras puts the extra zero after; halves, or the extra zero before, are
    wrong. Nothing for other pairs: the grader goes on.
    """
    first = total // 2
    if before == after == total / 2:
        raise Wrong(f"zeros come whole: the {total} zeros split as {first} "
                    f"before and {total - first} after.")
    if before + after == total:
        raise Wrong(f"{total} zeros in all, right, but 'same' splits them as "
                    f"evenly as it can, the extra one after: ({first}, "
                    f"{total - first}).")


def _grade_3_1(answer: Any) -> str:
    conv, pool, zeros = as_items(answer, 3, "(size after the convolution, "
                                            "size after the pooling, (zeros "
                                            "before, zeros after))")
    conv = as_int(conv, "the size after the convolution")
    pool = as_int(pool, "the size after the pooling")
    before, after = _zeros_pair(zeros, "the third item")
    if conv in (109, 110):
        raise Wrong(f"{conv} comes from the 'valid' formula (224 − 7) / 2 + 1 "
                    "= 109.5; with padding='same' the size is ceil(224 / 2) "
                    "= 112, whatever the kernel.")
    if conv != 112:
        raise Wrong(f"{conv} after the convolution: 'same' with stride 2 "
                    "gives ceil(224 / 2).")
    if pool == 55:
        raise Wrong("55 is the 'valid' pooling (112 − 3) // 2 + 1; with "
                    "padding='same' it is ceil(112 / 2) = 56.")
    if pool != 56:
        raise Wrong(f"{pool} after the pooling: 'same' with stride 2 gives "
                    "ceil(112 / 2).")
    if (before, after) == (2, 3):
        return ("112 and 56; 'same' adds (112 − 1)·2 + 7 − 224 = 5 zeros: 2 "
                "before and 3 after, the odd one at the bottom and right.")
    if (before, after) == (3, 3):
        raise Wrong("(3, 3) is ResNet-50's explicit ZeroPadding2D(3); 'same' "
                    "adds only the zeros it needs: (112 − 1)·2 + 7 − 224 = "
                    "5.")
    if (before, after) == (3, 2):
        raise Wrong("swapped: Keras (as TensorFlow) puts the extra zero "
                    "after, at the bottom and right: (2, 3).")
    _split_mistake(before, after, 5)
    raise Wrong("'same' pads (112 − 1)·2 + 7 − 224 = 5 zeros in all, not "
                f"{before + after:g}; split them with the extra one after.")


register(Exercise(
    id="3.1", label="ch03-ex1",
    answer="(size after the convolution, size after the pooling, (zeros "
           "before, zeros after))",
    variable="stem",
    hint="With padding='same' the output size is ceil(n / stride), whatever "
         "the kernel. The zeros needed in all are (out − 1)·stride + kernel "
         "− n; Keras puts half before, the rest after.",
    solution="(112, 56, (2, 3)): ceil(224 / 2) = 112, ceil(112 / 2) = 56, "
             "and the convolution needs (112 − 1)·2 + 7 − 224 = 5 zeros, 2 "
             "before and 3 after. ResNet-50 itself pads 3 on each side and "
             "uses 'valid' layers; it reaches the same sizes because of the "
             "floor in the formula: (224 + 6 − 7) // 2 + 1 = 112 and (112 + "
             "2 − 3) // 2 + 1 = 56. Its last zero is never reached by a "
             "window, so it pads 3 before and 2 after in effect: same sizes, "
             "but every window sits one pixel higher and further left, and "
             "the outputs differ.",
    grade=_grade_3_1,
    question=Question(
        text="ResNet-50 itself pads 3 zeros on each side and uses a 'valid' "
             "7×7 stride-2 convolution, then 1 zero on each side and a "
             "'valid' 3×3 stride-2 pooling. Why does it still reach 112 and "
             "56?",
        choices={
            "a": "ZeroPadding2D(3) pads 3 zeros in all, split between the "
                 "two sides of each axis.",
            "b": "ResNet-50's first convolution has stride 1, so only the "
                 "pooling halves the size.",
            "c": "The floor in the output-size formula drops the odd extra "
                 "zero.",
        },
        right="c",
        why={
            "a": "ZeroPadding2D(3) pads 3 zeros on both sides of each axis.",
            "b": "the stride is 2 in both; with stride 1 the size would stay "
                 "224.",
            "c": "(224 + 6 − 7) // 2 + 1 = 112 and (112 + 2 − 3) // 2 + 1 = "
                 "56: the last zero is never reached by a window, so the "
                 "sizes agree while the windows sit one pixel earlier.",
        },
    ),
))


def _grade_3_2(answer: Any) -> str:
    layers, size = as_ints(answer, "(number of layers, size of the last "
                                   "output)",
                           "the number of layers", "the size")
    if (layers, size) == (31, 4):
        return ("31 layers: each removes 4 pixels, 128 − 4 × 31 = 4, and a "
                "32nd would not fit.")
    if size == 128 - 5 * layers:
        raise Wrong("each layer removes k − 1 = 4 pixels, not 5: the output "
                    "is n − k + 1.")
    if layers >= 32:
        raise Wrong(f"{layers} layers is too many: after 31 the map is 4×4, "
                    "smaller than the 5×5 kernel, so no window fits.")
    if size != 128 - 4 * layers:
        raise Wrong(f"after {layers} layers the size is 128 − 4 × {layers} = "
                    f"{128 - 4 * layers}, not {size}.")
    raise Wrong(f"one more layer fits: after {layers} layers the map is "
                f"{size}×{size}, still as large as the 5×5 kernel.")


register(Exercise(
    id="3.2", label="ch03-ex2",
    answer="(number of layers, size of the last output)",
    variable="layers_and_size",
    hint="An unpadded 5×5 layer with stride 1 makes the map 4 pixels smaller "
         "(n − 5 + 1). A layer still fits while the map is at least 5 pixels "
         "wide.",
    solution="(31, 4): L layers leave 128 − 4L, which must stay ≥ 1, so "
             "L = floor(127 / 4) = 31 and the last output is 4×4.",
    grade=_grade_3_2,
))


def _grade_3_3(answer: Any) -> str:
    p, zeros = as_items(answer, 2, "(p, (zeros before, zeros after))")
    p = as_number(p, "p")
    before, after = _zeros_pair(zeros, "the second item")
    if p == 4:
        raise Wrong("4 is the total; p counts the zeros on each side: (5 − "
                    "1) / 2 = 2.")
    if p == 1.5:
        raise Wrong("1.5 is what a 4×4 kernel would need (not a whole "
                    "number); for the 5×5 kernel p = (5 − 1) / 2 = 2.")
    if p != 2:
        raise Wrong(f"p = {p:g}: 28 + 2p − 5 + 1 = 28 gives p = (5 − 1) / 2 = "
                    "2.")
    if (before, after) == (1, 2):
        return ("p = 2 for the 5×5 kernel; for the 4×4 one no symmetric "
                "padding works, and 'same' pads 3 zeros: 1 before, 2 after.")
    if (before, after) == (2, 1):
        raise Wrong("swapped: 'same' puts the extra zero after (bottom and "
                    "right): (1, 2).")
    _split_mistake(before, after, 3)
    raise Wrong(f"{before + after:g} zeros give 28 + {before + after:g} − 4 + "
                f"1 = {28 + before + after - 3:g}; 'same' pads 3 in all for a "
                "4×4 kernel.")


register(Exercise(
    id="3.3", label="ch03-ex3",
    answer="(p for the 5×5 kernel, (zeros before, zeros after) of 'same' for "
           "a 4×4 kernel)",
    variable="paddings",
    hint="With stride 1 the output is n + 2p − k + 1; set it equal to n. For "
         "the 4×4 kernel 'same' needs k − 1 zeros in all, and Keras puts the "
         "odd one after.",
    solution="(2, (1, 2)): p = (k − 1) / 2 = 2 for k = 5. For k = 4, p = 1.5 "
             "is not a whole number, so no symmetric padding keeps 28; "
             "'same' pads 3 zeros, 1 before and 2 after.",
    grade=_grade_3_3,
))
