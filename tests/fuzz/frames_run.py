"""The coverage-guided run of the device-side frame parser: libFuzzer (clang-14) under ASan +
UBSan for --seconds, from the seed corpus. `python -m tests.fuzz.frames_run --seconds 600`."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.compiler.compile import compile_model
from tests.conftest import models_dir
from tests.fuzz.harness import build, seed_corpus


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=600)
    p.add_argument("--model", type=Path, default=models_dir() / "hello_world_int8.tflite")
    p.add_argument("--work", type=Path, help="keep the corpus and any crash here (default: a temporary directory)")
    a = p.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="fuzz-frames-"))
    work.mkdir(parents=True, exist_ok=True)
    compiled = compile_model(a.model, work / "c")
    exe = build(work / "c", work / "fuzz_frames", fuzzer=True)
    corpus = work / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, data in seed_corpus(compiled.inputs[0].bytes).items():
        (corpus / name).write_bytes(data)
    cmd = [str(exe), str(corpus), f"-max_total_time={a.seconds}", "-max_len=4096", "-timeout=10",
           "-rss_limit_mb=2048", f"-artifact_prefix={work}/", "-print_final_stats=1"]
    print(" ".join(cmd), flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    (work / "fuzz.log").write_text(log)
    runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    cov = re.findall(r"cov: (\d+)", log)
    crashes = sorted(str(c) for c in work.glob("crash-*")) + sorted(str(c) for c in work.glob("timeout-*"))
    print(f"libFuzzer exit {proc.returncode}; executions {runs[-1] if runs else '?'}; "
          f"coverage {cov[-1] if cov else '?'} edges; corpus {len(list(corpus.iterdir()))} inputs; findings {crashes or 'none'}")
    print(f"log: {work / 'fuzz.log'}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
