"""What a board on the desk needs, with stand-ins where no board is here:
- a pseudo-terminal standing in for the USB serial port, bridged to the simulated Pico, so the
  tty path of pyserial (termios, a device node) is the one exercised;
- a folder standing in for the RPI-RP2 bootloader drive for UF2 flashing;
- the upload command lines of the board files."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import tty
from pathlib import Path

import pytest

from pipeline.boards import load_board
from pipeline.errors import PipelineError
from pipeline.firmware.flash import find_uf2_drive, flash_uf2
from pipeline.paths import REPO_ROOT


def _bridge(master: int, sock: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        ready, _, _ = select.select([master, sock], [], [], 0.1)
        if master in ready:
            data = os.read(master, 4096)
            if data:
                sock.sendall(data)
        if sock in ready:
            data = sock.recv(4096)
            if not data:
                return
            os.write(master, data)


@pytest.mark.sim
def test_verify_over_a_tty_device(deployed_example: Path) -> None:
    from pipeline.device.sim.rp2040 import Rp2040Sim

    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()
    with Rp2040Sim(deployed_example / "firmware.bin") as sim:
        sock = socket.create_connection(("127.0.0.1", sim.port))
        bridge = threading.Thread(target=_bridge, args=(master, sock, stop), daemon=True)
        bridge.start()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pipeline", "verify", "--port", os.ttyname(slave),
                 "--model", str(deployed_example / "model_int8.tflite"), "--data", str(deployed_example / "data.npz"),
                 "--samples", "40", "--out", str(deployed_example / "verify_tty.json")],
                capture_output=True, text=True, cwd=REPO_ROOT, timeout=300,
            )
        finally:
            stop.set()
            bridge.join(2)
            sock.close()
            os.close(master)
            os.close(slave)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "bit-exact 40/40" in proc.stderr


def test_uf2_flash_copies_to_the_bootloader_drive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drive = tmp_path / "media" / "user" / "RPI-RP2"
    drive.mkdir(parents=True)
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    assert find_uf2_drive("RPI-RP2", roots=[str(tmp_path / "media")]) == drive
    monkeypatch.setenv("EAT_UF2_DRIVE", str(drive))
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(bytes(range(256)) * 4)
    result = flash_uf2(load_board("pico"), uf2)
    assert (drive / "firmware.uf2").read_bytes() == uf2.read_bytes()
    assert "RPI-RP2" in result.detail


def test_uf2_flash_without_a_drive_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EAT_UF2_DRIVE", str(tmp_path / "nothing"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no picotool either
    with pytest.raises(PipelineError, match="hold BOOTSEL"):
        flash_uf2(load_board("pico"), tmp_path / "firmware.uf2")


def test_port_auto_without_a_board_is_a_clear_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "verify", "--port", "auto", "--model", "x.tflite"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    if "found several" in proc.stderr or proc.returncode == 0:
        pytest.skip("a serial device is attached to this machine")
    assert proc.returncode == 2
    assert "--port auto found no USB serial device" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_port_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "verify", "--port", str(tmp_path / "ttyACM9"), "--model", "x.tflite"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    assert proc.returncode == 2
    assert "cannot open serial port" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "board_id, expected",
    [
        ("nucleo_f446re", ["st-flash", "--reset", "write", "/o/firmware.bin", "0x08000000"]),
        ("nucleo_f746zg", ["st-flash", "--reset", "write", "/o/firmware.bin", "0x08000000"]),
        ("esp32-c3-devkitm-1", ["esptool.py", "--chip", "esp32c3", "--port", "/dev/ttyUSB0", "write_flash", "0x0", "/o/firmware.bin"]),
    ],
)
def test_upload_commands_of_the_board_files(board_id: str, expected: list[str]) -> None:
    from pipeline.firmware.flash import upload_command

    firmware = {".bin": Path("/o/firmware.bin"), ".elf": Path("/o/firmware.elf")}
    assert upload_command(load_board(board_id), firmware, "/dev/ttyUSB0") == expected


def test_flash_tool_missing_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.firmware.flash import flash

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PipelineError, match="st-flash not found on PATH"):
        flash(load_board("nucleo_f446re"), {".bin": tmp_path / "firmware.bin"}, "/dev/ttyACM0")
