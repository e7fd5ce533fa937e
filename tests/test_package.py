"""The package as a wheel: built, installed without ``-e``, all imported.

The editable install used for development imports ``cnncourse`` from the
source tree, so it hides a subpackage that ``pyproject.toml`` leaves out of
the wheel; Colab's ``pip install git+...`` and any wheel would not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import types
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cnncourse"
# What the wheel is built from: the rest of the repository is not packaged.
SOURCES = ("pyproject.toml", "README.md", PACKAGE)

# Run by the fresh environment's Python: import every module that pkgutil
# finds in the installed package, and say where the package came from.
IMPORT_ALL = """
import importlib, json, pkgutil, sys
import cnncourse
names = [m.name for m in
         pkgutil.walk_packages(cnncourse.__path__, "cnncourse.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"file": cnncourse.__file__, "modules": names}))
"""


def _modules(paths: list[str]) -> set[str]:
    """Dotted module names of the ``.py`` files among ``paths`` (``a/b.py``).

    Examples
    --------
    >>> sorted(_modules(["cnncourse/__init__.py", "cnncourse/ex/ch1.py"]))
    ['cnncourse', 'cnncourse.ex.ch1']
    """
    names = set()
    for path in paths:
        if path.endswith(".py"):
            parts = path[:-3].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            names.add(".".join(parts))
    return names


def _source_modules() -> set[str]:
    """The modules of the source tree's package."""
    files = (ROOT / PACKAGE).rglob("*.py")
    return _modules([p.relative_to(ROOT).as_posix() for p in files
                     if "__pycache__" not in p.parts])


def _can_build_offline() -> bool:
    """Can this environment build the wheel without downloading setuptools?"""
    if importlib.util.find_spec("setuptools") is None:
        return False
    return (importlib.util.find_spec("wheel") is not None
            or importlib.util.find_spec("setuptools.command.bdist_wheel")
            is not None)


def _run(*args: str | Path, cwd: Path) -> str:
    """Run a command without PYTHONPATH: its output, or a failure."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n"
                    f"{done.stderr}", pytrace=False)
    return done.stdout


def _wheel(tmp_path: Path) -> Path:
    """Build the package's wheel from a copy of its sources."""
    source = tmp_path / "source"  # setuptools writes build/ beside them
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    isolation = ["--no-build-isolation"] if _can_build_offline() else []
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation,
         "--wheel-dir", tmp_path / "dist", source.resolve(), cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob(f"{PACKAGE}-*.whl")
    return wheel


def _fresh_environment(path: Path) -> Path:
    """A new virtual environment that sees this one's packages; its Python.

    Its own site-packages come first, so the installed wheel, not this
    environment's (editable) ``cnncourse``, is what it imports; this one's
    site-packages follow through a ``.pth`` file for NumPy, Keras and the
    rest (the ``.pth`` files in them, such as the editable install's hook,
    are not run).
    """
    made = types.SimpleNamespace()

    class Builder(venv.EnvBuilder):
        def post_setup(self, context: types.SimpleNamespace) -> None:
            made.python = Path(context.env_exe)

    Builder(with_pip=False).create(path)
    purelib = _run(made.python, "-I", "-c",
                   "import sysconfig; print(sysconfig.get_path('purelib'))",
                   cwd=path).strip()
    ours = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))
    Path(purelib, "outer_environment.pth").write_text("\n".join(ours) + "\n")
    return made.python


@pytest.mark.slow
def test_the_wheel_installs_and_imports_every_module(tmp_path: Path):
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        packaged = _modules(archive.namelist())
    source = _source_modules()
    assert {PACKAGE, f"{PACKAGE}.exercises"} <= source
    assert packaged == source, (
        f"the wheel lacks {sorted(source - packaged)}: pyproject.toml must "
        "find every package under cnncourse/")

    python = _fresh_environment(tmp_path / "venv")
    _run(sys.executable, "-m", "pip", "--python", python, "install",
         "--no-deps", "--no-index", wheel, cwd=tmp_path)
    found = json.loads(_run(python, "-I", "-c", IMPORT_ALL, cwd=tmp_path))

    assert Path(found["file"]).resolve().is_relative_to(
        (tmp_path / "venv").resolve()), found["file"]
    assert set(found["modules"]) | {PACKAGE} == source
