"""Instructions / cycles per layer of one profiling build with --weights MODE (sparse: every FC / CONV /
DEPTHWISE layer sparse), for fitting sparse_cost.py: .venv/bin/python scripts/profile_layers.py MODEL BOARD MODE OUT"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.bench_sparsity import layer_cycles  # noqa: E402
from pipeline.boards import load_board  # noqa: E402


def main(model: str, board_id: str, mode: str, out: str) -> None:
    cycles = layer_cycles(Path(model), load_board(board_id), Path(out), mode, Console(stderr=True, quiet=True))
    print(json.dumps(cycles))   # op index -> measured count, one random input


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[3] not in ("auto", "dense", "sparse", "2of4", "2of4r4", "p8", "columns"):
        sys.exit("usage: scripts/profile_layers.py MODEL.tflite BOARD auto|dense|sparse|2of4|2of4r4|p8|columns OUT_DIR")
    main(*sys.argv[1:])
