"""Per-layer profile on the device: a profiling build of our engine, one inference, cycles per op."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from pipeline.boards import Board
from pipeline.compiler.compile import short_layer
from pipeline.device.protocol import Device
from pipeline.device.run import target_port
from pipeline.firmware.flash import flash
from pipeline.tflite.oracle import Oracle


@dataclass(frozen=True)
class LayerProfile:
    name: str            # the op's output tensor name, shortened
    op: str              # TFLite opcode name
    macs: int            # from compile.json
    cycles: int          # hal_cycles() around the op's call, on the device
    cycles_per_mac: float | None
    share: float         # of the sum over all layers


@dataclass(frozen=True)
class Profile:
    layers: list[LayerProfile]
    total_cycles: int    # the profiling build's own RESULT cycles for the same inference
    cycles_unit: str
    bit_exact: bool      # the profiled inference's outputs against the oracle

    def to_json(self) -> dict:
        return {"total_cycles": self.total_cycles, "cycles_unit": self.cycles_unit, "bit_exact": self.bit_exact,
                "layers": [asdict(layer) for layer in self.layers]}


def timed_ops(ops: list, cycles: list[int]) -> list[tuple]:
    """compile.json's ops with code, each with the device's cycles at its .tflite index (the profile has one slot
    per op; a fused op's slot stays empty, its cycles are in its host's)."""
    return [(op, int(cycles[op.index])) for op in ops if op.kernel is not None and op.index < len(cycles)]


def layers_from(ops: list, cycles: list[int]) -> list[LayerProfile]:
    """Pairs compile.json's ops with the device's per-op cycles; views (no kernel, no code) are left out."""
    timed = timed_ops(ops, cycles)
    total = sum(c for _, c in timed) or 1
    return [LayerProfile(short_layer(op.layer), op.label, int(op.macs), int(c),
                         round(c / op.macs, 3) if op.macs else None, round(c / total, 4)) for op, c in timed]


def measure_profile(tflite: Path, board: Board, out: Path, console: Console, port: str | None = None) -> Profile:
    """Builds the profiling firmware (-DEAT_PROFILE) under `out`, runs one random inference and
    asks the device for its per-op cycles (PROFILE). With a port the board is flashed with it."""
    from pipeline.deploy import build_firmware

    fw = build_firmware(tflite, board, out, "eat", console, simulated=port is None, profile=True)
    if port is not None:
        flash(board, fw.built.firmware, port)
    oracle = Oracle(tflite)
    rng = np.random.default_rng(0)
    inputs = [rng.integers(-128, 128, size=s.shape, dtype=np.int8) for s in oracle.inputs]
    with target_port(board, fw.built.firmware, port) as ser:
        device = Device(ser, timeout_s=600)
        device.hello()
        total, got = device.infer(inputs)
        cycles = device.profile()
    exact = all(g.tobytes() == w.tobytes() for g, w in zip(got, oracle.invoke(inputs)))
    return Profile(layers_from(fw.compiled.ops, cycles), total, board.cycles_unit(port), exact)


def profile_table(profile: Profile, title: str) -> Table:
    unit = profile.cycles_unit
    table = Table(title=f"{title}: per layer, one inference of the profiling build ({unit})")
    for col in ("#", "op", "layer", "MACs", unit, f"{unit}/MAC", "share"):
        table.add_column(col, justify="left" if col in ("op", "layer") else "right")
    for i, layer in enumerate(profile.layers):
        per_mac = f"{layer.cycles_per_mac:.2f}" if layer.cycles_per_mac is not None else "-"
        table.add_row(str(i), layer.op, layer.name, f"{layer.macs:,}", f"{layer.cycles:,}", per_mac, f"{layer.share:.1%}")
    summed = sum(layer.cycles for layer in profile.layers)
    table.add_row("", "sum", f"(whole invoke: {profile.total_cycles:,})", f"{sum(l.macs for l in profile.layers):,}", f"{summed:,}", "", "100%")
    return table
