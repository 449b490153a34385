"""Single-op int8 models with pruned weights, for the sparse kernel tests: many independent
FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D ops in one model (one compile, one host build),
random shapes, quantization and zero patterns (no TensorFlow)."""

from __future__ import annotations

import numpy as np

from pipeline.tflite.prune_patterns import prune_array
from tests.single_op_models import Graph, Op, T, build, fb, random_scale

PATTERNS = ("magnitude", "2:4", "1:4", "2:8", "block", "zero_rows", "dense", "all_zero")
EDGE_PATTERNS = ("zero_cols", "extreme")   # beside PATTERNS where a kernel's walk is tested (FC on the M0+)


def pattern(w: np.ndarray, opcode: str, kind: str, rng: np.random.Generator) -> np.ndarray:
    """`w` with the zero pattern `kind` (the pruning methods' own patterns, plus edge cases)."""
    if kind == "dense":
        return np.where(w == 0, 1, w).astype(np.int8)
    if kind == "all_zero":
        return np.zeros_like(w)
    if kind == "zero_rows":   # unstructured, and some output channels entirely zero
        w = prune_array(w, opcode, "magnitude", float(rng.uniform(0.5, 0.95)))
        axis = 3 if opcode == "DEPTHWISE_CONV_2D" else 0
        dead = rng.random(w.shape[axis]) < 0.4
        idx = [slice(None)] * w.ndim
        idx[axis] = dead
        w[tuple(idx)] = 0
        return w
    if kind == "zero_cols":   # unstructured, and some inputs (last axis) unused by every channel
        w = prune_array(w, opcode, "magnitude", float(rng.uniform(0.5, 0.9)))
        w[..., rng.random(w.shape[-1]) < 0.4] = 0
        return w
    if kind == "extreme":     # unstructured, every non-zero +-127 (the largest products and sums)
        w = prune_array(w, opcode, "magnitude", float(rng.choice([0.5, 0.8, 0.9])))
        return (np.sign(w) * 127).astype(np.int8)
    sparsity = float(rng.choice([0.5, 0.8, 0.9, 0.97]))
    return prune_array(w, opcode, kind, sparsity)


def _osz(i: int, k: int, s: int, d: int, same: bool) -> int:
    ke = (k - 1) * d + 1
    return (i + s - 1) // s if same else (i - ke + s) // s


def random_op(opcode: str, kind: str, rng: np.random.Generator, base: int) -> tuple[list[T], Op]:
    """Tensors (input, weights, bias, output at indices base..base+3) and the op. Opcode "CONV_2D_C1": a
    CONV_2D with one input channel; "DEPTHWISE_CONV_2D_C4": in_c 4, 8 or 12, depth multiplier 1; a "+"
    suffix: input zero point -128, non-zeros of +-127 and an output scale near input x weight scale; a "~"
    suffix (CONV_2D): ReLU, 16-19 input channels and an output scale 2^9-2^12 x input x weight scale, so
    accumulators between 65535 and the upper accumulator bound occur (the M0+ block walks' slow path); a "^"
    suffix (CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED): per-channel scales and some output channels without a non-zero
    weight whose bias is 2^29..2^30 with a scale that maps it to a few hundred (a channel pruned empty: its
    tiny weight scale gives such biases, as in the built-in example). "CONV_2D_FEW": a CONV_2D of 1..3 x 1..3
    inputs (a few output pixels: the M4 4-pixel block walk), 1..32 input channels, not grouped. A "%" suffix
    (FULLY_CONNECTED): per-channel scales (FC is per-tensor otherwise; "^" makes it per-channel too). A "&" suffix
    (CONV_2D): per-channel scales, every channel's bias 2^30..1.2 x 2^30 mapped to 130..250 x the output's scale,
    output zero point -128: accumulators beyond the short requantisation's |acc| < 2^29 (and 2 acc beyond int32)
    at shift -22, inside the short form's shift range, that requantise into the output range."""
    extreme = opcode.endswith("+")
    wide = opcode.endswith("~")
    dead_big = opcode.endswith("^")
    per_ch = opcode.endswith("%")
    live_big = opcode.endswith("&")
    opcode = opcode.rstrip("+~^%&")
    few = opcode == "CONV_2D_FEW"
    opcode = "CONV_2D" if few else opcode
    one_channel = opcode == "CONV_2D_C1"
    four = opcode == "DEPTHWISE_CONV_2D_C4"   # in_c a multiple of 4, depth multiplier 1
    opcode = "CONV_2D" if one_channel else "DEPTHWISE_CONV_2D" if four else opcode
    fbm = fb()
    in_q = (random_scale(rng, 0.005, 0.2), -128 if extreme else int(rng.integers(-128, 128)))
    out_q = (random_scale(rng, 0.01, 2.0), int(rng.integers(-100, 100)))
    act = 1 if wide else int(rng.choice([0, 1, 3]))   # NONE, RELU, RELU6
    if opcode == "FULLY_CONNECTED":
        n_in, n_out = int(rng.integers(1, 300)), int(rng.integers(1, 40))
        w = rng.integers(-127, 128, size=(n_out, n_in)).astype(np.int8)
        in_shape, out_shape = [int(rng.integers(1, 3)), n_in], None
        out_shape = [in_shape[0], n_out]
        o = fbm.FullyConnectedOptionsT()
        o.fusedActivationFunction = act
        options, otype = o, "FullyConnectedOptions"
        oc = n_out
    else:
        ih, iw = (int(rng.integers(1, 4)), int(rng.integers(1, 4))) if few else (int(rng.integers(1, 12)),
                                                                              int(rng.integers(1, 12)))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        s, d = int(rng.integers(1, 3)), int(rng.choice([1, 1, 2]))
        same = bool(rng.integers(0, 2))
        if not same:
            ih, iw = max(ih, (kh - 1) * d + 1), max(iw, (kw - 1) * d + 1)
        oh, ow = _osz(ih, kh, s, d, same), _osz(iw, kw, s, d, same)
        if opcode == "CONV_2D":
            groups = 1 if one_channel or wide or few else int(rng.choice([1, 1, 1, 2]))
            fic = (int(rng.integers(16, 20)) if wide else 1 if one_channel else int(rng.integers(1, 33)) if few
                   else int(rng.integers(1, 20)))
            ic, oc = fic * groups, int(rng.integers(1, 6)) * groups
            w = rng.integers(-127, 128, size=(oc, kh, kw, fic)).astype(np.int8)
            o = fbm.Conv2DOptionsT()
            otype = "Conv2DOptions"
        else:
            ic, dm = int(rng.integers(1, 8)), int(rng.choice([1, 1, 2, 3]))
            if four:
                ic, dm = 4 * int(rng.integers(1, 4)), 1
            oc = ic * dm
            w = rng.integers(-127, 128, size=(1, kh, kw, oc)).astype(np.int8)
            o = fbm.DepthwiseConv2DOptionsT()
            o.depthMultiplier = dm
            otype = "DepthwiseConv2DOptions"
        o.padding = 0 if same else 1
        o.strideH = o.strideW = s
        o.dilationHFactor = o.dilationWFactor = d
        o.fusedActivationFunction = act
        options = o
        in_shape, out_shape = [1, ih, iw, ic], [1, oh, ow, oc]
    w = pattern(w, opcode, kind, rng)
    if extreme:
        w = np.where(w == 0, 0, np.where(w > 0, 127, -127)).astype(np.int8)
    bias = rng.integers(-20000, 20000, size=oc).astype(np.int32)
    w_scale = random_scale(rng, 0.001, 0.05)
    if extreme:   # effective multipliers near 1 (shifts -1, 0, +1): the requantisations off the fast paths
        out_q = (in_q[0] * w_scale * float(rng.uniform(0.3, 3.0)), out_q[1])
    if wide:
        out_q = (in_q[0] * w_scale * float(2.0 ** rng.uniform(9, 12)), -128)
    wt = T(list(w.shape), w_scale, 0, "INT8", w, f"w{base}")
    if ((opcode != "FULLY_CONNECTED" or per_ch or dead_big) and not wide
            and (dead_big or per_ch or rng.random() < 0.6)):   # per-channel scales (conv kinds; FC with "%" or "^")
        wt.scale = [random_scale(rng, 0.001, 0.05) for _ in range(oc)]
        wt.quantized_dimension = 3 if opcode == "DEPTHWISE_CONV_2D" else 0
    if dead_big:   # channels pruned empty, their bias ~2^30 at a scale that brings it to ~+-300 x the output's
        axis = 3 if opcode == "DEPTHWISE_CONV_2D" else 0
        dead = rng.random(oc) < 0.4
        dead[int(rng.integers(0, oc))] = True
        idx = [slice(None)] * w.ndim
        idx[axis] = dead
        w[tuple(idx)] = 0
        wt.data = w
        for c in np.flatnonzero(dead):
            bias[c] = int(rng.choice([-1, 1])) * int(rng.integers(1 << 29, (1 << 30) + 1))
            wt.scale[c] = out_q[0] * float(rng.uniform(0.5, 300.0)) / (abs(int(bias[c])) * in_q[0])
    if live_big:
        out_q = (out_q[0], -128)
        wt.scale = [0.0] * oc
        wt.quantized_dimension = 0
        for c in range(oc):
            bias[c] = int(rng.integers(1 << 30, int(1.2 * (1 << 30))))
            wt.scale[c] = out_q[0] * float(rng.uniform(130.0, 250.0)) / (int(bias[c]) * in_q[0])
    tensors = [T(in_shape, *in_q, name=f"in{base}"), wt,
               T([oc], in_q[0] * w_scale, 0, "INT32", bias, f"b{base}"),   # TFLM checks its scale
               T(out_shape, *out_q, name=f"out{base}")]
    return tensors, Op(opcode, [base, base + 1, base + 2], [base + 3], options, otype)


def model(specs: list[tuple[str, str]], seed: int) -> bytes:
    """One model holding an independent op per (opcode, zero pattern)."""
    rng = np.random.default_rng(seed)
    tensors, ops = [], []
    for opcode, kind in specs:
        t, op = random_op(opcode, kind, rng, len(tensors))
        tensors += t
        ops.append(op)
    ins = [op.inputs[0] for op in ops]
    outs = [op.outputs[0] for op in ops]
    return build(Graph(tensors, ops, ins, outs))


def d4_unless_too_long(weights: list[dict]) -> bool:
    """Every weight tensor forced to the d4 encoding is in it, except where a channel has more
    entries than its one-byte count holds (pipeline/compiler/sparse.py MAX_ENTRIES): dense, said so."""
    return all(w["encoding"] == "sparse_d4" or "more than the d4 count" in w["reason"] for w in weights)


def priced_pick(opcode: str, core: str, w: np.ndarray, g: dict, bias: np.ndarray | None = None,
                input_offset: int = 0) -> str:
    """The sparse kernel the lowering's pricing (ops/sparse_weights.py: every by_cost variant and the next one)
    takes for weights `w` (and `bias`) on conv geometry `g`."""
    from types import SimpleNamespace

    from pipeline.compiler.ops.sparse_weights import _priced, _variants

    op = SimpleNamespace(opcode=opcode, index=0, layer="c")
    lw = SimpleNamespace(op=op, macs=g["n"] * g["oh"] * g["ow"] * g["oc"] * w[0].size)
    ctx = SimpleNamespace(weight_mode="auto", core=core)
    vs = _variants(opcode, core, g, w, bias, input_offset)
    return min((_priced(ctx, lw, v, w, g, None) for v in vs), key=lambda c: c.choice.sparse_cycles_est).variant.function


def only_variant(monkeypatch, key: tuple[str, str, str], function: str) -> None:
    """Leave `function` the only registered variant for `key` (op, weight format, core), not priced against
    another (by_cost off): a forced-sparse firmware then runs it wherever it applies."""
    from dataclasses import replace

    from pipeline.compiler import kernels

    only = [replace(v, by_cost=False) for v in kernels.VARIANTS[key] if v.function == function]
    monkeypatch.setitem(kernels.VARIANTS, key, only)
