"""What sparse weights saved in a deploy: per layer the zeros, the encoding chosen and why, the
flash saved against dense weights, and the cycles ratio (and firmware flash) measured against a
dense-weights build of the same model on the same simulator (`report.json` "sparsity")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.boards import Board


def sparsity_report(choices: list[dict], sparse_cycles: int | None, tflite: Path, board: Board, out: Path,
                    console: Console, measure_dense: bool, sparse_flash: int | None = None) -> dict[str, Any]:
    """Per layer the encoding and why, the flash saved, and the cycles ratio against dense weights:
    the cost model's estimate over the weight layers, or, with `measure_dense` (a simulator), the
    deployed firmware's median against a dense-weights build of the same model on the same simulator.

    flash_saved_bytes: the layers' constants as emitted (weights in each kernel's own layout, index, bias and
    tables: LayerChoice.dense_const_bytes - chosen_const_bytes); weight_bytes_saved: the int8 weights alone
    (the weight tensor's size against the chosen encoding's data and index); with `measure_dense`,
    firmware_flash_saved_bytes: the two firmwares' flash (code included), measured."""
    layers = [{k: c[k] for k in ("op_index", "opcode", "layer", "sparsity", "encoding", "dense_weight_bytes",
                                 "chosen_weight_bytes", "dense_const_bytes", "chosen_const_bytes",
                                 "dense_cycles_est", "sparse_cycles_est", "reason")}
              for c in choices]
    saved = sum(c["dense_const_bytes"] - c["chosen_const_bytes"] for c in choices)
    weight_saved = sum(c["dense_weight_bytes"] - c["chosen_weight_bytes"] for c in choices)
    dense_est = sum(c["dense_cycles_est"] for c in choices)
    chosen_est = sum(c["sparse_cycles_est"] if c["encoding"] != "dense" else c["dense_cycles_est"] for c in choices)
    report: dict[str, Any] = {
        "layers": layers, "flash_saved_bytes": int(saved), "weight_bytes_saved": int(weight_saved),
        "cycles_ratio": round(chosen_est / dense_est, 4) if dense_est else None,
        "cycles_source": f"cost model estimate for {board.core} over the {len(choices)} weight layers "
                         "(deploy --measure-dense, or bench --sparsity, measures it)",
        "dense_cycles": None, "sparse_cycles": sparse_cycles,
        "dense_flash_bytes": None, "sparse_flash_bytes": sparse_flash, "firmware_flash_saved_bytes": None}
    if any(c["encoding"] != "dense" for c in choices) and measure_dense and sparse_cycles:
        from pipeline.bench_sparsity import measure

        console.print("[bold cyan]    dense[/] the same model with dense weights, for the cycles ratio…")
        dense = measure(tflite, board, out / "dense", "dense", console)
        report.update(dense_cycles=dense.cycles, cycles_ratio=round(sparse_cycles / max(dense.cycles, 1), 4),
                      dense_flash_bytes=dense.flash_bytes,
                      firmware_flash_saved_bytes=None if sparse_flash is None else dense.flash_bytes - sparse_flash,
                      cycles_source=f"measured: whole-model median {board.cycles_unit()} against the dense-weights "
                                    f"firmware on {board.simulator}")
    return report


def sparsity_rows(table: Table, sp: dict[str, Any]) -> None:
    """Rows for deploy's summary table."""
    n_sparse = sum(1 for l in sp["layers"] if l["encoding"] != "dense")
    table.add_row("sparse weights", f"{n_sparse} of {len(sp['layers'])} weight layers sparse; flash saved "
                                    f"{sp['flash_saved_bytes']:,} B (the layers' weights, index, bias and tables "
                                    f"as emitted; int8 weights alone {sp['weight_bytes_saved']:,} B)")
    for l in sp["layers"]:
        table.add_row(f"  op {l['op_index']} {l['opcode']}", f"{l['sparsity']:.0%} zeros -> {l['encoding']} "
                      f"(int8 weights {l['chosen_weight_bytes']:,} / {l['dense_weight_bytes']:,} B; "
                      f"as emitted {l['chosen_const_bytes']:,} / {l['dense_const_bytes']:,} B)")
    if sp.get("firmware_flash_saved_bytes") is not None:
        table.add_row("firmware flash vs dense", f"{sp['sparse_flash_bytes']:,} vs {sp['dense_flash_bytes']:,} B "
                                                 f"({sp['firmware_flash_saved_bytes']:,} B saved, both builds measured)")
    if sp["dense_cycles"] is not None:
        table.add_row("cycles vs dense", f"{sp['cycles_ratio']:.3f}x ({sp['sparse_cycles']:,} vs "
                                         f"{sp['dense_cycles']:,}, {sp['cycles_source']})")
    elif sp["cycles_ratio"] is not None:
        table.add_row("cycles vs dense", f"~{sp['cycles_ratio']:.3f}x ({sp['cycles_source']})")
