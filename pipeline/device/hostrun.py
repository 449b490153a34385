"""Run a compiled model on the host: gcc builds model.c + runtime/src/*.c into a shared library
(cached by content hash) and ctypes drives the Model API."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.paths import RUNTIME_DIR

RUNTIME = RUNTIME_DIR
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-fPIC", "-shared"]


def _cache_dir() -> Path:
    d = Path(os.environ.get("EAT_BUILD_CACHE", Path(tempfile.gettempdir()) / "eat-hostrun"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def build_library(compile_dir: Path, cc: str = "gcc", extra_flags: list[str] | None = None) -> Path:
    compile_dir = Path(compile_dir)
    sources = [compile_dir / "model.c", *sorted((RUNTIME / "src").rglob("*.c"))]   # armv7em/ etc. compile to nothing here
    headers = [compile_dir / "model.h", *sorted((RUNTIME / "include").rglob("*.h"))]
    h = hashlib.sha256()
    flags = CFLAGS + (extra_flags or [])
    h.update(" ".join([cc, *flags]).encode())
    for f in sources + headers:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    lib = _cache_dir() / f"eat_{h.hexdigest()[:24]}.so"
    if lib.exists():
        return lib
    tmp = lib.with_suffix(f".{os.getpid()}.tmp")
    cmd = [cc, *flags, f"-I{RUNTIME / 'include'}", f"-I{compile_dir}", *map(str, sources), "-o", str(tmp)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PipelineError(f"host build of {compile_dir} failed: {proc.stderr.strip().splitlines()[:3]}")
    os.replace(tmp, lib)
    return lib


class HostModel:
    """`HostModel(compile_dir).invoke([int8 arrays]) -> [int8 arrays]`."""

    def __init__(self, compile_dir: Path | str, cc: str = "gcc", cflags: list[str] | None = None) -> None:
        compile_dir = Path(compile_dir)
        self.info = json.loads((compile_dir / "compile.json").read_text())
        self.lib_path = build_library(compile_dir, cc, cflags)
        self._lib = ctypes.CDLL(str(self.lib_path))
        self._lib.eat_model_input.restype = ctypes.c_void_p
        self._lib.eat_model_input.argtypes = [ctypes.c_int]
        self._lib.eat_model_output.restype = ctypes.c_void_p
        self._lib.eat_model_output.argtypes = [ctypes.c_int]
        self._lib.eat_model_invoke.restype = ctypes.c_int
        self.inputs = self.info["inputs"]
        self.outputs = self.info["outputs"]

    def invoke(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if len(inputs) != len(self.inputs):
            raise PipelineError(f"model takes {len(self.inputs)} inputs, got {len(inputs)}")
        for k, (x, spec) in enumerate(zip(inputs, self.inputs)):
            a = np.ascontiguousarray(np.asarray(x, dtype=np.int8).reshape(-1))
            if a.size != spec["bytes"]:
                raise PipelineError(f"input {k} needs {spec['bytes']} int8 values, got {a.size}")
            ctypes.memmove(self._lib.eat_model_input(k), a.ctypes.data, a.nbytes)
        rc = self._lib.eat_model_invoke()
        if rc != 0:
            raise PipelineError(f"eat_model_invoke returned {rc}")
        outs = []
        for k, spec in enumerate(self.outputs):
            buf = (ctypes.c_int8 * spec["bytes"]).from_address(self._lib.eat_model_output(k))
            outs.append(np.frombuffer(bytes(buf), dtype=np.int8).reshape(spec["shape"]).copy())
        return outs
