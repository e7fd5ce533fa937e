"""Instant feedback on the exercises: ``check``, ``hint``, ``solution``.

Every exercise of the course has an entry here, keyed by its number on the
site (``"2.3"`` is the third exercise of chapter 2, label ``ch02-ex3``).
A learner writes an answer in the notebook and asks for feedback:

- :func:`check` compares the answer with the truth and prints one line:
  right, or what went wrong (common mistakes are recognised by name: an
  off-by-one size, a forgotten bias, a flip along the wrong axis...). It
  returns ``True`` or ``False`` and never raises on a wrong or missing
  answer, so "Run all" works on a student notebook with nothing answered.
- Where the answer is computable, it is checked against the truth: numbers
  and arrays against values computed here, a learner's *function* on random
  inputs against a reference.
- Where the exercise asks to explain, a short multiple-choice question asks
  its key idea (:func:`question` prints it; answer with the letter), and the
  written explanation stays in the solution.
- :func:`hint` and :func:`solution` print a nudge and the worked answer.

The chapters' own solutions call :func:`check` on their answers, so nbval
proves on every test run that each solution passes its check; the student
copies (``python -m cnncourse student OUTDIR``) put each exercise's
:attr:`Exercise.answer_cell` and :attr:`Exercise.check_cell` after it.

Examples
--------
>>> from cnncourse import exercises
>>> exercises.check("5.1", 273_178)
Exercise 5.1: right. 273,178 parameters in all, 221,440 of them in the dense layer after Flatten.
True
>>> exercises.check("5.1", ...)
Exercise 5.1: not answered yet: replace ... with your answer.
False
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["EXERCISES", "Exercise", "Question", "by_label", "check", "hint", "question",
           "solution"]


class Wrong(Exception):
    """Raised by a grader with the one-line feedback for a wrong answer."""


class _Unanswered(Exception):
    """Raised by a grader when the answer is a stub (a function returning nothing)."""


@dataclass(frozen=True)
class Question:
    """A multiple-choice question that asks an exercise's key idea.

    Parameters
    ----------
    text : str
        The question, one sentence.
    choices : dict of str to str
        Letter (``"a"``, ``"b"``, ...) to choice.
    right : str
        The letter of the right choice.
    why : dict of str to str
        Letter to the feedback shown when that choice is picked.
    """

    text: str
    choices: dict[str, str]
    right: str
    why: dict[str, str]

    def grade(self, answer: str) -> str:
        letter = answer.strip().strip("()").strip().lower()
        if letter not in self.choices:
            letters = ", ".join(f'"{k}"' for k in self.choices)
            raise Wrong(f"answer with one letter: {letters}.")
        if letter != self.right:
            raise Wrong(f"({letter}) {self.why[letter]}")
        return f"({letter}) {self.why[letter]}"

    def as_comment(self) -> str:
        """The question and its choices as Python comments, for a student's answer cell."""
        lines = textwrap.wrap(self.text, 84, initial_indent="# ", subsequent_indent="# ")
        for letter, choice in self.choices.items():
            lines += textwrap.wrap(choice, 84, initial_indent=f"#   {letter}) ",
                                   subsequent_indent="#      ")
        return "\n".join(lines)


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to check it, and what to tell a learner.

    Attributes
    ----------
    id : str
        The site's number, ``"2.3"``.
    label : str
        The sphinx-exercise label in the notebook, ``"ch02-ex3"``.
    answer : str
        What :func:`check` expects, in words (``"an int"``...).
    variable : str
        The name the student copy gives the answer (a function's name for a
        function).
    hint, solution : str
        Printed by :func:`hint` and :func:`solution`.
    grade : callable, optional
        ``grade(answer) -> str`` returns the "right" feedback or raises
        :class:`Wrong` with what went wrong. ``None`` for an exercise that is
        only a question.
    question : Question, optional
        The multiple-choice question on the idea the exercise asks to explain.
    stub : str, optional
        The student copy's answer cell when the answer is a function (a
        ``def`` whose body is ``...``); by default ``variable = ...``.
    """

    id: str
    label: str
    answer: str
    variable: str
    hint: str
    solution: str
    grade: Callable[[Any], str] | None = None
    question: Question | None = None
    stub: str | None = field(default=None)

    @property
    def answer_cell(self) -> str:
        """Source of the student copy's answer cell."""
        lines = [f"# Exercise {self.id}: replace each ... with your answer, then run the next cell."]
        if self.grade is not None:
            lines.append(self.stub if self.stub else f"{self.variable} = ...  # {self.answer}")
        if self.question is not None:
            lines += [self.question.as_comment(), f"{self._choice} = ...  # a letter"]
        return "\n".join(lines)

    @property
    def check_cell(self) -> str:
        """Source of the student copy's cell that checks the answer."""
        calls = []  # each ends with ";": the one-line feedback is enough, no True/False below it
        if self.grade is not None:
            calls.append(f'exercises.check("{self.id}", {self.variable});')
        if self.question is not None:
            calls.append(f'exercises.check("{self.id}", {self._choice});')
        return "\n".join(calls)

    @property
    def _choice(self) -> str:
        return f"choice_{self.id.replace('.', '_')}"


EXERCISES: dict[str, Exercise] = {}
"""Every exercise of the course, by its number on the site, in order."""


def _register(exercise: Exercise) -> Exercise:
    if exercise.id in EXERCISES:
        raise ValueError(f"exercise {exercise.id} is registered twice")
    if not re.fullmatch(r"ch\d\d-ex\d+", exercise.label):
        raise ValueError(f"label {exercise.label!r} is not of the form chNN-exK")
    EXERCISES[exercise.id] = exercise
    return exercise


def _get(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[str(exercise_id)]
    except KeyError:
        known = ", ".join(EXERCISES)
        raise KeyError(f"there is no exercise {exercise_id!r}; the exercises are {known}") from None


def by_label(label: str) -> Exercise | None:
    """The exercise with a sphinx-exercise label (``"ch02-ex3"``), or ``None``.

    Examples
    --------
    >>> by_label("ch05-ex1").id
    '5.1'
    """
    return next((e for e in EXERCISES.values() if e.label == label), None)


def _is_unanswered(answer: Any) -> bool:
    return answer is ... or answer is None


def check(exercise_id: str, answer: Any) -> bool:
    """Check an answer and print one line of feedback.

    Parameters
    ----------
    exercise_id : str
        The exercise's number on the site, ``"2.3"``.
    answer : object
        What the exercise asks for (see the exercise's answer cell in the
        student copy), or the letter of a multiple-choice answer for an
        exercise that asks to explain. ``...`` or ``None``: not answered yet.

    Returns
    -------
    bool
        Whether the answer is right. A wrong, unanswered or crashing answer
        prints why and returns ``False``; it never raises.

    Raises
    ------
    KeyError
        Only for an exercise number that does not exist.

    Examples
    --------
    >>> check("5.1", 273_178 + 160)
    Exercise 5.1: not yet. 273,338 is 160 too many: the convolutions have no bias (use_bias=False); batch normalization's offset does that job.
    False
    """
    exercise = _get(exercise_id)
    prefix = f"Exercise {exercise.id}:"
    if _is_unanswered(answer):
        print(prefix, "not answered yet: replace ... with your answer.")
        return False
    is_choice = isinstance(answer, str) and exercise.question is not None
    try:
        if is_choice:
            feedback = exercise.question.grade(answer)
        elif exercise.grade is None:
            raise Wrong(f"this exercise asks a question: answer with a letter "
                        f"(exercises.question({exercise.id!r}) shows it).")
        else:
            feedback = exercise.grade(answer)
    except _Unanswered as stub:
        print(prefix, f"not answered yet: {stub}")
        return False
    except Wrong as wrong:
        print(prefix, "not yet.", wrong)
        return False
    except Exception as error:  # the learner's own function crashed, or a bad type
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(prefix, f"not yet. It raised {type(error).__name__}: {message}")
        return False
    print(prefix, "right.", feedback)
    return True


def hint(exercise_id: str) -> None:
    """Print a hint for an exercise.

    Examples
    --------
    >>> hint("5.3")  # doctest: +ELLIPSIS
    Exercise 5.3, hint: ...
    """
    exercise = _get(exercise_id)
    print(f"Exercise {exercise.id}, hint: {exercise.hint}")


def solution(exercise_id: str) -> None:
    """Print the worked solution of an exercise.

    Examples
    --------
    >>> solution("6.3")  # doctest: +ELLIPSIS
    Exercise 6.3, solution: ...
    """
    exercise = _get(exercise_id)
    print(f"Exercise {exercise.id}, solution: {exercise.solution}")


def question(exercise_id: str) -> None:
    """Print an exercise's multiple-choice question, if it has one.

    Examples
    --------
    >>> question("5.4")  # doctest: +ELLIPSIS
    Exercise 5.4: Which of these can make ...
    """
    exercise = _get(exercise_id)
    if exercise.question is None:
        print(f"Exercise {exercise.id} has no multiple-choice question: "
              f"check it with the answer it asks for ({exercise.answer}).")
        return
    print(f"Exercise {exercise.id}: {exercise.question.text}")
    for letter, choice in exercise.question.choices.items():
        print(f"  {letter}) {choice}")


# --- helpers for graders ---------------------------------------------------------------


def _as_int(value: Any, what: str) -> int:
    """``value`` as an int, or :class:`Wrong` saying that a whole number was expected."""
    if isinstance(value, (str, bytes)):
        raise Wrong(f"{what} should be a whole number, not the string {value!r}.")
    if isinstance(value, (bool, np.bool_)):
        raise Wrong(f"{what} should be a whole number, not {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be a whole number, not {type(value).__name__}.") from None
    if not math.isfinite(number) or number != int(number):
        raise Wrong(f"{what} should be a whole number, not {value!r}.")
    return int(number)


def _call(function: Any, *args: Any) -> Any:
    """Call a learner's function; a stub that returns nothing is 'not answered yet'."""
    if not callable(function):
        raise Wrong(f"the answer should be a function, not {type(function).__name__}.")
    result = function(*args)
    if _is_unanswered(result):
        name = getattr(function, "__name__", "your function")
        raise _Unanswered(f"{name} returns nothing yet.")
    return result


def _same(a: np.ndarray, b: np.ndarray, atol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, atol=atol, rtol=1e-5)


# --- Chapter 1: images as arrays -------------------------------------------------------


def _ndim(value: Any) -> int:
    """The number of axes of ``value`` as an array; 1 for a ragged sequence."""
    try:
        return np.ndim(value)
    except ValueError:  # NumPy refuses ragged nested sequences
        return 1


def _parts(answer: Any, n: int, expected: str) -> list[Any]:
    """The ``n`` items of a tuple (or list) answer, or :class:`Wrong` saying what is expected.

    Parameters
    ----------
    answer : object
        The learner's answer.
    n : int
        How many items it should have.
    expected : str
        The expected form in words, such as ``"(layers, size)"``.

    Returns
    -------
    list
        The items, in order.

    Examples
    --------
    >>> _parts((31, 4), 2, "(layers, size)")
    [31, 4]
    >>> _parts(31, 2, "(layers, size)")
    Traceback (most recent call last):
    ...
    cnncourse.exercises.Wrong: give a tuple (layers, size), not int.
    """
    if isinstance(answer, (str, bytes)) or _ndim(answer) == 0 or \
            not isinstance(answer, (Sequence, np.ndarray)):
        raise Wrong(f"give a tuple {expected}, not {type(answer).__name__}.")
    items = list(answer)
    if len(items) != n:
        raise Wrong(f"give {n} items, {expected}, not {len(items)}.")
    return items


def _number(value: Any, what: str) -> float:
    """``value`` as a float, or :class:`Wrong` saying that a number was expected."""
    if _ndim(value) != 0:
        raise Wrong(f"{what} should be one number, not a {type(value).__name__} of several.")
    if isinstance(value, (bool, np.bool_, str)):
        raise Wrong(f"{what} should be a number, not {value!r}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be a number, not {type(value).__name__}.") from None


def _numeric_array(answer: Any, what: str) -> np.ndarray:
    """``answer`` as a NumPy array of numbers (or booleans), or :class:`Wrong`."""
    try:
        array = np.asarray(answer)
    except ValueError:  # a ragged list
        raise Wrong(f"{what} should be an array with rows of equal length.") from None
    if array.dtype.kind not in "biuf":
        raise Wrong(f"{what} should be a NumPy array of numbers, not {type(answer).__name__}.")
    return array


def _plus_sign() -> np.ndarray:
    """The 7×7 plus sign of exercise 1.1: row 3 and column 3 white (1), the rest 0."""
    plus = np.zeros((7, 7), dtype=int)
    plus[3, :] = 1
    plus[:, 3] = 1
    return plus


def _grade_1_1(answer: Any) -> str:
    if isinstance(answer, str):
        raise Wrong("give the image (a 7×7 array), or the number of white pixels, not a string.")
    if _ndim(answer) == 0:
        count = _as_int(answer, "the number of white pixels")
        if count == 13:
            return "13 white pixels: 7 in each bar, minus the centre they share."
        if count == 14:
            raise Wrong("14 counts the centre twice: the two bars share it, 7 + 7 − 1 = 13.")
        raise Wrong(f"{count} is not the number of white pixels of the plus; build the image "
                    "and let .sum() count them.")
    image = _numeric_array(answer, "the image")
    if image.shape != (7, 7):
        raise Wrong(f"shape {image.shape}: a 7×7 image has shape (7, 7), one number a pixel.")
    values = set(np.unique(image).tolist())
    if 255 in values and values <= {0, 255}:
        raise Wrong("0 and 255: a binary image holds 0 (black) and 1 (white); set the bars to 1.")
    if not values <= {0, 1}:
        raise Wrong(f"a binary image holds only 0 and 1, not {sorted(values - {0, 1})[0]!r}.")
    image, plus = image.astype(int), _plus_sign()
    if np.array_equal(image, plus):
        return "row 3 and column 3 are white: 13 white pixels (7 + 7, the centre counted once)."
    if not image.any():
        raise Wrong("the image is all black: set row 3 and column 3 to 1.")
    if image.all():
        raise Wrong("every pixel is white: only row 3 and column 3 should be.")
    if np.array_equal(image, 1 - plus):
        raise Wrong("the colours are swapped: the plus is white (1) on black (0).")
    rows = [r for r in range(7) if image[r].all()]
    cols = [c for c in range(7) if image[:, c].all()]
    bars = np.zeros((7, 7), dtype=int)
    bars[rows, :] = 1
    bars[:, cols] = 1
    if np.array_equal(image, bars):  # made of whole rows and columns
        if not cols or not rows:
            missing = "vertical bar (column 3)" if not cols else "horizontal bar (row 3)"
            raise Wrong(f"only one bar: a plus also has a {missing}.")
        if len(rows) > 1 or len(cols) > 1:
            raise Wrong(f"the bars are {len(rows)} and {len(cols)} pixels thick; the plus is one "
                        "pixel thick: only row 3 and column 3.")
        raise Wrong(f"the bars are at row {rows[0]} and column {cols[0]}, off the middle: Python "
                    "counts from 0, so the middle of rows 0 to 6 is row 3.")
    if (image <= plus).all():
        raise Wrong(f"{int((plus - image).sum())} pixels of row 3 and column 3 are still black: "
                    "each bar runs across the whole image, 7 pixels.")
    if (image >= plus).all():
        raise Wrong(f"{int((image - plus).sum())} white pixels outside row 3 and column 3: the "
                    "plus is only those two bars.")
    raise Wrong(f"not the plus: it should be white exactly on row 3 and column 3 (13 pixels); "
                f"yours has {int(image.sum())} white pixels.")


_register(Exercise(
    id="1.1", label="ch01-ex1",
    answer="the 7×7 image, an array of 0 and 1 (or the number of white pixels)",
    variable="plus",
    hint="Start from np.zeros((7, 7), dtype=np.uint8) and set one whole row and one whole column "
         "to 1 with slices; rows and columns are numbered from 0, so the middle of 7 is 3. "
         ".sum() counts the ones.",
    solution="plus = np.zeros((7, 7), dtype=np.uint8); plus[3, :] = 1; plus[:, 3] = 1. "
             "plus.sum() is 13: 7 pixels in each bar, and the centre belongs to both.",
    grade=_grade_1_1,
))


def _brighten_test_image() -> np.ndarray:
    """A random 20×30 RGB uint8 image that holds every value from 0 to 255."""
    image = np.random.default_rng(12).integers(0, 256, size=(20, 30, 3)).astype(np.uint8)
    image.flat[:256] = np.arange(256)
    return image


def _grade_1_2(function: Any) -> str:
    image = _brighten_test_image()
    result = _call(function, image.copy())
    if not isinstance(result, np.ndarray):
        raise Wrong(f"return the image as a NumPy array, not {type(result).__name__}.")
    if result.shape != image.shape:
        raise Wrong(f"shape {result.shape}: the brighter image keeps the shape {image.shape}.")
    if result.dtype.kind not in "iuf":
        raise Wrong(f"dtype {result.dtype}: return a uint8 image.")
    values, target = result.astype(float), np.clip(image * 1.3, 0, 255)
    close = bool(np.all(np.abs(values - target) <= 1))
    if result.dtype != np.uint8:
        if values.max() > 255:
            raise Wrong(f"{result.dtype} with values up to {values.max():g}: not clipped; clip to "
                        "255 before converting back, since a uint8 cannot hold more.")
        if close:
            raise Wrong(f"right values, but dtype {result.dtype}: convert back with "
                        ".astype(np.uint8), as images are stored.")
        raise Wrong(f"dtype {result.dtype}: return a uint8 image, like the input.")
    if close:
        return "a uint8 image, 30 % brighter, clipped at 255 (checked on random images)."
    plus80 = image.astype(int) + 80
    if np.array_equal(values, plus80 % 256) or np.array_equal(values, np.minimum(plus80, 255)):
        raise Wrong("that adds 80; 30 % brighter means multiplying by 1.3, so dark pixels gain "
                    "less than bright ones.")
    darker = np.flatnonzero(result < image)
    if darker.size:
        i = darker[0]
        raise Wrong(f"some pixels got darker ({image.flat[i]} became {result.flat[i]}): uint8 "
                    "wraps around past 255; compute in float, clip to 255, then convert.")
    raise Wrong(f"the pixels are not 1.3 times as bright: 100 became {result.flat[100]}, "
                "130 expected.")


_register(Exercise(
    id="1.2", label="ch01-ex2",
    answer="a function (uint8 image) -> the uint8 image 30 % brighter",
    variable="brighten",
    stub="def brighten(image):\n"
         "    ...  # return the image 30 % brighter, as uint8, without wrapping around",
    hint="A uint8 holds 0 to 255 and wraps around past 255 (250 + 10 gives 4). Convert to float, "
         "multiply, np.clip to [0, 255], round, and only then .astype(np.uint8).",
    solution="np.clip(image.astype(np.float32) * 1.3, 0, 255).round().astype(np.uint8). "
             "chelsea * 1.3 is float64, no longer uint8, with values above 255; chelsea + 80 "
             "stays uint8 and wraps: 231 + 80 becomes 55, a bright pixel turned dark.",
    grade=_grade_1_2,
))


_LUMINANCE = np.array([0.2125, 0.7154, 0.0721])


def _grade_1_3(answer: Any) -> str:
    import skimage

    chelsea = skimage.data.chelsea()
    reference = skimage.color.rgb2gray(chelsea)
    gray = _numeric_array(answer, "the gray image").astype(float)
    if gray.shape in ((300, 451, 1), (300, 451, 3)):
        raise Wrong(f"shape {gray.shape} keeps a channel axis: a gray image has one value a "
                    "pixel, (300, 451); @ with the 3 weights contracts the channel axis away.")
    if gray.shape != reference.shape:
        raise Wrong(f"shape {gray.shape}: the gray image of chelsea has shape (300, 451).")
    if _same(gray, reference):
        return "the same as skimage.color.rgb2gray(chelsea)."
    problems = []
    if gray.max() > 1 + 1e-6:
        problems.append(f"values up to {gray.max():.0f}: scale chelsea to [0, 1] first "
                        "(divide by 255)")
        gray = gray / 255
    rgb = chelsea / 255
    formulas = [
        (reference, ""),
        (rgb.mean(axis=-1), "that is the plain mean of R, G and B; weight them 0.2125, 0.7154, "
                            "0.0721"),
        (rgb @ _LUMINANCE[::-1], "the weights are in BGR order (0.0721 on red): chelsea's "
                                 "channels are R, G, B"),
    ]
    problems.append(next((why for values, why in formulas if _same(gray, values, atol=1 / 255)),
                         "the values differ from skimage.color.rgb2gray(chelsea); use "
                         "(chelsea / 255) @ [0.2125, 0.7154, 0.0721]"))
    raise Wrong("; ".join(p for p in problems if p) + ".")


_register(Exercise(
    id="1.3", label="ch01-ex3",
    answer="the gray image of chelsea, shape (300, 451), values in [0, 1]",
    variable="gray",
    hint="chelsea / 255.0 has shape (300, 451, 3); the @ operator with a vector of 3 weights "
         "makes one weighted sum per pixel.",
    solution="gray = (chelsea / 255.0) @ np.array([0.2125, 0.7154, 0.0721]), equal to "
             "skimage.color.rgb2gray(chelsea). Green weighs most because the eye is most "
             "sensitive to green light: the weights model perceived brightness, so a pure green "
             "pixel looks brighter than a pure blue one of the same value.",
    grade=_grade_1_3,
    question=Question(
        text="Why is green weighted most in the luminance formula?",
        choices={
            "a": "Photos hold more green pixels than red or blue ones.",
            "b": "The eye is most sensitive to green light: the weights model perceived "
                 "brightness.",
            "c": "Green values are stored with more bits than red and blue ones.",
        },
        right="b",
        why={
            "a": "the weights are the same for every photo, whatever its colours; they describe "
                 "the viewer, not the image.",
            "b": "a pure green pixel looks brighter to us than a pure blue one of the same value.",
            "c": "chelsea stores each channel in 8 bits (uint8), green as red and blue.",
        },
    ),
))


# --- Chapter 2: kernels and convolution ------------------------------------------------

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
    if _ndim(answer) == 2 and np.shape(answer) == (3, 3):
        raise Wrong("that is a 3×3 array (the element-wise products?): an output value is "
                    "their sum, one number.")
    if _ndim(answer) == 2:
        raise Wrong("that is the whole map: give its two values, (map[0, 0], map[1, 1]).")
    parts = _parts(answer, 2, "(value at row 0 column 0, value at row 1 column 1)")
    if any(_ndim(part) > 0 for part in parts):
        raise Wrong("each value is one number: the sum of the 9 element-wise products of the "
                    "window and the kernel, not the products themselves.")
    got = [_as_int(part, "each value") for part in parts]
    truth = [int(valid[0, 0]), int(valid[1, 1])]
    if got == truth:
        return (f"{truth[0]} on the flat top-left corner (the weights sum to 1) and {truth[1]} "
                "beside the bright block: a dark rim that makes the edge look sharper.")
    if got == truth[::-1]:
        raise Wrong("the two values are swapped: first the one at row 0, column 0.")
    (r, c), g, t = next(item for item in zip(((0, 0), (1, 1)), got, truth) if item[1] != item[2])
    if g == -t:
        raise Wrong(f"the value at ({r}, {c}) has the wrong sign: the kernel is +5 at the "
                    "centre and −1 on the four neighbours.")
    if g == int(centred[r, c]):
        raise Wrong(f"{g} is the window centred on image[{r}, {c}]; without padding the "
                    f"window of output ({r}, {c}) starts there: rows {r}–{r + 2}, columns "
                    f"{c}–{c + 2}, centred on image[{r + 1}, {c + 1}].")
    raise Wrong(f"the value at ({r}, {c}) is not {g}: lay the kernel on rows {r}–{r + 2} "
                f"and columns {c}–{c + 2}, multiply element by element and add up.")


def _grade_2_2(answer: Any) -> str:
    from cnncourse import ops

    if not isinstance(answer, dict):
        raise Wrong(f"give a dict, kernel name → predicted value ({{'identity': ..., "
                    f"'box blur': ...}}), not {type(answer).__name__}.")
    names = {name.lower(): name for name in ops.CLASSIC_KERNELS}
    given = {names.get(str(key).lower().replace("_", " "), key): value
             for key, value in answer.items()}
    unknown = [repr(key) for key in given if key not in ops.CLASSIC_KERNELS]
    if unknown:
        raise Wrong(f"unknown kernel name(s) {', '.join(unknown)}: use the names of "
                    "ops.CLASSIC_KERNELS.")
    missing = [name for name in ops.CLASSIC_KERNELS if name not in given]
    if missing:
        raise Wrong(f"predict all eight kernels; missing: {', '.join(missing)}.")
    predicted = {}
    for name, value in given.items():
        values = np.ravel(_numeric_array(value, f"the prediction for {name}").astype(float))
        if values.size == 0 or not np.allclose(values, values[0]):
            raise Wrong(f"{name}: a constant image gives a constant output; give one number.")
        predicted[name] = float(values[0])
    truth = {name: 0.5 * float(k.sum()) for name, k in ops.CLASSIC_KERNELS.items()}
    wrong = [name for name in truth if not math.isclose(predicted[name], truth[name],
                                                        abs_tol=1e-6)]
    if not wrong:
        return ("0.5 × the sum of the weights: 0.5 where they sum to 1 (blurs, identity, "
                "sharpen, emboss), 0 where they sum to 0 (Sobel, outline).")
    if all(math.isclose(v, 0.5) for v in predicted.values()):
        raise Wrong("0.5 for every kernel: but the Sobel and outline weights sum to 0, so on "
                    "a flat area they give 0.")
    if all(math.isclose(v, 0, abs_tol=1e-9) for v in predicted.values()):
        raise Wrong("0 for every kernel: only the kernels whose weights sum to 0 (Sobel, "
                    "outline) wipe out a flat area; the others sum to 1.")
    name = wrong[0]
    raise Wrong(f"wrong for {', '.join(wrong)}: a flat area of 0.5 gives 0.5 × the sum of the "
                f"weights, {truth[name]:g} for {name}, not {predicted[name]:g}.")


_register(Exercise(
    id="2.1", label="ch02-ex1",
    answer="(value at row 0 column 0, value at row 1 column 1)",
    variable="values",
    hint="Output (r, c) comes from the 3×3 window whose top-left corner is image[r, c] (no "
         "padding). SHARPEN is 5 at the centre and −1 above, below, left and right.",
    solution="(1, -6). The top-left window is all ones: 5 × 1 − 4 × 1 = 1, as on any flat "
             "area. The window of output (1, 1) covers rows 1–3 and columns 1–3, centred on "
             "image[2, 2] = 1 with neighbours 1, 1, 8 and 1: 5 − 11 = −6, a dark rim beside "
             "the bright block.",
    grade=_grade_2_1,
))

_register(Exercise(
    id="2.2", label="ch02-ex2",
    answer="a dict: kernel name of ops.CLASSIC_KERNELS -> predicted output value",
    variable="predictions",
    hint="On a flat area every pixel under the window has the same value v, so each output is "
         "v times something that depends only on the kernel.",
    solution="The output is v × (sum of the weights). The blurs, identity, sharpen and emboss "
             "sum to 1: 0.5 stays 0.5, brightness is kept. Sobel x, Sobel y and outline sum to "
             "0: flat areas become 0, which is why the outline image is an even mid-gray "
             "(the colour of zero) but for the edges.",
    grade=_grade_2_2,
    question=Question(
        text="Which one property of a kernel's weights explains both that the box blur keeps "
             "the brightness and that the outline kernel sends flat areas to zero?",
        choices={
            "a": "The centre weight.",
            "b": "The sum of the weights.",
            "c": "The largest weight.",
        },
        right="b",
        why={
            "a": "on a flat area every weight counts, not only the centre: the box blur's "
                 "centre is 1/9, yet it keeps the value.",
            "b": "on a flat area of value v the output is v × the sum: 1 keeps the value, 0 "
                 "wipes it out.",
            "c": "the outline's largest weight is 8, but flat areas go to 0: the −1s cancel it.",
        },
    ),
))


def _grade_2_3(answer: Any) -> str:
    given = _as_int(answer, "the number of parameters")
    weights = 5 * 5 * 3 * 16
    if given == weights + 16:
        return "1,216: 16 filters of 5 × 5 × 3 = 75 weights and one bias each."
    known = {
        weights: "1,200 forgets the biases: each of the 16 filters also has one, 16 × 76.",
        5 * 5 * 16 + 16: "416 ignores the 3 input channels: a filter spans all of them, "
                         "5 × 5 × 3 = 75 weights.",
        5 * 5 * 16: "400 ignores the 3 input channels (a filter is 5 × 5 × 3) and the 16 biases.",
        76: "76 is one filter (75 weights and a bias); the layer has 16.",
        75: "75 is one filter's weights; the layer has 16 filters, each with a bias too.",
    }
    if given in known:
        raise Wrong(known[given])
    if given > 10_000:
        raise Wrong(f"{given:,} grows with the image, but a convolution's parameters do not: "
                    "the same 16 kernels slide over every position.")
    raise Wrong(f"{given:,} is not right: count one filter's weights (kernel × kernel × input "
                "channels), add its bias, and multiply by the number of filters.")


_register(Exercise(
    id="2.3", label="ch02-ex3",
    answer="an int, the number of parameters",
    variable="params",
    hint="One filter covers 5 × 5 pixels of every input channel and has one bias; the layer "
         "has 16 filters.",
    solution="16 × (5 × 5 × 3 + 1) = 1,216, on 32×32 and on 200×200 images alike: the same "
             "kernels slide over every position (weight sharing), so the image size does not "
             "enter.",
    grade=_grade_2_3,
    question=Question(
        text="Does the number of parameters of Conv2D(16, 5) depend on the image's height and "
             "width?",
        choices={
            "a": "Yes: a larger image needs more weights to cover it.",
            "b": "No: the same kernels slide over every position (weight sharing).",
            "c": "Only with padding=\"same\", which adds weights for the border.",
        },
        right="b",
        why={
            "a": "a larger image gives a larger output map, computed with the same 16 kernels.",
            "b": "the layer learns only its 16 kernels and biases, whatever the image size.",
            "c": "padding adds zeros to the image, not weights to the layer.",
        },
    ),
))


# --- Chapter 3: padding and stride -----------------------------------------------------


def _zeros_pair(value: Any, where: str) -> tuple[float, float]:
    """A ``(before, after)`` answer as two floats, or :class:`Wrong`."""
    before, after = _parts(value, 2, f"(zeros before, zeros after) as {where}")
    return _number(before, "the zeros before"), _number(after, "the zeros after")


def _grade_3_1(answer: Any) -> str:
    conv, pool, zeros = _parts(answer, 3, "(size after the convolution, size after the "
                                          "pooling, (zeros before, zeros after))")
    conv = _as_int(conv, "the size after the convolution")
    pool = _as_int(pool, "the size after the pooling")
    before, after = _zeros_pair(zeros, "the third item")
    if conv in (109, 110):
        raise Wrong(f"{conv} comes from the 'valid' formula (224 − 7) / 2 + 1 = 109.5; with "
                    "padding='same' the size is ceil(224 / 2) = 112, whatever the kernel.")
    if conv != 112:
        raise Wrong(f"{conv} after the convolution: 'same' with stride 2 gives ceil(224 / 2).")
    if pool == 55:
        raise Wrong("55 is the 'valid' pooling (112 − 3) // 2 + 1; with padding='same' it is "
                    "ceil(112 / 2) = 56.")
    if pool != 56:
        raise Wrong(f"{pool} after the pooling: 'same' with stride 2 gives ceil(112 / 2).")
    if (before, after) == (2, 3):
        return ("112 and 56; 'same' adds (112 − 1)·2 + 7 − 224 = 5 zeros: 2 before and 3 after, "
                "the odd one at the bottom and right.")
    if (before, after) == (3, 3):
        raise Wrong("(3, 3) is ResNet-50's explicit ZeroPadding2D(3); 'same' adds only the "
                    "zeros it needs: (112 − 1)·2 + 7 − 224 = 5.")
    if (before, after) == (3, 2):
        raise Wrong("swapped: Keras (as TensorFlow) puts the extra zero after, at the bottom "
                    "and right: (2, 3).")
    if before == after == 2.5:
        raise Wrong("zeros come whole: the 5 zeros split as 2 before and 3 after.")
    if before + after == 5:
        raise Wrong("5 zeros in all, right, but 'same' splits them as evenly as it can, the "
                    "extra one after: (2, 3).")
    raise Wrong(f"'same' pads (112 − 1)·2 + 7 − 224 = 5 zeros in all, not {before + after:g}; "
                "split them with the extra one after.")


_register(Exercise(
    id="3.1", label="ch03-ex1",
    answer="(size after the convolution, size after the pooling, (zeros before, zeros after))",
    variable="stem",
    hint="With padding='same' the output size is ceil(n / stride), whatever the kernel. The "
         "zeros needed in all are (out − 1)·stride + kernel − n; Keras puts half before, the "
         "rest after.",
    solution="(112, 56, (2, 3)): ceil(224 / 2) = 112, ceil(112 / 2) = 56, and the convolution "
             "needs (112 − 1)·2 + 7 − 224 = 5 zeros, 2 before and 3 after. ResNet-50 itself pads "
             "3 on each side and uses 'valid' layers; it reaches the same sizes because of the "
             "floor in the formula: (224 + 6 − 7) // 2 + 1 = 112 and (112 + 2 − 3) // 2 + 1 = 56. "
             "Its last zero is never reached by a window, so it pads 3 before and 2 after in "
             "effect: same sizes, but every window sits one pixel higher and further left, and "
             "the outputs differ.",
    grade=_grade_3_1,
    question=Question(
        text="ResNet-50 itself pads 3 zeros on each side and uses a 'valid' 7×7 stride-2 "
             "convolution, then 1 zero on each side and a 'valid' 3×3 stride-2 pooling. Why "
             "does it still reach 112 and 56?",
        choices={
            "a": "ZeroPadding2D pads only one side of each axis.",
            "b": "The floor in the output-size formula: (224 + 6 − 7) // 2 + 1 = 112 and "
                 "(112 + 2 − 3) // 2 + 1 = 56; the odd extra zero changes where the windows "
                 "sit, not how many fit.",
            "c": "ResNet-50's first convolution has stride 1.",
        },
        right="b",
        why={
            "a": "ZeroPadding2D(3) pads 3 zeros on both sides of each axis.",
            "b": "the floor drops the half position: the last zero is never reached by a window, "
                 "so the sizes agree while the windows sit one pixel earlier.",
            "c": "the stride is 2 in both; with stride 1 the size would stay 224.",
        },
    ),
))


def _grade_3_2(answer: Any) -> str:
    layers, size = _parts(answer, 2, "(number of layers, size of the last output)")
    layers, size = _as_int(layers, "the number of layers"), _as_int(size, "the size")
    if (layers, size) == (31, 4):
        return "31 layers: each removes 4 pixels, 128 − 4 × 31 = 4, and a 32nd would not fit."
    if size == 128 - 5 * layers:
        raise Wrong("each layer removes k − 1 = 4 pixels, not 5: the output is n − k + 1.")
    if layers >= 32:
        raise Wrong(f"{layers} layers is too many: after 31 the map is 4×4, smaller than the "
                    "5×5 kernel, so no window fits.")
    if size != 128 - 4 * layers:
        raise Wrong(f"after {layers} layers the size is 128 − 4 × {layers} = "
                    f"{128 - 4 * layers}, not {size}.")
    raise Wrong(f"one more layer fits: after {layers} layers the map is {size}×{size}, still "
                "as large as the 5×5 kernel.")


_register(Exercise(
    id="3.2", label="ch03-ex2",
    answer="(number of layers, size of the last output)",
    variable="layers_and_size",
    hint="An unpadded 5×5 layer with stride 1 makes the map 4 pixels smaller (n − 5 + 1). A "
         "layer still fits while the map is at least 5 pixels wide.",
    solution="(31, 4): L layers leave 128 − 4L, which must stay ≥ 1, so "
             "L = floor(127 / 4) = 31 and the last output is 4×4.",
    grade=_grade_3_2,
))


def _grade_3_3(answer: Any) -> str:
    p, zeros = _parts(answer, 2, "(p, (zeros before, zeros after))")
    p = _number(p, "p")
    before, after = _zeros_pair(zeros, "the second item")
    if p == 4:
        raise Wrong("4 is the total; p counts the zeros on each side: (5 − 1) / 2 = 2.")
    if p == 1.5:
        raise Wrong("1.5 is what a 4×4 kernel would need (not a whole number); for the 5×5 "
                    "kernel p = (5 − 1) / 2 = 2.")
    if p != 2:
        raise Wrong(f"p = {p:g}: 28 + 2p − 5 + 1 = 28 gives p = (5 − 1) / 2 = 2.")
    if (before, after) == (1, 2):
        return ("p = 2 for the 5×5 kernel; for the 4×4 one no symmetric padding works, and "
                "'same' pads 3 zeros: 1 before, 2 after.")
    if (before, after) == (2, 1):
        raise Wrong("swapped: 'same' puts the extra zero after (bottom and right): (1, 2).")
    if before == after == 1.5:
        raise Wrong("zeros come whole: the 3 zeros split as 1 before and 2 after.")
    if before + after == 3:
        raise Wrong("3 zeros in all, right, but 'same' splits them as evenly as it can, the "
                    "extra one after: (1, 2).")
    raise Wrong(f"{before + after:g} zeros give 28 + {before + after:g} − 4 + 1 = "
                f"{28 + before + after - 3:g}; 'same' pads 3 in all for a 4×4 kernel.")


_register(Exercise(
    id="3.3", label="ch03-ex3",
    answer="(p for the 5×5 kernel, (zeros before, zeros after) of 'same' for a 4×4 kernel)",
    variable="paddings",
    hint="With stride 1 the output is n + 2p − k + 1; set it equal to n. For the 4×4 kernel "
         "'same' needs k − 1 zeros in all, and Keras puts the odd one after.",
    solution="(2, (1, 2)): p = (k − 1) / 2 = 2 for k = 5. For k = 4, p = 1.5 is not a whole "
             "number, so no symmetric padding keeps 28; 'same' pads 3 zeros, 1 before and 2 "
             "after.",
    grade=_grade_3_3,
))


# --- Chapter 4: pooling ----------------------------------------------------------------


def _article_dense_params(size: int, pools: tuple[bool, bool] = (True, True),
                          padding: str = "valid") -> int:
    """Parameters of the first ``Dense(64)`` of the article's network on ``size``×``size`` images.

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
    given = _as_int(answer, "the number of parameters")
    right = _article_dense_params(200)
    if given == right:
        return ("9,437,248: the map is 48 × 48 × 64 after the second pooling, so Flatten gives "
                "147,456 numbers, each connected to 64 units, plus 64 biases.")
    known = {
        right - 64: "that forgets the 64 biases of the Dense units.",
        49 * 49 * 64 * 64 + 64: "pooling rounds down: 97 // 2 = 48, not 49 (the last row and "
                                "column are dropped).",
        _article_dense_params(128): "that is the value for 128×128 inputs; redo the sizes from "
                                    "200: 200 → 198 → 99 → 97 → 48.",
        _article_dense_params(200, (True, False)): "that skips the second pooling: 97 // 2 = 48.",
        _article_dense_params(200, (False, True)): "that skips the first pooling: 198 // 2 = 99.",
        _article_dense_params(200, (False, False)): "that skips both poolings: each halves the "
                                                    "map.",
        _article_dense_params(200, padding="same"): "the convolutions are unpadded ('valid'): "
                                                    "each takes 2 pixels off, 200 → 198.",
        48 * 48 * 64: "147,456 is what Flatten gives; the Dense layer has a weight for each of "
                      "those numbers and each of its 64 units, plus 64 biases.",
        48 * 48 * 64 + 64: "each of Flatten's 147,456 numbers connects to each of the 64 "
                           "units: multiply by 64 too.",
        right + 1792 + 36_928 + 130: "that is the whole network; the exercise asks only for the "
                                     "first Dense layer.",
    }
    if given in known:
        raise Wrong(f"{given:,}: {known[given]}")
    raise Wrong(f"{given:,} is not right: follow the size 200 → conv → pool → conv → pool, "
                "then (size × size × 64) × 64 + 64.")


_register(Exercise(
    id="4.1", label="ch04-ex1",
    answer="an int, the parameters of the first Dense layer",
    variable="dense_params",
    hint="An unpadded 3×3 convolution takes 2 pixels off; 2×2 pooling halves, rounding down. "
         "The first Dense layer has (numbers out of Flatten) × 64 weights and 64 biases.",
    solution="200 → 198 (conv) → 99 (pool) → 97 (conv) → 48 (pool). Flatten gives "
             "48 × 48 × 64 = 147,456 numbers, and the first Dense layer has "
             "147,456 × 64 + 64 = 9,437,248 parameters, 2.6 times as many as on 128×128 inputs; "
             "the convolutions' parameters do not change.",
    grade=_grade_4_1,
))


def _grade_4_2(answer: Any) -> str:
    parts = _parts(answer, 2, "(max pooling commutes with ReLU?, average pooling commutes "
                              "with ReLU?)")
    if not all(isinstance(part, (bool, np.bool_)) for part in parts):
        raise Wrong("answer each question with True or False.")
    max_ok, average_ok = (bool(part) for part in parts)
    if max_ok and not average_ok:
        return ("max pooling commutes with ReLU (ReLU keeps the order of numbers), average "
                "pooling does not.")
    problems = []
    if not max_ok:
        problems.append("ReLU never changes the order of two numbers (it is non-decreasing), so "
                        "a window's largest value stays the largest: max pooling and ReLU commute")
    if average_ok:
        problems.append("the mean of ReLUs is not the ReLU of the mean: a window with 2 and −2 "
                        "gives mean(2, 0) = 1 one way and relu(0) = 0 the other")
    raise Wrong("; ".join(problems) + ".")


_register(Exercise(
    id="4.2", label="ch04-ex2",
    answer="(max pooling and ReLU commute?, average pooling and ReLU commute?), two bools",
    variable="commute",
    hint="Does ReLU ever change which of two numbers is larger? For the average, try a window "
         "holding only 2 and −2.",
    solution="(True, False). ReLU is non-decreasing, so the largest value of a window stays the "
             "largest and max pooling commutes with it (and ReLU after pooling is 4× cheaper). "
             "The mean of ReLUs is not the ReLU of the mean: 2 and −2 give 1 one way, 0 the "
             "other.",
    grade=_grade_4_2,
))


def _grade_4_3(answer: Any) -> str:
    parts = _parts(answer, 3, "(size with 3×3 windows, size with 2×2 windows, parameters)")
    overlapping = _as_int(parts[0], "the size with 3×3 windows")
    plain = _as_int(parts[1], "the size with 2×2 windows")
    params = _as_int(parts[2], "the number of parameters")
    for got, k in ((overlapping, 3), (plain, 2)):
        if got == 27:
            continue
        if got == (55 - k) // 2:
            raise Wrong(f"{got} forgets the + 1 (the first window): with {k}×{k} windows, "
                        f"(55 − {k}) // 2 + 1 = 27.")
        if got == 28:
            raise Wrong(f"28 rounds up: with {k}×{k} windows and no padding, the size is "
                        f"floor((55 − {k}) / 2) + 1 = 27 (28 = ceil(55 / 2) is 'same').")
        raise Wrong(f"{got} with {k}×{k} windows: floor((55 − {k}) / 2) + 1 = 27.")
    if params != 0:
        raise Wrong(f"{params} parameters: pooling has no weights, it only takes the largest "
                    "value of each window.")
    return ("27 either way, and no parameters: the 3×3 windows overlap their neighbours by a "
            "row and a column, but they fit as many times as the 2×2 ones.")


_register(Exercise(
    id="4.3", label="ch04-ex3",
    answer="(size with 3×3 windows stride 2, size with 2×2 windows stride 2, parameters)",
    variable="pool_sizes",
    hint="Chapter 3's formula floor((n − k) / s) + 1 holds for pooling windows as for kernels. "
         "What would a pooling layer learn?",
    solution="(27, 27, 0): floor((55 − 3) / 2) + 1 = 27 and floor((55 − 2) / 2) + 1 = 27, the "
             "same size, but the 3×3 windows share a row and a column with their neighbours. "
             "Pooling has nothing to learn: 0 parameters.",
    grade=_grade_4_3,
))


# --- Chapter 5: a CNN for Fashion-MNIST -------------------------------------------------

_FASHION_FILTERS = (16, 48, 96)
_FASHION_DENSE = 256


def _fashion_cnn_counts(filters: Sequence[int] = _FASHION_FILTERS, dense: int = _FASHION_DENSE,
                        size: int = 28, channels: int = 1, classes: int = 10
                        ) -> list[tuple[str, int]]:
    """Parameters of each layer of ``fashion_cnn`` that has any, worked out by hand."""
    counts, c_in = [], channels
    for ordinal, c_out in zip(("first", "second", "third", "fourth"), filters):
        counts.append((f"{ordinal} convolution", 9 * c_in * c_out))  # 3×3, no bias
        counts.append((f"{ordinal} batch normalization", 4 * c_out))  # gamma, beta, mean, variance
        c_in, size = c_out, size // 2
    counts.append(("dense", size * size * c_in * dense + dense))
    counts.append(("output", dense * classes + classes))
    return counts


def _grade_5_1(answer: Any) -> str:
    counts = _fashion_cnn_counts()
    total = sum(n for _, n in counts)
    dense = counts[-2][1]
    right = (f"{total:,} parameters in all, {dense:,} of them in the dense layer "
             "after Flatten.")
    conv_bias = sum(_FASHION_FILTERS)
    trained_bn = 2 * sum(_FASHION_FILTERS)
    dense_bias = _FASHION_DENSE + 10
    if not isinstance(answer, (Sequence, np.ndarray)) or isinstance(answer, str):
        given = _as_int(answer, "the total")
        if given == total:
            return right
        known = {
            total + conv_bias: f"{given:,} is {conv_bias} too many: the convolutions have no "
                               "bias (use_bias=False); batch normalization's offset does that job.",
            total - trained_bn: f"{given:,} counts 2 numbers a channel for batch normalization; "
                                "count_params also counts the tracked mean and variance: 4.",
            total - dense_bias: f"{given:,} is {dense_bias} short: the two dense layers have a "
                                "bias for each unit.",
        }
        raise Wrong(known.get(given, f"{given:,} is not the total; add the layers up one by "
                                     "one (exercises.hint('5.1'))."))
    given = [_as_int(n, "each count") for n in np.ravel(np.asarray(answer, dtype=object))]
    if len(given) != len(counts):
        raise Wrong(f"give {len(counts)} counts, one for each layer that has parameters "
                    f"(3 convolutions, 3 batch normalizations, 2 dense layers), not {len(given)}.")
    filters = [c for c in _FASHION_FILTERS for _ in (0, 1)]  # c_out of each conv/BN pair
    for i, ((name, expected), got) in enumerate(zip(counts, given)):
        if got == expected:
            continue
        if name.endswith("convolution") and got == expected + filters[i]:
            raise Wrong(f"the {name} has no bias: {got:,} − {filters[i]} = {expected:,}.")
        if name.endswith("normalization") and got * 2 == expected:
            raise Wrong(f"the {name} keeps 4 numbers a channel (2 trained, 2 tracked): "
                        f"{expected:,}, not {got:,}.")
        if name == "dense" and got == expected - _FASHION_DENSE:
            raise Wrong(f"the dense layer has a bias for each of its {_FASHION_DENSE} units: "
                        f"{expected:,}.")
        if name == "output" and got == expected - 10:
            raise Wrong(f"the output layer has a bias for each of its 10 units: {expected:,}.")
        if name == "dense" and got == 28 * 28 * _FASHION_FILTERS[-1] * _FASHION_DENSE + _FASHION_DENSE:
            raise Wrong("that dense layer would follow a 28×28 map; three 2×2 poolings shrink "
                        "it to 3×3 first (28 → 14 → 7 → 3).")
        raise Wrong(f"layer {i + 1} ({name}): {got:,} is not right; work it out again "
                    "(exercises.hint('5.1')).")
    return right


_register(Exercise(
    id="5.1", label="ch05-ex1",
    answer="a list of the 8 layers' counts, in order, or only the total (an int)",
    variable="counts",
    hint="A 3×3 convolution without bias has 9·c_in·c_out weights; batch normalization keeps "
         "4 numbers a channel; the map is 3×3×96 after three poolings (28 → 14 → 7 → 3), so "
         "Flatten gives 864 numbers; a dense layer has inputs × units weights plus a bias a unit.",
    solution="Convolutions 144, 6,912 and 41,472; batch normalizations 64, 192 and 384; dense "
             "864·256 + 256 = 221,440; output 256·10 + 10 = 2,570; 273,178 in all. The dense "
             "layer after Flatten has the most: it connects every number of the last map to every "
             "unit, while a convolution shares its few weights across all positions.",
    grade=_grade_5_1,
))


def _classification_sample(rng: np.random.Generator, n: int = 600, classes: int = 10
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Labels with unequal class sizes and predictions that are right about 70 % of the time."""
    y_true = rng.choice(classes, size=n, p=rng.dirichlet(np.full(classes, 2.0)))
    noise = rng.integers(0, classes, size=n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, noise)
    return y_true, y_pred


def _grade_5_2(function: Any) -> str:
    import pandas as pd

    rng = np.random.default_rng(52)
    y_true, y_pred = _classification_sample(rng)
    names = [f"class {c}" for c in range(10)]
    result = _call(function, y_true, y_pred, names)
    recall = pd.Series([(y_pred[y_true == c] == c).mean() for c in range(10)], index=names)
    precision = pd.Series([(y_true[y_pred == c] == c).mean() for c in range(10)], index=names)
    if not isinstance(result, pd.Series):
        raise Wrong(f"return a pandas Series indexed by class name (it returned "
                    f"{type(result).__name__}), so that sorting keeps each name with its number.")
    if len(result) != 10:
        raise Wrong(f"return one accuracy for each of the 10 classes, not {len(result)}.")
    if set(result.index) != set(names):
        raise Wrong("index the Series by the class names passed as the third argument.")
    values = result.astype(float)
    if np.allclose(values.sort_index(), precision.sort_index()):
        raise Wrong("that is the share of the images *predicted* as each class that are right "
                    "(precision); divide by the number of images that truly are of the class.")
    if np.allclose(values, (y_pred == y_true).mean()):
        raise Wrong("every class got the overall accuracy; compare predictions and labels "
                    "among the images of one class at a time.")
    if not np.allclose(values.sort_index(), recall.sort_index()):
        raise Wrong("the numbers do not match each class's accuracy (right predictions among "
                    "the images of that class, divided by their number).")
    if not values.is_monotonic_increasing:
        if values.is_monotonic_decreasing:
            raise Wrong("right numbers, sorted from best to worst: the question asks worst first.")
        raise Wrong("right numbers, but not sorted: use .sort_values(), worst first.")
    return "each class's accuracy, worst first (checked on random labels)."


_register(Exercise(
    id="5.2", label="ch05-ex2",
    answer="a function (y_true, y_pred, class_names) -> pandas Series, worst class first",
    variable="per_class_accuracy",
    stub="def per_class_accuracy(y_true, y_pred, class_names):\n"
         "    ...  # return a pandas Series of each class's test accuracy, worst first",
    hint="For class c, look only at the images whose true label is c: the share of them "
         "predicted c is the class's accuracy. Build a pd.Series indexed by the class names, "
         "then .sort_values().",
    solution="pd.Series([(y_pred[y_true == c] == c).mean() for c in range(10)], "
             "index=class_names).sort_values(). On the test set Shirt is far behind every "
             "other class and Trouser, Sandal and Bag are the best: the gap between the worst "
             "and the best class is about 20 points.",
    grade=_grade_5_2,
))


def _grade_5_3(function: Any) -> str:
    rng = np.random.default_rng(53)
    probs = rng.dirichlet(np.full(10, 0.6), size=300)
    n = 16
    result = np.asarray(_call(function, probs, n))
    confidence = probs.max(axis=1)
    truth = np.argsort(confidence, kind="stable")[:n]
    if result.dtype.kind == "f" and np.all((result >= 0) & (result <= 1)) and \
            not np.array_equal(result, result.astype(int)):
        raise Wrong("it returned probabilities; return the images' indices (np.argsort gives them).")
    if result.shape != (n,):
        raise Wrong(f"return the indices of the {n} least sure images, shape ({n},), "
                    f"not {result.shape}.")
    if np.array_equal(result, truth):
        return "the least sure images, least sure first (checked on random probabilities)."
    if set(result.tolist()) == set(truth.tolist()):
        raise Wrong("the right images, in another order: put the least sure first.")
    most = np.argsort(confidence, kind="stable")[::-1][:n]
    if set(result.tolist()) == set(most.tolist()):
        raise Wrong("these are the most sure images: np.argsort sorts ascending, so the least "
                    "sure come first; take the first n, not the last.")
    classes = probs.argmax(axis=1)
    if np.array_equal(np.sort(classes[result]), np.sort(classes)[:n]):  # sorted by class number
        raise Wrong("probs.argmax gives the predicted class, not the confidence; sort by "
                    "probs.max(axis=1).")
    raise Wrong("these are not the least sure images; the confidence of an image is its "
                "largest probability, probs.max(axis=1).")


_register(Exercise(
    id="5.3", label="ch05-ex3",
    answer="a function (probs, n) -> the indices of the n least sure images, least sure first",
    variable="least_sure",
    stub="def least_sure(probs, n):\n"
         "    ...  # return the indices of the n images with the smallest top probability",
    hint="An image's confidence is its largest probability, probs.max(axis=1); np.argsort "
         "puts the smallest first.",
    solution="np.argsort(probs.max(axis=1))[:n]. Most of the 16 least sure test images are "
             "upper-body garments split between two or three classes, and most of them are "
             "wrong; above a confidence of 0.9 the model is right nearly every time.",
    grade=_grade_5_3,
))

_register(Exercise(
    id="5.4", label="ch05-ex4",
    answer="a letter", variable="choice_5_4",
    hint="The network never trains on the validation images, but who else looks at them?",
    solution="Selection: every choice made because it scored best on the validation images "
             "(the epoch, the architecture, a setting) keeps part of that set's luck, which does "
             "not carry over to new images. And the validation and test images are different "
             "samples that need not be equally hard; with 10,000 test images, one point (about "
             "100 images) is larger than chance for one fixed model (standard error ≈ 0.3 points).",
    question=Question(
        text="Which of these can make a validation accuracy optimistic, although the network "
             "never trained on the validation images?",
        choices={
            "a": "Keras mixes the validation images into the training batches.",
            "b": "We chose the epochs, the layers and the settings because they scored best on "
                 "these very images.",
            "c": "The validation images are scaled differently from the test images.",
        },
        right="b",
        why={
            "a": "validation_split holds its images out of every batch; they are only evaluated.",
            "b": "a choice made on the validation set keeps part of that set's luck, which new "
                 "images do not share.",
            "c": "both sets are prepared by the same code; a scaling bug would be a different "
                 "problem, not optimism.",
        },
    ),
))


# --- Chapter 6: cats vs dogs ------------------------------------------------------------


class _PhotoScorer:
    """A stand-in for a trained model: P(dog) from a fixed, lopsided weighting of the pixels.

    It answers ``predict(x, verbose=0)`` and ``model(x)`` like a Keras model, with shape
    ``(N, 1)``; its weights differ between top and bottom, left and right and the three
    channels, so a flip along the wrong axis gives other numbers.
    """

    def __init__(self, shape: tuple[int, int, int], seed: int) -> None:
        self.weights = np.random.default_rng(seed).normal(size=shape) / np.sqrt(np.prod(shape))

    def predict(self, x: Any, verbose: Any = "auto", **kwargs: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        z = (x * self.weights).sum(axis=(1, 2, 3)) / 64
        return (1 / (1 + np.exp(-z)))[:, None].astype("float32")

    __call__ = predict


def _grade_6_1(function: Any) -> str:
    rng = np.random.default_rng(61)
    x = rng.uniform(0, 255, size=(40, 8, 10, 3)).astype("float32")
    model = _PhotoScorer(x.shape[1:], seed=61)
    result = np.ravel(np.asarray(_call(function, model, x), dtype=float))
    if result.shape != (len(x),):
        raise Wrong(f"return one P(dog) for each of the {len(x)} photos, not an array of "
                    f"shape {np.shape(result)}.")
    p = model.predict(x)[:, 0]

    def mean_with(flipped: np.ndarray) -> np.ndarray:
        return (p + model.predict(flipped)[:, 0]) / 2

    if _same(result, mean_with(x[:, :, ::-1])):
        return "the mean of P(dog) over each photo and its left-right mirror."
    if _same(result, mean_with(x[:, ::-1])):
        raise Wrong("that flips axis 1, the height: the photos are upside down. The width is "
                    "axis 2 of (N, H, W, C): x[:, :, ::-1].")
    if _same(result, mean_with(x[..., ::-1])):
        raise Wrong("that reverses the colour channels (RGB becomes BGR), not left and right: "
                    "x[:, :, ::-1].")
    if _same(result, p):
        raise Wrong("these are the plain photos' probabilities: average them with the "
                    "mirrored photos' ones.")
    mirrored = model.predict(x[:, :, ::-1])[:, 0]
    if _same(result, ((p > 0.5).astype(float) + (mirrored > 0.5)) / 2):
        raise Wrong("average the two probabilities, not the two 0/1 verdicts.")
    raise Wrong("the numbers are not the mean of P(dog) for each photo and its mirror image.")


_register(Exercise(
    id="6.1", label="ch06-ex1",
    answer="a function (model, x) -> P(dog) of each photo, averaged with its mirror image",
    variable="mirror_average",
    stub="def mirror_average(model, x):\n"
         "    ...  # return P(dog) of each photo, averaged over the photo and its mirror",
    hint="A batch of photos is (N, H, W, C): mirroring left-right reverses axis 2. "
         "model.predict gives an (N, 1) array of P(dog).",
    solution="(model.predict(x, verbose=0)[:, 0] + model.predict(x[:, :, ::-1], verbose=0)[:, 0]) "
             "/ 2. Averaging over the mirror costs one more prediction per photo and no training; "
             "it usually helps a little, but a few photos out of 1,000 are within chance: judge "
             "it on the validation set.",
    grade=_grade_6_1,
))


def _grade_6_2(function: Any) -> str:
    rng = np.random.default_rng(62)
    x = rng.uniform(0, 255, size=(3, 5, 7, 3)).astype("float32")
    result = np.asarray(_call(function, x.copy()), dtype=float)
    mean = x.mean(axis=-1, keepdims=True)
    if result.shape == x.shape[:3] or result.shape == x.shape[:3] + (1,):
        raise Wrong(f"shape {result.shape}: the model takes 3 channels; repeat the mean into "
                    "three equal channels (.repeat(3, axis=-1)).")
    if result.shape != x.shape:
        raise Wrong(f"shape {result.shape}: the gray photos must keep the shape {x.shape} "
                    "(N, H, W, 3); average over the last axis only.")
    if _same(result, np.repeat(mean, 3, axis=-1), atol=1e-3):
        return "three equal channels, each the mean of the photo's R, G and B."
    luminance = x @ np.array([0.2125, 0.7154, 0.0721])
    if _same(result, np.repeat(luminance[..., None], 3, axis=-1), atol=1e-3):
        raise Wrong("those are luminance weights (chapter 1); the exercise asks for the plain "
                    "mean of the three channels.")
    if np.allclose(result[..., 0], result[..., 1]) and np.allclose(result[..., 1], result[..., 2]):
        raise Wrong("the three channels are equal, but they are not the mean of R, G and B at "
                    "each pixel: average over axis -1.")
    raise Wrong("the three channels of each pixel should all be the mean of its R, G and B.")


_register(Exercise(
    id="6.2", label="ch06-ex2",
    answer="a function (x) -> the photos in gray, same shape (N, H, W, 3)",
    variable="to_gray",
    stub="def to_gray(x):\n"
         "    ...  # return x with each pixel's three channels replaced by their mean",
    hint="x.mean(axis=-1, keepdims=True) has shape (N, H, W, 1); .repeat(3, axis=-1) makes the "
         "three channels again.",
    solution="x.mean(axis=-1, keepdims=True).repeat(3, axis=-1). The accuracy drops a few points "
             "but stays far above chance: the network relies mostly on shape and texture, which "
             "is what we hope for, since cats and dogs come in the same colours. Part of the drop "
             "is only that it never saw a gray photo in training.",
    grade=_grade_6_2,
))

_register(Exercise(
    id="6.3", label="ch06-ex3",
    answer="a letter", variable="choice_6_3",
    hint="What should a validation or test accuracy estimate?",
    solution="Validation and test accuracy must estimate how the model does on photos as they "
             "come. Random layers inside a Keras model do nothing in evaluate and predict, so "
             "this holds by itself. A pipeline that augmented every set would measure accuracy "
             "on distorted photos, differently on every run and usually lower, and whoever uses "
             "the saved model would have to know about it.",
    question=Question(
        text="Why are the augmentation layers not applied to the validation and test photos?",
        choices={
            "a": "Keras removes random layers from a model once it is trained.",
            "b": "Validation and test accuracy should measure the model on photos as they come; "
                 "random layers act only while training.",
            "c": "Augmenting the validation photos would put them into the training set.",
        },
        right="b",
        why={
            "a": "the layers stay in the saved model; in evaluate and predict they run with "
                 "training=False and pass the photo through unchanged.",
            "b": "the question the model answers is about ordinary photos; augmentation is a way "
                 "of training, not part of that question.",
            "c": "augmenting a set does not move its photos anywhere; the cost would be a "
                 "measurement on distorted photos, different on every run.",
        },
    ),
))


def _occlusion_positions(size: int, patch: int, stride: int) -> int:
    """Patch positions of :func:`cnncourse.explain.occlusion` on a size×size image."""
    from cnncourse.explain import _starts

    return len(_starts(size, patch, stride)) ** 2


_OCCLUSION_CASES = ((96, 24, 12), (96, 12, 6), (128, 16, 8), (100, 24, 12), (50, 10, 15),
                    (96, 96, 8), (30, 7, 1))


def _grade_6_4(function: Any) -> str:
    for size, patch, stride in _OCCLUSION_CASES:
        expected = _occlusion_positions(size, patch, stride)
        got = _as_int(_call(function, size, patch, stride), "the number of positions")
        if got == expected:
            continue
        per_side = len(range(0, size - patch + 1, stride))
        if got == per_side ** 2:
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: {got} leaves the last "
                        f"{size - patch - (per_side - 1) * stride} pixels of each row uncovered; "
                        "occlusion adds one position flush with the border.")
        if got == ((size - patch) // stride) ** 2:
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: {got} forgets the + 1 "
                        "of the first position (the one at the very edge).")
        if got == round(expected ** 0.5):
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: {got} is one row of "
                        "positions; the patch slides down as well as across: square it.")
        if got == (size // stride) ** 2:
            raise Wrong(f"for size {size}, patch {patch}, stride {stride}: {got} ignores the "
                        "patch's own width; its left edge can go no further than size - patch.")
        raise Wrong(f"for size {size}, patch {patch}, stride {stride}: {got}, not {expected} "
                    "(exercises.hint('6.4')).")
    return ("(size - patch) // stride + 1 positions a row, one more when they stop short of "
            "the border, squared.")


_register(Exercise(
    id="6.4", label="ch06-ex4",
    answer="a function (size, patch, stride) -> patch positions on a size×size photo",
    variable="occlusion_positions",
    stub="def occlusion_positions(size, patch, stride):\n"
         "    ...  # return how many patch positions occlusion predicts for one photo",
    hint="Along one side the patch's left edge takes the values 0, stride, 2·stride, … up to "
         "size - patch; if the last one falls short of size - patch, occlusion adds one flush "
         "with the border. The patch slides down as well as across.",
    solution="n = (size - patch) // stride + 1, plus 1 when (size - patch) % stride; then n * n. "
             "At 96×96 a 24-pixel patch with stride 12 needs 7 × 7 = 49 predictions a photo, "
             "the 12-pixel default (stride 6) 15 × 15 = 225. A larger patch hides whole ears or "
             "faces at once, so its map is coarser but catches evidence that a small patch "
             "cannot remove; Grad-CAM's grid is fixed by the layer instead.",
    grade=_grade_6_4,
))
