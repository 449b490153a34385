"""QEMU (`qemu-system-arm`) as a board simulator, with one UART on a local TCP socket.

    with QemuSim("firmware.elf", machine="netduinoplus2", serial_index=1) as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT, e.g. USART2

The socket is bound and listening here, before QEMU starts, and handed to QEMU as a file
descriptor (`-chardev socket,fd=N,server=on`): no port race, and the URL is known at once.
`-icount shift=0,align=off,sleep=off` makes every instruction take 1 ns of virtual time, so
SysTick-derived counts are deterministic; the firmware must sleep (wfi + RX interrupt) while it
waits for input, or idle polling burns virtual and host time.
QEMU runs in its own process group; the whole group is ended on exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from pipeline.errors import PipelineError

QEMU = "qemu-system-arm"
ICOUNT = "shift=0,align=off,sleep=off"
START_CHECK_S = 0.3
STOP_TIMEOUT_S = 3.0


def qemu_command(qemu: str, elf: Path, machine: str, serial_index: int, fd: int) -> list[str]:
    """The QEMU command line: serial ports before `serial_index` go to null, that one to the socket."""
    return [
        qemu, "-M", machine, "-nographic", "-nodefaults", "-monitor", "none",
        "-icount", ICOUNT,
        "-kernel", str(elf),
        "-chardev", f"socket,id=eatuart,fd={fd},server=on,wait=off",
        *(["-serial", "null"] * serial_index), "-serial", "chardev:eatuart",
        "-nic", "none",
    ]


class QemuSim:
    """Start QEMU on an ELF and expose one of its UARTs as a pyserial URL."""

    def __init__(self, elf: str | os.PathLike[str], machine: str, serial_index: int = 0) -> None:
        self.elf = Path(elf)
        self.machine = machine
        self.serial_index = serial_index
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise PipelineError("QEMU is not running; use `with QemuSim(elf, machine) as sim:`")
        return f"socket://127.0.0.1:{self.port}"

    def __enter__(self) -> QemuSim:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        died = self._died_message()
        self.stop()
        if exc_type is None and died is not None:
            raise PipelineError(died)

    def start(self) -> None:
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
            self._stderr = tempfile.TemporaryFile()
            self._proc = subprocess.Popen(
                qemu_command(qemu, self.elf, self.machine, self.serial_index, fd),
                stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
                pass_fds=[fd], start_new_session=True,
            )
            self.port = listener.getsockname()[1]
        finally:
            listener.close()  # QEMU holds its own copy of the listening socket
        deadline = time.monotonic() + START_CHECK_S
        while time.monotonic() < deadline and self._proc.poll() is None:
            time.sleep(0.02)
        if self._proc.poll() is not None:
            message = self._died_message() or f"QEMU ({self.machine}) exited at once with status 0"
            self.stop()
            raise PipelineError(message)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def check(self) -> None:
        died = self._died_message()
        if died is not None:
            raise PipelineError(died)

    def _died_message(self) -> str | None:
        if self._proc is None or self._proc.poll() is None or self._proc.returncode == 0:
            return None
        last = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            lines = [ln.strip() for ln in self._stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
            last = (lines or [""])[-1]
        return f"QEMU ({self.machine}) exited with status {self._proc.returncode}: {last or 'no message'}"

    def stop(self) -> None:
        """End QEMU's whole process group (SIGTERM, then SIGKILL)."""
        proc, self._proc = self._proc, None
        self.port = None
        if proc is not None:
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait(timeout=STOP_TIMEOUT_S)
            else:
                _signal_group(proc, signal.SIGKILL)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
