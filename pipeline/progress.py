"""Progress bars (rich) for the stages that take more than a few seconds: training and fine-tuning epochs, build."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

Tick = Callable[[int, int], None]   # (steps done, steps in all)


@contextmanager
def stage_bar(console: Console, label: str, unit: str = "", enabled: bool = True) -> Iterator[Tick]:
    """A transient bar while the block runs: it pulses until `tick(done, total)` gives it a length."""
    columns = (SpinnerColumn(), TextColumn(f"[bold cyan]{label:>9}[/]"), BarColumn(),
               MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not (enabled and console.is_terminal), transient=True) as progress:
        task = progress.add_task(label, total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield tick
