"""Training helpers shared by the chapters and the benchmarks."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["fit_timed"]


def fit_timed(model: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``model.fit(*args, **kwargs)`` and return ``(history, seconds)``.

    The seconds are wall-clock time of the whole ``fit`` call, the figure the
    course reports as "training time" (2-core CPU unless said otherwise).

    Examples
    --------
    >>> history, seconds = fit_timed(model, x, y, epochs=3, verbose=2)  # doctest: +SKIP
    """
    start = time.perf_counter()
    history = model.fit(*args, **kwargs)
    return history, time.perf_counter() - start
