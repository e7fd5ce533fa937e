"""Figures the chapters draw, each function returning its matplotlib Figure.

Functions here never call ``plt.show()``: in a notebook the figure returned
by the last expression of a cell is displayed once; in a test it is inspected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from cnncourse.evaluation import class_labels

__all__ = ["confusion_matrix", "explanations", "feature_maps", "image_grid", "kernels", "mistakes", "pixels", "rgb_channels", "pooling_windows", "sliding_window", "training_curves"]


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    cmap: str | None = "gray",
    size: float = 1.6,
    vmin: float | None = None,
    vmax: float | None = None,
    title_room: float = 0.3,
) -> Figure:
    """Draw images in a grid, one optional title under each.

    Parameters
    ----------
    images : sequence of arrays
        Each ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``.
    titles : sequence of str, optional
        One per image.
    ncols : int
        Images per row (fewer if there are fewer images).
    cmap : str or None
        Colour map for single-channel images; ignored for RGB.
    size : float
        Width and height of one cell in inches.
    vmin, vmax : float, optional
        Fixed intensity range for single-channel images (default: each image's own).
    title_room : float
        Height in inches added to each row for its titles: 0.3 fits one line
        at the titles' size; add about 0.2 for each further line, or the
        titles overlap the row above.

    Examples
    --------
    >>> fig = image_grid(np.zeros((3, 4, 4)), ["a", "b", "c"])
    >>> len(fig.axes)
    3
    """
    images = list(images)
    if not images:
        raise ValueError("image_grid needs at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols,
                                                      (size + title_room) * nrows),
                             squeeze=False)
    for ax in axes.flat[len(images):]:
        fig.delaxes(ax)
    for i, (ax, image) in enumerate(zip(axes.flat, images)):
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap=cmap if image.ndim == 2 else None, vmin=vmin, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def training_curves(
    history: Any, *, metric: str = "accuracy", title: str | None = None
) -> Figure:
    """Plot a metric and the loss per epoch, training and validation side by side.

    Parameters
    ----------
    history : keras.callbacks.History or mapping
        What ``model.fit`` returns, or its ``.history`` dict.
    metric : str
        The metric to plot beside the loss (``"accuracy"`` by default).
    title : str, optional
        A title over both panels.

    Examples
    --------
    >>> fig = training_curves({"loss": [1.0, 0.5], "accuracy": [0.5, 0.8],
    ...                        "val_loss": [1.1, 0.7], "val_accuracy": [0.4, 0.7]})
    >>> [ax.get_title() for ax in fig.axes]
    ['Accuracy', 'Loss']
    """
    logs: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    missing = [k for k in (metric, "loss") if k not in logs]
    if missing:
        raise KeyError(f"history has no {missing}; it has {sorted(logs)}")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, key in zip(axes, (metric, "loss")):
        epochs = np.arange(1, len(logs[key]) + 1)
        ax.plot(epochs, logs[key], "o-", label="training")
        if f"val_{key}" in logs:
            ax.plot(epochs, logs[f"val_{key}"], "s--", label="validation")
        ax.set_title(key.replace("_", " ").capitalize())
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs if len(epochs) <= 20 else epochs[:: len(epochs) // 10])
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _grid(n: int, ncols: int, size: float, aspect: float = 1.0) -> tuple[Figure, np.ndarray]:
    """A figure with ``n`` panels ``size`` wide and ``size * aspect`` high in rows of ``ncols``.

    Unused axes are removed.
    """
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(size * ncols, (size * aspect + 0.3) * nrows))
    for ax in axes.flat[n:]:
        fig.delaxes(ax)
    for ax in axes.flat[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes.flat[:n]


def feature_maps(
    maps: np.ndarray,
    *,
    ncols: int = 8,
    titles: Sequence[str] | None = None,
    cmap: str = "viridis",
    size: float = 1.6,
    colorbar: bool = False,
) -> Figure:
    """Show every channel of a layer's output as its own panel.

    Each panel has its own colour range (a feature map's scale is arbitrary),
    so bright means "strongest response of this filter", not an absolute value.

    Parameters
    ----------
    maps : array of shape ``(H, W, C)``
        One layer's output for one image. A leading batch axis of length 1,
        as in ``model.predict(x[None])``, is dropped.
    ncols : int
        Panels per row (fewer if there are fewer channels).
    titles : sequence of str, optional
        One per channel (default: ``"#0"``, ``"#1"``, …).
    cmap : str
        Matplotlib colour map.
    size : float
        Width and height of one panel in inches.
    colorbar : bool
        Give each panel a colour bar, so that its colours read as values.

    Returns
    -------
    matplotlib.figure.Figure
        ``C`` axes, one per channel, in channel order (then the colour
        bars' axes, with ``colorbar``).

    Examples
    --------
    >>> fig = feature_maps(np.random.rand(10, 10, 6), ncols=3)
    >>> len(fig.axes), fig.axes[0].get_title()
    (6, '#0')
    """
    maps = np.asarray(maps)
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3:
        raise ValueError(
            f"feature_maps expects one image's maps shaped (H, W, C), got shape {maps.shape}; "
            "for a single map use maps[..., None], for a batch pick one image: maps[0]")
    channels = maps.shape[-1]
    if titles is not None and len(titles) != channels:
        raise ValueError(f"got {channels} channels but {len(titles)} titles")
    fig, axes = _grid(channels, ncols, size, aspect=maps.shape[0] / maps.shape[1])
    for c, ax in enumerate(axes):
        shown = ax.imshow(maps[..., c], cmap=cmap)
        ax.set_title(titles[c] if titles is not None else f"#{c}", fontsize=9)
        if colorbar:
            bar = fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
            bar.ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def _annotate(ax: Any, values: np.ndarray, fmt: str, *, colors: np.ndarray | None = None) -> None:
    """Write each value of a 2-D array at its cell's centre."""
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            continue
        color = "black" if colors is None else colors[i, j]
        # + 0.0 turns -0.0 (e.g. -1 × 0) into 0.0, so no "-0" is written
        ax.text(j, i, format(v + 0.0, fmt), ha="center", va="center", fontsize=8, color=color)


def _text_colors(values: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """Black on light cells, white on dark cells of a gray image."""
    span = vmax - vmin if vmax > vmin else 1.0
    return np.where((values - vmin) / span > 0.5, "black", "white")


def kernels(
    weights: np.ndarray,
    *,
    ncols: int = 8,
    titles: Sequence[str] | None = None,
    annotate: bool | None = None,
    size: float = 1.4,
) -> Figure:
    """Show a convolution layer's filters, one panel per output channel.

    Parameters
    ----------
    weights : array of shape ``(kh, kw, c_in, c_out)`` or ``(kh, kw)``
        Keras' kernel layout, e.g. ``layer.get_weights()[0]``; a single 2-D
        kernel is one filter on one channel.
    ncols : int
        Panels per row.
    titles : sequence of str, optional
        One per filter (default: ``"filter 0"``, ``"filter 1"``, …).
    annotate : bool, optional
        Write each weight's value on its cell. Default: only for single-channel
        kernels of at most 5×5 and at most 16 filters, where the numbers fit.
    size : float
        Width and height of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``c_out`` axes, one per filter.

    Notes
    -----
    With ``c_in == 3`` each filter is drawn as a colour patch: its three input
    channels, rescaled together to [0, 1], are shown as red, green and blue,
    so a filter looking for red edges looks red. Otherwise each filter is gray,
    with zero mid-gray, positive weights lighter and negative darker, on one
    scale shared by all filters so their magnitudes can be compared; when
    ``c_in > 1`` (and not 3) the panel shows the mean over input channels.

    Examples
    --------
    >>> fig = kernels(np.random.randn(3, 3, 3, 16))
    >>> len(fig.axes)
    16
    >>> fig = kernels(np.array([[-1., 0, 1], [-2, 0, 2], [-1, 0, 1]]))
    >>> len(fig.axes), len(fig.axes[0].texts)
    (1, 9)
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim == 2:
        w = w[:, :, None, None]
    if w.ndim != 4:
        raise ValueError(
            f"kernels expects weights shaped (kh, kw, c_in, c_out) or (kh, kw), got {w.shape}; "
            "pass layer.get_weights()[0] (the kernel, not the bias)")
    kh, kw, c_in, c_out = w.shape
    if titles is not None and len(titles) != c_out:
        raise ValueError(f"got {c_out} filters but {len(titles)} titles")
    if annotate is None:
        annotate = c_in != 3 and kh <= 5 and kw <= 5 and c_out <= 16
    fig, axes = _grid(c_out, ncols, size)
    limit = float(np.abs(w).max()) or 1.0
    for f, ax in enumerate(axes):
        filt = w[..., f]
        if c_in == 3:
            low, high = filt.min(), filt.max()
            ax.imshow((filt - low) / (high - low) if high > low else np.full_like(filt, 0.5))
        else:
            gray = filt.mean(axis=-1)
            ax.imshow(gray, cmap="gray", vmin=-limit, vmax=limit)
            if annotate:  # two decimals at most: 0.111 -> 0.11, -1.0 -> -1, 4e-05 -> 0
                _annotate(ax, np.round(gray, 2), "g", colors=_text_colors(gray, -limit, limit))
        ax.set_title(titles[f] if titles is not None else f"filter {f}", fontsize=9)
    fig.tight_layout()
    return fig


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str],
    *,
    normalize: str | None = None,
    size: float = 0.7,
) -> Figure:
    """Draw the confusion matrix of a classifier: rows true class, columns predicted.

    Parameters
    ----------
    y_true, y_pred : array-like
        Integer labels ``(N,)``; one-hot or probability rows ``(N, classes)``
        are turned into labels with ``argmax``.
    class_names : sequence of str
        One name per class, in label order (label ``i`` is ``class_names[i]``).
    normalize : {None, "true", "pred", "all"}
        ``None`` shows counts; ``"true"`` divides each row by the number of
        images of that class (the diagonal is then each class's recall),
        ``"pred"`` each column, ``"all"`` by the total — as in scikit-learn.
    size : float
        Inches per class on each side (the figure is at least 4 inches).

    Returns
    -------
    matplotlib.figure.Figure
        One matrix axes (plus its colour bar).

    Examples
    --------
    >>> fig = confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c"])
    >>> fig.axes[0].get_xlabel()
    'Predicted label'
    """
    from sklearn.metrics import ConfusionMatrixDisplay
    from sklearn.metrics import confusion_matrix as _sk_confusion_matrix

    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f'normalize must be None, "true", "pred" or "all", got {normalize!r}')
    y_true = class_labels(y_true, "y_true")
    y_pred = class_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    n = len(class_names)
    if max(y_true.max(initial=0), y_pred.max(initial=0)) >= n:
        raise ValueError(f"labels go up to {max(y_true.max(), y_pred.max())} but only {n} "
                         "class_names were given; pass one name per class")
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = _sk_confusion_matrix(y_true, y_pred, labels=np.arange(n), normalize=normalize)
    side = max(4.0, size * n + 1.5)
    fig, ax = plt.subplots(figsize=(side + 1.0, side))
    display = ConfusionMatrixDisplay(matrix, display_labels=list(class_names))
    display.plot(ax=ax, cmap="Blues", values_format="d" if normalize is None else ".2f",
                 xticks_rotation=45, colorbar=True)
    for text in display.text_.flat:
        text.set_fontsize(8)
    ax.set_title("Counts" if normalize is None else f"Normalized over {normalize}")
    fig.tight_layout()
    return fig


def mistakes(
    images: Any,
    y_true: Any,
    y_pred: Any,
    probs: Any,
    class_names: Sequence[str],
    *,
    n: int = 16,
    ncols: int = 8,
    size: float = 1.7,
) -> Figure:
    """Show the misclassified images the model was most sure about.

    Each panel is titled with the predicted class and the probability the
    model gave it, and the true class underneath. Mistakes are sorted by that
    probability, most confident first: confident mistakes are the instructive
    ones (an ambiguous image, a wrong label, or a real blind spot).

    Parameters
    ----------
    images : array of shape ``(N, H, W)``, ``(N, H, W, 1)`` or ``(N, H, W, 3)``
        uint8 (0-255) or float (0-1; floats above 1 are taken as 0-255).
    y_true, y_pred : array-like
        Integer labels ``(N,)`` (or one-hot / probability rows, turned into
        labels with ``argmax``).
    probs : array of shape ``(N, classes)`` or ``(N,)``
        The model's class probabilities; a 1-D array is a binary model's
        probability of class 1 (a sigmoid output).
    class_names : sequence of str
        One name per class, in label order.
    n : int
        At most this many mistakes are shown.
    ncols : int
        Panels per row.
    size : float
        Width and height of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per mistake shown; a single axes saying so when there is none.

    Examples
    --------
    >>> x = np.zeros((3, 8, 8), np.uint8)
    >>> p = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    >>> fig = mistakes(x, [0, 0, 1], p.argmax(1), p, ["cat", "dog"])
    >>> [ax.get_title() for ax in fig.axes]
    ['dog 0.80\\n(true: cat)']
    """
    images = np.asarray(images)
    y_true = class_labels(y_true, "y_true")
    y_pred = class_labels(y_pred, "y_pred")
    probs = np.asarray(probs, dtype=float)
    if probs.ndim == 2 and probs.shape[1] == 1:
        probs = probs[:, 0]
    if probs.ndim == 1:
        probs = np.stack([1.0 - probs, probs], axis=1)
    sizes = {"images": len(images), "y_true": len(y_true), "y_pred": len(y_pred),
             "probs": len(probs)}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"mistakes needs one row per image in every argument, got {sizes}")
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3)):
        raise ValueError("images must be shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
                         f"got {images.shape}")
    if probs.shape[1] != len(class_names):
        raise ValueError(f"probs has {probs.shape[1]} columns but {len(class_names)} class_names "
                         "were given; pass one name per class")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")

    wrong = np.flatnonzero(y_true != y_pred)
    if wrong.size == 0:
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return fig
    confidence = probs[wrong, y_pred[wrong]]
    chosen = wrong[np.argsort(-confidence, kind="stable")[:n]]

    shown = images[chosen]
    if shown.ndim == 4 and shown.shape[-1] == 1:
        shown = shown[..., 0]
    if np.issubdtype(shown.dtype, np.integer):
        shown, vmax = shown.astype(float) / 255.0, 1.0
    else:
        shown = shown.astype(float)
        vmax = 255.0 if shown.max() > 1.0 else 1.0
        shown = shown / vmax
    titles = [f"{class_names[y_pred[i]]} {probs[i, y_pred[i]]:.2f}\n(true: {class_names[y_true[i]]})"
              for i in chosen]
    # Two-line titles: room for the second line, or it covers the row above.
    return image_grid(np.clip(shown, 0.0, 1.0), titles, ncols=ncols, size=size,
                      vmin=0.0, vmax=1.0, title_room=0.55)


def pixels(
    image: np.ndarray, *, fmt: str | None = None, title: str | None = None,
    size: float = 0.45, centre: bool = False,
) -> Figure:
    """Draw a small single-channel image with each pixel's value written on it.

    For looking at an image the way the computer does: as numbers on a grid.

    Parameters
    ----------
    image : array of shape ``(H, W)``
        Small enough for the numbers to fit (up to about 32×32).
    fmt : str, optional
        Format of each value (default ``".0f"`` for integers, ``".2f"`` otherwise).
    title : str, optional
        Title above the image.
    size : float
        Width and height of one pixel in inches.
    centre : bool
        For signed values (a Sobel response): draw 0 mid-gray, on a scale
        symmetric about it, instead of stretching the gray scale from the
        smallest to the largest value.

    Values that round to zero are written without a sign ("0.0", not
    "-0.0").

    Examples
    --------
    >>> fig = pixels(np.eye(3, dtype=np.uint8))
    >>> len(fig.axes[0].texts)
    9
    """
    values = np.asarray(image)
    if values.ndim == 3 and values.shape[-1] == 1:
        values = values[..., 0]
    if values.ndim != 2:
        raise ValueError(f"pixels expects one channel shaped (H, W), got shape {values.shape}; "
                         "for a colour image draw each channel: image[..., 0], image[..., 1], …")
    if fmt is None:
        fmt = ".0f" if np.issubdtype(values.dtype, np.integer) or values.dtype == bool else ".2f"
    values = values.astype(int) if values.dtype == bool else values
    h, w = values.shape
    fig, ax = plt.subplots(figsize=(max(2.0, size * w), max(2.0, size * h) + 0.3))
    vmin, vmax = float(values.min()), float(values.max())
    if centre:
        vmax = max(abs(vmin), abs(vmax)) or 1.0
        vmin = -vmax
    ax.imshow(values, cmap="gray", vmin=vmin, vmax=vmax)
    written = np.where(_rounds_to_zero(values, fmt), 0, values)
    colors = _text_colors(values.astype(float), vmin, vmax)
    _annotate(ax, written, fmt, colors=colors)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _rounds_to_zero(values: np.ndarray, fmt: str) -> np.ndarray:
    """Where ``format(value, fmt)`` writes a zero, signed or not."""
    def zero(v: float) -> bool:
        return not any(digit in format(v, fmt) for digit in "123456789")

    return np.vectorize(zero, otypes=[bool])(values)


def rgb_channels(image: np.ndarray, *, size: float = 3.0) -> Figure:
    """Show a colour image beside its red, green and blue channels.

    Each channel is drawn in shades of its own colour, with the full 0-255
    (or 0-1) range, so a bright red panel means "much red light here".

    Parameters
    ----------
    image : array of shape ``(H, W, 3)``
        uint8 (0-255) or float (0-1).
    size : float
        Height of each panel in inches.

    Examples
    --------
    >>> fig = rgb_channels(np.zeros((4, 6, 3), np.uint8))
    >>> [ax.get_title() for ax in fig.axes]
    ['RGB image', 'red channel', 'green channel', 'blue channel']
    """
    from matplotlib.colors import LinearSegmentedColormap

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"rgb_channels expects an (H, W, 3) image, got shape {image.shape}")
    top = 255 if np.issubdtype(image.dtype, np.integer) else 1.0
    h, w, _ = image.shape
    fig, axes = plt.subplots(1, 4, figsize=(4 * size * w / h, size + 0.3))
    axes[0].imshow(image)
    axes[0].set_title("RGB image")
    for c, (ax, name) in enumerate(zip(axes[1:], ("red", "green", "blue"))):
        cmap = LinearSegmentedColormap.from_list(name, ["black", name])
        ax.imshow(image[..., c], cmap=cmap, vmin=0, vmax=top)
        ax.set_title(f"{name} channel")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _matrix(ax: Any, values: np.ndarray, fmt: str, *, fill: np.ndarray | None = None) -> None:
    """Draw a small matrix as a table: one cell per value, the value written in it.

    ``fill`` gives each cell's background colour name (``""`` for white).
    """
    rows, cols = values.shape
    colours = np.ones((rows, cols, 3))
    if fill is not None:
        from matplotlib.colors import to_rgb

        for (i, j), name in np.ndenumerate(fill):
            if name:
                colours[i, j] = to_rgb(name)
    ax.imshow(colours, aspect="equal")
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_xticks([])
    ax.set_yticks([])
    _annotate(ax, values, fmt)


def sliding_window(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    steps: Sequence[tuple[int, int]] | None = None,
    stride: int = 1,
    padding: str | int = "valid",
    fmt: str = "g",
    cell: float = 0.42,
) -> Figure:
    """Show a kernel sliding over a small array, every number visible.

    One row of panels per step: the input with the window the kernel covers
    highlighted, the kernel, their element-wise products, and the output
    filled in up to this step, the new value highlighted. The products' sum
    is the new output value.

    Parameters
    ----------
    image : 2-D array
        A small input (up to about 10×10, so that the numbers fit).
    kernel : 2-D array
        The kernel (cross-correlation, as Keras: not flipped).
    steps : sequence of (row, col), optional
        Output positions to draw, one row of panels each. Default: the first
        two positions and the last.
    stride : int
        Step between windows.
    padding : {"valid", "same"} or int
        As :func:`cnncourse.ops.conv2d`; padding cells are drawn gray.
    fmt : str
        Format of the numbers, e.g. ``"g"`` or ``".1f"``.
    cell : float
        Size of one matrix cell in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``4 * len(steps)`` axes, row by row.

    Examples
    --------
    >>> fig = sliding_window(np.arange(16).reshape(4, 4), np.ones((3, 3)))
    >>> len(fig.axes), fig.axes[-1].get_title()
    (12, 'output[1, 1] = 90')
    """
    from cnncourse import ops

    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"sliding_window draws a 2-D image and a 2-D kernel, got shapes "
                         f"{image.shape} and {kernel.shape}; pick one channel: image[..., 0]")
    out = ops.conv2d(image, kernel, stride=stride, padding=padding)
    kh, kw = kernel.shape
    (top, bottom), (left, right) = (
        ops.padding_amounts(image.shape[a], kernel.shape[a], stride=stride, padding=padding)
        for a in (0, 1))
    padded = np.pad(image, ((top, bottom), (left, right)))
    is_pad = np.pad(np.zeros(image.shape, bool), ((top, bottom), (left, right)),
                    constant_values=True)
    if steps is None:
        steps = [(0, 0), (0, 1), (out.shape[0] - 1, out.shape[1] - 1)] if out.shape[1] > 1 \
            else [(0, 0), (out.shape[0] - 1, 0)]
        steps = list(dict.fromkeys(steps))
    for i, j in steps:
        if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
            raise ValueError(f"step {(i, j)} is outside the output of shape {out.shape}")
    widths = [padded.shape[1], kw, kw, out.shape[1]]
    height = max(padded.shape[0], kh, out.shape[0])
    fig, axes = plt.subplots(
        len(steps), 4, squeeze=False, gridspec_kw={"width_ratios": widths},
        figsize=(cell * sum(widths) + 2.0, (cell * height + 0.7) * len(steps)))
    for row, (i, j) in zip(axes, steps):
        r, c = i * stride, j * stride
        fill = np.where(is_pad, "0.85", "")
        fill[r:r + kh, c:c + kw] = "#fdd49e"
        _matrix(row[0], padded, fmt, fill=fill)
        _matrix(row[1], kernel, fmt, fill=np.full(kernel.shape, "#c6dbef"))
        products = padded[r:r + kh, c:c + kw] * kernel
        _matrix(row[2], products, fmt, fill=np.full(kernel.shape, "#fdd49e"))
        order = np.arange(out.size).reshape(out.shape)
        shown = np.where(order <= order[i, j], out, np.nan)
        out_fill = np.full(out.shape, "", dtype=object)
        out_fill[i, j] = "#a1d99b"
        _matrix(row[3], shown, fmt, fill=out_fill)
        row[0].set_title("input" + (" (gray: padding)" if is_pad.any() else ""), fontsize=9)
        row[1].set_title("× kernel", fontsize=9)
        row[2].set_title(f"products, sum = {format(products.sum(), fmt)}", fontsize=9)
        row[3].set_title(f"output[{i}, {j}] = {format(out[i, j], fmt)}", fontsize=9)
    fig.tight_layout()
    return fig


def pooling_windows(x: np.ndarray, size: int = 2, *, mode: str = "max", fmt: str = "g",
                    cell: float = 0.42) -> Figure:
    """Show non-overlapping pooling on a small array, every number visible.

    Left: the input, each ``size``×``size`` window in its own colour (for max
    pooling the winning value in bold); right: the pooled output, each value
    in the colour of the window it came from.

    Parameters
    ----------
    x : 2-D array
        A small input (up to about 12×12).
    size : int
        Window and stride (as ``MaxPooling2D(size)``, ``"valid"``: rows and
        columns that do not fill a window are left white and dropped).
    mode : {"max", "average"}
    fmt : str
        Format of the numbers.
    cell : float
        Size of one cell in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: input and output.

    Examples
    --------
    >>> fig = pooling_windows(np.arange(16).reshape(4, 4))
    >>> [t.get_text() for t in fig.axes[1].texts]
    ['5', '7', '13', '15']
    """
    from cnncourse import ops

    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"pooling_windows draws a 2-D array, got shape {x.shape}; "
                         "pick one channel: x[..., 0]")
    out = ops.pool2d(x, size, mode=mode)
    palette = np.array(["#fdd49e", "#c6dbef", "#c7e9c0", "#dadaeb"])
    rows, cols = np.indices(out.shape)
    out_fill = palette[(rows % 2) * 2 + cols % 2]
    in_fill = np.full(x.shape, "", dtype=object)
    in_fill[: out.shape[0] * size, : out.shape[1] * size] = np.repeat(
        np.repeat(out_fill, size, axis=0), size, axis=1)
    fig, axes = plt.subplots(1, 2, gridspec_kw={"width_ratios": [x.shape[1], out.shape[1]]},
                             figsize=(cell * (x.shape[1] + out.shape[1]) + 1.2,
                                      cell * x.shape[0] + 0.6))
    _matrix(axes[0], x, fmt, fill=in_fill)
    _matrix(axes[1], out, fmt, fill=out_fill.astype(object))
    if mode == "max":
        for (i, j), value in np.ndenumerate(out):
            window = x[i * size:(i + 1) * size, j * size:(j + 1) * size]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            axes[0].texts[(i * size + a) * x.shape[1] + j * size + b].set_fontweight("bold")
    axes[0].set_title(f"input {x.shape[0]}×{x.shape[1]}", fontsize=9)
    axes[1].set_title(f"{mode} pooled {out.shape[0]}×{out.shape[1]}", fontsize=9)
    fig.tight_layout()
    return fig


def explanations(
    images: Any,
    maps: Mapping[str, Any],
    titles: Sequence[str] | None = None,
    *,
    size: float = 1.7,
    alpha: float = 0.5,
    cmap: str = "jet",
) -> Figure:
    """Show images in the top row and, below, each method's map laid over them.

    One column an image; one row for the photos, then one row for each entry
    of ``maps`` (e.g. ``{"Grad-CAM": ..., "occlusion": ...}``), whose name
    labels the row. A map is drawn over its gray-scaled image with ``cmap``
    (red: most important, blue: least) and opacity ``alpha``, on a fixed 0-1
    scale, so a map's brightness is comparable only within one panel: each
    map is scaled to its own maximum (:mod:`cnncourse.explain`).

    Parameters
    ----------
    images : array of shape ``(N, H, W, 3)`` or ``(N, H, W)``
        uint8 (0-255) or float (0-1; floats above 1 are taken as 0-255).
    maps : mapping of str to array of shape ``(N, H, W)``
        Values in [0, 1], one map an image, in the same order.
    titles : sequence of str, optional
        One title an image, over the top row.
    size : float
        Width and height of one panel in inches.
    alpha : float
        Opacity of the maps over the images.
    cmap : str
        Colour map of the maps.

    Returns
    -------
    matplotlib.figure.Figure
        ``N × (1 + len(maps))`` axes, row by row.

    Examples
    --------
    >>> x = np.zeros((2, 8, 8, 3), np.uint8)
    >>> fig = explanations(x, {"Grad-CAM": np.ones((2, 8, 8))}, ["cat", "dog"])
    >>> len(fig.axes), fig.axes[2].get_ylabel()
    (4, 'Grad-CAM')
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3):
        raise ValueError(f"images must be shaped (N, H, W) or (N, H, W, 3), got {images.shape}")
    n = len(images)
    if n == 0 or not maps:
        raise ValueError("explanations needs at least one image and one map")
    arrays = {name: np.asarray(m, dtype=float) for name, m in maps.items()}
    for name, m in arrays.items():
        if m.shape != images.shape[:3]:
            raise ValueError(f"maps[{name!r}] must be one (H, W) map an image, shaped "
                             f"{images.shape[:3]}, got {m.shape}")
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {n} images but {len(titles)} titles")
    shown = images.astype(float)
    if np.issubdtype(images.dtype, np.integer) or shown.max() > 1.0:
        shown = shown / 255.0
    shown = np.clip(shown, 0.0, 1.0)
    gray = shown.mean(axis=-1) if shown.ndim == 4 else shown

    rows = 1 + len(arrays)
    fig, axes = plt.subplots(rows, n, squeeze=False, figsize=(size * n, (size + 0.15) * rows))
    for j in range(n):
        axes[0, j].imshow(shown[j], cmap="gray" if shown.ndim == 3 else None, vmin=0, vmax=1)
        if titles is not None:
            axes[0, j].set_title(titles[j], fontsize=8)
        for i, m in enumerate(arrays.values(), start=1):
            axes[i, j].imshow(gray[j], cmap="gray", vmin=0, vmax=1)
            axes[i, j].imshow(m[j], cmap=cmap, alpha=alpha, vmin=0, vmax=1)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for i, name in enumerate(arrays, start=1):
        axes[i, 0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    return fig
