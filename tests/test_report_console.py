"""The closing summary's new rows (sparsity savings, top three layers by time) and the stage progress bar."""

from __future__ import annotations

import io

from rich.console import Console

from pipeline.progress import stage_bar
from pipeline.report.console import summary_rows
from tests import report_fixtures as fx


def test_summary_names_sparsity_savings_and_the_three_slowest_layers() -> None:
    rows = dict(summary_rows(fx.full_deploy_report()))
    assert rows["sparsity"] == "9,100 B flash saved, firmware 9,480 B smaller (measured), cycles 0.38x dense"
    top = rows["top layers by time"].split(", ")
    assert [t.split(" ")[0] for t in top] == ["conv2", "conv1", "dense1"]   # 700k, 400k, 300k of 1.56M cycles
    assert top[0] == "conv2 (CONV_2D) 700,000 = 45%"


def test_summary_without_sparse_report_or_profile_says_what_is_known() -> None:
    report = fx.full_deploy_report()
    del report["sparsity"], report["profile"]
    rows = dict(summary_rows(report))
    assert rows == {"sparsity": "80% zeros in the pruned layers; stored dense (no flash or time saved yet)"}
    assert summary_rows(fx.minimal_deploy_report()) == []


def test_stage_bar_draws_on_a_terminal_and_stays_silent_in_a_pipe() -> None:
    tty = io.StringIO()
    with stage_bar(Console(file=tty, force_terminal=True, width=100), "fine-tune", "epochs") as tick:
        for epoch in range(1, 9):
            tick(epoch, 8)
    assert "fine-tune" in tty.getvalue() and "8/8" in tty.getvalue()
    pipe = io.StringIO()
    with stage_bar(Console(file=pipe, force_terminal=False), "build") as tick:
        tick(1, 1)
    assert pipe.getvalue() == ""


def test_latency_says_instructions_under_an_instruction_counting_simulator() -> None:
    """QEMU -icount and labwired count instructions: the summary and the page say so and give no time."""
    from pipeline.boards import load_board
    from pipeline.deploy import summary_table
    from pipeline.report.data import verdict

    report = fx.full_deploy_report()
    report["latency"] |= {"unit": "instructions", "ms_median": None}
    del report["sparsity"]   # (the fixture's sparsity section predates the per-op rows)
    out = io.StringIO()
    Console(file=out, width=200).print(summary_table(report, load_board("nucleo_f446re")))
    line = next(x for x in out.getvalue().splitlines() if "latency (median)" in x)
    assert "1,560,000 instructions" in line and " ms at " not in line and "cycles" not in line
    assert verdict(report).cycles_unit == "instructions" and verdict(report).ms_median is None
    assert verdict(fx.full_deploy_report()).cycles_unit == "cycles"   # older reports: cycles
