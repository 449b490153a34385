"""`load_model`: a model file to a `DeployedModel` on a board (or its simulator) in one call.

    import pipeline as eat
    model = eat.load_model("sparse_mnist_model.tflite")     # board "pico", simulated
    print(model.predict(x))                                  # runs on the device

A `.tflite` (int8 or float32) is compiled as is. A Keras file (.keras, Keras 2 or 3, or .h5) is
converted: with `data` (an .npz path, or arrays) to full int8 with it as the representative set,
without to float32 (said on the console). The firmware is built once per (model bytes, data,
board, engine): a second call with the same model finds it in the cache and starts at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from pipeline.api import DeployedModel
from pipeline.boards import load_board
from pipeline.data import Dataset
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write_text
from pipeline.ml.keras_io import KERAS_SUFFIXES
from pipeline.paths import DEFAULT_OUT

CACHE_VERSION = 1
ENGINES = ("eat", "tflm")


@dataclass(frozen=True)
class BuildKey:
    model_sha256: str
    data_sha256: str | None
    board: str
    engine: str
    simulated: bool

    @property
    def digest(self) -> str:
        raw = json.dumps({**self.__dict__, "v": CACHE_VERSION}, sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


def cache_root() -> Path:
    return Path(os.environ.get("EAT_LOAD_CACHE", DEFAULT_OUT / "load_model"))


def _data_file(data: Any, out: Path) -> Path | None:
    """`data` as a data.npz under `out`: a path, a Dataset, a dict of the four arrays, or
    (x_train, y_train, x_test, y_test); x alone (an array) is used for calibration and tests."""
    if data is None:
        return None
    if isinstance(data, (str, Path)):
        ds = Dataset.load(Path(data))
    elif isinstance(data, Dataset):
        ds = data
    elif isinstance(data, dict):
        ds = Dataset(**{k: np.asarray(data[k]) for k in ("x_train", "y_train", "x_test", "y_test")})
    elif isinstance(data, (tuple, list)) and len(data) == 4:
        ds = Dataset(*(np.asarray(a) for a in data))
    elif isinstance(data, np.ndarray):
        x = data.astype(np.float32)
        ds = Dataset(x, np.zeros(len(x), np.int64), x, np.zeros(len(x), np.int64))
    else:
        raise PipelineError("data= takes an .npz path, a dict or 4-tuple (x_train, y_train, x_test, y_test), or an array of samples")
    return ds.save(out / "data.npz")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _prepare(path: Path, data: Any, out: Path, console: Console) -> Path:
    """The .tflite to compile, under `out`."""
    if path.suffix == ".tflite":
        return path
    data_path = _data_file(data, out)
    if data_path is None:
        from pipeline.ml.float_convert import convert_float

        console.print(f"[bold cyan]{'convert':>9}[/] {path.name}: no data given, so it runs as float32 "
                      "(pass data= to quantize it to int8)")
        return convert_float(path, out / "model_float32.tflite").tflite_path
    from pipeline.ml.quantize import quantize_model

    console.print(f"[bold cyan]{'quantize':>9}[/] {path.name}: full int8 with data= as the representative set")
    return quantize_model(path, data_path, out / "model_int8.tflite").tflite_path


def load_model(path: str | Path, board: str = "pico", port: str | None = None, engine: str = "eat",
               out: str | Path | None = None, data: Any = None) -> DeployedModel:
    """Compile, build (cached), start the simulator or flash the board on `port`, and return the
    running model. See the module docstring."""
    from pipeline.deploy import build_firmware
    from pipeline.device.run import resolve_port
    from pipeline.firmware.flash import flash

    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"model file {path} not found; pass a .tflite or Keras ({', '.join(KERAS_SUFFIXES)}) file")
    if path.suffix != ".tflite" and path.suffix not in KERAS_SUFFIXES:
        raise PipelineError(f"model file {path} is neither a .tflite nor a Keras model ({', '.join(KERAS_SUFFIXES)})")
    if engine not in ENGINES:
        raise PipelineError(f"engine '{engine}' is unknown; choose one of {', '.join(ENGINES)}")
    b = load_board(board)
    port = resolve_port(port)
    data_sha = None
    if data is not None and isinstance(data, (str, Path)):
        data_sha = _sha(Path(data))
    elif data is not None:
        data_sha = hashlib.sha256(repr(data).encode() if not isinstance(data, np.ndarray) else data.tobytes()).hexdigest()
    key = BuildKey(_sha(path), data_sha if path.suffix != ".tflite" else None, b.id, engine, port is None)
    target = Path(out) if out is not None else cache_root() / f"{path.stem}-{b.id}-{key.digest}"
    target = target.resolve()
    console = Console(stderr=True)
    report_path = target / "report.json"
    cached = report_path.is_file() and json.loads(report_path.read_text()).get("build_key") == key.digest
    if cached:
        report = json.loads(report_path.read_text())
        cached = all(Path(p).is_file() for k, p in report["artifacts"].items() if k.startswith("firmware."))
    if not cached:
        target.mkdir(parents=True, exist_ok=True)
        tflite = _prepare(path, data, target, console)
        fw = build_firmware(tflite, b, target, engine, console, simulated=port is None)
        report = {
            "build_key": key.digest, "key": key.__dict__,
            "board": {"id": b.id, "name": b.name, "core": b.core, "clock_hz": b.clock_hz},
            "engine": engine,
            "model": {"name": path.name, "source": str(path), "tflite": str(tflite), "sha256": _sha(tflite)},
            "compile": {"arena_bytes": fw.compiled.arena_bytes, "weights_bytes": fw.compiled.weights_bytes},
            "memory": {"flash_bytes": fw.built.flash_bytes, "ram_bytes": fw.built.ram_bytes},
            "artifacts": {"tflite": str(tflite), "c_sources": str(fw.c_dir), "project": str(fw.project_dir),
                          **{f"firmware{s}": str(p) for s, p in fw.built.firmware.items()}},
        }
        atomic_write_text(report_path, json.dumps(report, indent=2) + "\n")
    else:
        console.print(f"[bold cyan]{'cached':>9}[/] firmware for {path.name} on {b.id} ({target})")
    if port:
        firmware = {Path(p).suffix: Path(p) for k, p in report["artifacts"].items() if k.startswith("firmware.")}
        console.print(f"[bold cyan]{'flash':>9}[/] {b.id} via {b.upload_method}…")
        flash(b, firmware, port)
    return DeployedModel.open(target, port=port)
