"""The RP2040 simulator (rp2040js under Node, sim/rp2040/run.mjs) as a context manager.

    with Rp2040Sim("firmware.bin") as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT, UART0 of the RP2040

The simulator runs in its own process group, and the whole group is ended on exit
(pipeline/device/sim/process.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline import paths
from pipeline.errors import PipelineError
from pipeline.device.sim.process import SimProcess

SIM_DIR = paths.SIM_DIR / "rp2040"
RUNNER = SIM_DIR / "run.mjs"
START_TIMEOUT_S = 20.0


class Rp2040Sim(SimProcess):
    """Start run.mjs on a firmware image and expose its UART0 as a pyserial URL."""

    usage = "with Rp2040Sim(path) as sim:"

    def __init__(self, bin_path: str | os.PathLike[str], port: int = 0, start_timeout_s: float = START_TIMEOUT_S) -> None:
        super().__init__(start_timeout_s)
        self.bin_path = Path(bin_path)
        self.requested_port = port

    @property
    def name(self) -> str:
        return "the RP2040 simulator"

    def _launch(self) -> int:
        node = shutil.which("node")
        if node is None:
            raise PipelineError("node is not on PATH: the RP2040 simulator needs Node.js >= 18 (e.g. `apt-get install nodejs npm`), then run `npm ci --prefix sim/rp2040`")
        if not (SIM_DIR / "node_modules" / "rp2040js" / "package.json").is_file():
            raise PipelineError(f"rp2040js is not installed in {SIM_DIR}: run `npm ci --prefix sim/rp2040`")
        if not self.bin_path.is_file():
            raise PipelineError(f"firmware image {self.bin_path} does not exist; build it first (`pio run`)")
        self._spawn([node, str(RUNNER), str(self.bin_path), "--port", str(self.requested_port)], pipe_stdout=True)
        return self._read_listening_port()

    def _stderr_summary(self, lines: list[str]) -> str:
        """Node prints a stack after the error; the line that names the error is the useful one."""
        errors = [ln for ln in lines if "error" in ln.lower()]
        return (errors or lines or [""])[-1]
