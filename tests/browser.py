"""Open an HTML file in headless Chromium (Debian's `chromium`) as a person would: the DOM after its
scripts ran, a PNG screenshot, and every console message Chromium logged (script errors included)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=3000"]
CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")     # e.g. [...:INFO:CONSOLE:1] "Uncaught ReferenceError: ...", source: ...


@dataclass(frozen=True)
class Rendered:
    dom: str
    screenshot: Path
    console: list[str]          # console messages (an uncaught script error shows here)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    cmd = [chromium() or "chromium", *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def render(html: Path, screenshot: Path, width: int = 1400, height: int = 2400) -> Rendered:
    url = html.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="chromium-") as tmp:   # one run: the DOM on stdout and the PNG
        proc = _run(["--dump-dom", f"--screenshot={screenshot}", f"--window-size={width},{height}", url], Path(tmp))
    console = [m.group(1) for m in CONSOLE.finditer(proc.stderr)]
    if proc.returncode != 0 or not screenshot.is_file() or "</html>" not in proc.stdout:
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return Rendered(proc.stdout, screenshot, console)
