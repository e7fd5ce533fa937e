"""cnncourse.track: the workshop minutes the instructor guide shows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import nbformat

from cnncourse import book, track

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "chapters" / "data" / "workshop_minutes.csv"
REGENERATE = "python -m cnncourse.track > chapters/data/workshop_minutes.csv"


def _notebook(tmp_path: Path) -> Path:
    v4 = nbformat.v4
    optional = ("## Extra\n\n```{admonition} " + track.OPTIONAL_TITLE
                + "\n:class: tip\nSkip it.\n```\n\nfour more words here")
    cells = [
        v4.new_markdown_cell("# Title\n\n" + " ".join(["word"] * 198)),
        v4.new_code_cell("x = 1"),
        v4.new_markdown_cell("```{exercise}\n:label: ch09-ex1\nDo it.\n```"),
        v4.new_code_cell("print(x)", metadata={"tags": ["solution"]}),
        v4.new_markdown_cell("```{exercise}\n:label: ch09-ex2\nBuild a "
                             "keras.Sequential CNN. Train it.\n```"),
        v4.new_markdown_cell(optional),
        v4.new_code_cell("y = 2"),
        v4.new_markdown_cell("```{exercise}\n:label: ch09-ex3\nMore.\n```"),
        v4.new_markdown_cell("## Summary\n\nDone."),
    ]
    path = tmp_path / "09_x.ipynb"
    nbformat.write(v4.new_notebook(cells=cells), path)
    return path


def test_the_method_counts_words_cells_and_exercises(tmp_path: Path):
    path = _notebook(tmp_path)
    full = track.estimate(path, run_seconds=120)
    # words: 199 + 2 + 7 (keras.Sequential is two) + 7 + 1 + 2, not the
    # directives' fences and options; the solution's cell is not counted
    assert (full.words, full.cells, full.exercises) == (218, 2, 3)
    assert full.run_minutes == 2.0
    assert full.teaching == 6  # ceil(218 / 100 + 0.5 * 2 + 2)
    assert full.exercise_minutes == 8 + 15 + 8  # a build exercise: 15
    core = track.estimate(path, run_seconds=120, core=True)
    assert (core.cells, core.exercises) == (1, 2)  # the optional part left out
    assert core.total < full.total


def test_the_stored_table_is_up_to_date():
    stored = list(csv.DictReader(STORED.open(encoding="utf-8")))
    fresh = list(csv.DictReader(io.StringIO(track.table(ROOT))))
    chapters = [p.stem for p in book.toc_notebooks(ROOT)]
    assert [r["chapter"] for r in stored] == chapters, (
        f"{STORED.name} lists other chapters than _toc.yml: {REGENERATE}")
    for old, new in zip(stored, fresh):
        for column in ("exercises", "core total", "total"):
            assert abs(float(old[column]) - float(new[column])) <= 3, (
                f"{old['chapter']}: {column} {old[column]} stored, "
                f"{new[column]} now: {REGENERATE}")


def test_the_guide_shows_the_table_and_the_method():
    guide = (ROOT / "chapters" / "instructor.md").read_text(encoding="utf-8")
    assert ":file: data/workshop_minutes.csv" in guide
    assert REGENERATE in guide
    assert f"{track.WORDS_PER_MINUTE} words a minute" in guide
    assert "estimate" in guide.lower()
