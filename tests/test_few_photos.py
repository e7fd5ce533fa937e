"""cnncourse.few_photos: the stored runs behind chapter 7's photos-per-class curve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cnncourse import few_photos

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "chapters" / "data"


def test_stored_runs_are_the_default_command_s():
    path = DATA / few_photos.FILE_NAME
    assert path.read_text().splitlines()[0] == f"# Made by: {few_photos.COMMAND}"
    runs = few_photos.read_results(path)
    assert list(runs.columns) == list(few_photos.COLUMNS)
    done = {n: tuple(group["seed"]) for n, group in runs.groupby("per_class")}
    assert done == {n: tuple(s) for n, s in few_photos.SIZES.items()}
    assert (runs["n_train"] == 2 * runs["per_class"]).all()
    assert (runs["steps"] >= few_photos.MIN_STEPS).all()


def test_stored_mistakes_are_chapter_6_s_wrong_test_photos():
    mistakes = few_photos.read_mistakes(DATA / few_photos.MISTAKES_FILE)
    assert list(mistakes.columns) == list(few_photos.MISTAKE_COLUMNS)
    runs = few_photos.read_results(DATA / few_photos.FILE_NAME)
    full = runs[runs["per_class"] == few_photos.ALL].iloc[0]
    assert len(mistakes) == round((1 - full["test_acc"]) * 1000)
    wrong = (mistakes["p_dog"] > 0.5) != (mistakes["category"] == "dog")
    assert wrong.all() and not mistakes["filename"].str.contains("/").any()


def test_subset_draws_per_class_and_keeps_everything_at_all():
    frame = pd.DataFrame({"filename": [f"{i}.jpg" for i in range(10)],
                          "category": ["cat"] * 5 + ["dog"] * 5})
    drawn = few_photos.subset(frame, 2, 0)
    assert drawn["category"].value_counts().to_dict() == {"cat": 2, "dog": 2}
    assert drawn.equals(few_photos.subset(frame, 2, 0))
    assert few_photos.subset(frame, 5, 0) is frame


def test_small_sets_get_the_minimum_of_steps():
    assert few_photos.steps_for(20) * 15 >= few_photos.MIN_STEPS
    assert few_photos.steps_for(3500) == 110


def test_draw_indices_draws_per_class_of_each_class_without_repeats():
    labels = np.array([0, 1] * 20 + [1] * 10)  # 20 cats, 30 dogs
    pick = few_photos.draw_indices(labels, 7, seed=3)
    assert len(pick) == 14 and len(set(pick.tolist())) == 14
    assert labels[pick].tolist() == [0] * 7 + [1] * 7
    everything = few_photos.draw_indices(labels, 20, seed=3)
    assert sorted(everything[:20].tolist()) == np.flatnonzero(labels == 0).tolist()


def test_draw_indices_repeats_with_a_seed_and_changes_with_another():
    labels = np.arange(200) % 2
    first = few_photos.draw_indices(labels, 10, seed=0)
    np.testing.assert_array_equal(first, few_photos.draw_indices(labels, 10, seed=0))
    assert not np.array_equal(first, few_photos.draw_indices(labels, 10, seed=1))


def test_draw_indices_is_chapter_7_s_former_draw():
    """The notebook's inline ``draw`` gave these: its curve stays the same."""
    labels = np.arange(40) % 2
    rng = np.random.default_rng(5)
    inline = np.concatenate([rng.choice(np.flatnonzero(labels == c), 4,
                                        replace=False) for c in (0, 1)])
    np.testing.assert_array_equal(few_photos.draw_indices(labels, 4, 5), inline)


def test_draw_indices_says_when_a_class_has_too_few_photos():
    labels = np.array([0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"cannot draw 3 photos of each class from "
                       r"class 0: 3, class 1: 2; ask for at most 2 a class"):
        few_photos.draw_indices(labels, 3, seed=0)
