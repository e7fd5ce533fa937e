"""The pinned requirements install on learners' machines, not only on ours.

``requirements.txt`` (everything: notebooks, site, tests) and
``requirements-learner.txt`` (what a learner needs to run the notebooks) must
resolve to binary wheels on each platform the Setup page promises. pip cannot
check that from here (its ``--platform`` evaluates environment markers for
the machine it runs on), so ``uv pip compile --python-platform ...
--only-binary :all:`` resolves them for each target instead, without
installing anything. It needs the package index: offline, those tests skip
and say so. The learner's file is also checked offline: its pins are
requirements.txt's, less the tools only contributors use.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from packaging.requirements import Requirement

from cnncourse.doctor import reachable

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "requirements.txt"
LEARNER = ROOT / "requirements-learner.txt"
IN_CI = bool(os.environ.get("CI"))

# The platforms chapters/setup.md promises, as uv names them.
PLATFORMS = {
    "Linux x86-64": "x86_64-unknown-linux-gnu",
    "macOS arm64": "aarch64-apple-darwin",
    "Windows amd64": "x86_64-pc-windows-msvc",
}
# What environment markers see there.
MARKERS = {
    "x86_64-unknown-linux-gnu": {"sys_platform": "linux",
                                 "platform_machine": "x86_64"},
    "aarch64-apple-darwin": {"sys_platform": "darwin",
                             "platform_machine": "arm64"},
    "x86_64-pc-windows-msvc": {"sys_platform": "win32",
                               "platform_machine": "AMD64"},
}
# And those it sends to Colab: TensorFlow 2.21 publishes no wheel for them.
NO_TENSORFLOW = {
    "macOS x86-64 (Intel)": "x86_64-apple-darwin",
    "Windows arm64": "aarch64-pc-windows-msvc",
}
PYTHONS = ("3.11", "3.12")
# In requirements.txt but not for learners: building the site, running and
# authoring the tests, resolving for other platforms.
CONTRIBUTOR_TOOLS = {
    "jupyter-book", "sphinx-exercise", "sphinx-mathjax-offline", "nbformat",
    "nbclient", "nbval", "nbconvert", "jupytext", "pytest", "pytest-xdist",
    "playwright",
    "uv",
}
# What must never come into a learner's environment, even indirectly.
NOT_FOR_LEARNERS = ("jupyter-book", "sphinx", "pytest", "nbval", "playwright",
                    "jupytext")
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)", re.MULTILINE)


def requirements(path: Path) -> list[Requirement]:
    """The requirements of a file, without comments and ``-e``/``-r`` lines."""
    lines = (line.split(" #")[0].strip()
             for line in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines
            if line and not line.startswith(("#", "-"))]


def _key(req: Requirement) -> tuple[str, str, str]:
    return (req.name.lower(), str(req.specifier), str(req.marker or ""))


def test_every_requirement_is_pinned():
    for path in (FULL, LEARNER):
        for req in requirements(path):
            assert str(req.specifier).startswith("=="), (
                f"{path.name}: {req} is not pinned with ==")


def test_tensorflow_markers_cover_every_machine_exactly_once():
    """One TensorFlow build for every platform, the same version for all."""
    builds = [r for r in requirements(FULL)
              if r.name in ("tensorflow", "tensorflow-cpu")]
    assert len({str(r.specifier) for r in builds}) == 1, builds
    machines = [("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"),
                ("darwin", "x86_64"), ("win32", "AMD64"), ("win32", "ARM64")]
    for system, machine in machines:
        env = {"sys_platform": system, "platform_machine": machine}
        chosen = [r.name for r in builds if r.marker.evaluate(env)]
        assert len(chosen) == 1, f"{system} {machine}: {chosen}"
    cpu = {"sys_platform": "linux", "platform_machine": "x86_64"}
    assert [r.name for r in builds if r.marker.evaluate(cpu)] == [
        "tensorflow-cpu"]


def test_learner_pins_are_requirements_txt_without_contributor_tools():
    full = {_key(r) for r in requirements(FULL)}
    learner = {_key(r) for r in requirements(LEARNER)}
    assert learner <= full, (
        f"pins in {LEARNER.name} that differ from {FULL.name}: "
        f"{sorted(learner - full)}")
    missing = {k for k in full - learner if k[0] not in CONTRIBUTOR_TOOLS}
    assert not missing, (
        f"{FULL.name} pins {sorted(missing)}, which {LEARNER.name} lacks: "
        "add them there, or to CONTRIBUTOR_TOOLS if learners never use them")
    assert not {k[0] for k in learner} & CONTRIBUTOR_TOOLS


def test_learner_file_installs_the_course_package():
    lines = LEARNER.read_text(encoding="utf-8").splitlines()
    assert "-e ." in lines, f"{LEARNER.name} must install cnncourse (-e .)"


# --- resolution for other platforms (needs the package index) ---------------
# About 90 s on our network (uv revalidates every package's index page), so
# these run with `make test` (CI), not `make unit`.

def _index_url() -> str:
    env = os.environ
    return (env.get("UV_DEFAULT_INDEX") or env.get("UV_INDEX_URL")
            or "https://pypi.org/simple")


def _uv() -> str:
    """The uv the room kit uses (cnncourse.kit), or a skip (a failure in CI)."""
    from cnncourse import kit

    try:
        return kit._uv()
    except FileNotFoundError as missing:
        message = f"{missing} (it is in requirements.txt)"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _compile(uv: str, path: Path, platform: str, python: str
             ) -> tuple[int, str]:
    """``uv pip compile`` for one target: (exit status, output or error)."""
    result = subprocess.run(
        [uv, "pip", "compile", path.name, "--python-platform", platform,
         "--python-version", python, "--only-binary", ":all:", "--quiet",
         "--no-header", "--no-annotate", "--index-url", _index_url()],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    return result.returncode, result.stdout if result.returncode == 0 else (
        result.stderr)


@pytest.fixture(scope="module")
def resolutions() -> dict[tuple[str, str, str], tuple[int, str]]:
    """Every file resolved for every target, in parallel (network-bound)."""
    uv = _uv()
    ok, why = reachable(_index_url())
    if not ok:
        pytest.skip(f"the package index {urlsplit(_index_url()).hostname} "
                    f"does not answer ({why}): offline? The resolution "
                    "tests need it")
    jobs = [(path.name, platform, python)
            for path in (FULL, LEARNER)
            for platform in [*PLATFORMS.values(), *NO_TENSORFLOW.values()]
            for python in PYTHONS]
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = pool.map(lambda job: _compile(uv, ROOT / job[0], *job[1:]),
                        jobs)
        return dict(zip(jobs, done))


def _pins(text: str) -> dict[str, str]:
    return {name.lower(): version for name, version in PIN.findall(text)}


TARGETS = [pytest.param(platform, python, id=f"{name}-py{python}")
           for name, platform in PLATFORMS.items() for python in PYTHONS]


@pytest.mark.slow
@pytest.mark.parametrize("platform, python", TARGETS)
def test_requirements_resolve_to_wheels(resolutions, platform, python):
    status, output = resolutions[FULL.name, platform, python]
    assert status == 0, (
        f"{FULL.name} for {platform}, Python {python}:\n{output}")
    pins = _pins(output)
    for req in requirements(FULL):
        if req.marker is None or req.marker.evaluate(MARKERS[platform]):
            assert pins.get(req.name.lower()) == str(req.specifier)[2:], req


@pytest.mark.slow
@pytest.mark.parametrize("platform, python", TARGETS)
def test_learner_install_resolves_to_the_same_versions(resolutions, platform,
                                                       python):
    status, output = resolutions[LEARNER.name, platform, python]
    assert status == 0, (
        f"{LEARNER.name} for {platform}, Python {python}:\n{output}")
    learner = _pins(output)
    full = _pins(resolutions[FULL.name, platform, python][1])
    differ = {n: (v, full.get(n)) for n, v in learner.items()
              if full.get(n) != v}
    assert not differ, f"versions (learner, full) that differ: {differ}"
    assert "-e ." in output.splitlines()  # cnncourse itself
    tools = [n for n in learner if n.startswith(NOT_FOR_LEARNERS)]
    assert not tools, f"a learner would install {tools}"
    assert len(learner) < len(full)


@pytest.mark.slow
@pytest.mark.parametrize("name, platform", NO_TENSORFLOW.items())
def test_unsupported_machines_have_no_tensorflow_wheel(resolutions, name,
                                                       platform):
    """chapters/setup.md sends these machines to Colab: still true?"""
    for path in (FULL, LEARNER):
        status, output = resolutions[path.name, platform, PYTHONS[-1]]
        assert status != 0 and "tensorflow" in output, (
            f"{path.name} now resolves for {name}: update chapters/setup.md")
