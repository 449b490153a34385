"""The RV32IMC kernels (runtime/src/rv32/, core "rv32imc") against the TFLM oracle: random batches of
CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ops (tests/kernel_batches.py) compiled for rv32imc and run
on the host (the kernels are plain C99) and on the simulated ESP32-C3 (labwired), and whole models
(ad01, kws) on the simulated ESP32-C3."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.deploy import DeployOptions, deploy
from tests.conftest import reference_model
from tests.kernel_batches import batch_model
from tests.test_kernels_dense_sim import SIM_TOOLS, _have

BOARD = "esp32-c3-devkitm-1"
RV32_KERNELS = {"eat_conv2d_s8_rv32", "eat_depthwise_conv2d_s8_rv32", "eat_fully_connected_s8_rv32"}
# depth multiplier 2 is not an rv32 variant: the registry falls back to the portable kernel
ALLOWED = RV32_KERNELS | {"eat_depthwise_conv2d_s8_folded"}


def _sim_tools() -> None:
    if not all(_have(t) for t in SIM_TOOLS[BOARD]):
        pytest.skip(f"{BOARD} simulator tools absent (riscv64-unknown-elf-gcc, labwired)")


@pytest.mark.parametrize("seed", range(40, 43))
def test_rv32_kernels_bit_exact_on_host(seed: int, tmp_path: Path) -> None:
    from pipeline.compiler.compile import compile_model
    from pipeline.device.hostrun import HostModel
    from pipeline.tflite.oracle import Oracle

    buf = batch_model(seed, n_conv=8, n_dw=5, n_fc=5)
    (tmp_path / "m.tflite").write_bytes(buf)
    result = compile_model(tmp_path / "m.tflite", tmp_path / "out", core="rv32imc", weights="dense")
    kernels = collections.Counter(o.kernel for o in result.ops)
    assert set(kernels) <= ALLOWED and kernels["eat_conv2d_s8_rv32"] == 8 and \
        kernels["eat_fully_connected_s8_rv32"] == 5, kernels
    host, oracle = HostModel(tmp_path / "out"), Oracle(buf)
    rng = np.random.default_rng(seed)
    cases = [[np.full(d.shape, v, np.int8) for d in oracle.inputs] for v in (-128, 127)]
    cases += [[rng.integers(-128, 128, size=d.shape, dtype=np.int8) for d in oracle.inputs] for _ in range(4)]
    for i, xs in enumerate(cases):
        ours, ref = host.invoke(xs), oracle.invoke(xs)
        assert len(ours) == len(ref) == len(result.ops)
        for k, (a, b) in enumerate(zip(ours, ref)):
            assert np.array_equal(a.reshape(-1), np.asarray(b).reshape(-1).astype(np.int8)), \
                f"op {k} ({result.ops[k].kernel}) differs on input #{i}"


@pytest.mark.sim
def test_rv32_kernels_bit_exact_on_esp32c3(tmp_path: Path) -> None:
    _sim_tools()
    model = tmp_path / "batch.tflite"
    model.write_bytes(batch_model(13, n_conv=8, n_dw=6, n_fc=5))
    report = deploy(DeployOptions(board=BOARD, model=model, samples=6, out=tmp_path / "out", progress=False,
                                  weights="dense"))
    assert report["verify"]["bit_exact"] == report["verify"]["samples"] == 6, report["verify"]["first_mismatches"]
    info = json.loads((tmp_path / "out" / "c" / "compile.json").read_text())
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert set(used) <= ALLOWED and RV32_KERNELS <= set(used), used


@pytest.mark.sim
@pytest.mark.parametrize("name,samples", [("ad01_int8.tflite", 5), ("kws_ref_model.tflite", 2)])
def test_reference_model_bit_exact_on_esp32c3(name: str, samples: int, tmp_path: Path) -> None:
    _sim_tools()
    model = reference_model(name)
    report = deploy(DeployOptions(board=BOARD, model=model, samples=samples, out=tmp_path, progress=False))
    assert report["verify"]["bit_exact"] == samples, report["verify"]["first_mismatches"]
    info = json.loads((tmp_path / "c" / "compile.json").read_text())
    assert RV32_KERNELS & {op["kernel"] for op in info["ops"]}
