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
from PIL import Image

from cnncourse import tolerance
from cnncourse.tolerance import Rule

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"


def _png(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _curve(noise: float = 0.0, seed: int = 0, width: int = 200) -> np.ndarray:
    """A white 100×width picture with a black curve, optionally nudged up and down."""
    image = np.full((100, width, 3), 255, dtype=np.uint8)
    x = np.arange(width)
    y = 50 + 30 * np.sin(x / 20) + np.random.default_rng(seed).normal(0, noise, width)
    image[np.clip(y.round().astype(int), 0, 99), x] = 0
    return image


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


def test_identical_figures_differ_by_zero_and_a_changed_figure_by_far_more():
    base = _curve()
    assert tolerance.image_difference(_png(base), _png(base)) == 0.0
    nudged = tolerance.image_difference(_png(base), _png(_curve(noise=0.4, seed=1)))
    other = tolerance.image_difference(_png(base), _png(255 - base))
    assert 0 < nudged < 0.02 < other


def test_a_figure_a_few_pixels_wider_is_compared_and_a_resized_one_is_not():
    assert tolerance.image_difference(_png(_curve()), _png(_curve(width=203))) < 0.01
    assert tolerance.image_difference(_png(_curve()), _png(_curve(width=260))) == np.inf


def test_compare_images_counts_figures_and_applies_the_rule():
    def output(pixels):
        return {"output_type": "display_data", "data": {"image/png": _png(pixels)}}

    stored = [output(_curve())]
    assert tolerance.compare_images(stored, [output(_curve())], Rule()) is None
    assert "1 figure(s) stored, 2 now" in tolerance.compare_images(
        stored, [output(_curve()), output(_curve())], Rule())
    moved = [output(_curve(noise=0.6, seed=2))]
    assert "figure 1 differs" in tolerance.compare_images(stored, moved, Rule())
    assert tolerance.compare_images(stored, moved, Rule(image=0.05)) is None


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
    stored = _notebook("loss: 0.4355, right: 91\n", _curve())
    runs = [_notebook("loss: 0.4361, right: 93\n", _curve(noise=0.4, seed=1)),
            _notebook("loss: 0.4340, right: 91\n", _curve())]
    rows = tolerance.spread(stored, runs)
    assert len(rows) == 1 and rows[0]["cell"] == 1 and rows[0]["same_words"]
    assert rows[0]["decimal"] == pytest.approx(0.0015)
    assert rows[0]["integer"] == 2
    assert 0 < rows[0]["image"] < 0.02


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


def test_every_tolerance_in_the_chapters_is_valid_and_not_a_blanket():
    """Tolerances are small and named per cell; a cell's text never goes unchecked."""
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            rule = tolerance.rule_of(cell.get("metadata", {}))
            where = f"{path.name} cell {index}"
            if rule.decimal > 0.05:
                # Only numbers measured to move that much (the middle epochs of a short, noisy
                # training) may, and the cell says so; its final numbers are checked tightly.
                assert rule.decimal <= 0.35, f"{where}: a decimal tolerance above 0.35 hides changes"
                assert len(rule.why.split()) >= 8, f"{where}: say why the numbers move so much"
            if rule.image > 0.05:
                # Only a figure measured to move that much (a gallery that shows other images on
                # another machine) may, and the cell says so; a blank or resized figure still fails.
                assert rule.image <= 0.35, f"{where}: an image tolerance above 0.35 hides changes"
                assert len(rule.why.split()) >= 8, f"{where}: say why the figure moves so much"
