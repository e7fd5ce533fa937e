"""Tests of cnncourse.models: the chapters' model builders."""

from __future__ import annotations

import numpy as np
import pytest


# --- Cats vs dogs (chapter 6) -------------------------------------------------


def test_article_cats_dogs_model_has_its_flatten_and_the_articles_size():
    from cnncourse import models

    model = models.article_cats_dogs_model()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds[-4:] == ["MaxPooling2D", "Flatten", "Dense", "Dense"]
    assert model.output_shape == (None, 2)
    flat = 30 * 30 * 64  # 128 -> 126 -> 63 -> 61 -> 30, 64 maps
    expected = (3 * 9 + 1) * 64 + (64 * 9 + 1) * 64 + (flat + 1) * 64 + (64 + 1) * 2
    assert model.count_params() == expected
    assert models.article_cats_dogs_model(64, augment=False).count_params() < expected


def test_cats_dogs_cnn_takes_raw_pixels_and_outputs_one_probability():
    import keras

    from cnncourse import models

    model = models.cats_dogs_cnn(64, epochs=2, steps_per_epoch=5, widths=(8, 16))
    kinds = [type(layer).__name__ for layer in model.layers]
    assert "Rescaling" in kinds and "Flatten" not in kinds
    assert "GlobalAveragePooling2D" in kinds
    x = np.random.default_rng(0).uniform(0, 255, (3, 64, 64, 3)).astype("float32")
    p = keras.ops.convert_to_numpy(model.predict(x, verbose=0))
    assert p.shape == (3, 1) and ((0 <= p) & (p <= 1)).all()
    assert np.array_equal(p, model.predict(x, verbose=0))  # augmentation off at inference


def test_cats_dogs_cnn_learning_rate_rises_then_falls_to_zero():
    import keras

    from cnncourse import models

    model = models.cats_dogs_cnn(32, epochs=10, steps_per_epoch=10, widths=(4,),
                                 peak_learning_rate=0.003)
    schedule = keras.optimizers.schedules.deserialize(model.optimizer.get_config()["learning_rate"])
    lr = [float(schedule(step)) for step in (0, 10, 55, 100)]
    assert lr[0] == pytest.approx(0.0001)
    assert lr[1] == pytest.approx(0.003)
    assert lr[1] > lr[2] > lr[3] and lr[3] == pytest.approx(0.0, abs=1e-6)


def test_cats_dogs_cnn_learns_an_easy_rule():
    """Bright photos are dogs, dark ones cats: a few epochs must get that."""
    from cnncourse import models, repro

    repro.setup(0)
    rng = np.random.default_rng(0)
    y = np.arange(64) % 2
    x = rng.uniform(0, 100, (64, 32, 32, 3)) + 150 * y[:, None, None, None]
    model = models.cats_dogs_cnn(32, epochs=8, steps_per_epoch=4, widths=(8, 16))
    model.fit(x.astype("float32"), y, batch_size=16, epochs=8, verbose=0)
    assert model.evaluate(x.astype("float32"), y, verbose=0, return_dict=True)["accuracy"] > 0.9


def test_cats_dogs_cnn_explains_a_missing_training_length():
    from cnncourse import models

    with pytest.raises(ValueError, match="len\\(train_ds\\)"):
        models.cats_dogs_cnn(epochs=0, steps_per_epoch=10)
