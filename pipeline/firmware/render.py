"""Stage 6, render: a complete PlatformIO project for one board, from Jinja templates.

In: the compile stage's directory (`model.c`, `model.h`, `compile.json`) and `boards/<id>.json`.
Out: a project directory a user can open and build alone: `platformio.ini`, `src/` (main, host
link, board HAL, the generated model) and `lib/eat_runtime/` (a copy of the checkout's runtime).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from pipeline.boards import Board
from pipeline.compiler.emit import c_string
from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_dir
from pipeline.paths import PIO_CORE_DIR, PLATFORMS_DIR, RUNTIME_DIR, TEMPLATES_DIR

if TYPE_CHECKING:
    from pipeline.tflite.tflm_build import TflmLibrary

ENGINES = ("eat", "tflm")
# The host link and protocol server, the same for every engine.
LINK_SOURCES = ("src/eat_link.c", "src/eat_link.h", "src/eat_server.c", "src/eat_server.h", "src/engine.h")
COMPILED_SOURCES = ("model.c", "model.h")  # our engine: from the compile stage
TFLM_SOURCES = ("model_data.c", "model_data.h")  # engine tflm: from the convert stage


@dataclass(frozen=True)
class CompiledModel:
    """What render needs from the compile stage, read from its `compile.json`."""

    directory: Path
    model_name: str
    sha256: str
    arena_bytes: int

    @classmethod
    def load(cls, directory: Path) -> "CompiledModel":
        meta_path = directory / "compile.json"
        if not meta_path.is_file():
            raise PipelineError(f"{meta_path} not found; run `python -m pipeline compile` first")
        meta = json.loads(meta_path.read_text())
        return cls(directory, meta["model"], meta["sha256"], int(meta["arena_bytes"]))


@dataclass(frozen=True)
class RenderResult:
    project_dir: Path
    env: str


def one_line(text: str) -> str:
    """A name safe in every rendered file's comments (C /* */ and //, platformio.ini ;): one line,
    no comment delimiters; what was changed shows as a Python escape."""
    text = "".join(repr(ch)[1:-1] if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    return text.replace("*/", "* /").replace("/*", "/ *")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["c_string"] = c_string  # a value as a C string literal, whatever it holds
    return env


def render_project(
    compiled: CompiledModel, board: Board, project_dir: Path, engine: str = "eat", tflite: Path | None = None,
    profile: bool = False, tflm_lib: "TflmLibrary | None" = None,
) -> RenderResult:
    """Renders the project for `engine`: "eat" (our runtime) or "tflm" (TFLM's MicroInterpreter,
    which also needs the `.tflite` for its op list and TFLM's measured arena). `profile`: a
    profiling build of our engine (-DEAT_PROFILE: per-op cycles, the PROFILE request). `tflm_lib`:
    a prebuilt TFLM library to link (pipeline/tflite/tflm_build.py); without it the project
    compiles the tree at $TFLM_DIR as a PlatformIO library."""
    if profile and engine != "eat":
        raise PipelineError("--profile times our engine's ops; it needs --engine eat")
    if engine not in ENGINES:
        raise PipelineError(f"unknown engine '{engine}'; use one of: {', '.join(ENGINES)}")
    hal_source = TEMPLATES_DIR / "hal" / f"{board.hal}.c"
    if not hal_source.is_file():
        raise PipelineError(f"no HAL for '{board.hal}' (firmware_templates/hal/{board.hal}.c); board {board.id} is not buildable yet")
    needed = COMPILED_SOURCES if engine == "eat" else TFLM_SOURCES
    for name in needed:
        if not (compiled.directory / name).is_file():
            raise PipelineError(f"{compiled.directory / name} missing; rerun `python -m pipeline convert`")
    env = _environment()
    context: dict = {
        "board": board,
        "engine": engine,
        "model_name": one_line(compiled.model_name),  # a file name: may hold newlines, "*/", quotes
        "sha256": compiled.sha256,
        "arena_bytes": compiled.arena_bytes,
        "core_dir": PIO_CORE_DIR,
        "platform_dir": PLATFORMS_DIR / board.pio_platform,
        "project_dir_hint": project_dir,
        "profile": profile,
    }
    if engine == "tflm":
        context.update(_tflm_context(compiled, tflite), tflm_lib=tflm_lib)
    with atomic_dir(project_dir) as staging:
        (staging / "src").mkdir()
        ini_template = "platformio.ini.j2" if engine == "eat" else "tflm/platformio.ini.j2"
        (staging / "platformio.ini").write_text(env.get_template(ini_template).render(context))
        (staging / "src" / "main.c").write_text(env.get_template("src/main.c.j2").render(context))
        for rel in LINK_SOURCES:
            shutil.copy2(TEMPLATES_DIR / rel, staging / rel)
        for header in sorted((TEMPLATES_DIR / "hal").glob("*.h")):  # hal.h and the HALs' shared parts
            shutil.copy2(header, staging / "src" / header.name)
        shutil.copy2(hal_source, staging / "src" / f"hal_{board.hal}.c")
        sim_hal = board.raw.get("sim", {}).get("hal")
        if sim_hal:  # the simulator stand-in's HAL, built only by the <id>_sim env
            shutil.copy2(TEMPLATES_DIR / "hal" / f"{sim_hal}.c", staging / "src" / f"hal_{sim_hal}.c")
        for name in needed:
            shutil.copy2(compiled.directory / name, staging / "src" / name)
        if engine == "eat":
            shutil.copy2(TEMPLATES_DIR / "src" / "engine_eat.c", staging / "src" / "engine_eat.c")
            lib = staging / "lib" / "eat_runtime"
            shutil.copytree(RUNTIME_DIR / "include", lib / "include")
            shutil.copytree(RUNTIME_DIR / "src", lib / "src")
            shutil.copy2(TEMPLATES_DIR / "eat_runtime.library.json", lib / "library.json")
        else:
            (staging / "src" / "engine_tflm.cc").write_text(env.get_template("tflm/engine_tflm.cc.j2").render(context))
            (staging / "src" / "eat").mkdir()
            shutil.copy2(RUNTIME_DIR / "include" / "eat" / "model_api.h", staging / "src" / "eat" / "model_api.h")
    return RenderResult(project_dir=project_dir, env=board.id)


def _tflm_context(compiled: CompiledModel, tflite: Path | None) -> dict:
    from pipeline.tflite.model import load
    from pipeline.tflite.tflm_arena import measure_wheel_arena
    from pipeline.tflite.tflm_build import CXX_FLAGS, LINK_LIBS
    from pipeline.tflite.tflm_ops import resolver_entries

    if tflite is None or not tflite.is_file():
        raise PipelineError("engine tflm needs the .tflite (render --tflite FILE) for its op list and arena")
    model = load(tflite)
    wheel = measure_wheel_arena(tflite)
    return {
        "ops": resolver_entries([op.opcode for op in model.operators]),
        "wheel": wheel,
        "tflm_arena_bytes": max(compiled.arena_bytes, wheel.head_bytes) + wheel.tail_bytes,
        "num_inputs": len(model.inputs),
        "num_outputs": len(model.outputs),
        "cxx_flags": CXX_FLAGS,
        "tflm_libs": LINK_LIBS,
    }
