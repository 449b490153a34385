"""FULLY_CONNECTED and CONV_2D models with chosen weight patterns, for the sparse kernels' tests: random shapes,
quantisation (per-tensor and per-channel), activations, padding, strides and dilation, and the example's pruned
layer shapes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipeline.tflite import prune_patterns
from tests.single_op_models import Graph, Op, T, build, fb, random_scale

WeightsFn = Callable[[np.random.Generator, int, int], np.ndarray]   # (rng, oc, k) -> [oc][k] int8


def random_op(rng: np.random.Generator, base: int, kind: str, weights: WeightsFn, wide: bool = False) -> tuple[list[T], Op]:
    """One op with `weights(rng, oc, k)` as its [oc][k] weights: kind "fc" (batches 1..6) or "conv" (1x1 or 2x2 / 3x3, SAME or VALID,
    stride 1-2, dilation 1-2)."""
    F = fb()
    in_q = (random_scale(rng, 0.005, 0.2), int(rng.integers(-128, 128)))
    out_q = (random_scale(rng, 0.01, 2.0), int(rng.integers(-100, 100)))
    act = int(rng.choice([0, 1, 3]))
    if kind == "fc":
        n_in, oc, batches = int(rng.integers(1, 150)), int(rng.integers(1, 24)), int(rng.integers(1, 7))
        w = weights(rng, oc, n_in)
        o = F.FullyConnectedOptionsT()
        o.fusedActivationFunction = act
        shapes, options, otype = ([batches, n_in], [batches, oc]), o, "FullyConnectedOptions"
    else:
        ic, oc = int(rng.choice([1, 3, 4, 8, 16, 5, 13])), int(rng.integers(1, 20))
        kh = kw = int(rng.choice([1, 2, 3]))
        s, d = int(rng.integers(1, 3)), int(rng.choice([1, 1, 2]))
        same = bool(rng.integers(0, 2))
        ke = (kh - 1) * d + 1
        ih, iw = int(rng.integers(ke, 10)), int(rng.integers(ke, 10))
        oh, ow = ((ih + s - 1) // s, (iw + s - 1) // s) if same else ((ih - ke) // s + 1, (iw - ke) // s + 1)
        w = weights(rng, oc, kh * kw * ic).reshape(oc, kh, kw, ic)
        o = F.Conv2DOptionsT()
        o.padding, o.strideH, o.strideW = (0 if same else 1), s, s
        o.dilationHFactor = o.dilationWFactor = d
        o.fusedActivationFunction = act
        shapes, options, otype = ([1, ih, iw, ic], [1, oh, ow, oc]), o, "Conv2DOptions"
    w_scale = random_scale(rng, 0.001, 0.05)
    wt = T(list(w.shape), w_scale, 0, "INT8", w, f"w{base}")
    if rng.random() < 0.6 or wide:   # per-channel (FULLY_CONNECTED too: the example's FCs are)
        wt.scale = [random_scale(rng, 0.001, 0.05) for _ in range(w.shape[0])]
    if wide:   # channel 0's multiplier in_scale * w_scale / out_scale in [1, 4]: shift >= 0
        wt.scale[0] = out_q[0] * float(rng.uniform(1.0, 4.0)) / in_q[0]
    bias = rng.integers(-20000, 20000, size=w.shape[0]).astype(np.int32)
    tensors = [T(shapes[0], *in_q, name=f"in{base}"), wt, T([w.shape[0]], in_q[0] * w_scale, 0, "INT32", bias, f"b{base}"),
               T(shapes[1], *out_q, name=f"out{base}")]
    return tensors, Op("FULLY_CONNECTED" if kind == "fc" else "CONV_2D", [base, base + 1, base + 2], [base + 3],
                       options, otype)


def example_op(rng: np.random.Generator, base: int, kind: str, method: str) -> tuple[list[T], Op]:
    """The example's pruned layers' shapes (pipeline/ml's digits CNN): "conv" 3x3 VALID 4x4x16 -> 2x2x32,
    "fc" 128 -> 64 and "fc10" 64 -> 10, one batch, per-channel, pruned by `method` (prune_patterns)."""
    F = fb()
    oc, k = {"conv": (32, 144), "fc": (64, 128), "fc10": (10, 64)}[kind]
    w = prune_patterns.prune_array(rng.integers(1, 127, size=(oc, k)).astype(np.int8), "FULLY_CONNECTED", method, 0.5)
    if kind == "conv":
        w = w.reshape(oc, 3, 3, 16)
        o = F.Conv2DOptionsT()
        o.padding, o.strideH, o.strideW, o.dilationHFactor, o.dilationWFactor = 1, 1, 1, 1, 1
        o.fusedActivationFunction = 1
        shapes, otype = ([1, 4, 4, 16], [1, 2, 2, oc]), "Conv2DOptions"
    else:
        o = F.FullyConnectedOptionsT()
        o.fusedActivationFunction = 1 if kind == "fc" else 0
        shapes, otype = ([1, k], [1, oc]), "FullyConnectedOptions"
    wt = T(list(w.shape), 0.01, 0, "INT8", w, f"w{base}")
    wt.scale = [random_scale(rng, 0.001, 0.05) for _ in range(oc)]
    bias = rng.integers(-2000, 2000, size=oc).astype(np.int32)
    tensors = [T(shapes[0], 0.05, -128, name=f"in{base}"), wt, T([oc], 0.0005, 0, "INT32", bias, f"b{base}"),
               T(shapes[1], 0.1, -128 if kind == "fc" else 3, name=f"out{base}")]
    return tensors, Op("CONV_2D" if kind == "conv" else "FULLY_CONNECTED", [base, base + 1, base + 2], [base + 3],
                       o, otype)


def weighted_model(kinds: list[str], seed: int, weights: WeightsFn, method: str, wide: bool = False) -> bytes:
    """One FULLY_CONNECTED or CONV_2D per kind, each its own model input and output: "fc" and "conv" random
    (`weights`; `wide`: channel 0's multiplier 1-4), "example_conv", "example_fc" and "fc10" the example's pruned
    layers (pruned by `method`)."""
    rng = np.random.default_rng(seed)
    tensors, ops = [], []
    for kind in kinds:
        name = {"example_conv": "conv", "example_fc": "fc"}.get(kind, kind)
        t, op = (example_op(rng, len(tensors), name, method) if kind in ("fc10", "example_conv", "example_fc")
                 else random_op(rng, len(tensors), name, weights, wide))
        tensors += t
        ops.append(op)
    return build(Graph(tensors, ops, [op.inputs[0] for op in ops], [op.outputs[0] for op in ops]))
