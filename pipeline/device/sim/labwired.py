"""labwired (PyPI `labwired`) as a board simulator, with the UART on a local TCP socket.

labwired offers only a Python API (`labwired.Sim`: run_for / send_bytes / read_uart_bytes, in
virtual time), no socket. This module is both sides of a bridge:

    python -m pipeline.device.sim.labwired firmware.elf --chip esp32c3 [--port 0]

runs the simulator in its own process, prints `LISTENING <port>`, accepts one TCP client and
moves bytes between it and the chip's UART while advancing virtual time in slices; and

    with LabwiredSim("firmware.elf", chip="esp32c3") as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT

starts that process in its own process group and ends the whole group on exit
(pipeline/device/sim/process.py). A separate process keeps the simulator's CPU time and the GIL away
from the verifying process.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import sys
from pathlib import Path

from pipeline.device.protocol import BOOT, MAX_PAYLOAD, FrameReader
from pipeline.errors import PipelineError
from pipeline.paths import REPO_ROOT
from pipeline.device.sim.process import SimProcess

START_TIMEOUT_S = 20.0
SLICE_NS = 500_000          # virtual time per run_for while the firmware is working (80k cycles at 160 MHz)
IDLE_SLICE_NS = 20_000      # while it waits for the host: keep time moving a little
IDLE_WAIT_S = 0.05          # ...and block on the socket this long between idle slices


class LabwiredSim(SimProcess):
    """Start the bridge process on an ELF and expose the chip's UART as a pyserial URL."""

    usage = "with LabwiredSim(elf, chip) as sim:"

    def __init__(self, elf: str | os.PathLike[str], chip: str, start_timeout_s: float = START_TIMEOUT_S) -> None:
        super().__init__(start_timeout_s)
        self.elf = Path(elf)
        self.chip = chip

    @property
    def name(self) -> str:
        return f"labwired ({self.chip})"

    def _launch(self) -> int:
        try:
            import labwired  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        except ImportError as exc:
            raise PipelineError("labwired is not installed in this Python: pip install -r requirements.txt (labwired==0.25.0)") from exc
        if not self.elf.is_file():
            raise PipelineError(f"firmware {self.elf} does not exist; build it first (`pio run`)")
        self._spawn(
            [sys.executable, "-m", "pipeline.device.sim.labwired", str(self.elf), "--chip", self.chip, "--port", "0"],
            pipe_stdout=True, cwd=REPO_ROOT,
        )
        return self._read_listening_port()


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
        # Virtual time runs in full slices while the firmware boots or owes answers: the bridge
        # counts whole request frames from the host and answer frames from the device (a retried
        # request is a second request: the firmware answers both), so a late duplicate can never
        # leave the firmware computing at idle speed.
        requests, answers = FrameReader(conn, 0.0, MAX_PAYLOAD), FrameReader(conn, 0.0, MAX_PAYLOAD)
        booting, owed = True, 0
        with selectors.DefaultSelector() as sel:
            sel.register(conn, selectors.EVENT_READ)
            while True:
                busy = booting or owed > 0
                if sel.select(timeout=0 if busy else IDLE_WAIT_S):
                    try:
                        data = conn.recv(65536)
                    except BlockingIOError:
                        data = None
                    if data == b"":
                        return 0  # the host closed the port: done
                    if data:
                        sim.send_bytes(data)
                        owed += len(requests.feed(data))
                reason = sim.run_for(f"{SLICE_NS if busy else IDLE_SLICE_NS}ns")
                halted = _halted(reason)
                out = sim.read_uart_bytes()
                if out:
                    conn.setblocking(True)
                    conn.sendall(out)
                    conn.setblocking(False)
                    for frame in answers.feed(out):
                        booting = False   # the boot announcement, or an answer: the firmware is up
                        if frame.kind != BOOT:
                            owed = max(0, owed - 1)
                if halted:
                    sys.stderr.write(f"error: the firmware stopped in labwired ({chip}): {halted}\n")
                    return 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.device.sim.labwired", description="labwired with the UART bridged to TCP")
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
