"""A learner's first run: chapter 1 passes nbval with nothing on the machine.

Every other notebook run here finds Fashion-MNIST in Debian's package or a
warm cache. A learner's machine has neither: the first run downloads, and
anything the download prints becomes an output that the stored notebook
lacks ("Unexpected output fields: stderr"). So chapter 1 is run by nbval as
on such a machine: an empty ``KERAS_HOME``, Debian's folder not used
(``CNNCOURSE_DEBIAN_DATA`` empty), no ``CNNCOURSE_DATA``, and the files
downloaded from a loopback mirror serving Debian's copy (re-compressed
gzip files, as a workshop laptop would serve them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnncourse import datasets

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "01_images_as_arrays.ipynb"
DEBIAN = datasets.DEBIAN_FASHION_MNIST
NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with",
         str(ROOT / "tests" / "sanitize.cfg"), "--nbval-cell-timeout=600"]


@pytest.mark.slow  # executes chapter 1 (about a minute)
@pytest.mark.skipif(not DEBIAN.is_dir() and not os.environ.get("CI"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_chapter_1_first_run_downloads_silently(tmp_path, http_folder):
    url, served = http_folder
    for f in datasets.FASHION_MNIST_FILES:
        (served / f.name).symlink_to(DEBIAN / f.name)
    keras_home = tmp_path / "keras"
    env = {key: value for key, value in os.environ.items()
           if key != datasets.DATA_ENV}
    env.update(KERAS_HOME=str(keras_home), PYTHONPATH=str(ROOT),
               CNNCOURSE_DEBIAN_DATA="", CNNCOURSE_FASHION_MNIST_URL=url)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *NBVAL, str(CHAPTER)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    cache = keras_home / "datasets" / "fashion-mnist"
    downloaded = sorted(p.name for p in cache.iterdir())
    assert downloaded == sorted(f.name for f in datasets.FASHION_MNIST_FILES)


CHAPTER_7 = ROOT / "chapters" / "07_transfer_learning.ipynb"


@pytest.mark.slow  # starts a kernel, builds MobileNetV2 (about half a minute)
def test_chapter_7_loading_cell_first_run_downloads_silently(tmp_path,
                                                            http_folder):
    """Chapter 7 up to the cell that loads the weights, as on a learner's
    first run: an empty Keras cache, no shared copy (``CNNCOURSE_DATA``
    unset) and Keras's file served by a loopback mirror. nbval must find
    the stored outputs: the download prints nothing."""
    import shutil

    import nbformat

    from cnncourse import pretrained

    shared = (Path(os.environ.get(datasets.DATA_ENV) or "/nonexistent")
              / "keras-applications" / pretrained.SHARED_FILES[1.0])
    if not shared.is_file():
        pytest.skip(f"needs the shared weights {shared} (set CNNCOURSE_DATA)")
    url, served = http_folder
    name = pretrained.keras_file_name(1.0)
    shutil.copyfile(shared, served / name)
    nb = nbformat.read(CHAPTER_7, as_version=4)
    loading = next(i for i, cell in enumerate(nb.cells)
                   if cell.cell_type == "code"
                   and "pretrained.mobilenet_v2(" in cell.source)
    nb.cells = nb.cells[:loading + 1]
    assert nb.cells[-1].outputs, "the loading cell has no stored output"
    notebook = tmp_path / "07_loading.ipynb"
    nbformat.write(nb, notebook)
    keras_home = tmp_path / "keras"
    env = {key: value for key, value in os.environ.items()
           if key != datasets.DATA_ENV}
    env.update(KERAS_HOME=str(keras_home), PYTHONPATH=str(ROOT),
               **{pretrained.URL_ENV: url})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *NBVAL, str(notebook)],
        cwd=ROOT / "chapters", env=env, capture_output=True, text=True,
        timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
    assert (keras_home / "models" / name).is_file()
