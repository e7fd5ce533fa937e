"""ImageNet bases from ``keras.applications``, loaded offline first.

:func:`mobilenet_v2` returns MobileNetV2 without its classifier, ImageNet
weights loaded and frozen. The weights are looked for, in this order:

1. the shared copies in ``$CNNCOURSE_DATA/keras-applications/`` under their
   exact names (:data:`SHARED_FILES`), each checked against the fingerprint
   of its values (:data:`FINGERPRINTS`) and refused if it differs;
2. Keras's own file ``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}
   _224_no_top.h5`` in Keras's cache (``$KERAS_HOME/models``, else
   ``~/.keras/models``);
3. a download of that same file into Keras's cache with
   ``keras.utils.get_file``, quietly (no progress bar in a notebook), from
   Keras's server or from ``$CNNCOURSE_KERAS_APPLICATIONS_URL`` (a base URL,
   e.g. a workshop mirror).

The 224-pixel file is used whatever the input size: convolution weights do
not depend on it. A Keras file must have every array of the right shape;
where its values differ from the shared copy's fingerprint, one line on
standard output says so (Keras's α = 1.0 file was exported from the same
Google model but never compared value by value). When no way works,
:class:`WeightsUnavailableError` names each place looked and how to get
the weights.

Examples
--------
>>> base = mobilenet_v2(0.35, input_shape=(96, 96, 3))  # doctest: +SKIP
>>> base.trainable, base.output_shape  # doctest: +SKIP
(False, (None, 3, 3, 1280))
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from pathlib import Path
from typing import Any

from cnncourse.datasets import DATA_ENV, DataUnavailableError, cache_dir

__all__ = [
    "ALPHA",
    "FINGERPRINTS",
    "KERAS_URL",
    "SHARED_FILES",
    "URL_ENV",
    "WeightsMismatchError",
    "WeightsUnavailableError",
    "find_mobilenet_v2",
    "fingerprint",
    "keras_file_name",
    "mobilenet_v2",
    "weights_url",
]

ALPHA = 1.0
"""The width multiplier the course uses by default (chapter 7)."""

FOLDER = "keras-applications"  # the sub-folder of $CNNCOURSE_DATA
URL_ENV = "CNNCOURSE_KERAS_APPLICATIONS_URL"
KERAS_URL = ("https://storage.googleapis.com/tensorflow/"
             "keras-applications/mobilenet_v2/")
"""Keras's base URL of the MobileNetV2 weights (``BASE_WEIGHT_PATH``)."""

SHARED_FILES = {
    0.35: "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5",
    1.0: "mobilenet_v2_1.0_imagenet_from_slim_checkpoint_no_top.h5",
}
"""The shared copies' file names, by α (see their README)."""

FINGERPRINTS = {
    0.35: "cea55efc9877ca3885be4994427a90914d259e7e8d759d90f36f7bb16e1725a7",
    1.0: "873111d1a3bf261a7ee56ddf9269787881b754045d14bcc5bafde19f0ec16c08",
}
"""SHA-256 of the shared copies' values, as :func:`fingerprint` computes it."""

KERAS_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)  # Keras has weights for these

_CHECK_SIZE = 96  # input size of the model that checks a file (any works)


class WeightsUnavailableError(DataUnavailableError):
    """No usable copy of the weights was found, and the download failed."""


class WeightsMismatchError(ValueError, DataUnavailableError):
    """A weights file is damaged: wrong values (a shared copy) or shapes.

    A :class:`~cnncourse.datasets.DataUnavailableError` too: no usable copy.
    """


def keras_file_name(alpha: float = ALPHA) -> str:
    """Keras's file name of MobileNetV2's 224-pixel weights without the top.

    Examples
    --------
    >>> keras_file_name(0.35)
    'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5'
    >>> keras_file_name(1)
    'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5'
    """
    return ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"
            f"{float(alpha)}_224_no_top.h5")


def weights_url(alpha: float = ALPHA) -> str:
    """The URL of Keras's file: under ``$CNNCOURSE_KERAS_APPLICATIONS_URL``,
    else under Keras's server.

    Examples
    --------
    >>> weights_url(0.35).startswith("https://") or URL_ENV in os.environ
    True
    """
    base = os.environ.get(URL_ENV) or KERAS_URL
    return base.rstrip("/") + "/" + keras_file_name(alpha)


def fingerprint(model: Any) -> str:
    """SHA-256 of a model's weights: ``model.weights`` in order, as float32.

    Each array is hashed as little-endian float32 bytes.

    The fingerprint of the values, whatever the file's format or the h5py
    that wrote it; the input size does not change it.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> import numpy as np
    >>> model.set_weights([np.ones((2, 1)), np.zeros(1)])
    >>> values = np.array([1, 1, 0], dtype="<f4").tobytes()  # kernel, bias
    >>> fingerprint(model) == hashlib.sha256(values).hexdigest()
    True
    """
    import numpy as np

    digest = hashlib.sha256()
    for weight in model.weights:
        values = np.ascontiguousarray(weight.numpy(), dtype="<f4")
        digest.update(values.tobytes())
    return digest.hexdigest()


def _check_alpha(alpha: float) -> float:
    if float(alpha) not in KERAS_ALPHAS:
        raise ValueError(
            f"alpha must be one of {', '.join(map(str, KERAS_ALPHAS))} (the "
            f"widths Keras has ImageNet weights for), got {alpha}")
    return float(alpha)


def _places(alpha: float) -> list[tuple[str, Path]]:
    """(kind, path) of each place a file may be, in the order tried."""
    places = []
    root = os.environ.get(DATA_ENV)
    if root and alpha in SHARED_FILES:
        shared = Path(root).expanduser() / FOLDER / SHARED_FILES[alpha]
        places.append(("shared", shared))
    models = cache_dir().parent / "models"  # Keras's cache of weights
    places.append(("cache", models / keras_file_name(alpha)))
    return places


def _base(alpha: float, input_shape: tuple[int, int, int]) -> Any:
    import keras

    return keras.applications.MobileNetV2(
        input_shape=input_shape, alpha=alpha, include_top=False, weights=None)


def _load_checked(model: Any, path: Path, kind: str, alpha: float) -> None:
    """Load ``path`` into ``model``; refuse a bad file, saying what to do."""
    if kind == "shared":
        fix = (f"copy the file again from the course's shared data, or unset "
               f"{DATA_ENV} to use Keras's own file")
    else:
        fix = f"delete {path} (it is downloaded again on first use)"
    try:
        model.load_weights(path)
    except Exception as exc:  # h5py's OSError, Keras's ValueError on a shape
        raise WeightsMismatchError(
            f"{path} does not hold MobileNetV2's α = {alpha} weights without "
            f"the top ({exc}). To fix: {fix}.") from exc
    expected = FINGERPRINTS.get(alpha)
    if expected is None:
        return
    found = fingerprint(model)
    if found == expected:
        return
    if kind == "shared":
        raise WeightsMismatchError(
            f"{path} has other values than the shared copy of MobileNetV2's "
            f"α = {alpha} weights: the SHA-256 of its values is {found}, "
            f"expected {expected} (see the README beside it); the file is "
            f"damaged or altered. To fix: {fix}.")
    print(f"Note: {path.name} loaded; its values differ from the course's "
          f"shared copy (fingerprint {found[:12]}…, not "
          f"{expected[:12]}…), "
          "so figures may differ slightly from the course's.", flush=True)


def _download(alpha: float, target: Path) -> None:
    """Fetch Keras's file into ``target`` with ``get_file``, quietly."""
    import keras

    # get_file falls back to /tmp/.keras when the folder does not exist yet
    target.parent.mkdir(parents=True, exist_ok=True)
    sink = io.StringIO()  # get_file writes a message and a progress bar
    with contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        keras.utils.get_file(target.name, weights_url(alpha),
                             cache_dir=str(target.parent.parent),
                             cache_subdir=target.parent.name)


def _weights_into(model: Any, alpha: float, download: bool) -> Path:
    """Load the first good file found (or downloaded) into ``model``.

    Returns the path of the file loaded.
    """
    places = _places(alpha)
    for kind, path in places:
        if path.is_file():
            _load_checked(model, path, kind, alpha)
            return path
    cached = places[-1][1]
    reason = "downloading is disabled"
    if download:
        try:
            _download(alpha, cached)
        except Exception as exc:  # network errors come in many types
            reason = f"download from {weights_url(alpha)} failed: {exc}"
        else:
            try:
                _load_checked(model, cached, "download", alpha)
            except WeightsMismatchError:
                cached.unlink(missing_ok=True)  # never keep a bad download
                raise
            return cached
    raise WeightsUnavailableError(_missing_message(alpha, places, reason))


def _missing_message(alpha: float, places: list[tuple[str, Path]],
                     reason: str) -> str:
    env = os.environ.get(DATA_ENV)
    looked = "\n".join(f"  - {path}" for _, path in places)
    shared = ""
    if alpha in SHARED_FILES:
        shared = (f"put {SHARED_FILES[alpha]} (the course's shared copy) in "
                  f"$CNNCOURSE_DATA/{FOLDER}/, or ")
    return (
        f"MobileNetV2's ImageNet weights (α = {alpha}) are not on this "
        "machine and could not be downloaded.\n"
        f"Looked in (CNNCOURSE_DATA is "
        f"{'set to ' + env if env else 'not set'}):\n{looked}\n"
        f"Download: {reason}.\n"
        f"To fix: {shared}put Keras's file {keras_file_name(alpha)} in "
        f"{places[-1][1].parent}/; or, with internet, run "
        "`python -m cnncourse fetch-data`; or serve a mirror and set "
        f"{URL_ENV} to its URL."
    )


def find_mobilenet_v2(alpha: float = ALPHA, *,
                      download: bool = True) -> Path:
    """Return the path of a checked file of MobileNetV2's ImageNet weights.

    Looks where :func:`mobilenet_v2` looks, downloads when allowed, and
    checks the file by loading it into a small model.

    Raises
    ------
    WeightsUnavailableError
        When no file is found and the download fails or is disabled.
    WeightsMismatchError
        When the file found is damaged.

    Examples
    --------
    >>> find_mobilenet_v2(0.35, download=False).name  # doctest: +SKIP
    'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5'
    """
    alpha = _check_alpha(alpha)
    model = _base(alpha, (_CHECK_SIZE, _CHECK_SIZE, 3))
    return _weights_into(model, alpha, download)


def mobilenet_v2(alpha: float = ALPHA,
                 input_shape: tuple[int, int, int] = (160, 160, 3),
                 *, download: bool = True) -> Any:
    """MobileNetV2 without its top, ImageNet weights loaded, frozen.

    Parameters
    ----------
    alpha : float
        Width multiplier: 0.35 or 1.0 have shared copies; Keras also has
        0.5, 0.75, 1.3 and 1.4.
    input_shape : tuple of int
        ``(height, width, 3)``; 96 to 224 pixels a side work well. Inputs
        are pixels scaled to [-1, 1] (``keras.applications.mobilenet_v2
        .preprocess_input``).
    download : bool
        Whether to download when no local copy is found.

    Returns
    -------
    keras.Model
        ``trainable = False``; output ``(N, h/32, w/32, 1280)``, or
        ``1280·α`` channels for α > 1.

    Raises
    ------
    WeightsUnavailableError
        When no copy is found and the download fails or is disabled.
    WeightsMismatchError
        When the file found is damaged (see :mod:`cnncourse.pretrained`).

    Examples
    --------
    >>> base = mobilenet_v2(0.35, input_shape=(96, 96, 3))  # doctest: +SKIP
    >>> base.trainable, base.output_shape  # doctest: +SKIP
    (False, (None, 3, 3, 1280))
    """
    alpha = _check_alpha(alpha)
    base = _base(alpha, tuple(input_shape))
    _weights_into(base, alpha, download)
    base.trainable = False
    return base
