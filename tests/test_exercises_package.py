"""cnncourse.exercises as a package: a module a chapter, found on import."""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from cnncourse import exercises
from cnncourse.exercises import grading

# The chapters' modules, from the files: what the package must find itself.
FILES = Path(exercises.__file__).parent.glob("*.py")
CHAPTERS = sorted((p.stem for p in FILES if re.fullmatch(r"ch\d+", p.stem)),
                  key=lambda name: int(name[2:]))


def test_every_chapter_module_is_found_in_the_chapters_order():
    assert len(CHAPTERS) >= 6
    assert exercises._chapter_modules() == CHAPTERS


def test_chapters_are_ordered_by_number_not_by_name(monkeypatch):
    found = [pkgutil.ModuleInfo(None, name, False)
             for name in ("ch10", "grading", "ch2", "check", "ch1")]
    monkeypatch.setattr(pkgutil, "iter_modules", lambda path: found)
    assert exercises._chapter_modules() == ["ch1", "ch2", "ch10"]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict:
    """An empty registry in place of the real one, which comes back after."""
    empty: dict = {}
    monkeypatch.setattr(grading, "EXERCISES", empty)
    return empty


@pytest.mark.parametrize("name", CHAPTERS)
def test_a_chapter_module_registers_its_chapters_exercises(registry, name):
    module = importlib.import_module(f"{exercises.__name__}.{name}")
    importlib.reload(module)  # registers its exercises again, in `registry`
    chapter = int(name[2:])
    ids = list(registry)
    assert ids and ids == [f"{chapter}.{k}" for k in range(1, len(ids) + 1)]
    assert [e.label for e in registry.values()] == [
        exercises.EXERCISES[i].label for i in ids]


def test_the_registry_is_the_chapters_modules_together():
    by_chapter = {name: [i for i in exercises.EXERCISES
                         if i.split(".")[0] == name[2:]] for name in CHAPTERS}
    assert sum(by_chapter.values(), []) == list(exercises.EXERCISES)
    assert all(by_chapter.values())


def test_an_id_is_registered_once(registry):
    exercise = exercises.EXERCISES["3.2"]
    assert grading.register(exercise) is exercise
    assert registry == {"3.2": exercise}
    with pytest.raises(ValueError, match="exercise 3.2 is registered twice"):
        grading.register(dataclasses.replace(exercise, label="ch03-ex9"))


def test_a_label_names_its_chapter_and_exercise(registry):
    exercise = dataclasses.replace(exercises.EXERCISES["3.2"], label="pad-2")
    with pytest.raises(ValueError, match="'pad-2' is not of the form chNN"):
        grading.register(exercise)
    assert registry == {}


def test_the_package_keeps_the_api_of_the_module_it_was():
    for name in ("EXERCISES", "Exercise", "Question", "Wrong", "by_label",
                 "check", "hint", "question", "solution"):
        assert hasattr(exercises, name), name
    assert exercises.EXERCISES is grading.EXERCISES


@pytest.mark.parametrize("name", ["grading", *CHAPTERS])
def test_the_docstring_examples_hold(name):
    module = importlib.import_module(f"{exercises.__name__}.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    if name == "grading":
        assert result.attempted >= 10
