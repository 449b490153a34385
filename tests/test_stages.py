"""Each Python stage alone: example, prune, quantize, convert, boards, render, fit check, data."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from pipeline.boards import load_board
from pipeline.firmware.build import check_fit
from pipeline.compiler.convert import convert_tflite
from pipeline.data import Dataset
from pipeline.errors import PipelineError
from pipeline.tflite.oracle import Oracle
from pipeline.device.verify import quantize_inputs


def test_example_prune_quantize(example_dir: Path) -> None:
    import json

    from pipeline.ml.keras_io import load_keras
    from pipeline.ml.prune import measure_sparsity

    prune = json.loads((example_dir / "prune.json").read_text())
    assert prune["float_accuracy"] > 0.93
    assert prune["pruned_accuracy"] > 0.88
    for layer in prune["layers"]:  # every Dense/Conv kernel reaches the 0.8 target
        assert 0.78 <= layer["zero_fraction"] <= 0.82, layer
    # the float baseline was not touched by pruning
    baseline = measure_sparsity(load_keras(example_dir / "model.keras"))
    assert all(l.zero_fraction < 0.05 for l in baseline)

    oracle = Oracle(example_dir / "model_int8.tflite")
    assert oracle.inputs[0].dtype == np.int8 and oracle.outputs[0].dtype == np.int8
    data = Dataset.load(example_dir / "data.npz")
    spec = oracle.inputs[0]
    hits = [
        int(np.argmax(oracle.invoke([quantize_inputs(x, spec.scale, spec.zero_point)[None]])[0])) == int(y)
        for x, y in zip(data.x_test[:150], data.y_test[:150])
    ]
    assert np.mean(hits) > 0.88


def test_convert_writes_the_exact_bytes(tmp_path: Path, example_dir: Path) -> None:
    tflite = example_dir / "model_int8.tflite"
    r = convert_tflite(tflite, tmp_path)
    text = r.source.read_text()
    body = text[text.index("{") + 1 : text.rindex("}")]
    values = bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body))
    assert values == tflite.read_bytes()
    assert "aligned(16)" in text and "const uint8_t g_model[]" in text
    assert hashlib.sha256(values).hexdigest() in text and tflite.name in text
    assert f"g_model_len = {len(values)}u" in text
    assert "extern const uint8_t g_model[]" in r.header.read_text()


def test_convert_rejects_non_tflite(tmp_path: Path) -> None:
    bogus = tmp_path / "x.tflite"
    bogus.write_bytes(b"not a flatbuffer at all")
    with pytest.raises(PipelineError, match="not a TFLite flatbuffer"):
        convert_tflite(bogus, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_boards() -> None:
    pico = load_board("pico")
    assert (pico.core, pico.clock_hz, pico.hal) == ("cortex-m0plus", 125_000_000, "rp2040")
    assert load_board("rp2040").id == "pico"  # alias
    with pytest.raises(PipelineError, match="unknown board 'uno'.*pico"):
        load_board("uno")


def test_fit_check_names_the_numbers() -> None:
    pico = load_board("pico")
    check_fit(pico, arena_bytes=100_000, weights_bytes=500_000)
    with pytest.raises(PipelineError, match=r"arena 300,000 B .* 270,336 B RAM"):
        check_fit(pico, arena_bytes=300_000, weights_bytes=1000)
    with pytest.raises(PipelineError, match=r"weights 3,000,000 B .* 2,097,152 B flash"):
        check_fit(pico, arena_bytes=1000, weights_bytes=3_000_000)


def test_data_errors(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="not found"):
        Dataset.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((2, 3)), y_train=np.zeros(2))
    with pytest.raises(PipelineError, match="lacks x_test, y_test"):
        Dataset.load(tmp_path / "partial.npz")
