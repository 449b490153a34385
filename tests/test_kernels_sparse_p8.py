"""The FULLY_CONNECTED format EAT_WEIGHTS_SPARSE_P8 ((weight, input position) byte pairs per row) and its kernels alone
against the TFLM oracle: the encoding round trip and limits, the portable kernel on the host, the Cortex-M0+ rows
walk on the simulated Pico, the Cortex-M4 walk on the simulated nucleo_f446re and the RV32 walk on the simulated
ESP32-C3, over random shapes (in_depth 1-256, out_depth 1-40, batches 1-8), quantisation (input zero point -128
included) and zero patterns (the pruning methods', empty rows, unused inputs, +-127 everywhere, a full row, all
zero), forced p8; rows of more than 256 inputs in segments (in_depth 257-800: the portable kernel on the host, the
Cortex-M0+ _wide walk on the Pico, the RV32 walk on the ESP32-C3); the cost model's choice; and kws_ref_model pruned
one-shot to 80 % on the nucleo_f446re, end to end, as the cost model chooses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import sparse, sparse_p8
from tests.single_op_models import Graph, Op, T, build, fb, random_scale
from tests.sparse_models import EDGE_PATTERNS, PATTERNS, pattern

KINDS = (*PATTERNS, *EDGE_PATTERNS, "full_row", "wide", "big_bias")
SEGMENTED = ("segments", "full_segment")   # in_depth > 256: the kernels that walk segments (portable, M0+ _wide)
M0 = "eat_fully_connected_s8_sparse_p8_armv6m"
M0_WIDE = "eat_fully_connected_s8_sparse_p8_wide_armv6m"
M4 = "eat_fully_connected_s8_sparse_p8_dsp"
RV32 = "eat_fully_connected_s8_sparse_p8_rv32"
PORTABLE = "eat_fully_connected_s8_sparse_p8"


def _fc(rng: np.random.Generator, base: int, kind: str, n_in: int | None = None) -> tuple[list[T], Op]:
    """One FULLY_CONNECTED whose weights fit p8: kind one of KINDS or SEGMENTED ("full_row": one row with every
    weight non-zero, in_depth <= 255; "wide": in_depth 200-256 at 80-97 % zeros; "big_bias": unstructured, half the
    rows with |bias| in [2^30, 2^31 - 2^23): acc << 1 leaves int32, beyond the M4 short requantisation's room: those
    rows take the general one; the folded bias stays int32; "segments": in_depth 257-800, a random pattern but
    "dense" (256 non-zeros in a segment do not fit);
    "full_segment": in_depth 257-800, one row with 255 non-zeros in one segment and its other segments empty or
    full)."""
    F = fb()
    if n_in is None and kind in SEGMENTED:
        n_in = int(rng.integers(257, 801))
    elif n_in is None:
        n_in = int(rng.integers(200, 257)) if kind == "wide" else int(rng.integers(1, 256 if kind == "full_row" else 257))
    n_out, batches = int(rng.integers(1, 41)), int(rng.choice([1, 1, 2, 3, 5, 8]))
    w = rng.integers(-127, 128, size=(n_out, n_in)).astype(np.int8)
    if kind == "full_row":
        w = pattern(w, "FULLY_CONNECTED", "magnitude", rng)
        w[int(rng.integers(0, n_out))] = np.where(rng.random(n_in) < 0.5, 127, -127)
    elif kind == "wide":
        w = pattern(w, "FULLY_CONNECTED", "zero_rows", rng)
    elif kind == "big_bias":
        w = pattern(w, "FULLY_CONNECTED", "magnitude", rng)
    elif kind == "segments":
        w = pattern(w, "FULLY_CONNECTED", str(rng.choice([k for k in PATTERNS if k != "dense"])), rng)   # 256 > 255
    elif kind == "full_segment":
        w = pattern(w, "FULLY_CONNECTED", "magnitude", rng)
        row, seg = int(rng.integers(0, n_out)), int(rng.integers(0, (n_in + 255) // 256))
        w[row] = 0
        span = np.arange(256 * seg, min(256 * seg + 256, n_in))
        w[row, span[:255]] = np.where(rng.random(min(255, span.size)) < 0.5, 127, -127)
        if seg > 0:
            w[row, :255] = np.where(rng.random(255) < 0.5, 1, -1)   # an earlier segment full too
    else:
        w = pattern(w, "FULLY_CONNECTED", kind, rng)
    extreme = kind == "extreme" or rng.random() < 0.2
    in_q = (random_scale(rng, 0.005, 0.2), -128 if extreme else int(rng.integers(-128, 128)))
    out_q = (random_scale(rng, 0.01, 2.0), int(rng.integers(-100, 100)))
    o = F.FullyConnectedOptionsT()
    o.fusedActivationFunction = int(rng.choice([0, 1, 3]))
    w_scale = random_scale(rng, 0.001, 0.05)
    bias = rng.integers(-20000, 20000, size=n_out).astype(np.int64)
    if kind == "big_bias":
        big = rng.random(n_out) < 0.5
        bias[big] = rng.choice([-1, 1], size=int(big.sum())) * rng.integers(1 << 30, (1 << 31) - (1 << 23), size=int(big.sum()))
    bias = bias.astype(np.int32)
    tensors = [T([batches, n_in], *in_q, name=f"in{base}"), T([n_out, n_in], w_scale, 0, "INT8", w, f"w{base}"),
               T([n_out], in_q[0] * w_scale, 0, "INT32", bias, f"b{base}"), T([batches, n_out], *out_q, name=f"out{base}")]
    return tensors, Op("FULLY_CONNECTED", [base, base + 1, base + 2], [base + 3], o, "FullyConnectedOptions")


def p8_model(kinds: list[str], seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    tensors, ops = [], []
    for kind in kinds:
        t, op = _fc(rng, len(tensors), kind)
        tensors += t
        ops.append(op)
    return build(Graph(tensors, ops, [op.inputs[0] for op in ops], [op.outputs[0] for op in ops]))


@pytest.mark.parametrize("seed", range(4))
def test_encoding_round_trip_bytes_and_limits(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_out, n_in = int(rng.integers(1, 30)), int(rng.integers(1, 257) if seed % 2 else rng.integers(257, 1000))
    w = pattern(rng.integers(-128, 128, size=(n_out, n_in)).astype(np.int8), "FULLY_CONNECTED", "zero_rows", rng)
    assert sparse_p8.misfit(w) is None
    enc = sparse_p8.encode(w)
    assert np.array_equal(sparse_p8.decode(enc, n_in), w)
    nz, segs = int((w != 0).sum()), -(-n_in // 256)
    assert enc.segments == segs and enc.bytes == 2 * nz + n_out * segs
    padded = np.zeros((n_out, 256 * segs), np.int8)
    padded[:, :n_in] = w
    assert list(enc.counts) == list((padded.reshape(n_out, segs, 256) != 0).sum(axis=2).reshape(-1))
    pairs = enc.pairs.reshape(-1, 2)   # byte 0 the weight, byte 1 the position in its segment, increasing per row
    assert np.array_equal(pairs[:, 0], w[w != 0]) and np.array_equal(pairs[:, 1].view(np.uint8), np.nonzero(w)[1] % 256)
    assert "256 non-zeros" in sparse_p8.misfit(np.ones((2, 256), np.int8))
    assert "256 non-zeros" in sparse_p8.misfit(np.ones((2, 600), np.int8))
    assert sparse_p8.misfit(np.ones((2, 255), np.int8)) is None
    two = np.zeros((2, 600), np.int8)
    two[:, :255] = two[:, 256:511] = 1                               # 255 in each of two segments: fits
    assert sparse_p8.misfit(two) is None and list(sparse_p8.encode(two).counts) == [255, 255, 0] * 2


@pytest.mark.parametrize("seed", [1, 2])
def test_portable_p8_kernel_bit_exact_on_host(seed: int, tmp_path: Path) -> None:
    from tests.test_kernels_helpers import compile_and_compare

    info = compile_and_compare(p8_model(list(KINDS + SEGMENTED) * 2, seed), tmp_path, n_inputs=6, seed=seed,
                               weights="p8")
    assert {c["encoding"] for c in info["result"].sparsity} == {"sparse_p8"}
    assert {o.kernel for o in info["result"].ops} == {PORTABLE}


def _measure(board: str, seed: int, tmp_path: Path, kinds: tuple[str, ...], mode: str = "p8"):
    from rich.console import Console

    from pipeline.bench_sparsity import measure
    from pipeline.boards import load_board

    tfl = tmp_path / "p8.tflite"
    tfl.write_bytes(p8_model(list(kinds) * 2, seed))
    return measure(tfl, load_board(board), tmp_path / "out", mode, Console(stderr=True, quiet=True))


@pytest.mark.sim
@pytest.mark.parametrize("board, kernels, seed", [("pico", (M0, M0_WIDE), 3), ("pico", (M0, M0_WIDE), 4),
                                                  ("nucleo_f446re", (M4,), 5), ("nucleo_f446re", (M4,), 6),
                                                  ("nucleo_f746zg", (M4,), 7),
                                                  ("esp32-c3-devkitm-1", (RV32,), 8)])
def test_p8_kernels_bit_exact_on_simulated_board(board: str, kernels: tuple[str, ...], seed: int,
                                                 tmp_path: Path) -> None:
    """The core's p8 kernels, forced, on every FC of a model of 2 x len(KINDS) random ones (on the Pico also 2 x
    len(SEGMENTED) of more than 256 inputs, the _wide walk's; on the ESP32-C3 too, its one kernel walks segments):
    byte-identical to TFLM (the M4 kernel also on the Cortex-M7, nucleo_f746zg)."""
    from pipeline.bench_sparsity import INFERENCES

    m = _measure(board, seed, tmp_path, KINDS + SEGMENTED if M0_WIDE in kernels or RV32 in kernels else KINDS)
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_p8"} and {w["kernel"] for w in m.weights} == set(kernels)
    code = next((tmp_path / "out").rglob("model.c")).read_text()
    assert all(k + "(" in code for k in kernels)


def _choice(core: str, n_out: int, n_in: int, keep: float, seed: int = 0):
    """The auto choice (d4 / dense, then p8's candidate decided against it) for one FC at `keep` non-zeros."""
    from pipeline.compiler import kernels, sparse
    from pipeline.compiler.ops.sparse_p8_weights import Candidate, decide
    from pipeline.compiler.sparse_cost import LayerShape

    rng = np.random.default_rng(seed)
    w = np.where(rng.random((n_out, n_in)) < keep, rng.integers(1, 127, (n_out, n_in)), 0).astype(np.int8)
    choice = sparse.choose("auto", core, "FULLY_CONNECTED", w, sparse.encode(sparse.channels_fc(w)),
                           LayerShape("FULLY_CONNECTED", 1, n_out, 1, w.size), 0, "fc")
    v = kernels.select_variant("FULLY_CONNECTED", sparse_p8.KEY, core, dict(batches=1, in_depth=n_in, out_depth=n_out))
    enc = sparse_p8.encode(w)
    c = Candidate(v, enc, sparse_p8.cycles(core, 1, n_out, enc.nonzeros, sparse_p8.walk_of(v.function), enc.segments))
    return decide("auto", c, choice), choice, c


def test_auto_choice_p8() -> None:
    """auto: on the M0+ the example's dense1 (128 -> 64) at 80 % goes p8 (faster than d4's rows walk: measured
    18,974 against 24,798 cycles); on the M4 kws's FC (64 -> 12) at 80 / 90 % goes p8 (faster than its dense
    kernel and than the M4's d4 walk); at 50 % non-zeros p8 is not smaller than dense and stays out; on the RV32 the
    RV32 walk (measured there: the example's dense1 15,042 against d4's 19,094 instructions) goes p8; an estimate
    within the model's margin of the choice's replaces it only when smaller (sparse.replaces); a core where p8 is
    not measured never prefers it to d4; in_depth > 256 (ad01's 640 -> 128 at 80 %) goes p8 on the M0+ (the _wide
    walk); on the M4, which has only the portable kernel for it, p8 is priced and refused."""
    ok, choice, c = _choice("cortex-m0plus", 64, 128, 0.2)
    assert ok and choice.encoding == "sparse_d4" and c.cycles_est < 0.85 * choice.sparse_cycles_est
    for keep in (0.2, 0.1):   # d4 (the M4's own walk since) est. under dense too, p8 under d4
        ok, choice, c = _choice("cortex-m4", 12, 64, keep)
        assert ok and c.cycles_est < choice.sparse_cycles_est < choice.dense_cycles_est, (c.cycles_est, choice.reason)
    ok, choice, _ = _choice("cortex-m0plus", 64, 128, 0.55)
    assert not ok and "not smaller than dense" in choice.reason
    for keep in (0.15, 0.2):   # the RV32 walk (est. 12,741 / 15,351 against d4's 16,201 / 19,145)
        ok, choice, c = _choice("rv32imc", 64, 128, keep)
        assert ok and choice.encoding == "sparse_d4" and c.cycles_est < 0.95 * choice.sparse_cycles_est
        assert c.variant.function == RV32
    # sparse.replaces: an estimate within the model's 5 % margin of the choice's is taken only when smaller
    ok, choice, c = _choice("rv32imc", 64, 128, 0.2)
    near = int(choice.sparse_cycles_est * 0.98)
    assert not sparse.replaces("p8", "p8", "auto", choice.chosen_weight_bytes + 1, near, choice)
    assert "within 5%" in choice.reason and "not smaller" in choice.reason, choice.reason
    assert sparse.replaces("p8", "p8", "auto", choice.chosen_weight_bytes - 1, near, choice)
    assert "and smaller" in choice.reason, choice.reason
    assert not sparse.replaces("p8", "p8", "auto", choice.chosen_weight_bytes - 1, int(choice.sparse_cycles_est * 1.1),
                               choice)   # smaller but slower beyond the margin
    ok, choice, _ = _choice("generic", 64, 128, 0.2)
    assert not ok and "not the fastest" in choice.reason
    ok, choice, c = _choice("cortex-m0plus", 128, 640, 0.2)
    assert ok and c.variant.function == M0_WIDE and c.cycles_est < 0.85 * choice.sparse_cycles_est, choice.reason
    ok, choice, c = _choice("cortex-m4", 128, 640, 0.2)
    assert not ok and c.variant.function == PORTABLE and "p8 est." in choice.reason, choice.reason


@pytest.mark.sim
def test_kws_80_fc_goes_p8_bit_exact_on_simulated_nucleo(tmp_path: Path) -> None:
    """kws_ref_model pruned one-shot 80 %, auto, on the nucleo_f446re: its FC (64 -> 12) takes the M4 p8 kernel
    (dense before: the d4 walk lost to the dense int16 FC) and the model is byte-identical to TFLM."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.tflite.oneshot import prune_tflite
    from tests.conftest import reference_model

    pruned = tmp_path / "kws80.tflite"
    prune_tflite(reference_model("kws_ref_model.tflite"), pruned, "magnitude", 0.8)
    m = measure(pruned, load_board("nucleo_f446re"), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    fc = [w for w in m.weights if w["opcode"] == "FULLY_CONNECTED"]
    assert len(fc) == 1 and fc[0]["encoding"] == "sparse_p8" and fc[0]["kernel"] == M4, fc


@pytest.mark.sim
def test_ad01_80_wide_fc_goes_p8_bit_exact_on_simulated_pico(tmp_path: Path) -> None:
    """ad01_int8 pruned one-shot 80 %, auto, on the Pico: its 640 -> 128 FC takes the _wide walk (d4's rows walk
    before: 210,793 against 148,451 cycles measured), the other FCs the one-segment walk, and the model is
    byte-identical to TFLM."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.tflite.oneshot import prune_tflite
    from tests.conftest import reference_model

    pruned = tmp_path / "ad01_80.tflite"
    prune_tflite(reference_model("ad01_int8.tflite"), pruned, "magnitude", 0.8)
    m = measure(pruned, load_board("pico"), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    kernels = [w["kernel"] for w in m.weights if w["opcode"] == "FULLY_CONNECTED" and w["encoding"] == "sparse_p8"]
    assert kernels[0] == M0_WIDE and M0 in kernels[1:], kernels
