"""Where the checkout keeps its parts. Everything is relative to the repository root."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BOARDS_DIR = REPO_ROOT / "boards"
TEMPLATES_DIR = REPO_ROOT / "firmware_templates"
RUNTIME_DIR = REPO_ROOT / "runtime"
PLATFORMS_DIR = REPO_ROOT / "platforms"
SIM_DIR = REPO_ROOT / "sim"
PIO_CORE_DIR = REPO_ROOT / ".pio" / "core"
DEFAULT_OUT = REPO_ROOT / "out"
