"""The room kit: targets, commands, layout, photos and checksums.

uv and pip are replaced by a fake runner that writes what they would; one
slow test locks a real target against the package index.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from cnncourse import kit

ROOT = Path(__file__).resolve().parents[1]


def test_targets_cover_three_platforms_and_pythons_in_order():
    folders = [t.folder for t in kit.targets()]
    assert len(folders) == len(kit.PLATFORMS) * len(kit.PYTHONS) == 9
    assert folders[:3] == ["linux-py311", "linux-py312", "linux-py313"]
    assert kit.DEFAULT_PYTHON in kit.PYTHONS


@pytest.mark.parametrize("platforms, pythons", [(["solaris"], ["3.12"]),
                                                (["linux"], ["312"]),
                                                (["linux"], ["2.7"])])
def test_targets_refuse_what_the_kit_cannot_make(platforms, pythons):
    with pytest.raises(ValueError):
        kit.targets(platforms, pythons)


def test_the_lock_input_is_the_learner_file_without_the_editable_line():
    text = (ROOT / "requirements-learner.txt").read_text("utf-8")
    locked = kit.locked_requirements(text)
    assert "-e ." in text and "-e ." not in locked
    pins = [line for line in text.splitlines() if "==" in line]
    assert pins and all(pin in locked.splitlines() for pin in pins)


def test_each_platform_is_named_for_uv_and_pip_consistently():
    expected = {"linux": ("linux-gnu", "manylinux2014_x86_64"),
                "macos": ("apple-darwin", "macosx_13_0_arm64"),
                "windows": ("windows-msvc", "win_amd64")}
    for key, (triple, tag) in expected.items():
        target = kit.targets([key], ["3.13"])[0]
        lock = kit.lock_command("uv", Path("in"), target)
        assert lock[lock.index("--python-platform") + 1].endswith(triple)
        assert lock[lock.index("--python-version") + 1] == "3.13"
        assert "--only-binary" in lock
        get = kit.download_command(Path("lock"), Path("d"), target)
        tags = [get[i + 1] for i, a in enumerate(get) if a == "--platform"]
        assert tag in tags
        assert {"--no-deps", "--only-binary=:all:"} <= set(get)
        assert get[get.index("--python-version") + 1] == "313"
        assert get[get.index("--implementation") + 1] == "cp"


def test_linux_tags_reach_back_from_glibc_2_28_to_manylinux1():
    tags = kit.PLATFORMS["linux"].tags
    assert tags[0] == "manylinux_2_28_x86_64"
    assert "manylinux_2_17_x86_64" in tags and tags[-1] == "manylinux1_x86_64"


def test_photos_per_class_is_chapter_6s():
    nb = json.loads((ROOT / "chapters/06_cats_vs_dogs.ipynb").read_text())
    source = "\n".join("".join(c["source"]) for c in nb["cells"]
                     if c["cell_type"] == "code")
    # the parameter cell sets it per preset; the kit serves the full one
    values = [int(v) for v in re.findall(r"^\s*N_PER_CLASS = (\d+)", source, re.M)]
    assert values and kit.PHOTOS_PER_CLASS == max(values)


def _photos(folder: Path, n: int) -> Path:
    train = folder / "train"
    train.mkdir(parents=True)
    for animal in ("cat", "dog"):
        for i in range(n):
            (train / f"{animal}.{i}.jpg").write_bytes(f"{animal}{i}".encode())
    return folder


def test_copy_photos_takes_the_first_n_of_each_class_with_checksums(
        tmp_path):
    source = _photos(tmp_path / "all", 12)
    dest = tmp_path / "kit"
    assert kit.copy_photos(dest, 10, source) == 20
    copied = sorted(p.name for p in (dest / "train").iterdir())
    # numbered order, not the file names': cat.10 and cat.11 are left out
    assert copied == sorted(f"{a}.{i}.jpg" for a in ("cat", "dog")
                            for i in range(10))
    lines = (dest / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 20
    for line in lines:
        digest, name = line.split("  ")
        data = (dest / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
        assert data == (source / name).read_bytes()


def test_copy_photos_says_so_when_there_are_none(tmp_path, monkeypatch):
    from cnncourse.datasets import DataUnavailableError

    (tmp_path / "empty").mkdir()
    with pytest.raises(DataUnavailableError):
        kit.copy_photos(tmp_path / "kit", 5, tmp_path / "empty")


class FakeTools:
    """Does what uv and pip would, writing small files instead of wheels."""

    def __init__(self, fail: str = ""):
        self.fail = fail  # a target triple whose lock fails
        self.calls: list[list[str]] = []

    def __call__(self, cmd, **kwargs):
        self.calls.append(cmd)
        if "compile" in cmd:
            if self.fail and self.fail in cmd:
                raise subprocess.CalledProcessError(
                    1, cmd, "", "No solution found: tensorflow has no wheel")
            return subprocess.CompletedProcess(cmd, 0, "keras==3.15.1\n", "")
        dest = Path(cmd[cmd.index("-d" if "download" in cmd else "-w") + 1])
        name = ("keras-3.15.1-py3-none-any.whl" if "download" in cmd
                else "cnncourse-0.1.0-py3-none-any.whl")
        (dest / name).write_bytes(b"PK")
        return subprocess.CompletedProcess(cmd, 0, "", "")


@pytest.fixture
def quick_data(monkeypatch, tmp_path):
    """The kit's data parts without TensorFlow or the real data sets."""
    monkeypatch.setattr(kit, "_copy_fashion_mnist",
                        lambda dest: dest.mkdir(parents=True) or "4 files")
    monkeypatch.setattr(kit, "_copy_weights", lambda data: "1 file")
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path / "data"))
    _photos(tmp_path / "data" / "dogs-vs-cats", 4)


def test_a_failed_target_does_not_stop_the_others(tmp_path, quick_data):
    tools = FakeTools(fail="x86_64-pc-windows-msvc")
    chosen = kit.targets(["linux", "windows"], ["3.12"])
    results = kit.write_kit(tmp_path / "kit", chosen, root=ROOT, run=tools,
                            uv="uv", photos_per_class=3, say=lambda _: None)
    assert results["windows-py312"].startswith("FAILED")
    assert "no wheel" in results["windows-py312"]
    assert results["linux-py312"] == "2 wheels, 0 MB"
    house = tmp_path / "kit" / "wheelhouse" / "linux-py312"
    assert (house / "requirements.txt").read_text().splitlines() == [
        "keras==3.15.1", "cnncourse==0.1.0"]
    assert sorted(p.name for p in house.glob("*.whl")) == [
        "cnncourse-0.1.0-py3-none-any.whl", "keras-3.15.1-py3-none-any.whl"]
    assert not list((tmp_path / "kit" / "wheelhouse").glob("*.whl"))
    assert len(list((tmp_path / "kit/data/dogs-vs-cats/train").iterdir())) == 6
    assert results["notebooks"].endswith("result tables")
    assert len(list((tmp_path / "kit" / "notebooks").glob("*.ipynb"))) >= 6
    # chapters 4 and 7 read stored benchmark results from data/ beside them
    tables = {p.name for p in (ROOT / "chapters" / "data").glob("*.csv")}
    copied = {p.name for p in (tmp_path / "kit" / "notebooks" / "data").glob("*.csv")}
    assert tables and copied == tables
    install = (tmp_path / "kit" / "INSTALL.md").read_text()
    assert "wheelhouse/linux-py312" in install
    assert "py -3.12" not in install  # its wheelhouse failed
    downloads = [c for c in tools.calls if "download" in c]
    assert len(downloads) == 1


def test_lock_only_downloads_nothing_but_writes_the_list(tmp_path,
                                                         quick_data):
    tools = FakeTools()
    results = kit.write_kit(tmp_path / "kit", kit.targets(["macos"],
                                                          ["3.13"]),
                            root=ROOT, run=tools, uv="uv",
                            photos_per_class=0, download=False,
                            say=lambda _: None)
    assert results["macos-py313"] == "locked 1 packages (not downloaded)"
    assert not [c for c in tools.calls if "download" in c]
    lock = tmp_path / "kit/wheelhouse/macos-py313/lock.txt"
    assert lock.read_text() == "keras==3.15.1\n"
    assert "data/dogs-vs-cats" not in results


def test_install_text_gives_each_os_its_commands():
    text = kit.install_text(kit.targets(pythons=["3.11", "3.12"]))
    assert "python3.12 -m venv" in text  # the default, for Linux and macOS
    assert "py -3.12 -m venv" in text
    assert ("--no-index --find-links wheelhouse\\windows-py312 "
            "-r wheelhouse\\windows-py312\\requirements.txt") in text
    assert 'export CNNCOURSE_DATA="$PWD/data"' in text
    assert '$env:CNNCOURSE_DATA = "$PWD\\data"' in text
    assert text.count("python -m cnncourse doctor --offline") == 3
    assert "jupyter lab" in text
    only_311 = kit.install_text(kit.targets(["linux"], ["3.11"]))
    assert "python3.11 -m venv" in only_311 and "py -" not in only_311
    assert "keras-models" not in only_311
    assert "data/keras-models/" in kit.install_text([], keras_models=True)


@pytest.mark.slow
def test_a_real_lock_pins_tensorflow_cpu_for_linux(tmp_path):
    from cnncourse.doctor import reachable

    ok, why = reachable("https://pypi.org/simple")
    if not ok:
        pytest.skip(f"the package index does not answer ({why})")
    lock_input = tmp_path / "in.txt"
    lock_input.write_text(kit.locked_requirements(
        (ROOT / "requirements-learner.txt").read_text("utf-8")))
    target = kit.targets(["linux"], ["3.12"])[0]
    out = subprocess.run(kit.lock_command(kit._uv(), lock_input, target),
                         capture_output=True, text=True, check=True).stdout
    assert "tensorflow-cpu==2.21.0" in out.splitlines()
    assert "keras==3.15.1" in out.splitlines()
    assert "cnncourse" not in out
