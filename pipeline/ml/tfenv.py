"""Import TensorFlow the one way that works with tfmot: legacy (tf-keras) Keras, quiet logs."""

from __future__ import annotations

import os
from types import ModuleType


def import_tf() -> ModuleType:
    """Return the `tensorflow` module with tf-keras as `tf.keras`.

    tfmot refuses Keras 3 models, so TF_USE_LEGACY_KERAS must be set before the first import.
    """
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def seed_everything(seed: int) -> None:
    tf = import_tf()
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
