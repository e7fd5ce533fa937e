"""Tests of tests/sanitize.cfg, nbval's rules for outputs that vary between runs.

The rules are read the way nbval reads them and applied in the same order,
to lines the chapters print (or would print on a faster or slower machine).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CFG = Path(__file__).with_name("sanitize.cfg")


def _rules() -> list[tuple[str, str]]:
    try:
        from nbval.plugin import get_sanitize_patterns
    except ImportError:  # the same parsing as nbval 0.11
        def get_sanitize_patterns(text: str) -> list[tuple[str, str]]:
            return re.findall("^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)
    return list(get_sanitize_patterns(CFG.read_text()))


RULES = _rules()


def sanitize(text: str) -> str:
    """What nbval compares: every rule in turn, as ``IPyNbCell.sanitize`` does."""
    for regex, replace in RULES:
        text = re.sub(regex, replace, text)
    return text


def test_every_section_has_a_rule_nbval_can_read():
    sections = re.findall(r"^\[(.+)\]$", CFG.read_text(), flags=re.MULTILINE)
    assert len(RULES) == len(sections) >= 5
    for regex, replace in RULES:
        re.compile(regex)
        assert regex == regex.strip() and replace == replace.rstrip(), (regex, replace)


@pytest.mark.parametrize("line, expected", [
    ("1500/1500 - 18s - 12ms/step - accuracy: 0.8446",
     "1500/1500 - Ts - T/step - accuracy: 0.8446"),
    ("110/110 - 103s - 1s/step - accuracy: 0.7483", "110/110 - Ts - T/step - accuracy: 0.7483"),
    ("110/110 - 1s/step", "110/110 - T/step"),
    ("469/469 - 3s - 940us/step", "469/469 - Ts - T/step"),  # Keras below 1 ms a step
    ("469/469 - 3s - 940µs/step", "469/469 - Ts - T/step"),
    ("trained in 1,280 s", "trained in T"),
    ("trained in 1280 s", "trained in T"),
    ("trained in 50.9 s", "trained in T"),
    ("trained in 1,050.9 s", "trained in T"),
    ("110 batches in 0.7 s", "110 batches in T"),
    ("training time: 1,280 s against 362 s for the article",
     "training time: T against T for the article"),
    ("in 12 min, or 3 minutes, or 5 seconds", "in T, or T, or T"),
    ("(50.9 s)", "(T)"),
    ("<td>616.4 s</td>", "<td>T</td>"),
    ("<__main__.A object at 0x7f3a2b1c9d10>", "<__main__.A object at 0xADDRESS>"),
])
def test_times_and_addresses_are_masked(line, expected):
    assert sanitize(line) == expected


@pytest.mark.parametrize("line", [
    "accuracy: 0.8446 - loss: 0.3479 - val_accuracy: 0.8768",
    "381,658 parameters",
    "693,722 parameters; 1147 test errors",
    "Epoch 3/10",
    "28x28: 13 layers fit, the last one outputs 2x2",
    "version v0.5s of the model",  # a number inside a word
    "x0.5s",
    "5 steps of 32 samples, 10 classes",
    "see figures 3 and 4; tensors of shape (None, 26, 26, 8)",
    "T-shirt/top   Trouser   Pullover",
])
def test_other_numbers_are_left_alone(line):
    assert sanitize(line) == line


def test_a_time_column_that_gains_a_digit_still_compares_equal():
    """pandas right-aligns a column: a shorter time gets one more space before it."""
    stored = ("variant   accuracy training time\n"
              "one        0.8848        14.6 s  \n"
              "two        0.8846       134.7 s  \n")
    faster = ("variant   accuracy training time\n"
              "one        0.8848         9.8 s  \n"
              "two        0.8846        34.7 s  \n")
    assert sanitize(stored) == sanitize(faster)
    assert "0.8848 T\n" in sanitize(stored)


def test_a_real_difference_is_still_seen():
    assert sanitize("1500/1500 - 18s - 12ms/step - accuracy: 0.8446") != sanitize(
        "1500/1500 - 18s - 12ms/step - accuracy: 0.8447")
    assert sanitize("trained in 50.9 s: 0.8853") != sanitize("trained in 50.9 s: 0.8854")
    assert sanitize("2 layers") != sanitize("3 layers")
