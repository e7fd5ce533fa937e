"""The exercises of chapter 7, transfer learning."""

from __future__ import annotations

from typing import Any

import numpy as np

from cnncourse.exercises.grading import (
    Exercise, Question, Wrong, call, first_match, register, same,
)


def _grade_7_1(function: Any) -> str:
    rng = np.random.default_rng(71)
    x = np.concatenate([[0.0, 127.5, 255.0],
                        rng.uniform(0, 255, size=37)]).astype("float32")
    photos = x.reshape(1, 5, 8, 1).repeat(3, axis=-1)
    result = np.asarray(call(function, photos.copy()), dtype=float)
    if result.shape != photos.shape:
        raise Wrong(f"shape {result.shape}: return the photos with the same "
                    f"shape {photos.shape}, every pixel rescaled.")
    if same(result, photos / 127.5 - 1, atol=1e-4):
        return ("x / 127.5 - 1: 0 becomes -1, 127.5 becomes 0 and 255 "
                "becomes 1, as keras.applications.mobilenet_v2."
                "preprocess_input does.")
    raise Wrong(first_match(result, [
        (photos / 255, "that is [0, 1], chapter 6's range; these weights "
                       "were trained on [-1, 1]."),
        (photos / 127.5, "that is [0, 2]: subtract 1 as well."),
        ((photos - 127.5) / 255, "that is [-0.5, 0.5]: divide by 127.5, "
                                 "half of 255."),
        (photos - 127.5, "that centres the pixels on 0 but leaves them in "
                         "[-127.5, 127.5]: divide by 127.5 too."),
    ], atol=1e-4, default="0 should become -1, 127.5 should become 0 and "
                          "255 should become 1, on a straight line."))


register(Exercise(
    id="7.1", label="ch07-ex1",
    answer="a function (x) -> the photos rescaled from 0-255 to [-1, 1]",
    variable="preprocess",
    stub="def preprocess(x):\n"
         "    ...  # return the photos (0-255) in the range MobileNetV2 "
         "expects",
    hint="MobileNetV2's weights expect [-1, 1]: 0 must become -1 and 255 "
         "must become 1. Which number, halfway, must become 0?",
    solution="np.asarray(x, dtype='float32') / 127.5 - 1, which is what "
             "keras.applications.mobilenet_v2.preprocess_input computes. "
             "Chapter 6's x / 255 gives [0, 1]: to these weights every photo "
             "would look washed out, and the features would be worse. Each "
             "pretrained family has its own convention: use its own "
             "preprocess_input, or put it in the model as a layer.",
    grade=_grade_7_1,
))

register(Exercise(
    id="7.2", label="ch07-ex2",
    answer="a letter", variable="choice_7_2",
    hint="What does a batch-norm layer normalize with in training mode, and "
         "what with at prediction time?",
    solution="In training mode batch norm normalizes with the current "
             "batch's mean and variance, and the layers after it adapt to "
             "them; at prediction time it uses its running averages, learned "
             "on ImageNet and moving slowly (momentum 0.999): the layers are "
             "used with another normalization than the one they were tuned "
             "for. In inference mode it is the same in both, and the "
             "pretrained statistics are kept. In Keras 3, freeze the "
             "batch-norm layers (trainable = False) to get it: fit's "
             "training=True overrides a training=False call inside a "
             "functional model.",
    question=Question(
        text="Why keep a pretrained network's batch normalization in "
             "inference mode when fine-tuning it?",
        choices={
            "a": "In training mode Keras would not compute gradients for "
                 "the layers around batch norm.",
            "b": "Batch normalization has no effect on a network that is "
                 "already trained.",
            "c": "So that batch norm normalizes with its running averages in "
                 "training as in prediction, instead of each batch's own "
                 "statistics.",
        },
        right="c",
        why={
            "a": "the mode only changes how layers such as batch norm and "
                 "dropout behave; gradients flow to every trainable weight "
                 "either way.",
            "b": "batch norm normalizes every activation at every call; a "
                 "trained network depends on the statistics it learned.",
            "c": "the layers after batch norm are then trained with the "
                 "same normalization they will meet at prediction time.",
        },
    ),
))

register(Exercise(
    id="7.3", label="ch07-ex3",
    answer="a letter", variable="choice_7_3",
    hint="Which of ImageNet's features would an X-ray contain: edges and "
         "textures, or ears and fur?",
    solution="The pretrained curve would start lower and climb more "
             "slowly, and its lead over a network from scratch would shrink "
             "with many photos: the early features (edges, textures) still "
             "transfer, the late ones (ears, fur) describe things an X-ray "
             "does not contain. Cats and dogs are an unusually favourable "
             "case: ImageNet has about 120 dog breeds and several cats.",
    question=Question(
        text="On chest X-rays, how would the pretrained curve compare with "
             "this chapter's?",
        choices={
            "a": "Lower, with a smaller lead over training from scratch: "
                 "ImageNet's late features describe things X-rays lack.",
            "b": "The same: a pretrained network's features work equally "
                 "well on any kind of image.",
            "c": "It would not work at all, since ImageNet photos are in "
                 "colour and X-rays are gray.",
        },
        right="a",
        why={
            "a": "early features (edges, textures) transfer widely; the "
                 "later, more specific ones help only where the new images "
                 "resemble ImageNet's.",
            "b": "the gain depends on how close the task is to what the "
                 "weights learned; cats and dogs are very close to ImageNet.",
            "c": "a gray image repeated into three channels is a valid "
                 "input, and the early features still help; the gain is "
                 "smaller, not zero.",
        },
    ),
))
