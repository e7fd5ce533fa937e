"""Reproducible, quiet runs: one call before Keras is first used.

Every notebook and benchmark starts with :func:`setup`, so that two runs of
the same code on the same machine print the same numbers and TensorFlow's
start-up chatter does not drown the outputs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from types import ModuleType

__all__ = ["DEFAULT_SEED", "quiet_import", "quiet_tensorflow", "setup",
           "stderr_silenced"]

DEFAULT_SEED = 42


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ and Python log noise.

    Takes full effect only when called before TensorFlow is imported, since
    the C++ log level is read at import time.

    Examples
    --------
    >>> quiet_tensorflow()
    >>> os.environ["TF_CPP_MIN_LOG_LEVEL"]
    '3'
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # C++: errors only
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"keras\.src\.")
    warnings.filterwarnings("ignore", module=r"tensorflow")
    # tqdm.auto warns in a notebook without ipywidgets; its text bars work fine.
    warnings.filterwarnings("ignore", message=r"IProgress not found")


@contextlib.contextmanager
def stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 (standard error) to the null device in the block.

    TensorFlow's C++ code writes its start-up lines ("All log messages before
    absl::InitializeLog() is called ...", the oneDNN notice) straight to file
    descriptor 2 while it is imported, whatever ``TF_CPP_MIN_LOG_LEVEL`` says,
    and Jupyter shows them in the cell. Python's ``sys.stderr`` writes in the
    block are lost too; exceptions still propagate.

    Examples
    --------
    >>> with stderr_silenced():
    ...     _ = os.write(2, b"not shown")
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def quiet_import(name: str) -> ModuleType:
    """Import module ``name``, silencing standard error if it is new.

    For TensorFlow, and Keras whose import imports it: call
    :func:`quiet_tensorflow` first for its Python-side logs. Never set
    ``TF_ENABLE_ONEDNN_OPTS=0`` to silence the oneDNN notice: it changes
    the kernels and every number that training prints.

    Examples
    --------
    >>> quiet_import("json").__name__
    'json'
    """
    if name in sys.modules:
        return sys.modules[name]
    with stderr_silenced():
        return importlib.import_module(name)


def setup(seed: int = DEFAULT_SEED, *, deterministic: bool = True) -> None:
    """Quiet TensorFlow, seed every random generator, and make ops deterministic.

    Seeds Python's ``random``, NumPy and the backend through
    ``keras.utils.set_random_seed`` and, when ``deterministic``, turns on
    TensorFlow's op determinism so that the same code gives the same numbers
    on the same machine. Determinism costs a little speed; pass
    ``deterministic=False`` when timing matters more than repeatability.

    Examples
    --------
    >>> setup(0)
    >>> import numpy as np
    >>> a = np.random.rand()
    >>> setup(0)
    >>> bool(np.random.rand() == a)
    True
    """
    quiet_tensorflow()
    keras = quiet_import("keras")  # imports TensorFlow, its backend
    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        tf.get_logger().setLevel(logging.ERROR)
