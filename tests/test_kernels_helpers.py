"""Helpers for the kernel tests: tiny single-op int8 models built with TF, cached on disk, and a
runner comparing our compiled C (on the host) with the TFLM oracle byte for byte.

Conversions are deterministic (seeded), so a spec's .tflite is cached by the hash of the spec and
TF is imported only on a cache miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = Path(os.environ.get("EAT_TEST_MODEL_CACHE", Path(tempfile.gettempdir()) / "eat-test-models"))
BUILDER_VERSION = 6


def _tf():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    return tf


def _build_keras(tf, spec: dict):
    k = tf.keras
    kind = spec["kind"]
    act = spec.get("act") or None
    binit = k.initializers.RandomNormal(stddev=spec.get("bias_std", 0.3), seed=spec["seed"])
    if kind in ("add", "mul"):
        a = k.Input(shape=tuple(spec["shape1"]), name="in_a")
        b = k.Input(shape=tuple(spec["shape2"]), name="in_b")
        if kind == "add":
            y = k.layers.Lambda(lambda t: t[0] + t[1])([a, b])
        else:
            y = k.layers.Lambda(lambda t: t[0] * t[1])([a, b])
        if act:
            y = k.layers.Activation(act)(y)
        return k.Model([a, b], y)
    x = k.Input(shape=tuple(spec["shape"]))
    if kind == "dense":
        y = k.layers.Dense(spec["units"], activation=act, bias_initializer=binit)(x)
    elif kind == "conv":
        y = k.layers.Conv2D(spec["filters"], tuple(spec["kernel"]), strides=tuple(spec["strides"]),
                            padding=spec["padding"], dilation_rate=tuple(spec.get("dilation", (1, 1))),
                            groups=spec.get("groups", 1), activation=act, bias_initializer=binit)(x)
    elif kind == "dwconv":
        y = k.layers.DepthwiseConv2D(tuple(spec["kernel"]), strides=tuple(spec["strides"]),
                                     padding=spec["padding"], depth_multiplier=spec["depth_multiplier"],
                                     dilation_rate=tuple(spec.get("dilation", (1, 1))), activation=act,
                                     bias_initializer=binit)(x)
    elif kind == "maxpool":
        y = k.layers.MaxPooling2D(tuple(spec["pool"]), strides=tuple(spec["strides"]), padding=spec["padding"])(x)
    elif kind == "avgpool":
        y = k.layers.AveragePooling2D(tuple(spec["pool"]), strides=tuple(spec["strides"]),
                                      padding=spec["padding"])(x)
    elif kind == "pad":
        y = k.layers.ZeroPadding2D(tuple(tuple(p) for p in spec["padding"]))(x)
    elif kind == "softmax":
        y = k.layers.Softmax()(x)
    elif kind == "example":
        y = k.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        y = k.layers.MaxPooling2D(2)(y)
        y = k.layers.Flatten()(y)
        y = k.layers.Dense(16, activation="relu")(y)
        y = k.layers.Dense(10, activation="softmax")(y)
    else:
        raise ValueError(kind)
    return k.Model(x, y)


def _input_shapes(spec: dict) -> list[tuple[int, ...]]:
    if spec["kind"] in ("add", "mul"):
        return [tuple(spec["shape1"]), tuple(spec["shape2"])]
    return [tuple(spec["shape"])]


def convert(spec: dict) -> bytes:
    """The full-int8 .tflite for a spec (cached on disk)."""
    key = hashlib.sha256(json.dumps({**spec, "_v": BUILDER_VERSION}, sort_keys=True).encode()).hexdigest()[:20]
    path = CACHE / f"{spec['kind']}_{key}.tflite"
    if path.exists():
        return path.read_bytes()
    tf = _tf()
    tf.keras.utils.set_random_seed(spec["seed"])
    rng = np.random.default_rng(spec["seed"])
    if tuple(spec.get("dilation", (1, 1))) != (1, 1):
        return _save(path, _convert_raw_dilated(tf, spec, rng))
    model = _build_keras(tf, spec)
    # scale the weights to move the effective scales around
    wscale = spec.get("weight_scale", 1.0)
    if wscale != 1.0:
        model.set_weights([w * wscale if w.ndim > 1 else w for w in model.get_weights()])
    ranges = spec.get("ranges") or [(-1.0, 1.0)] * len(_input_shapes(spec))

    def rep():
        for _ in range(48):
            xs = [rng.uniform(lo, hi, size=(1, *s)).astype(np.float32)
                  for s, (lo, hi) in zip(_input_shapes(spec), ranges)]
            # two-input models: by name, the converter's input order is not Keras's
            yield dict(zip(("in_a", "in_b"), xs)) if len(xs) == 2 else xs

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    if "per_channel" in spec:
        conv._experimental_disable_per_channel_quantization_for_dense_layers = not spec["per_channel"]
    return _save(path, conv.convert())


def _int8_converter(conv, rep):
    import tensorflow as tf

    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv


def _convert_raw_dilated(tf, spec: dict, rng: np.random.Generator) -> bytes:
    """Dilated CONV_2D / DEPTHWISE_CONV_2D from raw TF ops (Keras turns dilation into SPACE_TO_BATCH)."""
    h, w, c = spec["shape"]
    kh, kw = spec["kernel"]
    sh, sw = spec["strides"]
    dh, dw = spec["dilation"]
    ws = spec.get("weight_scale", 1.0)
    if spec["kind"] == "conv":
        filt = (rng.normal(size=(kh, kw, c, spec["filters"])) * 0.3 * ws).astype(np.float32)
        bias = (rng.normal(size=spec["filters"]) * 0.3).astype(np.float32)
    else:
        filt = (rng.normal(size=(kh, kw, c, spec["depth_multiplier"])) * 0.3 * ws).astype(np.float32)
        bias = (rng.normal(size=c * spec["depth_multiplier"]) * 0.3).astype(np.float32)
    pad = spec["padding"].upper()

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec((1, h, w, c), tf.float32)])
        def __call__(self, x):
            if spec["kind"] == "conv":
                y = tf.raw_ops.Conv2D(input=x, filter=tf.constant(filt), strides=[1, sh, sw, 1], padding=pad,
                                      dilations=[1, dh, dw, 1])
            else:
                y = tf.raw_ops.DepthwiseConv2dNative(input=x, filter=tf.constant(filt), strides=[1, sh, sw, 1],
                                                     padding=pad, dilations=[1, dh, dw, 1])
            y = tf.nn.bias_add(y, tf.constant(bias))
            if spec.get("act") == "relu":
                y = tf.nn.relu(y)
            elif spec.get("act") == "relu6":
                y = tf.nn.relu6(y)
            return y

    m = M()
    lo, hi = (spec.get("ranges") or [(-1.0, 1.0)])[0]

    def rep():
        for _ in range(48):
            yield [rng.uniform(lo, hi, size=(1, h, w, c)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_concrete_functions([m.__call__.get_concrete_function()], m)
    return _int8_converter(conv, rep).convert()


def _save(path: Path, buf: bytes) -> bytes:
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(buf)
    os.replace(tmp, path)
    return buf


def random_ranges(rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    out = []
    for _ in range(n):
        span = float(rng.choice([0.05, 0.5, 2.0, 10.0, 60.0]))
        lo = -span * float(rng.uniform(0.0, 1.0))
        out.append((lo, lo + span))
    return out


def compile_and_compare(buf: bytes, tmp_path: Path, n_inputs: int = 30, seed: int = 0,
                        inputs: list[list[np.ndarray]] | None = None, weights: str = "auto") -> dict:
    """Compile `buf`, run our C on the host and TFLM on the same int8 inputs, assert byte equality.

    The inputs: `inputs` if given, then all -128, all 127, then random ones up to `n_inputs` more."""
    from pipeline.compiler.compile import compile_model
    from pipeline.device.hostrun import HostModel
    from pipeline.tflite.oracle import Oracle

    tmp_path.mkdir(parents=True, exist_ok=True)
    tfl = tmp_path / "m.tflite"
    tfl.write_bytes(buf)
    result = compile_model(tfl, tmp_path / "out", weights=weights)
    host = HostModel(tmp_path / "out")
    oracle = Oracle(buf)
    rng = np.random.default_rng(seed)
    cases = list(inputs or [])
    cases += [[np.full(d.shape, v, np.int8) for d in oracle.inputs] for v in (-128, 127)]
    cases += [[rng.integers(-128, 128, size=d.shape, dtype=np.int8) for d in oracle.inputs]
              for _ in range(max(0, n_inputs - 2))]
    for i, xs in enumerate(cases):
        ours, ref = host.invoke(xs), oracle.invoke(xs)
        for k, (a, b) in enumerate(zip(ours, ref)):
            a, b = a.reshape(-1), np.asarray(b).reshape(-1).astype(np.int8)
            if not np.array_equal(a, b):
                diff = np.flatnonzero(a != b)
                raise AssertionError(f"output {k} differs on input #{i} at {diff.size} positions, "
                                     f"first {diff[:5].tolist()}: ours {a[diff[:5]].tolist()} "
                                     f"tflm {b[diff[:5]].tolist()}")
    return {"result": result, "ops": [o.opcode for o in result.ops], "cases": len(cases)}
