"""labwired (PyPI `labwired`) as a board simulator, with the UART on a local TCP socket.

labwired offers only a Python API (`labwired.Sim`: run_for / send_bytes / read_uart_bytes, in
virtual time), no socket. This module is both sides of a bridge:

    python -m pipeline.sim_labwired firmware.elf --chip esp32c3 [--port 0]

runs the simulator in its own process, prints `LISTENING <port>`, accepts one TCP client and
moves bytes between it and the chip's UART while advancing virtual time in slices; and

    with LabwiredSim("firmware.elf", chip="esp32c3") as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT

starts that process in its own process group and ends the whole group on exit. A separate
process keeps the simulator's CPU time and the GIL away from the verifying process.
"""

from __future__ import annotations

import argparse
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from pipeline.errors import PipelineError

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 3.0
SLICE_NS = 500_000          # virtual time per run_for while the firmware is working (80k cycles at 160 MHz)
IDLE_SLICE_NS = 20_000      # while it waits for the host: keep time moving a little
IDLE_WAIT_S = 0.05          # ...and block on the socket this long between idle slices


class LabwiredSim:
    """Start the bridge process on an ELF and expose the chip's UART as a pyserial URL."""

    def __init__(self, elf: str | os.PathLike[str], chip: str, start_timeout_s: float = START_TIMEOUT_S) -> None:
        self.elf = Path(elf)
        self.chip = chip
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise PipelineError("labwired is not running; use `with LabwiredSim(elf, chip) as sim:`")
        return f"socket://127.0.0.1:{self.port}"

    def __enter__(self) -> LabwiredSim:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        died = self._died_message()
        self.stop()
        if exc_type is None and died is not None:
            raise PipelineError(died)

    def start(self) -> None:
        try:
            import labwired  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        except ImportError as exc:
            raise PipelineError("labwired is not installed in this Python: pip install -r requirements.txt (labwired==0.25.0)") from exc
        if not self.elf.is_file():
            raise PipelineError(f"firmware {self.elf} does not exist; build it first (`pio run`)")
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.sim_labwired", str(self.elf), "--chip", self.chip, "--port", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
            start_new_session=True, cwd=Path(__file__).resolve().parent.parent,
        )
        try:
            self.port = self._wait_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_listening(self) -> int:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout_s
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PipelineError(f"labwired ({self.chip}) did not start listening within {self.start_timeout_s:.0f} s")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(self._proc.stdout.fileno(), 256)
                if not chunk:
                    self._proc.wait(timeout=STOP_TIMEOUT_S)
                    raise PipelineError(self._died_message() or f"labwired ({self.chip}) exited before listening")
                buf += chunk
        parts = buf.split(b"\n", 1)[0].decode("ascii", "replace").split()
        if len(parts) != 2 or parts[0] != "LISTENING" or not parts[1].isdigit():
            raise PipelineError(f"the labwired bridge printed {parts!r} instead of `LISTENING <port>`")
        return int(parts[1])

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
        return f"labwired ({self.chip}) exited with status {self._proc.returncode}: {last or 'no message'}"

    def stop(self) -> None:
        """End the bridge's whole process group (SIGTERM, then SIGKILL)."""
        proc, self._proc = self._proc, None
        self.port = None
        if proc is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
                try:
                    proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    continue
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group, if any
            except (ProcessLookupError, PermissionError):
                pass
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


# ---------------------------------------------------------------------------------------------
# The bridge process


def _halted(reason: object) -> str | None:
    """A run_for stop reason that means the firmware stopped (fault, breakpoint), else None."""
    kind = str(getattr(reason, "kind", "")).lower()
    if not kind or kind == "reached":  # labwired 0.25: the requested duration was reached
        return None
    return f"{kind} at pc 0x{int(getattr(reason, 'pc', 0) or 0):08x}"


def bridge(elf: Path, chip: str, port: int) -> int:
    import labwired  # pylint: disable=import-outside-toplevel

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    with labwired.Sim(elf, chip=chip) as sim:
        print(f"LISTENING {listener.getsockname()[1]}", flush=True)
        conn, _ = listener.accept()
        listener.close()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setblocking(False)
        busy = False          # the host sent something the firmware has not finished answering
        answered = False      # ...and the answer has started coming out
        with selectors.DefaultSelector() as sel:
            sel.register(conn, selectors.EVENT_READ)
            while True:
                timeout = 0 if busy else IDLE_WAIT_S
                if sel.select(timeout=timeout):
                    try:
                        data = conn.recv(65536)
                    except BlockingIOError:
                        data = None
                    if data == b"":
                        return 0  # the host closed the port: done
                    if data:
                        sim.send_bytes(data)
                        busy, answered = True, False
                reason = sim.run_for(f"{SLICE_NS if busy else IDLE_SLICE_NS}ns")
                halted = _halted(reason)
                out = sim.read_uart_bytes()
                if out:
                    conn.setblocking(True)
                    conn.sendall(out)
                    conn.setblocking(False)
                    answered = True
                elif busy and answered:
                    busy = False
                if halted:
                    sys.stderr.write(f"error: the firmware stopped in labwired ({chip}): {halted}\n")
                    return 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.sim_labwired", description="labwired with the UART bridged to TCP")
    ap.add_argument("elf", type=Path)
    ap.add_argument("--chip", required=True)
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        return bridge(a.elf, a.chip, a.port)
    except (ConnectionError, BrokenPipeError):
        return 0


if __name__ == "__main__":
    sys.exit(main())
