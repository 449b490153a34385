"""Single-op float32 .tflite models written with the flatbuffer object API (no TensorFlow), with
random shapes, weights and options: the float kernels are checked alone against TFLM with them."""

from __future__ import annotations

import numpy as np

from tests.single_op_models import Graph, Op, T, build, fb

__all__ = ["merge", "build"]


def merge(graphs: list[Graph]) -> Graph:
    """Independent single-op graphs side by side in one model: one compile and one host build
    check many random shapes at once."""
    tensors, ops, ins, outs = [], [], [], []
    for g in graphs:
        base = len(tensors)
        tensors += [T(t.shape, t.scale, t.zero_point, t.dtype, t.data, f"g{len(ops)}_{t.name}") for t in g.tensors]
        ops += [Op(o.opcode, [i + base if i >= 0 else -1 for i in o.inputs], [i + base for i in o.outputs],
                   o.options, o.options_type) for o in g.ops]
        ins += [i + base for i in g.inputs]
        outs += [i + base for i in g.outputs]
    return Graph(tensors, ops, ins, outs)

ACTS = (0, 1, 2, 3)   # NONE, RELU, RELU_N1_TO_1, RELU6


def _f(shape, rng=None, data=None, name="") -> T:
    return T(list(shape), None, 0, "FLOAT32", data=None if data is None else np.asarray(data, np.float32), name=name)


def _w(rng: np.random.Generator, shape, sparsity: float = 0.0) -> np.ndarray:
    w = rng.normal(0, 0.5, size=shape).astype(np.float32)
    if sparsity:
        w[rng.random(size=shape) < sparsity] = 0.0
    return w


def fully_connected(rng: np.random.Generator, sparsity: float = 0.0) -> Graph:
    batches, ind, outd = int(rng.integers(1, 4)), int(rng.integers(1, 80)), int(rng.integers(1, 40))
    o = fb().FullyConnectedOptionsT()
    o.fusedActivationFunction = int(rng.choice(ACTS))
    bias = bool(rng.integers(0, 2))
    ts = [_f([batches, ind], name="input"), _f([outd, ind], data=_w(rng, (outd, ind), sparsity), name="weights"),
          _f([outd], data=_w(rng, (outd,)), name="bias"), _f([batches, outd], name="output")]
    ins = [0, 1, 2] if bias else [0, 1, -1]
    return Graph(ts, [Op("FULLY_CONNECTED", ins, [3], o, "FullyConnectedOptions")], [0], [3])


def _geometry(rng: np.random.Generator):
    h, w = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    dh, dw = (1, 1) if rng.random() < 0.7 else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    same = bool(rng.integers(0, 2))
    if not same:   # VALID needs the (dilated) kernel to fit
        h, w = max(h, (kh - 1) * dh + 1), max(w, (kw - 1) * dw + 1)
    return h, w, kh, kw, sh, sw, dh, dw, same


def _out_size(same: bool, n: int, k: int, s: int, d: int) -> int:
    eff = (k - 1) * d + 1
    return (n + s - 1) // s if same else (n - eff + s) // s


def conv(rng: np.random.Generator, depthwise: bool = False) -> Graph:
    h, w, kh, kw, sh, sw, dh, dw, same = _geometry(rng)
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 6))
    oh, ow = _out_size(same, h, kh, sh, dh), _out_size(same, w, kw, sw, dw)
    if depthwise:
        mult = int(rng.integers(1, 3))
        oc = c * mult
        wshape = [1, kh, kw, oc]
        o = fb().DepthwiseConv2DOptionsT()
        o.depthMultiplier = mult
    else:
        groups = int(rng.choice([g for g in (1, 2, 3) if c % g == 0]))
        oc = groups * int(rng.integers(1, 4))
        wshape = [oc, kh, kw, c // groups]
        o = fb().Conv2DOptionsT()
    o.padding = 0 if same else 1
    o.strideH, o.strideW, o.dilationHFactor, o.dilationWFactor = sh, sw, dh, dw
    o.fusedActivationFunction = int(rng.choice(ACTS))
    ts = [_f([n, h, w, c], name="input"), _f(wshape, data=_w(rng, wshape), name="weights"),
          _f([oc], data=_w(rng, (oc,)), name="bias"), _f([n, oh, ow, oc], name="output")]
    opcode, opt = ("DEPTHWISE_CONV_2D", "DepthwiseConv2DOptions") if depthwise else ("CONV_2D", "Conv2DOptions")
    return Graph(ts, [Op(opcode, [0, 1, 2], [3], o, opt)], [0], [3])


def pool(rng: np.random.Generator, opcode: str) -> Graph:
    h, w = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    kh, kw = int(rng.integers(1, min(h, 4) + 1)), int(rng.integers(1, min(w, 4) + 1))
    sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    same = bool(rng.integers(0, 2))
    n, c = int(rng.integers(1, 3)), int(rng.integers(1, 6))
    o = fb().Pool2DOptionsT()
    o.padding, o.strideH, o.strideW, o.filterHeight, o.filterWidth = (0 if same else 1), sh, sw, kh, kw
    o.fusedActivationFunction = int(rng.choice(ACTS))
    oh, ow = _out_size(same, h, kh, sh, 1), _out_size(same, w, kw, sw, 1)
    ts = [_f([n, h, w, c], name="input"), _f([n, oh, ow, c], name="output")]
    return Graph(ts, [Op(opcode, [0], [1], o, "Pool2DOptions")], [0], [1])


def binary(rng: np.random.Generator, opcode: str) -> Graph:
    nd = int(rng.integers(1, 5))
    out = [int(rng.integers(1, 6)) for _ in range(nd)]
    a = [d if rng.random() < 0.7 else 1 for d in out]
    b = [d if rng.random() < 0.7 else 1 for d in out][int(rng.integers(0, nd)):]
    if rng.random() < 0.5:
        a = list(out)
    o = fb().AddOptionsT() if opcode == "ADD" else fb().MulOptionsT()
    o.fusedActivationFunction = int(rng.choice(ACTS))
    const_b = rng.random() < 0.3
    ts = [_f(a, name="in_a"), _f(b, data=_w(rng, b) if const_b else None, name="in_b"), _f(out, name="output")]
    ins = [0] if const_b else [0, 1]
    return Graph(ts, [Op(opcode, [0, 1], [2], o, "AddOptions" if opcode == "ADD" else "MulOptions")], ins, [2])


def unary(rng: np.random.Generator, opcode: str) -> Graph:
    shape = [int(rng.integers(1, 5)), int(rng.integers(1, 40))]
    o, opt = None, None
    if opcode == "LEAKY_RELU":
        o, opt = fb().LeakyReluOptionsT(), "LeakyReluOptions"
        o.alpha = float(np.float32(rng.uniform(-0.5, 1.5)))
    elif opcode == "SOFTMAX":
        o, opt = fb().SoftmaxOptionsT(), "SoftmaxOptions"
        o.beta = float(np.float32(rng.choice([1.0, rng.uniform(0.1, 3.0)])))
    ts = [_f(shape, name="input"), _f(shape, name="output")]
    return Graph(ts, [Op(opcode, [0], [1], o, opt)], [0], [1])


def reshape(rng: np.random.Generator) -> Graph:
    shape = [1, int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 6))]
    out = [1, int(np.prod(shape))]
    o = fb().ReshapeOptionsT()
    o.newShape = out
    ts = [_f(shape, name="input"), T([2], None, 0, "INT32", data=np.array(out, np.int32), name="shape"), _f(out, name="output")]
    return Graph(ts, [Op("RESHAPE", [0, 1], [2], o, "ReshapeOptions")], [0], [2])


def pad(rng: np.random.Generator, v2: bool = False) -> Graph:
    nd = int(rng.integers(1, 5))
    shape = [int(rng.integers(1, 5)) for _ in range(nd)]
    pads = rng.integers(0, 3, size=(nd, 2)).astype(np.int32)
    out = [s + int(p.sum()) for s, p in zip(shape, pads)]
    ts = [_f(shape, name="input"), T([nd, 2], None, 0, "INT32", data=pads, name="paddings"), _f(out, name="output")]
    if v2:
        ts.append(_f([1], data=np.array([rng.normal()], np.float32), name="constant"))
        return Graph(ts, [Op("PADV2", [0, 1, 3], [2], fb().PadV2OptionsT(), "PadV2Options")], [0], [2])
    return Graph(ts, [Op("PAD", [0, 1], [2], fb().PadOptionsT(), "PadOptions")], [0], [2])


def concat(rng: np.random.Generator) -> Graph:
    nd = int(rng.integers(1, 5))
    base = [int(rng.integers(1, 5)) for _ in range(nd)]
    axis = int(rng.integers(0, nd))
    k = int(rng.integers(1, 5))
    shapes = []
    for _ in range(k):
        s = list(base)
        s[axis] = int(rng.integers(1, 4))
        shapes.append(s)
    out = list(base)
    out[axis] = sum(s[axis] for s in shapes)
    o = fb().ConcatenationOptionsT()
    o.axis = axis - nd if rng.random() < 0.3 else axis
    const = k > 1 and rng.random() < 0.3
    ts = [_f(s, data=_w(rng, s) if const and i == k - 1 else None, name=f"in{i}") for i, s in enumerate(shapes)]
    ts.append(_f(out, name="output"))
    ins = [i for i in range(k) if not (const and i == k - 1)]
    return Graph(ts, [Op("CONCATENATION", list(range(k)), [k], o, "ConcatenationOptions")], ins, [k])


def mean(rng: np.random.Generator) -> Graph:
    shape = [int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 6))]
    choices = [[1, 2], [2, 1], [3], [1], [2], [1, 2, 3]]
    axes = choices[int(rng.integers(0, len(choices)))]
    keep = bool(rng.integers(0, 2))
    out = [1 if d in axes else s for d, s in enumerate(shape)] if keep else [s for d, s in enumerate(shape) if d not in axes]
    o = fb().ReducerOptionsT()
    o.keepDims = keep
    ts = [_f(shape, name="input"), T([len(axes)], None, 0, "INT32", data=np.array(axes, np.int32), name="axes"),
          _f(out, name="output")]
    return Graph(ts, [Op("MEAN", [0, 1], [2], o, "ReducerOptions")], [0], [2])


def quantize(rng: np.random.Generator, dequantize: bool = False) -> Graph:
    shape = [1, int(rng.integers(1, 64))]
    scale = float(np.float32(np.exp(rng.uniform(np.log(1e-3), np.log(0.5)))))
    zp = int(rng.integers(-128, 128))
    if dequantize:
        ts = [T(shape, scale, zp, "INT8", name="input"), _f(shape, name="output")]
    else:
        ts = [_f(shape, name="input"), T(shape, scale, zp, "INT8", name="output")]
    return Graph(ts, [Op("DEQUANTIZE" if dequantize else "QUANTIZE", [0], [1])], [0], [1])
