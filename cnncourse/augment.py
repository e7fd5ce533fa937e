"""Data augmentation with Keras preprocessing layers.

Keras 3 has no ``ImageDataGenerator``: random flips, rotations, zooms, shifts
and contrast changes are layers. Put at the start of a model they change
every training batch anew and do nothing at inference (``training=False``),
so the saved model can be given plain photos.

Examples
--------
>>> import keras  # doctest: +SKIP
>>> inputs = keras.Input((128, 128, 3))  # doctest: +SKIP
>>> x = augmentation()(inputs)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["article_augmentation", "augmentation", "augmented_copies"]


def augmentation(
    *,
    flip: bool = True,
    rotation: float = 0.05,
    zoom: float = 0.2,
    translation: float = 0.1,
    contrast: float = 0.0,
    seed: int | None = None,
    name: str = "augmentation",
) -> Any:
    """A block of random transformations, active only while training.

    Parameters
    ----------
    flip : bool
        Mirror left-right half of the time (a mirrored cat is still a cat;
        upside-down photos are rare, so no vertical flips).
    rotation : float
        Largest rotation as a fraction of a full turn (0.05 is 18°); 0 for none.
    zoom : float
        Largest zoom in or out as a fraction of the size; 0 for none.
    translation : float
        Largest shift as a fraction of the height and width; 0 for none.
    contrast : float
        Largest contrast change (0.2: a factor in [0.8, 1.2]); 0 for none.
        Expects values 0-255 or 0-1 as given to ``value_range`` (0-255 here).
    seed : int, optional
        Seed of the layers' random draws.
    name : str
        Name of the block in the model summary.

    Returns
    -------
    keras.Sequential
        The chosen layers, in the order flip, rotation, zoom, translation,
        contrast; the pixels outside the photo after a transformation are
        filled by reflection.

    Examples
    --------
    >>> [layer.__class__.__name__ for layer in augmentation(contrast=0.1).layers]
    ['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation', 'RandomContrast']
    """
    import keras
    from keras import layers

    for arg, value in (("rotation", rotation), ("zoom", zoom), ("translation", translation),
                       ("contrast", contrast)):
        if not 0 <= value < 1:
            raise ValueError(f"{arg} must be in [0, 1), got {value}; 0 turns it off")
    steps: list[Any] = []
    if flip:
        steps.append(layers.RandomFlip("horizontal", seed=seed))
    if rotation:
        steps.append(layers.RandomRotation(rotation, fill_mode="reflect", seed=seed))
    if zoom:
        steps.append(layers.RandomZoom(zoom, fill_mode="reflect", seed=seed))
    if translation:
        steps.append(layers.RandomTranslation(translation, translation, fill_mode="reflect",
                                              seed=seed))
    if contrast:
        steps.append(layers.RandomContrast(contrast, value_range=(0, 255), seed=seed))
    if not steps:
        raise ValueError("augmentation with every transformation off does nothing; "
                         "leave it out of the model instead")
    return keras.Sequential(steps, name=name)


def article_augmentation(seed: int | None = None) -> Any:
    """The source article's distortions as layers: random zoom (±20%) and horizontal flips.

    The article's ``ImageDataGenerator(rescale=1./255, ...)`` listing is cut
    off after ``rescale``; its text names zoom and flips. The ``rescale`` part
    is a ``Rescaling`` layer in the model, not an augmentation.

    Examples
    --------
    >>> [layer.__class__.__name__ for layer in article_augmentation().layers]
    ['RandomFlip', 'RandomZoom']
    """
    return augmentation(flip=True, rotation=0.0, zoom=0.2, translation=0.0, seed=seed,
                        name="article_augmentation")


def augmented_copies(image: np.ndarray, block: Any, n: int = 9) -> np.ndarray:
    """Run one image through an augmentation block ``n`` times, in training mode.

    Parameters
    ----------
    image : array of shape ``(H, W, 3)``
        One photo, values 0-255.
    block : keras.Layer
        E.g. :func:`augmentation`'s result.
    n : int
        How many versions, the original included.

    Returns
    -------
    numpy.ndarray
        ``(n, H, W, 3)`` float32, values 0-255; the first is the original,
        the others are drawn from the block's own random state (seed the
        block, or call ``repro.setup()`` before building it, to repeat them).

    Examples
    --------
    >>> copies = augmented_copies(np.full((8, 8, 3), 100.0), augmentation(), n=4)
    >>> copies.shape
    (4, 8, 8, 3)
    """
    import keras

    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"image must be one (H, W, 3) photo, got shape {image.shape}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    batch = np.repeat(image[None], n - 1, axis=0)
    copies = [image[None]]
    if n > 1:
        copies.append(keras.ops.convert_to_numpy(block(batch, training=True)))
    return np.concatenate(copies).astype(np.float32)
