"""Flashing a real board before verifying over its port (`deploy --port ...`).

The method comes from the board file's `upload` section:
- `uf2` (Pico): copy firmware.uf2 onto the RPI-RP2 drive the bootrom mounts in BOOTSEL mode
  (found by its INFO_UF2.TXT under the usual mount roots, or named by EAT_UF2_DRIVE), or
  `picotool load -x` when picotool is on PATH and no drive is mounted.
- any other method: `upload.command`, a command line with {bin}, {elf}, {uf2}, {port} filled in
  (st-flash, openocd, esptool), which must be on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.boards import Board
from pipeline.errors import PipelineError

MOUNT_ROOTS = ("/media", "/run/media", "/mnt", "/Volumes")
REBOOT_WAIT_S = 1.5


@dataclass(frozen=True)
class FlashResult:
    method: str
    detail: str


def find_uf2_drive(label: str, roots: Iterable[str] = MOUNT_ROOTS) -> Path | None:
    """The mounted bootloader drive: a folder named `label` holding INFO_UF2.TXT."""
    named = os.environ.get("EAT_UF2_DRIVE")
    candidates = [Path(named)] if named else []
    for root in map(Path, roots):
        if root.is_dir():
            candidates += [p for p in root.glob(f"*/{label}")] + [p for p in root.glob(label)] + [p for p in root.glob(f"*/*/{label}")]
    for path in candidates:
        if (path / "INFO_UF2.TXT").is_file():
            return path
    return None


def flash_uf2(board: Board, uf2: Path) -> FlashResult:
    label = board.raw["upload"].get("volume_label", "RPI-RP2")
    drive = find_uf2_drive(label)
    if drive is not None:
        # The bootrom writes the blocks to flash as they arrive and reboots after the last one.
        shutil.copyfile(uf2, drive / uf2.name)
        return FlashResult("uf2", f"copied {uf2.name} to {drive}")
    picotool = shutil.which("picotool")
    if picotool is not None:
        proc = subprocess.run([picotool, "load", "-x", str(uf2)], capture_output=True, text=True)
        if proc.returncode == 0:
            return FlashResult("picotool", f"picotool load -x {uf2.name}")
        raise PipelineError(f"picotool could not load {uf2.name}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}; hold BOOTSEL while plugging the board in")
    raise PipelineError(
        f"no {label} drive mounted and no picotool on PATH: hold BOOTSEL while plugging in the {board.name}, "
        f"then retry (or set EAT_UF2_DRIVE to the drive's folder)"
    )


def upload_command(board: Board, firmware: dict[str, Path], port: str) -> list[str]:
    template = board.raw["upload"].get("command")
    if not template:
        raise PipelineError(f"board {board.id} has no upload command in boards/{board.id}.json; flash it by hand, then use `verify --port`")
    values = {"bin": firmware.get(".bin"), "elf": firmware.get(".elf"), "uf2": firmware.get(".uf2"), "port": port}
    return [part.format(**{k: str(v) for k, v in values.items() if v is not None}) for part in template]


def flash(board: Board, firmware: dict[str, Path], port: str) -> FlashResult:
    method = board.upload_method
    if method == "uf2":
        if ".uf2" not in firmware:
            raise PipelineError(f"no firmware.uf2 was built for {board.id}; rebuild")
        result = flash_uf2(board, firmware[".uf2"])
    else:
        cmd = upload_command(board, firmware, port)
        if shutil.which(cmd[0]) is None:
            raise PipelineError(f"{cmd[0]} not found on PATH; install it to flash {board.id} ({board.raw['upload'].get('how', method)})")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            last = ((proc.stderr or proc.stdout).strip().splitlines() or ["no output"])[-1]
            raise PipelineError(f"{' '.join(cmd)} failed: {last}")
        result = FlashResult(method, " ".join(cmd))
    time.sleep(REBOOT_WAIT_S)  # the board reboots into the new image
    return result
