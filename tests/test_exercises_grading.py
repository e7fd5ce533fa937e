"""cnncourse.exercises.grading: the helpers that chapters' graders share."""

from __future__ import annotations

import numpy as np
import pytest

from cnncourse.exercises.grading import (
    Wrong, as_ints, count_feedback, first_match,
)


def test_as_ints_gives_each_item_as_an_int():
    items = as_ints([31, np.int64(4), 2.0], "(a, b, c)", "a", "b", "c")
    assert items == [31, 4, 2]


@pytest.mark.parametrize(("answer", "message"), [
    ((31, 4), "give 3 items, (a, b, c), not 2."),
    (31, "give a tuple (a, b, c), not int."),
    ((31, 4.5, 2), "the size should be a whole number, not 4.5."),
    ((31, 4, "2"), "c should be a whole number, not the string '2'."),
])
def test_as_ints_says_what_is_wrong_with_which_item(answer, message):
    with pytest.raises(Wrong) as wrong:
        as_ints(answer, "(a, b, c)", "a", "the size", "c")
    assert str(wrong.value) == message


def _other(count: int) -> str:
    return f"{count:,} is not right."


MISTAKES = {1200: "1,200 forgets the biases."}


def test_count_feedback_on_the_right_count():
    assert count_feedback(1216.0, "the count", 1216, "right", MISTAKES,
                          _other) == "right"


@pytest.mark.parametrize(("answer", "message"), [
    (1200, "1,200 forgets the biases."),
    (12_000, "12,000 is not right."),
    ("1216", "the count should be a whole number, not the string '1216'."),
])
def test_count_feedback_names_the_mistake(answer, message):
    with pytest.raises(Wrong) as wrong:
        count_feedback(answer, "the count", 1216, "right", MISTAKES, _other)
    assert str(wrong.value) == message


def test_first_match_gives_the_first_candidate_that_matches():
    x = np.array([1.0, 2.0])
    candidates = [(x * 2, "doubled"), (x + 1e-9, "the same"), (x, "also")]
    assert first_match(x, candidates) == "the same"
    assert first_match(x + 0.1, candidates, atol=0.2) == "the same"


def test_first_match_wants_the_same_shape_or_gives_the_default():
    x = np.array([1.0, 2.0])
    assert first_match(x, [(x[None], "a row")]) is None
    assert first_match(x, [(x[None], "a row")], default="no") == "no"
