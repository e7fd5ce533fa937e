"""Tests of cnncourse.tolerance and of its use by nbval (the root conftest.py)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image, ImageDraw

from cnncourse import tolerance
from cnncourse.tolerance import Rule

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"


def _png(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


# --- numbers in text -------------------------------------------------------------------


def test_split_numbers_keeps_names_and_reads_separators_signs_and_exponents():
    words, numbers = tolerance.split_numbers("conv2d_21 (None, 28, 28, 16): 1,280 s, -6.0, 2e-08")
    assert numbers == ["28", "28", "16", "1,280", "-6.0", "2e-08"]
    assert words[0] == "conv2d_21 (None, "


def test_exact_rule_compares_text_exactly():
    assert tolerance.compare_text("loss: 0.2404", "loss: 0.2404", Rule()) is None
    assert tolerance.compare_text("loss: 0.2404", "loss: 0.2405", Rule()) == "the text differs"


def test_numbers_within_tolerance_pass_and_beyond_fail():
    rule = Rule(decimal=0.005)
    log = "1500/1500 - accuracy: 0.8446 - loss: 0.4355 - val_accuracy: 0.8838"
    close = "1500/1500 - accuracy: 0.8471 - loss: 0.4330 - val_accuracy: 0.8815"
    far = "1500/1500 - accuracy: 0.8446 - loss: 0.4355 - val_accuracy: 0.8738"
    assert tolerance.compare_text(log, close, rule) is None
    assert "number 5 differs: 0.8838 stored, 0.8738 now" in tolerance.compare_text(log, far, rule)


def test_whole_numbers_stay_exact_unless_the_rule_loosens_them():
    stored, fresh = "Shirt → T-shirt: 91 (0.091)", "Shirt → T-shirt: 94 (0.094)"
    assert "91 stored, 94 now" in tolerance.compare_text(stored, fresh, Rule(decimal=0.01))
    assert tolerance.compare_text(stored, fresh, Rule(decimal=0.01, integer=5)) is None


def test_words_and_the_count_of_numbers_must_not_change():
    rule = Rule(decimal=1.0, integer=100)
    assert "words differ" in tolerance.compare_text("val_loss: 0.3", "loss: 0.3", rule)
    assert "1 numbers stored, 2 now" in tolerance.compare_text("loss 0.3", "loss 0.3 0.4", rule)
    # padding of a table column may change when a number gains a digit
    assert tolerance.compare_text("a   9\nb  10", "a  10\nb  10", rule) is None


def test_relative_applies_to_losses_only():
    rule = Rule(decimal=0.01, relative=0.5)
    stored = "loss: 0.40 - accuracy: 0.90 - val_loss: 2e-08 - val_accuracy: 0.88"
    # losses may move by half of themselves...
    assert tolerance.compare_text(
        stored, "loss: 0.55 - accuracy: 0.90 - val_loss: 3e-08 - val_accuracy: 0.88", rule) is None
    # ...accuracies only by ``decimal``, even when relative would let them through
    problem = tolerance.compare_text(
        stored, "loss: 0.40 - accuracy: 0.60 - val_loss: 2e-08 - val_accuracy: 0.88", rule)
    assert "0.90 stored, 0.60 now (tolerance 0.01)" in problem
    # a number with no word before it (a table column) is not a loss
    assert "differs" in tolerance.compare_text("loss\n0.40 0.30", "loss\n0.40 0.40", rule)
    assert tolerance.is_loss("val_loss: ") and tolerance.is_loss("training loss ")
    assert not tolerance.is_loss("val_accuracy: ") and not tolerance.is_loss(" ")


def test_rule_of_reads_metadata_and_refuses_typos():
    assert tolerance.rule_of({"tolerance": {"decimal": 0.01, "image": 0.03}}) == Rule(
        decimal=0.01, image=0.03)
    assert tolerance.rule_of({"tags": ["solution"]}) == Rule()
    with pytest.raises(ValueError, match="unknown tolerance key"):
        tolerance.rule_of({"tolerance": {"decimals": 0.01}})
    with pytest.raises(ValueError, match=">= 0"):
        tolerance.rule_of({"tolerance": {"decimal": -1}})
    why = "a gallery of mistakes: other machines pick other images"
    assert tolerance.rule_of({"tolerance": {"image": 0.3, "why": why}}) == Rule(image=0.3, why=why)
    with pytest.raises(ValueError, match="sentence"):
        tolerance.rule_of({"tolerance": {"image": 0.3, "why": 3}})


# --- figures ----------------------------------------------------------------------------
# Synthetic figures for each way a figure can change: a blank one, another size, erased
# numbers, another figure of the same layout; and the noise of a re-run, which must pass.


def _axes(width: int = 200, title: str = "") -> Image.Image:
    """A white figure with a frame, ticks and a title, like matplotlib's."""
    image = Image.new("RGB", (width, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 15, width - 5, 105), outline="black")
    for x in range(30, width - 5, 30):
        draw.text((x - 3, 107), str(x // 30), fill="black")
    draw.text((width // 2 - 30, 2), title, fill="black")
    return image


def _plot(values: np.ndarray, width: int = 200, title: str = "curves") -> np.ndarray:
    """A figure of one curve (values in [0, 1]) drawn in matplotlib's blue."""
    image = _axes(width, title)
    x = np.linspace(22, width - 8, len(values))
    y = 103 - 86 * np.asarray(values)
    ImageDraw.Draw(image).line(list(zip(x, y)), fill=(31, 119, 180), width=2)
    return np.asarray(image)


def _grid(counts: np.ndarray | None) -> np.ndarray:
    """A 5×5 matrix of shaded cells with their counts written in (None: erased)."""
    image = Image.new("RGB", (220, 220), "white")
    draw = ImageDraw.Draw(image)
    shade = np.linspace(0.1, 0.9, 25).reshape(5, 5)
    for i in range(5):
        for j in range(5):
            level = int(255 - 120 * shade[i, j])
            box = (10 + 40 * j, 10 + 40 * i, 49 + 40 * j, 49 + 40 * i)
            draw.rectangle(box, fill=(level, level, 255))
            if counts is not None:
                draw.text((box[0] + 12, box[1] + 14), str(counts[i, j]), fill="black")
    return np.asarray(image)


TRAINING = np.array([0.5, 0.62, 0.7, 0.76, 0.8, 0.83, 0.86, 0.88, 0.9, 0.91])


def test_identical_figures_differ_by_zero():
    base = _png(_plot(TRAINING))
    assert tolerance.image_difference(base, base) == 0.0
    assert tolerance.tile_difference(base, base) == 0.0


def test_a_blank_figure_of_the_same_size_fails_whatever_the_white_around_it():
    for width in (200, 600):  # the more paper, the smaller a mean over all pixels
        curve = _plot(TRAINING, width=width)
        blank = np.full_like(curve, 255)
        assert tolerance.image_difference(_png(curve), _png(blank)) > 0.9


def test_any_size_change_fails_even_one_pixel():
    base = _plot(TRAINING)
    wider = np.concatenate([base, np.full((120, 1, 3), 255, np.uint8)], axis=1)
    assert tolerance.image_difference(_png(base), _png(wider)) == np.inf
    assert tolerance.tile_difference(_png(base), _png(wider)) == np.inf
    problem = tolerance.compare_images([_output(base)], [_output(wider)], Rule(image=0.3))
    assert "size changed (200x120 stored, 201x120 now)" in problem


def test_erased_numbers_inside_a_figure_fail():
    counts = np.arange(100, 125).reshape(5, 5)
    stored, erased = _png(_grid(counts)), _png(_grid(None))
    assert tolerance.image_difference(stored, erased) > 0.05
    # a re-run changes a few counts by a few units: much less moves
    moved = counts.copy()
    moved[0, :3] += (1, -1, 2)
    assert tolerance.image_difference(stored, _png(_grid(moved))) < 0.02


def test_a_figure_swapped_for_another_of_the_same_layout_fails():
    overfitting = np.array([0.5, 0.7, 0.85, 0.93, 0.97, 0.99, 1, 1, 1, 1])
    stored = _png(_plot(TRAINING, title="with augmentation"))
    swapped = _png(_plot(overfitting, title="without augmentation"))
    assert tolerance.image_difference(stored, swapped) > 0.1


def test_the_noise_of_a_re_run_passes():
    rng = np.random.default_rng(0)
    stored = _png(_plot(TRAINING))
    for _ in range(5):
        rerun = _png(_plot(TRAINING + rng.normal(0, 0.005, TRAINING.size)))
        assert tolerance.image_difference(stored, rerun) < 0.05


def test_a_changed_label_in_a_figure_not_from_training_fails():
    """One digit of one tick label is a tiny share of the ink, but moves its tile."""
    stored = _axes()
    changed = stored.copy()
    ImageDraw.Draw(changed).rectangle((117, 107, 125, 119), fill="white")
    ImageDraw.Draw(changed).text((117, 107), "7", fill="black")
    a, b = _png(np.asarray(stored)), _png(np.asarray(changed))
    assert tolerance.tile_difference(a, b) > 2 * tolerance.DEFAULT_TILE
    assert "differs" in tolerance.compare_images([_output(stored)], [_output(changed)], Rule())
    # a figure from training, with its own image tolerance, is judged on the whole
    assert tolerance.compare_images([_output(stored)], [_output(changed)],
                                    Rule(image=0.05)) is None


def _output(pixels) -> dict:
    return {"output_type": "display_data", "data": {"image/png": _png(np.asarray(pixels))}}


def test_compare_images_counts_figures_and_applies_the_rule():
    stored = [_output(_plot(TRAINING))]
    assert tolerance.compare_images(stored, [_output(_plot(TRAINING))], Rule()) is None
    assert "1 figure(s) stored, 2 now" in tolerance.compare_images(
        stored, [_output(_plot(TRAINING)), _output(_plot(TRAINING))], Rule())
    moved = [_output(_plot(TRAINING + 0.05))]
    assert "of its ink moved" in tolerance.compare_images(stored, moved, Rule())
    assert tolerance.compare_images(stored, moved, Rule(image=0.3)) is None


# --- measuring spread --------------------------------------------------------------------


def _notebook(text: str, pixels: np.ndarray) -> nbformat.NotebookNode:
    v4 = nbformat.v4
    return v4.new_notebook(cells=[
        v4.new_code_cell("x", outputs=[v4.new_output("stream", name="stdout", text="shape (3, 4)\n")]),
        v4.new_code_cell("y", outputs=[
            v4.new_output("stream", name="stdout", text=text),
            v4.new_output("display_data", {"image/png": _png(pixels), "text/plain": "<Figure>"})]),
    ])


def test_spread_reports_only_cells_that_move_and_by_how_much():
    stored = _notebook("loss: 0.4355, accuracy 0.8000, right: 91\n", _plot(TRAINING))
    runs = [_notebook("loss: 0.4361, accuracy 0.8010, right: 93\n", _plot(TRAINING + 0.01)),
            _notebook("loss: 0.4340, accuracy 0.8000, right: 91\n", _plot(TRAINING))]
    rows = tolerance.spread(stored, runs)
    assert len(rows) == 1 and rows[0]["cell"] == 1 and rows[0]["same_words"]
    assert rows[0]["decimal"] == pytest.approx(0.0015)
    # only the loss counts for ``relative`` (the accuracy moved 0.0010 / 0.8)
    assert rows[0]["relative"] == pytest.approx(0.0015 / 0.4355)
    assert rows[0]["integer"] == 2
    assert 0 < rows[0]["image"] < 0.05 and rows[0]["tile"] > 0


# --- the stored chapters: a worse result turns the check red ----------------------------


def _cell(chapter: str, start: str) -> nbformat.NotebookNode:
    nb = nbformat.read(CHAPTERS / chapter, as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start))


def test_chapter_1_dense_network_with_a_hundred_times_smaller_learning_rate_fails():
    """Measured: Adam at 1e-5 instead of 1e-3 gives 0.684 test accuracy, not 0.859."""
    cell = _cell("01_images_as_arrays.ipynb", "accuracy = {}")
    rule = tolerance.rule_of(cell.metadata)
    assert rule.decimal > 0, "the dense network's accuracies are compared with a tolerance"
    stored = "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream")
    real = float(stored.split("real images: ")[1].split()[0])
    worse = stored.replace(f"real images: {real:.3f}", "real images: 0.684")
    assert worse != stored
    assert "differs" in tolerance.compare_text(stored, worse, rule)
    # and the measured spread between machines stays inside the rule
    wobble = stored.replace(f"real images: {real:.3f}", f"real images: {real - 0.002:.3f}")
    assert tolerance.compare_text(stored, wobble, rule) is None


def _stream(cell: nbformat.NotebookNode) -> str:
    return "".join(o["text"] for o in cell.outputs if o["output_type"] == "stream")


def _table(cell: nbformat.NotebookNode) -> str:
    return "".join(o["data"]["text/plain"] for o in cell.outputs if "data" in o)


def test_chapter_5_validation_a_point_worse_fails():
    """The CNN's validation accuracy a point lower fails; half the rule passes."""
    cell = _cell("05_fashion_mnist.ipynb", "assert cnn_val >= plain_val")
    rule = tolerance.rule_of(cell.metadata)
    assert 0 < rule.decimal < 0.01, "the headline accuracy is compared within less than a point"
    stored = _stream(cell)
    val = float(stored.split("validation accuracy ")[1].split(",")[0])
    worse = stored.replace(f"accuracy {val:.4f}", f"accuracy {val - 0.01:.4f}")
    assert worse != stored and "differs" in tolerance.compare_text(stored, worse, rule)
    wobble = stored.replace(f"accuracy {val:.4f}", f"accuracy {val - rule.decimal / 2:.4f}")
    assert tolerance.compare_text(stored, wobble, rule) is None


def _cnn_rows(stored: str) -> tuple[str, str]:
    # pandas wraps the table: the CNN's first row ends with its test accuracy, its second
    # starts with its count of test errors.
    first, second = (line for line in stored.splitlines() if line.startswith("fashion_cnn"))
    return first, second


def test_chapter_5_test_accuracy_a_point_worse_fails():
    """Only the test accuracy changes: a point lower fails, its own rule at most 0.006."""
    table = _cell("05_fashion_mnist.ipynb", "cnn_test = final.evaluate")
    rule = tolerance.rule_of(table.metadata)
    assert 0 < rule.decimal <= 0.006
    stored = _table(table)
    first, _ = _cnn_rows(stored)
    test = first.split()[-1]
    worse = stored.replace(first, first.replace(test, f"{float(test) - 0.01:.4f}"))
    assert worse != stored
    assert "differs" in tolerance.compare_text(stored, worse, rule)


def test_chapter_5_a_hundred_more_test_errors_fail():
    """Only the count of test errors changes: 100 more (a point) fails."""
    table = _cell("05_fashion_mnist.ipynb", "cnn_test = final.evaluate")
    rule = tolerance.rule_of(table.metadata)
    stored = _table(table)
    _, second = _cnn_rows(stored)
    errors = second.split()[2]
    worse = stored.replace(second, second.replace(f" {errors} ", f" {int(errors) + 100} "))
    assert worse != stored
    assert "differs" in tolerance.compare_text(stored, worse, rule)


def test_chapter_6_test_accuracy_two_points_worse_fails():
    """The final network's test accuracy, 2 points lower, fails in both cells that print it."""
    cell = _cell("06_cats_vs_dogs.ipynb", "x_test = np.concatenate")
    rule = tolerance.rule_of(cell.metadata)
    assert 0 < rule.decimal <= 0.018
    stored = _stream(cell)
    test = float(stored.split("test accuracy: ")[1].split()[0])
    worse = stored.replace(f"test accuracy: {test:.3f}", f"test accuracy: {test - 0.02:.3f}")
    assert worse != stored and "differs" in tolerance.compare_text(stored, worse, rule)

    table = _cell("06_cats_vs_dogs.ipynb", "results = {}")
    rule = tolerance.rule_of(table.metadata)
    assert 0 < rule.decimal <= 0.018
    stored = _table(table)
    row = next(line for line in stored.splitlines() if "with augmentation" in line)
    value = row.split()[-3]  # test accuracy, then the training time "149 s"
    worse = stored.replace(row, row.replace(value, f"{float(value) - 0.02:.3f}"))
    assert worse != stored and "differs" in tolerance.compare_text(stored, worse, rule)


# --- the plug-in, run by nbval itself --------------------------------------------------


def _run_nbval(tmp_path: Path, nb: nbformat.NotebookNode) -> subprocess.CompletedProcess:
    path = tmp_path / "check.ipynb"
    nbformat.write(nb, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "--nbval", "--nbval-current-env",
         "-p", "conftest", "-q", "--rootdir", str(tmp_path), "-c", os.devnull,
         "-p", "no:cacheprovider"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


def _printing(value: str, stored: str, tolerance_spec: dict | None) -> nbformat.NotebookNode:
    v4 = nbformat.v4
    metadata = {"tolerance": tolerance_spec} if tolerance_spec else {}
    cell = v4.new_code_cell(f"print('accuracy: {value}')", execution_count=1, metadata=metadata,
                            outputs=[v4.new_output("stream", name="stdout",
                                                   text=f"accuracy: {stored}\n")])
    return v4.new_notebook(cells=[cell], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.mark.slow
def test_nbval_uses_the_cell_tolerance(tmp_path: Path):
    passed = _run_nbval(tmp_path, _printing("0.8470", "0.8446", {"decimal": 0.005}))
    assert passed.returncode == 0, passed.stdout[-2000:]
    failed = _run_nbval(tmp_path, _printing("0.8346", "0.8446", {"decimal": 0.005}))
    assert failed.returncode == 1 and "0.8446 stored, 0.8346 now" in failed.stdout
    exact = _run_nbval(tmp_path, _printing("0.8447", "0.8446", None))
    assert exact.returncode == 1, exact.stdout[-2000:]


@pytest.mark.slow
def test_nbval_compares_figures(tmp_path: Path):
    v4 = nbformat.v4
    code = ("from PIL import Image\nfrom IPython.display import display\n"
            "display(Image.new('RGB', (40, 30), (0, 0, 0)))")
    black = _png(np.zeros((30, 40, 3)))
    white = _png(np.full((30, 40, 3), 255))
    for stored, expect in ((black, 0), (white, 1)):
        cell = v4.new_code_cell(code, execution_count=1, outputs=[v4.new_output(
            "display_data", {"image/png": stored, "text/plain": "<PIL.Image.Image image mode=RGB size=40x30>"})])
        nb = v4.new_notebook(cells=[cell], metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        result = _run_nbval(tmp_path, nb)
        assert result.returncode == expect, result.stdout[-2000:]
        if expect:
            assert "figure 1 differs" in result.stdout


# Caps on every kind of tolerance, and the level above which a cell must say why (a `why`
# of at least WHY_WORDS words naming the measurement).
#   decimal 0.35: the middle epochs of chapter 6's 15-epoch trainings, validated on
#     500 photos, zigzag on another machine (measured up to 0.74 on a loss and 0.3 on
#     an accuracy, 2026-11-26); they are printed because the curves are drawn from
#     them. Headline numbers get far less (0.006 in chapter 5, 0.015 in chapter 6).
#   relative 0.8: losses only (tolerance.is_loss), for the same middle epochs: a loss
#     of 0.74 measured at 0.30 elsewhere. Seeds and fixed-size curves (issue 21) are
#     what will let both caps come down.
#   integer 60: a count of mistakes moves no more than the accuracy it counts, and
#     chapter 5's test accuracy (10,000 images) may move 0.006, i.e. 60 images.
#   image 0.3: another figure of the same kind (other curves, another gallery, other
#     feature maps) moves 0.2-0.4 of its ink and a blank figure 0.7-1.0; above 0.3
#     a figure would no longer be checked at all.
#   pixels 0.35: the transitional check of autoscaled training figures (mean pixel
#     difference); galleries of a trained model's mistakes measured up to 0.175 on
#     another machine (CONTRIBUTING.md), and a blank figure is stopped by its ink.
CAPS = {"decimal": 0.35, "relative": 0.8, "integer": 60, "image": 0.3,
        "pixels": 0.35}
EXPLAIN_ABOVE = {"decimal": 0.05, "relative": 0.1, "integer": 10,
                 "image": 0.05, "pixels": 0.05}
WHY_WORDS = 8


def test_every_tolerance_in_the_chapters_is_valid_and_not_a_blanket():
    """Tolerances are capped, explained when loose, and a cell's text never goes unchecked."""
    problems = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            where = f"{path.name} cell {index}"
            rule = tolerance.rule_of(cell.get("metadata", {}))
            named = cell.get("metadata", {}).get("tolerance") or {}
            ignored = "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
            if ignored and named:
                problems.append(f"{where}: tagged nbval-ignore-output and names a tolerance: "
                                "its outputs are not compared at all; drop one")
            for kind, cap in CAPS.items():
                value = getattr(rule, kind) if kind in named else 0.0
                if value > cap:
                    problems.append(f"{where}: {kind} {value:g} above the cap {cap:g}")
                if value > EXPLAIN_ABOVE[kind] and len(rule.why.split()) < WHY_WORDS:
                    problems.append(f"{where}: {kind} {value:g}: say why (the measurement)")
    assert not problems, "\n".join(problems)


# --- the stored chapters: a changed figure turns the check red --------------------------
# The mutations of issue 21, done on the stored figures (nothing is executed): each must
# fail under the cell's own rule, as nbval would judge it.


def _figure_cells(chapter: str, needle: str) -> list[nbformat.NotebookNode]:
    nb = nbformat.read(CHAPTERS / chapter, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and needle in c.source
             and tolerance._pngs(c.outputs)]
    assert cells, f"{chapter}: no cell with a figure draws {needle!r}"
    return cells


def _fails(cell: nbformat.NotebookNode, png: str) -> bool:
    fresh = [{"output_type": "display_data", "data": {"image/png": png}}]
    return tolerance.compare_images(cell.outputs, fresh, tolerance.rule_of(cell.metadata)) is not None


def _blank(png: str) -> str:
    return _png(np.full_like(np.asarray(Image.open(io.BytesIO(base64.b64decode(png)))
                                        .convert("RGB")), 255))


@pytest.mark.parametrize("chapter", ["05_fashion_mnist.ipynb", "06_cats_vs_dogs.ipynb"])
def test_a_blank_figure_in_place_of_training_curves_fails(chapter):
    for cell in _figure_cells(chapter, "plotting.training_curves("):
        stored = tolerance._pngs(cell.outputs)[0]
        assert _fails(cell, _blank(stored)), cell.source


@pytest.mark.xfail(strict=True, reason=(
    "chapters 5-6 still draw training figures with autoscaled axes, whose "
    "size moves between machines, so they are checked by the weaker "
    "`pixels` rule (mean pixel difference) until they are drawn at a fixed "
    "size (issue 21); strict: this goes red once the mutation is caught"))
def test_the_curves_with_and_without_augmentation_swapped_fail():
    cells = _figure_cells("06_cats_vs_dogs.ipynb", "plotting.training_curves(")
    without = [c for c in cells if "Without augmentation" in c.source]
    with_ = [c for c in cells if "With augmentation" in c.source]
    assert len(without) == len(with_) == 1, "one figure of each"
    a, b = tolerance._pngs(without[0].outputs)[0], tolerance._pngs(with_[0].outputs)[0]
    assert _fails(without[0], b) and _fails(with_[0], a)


@pytest.mark.xfail(strict=True, reason=(
    "chapters 5-6 still draw training figures with autoscaled axes, whose "
    "size moves between machines, so they are checked by the weaker "
    "`pixels` rule (mean pixel difference) until they are drawn at a fixed "
    "size (issue 21); strict: this goes red once the mutation is caught"))
def test_chapter_5_figures_replaced_by_others_of_the_same_kind_fail():
    mistakes = _figure_cells("05_fashion_mnist.ipynb", "plotting.mistakes(")[0]
    for photos in _figure_cells("06_cats_vs_dogs.ipynb", "plotting."):
        assert _fails(mistakes, tolerance._pngs(photos.outputs)[0]), photos.source
    first = _figure_cells("05_fashion_mnist.ipynb", "plotting.feature_maps(maps[0]")[0]
    third = _figure_cells("05_fashion_mnist.ipynb", "plotting.feature_maps(maps[2]")[0]
    assert _fails(third, tolerance._pngs(first.outputs)[0])


def _erase_counts(png: str, n: int) -> str:
    """An n×n confusion matrix with each cell painted in its own colour: its count erased."""
    a = np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")).copy()
    dark = a.max(-1) < 60  # the matrix's black frame
    rows = np.nonzero(dark.sum(1) > 0.5 * dark.sum(1).max())[0]
    cols = np.nonzero(dark.sum(0) > 0.5 * dark.sum(0).max())[0]
    y0, y1, x0 = rows.min(), rows.max(), cols.min()
    x1 = x0 + (y1 - y0)  # the matrix is square; its colour bar is further right
    ys = np.linspace(y0 + 1, y1, n + 1).round().astype(int)
    xs = np.linspace(x0 + 1, x1, n + 1).round().astype(int)
    for i in range(n):
        for j in range(n):
            block = a[ys[i] + 2:ys[i + 1] - 2, xs[j] + 2:xs[j + 1] - 2]
            colours, counts = np.unique(block.reshape(-1, 3), axis=0, return_counts=True)
            block[...] = colours[counts.argmax()]
    return _png(a)


@pytest.mark.xfail(strict=True, reason=(
    "chapters 5-6 still draw training figures with autoscaled axes, whose "
    "size moves between machines, so they are checked by the weaker "
    "`pixels` rule (mean pixel difference) until they are drawn at a fixed "
    "size (issue 21); strict: this goes red once the mutation is caught"))
def test_the_confusion_matrix_with_its_counts_erased_fails():
    cell = _figure_cells("05_fashion_mnist.ipynb", "plotting.confusion_matrix(")[0]
    stored = tolerance._pngs(cell.outputs)[0]
    erased = _erase_counts(stored, 10)
    assert erased != stored
    assert _fails(cell, erased)
