"""Compiler unit tests: quantization helpers, planner invariants, error reporting, C hygiene."""

import itertools
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.test_kernels_helpers import ROOT, compile_and_compare, convert
from pipeline.compiler.compile import compile_model, lower_model
from pipeline.compiler import planner, quant
from pipeline.errors import PipelineError
from pipeline.tflite.model import parse

# ---------------------------------------------------------------- quantization helpers


def test_quantize_multiplier_matches_tflm_definition():
    assert quant.quantize_multiplier(0.0) == (0, 0)
    assert quant.quantize_multiplier(0.5) == (1 << 30, 0)
    assert quant.quantize_multiplier(1.0) == (1 << 30, 1)
    # q rounds up to 2^31 -> halved, shift + 1
    assert quant.quantize_multiplier(1.0 - 1e-12) == (1 << 30, 1)
    assert quant.quantize_multiplier(2.0 ** -40) == (0, 0)
    rng = np.random.default_rng(0)
    for x in rng.uniform(1e-6, 10, size=200):
        m, s = quant.quantize_multiplier(float(x))
        assert (1 << 30) <= m < (1 << 31)
        assert abs(m * 2.0 ** (s - 31) - x) <= 2.0 ** (s - 31)


def test_round_half_away_from_zero():
    assert [quant.round_half_away(v) for v in (0.5, 1.5, -0.5, -1.5, 2.4999)] == [1, 2, -1, -2, 2]


def test_activation_ranges():
    assert quant.activation_range(quant.ACT_NONE, 0.1, 3) == (-128, 127)
    assert quant.activation_range(quant.ACT_RELU, 0.1, -5) == (-5, 127)
    assert quant.activation_range(quant.ACT_RELU6, 0.05, -128) == (-128, -8)
    with pytest.raises(ValueError):
        quant.activation_range(4, 0.1, 0)


# ---------------------------------------------------------------- planner


def _check_plan(p: planner.Plan, alignment: int, allowed=None):
    allowed = allowed or {}
    for a, b in itertools.combinations(p.buffers, 2):
        if a.overlaps_in_time(b) and a.overlaps_in_space(b):
            # only an op's output over its dying input, starting at least delta bytes earlier
            for o, i in ((a, b), (b, a)):
                if (o.id, i.id) in allowed and o.offset <= i.offset - allowed[(o.id, i.id)]:
                    break
            else:
                raise AssertionError((a, b))
    for b in p.buffers:
        assert b.offset % alignment == 0
        assert b.offset + b.size <= p.arena_bytes
    assert p.arena_bytes <= sum(planner.align_up(b.size, alignment) for b in p.buffers)


@pytest.mark.parametrize("seed", range(30))
def test_planner_random_graphs_never_overlap_live_tensors(seed):
    rng = np.random.default_rng(seed)
    n_ops = int(rng.integers(1, 25))
    sizes, producers, consumers = {0: int(rng.integers(1, 500))}, {}, {}
    for k in range(n_ops):
        t = k + 1
        sizes[t] = int(rng.integers(1, 2000))
        producers[t] = k
        for src in set(rng.integers(0, t, size=int(rng.integers(1, 3))).tolist()):
            consumers.setdefault(src, []).append(k)
    aliases = {}
    if n_ops > 2:
        view = int(rng.integers(2, n_ops + 1))
        base = view - 1
        sizes[view] = sizes[base]
        aliases[view] = base
    scratch = {int(k): int(rng.integers(0, 300)) for k in rng.integers(0, n_ops, size=3)}
    inplace = {k: [k + 1, *[t for t, c in consumers.items() if k in c]] for k in range(n_ops) if rng.random() < 0.3}
    for t in inplace.values():
        pass
    alignment = int(rng.choice([4, 8]))
    p = planner.plan(n_ops, sizes, producers, consumers, [0], [n_ops], aliases, inplace, scratch,
                     alignment=alignment)
    # views/in-place groups are one buffer; check the groups' members are really dead/alive correctly
    _check_plan(p, alignment)
    for view, base in aliases.items():
        assert p.tensor_offset[view] == p.tensor_offset[base]


@pytest.mark.parametrize("seed", range(40))
def test_planner_partial_overlap_respects_delta(seed):
    rng = np.random.default_rng(1000 + seed)
    bufs = [planner.Buffer(i, int(rng.integers(1, 400)), int(f), int(f + rng.integers(0, 4)))
            for i, f in enumerate(rng.integers(0, 8, size=10))]
    allowed = {}
    for o in bufs:
        for i in bufs:
            if i.last == o.first and i is not o and rng.random() < 0.5:
                allowed[(o.id, i.id)] = int(rng.integers(0, 200))
    arena = planner.place_best(bufs, 4, allowed)
    p = planner.Plan(arena, bufs, {}, {}, sum(b.size for b in bufs))
    _check_plan(p, 4, allowed)


def _simulate_clobber(n, ih, iw, ic, oh, ow, oc, sh, sw, ph, pw, kh, kw, dh, dw, depthwise, delta):
    """Replay a kernel's read/write order on one shared byte array; True if a read hits a clobbered byte."""
    clobbered = np.zeros(n * ih * iw * ic, bool)
    dm = oc // ic if depthwise else 1
    for b in range(n):
        for y in range(oh):
            for x in range(ow):
                for c in range(oc):
                    chans = [c // dm] if depthwise else range(ic)
                    for fy in range(kh):
                        iy = y * sh - ph + dh * fy
                        for fx in range(kw):
                            ix = x * sw - pw + dw * fx
                            if 0 <= iy < ih and 0 <= ix < iw:
                                for ch in chans:
                                    if clobbered[((b * ih + iy) * iw + ix) * ic + ch]:
                                        return True
                    j = ((b * oh + y) * ow + x) * oc + c - delta     # the output byte lands on input j
                    if 0 <= j < clobbered.size:
                        clobbered[j] = True
    return False


@pytest.mark.parametrize("seed", range(25))
def test_window_delta_is_safe_for_the_kernels_write_order(seed):
    rng = np.random.default_rng(2000 + seed)
    depthwise = bool(rng.random() < 0.4)
    ih, iw, ic = (int(v) for v in rng.integers(2, 8, size=3))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    sh, sw = (int(v) for v in rng.integers(1, 3, size=2))
    dh, dw = (int(v) for v in rng.integers(1, 3, size=2))
    oc = ic * int(rng.integers(1, 3)) if depthwise else int(rng.integers(1, 6))
    same = bool(rng.random() < 0.5)
    oh, ow = quant.compute_out_size(same, ih, kh, sh, dh), quant.compute_out_size(same, iw, kw, sw, dw)
    if oh < 1 or ow < 1:   # VALID window larger than the input: use SAME
        same = True
        oh, ow = quant.compute_out_size(True, ih, kh, sh, dh), quant.compute_out_size(True, iw, kw, sw, dw)
    ph, pw = quant.compute_padding(sh, dh, ih, kh, oh), quant.compute_padding(sw, dw, iw, kw, ow)
    n = int(rng.integers(1, 3))
    delta = planner.window_delta(n, ih, iw, ic, oh, ow, oc, sh, sw, ph, pw)
    args = (n, ih, iw, ic, oh, ow, oc, sh, sw, ph, pw, kh, kw, dh, dw, depthwise)
    assert not _simulate_clobber(*args, delta)


def test_planner_chain_reuses_memory():
    # a -> b -> c -> d, all 100 bytes: only two are ever live
    sizes = {0: 100, 1: 100, 2: 100, 3: 100}
    p = planner.plan(3, sizes, {1: 0, 2: 1, 3: 2}, {0: [0], 1: [1], 2: [2]}, [0], [3], {}, {}, {})
    assert p.arena_bytes == 200
    assert p.naive_bytes == 400


def test_planner_inplace_elementwise():
    # 0 -> op0 -> 1 ; (1, 0?) ... op1: add(1, 2 produced by op... ) keep simple: op1 = relu-like on 1 -> 2
    sizes = {0: 64, 1: 64, 2: 64}
    p = planner.plan(2, sizes, {1: 0, 2: 1}, {0: [0], 1: [1]}, [0], [2], {}, {1: [2, 1]}, {})
    assert p.tensor_offset[1] == p.tensor_offset[2]
    assert p.arena_bytes == 128


# ---------------------------------------------------------------- errors


def _fake_unsupported_model() -> bytes:
    """A small model whose ops and types the engine cannot run: built with flatbuffers' object API."""
    import flatbuffers
    from tflite_micro import runtime

    fb = runtime.schema_fb
    m = fb.ModelT()
    m.version = 3
    m.buffers = [fb.BufferT()]
    codes = []
    for code, custom in ((fb.BuiltinOperator.LSTM, None), (fb.BuiltinOperator.CUSTOM, b"MyOp"),
                         (fb.BuiltinOperator.FULLY_CONNECTED, None)):
        oc = fb.OperatorCodeT()
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, 127)
        oc.customCode = custom
        oc.version = 1
        codes.append(oc)
    m.operatorCodes = codes
    sg = fb.SubGraphT()

    def tensor(name, typ, shape):
        t = fb.TensorT()
        t.name, t.type, t.shape, t.buffer = name.encode(), typ, shape, 0
        q = fb.QuantizationParametersT()
        q.scale, q.zeroPoint = [0.1], [0]
        t.quantization = q
        return t

    sg.tensors = [tensor("in", fb.TensorType.INT8, [1, 4]), tensor("x", fb.TensorType.INT8, [1, 4]),
                  tensor("y", fb.TensorType.INT8, [1, 4]), tensor("z", fb.TensorType.INT16, [1, 4])]
    ops = []
    for i, (code, ins, outs) in enumerate(((0, [0], [1]), (1, [1], [2]), (2, [2], [3]))):
        op = fb.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = code, ins, outs
        ops.append(op)
    sg.operators, sg.inputs, sg.outputs = ops, [0], [3]
    m.subgraphs = [sg]
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_unsupported_ops_and_types_listed_in_one_error(tmp_path):
    buf = _fake_unsupported_model()
    path = tmp_path / "bad.tflite"
    path.write_bytes(buf)
    with pytest.raises(PipelineError) as e:
        compile_model(path, tmp_path / "out")
    msg = str(e.value)
    assert "LSTM at layer 'x'" in msg
    assert "custom op 'MyOp' at layer 'y'" in msg
    assert "int16 model output tensor at layer 'z' (FULLY_CONNECTED)" in msg
    assert "\n" not in msg and "re-quantize" in msg
    assert not (tmp_path / "out").exists()


def test_not_a_tflite(tmp_path):
    path = tmp_path / "junk.tflite"
    path.write_bytes(b"not a model at all" * 4)
    with pytest.raises(PipelineError, match="not a valid .tflite"):
        compile_model(path, tmp_path / "out")


# ---------------------------------------------------------------- the built-in example's model


EXAMPLE = dict(kind="example", seed=11, shape=[8, 8, 1], ranges=[(0.0, 16.0)])


def test_example_cnn_bit_exact_and_artifacts(tmp_path):
    info = compile_and_compare(convert(EXAMPLE), tmp_path, n_inputs=50)
    assert info["ops"] == ["CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
    r = info["result"]
    src = (tmp_path / "out" / "model.c").read_text()
    hdr = (tmp_path / "out" / "model.h").read_text()
    assert src.count("static uint8_t eat_arena[") == 1
    assert "-- a view, no code" in src                    # RESHAPE aliases in place
    assert "static const int8_t op0_w_data" in src
    for line in ("#define EAT_MODEL_NAME", "#define EAT_MODEL_SHA256", "#define EAT_MODEL_ARENA_BYTES",
                 "#define EAT_MODEL_NUM_INPUTS  1", "#define EAT_MODEL_NUM_OUTPUTS 1",
                 "extern const eat_tensor_info_t eat_model_inputs[EAT_MODEL_NUM_INPUTS];",
                 "int8_t       *eat_model_input(int index);", "const int8_t *eat_model_output(int index);",
                 "int           eat_model_invoke(void);"):
        assert line in hdr
    assert r.macs > 0 and r.weights_bytes > 0
    assert [o.kernel for o in r.ops][0] == "eat_conv2d_s8_folded"   # the generic core's registry choice (kernels_registry.py)


def _cc_flags(cc: str) -> list[str]:
    base = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-c", f"-I{ROOT / 'runtime' / 'include'}"]
    return base + (["-mcpu=cortex-m0plus", "-mthumb"] if "arm" in cc else [])


@pytest.mark.parametrize("cc", ["gcc", "arm-none-eabi-gcc"])
def test_runtime_and_generated_code_build_warning_free(cc, tmp_path):
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} not installed")
    buf = convert(EXAMPLE)
    (tmp_path / "m.tflite").write_bytes(buf)
    compile_model(tmp_path / "m.tflite", tmp_path / "out")
    sources = sorted((ROOT / "runtime" / "src").rglob("*.c")) + [tmp_path / "out" / "model.c"]
    for src in sources:
        proc = subprocess.run([cc, *_cc_flags(cc), f"-I{tmp_path / 'out'}", str(src), "-o", str(tmp_path / "x.o")],
                              capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stderr, f"{src.name}: {proc.stderr}"
    if "arm" in cc:
        # no floating point at run time: the kernels must not pull in soft-float helpers
        for src in sorted((ROOT / "runtime" / "src").glob("*.c")):
            subprocess.run([cc, *_cc_flags(cc), str(src), "-o", str(tmp_path / "k.o")], check=True)
            syms = subprocess.run(["arm-none-eabi-nm", str(tmp_path / "k.o")], capture_output=True, text=True).stdout
            assert not any(s in syms for s in ("__aeabi_f", "__aeabi_d")), f"{src.name} uses floating point"
