"""cnncourse.few_photos: the stored runs behind chapter 7's photos-per-class curve."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
