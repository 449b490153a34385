"""What the simulator runners share: one child process in its own process group, its UART on a
local TCP port, its stderr captured for the message when it dies.

A runner (`sim_rp2040.Rp2040Sim`, `sim_qemu.QemuSim`, `sim_labwired.LabwiredSim`) says only what
differs: its display name (`name`), how it is used (`usage`), and how it starts and learns its
port (`_launch`: check what it needs is installed, `_spawn` the process, return the port).

    with Runner(...) as sim:
        port = serial.serial_for_url(sim.url)     # socket://127.0.0.1:PORT

On exit the whole process group is ended (SIGTERM, then SIGKILL); leaving the block normally
raises PipelineError if the simulator had exited with an error (e.g. a firmware fault).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any, Self

from pipeline.errors import PipelineError

STOP_TIMEOUT_S = 3.0


class SimProcess(ABC):
    """A simulator child process exposing the firmware's UART as a pyserial `socket://` URL."""

    #: how to use the runner, for the error when `url` is read outside a `with` block
    usage: str = "with Runner(...) as sim:"

    def __init__(self, start_timeout_s: float) -> None:
        self.start_timeout_s = start_timeout_s
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    @abstractmethod
    def name(self) -> str:
        """The simulator as error messages name it, e.g. `QEMU (netduinoplus2)`."""

    @abstractmethod
    def _launch(self) -> int:
        """Check the simulator is installed, start it with `_spawn`, and return its TCP port."""

    @property
    def url(self) -> str:
        if self.port is None:
            raise PipelineError(f"{self.name} is not running; use `{self.usage}`")
        return f"socket://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        died = self._died_message()
        self.stop()
        if exc_type is None and died is not None:
            raise PipelineError(died)

    def start(self) -> None:
        try:
            self.port = self._launch()
        except BaseException:
            self.stop()
            raise

    def _spawn(self, argv: Sequence[str], *, pipe_stdout: bool, **popen_kwargs: Any) -> subprocess.Popen[bytes]:
        """Start `argv` in a new session (its own process group), stdin closed, stderr captured;
        stdout a pipe (`pipe_stdout`, to read `LISTENING <port>` from) or captured with stderr."""
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipe_stdout else self._stderr,
            stderr=self._stderr,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **popen_kwargs,
        )
        return self._proc

    def _read_listening_port(self) -> int:
        """The port from the child's first stdout line, `LISTENING <port>`, within start_timeout_s."""
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout_s
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PipelineError(f"{self.name} did not start listening within {self.start_timeout_s:.0f} s")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(self._proc.stdout.fileno(), 256)
                if not chunk:
                    try:
                        self._proc.wait(timeout=STOP_TIMEOUT_S)  # so that its exit status is known
                    except subprocess.TimeoutExpired:
                        pass
                    raise PipelineError(self._died_message() or f"{self.name} exited before listening")
                buf += chunk
        line = buf.split(b"\n", 1)[0].decode("ascii", "replace").strip()
        parts = line.split()
        if len(parts) != 2 or parts[0] != "LISTENING" or not parts[1].isdigit():
            raise PipelineError(f"{self.name} printed {line!r} instead of `LISTENING <port>`")
        return int(parts[1])

    @property
    def pid(self) -> int | None:
        """The simulator's process id (its process group's too), while it runs."""
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def check(self) -> None:
        """Raise PipelineError if the simulator has exited with an error (e.g. a firmware fault)."""
        died = self._died_message()
        if died is not None:
            raise PipelineError(died)

    def _stderr_summary(self, lines: list[str]) -> str:
        """The line of the captured output (non-blank, stripped) that says why it died: the last."""
        return (lines or [""])[-1]

    def _died_message(self) -> str | None:
        if self._proc is None or self._proc.poll() is None or self._proc.returncode == 0:
            return None
        last = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace")
            last = self._stderr_summary([ln.strip() for ln in text.splitlines() if ln.strip()])
        return f"{self.name} exited with status {self._proc.returncode}: {last or 'no message'}"

    def stop(self) -> None:
        """End the simulator's whole process group (SIGTERM, then SIGKILL)."""
        proc, self._proc = self._proc, None
        self.port = None
        if proc is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if proc.poll() is not None:
                    break
                _signal_group(proc, sig)
                try:
                    proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    continue
            _signal_group(proc, signal.SIGKILL)  # leftovers of the group, if any
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _die_with_parent() -> None:
    """In the child before exec: Linux ends it when the host process dies, even by SIGKILL, so a
    killed deploy leaves no simulator behind (elsewhere the `with` block's exit is all there is)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
