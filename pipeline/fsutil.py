"""Writing artifacts so that a failed stage leaves nothing half-written behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline import interrupt
from pipeline.errors import KeepArtifacts


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a fresh staging directory beside `target`; on success it replaces `target` whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        interrupt.checkpoint()  # an interrupt swallowed on the way never publishes
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)


def atomic_write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def copy_into(src: Path, dst: Path) -> Path:
    """`src` at `dst` (copied unless it is that very file already); returns `dst`."""
    if src.resolve() != dst.resolve():
        shutil.copy2(src, dst)
    return dst


STAGING_PREFIX = ".deploy-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def staged_out(out: Path) -> Iterator[Path]:
    """A private staging directory inside `out` for one run: on success its entries replace those
    of `out` (report.json last); on any other exit (an error, Ctrl-C, SIGTERM) it is removed and
    `out` is as it was (removed again if this run created it). Staging left by a killed run is cleared by the
    next one."""
    created = not out.exists()
    published = False
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{STAGING_PREFIX}*"):
        pid = old.name[len(STAGING_PREFIX):]
        if not (pid.isdigit() and _pid_alive(int(pid))):
            shutil.rmtree(old, ignore_errors=True)
    work = out / f"{STAGING_PREFIX}{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        yield work
        interrupt.checkpoint()  # an interrupt swallowed on the way never publishes
        _publish(work, out)
        published = True
    except KeepArtifacts:
        _publish(work, out)
        published = True
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if created and not published:
            try:
                out.rmdir()         # only when empty: nothing else was ever put there
            except OSError:
                pass


def _publish(work: Path, out: Path) -> None:
    entries = sorted(work.iterdir(), key=lambda p: p.name == "report.json")  # the report goes last
    for entry in entries:
        dst = out / entry.name
        if entry.is_dir() and dst.is_dir() and not dst.is_symlink():
            trash = out / f"{STAGING_PREFIX}{os.getpid()}-old-{entry.name}"
            os.replace(dst, trash)
            os.replace(entry, dst)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(entry, dst)
