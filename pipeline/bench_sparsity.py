"""`bench --sparsity S [--prune METHOD]`: dense against sparse weights on the same pruned model in
the same run: weight bytes and cycles for the whole model (measured on the board's simulator)
and per layer (the layer's weight bytes, and the cost model's cycle estimates with its choice;
with `--profile` the layer cycles measured in profiling builds of both, dense and sparse)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from pipeline.boards import Board
from pipeline.deploy import build_firmware
from pipeline.device.protocol import Device
from pipeline.device.run import target_port
from pipeline.profile import timed_ops
from pipeline.tflite.oracle import Oracle

INFERENCES = 3


@dataclass(frozen=True)
class Measured:
    cycles: int
    bit_exact: str
    flash_bytes: int
    weights: list[dict]          # compile.json "sparsity": per weight tensor


def measure(tflite: Path, board: Board, out: Path, weights: str, console: Console) -> Measured:
    """Build `tflite` with `weights` (sparse.MODES), run INFERENCES random inputs on the simulator."""
    fw = build_firmware(tflite, board, out, "eat", console, simulated=True, weights=weights)
    oracle = Oracle(tflite)
    rng = np.random.default_rng(0)
    cycles, exact = [], 0
    with target_port(board, fw.built.firmware, None) as ser:
        device = Device(ser, timeout_s=600)
        device.hello()
        for _ in range(INFERENCES):
            xs = [rng.integers(-128, 128, size=s.shape, dtype=np.int8) for s in oracle.inputs]
            c, got = device.infer(xs)
            cycles.append(c)
            exact += int(all(g.tobytes() == w.tobytes() for g, w in zip(got, oracle.invoke(xs))))
    return Measured(int(statistics.median(cycles)), f"{exact}/{INFERENCES}", fw.built.flash_bytes,
                    list(fw.compiled.sparsity))


def layer_cycles(tflite: Path, board: Board, out: Path, weights: str, console: Console) -> dict[int, int]:
    """Cycles per op index, one random inference of a profiling build (-DEAT_PROFILE) with `weights`."""
    fw = build_firmware(tflite, board, out, "eat", console, simulated=True, profile=True, weights=weights)
    oracle = Oracle(tflite)
    rng = np.random.default_rng(0)
    xs = [rng.integers(-128, 128, size=s.shape, dtype=np.int8) for s in oracle.inputs]
    with target_port(board, fw.built.firmware, None) as ser:
        device = Device(ser, timeout_s=600)
        device.hello()
        device.infer(xs)
        cycles = device.profile()
    return {op.index: c for op, c in timed_ops(fw.compiled.ops, cycles)}


def with_measured(layers: list[dict], dense: dict[int, int], sparse: dict[int, int]) -> list[dict]:
    """The layer rows with measured cycles in place of the estimates (the estimates kept beside)."""
    for row in layers:
        i = row["op_index"]
        if i in dense and i in sparse:
            row["dense_cycles_est"], row["sparse_cycles_est"] = row["dense_cycles"], row["sparse_cycles"]
            row["dense_cycles"], row["sparse_cycles"] = dense[i], sparse[i]
            row["cycles_ratio"] = round(sparse[i] / max(dense[i], 1), 3)
            row["cycles_source"] = "measured (profiling builds, one random input)"
    return layers


@dataclass
class SparseRow:
    name: str
    pruned: str                  # how the measured file was pruned
    dense_weight_bytes: int      # FC/CONV/DEPTHWISE weights, dense int8
    sparse_weight_bytes: int     # the same with each layer's chosen encoding
    dense_cycles: int            # measured: the whole model, every layer dense
    sparse_cycles: int           # measured: the whole model, each layer as the cost model chose
    weight_bytes_ratio: float
    cycles_ratio: float
    dense_flash_bytes: int       # measured: the whole firmware, dense weights
    sparse_flash_bytes: int      # measured: the whole firmware, each layer as the cost model chose
    bit_exact: str               # dense and sparse firmware against the oracle
    cycles_unit: str
    layers: list[dict] = field(default_factory=list)
    # the layers' constants as emitted (weights in each kernel's own layout, index, bias and tables), dense and chosen
    dense_const_bytes: int = 0
    sparse_const_bytes: int = 0

    def to_json(self) -> dict:
        return asdict(self)


def layer_rows(choices: list[dict]) -> list[dict]:
    """Per layer: dense and chosen bytes, the estimates behind the choice, and the ratios."""
    out = []
    for c in choices:
        chosen_c = c["sparse_cycles_est"] if c["encoding"] != "dense" else c["dense_cycles_est"]
        out.append({
            "op_index": c["op_index"], "opcode": c["opcode"], "layer": c["layer"], "sparsity": c["sparsity"],
            "encoding": c["encoding"], "kernel": c.get("kernel", ""), "dense_weight_bytes": c["dense_weight_bytes"],
            "sparse_weight_bytes": c["chosen_weight_bytes"], "d4_weight_bytes": c["sparse_weight_bytes"],
            "dense_const_bytes": c["dense_const_bytes"], "sparse_const_bytes": c["chosen_const_bytes"],
            "dense_cycles": c["dense_cycles_est"], "sparse_cycles": chosen_c, "cycles_source": "cost model estimate",
            "weight_bytes_ratio": round(c["chosen_weight_bytes"] / max(c["dense_weight_bytes"], 1), 3),
            "cycles_ratio": round(chosen_c / max(c["dense_cycles_est"], 1), 3), "reason": c["reason"]})
    return out


def bench_sparse(tflite: Path, pruned: str, board: Board, out_root: Path, console: Console,
                 profile: bool = False, weights: str = "auto") -> SparseRow:
    """The same model dense and with `weights` (sparse.MODES: "auto" or "small"), measured; per layer too with
    `profile`."""
    tag = "sparse" if weights == "auto" else f"sparse-{weights}"
    dense = measure(tflite, board, out_root / f"{tflite.stem}-{board.id}-dense", "dense", console)
    sparse = measure(tflite, board, out_root / f"{tflite.stem}-{board.id}-{tag}", weights, console)
    layers = layer_rows(sparse.weights)
    if profile:
        layers = with_measured(
            layers, layer_cycles(tflite, board, out_root / f"{tflite.stem}-{board.id}-dense-profile", "dense", console),
            layer_cycles(tflite, board, out_root / f"{tflite.stem}-{board.id}-{tag}-profile", weights, console))
    db = sum(l["dense_weight_bytes"] for l in layers)
    sb = sum(l["sparse_weight_bytes"] for l in layers)
    return SparseRow(
        name=tflite.stem, pruned=pruned, dense_weight_bytes=db, sparse_weight_bytes=sb,
        dense_cycles=dense.cycles, sparse_cycles=sparse.cycles, weight_bytes_ratio=round(sb / max(db, 1), 3),
        cycles_ratio=round(sparse.cycles / max(dense.cycles, 1), 3), dense_flash_bytes=dense.flash_bytes,
        sparse_flash_bytes=sparse.flash_bytes, bit_exact=f"dense {dense.bit_exact}, sparse {sparse.bit_exact}",
        cycles_unit="instructions" if "cycles" in (board.raw.get("simulator") or {}) else "cycles",
        layers=layers, dense_const_bytes=sum(l["dense_const_bytes"] for l in layers),
        sparse_const_bytes=sum(l["sparse_const_bytes"] for l in layers))


def sparse_table(rows: list[SparseRow], board_id: str, weights: str = "auto") -> Table:
    measured = all(l["cycles_source"].startswith("measured") for r in rows for l in r.layers)
    how = "measured in profiling builds" if measured else "estimated by the cost model (~)"
    flash = "; ".join(
        f"{r.name}: firmware flash {r.dense_flash_bytes:,} -> {r.sparse_flash_bytes:,} B "
        f"({r.sparse_flash_bytes / max(r.dense_flash_bytes, 1):.2f}x, measured), the layers' weights, index, bias and "
        f"tables as emitted {r.dense_const_bytes:,} -> {r.sparse_const_bytes:,} B "
        f"({r.sparse_const_bytes / max(r.dense_const_bytes, 1):.2f}x)" for r in rows)
    pick = "" if weights == "auto" else " (--weights small: per layer the smallest encoding that beats dense)"
    t = Table(title=f"sparse{pick} vs dense weights on {board_id} (same pruned model, same run; "
                    f"model cycles measured, layer cycles {how})",
              caption=f"dense B / sparse B: the int8 weights (the tensor's size; the chosen encoding's data and index). "
                      f"{flash}")
    for col in ("model / layer", "pruned", "zeros", "encoding", "dense B", "sparse B", "bytes", "dense cycles",
                "sparse cycles", "cycles", "bit-exact"):
        t.add_column(col, justify="left" if col in ("model / layer", "pruned", "encoding") else "right")
    for r in rows:
        t.add_row(r.name, r.pruned, "", "", f"{r.dense_weight_bytes:,}", f"{r.sparse_weight_bytes:,}",
                  f"{r.weight_bytes_ratio:.2f}x", f"{r.dense_cycles:,}", f"{r.sparse_cycles:,}",
                  f"{r.cycles_ratio:.2f}x", r.bit_exact)
        for l in r.layers:
            t.add_row(f"  op {l['op_index']} {l['opcode']}", "", f"{l['sparsity']:.0%}", l["encoding"],
                      f"{l['dense_weight_bytes']:,}", f"{l['sparse_weight_bytes']:,}", f"{l['weight_bytes_ratio']:.2f}x",
                      f"{mark(l)}{l['dense_cycles']:,}", f"{mark(l)}{l['sparse_cycles']:,}", f"{l['cycles_ratio']:.2f}x", "")
    return t


def mark(layer: dict) -> str:
    return "" if layer["cycles_source"].startswith("measured") else "~"
