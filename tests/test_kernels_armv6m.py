"""Cortex-M0+ kernels (runtime/src/armv6m/) against TFLM: the requantisation on the host, exhaustively
over small accumulators; CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on the simulated Pico.

The kernels only build for ARMv6-M, so the op test is one firmware: many independent ops with random
shapes, strides, padding, dilation, per-channel quantisation and biases (including the shapes that
take the reference fallback), run on rp2040js and compared byte for byte with the TFLM oracle."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler.compile import compile_model
from pipeline.compiler.kernels import VARIANTS
from tests.single_op_models import Graph, Op, T, build, fb, random_scale

ROOT = Path(__file__).resolve().parents[1]
SAME, VALID = 0, 1
ACTS = {"none": 0, "relu": 1, "relu6": 3}

# (in h, w, c), out_c, kernel (h, w), stride (h, w), padding, dilation (h, w), activation
CONVS = [
    ((5, 6, 16), 20, (1, 1), (1, 1), VALID, (1, 1), "none"),    # pointwise, last block overlaps
    ((7, 7, 8), 8, (1, 1), (2, 2), SAME, (1, 1), "relu"),       # pointwise, stride 2
    ((6, 6, 3), 6, (3, 3), (1, 1), SAME, (1, 1), "relu6"),      # gathered window with padding
    ((12, 6, 1), 8, (10, 4), (2, 2), SAME, (1, 1), "relu"),     # kws's first layer, smaller
    ((9, 9, 4), 5, (3, 3), (1, 1), VALID, (2, 2), "none"),      # dilation, gathered
    ((5, 5, 64), 4, (3, 3), (1, 1), SAME, (1, 1), "none"),      # 576-byte window: rows read in place
    ((5, 5, 4), 3, (3, 3), (1, 1), SAME, (1, 1), "none"),       # out_c < 4: reference fallback
    ((3, 3, 8), 70, (1, 1), (1, 1), VALID, (1, 1), "relu"),     # two channel chunks (64 + 6)
    ((3, 2, 8), 66, (1, 1), (1, 1), VALID, (1, 1), "none"),     # one chunk of 66
]
# (in h, w, c), depth multiplier, kernel, stride, padding, dilation, activation
DWS = [
    ((6, 5, 8), 1, (3, 3), (1, 1), SAME, (1, 1), "relu"),
    ((9, 9, 10), 1, (3, 3), (2, 2), VALID, (1, 1), "none"),     # last block overlaps
    ((7, 6, 4), 1, (5, 5), (1, 1), SAME, (1, 1), "relu6"),
    ((4, 4, 70), 1, (3, 3), (1, 1), SAME, (1, 1), "none"),      # two channel chunks
    ((6, 6, 3), 2, (3, 3), (1, 1), SAME, (1, 1), "none"),       # multiplier 2: reference fallback
    ((8, 8, 4), 1, (3, 3), (1, 1), SAME, (2, 2), "none"),       # dilation: reference fallback
]
# in depth, out depth, activation, big output scale factor (multiplier > 1: reference fallback)
# ADD: shape, activation (>= 512 elements: the tabulated kernel; fewer: its reference fallback)
ADDS = [((8, 8, 16), "none"), ((6, 10, 12), "relu"), ((4, 5, 6), "none"), ((16, 40), "relu6")]
# MAX_POOL_2D: (in h, w, c), window, stride, padding, activation (2x2 windows inside the input: the M0+
# kernel; SAME with a bottom / right pad, other windows: its reference fallback)
POOLS = [((8, 8, 16), (2, 2), (2, 2), VALID, "none"), ((6, 9, 3), (2, 2), (1, 1), VALID, "relu6"),
         ((9, 8, 1), (2, 2), (2, 2), VALID, "relu"), ((7, 7, 5), (2, 2), (2, 2), SAME, "relu"),
         ((5, 6, 4), (3, 3), (2, 2), VALID, "none")]
FCS = [(64, 12, "none", False), (640, 20, "relu", False), (37, 9, "none", False), (8, 3, "none", False),
       (48, 8, "none", True)]


def _out_size(same: int, n: int, k: int, s: int, d: int) -> int:
    eff = (k - 1) * d + 1
    return -(-n // s) if same == SAME else -(-(n - eff + 1) // s)


class _Builder:
    """Accumulates independent single-op subgraphs (own input, weights, bias, output) in one model."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.tensors: list[T] = []
        self.ops: list[Op] = []
        self.inputs: list[int] = []
        self.outputs: list[int] = []

    def _add(self, t: T) -> int:
        self.tensors.append(t)
        return len(self.tensors) - 1

    def _quant_io(self, k: int, w_scales: np.ndarray, bias_lim: int, big: bool = False,
                  x: int | None = None) -> tuple[int, int]:
        """Input and output tensors; the output scale puts most outputs within +-20..60 steps of the
        zero point (from the accumulator's spread: ~8000 sqrt(k) for random int8, plus the bias),
        or (big) makes the multiplier > 1, which the M0+ kernels hand to the reference kernel."""
        rng = self.rng
        s_in = random_scale(rng, 0.005, 0.1) if x is None else float(self.tensors[x].scale)
        acc_rms = float(np.hypot(8000.0 * np.sqrt(k), bias_lim / np.sqrt(3.0)))
        s_out = acc_rms * float(np.mean(w_scales)) * s_in / float(rng.uniform(20, 60))
        if big:
            s_out = float(np.min(w_scales)) * s_in / 3.0
        if x is None:
            x = self._add(T([1], s_in, int(rng.integers(-128, 128)), name=f"in{len(self.inputs)}"))
        y = self._add(T([1], s_out, int(rng.integers(-100, 100)), name=f"out{len(self.outputs)}"))
        return x, y

    def _weights(self, shape: list[int], axis: int) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        n = shape[axis]
        scales = np.array([random_scale(rng, 2e-3, 2e-2) for _ in range(n)], np.float64)
        w = rng.integers(-127, 128, size=shape).astype(np.int8)
        return w, scales

    def _bias(self, n: int, scale: np.ndarray, lim: int) -> int:
        b = self.rng.integers(-lim, lim, size=n).astype(np.int32)
        return self._add(T([n], list(scale), 0, "INT32", b, name=f"bias{len(self.ops)}"))

    def _finish(self, x: int, y: int, x_shape: list[int], y_shape: list[int], op: Op) -> None:
        self.tensors[x].shape, self.tensors[y].shape = x_shape, y_shape
        if x not in self.outputs and x not in self.inputs:
            self.inputs.append(x)
        if x in self.outputs:   # chained: x is an intermediate tensor now
            self.outputs.remove(x)
        self.outputs.append(y)
        self.ops.append(op)

    def conv(self, ishape, oc, k, s, pad, d, act, x: int | None = None) -> None:
        h, w, c = ishape
        wts, ws = self._weights([oc, k[0], k[1], c], 0)
        lim = 1 << (18 if len(self.ops) % 3 == 0 else 12)
        x, y = self._quant_io(k[0] * k[1] * c, ws, lim, x=x)
        wi = self._add(T(list(wts.shape), list(ws), 0, "INT8", wts, name=f"w{len(self.ops)}"))
        bi = self._bias(oc, ws * self.tensors[x].scale, lim)
        o = fb().Conv2DOptionsT()
        o.padding, o.strideH, o.strideW, o.dilationHFactor, o.dilationWFactor = pad, s[0], s[1], d[0], d[1]
        o.fusedActivationFunction = ACTS[act]
        oh, ow = _out_size(pad, h, k[0], s[0], d[0]), _out_size(pad, w, k[1], s[1], d[1])
        self._finish(x, y, [1, h, w, c], [1, oh, ow, oc], Op("CONV_2D", [x, wi, bi], [y], o, "Conv2DOptions"))

    def depthwise(self, ishape, mult, k, s, pad, d, act, x: int | None = None) -> None:
        h, w, c = ishape
        oc = c * mult
        wts, ws = self._weights([1, k[0], k[1], oc], 3)
        lim = 1 << (17 if len(self.ops) % 2 == 0 else 12)
        x, y = self._quant_io(k[0] * k[1], ws, lim, x=x)
        wi = self._add(T(list(wts.shape), list(ws), 0, "INT8", wts, name=f"w{len(self.ops)}", quantized_dimension=3))
        bi = self._bias(oc, ws * self.tensors[x].scale, lim)
        o = fb().DepthwiseConv2DOptionsT()
        o.padding, o.strideH, o.strideW, o.dilationHFactor, o.dilationWFactor = pad, s[0], s[1], d[0], d[1]
        o.depthMultiplier, o.fusedActivationFunction = mult, ACTS[act]
        oh, ow = _out_size(pad, h, k[0], s[0], d[0]), _out_size(pad, w, k[1], s[1], d[1])
        self._finish(x, y, [1, h, w, c], [1, oh, ow, oc],
                     Op("DEPTHWISE_CONV_2D", [x, wi, bi], [y], o, "DepthwiseConv2DOptions"))

    def fully_connected(self, n_in, n_out, act, big) -> None:
        wts = self.rng.integers(-127, 128, size=(n_out, n_in)).astype(np.int8)
        ws = np.array([random_scale(self.rng, 2e-3, 2e-2)])
        x, y = self._quant_io(n_in, ws, 1 << 16, big)
        wi = self._add(T([n_out, n_in], float(ws[0]), 0, "INT8", wts, name=f"w{len(self.ops)}"))
        bi = self._bias(n_out, np.full(n_out, ws[0] * self.tensors[x].scale), 1 << 16)
        o = fb().FullyConnectedOptionsT()
        o.fusedActivationFunction = ACTS[act]
        self._finish(x, y, [1, n_in], [1, n_out], Op("FULLY_CONNECTED", [x, wi, bi], [y], o, "FullyConnectedOptions"))

    def add(self, shape, act) -> None:
        """Two int8 inputs of random scales and zero points, the output's scale near their sum."""
        rng = self.rng
        a, b = (self._add(T(list(shape), random_scale(rng, 0.005, 0.1), int(rng.integers(-128, 128)),
                            name=f"in{len(self.inputs) + i}")) for i in range(2))
        s_out = (self.tensors[a].scale + self.tensors[b].scale) * float(rng.uniform(0.6, 1.5))
        y = self._add(T(list(shape), s_out, int(rng.integers(-100, 100)), name=f"out{len(self.outputs)}"))
        o = fb().AddOptionsT()
        o.fusedActivationFunction = ACTS[act]
        self.inputs += [a, b]
        self.outputs.append(y)
        self.ops.append(Op("ADD", [a, b], [y], o, "AddOptions"))

    def max_pool(self, shape, k, s, pad, act) -> None:
        """Random int8 input; the output shares its scale and zero point (TFLM requires it)."""
        rng = self.rng
        scale, zp = random_scale(rng, 0.005, 0.1), int(rng.integers(-128, 128))
        x = self._add(T([1, *shape], scale, zp, name=f"in{len(self.inputs)}"))
        oh, ow = (_out_size(pad, shape[i], k[i], s[i], 1) for i in range(2))
        y = self._add(T([1, oh, ow, shape[2]], scale, zp, name=f"out{len(self.outputs)}"))
        o = fb().Pool2DOptionsT()
        o.padding, o.strideH, o.strideW, o.filterHeight, o.filterWidth = pad, s[0], s[1], k[0], k[1]
        o.fusedActivationFunction = ACTS[act]
        self.inputs.append(x)
        self.outputs.append(y)
        self.ops.append(Op("MAX_POOL_2D", [x], [y], o, "Pool2DOptions"))

    def chain(self) -> None:
        """Pointwise -> depthwise -> strided 3x3 conv: the planner may lay each output over its
        input (planner.window_delta), which holds only if a kernel finishes a pixel's channels
        before reading the next pixel's window."""
        self.conv((8, 8, 16), 40, (1, 1), (1, 1), VALID, (1, 1), "relu")
        self.depthwise((8, 8, 40), 1, (3, 3), (1, 1), SAME, (1, 1), "relu6", x=self.outputs[-1])
        self.conv((8, 8, 40), 36, (3, 3), (2, 2), SAME, (1, 1), "none", x=self.outputs[-1])

    def model(self) -> bytes:
        return build(Graph(self.tensors, self.ops, self.inputs, self.outputs))


def _mixed_model(seed: int) -> bytes:
    b = _Builder(seed)
    for case in CONVS:
        b.conv(*case)
    for case in DWS:
        b.depthwise(*case)
    for case in FCS:
        b.fully_connected(*case)
    for case in ADDS:
        b.add(*case)
    for case in POOLS:
        b.max_pool(*case)
    b.chain()
    return b.model()


def test_registry_picks_armv6m_kernels_for_cortex_m0plus(tmp_path: Path) -> None:
    # CONV_2D: the one-channel kernel first (tests/test_kernels_c1_armv6m.py), then the plane walk for in_c == 1
    # with <= 9 taps and a -128 weight (tests/test_kernels_sparse_armv6m.py)
    assert [v.function for v in VARIANTS[("CONV_2D", "dense", "cortex-m0plus")][:2]] == [
        "eat_conv2d_s8_c1_armv6m", "eat_conv2d_s8_plane_armv6m"]
    for op, fn, k in [("CONV_2D", "eat_conv2d_s8_swar_armv6m", 2),
                      ("DEPTHWISE_CONV_2D", "eat_depthwise_conv2d_s8_armv6m", 0),
                      ("FULLY_CONNECTED", "eat_fully_connected_s8_swar_armv6m", 0)]:
        assert VARIANTS[(op, "dense", "cortex-m0plus")][k].function == fn
        assert all(v.function != fn for v in VARIANTS.get((op, "dense", "cortex-m4"), []))
    tfl = tmp_path / "m.tflite"
    tfl.write_bytes(_mixed_model(1))
    result = compile_model(tfl, tmp_path / "c", core="cortex-m0plus")
    assert {o.kernel for o in result.ops} == {"eat_conv2d_s8_swar_armv6m", "eat_conv2d_s8_c1_armv6m",
                                              "eat_depthwise_conv2d_s8_armv6m",
                                              "eat_fully_connected_s8_swar_armv6m", "eat_add_s8_armv6m",
                                              "eat_max_pool2d_s8_armv6m"}
    assert '#include "eat/armv6m.h"' in (tmp_path / "c" / "model.c").read_text()


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs the host C compiler")
def test_requantisation_exact_against_reference_arithmetic(tmp_path: Path) -> None:
    """eat_armv6m_requant / the prepared rq path / eat_requant (both core paths) == eat_mbqm (TFLM's MultiplyByQuantizedMultiplier):
    every x with |x| <= 70000 (both sides of the 2^16 fast-path edge) and 20,000 random x over the
    whole int32 range, for 12 multipliers (edges and random) and every shift in [-31, 31]."""
    for core_flags in ([], ["-D__ARM_ARCH_6M__=1"]):   # eat_requant's 64-bit path, then its ARMv6-M one
        exe = tmp_path / f"rq{len(core_flags)}"
        subprocess.run(["gcc", "-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", *core_flags,
                        f"-I{ROOT / 'runtime' / 'include'}", str(ROOT / "tests" / "armv6m_requant_check.c"),
                        "-o", str(exe)], check=True)
        out = subprocess.run([str(exe), "12", "70000"], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        assert out.stdout.startswith("0 mismatches in "), out.stdout


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs the host C compiler")
def test_compile_time_rq_equals_eat_armv6m_rq_prepare(tmp_path: Path) -> None:
    """fixedpoint.armv6m_rq (the words the M0+ sparse FC reads from flash) == eat_armv6m_rq_prepare, word
    for word, over edge and random multipliers, every shift in [-31, 31] and output offsets -128..127."""
    from pipeline.compiler.fixedpoint import armv6m_rq

    rng = np.random.default_rng(7)
    mults = [0, 1, 1 << 30, 0x7FFFFFFF, 0x7FFF8000, 0x40008000, 0x40007FFF,
             *(int(m) for m in rng.integers(1 << 30, 1 << 31, 20))]
    cases = [(m, sh, off) for m in mults for sh in range(-31, 32) for off in (-128, -1, 0, 5, 127)]
    src = tmp_path / "prep.c"
    src.write_text('#include <stdio.h>\n#include "eat/armv6m.h"\nint main(void) {\n    static const long c[][3] = {'
                   + ",".join(f"{{{m}L,{sh}L,{off}L}}" for m, sh, off in cases) + "};\n"
                   "    unsigned i; for (i = 0; i < sizeof c / sizeof c[0]; ++i) { eat_armv6m_rq_t t;\n"
                   "        eat_armv6m_rq_prepare(&t, (int32_t)c[i][0], (int32_t)c[i][1], (int32_t)c[i][2]);\n"
                   '        printf("%ld %ld %ld %ld %ld %lu %ld %ld %ld\\n", (long)t.mh, (long)t.ml, (long)t.b[0], '
                   "(long)t.b[1], (long)t.sh, (unsigned long)t.lim, (long)t.mult, (long)t.shift, (long)t.out_off); }\n"
                   "    return 0;\n}\n")
    exe = tmp_path / "prep"
    subprocess.run(["gcc", "-O1", "-std=c99", "-Wall", "-Werror", f"-I{ROOT / 'runtime' / 'include'}", str(src),
                    "-o", str(exe)], check=True)
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(lines) == len(cases)
    for (m, sh, off), line in zip(cases, lines):
        assert [int(v) for v in line.split()] == armv6m_rq(m, sh, off), (m, sh, off)


@pytest.mark.sim
def test_armv6m_ops_bit_exact_on_simulated_pico(tmp_path: Path) -> None:
    from pipeline.deploy import DeployOptions, deploy

    tfl = tmp_path / "armv6m_ops.tflite"
    tfl.write_bytes(_mixed_model(2))
    report = deploy(DeployOptions(board="pico", model=tfl, samples=6, out=tmp_path / "out", progress=False))
    v = report["verify"]
    assert v["samples"] == 6
    assert v["bit_exact"] == v["samples"], v["first_mismatches"]
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    for fn in ("eat_conv2d_s8_swar_armv6m(", "eat_conv2d_s8_c1_armv6m(", "eat_depthwise_conv2d_s8_armv6m(",
               "eat_fully_connected_s8_swar_armv6m(",
               "eat_add_s8_armv6m(", "eat_max_pool2d_s8_armv6m("):
        assert fn in model_c


@pytest.mark.sim
@pytest.mark.parametrize("seed", [31, 32])
def test_random_dense_ops_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    """Random CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED shapes, strides, padding, dilation, batches and
    per-tensor / per-channel quantisation (tests/kernel_batches.py) against the oracle on rp2040js."""
    import collections
    import json

    from pipeline.deploy import DeployOptions, deploy
    from tests.kernel_batches import batch_model

    tfl = tmp_path / "batch.tflite"
    tfl.write_bytes(batch_model(seed, n_conv=8, n_dw=4, n_fc=6))
    report = deploy(DeployOptions(board="pico", model=tfl, samples=6, out=tmp_path / "out", progress=False,
                                  weights="dense"))
    v = report["verify"]
    assert v["samples"] == 6
    assert v["bit_exact"] == 6, v["first_mismatches"]
    used = collections.Counter(op["kernel"] for op in
                               json.loads((tmp_path / "out" / "c" / "compile.json").read_text())["ops"])
    # in_c == 1: the one-channel kernel (eat_conv2d_s8_c1_armv6m)
    assert used["eat_conv2d_s8_swar_armv6m"] + used["eat_conv2d_s8_c1_armv6m"] == 8, used
    assert used["eat_fully_connected_s8_swar_armv6m"] == 6, used
