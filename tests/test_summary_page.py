"""The summary page's worked examples agree with Keras.

``chapters/summary.md`` is the page learners keep; its table of worked
examples (layer, input, output, parameters) is built here layer by layer
and compared with what Keras says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "chapters" / "summary.md"


def _worked_examples() -> list[tuple[str, str, str, str]]:
    lines = PAGE.read_text().splitlines()
    start = lines.index("| layer | input | output | parameters |")
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        rows.append(tuple(cells))
    return rows


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split("×"))


def test_the_page_has_worked_examples():
    assert len(_worked_examples()) >= 8


@pytest.mark.parametrize("layer, given, output, parameters", _worked_examples())
def test_worked_example_matches_keras(layer, given, output, parameters):
    import keras

    built = eval(layer, {"__builtins__": {}}, vars(keras.layers))  # the page's own text
    model = keras.Sequential([keras.Input(_shape(given)), built])
    assert model.output_shape[1:] == _shape(output), layer
    assert model.count_params() == int(parameters.replace(",", "")), layer
