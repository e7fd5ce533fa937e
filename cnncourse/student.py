"""Student copies of the notebooks: ``python -m cnncourse student OUTDIR``.

A student copy is the chapter without its solutions and without outputs, to
be run and filled in during a workshop: every cell tagged ``solution`` (see
CONTRIBUTING.md) is removed, every output cleared, and each exercise's MyST
directive, which Jupyter would show as a raw code fence, becomes plain
markdown numbered as on the site, followed by an empty code cell for the
answer.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import nbformat

from cnncourse import book

__all__ = ["SOLUTION_TAG", "student_notebook", "write_student_notebooks"]

SOLUTION_TAG = "solution"

# A ```{exercise} [title] ... ``` (or :::{exercise}) block inside a markdown cell.
_EXERCISE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)\n(?P=fence)[ \t]*$",
    re.DOTALL | re.MULTILINE,
)


def _plain_exercises(source: str, prefix: str, first: int) -> tuple[str, int]:
    """Rewrite each exercise directive of a markdown cell as plain markdown.

    Returns the new source and how many exercises it held; they are numbered
    ``{prefix}{first}``, ``{prefix}{first + 1}``, ... as on the site.
    """
    count = 0

    def plain(match: re.Match) -> str:
        nonlocal count
        body = [line for line in match["body"].splitlines()
                if not re.match(r"\s*:[\w-]+:", line)]  # the directive's options
        title = match["title"].strip()
        heading = f"**Exercise {prefix}{first + count}**" + (f" ({title})" if title else "")
        count += 1
        return heading + "\n\n" + "\n".join(body).strip()

    return _EXERCISE.sub(plain, source), count


def student_notebook(nb: nbformat.NotebookNode, chapter: str | None = None
                     ) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` without solutions, outputs or execution counts.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A version-4 notebook; it is not modified.
    chapter : str, optional
        The chapter number (``"03"``), used to number exercises as the site
        does (``Exercise 3.1``); they are numbered 1, 2, ... without it.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("x = 1", execution_count=1),
    ...     nbformat.v4.new_code_cell("x + 1", metadata={"tags": ["solution"]})])
    >>> student = student_notebook(nb)
    >>> [c.source for c in student.cells], student.cells[0].execution_count
    (['x = 1'], None)
    """
    out = copy.deepcopy(nb)
    cells = []
    exercises = 0
    for cell in out.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif cell.cell_type == "markdown":
            prefix = f"{int(chapter)}." if chapter and chapter.isdigit() else ""
            cell.source, found = _plain_exercises(cell.source, prefix, exercises + 1)
            exercises += found
            if found:  # room for the answer where the solution was
                answer = nbformat.v4.new_code_cell("# Your answer\n")
                if out.get("nbformat_minor", 5) < 5:  # cell ids came with nbformat 4.5
                    answer.pop("id", None)
                cells.extend([cell, answer])
                continue
        cells.append(cell)
    out.cells = cells
    out.metadata.pop("widgets", None)
    return out


def write_student_notebooks(outdir: str | os.PathLike, root: str | os.PathLike | None = None
                            ) -> list[Path]:
    """Write a student copy of every notebook in the book's ``_toc.yml`` into ``outdir``.

    Parameters
    ----------
    outdir : path
        Created if needed; the copies keep their file names.
    root : path, optional
        The book's folder; found from the current directory by default.

    Returns
    -------
    list of Path
        The files written, in the order of the table of contents.

    Raises
    ------
    ValueError
        When ``outdir`` is the chapters' own folder (the copies would replace them).

    Examples
    --------
    >>> [p.name for p in write_student_notebooks("student")][:1]  # doctest: +SKIP
    ['01_images_as_arrays.ipynb']
    """
    root = book.find_root(root)
    outdir = Path(outdir)
    written = []
    for path in book.toc_notebooks(root):
        target = outdir / path.name
        if target.resolve() == path.resolve():
            raise ValueError(f"{outdir} holds the chapters themselves: choose another folder "
                             "for the student copies")
        number = re.match(r"\d+", path.name)
        nb = student_notebook(nbformat.read(path, as_version=4), number[0] if number else None)
        nbformat.validate(nb)
        outdir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written
