"""The machinery of the exercises: what an exercise is, and tools for graders.

:class:`Exercise` and :class:`Question` describe an exercise, :func:`register`
adds it to :data:`EXERCISES`, and a grader raises :class:`Wrong` with the
feedback for a wrong answer. The helpers below turn a learner's answer into
what a grader compares (:func:`as_int`, :func:`as_number`, :func:`as_array`,
:func:`as_items`, :func:`as_ints`) or run a learner's function
(:func:`call`); each raises :class:`Wrong` with what was expected instead of
failing on an odd answer. Two grade the shapes of answer that recur from
chapter to chapter: a count with its known wrong values
(:func:`count_feedback`), and values that a known mistake would give
(:func:`first_match`). The chapters' modules (``ch1.py`` ...) hold the
graders themselves.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["EXERCISES", "Exercise", "Question", "Unanswered", "Wrong",
           "as_array", "as_int", "as_ints", "as_items", "as_number", "call",
           "count_feedback", "first_match", "is_unanswered", "ndim",
           "register", "same"]


class Wrong(Exception):
    """Raised by a grader with the one-line feedback for a wrong answer."""


class Unanswered(Exception):
    """Raised by a grader for a stub answer: a function returning nothing."""


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
        """The question and its choices as comments, for the answer cell."""
        lines = textwrap.wrap(self.text, 79, initial_indent="# ",
                              subsequent_indent="# ")
        for letter, choice in self.choices.items():
            lines += textwrap.wrap(choice, 79,
                                   initial_indent=f"#   {letter}) ",
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
        lines = [f"# Exercise {self.id}: replace each ... with your answer, "
                 "then run the next cell."]
        if self.grade is not None:
            lines.append(self.stub if self.stub
                         else f"{self.variable} = ...  # {self.answer}")
        if self.question is not None:
            lines += [self.question.as_comment(),
                      f"{self._choice} = ...  # a letter"]
        return "\n".join(lines)

    @property
    def check_cell(self) -> str:
        """Source of the student copy's cell that checks the answer."""
        # each ends with ";": the one-line feedback is enough, no True/False
        # below it
        calls = []
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


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to :data:`EXERCISES`; a chapter's module calls this.

    Raises
    ------
    ValueError
        When its id is taken or its label is not of the form ``chNN-exK``.

    Examples
    --------
    >>> register(EXERCISES["5.1"])
    Traceback (most recent call last):
    ...
    ValueError: exercise 5.1 is registered twice
    """
    if exercise.id in EXERCISES:
        raise ValueError(f"exercise {exercise.id} is registered twice")
    if not re.fullmatch(r"ch\d\d-ex\d+", exercise.label):
        raise ValueError(f"label {exercise.label!r} is not of the form "
                         "chNN-exK")
    EXERCISES[exercise.id] = exercise
    return exercise


def is_unanswered(answer: Any) -> bool:
    """Whether ``answer`` is a blank: ``...`` (as in the student copy) or None.

    Examples
    --------
    >>> is_unanswered(...), is_unanswered(0)
    (True, False)
    """
    return answer is ... or answer is None


# --- turning answers into what a grader compares ----------------------------


def as_int(value: Any, what: str) -> int:
    """``value`` as an int, or :class:`Wrong` asking for a whole number."""
    if isinstance(value, (str, bytes)):
        raise Wrong(f"{what} should be a whole number, not the string "
                    f"{value!r}.")
    if isinstance(value, (bool, np.bool_)):
        raise Wrong(f"{what} should be a whole number, not {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be a whole number, not "
                    f"{type(value).__name__}.") from None
    if not math.isfinite(number) or number != int(number):
        raise Wrong(f"{what} should be a whole number, not {value!r}.")
    return int(number)


def call(function: Any, *args: Any) -> Any:
    """Call a learner's function; a stub returning nothing is unanswered."""
    if not callable(function):
        raise Wrong("the answer should be a function, not "
                    f"{type(function).__name__}.")
    result = function(*args)
    if is_unanswered(result):
        name = getattr(function, "__name__", "your function")
        raise Unanswered(f"{name} returns nothing yet.")
    return result


def same(a: np.ndarray, b: np.ndarray, atol: float = 1e-6) -> bool:
    """Whether two arrays have one shape and the same values, within ``atol``.

    Examples
    --------
    >>> same([1, 2], [1, 2 + 1e-9]), same([1, 2], [[1, 2]])
    (True, False)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, atol=atol, rtol=1e-5)


def ndim(value: Any) -> int:
    """The number of axes of ``value`` as an array; 1 for a ragged sequence."""
    try:
        return np.ndim(value)
    except ValueError:  # NumPy refuses ragged nested sequences
        return 1


def as_items(answer: Any, n: int, expected: str) -> list[Any]:
    """The ``n`` items of a tuple (or list) answer, or :class:`Wrong`.

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
    >>> as_items((31, 4), 2, "(layers, size)")
    [31, 4]
    >>> as_items(31, 2, "(layers, size)")
    Traceback (most recent call last):
    ...
    cnncourse.exercises.grading.Wrong: give a tuple (layers, size), not int.
    """
    if isinstance(answer, (str, bytes)) or ndim(answer) == 0 or \
            not isinstance(answer, (Sequence, np.ndarray)):
        raise Wrong(f"give a tuple {expected}, not {type(answer).__name__}.")
    items = list(answer)
    if len(items) != n:
        raise Wrong(f"give {n} items, {expected}, not {len(items)}.")
    return items


def as_number(value: Any, what: str) -> float:
    """``value`` as a float, or :class:`Wrong` asking for a number."""
    if ndim(value) != 0:
        raise Wrong(f"{what} should be one number, not a "
                    f"{type(value).__name__} of several.")
    if isinstance(value, (bool, np.bool_, str)):
        raise Wrong(f"{what} should be a number, not {value!r}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Wrong(f"{what} should be a number, not "
                    f"{type(value).__name__}.") from None


def as_array(answer: Any, what: str) -> np.ndarray:
    """``answer`` as an array of numbers (or booleans), or :class:`Wrong`."""
    try:
        array = np.asarray(answer)
    except ValueError:  # a ragged list
        raise Wrong(f"{what} should be an array with rows of equal "
                    "length.") from None
    if array.dtype.kind not in "biuf":
        raise Wrong(f"{what} should be a NumPy array of numbers, not "
                    f"{type(answer).__name__}.")
    return array


def as_ints(answer: Any, expected: str, *names: str) -> list[int]:
    """The items of a tuple answer as ints, or :class:`Wrong` saying why not.

    Parameters
    ----------
    answer : object
        The learner's answer.
    expected : str
        The expected form in words, such as ``"(layers, size)"``.
    *names : str
        What each item is, for the feedback (``"the number of layers"``);
        as many as the tuple has items.

    Examples
    --------
    >>> as_ints((31, 4.0), "(layers, size)", "the layers", "the size")
    [31, 4]
    """
    items = as_items(answer, len(names), expected)
    return [as_int(item, name) for item, name in zip(items, names)]


# --- comparing an answer with the truth and with known mistakes -------------


def count_feedback(answer: Any, what: str, right: int, feedback: str,
                   mistakes: Mapping[int, str], otherwise: Callable[[int], str]
                   ) -> str:
    """Grade a whole number (a count): ``feedback``, or :class:`Wrong`.

    Parameters
    ----------
    answer : object
        The learner's answer.
    what : str
        What the number is, should it not be one (``"the total"``).
    right : int
        The right count.
    feedback : str
        What to say when the answer is ``right``.
    mistakes : dict of int to str
        A wrong count that a known mistake gives, and what went wrong.
    otherwise : callable
        ``otherwise(count)`` says what went wrong for any other count.

    Returns
    -------
    str
        ``feedback``; a wrong count raises :class:`Wrong` instead.

    Examples
    --------
    >>> def otherwise(count):
    ...     return f"{count} is not right."
    >>> mistakes = {1200: "no bias"}
    >>> count_feedback(1216, "the count", 1216, "right", mistakes, otherwise)
    'right'
    >>> count_feedback(1200, "the count", 1216, "", mistakes, otherwise)
    Traceback (most recent call last):
    ...
    cnncourse.exercises.grading.Wrong: no bias
    """
    given = as_int(answer, what)
    if given == right:
        return feedback
    raise Wrong(mistakes[given] if given in mistakes else otherwise(given))


def first_match(values: Any, candidates: Iterable[tuple[Any, str]],
                atol: float = 1e-6, default: str | None = None) -> str | None:
    """What explains ``values``: the text of the first candidate they equal.

    Parameters
    ----------
    values : array_like
        What the learner's answer gave.
    candidates : iterable of (array_like, str)
        What each known mistake (or the truth) gives, and what to say then.
    atol : float
        The tolerance of :func:`same`.
    default : str, optional
        What to return when no candidate matches.

    Examples
    --------
    >>> first_match([2, 4], [([1, 2], "halved"), ([2, 4], "doubled")])
    'doubled'
    """
    return next((why for candidate, why in candidates
                 if same(values, candidate, atol=atol)), default)
