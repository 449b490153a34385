"""Single-op int8 .tflite models written directly with the flatbuffer object API (no TensorFlow).

TF's converter pins many quantization parameters (e.g. CONCATENATION inputs share the output's
scale, LOGISTIC's output is 1/256, -128), so to randomize shapes and quantization freely the op
tests also build models here: one operator, activations in the arena, constants in buffers.
Building takes milliseconds, so nothing is cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import tests.test_kernels_helpers  # noqa: F401  (puts the repo root on sys.path)


@dataclass
class T:
    shape: list[int]
    scale: float | list[float] | None = None   # None: no quantization; a list: per-channel
    zero_point: int = 0
    dtype: str = "INT8"
    data: np.ndarray | None = None        # constant tensors
    name: str = ""
    quantized_dimension: int = 0          # the channel axis of a per-channel scale


@dataclass
class Op:
    opcode: str                           # BuiltinOperator name
    inputs: list[int]
    outputs: list[int]
    options: object | None = None         # a *OptionsT object
    options_type: str | None = None       # BuiltinOptions member name


@dataclass
class Graph:
    tensors: list[T]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    extra_codes: list[str] = field(default_factory=list)


def build(g: Graph) -> bytes:
    import flatbuffers
    from tflite_micro import runtime

    fb = runtime.schema_fb
    m = fb.ModelT()
    m.version = 3
    m.description = b"eat single-op test model"
    m.buffers = [fb.BufferT()]
    names = [op.opcode for op in g.ops]
    codes = list(dict.fromkeys(names))
    m.operatorCodes = []
    for name in codes:
        oc = fb.OperatorCodeT()
        code = getattr(fb.BuiltinOperator, name)
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, 127)
        oc.version = 1
        m.operatorCodes.append(oc)
    sg = fb.SubGraphT()
    sg.tensors = []
    for i, t in enumerate(g.tensors):
        ft = fb.TensorT()
        ft.name = (t.name or f"t{i}").encode()
        ft.type = getattr(fb.TensorType, t.dtype)
        ft.shape = list(t.shape)
        ft.buffer = 0
        if t.data is not None:
            b = fb.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(t.data).tobytes(), dtype=np.uint8).tolist()
            m.buffers.append(b)
            ft.buffer = len(m.buffers) - 1
        if t.scale is not None:
            q = fb.QuantizationParametersT()
            scales = [float(x) for x in np.atleast_1d(np.asarray(t.scale, np.float64))]
            q.scale, q.zeroPoint = scales, [int(t.zero_point)] * len(scales)
            q.quantizedDimension = t.quantized_dimension
            ft.quantization = q
        sg.tensors.append(ft)
    sg.operators = []
    for op in g.ops:
        fo = fb.OperatorT()
        fo.opcodeIndex = codes.index(op.opcode)
        fo.inputs, fo.outputs = list(op.inputs), list(op.outputs)
        if op.options is not None:
            fo.builtinOptionsType = getattr(fb.BuiltinOptions, op.options_type)
            fo.builtinOptions = op.options
        sg.operators.append(fo)
    sg.inputs, sg.outputs = list(g.inputs), list(g.outputs)
    m.subgraphs = [sg]
    b = flatbuffers.Builder(4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def fb():
    from tflite_micro import runtime

    return runtime.schema_fb


def unary(opcode: str, shape: list[int], in_q: tuple[float, int], out_q: tuple[float, int],
          options=None, options_type: str | None = None, in_dtype: str = "INT8", out_dtype: str = "INT8") -> bytes:
    """One elementwise op: input tensor 0 -> output tensor 1."""
    tensors = [T(list(shape), in_q[0], in_q[1], in_dtype, name="input"),
               T(list(shape), out_q[0], out_q[1], out_dtype, name="output")]
    return build(Graph(tensors, [Op(opcode, [0], [1], options, options_type)], [0], [1]))


def random_scale(rng: np.random.Generator, lo: float = 1e-3, hi: float = 0.5) -> float:
    return float(np.float32(np.exp(rng.uniform(np.log(lo), np.log(hi)))))


def all_int8_inputs(shape: list[int]) -> np.ndarray:
    """An input tensor of `shape` cycling through every int8 value (exhaustive for elementwise ops)."""
    n = int(np.prod(shape))
    return (np.arange(n) % 256 - 128).astype(np.int8).reshape(shape)


def compare(buf: bytes, tmp_path, inputs: list[list[np.ndarray]] | None = None, n_random: int = 8,
            seed: int = 0) -> dict:
    """Compile `buf`, run our C and TFLM on the given, the extreme and `n_random` random inputs."""
    from tests.test_kernels_helpers import compile_and_compare

    return compile_and_compare(buf, tmp_path, n_inputs=n_random + 2, seed=seed, inputs=inputs)


def oracle_outputs(buf: bytes, xs: list[np.ndarray]) -> list[np.ndarray]:
    from pipeline.tflite.oracle import Oracle

    return Oracle(buf).invoke(xs)


def parallel_unary(opcode: str, shape: list[int], quants: list[tuple[tuple[float, int], tuple[float, int]]],
                   options: list | None = None, options_type: str | None = None) -> bytes:
    """K independent copies of one elementwise op, each with its own input/output quantization:
    many random parameter sets checked with one compile and one host build."""
    tensors, ops = [], []
    for k, (iq, oq) in enumerate(quants):
        tensors += [T(list(shape), iq[0], iq[1], name=f"in{k}"), T(list(shape), oq[0], oq[1], name=f"{opcode.lower()}{k}")]
        ops.append(Op(opcode, [2 * k], [2 * k + 1], options[k] if options else None, options_type))
    return build(Graph(tensors, ops, [2 * k for k in range(len(quants))], [2 * k + 1 for k in range(len(quants))]))


TF_BUILDER_VERSION = 1


def tf_model(kind: str, shapes: list[list[int]], seed: int, ranges: list[tuple[float, float]], **kw) -> bytes:
    """A full-int8 model from Keras through TF's converter, for the op `kind` (cached on disk like
    test_kernels_helpers.convert): the realistic quantization the converter picks."""
    import hashlib
    import json

    from tests.test_kernels_helpers import CACHE, _save, _tf

    spec = dict(kind=kind, shapes=shapes, seed=seed, ranges=ranges, kw=kw, _v=TF_BUILDER_VERSION)
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]
    path = CACHE / f"single_{kind}_{key}.tflite"
    if path.exists():
        return path.read_bytes()
    tf = _tf()
    tf.keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    k = tf.keras
    ins = [k.Input(shape=tuple(s), name=f"in_{chr(97 + i)}") for i, s in enumerate(shapes)]
    x = ins[0]
    if kind == "sigmoid":
        y = k.layers.Activation("sigmoid")(x)
    elif kind == "tanh":
        y = k.layers.Activation("tanh")(x)
    elif kind == "hard_swish":
        y = k.layers.Lambda(lambda t: t * tf.nn.relu6(t + 3.0) * (1.0 / 6.0))(x)
    elif kind == "relu":
        y = k.layers.ReLU()(x)
    elif kind == "relu6":
        y = k.layers.ReLU(max_value=6.0)(x)
    elif kind == "leaky_relu":
        y = k.layers.LeakyReLU(alpha=kw.get("alpha", 0.2))(x)
    elif kind == "concat":
        y = k.layers.Concatenate(axis=kw.get("axis", -1))(ins)
    elif kind == "mean":
        y = k.layers.Lambda(lambda t: tf.reduce_mean(t, axis=kw["axes"], keepdims=kw["keepdims"]))(x)
    else:
        raise ValueError(kind)
    model = k.Model(ins, y)

    def rep():
        for _ in range(48):
            xs = [rng.uniform(lo, hi, size=(1, *s)).astype(np.float32) for s, (lo, hi) in zip(shapes, ranges)]
            yield dict(zip([f"in_{chr(97 + i)}" for i in range(len(xs))], xs)) if len(xs) > 1 else xs

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return _save(path, conv.convert())
