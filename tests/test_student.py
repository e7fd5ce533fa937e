"""Tests of cnncourse.student (``python -m cnncourse student OUTDIR``)."""

from __future__ import annotations

import os
import re
import sys
import time
import types
from pathlib import Path

import nbformat
import pytest

import cnncourse
from cnncourse import book, needs, student
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


def test_the_parameter_cell_switches_to_the_fast_preset():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(student.FULL_PRESET + "\nN = 9 if PRESET == 'full' else 2",
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(student.FULL_PRESET)])  # not tagged: left alone
    copy = student.student_notebook(nb)
    assert copy.cells[0].source == (
        'PRESET = "fast"  # "fast": fewer photos and epochs, for slow laptops\n'
        "N = 9 if PRESET == 'full' else 2")
    assert copy.cells[1].source == student.FULL_PRESET
    assert nb.cells[0].source.startswith('PRESET = "full"')  # input untouched


def _warned(source: str) -> list[str]:
    """The warnings that running ``source`` issues (and that it raises none)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(source, "<cell>", "exec"), {})
    return [str(w.message) for w in caught]


def test_top_level_asserts_become_warnings():
    source = ('x = 0.5\n'
              'assert 0.9 <= x <= 0.95, "the band of the full preset"\n'
              'assert (\n'
              '    x > 1\n'
              '    and x < 2\n'
              '), (f"x = {x}: a lesson over\\n"\n'
              '    "two lines")\n'
              'assert x == x\n'
              'assert x < 0\n'
              'assert x < 0, x\n'
              'print("still running")')
    with pytest.raises(AssertionError):
        exec(compile(source, "<cell>", "exec"), {})
    warned = student.asserts_to_warnings(source)
    assert "assert" not in warned.replace("assertion failed", "")
    assert warned.startswith("import warnings\n")
    assert _warned(warned) == ["the band of the full preset",
                               "x = 0.5: a lesson over\ntwo lines",
                               "assertion failed: x < 0", "0.5"]


def test_only_top_level_asserts_change():
    source = ("def f(x):\n    assert x, 'inside a function'\n"
              "for i in range(2):\n    assert i < 5\n")
    assert student.asserts_to_warnings(source) == source
    magic = "%pip install x\nassert False, 'a cell with a magic'"
    assert student.asserts_to_warnings(magic) == magic  # not Python: kept


def test_student_copies_warn_where_the_chapter_asserts():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("assert 1 > 2, 'the lesson'"),
        nbformat.v4.new_code_cell("assert False, 'the answer'",
                                  metadata={"tags": ["solution"]})])
    (cell,) = student.student_notebook(nb).cells
    assert _warned(cell.source) == ["the lesson"]


def test_the_optional_sections_tip_box_becomes_a_quote():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "## Extra\n\n```{admonition} Optional in a one-day workshop\n"
        ":class: tip\nSkip it; nothing later\ndepends on it.\n```\n\nText.")])
    (cell,) = student.student_notebook(nb).cells
    assert cell.source == ("## Extra\n\n> **Optional in a one-day workshop.** "
                           "Skip it; nothing later depends on it.\n\nText.")


def test_the_install_cell_is_pinned_to_this_release(monkeypatch):
    monkeypatch.setattr(cnncourse, "__version__", "9.8.7")
    install = ('try:\n    import cnncourse\nexcept ImportError:\n'
               '    %pip install --quiet \\\n'
               '        "cnncourse @ git+https://github.com/a/b@main"')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(install)])
    (cell,) = student.student_notebook(nb).cells
    assert cell.source == install.replace("@main", "@v9.8.7")
    assert student.release_tag() == "v9.8.7"


# The slow test: the real student copies of every chapter, run as a learner
# would, unanswered and with the fast preset.
RUN_CHAPTERS = tuple(needs.chapter_number(p) for p in book.toc_notebooks(ROOT))
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


def _skip_without_data(chapter: str) -> None:
    """Skip a chapter whose data is not on this machine; in CI, fail."""
    from cnncourse.datasets import DataUnavailableError

    for name in needs.CHAPTER_DATA.get(chapter, ()):
        try:
            needs.DATASETS[name].find(download=False)
        except DataUnavailableError as missing:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"chapter {chapter}: {missing}")


def _run_student_copy(student_copies: Path, chapter: str) -> None:
    """Run chapter's student copy as a learner would: no errors, every check unanswered."""
    from nbclient import NotebookClient

    from cnncourse import exercises

    _skip_without_data(chapter)
    (path,) = student_copies.glob(f"{chapter}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(ROOT / "chapters")}})
    client.execute()
    print(f"{path.name}: the fast student copy ran in "
          f"{time.perf_counter() - start:.0f} s")

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


# One class a chapter, each with the one test: ``make test`` gives each class
# to one pytest-xdist worker (--dist loadscope), so the seven copies, one to
# five minutes each, spread over the workers instead of running in one.
for _number in RUN_CHAPTERS:
    def _test(self, student_copies: Path, chapter: str = _number) -> None:
        _run_student_copy(student_copies, chapter)

    _test.__name__ = "test_runs_and_every_check_says_not_answered"
    globals()[f"TestStudentCopy{_number}"] = type(
        f"TestStudentCopy{_number}", (),
        {_test.__name__: pytest.mark.slow(_test),
         "__doc__": f"The student copy of chapter {_number}, with the fast preset."})
del _number, _test


# Plan B: the student copies on Colab, where cnncourse is not installed.


def _install_cell(copies: Path, chapter: str) -> str:
    (path,) = copies.glob(f"{chapter}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code")


def test_student_copies_install_the_release_of_this_version(student_copies: Path):
    """Colab must run the helper that made the stored outputs, not @main."""
    tag = f"@v{cnncourse.__version__}\""
    for chapter in RUN_CHAPTERS:
        first = _install_cell(student_copies, chapter)
        assert tag in first and "@main" not in first, f"{chapter}: {first}"


RUN_FIRST_CELLS = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for source in json.loads(sys.argv[1]):
    result = shell.run_cell(source)
    if not result.success:
        sys.exit(f"the cell failed: {result.error_in_exec!r}")
import cnncourse
print(json.dumps({"file": cnncourse.__file__,
                  "version": cnncourse.__version__}))
"""


@pytest.mark.slow
def test_the_first_cells_install_cnncourse_where_it_is_missing(
        tmp_path: Path, student_copies: Path):
    """Simulated Colab: a fresh environment without cnncourse, and an index
    that is a folder holding this version's wheel (no network)."""
    import json
    import subprocess

    from test_package import _fresh_environment, _run, _wheel

    wheel = _wheel(tmp_path)
    python = _fresh_environment(tmp_path / "venv")
    missing = subprocess.run([str(python), "-I", "-c", "import cnncourse"],
                             capture_output=True, text=True)
    assert missing.returncode != 0, "cnncourse is already importable there"

    (path,) = student_copies.glob("01_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    install, setup = [c.source for c in nb.cells if c.cell_type == "code"][:2]
    pinned = re.search(r'"cnncourse @ git\+\S+@v([^"]+)"', install)
    assert pinned and pinned[1] == cnncourse.__version__, install
    # The one change of the simulation: the same version from a local index
    # instead of GitHub's tag (Colab's pip does the git checkout itself);
    # --ignore-installed, since the fresh environment sees this one's
    # packages, among them its editable cnncourse, which pip would count as
    # installed (it uninstalls nothing).
    local = install.replace(pinned[0], (
        f'"cnncourse=={pinned[1]}" --no-deps --no-index --ignore-installed '
        f'--find-links "{wheel.parent}"'))
    out = _run(python, "-I", "-c", RUN_FIRST_CELLS,
               json.dumps([local, setup]), cwd=tmp_path)
    found = json.loads(out.strip().splitlines()[-1])
    assert found["version"] == cnncourse.__version__
    assert Path(found["file"]).resolve().is_relative_to(
        (tmp_path / "venv").resolve()), found["file"]


# The copies the site offers: student/, kept in the repository so that Colab
# can open them from GitHub at a release tag.

STUDENT_DIR = ROOT / "student"
STUDENT_PAGE = ROOT / "chapters" / "student_notebooks.md"


def test_the_committed_student_copies_match_the_chapters(tmp_path: Path):
    fresh = {p.name: p.read_bytes() for p in student.write_student_notebooks(tmp_path, ROOT)}
    kept = {p.name: p.read_bytes() for p in STUDENT_DIR.glob("*.ipynb")}
    assert sorted(kept) == sorted(fresh), (
        f"student/ holds {sorted(kept)}, the chapters make {sorted(fresh)}: run "
        "python -m cnncourse student student")
    stale = [name for name in fresh if kept[name] != fresh[name]]
    assert not stale, (f"student/{stale} no longer match the chapters: run "
                       "python -m cnncourse student student")


def test_the_site_offers_every_student_copy_as_a_download_and_on_colab():
    import yaml

    page = STUDENT_PAGE.read_text(encoding="utf-8")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert "chapters/student_notebooks" in files, "the page is missing from _toc.yml"
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    github = repo.removeprefix("https://github.com/")
    for path in book.toc_notebooks(ROOT):
        download = f"{{download}}`{path.name} <../student/{path.name}>`"
        colab = (f"https://colab.research.google.com/github/{github}/blob/"
                 f"{student.release_tag()}/student/{path.name}")
        assert download in page, f"{STUDENT_PAGE.name} lacks the download of {path.name}"
        assert colab in page, f"{STUDENT_PAGE.name} lacks {colab}"
    links = re.findall(r"colab\.research\.google\.com/github/\S+?/blob/([^/]+)/", page)
    assert set(links) == {student.release_tag()}, (
        f"Colab links to {sorted(set(links))}: pin them to {student.release_tag()}, the release "
        "whose student copies the stored outputs match")
