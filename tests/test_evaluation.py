"""Tests of cnncourse.evaluation."""

import numpy as np
import pytest

from cnncourse.evaluation import most_confused

NAMES = ["a", "b", "c"]


def test_most_confused_counts_and_rates_off_diagonal_pairs():
    y_true = [0, 0, 0, 0, 1, 1, 2, 2, 2]
    y_pred = [1, 1, 2, 0, 1, 0, 0, 2, 2]
    table = most_confused(y_true, y_pred, NAMES)
    assert list(table.columns) == ["true", "predicted", "count", "rate"]
    assert table.iloc[0][["true", "predicted", "count"]].tolist() == ["a", "b", 2]
    assert table.iloc[0]["rate"] == pytest.approx(2 / 4)
    # every pair is a mistake, and together they account for every mistake
    assert (table["true"] != table["predicted"]).all()
    assert table["count"].sum() == sum(t != p for t, p in zip(y_true, y_pred))
    assert table["count"].is_monotonic_decreasing


def test_most_confused_top_limits_rows_and_accepts_one_hot():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, 200)
    y_pred = rng.integers(0, 3, 200)
    probs = np.eye(3)[y_pred] * 0.8 + 0.05
    assert len(most_confused(y_true, y_pred, NAMES, top=2)) == 2
    assert most_confused(np.eye(3)[y_true], probs, NAMES, top=6).equals(
        most_confused(y_true, y_pred, NAMES, top=6))


def test_most_confused_without_mistakes_is_empty():
    assert most_confused([0, 1, 2], [0, 1, 2], NAMES).empty


def test_most_confused_explains_bad_arguments():
    with pytest.raises(ValueError, match="class_names"):
        most_confused([0, 3], [0, 1], NAMES)
    with pytest.raises(ValueError, match="y_pred has 1"):
        most_confused([0, 1], [0], NAMES)
    with pytest.raises(ValueError, match="top"):
        most_confused([0], [0], NAMES, top=0)


# --- published Fashion-MNIST results -------------------------------------------

import gzip  # noqa: E402
from pathlib import Path  # noqa: E402

from cnncourse.evaluation import (  # noqa: E402
    DEBIAN_FASHION_MNIST_README,
    fashion_mnist_baselines,
    parse_benchmark_table,
)

README_EXCERPT = """\
## Benchmark
Some text | with a bar.

| Classifier | Preprocessing | Fashion test accuracy | MNIST test accuracy | Submitter| Code |
| --- | --- | --- | --- | --- |--- |
|2 Conv+pooling | None | 0.876 | - | [Kashif Rasul](https://twitter.com/krasul) | [:link:](https://x) |
|Human Performance| Crowd-sourced. | 0.835 | - | Leo  | - |

### Other Explorations
| a | b |
"""


def test_parse_benchmark_table_reads_rows_until_the_table_ends():
    table = parse_benchmark_table(README_EXCERPT)
    assert table["classifier"].tolist() == ["2 Conv+pooling", "Human Performance"]
    assert table["test_accuracy"].tolist() == [0.876, 0.835]
    assert table["submitter"].tolist() == ["Kashif Rasul", "Leo"]


def test_parse_benchmark_table_without_the_table_says_what_it_expected():
    with pytest.raises(ValueError, match="Classifier"):
        parse_benchmark_table("# no table here\n")


def test_baselines_are_small_cnns_plus_human_and_plausible():
    table = fashion_mnist_baselines()
    assert "Human Performance" in set(table["classifier"])
    convs = table[table["classifier"].str.contains("Conv")]
    assert len(convs) >= 10
    assert table["test_accuracy"].between(0.8, 1.0).all()


@pytest.mark.skipif(not Path(DEBIAN_FASHION_MNIST_README).exists(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_baselines_are_rows_of_the_published_table():
    with gzip.open(DEBIAN_FASHION_MNIST_README, "rt", encoding="utf-8") as f:
        published = parse_benchmark_table(f.read())
    ours = fashion_mnist_baselines()
    merged = ours.merge(published, how="left", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
