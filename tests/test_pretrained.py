"""Tests of cnncourse.pretrained: MobileNetV2's ImageNet weights, offline.

They need the shared α = 0.35 file (``$CNNCOURSE_DATA/keras-applications``)
and are skipped without it. Every test runs in a fresh Keras cache, with
downloads pointed at a closed port unless it serves the file itself.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from cnncourse import pretrained

ALPHA = 0.35  # the small base: quick to build and load
SIZE = (96, 96, 3)
CLOSED = "http://127.0.0.1:1/"


@pytest.fixture(scope="module")
def shared_file() -> Path:
    root = os.environ.get("CNNCOURSE_DATA")
    path = Path(root or "/nonexistent") / "keras-applications" / \
        pretrained.SHARED_FILES[ALPHA]
    if not path.is_file():
        pytest.skip(f"needs the shared weights {path} (set CNNCOURSE_DATA)")
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        shared_file: Path) -> Path:
    """Empty Keras cache, no CNNCOURSE_DATA, downloads to a closed port."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("CNNCOURSE_DATA", raising=False)
    monkeypatch.setenv(pretrained.URL_ENV, CLOSED)
    return tmp_path


def _cache_file(env: Path) -> Path:
    return env / "keras" / "models" / pretrained.keras_file_name(ALPHA)


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)  # not copy(): the shared file is read-only
    return target


def _first_array(f) -> str:
    import h5py

    names: list[str] = []
    f.visititems(lambda name, obj: names.append(name)
                 if isinstance(obj, h5py.Dataset) else None)
    return names[0]


def _change_one_value(path: Path) -> None:
    import h5py

    with h5py.File(path, "r+") as f:
        array = f[_first_array(f)]
        array[(0,) * array.ndim] += 0.5


def _change_one_shape(path: Path) -> None:
    import h5py

    with h5py.File(path, "r+") as f:
        name = _first_array(f)
        shape = tuple(f[name].shape)
        del f[name]
        f.create_dataset(name, data=np.zeros((*shape[:-1], shape[-1] + 1),
                                             dtype="float32"))


def test_the_shared_copy_is_used_first(env, shared_file, monkeypatch,
                                       capfd):
    monkeypatch.setenv("CNNCOURSE_DATA", str(shared_file.parent.parent))
    _change_one_value(_copy(shared_file, _cache_file(env)))  # never read
    base = pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    assert base.trainable is False
    assert base.output_shape == (None, 3, 3, 1280)
    assert pretrained.fingerprint(base) == pretrained.FINGERPRINTS[ALPHA]
    assert capfd.readouterr().out == ""
    found = pretrained.find_mobilenet_v2(ALPHA, download=False)
    assert found == shared_file


def test_keras_cache_is_used_without_a_shared_copy(env, shared_file, capfd):
    cached = _copy(shared_file, _cache_file(env))
    base = pretrained.mobilenet_v2(ALPHA, input_shape=SIZE, download=False)
    assert pretrained.fingerprint(base) == pretrained.FINGERPRINTS[ALPHA]
    assert capfd.readouterr().out == ""  # same values: nothing to say
    assert pretrained.find_mobilenet_v2(ALPHA, download=False) == cached


def test_other_values_in_keras_file_are_said_in_one_line(env, shared_file,
                                                        capsys):
    _change_one_value(_copy(shared_file, _cache_file(env)))
    base = pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    assert pretrained.fingerprint(base) != pretrained.FINGERPRINTS[ALPHA]
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "differ from the course's shared" in out
    assert pretrained.keras_file_name(ALPHA) in out


def test_a_tampered_shared_copy_is_refused(env, shared_file, monkeypatch):
    data = env / "data"
    copy = _copy(shared_file, data / "keras-applications" / shared_file.name)
    _change_one_value(copy)
    _copy(shared_file, _cache_file(env))  # a good file later in the order
    monkeypatch.setenv("CNNCOURSE_DATA", str(data))
    with pytest.raises(pretrained.WeightsMismatchError) as error:
        pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    message = str(error.value)
    assert str(copy) in message
    assert f"expected {pretrained.FINGERPRINTS[ALPHA]}" in message
    assert "To fix: copy the file again" in message


def test_a_wrong_shaped_keras_file_is_refused(env, shared_file):
    cached = _copy(shared_file, _cache_file(env))
    _change_one_shape(cached)
    with pytest.raises(pretrained.WeightsMismatchError) as error:
        pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    assert str(cached) in str(error.value)
    assert f"To fix: delete {cached}" in str(error.value)
    assert cached.exists()  # the reader's file: said, not deleted


def test_the_other_width_does_not_fit(env, shared_file):
    cached = _copy(shared_file, env / "keras" / "models"
                   / pretrained.keras_file_name(0.5))
    with pytest.raises(pretrained.WeightsMismatchError, match="α = 0.5"):
        pretrained.mobilenet_v2(0.5, input_shape=SIZE)
    assert cached.exists()


def test_download_from_a_loopback_server(env, shared_file, http_folder,
                                         monkeypatch, capfd):
    url, served = http_folder
    _copy(shared_file, served / pretrained.keras_file_name(ALPHA))
    monkeypatch.setenv(pretrained.URL_ENV, url)
    assert pretrained.weights_url(ALPHA).startswith(url)
    base = pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    assert pretrained.fingerprint(base) == pretrained.FINGERPRINTS[ALPHA]
    assert _cache_file(env).is_file()
    out, err = capfd.readouterr()
    assert "Downloading" not in out + err and "\r" not in out + err
    (served / pretrained.keras_file_name(ALPHA)).unlink()  # now cached
    assert pretrained.find_mobilenet_v2(ALPHA) == _cache_file(env)


def test_a_bad_download_is_refused_and_not_kept(env, shared_file, http_folder,
                                                monkeypatch):
    url, served = http_folder
    _change_one_shape(_copy(shared_file,
                            served / pretrained.keras_file_name(ALPHA)))
    monkeypatch.setenv(pretrained.URL_ENV, url)
    with pytest.raises(pretrained.WeightsMismatchError):
        pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    assert not _cache_file(env).exists()


def test_missing_everywhere_offline_says_where_and_how(env, monkeypatch):
    monkeypatch.setenv("CNNCOURSE_DATA", str(env / "empty"))
    with pytest.raises(pretrained.WeightsUnavailableError) as error:
        pretrained.mobilenet_v2(ALPHA, input_shape=SIZE)
    message = str(error.value)
    shared = env / "empty" / "keras-applications" / pretrained.SHARED_FILES[
        ALPHA]
    for text in (str(shared), str(_cache_file(env)), CLOSED, "fetch-data",
                 pretrained.URL_ENV, "To fix:"):
        assert text in message
    assert not _cache_file(env).exists()


def test_no_download_when_disabled(env):
    with pytest.raises(pretrained.WeightsUnavailableError,
                       match="downloading is disabled"):
        pretrained.find_mobilenet_v2(ALPHA, download=False)


def test_an_unknown_width_is_refused_before_any_work(env):
    with pytest.raises(ValueError, match="alpha must be one of"):
        pretrained.mobilenet_v2(0.4)


def test_keras_file_name_matches_keras():
    """The name Keras's own ``weights="imagenet"`` looks for at 224 pixels."""
    import inspect

    from keras.src.applications import mobilenet_v2

    source = inspect.getsource(mobilenet_v2.MobileNetV2)
    assert '"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"' in source
    assert '"{float(alpha)}_{rows}_no_top.h5"' in source
    assert pretrained.KERAS_URL == mobilenet_v2.BASE_WEIGHT_PATH


def test_docstring_examples_hold():
    import doctest

    result = doctest.testmod(pretrained)
    assert result.attempted >= 3 and result.failed == 0
