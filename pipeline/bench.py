"""`bench`: per model, MACs, arena (ours and TFLM's), flash, and cycles per inference measured on
the board's simulator (the firmware's own cycle counter), printed as a table and written as JSON."""

from __future__ import annotations

import hashlib
import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from pipeline.boards import load_board
from pipeline.deploy import build_firmware
from pipeline.errors import PipelineError
from pipeline.tflite.oracle import Oracle
from pipeline.paths import DEFAULT_OUT
from pipeline.report.html import write_report_html
from pipeline.device.protocol import Device
from pipeline.firmware.flash import flash
from pipeline.device.run import resolve_port, target_port
from pipeline.tflite.tflm_arena import measure_wheel_arena

# TFLM's arena (arena_used_bytes after AllocateTensors) on a 32-bit Cortex-M build, measured for
# this project (issue "The runtime runs real models"). Keyed by the model file's SHA-256 so a
# different file of the same name is never given these figures.
TFLM_ARENA_CORTEX_M = {
    "87cf24194ef93d1d9b11a591d805526b98008e351655d29883c825c9c106ba24": ("ad01_int8", 2_260),
    "aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae": ("kws_ref_model", 22_772),
    "3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415": ("pretrainedResnet_quant", 54_340),
    "597a384c8c2c8a1276f04702f25013b7838f2f814f1ca7c174d295b73e3d6b7b": ("vww_96_int8", 100_660),
}
INFERENCES = 3


@dataclass(frozen=True)
class BenchRow:
    name: str
    macs: int
    arena_bytes: int
    tflm_arena_bytes: int | None
    tflm_wheel_arena_bytes: int  # the tflite-micro wheel's own figure (x86-64: 64-bit pointers)
    flash_bytes: int
    cycles: int
    cycles_per_mac: float | None
    bit_exact: str


def bench_model(tflite: Path, board_id: str, out_root: Path, port: str | None, console: Console) -> BenchRow:
    if not tflite.is_file():
        raise PipelineError(f"model {tflite} not found; pass existing int8 .tflite files to --model")
    board = load_board(board_id)
    port = resolve_port(port)
    fw = build_firmware(tflite, board, out_root / f"{tflite.stem}-{board.id}", "eat", console, simulated=port is None)
    if port is not None:
        flash(board, fw.built.firmware, port)  # a real board: it must run this model's firmware
    oracle = Oracle(tflite)
    rng = np.random.default_rng(0)
    cycles, exact = [], 0
    with target_port(board, fw.built.firmware, port) as ser:
        device = Device(ser, timeout_s=600)
        device.hello()
        for _ in range(INFERENCES):
            inputs = [rng.integers(-128, 128, size=s.shape, dtype=np.int8) for s in oracle.inputs]
            c, got = device.infer(inputs)
            cycles.append(c)
            exact += int(all(g.tobytes() == w.tobytes() for g, w in zip(got, oracle.invoke(inputs))))
    digest = hashlib.sha256(tflite.read_bytes()).hexdigest()
    median = int(statistics.median(cycles))
    macs = int(fw.compiled.macs)
    return BenchRow(
        name=tflite.stem,
        macs=macs,
        arena_bytes=fw.compiled.arena_bytes,
        tflm_arena_bytes=TFLM_ARENA_CORTEX_M.get(digest, (None, None))[1],
        tflm_wheel_arena_bytes=measure_wheel_arena(tflite).total_bytes,
        flash_bytes=fw.built.flash_bytes,
        cycles=median,
        cycles_per_mac=round(median / macs, 3) if macs else None,
        bit_exact=f"{exact}/{INFERENCES}",
    )


def bench_table(rows: list[BenchRow], board_id: str) -> Table:
    table = Table(title=f"bench on {board_id} (cycles: median of {INFERENCES} random inputs, device cycle counter in the simulator)")
    for col in ("model", "MACs", "arena B", "TFLM arena B (Cortex-M)", "ours/TFLM", "TFLM wheel arena B (x86-64)", "flash B", "cycles", "cycles/MAC", "bit-exact"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in rows:
        ratio = f"{r.arena_bytes / r.tflm_arena_bytes:.2f}x" if r.tflm_arena_bytes else "-"
        table.add_row(
            r.name, f"{r.macs:,}", f"{r.arena_bytes:,}", f"{r.tflm_arena_bytes:,}" if r.tflm_arena_bytes else "-", ratio,
            f"{r.tflm_wheel_arena_bytes:,}", f"{r.flash_bytes:,}", f"{r.cycles:,}", f"{r.cycles_per_mac:.2f}" if r.cycles_per_mac is not None else "-", r.bit_exact,
        )
    return table


def bench(models: list[Path], board_id: str, json_path: Path | None, port: str | None = None, out_root: Path | None = None) -> list[BenchRow]:
    console = Console(stderr=True)
    out_root = out_root or DEFAULT_OUT / "bench"
    rows = [bench_model(m, board_id, out_root, port, console) for m in models]
    out = Console()
    out.width = max(out.width, 150)  # the table is wide; never squeeze it into a pipe's 80 columns
    out.print(bench_table(rows, board_id))
    payload = json.dumps({"board": board_id, "models": [asdict(r) for r in rows]}, indent=2) + "\n"
    for path in (out_root / "report.json", json_path):  # report.html beside each (`python -m pipeline report DIR`)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(payload)
            console.print(f"report: {path} and {write_report_html(path).path.name}")
    return rows
