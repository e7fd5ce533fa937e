"""Student copies of the notebooks: ``python -m cnncourse student OUTDIR``.

A student copy is the chapter without its solutions and without outputs, to
be run and filled in during a workshop: every cell tagged ``solution`` (see
CONTRIBUTING.md) is removed, every output cleared, and each exercise's MyST
directive, which Jupyter would show as a raw code fence, becomes plain
markdown numbered as on the site. After each exercise come two code cells
from :mod:`cnncourse.exercises`: the answer cell the learner fills in, and
the cell that checks the answer and says whether it is right. One cell
``from cnncourse import exercises`` precedes the first of them. An exercise
whose ``:label:`` the registry does not know gets an empty ``# Your answer``
cell instead. The new cells' ids are derived from the exercise's cell, so
that two runs write the same files, byte for byte.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import os
import re
from pathlib import Path

import nbformat

from cnncourse import book, labels

__all__ = ["EMPTY_ANSWER", "FAST_PRESET", "FULL_PRESET", "IMPORT_CELL",
           "PARAMETERS_TAG", "SOLUTION_TAG", "asserts_to_warnings",
           "plain_admonitions",
           "pin_install", "release_tag", "student_notebook",
           "write_student_notebooks"]

SOLUTION_TAG = "solution"
PARAMETERS_TAG = "parameters"
# The first line of every chapter's parameter cell, and of its student copy.
FULL_PRESET = ('PRESET = "full"  # "fast": fewer photos and epochs, for slow '
               'laptops')
FAST_PRESET = FULL_PRESET.replace('"full"', '"fast"', 1)

# The exercise blocks and their option lines, parsed as everywhere else.
_EXERCISE, _OPTION = labels.EXERCISE, labels.OPTION

IMPORT_CELL = "from cnncourse import exercises"
EMPTY_ANSWER = "# Your answer\n"


# A ```{admonition} Title ... ``` block: the optional sections' tip box.
_ADMONITION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{admonition\}[ \t]*(?P<title>[^\n]*)\n"
    r"(?P<body>.*?)\n(?P=fence)[ \t]*$",
    re.DOTALL | re.MULTILINE,
)


def plain_admonitions(source: str) -> str:
    r"""Rewrite admonitions as block quotes, which Jupyter shows as such.

    Examples
    --------
    >>> print(plain_admonitions("```{admonition} Optional\n:class: tip\n"
    ...                         "Skip it.\n```"))
    > **Optional.** Skip it.
    """
    def plain(match: re.Match) -> str:
        body = " ".join(line.strip() for line in match["body"].splitlines()
                        if line.strip() and not _OPTION.match(line))
        return f"> **{match['title'].strip()}.** {body}"

    return _ADMONITION.sub(plain, source)


def _plain_exercises(source: str, prefix: str, first: int) -> tuple[str, list[str | None]]:
    """Rewrite each exercise directive of a markdown cell as plain markdown.

    Returns the new source and the ``:label:`` of each exercise it held
    (None for one without a label), in order; they are numbered
    ``{prefix}{first}``, ``{prefix}{first + 1}``, ... as on the site.
    """
    labels: list[str | None] = []

    def plain(match: re.Match) -> str:
        body, label = [], None
        for line in match["body"].splitlines():
            option = _OPTION.match(line)
            if option is None:
                body.append(line)
            elif option["name"] == "label":
                label = option["value"].strip()
        title = match["title"].strip()
        number = f"{prefix}{first + len(labels)}"
        labels.append(label)
        heading = f"**Exercise {number}**" + (f" ({title})" if title else "")
        return heading + "\n\n" + "\n".join(body).strip()

    return _EXERCISE.sub(plain, source), labels


def asserts_to_warnings(source: str) -> str:
    r"""Turn each top-level ``assert`` of a code cell into a warning.

    ``assert cond, message`` becomes ``if not (cond):`` followed by
    ``warnings.warn(message)``, and ``import warnings`` opens the cell. Only
    statements at the top level change (an assert inside a function, loop or
    ``if`` is the code's own business); one over several lines is found by
    :mod:`ast`. A cell that is not plain Python (an IPython magic) is left
    as it is.

    Examples
    --------
    >>> print(asserts_to_warnings('x = 1\nassert x > 2, "x is small"'))
    import warnings
    x = 1
    if not (x > 2):
        warnings.warn("x is small")
    >>> asserts_to_warnings("y = 2")
    'y = 2'
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    asserts = [node for node in tree.body if isinstance(node, ast.Assert)]
    if not asserts:
        return source
    lines = source.split("\n")
    for node in reversed(asserts):  # from the bottom: line numbers stay
        test = ast.get_source_segment(source, node.test)
        if node.msg is None:
            message = repr(f"assertion failed: {test}")
        else:
            message = ast.get_source_segment(source, node.msg)
            is_text = (isinstance(node.msg, ast.JoinedStr)
                       or (isinstance(node.msg, ast.Constant)
                           and isinstance(node.msg.value, str)))
            if not is_text:
                message = f"str({message})"
        first, last = node.lineno - 1, node.end_lineno - 1
        before = lines[first][:node.col_offset]
        after = lines[last][node.end_col_offset:]
        new = (f"{before}if not ({test}):\n"
               f"    warnings.warn({message}){after}")
        lines[first:last + 1] = new.split("\n")
    return "import warnings\n" + "\n".join(lines)


def release_tag(version: str | None = None) -> str:
    """The git tag of a release of the helper package: ``v`` and its version.

    Examples
    --------
    >>> release_tag("0.1.0")
    'v0.1.0'
    """
    if version is None:
        from cnncourse import __version__ as version
    return f"v{version}"


def pin_install(source: str, tag: str | None = None) -> str:
    """Pin the install cell's ``git+URL@branch`` to a release tag.

    Examples
    --------
    >>> pin_install('%pip install "cnncourse @ git+https://x.y/a/b@main"',
    ...             "v0.1.0")
    '%pip install "cnncourse @ git+https://x.y/a/b@v0.1.0"'
    """
    tag = tag or release_tag()
    return re.sub(r'("cnncourse @ git\+[^"@\s]+)@[^"\s]+"', rf'\1@{tag}"',
                  source)


def _student_code(source: str, tags: list[str]) -> str:
    """The student copy of a code cell's source."""
    if PARAMETERS_TAG in tags and source.startswith(FULL_PRESET):
        source = FAST_PRESET + source[len(FULL_PRESET):]
    if "import cnncourse" in source and "except ImportError" in source:
        source = pin_install(source)
    return asserts_to_warnings(source)


def _registered(label: str | None):
    """The registry's exercise for a sphinx-exercise label, or None when it has none."""
    if not label:
        return None
    from cnncourse import exercises

    try:
        return exercises.by_label(label)
    except KeyError:
        return None


def _cell_id(anchor: str, position: int, taken: set[str]) -> str:
    """A new cell's id from an existing cell's id and a position.

    ``nbformat`` gives a new cell a random id, so two student copies of one
    chapter would differ; this one is a hash of ``anchor`` (the id of the
    exercise's markdown cell) and ``position`` (where the new cell goes),
    8 hex digits like nbformat's, unused in ``taken``, to which it is added.

    Examples
    --------
    >>> taken = set()
    >>> _cell_id("9446068c", 4, taken) == _cell_id("9446068c", 4, set())
    True
    >>> len(taken), len(_cell_id("9446068c", 4, taken)), len(taken)
    (1, 8, 2)
    """
    salt = 0
    while True:
        seed = f"{anchor}:{position}:{salt}".encode()
        cell_id = hashlib.sha256(seed).hexdigest()[:8]
        if cell_id not in taken:
            taken.add(cell_id)
            return cell_id
        salt += 1


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

    Returns
    -------
    nbformat.NotebookNode
        The student copy. Each exercise known to :mod:`cnncourse.exercises`
        (by its ``:label:``) is followed by its answer and check cells, the
        first of them preceded by ``from cnncourse import exercises``; any
        other exercise by an empty ``# Your answer`` cell.

    Raises
    ------
    ValueError
        When ``chapter`` is given and the registry numbers an exercise
        differently from the site.

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
    taken = {cell.get("id") for cell in out.cells}
    cells = []
    exercises = 0
    checked = False  # has an exercise of this notebook got its check cells yet?
    for cell in out.cells:
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        cells.append(cell)
        if cell.cell_type == "code":
            cell.source = _student_code(cell.source,
                                        cell.metadata.get("tags", []))
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif cell.cell_type == "markdown":
            prefix = f"{int(chapter)}." if chapter and chapter.isdigit() else ""
            cell.source, labels = _plain_exercises(
                plain_admonitions(cell.source), prefix, exercises + 1)
            for label in labels:  # the answer goes where the solution was
                exercises += 1
                exercise = _registered(label)
                if exercise is None:
                    sources = [EMPTY_ANSWER]
                else:
                    if prefix and exercise.id != f"{prefix}{exercises}":
                        raise ValueError(
                            f"exercise {label} is number {prefix}{exercises} on the site but "
                            f"{exercise.id} in cnncourse.exercises: fix the registry's id")
                    sources = [IMPORT_CELL] * (not checked) + [exercise.answer_cell,
                                                               exercise.check_cell]
                    checked = True
                for source in sources:
                    answer = nbformat.v4.new_code_cell(source)
                    if out.get("nbformat_minor", 5) < 5:  # cell ids came with nbformat 4.5
                        answer.pop("id", None)
                    else:  # not random: two runs write the same bytes
                        anchor = cell.get("id", "")
                        answer.id = _cell_id(anchor, len(cells), taken)
                    cells.append(answer)
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
