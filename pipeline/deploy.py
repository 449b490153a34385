"""`deploy`: every stage in order, from a Keras model (or the built-in example) to predictions
verified on the board, and `report.json` beside every artifact."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.boards import Board, load_board
from pipeline.checks import check_deploy_args
from pipeline.firmware.build import BuildResult, build_env, build_project, check_fit
from pipeline import interrupt
from pipeline.data import Dataset
from pipeline.errors import KeepArtifacts, PipelineError
from pipeline.fsutil import atomic_write_text, copy_into, staged_out
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
    profile: bool = False  # also a profiling build: cycles per layer (pipeline/profile.py)
    tflm_kernels: str = "cmsis_nn"  # engine tflm: the "ref" or "cmsis_nn" TFLM tree
    prune: str = "magnitude"   # pruning method (pipeline/tflite/prune_patterns.METHODS)
    measure_dense: bool = False   # also build and run dense weights, for a measured sparsity.cycles_ratio
    weights: str = "auto"   # FC/CONV/DEPTHWISE weights: auto (the cost model picks per layer), dense, sparse


def default_out(opts: DeployOptions) -> Path:
    stem = opts.model.stem if opts.model else "example"
    return DEFAULT_OUT / f"{stem}-{opts.board}"


def _stage(console: Console, name: str, detail: str) -> None:
    interrupt.checkpoint()
    console.print(f"[bold cyan]{name:>9}[/] {escape(detail)}")


def tflite_kind(path: Path) -> str:
    """"float32" for a model with float32 input or output tensors, else "int8"."""
    from pipeline.compiler.ops_f32 import is_float_model
    from pipeline.tflite.model import load

    return "float32" if is_float_model(load(path)) else "int8"


def channels_kept(channels: list[dict]) -> str:
    """`--prune channel`'s line: each pruning point's kept / original channels (Keras or one-shot cuts alike)."""
    return "channels kept: " + ", ".join(f"{c['layer']} {c['kept']}/{c['channels']}" for c in channels)


def prepare_tflite(opts: DeployOptions, out: Path, console: Console, report: dict[str, Any]) -> tuple[Path, Path | None]:
    """Stages 1-3: the int8 .tflite (and the data file, if any) under `out`."""
    if opts.model is not None and not opts.model.is_file():
        raise PipelineError(f"model file {opts.model} not found; pass --model with a .keras, .h5 or int8 .tflite file")
    data_path = None
    if opts.data is not None:
        Dataset.load(opts.data)  # fail early, with the reason, on a bad data file
        data_path = copy_into(opts.data, out / "data.npz")
    if opts.model is not None and opts.model.suffix == ".tflite":
        report["model"]["source"] = str(opts.model)
        kind = tflite_kind(opts.model)
        if opts.sparsity and kind == "int8":   # an explicit --sparsity: one-shot pruning of the int8 weights
            from pipeline.tflite.oneshot import prune_tflite

            _stage(console, "prune", f"one-shot channel: {opts.sparsity:.0%} of the filters removed…"
                   if opts.prune == "channel" else f"one-shot {opts.prune} to {opts.sparsity:.0%} on the int8 weights…")
            r = prune_tflite(opts.model, out / "model_int8.tflite", opts.prune, opts.sparsity, data_path)
            report["prune"] = r.to_json()
            if r.channels:
                _stage(console, "", f"{channels_kept(r.channels)}; int8 weights {r.weights_before:,} -> "
                                    f"{r.weights_after:,}")
            return out / "model_int8.tflite", data_path
        if opts.sparsity:
            raise PipelineError(f"--sparsity prunes an int8 .tflite one-shot; {opts.model.name} is {kind}: "
                                "prune it in Keras before converting, or drop --sparsity")
        tflite = copy_into(opts.model, out / f"model_{kind}.tflite")
        _stage(console, "model", f"{opts.model} ({kind} .tflite: prune and quantize skipped)")
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

        _stage(console, "prune", f"{opts.prune} to {sparsity:.0%} sparsity, fine-tuning…")
        with stage_bar(console, "fine-tune", "epochs", opts.progress) as tick:
            pr = prune_model(keras_path, data_path, out, sparsity, method=opts.prune, on_epoch=tick)
        report["prune"] = pr.to_json()
        if pr.channels:
            what = channels_kept(pr.channels)
        else:
            what = "zeros per layer: " + ", ".join(f"{l.layer} {l.zero_fraction:.0%}" for l in pr.layers)
        _stage(console, "", f"{what}; accuracy {pr.float_accuracy:.3f} -> {pr.pruned_accuracy:.3f}")
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


def build_firmware(
    tflite: Path, board: Board, out: Path, engine: str, console: Console, simulated: bool = True, profile: bool = False,
    tflm_kernels: str = "cmsis_nn", weights: str = "auto", progress: bool = True,
) -> Firmware:
    """Stages 4-7 for one int8 .tflite: compile + convert, fit check, render, build (the board's
    simulated build when `simulated` and the board has one, see boards/<id>.json "sim")."""
    from pipeline.compiler.compile import compile_model
    from pipeline.compiler.convert import convert_tflite

    c_dir = out / "c"
    _stage(console, "compile", f"{tflite.name} -> C for {board.core} (static memory plan)…")
    compiled = compile_model(tflite, c_dir, core=board.core, weights=weights)
    convert_tflite(tflite, c_dir)
    check_fit(board, compiled.arena_bytes, compiled.weights_bytes)
    _stage(console, "render", f"PlatformIO project for {board.id} from firmware_templates/…")
    tflm_lib = None
    if engine == "tflm":
        from pipeline.tflite.tflm_build import build_tflm_for

        tflm_lib = build_tflm_for(tflite, board, tflm_kernels, console)
    project = render_project(CompiledModel.load(c_dir), board, out / "firmware", engine=engine, tflite=tflite,
                             profile=profile, tflm_lib=tflm_lib).project_dir
    _stage(console, "build", f"pio run -e {build_env(board, simulated)} (offline platform, {board.toolchain_prefix}gcc)…")
    with stage_bar(console, "build", "", progress):
        built = build_project(project, board, out, simulated=simulated)
    return Firmware(compiled=compiled, built=built, c_dir=c_dir, project_dir=project)


def summary_table(report: dict[str, Any], board: Board) -> Table:
    v, lat, mem = report["verify"], report["latency"], report["memory"]
    table = Table(title=escape(f"{report['model']['name']} on {board.name} ({report['target']})"), show_header=False)
    fl = v.get("float")
    if fl and fl["tolerance_ulp"]:   # libm in the model: judged within a stated tolerance, not byte for byte
        style = "green" if v["passed"] else "red"
        table.add_row(f"vs TFLM, {fl['compared']}", f"[{style}]{fl['within_tolerance']}/{v['samples']}[/] "
                      f"(max {fl['max_ulp_diff']} ULP; bit-exact {v['bit_exact']}/{v['samples']})")
    else:
        exact_style = "green" if v["bit_exact"] == v["samples"] else "red"
        table.add_row("bit-exact vs TFLM", f"[{exact_style}]{v['bit_exact']}/{v['samples']}[/]")
    table.add_row("accuracy", "n/a (no labels)" if v["accuracy"] is None else f"{v['accuracy']:.4f}")
    if lat.get("ms_median") is not None:
        table.add_row("latency (median)", f"{lat['cycles_median']:,} cycles = {lat['ms_median']:.3f} ms at {board.clock_hz / 1e6:g} MHz")
    else:   # an instruction count (QEMU, labwired): not cycles of the real core, so no time
        table.add_row("latency (median)", f"{lat['cycles_median']:,} {lat.get('unit', 'instructions')} (the simulator's "
                                          "count, not the core's clock: no time)")
    table.add_row("flash", f"{mem['flash_bytes']:,} / {mem['flash_budget_bytes']:,} B ({mem['flash_bytes'] / mem['flash_budget_bytes']:.1%})")
    table.add_row("RAM", f"{mem['ram_bytes']:,} / {mem['ram_budget_bytes']:,} B ({mem['ram_bytes'] / mem['ram_budget_bytes']:.1%})")
    how = "TFLM's arena_used_bytes() on the target" if report["engine"] == "tflm" else "planned ahead of time"
    table.add_row("arena", f"{mem['arena_bytes']:,} B ({how})")
    table.add_row("inputs", escape(v["input_source"]))
    link = v.get("link") or {}
    if link.get("retries") or link.get("resets"):
        table.add_row("link", f"{link['retries']} retries, {link['resets']} device resets (during {', '.join(link['reset_during']) or '-'})")
    if report.get("sparsity"):
        from pipeline.deploy_sparsity import sparsity_rows

        sparsity_rows(table, report["sparsity"])
    for key, value in summary_rows(report):
        if key == "sparsity" and report.get("sparsity"):
            continue   # the sparsity rows above say it per layer
        table.add_row(key, escape(value))
    return table


def deploy(opts: DeployOptions, console: Console | None = None) -> dict[str, Any]:
    """Runs every stage; returns the report (also written to `<out>/report.json`)."""
    console = console or Console(stderr=True)
    board = load_board(opts.board)
    if opts.profile and opts.engine != "eat":
        raise PipelineError("--profile times our engine's ops; drop it or use --engine eat")
    out = (opts.out or default_out(opts)).resolve()
    check_deploy_args(opts.model, opts.data, opts.sparsity, opts.samples, opts.port, out, opts.flash)
    port = resolve_port(opts.port)  # --port auto: found (or refused) before any build
    # Every stage writes into a staging directory inside `out`; only a finished deploy replaces
    # the previous artifacts and report.json, so an interrupted one leaves them as they were.
    with staged_out(out) as work:
        try:
            report = _deploy(opts, board, work, port, console)
        except KeepArtifacts as exc:  # published by staged_out: name where it will be
            raise KeepArtifacts(str(exc).replace(str(work), str(out))) from None
        report = _relocated(report, str(work), str(out))
        atomic_write_text(work / "report.json", json.dumps(report, indent=2) + "\n")
        html = write_report_html(work / "report.json")
    console.print(summary_table(report, board))
    console.print(f"report: {escape(str(out / 'report.json'))} and {html.path.name} (open it in a browser)")
    return report


def _relocated(value: Any, old: str, new: str) -> Any:
    """The report with the staging directory's paths turned into the published ones."""
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old) else value
    if isinstance(value, dict):
        return {k: _relocated(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocated(v, old, new) for v in value]
    return value


def _deploy(opts: DeployOptions, board: Board, out: Path, port: str | None, console: Console) -> dict[str, Any]:
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

    fw = build_firmware(tflite, board, out, opts.engine, console, simulated=opts.port is None,
                        tflm_kernels=opts.tflm_kernels, weights=opts.weights, progress=opts.progress)
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
    if opts.engine == "tflm" and result.device is not None:  # TFLM plans its arena at run time; INFO reports it
        report["memory"]["arena_bytes"] = result.device.arena_bytes
    cycles = result.cycles or [0]
    unit = board.cycles_unit(port)   # "instructions" under QEMU -icount and labwired: no time at the clock
    report["latency"] = {
        "cycles_median": result.cycles_median, "cycles_min": min(cycles), "cycles_max": max(cycles),
        "unit": unit, "ms_median": result.cycles_median / board.clock_hz * 1e3 if unit == "cycles" else None,
        "clock_hz": board.clock_hz, "source": board.raw["cycle_counter"],
    }
    if opts.profile:
        from pipeline.profile import measure_profile, profile_table

        _stage(console, "profile", "a profiling build (-DEAT_PROFILE): cycles per layer on the device…")
        prof = measure_profile(tflite, board, out / "profile", console, port)
        report["profile"] = prof.to_json()
        console.print(profile_table(prof, report["model"]["name"]))
    if opts.engine == "eat":
        from pipeline.deploy_sparsity import sparsity_report

        report["sparsity"] = sparsity_report(compiled.sparsity, result.cycles_median, tflite, board, out, console,
                                             measure_dense=opts.measure_dense and port is None,
                                             sparse_flash=built.flash_bytes)
    return report
