"""A room kit for a workshop without internet: ``python -m cnncourse kit``.

An instructor runs it the day before, on a machine with internet, and
copies the folder it writes to USB sticks. The kit holds:

``wheelhouse/<platform>-py3XX/``
    every wheel a learner's virtual environment needs, for each learner
    platform (:data:`PLATFORMS`) and Python (:data:`PYTHONS`), with
    ``requirements.txt``, the exact versions to install. pip judges
    environment markers by the machine it runs on, so each target is first
    locked with ``uv pip compile --python-platform ... --python-version
    ...``, then downloaded with ``pip download --no-deps --platform ...``.
    The course's helper package comes as a wheel built from this folder.
``notebooks/``
    the student copies (:mod:`cnncourse.student`).
``data/``
    a ``CNNCOURSE_DATA`` folder: Fashion-MNIST's four files, the first
    :data:`PHOTOS_PER_CLASS` photos of each class of the dogs-vs-cats copy
    this machine has (with ``SHA256SUMS``), and chapter 7's MobileNetV2
    weights when :mod:`cnncourse.pretrained` finds them.
``INSTALL.md``
    the commands learners type on each operating system.

A target whose lock or download fails does not stop the others; the summary
at the end lists what failed.

Examples
--------
>>> [t.folder for t in targets(["linux"], ["3.11", "3.12"])]
['linux-py311', 'linux-py312']
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_PYTHON", "PHOTOS_PER_CLASS", "PLATFORMS", "PYTHONS",
           "Platform", "Target", "copy_photos", "download_command",
           "install_text", "lock_command", "locked_requirements",
           "sha256sums", "targets", "write_kit"]

PYTHONS = ("3.11", "3.12", "3.13")
DEFAULT_PYTHON = "3.12"
# Chapter 6's N_PER_CLASS (a test checks it): with as many photos, the
# chapter picks the very photos, splits and numbers it does on the site.
PHOTOS_PER_CLASS = 2500

Runner = Callable[..., subprocess.CompletedProcess]


@dataclass(frozen=True)
class Platform:
    """A learner platform: its name for uv (a target triple) and for pip."""

    key: str  # the name on the command line and in folder names
    title: str
    triple: str  # uv's --python-platform
    tags: tuple[str, ...]  # pip's --platform values, newest first


def _manylinux(machine: str, newest: int = 28, oldest: int = 17
               ) -> tuple[str, ...]:
    """glibc 2.28 (Debian 10, Ubuntu 20.04 have newer) down to manylinux1.

    pip does not expand ``manylinux_2_28`` to older tags itself.
    """
    new = [f"manylinux_2_{v}_{machine}" for v in range(newest, oldest - 1, -1)]
    return (*new, f"manylinux2014_{machine}", f"manylinux2010_{machine}",
            f"manylinux1_{machine}")


PLATFORMS: dict[str, Platform] = {
    "linux": Platform("linux", "Linux x86-64", "x86_64-unknown-linux-gnu",
                      _manylinux("x86_64")),
    # uv's default minimum macOS is 13.0; pip expands this to older ones.
    "macos": Platform("macos", "macOS arm64 (Apple silicon)",
                      "aarch64-apple-darwin", ("macosx_13_0_arm64",)),
    "windows": Platform("windows", "Windows amd64", "x86_64-pc-windows-msvc",
                        ("win_amd64",)),
}


@dataclass(frozen=True)
class Target:
    """One wheelhouse: a platform and a Python version."""

    platform: Platform
    python: str  # "3.12"

    @property
    def folder(self) -> str:
        return f"{self.platform.key}-py{self.python.replace('.', '')}"


def targets(platforms: Iterable[str] = tuple(PLATFORMS),
            pythons: Iterable[str] = PYTHONS) -> list[Target]:
    """Every (platform, Python) pair asked for, in a fixed order.

    Raises
    ------
    ValueError
        For a platform not in :data:`PLATFORMS` or a Python not of the form
        ``3.N``.

    Examples
    --------
    >>> [t.folder for t in targets(["windows"], ["3.13"])]
    ['windows-py313']
    """
    pythons = list(pythons)
    for python in pythons:
        major, _, minor = python.partition(".")
        if major != "3" or not minor.isdigit():
            raise ValueError(f"a Python version looks like 3.12, got {python}")
    chosen = []
    for key in platforms:
        if key not in PLATFORMS:
            raise ValueError(f"unknown platform {key}; choose from "
                             f"{', '.join(PLATFORMS)}")
        chosen += [Target(PLATFORMS[key], python) for python in pythons]
    return chosen


def locked_requirements(text: str) -> str:
    """The learner requirements without ``-e``/``-r`` lines, for locking.

    The course's package is not on the index: the kit ships it as a wheel.

    Examples
    --------
    >>> locked_requirements("keras==3.15.1\\n-e .\\n")
    'keras==3.15.1\\n'
    """
    lines = [line for line in text.splitlines()
             if not line.strip().startswith(("-e", "-r", "--editable"))]
    return "\n".join(lines) + "\n"


def lock_command(uv: str, requirements: Path, target: Target) -> list[str]:
    """``uv pip compile`` that pins every package for ``target``, wheels only.

    Examples
    --------
    >>> cmd = lock_command("uv", Path("r.in"), targets(["macos"], ["3.12"])[0])
    >>> cmd[cmd.index("--python-platform") + 1]
    'aarch64-apple-darwin'
    """
    return [uv, "pip", "compile", str(requirements),
            "--python-platform", target.platform.triple,
            "--python-version", target.python, "--only-binary", ":all:",
            "--quiet", "--no-header", "--no-annotate"]


def download_command(lock: Path, dest: Path, target: Target) -> list[str]:
    """``pip download`` of the locked wheels for ``target`` into ``dest``.

    Examples
    --------
    >>> cmd = download_command(Path("l"), Path("d"),
    ...                        targets(["windows"], ["3.11"])[0])
    >>> cmd[cmd.index("--platform") + 1], cmd[cmd.index("--abi") + 1]
    ('win_amd64', 'cp311')
    """
    version = target.python.replace(".", "")
    platforms = [arg for tag in target.platform.tags
                 for arg in ("--platform", tag)]
    return [sys.executable, "-m", "pip", "download", "--no-deps",
            "--only-binary=:all:", *platforms, "--python-version", version,
            "--implementation", "cp", "--abi", f"cp{version}", "--abi",
            "abi3", "--abi", "none", "--disable-pip-version-check",
            "--quiet", "-d", str(dest), "-r", str(lock)]


def sha256sums(folder: Path, names: Iterable[str]) -> str:
    """``sha256sum``'s lines for ``names`` (relative to ``folder``).

    ``sha256sum -c SHA256SUMS`` checks them (``shasum -a 256 -c`` on macOS).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "a").write_bytes(b"")
    >>> sha256sums(d, ["a"])[:16]
    'e3b0c44298fc1c14'
    """
    lines = []
    for name in names:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}")
    return "\n".join(lines) + "\n"


def copy_photos(dest: Path, n_per_class: int = PHOTOS_PER_CLASS,
                source: Path | None = None) -> int:
    """Copy the first ``n_per_class`` photos of each class into ``dest``.

    "First" as :func:`cnncourse.datasets.dogs_vs_cats_frame` orders them,
    so chapter 6 with ``N_PER_CLASS`` at most ``n_per_class`` reads the
    same photos from the kit. Each keeps its path below the data set's
    folder (``train/cat.0.jpg`` or ``PetImages/Cat/0.jpg``);
    ``dest/SHA256SUMS`` lists them all. Returns how many were copied.

    Raises
    ------
    cnncourse.datasets.DataUnavailableError
        When this machine has no photos (nothing is downloaded).
    """
    from cnncourse import datasets

    root = datasets.find_dogs_vs_cats(source, download=False).resolve()
    frame = datasets.dogs_vs_cats_frame(root, n_per_class=n_per_class)
    names = [Path(f).relative_to(root).as_posix() for f in frame["filename"]]
    for name in names:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, dest / name)
    (dest / "SHA256SUMS").write_text(sha256sums(dest, names),
                                     encoding="utf-8")
    return len(names)


def _copy_fashion_mnist(dest: Path) -> str:
    from cnncourse import datasets

    folder = datasets.find_fashion_mnist()
    dest.mkdir(parents=True, exist_ok=True)
    names = [f.name for f in datasets.FASHION_MNIST_FILES]
    for name in names:
        shutil.copyfile(folder / name, dest / name)
    (dest / "SHA256SUMS").write_text(sha256sums(dest, names),
                                     encoding="utf-8")
    return f"4 files from {folder}"


def _copy_weights(data: Path) -> str:
    """Chapter 7's weights, into the place the learners' copy looks first."""
    from cnncourse import pretrained, repro

    repro.quiet_tensorflow()
    repro.quiet_import("keras")  # no TensorFlow start-up lines
    found = pretrained.find_mobilenet_v2(download=False)
    shared = pretrained.SHARED_FILES.get(pretrained.ALPHA)
    if found.name == shared:
        dest = data / pretrained.FOLDER / found.name
    else:  # Keras's own file: learners copy it into ~/.keras/models
        dest = data / "keras-models" / found.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(found, dest)
    return f"{dest.relative_to(data.parent)} from {found}"


# What the course's wheel is built from (as tests/test_package.py does).
WHEEL_SOURCES = ("pyproject.toml", "README.md", "cnncourse")


def _wheel(root: Path, dest: Path, run: Runner) -> Path:
    """Build the course's package as a wheel into ``dest``.

    From a copy of its sources: setuptools writes ``build/`` beside them.
    """
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        for name in WHEEL_SOURCES:
            if (root / name).is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
                shutil.copytree(root / name, source / name, ignore=ignore)
            else:
                shutil.copy2(root / name, source / name)
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
             "--disable-pip-version-check", "-w", str(dest.resolve()),
             str(source)], check=True, capture_output=True, text=True)
    built = sorted(dest.glob("cnncourse-*.whl"))
    if not built:
        raise FileNotFoundError(
            f"pip wheel wrote no cnncourse wheel in {dest}")
    return built[-1]


def _wheelhouse(target: Target, lock_input: Path, package: Path,
                out: Path, uv: str, run: Runner, download: bool) -> str:
    """Lock and download one target; returns a one-line result."""
    dest = out / "wheelhouse" / target.folder
    dest.mkdir(parents=True, exist_ok=True)
    locked = run(lock_command(uv, lock_input, target), check=True,
                 capture_output=True, text=True).stdout
    lock = dest / "lock.txt"
    lock.write_text(locked, encoding="utf-8")
    pins = [line for line in locked.splitlines()
            if line and not line.startswith("#")]
    version = package.name.split("-")[1]
    (dest / "requirements.txt").write_text(
        locked + f"cnncourse=={version}\n", encoding="utf-8")
    shutil.copyfile(package, dest / package.name)
    if not download:
        return f"locked {len(pins)} packages (not downloaded)"
    run(download_command(lock, dest, target), check=True,
        capture_output=True, text=True)
    wheels = list(dest.glob("*.whl"))
    size = sum(w.stat().st_size for w in wheels) / 1e6
    return f"{len(wheels)} wheels, {size:,.0f} MB"


def _error(exc: Exception) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        lines = (exc.stderr or exc.stdout or "").strip().splitlines()
        return " / ".join(lines[-3:]) or f"exit status {exc.returncode}"
    return f"{type(exc).__name__}: {exc}"


def _uv() -> str:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found:
            return found
    raise FileNotFoundError("uv is not installed; the kit needs it to lock "
                            "each platform: `pip install uv`")


def write_kit(out: str | Path, chosen: Sequence[Target], *,
              root: str | Path | None = None,
              photos_per_class: int = PHOTOS_PER_CLASS,
              download: bool = True, run: Runner = subprocess.run,
              uv: str | None = None, say: Callable[[str], None] = print
              ) -> dict[str, str]:
    """Write the room kit into ``out``; return each part's result.

    Parameters
    ----------
    out : path
        The kit's folder (created; an earlier kit there is added to).
    chosen : list of Target
        The wheelhouses to make (:func:`targets`).
    root : path, optional
        The course's folder (default: found from the current one).
    photos_per_class : int
        How many photos of each class to copy for chapter 6 (0: none).
    download : bool
        False locks each target but downloads no wheels (their list is
        ``wheelhouse/<target>/lock.txt``).
    run, uv
        ``subprocess.run`` and the uv executable (tests replace them).

    Returns
    -------
    dict
        Part (``"linux-py311"``, ``"notebooks"``, ``"data/fashion-mnist"``,
        ...) to a one-line result; failed parts' lines start with
        ``"FAILED"``.

    Examples
    --------
    >>> write_kit("kit", targets(["linux"], ["3.11"]))  # doctest: +SKIP
    {'linux-py311': '101 wheels, 690 MB', ...}
    """
    from cnncourse import book, student
    from cnncourse.datasets import DataUnavailableError

    out, root = Path(out), book.find_root(root)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, str] = {}

    def part(name: str, make: Callable[[], str]) -> None:
        try:
            results[name] = make()
        except (subprocess.CalledProcessError, OSError,
                DataUnavailableError, ValueError) as exc:
            results[name] = f"FAILED: {_error(exc)}"
        say(f"{name:<24} {results[name]}")

    if chosen:
        uv = uv or _uv()
        package = _wheel(root, out / "wheelhouse", run)
        with tempfile.TemporaryDirectory() as tmp:
            lock_input = Path(tmp) / "requirements-learner.in"
            lock_input.write_text(locked_requirements(
                (root / "requirements-learner.txt").read_text("utf-8")),
                encoding="utf-8")
            for target in chosen:
                part(target.folder, lambda t=target: _wheelhouse(
                    t, lock_input, package, out, uv, run, download))
        package.unlink()  # a copy is in each wheelhouse
    def notebooks() -> str:
        written = student.write_student_notebooks(out / "notebooks", root)
        # the benchmark results chapters read from data/ beside them, which
        # they would otherwise fetch from GitHub (chapters 4 and 7)
        tables = sorted((root / "chapters" / "data").glob("*.csv"))
        (out / "notebooks" / "data").mkdir(exist_ok=True)
        for table in tables:
            shutil.copy2(table, out / "notebooks" / "data" / table.name)
        return (f"{len(written)} student notebooks, "
                f"{len(tables)} result tables")

    part("notebooks", notebooks)
    data = out / "data"
    part("data/fashion-mnist",
         lambda: _copy_fashion_mnist(data / "fashion-mnist"))
    if photos_per_class:
        def photos() -> str:
            n = copy_photos(data / "dogs-vs-cats", photos_per_class)
            return f"{n:,} photos, first {photos_per_class} of each class"

        part("data/dogs-vs-cats", photos)
    part("data/keras-applications", lambda: _copy_weights(data))
    (out / "INSTALL.md").write_text(
        install_text([t for t in chosen
                      if not results[t.folder].startswith("FAILED")],
                     keras_models=(data / "keras-models").is_dir()),
        encoding="utf-8")
    return results


def install_text(made: Sequence[Target], *, keras_models: bool = False
                 ) -> str:
    """INSTALL.md: what learners type on each OS to install from the kit.

    ``keras_models``: the kit has Keras's own weights file in
    ``data/keras-models/``, which learners copy into Keras's cache.

    Examples
    --------
    >>> "wheelhouse/linux-py312" in install_text(targets(["linux"], ["3.12"]))
    True
    """
    text = [
        "# Installing the course from this kit (no internet needed)",
        "",
        "Copy this folder to your laptop (or work from the USB stick), open",
        "a terminal in it, and type the commands for your system. Use the",
        f"wheelhouse of your Python version; Python {DEFAULT_PYTHON} is the",
        "default. `python --version` says which one you have.",
        "",
        "Wheelhouses in this kit:",
        "",
        *(f"- `wheelhouse/{t.folder}`: {t.platform.title}, "
          f"Python {t.python}" for t in made),
        "",
    ]
    for key, plat in PLATFORMS.items():
        ours = [t for t in made if t.platform.key == key]
        if not ours:
            continue
        python = next((t.python for t in ours if t.python == DEFAULT_PYTHON),
                      ours[0].python)
        house = f"wheelhouse/{key}-py{python.replace('.', '')}"
        text += [f"## {plat.title}", ""]
        if key == "windows":
            house = house.replace("/", "\\")
            text += [
                "In PowerShell (if `Activate.ps1` is refused, first run",
                "`Set-ExecutionPolicy -Scope CurrentUser RemoteSigned`):",
                "",
                "```powershell",
                f"py -{python} -m venv $HOME\\cnncourse-venv",
                "$HOME\\cnncourse-venv\\Scripts\\Activate.ps1",
                f"python -m pip install --no-index --find-links {house} "
                f"-r {house}\\requirements.txt",
                '$env:CNNCOURSE_DATA = "$PWD\\data"',
                "python -m cnncourse doctor --offline",
                "python -m ipykernel install --user --name cnncourse",
                "jupyter lab notebooks",
                "```",
            ]
        else:
            text += [
                "```bash",
                f"python{python} -m venv ~/cnncourse-venv",
                "source ~/cnncourse-venv/bin/activate",
                f"python -m pip install --no-index --find-links {house} "
                f"-r {house}/requirements.txt",
                'export CNNCOURSE_DATA="$PWD/data"',
                "python -m cnncourse doctor --offline",
                "python -m ipykernel install --user --name cnncourse",
                "jupyter lab notebooks",
                "```",
            ]
        text += [
            "",
            f"Another Python version: replace `{python}` and the wheelhouse",
            "folder's name with yours.",
            "",
        ]
    text += [
        "## Every time you come back",
        "",
        "Activate the environment again and set `CNNCOURSE_DATA` in the",
        "same terminal *before* `jupyter lab`: Jupyter passes its own",
        "environment to the notebooks, and a variable set after it started",
        "does not reach them. In Jupyter, choose the kernel `cnncourse`.",
        "",
        "`data/dogs-vs-cats/SHA256SUMS` and `data/fashion-mnist/SHA256SUMS`",
        "check the copies: `sha256sum -c SHA256SUMS` in that folder (macOS:",
        "`shasum -a 256 -c SHA256SUMS`).",
        "",
    ]
    if keras_models:
        text += [
            "",
            "For chapter 7, copy the file in `data/keras-models/` into",
            "`~/.keras/models/` (Windows: `%USERPROFILE%\\.keras\\models\\`).",
        ]
    return "\n".join(text)
