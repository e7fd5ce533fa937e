"""Tests of cnncourse.student (``python -m cnncourse student OUTDIR``)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from cnncourse import student
from cnncourse.__main__ import main

SOLUTION = {"tags": ["solution"]}


def _chapter() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Padding\n\nText."),
        v4.new_code_cell("x = 1\nx", execution_count=1,
                         outputs=[v4.new_output("execute_result", {"text/plain": "1"},
                                                execution_count=1)],
                         metadata={"tags": ["nbval-ignore-output"],
                                   "execution": {"iopub.status.idle": "2026-01-01"}}),
        v4.new_markdown_cell(
            "## Exercises\n\n```{exercise} Shrinking\n:label: ch03-ex1\nHow many layers?\n```"),
        v4.new_markdown_cell("```{solution} ch03-ex1\n:class: dropdown\nThirteen.\n```",
                             metadata=SOLUTION),
        v4.new_markdown_cell("````{exercise}\n:label: ch03-ex2\nCompute it.\n````"),
        v4.new_markdown_cell("```{solution-start} ch03-ex2\n:class: dropdown\n```",
                             metadata=SOLUTION),
        v4.new_code_cell("print(13)", execution_count=2, metadata=SOLUTION,
                         outputs=[v4.new_output("stream", name="stdout", text="13\n")]),
        v4.new_markdown_cell("```{solution-end}\n```", metadata=SOLUTION),
        v4.new_code_cell("y = 2", execution_count=3),
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3"}
    return v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec})


def test_student_notebook_removes_solutions_and_outputs():
    original = _chapter()
    copy = student.student_notebook(original, "03")
    nbformat.validate(copy)
    assert not any("solution" in c.metadata.get("tags", []) for c in copy.cells)
    assert "Thirteen" not in str(copy) and "print(13)" not in str(copy)
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert [c.source for c in code] == ["x = 1\nx", "# Your answer\n", "# Your answer\n",
                                        "y = 2"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "execution" not in code[0].metadata
    assert code[0].metadata["tags"] == ["nbval-ignore-output"]  # other tags stay
    assert len(original.cells) == 9 and original.cells[1].outputs  # input untouched


def test_exercises_become_plain_markdown_numbered_like_the_site():
    copy = student.student_notebook(_chapter(), "03")
    exercises = [c.source for c in copy.cells if "Exercise" in c.source]
    assert exercises == ["## Exercises\n\n**Exercise 3.1** (Shrinking)\n\nHow many layers?",
                         "**Exercise 3.2**\n\nCompute it."]


def test_other_directives_are_left_alone():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("```{note}\nKeep me.\n```\n\n```python\nx = 1\n```"),
        nbformat.v4.new_markdown_cell(":::{exercise}\n:label: x\nQ\n:::\n\nAfter.")])
    copy = student.student_notebook(nb)
    assert copy.cells[0].source == nb.cells[0].source
    assert copy.cells[1].source == "**Exercise 1**\n\nQ\n\nAfter."
    assert [c.cell_type for c in copy.cells] == ["markdown", "markdown", "code"]


def test_command_writes_every_toc_notebook(tmp_path: Path, capsys: pytest.CaptureFixture):
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "_config.yml").write_text("repository:\n  url: https://github.com/a/b\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/intro\nchapters:\n"
        "  - file: chapters/03_padding\n  - file: chapters/instructor\n")
    (book / "chapters" / "intro.md").write_text("# Intro\n")
    (book / "chapters" / "instructor.md").write_text("# Guide\n")
    nbformat.write(_chapter(), book / "chapters" / "03_padding.ipynb")
    nbformat.write(_chapter(), book / "chapters" / "99_not_in_toc.ipynb")

    out = tmp_path / "students"
    assert main(["student", str(out), "--root", str(book)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["03_padding.ipynb"]
    written = nbformat.read(out / "03_padding.ipynb", as_version=4)
    assert len(written.cells) == 7 and "1 student notebooks" in capsys.readouterr().out

    assert main(["student", str(book / "chapters"), "--root", str(book)]) == 2  # refuses
    assert nbformat.read(book / "chapters" / "03_padding.ipynb", as_version=4).cells[3].source


def test_command_outside_a_course_says_where_to_run(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture):
    assert main(["student", str(tmp_path / "out"), "--root", str(tmp_path)]) == 2
    assert "run this from the course's folder" in capsys.readouterr().err
