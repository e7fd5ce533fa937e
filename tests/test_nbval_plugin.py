"""The edge paths of the nbval plug-in in the root ``conftest.py``.

``tests/test_tolerance.py`` runs nbval itself on small notebooks; these
tests call the plug-in's comparison directly, cell by cell, for the cases
that are slow or awkward to stage through nbval: an output of another kind,
another number of outputs, HTML under a tolerance, figures in a cell whose
text is exact.
"""

from __future__ import annotations

import base64
import importlib.util
import io
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plugin():
    """The root conftest.py, loaded under a name of its own."""
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "_exact_compare"):
        pytest.skip("nbval is not installed")
    return module


# What nbval's IPyNbFile skips when it compares outputs (nbval 0.11, without
# nbdime): figures are left to the plug-in.
NBVAL_SKIP = ("metadata", "traceback", "prompt_number", "output_type", "name",
              "execution_count", "application/vnd.jupyter.widget-view+json",
              "image/png", "image/jpeg")


def _item(tolerance: dict | None = None) -> SimpleNamespace:
    """What the plug-in and nbval's comparison read of a cell item."""
    from nbval.plugin import nocolors

    metadata = {"tolerance": tolerance} if tolerance else {}
    item = SimpleNamespace(cell=nbformat.v4.new_code_cell("", metadata=metadata),
                           parent=SimpleNamespace(skip_compare=NBVAL_SKIP),
                           comparison_traceback=[], colors=nocolors,
                           sanitize=lambda text: text)
    # nbval's own report of a mismatch needs pytest's hooks; record it plainly.
    item.format_output_compare = lambda key, stored, fresh: (
        item.comparison_traceback.append(f"{key}: {stored!r} stored, {fresh!r} now"))
    return item


def _stream(text: str) -> dict:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _html(html: str) -> dict:
    return nbformat.v4.new_output("display_data", {"text/html": html,
                                                   "text/plain": "<table>"})


def _png(value: int, width: int = 30) -> dict:
    buffer = io.BytesIO()
    Image.fromarray(np.full((20, width, 3), value, np.uint8)).save(buffer, "PNG")
    data = base64.b64encode(buffer.getvalue()).decode()
    return nbformat.v4.new_output("display_data", {"image/png": data,
                                                   "text/plain": "<Figure>"})


def test_numbers_within_the_cell_tolerance_pass_and_beyond_fail(plugin):
    item = _item({"decimal": 0.01})
    stored = [_stream("accuracy 0.900\n")]
    assert plugin._compare_with_tolerances(item, [_stream("accuracy 0.905\n")], stored)
    assert not plugin._compare_with_tolerances(item, [_stream("accuracy 0.880\n")], stored)
    assert "0.900 stored, 0.880 now" in item.comparison_traceback[0]


def test_an_output_of_another_kind_fails(plugin):
    item = _item({"decimal": 0.01})
    ok = plugin._compare_with_tolerances(item, [_html("<td>0.900</td>")],
                                         [_stream("accuracy 0.900\n")])
    assert not ok
    assert "output kinds differ" in item.comparison_traceback[0]


def test_another_number_of_outputs_fails(plugin):
    item = _item({"decimal": 0.01})
    stored = [_html("<td>0.900</td>"), _html("<td>0.800</td>")]
    ok = plugin._compare_with_tolerances(item, stored[:1], stored)
    assert not ok
    assert "2 'text/html' outputs stored, 1 now" in item.comparison_traceback[0]


def test_html_under_a_tolerance_is_compared_number_by_number(plugin):
    item = _item({"decimal": 0.01})
    stored = [_html("<tr><td>cnn</td><td>0.900</td></tr>")]
    near = [_html("<tr><td>cnn</td><td>0.904</td></tr>")]
    far = [_html("<tr><td>cnn</td><td>0.870</td></tr>")]
    renamed = [_html("<tr><td>dense</td><td>0.900</td></tr>")]
    assert plugin._compare_with_tolerances(item, near, stored)
    assert not plugin._compare_with_tolerances(_item({"decimal": 0.01}), far, stored)
    assert not plugin._compare_with_tolerances(_item({"decimal": 0.01}), renamed, stored)


def test_figures_are_compared_in_a_cell_whose_text_is_exact(plugin):
    item = _item()
    stored = [_stream("done\n"), _png(0)]
    assert plugin._compare_with_tolerances(item, [_stream("done\n"), _png(0)], stored)
    assert not plugin._compare_with_tolerances(item, [_stream("done\n"), _png(255)],
                                               stored)
    assert "figure 1 differs" in item.comparison_traceback[0]


def test_exact_text_still_fails_on_one_digit(plugin):
    item = _item()
    assert not plugin._compare_with_tolerances(item, [_stream("accuracy 0.901\n")],
                                               [_stream("accuracy 0.900\n")])
    assert "accuracy 0.901" in "".join(item.comparison_traceback)


def test_an_output_of_another_kind_fails_in_an_exact_cell(plugin):
    item = _item()
    assert not plugin._compare_with_tolerances(item, [_html("<td>done</td>")],
                                               [_stream("done\n")])


def test_a_figure_more_or_less_fails_even_when_the_text_agrees(plugin):
    for tolerance in (None, {"decimal": 0.01, "image": 0.3}):
        item = _item(tolerance)
        stored = [_stream("accuracy 0.900\n"), _png(0)]
        assert not plugin._compare_with_tolerances(item, stored[:1], stored)
        # nbval itself sees the figure's text/plain missing; the plug-in counts figures
        assert item.comparison_traceback


def test_a_figure_of_another_size_fails_whatever_its_tolerance(plugin):
    item = _item({"image": 0.3, "why": "a gallery of other images on another machine"})
    assert not plugin._compare_with_tolerances(item, [_png(0, width=31)], [_png(0)])
    assert "size changed (30x20 stored, 31x20 now)" in item.comparison_traceback[0]


def test_a_loss_in_html_gets_the_relative_tolerance_and_an_accuracy_does_not(plugin):
    spec = {"decimal": 0.01, "relative": 0.5, "why": "a loss near zero moves by half of itself"}
    stored = [_html("<tr><th>loss</th><td>0.002</td><th>accuracy</th><td>0.900</td></tr>")]
    loss_moved = [_html("<tr><th>loss</th><td>0.0025</td><th>accuracy</th><td>0.900</td></tr>")]
    accuracy_moved = [_html("<tr><th>loss</th><td>0.002</td><th>accuracy</th><td>0.700</td></tr>")]
    assert plugin._compare_with_tolerances(_item(spec), loss_moved, stored)
    assert not plugin._compare_with_tolerances(_item(spec), accuracy_moved, stored)
