"""A TFLM source tree compiled once per (tree, core, flags) into cached objects, archived per op set.

A whole tree takes 4-5 minutes to compile at -j2; a model needs the framework plus the kernels of
its own ops. Objects are cached under `.pio/tflm/<key>/obj/` (key: the tree's path and file
stamps, the core's machine flags, the compile flags and the compiler's version), so each is
compiled once however many models and projects use it; each op set gets its own `libtflm.a`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipeline.errors import PipelineError
from pipeline.paths import REPO_ROOT

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.boards import Board

VARIANTS = ("ref", "cmsis_nn")
# Same as CORES in platforms/edgeaitiny/builder/main.py: the library must match the firmware's ABI.
MACHINE_FLAGS = {
    "cortex-m0plus": ["-mthumb", "-mcpu=cortex-m0plus", "-mfloat-abi=soft"],
    "cortex-m4": ["-mthumb", "-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"],
    "cortex-m7": ["-mthumb", "-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"],
}
# /work/shared/tflm/README.md: NDEBUG as TFLM's release builds (else TFLITE_DCHECK makes the
# reference kernels ~4x slower), static memory, and C++ without exceptions, RTTI or atexit.
COMMON_FLAGS = ["-O2", "-ffunction-sections", "-fdata-sections", "-fno-common"]
DEFINES = ["-DNDEBUG", "-DTF_LITE_STATIC_MEMORY"]
CMSIS_DEFINES = ["-DCMSIS_NN", "-DPROJECT_GENERATION"]
CXX_FLAGS = ["-std=c++17", "-fno-exceptions", "-fno-rtti", "-fno-threadsafe-statics", "-fno-use-cxa-atexit"]
C_FLAGS = ["-std=c11"]
INCLUDES = [".", "third_party/flatbuffers/include", "third_party/gemmlowp", "third_party/ruy", "third_party/kissfft"]
CMSIS_INCLUDES = ["third_party/cmsis_nn", "third_party/cmsis_nn/Include", "third_party/cmsis/CMSIS/Core/Include"]
LINK_LIBS = ["tflm", "stdc++", "supc++", "m"]

KERNELS_DIR = "tensorflow/lite/micro/kernels"
# Kernel files every model needs (helpers the framework and all kernels call).
KERNEL_BASE = ("kernel_util", "micro_tensor_utils", "decompress", "decompress_common", "decode", "decode_state",
               "decode_state_huffman", "decode_state_lut", "decode_state_prune")
# TFLite opcode -> kernel file stems where the name differs (else the opcode in lower case).
KERNEL_STEMS = {
    "CONV_2D": ("conv",), "DEPTHWISE_CONV_2D": ("depthwise_conv",), "AVERAGE_POOL_2D": ("pooling",), "MAX_POOL_2D": ("pooling",), "MEAN": ("reduce",),
    "RELU": ("activations",), "RELU6": ("activations",), "PADV2": ("pad",), "MAXIMUM": ("maximum_minimum",),
    "MINIMUM": ("maximum_minimum",), "UNIDIRECTIONAL_SEQUENCE_LSTM": ("unidirectional_sequence_lstm", "lstm_eval"),
}
# Library files of the tree that only TFLM's own tests use.
TEST_ONLY = ("test_helpers.cc", "test_helper_custom_ops.cc", "mock_micro_graph.cc", "fake_micro_context.cc",
             "kernel_runner.cc", "recording_micro_allocator.cc")


@dataclass(frozen=True)
class TflmTree:
    root: Path      # the folder holding tensorflow/ and third_party/
    variant: str    # "ref" or "cmsis_nn"

    @property
    def include_dirs(self) -> list[Path]:
        rels = INCLUDES + (CMSIS_INCLUDES if self.variant == "cmsis_nn" else [])
        return [self.root / r for r in rels]

    @property
    def defines(self) -> list[str]:
        return DEFINES + (CMSIS_DEFINES if self.variant == "cmsis_nn" else [])


@dataclass(frozen=True)
class TflmLibrary:
    tree: TflmTree
    core: str
    lib_dir: Path           # holds libtflm.a
    objects: int            # objects in the archive
    compiled: int           # objects compiled now (0: all cached)
    seconds: float


def find_tree(variant: str) -> TflmTree:
    """TFLM_DIR (a tree's parent, as for lib_extra_dirs, or the folder holding ref/ and cmsis_nn/),
    else ../shared/tflm beside the checkout."""
    if variant not in VARIANTS:
        raise PipelineError(f"unknown TFLM kernels '{variant}'; use one of: {', '.join(VARIANTS)}")
    env = os.environ.get("TFLM_DIR")
    base = Path(env) if env else REPO_ROOT.parent / "shared" / "tflm"
    for cand in (base / variant / "tflm", base / "tflm", base):
        if (cand / "tensorflow" / "lite" / "micro").is_dir():
            has_cmsis = (cand / "third_party" / "cmsis_nn").is_dir()
            if env and cand != base / variant / "tflm" and has_cmsis != (variant == "cmsis_nn"):
                continue
            return TflmTree(cand.resolve(), "cmsis_nn" if has_cmsis else "ref")
    raise PipelineError(f"no TFLM {variant} tree under {base}; set TFLM_DIR to a tree made by create_tflm_tree.py (see /work/shared/tflm/README.md)")


def _kernel_stems(opcodes: list[str]) -> set[str]:
    stems = set(KERNEL_BASE)
    for op in opcodes:
        for stem in KERNEL_STEMS.get(op, (op.lower(),)):
            stems |= {stem, stem + "_common"}
    return stems


def sources(tree: TflmTree, opcodes: list[str]) -> list[Path]:
    """The framework and the kernels of `opcodes` (CMSIS-NN's where the tree has them). No signal/
    library, no KISS FFT, no test helpers. CMSIS-NN's own sources follow from the objects'
    undefined symbols (`cmsis_closure`)."""
    stems = _kernel_stems(opcodes)
    out: list[Path] = []
    for path in sorted((tree.root / "tensorflow").rglob("*")):
        if path.suffix not in (".cc", ".c") or path.name in TEST_ONLY:
            continue
        rel = path.relative_to(tree.root).as_posix()
        if rel.startswith(KERNELS_DIR + "/"):
            if path.stem not in stems:
                continue
            if path.parent.name == "kernels" and (path.parent / "cmsis_nn" / path.name).is_file():
                continue  # CMSIS-NN's kernel replaces the reference one
        out.append(path)
    kernels = {p.stem for p in out if p.parent.name in ("kernels", "cmsis_nn")}
    missing = [op for op in opcodes if not any(stem in kernels for stem in KERNEL_STEMS.get(op, (op.lower(),)))]
    if missing:
        raise PipelineError(f"no TFLM kernel file known for {', '.join(missing)} in {tree.root}; add it to KERNEL_STEMS in pipeline/tflite/tflm_build.py")
    return out


def _defining_file(symbol: str, files: dict[str, Path]) -> Path | None:
    """CMSIS-NN names each source after the function it defines; else the file defining it."""
    if symbol in files:
        return files[symbol]
    pattern = re.compile(rf"^[A-Za-z_][\w \t\*]*\b{re.escape(symbol)}\s*\([^;]*$", re.M)
    return next((p for p in files.values() if pattern.search(p.read_text(errors="replace"))), None)


def _undefined_arm(obj: Path) -> set[str]:
    out = subprocess.run(["arm-none-eabi-nm", "-u", str(obj)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split() and line.split()[-1].startswith("arm_")}


def cmsis_closure(tree: TflmTree, objs: list[Path], compile_many: Callable[[list[Path]], list[Path]]) -> list[Path]:
    """The CMSIS-NN objects the given objects need, transitively, compiled wave by wave."""
    files = {p.stem: p for p in sorted((tree.root / "third_party" / "cmsis_nn" / "Source").rglob("*.c"))}
    pending = set().union(*(_undefined_arm(o) for o in objs)) if objs else set()
    seen: set[str] = set()
    done: dict[Path, Path] = {}
    while pending:
        seen |= pending
        wave = sorted({f for f in (_defining_file(sym, files) for sym in pending) if f is not None and f not in done})
        pending = set()
        for src, obj in zip(wave, compile_many(wave)):
            done[src] = obj
            pending |= _undefined_arm(obj) - seen
    return [done[k] for k in sorted(done)]


def _fingerprint(tree: TflmTree, machine: list[str], compiler: str) -> str:
    h = hashlib.sha256()
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    for part in [str(tree.root), *machine, *COMMON_FLAGS, *CXX_FLAGS, *C_FLAGS, *tree.defines, *version]:
        h.update(part.encode() + b"\0")
    for path in sorted(tree.root.rglob("*")):
        if path.is_file():
            st = path.stat()
            h.update(f"{path.relative_to(tree.root)}:{st.st_size}:{int(st.st_mtime)}\n".encode())
    return h.hexdigest()[:16]


def _compile(tree: TflmTree, src: Path, obj: Path, machine: list[str]) -> None:
    cxx = src.suffix == ".cc"
    tmp = obj.with_name(f"{obj.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # another build may compile it too
    cmd = ["arm-none-eabi-g++" if cxx else "arm-none-eabi-gcc", *machine, *COMMON_FLAGS,
           *(CXX_FLAGS if cxx else C_FLAGS), *tree.defines, *[f"-I{d}" for d in tree.include_dirs],
           "-c", str(src), "-o", str(tmp)]
    obj.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        first = next((l for l in proc.stderr.splitlines() if "error" in l), proc.stderr.strip()[:300])
        raise PipelineError(f"TFLM source {src.relative_to(tree.root)} does not compile: {first}")
    tmp.replace(obj)


def cache_root() -> Path:
    return Path(os.environ.get("EAT_TFLM_CACHE", REPO_ROOT / ".pio" / "tflm"))


def build_library(tree: TflmTree, core: str, opcodes: list[str], jobs: int | None = None) -> TflmLibrary:
    """Compiles what is missing (in parallel) and archives the objects `opcodes` need."""
    if core not in MACHINE_FLAGS:
        raise PipelineError(f"engine tflm builds for Arm Cortex-M cores ({', '.join(MACHINE_FLAGS)}); this board's core is {core}: use --engine eat")
    if shutil.which("arm-none-eabi-g++") is None:
        raise PipelineError("arm-none-eabi-g++ not found; install gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib (scripts/setup.sh)")
    start = time.monotonic()
    machine = MACHINE_FLAGS[core]
    key_dir = cache_root() / f"{tree.variant}-{core}-{_fingerprint(tree, machine, 'arm-none-eabi-g++')}"
    srcs = sources(tree, opcodes)
    counter = [0]

    def compile_many(batch: list[Path]) -> list[Path]:
        outs = [key_dir / "obj" / (src.relative_to(tree.root).as_posix() + ".o") for src in batch]
        todo = [(src, obj) for src, obj in zip(batch, outs) if not obj.is_file()]
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
            for fut in [pool.submit(_compile, tree, src, obj, machine) for src, obj in todo]:
                fut.result()
        counter[0] += len(todo)
        return outs

    objs = compile_many(srcs)
    if tree.variant == "cmsis_nn":
        objs += cmsis_closure(tree, objs, compile_many)
    lib_key = hashlib.sha256("\n".join(str(o) for o in objs).encode()).hexdigest()[:12]
    lib_dir = key_dir / "lib" / lib_key
    if not (lib_dir / "libtflm.a").is_file():
        lib_dir.mkdir(parents=True, exist_ok=True)
        tmp = lib_dir / f"libtflm.a.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        subprocess.run(["arm-none-eabi-gcc-ar", "rcs", str(tmp), *map(str, objs)], check=True, capture_output=True)
        tmp.replace(lib_dir / "libtflm.a")
    return TflmLibrary(tree, core, lib_dir, len(objs), counter[0], round(time.monotonic() - start, 1))


def build_tflm_for(tflite: Path, board: "Board", kernels: str, console: "Console") -> TflmLibrary:
    """The library for this model's ops on this board's core, from the `kernels` tree."""
    from pipeline.tflite.model import load

    tree = find_tree(kernels)
    opcodes = sorted({op.opcode for op in load(tflite).operators})
    console.print(f"[bold cyan]{'tflm':>9}[/] TFLM {tree.variant} tree {tree.root} for {board.core}: framework + {', '.join(opcodes)} kernels…")
    lib = build_library(tree, board.core, opcodes)
    console.print(f"[bold cyan]{'':>9}[/] {lib.objects} objects ({lib.compiled} compiled now, in {lib.seconds:.0f} s) -> {lib.lib_dir}/libtflm.a")
    return lib
