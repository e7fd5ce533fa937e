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

The package: this module is the learner's API; :mod:`.grading` holds the
machinery (:class:`Exercise`, :class:`Question`, the registry) and the
helpers that graders share; each chapter's exercises are in a module of
their own, ``ch1.py``, ``ch2.py``..., imported here in the chapters' order.
A new chapter's exercises go in a new module ``chN.py`` that registers them
(:func:`.grading.register`); nothing else needs to change.

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

import importlib
import pkgutil
import re
from typing import Any

from cnncourse.exercises.grading import (
    EXERCISES, Exercise, Question, Unanswered, Wrong, is_unanswered,
)

__all__ = ["EXERCISES", "Exercise", "Question", "by_label", "check", "hint",
           "question", "solution"]


def _get(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[str(exercise_id)]
    except KeyError:
        known = ", ".join(EXERCISES)
        raise KeyError(f"there is no exercise {exercise_id!r}; the exercises "
                       f"are {known}") from None


def by_label(label: str) -> Exercise | None:
    """The exercise with a sphinx-exercise label (``"ch02-ex3"``), or ``None``.

    Examples
    --------
    >>> by_label("ch05-ex1").id
    '5.1'
    """
    return next((e for e in EXERCISES.values() if e.label == label), None)


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
    if is_unanswered(answer):
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
    except Unanswered as stub:
        print(prefix, f"not answered yet: {stub}")
        return False
    except Wrong as wrong:
        print(prefix, "not yet.", wrong)
        return False
    except Exception as error:  # the learner's function crashed, or a bad type
        message = (str(error).strip().splitlines()[0] if str(error).strip()
                   else "")
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


def _chapter_modules() -> list[str]:
    """The names of the chapters' modules (``ch1``, ``ch2``...), in order.

    Examples
    --------
    >>> _chapter_modules()[:2]
    ['ch1', 'ch2']
    """
    names = [module.name for module in pkgutil.iter_modules(__path__)
             if re.fullmatch(r"ch\d+", module.name)]
    return sorted(names, key=lambda name: int(name[2:]))


def _register_chapters() -> None:
    """Import every chapter's module: each registers its exercises."""
    for name in _chapter_modules():
        importlib.import_module(f"{__name__}.{name}")


_register_chapters()
