"""Tests of cnncourse.augment: augmentation layers, active only while training."""

from __future__ import annotations

import numpy as np
import pytest

from cnncourse import augment


def _photos(n: int = 4, size: int = 16) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(0, 255, (n, size, size, 3)).astype("float32")


def test_augmentation_stacks_the_chosen_layers_in_order():
    names = [type(layer).__name__ for layer in augment.augmentation(rotation=0, contrast=0.2).layers]
    assert names == ["RandomFlip", "RandomZoom", "RandomTranslation", "RandomContrast"]
    article = [type(layer).__name__ for layer in augment.article_augmentation().layers]
    assert article == ["RandomFlip", "RandomZoom"]


def test_augmentation_refuses_impossible_settings():
    with pytest.raises(ValueError, match="zoom"):
        augment.augmentation(zoom=1.5)
    with pytest.raises(ValueError, match="does nothing"):
        augment.augmentation(flip=False, rotation=0, zoom=0, translation=0)


def test_augmentation_is_the_identity_at_inference_and_random_in_training():
    import keras

    x = _photos()
    block = augment.augmentation(seed=1)
    same = keras.ops.convert_to_numpy(block(x, training=False))
    assert np.array_equal(same, x)
    changed = keras.ops.convert_to_numpy(block(x, training=True))
    assert changed.shape == x.shape
    assert not np.allclose(changed, x)


def test_flips_only_mirror_left_right():
    import keras

    x = _photos(n=16)
    block = augment.augmentation(rotation=0, zoom=0, translation=0, seed=3)
    out = keras.ops.convert_to_numpy(block(x, training=True))
    mirrored = [np.allclose(o, p[:, ::-1]) for o, p in zip(out, x)]
    kept = [np.allclose(o, p) for o, p in zip(out, x)]
    assert all(m or k for m, k in zip(mirrored, kept))
    assert any(mirrored) and any(kept)  # 16 coin flips: both sides come up


def test_augmented_copies_start_with_the_original():
    x = _photos(n=1)[0]
    copies = augment.augmented_copies(x, augment.augmentation(seed=2), n=5)
    assert copies.shape == (5, 16, 16, 3) and copies.dtype == np.float32
    assert np.array_equal(copies[0], x)
    assert not any(np.allclose(c, x) for c in copies[1:])
    with pytest.raises(ValueError, match="one"):
        augment.augmented_copies(_photos(n=2), augment.augmentation())
