"""The shared-mask 2:4 format EAT_WEIGHTS_SPARSE_2OF4_R4 and its kernels alone against the TFLM oracle: what
`--prune 2:4x4` leaves (prune_patterns), the encoding round trip and its bytes, the portable kernels on the host
(FULLY_CONNECTED over batches, CONV_2D 1x1 and general with padding, strides, dilation) over random shapes,
quantisation and shared 2:4 patterns (groups of 0, 1 and 2 positions, zero channels, -128 and 127, out_c not a
multiple of 4), forced 2:4x4; the same kernels on the simulated Pico; and the cost model's choice there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import sparse_2of4_r4
from pipeline.tflite import prune_patterns
from tests.weighted_op_models import weighted_model
from tests.test_kernels_helpers import compile_and_compare


def shared_weights(rng: np.random.Generator, oc: int, k: int) -> np.ndarray:
    """[oc][k] int8: per block of 4 channels and group of 4 inputs 0, 1 or 2 shared positions, each channel's
    values there at random (zeros included), some channels all zero; values include -128 and 127."""
    w = np.zeros((oc, k), np.int8)
    for b0 in range(0, oc, 4):
        rows = slice(b0, min(oc, b0 + 4))
        for g0 in range(0, k, 4):
            span = min(4, k - g0)
            n = min(span, int(rng.choice([0, 1, 2, 2, 2])))
            pos = rng.choice(span, size=n, replace=False)
            vals = rng.choice([-128, 127, 0, *range(-127, 127)], size=(w[rows].shape[0], n))
            w[rows, g0 + pos] = vals
    w[rng.random(oc) < 0.1] = 0
    return w


def r4_model(kinds: list[str], seed: int) -> bytes:
    return weighted_model(kinds, seed, shared_weights, "2:4x4")


@pytest.mark.parametrize("seed", range(4))
def test_prune_2of4x4_shares_masks_and_round_trips(seed: int) -> None:
    """`--prune 2:4x4` (prune_patterns): every block of 4 channels keeps the same 2 positions of each group of 4,
    those of the largest sum |w| over the block, fits the format, decodes back and costs 4 * ceil(K8 / 32) + 2 * K8
    bytes per block; plain 2:4 of the same weights does not fit (its masks differ per channel)."""
    rng = np.random.default_rng(seed)
    oc, k = int(rng.integers(5, 30)), 4 * int(rng.integers(2, 40))
    w = rng.integers(-128, 128, size=(oc, k)).astype(np.int8)
    w = np.where(w == 0, 1, w).astype(np.int8)
    pruned = prune_patterns.prune_array(w, "FULLY_CONNECTED", "2:4x4", 0.5)
    nz = (pruned != 0).reshape(oc, k // 4, 4)
    for b0 in range(0, oc, 4):
        assert (nz[b0:b0 + 4] == nz[b0]).all() and (nz[b0].sum(axis=1) == 2).all()
        score = np.abs(w[b0:b0 + 4].astype(np.int64)).reshape(-1, k // 4, 4).sum(axis=0)
        kept = np.sort(np.argsort(-score, axis=1, kind="stable")[:, :2], axis=1)
        assert np.array_equal(np.sort(np.argwhere(nz[b0])[:, 1].reshape(-1, 2), axis=1), kept)
    assert sparse_2of4_r4.misfit(pruned) is None
    enc = sparse_2of4_r4.encode(pruned)
    assert np.array_equal(sparse_2of4_r4.decode(enc, oc)[:, :k], pruned)
    assert enc.bytes == (oc + 3) // 4 * sparse_2of4_r4.block_bytes(k)
    assert "more than 2 positions" in sparse_2of4_r4.misfit(prune_patterns.prune_array(w, "FULLY_CONNECTED", "2:4", 0.5))
    rows = shared_weights(rng, oc, k + 3)
    for layout in (sparse_2of4_r4.LANES, sparse_2of4_r4.PAIRS):
        enc = sparse_2of4_r4.encode(rows, layout)
        assert np.array_equal(sparse_2of4_r4.decode(enc, oc)[:, :k + 3], rows)
    pairs = sparse_2of4_r4.encode(rows[:4, :8], sparse_2of4_r4.PAIRS).stream   # the M4 order, spelled out
    used = np.flatnonzero((rows[:4, :4] != 0).any(axis=0)).tolist()
    used += [p for p in range(4) if p not in used][:2 - len(used)]
    assert pairs[4:8].tolist() == [rows[0, used[0]], rows[1, used[0]], rows[0, used[1]], rows[1, used[1]]]
    assert pairs[8:12].tolist() == [rows[2, used[0]], rows[3, used[0]], rows[2, used[1]], rows[3, used[1]]]


def test_prune_2of4x4_conv_along_input_depth() -> None:
    """On CONV_2D OHWI the groups run along the input depth of each tap, shared by 4 filters; the last block of a
    layer with out_c % 4 != 0 shares among the channels it has."""
    rng = np.random.default_rng(9)
    w = rng.integers(1, 127, size=(6, 3, 3, 8)).astype(np.int8)
    pruned = prune_patterns.prune_array(w, "CONV_2D", "2:4x4", 0.5)
    nz = (pruned != 0).reshape(6, 3, 3, 2, 4)
    assert (nz.sum(axis=4) == 2).all()
    assert (nz[:4] == nz[0]).all() and (nz[4:] == nz[4]).all() and not (nz[4] == nz[0]).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_portable_2of4_r4_kernels_bit_exact_on_host(seed: int, tmp_path: Path) -> None:
    kinds = ["fc", "conv", "conv", "fc", "conv"] * 3
    info = compile_and_compare(r4_model(kinds, seed), tmp_path, n_inputs=6, seed=seed, weights="2of4r4")
    assert {c["encoding"] for c in info["result"].sparsity} == {"sparse_2of4_r4"}
    assert {o.kernel for o in info["result"].ops} == {"eat_fully_connected_s8_sparse_2of4_r4",
                                                      "eat_conv2d_s8_sparse_2of4_r4"}


@pytest.mark.sim
@pytest.mark.parametrize("seed", [4, 5])
def test_2of4_r4_kernels_bit_exact_on_simulated_pico(seed: int, tmp_path: Path) -> None:
    """The Cortex-M0+ walk (armv6m/sparse_2of4_r4_armv6m.c), forced 2:4x4: random FCs (per-tensor: the record
    prepared per call; per-channel: the compiler's table) and convs (in_c % 4 == 0: the word gather; else
    eat_armv6m_gather), and the example's layer shapes, against TFLM on the simulated Pico."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "r4.tflite"
    tfl.write_bytes(r4_model(["fc", "conv", "conv", "fc", "conv", "conv", "example_conv", "example_fc", "fc10"], seed))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "2of4r4", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_2of4_r4"}
    assert {w["kernel"] for w in m.weights} == {"eat_fully_connected_s8_sparse_2of4_r4_armv6m",
                                                "eat_conv2d_s8_sparse_2of4_r4_armv6m"}


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4", "rv32imc"])
def test_auto_choice_2of4_r4(core: str, tmp_path: Path) -> None:
    """auto, the example's pruned layer shapes pruned 2:4x4: on the M0+ all three go to the shared-mask format with
    the Thumb-1 walk (est. ~0.76x of dense for the 3x3 conv, ~0.7x for the FCs: measured 58,789 / 25,923 / 3,556
    against dense 79,578 / 37,233 / 5,510 cycles) and the reason says so; on the M4 only the 64 -> 10 FC does (est.
    0.94x; measured 1,744 against 1,904 instructions), the conv and the 128 -> 64 FC stay dense (measured 28,012 /
    13,208 against 20,381 / 12,274); on the RV32 (the portable C walk, not calibrated) never."""
    from pipeline.compiler.compile import compile_model

    tfl = tmp_path / "ex.tflite"
    tfl.write_bytes(r4_model(["example_conv", "example_fc", "fc10"], 0))
    result = compile_model(tfl, tmp_path / "out", core=core)
    chosen = [c for c in result.sparsity if c["opcode"] in ("CONV_2D", "FULLY_CONNECTED")]
    assert len(chosen) == 3
    r4 = [c for c in chosen if c["encoding"] == "sparse_2of4_r4"]
    expect = {"cortex-m0plus": 3, "cortex-m4": 1, "rv32imc": 0}[core]
    assert len(r4) == expect
    if core == "cortex-m0plus":
        assert {c["kernel"] for c in r4} == {"eat_conv2d_s8_sparse_2of4_r4_armv6m",
                                             "eat_fully_connected_s8_sparse_2of4_r4_armv6m"}
    if core == "cortex-m4":
        assert r4[0]["kernel"] == "eat_fully_connected_s8_sparse_2of4_r4_dsp" and r4[0]["weights"] == 640
        assert all("2:4x4 est." in c["reason"] and "not faster than dense" in c["reason"]
                   for c in chosen if c["encoding"] == "dense")
    for c in r4:
        assert "2:4x4 est." in c["reason"] and c["sparse_cycles_est"] < 0.95 * c["dense_cycles_est"]
        assert c["chosen_weight_bytes"] <= 0.65 * c["dense_weight_bytes"]


@pytest.mark.sim
def test_2of4_r4_small_requantises_from_the_op_arrays_on_simulated_pico(tmp_path: Path) -> None:
    """`--weights small` weighs 2:4x4 too: the example's layer shapes go 2:4x4 (the fewest bytes as emitted) and the
    M0+ walk gets no rq table (36 B per channel fewer): it requantises from the op's multiplier and shift
    (eat_armv6m_rq_direct), byte-identical to TFLM on the simulated Pico."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "ex.tflite"
    tfl.write_bytes(r4_model(["example_conv", "example_fc", "fc10"], 8))
    m = measure(tfl, load_board("pico"), tmp_path / "out", "small", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"sparse_2of4_r4"}
    model_c = next((tmp_path / "out").rglob("model.c")).read_text()
    assert "no rq table" in model_c and ".per_channel_multiplier = NULL" not in model_c


@pytest.mark.sim
@pytest.mark.parametrize("board, seed", [("nucleo_f446re", 6), ("nucleo_f746zg", 7)])
def test_2of4_r4_kernels_bit_exact_on_simulated_nucleo(board: str, seed: int, tmp_path: Path) -> None:
    """The Cortex-M4/M7 walk (armv7em/sparse_2of4_r4_dsp.c, the "pairs" value order), forced 2:4x4: random FCs
    (K % 8 != 0: the zero tail; per-tensor and per-channel) and convs (1x1 read in place, gathered with padding,
    strides, dilation), and the example's layer shapes, against TFLM on the simulated nucleo_f446re and f746zg."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "r4.tflite"
    tfl.write_bytes(r4_model(["fc", "conv", "conv", "fc", "conv", "conv", "example_conv", "example_fc", "fc10"], seed))
    m = measure(tfl, load_board(board), tmp_path / "out", "2of4r4", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["kernel"] for w in m.weights} == {"eat_fully_connected_s8_sparse_2of4_r4_dsp",
                                                "eat_conv2d_s8_sparse_2of4_r4_dsp"}
