"""A swallowed interrupt is raised again: SIGTERM landing in a `__del__` (where Python can only
print "Exception ignored") still ends `main()` with status 130 at the next checkpoint. And an interrupt
that lands inside an exec() of source text (dataclasses builds __init__ so while a module imports) still
ends `python -m pipeline` with status 130, not killed by SIGINT."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import interrupt
from pipeline.paths import REPO_ROOT


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


# A command whose handler is interrupted inside exec() of source text, run as `python -m` (the runpy path, where
# CPython checks its unhandled-KeyboardInterrupt mark after main() has returned).
_EXEC_INTERRUPTED = """
import sys
from pipeline import cli

def parser():
    p = cli.argparse.ArgumentParser()
    p.set_defaults(handler=lambda args, console: exec("raise KeyboardInterrupt"), verbose=False)
    return p

cli.build_parser = parser
sys.exit(cli.main([]))
"""


def test_interrupt_inside_exec_ends_with_status_130(tmp_path: Path) -> None:
    (tmp_path / "exec_interrupted.py").write_text(_EXEC_INTERRUPTED)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    r = subprocess.run([sys.executable, "-m", "exec_interrupted"], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 130, (r.returncode, r.stderr[-2000:])
    assert "interrupted" in r.stderr
