"""Every deploy argument checked before any work: one PipelineError line naming the problem and the fix."""

from __future__ import annotations

import json
import math
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from pipeline.data import Dataset
from pipeline.errors import PipelineError

MODEL_SUFFIXES = (".keras", ".h5", ".tflite")


def check_samples(samples: int | None) -> None:
    if samples is not None and samples <= 0:
        raise PipelineError(f"--samples {samples}: give a positive number of test inputs to verify, e.g. --samples 100")


def check_sparsity(sparsity: float | None) -> None:
    if sparsity is not None and not (math.isfinite(sparsity) and 0.0 <= sparsity < 1.0):
        raise PipelineError(f"--sparsity {sparsity}: give a pruning target in [0, 1), e.g. 0.8 (0 skips pruning)")


def check_port(port: str | None) -> None:
    """A device path must exist; a pyserial URL (socket://, loop://, rfc2217://) and `auto` are checked on use."""
    if port is None or port == "auto" or "://" in port:
        return
    if not Path(port).exists():
        raise PipelineError(f"cannot open serial port {port}: no such serial device; plug the board in, or give the right one with --port (or --port auto)")


def check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PipelineError(f"--out {out} is a file; give a directory for the artifacts")
    existing = next((p for p in [out, *out.parents] if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise PipelineError(f"--out {out}: {existing} is a file, not a directory; give another --out")
    if existing is not None and not _writable(existing):
        raise PipelineError(f"--out {out}: {existing} is not writable; give a directory you can write to")


def check_model_file(model: Path | None) -> None:
    if model is None:
        return
    if not model.exists():
        raise PipelineError(f"model file {model} not found; pass --model with a .keras, .h5 or int8 .tflite file")
    if not model.is_file():
        raise PipelineError(f"--model {model} is a directory; pass a .keras, .h5 or int8 .tflite file")
    if model.suffix not in MODEL_SUFFIXES:
        raise PipelineError(f"--model {model}: expected a Keras model (.keras, .h5) or an int8 .tflite")
    if model.stat().st_size == 0:
        raise PipelineError(f"--model {model} is empty (0 bytes); export the model again")
    if model.suffix == ".tflite":
        from pipeline.tflite.model import load

        load(model)  # a damaged flatbuffer is refused here, before anything is written


def _writable(directory: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def _tflite_io(model: Path) -> tuple[tuple[int, ...], int]:
    """The int8 .tflite's input sample shape (no batch) and its output size, without TensorFlow."""
    from pipeline.tflite.model import load

    m = load(model)
    if len(m.inputs) != 1 or len(m.outputs) < 1:
        return (), 0
    tin, tout = m.tensors[m.inputs[0]], m.tensors[m.outputs[0]]
    return tuple(tin.shape[1:]), int(np.prod(tout.shape)) if tout.shape else 1


def _keras_input_shape(model: Path) -> tuple[int, ...] | None:
    """The input sample shape from a .keras archive's config.json, when it says one plainly."""
    if model.suffix != ".keras":
        return None
    try:
        with zipfile.ZipFile(model) as z:
            config = json.loads(z.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise PipelineError(f"--model {model} is not a readable .keras archive; save it with model.save('model.keras')") from None
    try:
        first = config["config"]["layers"][0]["config"]
        shape = first.get("batch_shape") or first.get("batch_input_shape")
        return tuple(int(d) for d in shape[1:])
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None  # a layout this check does not know: the build stages will tell


def check_data(data: Path | None, model: Path | None) -> None:
    if data is None:
        return
    if model is None:
        raise PipelineError("--data needs --model: the built-in example brings its own data; give --model too, or drop --data")
    ds = Dataset.load(data)
    for name in ("x_train", "x_test"):
        x = getattr(ds, name)
        if len(x) == 0:
            raise PipelineError(f"data file {data}: {name} is empty; give at least one sample")
        if not np.all(np.isfinite(x)):
            bad = int(np.count_nonzero(~np.isfinite(x)))
            raise PipelineError(f"data file {data}: {name} holds {bad} NaN or infinite values; clean or drop those samples")
    if ds.x_train.shape[1:] != ds.x_test.shape[1:]:
        raise PipelineError(f"data file {data}: x_train samples are {ds.x_train.shape[1:]}, x_test {ds.x_test.shape[1:]}; give one sample shape")
    with np.load(data) as npz:
        raw_labels = np.concatenate([np.asarray(npz["y_train"]).ravel(), np.asarray(npz["y_test"]).ravel()])
    if raw_labels.dtype.kind == "f" and not np.all(np.isfinite(raw_labels) & (raw_labels == np.round(raw_labels))):
        raise PipelineError(f"data file {data}: labels y_* are not whole numbers; give integer class labels")
    if raw_labels.dtype.kind not in "iubf":
        raise PipelineError(f"data file {data}: labels y_* are {raw_labels.dtype}; give integer class labels")
    if raw_labels.size and raw_labels.min() < 0:
        raise PipelineError(f"data file {data}: a label is {int(raw_labels.min())}; class labels start at 0")
    if model.suffix == ".tflite":
        shape, classes = _tflite_io(model)
    else:
        shape, classes = _keras_input_shape(model), 0
    if shape and int(np.prod(ds.x_test.shape[1:])) != int(np.prod(shape)):
        raise PipelineError(f"data file {data}: samples are shaped {ds.x_test.shape[1:]}, the model input {shape}; give data for this model")
    if classes > 1 and raw_labels.size and raw_labels.max() >= classes:
        raise PipelineError(f"data file {data}: label {int(raw_labels.max())} is out of range for a model with {classes} outputs (0..{classes - 1}); check the labels")


def check_deploy_args(model: Path | None, data: Path | None, sparsity: float | None, samples: int | None,
                      port: str | None, out: Path, flash: bool) -> None:
    """All of deploy's arguments, cheapest first; raises on the first problem."""
    check_samples(samples)
    check_sparsity(sparsity)
    if not flash and port is None:
        raise PipelineError("--no-flash needs --port: it verifies a board that already runs the firmware; give --port or drop --no-flash")
    check_port(port)
    check_out(out)
    check_model_file(model)
    check_data(data, model)
