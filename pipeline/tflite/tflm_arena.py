"""TFLM's own arena figures for a model, read from the `tflite-micro` wheel's RecordingMicroAllocator.

The wheel is an x86-64 build: its bookkeeping uses 64-bit pointers, so its figures are upper
bounds for a 32-bit Cortex-M build (e.g. kws_ref_model: wheel 24,272 B, Cortex-M 22,772 B).
Measured in a subprocess: `print_allocations()` writes to the C-level stderr.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError

_PROBE = r"""
import sys
from tflite_micro import runtime
buf = open(sys.argv[1], "rb").read()
it = runtime.Interpreter.from_bytes(buf, arena_size=int(sys.argv[2]))
it.print_allocations()
"""


@dataclass(frozen=True)
class WheelArena:
    total_bytes: int
    head_bytes: int  # the non-persistent part: TFLM's own plan for the activations
    tail_bytes: int  # persistent: tensor structs, node data, op state


def measure_wheel_arena(tflite: Path, probe_arena: int = 32 << 20) -> WheelArena:
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(tflite), str(probe_arena)], capture_output=True, text=True, timeout=120)
    text = proc.stderr + proc.stdout
    found = {k: re.search(rf"Arena allocation {k} (\d+) bytes", text) for k in ("total", "head", "tail")}
    if proc.returncode != 0 or not all(found.values()):
        last = (text.strip().splitlines() or ["no output"])[-1]
        raise PipelineError(f"TFLM (tflite-micro wheel) could not allocate {tflite.name}: {last}")
    total, head, tail = (int(found[k].group(1)) for k in ("total", "head", "tail"))
    return WheelArena(total_bytes=total, head_bytes=head, tail_bytes=tail)
