"""Exercises in a chapter's markdown: the one parser of their directives and labels.

A chapter writes an exercise as a MyST directive inside a markdown cell,
fenced with three (or more) backticks or colons, with options on the lines
after its opening line::

    ```{exercise} A title
    :label: ch6-ex3

    The question.
    ```

:mod:`cnncourse.student` rewrites these blocks for the student copies, the
tests match their labels with the exercises' checks
(:mod:`cnncourse.exercises`) and their solutions. All of them read the
blocks with :data:`EXERCISE` and :data:`OPTION`, so a chapter written one way
is read the same way everywhere.
"""

from __future__ import annotations

import os
import re

import nbformat

__all__ = ["EXERCISE", "OPTION", "exercise_labels", "notebook_exercise_labels"]

EXERCISE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)\n(?P=fence)[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
"""A ```{exercise} [title] ... ``` (or :::{exercise}) block: groups fence, title, body."""

OPTION = re.compile(r"\s*:(?P<name>[\w-]+):(?P<value>.*)$")
"""One option line of a directive, ``:name: value``."""


def exercise_labels(markdown: str) -> list[str | None]:
    """The ``:label:`` of every exercise block of a markdown text, in order.

    Only the option lines right after a block's opening line count (a
    ``:label:`` further down is text); an exercise without a label gives
    None, so that a caller can say which one lacks it.

    Examples
    --------
    >>> text = '''```{exercise} Padding
    ... :class: hard
    ... :label: ch3-ex1
    ...
    ... How many pixels?
    ... ```
    ...
    ... :::{exercise}
    ... No label here.
    ... :::'''
    >>> exercise_labels(text)
    ['ch3-ex1', None]
    """
    labels: list[str | None] = []
    for match in EXERCISE.finditer(markdown):
        label = None
        for line in match["body"].splitlines():
            option = OPTION.match(line)
            if option is None:
                break
            if option["name"] == "label":
                label = option["value"].strip()
        labels.append(label)
    return labels


def notebook_exercise_labels(path: str | os.PathLike) -> list[str | None]:
    """:func:`exercise_labels` of a notebook's markdown cells, joined in order."""
    nb = nbformat.read(path, as_version=4)
    return exercise_labels("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
