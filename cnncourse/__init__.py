"""Helper package of the open course on convolutional neural networks with Keras.

Small, flat modules, each with one job:

- :mod:`cnncourse.datasets`: offline-first loaders for Fashion-MNIST and dogs vs cats;
- :mod:`cnncourse.repro`: seeds, op determinism and quiet TensorFlow;
- :mod:`cnncourse.plotting`: the figures the chapters draw.

Importing the package does not import TensorFlow; each module imports what it
needs when it is used.
"""

__version__ = "0.1.0"
