"""Stage 7, build: `pio run`, offline, then flash and RAM use against the board's budget.

In: a rendered project directory. Out: `firmware.elf`, `.bin` (and `.uf2` where the board has
one) copied next to the other artifacts, `build.log`, and the measured sizes.
The fit check (`check_fit`) runs before the build, from the compiler's exact figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.boards import Board
from pipeline.errors import KeepArtifacts, PipelineError

FIRMWARE_SUFFIXES = (".elf", ".bin", ".uf2")
# Code and constants besides the model's weights (runtime, HAL, C library), measured for the
# digits example on pico: used only to predict flash before the build, never reported.
CODE_ESTIMATE_BYTES = 16 * 1024


@dataclass(frozen=True)
class BuildResult:
    firmware: dict[str, Path]
    flash_bytes: int
    ram_bytes: int
    log: Path


def pio_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PLATFORMIO_DISABLE_UPGRADE_CHECK="true",
        PLATFORMIO_SETTING_ENABLE_TELEMETRY="No",
        PLATFORMIO_SETTING_CHECK_PLATFORMIO_INTERVAL="3650",
    )
    return env


def pio_command() -> list[str]:
    exe = Path(sys.executable).with_name("pio")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "platformio"]


def check_fit(board: Board, arena_bytes: int, weights_bytes: int) -> None:
    """Stop before the build, with the numbers, when the plan cannot fit the board."""
    if arena_bytes > board.ram_budget_for_arena:
        raise PipelineError(
            f"model does not fit {board.id}: arena {arena_bytes:,} B + {board.ram_reserved_bytes:,} B reserved "
            f"(stack, HAL) > {board.ram_bytes:,} B RAM; use a smaller model or a board with more RAM"
        )
    if weights_bytes + CODE_ESTIMATE_BYTES > board.flash_bytes:
        raise PipelineError(
            f"model does not fit {board.id}: weights {weights_bytes:,} B + ~{CODE_ESTIMATE_BYTES:,} B code "
            f"> {board.flash_bytes:,} B flash; prune or shrink the model, or use a board with more flash"
        )


def elf_sizes(elf: Path, board: Board) -> tuple[int, int]:
    """(flash, ram) from the ELF as `size` counts them: flash = text + data, RAM = data + bss."""
    tool = shutil.which(f"{board.toolchain_prefix}size")
    if tool is None:
        raise PipelineError(f"{board.toolchain_prefix}size not found; install the toolchain ({', '.join(board.raw['toolchain']['debian_packages'])})")
    out = subprocess.run([tool, "-B", str(elf)], capture_output=True, text=True, check=True).stdout.splitlines()
    text, data, bss = (int(v) for v in out[1].split()[:3])
    return text + data, data + bss


def build_env(board: Board, simulated: bool) -> str:
    """The PlatformIO env: `<id>_sim` for the simulated build of a board with a `sim` section."""
    return f"{board.id}_sim" if simulated and "sim" in board.raw else board.id


def build_project(project_dir: Path, board: Board, out_dir: Path, simulated: bool = False) -> BuildResult:
    """`simulated`: build the board's simulated variant (its `sim` section) instead of the real one."""
    toolchain = board.raw["toolchain"]
    if toolchain.get("available_here") is False:
        raise KeepArtifacts(  # the rendered project is the useful result: deploy keeps it
            f"cannot build for {board.id}: the {board.raw.get('arch', '')} toolchain ({board.toolchain_prefix}gcc) is not available here "
            f"(no Debian package or reachable registry has it); online, build the rendered project with the official platform: "
            f"pio run -d {project_dir} (platform {board.pio_platform} fetches it), then {board.raw['upload']['how']}"
        )
    if shutil.which(f"{board.toolchain_prefix}gcc") is None:
        raise PipelineError(
            f"{board.toolchain_prefix}gcc not found; install it: apt-get install {' '.join(board.raw['toolchain']['debian_packages'])}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    log = out_dir / "build.log"
    with log.open("w") as fh:
        proc = subprocess.run(
            [*pio_command(), "run", "-d", str(project_dir), "-e", build_env(board, simulated)],
            stdout=fh, stderr=subprocess.STDOUT, env=pio_environment(), cwd=project_dir,
        )
    if proc.returncode != 0:
        lines = [l for l in log.read_text().splitlines() if "error" in l.lower()] or log.read_text().splitlines()[-1:]
        raise PipelineError(f"firmware build failed for {board.id}: {lines[0].strip()} (full log: {log})")
    build_dir = project_dir / ".pio" / "build" / build_env(board, simulated)
    firmware: dict[str, Path] = {}
    for suffix in FIRMWARE_SUFFIXES:
        src = build_dir / f"firmware{suffix}"
        if src.is_file():
            firmware[suffix] = Path(shutil.copy2(src, out_dir / src.name))
    if ".elf" not in firmware or ".bin" not in firmware:
        raise PipelineError(f"the build of {board.id} made no firmware.elf/.bin in {build_dir}; see {log}")
    flash, ram = elf_sizes(firmware[".elf"], board)
    return BuildResult(firmware=firmware, flash_bytes=flash, ram_bytes=ram, log=log)
