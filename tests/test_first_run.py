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
