"""Many random CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ops in ONE int8 model (each op with its
own input and output), so one firmware build checks a whole batch of shapes and quantizations
against the oracle on a simulator; the same models run on the host for the portable kernels."""

from __future__ import annotations

import math

import numpy as np

from tests.single_op_models import Graph, Op, T, build, fb, random_scale

ACTS = (0, 1, 3)   # none, RELU, RELU6


def _out_size(same: bool, size: int, k: int, s: int, d: int) -> int:
    eff = (k - 1) * d + 1
    return (size + s - 1) // s if same else (size - eff + s) // s


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    w = rng.integers(-127, 128, size=shape).astype(np.int8)
    zero = rng.random(shape) < rng.uniform(0.0, 0.6)         # some pruned-looking zeros
    w[zero] = 0
    return w


def _quant_tail(rng: np.random.Generator, tensors: list[T], inp: T, w: np.ndarray, w_scales: np.ndarray,
                channels: int, k: int, out_shape: list[int], qdim: int, big_bias: bool = False,
                wide_scale: bool = False) -> tuple[int, int, int]:
    """Appends weights, bias and output tensors; returns their indices. big_bias: channel 0's bias is
    ~2^29 (its outputs saturate: the M4 kernels requantise it as a constant channel); wide_scale: channel
    0's requantisation multiplier is 1-4 (shift >= 0, outputs vary), so kernels that need every shift
    negative take their general path."""
    acc_std = float(inp.scale) * float(np.mean(w_scales)) * 70.0 * 60.0 * math.sqrt(k)
    out_scale = float(np.float32(acc_std / 40.0 * rng.uniform(0.5, 2.0)))
    if wide_scale:
        w_scales = w_scales.copy()
        w_scales[0] = np.float32(out_scale * rng.uniform(1.0, 4.0) / float(inp.scale))
    tensors.append(T(list(w.shape), [float(x) for x in w_scales], 0, "INT8", w, "w", quantized_dimension=qdim))
    bias_scale = float(inp.scale) * w_scales
    bias = rng.integers(-(1 << 14), 1 << 14, size=channels).astype(np.int32)
    if big_bias:
        bias[0] = (1 << 29) + int(rng.integers(0, 1 << 20))
    tensors.append(T([channels], [float(x) for x in bias_scale], 0, "INT32", bias, "b"))
    tensors.append(T(out_shape, out_scale, int(rng.integers(-40, 41)), name="out"))
    return len(tensors) - 3, len(tensors) - 2, len(tensors) - 1


def conv(rng: np.random.Generator, tensors: list[T], depthwise: bool, big_bias: bool = False,
         dw3x3: bool = False, oc4: bool = False, wide_scale: bool = False) -> Op:
    """dw3x3: a depthwise op is 3x3, depth multiplier 1, channels a multiple of 4 (the M4's 9-tap path);
    oc4: a CONV_2D has 4-32 filters, a multiple of 4 (the M4's two-pixel assembly path)."""
    while True:
        kh, kw = (int(x) for x in rng.choice([1, 2, 3, 3, 5], size=2))
        r = rng.random()
        if r < 0.3 or (dw3x3 and depthwise):
            kh = kw = 3
        elif r < 0.5 and not depthwise:
            kh = kw = 1                                       # pointwise: the matrix-product kernels
        s = int(rng.choice([1, 1, 2]))
        d = int(rng.choice([1, 1, 2])) if s == 1 else 1
        same = bool(rng.random() < 0.6)
        h, w_ = int(rng.integers(3, 12)), int(rng.integers(3, 12))
        oh, ow = _out_size(same, h, kh, s, d), _out_size(same, w_, kw, s, d)
        if oh >= 1 and ow >= 1:
            break
    c = int(rng.choice([4, 8, 12, 16, 24, 32, 64] if dw3x3 and depthwise else [1, 2, 3, 4, 5, 8, 12, 16, 24]))
    zp = int(rng.integers(-128, 128))
    zp = -128 if zp % 4 == 0 else zp   # a quarter at -128, the zero point after ReLU (kernels special-case it)
    inp = T([1, h, w_, c], random_scale(rng, 0.005, 0.1), zp, name="in")
    tensors.append(inp)
    i_in = len(tensors) - 1
    if depthwise:
        dm = 1 if dw3x3 else int(rng.choice([1, 1, 1, 2]))
        oc = c * dm
        wt = _weights(rng, (1, kh, kw, oc))
        qdim, k = 3, kh * kw
        opts = fb().DepthwiseConv2DOptionsT()
        opts.depthMultiplier = dm
        opcode, otype = "DEPTHWISE_CONV_2D", "DepthwiseConv2DOptions"
    else:
        oc = int(rng.choice([4, 8, 12, 16, 24, 32])) if oc4 else int(rng.integers(1, 13))
        wt = _weights(rng, (oc, kh, kw, c))
        qdim, k = 0, kh * kw * c
        opts = fb().Conv2DOptionsT()
        opcode, otype = "CONV_2D", "Conv2DOptions"
    opts.padding = 0 if same else 1
    opts.strideH = opts.strideW = s
    opts.dilationHFactor = opts.dilationWFactor = d
    opts.fusedActivationFunction = int(rng.choice(ACTS))
    w_scales = np.exp(rng.uniform(np.log(0.002), np.log(0.03), size=oc)).astype(np.float32)
    i_w, i_b, i_out = _quant_tail(rng, tensors, inp, wt, w_scales, oc, k, [1, oh, ow, oc], qdim, big_bias,
                                  wide_scale)
    return Op(opcode, [i_in, i_w, i_b], [i_out], opts, otype)


def fully_connected(rng: np.random.Generator, tensors: list[T]) -> Op:
    n_in = int(rng.choice([int(rng.integers(1, 40)), int(rng.integers(40, 300)), 64, 128]))
    n_out = int(rng.integers(1, 40))
    batches = int(rng.choice([1, 1, 2]))
    inp = T([batches, n_in], random_scale(rng, 0.005, 0.1), int(rng.integers(-128, 128)), name="in")
    tensors.append(inp)
    i_in = len(tensors) - 1
    wt = _weights(rng, (n_out, n_in))
    per_channel = bool(rng.random() < 0.3)
    w_scales = (np.exp(rng.uniform(np.log(0.002), np.log(0.03), size=n_out if per_channel else 1))
                .astype(np.float32))
    tensors.append(T([n_out, n_in], [float(x) for x in w_scales], 0, "INT8", wt, "w"))
    bias = rng.integers(-(1 << 14), 1 << 14, size=n_out).astype(np.int32)
    tensors.append(T([n_out], [float(inp.scale) * float(x) for x in w_scales], 0, "INT32", bias, "b"))
    acc_std = float(inp.scale) * float(np.mean(w_scales)) * 70.0 * 60.0 * math.sqrt(n_in)
    tensors.append(T([batches, n_out], float(np.float32(acc_std / 40.0 * rng.uniform(0.5, 2.0))),
                     int(rng.integers(-40, 41)), name="out"))
    opts = fb().FullyConnectedOptionsT()
    opts.fusedActivationFunction = int(rng.choice(ACTS))
    n = len(tensors)
    return Op("FULLY_CONNECTED", [n - 4, n - 3, n - 2], [n - 1], opts, "FullyConnectedOptions")


def add(rng: np.random.Generator, tensors: list[T]) -> Op:
    """ADD of two int8 tensors of one random shape (1-1200 elements, sizes not a multiple of 4 too),
    random scales (either input's the larger) and zero points, the output scale near their sum or far
    below it (saturating outputs), the three activations."""
    shape = [int(rng.integers(1, 9)), int(rng.integers(3, 13)), int(rng.choice([3, 4, 5, 7, 16, 23]))]
    if rng.random() < 0.2:
        shape = [1, int(rng.integers(1, 40))]
    ins = []
    for _ in range(2):
        tensors.append(T(shape, random_scale(rng, 0.002, 0.2), int(rng.integers(-128, 128)), name="in"))
        ins.append(len(tensors) - 1)
    s_out = (float(tensors[ins[0]].scale) + float(tensors[ins[1]].scale)) * float(rng.choice([0.6, 1.0, 1.5, 0.1]))
    tensors.append(T(shape, float(np.float32(s_out)), int(rng.integers(-100, 100)), name="out"))
    opts = fb().AddOptionsT()
    opts.fusedActivationFunction = int(rng.choice(ACTS))
    return Op("ADD", ins, [len(tensors) - 1], opts, "AddOptions")


def max_pool(rng: np.random.Generator, tensors: list[T], x: int | None = None, opcode: str = "MAX_POOL_2D") -> Op:
    """MAX_POOL_2D (or AVERAGE_POOL_2D) over a random NHWC input (or tensor x, another pool's output): windows
    1-4 x 1-4, strides 1-3, SAME (edge windows clipped to the input) or VALID, 1-40 channels (not only multiples
    of 4), the three activations; an average pool 3 times in 10 global over a 12-20 x 12-20 input (144-400 taps:
    beyond 256 too); the output shares the input's scale and zero point (TFLM requires it)."""
    wide = opcode == "AVERAGE_POOL_2D" and x is None and rng.random() < 0.3
    if x is None:
        hw = [int(rng.integers(12, 21)), int(rng.integers(12, 21))] if wide else \
            [int(rng.integers(3, 12)), int(rng.integers(3, 12))]
        shape = [int(rng.integers(1, 3)), *hw, int(rng.choice([1, 3, 4, 5, 8, 16, 23, 40]))]
        tensors.append(T(shape, random_scale(rng, 0.005, 0.1), int(rng.integers(-128, 128)), name="in"))
        x = len(tensors) - 1
    inp = tensors[x]
    n, h, w, c = inp.shape
    kh, kw = int(rng.integers(1, min(4, h) + 1)), int(rng.integers(1, min(4, w) + 1))
    sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    same = bool(rng.random() < 0.5)
    if wide:
        kh, kw, sh, sw, same = h, w, 1, 1, False
    oh, ow = _out_size(same, h, kh, sh, 1), _out_size(same, w, kw, sw, 1)
    tensors.append(T([n, oh, ow, c], inp.scale, inp.zero_point, name="out"))
    o = fb().Pool2DOptionsT()
    o.padding, o.strideH, o.strideW, o.filterHeight, o.filterWidth = (0 if same else 1), sh, sw, kh, kw
    o.fusedActivationFunction = int(rng.choice(ACTS))
    return Op(opcode, [x], [len(tensors) - 1], o, "Pool2DOptions")


def pool_chain_model(seed: int, n: int = 4) -> bytes:
    """n MAX_POOL_2D one after another on one 1 x 16 x 16 x C input (C 20 or 23: word-wise and a tail), only
    the last output a model output, so the planner lays pool outputs over their inputs (window_delta)."""
    rng = np.random.default_rng(seed)
    tensors = [T([1, 16, 16, int(rng.choice([20, 23]))], random_scale(rng, 0.005, 0.1), int(rng.integers(-128, 128)),
                 name="in")]
    ops: list[Op] = []
    for _ in range(n):
        ops.append(max_pool(rng, tensors, ops[-1].outputs[0] if ops else 0))
    return build(Graph(tensors, ops, [0], [ops[-1].outputs[0]]))

def skewed_avg_model(size: int, channels: int = 8) -> bytes:
    """A 4x4 MAX_POOL_2D (stride 1) then a global AVERAGE_POOL_2D over its (size - 3)^2 outputs: the maxima of 16
    random int8 values sit near +110, so the average's sums reach ~(size - 3)^2 * 110 (beyond int16 past 298
    taps; near its bound at 256)."""
    rng = np.random.default_rng(size)
    scale, zp = random_scale(rng, 0.005, 0.1), int(rng.integers(-20, 20))
    o = size - 3
    tensors = [T([1, size, size, channels], scale, zp, name="in"), T([1, o, o, channels], scale, zp, name="max"),
               T([1, 1, 1, channels], scale, zp, name="out")]
    ops = []
    for opcode, x, y, k in (("MAX_POOL_2D", 0, 1, 4), ("AVERAGE_POOL_2D", 1, 2, o)):
        opts = fb().Pool2DOptionsT()
        opts.padding, opts.strideH, opts.strideW, opts.filterHeight, opts.filterWidth = 1, 1, 1, k, k
        ops.append(Op(opcode, [x], [y], opts, "Pool2DOptions"))
    return build(Graph(tensors, ops, [0], [2]))

def batch_model(seed: int, n_conv: int, n_dw: int, n_fc: int, big_bias: bool = False, dw3x3: bool = False,
                oc4: bool = False, wide_scale: bool = False, n_add: int = 0, n_pool: int = 0,
                n_avg: int = 0) -> bytes:
    """One model holding n_conv CONV_2D, n_dw DEPTHWISE_CONV_2D, n_fc FULLY_CONNECTED, n_add ADD, n_pool
    MAX_POOL_2D and n_avg AVERAGE_POOL_2D random ops (dw3x3: every depthwise op 3x3, multiplier 1, channels a multiple of 4; oc4: every
    CONV_2D 4-32 filters, a multiple of 4; a pool takes the pool before it as its input 4 times in 10, so the
    planner may lay its output over that input)."""
    rng = np.random.default_rng(seed)
    tensors: list[T] = []
    ops: list[Op] = []
    for kind in ["conv"] * n_conv + ["dw"] * n_dw + ["fc"] * n_fc + ["add"] * n_add + ["pool"] * n_pool \
            + ["avg"] * n_avg:
        if kind in ("pool", "avg"):
            opcode = "MAX_POOL_2D" if kind == "pool" else "AVERAGE_POOL_2D"
            chain = bool(ops) and ops[-1].opcode == opcode and rng.random() < 0.4
            ops.append(max_pool(rng, tensors, ops[-1].outputs[0] if chain else None, opcode))
            continue
        ops.append(fully_connected(rng, tensors) if kind == "fc" else add(rng, tensors) if kind == "add"
                   else conv(rng, tensors, kind == "dw", big_bias, dw3x3, oc4, wide_scale))
    made = {op.outputs[0] for op in ops}
    used = {i for op in ops for i in op.inputs}
    inputs = [i for op in ops for i in (op.inputs if op.opcode == "ADD" else op.inputs[:1]) if i not in made]
    return build(Graph(tensors, ops, inputs, [op.outputs[0] for op in ops if op.outputs[0] not in used]))
