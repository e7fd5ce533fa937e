"""cnncourse.exercises: every check accepts the right answer and names the usual mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skimage

from cnncourse import exercises, ops
from cnncourse.exercises import EXERCISES, check
from cnncourse.labels import notebook_exercise_labels

ROOT = Path(__file__).resolve().parents[1]
IDS = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3",
       "4.4", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "6.4",
       "7.1", "7.2", "7.3"]
GRADED = [i for i in IDS if EXERCISES[i].grade is not None]
QUESTIONS = [i for i in IDS if EXERCISES[i].question is not None]
FUNCTIONS = [i for i in IDS if EXERCISES[i].stub is not None]
LUMINANCE = np.array([0.2125, 0.7154, 0.0721])


def _feedback(capsys: pytest.CaptureFixture, exercise_id: str, answer: Any) -> tuple[bool, str]:
    """Run ``check`` and return its result and the one line it printed."""
    result = check(exercise_id, answer)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"Exercise {exercise_id}:"), out
    return result, out


# --- the answers ------------------------------------------------------------------------


def _plus(row: int = 3, col: int = 3, scale: int = 1, thick: int = 1) -> np.ndarray:
    image = np.zeros((7, 7), dtype=np.uint8)
    image[row:row + thick, :] = scale
    image[:, col] = scale
    return image


def _brighten(image: np.ndarray) -> np.ndarray:
    return np.clip(image.astype(np.float32) * 1.3, 0, 255).round().astype(np.uint8)


def _brighten_truncated(image: np.ndarray) -> np.ndarray:
    return np.clip(image * 1.3, 0, 255).astype(np.uint8)


def _brighten_wrapping(image: np.ndarray) -> np.ndarray:
    return (image.astype(np.uint16) * 13 // 10).astype(np.uint8)


def _chelsea_gray() -> np.ndarray:
    return (skimage.data.chelsea() / 255) @ LUMINANCE


def _flat_outputs() -> dict[str, float]:
    flat = np.full((5, 5), 0.5)
    return {name: float(ops.conv2d(flat, k)[0, 0]) for name, k in ops.CLASSIC_KERNELS.items()}


FASHION_COUNTS = [144, 64, 6_912, 192, 41_472, 384, 221_440, 2_570]


def _recall(y_true, y_pred, class_names) -> pd.Series:
    return pd.Series([(y_pred[y_true == c] == c).mean() for c in range(10)], index=class_names)


def _precision(y_true, y_pred, class_names) -> pd.Series:
    return pd.Series([(y_true[y_pred == c] == c).mean() for c in range(10)],
                     index=class_names).sort_values()


def _mirror(flip):
    def average(model, x):
        return (model.predict(x, verbose=0)[:, 0] + model.predict(flip(x), verbose=0)[:, 0]) / 2
    return average


def _positions(size, patch, stride):
    n = (size - patch) // stride + 1
    return (n + bool((size - patch) % stride)) ** 2


def _verdicts(model, x):
    p, q = model.predict(x, verbose=0)[:, 0], model.predict(x[:, :, ::-1], verbose=0)[:, 0]
    return ((p > 0.5).astype(float) + (q > 0.5)) / 2


RIGHT = {
    "1.1": [_plus(), _plus().astype(bool), 13],
    "1.2": [_brighten, _brighten_truncated],
    "1.3": [_chelsea_gray(), _chelsea_gray().astype(np.float32),
            skimage.color.rgb2gray(skimage.data.chelsea())],
    "2.1": [(1, -6), [1.0, np.float32(-6.0)]],
    "2.2": [_flat_outputs(), {name.lower(): v for name, v in _flat_outputs().items()}],
    "2.3": [1216, np.int64(1216)],
    "3.1": [(112, 56, (2, 3)), [112, 56, [2, 3]]],
    "3.2": [(31, 4)],
    "3.3": [(2, (1, 2)), (2.0, [1, 2])],
    "4.1": [9_437_248],
    "4.2": [(True, False), np.array([True, False])],
    "4.3": [(27, 27, 0)],
    "5.1": [273_178, FASHION_COUNTS],
    "5.2": [lambda y_true, y_pred, names: _recall(y_true, y_pred, names).sort_values()],
    "5.3": [lambda probs, n: np.argsort(probs.max(axis=1))[:n]],
    "6.1": [_mirror(lambda x: x[:, :, ::-1])],
    "6.2": [lambda x: x.mean(axis=-1, keepdims=True).repeat(3, axis=-1)],
    "6.4": [_positions, lambda size, patch, stride: np.int64(_positions(size, patch, stride))],
    "7.1": [lambda x: x / 127.5 - 1, lambda x: (np.asarray(x) - 127.5) / 127.5],
}

def _cnn(*layers, inputs=(28, 28, 1)):
    import keras

    return keras.Sequential([keras.Input(inputs), *layers])


def _layers(name: str):
    """Keras layers for 4.4's mistakes, made when the test runs."""
    from keras import layers

    conv, pool = layers.Conv2D(8, 3, activation="relu"), layers.MaxPooling2D(2)
    head = [layers.Flatten(), layers.Dense(10, activation="softmax")]
    return {"good": [conv, pool, *head],
            "dense only": head,
            "no pooling": [conv, layers.Conv2D(32, 3), *head],
            "3 classes": [conv, pool, layers.Flatten(), layers.Dense(3)],
            "no softmax": [conv, pool, layers.Flatten(), layers.Dense(10)]}[name]


class _Lazy:
    """An answer built when the test runs (Keras models, not at import)."""

    def __init__(self, make):
        self.make = make


WRONG = [
    # 4.4 build a CNN (the mistakes found before any training)
    ("4.4", _Lazy(lambda: _cnn(*_layers("dense only"))), "no Conv2D layer"),
    ("4.4", _Lazy(lambda: _cnn(*_layers("no pooling"))), "no pooling layer"),
    ("4.4", _Lazy(lambda: _cnn(*_layers("3 classes"))), "has 10 classes"),
    ("4.4", _Lazy(lambda: _cnn(*_layers("no softmax"))), "activation is linear"),
    ("4.4", _Lazy(lambda: _cnn(*_layers("good"), inputs=(32, 32, 1))),
     "images are 28×28 with one channel"),
    ("4.4", _Lazy(lambda: __import__("keras").Sequential()), "no layers"),
    ("4.4", np.zeros((28, 28)), "give the model itself"),
    # 1.1 the plus sign
    ("1.1", _plus(row=4, col=4), "off the middle"),
    ("1.1", _plus(row=2, col=2), "counts from 0"),
    ("1.1", _plus(thick=2), "pixels thick"),
    ("1.1", _plus(scale=255), "a binary image holds 0 (black) and 1 (white)"),
    ("1.1", np.zeros((7, 7, 3)), "shape (7, 7, 3)"),
    ("1.1", np.zeros((6, 6)), "shape (6, 6)"),
    ("1.1", 14, "counts the centre twice"),
    ("1.1", 1 - _plus(), "colours are swapped"),
    ("1.1", np.where(np.arange(7) == 3, 1, 0)[None].repeat(7, 0), "only one bar"),
    # 1.2 brighten
    ("1.2", _brighten_wrapping, "wraps around"),
    ("1.2", lambda image: image * 1.3, "not clipped"),
    ("1.2", lambda image: np.clip(image * 1.3, 0, 255), "dtype float64"),
    ("1.2", lambda image: image + 80, "adds 80"),
    ("1.2", lambda image: np.clip(image.astype(int) + 80, 0, 255).astype(np.uint8), "adds 80"),
    ("1.2", lambda image: image.astype(int) * 13 // 10, "int64 with values up to 331"),
    ("1.2", lambda image: np.clip(image * 1.1, 0, 255).astype(np.uint8), "not 1.3 times as bright"),
    ("1.2", lambda image: image[..., 0], "keeps the shape"),
    # 1.3 grayscale
    ("1.3", skimage.data.chelsea() @ LUMINANCE, "divide by 255"),
    ("1.3", skimage.data.chelsea().mean(axis=-1) / 255, "plain mean of R, G and B"),
    ("1.3", (skimage.data.chelsea() / 255) @ LUMINANCE[::-1], "BGR order"),
    ("1.3", _chelsea_gray()[..., None], "keeps a channel axis"),
    ("1.3", np.repeat(_chelsea_gray()[..., None], 3, axis=-1), "keeps a channel axis"),
    ("1.3", _chelsea_gray()[:100], "shape (100, 451)"),
    # 2.1 sharpen values
    ("2.1", np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]), "their sum, one number"),
    ("2.1", (ops.SHARPEN * 1, 1), "not the products themselves"),
    ("2.1", (1, 1), "centred on image[2, 2]"),
    ("2.1", (1, 6), "wrong sign"),
    ("2.1", (-6, 1), "swapped"),
    ("2.1", (1, -6, 0), "give 2 items"),
    ("2.1", ops.conv2d(np.ones((6, 6)), ops.SHARPEN), "the whole map"),
    # 2.2 constant image
    ("2.2", dict.fromkeys(ops.CLASSIC_KERNELS, 0.5), "Sobel and outline weights sum to 0"),
    ("2.2", dict.fromkeys(ops.CLASSIC_KERNELS, 0.0), "0 for every kernel"),
    ("2.2", {"identity": 0.5, "box blur": 0.5}, "missing: Gaussian blur"),
    ("2.2", {**_flat_outputs(), "emboss": 0.0}, "wrong for emboss"),
    ("2.2", {**_flat_outputs(), "laplace": 0.0}, "unknown kernel name"),
    ("2.2", [0.5] * 8, "give a dict"),
    # 2.3 parameters of Conv2D(16, 5)
    ("2.3", 1200, "forgets the biases"),
    ("2.3", 400, "ignores the 3 input channels"),
    ("2.3", 416, "ignores the 3 input channels"),
    ("2.3", 28 * 28 * 16, "grows with the image"),
    ("2.3", 1216.5, "whole number"),
    ("4.1", "9437248", "not the string"),
    ("3.2", ("31", "4"), "not the string"),
    # 3.1 the ResNet-style stem
    ("3.1", (109, 55, (2, 3)), "'valid' formula"),
    ("3.1", (110, 55, (2, 3)), "'valid' formula"),
    ("3.1", (112, 55, (2, 3)), "'valid' pooling"),
    ("3.1", (112, 56, (3, 3)), "ZeroPadding2D(3)"),
    ("3.1", (112, 56, (3, 2)), "swapped"),
    ("3.1", (112, 56, (2.5, 2.5)), "zeros come whole"),
    ("3.1", (112, 56), "give 3 items"),
    ("3.1", (112, 56, 5), "(zeros before, zeros after) as the third item"),
    # 3.2 unpadded 5×5 layers
    ("3.2", (32, 0), "too many"),
    ("3.2", (30, 8), "one more layer fits"),
    ("3.2", (25, 3), "not 5"),
    ("3.2", (31, 3), "128 − 4 × 31 = 4"),
    ("3.2", 31, "give a tuple"),
    # 3.3 symmetric and "same" padding
    ("3.3", (4, (1, 2)), "4 is the total"),
    ("3.3", (2, (2, 1)), "swapped"),
    ("3.3", (1.5, (1, 2)), "4×4 kernel would need"),
    ("3.3", (2, (1.5, 1.5)), "zeros come whole"),
    ("3.3", (2, (2, 2)), "'same' pads 3 in all"),
    # 4.1 the first Dense layer on 200×200 photos
    ("4.1", 9_437_184, "forgets the 64 biases"),
    ("4.1", 49 * 49 * 64 * 64 + 64, "pooling rounds down"),
    ("4.1", 97 * 97 * 64 * 64 + 64, "skips the second pooling"),
    ("4.1", 3_686_464, "128×128 inputs"),
    ("4.1", 50 * 50 * 64 * 64 + 64, "unpadded"),
    ("4.1", 9_476_098, "whole network"),
    # 4.2 pooling and ReLU
    ("4.2", (True, True), "mean of ReLUs is not the ReLU of the mean"),
    ("4.2", (False, False), "non-decreasing"),
    ("4.2", ("yes", "no"), "True or False"),
    ("4.2", True, "give a tuple"),
    # 4.3 AlexNet's overlapping pooling
    ("4.3", (26, 27, 0), "forgets the + 1"),
    ("4.3", (28, 27, 0), "rounds up"),
    ("4.3", (27, 26, 0), "2×2 windows"),
    ("4.3", (27, 27, 9), "pooling has no weights"),
    ("4.3", (27, 27, 4), "pooling has no weights"),
    # 5.1 parameters of fashion_cnn
    ("5.1", 273_178 + 160, "160 too many"),
    ("5.1", 273_178 - 320, "2 numbers a channel"),
    ("5.1", [144 + 16, *FASHION_COUNTS[1:]], "has no bias"),
    ("5.1", FASHION_COUNTS[:-1], "give 8 counts"),
    # 5.2 per-class accuracy
    ("5.2", _precision, "(precision)"),
    ("5.2", lambda y_true, y_pred, names: _recall(y_true, y_pred, names)
     .sort_values(ascending=False), "best to worst"),
    ("5.2", lambda y_true, y_pred, names: _recall(y_true, y_pred, names).to_numpy(),
     "pandas Series"),
    # 5.3 least sure images
    ("5.3", lambda probs, n: np.argsort(probs.max(axis=1))[::-1][:n], "most sure"),
    ("5.3", lambda probs, n: np.argsort(probs.argmax(axis=1), kind="stable")[:n],
     "predicted class"),
    ("5.3", lambda probs, n: np.sort(probs.max(axis=1))[:n], "returned probabilities"),
    # 6.1 mirror averaging
    ("6.1", _mirror(lambda x: x[:, ::-1]), "flips axis 1"),
    ("6.1", _mirror(lambda x: x[..., ::-1]), "colour channels"),
    ("6.1", lambda model, x: model.predict(x, verbose=0)[:, 0], "plain photos' probabilities"),
    ("6.1", _verdicts, "0/1 verdicts"),
    # 6.2 gray photos
    ("6.2", lambda x: x.mean(axis=-1, keepdims=True), "three equal channels"),
    ("6.2", lambda x: (x @ LUMINANCE)[..., None].repeat(3, axis=-1), "luminance weights"),
    ("6.2", lambda x: x.mean(axis=-1), "three equal channels"),
    # 6.4 occlusion's patch positions
    ("6.4", lambda size, patch, stride: ((size - patch) // stride + 1) ** 2, "flush with the border"),
    ("6.4", lambda size, patch, stride: ((size - patch) // stride) ** 2, "forgets the + 1"),
    ("6.4", lambda size, patch, stride: round(_positions(size, patch, stride) ** 0.5), "square it"),
    ("6.4", lambda size, patch, stride: (size // stride) ** 2, "patch's own width"),
    # 7.1 MobileNetV2's preprocessing
    ("7.1", lambda x: x / 255, "chapter 6's range"),
    ("7.1", lambda x: x / 127.5, "subtract 1"),
    ("7.1", lambda x: (x - 127.5) / 255, "[-0.5, 0.5]"),
    ("7.1", lambda x: x - 127.5, "divide by 127.5 too"),
    ("7.1", lambda x: x.mean(axis=-1), "same shape"),
]


# --- every check -----------------------------------------------------------------------


def test_the_registry_holds_exactly_the_course_exercises():
    assert list(EXERCISES) == IDS
    for exercise_id, exercise in EXERCISES.items():
        chapter, k = exercise_id.split(".")
        assert exercise.label == f"ch{int(chapter):02d}-ex{k}"
        assert exercises.by_label(exercise.label) is exercise
        assert exercise.hint and exercise.solution
        assert exercise.grade is not None or exercise.question is not None


# 4.4's right answer is a trained network: tested below, with the data.
TRAINED = {"4.4"}


@pytest.mark.parametrize("exercise_id", [i for i in GRADED if i not in TRAINED])
def test_right_answers_pass(capsys, exercise_id):
    assert exercise_id in RIGHT, f"no right answer tested for {exercise_id}"
    for answer in RIGHT[exercise_id]:
        result, out = _feedback(capsys, exercise_id, answer)
        assert result is True and f"Exercise {exercise_id}: right." in out, out


@pytest.mark.parametrize(("exercise_id", "answer", "phrase"), WRONG,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(WRONG)])
def test_typical_mistakes_are_named(capsys, exercise_id, answer, phrase):
    if isinstance(answer, _Lazy):
        answer = answer.make()
    result, out = _feedback(capsys, exercise_id, answer)
    assert result is False
    assert "not yet." in out and "It raised" not in out, out
    assert phrase in out, out


@pytest.mark.parametrize("exercise_id", GRADED)
def test_every_graded_exercise_has_two_named_mistakes(exercise_id):
    assert len({phrase for e, _, phrase in WRONG if e == exercise_id}) >= 2


def _needs_fashion_mnist() -> None:
    from cnncourse.datasets import DataUnavailableError, find_fashion_mnist

    try:
        find_fashion_mnist(download=False)
    except DataUnavailableError as missing:
        pytest.skip(str(missing))


def test_4_4_an_untrained_cnn_is_at_chance(capsys):
    _needs_fashion_mnist()
    result, out = _feedback(capsys, "4.4", _cnn(*_layers("good")))
    assert result is False and "about chance" in out, out


def test_4_4_a_big_network_is_over_budget(capsys):
    from keras import layers

    big = _cnn(layers.Conv2D(32, 3), layers.MaxPooling2D(2), layers.Flatten(),
               layers.Dense(10, activation="softmax"))  # 13×13×32×10 weights
    result, out = _feedback(capsys, "4.4", big)
    assert result is False and "more than 50,000" in out, out


@pytest.mark.slow
def test_4_4_the_solution_trains_in_seconds_and_passes(capsys):
    """The solution of the chapter, as a learner would run it."""
    import time

    import keras

    from cnncourse import datasets, repro

    _needs_fashion_mnist()
    repro.setup()
    (x_train, y_train), _ = datasets.load_fashion_mnist()
    x = (x_train[:6000, ..., None] / 255).astype("float32")
    model = _cnn(keras.layers.Conv2D(16, 3, activation="relu"),
                 keras.layers.MaxPooling2D(2),
                 keras.layers.Conv2D(32, 3, activation="relu"),
                 keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                 keras.layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y_train[:6000], epochs=5, batch_size=32, verbose=0)
    seconds = time.perf_counter() - start
    result, out = _feedback(capsys, "4.4", model)
    assert result is True and "12,810 parameters" in out, out
    assert seconds < 120, f"exercise 4.4 trained for {seconds:.0f} s"


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_function_checks_are_deterministic(capsys, exercise_id):
    answers = [a for e, a, _ in WRONG if e == exercise_id] + RIGHT[exercise_id]
    first = [_feedback(capsys, exercise_id, a) for a in answers]
    assert [_feedback(capsys, exercise_id, a) for a in answers] == first


@pytest.mark.parametrize("exercise_id", QUESTIONS)
def test_questions_accept_their_letter_only(capsys, exercise_id):
    question = EXERCISES[exercise_id].question
    assert question.right in question.choices and set(question.why) == set(question.choices)
    for letter in question.choices:
        for spelling in (letter, f" ({letter.upper()}) "):
            result, out = _feedback(capsys, exercise_id, spelling)
            assert result is (letter == question.right), out
            assert question.why[letter] in out
    result, out = _feedback(capsys, exercise_id, "z")
    assert result is False and "answer with one letter" in out


@pytest.mark.parametrize("exercise_id", [i for i in IDS if EXERCISES[i].grade is None])
def test_a_question_only_exercise_asks_for_a_letter(capsys, exercise_id):
    result, out = _feedback(capsys, exercise_id, 2)
    assert result is False and "answer with a letter" in out


# --- answers of any kind never raise ---------------------------------------------------


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("blank", [..., None], ids=["ellipsis", "None"])
def test_blank_answers_are_not_answered_yet(capsys, exercise_id, blank):
    result, out = _feedback(capsys, exercise_id, blank)
    assert result is False and "not answered yet" in out


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_a_stub_function_is_not_answered_yet(capsys, exercise_id):
    def stub(*args):
        ...

    result, out = _feedback(capsys, exercise_id, stub)
    assert result is False and "not answered yet" in out and "returns nothing" in out


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_a_function_that_raises_is_reported(capsys, exercise_id):
    def broken(*args):
        raise IndexError("index 9 is out of bounds")

    result, out = _feedback(capsys, exercise_id, broken)
    assert result is False and "It raised IndexError: index 9 is out of bounds" in out


ODD_ANSWERS = [0, -1.5, True, "", [], (), {}, [[1, 2], [3]], np.zeros(3), np.zeros((2, 2, 2)),
               object(), ("a", "b", "c"), float("nan"), len]


@pytest.mark.parametrize("exercise_id", GRADED)
def test_answers_of_any_type_get_feedback_not_an_exception(capsys, exercise_id):
    for answer in ODD_ANSWERS:
        result, out = _feedback(capsys, exercise_id, answer)
        assert result is False, (answer, out)
        if exercise_id not in FUNCTIONS:  # a wrong type is explained, not a crash report
            assert "It raised" not in out, (answer, out)


def test_an_unknown_exercise_raises_key_error():
    with pytest.raises(KeyError, match="9.1"):
        check("9.1", 1)
    with pytest.raises(KeyError):
        exercises.hint("1.4")
    assert exercises.by_label("ch09-ex1") is None


@pytest.mark.parametrize("exercise_id", IDS)
def test_hint_solution_and_question_print(capsys, exercise_id):
    exercises.hint(exercise_id)
    exercises.solution(exercise_id)
    exercises.question(exercise_id)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"Exercise {exercise_id}, hint: ")
    assert lines[1].startswith(f"Exercise {exercise_id}, solution: ")
    question = EXERCISES[exercise_id].question
    if question is None:
        assert "has no multiple-choice question" in lines[2]
    else:
        assert lines[2] == f"Exercise {exercise_id}: {question.text}"
        assert len(lines) == 3 + len(question.choices)


# --- the notebooks and the student copies ----------------------------------------------


def _notebook_labels() -> dict[str, list[str | None]]:
    """Chapter number → the ``{exercise}`` labels of its notebook, in order."""
    return {str(int(path.name[:2])): notebook_exercise_labels(path)
            for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))}


def test_every_exercise_of_the_notebooks_has_a_check_and_vice_versa():
    in_notebooks = {f"{chapter}.{k}": label for chapter, labels in _notebook_labels().items()
                    for k, label in enumerate(labels, start=1)}
    assert in_notebooks == {i: e.label for i, e in EXERCISES.items()}


@pytest.mark.parametrize("exercise_id", IDS)
def test_student_cells_run_and_say_not_answered_yet(capsys, exercise_id):
    exercise = EXERCISES[exercise_id]
    source = "\n".join(["from cnncourse import exercises", exercise.answer_cell,
                        exercise.check_cell])
    exec(compile(source, f"<exercise {exercise_id}>", "exec"), {})  # noqa: S102
    out = capsys.readouterr().out
    calls = exercise.check_cell.count("exercises.check(")
    assert calls == (exercise.grade is not None) + (exercise.question is not None)
    assert out.count("not answered yet") == calls, out
    assert exercise.variable in exercise.answer_cell + exercise.check_cell


def test_the_docstring_examples_hold():
    import doctest

    result = doctest.testmod(exercises, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 8 and result.failed == 0


# --- the multiple-choice questions as a set -------------------------------------------


def mc_spread_problems(questions: dict[str, "Question"]) -> list[str]:
    """What is wrong with the spread of the right answers, if anything.

    Every letter in use is right at least once, no letter is right in more
    than half the questions, and the right answer is the longest option in
    at most half of them (a learner must not win by picking the longest).
    """
    problems = []
    letters = {letter for q in questions.values() for letter in q.choices}
    right = {letter: sorted(i for i, q in questions.items() if q.right == letter)
             for letter in sorted(letters)}
    for letter, ids in right.items():
        if not ids:
            problems.append(f'"{letter}" is never the right answer')
        if len(ids) > len(questions) / 2:
            problems.append(f'"{letter}" is right in more than half: {ids}')
    longest = sorted(i for i, q in questions.items()
                     if all(len(q.choices[q.right]) > len(text)
                            for letter, text in q.choices.items()
                            if letter != q.right))
    if len(longest) > len(questions) / 2:
        problems.append(f"the right answer is the longest option in {longest}")
    return problems


def _question(right: str, long: str = "") -> "Question":
    from cnncourse.exercises.grading import Question

    choices = {"a": "one", "b": "two", "c": "six"}
    if long:
        choices[long] += " and much longer than the others"
    return Question(text="?", choices=choices, right=right, why=dict.fromkeys(choices, ""))


def test_the_spread_check_can_fail():
    assert mc_spread_problems({"1": _question("a"), "2": _question("b"),
                               "3": _question("c")}) == []
    assert mc_spread_problems({"1": _question("b"), "2": _question("b"),
                               "3": _question("c")}) == [
        '"a" is never the right answer', '"b" is right in more than half: [\'1\', \'2\']']
    assert mc_spread_problems({"1": _question("a", "a"), "2": _question("b", "b"),
                               "3": _question("c")}) == [
        "the right answer is the longest option in ['1', '2']"]


def test_multiple_choice_answers_are_spread():
    """Issue 25: every letter right sometimes, none most of the time, and
    the right answer not given away by being the longest."""
    questions = {i: e.question for i, e in EXERCISES.items() if e.question is not None}
    assert len(questions) >= 3
    problems = mc_spread_problems(questions)
    assert not problems, "; ".join(problems)
