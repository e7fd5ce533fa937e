"""The exercises of chapter 1, images as arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from cnncourse.exercises.grading import (
    Exercise, Question, Wrong, as_array, as_int, call, first_match, ndim,
    register, same,
)


def _plus_sign() -> np.ndarray:
    """The 7×7 plus of exercise 1.1: row 3 and column 3 white (1), else 0."""
    plus = np.zeros((7, 7), dtype=int)
    plus[3, :] = 1
    plus[:, 3] = 1
    return plus


def _grade_1_1(answer: Any) -> str:
    if isinstance(answer, str):
        raise Wrong("give the image (a 7×7 array), or the number of white "
                    "pixels, not a string.")
    if ndim(answer) == 0:
        count = as_int(answer, "the number of white pixels")
        if count == 13:
            return ("13 white pixels: 7 in each bar, minus the centre they "
                    "share.")
        if count == 14:
            raise Wrong("14 counts the centre twice: the two bars share it, "
                        "7 + 7 − 1 = 13.")
        raise Wrong(f"{count} is not the number of white pixels of the plus; "
                    "build the image and let .sum() count them.")
    image = as_array(answer, "the image")
    if image.shape != (7, 7):
        raise Wrong(f"shape {image.shape}: a 7×7 image has shape (7, 7), one "
                    "number a pixel.")
    values = set(np.unique(image).tolist())
    if 255 in values and values <= {0, 255}:
        raise Wrong("0 and 255: a binary image holds 0 (black) and 1 "
                    "(white); set the bars to 1.")
    if not values <= {0, 1}:
        raise Wrong("a binary image holds only 0 and 1, not "
                    f"{sorted(values - {0, 1})[0]!r}.")
    image, plus = image.astype(int), _plus_sign()
    if np.array_equal(image, plus):
        return ("row 3 and column 3 are white: 13 white pixels (7 + 7, the "
                "centre counted once).")
    if not image.any():
        raise Wrong("the image is all black: set row 3 and column 3 to 1.")
    if image.all():
        raise Wrong("every pixel is white: only row 3 and column 3 should be.")
    if np.array_equal(image, 1 - plus):
        raise Wrong("the colours are swapped: the plus is white (1) on black "
                    "(0).")
    rows = [r for r in range(7) if image[r].all()]
    cols = [c for c in range(7) if image[:, c].all()]
    bars = np.zeros((7, 7), dtype=int)
    bars[rows, :] = 1
    bars[:, cols] = 1
    if np.array_equal(image, bars):  # made of whole rows and columns
        if not cols or not rows:
            missing = ("vertical bar (column 3)" if not cols
                       else "horizontal bar (row 3)")
            raise Wrong(f"only one bar: a plus also has a {missing}.")
        if len(rows) > 1 or len(cols) > 1:
            raise Wrong(f"the bars are {len(rows)} and {len(cols)} pixels "
                        "thick; the plus is one pixel thick: only row 3 and "
                        "column 3.")
        raise Wrong(f"the bars are at row {rows[0]} and column {cols[0]}, off "
                    "the middle: Python counts from 0, so the middle of rows "
                    "0 to 6 is row 3.")
    if (image <= plus).all():
        raise Wrong(f"{int((plus - image).sum())} pixels of row 3 and column "
                    "3 are still black: each bar runs across the whole "
                    "image, 7 pixels.")
    if (image >= plus).all():
        raise Wrong(f"{int((image - plus).sum())} white pixels outside row 3 "
                    "and column 3: the plus is only those two bars.")
    raise Wrong("not the plus: it should be white exactly on row 3 and "
                f"column 3 (13 pixels); yours has {int(image.sum())} white "
                "pixels.")


register(Exercise(
    id="1.1", label="ch01-ex1",
    answer="the 7×7 image, an array of 0 and 1 (or the number of white "
           "pixels)",
    variable="plus",
    hint="Start from np.zeros((7, 7), dtype=np.uint8) and set one whole row "
         "and one whole column to 1 with slices; rows and columns are "
         "numbered from 0, so the middle of 7 is 3. .sum() counts the ones.",
    solution="plus = np.zeros((7, 7), dtype=np.uint8); plus[3, :] = 1; "
             "plus[:, 3] = 1. plus.sum() is 13: 7 pixels in each bar, and "
             "the centre belongs to both.",
    grade=_grade_1_1,
))


def _brighten_test_image() -> np.ndarray:
    """A random 20×30 RGB uint8 image that holds every value from 0 to 255."""
    image = np.random.default_rng(12).integers(
        0, 256, size=(20, 30, 3)).astype(np.uint8)
    image.flat[:256] = np.arange(256)
    return image


def _grade_1_2(function: Any) -> str:
    image = _brighten_test_image()
    result = call(function, image.copy())
    if not isinstance(result, np.ndarray):
        raise Wrong("return the image as a NumPy array, not "
                    f"{type(result).__name__}.")
    if result.shape != image.shape:
        raise Wrong(f"shape {result.shape}: the brighter image keeps the "
                    f"shape {image.shape}.")
    if result.dtype.kind not in "iuf":
        raise Wrong(f"dtype {result.dtype}: return a uint8 image.")
    values, target = result.astype(float), np.clip(image * 1.3, 0, 255)
    close = bool(np.all(np.abs(values - target) <= 1))
    if result.dtype != np.uint8:
        if values.max() > 255:
            raise Wrong(f"{result.dtype} with values up to {values.max():g}: "
                        "not clipped; clip to 255 before converting back, "
                        "since a uint8 cannot hold more.")
        if close:
            raise Wrong(f"right values, but dtype {result.dtype}: convert "
                        "back with .astype(np.uint8), as images are stored.")
        raise Wrong(f"dtype {result.dtype}: return a uint8 image, like the "
                    "input.")
    if close:
        return ("a uint8 image, 30 % brighter, clipped at 255 (checked on "
                "random images).")
    plus80 = image.astype(int) + 80
    if np.array_equal(values, plus80 % 256) or \
            np.array_equal(values, np.minimum(plus80, 255)):
        raise Wrong("that adds 80; 30 % brighter means multiplying by 1.3, "
                    "so dark pixels gain less than bright ones.")
    darker = np.flatnonzero(result < image)
    if darker.size:
        i = darker[0]
        raise Wrong(f"some pixels got darker ({image.flat[i]} became "
                    f"{result.flat[i]}): uint8 wraps around past 255; compute "
                    "in float, clip to 255, then convert.")
    raise Wrong("the pixels are not 1.3 times as bright: 100 became "
                f"{result.flat[100]}, 130 expected.")


register(Exercise(
    id="1.2", label="ch01-ex2",
    answer="a function (uint8 image) -> the uint8 image 30 % brighter",
    variable="brighten",
    stub="def brighten(image):\n"
         "    ...  # return the image 30 % brighter, as uint8, "
         "without wrapping around",
    hint="A uint8 holds 0 to 255 and wraps around past 255 (250 + 10 gives "
         "4). Convert to float, multiply, np.clip to [0, 255], round, and "
         "only then .astype(np.uint8).",
    solution="np.clip(image.astype(np.float32) * 1.3, 0, "
             "255).round().astype(np.uint8). chelsea * 1.3 is float64, no "
             "longer uint8, with values above 255; chelsea + 80 stays uint8 "
             "and wraps: 231 + 80 becomes 55, a bright pixel turned dark.",
    grade=_grade_1_2,
))


_LUMINANCE = np.array([0.2125, 0.7154, 0.0721])


def _grade_1_3(answer: Any) -> str:
    import skimage

    chelsea = skimage.data.chelsea()
    reference = skimage.color.rgb2gray(chelsea)
    gray = as_array(answer, "the gray image").astype(float)
    if gray.shape in ((300, 451, 1), (300, 451, 3)):
        raise Wrong(f"shape {gray.shape} keeps a channel axis: a gray image "
                    "has one value a pixel, (300, 451); @ with the 3 weights "
                    "contracts the channel axis away.")
    if gray.shape != reference.shape:
        raise Wrong(f"shape {gray.shape}: the gray image of chelsea has shape "
                    "(300, 451).")
    if same(gray, reference):
        return "the same as skimage.color.rgb2gray(chelsea)."
    problems = []
    if gray.max() > 1 + 1e-6:
        problems.append(f"values up to {gray.max():.0f}: scale chelsea to [0, "
                        "1] first (divide by 255)")
        gray = gray / 255
    rgb = chelsea / 255
    formulas = [
        (reference, ""),
        (rgb.mean(axis=-1), "that is the plain mean of R, G and B; weight "
                            "them 0.2125, 0.7154, 0.0721"),
        (rgb @ _LUMINANCE[::-1], "the weights are in BGR order (0.0721 on "
                                 "red): chelsea's channels are R, G, B"),
    ]
    problems.append(first_match(gray, formulas, atol=1 / 255, default=(
        "the values differ from skimage.color.rgb2gray(chelsea); use "
        "(chelsea / 255) @ [0.2125, 0.7154, 0.0721]")))
    raise Wrong("; ".join(p for p in problems if p) + ".")


register(Exercise(
    id="1.3", label="ch01-ex3",
    answer="the gray image of chelsea, shape (300, 451), values in [0, 1]",
    variable="gray",
    hint="chelsea / 255.0 has shape (300, 451, 3); the @ operator with a "
         "vector of 3 weights makes one weighted sum per pixel.",
    solution="gray = (chelsea / 255.0) @ np.array([0.2125, 0.7154, 0.0721]), "
             "equal to skimage.color.rgb2gray(chelsea). Green weighs most "
             "because the eye is most sensitive to green light: the weights "
             "model perceived brightness, so a pure green pixel looks "
             "brighter than a pure blue one of the same value.",
    grade=_grade_1_3,
    question=Question(
        text="Why is green weighted most in the luminance formula?",
        choices={
            "a": "Photos hold more green pixels than red or blue ones, so "
                 "green carries more of the picture.",
            "b": "Green values are stored with more bits than red and blue "
                 "ones, so they are more precise.",
            "c": "Our eyes are most sensitive to green light.",
        },
        right="c",
        why={
            "a": "the weights are the same for every photo, whatever its "
                 "colours; they describe the viewer, not the image.",
            "b": "chelsea stores each channel in 8 bits (uint8), green as "
                 "red and blue.",
            "c": "the weights model perceived brightness: a pure green "
                 "pixel looks brighter to us than a pure blue one of the "
                 "same value.",
        },
    ),
))
