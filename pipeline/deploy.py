"""`deploy`: every stage in order, from a Keras model (or the built-in example) to predictions
verified on the board, and `report.json` beside every artifact."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.boards import Board, load_board
from pipeline.firmware.build import BuildResult, build_env, build_project, check_fit
from pipeline.data import Dataset
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write_text, copy_into
from pipeline.ml.keras_io import KERAS_SUFFIXES
from pipeline.paths import DEFAULT_OUT
from pipeline.progress import stage_bar
from pipeline.report.console import summary_rows
from pipeline.report.html import write_report_html
from pipeline.device.protocol import Device
from pipeline.firmware.render import CompiledModel, render_project
from pipeline.firmware.flash import flash
from pipeline.device.run import resolve_port, target_port
from pipeline.device.verify import VerifyResult, verify, write_verify_json

EXAMPLE_SPARSITY = 0.8


@dataclass(frozen=True)
class DeployOptions:
    board: str
    model: Path | None = None
    data: Path | None = None
    sparsity: float | None = None
    samples: int | None = None
    port: str | None = None
    out: Path | None = None
    engine: str = "eat"
    progress: bool = True
    flash: bool = True  # with a port: flash the board first (False: it already runs this firmware)


def default_out(opts: DeployOptions) -> Path:
    stem = opts.model.stem if opts.model else "example"
    return DEFAULT_OUT / f"{stem}-{opts.board}"


def _stage(console: Console, name: str, detail: str) -> None:
    console.print(f"[bold cyan]{name:>9}[/] {detail}")


def prepare_tflite(opts: DeployOptions, out: Path, console: Console, report: dict[str, Any]) -> tuple[Path, Path | None]:
    """Stages 1-3: the int8 .tflite (and the data file, if any) under `out`."""
    if opts.model is not None and not opts.model.is_file():
        raise PipelineError(f"model file {opts.model} not found; pass --model with a .keras, .h5 or int8 .tflite file")
    data_path = None
    if opts.data is not None:
        Dataset.load(opts.data)  # fail early, with the reason, on a bad data file
        data_path = copy_into(opts.data, out / "data.npz")
    if opts.model is not None and opts.model.suffix == ".tflite":
        tflite = copy_into(opts.model, out / "model_int8.tflite")
        report["model"]["source"] = str(opts.model)
        _stage(console, "model", f"{opts.model} (int8 .tflite: prune and quantize skipped)")
        return tflite, data_path
    if opts.model is None:
        from pipeline.ml.example import make_example

        _stage(console, "example", "training the built-in digits CNN (sklearn load_digits)…")
        with stage_bar(console, "train", "epochs", opts.progress) as tick:
            ex = make_example(out, on_epoch=tick)
        keras_path, data_path = ex.model_path, ex.data_path
        report["model"]["source"] = "built-in example: digits CNN on sklearn load_digits"
        report["model"]["float_accuracy"] = ex.float_accuracy
    else:
        if opts.model.suffix not in KERAS_SUFFIXES:
            raise PipelineError(f"--model {opts.model}: expected a Keras model ({', '.join(KERAS_SUFFIXES)}) or an int8 .tflite")
        if data_path is None:
            raise PipelineError(f"--model {opts.model.name} is a Keras model: give --data DATA.npz for pruning, calibration and tests, or pass an int8 .tflite")
        keras_path = copy_into(opts.model, out / f"model{opts.model.suffix}")
        report["model"]["source"] = str(opts.model)
    sparsity = EXAMPLE_SPARSITY if opts.sparsity is None else opts.sparsity
    if sparsity > 0:
        from pipeline.ml.prune import prune_model

        _stage(console, "prune", f"to {sparsity:.0%} sparsity with tfmot, fine-tuning…")
        with stage_bar(console, "fine-tune", "epochs", opts.progress) as tick:
            pr = prune_model(keras_path, data_path, out, sparsity, on_epoch=tick)
        report["prune"] = pr.to_json()
        zeros = ", ".join(f"{l.layer} {l.zero_fraction:.0%}" for l in pr.layers)
        _stage(console, "", f"zeros per layer: {zeros}; accuracy {pr.float_accuracy:.3f} -> {pr.pruned_accuracy:.3f}")
        keras_path = pr.model_path
    from pipeline.ml.quantize import quantize_model

    _stage(console, "quantize", "full-integer int8 with a representative dataset…")
    q = quantize_model(keras_path, data_path, out / "model_int8.tflite")  # no bar: its fds are caught around the converter
    return q.tflite_path, data_path


@dataclass(frozen=True)
class Firmware:
    compiled: Any  # pipeline.compiler.compile.CompileResult
    built: BuildResult
    c_dir: Path
    project_dir: Path


def build_firmware(tflite: Path, board: Board, out: Path, engine: str, console: Console, simulated: bool = True,
                   progress: bool = True) -> Firmware:
    """Stages 4-7 for one int8 .tflite: compile + convert, fit check, render, build (the board's
    simulated build when `simulated` and the board has one, see boards/<id>.json "sim")."""
    from pipeline.compiler.compile import compile_model
    from pipeline.compiler.convert import convert_tflite

    c_dir = out / "c"
    _stage(console, "compile", f"{tflite.name} -> C for {board.core} (static memory plan)…")
    compiled = compile_model(tflite, c_dir, core=board.core)
    convert_tflite(tflite, c_dir)
    check_fit(board, compiled.arena_bytes, compiled.weights_bytes)
    _stage(console, "render", f"PlatformIO project for {board.id} from firmware_templates/…")
    project = render_project(CompiledModel.load(c_dir), board, out / "firmware", engine=engine, tflite=tflite).project_dir
    if engine == "tflm" and not os.environ.get("TFLM_DIR"):
        raise PipelineError(
            f"engine tflm: the project is rendered at {project}, but building it needs a TFLM source tree; "
            "set TFLM_DIR to it (see that platformio.ini) — TFLM is not available on this machine"
        )
    _stage(console, "build", f"pio run -e {build_env(board, simulated)} (offline platform, {board.toolchain_prefix}gcc)…")
    with stage_bar(console, "build", "", progress):
        built = build_project(project, board, out, simulated=simulated)
    return Firmware(compiled=compiled, built=built, c_dir=c_dir, project_dir=project)


def summary_table(report: dict[str, Any], board: Board) -> Table:
    v, lat, mem = report["verify"], report["latency"], report["memory"]
    table = Table(title=f"{report['model']['name']} on {board.name} ({report['target']})", show_header=False)
    exact_style = "green" if v["bit_exact"] == v["samples"] else "red"
    table.add_row("bit-exact vs TFLM", f"[{exact_style}]{v['bit_exact']}/{v['samples']}[/]")
    table.add_row("accuracy", "n/a (no labels)" if v["accuracy"] is None else f"{v['accuracy']:.4f}")
    table.add_row("latency (median)", f"{lat['cycles_median']:,} cycles = {lat['ms_median']:.3f} ms at {board.clock_hz / 1e6:g} MHz")
    table.add_row("flash", f"{mem['flash_bytes']:,} / {mem['flash_budget_bytes']:,} B ({mem['flash_bytes'] / mem['flash_budget_bytes']:.1%})")
    table.add_row("RAM", f"{mem['ram_bytes']:,} / {mem['ram_budget_bytes']:,} B ({mem['ram_bytes'] / mem['ram_budget_bytes']:.1%})")
    table.add_row("arena", f"{mem['arena_bytes']:,} B (planned ahead of time)")
    table.add_row("inputs", v["input_source"])
    for key, value in summary_rows(report):
        table.add_row(key, value)
    return table


def deploy(opts: DeployOptions, console: Console | None = None) -> dict[str, Any]:
    """Runs every stage; returns the report (also written to `<out>/report.json`)."""
    console = console or Console(stderr=True)
    board = load_board(opts.board)
    out = (opts.out or default_out(opts)).resolve()
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "board": {"id": board.id, "name": board.name, "core": board.core, "clock_hz": board.clock_hz},
        "engine": opts.engine,
        "model": {},
        "prune": None,
    }
    tflite, data_path = prepare_tflite(opts, out, console, report)
    digest = hashlib.sha256(tflite.read_bytes()).hexdigest()
    name = opts.model.name if opts.model is not None else "digits CNN (built-in example)"
    report["model"].update(name=name, tflite=str(tflite), sha256=digest, tflite_bytes=tflite.stat().st_size)

    fw = build_firmware(tflite, board, out, opts.engine, console, simulated=opts.port is None, progress=opts.progress)
    compiled, built = fw.compiled, fw.built
    report["compile"] = {
        "arena_bytes": compiled.arena_bytes, "weights_bytes": compiled.weights_bytes, "macs": compiled.macs,
        "ops": len(compiled.ops), "layers": compiled.layers,
    }
    report["arena"] = compiled.arena_map  # the memory map for report.html, which reads report.json alone
    report["memory"] = {
        "flash_bytes": built.flash_bytes, "ram_bytes": built.ram_bytes, "arena_bytes": compiled.arena_bytes,
        "weights_bytes": compiled.weights_bytes, "flash_budget_bytes": board.flash_bytes, "ram_budget_bytes": board.ram_bytes,
    }
    report["artifacts"] = {
        "tflite": str(tflite), "c_sources": str(fw.c_dir), "project": str(fw.project_dir),
        **{f"firmware{s}": str(p) for s, p in built.firmware.items()},
    }

    port = resolve_port(opts.port)
    target = f"port {port}" if port else f"simulator {board.simulator}"
    report["target"] = target
    if port and opts.flash:
        _stage(console, "flash", f"{board.id} via {board.upload_method}…")
        report["flash"] = flash(board, built.firmware, port).detail
    _stage(console, "run", f"firmware on {target}")
    data = Dataset.load(data_path) if data_path else None
    with target_port(board, built.firmware, port) as ser:
        _stage(console, "verify", "streaming inputs, comparing every output with the TFLM oracle…")
        result: VerifyResult = verify(Device(ser), tflite, data, opts.samples, show_progress=opts.progress)
    write_verify_json(result, out / "verify.json")
    report["verify"] = result.to_json()
    cycles = result.cycles or [0]
    report["latency"] = {
        "cycles_median": result.cycles_median, "cycles_min": min(cycles), "cycles_max": max(cycles),
        "ms_median": result.cycles_median / board.clock_hz * 1e3, "clock_hz": board.clock_hz,
        "source": board.raw["cycle_counter"],
    }
    atomic_write_text(out / "report.json", json.dumps(report, indent=2) + "\n")
    html = write_report_html(out / "report.json")
    console.print(summary_table(report, board))
    console.print(f"report: {out / 'report.json'} and {html.path.name} (open it in a browser)")
    return report
