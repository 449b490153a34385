"""The .tflite reader and compiler on mutated reference models (truncated, bit-flipped, out-of-range
indices, absurd shapes, cycles): a PipelineError line or a compiled model, never another exception,
a hang or a huge allocation. A short deterministic run; scripts/fuzz-tflite runs 10 minutes."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.paths import REPO_ROOT
from tests.conftest import reference_model

MODELS = ("hello_world_int8.tflite", "ad01_int8.tflite", "kws_ref_model.tflite", "simple_add_model.tflite")
CASES = 240


def test_mutated_models_give_one_pipeline_error_line_or_compile() -> None:
    models = [str(reference_model(m)) for m in MODELS]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.tflite_fuzz", *models, "--cases", str(CASES), "--first-seed", "1000"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=600,
    )
    report = json.loads(proc.stdout)
    assert report["cases"] == CASES
    assert report["findings"] == [], json.dumps(report["findings"][:3], indent=1)
    assert proc.returncode == 0, proc.stderr[-2000:]
