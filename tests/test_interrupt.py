"""A swallowed interrupt is raised again: SIGTERM landing in a `__del__` (where Python can only
print "Exception ignored") still ends `main()` with status 130 at the next checkpoint."""

from __future__ import annotations

import gc
import os
import signal

import pytest

from pipeline import interrupt


class _SignalsInDel:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)   # the handler's KeyboardInterrupt is swallowed here


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_swallowed_sigterm_is_raised_at_the_next_checkpoint() -> None:
    previous = interrupt.install()
    try:
        obj = _SignalsInDel()
        del obj          # __del__ runs; its KeyboardInterrupt is "ignored"
        gc.collect()
        with pytest.raises(KeyboardInterrupt):
            interrupt.checkpoint()
    finally:
        interrupt.uninstall(previous)
    interrupt.checkpoint()   # cleared by uninstall: nothing pending


def test_checkpoint_is_quiet_without_a_signal() -> None:
    previous = interrupt.install()
    try:
        interrupt.checkpoint()
    finally:
        interrupt.uninstall(previous)
