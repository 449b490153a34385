"""TensorFlow's own log lines kept off the console unless --verbose (EAT_VERBOSE=1): env, absl, fds.

TensorFlow talks on three channels: its C++ logging (TF_CPP_MIN_LOG_LEVEL, read once at import),
Python logging through absl and `warnings`, and plain writes to file descriptors 1 and 2 from C++
(the MLIR converter, absl's pre-init notice). The first two are turned down; the third is caught by
pointing fds 1 and 2 at a file around the calls that write there, and that text is appended to
`tensorflow.log` in the output directory so that nothing is lost.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VERBOSE_ENV = "EAT_VERBOSE"


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


@contextmanager
def verbose_scope(on: bool) -> Iterator[None]:
    """--verbose for one call: EAT_VERBOSE set inside the block, the caller's value restored after it
    (main() runs in-process in tests and the API, where a leaked flag would change later calls)."""
    before = os.environ.get(VERBOSE_ENV)
    if on:
        os.environ[VERBOSE_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(VERBOSE_ENV, None)
        else:
            os.environ[VERBOSE_ENV] = before


def quiet_env() -> None:
    """Before TensorFlow is imported: its C++ log level (everything with --verbose, else fatal only)."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if verbose() else "3"


def quiet_python_logs() -> None:
    """After TensorFlow is imported: absl / tensorflow Python loggers and Keras/tfmot warnings."""
    if verbose():
        return
    for name in ("absl", "tensorflow", "h5py", "keras"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:  # pragma: no cover - absl comes with TensorFlow
        pass
    for module in ("tensorflow", "tf_keras", "keras", "tensorflow_model_optimization", "absl", "h5py", "google"):
        warnings.filterwarnings("ignore", module=module)


@contextmanager
def native_output_to(log: Path | None) -> Iterator[None]:
    """Send what C++ writes to fds 1 and 2 inside the block to `log` (appended), unless verbose."""
    if verbose():
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            tmp.seek(0)
            text = tmp.read()
            if log is not None and text:
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("ab") as f:
                    f.write(text)
