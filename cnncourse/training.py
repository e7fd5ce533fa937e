"""Training helpers shared by the chapters and the benchmarks.

A chapter prints one line per training (:func:`summary`: the final values
and the best validation values), never a log line per epoch, and draws the
epochs as curves (:func:`cnncourse.plotting.training_curves`). The line is
what a reader needs, and what the tests compare within tolerances.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["best_epoch", "curves_text", "fit_timed", "summary"]


def fit_timed(model: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``model.fit(*args, **kwargs)`` and return ``(history, seconds)``.

    The seconds are wall-clock time of the whole ``fit`` call, the figure the
    course reports as "training time" (2-core CPU unless said otherwise).

    Examples
    --------
    >>> history, seconds = fit_timed(model, x, y, epochs=3, verbose=0)  # doctest: +SKIP
    """
    start = time.perf_counter()
    history = model.fit(*args, **kwargs)
    return history, time.perf_counter() - start


def _curves(history: Any) -> Mapping[str, Sequence[float]]:
    """``history.history`` of a Keras ``History``, or a mapping as it is."""
    curves = getattr(history, "history", history)
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("expected a Keras History (what fit returns) or a dict of "
                         f"per-epoch lists, got {type(history).__name__} with no curves")
    lengths = {len(values) for values in curves.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"every curve needs one value an epoch; lengths {sorted(lengths)}")
    return curves


def best_epoch(history: Any, key: str) -> tuple[int, float]:
    """The epoch (counted from 1) with the best value of ``key``, and that value.

    Best is the lowest for a loss (a key containing ``loss``) and the highest
    for anything else (accuracies); the earliest epoch wins a tie.

    Examples
    --------
    >>> best_epoch({"val_loss": [0.9, 0.5, 0.6], "val_accuracy": [0.6, 0.8, 0.8]},
    ...            "val_accuracy")
    (2, 0.8)
    >>> best_epoch({"val_loss": [0.9, 0.5, 0.6]}, "val_loss")
    (2, 0.5)
    """
    curves = _curves(history)
    if key not in curves:
        raise KeyError(f"no curve {key!r}; the history has {', '.join(curves)}")
    values = [float(v) for v in curves[key]]
    pick = min if "loss" in key else max
    value = pick(v for v in values if not math.isnan(v))
    return values.index(value) + 1, value


def summary(history: Any, seconds: float | None = None, *, label: str = "",
            digits: int = 4) -> str:
    """One line that sums up a training: its final values and best validation values.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``fit`` returned, or its ``history`` dict.
    seconds : float, optional
        The training's wall time; printed as ``in 12.3 s`` (which the tests'
        sanitize rules mask).
    label : str
        What was trained, to start the line.
    digits : int
        Decimals of every value.

    Returns
    -------
    str
        ``"label: E epochs in S s; final k v, …; best val_k v (epoch e), …"``
        with every curve's last value, then the best of each validation
        curve (lowest loss, highest accuracy).

    Examples
    --------
    >>> curves = {"loss": [0.9, 0.4], "accuracy": [0.7, 0.9],
    ...           "val_loss": [0.5, 0.6], "val_accuracy": [0.82, 0.84]}
    >>> print(summary(curves, 12.34, label="cnn"))
    cnn: 2 epochs in 12.3 s; final loss 0.4000, accuracy 0.9000, val_loss 0.6000, val_accuracy 0.8400; best val_loss 0.5000 (epoch 1), val_accuracy 0.8400 (epoch 2)
    """
    curves = _curves(history)
    epochs = len(next(iter(curves.values())))
    head = f"{label}: " if label else ""
    head += f"{epochs} epoch{'s' if epochs != 1 else ''}"
    if seconds is not None:
        head += f" in {seconds:.1f} s"
    final = ", ".join(f"{key} {float(values[-1]):.{digits}f}"
                      for key, values in curves.items())
    best = []
    for key in curves:
        if key.startswith("val_"):
            epoch, value = best_epoch(curves, key)
            best.append(f"{key} {value:.{digits}f} (epoch {epoch})")
    line = f"{head}; final {final}"
    return line + (f"; best {', '.join(best)}" if best else "")


def curves_text(history: Any, *, every: int = 1, digits: int = 3) -> str:
    """The numbers behind a training-curves figure, a few epochs a line.

    One line an epoch shown, ``"epoch e: key v, key v, …"``, every ``every``
    epochs from the first, and always the last, so that a test can compare
    the curves as numbers (each value right after its key, so that a loss is
    labelled as one).

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``fit`` returned, or its ``history`` dict.
    every : int
        Show epochs 1, 1 + every, 1 + 2·every, … and the last.
    digits : int
        Decimals of every value.

    Examples
    --------
    >>> curves = {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.55]}
    >>> print(curves_text(curves, every=2))
    epoch 1: loss 0.900, val_loss 0.800
    epoch 3: loss 0.400, val_loss 0.550
    """
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    curves = _curves(history)
    epochs = len(next(iter(curves.values())))
    shown = list(range(0, epochs, every))
    if shown[-1] != epochs - 1:
        shown.append(epochs - 1)
    return "\n".join(
        f"epoch {e + 1}: " + ", ".join(f"{key} {float(values[e]):.{digits}f}"
                                       for key, values in curves.items())
        for e in shown)
