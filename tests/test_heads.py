"""Tests of cnncourse.heads: the Flatten-against-GAP runs and their data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cnncourse import bench, heads

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "chapters" / "data" / heads.FILE_NAME


def _fake_train(dataset: str, calls: list):
    def train(head: str, seed: int) -> dict:
        calls.append((seed, dataset, head))
        return {
            "dataset": dataset,
            "head": head,
            "seed": seed,
            "val_acc": 0.9 + seed / 100,
            "test_acc": 0.8 + (head == "gap") / 10,
            "train_seconds": 10.0 + seed,
            "parameters": 100 if head == "gap" else 900,
        }

    return train


@pytest.fixture
def calls(monkeypatch) -> list:
    calls: list = []
    for dataset in heads.DATASETS:
        monkeypatch.setitem(heads.TRAIN, dataset, _fake_train(dataset, calls))
    return calls


def test_run_writes_one_row_a_run_whole_seeds_first(tmp_path, calls, capsys):
    path = heads.run(tmp_path / "new", [3, 1])
    assert calls == [
        (seed, d, h)
        for seed in (3, 1)
        for d in heads.DATASETS
        for h in ("flatten", "gap")
    ]
    header = path.read_text().splitlines()[:3]
    assert header[0] == f"# Made by: {heads.COMMAND}"
    assert "--seeds 3 1" in header[1] and header[2] == ",".join(heads.COLUMNS)
    results = heads.read_results(path)
    assert list(results.columns) == list(heads.COLUMNS) and len(results) == 8
    printed = [
        json.loads(line) for line in capsys.readouterr().out.splitlines()
    ]
    assert printed == results.to_dict("records")


def test_run_can_take_one_data_set_and_one_head(tmp_path, calls):
    heads.run(tmp_path, [0], datasets=["dogs-vs-cats"], heads=["gap"])
    assert calls == [(0, "dogs-vs-cats", "gap")]


@pytest.mark.parametrize(
    "kwargs", [{"datasets": ["mnist"]}, {"heads": ["max"]}, {"seeds": []}]
)
def test_run_refuses_what_it_cannot_train_before_training(
    tmp_path, calls, kwargs
):
    with pytest.raises(ValueError, match="choose data sets"):
        heads.run(tmp_path, **{"seeds": [0], **kwargs})
    assert not calls and not (tmp_path / heads.FILE_NAME).exists()


def test_bench_dispatches_its_gap_vs_flatten_task(tmp_path, calls, capsys):
    bench.main(
        [
            "gap-vs-flatten",
            "--out",
            str(tmp_path),
            "--seeds",
            "5",
            "--datasets",
            "fashion-mnist",
        ]
    )
    assert calls == [
        (5, "fashion-mnist", "flatten"),
        (5, "fashion-mnist", "gap"),
    ]
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith(f"wrote {tmp_path / heads.FILE_NAME}")
    )


def test_summary_gives_mean_spread_and_range_per_data_set_and_head():
    runs = pd.DataFrame(
        {
            "dataset": ["a"] * 3 + ["b"],
            "head": ["gap"] * 3 + ["flatten"],
            "seed": [0, 1, 2, 0],
            "val_acc": [0.8, 0.9, 1.0, 0.5],
            "test_acc": [0.7, 0.7, 0.7, 0.4],
            "train_seconds": [1.0, 2.0, 6.0, 3.0],
            "parameters": [7] * 4,
        }
    )
    table = heads.summary(runs)
    gap = table.loc[("a", "gap")]
    assert gap["runs"] == 3 and gap["parameters"] == 7
    assert gap["val_acc"] == pytest.approx(0.9) and gap[
        "val_acc_std"
    ] == pytest.approx(0.1)
    assert (gap["val_acc_min"], gap["val_acc_max"]) == (0.8, 1.0)
    assert (
        gap["test_acc_std"] == pytest.approx(0.0)
        and gap["train_seconds"] == 3.0
    )
    assert table.loc[("b", "flatten"), "runs"] == 1


def test_results_url_is_the_configured_repository():
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())[
        "repository"
    ]
    slug = repository["url"].removeprefix("https://github.com/")
    assert heads.RESULTS_URL == (
        f"https://raw.githubusercontent.com/{slug}/"
        f"{repository['branch']}/chapters/data/{heads.FILE_NAME}"
    )


def test_comparison_says_which_head_wins_and_whether_seeds_overlap():
    runs = pd.DataFrame(
        {
            "dataset": ["a"] * 4 + ["b"] * 4,
            "head": ["flatten", "gap"] * 4,
            "test_acc": [0.90, 0.80, 0.92, 0.85, 0.70, 0.71, 0.74, 0.69],
        }
    )
    table = heads.comparison(runs)
    assert table.loc["a", "gap_minus_flatten"] == pytest.approx(-8.5)
    assert (
        table.loc["a", "flatten_always_better"]
        and not table.loc["a", "gap_always_better"]
    )
    assert table.loc["b", "gap_minus_flatten"] == pytest.approx(-2.0)
    assert (
        not table.loc["b", "flatten_always_better"]
        and not table.loc["b", "gap_always_better"]
    )
    with pytest.raises(ValueError, match="--datasets a"):
        heads.comparison(runs[runs["head"] == "gap"])


def test_docstring_examples_run():
    import doctest

    assert doctest.testmod(heads).failed == 0


def test_read_results_finds_the_stored_file_from_anywhere(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no data/ here: the repository's copy is read
    assert heads.read_results().equals(heads.read_results(STORED))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / heads.FILE_NAME).write_text(
        "# a local copy\n"
        + ",".join(heads.COLUMNS)
        + "\nd,gap,0,0.5,0.5,1.0,7\n"
    )
    assert heads.read_results()["dataset"].tolist() == ["d"]


# --- The stored runs support what chapters 4 and 5 say -------------------


@pytest.fixture(scope="module")
def stored():
    return heads.read_results(STORED)


def test_stored_runs_have_three_seeds_of_every_head_and_data_set(stored):
    assert list(stored.columns) == list(heads.COLUMNS)
    for dataset in heads.DATASETS:
        for head in ("flatten", "gap"):
            seeds = stored[
                (stored["dataset"] == dataset) & (stored["head"] == head)
            ]["seed"]
            assert sorted(seeds) == [0, 1, 2], (dataset, head)
    assert STORED.read_text().startswith(f"# Made by: {heads.COMMAND}")


def test_flatten_beats_gap_on_fashion_mnist_on_every_seed(stored):
    """Chapter 4, and chapter 5's reason for keeping Flatten."""
    for metric in ("test_acc", "val_acc"):
        verdict = heads.comparison(stored, metric).loc["fashion-mnist"]
        assert verdict["flatten_always_better"], metric
    assert (
        heads.comparison(stored).loc["fashion-mnist", "gap_minus_flatten"]
        < -0.3
    )


def test_gap_is_ahead_on_dogs_validation_but_not_shown_better_on_test(stored):
    """Chapter 4: GAP ahead on every seed on the validation photos; the test
    photos' seeds overlap."""
    assert heads.comparison(stored, "val_acc").loc[
        "dogs-vs-cats", "gap_always_better"
    ]
    test = heads.comparison(stored).loc["dogs-vs-cats"]
    assert not test["gap_always_better"] and not test["flatten_always_better"]
    spread = heads.summary(stored).loc["dogs-vs-cats", "test_acc_std"].min()
    assert abs(test["gap_minus_flatten"]) < 100 * spread
