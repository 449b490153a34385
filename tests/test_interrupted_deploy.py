"""Nothing lost: a deploy interrupted at each stage (Ctrl-C to its process group, SIGTERM, or
SIGKILL) leaves the previous report.json and artifacts of that --out as they were, no simulator
behind, and the next deploy works."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.fsutil import STAGING_PREFIX
from pipeline.paths import REPO_ROOT
from tests.conftest import reference_model

pytestmark = pytest.mark.sim

# (stage line to wait for on stderr, signal, to the whole process group as a terminal's Ctrl-C does)
INTERRUPTS = [
    ("model", signal.SIGINT, True),
    ("compile", signal.SIGINT, True),
    ("render", signal.SIGTERM, False),
    ("build", signal.SIGINT, True),
    ("run", signal.SIGTERM, False),
    ("verify", signal.SIGKILL, False),
]


def deploy_cmd(out: Path, samples: int) -> list[str]:
    model = reference_model("hello_world_int8.tflite")
    return [sys.executable, "-m", "pipeline", "deploy", "--board", "pico", "--model", str(model), "--samples", str(samples),
            "--out", str(out), "--no-progress"]


def snapshot(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and not p.relative_to(out).parts[0].startswith(STAGING_PREFIX)}


def simulators_for(out: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if proc.name.isdigit() and "run.mjs" in cmd and str(out) in cmd:
            found.append(int(proc.name))
    return found


def interrupt_at(out: Path, stage: str, sig: signal.Signals, group: bool) -> int:
    proc = subprocess.Popen(deploy_cmd(out, 3000), cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.strip().startswith(stage + " ") or line.strip() == stage:
            break
    else:
        pytest.fail(f"deploy ended before stage {stage}: {''.join(seen)[-2000:]}")
    time.sleep(0.3 if stage in ("build", "verify") else 0.0)  # inside the stage's work
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    proc.stderr.read()
    code = proc.wait(timeout=60)
    if sig == signal.SIGKILL:
        time.sleep(0.5)  # the kernel ends the simulator (parent-death signal) as the deploy dies
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # what a killed process tree leaves is not ours to check: pio
        except ProcessLookupError:
            pass
    return code


def test_interrupted_deploys_leave_the_previous_one_intact(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.run(deploy_cmd(out, 3), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    before = snapshot(out)
    assert "report.json" in before and "firmware.elf" in before and "c/model.c" in before
    for stage, sig, group in INTERRUPTS:
        code = interrupt_at(out, stage, sig, group)
        assert code != 0, (stage, sig)
        if sig != signal.SIGKILL:
            assert code == 130, (stage, sig, code)
        assert snapshot(out) == before, (stage, sig)
        assert simulators_for(out) == [], (stage, sig)
    again = subprocess.run(deploy_cmd(out, 3), cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["verify"]["bit_exact"] == report["verify"]["samples"] == 3
    assert not [p for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert report["artifacts"]["tflite"] == str(out / "model_int8.tflite")
