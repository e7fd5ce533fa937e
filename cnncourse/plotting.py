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

__all__ = ["image_grid", "training_curves"]


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    ncols: int = 8,
    cmap: str | None = "gray",
    size: float = 1.6,
    vmin: float | None = None,
    vmax: float | None = None,
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
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * nrows),
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
