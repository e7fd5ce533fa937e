"""Tests of cnncourse.datasets: where data is found, verified, downloaded, refused."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnncourse import datasets

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
IN_CI = bool(os.environ.get("CI"))
DEBIAN = datasets.DEBIAN_FASHION_MNIST
NO_DEBIAN = "Debian's dataset-fashion-mnist is not installed"


@pytest.fixture(autouse=True)
def debian_folder_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests move Debian's folder themselves, whatever the caller's setting."""
    monkeypatch.delenv(datasets.DEBIAN_DATA_ENV, raising=False)


# --- small, valid Fashion-MNIST look-alikes ---------------------------------------

def _idx_bytes(kind: str, n: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    if kind == "images":
        header = (2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
        return header + rng.integers(0, 256, n * 28 * 28, dtype=np.uint8).tobytes()
    header = (2049).to_bytes(4, "big") + n.to_bytes(4, "big")
    return header + rng.integers(0, 10, n, dtype=np.uint8).tobytes()


@pytest.fixture
def fake_fashion(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Four tiny IDX files (gzip bytes by name); the module's hashes point at them."""
    files, table = {}, []
    for i, f in enumerate(datasets.FASHION_MNIST_FILES):
        n = 5 if f.name.startswith("train") else 3
        raw = _idx_bytes("images" if "images" in f.name else "labels", n, seed=i)
        gz = gzip.compress(raw, mtime=0)
        files[f.name] = gz
        table.append(f._replace(sha256=hashlib.sha256(gz).hexdigest(),
                                content_sha256=hashlib.sha256(raw).hexdigest()))
    monkeypatch.setattr(datasets, "FASHION_MNIST_FILES", tuple(table))
    return files


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_cache_dir_follows_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert datasets.cache_dir() == tmp_path / "datasets"
    monkeypatch.delenv("KERAS_HOME")
    assert datasets.cache_dir() == Path.home() / ".keras" / "datasets"


def test_fashion_loads_from_cnncourse_data(no_data, fake_fashion, monkeypatch):
    _write(no_data / "data" / "fashion-mnist", fake_fashion)
    monkeypatch.setenv("CNNCOURSE_DATA", str(no_data / "data"))
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(download=False)
    assert x_train.shape == (5, 28, 28) and x_test.shape == (3, 28, 28)
    assert y_train.shape == (5,) and y_test.shape == (3,)
    assert x_train.dtype == y_train.dtype == np.uint8
    raw = gzip.decompress(fake_fashion["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(x_train.ravel(), np.frombuffer(raw[16:], np.uint8))


def test_fashion_search_order(no_data, fake_fashion, monkeypatch):
    env = _write(no_data / "data" / "fashion-mnist", fake_fashion)
    cache = _write(datasets.cache_dir() / "fashion-mnist", fake_fashion)
    debian = _write(no_data / "no-debian", fake_fashion)
    monkeypatch.setenv("CNNCOURSE_DATA", str(no_data / "data"))
    assert datasets.find_fashion_mnist(download=False) == env
    monkeypatch.delenv("CNNCOURSE_DATA")
    assert datasets.find_fashion_mnist(download=False) == cache
    for f in cache.iterdir():
        f.unlink()
    assert datasets.find_fashion_mnist(download=False) == debian


def test_debian_folder_moved_or_disabled_by_environment(
        no_data, fake_fashion, monkeypatch):
    moved = _write(no_data / "elsewhere" / "fashion-mnist", fake_fashion)
    monkeypatch.setenv(datasets.DEBIAN_DATA_ENV, str(moved.parent))
    assert datasets.find_fashion_mnist(download=False) == moved
    monkeypatch.setenv(datasets.DEBIAN_DATA_ENV, "")
    with pytest.raises(datasets.DataUnavailableError) as info:
        datasets.find_fashion_mnist(download=False)
    assert str(moved) not in str(info.value)  # not even looked at


def test_fashion_skips_a_local_copy_whose_content_is_wrong(no_data, fake_fashion, monkeypatch):
    bad = dict(fake_fashion)
    bad["t10k-labels-idx1-ubyte.gz"] = gzip.compress(b"not the labels")
    _write(no_data / "data" / "fashion-mnist", bad)
    debian = _write(no_data / "no-debian", fake_fashion)
    monkeypatch.setenv("CNNCOURSE_DATA", str(no_data / "data"))
    assert datasets.find_fashion_mnist(download=False) == debian


def test_fashion_accepts_recompressed_copy(no_data, fake_fashion):
    """Debian's files have other gzip headers than the originals: content decides."""
    recompressed = {n: gzip.compress(gzip.decompress(b), mtime=1_591_347_949)
                    for n, b in fake_fashion.items()}
    assert recompressed != fake_fashion
    debian = _write(no_data / "no-debian", recompressed)
    assert datasets.find_fashion_mnist(download=False) == debian


def test_fashion_downloads_into_cache_from_local_server(no_data, fake_fashion, http_folder):
    url, served = http_folder
    _write(served, fake_fashion)
    (x_train, _), _ = datasets.load_fashion_mnist(url=url)
    assert x_train.shape == (5, 28, 28)
    cache = datasets.cache_dir() / "fashion-mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(fake_fashion)
    # Second call: found in the cache, the server is not needed any more.
    for f in served.iterdir():
        f.unlink()
    assert datasets.find_fashion_mnist(url=url) == cache


def test_fashion_download_of_recompressed_copy_is_accepted_silently(
        no_data, fake_fashion, http_folder, capfd):
    """A mirror of Debian's files: other gzip bytes, the same content."""
    url, served = http_folder
    recompressed = {n: gzip.compress(gzip.decompress(b), mtime=1_591_347_949)
                    for n, b in fake_fashion.items()}
    _write(served, recompressed)
    capfd.readouterr()
    cache = datasets.find_fashion_mnist(url=url)
    assert capfd.readouterr() == ("", "")  # nothing for a notebook to show
    for name, data in recompressed.items():
        assert (cache / name).read_bytes() == data


def test_fashion_download_with_wrong_hash_is_rejected_and_not_kept(
        no_data, fake_fashion, http_folder):
    url, served = http_folder
    tampered = dict(fake_fashion)
    tampered["train-labels-idx1-ubyte.gz"] = gzip.compress(b"tampered")
    _write(served, tampered)
    with pytest.raises(datasets.DataUnavailableError, match="train-labels"):
        datasets.load_fashion_mnist(url=url)
    cache = datasets.cache_dir() / "fashion-mnist"
    assert not (cache / "train-labels-idx1-ubyte.gz").exists()


def test_fashion_bad_cached_file_is_deleted_and_fetched_again(
        no_data, fake_fashion, http_folder):
    url, served = http_folder
    _write(served, fake_fashion)
    cache = _write(datasets.cache_dir() / "fashion-mnist", fake_fashion)
    (cache / "t10k-images-idx3-ubyte.gz").write_bytes(b"truncated")
    assert datasets.find_fashion_mnist(url=url) == cache
    assert (cache / "t10k-images-idx3-ubyte.gz").read_bytes() == fake_fashion[
        "t10k-images-idx3-ubyte.gz"]


def test_fashion_nowhere_and_offline_fails_fast_with_every_way_out(no_data):
    start = time.monotonic()
    with pytest.raises(datasets.DataUnavailableError) as info:
        datasets.load_fashion_mnist()
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert "CNNCOURSE_DATA" in message
    assert str(datasets.cache_dir() / "fashion-mnist") in message
    assert "http://127.0.0.1:1/" in message  # the download that was tried
    assert "dataset-fashion-mnist" in message and "fetch-data" in message


def test_fashion_no_download_when_disabled(no_data):
    with pytest.raises(datasets.DataUnavailableError, match="downloading is disabled"):
        datasets.find_fashion_mnist(download=False)


@pytest.mark.skipif(not DEBIAN.is_dir() and not IN_CI, reason=NO_DEBIAN)
def test_mirror_serving_debians_files_is_downloaded_silently(
        no_data, http_folder, monkeypatch, capfd):
    """A workshop laptop serves the files of Debian's package over HTTP.

    Their gzip bytes are not the published ones (Debian re-wrote the
    headers), their content is: the download is accepted, prints nothing,
    and a second call needs no server. Debian's folder itself is not used.
    """
    url, served = http_folder
    for f in datasets.FASHION_MNIST_FILES:
        (served / f.name).symlink_to(DEBIAN / f.name)
        assert hashlib.sha256((DEBIAN / f.name).read_bytes()).hexdigest() != (
            f.sha256), f"{f.name}: Debian's bytes are the published ones?"
    monkeypatch.setenv(datasets.DEBIAN_DATA_ENV, "")
    monkeypatch.setenv("CNNCOURSE_FASHION_MNIST_URL", url)
    capfd.readouterr()
    (x_train, y_train), (x_test, _) = datasets.load_fashion_mnist()
    assert capfd.readouterr() == ("", "")
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    cache = datasets.cache_dir() / "fashion-mnist"
    for f in datasets.FASHION_MNIST_FILES:
        assert (cache / f.name).read_bytes() == (DEBIAN / f.name).read_bytes()
        (served / f.name).unlink()
    assert datasets.find_fashion_mnist(download=False) == cache


@pytest.mark.slow  # reads and hashes 70,000 images twice
@pytest.mark.skipif(not DEBIAN.is_dir() and not IN_CI, reason=NO_DEBIAN)
def test_real_fashion_mnist_equals_keras_loader(tmp_path, monkeypatch):
    """The original files: our arrays are Keras's arrays, bit for bit."""
    import shutil

    from keras.src.backend import config
    from keras.datasets import fashion_mnist

    assert datasets.DEBIAN_FASHION_MNIST.is_dir(), "CI must install dataset-fashion-mnist"
    for f in datasets.FASHION_MNIST_FILES:  # the real content hashes hold
        got = datasets._gz_content_sha256(datasets.DEBIAN_FASHION_MNIST / f.name)
        assert got == f.content_sha256, f.name
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("CNNCOURSE_DATA", raising=False)
    keras_cache = tmp_path / "datasets" / "fashion-mnist"
    shutil.copytree(datasets.DEBIAN_FASHION_MNIST, keras_cache)
    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    ours = datasets.load_fashion_mnist(download=False)
    theirs = fashion_mnist.load_data()
    for a, b in zip([*ours[0], *ours[1]], [*theirs[0], *theirs[1]]):
        assert a.dtype == b.dtype == np.uint8 and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert ours[0][0].shape == (60000, 28, 28) and ours[1][0].shape == (10000, 28, 28)
    assert np.bincount(ours[0][1]).tolist() == [6000] * 10


# --- dogs vs cats -----------------------------------------------------------------

def _touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")


def test_frame_kaggle_layout_sorted_by_class_then_number(tmp_path):
    _touch(tmp_path / "train", "dog.10.jpg", "cat.2.jpg", "dog.2.jpg", "cat.10.jpg",
           "cat.1.jpg", "notes.txt", "cat.x.jpg")
    frame = datasets.dogs_vs_cats_frame(tmp_path)
    assert list(frame.columns) == ["filename", "category"]
    assert [Path(f).name for f in frame.filename] == [
        "cat.1.jpg", "cat.2.jpg", "cat.10.jpg", "dog.2.jpg", "dog.10.jpg"]
    assert frame.category.tolist() == ["cat"] * 3 + ["dog"] * 2
    assert all(Path(f).is_absolute() for f in frame.filename)


def test_frame_publisher_layout_and_n_per_class(tmp_path):
    _touch(tmp_path / "PetImages" / "Cat", "0.jpg", "11.jpg", "3.jpg", "Thumbs.db")
    _touch(tmp_path / "PetImages" / "Dog", "5.jpg", "1.jpg")
    frame = datasets.dogs_vs_cats_frame(tmp_path, n_per_class=2)
    assert [(Path(f).parent.name, Path(f).name) for f in frame.filename] == [
        ("Cat", "0.jpg"), ("Cat", "3.jpg"), ("Dog", "1.jpg"), ("Dog", "5.jpg")]
    assert frame.category.tolist() == ["cat", "cat", "dog", "dog"]


def test_frame_rejects_bad_n_per_class(tmp_path):
    _touch(tmp_path, "cat.0.jpg")
    with pytest.raises(ValueError, match="n_per_class"):
        datasets.dogs_vs_cats_frame(tmp_path, n_per_class=0)


def test_frame_uses_cnncourse_data(no_data, monkeypatch):
    _touch(no_data / "data" / "dogs-vs-cats" / "train", "cat.0.jpg", "dog.0.jpg")
    monkeypatch.setenv("CNNCOURSE_DATA", str(no_data / "data"))
    assert datasets.dogs_vs_cats_frame().category.tolist() == ["cat", "dog"]


def test_frame_with_empty_data_dir_does_not_download(no_data):
    (no_data / "empty").mkdir()
    with pytest.raises(datasets.DataUnavailableError, match="data_dir"):
        datasets.dogs_vs_cats_frame(no_data / "empty")


def test_dogs_vs_cats_nowhere_and_offline(no_data):
    start = time.monotonic()
    with pytest.raises(datasets.DataUnavailableError) as info:
        datasets.dogs_vs_cats_frame()
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert "CNNCOURSE_DATA" in message and "kagglecatsanddogs_5340.zip" in message
    assert str(datasets.cache_dir() / "dogs-vs-cats") in message


def _pets_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_dogs_vs_cats_download_from_local_server(no_data, http_folder, monkeypatch):
    url, served = http_folder
    archive = _pets_zip({"PetImages/Cat/0.jpg": b"c0", "PetImages/Cat/1.jpg": b"c1",
                         "PetImages/Dog/0.jpg": b"d0", "PetImages/Dog/Thumbs.db": b"",
                         "readme[1].txt": b"licence"})
    (served / "pets.zip").write_bytes(archive)
    monkeypatch.setattr(datasets, "DOGS_VS_CATS_SHA256", hashlib.sha256(archive).hexdigest())
    root = datasets.find_dogs_vs_cats(url=url + "pets.zip")
    frame = datasets.dogs_vs_cats_frame(root)
    assert frame.category.tolist() == ["cat", "cat", "dog"]
    assert root == datasets.cache_dir() / "dogs-vs-cats"
    assert not (datasets.cache_dir() / "kagglecatsanddogs_5340.zip").exists()


def test_dogs_vs_cats_download_with_wrong_hash_is_not_kept(no_data, http_folder):
    url, served = http_folder
    (served / "pets.zip").write_bytes(_pets_zip({"PetImages/Cat/0.jpg": b"c0"}))
    with pytest.raises(datasets.DataUnavailableError, match="SHA256|hash"):
        datasets.find_dogs_vs_cats(url=url + "pets.zip")
    assert not any(datasets.cache_dir().glob("**/*.zip"))
    assert not (datasets.cache_dir() / "dogs-vs-cats").exists()


@pytest.mark.parametrize("member", ["../escape.txt", "PetImages/../../escape.txt",
                                    "/tmp/absolute-escape.txt"])
def test_safe_extract_rejects_members_leaving_the_target(tmp_path, member):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_pets_zip({"PetImages/Cat/0.jpg": b"ok", member: b"evil"}))
    target = tmp_path / "out"
    with pytest.raises(ValueError, match="outside"):
        datasets.safe_extract(archive, target)
    assert not (tmp_path / "escape.txt").exists()
    assert not target.exists() or not any(target.rglob("*"))


def test_safe_extract_extracts_a_good_archive(tmp_path):
    archive = tmp_path / "good.zip"
    archive.write_bytes(_pets_zip({"PetImages/Cat/0.jpg": b"ok"}))
    out = datasets.safe_extract(archive, tmp_path / "out")
    assert (out / "PetImages" / "Cat" / "0.jpg").read_bytes() == b"ok"


def _photo_number(path: str) -> int:
    """123 from Kaggle's .../cat.123.jpg or Microsoft's .../Cat/123.jpg."""
    return int(Path(path).name.split(".")[-2])


def test_real_dogs_vs_cats_subset(monkeypatch):
    """The real photos, where the course finds them: ``$CNNCOURSE_DATA`` (``make`` and CI
    set it), else ``../shared/datasets`` beside the project (CONTRIBUTING.md), else the
    cache. Skipped, saying where it looked, only when none holds them (never in CI)."""
    if not os.environ.get(datasets.DATA_ENV) and (SHARED / "dogs-vs-cats").is_dir():
        monkeypatch.setenv(datasets.DATA_ENV, str(SHARED))
    try:
        root = datasets.find_dogs_vs_cats(download=False)
    except datasets.DataUnavailableError as error:
        if IN_CI:
            raise
        pytest.skip(f"the dogs-vs-cats photos are not here (also looked in {SHARED}):\n{error}")
    frame = datasets.dogs_vs_cats_frame(root, n_per_class=2500)
    assert len(frame) == 5000
    assert frame.category.value_counts().to_dict() == {"cat": 2500, "dog": 2500}
    for category in ("cat", "dog"):  # sorted by class, then number: the first 2,500 of each
        files = frame.filename[frame.category == category]
        assert [_photo_number(f) for f in files] == list(range(2500)), category
        assert all(Path(f).is_file() for f in files.iloc[[0, -1]])
    assert len(datasets.dogs_vs_cats_frame(root, n_per_class=3)) == 6
