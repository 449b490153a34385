"""A small float32 CNN touching most float ops (cached like tutorial_mlp): CONV_2D, DEPTHWISE_CONV_2D,
PAD, MAX/AVERAGE_POOL_2D, TANH, LOGISTIC, HARD_SWISH, LEAKY_RELU, ADD, MUL, CONCATENATION, MEAN,
RESHAPE, FULLY_CONNECTED, SOFTMAX — through the plain TFLiteConverter, on sklearn's 8x8 digits."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tests.test_kernels_helpers import CACHE, _tf

BUILDER_VERSION = 1


def build(root: Path = CACHE) -> tuple[Path, Path]:
    """(float32 .tflite, data.npz)."""
    out = root / f"float_cnn_v{BUILDER_VERSION}"
    tfl, data = out / "float_cnn.tflite", out / "data.npz"
    if tfl.is_file() and data.is_file():
        return tfl, data
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[..., None]
    y = d.target.astype(np.int64)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(data, x_train=x[:1500], y_train=y[:1500], x_test=x[1500:], y_test=y[1500:])
    tf = _tf()
    k = tf.keras
    k.utils.set_random_seed(1)
    inp = k.Input(shape=(8, 8, 1))
    a = k.layers.ZeroPadding2D(((1, 0), (0, 1)))(inp)
    a = k.layers.Conv2D(6, 3, activation="relu6")(a)                                      # 7x7x6
    b = k.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=1)(a)
    b = k.layers.Activation("tanh")(b)
    c = k.layers.Conv2D(6, 1, activation="sigmoid")(a)
    s = k.layers.Add()([b, c])
    m = k.layers.Multiply()([s, k.layers.LeakyReLU(0.1)(a)])
    h = k.layers.Lambda(lambda t: t * tf.nn.relu6(t + 3.0) * (1.0 / 6.0))(m)             # HARD_SWISH
    p1 = k.layers.MaxPooling2D(2, padding="same")(h)
    p2 = k.layers.AveragePooling2D(2, padding="same")(h)
    cat = k.layers.Concatenate()([p1, p2])                                                # 4x4x12
    g = k.layers.GlobalAveragePooling2D()(cat)
    f = k.layers.Flatten()(cat)
    z = k.layers.Concatenate()([g, f])
    z = k.layers.Dense(24, activation="relu")(z)
    outp = k.layers.Dense(10, activation="softmax")(z)
    model = k.Model(inp, outp)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[:1500], y[:1500], epochs=3, batch_size=64, verbose=0)
    tmp = tfl.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    os.replace(tmp, tfl)
    return tfl, data
