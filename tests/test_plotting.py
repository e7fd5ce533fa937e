"""Tests of cnncourse.plotting."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnncourse import plotting  # noqa: E402


# --- confusion_matrix and mistakes (chapter 5) --------------------------------

FASHION_LIKE = ["t", "u", "v"]


def test_confusion_matrix_shows_counts_with_class_names():
    fig = plotting.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], FASHION_LIKE)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == FASHION_LIKE
    values = [t.get_text() for t in ax.texts]
    assert values == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]  # row by row
    plt.close(fig)


def test_confusion_matrix_normalized_rows_sum_to_one():
    fig = plotting.confusion_matrix([0, 0, 1, 1], np.eye(2)[[0, 1, 1, 1]], ["a", "b"],
                                    normalize="true")
    values = [float(t.get_text()) for t in fig.axes[0].texts]
    assert values == [0.5, 0.5, 0.0, 1.0]
    plt.close(fig)


def test_confusion_matrix_explains_bad_arguments():
    with pytest.raises(ValueError, match="normalize"):
        plotting.confusion_matrix([0], [0], ["a"], normalize="rows")
    with pytest.raises(ValueError, match="class_names"):
        plotting.confusion_matrix([0, 2], [0, 1], ["a", "b"])


def test_mistakes_shows_most_confident_errors_first():
    images = np.arange(5 * 4 * 4, dtype=np.uint8).reshape(5, 4, 4)
    y_true = np.array([0, 1, 1, 0, 2])
    probs = np.array([[0.1, 0.6, 0.3],    # wrong, 0.6
                      [0.0, 1.0, 0.0],    # right
                      [0.9, 0.05, 0.05],  # wrong, 0.9
                      [0.7, 0.2, 0.1],    # right
                      [0.2, 0.7, 0.1]])   # wrong, 0.7
    fig = plotting.mistakes(images, y_true, probs.argmax(1), probs, FASHION_LIKE, n=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["t 0.90\n(true: u)", "u 0.70\n(true: v)"]
    shown = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(shown, images[2] / 255.0)
    plt.close(fig)


@pytest.mark.parametrize("shape, dtype, scale", [
    ((6, 5, 5), np.uint8, 255), ((6, 5, 5, 1), np.float32, 1), ((6, 5, 5, 3), np.uint8, 255),
    ((6, 5, 5, 3), np.float64, 255)])
def test_mistakes_accepts_gray_and_colour_images(shape, dtype, scale):
    images = (np.random.default_rng(0).random(shape) * scale).astype(dtype)
    y_true = np.zeros(6, int)
    p_dog = np.array([0.9, 0.2, 0.8, 0.1, 0.6, 0.3])  # a sigmoid output: P(class 1)
    fig = plotting.mistakes(images, y_true, (p_dog > 0.5).astype(int), p_dog, ["cat", "dog"])
    assert [ax.get_title() for ax in fig.axes] == [
        "dog 0.90\n(true: cat)", "dog 0.80\n(true: cat)", "dog 0.60\n(true: cat)"]
    shown = fig.axes[0].get_images()[0].get_array()
    assert 0.0 <= shown.min() and shown.max() <= 1.0
    plt.close(fig)


def test_mistakes_without_errors_says_so():
    fig = plotting.mistakes(np.zeros((2, 3, 3)), [0, 1], [0, 1], np.eye(2), ["a", "b"])
    assert "no misclassified" in fig.axes[0].texts[0].get_text()
    plt.close(fig)


def test_mistakes_explains_mismatched_lengths():
    with pytest.raises(ValueError, match="one row per image"):
        plotting.mistakes(np.zeros((3, 4, 4)), [0, 1], [0, 1], np.eye(2), ["a", "b"])


# --- feature_maps, kernels, sliding_window (chapters 2-4) ---------------------


def test_feature_maps_one_panel_per_channel_in_order():
    maps = np.stack([np.full((5, 6), float(c)) + np.eye(5, 6) for c in range(5)], axis=-1)
    fig = plotting.feature_maps(maps, ncols=2, titles=list("abcde"))
    assert len(fig.axes) == 5
    assert [ax.get_title() for ax in fig.axes] == list("abcde")
    for c, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), maps[..., c])
    plt.close(fig)


def test_feature_maps_drops_a_batch_of_one_and_rejects_other_shapes():
    fig = plotting.feature_maps(np.zeros((1, 4, 4, 3)))
    assert len(fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\(H, W, C\).*\(4, 4\)"):
        plotting.feature_maps(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="3 channels but 2 titles"):
        plotting.feature_maps(np.zeros((4, 4, 3)), titles=["a", "b"])


def test_kernels_gray_filters_share_a_scale_centred_on_zero_and_show_values():
    w = np.zeros((3, 3, 1, 2))
    w[..., 0, 0] = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    w[..., 0, 1] = 0.5
    fig = plotting.kernels(w)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.images[0].get_clim() == (-2.0, 2.0)
    assert [t.get_text() for t in fig.axes[0].texts] == ["-1", "0", "1", "-2", "0", "2",
                                                         "-1", "0", "1"]
    plt.close(fig)


def test_kernels_rgb_filters_are_colour_patches_rescaled_to_unit_range():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((5, 5, 3, 4))
    fig = plotting.kernels(w, ncols=2)
    assert len(fig.axes) == 4
    shown = np.asarray(fig.axes[1].images[0].get_array())
    assert shown.shape == (5, 5, 3)
    assert shown.min() == pytest.approx(0) and shown.max() == pytest.approx(1)
    np.testing.assert_allclose(shown, (w[..., 1] - w[..., 1].min()) / np.ptp(w[..., 1]))
    assert not fig.axes[0].texts  # no numbers on colour patches
    plt.close(fig)


def test_kernels_other_channel_counts_show_the_mean_over_inputs():
    w = np.arange(2 * 2 * 2 * 3, dtype=float).reshape(2, 2, 2, 3)
    fig = plotting.kernels(w)
    np.testing.assert_allclose(fig.axes[2].images[0].get_array(), w[..., 2].mean(axis=-1))
    plt.close(fig)
    with pytest.raises(ValueError, match=r"\(kh, kw, c_in, c_out\).*\(3, 3, 3\)"):
        plotting.kernels(np.zeros((3, 3, 3)))


def test_sliding_window_shows_products_and_output_so_far():
    image = np.arange(12.0).reshape(3, 4)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]])
    fig = plotting.sliding_window(image, kernel, steps=[(1, 2)])
    inp, ker, prod, out = fig.axes
    # products of the window at row 1, column 2 with the kernel
    assert [t.get_text() for t in prod.texts] == ["6", "0", "0", "-11"]
    assert prod.get_title() == "products, sum = -5"
    assert out.get_title() == "output[1, 2] = -5"
    # the output is filled in raster order up to this step: all 6 values
    assert [t.get_text() for t in out.texts] == ["-5"] * 6
    assert len(inp.texts) == 12 and len(ker.texts) == 4
    plt.close(fig)


def test_sliding_window_draws_padding_and_default_steps():
    fig = plotting.sliding_window(np.ones((3, 3)), np.ones((3, 3)), padding="same")
    assert len(fig.axes) == 12  # first two positions and the last, 4 panels each
    assert len(fig.axes[0].texts) == 25  # 3×3 input framed by one ring of zeros
    assert "padding" in fig.axes[0].get_title()
    assert fig.axes[-1].get_title() == "output[2, 2] = 4"
    plt.close(fig)
    with pytest.raises(ValueError, match="outside the output"):
        plotting.sliding_window(np.ones((3, 3)), np.ones((3, 3)), steps=[(1, 0)])


def test_image_grid_lays_out_titles_and_removes_spare_axes():
    fig = plotting.image_grid(np.zeros((5, 4, 4, 1)), list("abcde"), ncols=3)
    assert [ax.get_title() for ax in fig.axes] == list("abcde")
    assert fig.axes[0].get_images()[0].get_array().shape == (4, 4)


def test_image_grid_explains_bad_arguments():
    with pytest.raises(ValueError, match="at least one"):
        plotting.image_grid([])
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        plotting.image_grid(np.zeros((2, 3, 3)), ["only one"])


def test_training_curves_plots_training_and_validation_per_epoch():
    logs = {"loss": [0.9, 0.5, 0.4], "accuracy": [0.6, 0.8, 0.85],
            "val_loss": [1.0, 0.7, 0.6], "val_accuracy": [0.5, 0.7, 0.75]}
    fig = plotting.training_curves(logs, title="run")
    acc, loss = fig.axes
    assert (acc.get_title(), loss.get_title()) == ("Accuracy", "Loss")
    assert [line.get_label() for line in acc.get_lines()] == ["training", "validation"]
    np.testing.assert_allclose(acc.get_lines()[1].get_ydata(), logs["val_accuracy"])
    np.testing.assert_allclose(loss.get_lines()[0].get_xdata(), [1, 2, 3])


def test_training_curves_without_validation_and_missing_metric():
    fig = plotting.training_curves({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]})
    assert len(fig.axes[0].get_lines()) == 1
    with pytest.raises(KeyError, match="accuracy"):
        plotting.training_curves({"loss": [1.0]})


def test_pixels_writes_every_value_in_readable_colours():
    image = np.array([[0, 255], [128, 7]], dtype=np.uint8)
    fig = plotting.pixels(image, title="t")
    texts = fig.axes[0].texts
    assert [t.get_text() for t in texts] == ["0", "255", "128", "7"]
    assert texts[0].get_color() == "white" and texts[1].get_color() == "black"
    floats = plotting.pixels(np.array([[0.5, 0.25]]))
    assert [t.get_text() for t in floats.axes[0].texts] == ["0.50", "0.25"]
    with pytest.raises(ValueError, match="one channel"):
        plotting.pixels(np.zeros((2, 2, 3)))


def test_pixels_can_centre_signed_values_and_writes_no_negative_zero():
    values = np.array([[-0.04, 0.3], [-2.0, 1.0]])
    fig = plotting.pixels(values, fmt=".1f", centre=True)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["0.0", "0.3", "-2.0", "1.0"]
    assert fig.axes[0].images[0].get_clim() == (-2.0, 2.0)
    stretched = plotting.pixels(values, fmt=".1f")
    assert stretched.axes[0].images[0].get_clim() == (-2.0, 1.0)
    plt.close("all")


def test_feature_maps_can_give_each_panel_a_colour_bar():
    maps = np.random.default_rng(0).random((4, 4, 3))
    assert len(plotting.feature_maps(maps).axes) == 3
    with_bars = plotting.feature_maps(maps, colorbar=True)
    assert len(with_bars.axes) == 6
    first = maps[..., 0]
    assert with_bars.axes[3].get_ylim() == pytest.approx(
        (first.min(), first.max()))
    plt.close("all")


def test_rgb_channels_shows_each_channel_alone():
    image = np.zeros((2, 3, 3), np.uint8)
    image[..., 1] = 200
    fig = plotting.rgb_channels(image)
    red, green = (fig.axes[i].get_images()[0].get_array() for i in (1, 2))
    assert red.max() == 0 and green.min() == 200
    assert fig.axes[2].get_images()[0].get_clim() == (0, 255)
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        plotting.rgb_channels(np.zeros((2, 2)))


def test_kernels_titles_one_per_filter():
    fig = plotting.kernels(np.zeros((3, 3, 1, 2)), titles=["epoch 1", "epoch 2"])
    assert [ax.get_title() for ax in fig.axes] == ["epoch 1", "epoch 2"]
    plt.close(fig)
    with pytest.raises(ValueError, match="2 filters but 1 titles"):
        plotting.kernels(np.zeros((3, 3, 1, 2)), titles=["a"])


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pooling_windows_shows_input_windows_and_pooled_values(mode):
    x = np.array([[1, 9, 2, 0, 7], [3, 4, 6, 8, 7], [0, 5, 1, 1, 7], [2, 2, 3, 4, 7]])
    fig = plotting.pooling_windows(x, mode=mode)
    inp, out = fig.axes
    assert len(inp.texts) == 20
    expected = ["9", "8", "5", "4"] if mode == "max" else ["4.25", "4", "2.25", "2.25"]
    assert [t.get_text() for t in out.texts] == expected
    bold = [t.get_text() for t in inp.texts if t.get_fontweight() == "bold"]
    assert bold == (["9", "8", "5", "4"] if mode == "max" else [])
    # the dropped last column is left white, each window has its output's colour
    colours = np.asarray(inp.images[0].get_array())
    assert np.all(colours[:, 4] == 1.0)
    np.testing.assert_array_equal(colours[0, 0], np.asarray(out.images[0].get_array())[0, 0])
    plt.close(fig)


def test_kernels_annotations_are_rounded_to_two_decimals():
    fig = plotting.kernels(np.array([[1 / 9, -4e-5], [-1.0, 2.5]]))
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.11", "0", "-1", "2.5"]
    plt.close(fig)


def test_feature_maps_panels_follow_the_maps_aspect_ratio():
    fig = plotting.feature_maps(np.zeros((10, 40, 4)), ncols=4, size=2.0)
    width, height = fig.get_size_inches()
    assert width == pytest.approx(8.0) and height == pytest.approx(2.0 * 10 / 40 + 0.3)
    plt.close(fig)


def test_explanations_one_column_an_image_one_row_a_method():
    x = np.full((3, 6, 6, 3), 200, np.uint8)
    hot = np.zeros((3, 6, 6))
    hot[:, 1, 4] = 1.0
    fig = plotting.explanations(x, {"Grad-CAM": hot, "occlusion": 1 - hot}, ["a", "b", "c"])
    assert len(fig.axes) == 9
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    assert [fig.axes[i].get_ylabel() for i in (3, 6)] == ["Grad-CAM", "occlusion"]
    photo, (under, over) = fig.axes[0].images[0], fig.axes[4].images
    assert np.allclose(photo.get_array(), 200 / 255)  # 0-255 shown on a 0-1 scale
    assert np.allclose(under.get_array(), 200 / 255)  # the photo in gray under the map
    assert over.get_array()[1, 4] == 1.0 and over.get_alpha() == 0.5
    assert over.get_clim() == (0, 1)


def test_explanations_explains_bad_arguments():
    x = np.zeros((2, 4, 4, 3))
    with pytest.raises(ValueError, match="one \\(H, W\\) map an image"):
        plotting.explanations(x, {"Grad-CAM": np.zeros((2, 5, 5))})
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        plotting.explanations(x, {"Grad-CAM": np.zeros((2, 4, 4))}, ["a"])
    with pytest.raises(ValueError, match="at least one image and one map"):
        plotting.explanations(x, {})
