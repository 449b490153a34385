"""Runs mutated models through the .tflite reader and the compiler in a child process with a memory
cap and a time limit per model: anything but a PipelineError (another exception, a crash, a hang,
a huge allocation) is a finding. `python -m tests.fuzz.tflite_fuzz MODEL... --seconds 600`."""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tests.fuzz.tflite_mutate import mutant

MEMORY_CAP = 3 << 30       # address space of the worker: a "huge allocation" fails under it
CASE_SECONDS = 20          # one model through reader + compiler


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError("hang: over the time limit for one model")


def run_case(model: bytes, out: Path) -> str | None:
    """None when the model compiled or was refused with a PipelineError; else the finding."""
    from pipeline.compiler.compile import compile_model
    from pipeline.errors import PipelineError

    path = out / "m.tflite"
    path.write_bytes(model)
    signal.alarm(CASE_SECONDS)
    try:
        compile_model(path, out / "c")
        return None
    except PipelineError as exc:
        if "\n" in str(exc):
            return f"PipelineError of several lines: {exc!r}"
        return None
    except BaseException as exc:  # noqa: BLE001 - every other outcome is what this looks for
        return f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    finally:
        signal.alarm(0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("models", type=Path, nargs="+")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--cases", type=int, default=0, help="stop after this many (0: by --seconds)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--findings", type=Path, help="write each finding's model here")
    a = p.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    signal.signal(signal.SIGALRM, _alarm)
    blobs = [m.read_bytes() for m in a.models]
    findings, cases, start = [], 0, time.monotonic()
    seed = a.first_seed
    with tempfile.TemporaryDirectory() as tmp:
        while (a.cases and cases < a.cases) or (not a.cases and time.monotonic() - start < a.seconds):
            which = seed % len(blobs)
            kind, model = mutant(blobs[which], seed)
            problem = run_case(model, Path(tmp))
            cases += 1
            if problem is not None:
                findings.append({"seed": seed, "model": a.models[which].name, "mutation": kind, "problem": problem})
                if a.findings:
                    a.findings.mkdir(parents=True, exist_ok=True)
                    (a.findings / f"{a.models[which].stem}-{seed}.tflite").write_bytes(model)
            seed += 1
    print(json.dumps({"cases": cases, "seconds": round(time.monotonic() - start, 1), "findings": findings}, indent=1))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
