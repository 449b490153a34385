"""The per-core dense kernels against the TFLM oracle on the simulators: batches of random CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED ops in one model per firmware (tests/kernel_batches.py), on
nucleo_f446re (QEMU, the ARMv7E-M DSP kernels) and the ESP32-C3 (labwired, the RV32IMC kernels);
the same batches on the host (the portable kernels); whole reference models on nucleo_f446re."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from pipeline.compiler import kernels_registry
from pipeline.deploy import DeployOptions, deploy
from tests.conftest import have_tool, reference_model
from tests.kernel_batches import batch_model, pool_chain_model, skewed_avg_model
from tests.test_kernels_helpers import compile_and_compare

SIM_TOOLS = {"nucleo_f446re": ("arm-none-eabi-gcc", "qemu-system-arm"),
             "esp32-c3-devkitm-1": ("riscv64-unknown-elf-gcc", "labwired"),
             "pico": ("arm-none-eabi-gcc", "node")}
# board -> the kernels its batches must exercise (the registry's choice for its core)
EXPECTED = {
    "nucleo_f446re": {"eat_conv2d_s8_dsp", "eat_conv2d_s8_dsp16", "eat_depthwise_conv2d_s8_dsp", "eat_depthwise_conv2d_s8_dsp16",
                      "eat_fully_connected_s8_dsp", "eat_fully_connected_s8_dsp4", "eat_fully_connected_s8_dsp16"},
    "esp32-c3-devkitm-1": {"eat_conv2d_s8_rv32", "eat_depthwise_conv2d_s8_rv32", "eat_fully_connected_s8_rv32"},
}
# the portable kernels the host (core "generic") gets
GENERIC = {"eat_conv2d_s8_folded", "eat_conv2d_1x1_s8_folded", "eat_depthwise_conv2d_s8_folded",
           "eat_fully_connected_s8_folded"}


def _have(tool: str) -> bool:
    if tool == "labwired":   # a Python package, not a program on PATH
        try:
            import labwired  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        except ImportError:
            return False
        return True
    return have_tool(tool)


def _run(board: str, buf: bytes, tmp_path: Path, samples: int) -> dict:
    model = tmp_path / "batch.tflite"
    model.write_bytes(buf)
    report = deploy(DeployOptions(board=board, model=model, samples=samples, out=tmp_path / "out", progress=False,
                                  weights="dense"))   # the dense kernels: the batches' zeros must not go sparse
    v = report["verify"]
    assert v["samples"] == samples
    assert v["bit_exact"] == samples, v["first_mismatches"]
    return json.loads((tmp_path / "out" / "c" / "compile.json").read_text())


@pytest.mark.sim
@pytest.mark.parametrize("board,seed", [("nucleo_f446re", 11), ("nucleo_f446re", 12), ("esp32-c3-devkitm-1", 11)])
def test_random_dense_ops_bit_exact_on_simulator(board: str, seed: int, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed 11 on the M4: the FCs take int16 weights (dsp16, within the model's budget); seed 12 with
    no int16 budget: the int8 FC kernels (dsp4 where in_depth % 4 == 0, else dsp)."""
    if not all(_have(t) for t in SIM_TOOLS[board]):
        pytest.skip(f"{board} simulator tools absent")
    if seed == 12:
        monkeypatch.setattr(kernels_registry, "FC_W16_EXTRA_BYTES", 0)
    info = _run(board, batch_model(seed, n_conv=7, n_dw=5, n_fc=8), tmp_path, samples=8)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert EXPECTED[board] & set(used), used
    if board == "nucleo_f446re":   # every op of these batches fits a DSP variant except depth multiplier 2
        assert used["eat_conv2d_s8_dsp16"] == 7, used
        if seed == 12:
            assert used["eat_fully_connected_s8_dsp"] + used["eat_fully_connected_s8_dsp4"] == 8, used
            assert used["eat_fully_connected_s8_dsp4"] >= 2, used
        else:
            assert used["eat_fully_connected_s8_dsp16"] == 8, used


@pytest.mark.sim
def test_random_depthwise_ops_bit_exact_on_nucleo(tmp_path: Path) -> None:
    """Depthwise batches on the M4: eat_depthwise_conv2d_s8_dsp16 (out_c % 4 == 0, strides, dilation,
    SAME / VALID padding, 1x1 to 5x5) and its fallbacks (other channel counts, depth multiplier 2)."""
    if not all(_have(t) for t in SIM_TOOLS["nucleo_f446re"]):
        pytest.skip("arm-none-eabi-gcc / qemu-system-arm absent")
    info = _run("nucleo_f446re", batch_model(31, n_conv=1, n_dw=16, n_fc=0), tmp_path, samples=6)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used["eat_depthwise_conv2d_s8_dsp16"] >= 4 and used["eat_depthwise_conv2d_s8_dsp"] >= 1, used


# quirk: "" every channel takes the short requantisation; "big_bias": channel 0's bias ~2^29 pins its
# outputs (a constant channel inside the short form); "wide_scale": channel 0's shift >= 0 (general form)
QUIRKS = {"": {}, "big_bias": {"big_bias": True}, "wide_scale": {"wide_scale": True}}


@pytest.mark.sim
@pytest.mark.parametrize("seed,quirk", [(51, ""), (52, "big_bias"), (53, "wide_scale")])
def test_random_3x3_depthwise_ops_bit_exact_on_nucleo(seed: int, quirk: str, tmp_path: Path) -> None:
    """The 9-tap assembly paths of eat_depthwise_conv2d_s8_dsp16: 3x3, 4-64 channels, strides, dilation,
    SAME / VALID, the three activations (full range: no clamp); the short requantisation inside the
    assembly loop (with a constant channel for "big_bias"), the general one after it ("wide_scale")."""
    if not all(_have(t) for t in SIM_TOOLS["nucleo_f446re"]):
        pytest.skip("arm-none-eabi-gcc / qemu-system-arm absent")
    info = _run("nucleo_f446re", batch_model(seed, n_conv=0, n_dw=14, n_fc=0, dw3x3=True, **QUIRKS[quirk]),
                tmp_path, samples=6)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used["eat_depthwise_conv2d_s8_dsp16"] == 14, used


@pytest.mark.sim
@pytest.mark.parametrize("seed,quirk", [(61, ""), (62, "big_bias"), (63, "wide_scale")])
def test_random_conv_ops_c4_bit_exact_on_nucleo(seed: int, quirk: str, tmp_path: Path) -> None:
    """eat_conv2d_s8_dsp16's two-pixel assembly path (filters a multiple of 4, short requantisation inside
    the loop; an odd last pixel through mac4x2 and the packed constants; inputs of 1-3 channels gathered
    through the offset table inside, im2col at the border): 1x1 to 5x5 windows, strides, dilation,
    SAME / VALID, odd and even pixel counts, the three activations; quirks as above."""
    if not all(_have(t) for t in SIM_TOOLS["nucleo_f446re"]):
        pytest.skip("arm-none-eabi-gcc / qemu-system-arm absent")
    info = _run("nucleo_f446re", batch_model(seed, n_conv=14, n_dw=0, n_fc=0, oc4=True, **QUIRKS[quirk]),
                tmp_path, samples=6)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used["eat_conv2d_s8_dsp16"] == 14, used


@pytest.mark.sim
def test_random_add_ops_bit_exact_on_nucleo(tmp_path: Path) -> None:
    """eat_add_s8_dsp (tabulated input rescalings, short output requantisation 4 elements per word, a tail
    of 1-3 elements) and its fallbacks (fewer than 256 elements, output shifts outside [-22, -1])."""
    if not all(_have(t) for t in SIM_TOOLS["nucleo_f446re"]):
        pytest.skip("arm-none-eabi-gcc / qemu-system-arm absent")
    info = _run("nucleo_f446re", batch_model(71, n_conv=0, n_dw=0, n_fc=0, n_add=16), tmp_path, samples=6)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used["eat_add_s8_dsp"] == 16, used


@pytest.mark.sim
@pytest.mark.parametrize("board, seed, kernel", [("nucleo_f446re", 81, "eat_max_pool2d_s8_dsp"),
                                                 ("nucleo_f446re", 82, "eat_max_pool2d_s8_dsp"),
                                                 ("esp32-c3-devkitm-1", 83, "eat_max_pool2d_s8_rv32")])
def test_random_max_pool_ops_bit_exact_on_simulator(board: str, seed: int, kernel: str, tmp_path: Path) -> None:
    """eat_max_pool2d_s8_dsp (four channels per word by SSUB8 + SEL, the last channels % 4 byte by byte) and
    eat_max_pool2d_s8_rv32 (a pointer per tap, 2x2 straight-line) over random windows, strides, SAME / VALID
    padding, channel counts and activations, some pools fed by the pool before them."""
    if not all(_have(t) for t in SIM_TOOLS[board]):
        pytest.skip(f"{' / '.join(SIM_TOOLS[board])} absent")
    info = _run(board, batch_model(seed, n_conv=0, n_dw=0, n_fc=0, n_pool=16), tmp_path, samples=6)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used[kernel] == 16, used


@pytest.mark.sim
@pytest.mark.parametrize("board, seed, kernel", [("nucleo_f446re", 85, "eat_avg_pool2d_s8_dsp"),
                                                 ("nucleo_f446re", 86, "eat_avg_pool2d_s8_dsp"),
                                                 ("pico", 87, "eat_avg_pool2d_s8_armv6m")])
def test_random_avg_pool_ops_bit_exact_on_simulator(board: str, seed: int, kernel: str, tmp_path: Path) -> None:
    """eat_avg_pool2d_s8_dsp (int16-lane sums by SXTAB16, TFLM's rounded division per channel) and
    eat_avg_pool2d_s8_armv6m (x + 128 in 16-bit lanes, channels % 4 == 0 and aligned inputs) over random
    windows, strides, padding (clipped edge windows: fewer taps), channel counts and activations, and global
    pools of 144-400 taps (beyond 256 / 257: the int32 sums)."""
    if not all(_have(t) for t in SIM_TOOLS[board]):
        pytest.skip(f"{' / '.join(SIM_TOOLS[board])} absent")
    info = _run(board, batch_model(seed, n_conv=0, n_dw=0, n_fc=0, n_avg=16), tmp_path, samples=6)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used[kernel] == 16, used


@pytest.mark.sim
@pytest.mark.parametrize("board, size, kernels", [
    ("nucleo_f446re", 19, ["eat_max_pool2d_s8_dsp", "eat_avg_pool2d_s8_dsp"]),
    ("nucleo_f446re", 24, ["eat_max_pool2d_s8_dsp", "eat_avg_pool2d_s8_dsp"]),
    ("pico", 19, ["eat_max_pool2d_s8_armv6m", "eat_avg_pool2d_s8_armv6m"]),
    ("pico", 24, ["eat_max_pool2d_s8_armv6m", "eat_avg_pool2d_s8_armv6m"])])
def test_avg_pool_sums_near_and_past_int16_on_simulator(board: str, size: int, kernels: list[str],
                                                         tmp_path: Path) -> None:
    """Global averages of 256 taps (sums near the 16-bit lanes' bound: on the M0+ x + 128 near 238 each) and of
    441 (past it: the int32 sums) over a max pool's high outputs, bit-exact."""
    if not all(_have(t) for t in SIM_TOOLS[board]):
        pytest.skip(f"{' / '.join(SIM_TOOLS[board])} absent")
    info = _run(board, skewed_avg_model(size), tmp_path, samples=6)
    assert [op["kernel"] for op in info["ops"]] == kernels


@pytest.mark.sim
@pytest.mark.parametrize("board, core, seed, kernel", [
    ("nucleo_f446re", "cortex-m4", 104, "eat_max_pool2d_s8_dsp"), ("nucleo_f446re", "cortex-m4", 123, "eat_max_pool2d_s8_dsp"),
    ("esp32-c3-devkitm-1", "rv32imc", 104, "eat_max_pool2d_s8_rv32")])
def test_max_pool_output_over_its_input_on_simulator(board: str, core: str, seed: int, kernel: str,
                                                     tmp_path: Path) -> None:
    """A chain of pools whose first output the planner lays over its input (checked on the plan): the kernels
    read a word's (DSP) or a channel's (RV32) taps before writing it, as planner.window_delta assumes."""
    from pipeline.compiler.compile import lower_model, plan_model
    from pipeline.tflite.model import load

    if not all(_have(t) for t in SIM_TOOLS[board]):
        pytest.skip(f"{' / '.join(SIM_TOOLS[board])} absent")
    buf = pool_chain_model(seed)
    (tmp_path / "chain.tflite").write_bytes(buf)
    m = load(tmp_path / "chain.tflite")
    plan = plan_model(m, lower_model(m, core))
    op = m.operators[0]
    i, o = plan.tensor_offset[op.inputs[0]], plan.tensor_offset[op.outputs[0]]
    assert o < i + m.tensors[op.inputs[0]].nbytes and i < o + m.tensors[op.outputs[0]].nbytes
    info = _run(board, buf, tmp_path, samples=6)
    assert {op["kernel"] for op in info["ops"]} == {kernel}


@pytest.mark.sim
def test_general_requantisation_path_on_nucleo(tmp_path: Path) -> None:
    """Channel 0 of every op gets a multiplier of 1-4 (shift >= 0, outputs not constant): the dsp16
    kernels cannot use the short form, so the whole layer takes the general requantisation (eat_rq)."""
    if not all(_have(t) for t in SIM_TOOLS["nucleo_f446re"]):
        pytest.skip("arm-none-eabi-gcc / qemu-system-arm absent")
    info = _run("nucleo_f446re", batch_model(41, n_conv=6, n_dw=8, n_fc=0, wide_scale=True), tmp_path, samples=4)
    used = collections.Counter(op["kernel"] for op in info["ops"])
    assert used["eat_conv2d_s8_dsp16"] == 6 and used["eat_depthwise_conv2d_s8_dsp16"] >= 2, used


@pytest.mark.parametrize("seed", range(20, 24))
def test_random_dense_ops_bit_exact_on_host(seed: int, tmp_path: Path) -> None:
    info = compile_and_compare(batch_model(seed, n_conv=7, n_dw=5, n_fc=4), tmp_path, n_inputs=6, weights="dense")
    kernels = {o.kernel for o in info["result"].ops}
    assert kernels <= GENERIC, kernels


@pytest.mark.sim
@pytest.mark.parametrize("name,samples", [("ad01_int8.tflite", 5), ("kws_ref_model.tflite", 5),
                                          ("pretrainedResnet_quant.tflite", 2), ("vww_96_int8.tflite", 2)])
def test_reference_model_bit_exact_on_nucleo(name: str, samples: int, tmp_path: Path) -> None:
    if not all(_have(t) for t in SIM_TOOLS["nucleo_f446re"]):
        pytest.skip("arm-none-eabi-gcc / qemu-system-arm absent")
    model = reference_model(name)
    report = deploy(DeployOptions(board="nucleo_f446re", model=model, samples=samples, out=tmp_path, progress=False))
    assert report["verify"]["bit_exact"] == samples, report["verify"]["first_mismatches"]
