"""Empty input columns gathered (pipeline/compiler/columns.py, runtime/src/columns_s8.c) alone against the TFLM
oracle: what `--prune 2:4xall` leaves (prune_patterns: one 2:4 mask for every channel of a layer), the kernels on
the host over random shapes, quantisation and column patterns (FULLY_CONNECTED over batches; CONV_2D 1x1 and
general, SAME and VALID, strides, dilation: the border pixels' padding), forced; the same on the simulated Pico,
nucleo_f446re, nucleo_f746zg and ESP32-C3 (each core's own dense kernel under the gather); the M4's general
requantisation path; the cost model's choice; and the whole example pruned 2:4xall on the simulated M4."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler import columns
from pipeline.tflite import prune_patterns
from tests.test_kernels_helpers import compile_and_compare
from tests.weighted_op_models import weighted_model


def column_weights(rng: np.random.Generator, oc: int, k: int) -> np.ndarray:
    """[oc][k] int8: a random share (10-80%) of the columns zero in every channel, the rest random with zeros,
    -128 and 127 among them; at least one column kept and (k > 1) one empty."""
    w = rng.choice([-128, 127, 0, *range(-127, 127)], size=(oc, k)).astype(np.int8)
    empty = rng.random(k) < rng.uniform(0.1, 0.8)
    cols = rng.permutation(k)
    empty[cols[0]] = False
    empty[cols[1:2]] = True
    w[:, empty] = 0
    return w


def columns_model(kinds: list[str], seed: int) -> bytes:
    return weighted_model(kinds, seed, column_weights, "2:4xall")


@pytest.mark.parametrize("seed", range(3))
def test_prune_2of4xall_shares_one_mask(seed: int) -> None:
    """`--prune 2:4xall`: every channel keeps the same 2 positions of each group of 4 along the input depth,
    those of the largest sum |w| over all channels, so half of the columns are empty; on a conv per tap."""
    rng = np.random.default_rng(seed)
    oc, k = int(rng.integers(2, 40)), 4 * int(rng.integers(2, 40))
    w = rng.integers(1, 128, size=(oc, k)).astype(np.int8)
    pruned = prune_patterns.prune_array(w, "FULLY_CONNECTED", "2:4xall", 0.5)
    nz = (pruned != 0).reshape(oc, k // 4, 4)
    assert (nz == nz[0]).all() and (nz[0].sum(axis=1) == 2).all()
    score = np.abs(w.astype(np.int64)).sum(axis=0).reshape(k // 4, 4)
    assert np.array_equal(np.sort(np.argwhere(nz[0])[:, 1].reshape(-1, 2), axis=1),
                          np.sort(np.argsort(-score, axis=1, kind="stable")[:, :2], axis=1))
    conv = prune_patterns.prune_array(rng.integers(1, 127, size=(oc, 3, 3, 8)).astype(np.int8), "CONV_2D", "2:4xall", 0.5)
    cz = (conv != 0).reshape(oc, 3, 3, 2, 4)
    assert (cz == cz[0]).all() and (cz.sum(axis=4) == 2).all()
    assert prune_patterns.nm_share("2:4xall", oc) == oc and prune_patterns.nm_share("2:4x4", oc) == 4


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_kernels_bit_exact_on_host(seed: int, tmp_path: Path) -> None:
    kinds = ["fc", "conv", "conv", "fc", "conv"] * 3   # (an FC of one input has no column to drop: weighed as auto)
    info = compile_and_compare(columns_model(kinds, seed), tmp_path, n_inputs=6, seed=seed, weights="columns")
    res = info["result"]
    out_c = {row["index"]: row["output_shape"][-1] for row in res.layers}
    wide = [c for c in res.sparsity if c["weights"] > out_c[c["op_index"]]]   # more than one column
    assert {c["encoding"] for c in wide} == {"columns"}
    assert set(columns.FUNCTIONS.values()) <= {o.kernel for o in res.ops}


def test_columns_tables_and_bytes(tmp_path: Path) -> None:
    """The bytes counted are the kept weights and the tables (2 B per FC column, 3 per conv tap); on the M4 the conv
    runs the int8 dense conv over its 4 gathered pixels, the FC the int8 dense FC (never the int16-weight kernels,
    which would not shrink the flash); the conv's column table holds each kept tap's window offset."""
    from pipeline.compiler.compile import compile_model

    tfl = tmp_path / "ex.tflite"
    tfl.write_bytes(columns_model(["example_conv", "example_fc"], 3))
    result = compile_model(tfl, tmp_path / "out", core="cortex-m4", weights="columns")
    conv, fc = result.sparsity
    assert conv["chosen_weight_bytes"] == 32 * 72 + 3 * 72 and fc["chosen_weight_bytes"] == 64 * 64 + 2 * 64
    src = (tmp_path / "out" / "model.c").read_text()
    assert ".dense = eat_conv2d_s8_dsp," in src and ".conv.in_c = 72," in src and ".g.rows = 4," in src
    assert ".dense = eat_fully_connected_s8_dsp4," in src and ".fc.in_depth = 64," in src   # int8 weights: no dsp16
    w = prune_patterns.prune_array(np.ones((32, 144), np.int8), "FULLY_CONNECTED", "2:4xall", 0.5)
    kept = np.flatnonzero(w[0])
    g = dict(ic=16, kw=3, dh=1, dw=1, iw=4)
    offs = columns.conv_offsets(kept, g)
    fy, fx, ic = kept // 48, kept // 16 % 3, kept % 16
    assert np.array_equal(offs, (fy * 4 + fx) * 16 + ic)


@pytest.mark.sim
@pytest.mark.parametrize("board, seed", [("pico", 4), ("nucleo_f446re", 5), ("nucleo_f746zg", 8),
                                         ("esp32-c3-devkitm-1", 6)])
def test_columns_kernels_bit_exact_on_simulators(board: str, seed: int, tmp_path: Path) -> None:
    """Forced: random FCs and convs (padding, strides, dilation) and the example's layer shapes pruned 2:4xall,
    against TFLM on the simulated board, the gather over that core's dense FC kernel."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "cols.tflite"
    tfl.write_bytes(columns_model(["fc", "conv", "conv", "fc", "conv", "example_conv", "example_fc", "fc10"], seed))
    m = measure(tfl, load_board(board), tmp_path / "out", "columns", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"columns"}
    assert {w["kernel"] for w in m.weights} == set(columns.FUNCTIONS.values())


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4", "rv32imc"])
def test_auto_choice_columns(core: str, tmp_path: Path) -> None:
    """auto, the example's pruned layer shapes pruned 2:4xall: the 3x3 conv and the 128 -> 64 FC take the gathered
    form on every core (est. 0.59x / 0.65x of dense on the M0+, 0.84x / 0.86x on the M4; measured 47,132 / 23,407
    against 79,505 / 36,973 cycles, 16,744 / 10,947 against 20,381 / 12,274 instructions); the 64 -> 10 FC, a
    2:4x4 pattern too, goes to the Cortex-M walks of that format there (measured 3,556 / 1,738 against gathered
    4,068 / 1,792) and gathered on the RV32 (2,484 against dense 3,602). The reasons say why, the bytes are under
    0.65x."""
    from pipeline.compiler.compile import compile_model

    tfl = tmp_path / "ex.tflite"
    tfl.write_bytes(columns_model(["example_conv", "example_fc", "fc10"], 0))
    result = compile_model(tfl, tmp_path / "out", core=core)
    chosen = [c for c in result.sparsity if c["opcode"] in ("CONV_2D", "FULLY_CONNECTED")]
    last = "columns" if core == "rv32imc" else "sparse_2of4_r4"
    assert [c["encoding"] for c in chosen] == ["columns", "columns", last]
    for c in chosen:
        assert c["sparse_cycles_est"] < 0.95 * c["dense_cycles_est"]
        assert c["chosen_weight_bytes"] <= 0.65 * c["dense_weight_bytes"]
    for c in chosen[:2]:
        assert "input columns empty in every channel" in c["reason"]
    assert [c["chosen_weight_bytes"] for c in chosen[:2]] == [32 * 72 + 3 * 72, 64 * 64 + 2 * 64]


@pytest.mark.sim
def test_columns_general_requantisation_on_simulated_nucleo(tmp_path: Path) -> None:
    """The M4's int8 conv under the gather (armv7em/conv2d_s8_dsp.c) takes its assembly pair walk only when every
    channel allows the short requantisation: here channel 0 of every layer has a multiplier of 1-4 (shift >= 0), so
    every pixel pair goes through mac2x2 and eat_requant_s8; odd channel counts and odd pixel counts too."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board

    tfl = tmp_path / "wide.tflite"
    tfl.write_bytes(weighted_model(["conv", "conv", "fc", "conv", "conv"], 12, column_weights, "2:4xall", wide=True))
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", "columns", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    assert {w["encoding"] for w in m.weights} == {"columns"}


@pytest.mark.sim
def test_example_pruned_2of4xall_runs_gathered_on_simulated_nucleo(example_dir: Path, tmp_path: Path) -> None:
    """The whole example through the real path: the trained model fine-tuned under `--prune 2:4xall` (2 epochs),
    quantised, compiled for the M4 under auto: its conv2 and dense1 run gathered (whatever else fine-tuning zeroed,
    half their columns are empty), every output byte-identical to TFLM on the simulated nucleo_f446re."""
    from rich.console import Console

    from pipeline.bench_sparsity import INFERENCES, measure
    from pipeline.boards import load_board
    from pipeline.ml.prune import prune_model
    from pipeline.ml.quantize import quantize_model

    data = example_dir / "data.npz"
    pruned = prune_model(example_dir / "model.keras", data, tmp_path / "pruned", 0.5, epochs=2, method="2:4xall")
    tfl = tmp_path / "model_int8.tflite"
    quantize_model(pruned.model_path, data, tfl)
    m = measure(tfl, load_board("nucleo_f446re"), tmp_path / "out", "auto", Console(stderr=True, quiet=True))
    assert m.bit_exact == f"{INFERENCES}/{INFERENCES}"
    encodings = {w["layer"].split("/")[1]: w["encoding"] for w in m.weights}
    assert encodings["conv2"] == encodings["dense1"] == "columns", encodings
