"""Every simulated board, end to end: the example model deployed with `deploy` (compile, render,
offline build, simulator, verify against TFLM) must come back bit-exact on 100 samples; and a
board without a reachable toolchain must stop with one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.deploy import DeployOptions, deploy
from pipeline.errors import PipelineError

SAMPLES = 100

# board id -> what it needs on PATH / in the venv
BOARDS = {
    "pico": ("arm-none-eabi-gcc", "node"),
    "nucleo_f446re": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "nucleo_f746zg": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "esp32-c3-devkitm-1": ("riscv64-unknown-elf-gcc", "labwired"),
}


def _missing(needs: tuple[str, ...]) -> list[str]:
    missing = []
    for need in needs:
        if need == "labwired":
            try:
                import labwired  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
            except ImportError:
                missing.append("labwired (pip install -r requirements.txt)")
        elif shutil.which(need) is None:
            missing.append(need)
    return missing


@pytest.mark.parametrize("board", list(BOARDS))
def test_deploy_bit_exact_in_simulation(board: str, example_dir: Path, tmp_path: Path) -> None:
    missing = _missing(BOARDS[board])
    if missing:
        pytest.skip(f"{board}: not available here: {', '.join(missing)}")
    opts = DeployOptions(
        board=board,
        model=example_dir / "model_int8.tflite",
        data=example_dir / "data.npz",
        samples=SAMPLES,
        out=tmp_path / board,
        progress=False,
    )
    report = deploy(opts)
    v = report["verify"]
    assert v["samples"] == SAMPLES
    assert v["bit_exact"] == v["samples"] == SAMPLES
    assert report["latency"]["cycles_median"] > 0
    print(f"\n{board}: {v['bit_exact']}/{v['samples']} bit-exact, median {report['latency']['cycles_median']:,} cycles")


def test_xtensa_board_stops_with_a_clear_message(example_dir: Path, tmp_path: Path) -> None:
    opts = DeployOptions(
        board="esp32dev",
        model=example_dir / "model_int8.tflite",
        data=example_dir / "data.npz",
        samples=SAMPLES,
        out=tmp_path / "esp32dev",
        progress=False,
    )
    with pytest.raises(PipelineError) as info:
        deploy(opts)
    message = str(info.value)
    assert "\n" not in message
    assert "Xtensa" in message or "xtensa" in message
    assert "not available here" in message
    assert "pio run -d" in message and "espressif32" in message
    # render worked: the project for the official platform is there
    ini = (tmp_path / "esp32dev" / "firmware" / "platformio.ini").read_text()
    assert "platform = espressif32" in ini and "framework = espidf" in ini
