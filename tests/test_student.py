"""Tests of cnncourse.student (``python -m cnncourse student OUTDIR``)."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import nbformat
import pytest

import cnncourse
from cnncourse import student
from cnncourse.__main__ import main
from cnncourse.labels import notebook_exercise_labels

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = {"tags": ["solution"]}
# The fake registry's exercise 3.1 (label ch03-ex1); it knows no ch03-ex2.
ANSWER_31 = "# Exercise 3.1: replace ... with your answer\nlayers = ...  # an int"
CHECK_31 = 'exercises.check("3.1", layers)'
ANSWER_32 = "# Exercise 3.2: replace ... with your answer\nsize = ...  # an int"
CHECK_32 = 'exercises.check("3.2", size)'


def _exercise(number: str, answer: str, check: str) -> types.SimpleNamespace:
    chapter, k = number.split(".")
    return types.SimpleNamespace(id=number, label=f"ch{int(chapter):02d}-ex{k}",
                                 answer_cell=answer, check_cell=check)


def _fake_registry(monkeypatch: pytest.MonkeyPatch, *known: types.SimpleNamespace) -> None:
    """Make ``from cnncourse import exercises`` give a registry of only ``known``."""
    by_id = {e.id: e for e in known}
    by_label = {e.label: e for e in known}

    def lookup(label: str) -> types.SimpleNamespace | None:
        return by_label.get(label)  # None for a label it does not know, as the real one

    fake = types.ModuleType("cnncourse.exercises")
    fake.EXERCISES, fake.by_label = by_id, lookup
    monkeypatch.setitem(sys.modules, "cnncourse.exercises", fake)
    monkeypatch.setattr(cnncourse, "exercises", fake, raising=False)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake registry that has a check for exercise 3.1 only."""
    _fake_registry(monkeypatch, _exercise("3.1", ANSWER_31, CHECK_31))


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


def test_student_notebook_removes_solutions_and_outputs(registry):
    original = _chapter()
    copy = student.student_notebook(original, "03")
    nbformat.validate(copy)
    assert not any("solution" in c.metadata.get("tags", []) for c in copy.cells)
    assert "Thirteen" not in str(copy) and "print(13)" not in str(copy)
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "execution" not in code[0].metadata
    assert code[0].metadata["tags"] == ["nbval-ignore-output"]  # other tags stay
    assert len(original.cells) == 9 and original.cells[1].outputs  # input untouched


def test_a_registered_exercise_gets_its_answer_and_check_cells(registry):
    copy = student.student_notebook(_chapter(), "03")
    nbformat.validate(copy)
    assert [(c.cell_type, c.source) for c in copy.cells] == [
        ("markdown", "# Padding\n\nText."),
        ("code", "x = 1\nx"),
        ("markdown", "## Exercises\n\n**Exercise 3.1** (Shrinking)\n\nHow many layers?"),
        ("code", "from cnncourse import exercises"),
        ("code", ANSWER_31),
        ("code", CHECK_31),
        ("markdown", "**Exercise 3.2**\n\nCompute it."),
        ("code", "# Your answer\n"),  # ch03-ex2 has no check in the registry
        ("code", "y = 2"),
    ]
    assert all(c.metadata.get("tags", []) == [] for c in copy.cells[3:6])


def test_the_registry_is_imported_once_before_the_first_check(monkeypatch):
    _fake_registry(monkeypatch, _exercise("3.1", ANSWER_31, CHECK_31),
                   _exercise("3.2", ANSWER_32, CHECK_32))
    nb = _chapter()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(  # an exercise the registry lacks
        "```{exercise}\n:label: ch03-ex9\nFirst.\n```"))
    copy = student.student_notebook(nb)  # no chapter: numbered 1, 2, 3
    code = [c.source for c in copy.cells if c.cell_type == "code"]
    assert code == ["# Your answer\n", "x = 1\nx", "from cnncourse import exercises",
                    ANSWER_31, CHECK_31, ANSWER_32, CHECK_32, "y = 2"]
    assert [c.source.split("\n")[0] for c in copy.cells if "**Exercise" in c.source] == [
        "**Exercise 1**", "## Exercises", "**Exercise 3**"]


def test_two_exercises_in_one_cell_each_get_their_cells(monkeypatch):
    _fake_registry(monkeypatch, _exercise("3.1", ANSWER_31, CHECK_31),
                   _exercise("3.2", ANSWER_32, CHECK_32))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "```{exercise}\n:label: ch03-ex1\nA\n```\n\n```{exercise}\n:label: ch03-ex2\nB\n```")])
    copy = student.student_notebook(nb, "03")
    assert copy.cells[0].source == "**Exercise 3.1**\n\nA\n\n**Exercise 3.2**\n\nB"
    assert [c.source for c in copy.cells[1:]] == [
        "from cnncourse import exercises", ANSWER_31, CHECK_31, ANSWER_32, CHECK_32]


def test_a_registry_that_numbers_differently_from_the_site_is_refused(monkeypatch):
    _fake_registry(monkeypatch, types.SimpleNamespace(
        id="3.2", label="ch03-ex1", answer_cell=ANSWER_31, check_cell=CHECK_31))
    with pytest.raises(ValueError, match=r"ch03-ex1 is number 3\.1 on the site but 3\.2"):
        student.student_notebook(_chapter(), "03")


def test_exercises_become_plain_markdown_numbered_like_the_site(registry):
    copy = student.student_notebook(_chapter(), "03")
    exercises = [c.source for c in copy.cells if "Exercise" in c.source
                 and c.cell_type == "markdown"]
    assert exercises == ["## Exercises\n\n**Exercise 3.1** (Shrinking)\n\nHow many layers?",
                         "**Exercise 3.2**\n\nCompute it."]


def test_other_directives_are_left_alone(registry):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("```{note}\nKeep me.\n```\n\n```python\nx = 1\n```"),
        nbformat.v4.new_markdown_cell(":::{exercise}\n:label: x\nQ\n:::\n\nAfter.")])
    copy = student.student_notebook(nb)
    assert copy.cells[0].source == nb.cells[0].source
    assert copy.cells[1].source == "**Exercise 1**\n\nQ\n\nAfter."
    assert [c.cell_type for c in copy.cells] == ["markdown", "markdown", "code"]
    assert copy.cells[2].source == "# Your answer\n"  # label x: not in the registry


def test_command_writes_every_toc_notebook(tmp_path: Path, capsys: pytest.CaptureFixture,
                                           registry):
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
    assert len(written.cells) == 9 and "1 student notebooks" in capsys.readouterr().out
    assert [c.source for c in written.cells[3:6]] == [
        "from cnncourse import exercises", ANSWER_31, CHECK_31]

    assert main(["student", str(book / "chapters"), "--root", str(book)]) == 2  # refuses
    assert nbformat.read(book / "chapters" / "03_padding.ipynb", as_version=4).cells[3].source


def test_two_runs_write_the_same_bytes(tmp_path: Path, monkeypatch):
    _fake_registry(monkeypatch, _exercise("3.1", ANSWER_31, CHECK_31),
                   _exercise("3.2", ANSWER_32, CHECK_32))
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "_config.yml").write_text("repository:\n  url: https://x.y/a/b\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/03_padding\n")
    nbformat.write(_chapter(), book / "chapters" / "03_padding.ipynb")

    runs = []
    for name in ("first", "second"):
        (written,) = student.write_student_notebooks(tmp_path / name, book)
        runs.append(written.read_bytes())
    assert runs[0] == runs[1]
    nb = nbformat.reads(runs[0].decode(), as_version=4)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids) == 10  # 4 new cells, each with its own id
    assert all(re.fullmatch(r"[0-9a-f]{8}", i) for i in ids)


def test_a_new_cell_id_avoids_the_ids_taken():
    first = student._cell_id("abc", 1, set())
    taken = {first}
    second = student._cell_id("abc", 1, taken)
    assert second != first and taken == {first, second}


def test_command_outside_a_course_says_where_to_run(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture):
    assert main(["student", str(tmp_path / "out"), "--root", str(tmp_path)]) == 2
    assert "run this from the course's folder" in capsys.readouterr().err


# The slow test: the real student copies of the first chapters, run as a learner would.
RUN_CHAPTERS = ("01", "02", "03", "04")
CELL_TIMEOUT = 600  # seconds a cell


def _labels(path: Path) -> list[str | None]:
    """The ``:label:`` of every exercise of a notebook, in order."""
    return notebook_exercise_labels(path)


def _text(output: nbformat.NotebookNode) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type in ("execute_result", "display_data"):
        return str(output.get("data", {}).get("text/plain", ""))
    return ""


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real student copies of every chapter, written by ``write_student_notebooks``."""
    try:
        from cnncourse import exercises
    except ImportError as exc:
        pytest.fail(f"cnncourse.exercises cannot be imported ({exc}): the student copies "
                    "need its registry of checks", pytrace=False)
    missing = [f"{int(path.name[:2])}.{k} ({label})"
               for path in sorted((ROOT / "chapters").glob("0*.ipynb"))
               if path.name[:2] in RUN_CHAPTERS
               for k, label in enumerate(_labels(path), start=1)
               if f"{int(path.name[:2])}.{k}" not in exercises.EXERCISES]
    if missing:
        pytest.fail("cnncourse.exercises has no check yet for exercise(s) " + ", ".join(missing),
                    pytrace=False)
    out = tmp_path_factory.mktemp("students")
    student.write_student_notebooks(out, ROOT)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("chapter", RUN_CHAPTERS)
def test_student_copy_runs_and_every_check_says_not_answered(student_copies: Path,
                                                             chapter: str):
    from nbclient import NotebookClient

    from cnncourse import exercises

    (path,) = student_copies.glob(f"{chapter}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(ROOT / "chapters")}})
    client.execute()

    errors = [f"cell {i}: {o.ename}: {o.evalue}\n{c.source}"
              for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} errs:\n" + "\n".join(errors)

    checks = {e.check_cell: e.id for e in exercises.EXERCISES.values()
              if e.id.split(".")[0] == str(int(chapter))}
    ran = {checks[c.source]: "".join(_text(o) for o in c.outputs)
           for c in nb.cells if c.cell_type == "code" and c.source in checks}
    assert sorted(ran) == sorted(checks.values()), f"{path.name}: check cells missing"
    calls = {checks[c.source]: c.source.count("exercises.check(")
             for c in nb.cells if c.cell_type == "code" and c.source in checks}
    unanswered = {number: out for number, out in ran.items()
                  if out.lower().count("not answered yet") < max(calls[number], 1)}
    assert not unanswered, (f"{path.name}: these checks did not say 'not answered yet' on "
                            f"the blank answers: {unanswered}")
