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
  numbers that span many orders of magnitude (a loss falling to 1e-13); a
  number passes when it is within ``decimal`` or within ``relative``;
- ``integer``: the same for whole numbers (counts of a trained model's
  mistakes); 0, the default, keeps them exact, so epoch and step counts,
  shapes and parameter counts never move;
- ``image``: the largest :func:`image_difference` allowed for each figure;
- ``why``: a sentence naming the measurement behind a loose tolerance (a
  gallery of a trained model's mistakes shows other images on another
  machine; the middle epochs of a short training on few photos zigzag
  differently); the tests ask for one above 0.05.

Everything else in the text (the words, the order, the number of numbers)
must stay exactly the same, up to runs of white space (columns of a table
widen when a number gains a digit). A cell without the key is compared as
nbval always does, exactly, and its figures with :data:`DEFAULT_IMAGE`.
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

__all__ = ["DEFAULT_IMAGE", "Rule", "compare_images", "compare_text", "image_difference",
           "rule_of", "split_numbers", "spread"]

DEFAULT_IMAGE = 0.002
"""Largest mean pixel difference of a figure from a cell without tolerances.

Figures drawn from data that does not depend on the hardware come out
identical (0.0); this leaves room for a rounding difference in a colour
that moves a few pixels, and is far below a figure that really changed
(another image, another curve: 0.02 and more).
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
    Rule(decimal=0.01, integer=0.0, image=0.002, relative=0.0, why='')
    >>> rule_of({}).exact_text
    True
    """
    spec = dict(metadata.get("tolerance") or {})
    unknown = set(spec) - {"decimal", "integer", "image", "relative", "why"}
    if unknown:
        raise ValueError(f"unknown tolerance key(s) {sorted(unknown)}: "
                         "use decimal, relative, integer, image (and why)")
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
            tol = max(rule.decimal, rule.relative * abs(stored))
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


def image_difference(reference: str | bytes, fresh: str | bytes) -> float:
    """How different two PNG figures look: the mean absolute pixel difference.

    Both are decoded to RGB in [0, 1]; a figure whose size changed by a few
    pixels (a tick label one digit wider) is compared on the part the two
    share, anchored at the top left. Sizes that differ by more than 5 % in
    either direction give ``inf``.

    Parameters
    ----------
    reference, fresh : str or bytes
        Base64 text (as notebooks store ``image/png``) or raw PNG bytes.

    Returns
    -------
    float
        0.0 for identical pixels, 1.0 for black against white everywhere.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> def png(value):
    ...     buffer = io.BytesIO()
    ...     Image.new("RGB", (10, 10), (value,) * 3).save(buffer, format="PNG")
    ...     return buffer.getvalue()
    >>> image_difference(png(0), png(0)), round(image_difference(png(0), png(51)), 3)
    (0.0, 0.2)
    """
    a, b = _decode_png(reference), _decode_png(fresh)
    if any(abs(x - y) > 0.05 * max(x, y) for x, y in zip(a.shape[:2], b.shape[:2])):
        return math.inf
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return float(np.abs(a[:h, :w] - b[:h, :w]).mean())


def _pngs(outputs: Iterable[Mapping[str, Any]]) -> list[str]:
    pngs = [o["data"]["image/png"] for o in outputs if "data" in o and "image/png" in o["data"]]
    return [p if isinstance(p, str) else "".join(p) for p in pngs]


def compare_images(reference: Iterable[Mapping[str, Any]], fresh: Iterable[Mapping[str, Any]],
                   rule: Rule) -> str | None:
    """Compare the figures of a cell's stored and fresh outputs; ``None`` when they agree.

    Parameters
    ----------
    reference, fresh : iterable of dict
        nbformat outputs; their ``image/png`` entries are compared in order.
    rule : Rule
        ``rule.image`` is the largest :func:`image_difference` allowed.
    """
    ref, new = _pngs(reference), _pngs(fresh)
    if len(ref) != len(new):
        return f"{len(ref)} figure(s) stored, {len(new)} now"
    for i, (a, b) in enumerate(zip(ref, new), start=1):
        difference = image_difference(a, b)
        if difference > rule.image:
            return (f"figure {i} differs: mean pixel difference {difference:.4f} "
                    f"(tolerance {rule.image:g})")
    return None


def _numbers_by_kind(texts: list[str]) -> tuple[list[str], list[float], list[float]]:
    words, decimals, integers = [], [], []
    for text in texts:
        w, numbers = split_numbers(text)
        words.extend(w)
        for number in numbers:
            (decimals if _is_decimal(number) else integers).append(_value(number))
    return words, decimals, integers


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
        largest difference of a decimal number relative to the stored one),
        ``image`` (the largest :func:`image_difference` of its figures).
    """
    runs = list(runs)
    rows = []
    for index, cell in enumerate(reference["cells"]):
        if cell["cell_type"] != "code":
            continue
        stored = _cell_texts(cell, sanitize)
        words, decimals, integers = _numbers_by_kind(stored)
        row = {"cell": index, "exact": True, "same_words": True, "decimal": 0.0,
               "relative": 0.0, "integer": 0.0, "image": 0.0}
        for run in runs:
            other = run["cells"][index]
            texts = _cell_texts(other, sanitize)
            if texts != stored:
                row["exact"] = False
                w, d, i = _numbers_by_kind(texts)
                if w != words or len(d) != len(decimals) or len(i) != len(integers):
                    row["same_words"] = False
                else:
                    if d:
                        gap = np.abs(np.subtract(d, decimals))
                        scale = np.maximum(np.abs(decimals), 1e-300)
                        row["decimal"] = max(row["decimal"], float(gap.max()))
                        row["relative"] = max(row["relative"], float((gap / scale).max()))
                    if i:
                        row["integer"] = max(row["integer"],
                                             float(np.max(np.abs(np.subtract(i, integers)))))
            a, b = _pngs(cell.get("outputs", [])), _pngs(other.get("outputs", []))
            if len(a) != len(b):
                row["image"] = math.inf
            for x, y in zip(a, b):
                row["image"] = max(row["image"], image_difference(x, y))
        if not row["exact"] or row["image"] > 0:
            rows.append(row)
    return rows
