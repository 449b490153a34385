"""QEMU (`qemu-system-arm`) as a board simulator, with one UART on a local TCP socket.

    with QemuSim("firmware.elf", machine="netduinoplus2", serial_index=1) as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT, e.g. USART2

The socket is bound and listening here, before QEMU starts, and handed to QEMU as a file
descriptor (`-chardev socket,fd=N,server=on`): no port race, and the URL is known at once.
`-icount shift=0,align=off,sleep=off` makes every instruction take 1 ns of virtual time, so
SysTick-derived counts are deterministic; the firmware must sleep (wfi + RX interrupt) while it
waits for input, or idle polling burns virtual and host time.
QEMU runs in its own process group; the whole group is ended on exit (pipeline/device/sim/process.py).
With EAT_SIM_PC_PROFILE=PREFIX in the environment QEMU also logs every translated block and every block it runs
(`-d in_asm,exec,nochain`) to PREFIX.<n>.qemu.log: scripts/pc_profile.py sums it into instructions per function.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.device.sim.process import SimProcess

QEMU = "qemu-system-arm"
ICOUNT = "shift=0,align=off,sleep=off"
START_CHECK_S = 0.3  # how long QEMU must stay up after starting to count as started


PC_PROFILE_ENV = "EAT_SIM_PC_PROFILE"


def qemu_command(qemu: str, elf: Path, machine: str, serial_index: int, fd: int, trace: Path | None = None) -> list[str]:
    """The QEMU command line: serial ports before `serial_index` go to null, that one to the socket; `trace`: the
    block log of a PC profile."""
    return [
        qemu, "-M", machine, "-nographic", "-nodefaults", "-monitor", "none",
        "-icount", ICOUNT,
        "-kernel", str(elf),
        "-chardev", f"socket,id=eatuart,fd={fd},server=on,wait=off",
        *(["-serial", "null"] * serial_index), "-serial", "chardev:eatuart",
        "-nic", "none",
        *(["-d", "in_asm,exec,nochain", "-D", str(trace)] if trace else []),
    ]


def trace_path(elf: Path) -> Path | None:
    """Where a PC profile's block log goes (PREFIX.<n>.qemu.log, the ELF's path beside it in .image), or None."""
    prefix = os.environ.get(PC_PROFILE_ENV)
    if not prefix:
        return None
    n = 0
    while Path(f"{prefix}.{n}.qemu.log").exists():
        n += 1
    path = Path(f"{prefix}.{n}.qemu.log")
    path.with_suffix(".image").write_text(str(elf.resolve()) + "\n")
    return path


class QemuSim(SimProcess):
    """Start QEMU on an ELF and expose one of its UARTs as a pyserial URL."""

    usage = "with QemuSim(elf, machine) as sim:"

    def __init__(self, elf: str | os.PathLike[str], machine: str, serial_index: int = 0) -> None:
        super().__init__(START_CHECK_S)
        self.elf = Path(elf)
        self.machine = machine
        self.serial_index = serial_index

    @property
    def name(self) -> str:
        return f"QEMU ({self.machine})"

    def _launch(self) -> int:
        qemu = shutil.which(QEMU)
        if qemu is None:
            raise PipelineError(f"{QEMU} is not on PATH: the STM32 simulators need it (apt-get install qemu-system-arm)")
        if not self.elf.is_file():
            raise PipelineError(f"firmware {self.elf} does not exist; build it first (`pio run`)")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            fd = listener.fileno()
            proc = self._spawn(qemu_command(qemu, self.elf, self.machine, self.serial_index, fd, trace_path(self.elf)),
                               pipe_stdout=False, pass_fds=[fd])
            port: int = listener.getsockname()[1]
        finally:
            listener.close()  # QEMU holds its own copy of the listening socket
        # The port is known at once; give QEMU a moment to fail on a bad machine or image.
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None:
            raise PipelineError(self._died_message() or f"{self.name} exited at once with status 0")
        return port
