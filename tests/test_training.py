"""Tests of cnncourse.training."""

from __future__ import annotations

import time

from cnncourse.training import fit_timed


class _SlowModel:
    def fit(self, *args, **kwargs):
        time.sleep(0.05)
        return {"args": args, "kwargs": kwargs}


def test_fit_timed_passes_arguments_and_measures_wall_time():
    history, seconds = fit_timed(_SlowModel(), 1, 2, epochs=3)
    assert history == {"args": (1, 2), "kwargs": {"epochs": 3}}
    assert 0.05 <= seconds < 5
