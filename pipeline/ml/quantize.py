"""Stage 3, quantize: full-integer int8 (int8 input and output) with a representative dataset.

In: a Keras model and `data.npz`. Out: `model_int8.tflite`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.data import Dataset
from pipeline.errors import PipelineError
from pipeline.ml.keras_io import load_keras
from pipeline.ml.quiet import native_output_to
from pipeline.ml.tfenv import import_tf, seed_everything

REPRESENTATIVE_SAMPLES = 300


@dataclass(frozen=True)
class QuantizeResult:
    tflite_path: Path
    size_bytes: int


def quantize_model(model_path: Path, data_path: Path, out_path: Path) -> QuantizeResult:
    tf = import_tf()
    seed_everything(0)
    model = load_keras(model_path)
    data = Dataset.load(data_path)
    expected = tuple(model.input_shape[1:])
    if tuple(data.x_train.shape[1:]) != expected:
        raise PipelineError(
            f"data x_train has samples shaped {tuple(data.x_train.shape[1:])} but the model takes {expected}; reshape the data"
        )
    samples = data.x_train[:REPRESENTATIVE_SAMPLES]

    def representative():
        for x in samples:
            yield [x[np.newaxis].astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    try:
        with native_output_to(out_path.parent / "tensorflow.log"):  # the converter's own prints
            flat = converter.convert()
    except Exception as exc:
        raise PipelineError(
            f"TFLite converter could not make {model_path.name} full-int8: {str(exc).strip().splitlines()[0]} "
            f"(the converter's own output is in {out_path.parent / 'tensorflow.log'}; --verbose shows it)"
        ) from exc
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(flat)
    return QuantizeResult(tflite_path=out_path, size_bytes=len(flat))
