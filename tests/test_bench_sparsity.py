"""`bench --sparsity`: dense and sparse builds of the same one-shot-pruned model on the simulated
Pico, both bit-exact, and the JSON contract of issue 9."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.single_op_models import Graph, Op, T, build, fb

pytestmark = pytest.mark.sim


def _fc_model(units: int = 32, seed: int = 0) -> bytes:
    """One FULLY_CONNECTED 128 -> units with ReLU, random int8 weights, per-tensor scales."""
    rng = np.random.default_rng(seed)
    F = fb()
    w = rng.integers(-127, 128, size=(units, 128)).astype(np.int8)
    o = F.FullyConnectedOptionsT()
    o.fusedActivationFunction = 1
    tensors = [T([1, 128], 0.05, 3, name="in"), T([units, 128], 0.01, 0, "INT8", w, "w"),
               T([units], 0.0005, 0, "INT32", rng.integers(-999, 999, size=units).astype(np.int32), "b"),
               T([1, units], 0.5, -1, name="out")]
    return build(Graph(tensors, [Op("FULLY_CONNECTED", [0, 1, 2], [3], o, "FullyConnectedOptions")], [0], [3]))


def test_bench_sparsity_json_and_savings(tmp_path: Path) -> None:
    from pipeline.bench_sparse_cmd import bench_sparsity

    src = tmp_path / "fc.tflite"
    src.write_bytes(_fc_model())
    rows = bench_sparsity([src], "pico", 0.9, "magnitude", tmp_path / "bench.json", out_root=tmp_path / "out",
                          profile=True)
    doc = json.loads((tmp_path / "bench.json").read_text())
    m = doc["models"][0]
    assert doc["sparsity"] == 0.9 and doc["prune"] == "magnitude"
    assert m["bit_exact"] == "dense 3/3, sparse 3/3"
    assert "one-shot" in m["pruned"]
    assert m["dense_weight_bytes"] == 32 * 128 and m["sparse_weight_bytes"] < 0.25 * m["dense_weight_bytes"]
    # Against the Cortex-M0+ dense FC with two products per MULS (~3.4 cycles/MAC) 90% sparse saves
    # ~38% on this small layer (measured 11,040 vs 17,814 cycles); it was < 0.5x against the 4-row dense.
    assert 0 < m["sparse_cycles"] < 0.75 * m["dense_cycles"]
    layer = m["layers"][0]
    for key in ("dense_weight_bytes", "sparse_weight_bytes", "dense_cycles", "sparse_cycles", "encoding", "reason"):
        assert key in layer
    # the M0+ FC at 90 %: the (weight, position) pairs' rows walk (sparse_p8.py), estimated faster than d4's
    assert layer["encoding"] == "sparse_p8" and rows[0].cycles_ratio == m["cycles_ratio"]
    # --profile: the layer's cycles measured in profiling builds of both, the estimates kept beside
    assert layer["cycles_source"].startswith("measured") and "sparse_cycles_est" in layer
    # (the layer is timed in the profiling build, the model in the plain one: for this one-layer
    # model they differ by the profiling build's own timer reads, a few hundred cycles)
    assert 0 < layer["sparse_cycles"] < layer["dense_cycles"] <= 1.05 * m["dense_cycles"]
    # flash: both firmwares measured; the layer's constants as emitted (the M0+ dense FC keeps 2 bytes per weight,
    # rows8_u16_pairs: 32 x 128 x 2, and its int32 bias) against p8's pairs and row records
    assert m["sparse_flash_bytes"] < m["dense_flash_bytes"]
    assert layer["dense_const_bytes"] == m["dense_const_bytes"] == 2 * 32 * 128 + 4 * 32
    assert layer["sparse_weight_bytes"] < layer["sparse_const_bytes"] == m["sparse_const_bytes"] < m["dense_const_bytes"]


def test_bench_sparsity_weights_small_takes_the_smaller_encoding(tmp_path: Path) -> None:
    """`bench --weights small`: the same layer in d4 (~1.5 B per non-zero) rather than auto's faster p8 (2 B),
    still faster than dense and bit-exact on the simulated Pico."""
    from pipeline.bench_sparse_cmd import bench_sparsity

    src = tmp_path / "fc.tflite"
    src.write_bytes(_fc_model())
    bench_sparsity([src], "pico", 0.9, "magnitude", tmp_path / "bench.json", out_root=tmp_path / "out",
                   weights="small")
    doc = json.loads((tmp_path / "bench.json").read_text())
    m = doc["models"][0]
    layer = m["layers"][0]
    assert doc["weights"] == "small" and m["bit_exact"] == "dense 3/3, sparse 3/3"
    assert layer["encoding"] == "sparse_d4" and "p8" in layer["reason"]
    nonzeros = int(round(0.1 * 32 * 128))
    assert m["sparse_weight_bytes"] < 2 * nonzeros + 32   # under p8's pairs and row counts
    assert 0 < m["sparse_cycles"] < m["dense_cycles"]


def test_auto_is_not_slower_than_dense_where_sparse_loses(tmp_path: Path) -> None:
    """ad01's shape (FC 128 -> 128, per-tensor) one-shot pruned to 52 %: on the Cortex-M0+ p8 is smaller than
    dense there but not faster (this layer: 72,103 against 71,349 cycles; ad01's at 50 %: 73,316 against
    67,923), so the cost model must keep it dense. It did not while the M0+ dense FC was priced 1.44x over
    what it measures (sparse_cost's M0+ refit)."""
    from pipeline.bench_sparse_cmd import bench_sparsity

    src = tmp_path / "fc128.tflite"
    src.write_bytes(_fc_model(units=128, seed=5))
    bench_sparsity([src], "pico", 0.52, "magnitude", tmp_path / "bench.json", out_root=tmp_path / "out")
    m = json.loads((tmp_path / "bench.json").read_text())["models"][0]
    assert m["bit_exact"] == "dense 3/3, sparse 3/3"
    assert m["sparse_cycles"] <= m["dense_cycles"] * 1.005, (m["layers"][0]["encoding"], m["sparse_cycles"],
                                                             m["dense_cycles"])
