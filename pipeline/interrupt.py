"""Ctrl-C and SIGTERM end a command, and are never lost: the handler raises KeyboardInterrupt and
remembers that it did, so an interrupt that Python swallowed (raised inside a `__del__` or a
weakref callback the garbage collector ran: "Exception ignored in ...") is raised again at the
next checkpoint — each stage's start, each verified sample, and before a staging directory is
published. Signals belong to the process, so the flag does too; it is set only by `install`ed
handlers and cleared by `install` and `uninstall`.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_PENDING = threading.Event()
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupted(signum: int, frame: FrameType | None) -> None:
    _PENDING.set()
    raise KeyboardInterrupt


def install() -> dict[int, object] | None:
    """Install the handlers (main thread only); returns the previous ones for `uninstall`."""
    if threading.current_thread() is not threading.main_thread():
        return None
    _PENDING.clear()
    return {int(s): signal.signal(s, _interrupted) for s in SIGNALS}


def uninstall(previous: dict[int, object] | None) -> None:
    """Restore the handlers `install` replaced (a caller running main() in-process keeps its own)."""
    if previous is None:
        return
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
    _PENDING.clear()


def checkpoint() -> None:
    """Raise KeyboardInterrupt again if a signal arrived and its first raise was swallowed."""
    if _PENDING.is_set():
        raise KeyboardInterrupt
