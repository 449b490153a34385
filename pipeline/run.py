"""Stage 8, run: start the firmware where it can be talked to, and hand back a serial port.

A simulator (the board file's `simulator`) exposes the firmware's UART on a local socket; a real
board is a serial device (`--port /dev/ttyACM0`, or `--port auto` to find one). Either way the
caller gets a pyserial port: verification has one code path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import serial
from serial.tools import list_ports

from pipeline.boards import Board
from pipeline.errors import PipelineError

BAUD = 115200
READ_TIMEOUT_S = 0.2


def find_port() -> str:
    """`--port auto`: the one USB serial port that looks like a board."""
    ports = [p for p in list_ports.comports() if p.vid is not None]
    if not ports:
        raise PipelineError("--port auto found no USB serial device; plug the board in or name its port, e.g. --port /dev/ttyACM0")
    if len(ports) > 1:
        names = ", ".join(p.device for p in ports)
        raise PipelineError(f"--port auto found several serial devices ({names}); name one with --port")
    return ports[0].device


def open_port(url: str) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, baudrate=BAUD, timeout=READ_TIMEOUT_S)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise PipelineError(f"cannot open serial port {url}: {exc}; check --port and that no other program holds it") from exc


@contextmanager
def simulator_url(board: Board, firmware: dict[str, Path]) -> Iterator[str]:
    if board.simulator == "rp2040js":
        from pipeline.sim_rp2040 import Rp2040Sim

        with Rp2040Sim(firmware[".bin"]) as sim:
            yield sim.url
        return
    raise PipelineError(f"board {board.id} has no simulator here ({board.simulator}); give --port with a real board")


@contextmanager
def target_port(board: Board, firmware: dict[str, Path], port: str | None) -> Iterator[serial.SerialBase]:
    """A serial port to the running firmware: a real board when `port` is given, else the simulator."""
    with ExitStack() as stack:
        if port is None:
            url = stack.enter_context(simulator_url(board, firmware))
        else:
            url = find_port() if port == "auto" else port
        ser = stack.enter_context(open_port(url))
        yield ser
