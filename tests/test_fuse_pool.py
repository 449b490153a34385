"""CONV_2D + MAX_POOL_2D fused into one call (pipeline/compiler/fuse_pool.py; the pooled forms of the M0+ dense
one-channel conv and of the plane walks) against the TFLM oracle on the simulated Pico: random one-channel convs
(kernels 1-4 x 1-4, strides 1-2, dilation 1-2, SAME / VALID, the three activations, per-tensor and per-channel
scales, zero point -128 with +-127 weights, biases near 2^30 for the slow requantisation, every zero pattern)
each followed by a 2x2 stride-2 pool (VALID or SAME, with and without its own ReLU); dense, forced sparse and
auto; which pairs fuse; and the rules that keep a pair apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from pipeline.compiler import sparse_cost
from pipeline.compiler.fuse_pool import KERNELS
from pipeline.tflite.model import load
from tests.single_op_models import Graph, Op, build, fb
from tests.sparse_models import PATTERNS, random_op

N_INPUTS = 12


def pooled_model(seed: int, pairs: int = 16) -> tuple[bytes, list[bool]]:
    """`pairs` independent conv + pool pairs (conv outputs of at least 2 x 2), and per pair whether its pool
    clamps further than the conv (its ReLU over a conv without one: not fused)."""
    rng = np.random.default_rng(seed)
    tensors, ops, ins, outs, clamps = [], [], [], [], []
    kinds = [*PATTERNS, "magnitude", "magnitude"]
    while len(ops) < 2 * pairs:
        suffix = str(rng.choice(["", "", "+", "^"]))
        t, op = random_op("CONV_2D_C1" + suffix, str(rng.choice(kinds)), rng, len(tensors))
        if t[3].shape[1] < 2 or t[3].shape[2] < 2:
            continue
        tensors += t
        ops.append(op)
        n, h, w, c = t[3].shape
        same = bool(rng.integers(0, 2)) and h % 2 == 0 and w % 2 == 0 if rng.random() < 0.7 else bool(rng.integers(0, 2))
        o = fb().Pool2DOptionsT()
        o.padding, o.strideH, o.strideW, o.filterHeight, o.filterWidth = (0 if same else 1), 2, 2, 2, 2
        o.fusedActivationFunction = int(rng.choice([0, 0, 0, 1]))
        oh, ow = ((h + 1) // 2, (w + 1) // 2) if same else (h // 2, w // 2)
        from tests.single_op_models import T

        tensors.append(T([n, oh, ow, c], t[3].scale, t[3].zero_point, name=f"pool{len(ops)}"))
        ops.append(Op("MAX_POOL_2D", [op.outputs[0]], [len(tensors) - 1], o, "Pool2DOptions"))
        ins.append(op.inputs[0])
        outs.append(len(tensors) - 1)
        clamps.append(o.fusedActivationFunction == 1 and op.options.fusedActivationFunction == 0)
    return build(Graph(tensors, ops, ins, outs)), clamps


def plane_model(seed: int, pairs: int = 8) -> bytes:
    """Pairs for the plane walks' pooled forms: one-channel convs of stride 1 over 6-12 x 6-12 inputs (the first
    pair over two batches; kernels
    1-3 x 1-3, dilation 1-2, SAME / VALID), 4-8 channels whose non-zeros number 0, 1, 2, 3, 4, 5 or 7 (each of
    the Thumb-1 walks and the C one), output scales from 1 to 2^7 x input x weight scale (clamped and requantised
    outputs; with zero point -128 and +-127 weights, 2^10 to 2^12 and accumulators past 65535 between the
    bounds: the _w walks and the slow requantisation), then the pool."""
    from tests.single_op_models import T, random_scale

    rng = np.random.default_rng(seed)
    tensors, ops, ins, outs = [], [], [], []
    for pair in range(pairs):
        nb = 2 if pair == 0 else 1     # one pair of two batches
        ih, iw, kh, kw, d = (int(rng.integers(6, 13)), int(rng.integers(6, 13)), int(rng.integers(1, 4)),
                             int(rng.integers(1, 4)), int(rng.choice([1, 1, 2])))
        same = bool(rng.integers(0, 2))
        oh, ow = (ih, iw) if same else (ih - (kh - 1) * d, iw - (kw - 1) * d)
        oc, extreme = int(rng.integers(4, 9)), bool(rng.random() < 0.5)
        positive = extreme and rng.random() < 0.7      # every non-zero +127: sums of 2+ taps past 65535
        w = np.zeros((oc, kh * kw), np.int8)
        for c in range(oc):
            n = min(kh * kw, int(rng.choice([0, 1, 2, 2, 3, 3, 4, 5, 7])))
            vals = rng.integers(1, 128, size=n) * rng.choice([-1, 1], size=n)
            w[c, rng.permutation(kh * kw)[:n]] = 127 if positive else 127 * np.sign(vals) if extreme else vals
        in_q = (random_scale(rng, 0.005, 0.1), -128 if extreme else int(rng.integers(-128, 128)))
        w_scale = random_scale(rng, 0.002, 0.05)
        out_q = (in_q[0] * w_scale * float(2.0 ** rng.uniform(*((10, 12) if extreme else (0, 7)))),
                 int(rng.integers(-100, 100)))
        base = len(tensors)
        tensors += [T([nb, ih, iw, 1], *in_q, name=f"in{base}"),
                    T([oc, kh, kw, 1], w_scale, 0, "INT8", w.reshape(oc, kh, kw, 1), f"w{base}"),
                    T([oc], in_q[0] * w_scale, 0, "INT32", rng.integers(-60000, 60000, size=oc).astype(np.int32),
                      f"b{base}"),
                    T([nb, oh, ow, oc], *out_q, name=f"conv{base}"),
                    T([nb, oh // 2, ow // 2, oc], *out_q, name=f"pool{base}")]
        o = fb().Conv2DOptionsT()
        o.padding, o.strideH, o.strideW = (0 if same else 1), 1, 1
        o.dilationHFactor = o.dilationWFactor = d
        o.fusedActivationFunction = int(rng.choice([0, 1, 3]))
        ops.append(Op("CONV_2D", [base, base + 1, base + 2], [base + 3], o, "Conv2DOptions"))
        po = fb().Pool2DOptionsT()
        po.padding, po.strideH, po.strideW, po.filterHeight, po.filterWidth = 1, 2, 2, 2, 2
        ops.append(Op("MAX_POOL_2D", [base + 3], [base + 4], po, "Pool2DOptions"))
        ins.append(base)
        outs.append(base + 4)
    return build(Graph(tensors, ops, ins, outs))


def _run(tfl: Path, out: Path, weights: str):
    """Build for the simulated Pico with `weights`, run N_INPUTS random inputs (and all -128, all 127): the
    compile result and how many inputs matched TFLM byte for byte."""
    from pipeline.boards import load_board
    from pipeline.deploy import build_firmware
    from pipeline.device.protocol import Device
    from pipeline.device.run import target_port
    from pipeline.tflite.oracle import Oracle

    board = load_board("pico")
    fw = build_firmware(tfl, board, out, "eat", Console(stderr=True, quiet=True), simulated=True, weights=weights)
    oracle = Oracle(tfl)
    rng = np.random.default_rng(1)
    cases = [[np.full(s.shape, v, np.int8) for s in oracle.inputs] for v in (-128, 127)]
    cases += [[rng.integers(-128, 128, size=s.shape, dtype=np.int8) for s in oracle.inputs] for _ in range(N_INPUTS)]
    exact = 0
    with target_port(board, fw.built.firmware, None) as ser:
        device = Device(ser, timeout_s=600)
        device.hello()
        for xs in cases:
            _, got = device.infer(xs)
            exact += int(all(g.tobytes() == w.tobytes() for g, w in zip(got, oracle.invoke(xs))))
    return fw.compiled, exact, len(cases)


@pytest.mark.sim
@pytest.mark.parametrize("seed", [7, 8, 9])
def test_fused_conv_pool_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    buf, clamps = pooled_model(seed)
    tfl = tmp_path / "pool.tflite"
    tfl.write_bytes(buf)
    for weights in ("dense", "sparse", "auto"):
        compiled, exact, cases = _run(tfl, tmp_path / weights, weights)
        assert exact == cases, (weights, exact, cases)
        convs = [op for op in compiled.ops if op.opcode == "CONV_2D"]
        fused = [op for op in convs if op.fused]
        assert all(op.kernel in KERNELS for op in fused)
        for op, clamp in zip(convs, clamps):     # a pool that clamps further stays its own op
            assert not (clamp and op.fused), op
        assert len(fused) >= 4, [(op.kernel, op.fused) for op in convs]
        assert {op.kernel for op in fused} & ({"eat_conv2d_s8_c1_armv6m"} if weights == "dense" else
                                              {"eat_conv2d_s8_sparse_plane_armv6m"})


@pytest.mark.sim
def test_pooled_plane_walks_bit_exact_on_simulated_pico(tmp_path: Path) -> None:
    """Every pair fuses into the sparse plane walk (forced d4) and the dense plane walk / c1 conv."""
    tfl = tmp_path / "plane.tflite"
    tfl.write_bytes(plane_model(11))
    for weights in ("sparse", "dense"):
        compiled, exact, cases = _run(tfl, tmp_path / weights, weights)
        assert exact == cases, (weights, exact, cases)
        convs = [op for op in compiled.ops if op.opcode == "CONV_2D"]
        assert all(op.fused for op in convs), [(op.kernel, op.fused) for op in convs]
        if weights == "sparse":
            assert {op.kernel for op in convs} == {"eat_conv2d_s8_sparse_plane_armv6m"}


def test_fusion_rules() -> None:
    """Pairs the rules keep apart: on a core without a pooled kernel, and a pool read by two ops."""
    import tempfile

    from pipeline.compiler.compile import compile_model

    buf, _ = pooled_model(3, pairs=3)
    with tempfile.TemporaryDirectory() as d:
        tfl = Path(d) / "m.tflite"
        tfl.write_bytes(buf)
        for core in ("generic", "cortex-m4"):
            r = compile_model(tfl, Path(d) / core, core=core, weights="dense")
            assert not any(op.fused for op in r.ops) and [op.opcode for op in r.ops].count("MAX_POOL_2D") == 3
        r = compile_model(tfl, Path(d) / "m0", core="cortex-m0plus", weights="dense")
        assert [op.label for op in r.ops if op.fused] and all(op.label == "CONV_2D+MAX_POOL_2D" for op in r.ops
                                                              if op.fused)
        reasons = {c["op_index"]: c["reason"] for c in r.sparsity}
        for op in (op for op in r.ops if op.opcode == "CONV_2D"):   # the layer's reason names the pool it runs
            said = f"MAX_POOL_2D op {op.fused[0]['op_index']} fused into its call" if op.fused else "fused"
            assert (said in reasons[op.index]) == bool(op.fused), reasons[op.index]
        # a fused conv is priced fused: the one-channel conv's estimate less what the pooled form saves
        m = load(tfl)
        for op in (op for op in r.ops if op.fused):
            conv = m.operators[op.index]
            shape = [int(d) for d in m.tensors[conv.outputs[0]].shape]
            w = m.tensors[conv.inputs[1]].data
            saved = sparse_cost.pooled_saving("cortex-m0plus", int(np.prod(shape)), plane=int(w.min()) == -128)
            assert saved > 0 and f"{saved:,} cycles fewer dense" in reasons[op.index], reasons[op.index]
