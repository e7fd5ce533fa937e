"""Looking at a classifier's errors: which classes it confuses, and how often."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DEBIAN_FASHION_MNIST_README", "class_labels", "fashion_mnist_baselines", "most_confused",
           "parse_benchmark_table"]


def class_labels(y: Any, name: str = "y") -> np.ndarray:
    """Integer class labels from labels, one-hot rows or probability rows.

    Parameters
    ----------
    y : array-like
        Shaped ``(N,)`` (labels) or ``(N, classes)`` (one-hot or probabilities,
        reduced with ``argmax``).
    name : str
        What to call ``y`` in the error message.

    Examples
    --------
    >>> class_labels([[0.1, 0.9], [0.8, 0.2]]).tolist()
    [1, 0]
    """
    y = np.asarray(y)
    if y.ndim == 2:
        y = y.argmax(axis=1)
    if y.ndim != 1:
        raise ValueError(f"{name} must be shaped (N,) labels or (N, classes) one-hot/probabilities, "
                         f"got shape {y.shape}")
    return y.astype(int)


def most_confused(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str],
    *,
    top: int = 5,
) -> pd.DataFrame:
    """List the most frequent mistakes as (true class, predicted class) pairs.

    Parameters
    ----------
    y_true, y_pred : array-like
        Integer labels ``(N,)``; one-hot or probability rows ``(N, classes)``
        are turned into labels with ``argmax``.
    class_names : sequence of str
        One name per class, in label order.
    top : int
        How many pairs to return (fewer if fewer kinds of mistake occur).

    Returns
    -------
    pandas.DataFrame
        One row per pair, most frequent first (ties in label order), with
        columns ``true``, ``predicted`` (class names), ``count`` (how many
        images of ``true`` were called ``predicted``) and ``rate`` (that count
        as a share of all images of ``true``). Correct predictions never
        appear.

    Examples
    --------
    >>> most_confused([0, 0, 0, 1, 2, 2], [0, 1, 1, 1, 0, 2], ["a", "b", "c"])
      true predicted  count      rate
    0    a         b      2  0.666667
    1    c         a      1  0.500000
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    y_true = class_labels(y_true, "y_true")
    y_pred = class_labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    n = len(class_names)
    if len(y_true) and max(y_true.max(), y_pred.max()) >= n:
        raise ValueError(f"labels go up to {max(y_true.max(), y_pred.max())} but only {n} "
                         "class_names were given; pass one name per class")
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    support = counts.sum(axis=1)
    np.fill_diagonal(counts, 0)
    true_idx, pred_idx = np.nonzero(counts)
    order = np.argsort(-counts[true_idx, pred_idx], kind="stable")[:top]
    true_idx, pred_idx = true_idx[order], pred_idx[order]
    names = np.asarray(class_names, dtype=object)
    return pd.DataFrame({
        "true": names[true_idx],
        "predicted": names[pred_idx],
        "count": counts[true_idx, pred_idx],
        "rate": counts[true_idx, pred_idx] / support[true_idx],
    })


# --- Published Fashion-MNIST results --------------------------------------------

DEBIAN_FASHION_MNIST_README = "/usr/share/doc/dataset-fashion-mnist/README.md.gz"

# Rows of the benchmark table in Zalando Research's Fashion-MNIST README
# (https://github.com/zalandoresearch/fashion-mnist#benchmark): submitted,
# not re-tested by Zalando. Kept here: every small CNN (2 to 5 convolutions),
# the non-convolutional baselines (recurrent GRU+SVM, MLP, HOG+SVM, XGBoost)
# and the crowd-sourced human performance.
# (classifier, preprocessing, test accuracy, submitter)
_ZALANDO_SMALL_MODELS = (
    ("2 Conv+pooling", "None", 0.876, "Kashif Rasul"),
    ("2 Conv+pooling", "None", 0.916, "Tensorflow's doc"),
    ("2 Conv+pooling+ELU activation (PyTorch)", "None", 0.903, "@AbhirajHinge"),
    ("2 Conv", "Normalization, random horizontal flip, random vertical flip, random "
     "translation, random rotation.", 0.919, "Kyriakos Efthymiadis"),
    ("2 Conv <100K parameters", "None", 0.925, "@hardmaru"),
    ("2 Conv ~113K parameters", "Normalization", 0.922, "Abel G."),
    ("2 Conv+3 FC ~1.8M parameters", "Normalization", 0.932, "@Xfan1025"),
    ("2 Conv+3 FC ~500K parameters", "Augmentation, batch normalization", 0.934, "@cmasch"),
    ("2 Conv+pooling+BN", "None", 0.934, "@khanguyen1207"),
    ("2 Conv+2 FC", "Random Horizontal Flips", 0.939, "@ashmeet13"),
    ("3 Conv+2 FC", "None", 0.907, "@Cenk Bircanoğlu"),
    ("3 Conv+pooling+BN", "None", 0.903, "@meghanabhange"),
    ("3 Conv+pooling+2 FC+dropout", "None", 0.926, "@Umberto Griffo"),
    ("3 Conv+BN+pooling", "None", 0.921, "@GunjanChhablani"),
    ("5 Conv+BN+pooling", "None", 0.931, "@Noumanmufc1"),
    ("GRU+SVM", "None", 0.888, "@AFAgarap"),
    ("GRU+SVM with dropout", "None", 0.897, "@AFAgarap"),
    ("MLP 256-128-100", "None", 0.8833, "@heitorrapela"),
    ("HOG+SVM", "HOG", 0.926, "@subalde"),
    ("XgBoost", "scaling the pixel values to mean=0.0 and var=1.0", 0.898, "@anktplwl91"),
    ("Human Performance", "Crowd-sourced evaluation of human (with no fashion expertise) "
     "performance. 1000 randomly sampled test images, 3 labels per image, majority labelling.",
     0.835, "Leo"),
)

_BENCHMARK_COLUMNS = ["classifier", "preprocessing", "test_accuracy", "submitter"]


def parse_benchmark_table(markdown: str) -> pd.DataFrame:
    """Read the benchmark table of Fashion-MNIST's README into a DataFrame.

    Parameters
    ----------
    markdown : str
        The README's text; the table is the one whose header starts with
        ``| Classifier | Preprocessing | Fashion test accuracy``.

    Returns
    -------
    pandas.DataFrame
        Columns ``classifier``, ``preprocessing``, ``test_accuracy`` (float)
        and ``submitter`` (the link text only), in the README's order.

    Examples
    --------
    >>> text = '''| Classifier | Preprocessing | Fashion test accuracy | MNIST test accuracy | Submitter| Code |
    ... | --- | --- | --- | --- | --- |--- |
    ... |2 Conv | None | 0.919 | - | [Someone](https://x.org) | [:link:](https://x.org/c) |
    ... '''
    >>> parse_benchmark_table(text).to_dict("records")
    [{'classifier': '2 Conv', 'preprocessing': 'None', 'test_accuracy': 0.919, 'submitter': 'Someone'}]
    """
    rows: list[tuple[str, str, float, str]] = []
    in_table = False
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            in_table = cells[:3] == ["Classifier", "Preprocessing", "Fashion test accuracy"]
            continue
        if not line.lstrip().startswith("|"):
            break
        if set("".join(cells)) <= set("-: "):
            continue  # the separator line
        submitter = cells[4]
        if submitter.startswith("[") and "]" in submitter:
            submitter = submitter[1:submitter.index("]")]
        rows.append((cells[0], cells[1], float(cells[2]), submitter))
    if not rows:
        raise ValueError("no Fashion-MNIST benchmark table found: expected a header row "
                         "'| Classifier | Preprocessing | Fashion test accuracy | ...'")
    return pd.DataFrame(rows, columns=_BENCHMARK_COLUMNS)


def fashion_mnist_baselines() -> pd.DataFrame:
    """Published Fashion-MNIST test accuracies of small models, and of humans.

    The rows of the benchmark table in Zalando Research's Fashion-MNIST
    README for every CNN with 2 to 5 convolution layers, the
    non-convolutional baselines (GRU+SVM, MLP, HOG+SVM, XGBoost) and crowd-sourced
    human performance. The figures were submitted by their authors and not
    re-tested; training budgets differ. The full table is in the README
    (``parse_benchmark_table`` reads it, e.g. from Debian's copy
    :data:`DEBIAN_FASHION_MNIST_README`).

    Returns
    -------
    pandas.DataFrame
        Columns ``classifier``, ``preprocessing``, ``test_accuracy``,
        ``submitter``, in the README's order.

    Examples
    --------
    >>> table = fashion_mnist_baselines()
    >>> table.loc[table["classifier"] == "Human Performance", "test_accuracy"].item()
    0.835
    """
    return pd.DataFrame(list(_ZALANDO_SMALL_MODELS), columns=_BENCHMARK_COLUMNS)
