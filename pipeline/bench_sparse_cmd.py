"""The `bench --sparsity S [--prune METHOD]` command: prune (the built-in example with fine-tuning,
or each given .tflite one-shot), then dense against sparse weights per model and per layer."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from pipeline.bench_sparsity import SparseRow, bench_sparse, sparse_table
from pipeline.boards import load_board
from pipeline.errors import PipelineError
from pipeline.paths import DEFAULT_OUT


def pruned_example(out: Path, sparsity: float, method: str, console: Console) -> tuple[Path, str]:
    from pipeline.ml.example import make_example
    from pipeline.ml.prune import prune_model
    from pipeline.ml.quantize import quantize_model

    console.print(f"[bold cyan]  example[/] training, pruning ({method}, {sparsity:.0%}), quantizing…")
    ex = make_example(out)
    pr = prune_model(ex.model_path, ex.data_path, out, sparsity, method=method)
    q = quantize_model(pr.model_path, ex.data_path, out / "model_int8.tflite")
    acc = f"float accuracy {pr.float_accuracy:.3f} -> pruned {pr.pruned_accuracy:.3f}"
    return q.tflite_path, f"{method} {sparsity:.0%}, fine-tuned ({acc})"


def bench_sparsity(models: list[Path], board_id: str, sparsity: float, method: str, json_path: Path | None,
                   out_root: Path | None = None, profile: bool = False, weights: str = "auto") -> list[SparseRow]:
    """`weights`: how the sparse build chooses (sparse.MODES "auto": the fastest per layer, "small": the smallest
    that beats dense); the dense build is always dense."""
    if not 0.0 < sparsity < 1.0:
        raise PipelineError(f"--sparsity {sparsity} is out of range; give a fraction in (0, 1), e.g. 0.8")
    for m in models:
        if not m.is_file() or m.suffix != ".tflite":
            raise PipelineError(f"model {m} is not an int8 .tflite file; pass existing .tflite files to --model")
    board = load_board(board_id)
    console = Console(stderr=True)
    root = (out_root or DEFAULT_OUT / "bench-sparsity") / f"{method.replace(':', 'of')}-{int(round(sparsity * 100))}"
    targets: list[tuple[Path, str]] = []
    if not models:
        targets.append(pruned_example(root / "example", sparsity, method, console))
    for m in models:
        from pipeline.tflite.oneshot import prune_tflite

        pruned = root / f"{m.stem}_pruned.tflite"
        prune_tflite(m, pruned, method, sparsity)
        targets.append((pruned, f"one-shot {method} {sparsity:.0%} of the int8 weights (no fine-tuning)"))
    rows = [bench_sparse(t, how, board, root, console, profile, weights) for t, how in targets]
    out = Console()
    out.width = max(out.width, 160)
    out.print(sparse_table(rows, board_id, weights))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({"board": board_id, "sparsity": sparsity, "prune": method, "weights": weights,
                                         "models": [r.to_json() for r in rows]}, indent=2) + "\n")
    return rows
