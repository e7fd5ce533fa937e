"""Tests of cnncourse.repro."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnncourse import repro

ROOT = Path(__file__).resolve().parents[1]


def test_quiet_tensorflow_sets_log_level():
    repro.quiet_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_setup_seeds_python_numpy_and_keras():
    import keras

    def draw():
        return (random.random(), np.random.rand(),
                float(keras.ops.convert_to_numpy(keras.random.uniform(()))))

    repro.setup(7)
    first = draw()
    repro.setup(7)
    assert draw() == first
    repro.setup(8)
    assert draw() != first


def test_setup_makes_training_repeatable():
    import keras

    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")

    def train() -> np.ndarray:
        repro.setup(3)
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights()[0]

    np.testing.assert_array_equal(train(), train())


# TensorFlow's C++ start-up lines, as absl prints them.
TF_LOG_LINE = re.compile(r"^(WARNING: All log messages|[IWEF]\d{4} )",
                         re.MULTILINE)


def test_stderr_silenced_hides_file_descriptor_2_and_restores_it(capfd):
    os.write(2, b"before\n")
    with repro.stderr_silenced():
        os.write(2, b"hidden\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "before\nafter\n"


def test_stderr_silenced_restores_it_after_an_error(capfd):
    with pytest.raises(ImportError):
        with repro.stderr_silenced():
            import cnncourse_no_such_module  # noqa: F401
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, env=env, timeout=300, check=True)


def test_setup_prints_no_tensorflow_log_lines():
    """What a notebook's first cell shows in Jupyter, whose kernel forwards
    file descriptor 2: nothing."""
    result = _python("from cnncourse import repro; repro.setup()")
    assert not TF_LOG_LINE.search(result.stderr), result.stderr
    assert (result.stdout, result.stderr) == ("", "")


@pytest.mark.slow  # starts a Jupyter kernel and imports TensorFlow in it
def test_setup_cell_has_no_output_in_jupyter():
    """The notebooks' repro.setup() cell, run as Jupyter runs it (ipykernel
    capturing file descriptors 1 and 2, unlike under pytest): no output."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from cnncourse import repro\n\n"
        "repro.setup()")]
    NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    assert nb.cells[0].outputs == []
