"""Tests of cnncourse.images: checking messy photo files and the tf.data pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cnncourse import images

RED = (200, 30, 40)


def _smooth_rgb(h: int = 24, w: int = 32) -> np.ndarray:
    """A smooth colour image (JPEG keeps it close to the original)."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([40 + 6 * x, 30 + 8 * y, np.full_like(x, 120)], axis=-1).astype(np.uint8)


@pytest.fixture
def messy(tmp_path: Path) -> dict[str, Path]:
    """A folder with one file of every kind the full PetImages set holds."""
    rgb = _smooth_rgb()
    files = {name: tmp_path / f"{name}.jpg" for name in
             ("rgb", "gray", "cmyk", "png_named_jpg", "truncated", "text", "empty")}
    Image.fromarray(rgb).save(files["rgb"], quality=95)
    Image.fromarray(rgb).convert("L").save(files["gray"], quality=95)
    Image.new("RGB", (32, 24), RED).convert("CMYK").save(files["cmyk"], quality=95)
    Image.fromarray(rgb).convert("RGBA").save(files["png_named_jpg"], format="PNG")
    whole = files["rgb"].read_bytes()
    files["truncated"].write_bytes(whole[: len(whole) // 2])
    files["text"].write_text("<html>this download went wrong</html>")
    files["empty"].write_bytes(b"")
    return files


def test_check_image_accepts_what_tensorflow_reads_and_names_it(messy):
    assert images.check_image(messy["rgb"]) == ("ok", "JPEG RGB")
    assert images.check_image(messy["gray"]) == ("ok", "JPEG L")
    assert images.check_image(messy["cmyk"]) == ("ok", "JPEG CMYK")
    assert images.check_image(messy["png_named_jpg"]) == ("ok", "PNG RGBA")


@pytest.mark.parametrize("name, why", [
    ("truncated", "truncated"),
    ("text", "not an image"),
    ("empty", "empty"),
])
def test_check_image_skips_broken_files_and_says_why(messy, name, why):
    status, detail = images.check_image(messy[name])
    assert status == "skip"
    assert why in detail.lower()


def test_check_image_skips_formats_tensorflow_cannot_decode(tmp_path):
    path = tmp_path / "scan.jpg"
    Image.fromarray(_smooth_rgb()).save(path, format="TIFF")
    assert images.check_image(path) == ("skip", "TIFF RGB: format not read by TensorFlow")


def test_usable_keeps_readable_rows_and_counts_the_rest(messy):
    frame = pd.DataFrame({"filename": [str(p) for p in messy.values()],
                          "category": ["cat", "dog"] * 3 + ["cat"]})
    kept, problems = images.usable(frame)
    assert [Path(f).stem for f in kept["filename"]] == ["rgb", "gray", "cmyk", "png_named_jpg"]
    assert kept["category"].tolist() == ["cat", "dog", "cat", "dog"]
    assert kept.index.tolist() == [0, 1, 2, 3]
    assert sorted(Path(f).stem for f in problems["filename"]) == ["empty", "text", "truncated"]
    assert list(problems.columns) == ["filename", "category", "detail"]


def test_usable_names_the_missing_column():
    with pytest.raises(KeyError, match="column="):
        images.usable(pd.DataFrame({"path": []}))


def test_pipeline_converts_every_readable_kind_to_rgb(messy):
    names = ["rgb", "gray", "cmyk", "png_named_jpg"]
    ds = images.make_dataset([messy[n] for n in names], [0, 1, 0, 1],
                             image_size=(24, 32), batch_size=4)
    batch, labels = next(iter(ds))
    batch = batch.numpy()
    assert batch.shape == (4, 24, 32, 3) and batch.dtype == np.float32
    assert labels.numpy().tolist() == [0, 1, 0, 1]
    rgb, gray, cmyk, png = batch
    assert np.abs(rgb - _smooth_rgb()).mean() < 3  # JPEG at quality 95
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 0], gray[..., 2])
    assert np.abs(cmyk - np.array(RED)).max() < 6  # CMYK back to the red it was
    assert np.array_equal(png, _smooth_rgb())  # PNG is lossless, and the size unchanged


def test_pipeline_resizes_and_yields_values_0_to_255(messy):
    ds = images.make_dataset([messy["rgb"]] * 3, image_size=16, batch_size=2)
    batches = [b.numpy() for b in ds]
    assert [b.shape for b in batches] == [(2, 16, 16, 3), (1, 16, 16, 3)]
    assert 0 <= batches[0].min() and batches[0].max() <= 255
    assert batches[0].max() > 1  # not rescaled: that is the model's job


def test_pipeline_fails_on_an_unchecked_broken_file(messy):
    import tensorflow as tf

    ds = images.make_dataset([messy["rgb"], messy["text"]], [0, 1], image_size=8)
    with pytest.raises(tf.errors.InvalidArgumentError):
        list(ds)


def test_shuffle_repeats_with_the_seed_and_changes_every_epoch(tmp_path):
    files = []
    for i in range(12):
        files.append(tmp_path / f"{i}.png")
        Image.new("RGB", (4, 4), (i * 20, 0, 0)).save(files[-1])
    labels = np.arange(12) % 2

    def order(ds):
        return [int(v) for x, _ in ds for v in x.numpy()[:, 0, 0, 0] // 20]

    ds = images.make_dataset(files, labels, image_size=4, batch_size=5, shuffle=True, seed=3)
    first, second = order(ds), order(ds)
    assert sorted(first) == list(range(12))
    assert first != second  # reshuffled each epoch
    again = images.make_dataset(files, labels, image_size=4, batch_size=5, shuffle=True, seed=3)
    assert order(again) == first
    in_order = images.make_dataset(files, labels, image_size=4, batch_size=5)
    assert order(in_order) == list(range(12))


def test_make_dataset_checks_its_arguments(messy):
    with pytest.raises(ValueError, match="2 labels"):
        images.make_dataset([messy["rgb"]], [0, 1])
    with pytest.raises(ValueError, match="at least one file"):
        images.make_dataset([])
    with pytest.raises(ValueError, match="image_size"):
        images.make_dataset([messy["rgb"]], image_size=(0, 4))


def test_load_batch_matches_the_pipeline(messy):
    paths = [messy["gray"], messy["png_named_jpg"]]
    x = images.load_batch(paths, image_size=20)
    from_ds = next(iter(images.make_dataset(paths, image_size=20, batch_size=2))).numpy()
    assert x.shape == (2, 20, 20, 3) and x.dtype == np.float32
    assert np.array_equal(x, from_ds)


def test_labels_of_maps_cat_to_0_and_dog_to_1():
    frame = pd.DataFrame({"category": ["dog", "cat", "Dog"]})
    assert images.labels_of(frame).tolist() == [1, 0, 1]
    assert images.CLASS_NAMES[0] == "cat"
    with pytest.raises(ValueError, match="unknown categories"):
        images.labels_of(pd.DataFrame({"category": ["cat", "bird"]}))


def test_split_is_stratified_disjoint_and_repeatable():
    frame = pd.DataFrame({"filename": [f"{i}.jpg" for i in range(200)],
                          "category": ["cat"] * 120 + ["dog"] * 80})
    train, val, test = images.split(frame, test_size=0.2, val_size=0.1, seed=1)
    assert (len(train), len(val), len(test)) == (140, 20, 40)
    parts = [set(p["filename"]) for p in (train, val, test)]
    assert set.union(*parts) == set(frame["filename"]) and sum(map(len, parts)) == 200
    for part in (train, val, test):
        assert (part["category"] == "cat").mean() == pytest.approx(0.6)
    again = images.split(frame, test_size=0.2, val_size=0.1, seed=1)
    assert again[2]["filename"].tolist() == test["filename"].tolist()
    with pytest.raises(ValueError, match="sum below 1"):
        images.split(frame, test_size=0.5, val_size=0.5)
