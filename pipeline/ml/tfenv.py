"""Import TensorFlow the one way that works with tfmot: legacy (tf-keras) Keras, quiet logs."""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType

from pipeline.ml.quiet import native_output_to, quiet_env, quiet_python_logs


def import_tf() -> ModuleType:
    """Return the `tensorflow` module with tf-keras as `tf.keras`.

    tfmot refuses Keras 3 models, so TF_USE_LEGACY_KERAS must be set before the first import.
    """
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    quiet_env()
    with native_output_to(None):  # import-time notices (oneDNN, absl pre-init) written by C++
        import tensorflow as tf
    quiet_python_logs()
    return tf


def epoch_callback(on_epoch: Callable[[int, int], None] | None, epochs: int) -> list:
    """Keras callbacks reporting (epochs done, epochs) to `on_epoch`, e.g. a progress bar."""
    if on_epoch is None:
        return []
    tf = import_tf()
    return [tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epoch(epoch + 1, epochs))]


def seed_everything(seed: int) -> None:
    tf = import_tf()
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
