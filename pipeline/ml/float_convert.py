"""A Keras model to a float32 `.tflite` with the plain converter (no quantization), as the
tutorials do: `tf.lite.TFLiteConverter.from_keras_model(model).convert()`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.ml.keras_io import load_keras
from pipeline.ml.tfenv import import_tf, seed_everything


@dataclass(frozen=True)
class FloatConvertResult:
    tflite_path: Path
    size_bytes: int


def convert_float(model_path: Path, out_path: Path) -> FloatConvertResult:
    tf = import_tf()
    seed_everything(0)
    model = load_keras(Path(model_path))
    try:
        flat = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise PipelineError(f"TFLite converter could not convert {Path(model_path).name}: {first}") from exc
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(flat)
    return FloatConvertResult(out_path, len(flat))
