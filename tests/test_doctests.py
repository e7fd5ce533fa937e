"""Every example in the package's docstrings runs and prints what it shows.

The examples are documentation a reader copies; an example that no longer
works is a bug. Modules are found by walking the package, so a new module
(or a subpackage's modules) is checked without being listed here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnncourse

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(cnncourse.__path__, "cnncourse.")
    if not info.name.endswith("__main__"))


def test_the_walk_finds_the_modules():
    assert {"cnncourse.tolerance", "cnncourse.ops"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, report=False)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} docstring examples of {name} fail: "
        f"python -m doctest -v {module.__file__}")
