"""Compare a notebook's fresh outputs with its stored ones, within tolerances.

nbval re-runs every chapter and compares each cell's new outputs with the
stored ones. Exact comparison is right for whatever does not depend on the
hardware (NumPy, shapes, parameter counts, data). Numbers that come from
*training* are not: the CPU's instruction set and the number of threads
change the order of floating-point sums, and after an epoch a loss differs
in its third decimal. This module lets such a cell name its tolerances in
its metadata, and compares numbers as numbers:

.. code-block:: json

    "tolerance": {"decimal": 0.02, "integer": 3, "image": 0.02}

- ``decimal``: the largest absolute difference allowed for a number written
  with a decimal point or an exponent (losses, accuracies);
- ``relative``: the largest difference relative to the stored number, for
  *losses only*: a number whose word just before it contains "loss"
  (``loss: 0.43``, ``val_loss 1e-13``, see :func:`is_loss`), which can span
  many orders of magnitude. Such a number passes when it is within
  ``decimal`` or within ``relative``; every other number (an accuracy, a
  number in a table column) only within ``decimal``, so print losses with
  the word "loss" right before them;
- ``integer``: the same for whole numbers (counts of a trained model's
  mistakes); 0, the default, keeps them exact, so epoch and step counts,
  shapes and parameter counts never move;
- ``image``: the largest :func:`image_difference` allowed for each figure:
  the fraction of the figure's ink that moved, compared tile by tile (a
  blank figure scores about 0.8, another figure of the same kind 0.2 to
  0.4, a re-run on another machine what ``CONTRIBUTING.md`` lists). Any
  change of a figure's size fails. Only figures drawn from training name
  it; every other figure keeps :data:`DEFAULT_IMAGE` and
  :data:`DEFAULT_TILE`, which leave room for a rounding difference only;
- ``pixels``: instead of ``image``, for training figures still drawn with
  axes scaled to the run's own numbers (chapters 5 and 6), whose size moves
  by a tick label between machines: the largest :func:`pixel_difference`
  (mean absolute pixel difference where the figures overlap, sizes within
  5 %), and the figure must keep :data:`MIN_INK` of its ink, so a blank
  one fails. It cannot tell two curves of the same kind apart; the numbers
  printed beside such a figure carry its check until it is drawn at a
  fixed size;
- ``why``: a sentence naming the measurement behind a loose tolerance (a
  gallery of a trained model's mistakes shows other images on another
  machine; the middle epochs of a short training on few photos zigzag
  differently).

The guard test (``tests/test_tolerance.py``) caps every kind, asks for a
``why`` above a level per kind (``decimal`` 0.05, ``relative`` 0.1,
``integer`` 10, ``image`` 0.05) and refuses a cell tagged
``nbval-ignore-output`` that also names a tolerance (its outputs would not
be compared at all).

Everything else in the text (the words, the order, the number of numbers)
must stay exactly the same, up to runs of white space (columns of a table
widen when a number gains a digit). A cell without the key is compared as
nbval always does, exactly, and its figures within :data:`DEFAULT_IMAGE`
and :data:`DEFAULT_TILE`.
The root ``conftest.py`` plugs this into nbval; ``CONTRIBUTING.md`` lists
the measured spreads the tolerances come from.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DEFAULT_IMAGE", "DEFAULT_TILE", "MIN_INK", "TILE", "Rule", "compare_images",
           "compare_text", "image_difference", "ink_ratio", "is_loss",
           "pixel_difference", "rule_of", "split_numbers", "spread",
           "tile_difference"]

DEFAULT_IMAGE = 0.002
"""Largest :func:`image_difference` of a figure from a cell without an ``image`` tolerance.

Figures drawn from data that does not depend on the hardware come out
identical (0.0); this leaves room for a rounding difference in a colour
that moves a few pixels, and is far below a figure that really changed
(another image, another curve: 0.05 and more).
"""

DEFAULT_TILE = 0.01
"""Largest :func:`tile_difference` of a figure from a cell without an ``image`` tolerance.

A tile is 256 pixels: this lets two or three pixels change colour
completely, and fails on a changed digit of a label (about 0.04).
"""

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Rule:
    """The tolerances of one cell (see the module's docstring)."""

    decimal: float = 0.0
    integer: float = 0.0
    image: float = DEFAULT_IMAGE
    relative: float = 0.0
    pixels: float = 0.0  # > 0: the transitional check of autoscaled figures
    why: str = ""  # the measurement behind a loose tolerance, for the reader of the notebook

    @property
    def exact_text(self) -> bool:
        """Whether text outputs are compared exactly, as nbval does."""
        return self.decimal == 0 and self.integer == 0 and self.relative == 0


def rule_of(metadata: Mapping[str, Any]) -> Rule:
    """The :class:`Rule` a cell's metadata names; exact when it names none.

    Raises
    ------
    ValueError
        For an unknown key or a negative tolerance, so that a typo cannot
        silently loosen or tighten a check.

    Examples
    --------
    >>> rule_of({"tolerance": {"decimal": 0.01}})
    Rule(decimal=0.01, integer=0.0, image=0.002, relative=0.0, pixels=0.0, why='')
    >>> rule_of({}).exact_text
    True
    """
    spec = dict(metadata.get("tolerance") or {})
    unknown = set(spec) - {"decimal", "integer", "image", "pixels",
                           "relative", "why"}
    if unknown:
        raise ValueError(f"unknown tolerance key(s) {sorted(unknown)}: "
                         "use decimal, relative, integer, image, pixels "
                         "(and why)")
    if "pixels" in spec and "image" in spec:
        raise ValueError("name image or pixels, not both: pixels replaces "
                         "the image check of a cell")
    why = spec.pop("why", "")
    if not isinstance(why, str):
        raise ValueError(f"why must be a sentence, not {why!r}")
    values = {key: float(value) for key, value in spec.items()}
    if any(v < 0 or not math.isfinite(v) for v in values.values()):
        raise ValueError(f"tolerances must be finite and >= 0, not {spec}")
    return Rule(**values, why=why)


def split_numbers(text: str) -> tuple[list[str], list[str]]:
    """Split text into the words between numbers and the numbers themselves.

    Returns
    -------
    words : list of str
        ``len(numbers) + 1`` pieces of text, white space runs folded to one space.
    numbers : list of str
        The numbers as written (``"1,280"``, ``"-6.0"``, ``"2e-08"``). Digits
        inside a name (``conv2d_21``) are part of the words.

    Examples
    --------
    >>> split_numbers("conv2d_1 took 1,280 s, loss: 0.4355")
    (['conv2d_1 took ', ' s, loss: ', ''], ['1,280', '0.4355'])
    """
    words, numbers, start = [], [], 0
    for match in _NUMBER.finditer(text):
        words.append(_SPACE.sub(" ", text[start:match.start()]))
        numbers.append(match.group())
        start = match.end()
    words.append(_SPACE.sub(" ", text[start:]))
    return words, numbers


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def _is_decimal(number: str) -> bool:
    return "." in number or "e" in number.lower()


_WORD = re.compile(r"[A-Za-z_]+")
_TAG = re.compile(r"<[^<>]*>")


def is_loss(before: str) -> bool:
    """Whether a number is labelled as a loss: the word just before it contains "loss".

    ``before`` is the text between the previous number (or the start) and
    this one, as :func:`split_numbers` returns it. Only such numbers may use
    a cell's ``relative`` tolerance; an accuracy, or a number in a table
    column with only another number before it, never does.

    Examples
    --------
    >>> is_loss(" - val_loss: "), is_loss(" - val_accuracy: "), is_loss("  ")
    (True, False, False)
    >>> is_loss("<th>loss</th><td>")  # HTML tags are not words
    True
    """
    words = _WORD.findall(_TAG.sub(" ", before))
    return bool(words) and "loss" in words[-1].lower()


def compare_text(reference: str, fresh: str, rule: Rule) -> str | None:
    """Compare two text outputs under a rule; ``None`` when they agree, else why not.

    Examples
    --------
    >>> rule = Rule(decimal=0.01)
    >>> compare_text("Epoch 3/3 - loss: 0.2404", "Epoch 3/3 - loss: 0.2431", rule) is None
    True
    >>> compare_text("Epoch 3/3 - loss: 0.2404", "Epoch 3/3 - loss: 0.2604", rule)
    'number 3 differs: 0.2404 stored, 0.2604 now (tolerance 0.01)'
    >>> compare_text("Epoch 3/3", "Epoch 2/3", rule)
    'number 1 differs: 3 stored, 2 now (tolerance 0)'

    ``relative`` loosens losses only:

    >>> rule = Rule(decimal=0.01, relative=0.5)
    >>> compare_text("loss: 2e-08, accuracy: 0.90", "loss: 3e-08, accuracy: 0.90", rule) is None
    True
    >>> compare_text("loss: 0.2, accuracy: 0.90", "loss: 0.2, accuracy: 0.60", rule)
    'number 2 differs: 0.90 stored, 0.60 now (tolerance 0.01)'
    """
    if rule.exact_text:
        return None if reference == fresh else "the text differs"
    ref_words, ref_numbers = split_numbers(reference)
    new_words, new_numbers = split_numbers(fresh)
    if len(ref_numbers) != len(new_numbers):
        return f"{len(ref_numbers)} numbers stored, {len(new_numbers)} now"
    for a, b in zip(ref_words, new_words):
        if a != b:
            return f"the words differ: {a.strip()!r} stored, {b.strip()!r} now"
    for i, (a, b) in enumerate(zip(ref_numbers, new_numbers), start=1):
        stored, now = _value(a), _value(b)
        if _is_decimal(a) or _is_decimal(b):
            tol = rule.decimal
            if is_loss(ref_words[i - 1]):
                tol = max(tol, rule.relative * abs(stored))
        else:
            tol = rule.integer
        if abs(stored - now) > tol * (1 + 1e-9):
            return f"number {i} differs: {a} stored, {b} now (tolerance {tol:g})"
    return None


def _decode_png(data: str | bytes) -> np.ndarray:
    from PIL import Image

    raw = base64.b64decode(data) if isinstance(data, str) else data
    with Image.open(io.BytesIO(raw)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float32) / 255


TILE = 16
"""Side in pixels of the square tiles figures are compared by (a digit of a tick label)."""


def _tiles(pixels: np.ndarray) -> np.ndarray:
    """The mean colour of each TILE×TILE tile (the last row and column may be narrower)."""
    h, w = pixels.shape[:2]
    rows, cols = -(-h // TILE), -(-w // TILE)
    padded = np.zeros((rows * TILE, cols * TILE, 3), np.float64)
    padded[:h, :w] = pixels
    counts = np.zeros((rows * TILE, cols * TILE, 1), np.float64)
    counts[:h, :w] = 1
    sums = padded.reshape(rows, TILE, cols, TILE, 3).sum(axis=(1, 3))
    return sums / counts.reshape(rows, TILE, cols, TILE, 1).sum(axis=(1, 3))


def _background(pixels: np.ndarray) -> np.ndarray:
    """The most common colour of a figure: its paper (white, for matplotlib)."""
    codes = (np.round(pixels * 255).astype(np.int64) * [65536, 256, 1]).sum(axis=-1)
    values, counts = np.unique(codes, return_counts=True)
    code = values[counts.argmax()]
    return np.array([code // 65536, code // 256 % 256, code % 256], np.float64) / 255


def _tile_changes(reference: str | bytes, fresh: str | bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Per tile: how far its mean colour moved, and its ink; None when the sizes differ."""
    a, b = _decode_png(reference), _decode_png(fresh)
    if a.shape != b.shape:
        return None
    paper = _background(a)
    ta, tb = _tiles(a), _tiles(b)
    ink = np.maximum(np.abs(ta - paper).max(axis=-1), np.abs(tb - paper).max(axis=-1))
    return np.abs(ta - tb).mean(axis=-1), ink


def image_difference(reference: str | bytes, fresh: str | bytes) -> float:
    """How much of a figure's ink moved: 0 for the same figure, about 1 for another.

    Both PNGs are decoded to RGB in [0, 1] and cut into :data:`TILE`-pixel
    square tiles. The *ink* of a tile is how far its mean colour is from the
    paper (the reference's most common colour, white for matplotlib), in the
    figure that has more of it; the result is the sum over tiles of how far
    each tile's mean colour moved, divided by the sum of their ink. Blank
    paper around a figure therefore weighs nothing: a blank figure in place
    of a training curve scores about 0.8, whatever the share of white; a
    curve nudged by a pixel, within a tile, moves nothing.

    Any change of size gives ``inf``: a figure is drawn at a fixed size, and
    a tick label one digit wider is a changed figure.

    Parameters
    ----------
    reference, fresh : str or bytes
        Base64 text (as notebooks store ``image/png``) or raw PNG bytes.

    Returns
    -------
    float
        The fraction of ink that moved (it can exceed 1 where ink turned
        into another colour rather than into paper).

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> def png(value, size=(32, 32)):
    ...     buffer = io.BytesIO()
    ...     image = Image.new("RGB", size, (255,) * 3)
    ...     image.paste((value,) * 3, (0, 0, 16, 16))  # one inked tile
    ...     image.save(buffer, format="PNG")
    ...     return buffer.getvalue()
    >>> image_difference(png(0), png(0)), image_difference(png(0), png(255))
    (0.0, 1.0)
    >>> round(image_difference(png(0), png(153)), 3)  # the ink paled to 40 %
    0.6
    >>> image_difference(png(0), png(0, size=(33, 32)))
    inf
    """
    changes = _tile_changes(reference, fresh)
    if changes is None:
        return math.inf
    moved, ink = changes
    total = ink.sum()
    return 0.0 if total == 0 else float(moved.sum() / total)


def tile_difference(reference: str | bytes, fresh: str | bytes) -> float:
    """The largest change of one tile's mean colour, 0 to 1 (``inf`` for a new size).

    What keeps a figure that does not come from training exact: one erased
    or changed label moves its tile even when it is a tiny share of the
    figure's ink.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> def png(value):
    ...     buffer = io.BytesIO()
    ...     image = Image.new("RGB", (64, 64), (255,) * 3)
    ...     image.putpixel((5, 5), (value,) * 3)  # one pixel of one tile
    ...     image.save(buffer, format="PNG")
    ...     return buffer.getvalue()
    >>> round(tile_difference(png(0), png(255)), 4)  # 1 pixel of 256 turned white
    0.0039
    """
    changes = _tile_changes(reference, fresh)
    return math.inf if changes is None else float(changes[0].max())


def _pngs(outputs: Iterable[Mapping[str, Any]]) -> list[str]:
    pngs = [o["data"]["image/png"] for o in outputs if "data" in o and "image/png" in o["data"]]
    return [p if isinstance(p, str) else "".join(p) for p in pngs]


def pixel_difference(reference: str | bytes, fresh: str | bytes) -> float:
    """The mean absolute pixel difference, on the part two figures share.

    The check of a cell whose tolerance names ``pixels``: figures drawn from
    training whose axes are still scaled to the run's own numbers, so that a
    tick label one digit wider changes their size on another machine. Sizes
    within 5 % are compared where they overlap, anchored at the top left;
    larger changes give ``inf``. It is weaker than :func:`image_difference`
    (a swapped figure of the same kind can pass), so such cells also print
    the numbers behind the figure, and :func:`ink_ratio` stops a blank one.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> def png(value, size=(10, 10)):
    ...     buffer = io.BytesIO()
    ...     Image.new("RGB", size, (value,) * 3).save(buffer, format="PNG")
    ...     return buffer.getvalue()
    >>> round(pixel_difference(png(0), png(51)), 3)
    0.2
    >>> pixel_difference(png(0), png(0, size=(10, 20)))
    inf
    """
    a, b = _decode_png(reference), _decode_png(fresh)
    if any(abs(x - y) > 0.05 * max(x, y)
           for x, y in zip(a.shape[:2], b.shape[:2])):
        return math.inf
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float(np.abs(a[:h, :w] - b[:h, :w]).mean())


def ink_ratio(reference: str | bytes, fresh: str | bytes) -> float:
    """How much ink the fresh figure has, as a share of the stored one's.

    Ink is each pixel's distance from the stored figure's paper colour
    (its most common colour). A figure that went blank scores about 0.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> def png(value):
    ...     buffer = io.BytesIO()
    ...     image = Image.new("RGB", (32, 32), (255,) * 3)
    ...     image.paste((value,) * 3, (0, 0, 16, 16))
    ...     image.save(buffer, format="PNG")
    ...     return buffer.getvalue()
    >>> ink_ratio(png(0), png(0)), ink_ratio(png(0), png(255))
    (1.0, 0.0)
    """
    a, b = _decode_png(reference), _decode_png(fresh)
    paper = _background(a)
    ink_a = np.abs(a - paper).max(axis=-1).sum()
    ink_b = np.abs(b - paper).max(axis=-1).sum()
    return 1.0 if ink_a == 0 else float(ink_b / ink_a)


MIN_INK = 0.5
"""Smallest :func:`ink_ratio` a figure of a ``pixels`` cell may keep."""


def compare_images(reference: Iterable[Mapping[str, Any]], fresh: Iterable[Mapping[str, Any]],
                   rule: Rule) -> str | None:
    """Compare the figures of a cell's stored and fresh outputs; ``None`` when they agree.

    Parameters
    ----------
    reference, fresh : iterable of dict
        nbformat outputs; their ``image/png`` entries are compared in order.
    rule : Rule
        ``rule.image`` is the largest :func:`image_difference` allowed. A
        figure of a cell that names no ``image`` tolerance (not drawn from
        training) must also keep every tile within :data:`DEFAULT_TILE`
        (:func:`tile_difference`). A cell naming ``pixels`` is compared by
        :func:`pixel_difference` instead, and must keep :data:`MIN_INK` of
        its ink (:func:`ink_ratio`).
    """
    ref, new = _pngs(reference), _pngs(fresh)
    if len(ref) != len(new):
        return f"{len(ref)} figure(s) stored, {len(new)} now"
    for i, (a, b) in enumerate(zip(ref, new), start=1):
        if rule.pixels > 0:
            problem = _compare_pixels(i, a, b, rule.pixels)
            if problem:
                return problem
            continue
        difference = image_difference(a, b)
        if math.isinf(difference):
            return (f"figure {i} differs: its size changed "
                    f"({_size(a)} stored, {_size(b)} now)")
        if difference > rule.image:
            return (f"figure {i} differs: {difference:.4f} of its ink moved "
                    f"(tolerance {rule.image:g})")
        if rule.image == DEFAULT_IMAGE:
            local = tile_difference(a, b)
            if local > DEFAULT_TILE:
                return (f"figure {i} differs: a {TILE}-pixel tile changed by {local:.4f} "
                        f"(tolerance {DEFAULT_TILE:g} for a figure not drawn from training)")
    return None


def _compare_pixels(i: int, a: str, b: str, limit: float) -> str | None:
    difference = pixel_difference(a, b)
    if math.isinf(difference):
        return (f"figure {i} differs: its size changed by more than 5 % "
                f"({_size(a)} stored, {_size(b)} now)")
    if difference > limit:
        return (f"figure {i} differs: mean pixel difference "
                f"{difference:.4f} (tolerance pixels {limit:g})")
    ratio = ink_ratio(a, b)
    if ratio < MIN_INK:
        return (f"figure {i} lost its ink: {ratio:.2f} of the stored "
                f"figure's (at least {MIN_INK:g}); is it blank?")
    return None


def _size(png: str) -> str:
    height, width = _decode_png(png).shape[:2]
    return f"{width}x{height}"


def _numbers_by_kind(texts: list[str]) -> tuple[list[str], list[float], list[float], list[bool]]:
    words, decimals, integers, losses = [], [], [], []
    for text in texts:
        w, numbers = split_numbers(text)
        words.extend(w)
        for before, number in zip(w, numbers):
            if _is_decimal(number):
                decimals.append(_value(number))
                losses.append(is_loss(before))
            else:
                integers.append(_value(number))
    return words, decimals, integers, losses


def _cell_texts(cell: Mapping[str, Any], sanitize: Any = None) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            text = output["text"]
            texts.append(text if isinstance(text, str) else "".join(text))
        for mime, data in output.get("data", {}).items():
            if mime.startswith("text/"):
                texts.append(data if isinstance(data, str) else "".join(data))
    joined = ["".join(texts)]
    return [sanitize(t) for t in joined] if sanitize else joined


def spread(reference: Mapping[str, Any], runs: Iterable[Mapping[str, Any]],
           sanitize: Any = None) -> list[dict[str, Any]]:
    """How far other runs of a notebook move from its stored outputs, cell by cell.

    The measurement behind every tolerance: execute the chapter under other
    machine configurations (``ONEDNN_MAX_CPU_ISA=AVX2``,
    ``TF_NUM_INTRAOP_THREADS=1``...), then compare each code cell of each run
    with the stored notebook.

    Parameters
    ----------
    reference : notebook
        The stored notebook (an nbformat node or its JSON as a dict).
    runs : iterable of notebooks
        The same notebook executed elsewhere, cell for cell.
    sanitize : callable, optional
        Applied to each cell's text first (nbval's rules for timings).

    Returns
    -------
    list of dict
        One row for each code cell whose outputs differ in any run:
        ``cell`` (index), ``exact`` (text identical in every run),
        ``same_words`` (only numbers moved), ``decimal`` and ``integer`` (the
        largest absolute difference of such numbers), ``relative`` (the
        largest difference of a loss, see :func:`is_loss`, relative to the
        stored one), ``image`` (the largest :func:`image_difference` of its
        figures) and ``tile`` (the largest :func:`tile_difference`).
    """
    runs = list(runs)
    rows = []
    for index, cell in enumerate(reference["cells"]):
        if cell["cell_type"] != "code":
            continue
        stored = _cell_texts(cell, sanitize)
        words, decimals, integers, losses = _numbers_by_kind(stored)
        row = {"cell": index, "exact": True, "same_words": True, "decimal": 0.0,
               "relative": 0.0, "integer": 0.0, "image": 0.0, "tile": 0.0}
        for run in runs:
            other = run["cells"][index]
            texts = _cell_texts(other, sanitize)
            if texts != stored:
                row["exact"] = False
                w, d, i, _ = _numbers_by_kind(texts)
                if w != words or len(d) != len(decimals) or len(i) != len(integers):
                    row["same_words"] = False
                else:
                    if d:
                        gap = np.abs(np.subtract(d, decimals))
                        row["decimal"] = max(row["decimal"], float(gap.max()))
                        if any(losses):
                            scale = np.maximum(np.abs(decimals), 1e-300)
                            row["relative"] = max(row["relative"],
                                                  float((gap / scale)[losses].max()))
                    if i:
                        row["integer"] = max(row["integer"],
                                             float(np.max(np.abs(np.subtract(i, integers)))))
            a, b = _pngs(cell.get("outputs", [])), _pngs(other.get("outputs", []))
            if len(a) != len(b):
                row["image"] = row["tile"] = math.inf
            for x, y in zip(a, b):
                row["image"] = max(row["image"], image_difference(x, y))
                row["tile"] = max(row["tile"], tile_difference(x, y))
        if not row["exact"] or row["image"] > 0:
            rows.append(row)
    return rows
