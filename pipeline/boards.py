"""Board data files (`boards/<platformio-board-id>.json`) as a typed record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.paths import BOARDS_DIR


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    mcu: str
    core: str
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    ram_reserved_bytes: int
    hal: str
    toolchain_prefix: str
    pio_platform: str
    pio_board: str
    simulator: str
    upload_method: str
    firmware: str
    raw: dict[str, Any]

    @property
    def ram_budget_for_arena(self) -> int:
        return self.ram_bytes - self.ram_reserved_bytes

    def cycles_unit(self, port: str | None = None) -> str:
        """What hal_cycles() counts: on a real board (a port) cycles; in the simulator what its
        board file says (`simulator.cycles_unit`: "instructions" under QEMU -icount and labwired)."""
        return "cycles" if port else str(self.raw["simulator"].get("cycles_unit", "cycles"))


def known_boards(boards_dir: Path = BOARDS_DIR) -> dict[str, Path]:
    """Board id and every alias -> its data file."""
    found: dict[str, Path] = {}
    for path in sorted(boards_dir.glob("*.json")):
        data = json.loads(path.read_text())
        for name in [data["id"], *data.get("aliases", [])]:
            found[name] = path
    return found


def load_board(name: str, boards_dir: Path = BOARDS_DIR) -> Board:
    """A board by id or alias from `boards_dir`, or a board data file given by its path (.json)."""
    if name.endswith(".json"):
        path = Path(name)
        if not path.is_file():
            raise PipelineError(f"board file {name} not found; give a board id from boards/ or an existing .json")
    else:
        boards = known_boards(boards_dir)
        if name not in boards:
            ids = sorted({json.loads(p.read_text())["id"] for p in boards.values()})
            raise PipelineError(f"unknown board '{name}'; choose one of: {', '.join(ids)}")
        path = boards[name]
    try:
        d = json.loads(path.read_text())
        return _board(d)
    except json.JSONDecodeError as exc:
        raise PipelineError(f"board file {path} is not valid JSON ({exc.msg}, line {exc.lineno}); fix it") from None
    except KeyError as exc:
        raise PipelineError(f"board file {path} lacks the field {exc.args[0]!r}; add it (see boards/pico.json)") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise PipelineError(f"board file {path} has a field of the wrong type ({exc}); compare it with boards/pico.json") from None


def _board(d: dict[str, Any]) -> Board:
    for key in ("uart", "cycle_counter"):  # read by render and the report, after the build
        d[key]
    return Board(
        id=d["id"],
        name=d["name"],
        mcu=d["mcu"],
        core=d["core"],
        clock_hz=int(d["clock_hz"]),
        flash_bytes=int(d["flash_bytes"]),
        ram_bytes=int(d["ram_bytes"]),
        ram_reserved_bytes=int(d.get("ram_reserved_bytes", 0)),
        hal=d["hal"],
        toolchain_prefix=d["toolchain"]["prefix"],
        pio_platform=d["platformio"]["platform"],
        pio_board=d["platformio"]["board"],
        simulator=d["simulator"]["name"],
        upload_method=d["upload"]["method"],
        firmware=d.get("firmware", "firmware.bin"),
        raw=d,
    )
