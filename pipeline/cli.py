"""Command line: `python -m pipeline <stage>` runs one stage on files; `deploy` runs them all."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from pipeline import interrupt
from pipeline.errors import PipelineError
from pipeline.ml.quiet import verbose_scope
from pipeline.paths import DEFAULT_OUT
from pipeline.tflite.prune_patterns import METHODS as PRUNE_METHODS

WEIGHT_MODES = ("auto", "small", "dense", "sparse")
WEIGHTS_HELP = ("FC/CONV/DEPTHWISE weights: auto (the cost model picks per layer the fastest of dense and the sparse "
                "encodings), small (the smallest encoding the cost model says beats dense: flash before speed), "
                "dense, sparse")

Handler = Callable[[argparse.Namespace, Console], int]


def _print_json(console: Console, payload: dict) -> None:
    console.print_json(json.dumps(payload, default=str))


def cmd_example(a: argparse.Namespace, console: Console) -> int:
    from pipeline.ml.example import make_example

    r = make_example(a.out)
    console.print(f"model {r.model_path} (float accuracy {r.float_accuracy:.4f}), data {r.data_path}")
    return 0


def cmd_prune(a: argparse.Namespace, console: Console) -> int:
    from pipeline.ml.prune import prune_model

    if a.model.suffix == ".tflite":
        from pipeline.tflite.oneshot import prune_tflite

        r1 = prune_tflite(a.model, a.out / f"{a.model.stem}_pruned.tflite", a.prune, a.sparsity, a.data)
        _print_json(console, r1.to_json())
        return 0
    if a.data is None:
        raise PipelineError(f"--model {a.model.name} is a Keras model: give --data DATA.npz for fine-tuning")
    r = prune_model(a.model, a.data, a.out, a.sparsity, epochs=a.epochs, method=a.prune)
    _print_json(console, r.to_json())
    return 0


def cmd_quantize(a: argparse.Namespace, console: Console) -> int:
    from pipeline.ml.quantize import quantize_model

    r = quantize_model(a.model, a.data, a.out)
    console.print(f"{r.tflite_path} ({r.size_bytes:,} B)")
    return 0


def cmd_convert(a: argparse.Namespace, console: Console) -> int:
    from pipeline.compiler.compile import compile_model
    from pipeline.compiler.convert import convert_tflite

    compiled = compile_model(a.model, a.out, core=a.core, weights=a.weights)  # fails first, and writes nothing, on an unsupported model
    r = convert_tflite(a.model, a.out)
    console.print(f"{r.source} ({r.length:,} B array, sha256 {r.sha256[:12]}…); our engine: {a.out}/model.c, arena {compiled.arena_bytes:,} B")
    return 0


def cmd_compile(a: argparse.Namespace, console: Console) -> int:
    from pipeline.compiler.compile import compile_model

    r = compile_model(a.model, a.out, core=a.core, weights=a.weights)
    console.print(f"{a.out}/model.c: {len(r.ops)} ops, arena {r.arena_bytes:,} B, weights {r.weights_bytes:,} B, {r.macs:,} MACs")
    return 0


def cmd_render(a: argparse.Namespace, console: Console) -> int:
    from pipeline.boards import load_board
    from pipeline.firmware.render import CompiledModel, render_project

    r = render_project(CompiledModel.load(a.compiled), load_board(a.board), a.out, engine=a.engine, tflite=a.tflite)
    console.print(f"PlatformIO project {r.project_dir} (env {r.env}); build it with: pio run -d {r.project_dir}")
    return 0


def cmd_build(a: argparse.Namespace, console: Console) -> int:
    from pipeline.boards import load_board
    from pipeline.firmware.build import build_project

    board = load_board(a.board)
    r = build_project(a.project, board, a.out or a.project, simulated=a.sim)
    console.print(f"flash {r.flash_bytes:,}/{board.flash_bytes:,} B, RAM {r.ram_bytes:,}/{board.ram_bytes:,} B; " + ", ".join(str(p) for p in r.firmware.values()))
    return 0


def cmd_run(a: argparse.Namespace, console: Console) -> int:
    from pipeline.boards import load_board
    from pipeline.device.run import simulator_url

    board = load_board(a.board)
    firmware = {a.firmware.suffix: a.firmware, ".bin": a.firmware.with_suffix(".bin")}
    with simulator_url(board, firmware) as url:
        console.print(f"{board.id} firmware running in {board.simulator}; its UART is at {url} (Ctrl-C stops it)")
        print(url, flush=True)
        try:
            import time

            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def cmd_verify(a: argparse.Namespace, console: Console) -> int:
    from pipeline.data import Dataset
    from pipeline.device.protocol import Device
    from pipeline.device.run import open_port, resolve_port
    from pipeline.device.verify import verify, write_verify_json

    from pipeline.checks import check_port, check_samples

    check_samples(a.samples)
    check_port(a.port)
    url = resolve_port(a.port)
    data = Dataset.load(a.data) if a.data else None
    with open_port(url) as port:
        r = verify(Device(port), a.model, data, a.samples)
    if a.out:
        write_verify_json(r, a.out)
    fl = f", float outputs {r.policy.describe()}: {r.within_tolerance}/{r.samples}, max {r.max_ulp} ULP" if r.policy else ""
    console.print(f"bit-exact {r.bit_exact}/{r.samples}{fl}, accuracy {r.accuracy}, median {r.cycles_median:,} cycles")
    return 0 if r.passed else 1


def cmd_deploy(a: argparse.Namespace, console: Console) -> int:
    from pipeline.deploy import DeployOptions, deploy

    opts = DeployOptions(
        board=a.board, model=a.model, data=a.data, sparsity=a.sparsity, samples=a.samples,
        port=a.port, out=a.out, engine=a.engine, progress=not a.no_progress, flash=not a.no_flash,
        profile=a.profile, tflm_kernels=a.tflm_kernels,
        prune=a.prune, measure_dense=a.measure_dense, weights=a.weights,
    )
    report = deploy(opts, console)
    v = report["verify"]
    return 0 if v["passed"] else 1


def cmd_bench(a: argparse.Namespace, console: Console) -> int:
    if a.weights != "auto" and a.sparsity is None:
        raise PipelineError(f"bench --weights {a.weights} chooses the sparse build's encodings; add --sparsity S "
                            "(e.g. --sparsity 0.8) to prune and compare dense with sparse weights")
    if a.sparsity is not None:
        from pipeline.bench_sparse_cmd import bench_sparsity

        bench_sparsity(a.model or [], a.board, a.sparsity, a.prune, a.json, out_root=a.out, profile=a.profile,
                       weights=a.weights)
        return 0
    if not a.model:
        raise PipelineError("bench needs --model FILE.tflite (or --sparsity S to bench the pruned example)")
    from pipeline.bench import bench

    bench(a.model, a.board, a.json, port=a.port, out_root=a.out, against=a.against, profile=a.profile)
    return 0


def cmd_report(a: argparse.Namespace, console: Console) -> int:
    from pipeline.report.html import resolve, write_report_html

    r = write_report_html(resolve(a.path))
    console.print(f"{r.path} ({r.kind} report; sections with data: {', '.join(r.sections)})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description="Edge-AI-Tiny: a Keras model to predictions verified on a microcontroller.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(handler=handler)
        sp.add_argument("--verbose", action="store_true", help="also show TensorFlow's and the converter's own log lines")
        return sp

    sp = add("deploy", cmd_deploy, "every stage: prune, quantize, convert, compile, render, build, run, verify")
    sp.add_argument("--board", required=True, help="board id from boards/ (e.g. pico)")
    sp.add_argument("--model", type=Path, help="a Keras .keras/.h5 (needs --data) or an int8 .tflite; default: the built-in example")
    sp.add_argument("--data", type=Path, help="a .npz with x_train, y_train, x_test, y_test")
    sp.add_argument("--sparsity", type=float, help="pruning target in [0, 1); 0 skips pruning (default 0.8; "
                    "for an int8 .tflite: no pruning unless given, then one-shot)")
    sp.add_argument("--prune", default="magnitude", choices=PRUNE_METHODS, help="pruning method (default magnitude)")
    sp.add_argument("--measure-dense", action="store_true", help="simulator: also build and run the model with dense "
                    "weights, so sparsity.cycles_ratio is measured, not estimated")
    sp.add_argument("--weights", default="auto", choices=WEIGHT_MODES, help=WEIGHTS_HELP)
    sp.add_argument("--samples", type=int, help="how many test inputs to verify (default: the test split up to 500; 100 random inputs without data)")
    sp.add_argument("--port", help="a real board's serial port (/dev/ttyACM0, or 'auto'); default: the board's simulator")
    sp.add_argument("--engine", default="eat", choices=("eat", "tflm"), help="firmware engine: eat (our runtime); tflm: TFLM's MicroInterpreter (needs a TFLM tree: $TFLM_DIR or ../shared/tflm)")
    sp.add_argument("--tflm-kernels", default="cmsis_nn", choices=("ref", "cmsis_nn"), help="engine tflm: TFLM's reference kernels or CMSIS-NN's (default cmsis_nn)")
    sp.add_argument("--out", type=Path, help=f"artifact directory (default {DEFAULT_OUT}/<model>-<board>)")
    sp.add_argument("--no-flash", action="store_true", help="with --port: the board already runs this firmware, do not flash it")
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.add_argument("--profile", action="store_true", help="also build with per-op timing (-DEAT_PROFILE) and record cycles per layer in report.json")

    sp = add("bench", cmd_bench, "MACs, arena, flash and cycles per inference for each model on a board")
    sp.add_argument("--board", required=True)
    sp.add_argument("--model", type=Path, action="append", help="an int8 .tflite; repeat for more")
    sp.add_argument("--sparsity", type=float, help="prune to S (the example with tfmot; each --model one-shot) and "
                    "compare dense with sparse weights per model and layer")
    sp.add_argument("--prune", default="magnitude", choices=PRUNE_METHODS, help="pruning method (default magnitude)")
    sp.add_argument("--json", type=Path, help="also write the figures here as JSON")
    sp.add_argument("--port", help="a real board instead of the simulator")
    sp.add_argument("--out", type=Path, help=f"artifact directory (default {DEFAULT_OUT}/bench)")
    sp.add_argument("--against", choices=("tflm",), help="also build and measure TFLM (reference kernels) and TFLM + CMSIS-NN, side by side")
    sp.add_argument("--profile", action="store_true", help="also cycles per layer, from a separate profiling build (-DEAT_PROFILE)")
    sp.add_argument("--weights", default="auto", choices=("auto", "small"), help="with --sparsity, how the sparse "
                    "build picks each layer's encoding: auto (the fastest) or small (the smallest that beats dense)")

    sp = add("report", cmd_report, "rebuild report.html from a deploy's or bench's report.json alone")
    sp.add_argument("path", type=Path, help="the deploy/bench output directory (or a report .json file)")

    sp = add("example", cmd_example, "train the built-in example; writes model.keras and data.npz")
    sp.add_argument("--out", type=Path, default=DEFAULT_OUT / "example")

    sp = add("prune", cmd_prune, "pruning to --sparsity: a Keras model with tfmot (pruned.keras, prune.json), "
             "an int8 .tflite one-shot (<stem>_pruned.tflite, .prune.json)")
    sp.add_argument("--model", type=Path, required=True, help="a Keras model or an int8 .tflite")
    sp.add_argument("--data", type=Path, help="data.npz (required for Keras; for a .tflite: accuracy before/after)")
    sp.add_argument("--prune", default="magnitude", choices=PRUNE_METHODS, help="pruning method (default magnitude)")
    sp.add_argument("--sparsity", type=float, default=0.8)
    sp.add_argument("--epochs", type=int, default=8)
    sp.add_argument("--out", type=Path, default=DEFAULT_OUT / "example")

    sp = add("quantize", cmd_quantize, "full-integer int8 conversion with a representative dataset")
    sp.add_argument("--model", type=Path, required=True)
    sp.add_argument("--data", type=Path, required=True)
    sp.add_argument("--out", type=Path, default=DEFAULT_OUT / "example" / "model_int8.tflite")

    for name, handler, help_ in (
        ("convert", cmd_convert, "the .tflite as a C array (engine tflm) plus our engine's C sources"),
        ("compile", cmd_compile, "our engine: the .tflite to model.c/model.h with a static memory plan"),
    ):
        sp = add(name, handler, help_)
        sp.add_argument("--model", type=Path, required=True, help="an int8 .tflite")
        sp.add_argument("--out", type=Path, default=DEFAULT_OUT / "example" / "c")
        sp.add_argument("--core", default="generic", help="target core for kernel selection (e.g. cortex-m0plus)")
        sp.add_argument("--weights", default="auto", choices=WEIGHT_MODES, help=WEIGHTS_HELP)

    sp = add("render", cmd_render, "a PlatformIO project for a board from firmware_templates/")
    sp.add_argument("--compiled", type=Path, required=True, help="the compile stage's directory")
    sp.add_argument("--board", required=True)
    sp.add_argument("--engine", default="eat", choices=("eat", "tflm"))
    sp.add_argument("--tflite", type=Path, help="the .tflite (needed by --engine tflm)")
    sp.add_argument("--out", type=Path, default=DEFAULT_OUT / "example" / "firmware")

    sp = add("build", cmd_build, "pio run on a rendered project, offline; reports flash and RAM")
    sp.add_argument("--project", type=Path, required=True)
    sp.add_argument("--board", required=True)
    sp.add_argument("--out", type=Path, help="where to copy firmware.elf/.bin/.uf2 (default: the project)")
    sp.add_argument("--sim", action="store_true", help="the board's simulated build (boards/<id>.json sim), for `run`")

    sp = add("run", cmd_run, "start firmware in the board's simulator and print its serial URL")
    sp.add_argument("--board", required=True)
    sp.add_argument("--firmware", type=Path, required=True, help="firmware.bin (or .elf beside it)")

    sp = add("verify", cmd_verify, "stream inputs to a running device and compare with the TFLM oracle")
    sp.add_argument("--port", required=True, help="serial port or URL: /dev/ttyACM0, auto, socket://127.0.0.1:PORT")
    sp.add_argument("--model", type=Path, required=True, help="the int8 .tflite the device runs")
    sp.add_argument("--data", type=Path)
    sp.add_argument("--samples", type=int)
    sp.add_argument("--out", type=Path, help="write verify.json here")
    return p


def _forget_escaped_interrupt() -> None:
    """CPython marks a KeyboardInterrupt that left an exec() of source text as unhandled (run_eval_code_obj), and
    at exit kills the process with SIGINT even when main() caught it and returns 130: a Ctrl-C that lands while
    dataclasses exec()s a generated __init__ (importing a module) ended a deploy as signal -2 on a loaded machine.
    Running source text once more, to completion, clears that mark."""
    exec("None")  # noqa: S102  (a constant: the point is the evaluation, see above)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=True)
    previous = interrupt.install()  # SIGTERM ends a stage like Ctrl-C: `with` blocks clean up (simulator, staging)
    try:
        with verbose_scope(args.verbose):  # read by pipeline/ml/quiet.py before TensorFlow is imported
            return args.handler(args, console)
    except PipelineError as exc:
        # escape(): a message quoting a model's names must print as text, never as rich markup
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        console.print("interrupted")
        _forget_escaped_interrupt()
        return 130
    finally:
        interrupt.uninstall(previous)  # main() called in-process (tests, the API): the caller's handlers as they were


if __name__ == "__main__":
    sys.exit(main())
