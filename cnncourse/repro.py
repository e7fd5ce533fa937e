"""Reproducible, quiet runs: one call before Keras is first used.

Every notebook and benchmark starts with :func:`setup`, so that two runs of
the same code on the same machine print the same numbers and TensorFlow's
start-up chatter does not drown the outputs.
"""

from __future__ import annotations

import logging
import os
import warnings

__all__ = ["DEFAULT_SEED", "quiet_tensorflow", "setup"]

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
    import keras

    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        tf.get_logger().setLevel(logging.ERROR)
