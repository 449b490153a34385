"""The RP2040 simulator (rp2040js under Node, sim/rp2040/run.mjs) as a context manager.

    with Rp2040Sim("firmware.bin") as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT, UART0 of the RP2040

The simulator runs in its own process group, and the whole group is ended on exit.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from pipeline.errors import PipelineError

SIM_DIR = Path(__file__).resolve().parent.parent / "sim" / "rp2040"
RUNNER = SIM_DIR / "run.mjs"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 3.0


class Rp2040Sim:
    """Start run.mjs on a firmware image and expose its UART0 as a pyserial URL."""

    def __init__(self, bin_path: str | os.PathLike[str], port: int = 0, start_timeout_s: float = START_TIMEOUT_S) -> None:
        self.bin_path = Path(bin_path)
        self.requested_port = port
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise PipelineError("the RP2040 simulator is not running; use `with Rp2040Sim(path) as sim:`")
        return f"socket://127.0.0.1:{self.port}"

    def __enter__(self) -> Rp2040Sim:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        died = self._died_message()
        self.stop()
        if exc_type is None and died is not None:
            raise PipelineError(died)

    # ------------------------------------------------------------------------------------------

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise PipelineError("node is not on PATH: the RP2040 simulator needs Node.js >= 18 (e.g. `apt-get install nodejs npm`), then run `npm ci --prefix sim/rp2040`")
        if not (SIM_DIR / "node_modules" / "rp2040js" / "package.json").is_file():
            raise PipelineError(f"rp2040js is not installed in {SIM_DIR}: run `npm ci --prefix sim/rp2040`")
        if not self.bin_path.is_file():
            raise PipelineError(f"firmware image {self.bin_path} does not exist; build it first (`pio run`)")
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [node, str(RUNNER), str(self.bin_path), "--port", str(self.requested_port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
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
                    raise PipelineError(f"the RP2040 simulator did not start listening within {self.start_timeout_s:.0f} s")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(self._proc.stdout.fileno(), 256)
                if not chunk:
                    raise PipelineError(self._died_message() or "the RP2040 simulator exited before listening")
                buf += chunk
        line = buf.split(b"\n", 1)[0].decode("ascii", "replace").strip()
        parts = line.split()
        if len(parts) != 2 or parts[0] != "LISTENING" or not parts[1].isdigit():
            raise PipelineError(f"the RP2040 simulator printed {line!r} instead of `LISTENING <port>`")
        return int(parts[1])

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def check(self) -> None:
        """Raise PipelineError if the simulator has exited with an error (e.g. a firmware fault)."""
        died = self._died_message()
        if died is not None:
            raise PipelineError(died)

    def _died_message(self) -> str | None:
        if self._proc is None or self._proc.poll() is None or self._proc.returncode == 0:
            return None
        last = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            lines = [ln for ln in self._stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
            errors = [ln for ln in lines if "error" in ln.lower()]
            last = (errors or lines or [""])[-1].strip()
        return f"the RP2040 simulator exited with status {self._proc.returncode}: {last or 'no message'}"

    def stop(self) -> None:
        """End the simulator's whole process group (SIGTERM, then SIGKILL)."""
        proc, self._proc = self._proc, None
        self.port = None
        if proc is not None:
            if proc.poll() is None:
                self._signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self._signal_group(proc, signal.SIGKILL)
                    proc.wait(timeout=STOP_TIMEOUT_S)
            else:
                self._signal_group(proc, signal.SIGKILL)  # leftovers of the group, if any
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
