"""Stage 8, run: start the firmware where it can be talked to, and hand back a serial port.

A simulator (the board file's `simulator`) exposes the firmware's UART on a local socket; a real
board is a serial device (`--port /dev/ttyACM0`, or `--port auto` to find one). Either way the
caller gets a pyserial port: verification has one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

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


def resolve_port(port: str | None) -> str | None:
    """`--port`: None (the simulator), a device path or pyserial URL, or "auto" (found here)."""
    return find_port() if port == "auto" else port


def open_port(url: str) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, baudrate=BAUD, timeout=READ_TIMEOUT_S)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise PipelineError(f"cannot open serial port {url}: {exc}; check --port and that no other program holds it") from exc


class Simulation(Protocol):
    """A running simulator: its UART as a pyserial URL (e.g. socket://127.0.0.1:PORT)."""

    @property
    def url(self) -> str: ...


def _rp2040js(board: Board, firmware: dict[str, Path]) -> AbstractContextManager[Simulation]:
    from pipeline.device.sim.rp2040 import Rp2040Sim

    return Rp2040Sim(firmware[".bin"])


def _qemu(board: Board, firmware: dict[str, Path]) -> AbstractContextManager[Simulation]:
    from pipeline.device.sim.qemu import QemuSim

    sim = board.raw["simulator"]
    return QemuSim(firmware[".elf"], machine=sim["machine"], serial_index=int(sim.get("serial_index", 0)))


def _labwired(board: Board, firmware: dict[str, Path]) -> AbstractContextManager[Simulation]:
    from pipeline.device.sim.labwired import LabwiredSim

    return LabwiredSim(firmware[".elf"], chip=board.raw["simulator"]["chip"])


# boards/<id>.json "simulator.name" -> how to start it on a built firmware (`.elf`, `.bin`, ...).
# A board with a "sim" section is simulated from its simulated build (build --sim; see render).
SIMULATORS: dict[str, Callable[[Board, dict[str, Path]], AbstractContextManager[Simulation]]] = {
    "rp2040js": _rp2040js,
    "qemu": _qemu,
    "labwired": _labwired,
}


@contextmanager
def simulator_url(board: Board, firmware: dict[str, Path]) -> Iterator[str]:
    start = SIMULATORS.get(board.simulator)
    if start is None:
        raise PipelineError(f"board {board.id} has no simulator here ({board.simulator}); give --port with a real board")
    with start(board, firmware) as sim:
        yield sim.url


@contextmanager
def target_port(board: Board, firmware: dict[str, Path], port: str | None) -> Iterator[serial.SerialBase]:
    """A serial port to the running firmware: a real board when `port` is given, else the simulator."""
    with ExitStack() as stack:
        if port is None:
            url = stack.enter_context(simulator_url(board, firmware))
        else:
            url = resolve_port(port)
        ser = stack.enter_context(open_port(url))
        yield ser
