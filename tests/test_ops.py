"""cnncourse.ops against Keras: the NumPy versions must compute what the layers compute."""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest
from scipy import signal

from cnncourse import ops
from cnncourse.repro import quiet_tensorflow

quiet_tensorflow()
keras = pytest.importorskip("keras")

PADDINGS = ("valid", "same")


def keras_conv(x: np.ndarray, kernel: np.ndarray, stride, padding: str) -> np.ndarray:
    """What Conv2D(use_bias=False) with this kernel gives for one (H, W, C) image."""
    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], strides=stride,
                                padding=padding, use_bias=False)
    layer.build((None, *x.shape))
    layer.set_weights([kernel.astype("float32")])
    return keras.ops.convert_to_numpy(layer(x[None].astype("float32")))[0]


def keras_pool(x: np.ndarray, size, stride, mode: str, padding: str) -> np.ndarray:
    cls = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = cls(pool_size=size, strides=stride, padding=padding)
    return keras.ops.convert_to_numpy(layer(x[None].astype("float32")))[0]


def fitting_shape(rng: np.random.Generator, window: tuple[int, int]) -> tuple[int, int]:
    """A random (H, W) from the window's size (valid still fits) up to 13."""
    return (int(rng.integers(window[0], 14)), int(rng.integers(window[1], 14)))


CONV_CASES = list(itertools.product(PADDINGS, (1, 2, 3, (1, 3), (2, 1)),
                                    (1, 2, 3, 4, 5, (2, 3), (3, 1))))


@pytest.mark.parametrize(("padding", "stride", "ksize"), CONV_CASES, ids=str)
def test_conv2d_equals_keras_conv2d(padding, stride, ksize):
    rng = np.random.default_rng(zlib.crc32(repr((padding, stride, ksize)).encode()))
    kh, kw = (ksize, ksize) if isinstance(ksize, int) else ksize
    c_in, c_out = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    x = rng.standard_normal((*fitting_shape(rng, (kh, kw)), c_in))
    kernel = rng.standard_normal((kh, kw, c_in, c_out))
    ours = ops.conv2d(x, kernel, stride=stride, padding=padding)
    theirs = keras_conv(x, kernel, stride, padding)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_conv2d_on_a_2d_image_with_a_2d_kernel_returns_2d():
    rng = np.random.default_rng(0)
    x, kernel = rng.standard_normal((9, 7)), rng.standard_normal((3, 2))
    ours = ops.conv2d(x, kernel, padding="same", stride=2)
    theirs = keras_conv(x[..., None], kernel[..., None, None], 2, "same")[..., 0]
    assert ours.shape == theirs.shape == (5, 4)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    # a 2-D image with a 4-D kernel is one channel, and keeps the channel axis
    assert ops.conv2d(x, kernel[..., None, None]).shape == (7, 6, 1)


def test_conv2d_int_padding_equals_zero_padding2d_then_valid():
    rng = np.random.default_rng(1)
    x, kernel = rng.standard_normal((6, 8, 2)), rng.standard_normal((3, 3, 2, 3))
    padded = keras.ops.convert_to_numpy(keras.layers.ZeroPadding2D(2)(x[None]))[0]
    np.testing.assert_allclose(ops.conv2d(x, kernel, padding=2, stride=2),
                               keras_conv(padded, kernel, 2, "valid"), rtol=1e-4, atol=1e-4)


def test_conv2d_is_cross_correlation_and_flipping_gives_true_convolution():
    rng = np.random.default_rng(2)
    x, kernel = rng.standard_normal((8, 9)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(ops.conv2d(x, kernel), signal.correlate2d(x, kernel, "valid"))
    np.testing.assert_allclose(ops.conv2d(x, kernel[::-1, ::-1]),
                               signal.convolve2d(x, kernel, "valid"))


def test_conv2d_does_not_overflow_on_uint8_images():
    x = np.full((4, 4), 255, dtype=np.uint8)
    out = ops.conv2d(x, np.ones((3, 3), dtype=np.uint8))
    assert out.dtype == np.float32
    assert np.all(out == 9 * 255)


POOL_CASES = list(itertools.product(("max", "average"), PADDINGS, (1, 2, 3, (2, 3)),
                                    (None, 1, 2, (3, 1))))


@pytest.mark.parametrize(("mode", "padding", "size", "stride"), POOL_CASES, ids=str)
def test_pool2d_equals_keras_pooling(mode, padding, size, stride):
    rng = np.random.default_rng(zlib.crc32(repr((mode, padding, size, stride)).encode()))
    window = (size, size) if isinstance(size, int) else size
    x = rng.standard_normal((*fitting_shape(rng, window), int(rng.integers(1, 4))))
    ours = ops.pool2d(x, size, stride=stride, mode=mode, padding=padding)
    theirs = keras_pool(x, size, stride, mode, padding)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_pool2d_same_padding_is_ignored_by_max_and_average():
    x = -np.ones((3, 3))  # zeros of padding would win a max and pull an average up
    assert np.all(ops.pool2d(x, 2, padding="same") == -1)
    assert np.all(ops.pool2d(x, 2, padding="same", mode="average") == -1)


def test_pool2d_max_on_booleans():
    mask = np.array([[True, False, False], [False, False, False], [False, False, True]])
    np.testing.assert_array_equal(ops.pool2d(mask, 2, padding="same"), [[True, False], [False, True]])


def test_pool2d_2d_input_and_integer_dtypes():
    x = np.array([[1, 9, 0], [2, 3, 4], [7, 0, 5]], dtype=np.uint8)
    out = ops.pool2d(x, 2, padding="same")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[9, 4], [7, 5]])
    np.testing.assert_allclose(ops.pool2d(x, 2, mode="average", padding="same"),
                               [[15 / 4, 2], [3.5, 5]])


@pytest.mark.parametrize("padding", PADDINGS)
def test_output_size_matches_keras_output_shapes(padding):
    for n, k, s in itertools.product(range(1, 13), range(1, 6), range(1, 4)):
        conv = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding=padding)
        pool = keras.layers.MaxPooling2D((k, 1), strides=(s, 1), padding=padding)
        for layer in (conv, pool):
            try:
                expected = layer.compute_output_shape((None, n, 1, 1))[1]
            except ValueError:  # Keras: no position fits
                with pytest.raises(ValueError, match="larger than the input"):
                    ops.output_size(n, k, stride=s, padding=padding)
                continue
            assert ops.output_size(n, k, stride=s, padding=padding) == expected, (n, k, s)


def test_output_size_with_explicit_padding_is_the_textbook_formula():
    for n, k, s, p in itertools.product(range(1, 12), range(1, 6), range(1, 4), range(3)):
        if k <= n + 2 * p:
            assert ops.output_size(n, k, stride=s, padding=p) == (n + 2 * p - k) // s + 1


def test_padding_amounts_puts_the_odd_zero_after():
    assert ops.padding_amounts(5, 4) == (1, 2)
    assert ops.padding_amounts(6, 3, stride=2) == (0, 1)
    assert ops.padding_amounts(7, 3, stride=2) == (1, 1)
    assert ops.padding_amounts(6, 3, padding="valid") == (0, 0)
    assert ops.padding_amounts(6, 3, padding=2) == (2, 2)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ops.conv2d(np.zeros(5), np.zeros((3, 3))), r"\(H, W\).*\(5,\)"),
    (lambda: ops.conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3))), r"\(1, 5, 5, 1\)"),
    (lambda: ops.conv2d(np.zeros((5, 5)), np.zeros((3, 3, 1))), r"kernel.*\(3, 3, 1\)"),
    (lambda: ops.conv2d(np.zeros((5, 5, 3)), np.zeros((3, 3, 1, 4))),
     r"3 channel.*\(5, 5, 3\).*expects 1.*\(3, 3, 1, 4\)"),
    (lambda: ops.conv2d(np.zeros((5, 5, 3)), np.zeros((3, 3))), r"\(5, 5, 3\).*\(3, 3\)"),
    (lambda: ops.conv2d(np.zeros((4, 4)), np.zeros((5, 5))), r"\(5, 5\).*larger.*\(4, 4\)"),
    (lambda: ops.conv2d(np.zeros((4, 4)), np.zeros((3, 3)), stride=0), "stride"),
    (lambda: ops.conv2d(np.zeros((4, 4)), np.zeros((3, 3)), stride=(1, -1)), "stride"),
    (lambda: ops.conv2d(np.zeros((4, 4)), np.zeros((3, 3)), padding="full"), "'full'"),
    (lambda: ops.conv2d(np.zeros((4, 4)), np.zeros((3, 3)), padding=-1), "padding"),
    (lambda: ops.pool2d(np.zeros((1, 4, 4, 1))), r"\(1, 4, 4, 1\)"),
    (lambda: ops.pool2d(np.zeros((4, 4)), 5), r"\(5, 5\).*larger.*\(4, 4\)"),
    (lambda: ops.pool2d(np.zeros((4, 4)), 0), "size"),
    (lambda: ops.pool2d(np.zeros((4, 4)), 2, stride=0), "stride"),
    (lambda: ops.pool2d(np.zeros((4, 4)), mode="min"), "'min'"),
    (lambda: ops.pool2d(np.zeros((4, 4)), padding="full"), "'full'"),
    (lambda: ops.output_size(2, 3), "larger than the input"),
    (lambda: ops.output_size(5, 3, stride=0), "stride"),
    (lambda: ops.output_size(5, 3, padding="full"), "'full'"),
])
def test_bad_input_raises_a_value_error_that_names_the_problem(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_kernel_larger_than_the_input_is_fine_under_same():
    assert ops.conv2d(np.ones((2, 2)), np.ones((3, 3)), padding="same").shape == (2, 2)


def test_classic_kernels_do_what_their_docstrings_say():
    rng = np.random.default_rng(3)
    image = rng.random((6, 7))
    np.testing.assert_allclose(ops.conv2d(image, ops.IDENTITY, padding="same"), image)
    for blur in (ops.BOX_BLUR, ops.GAUSSIAN_BLUR):
        np.testing.assert_allclose(ops.conv2d(np.full((5, 5), 0.7), blur), 0.7)
    assert ops.OUTLINE.sum() == 0
    ramp = np.tile(np.arange(6.0), (5, 1))  # brighter to the right
    assert np.all(ops.conv2d(ramp, ops.SOBEL_X) > 0)
    assert np.all(ops.conv2d(ramp, ops.SOBEL_Y) == 0)
    np.testing.assert_array_equal(ops.SOBEL_Y, ops.SOBEL_X.T)
    for name, kernel in ops.CLASSIC_KERNELS.items():
        assert kernel.shape == (3, 3), name
        with pytest.raises(ValueError):  # read-only: a notebook cannot change them
            kernel[0, 0] = 1


def test_docstring_examples_are_right():
    import doctest

    result = doctest.testmod(ops, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
