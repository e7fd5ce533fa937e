"""The exercises of chapter 5, a CNN for Fashion-MNIST."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnncourse.exercises.grading import (
    Exercise, Question, Wrong, as_int, call, count_feedback, register,
)


_FASHION_FILTERS = (16, 48, 96)
_FASHION_DENSE = 256


def _fashion_cnn_counts(filters: Sequence[int] = _FASHION_FILTERS,
                        dense: int = _FASHION_DENSE, size: int = 28,
                        channels: int = 1, classes: int = 10
                        ) -> list[tuple[str, int]]:
    """Parameters of each layer of ``fashion_cnn`` that has any, by hand."""
    counts, c_in = [], channels
    for ordinal, c_out in zip(("first", "second", "third", "fourth"), filters):
        # 3×3, no bias; then gamma, beta, mean and variance
        counts.append((f"{ordinal} convolution", 9 * c_in * c_out))
        counts.append((f"{ordinal} batch normalization", 4 * c_out))
        c_in, size = c_out, size // 2
    counts.append(("dense", size * size * c_in * dense + dense))
    counts.append(("output", dense * classes + classes))
    return counts


def _grade_5_1(answer: Any) -> str:
    counts = _fashion_cnn_counts()
    total = sum(n for _, n in counts)
    dense = counts[-2][1]
    right = (f"{total:,} parameters in all, {dense:,} of them in the dense "
             "layer after Flatten.")
    conv_bias = sum(_FASHION_FILTERS)
    trained_bn = 2 * sum(_FASHION_FILTERS)
    dense_bias = _FASHION_DENSE + 10
    if not isinstance(answer, (Sequence, np.ndarray)) or \
            isinstance(answer, str):
        known = {  # each message follows the count
            total + conv_bias: f"is {conv_bias} too many: the convolutions "
                               "have no bias (use_bias=False); batch "
                               "normalization's offset does that job.",
            total - trained_bn: "counts 2 numbers a channel for batch "
                                "normalization; count_params also counts the "
                                "tracked mean and variance: 4.",
            total - dense_bias: f"is {dense_bias} short: the two dense layers "
                                "have a bias for each unit.",
        }
        return count_feedback(
            answer, "the total", total, right,
            {n: f"{n:,} {why}" for n, why in known.items()},
            lambda given: f"{given:,} is not the total; add the layers up "
                          "one by one (exercises.hint('5.1')).")
    given = [as_int(n, "each count")
             for n in np.ravel(np.asarray(answer, dtype=object))]
    if len(given) != len(counts):
        raise Wrong(f"give {len(counts)} counts, one for each layer that has "
                    "parameters (3 convolutions, 3 batch normalizations, 2 "
                    f"dense layers), not {len(given)}.")
    # c_out of each convolution and batch normalization pair
    filters = [c for c in _FASHION_FILTERS for _ in (0, 1)]
    for i, ((name, expected), got) in enumerate(zip(counts, given)):
        if got == expected:
            continue
        if name.endswith("convolution") and got == expected + filters[i]:
            raise Wrong(f"the {name} has no bias: {got:,} − {filters[i]} = "
                        f"{expected:,}.")
        if name.endswith("normalization") and got * 2 == expected:
            raise Wrong(f"the {name} keeps 4 numbers a channel (2 trained, 2 "
                        f"tracked): {expected:,}, not {got:,}.")
        if name == "dense" and got == expected - _FASHION_DENSE:
            raise Wrong("the dense layer has a bias for each of its "
                        f"{_FASHION_DENSE} units: {expected:,}.")
        if name == "output" and got == expected - 10:
            raise Wrong("the output layer has a bias for each of its 10 "
                        f"units: {expected:,}.")
        if name == "dense" and got == 28 * 28 * _FASHION_FILTERS[-1] * \
                _FASHION_DENSE + _FASHION_DENSE:
            raise Wrong("that dense layer would follow a 28×28 map; three "
                        "2×2 poolings shrink it to 3×3 first (28 → 14 → 7 → "
                        "3).")
        raise Wrong(f"layer {i + 1} ({name}): {got:,} is not right; work it "
                    "out again (exercises.hint('5.1')).")
    return right


register(Exercise(
    id="5.1", label="ch05-ex1",
    answer="a list of the 8 layers' counts, in order, or only the total (an "
           "int)",
    variable="counts",
    hint="A 3×3 convolution without bias has 9·c_in·c_out weights; batch "
         "normalization keeps 4 numbers a channel; the map is 3×3×96 after "
         "three poolings (28 → 14 → 7 → 3), so Flatten gives 864 numbers; a "
         "dense layer has inputs × units weights plus a bias a unit.",
    solution="Convolutions 144, 6,912 and 41,472; batch normalizations 64, "
             "192 and 384; dense 864·256 + 256 = 221,440; output 256·10 + 10 "
             "= 2,570; 273,178 in all. The dense layer after Flatten has the "
             "most: it connects every number of the last map to every unit, "
             "while a convolution shares its few weights across all "
             "positions.",
    grade=_grade_5_1,
))


def _classification_sample(rng: np.random.Generator, n: int = 600,
                           classes: int = 10
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Unequal class sizes, and predictions right about 70 % of the time."""
    y_true = rng.choice(classes, size=n,
                        p=rng.dirichlet(np.full(classes, 2.0)))
    noise = rng.integers(0, classes, size=n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, noise)
    return y_true, y_pred


def _grade_5_2(function: Any) -> str:
    import pandas as pd

    rng = np.random.default_rng(52)
    y_true, y_pred = _classification_sample(rng)
    names = [f"class {c}" for c in range(10)]
    result = call(function, y_true, y_pred, names)
    recall = pd.Series([(y_pred[y_true == c] == c).mean() for c in range(10)],
                       index=names)
    precision = pd.Series(
        [(y_true[y_pred == c] == c).mean() for c in range(10)], index=names)
    if not isinstance(result, pd.Series):
        raise Wrong("return a pandas Series indexed by class name (it "
                    f"returned {type(result).__name__}), so that sorting "
                    "keeps each name with its number.")
    if len(result) != 10:
        raise Wrong("return one accuracy for each of the 10 classes, not "
                    f"{len(result)}.")
    if set(result.index) != set(names):
        raise Wrong("index the Series by the class names passed as the third "
                    "argument.")
    values = result.astype(float)
    if np.allclose(values.sort_index(), precision.sort_index()):
        raise Wrong("that is the share of the images *predicted* as each "
                    "class that are right (precision); divide by the number "
                    "of images that truly are of the class.")
    if np.allclose(values, (y_pred == y_true).mean()):
        raise Wrong("every class got the overall accuracy; compare "
                    "predictions and labels among the images of one class at "
                    "a time.")
    if not np.allclose(values.sort_index(), recall.sort_index()):
        raise Wrong("the numbers do not match each class's accuracy (right "
                    "predictions among the images of that class, divided by "
                    "their number).")
    if not values.is_monotonic_increasing:
        if values.is_monotonic_decreasing:
            raise Wrong("right numbers, sorted from best to worst: the "
                        "question asks worst first.")
        raise Wrong("right numbers, but not sorted: use .sort_values(), "
                    "worst first.")
    return "each class's accuracy, worst first (checked on random labels)."


register(Exercise(
    id="5.2", label="ch05-ex2",
    answer="a function (y_true, y_pred, class_names) -> pandas Series, worst "
           "class first",
    variable="per_class_accuracy",
    stub="def per_class_accuracy(y_true, y_pred, class_names):\n"
         "    ...  # return a pandas Series of each class's test accuracy, "
         "worst first",
    hint="For class c, look only at the images whose true label is c: the "
         "share of them predicted c is the class's accuracy. Build a "
         "pd.Series indexed by the class names, then .sort_values().",
    solution="pd.Series([(y_pred[y_true == c] == c).mean() for c in "
             "range(10)], index=class_names).sort_values(). On the test set "
             "Shirt is far behind every other class and Trouser, Sandal and "
             "Bag are the best: the gap between the worst and the best class "
             "is about 20 points.",
    grade=_grade_5_2,
))


def _grade_5_3(function: Any) -> str:
    rng = np.random.default_rng(53)
    probs = rng.dirichlet(np.full(10, 0.6), size=300)
    n = 16
    result = np.asarray(call(function, probs, n))
    confidence = probs.max(axis=1)
    truth = np.argsort(confidence, kind="stable")[:n]
    if result.dtype.kind == "f" and np.all((result >= 0) & (result <= 1)) and \
            not np.array_equal(result, result.astype(int)):
        raise Wrong("it returned probabilities; return the images' indices "
                    "(np.argsort gives them).")
    if result.shape != (n,):
        raise Wrong(f"return the indices of the {n} least sure images, shape "
                    f"({n},), not {result.shape}.")
    if np.array_equal(result, truth):
        return ("the least sure images, least sure first (checked on random "
                "probabilities).")
    if set(result.tolist()) == set(truth.tolist()):
        raise Wrong("the right images, in another order: put the least sure "
                    "first.")
    most = np.argsort(confidence, kind="stable")[::-1][:n]
    if set(result.tolist()) == set(most.tolist()):
        raise Wrong("these are the most sure images: np.argsort sorts "
                    "ascending, so the least sure come first; take the first "
                    "n, not the last.")
    classes = probs.argmax(axis=1)
    # sorted by class number
    if np.array_equal(np.sort(classes[result]), np.sort(classes)[:n]):
        raise Wrong("probs.argmax gives the predicted class, not the "
                    "confidence; sort by probs.max(axis=1).")
    raise Wrong("these are not the least sure images; the confidence of an "
                "image is its largest probability, probs.max(axis=1).")


register(Exercise(
    id="5.3", label="ch05-ex3",
    answer="a function (probs, n) -> the indices of the n least sure images, "
           "least sure first",
    variable="least_sure",
    stub="def least_sure(probs, n):\n"
         "    ...  # return the indices of the n images with the smallest "
         "top probability",
    hint="An image's confidence is its largest probability, "
         "probs.max(axis=1); np.argsort puts the smallest first.",
    solution="np.argsort(probs.max(axis=1))[:n]. Most of the 16 least sure "
             "test images are upper-body garments split between two or three "
             "classes, and most of them are wrong; above a confidence of 0.9 "
             "the model is right nearly every time.",
    grade=_grade_5_3,
))

register(Exercise(
    id="5.4", label="ch05-ex4",
    answer="a letter", variable="choice_5_4",
    hint="The network never trains on the validation images, but who else "
         "looks at them?",
    solution="Selection: every choice made because it scored best on the "
             "validation images (the epochs, the architecture, mirror "
             "averaging) keeps part of that set's luck, which does not carry "
             "over to new images. Leakage: anything the pipeline learns from "
             "the validation images other than by gradient (statistics "
             "computed over all the training arrays, near-duplicate images "
             "on both sides of the split) makes them less new than they "
             "look. That the two sets are different samples cuts both ways: "
             "it is noise, not optimism.",
    question=Question(
        text="Which of these can make a validation accuracy optimistic, "
             "although the network never trained on the validation images?",
        choices={
            "a": "We chose the epochs, the layers and mirror averaging by "
                 "their score on these images.",
            "b": "Keras evaluates the validation images after every epoch, "
                 "and each evaluation teaches the network a little about "
                 "them.",
            "c": "The validation images come from Zalando's training file, "
                 "so they are easier than the test images for any model, by "
                 "construction.",
        },
        right="a",
        why={
            "a": "a choice made on the validation set keeps part of that "
                 "set's luck, which new images do not share.",
            "b": "evaluate computes no gradient and changes no weight; the "
                 "images are only scored.",
            "c": "being a different sample makes the gap random, either way; "
                 "only a choice made on them biases it upwards.",
        },
    ),
))
