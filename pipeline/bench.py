"""`bench`: per model, MACs, arena (ours and TFLM's), flash, and cycles per inference measured on
the board's simulator (the firmware's own cycle counter), printed as a table and written as JSON.
`--against tflm` adds TFLM and TFLM + CMSIS-NN measured in the same run (bench_tflm.py);
`--profile` adds cycles per layer from a separate profiling build (profile.py)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.boards import load_board
from pipeline.deploy import build_firmware
from pipeline.errors import PipelineError
from pipeline.bench_tflm import against_table, measure, measure_tflm
from pipeline.paths import DEFAULT_OUT
from pipeline.report.html import write_report_html
from pipeline.firmware.flash import flash
from pipeline.device.run import resolve_port
from pipeline.tflite.tflm_arena import measure_wheel_arena

INFERENCES = 3


@dataclass(frozen=True)
class BenchRow:
    name: str
    macs: int
    arena_bytes: int
    tflm_arena_bytes: int | None  # TFLM + CMSIS-NN's arena_used_bytes() on the target (--against tflm)
    tflm_wheel_arena_bytes: int  # the tflite-micro wheel's own figure (x86-64: 64-bit pointers)
    flash_bytes: int
    cycles: int
    cycles_per_mac: float | None
    bit_exact: str
    cycles_unit: str = "cycles"  # "instructions" under QEMU -icount and labwired (boards/<id>.json)
    tflm_ref_cycles: int | None = None  # --against tflm: TFLM, reference kernels
    tflm_cmsis_cycles: int | None = None  # --against tflm: TFLM + CMSIS-NN
    ratio_vs_tflm_cmsis: float | None = None  # ours / TFLM + CMSIS-NN
    tflm_ref_flash_bytes: int | None = None
    tflm_cmsis_flash_bytes: int | None = None
    tflm_ref_arena_bytes: int | None = None
    tflm_bit_exact: str | None = None
    layers: list[dict] = field(default_factory=list)  # --profile: name, op, macs, cycles, cycles_per_mac, share


def bench_model(tflite: Path, board_id: str, out_root: Path, port: str | None, console: Console,
                against: str | None = None, profile: bool = False) -> BenchRow:
    if not tflite.is_file():
        raise PipelineError(f"model {tflite} not found; pass existing int8 .tflite files to --model")
    board = load_board(board_id)
    port = resolve_port(port)
    out = out_root / f"{tflite.stem}-{board.id}"
    fw = build_firmware(tflite, board, out, "eat", console, simulated=port is None)
    if port is not None:
        flash(board, fw.built.firmware, port)  # a real board: it must run this model's firmware
    ours = measure(board, fw.built.firmware, port, tflite, INFERENCES)
    macs = int(fw.compiled.macs)
    extra: dict = {}
    if against == "tflm":
        t = measure_tflm(tflite, board, out, port, console, INFERENCES)
        extra.update(tflm_arena_bytes=t.cmsis_arena_bytes, tflm_ref_cycles=t.ref_cycles, tflm_cmsis_cycles=t.cmsis_cycles,
                     ratio_vs_tflm_cmsis=round(ours.cycles / t.cmsis_cycles, 3), tflm_ref_flash_bytes=t.ref_flash_bytes,
                     tflm_cmsis_flash_bytes=t.cmsis_flash_bytes, tflm_ref_arena_bytes=t.ref_arena_bytes,
                     tflm_bit_exact=t.bit_exact)
    if profile:  # a separate profiling build: the totals above stay free of the per-op hooks
        from pipeline.profile import measure_profile, profile_table

        prof = measure_profile(tflite, board, out / "profile", console, port)
        extra["layers"] = [asdict(layer) for layer in prof.layers]
        Console(width=150).print(profile_table(prof, f"{tflite.stem} on {board.id}"))
    return BenchRow(
        name=tflite.stem,
        macs=macs,
        arena_bytes=fw.compiled.arena_bytes,
        tflm_arena_bytes=extra.pop("tflm_arena_bytes", None),
        tflm_wheel_arena_bytes=measure_wheel_arena(tflite).total_bytes,
        flash_bytes=fw.built.flash_bytes,
        cycles=ours.cycles,
        cycles_per_mac=round(ours.cycles / macs, 3) if macs else None,
        bit_exact=ours.bit_exact,
        cycles_unit=board.cycles_unit(port),
        **extra,
    )


def bench_table(rows: list[BenchRow], board_id: str) -> Table:
    unit = rows[0].cycles_unit if rows else "cycles"
    table = Table(title=f"bench on {board_id} ({unit}: median of {INFERENCES} random inputs, the device's own counter)")
    for col in ("model", "MACs", "arena B", "TFLM arena B (target)", "ours/TFLM", "TFLM wheel arena B (x86-64)", "flash B", unit, f"{unit}/MAC", "bit-exact"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for r in rows:
        ratio = f"{r.arena_bytes / r.tflm_arena_bytes:.2f}x" if r.tflm_arena_bytes else "-"
        table.add_row(
            r.name, f"{r.macs:,}", f"{r.arena_bytes:,}", f"{r.tflm_arena_bytes:,}" if r.tflm_arena_bytes else "-", ratio,
            f"{r.tflm_wheel_arena_bytes:,}", f"{r.flash_bytes:,}", f"{r.cycles:,}", f"{r.cycles_per_mac:.2f}" if r.cycles_per_mac is not None else "-", r.bit_exact,
        )
    return table


def bench(models: list[Path], board_id: str, json_path: Path | None, port: str | None = None, out_root: Path | None = None,
          against: str | None = None, profile: bool = False) -> list[BenchRow]:
    console = Console(stderr=True)
    out_root = out_root or DEFAULT_OUT / "bench"
    rows = [bench_model(m, board_id, out_root, port, console, against, profile) for m in models]
    out = Console()
    out.width = max(out.width, 150)  # the table is wide; never squeeze it into a pipe's 80 columns
    out.print(bench_table(rows, board_id))
    if against == "tflm" and rows:
        out.print(against_table(rows, board_id, rows[0].cycles_unit))
    doc = {"board": board_id, "cycles_unit": rows[0].cycles_unit if rows else "cycles", "models": [asdict(r) for r in rows]}
    payload = json.dumps(doc, indent=2) + "\n"
    for path in (out_root / "report.json", json_path):  # report.html beside each (`python -m pipeline report DIR`)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(payload)
            console.print(f"report: {path} and {write_report_html(path).path.name}")
    return rows
