"""Convolution and pooling written from scratch in NumPy, equal to Keras.

These are the course's reference implementations: short enough to read in
one sitting, vectorised (no Python loop over pixels), and tested against
``keras.layers.Conv2D``, ``MaxPooling2D`` and ``AveragePooling2D`` on many
random shapes (``tests/test_ops.py``).

Shapes follow Keras (channels last): an image is ``(H, W)`` or ``(H, W, C)``
and a kernel ``(kh, kw)`` or ``(kh, kw, C_in, C_out)``, exactly what
``Conv2D.get_weights()[0]`` holds. There is no batch axis: call the function
once per image.

The classic hand-made kernels are module constants (read-only arrays), and
:data:`CLASSIC_KERNELS` maps a display name to each.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "BOX_BLUR",
    "CLASSIC_KERNELS",
    "EMBOSS",
    "GAUSSIAN_BLUR",
    "IDENTITY",
    "OUTLINE",
    "SHARPEN",
    "SOBEL_X",
    "SOBEL_Y",
    "conv2d",
    "output_size",
    "padding_amounts",
    "pool2d",
]

Padding = str | int
Pair = int | tuple[int, int]


def _constant(rows: list[list[float]], scale: float = 1.0) -> np.ndarray:
    """A read-only float kernel, so that a notebook cannot change it by accident."""
    kernel = np.array(rows, dtype=float) * scale
    kernel.setflags(write=False)
    return kernel


IDENTITY = _constant([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
"""Copies each pixel: the output equals the input (with ``"same"`` padding)."""

BOX_BLUR = _constant([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 1 / 9)
"""Mean of the 3×3 neighbourhood: blurs; weights sum to 1 so brightness is kept."""

GAUSSIAN_BLUR = _constant([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 1 / 16)
"""Weighted mean favouring the centre: a softer blur than :data:`BOX_BLUR`."""

SHARPEN = _constant([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
"""The pixel plus its difference from its four neighbours: boosts local contrast."""

SOBEL_X = _constant([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
"""Horizontal gradient: positive where the image gets brighter from left to right,
so it lights up vertical edges (for cross-correlation, as Keras computes)."""

SOBEL_Y = _constant([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
"""Vertical gradient: positive where the image gets brighter from top to bottom,
so it lights up horizontal edges."""

OUTLINE = _constant([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
"""Centre minus its eight neighbours (a Laplacian): zero on flat areas, large on
edges in every direction; weights sum to 0."""

EMBOSS = _constant([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
"""A diagonal gradient added to the pixel: edges look raised, lit from the bottom right."""

CLASSIC_KERNELS: dict[str, np.ndarray] = {
    "identity": IDENTITY,
    "box blur": BOX_BLUR,
    "Gaussian blur": GAUSSIAN_BLUR,
    "sharpen": SHARPEN,
    "Sobel x": SOBEL_X,
    "Sobel y": SOBEL_Y,
    "outline": OUTLINE,
    "emboss": EMBOSS,
}
"""Display name → kernel, in the order the chapters show them."""


def _pair(value: Pair, name: str) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; check both are integers ≥ 1."""
    pair = (value, value) if np.ndim(value) == 0 else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < 1:
        raise ValueError(f"{name} must be at least 1 along each axis, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_padding(padding: Padding) -> Padding:
    """Return ``"valid"``, ``"same"`` or an int ≥ 0; raise on anything else."""
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        return int(padding)
    raise ValueError(
        f"unknown padding {padding!r}: use 'valid' (no padding), 'same' "
        "(output size ceil(n / stride), as Keras) or an int p >= 0 (p zeros on each side)")


def padding_amounts(n: int, kernel: int, *, stride: int = 1,
                    padding: Padding = "same") -> tuple[int, int]:
    """How many zeros go before and after an axis of length ``n``.

    ``"same"`` pads as TensorFlow and Keras do: just enough for
    ``ceil(n / stride)`` outputs, ``pad_total = max((ceil(n/s) - 1)·s + k - n, 0)``,
    with ``pad_total // 2`` before and the rest, one more when the total is
    odd, after (at the bottom or right).

    Parameters
    ----------
    n : int
        Input length along the axis.
    kernel : int
        Kernel (or pooling window) length along the axis.
    stride : int
        Step between windows.
    padding : {"same", "valid"} or int
        ``"valid"`` gives ``(0, 0)``, an int ``p`` gives ``(p, p)``.

    Returns
    -------
    tuple of int
        ``(before, after)``.

    Examples
    --------
    >>> padding_amounts(5, 3)
    (1, 1)
    >>> padding_amounts(5, 4)          # even kernel: the extra zero goes after
    (1, 2)
    >>> padding_amounts(6, 3, stride=2)
    (0, 1)
    """
    padding = _check_padding(padding)
    if padding == "valid":
        return 0, 0
    if isinstance(padding, int):
        return padding, padding
    total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def output_size(n: int, kernel: int, *, stride: int = 1, padding: Padding = "valid") -> int:
    """Output length along one axis of a convolution or pooling, as Keras computes it.

    ``"valid"``: ``floor((n - k) / s) + 1``; ``"same"``: ``ceil(n / s)``;
    an int ``p`` (zeros on each side, as ``ZeroPadding2D(p)`` then ``"valid"``):
    ``floor((n + 2p - k) / s) + 1``.

    Parameters
    ----------
    n : int
        Input length (≥ 1).
    kernel : int
        Kernel or pooling window length (≥ 1).
    stride : int
        Step between windows (≥ 1).
    padding : {"valid", "same"} or int

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the kernel is longer than the (padded) input, which leaves no
        valid position (Keras raises too), or on a bad argument.

    Examples
    --------
    >>> output_size(28, 3)
    26
    >>> output_size(28, 3, padding="same")
    28
    >>> output_size(7, 3, stride=2, padding=1)
    4
    """
    padding = _check_padding(padding)
    for name, value in (("n", n), ("kernel", kernel), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if padding == "same":
        return math.ceil(n / stride)
    pad = 0 if padding == "valid" else padding
    if kernel > n + 2 * pad:
        raise ValueError(
            f"kernel of length {kernel} is larger than the input of length {n}"
            + (f" padded by {pad} on each side" if pad else "")
            + f" under padding={padding!r}: no position fits; use padding='same' or a smaller kernel")
    return (n + 2 * pad - kernel) // stride + 1


def _pad_spatial(x: np.ndarray, window: tuple[int, int], stride: tuple[int, int],
                 padding: Padding, value: float = 0.0) -> np.ndarray:
    """Pad the first two axes of ``x`` as ``padding`` asks (``"same"`` as TensorFlow)."""
    pads = [padding_amounts(x.shape[a], window[a], stride=stride[a], padding=padding)
            for a in (0, 1)]
    pads += [(0, 0)] * (x.ndim - 2)
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, pads, constant_values=value)


def _check_fits(x_shape: tuple[int, ...], window: tuple[int, int], padding: Padding,
                func: str, what: str) -> None:
    """Raise if the window is larger than the (padded) input."""
    pad = padding if isinstance(padding, int) else 0
    if padding != "same" and (window[0] > x_shape[0] + 2 * pad or window[1] > x_shape[1] + 2 * pad):
        raise ValueError(
            f"{func}: the {what} {window} is larger than the input {tuple(x_shape[:2])} "
            f"(x shape {x_shape}) under padding={padding!r}: no position fits; "
            "use padding='same' or a smaller window")


def conv2d(x: np.ndarray, kernel: np.ndarray, *, stride: Pair = 1,
           padding: Padding = "valid") -> np.ndarray:
    """2-D convolution as a Keras ``Conv2D`` layer without bias computes it.

    Like every deep-learning library this is *cross-correlation*: the kernel
    is laid on the image as it is, not flipped. Each output value is the sum
    of the element-wise products of the kernel and the window under it,
    summed over input channels too; one output channel per filter.

    Parameters
    ----------
    x : array of shape ``(H, W)`` or ``(H, W, C_in)``
        One image, channels last.
    kernel : array of shape ``(kh, kw)`` or ``(kh, kw, C_in, C_out)``
        Keras' layout (``layer.get_weights()[0]``). A 2-D kernel is one filter
        on one channel, the same as shape ``(kh, kw, 1, 1)``.
    stride : int or pair of int
        Step between windows, along rows and columns.
    padding : {"valid", "same"} or int
        ``"valid"``: no padding; ``"same"``: zeros so that the output is
        ``ceil(H / stride)`` by ``ceil(W / stride)``, placed as TensorFlow does
        (see :func:`padding_amounts`); an int ``p``: ``p`` zeros on every side.

    Returns
    -------
    numpy.ndarray
        ``(H', W')`` for a 2-D ``x`` with a 2-D kernel, otherwise
        ``(H', W', C_out)``; floating point (at least float32).

    Raises
    ------
    ValueError
        On a wrong rank, input channels that do not match the kernel's, a
        kernel larger than the input under ``"valid"``, a stride below 1 or
        an unknown padding.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> conv2d(x, np.ones((2, 2)))
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    >>> conv2d(x, np.ones((3, 3)), padding="same").shape
    (4, 4)
    >>> conv2d(np.zeros((32, 32, 3)), np.zeros((3, 3, 3, 8)), stride=2).shape
    (15, 15, 8)
    """
    x = np.asarray(x)
    kernel = np.asarray(kernel)
    if x.ndim not in (2, 3):
        raise ValueError(f"conv2d expects x shaped (H, W) or (H, W, C_in), got shape {x.shape}; "
                         "for a batch, call it once per image")
    if kernel.ndim not in (2, 4):
        raise ValueError(f"conv2d expects a kernel shaped (kh, kw) or (kh, kw, C_in, C_out), "
                         f"got shape {kernel.shape}")
    stride = _pair(stride, "stride")
    padding = _check_padding(padding)
    flat = x.ndim == 2 and kernel.ndim == 2
    x3 = x[:, :, None] if x.ndim == 2 else x
    k4 = kernel[:, :, None, None] if kernel.ndim == 2 else kernel
    if x3.shape[2] != k4.shape[2]:
        raise ValueError(
            f"conv2d: x has {x3.shape[2]} channel(s) (x shape {x.shape}) but the kernel expects "
            f"{k4.shape[2]} (kernel shape {kernel.shape}); the kernel must be shaped "
            f"(kh, kw, {x3.shape[2]}, C_out)")
    window = (k4.shape[0], k4.shape[1])
    _check_fits(x.shape, window, padding, "conv2d", "kernel")
    dtype = np.result_type(x.dtype, kernel.dtype, np.float32)
    padded = _pad_spatial(x3.astype(dtype, copy=False), window, stride, padding)
    # windows[i, j, c, a, b] = padded[i*sh + a, j*sw + b, c]
    windows = sliding_window_view(padded, window, axis=(0, 1))[:: stride[0], :: stride[1]]
    out = np.einsum("ijcab,abco->ijo", windows, k4.astype(dtype, copy=False), optimize=True)
    return out[:, :, 0] if flat else out


def pool2d(x: np.ndarray, size: Pair = 2, *, stride: Pair | None = None, mode: str = "max",
           padding: str = "valid") -> np.ndarray:
    """Max or average pooling, as ``MaxPooling2D`` / ``AveragePooling2D`` compute it.

    Each channel is pooled on its own: every ``size`` window is replaced by
    its maximum or its mean. Nothing is learned.

    Parameters
    ----------
    x : array of shape ``(H, W)`` or ``(H, W, C)``
        One image or one layer's output, channels last.
    size : int or pair of int
        Pooling window.
    stride : int or pair of int, optional
        Step between windows; defaults to ``size`` (windows that do not overlap).
    mode : {"max", "average"}
    padding : {"valid", "same"}
        ``"valid"`` drops the rows and columns that do not fill a last window;
        ``"same"`` pads as :func:`conv2d` does, and the padding never wins a
        maximum nor counts in an average (the mean is over the real pixels only,
        as Keras does).

    Returns
    -------
    numpy.ndarray
        Same rank as ``x``; max keeps the dtype, average returns floats.

    Raises
    ------
    ValueError
        On a wrong rank, a window larger than the input under ``"valid"``,
        a size or stride below 1, an unknown mode or padding.

    Examples
    --------
    >>> x = np.array([[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [0, 8, 2, 6]])
    >>> pool2d(x)
    array([[4, 5],
           [8, 6]])
    >>> pool2d(x, mode="average")
    array([[2.5 , 1.75],
           [2.  , 3.  ]])
    >>> pool2d(np.ones((5, 5)), 2, padding="same").shape
    (3, 3)
    """
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"pool2d expects x shaped (H, W) or (H, W, C), got shape {x.shape}; "
                         "for a batch, call it once per image")
    if mode not in ("max", "average"):
        raise ValueError(f"unknown mode {mode!r}: use 'max' or 'average'")
    if not (isinstance(padding, str) and padding.lower() in ("valid", "same")):
        raise ValueError(f"unknown padding {padding!r} for pooling: use 'valid' or 'same'")
    padding = padding.lower()
    size = _pair(size, "size")
    stride = size if stride is None else _pair(stride, "stride")
    _check_fits(x.shape, size, padding, "pool2d", "pooling window")
    x3 = x[:, :, None] if x.ndim == 2 else x
    if mode == "max":
        # Every window holds at least one real pixel, so padding with the
        # smallest value present never changes a maximum (and works for any dtype).
        padded = _pad_spatial(x3, size, stride, padding, value=x3.min() if x3.size else 0)
        windows = sliding_window_view(padded, size, axis=(0, 1))[:: stride[0], :: stride[1]]
        out = windows.max(axis=(-2, -1))
    else:
        values = x3.astype(np.result_type(x.dtype, np.float32), copy=False)
        padded = _pad_spatial(values, size, stride, padding)
        real = _pad_spatial(np.ones(x3.shape[:2] + (1,), dtype=values.dtype), size, stride, padding)
        sums = sliding_window_view(padded, size, axis=(0, 1))[:: stride[0], :: stride[1]]
        counts = sliding_window_view(real, size, axis=(0, 1))[:: stride[0], :: stride[1]]
        out = sums.sum(axis=(-2, -1)) / counts.sum(axis=(-2, -1))
    return out[:, :, 0] if x.ndim == 2 else out
