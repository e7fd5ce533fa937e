"""Helper package of the open course on convolutional neural networks with Keras.

Small, flat modules, each with one job:

- :mod:`cnncourse.datasets`: offline-first loaders for Fashion-MNIST and dogs vs cats;
- :mod:`cnncourse.repro`: seeds, op determinism and quiet TensorFlow;
- :mod:`cnncourse.ops`: NumPy reference convolution and pooling, checked against Keras;
- :mod:`cnncourse.plotting`: the figures the chapters draw;
- :mod:`cnncourse.models`: the models of chapters 5 and 6, built in one place;
- :mod:`cnncourse.images`: decoding photos robustly and the ``tf.data`` pipeline;
- :mod:`cnncourse.evaluation`: what a trained classifier gets wrong;
- :mod:`cnncourse.training`: timed training;
- :mod:`cnncourse.explain`: Grad-CAM and occlusion maps, and a check of their faithfulness;
- :mod:`cnncourse.exercises`: ``check``, ``hint`` and ``solution`` for every exercise;
- :mod:`cnncourse.tolerance`: stored and fresh notebook outputs compared within tolerances;
- :mod:`cnncourse.bench`: ``python -m cnncourse.bench``, accuracy and speed measured;
- :mod:`cnncourse.book`, :mod:`cnncourse.needs`: the table of contents and each chapter's data;
- :mod:`cnncourse.doctor`, :mod:`cnncourse.fetch`, :mod:`cnncourse.student`,
  :mod:`cnncourse.timings`: the workshop commands of ``python -m cnncourse``.

Importing the package does not import TensorFlow; each module imports what it
needs when it is used.
"""

__version__ = "0.1.0"
