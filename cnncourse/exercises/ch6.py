"""The exercises of chapter 6, cats vs dogs."""

from __future__ import annotations

from typing import Any

import numpy as np

from cnncourse.exercises.grading import (
    Exercise, Question, Wrong, as_int, call, first_match, register, same,
)


class _PhotoScorer:
    """A stand-in for a trained model: P(dog) from a lopsided sum of pixels.

    It answers ``predict(x, verbose=0)`` and ``model(x)`` like a Keras
    model, with shape ``(N, 1)``; its fixed weights differ between top and
    bottom, left and right and the three channels, so a flip along the wrong
    axis gives other numbers.
    """

    def __init__(self, shape: tuple[int, int, int], seed: int) -> None:
        self.weights = (np.random.default_rng(seed).normal(size=shape)
                        / np.sqrt(np.prod(shape)))

    def predict(self, x: Any, verbose: Any = "auto", **kwargs: Any
                ) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        z = (x * self.weights).sum(axis=(1, 2, 3)) / 64
        return (1 / (1 + np.exp(-z)))[:, None].astype("float32")

    __call__ = predict


def _grade_6_1(function: Any) -> str:
    rng = np.random.default_rng(61)
    x = rng.uniform(0, 255, size=(40, 8, 10, 3)).astype("float32")
    model = _PhotoScorer(x.shape[1:], seed=61)
    result = np.ravel(np.asarray(call(function, model, x), dtype=float))
    if result.shape != (len(x),):
        raise Wrong(f"return one P(dog) for each of the {len(x)} photos, not "
                    f"an array of shape {np.shape(result)}.")
    p = model.predict(x)[:, 0]

    def mean_with(flipped: np.ndarray) -> np.ndarray:
        return (p + model.predict(flipped)[:, 0]) / 2

    if same(result, mean_with(x[:, :, ::-1])):
        return "the mean of P(dog) over each photo and its left-right mirror."
    mirrored = model.predict(x[:, :, ::-1])[:, 0]
    raise Wrong(first_match(result, [
        (mean_with(x[:, ::-1]), "that flips axis 1, the height: the photos "
                                "are upside down. The width is axis 2 of (N, "
                                "H, W, C): x[:, :, ::-1]."),
        (mean_with(x[..., ::-1]), "that reverses the colour channels (RGB "
                                  "becomes BGR), not left and right: x[:, :, "
                                  "::-1]."),
        (p, "these are the plain photos' probabilities: average them with "
            "the mirrored photos' ones."),
        (((p > 0.5).astype(float) + (mirrored > 0.5)) / 2,
         "average the two probabilities, not the two 0/1 verdicts."),
    ], default="the numbers are not the mean of P(dog) for each photo and "
               "its mirror image."))


register(Exercise(
    id="6.1", label="ch06-ex1",
    answer="a function (model, x) -> P(dog) of each photo, averaged with its "
           "mirror image",
    variable="mirror_average",
    stub="def mirror_average(model, x):\n"
         "    ...  # return P(dog) of each photo, averaged over the photo "
         "and its mirror",
    hint="A batch of photos is (N, H, W, C): mirroring left-right reverses "
         "axis 2. model.predict gives an (N, 1) array of P(dog).",
    solution="(model.predict(x, verbose=0)[:, 0] + model.predict(x[:, :, "
             "::-1], verbose=0)[:, 0]) / 2. Averaging over the mirror costs "
             "one more prediction per photo and no training; it usually "
             "helps a little, but a few photos out of 1,000 are within "
             "chance: judge it on the validation set.",
    grade=_grade_6_1,
))


def _grade_6_2(function: Any) -> str:
    rng = np.random.default_rng(62)
    x = rng.uniform(0, 255, size=(3, 5, 7, 3)).astype("float32")
    result = np.asarray(call(function, x.copy()), dtype=float)
    mean = x.mean(axis=-1, keepdims=True)
    if result.shape == x.shape[:3] or result.shape == x.shape[:3] + (1,):
        raise Wrong(f"shape {result.shape}: the model takes 3 channels; "
                    "repeat the mean into three equal channels (.repeat(3, "
                    "axis=-1)).")
    if result.shape != x.shape:
        raise Wrong(f"shape {result.shape}: the gray photos must keep the "
                    f"shape {x.shape} (N, H, W, 3); average over the last "
                    "axis only.")
    if same(result, np.repeat(mean, 3, axis=-1), atol=1e-3):
        return "three equal channels, each the mean of the photo's R, G and B."
    luminance = x @ np.array([0.2125, 0.7154, 0.0721])
    if same(result, np.repeat(luminance[..., None], 3, axis=-1), atol=1e-3):
        raise Wrong("those are luminance weights (chapter 1); the exercise "
                    "asks for the plain mean of the three channels.")
    if np.allclose(result[..., 0], result[..., 1]) and \
            np.allclose(result[..., 1], result[..., 2]):
        raise Wrong("the three channels are equal, but they are not the mean "
                    "of R, G and B at each pixel: average over axis -1.")
    raise Wrong("the three channels of each pixel should all be the mean of "
                "its R, G and B.")


register(Exercise(
    id="6.2", label="ch06-ex2",
    answer="a function (x) -> the photos in gray, same shape (N, H, W, 3)",
    variable="to_gray",
    stub="def to_gray(x):\n"
         "    ...  # return x with each pixel's three channels replaced by "
         "their mean",
    hint="x.mean(axis=-1, keepdims=True) has shape (N, H, W, 1); .repeat(3, "
         "axis=-1) makes the three channels again.",
    solution="x.mean(axis=-1, keepdims=True).repeat(3, axis=-1). The "
             "accuracy drops a few points but stays far above chance: the "
             "network relies mostly on shape and texture, which is what we "
             "hope for, since cats and dogs come in the same colours. Part "
             "of the drop is only that it never saw a gray photo in "
             "training.",
    grade=_grade_6_2,
))

register(Exercise(
    id="6.3", label="ch06-ex3",
    answer="a letter", variable="choice_6_3",
    hint="What should a validation or test accuracy estimate?",
    solution="Validation and test accuracy must estimate how the model does "
             "on photos as they come. Random layers inside a Keras model do "
             "nothing in evaluate and predict, so this holds by itself. A "
             "pipeline that augmented every set would measure accuracy on "
             "distorted photos, differently on every run and usually lower, "
             "and whoever uses the saved model would have to know about it.",
    question=Question(
        text="Why are the augmentation layers not applied to the validation "
             "and test photos?",
        choices={
            "a": "Keras removes random layers from a model once it is "
                 "trained.",
            "b": "Validation and test accuracy should measure the model on "
                 "photos as they come; random layers act only while "
                 "training.",
            "c": "Augmenting the validation photos would put them into the "
                 "training set.",
        },
        right="b",
        why={
            "a": "the layers stay in the saved model; in evaluate and "
                 "predict they run with training=False and pass the photo "
                 "through unchanged.",
            "b": "the question the model answers is about ordinary photos; "
                 "augmentation is a way of training, not part of that "
                 "question.",
            "c": "augmenting a set does not move its photos anywhere; the "
                 "cost would be a measurement on distorted photos, different "
                 "on every run.",
        },
    ),
))


def _occlusion_positions(size: int, patch: int, stride: int) -> int:
    """Patch positions of :func:`cnncourse.explain.occlusion`, size×size."""
    from cnncourse.explain import _starts

    return len(_starts(size, patch, stride)) ** 2


_OCCLUSION_CASES = ((96, 24, 12), (96, 12, 6), (128, 16, 8), (100, 24, 12),
                    (50, 10, 15), (96, 96, 8), (30, 7, 1))


def _grade_6_4(function: Any) -> str:
    for size, patch, stride in _OCCLUSION_CASES:
        expected = _occlusion_positions(size, patch, stride)
        got = as_int(call(function, size, patch, stride),
                     "the number of positions")
        if got == expected:
            continue
        per_side = len(range(0, size - patch + 1, stride))
        if got == per_side ** 2:
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: "
                        f"{got} leaves the last "
                        f"{size - patch - (per_side - 1) * stride} pixels of "
                        "each row uncovered; occlusion adds one position "
                        "flush with the border.")
        if got == ((size - patch) // stride) ** 2:
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: "
                        f"{got} forgets the + 1 of the first position (the "
                        "one at the very edge).")
        if got == round(expected ** 0.5):
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: "
                        f"{got} is one row of positions; the patch slides "
                        "down as well as across: square it.")
        if got == (size // stride) ** 2:
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: "
                        f"{got} ignores the patch's own width; its left edge "
                        "can go no further than size - patch.")
        raise Wrong(f"for size {size}, patch {patch}, stride {stride}: {got}, "
                    f"not {expected} (exercises.hint('6.4')).")
    return ("(size - patch) // stride + 1 positions a row, one more when "
            "they stop short of the border, squared.")


register(Exercise(
    id="6.4", label="ch06-ex4",
    answer="a function (size, patch, stride) -> patch positions on a "
           "size×size photo",
    variable="occlusion_positions",
    stub="def occlusion_positions(size, patch, stride):\n"
         "    ...  # return how many patch positions occlusion predicts for "
         "one photo",
    hint="Along one side the patch's left edge takes the values 0, stride, "
         "2·stride, … up to size - patch; if the last one falls short of "
         "size - patch, occlusion adds one flush with the border. The patch "
         "slides down as well as across.",
    solution="n = (size - patch) // stride + 1, plus 1 when (size - patch) % "
             "stride; then n * n. At 96×96 a 24-pixel patch with stride 12 "
             "needs 7 × 7 = 49 predictions a photo, the 12-pixel default "
             "(stride 6) 15 × 15 = 225. A larger patch hides whole ears or "
             "faces at once, so its map is coarser but catches evidence that "
             "a small patch cannot remove; Grad-CAM's grid is fixed by the "
             "layer instead.",
    grade=_grade_6_4,
))
