"""Measure dense and sparse single-layer models on a board's simulator, next to the cost model's
estimates, to (re)fit pipeline/compiler/sparse_cost.py: .venv/bin/python scripts/calibrate_sparse.py pico"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.bench_sparsity import measure  # noqa: E402
from pipeline.boards import load_board  # noqa: E402
from pipeline.tflite.prune_patterns import prune_array  # noqa: E402
from tests.single_op_models import Graph, Op, T, build, fb  # noqa: E402

LAYERS = {   # name: (opcode, input shape, weight shape, kernel/stride/pad info)
    "fc256x64": ("FULLY_CONNECTED", [1, 256], [64, 256]),
    "pw1x1_8x8x32_32": ("CONV_2D", [1, 8, 8, 32], [32, 1, 1, 32]),
    "conv3x3_8x8x8_16": ("CONV_2D", [1, 8, 8, 8], [16, 3, 3, 8]),
    "dw3x3_8x8x32": ("DEPTHWISE_CONV_2D", [1, 8, 8, 32], [1, 3, 3, 32]),
}


def layer_model(opcode: str, in_shape: list[int], w_shape: list[int], sparsity: float) -> bytes:
    rng = np.random.default_rng(0)
    F = fb()
    w = rng.integers(-127, 128, size=w_shape).astype(np.int8)
    w = np.where(w == 0, 1, w).astype(np.int8)
    if sparsity:
        w = prune_array(w, opcode, "magnitude", sparsity)
    oc = w_shape[-1] if opcode == "DEPTHWISE_CONV_2D" else w_shape[0]
    out_shape = [1, oc] if opcode == "FULLY_CONNECTED" else in_shape[:3] + [oc]
    if opcode == "FULLY_CONNECTED":
        o, ot = F.FullyConnectedOptionsT(), "FullyConnectedOptions"
    else:
        o = F.Conv2DOptionsT() if opcode == "CONV_2D" else F.DepthwiseConv2DOptionsT()
        ot = "Conv2DOptions" if opcode == "CONV_2D" else "DepthwiseConv2DOptions"
        o.padding, o.strideH, o.strideW, o.dilationHFactor, o.dilationWFactor = 0, 1, 1, 1, 1
        if opcode == "DEPTHWISE_CONV_2D":
            o.depthMultiplier = 1
    tensors = [T(in_shape, 0.05, 3, name="in"), T(w_shape, 0.01, 0, "INT8", w, "w"),
               T([oc], 0.0005, 0, "INT32", rng.integers(-999, 999, size=oc).astype(np.int32), "b"),
               T(out_shape, 0.5, -1, name="out")]
    return build(Graph(tensors, [Op(opcode, [0, 1, 2], [3], o, ot)], [0], [3]))


def main(board_id: str) -> None:
    board = load_board(board_id)
    console = Console(stderr=True, quiet=True)
    tmp = Path(tempfile.mkdtemp(prefix="eat-calib-"))
    for name, (opcode, ins, ws) in LAYERS.items():
        for sparsity in (0.0, 0.8, 0.9):
            f = tmp / f"{name}-{sparsity}.tflite"
            f.write_bytes(layer_model(opcode, ins, ws, sparsity))
            modes = ("dense", "sparse") if sparsity == 0.0 else ("sparse",)
            for mode in modes:
                m = measure(f, board, tmp / f"{name}-{sparsity}-{mode}", mode, console)
                c = m.weights[0]
                est = c["sparse_cycles_est"] if mode == "sparse" else c["dense_cycles_est"]
                print(f"{board_id} {name} sparsity {sparsity} {mode}: measured {m.cycles} est {est} "
                      f"bit-exact {m.bit_exact}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "pico")
