"""Tests of cnncourse.timings (``python -m cnncourse timings [--write]``)."""

from __future__ import annotations

import datetime
from pathlib import Path

import nbformat
import pytest

from cnncourse import book, timings
from cnncourse.__main__ import main
from cnncourse.doctor import cpu_count

ROOT = Path(__file__).resolve().parents[1]


def _tiny_book(root: Path, *sources: str) -> Path:
    """A book whose chapters are one-cell notebooks with the given code."""
    (root / "chapters").mkdir(parents=True)
    (root / "_config.yml").write_text("repository:\n  url: https://github.com/a/b\n")
    (root / "chapters" / "intro.md").write_text("# Intro\n")
    toc = "format: jb-book\nroot: chapters/intro\nchapters:\n"
    for i, source in enumerate(sources, start=1):
        name = f"0{i}_chapter"
        nb = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"# Chapter {i}\n\nText."),
                   nbformat.v4.new_code_cell(source)],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
        nbformat.write(nb, root / "chapters" / f"{name}.ipynb")
        toc += f"  - file: chapters/{name}\n"
    (root / "_toc.yml").write_text(toc)
    return root


@pytest.mark.slow  # starts a Jupyter kernel
def test_timings_write(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = _tiny_book(tmp_path / "book",
                      "import time\ntime.sleep(0.5)",
                      "print(open('marker.txt').read())")  # runs in the notebook's folder
    (root / "chapters" / "marker.txt").write_text("here")
    before = (root / "chapters" / "01_chapter.ipynb").read_bytes()

    assert main(["timings", "--write", "--root", str(root)]) == 0
    rows = timings.read_csv(root / "chapters" / "timings.csv")
    assert [(r.chapter, r.title) for r in rows] == [("01_chapter", "Chapter 1"),
                                                     ("02_chapter", "Chapter 2")]
    assert 0.5 <= rows[0].seconds < 60
    assert rows[0].cpus == cpu_count()
    assert rows[0].date == datetime.date.today().isoformat()
    assert "01_chapter" in capsys.readouterr().out
    assert (root / "chapters" / "01_chapter.ipynb").read_bytes() == before  # not rewritten


@pytest.mark.slow  # starts a Jupyter kernel
def test_failing_chapter_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture):
    root = _tiny_book(tmp_path / "book", "raise RuntimeError('chapter is broken')")
    assert main(["timings", "--write", "--root", str(root)]) == 1
    assert "chapter is broken" in capsys.readouterr().err
    assert not (root / "chapters" / "timings.csv").exists()


def test_csv_round_trip(tmp_path: Path):
    rows = [timings.Timing("01_a", "A, with a comma", 12.5, 2, "2026-01-02")]
    path = timings.write_csv(rows, tmp_path / "timings.csv")
    assert path.read_text().splitlines()[0] == "chapter,title,seconds,cpus,date"
    assert timings.read_csv(path) == rows


def test_course_schedule_covers_every_chapter():
    """The instructor guide's schedule lists exactly the chapters of _toc.yml."""
    path = timings.csv_path(ROOT)
    expected = [p.stem for p in book.toc_notebooks(ROOT)]
    found = [r.chapter for r in timings.read_csv(path)] if path.exists() else []
    assert found == expected, (
        f"{path} lists {found} but _toc.yml has {expected}: run "
        "`python -m cnncourse timings --write` (it executes every chapter)")


@pytest.mark.slow  # starts a Jupyter kernel
def test_timings_of_one_chapter_keep_the_other_rows(tmp_path: Path):
    root = _tiny_book(tmp_path / "book", "x = 1", "y = 2")
    path = root / "chapters" / "timings.csv"
    timings.write_csv([timings.Timing("01_chapter", "Chapter 1", 99.0, 2, "2026-01-01"),
                       timings.Timing("02_chapter", "Chapter 2", 99.0, 2, "2026-01-01"),
                       timings.Timing("03_gone", "Gone", 1.0, 2, "2026-01-01")], path)
    assert main(["timings", "--write", "--root", str(root), "02_chapter"]) == 0
    rows = timings.read_csv(path)
    assert [r.chapter for r in rows] == ["01_chapter", "02_chapter"]
    assert rows[0].seconds == 99.0 and rows[1].seconds < 60


def test_timings_names_the_chapters_when_one_is_unknown(tmp_path: Path, capsys):
    root = _tiny_book(tmp_path / "book", "x = 1")
    assert main(["timings", "--root", str(root), "09_nope"]) == 2
    err = capsys.readouterr().err
    assert "09_nope" in err and "01_chapter" in err


@pytest.mark.slow  # starts a Jupyter kernel
def test_timings_store_writes_the_executed_notebook_back(tmp_path: Path):
    root = _tiny_book(tmp_path / "book", "print(6 * 7)", "x = 1")
    second = (root / "chapters" / "02_chapter.ipynb").read_bytes()
    assert main(["timings", "--store", "--root", str(root), "01_chapter"]) == 0
    nb = nbformat.read(root / "chapters" / "01_chapter.ipynb", as_version=4)
    code = nb.cells[1]
    assert code.execution_count == 1
    assert code.outputs[0]["text"] == "42\n"
    assert (root / "chapters" / "02_chapter.ipynb").read_bytes() == second  # not named, not run
    assert not (root / "chapters" / "timings.csv").exists()  # no --write


@pytest.mark.slow  # starts a Jupyter kernel
def test_stored_outputs_leave_out_what_libraries_write_to_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Stored outputs are what nbval sees: without C++ libraries' writes to file descriptor 2.

    ipykernel captures them, except under pytest; the kernel started here must not, even
    when (as in a terminal) nothing tells it that it runs under pytest.
    """
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    path = tmp_path / "fd.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os\nos.write(2, b'C++ log line\\n')\nprint('kept')")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}), path)
    timings.time_notebook(path, store=True)
    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    assert [o.get("text") for o in outputs] == ["kept\n"]
