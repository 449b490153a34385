"""`bench --against tflm`: the same model on the same board with TFLM's reference kernels and with
TFLM + CMSIS-NN, each verified against the oracle, measured like ours (cycles, flash, TFLM's arena)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from pipeline.boards import Board
from pipeline.device.protocol import Device
from pipeline.device.run import target_port
from pipeline.firmware.flash import flash
from pipeline.tflite.oracle import Oracle


@dataclass(frozen=True)
class Measured:
    cycles: int          # median over the inferences
    bit_exact: str       # "k/n" against the oracle
    arena_bytes: int     # INFO's arena field: ours planned, TFLM's arena_used_bytes() on the target


def measure(board: Board, firmware: dict[str, Path], port: str | None, tflite: Path, inferences: int) -> Measured:
    """Runs `inferences` seeded random inputs on the firmware and compares each with the oracle."""
    oracle = Oracle(tflite)
    rng = np.random.default_rng(0)
    cycles, exact = [], 0
    with target_port(board, firmware, port) as ser:
        device = Device(ser, timeout_s=600)
        info = device.hello()
        for _ in range(inferences):
            inputs = [rng.integers(-128, 128, size=s.shape, dtype=np.int8) for s in oracle.inputs]
            c, got = device.infer(inputs)
            cycles.append(c)
            exact += int(all(g.tobytes() == w.tobytes() for g, w in zip(got, oracle.invoke(inputs))))
    return Measured(int(statistics.median(cycles)), f"{exact}/{inferences}", info.arena_bytes)


@dataclass(frozen=True)
class TflmFigures:
    ref_cycles: int
    cmsis_cycles: int
    ref_flash_bytes: int
    cmsis_flash_bytes: int
    ref_arena_bytes: int
    cmsis_arena_bytes: int
    bit_exact: str       # "ref k/n, cmsis_nn k/n"


def measure_tflm(tflite: Path, board: Board, out: Path, port: str | None, console: Console, inferences: int) -> TflmFigures:
    """Builds and measures the `tflm` engine with both trees (each library cached, see tflm_build)."""
    from pipeline.deploy import build_firmware

    runs = {}
    for kernels in ("ref", "cmsis_nn"):
        fw = build_firmware(tflite, board, out / f"tflm-{kernels}", "tflm", console, simulated=port is None, tflm_kernels=kernels)
        if port is not None:
            flash(board, fw.built.firmware, port)
        runs[kernels] = (fw.built.flash_bytes, measure(board, fw.built.firmware, port, tflite, inferences))
    (ref_flash, ref), (cm_flash, cm) = runs["ref"], runs["cmsis_nn"]
    return TflmFigures(ref.cycles, cm.cycles, ref_flash, cm_flash, ref.arena_bytes, cm.arena_bytes,
                       f"ref {ref.bit_exact}, cmsis_nn {cm.bit_exact}")


def against_table(rows: list, board_id: str, unit: str) -> Table:
    """Ours beside TFLM (reference kernels) and TFLM + CMSIS-NN, with the ratios ours / TFLM."""
    table = Table(title=f"bench on {board_id}: ours against TFLM, same model, board and inputs ({unit})")
    cols = ("model", f"ours {unit}", f"TFLM ref {unit}", f"TFLM+CMSIS-NN {unit}", "ours/TFLM ref", "ours/TFLM+CMSIS-NN",
            "flash B ours", "flash B TFLM ref", "flash B TFLM+CMSIS-NN", "arena B ours", "arena B TFLM (target)", "TFLM bit-exact")
    for col in cols:
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in rows:
        table.add_row(r.name, f"{r.cycles:,}", f"{r.tflm_ref_cycles:,}", f"{r.tflm_cmsis_cycles:,}",
                      f"{r.cycles / r.tflm_ref_cycles:.2f}x", f"{r.ratio_vs_tflm_cmsis:.2f}x", f"{r.flash_bytes:,}",
                      f"{r.tflm_ref_flash_bytes:,}", f"{r.tflm_cmsis_flash_bytes:,}", f"{r.arena_bytes:,}",
                      f"{r.tflm_arena_bytes:,}", r.tflm_bit_exact)
    return table
