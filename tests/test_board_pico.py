"""Board support for the Raspberry Pi Pico: offline PlatformIO build, boot2/UF2 images, and the
self-test firmware running in rp2040js behind a pyserial socket:// URL."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FLASH_BASE = 0x10000000
UF2_FAMILY_RP2040 = 0xE48BFF56

pytestmark = [
    pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None, reason="arm-none-eabi-gcc not on PATH (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"),
    pytest.mark.skipif(shutil.which("node") is None, reason="node not on PATH (the rp2040js simulator needs Node.js)"),
]


def crc32_mpeg2(data: bytes) -> int:
    """Independent of the builder's: poly 0x04C11DB7, init 0xFFFFFFFF, MSB first, no final xor."""
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if c & 0x80000000 else (c << 1) & 0xFFFFFFFF
        table.append(c)
    crc = 0xFFFFFFFF
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) ^ b) & 0xFF]
    return crc


def pio_exe() -> str:
    local = Path(sys.executable).parent / "pio"
    return str(local) if local.exists() else (shutil.which("pio") or "pio")


@pytest.fixture(scope="module")
def firmware(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    build_dir = tmp_path_factory.mktemp("pio_build")
    env = dict(os.environ, PLATFORMIO_DISABLE_UPGRADE_CHECK="true", PLATFORMIO_SETTING_ENABLE_TELEMETRY="No", PLATFORMIO_BUILD_DIR=str(build_dir))
    res = subprocess.run([pio_exe(), "run", "-d", str(REPO), "-e", "pico"], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Flash:" in res.stdout and "RAM:" in res.stdout, "size reporting missing"
    out = build_dir / "pico"
    return {ext: out / f"firmware{ext}" for ext in (".elf", ".bin", ".uf2")}


def test_boot2_crc_in_bin_and_elf(firmware: dict[str, Path]) -> None:
    data = firmware[".bin"].read_bytes()
    assert len(data) > 256
    (stored,) = struct.unpack_from("<I", data, 252)
    assert stored == crc32_mpeg2(data[:252])
    elf_boot2 = firmware[".bin"].with_suffix(".boot2.bin")
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".boot2", str(firmware[".elf"]), str(elf_boot2)], check=True)
    assert elf_boot2.read_bytes() == data[:256]


def test_vector_table_follows_boot2(firmware: dict[str, Path]) -> None:
    data = firmware[".bin"].read_bytes()
    sp, reset = struct.unpack_from("<II", data, 0x100)
    assert sp == 0x20040000
    assert reset & 1 and FLASH_BASE + 0x100 < reset < FLASH_BASE + len(data)


def test_uf2_blocks_well_formed(firmware: dict[str, Path]) -> None:
    data = firmware[".bin"].read_bytes()
    uf2 = firmware[".uf2"].read_bytes()
    n = (len(data) + 255) // 256
    assert len(uf2) == 512 * n
    for i in range(n):
        blk = uf2[512 * i : 512 * (i + 1)]
        m0, m1, flags, addr, size, blockno, nblocks, family = struct.unpack_from("<8I", blk, 0)
        assert (m0, m1, struct.unpack_from("<I", blk, 508)[0]) == (0x0A324655, 0x9E5D5157, 0x0AB16F30)
        assert flags == 0x2000 and family == UF2_FAMILY_RP2040
        assert (addr, size, blockno, nblocks) == (FLASH_BASE + 256 * i, 256, i, n)
        assert blk[32 : 32 + 256] == data[256 * i : 256 * (i + 1)].ljust(256, b"\0")


def test_selftest_echo_and_cycles_in_rp2040js(firmware: dict[str, Path]) -> None:
    import serial

    from pipeline.device.sim.rp2040 import Rp2040Sim

    with Rp2040Sim(firmware[".bin"]) as sim:
        port = serial.serial_for_url(sim.url, timeout=10)
        try:
            port.write(b"A")
            assert port.read(1) == b"B"
            # more than the 32-byte RX FIFO at once: the runner must queue, not drop
            burst = bytes(b for b in range(256) if b != ord("c")) * 2
            port.write(burst)
            assert port.read(len(burst)) == bytes((b + 1) & 0xFF for b in burst)
            t0 = time.perf_counter()
            for _ in range(50):
                port.write(b"x")
                assert port.read(1) == b"y"
            rtt_ms = (time.perf_counter() - t0) / 50 * 1000
            port.write(b"c")
            line = port.readline()
            assert line.endswith(b"\n"), line
            cycles = int(line)
            assert 1000 <= cycles <= 100000, cycles
            print(f"\nrp2040js: UART round trip {rtt_ms:.2f} ms, 1000-iteration loop {cycles} cycles")
        finally:
            port.close()
        sim.check()


def test_sim_reports_firmware_fault(firmware: dict[str, Path], tmp_path: Path) -> None:
    from pipeline.errors import PipelineError
    from pipeline.device.sim.rp2040 import Rp2040Sim

    # boot2, then a vector table whose reset vector points into erased flash (0xffff opcodes)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(firmware[".bin"].read_bytes()[:256] + struct.pack("<II", 0x20040000, FLASH_BASE + 0x201))
    with pytest.raises(PipelineError, match="unknown instruction"):
        with Rp2040Sim(bad) as sim:
            deadline = time.monotonic() + 10
            while sim.alive() and time.monotonic() < deadline:
                time.sleep(0.02)


def test_sim_missing_rp2040js_is_a_pipeline_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.device.sim.rp2040 as simmod
    from pipeline.errors import PipelineError

    monkeypatch.setattr(simmod, "SIM_DIR", tmp_path)
    with pytest.raises(PipelineError, match="npm ci --prefix sim/rp2040"):
        simmod.Rp2040Sim(tmp_path / "x.bin").start()
