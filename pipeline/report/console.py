"""Rows the closing console summary adds from report.json: sparsity savings, top layers by time."""

from __future__ import annotations

from pipeline.report import data


def sparsity_row(report: dict) -> str | None:
    s = data.sparsity_summary(report)
    if s:
        parts = []
        if s.get("flash_saved_bytes") is not None:
            parts.append(f"{s['flash_saved_bytes']:,} B flash saved")
        if s.get("firmware_flash_saved_bytes") is not None:
            parts.append(f"firmware {s['firmware_flash_saved_bytes']:,} B smaller (measured)")
        if s.get("cycles_ratio") is not None:
            parts.append(f"cycles {s['cycles_ratio']:.2f}x dense")
        return ", ".join(parts)
    prune = report.get("prune") or {}
    zeros = [l.get("zero_fraction") for l in prune.get("layers") or [] if l.get("zero_fraction") is not None]
    if zeros:
        spread = f"{min(zeros):.0%}" if f"{min(zeros):.0%}" == f"{max(zeros):.0%}" else f"{min(zeros):.0%}-{max(zeros):.0%}"
        return f"{spread} zeros in the pruned layers; stored dense (no flash or time saved yet)"
    return None


def top_layers_row(report: dict, n: int = 3) -> str | None:
    top = data.top_layers(report, n)
    if not top:
        return None
    total = sum(l.cycles or 0 for l in data.layers(report)) or 1
    return ", ".join(f"{data.short_name(l.name, 24)} ({l.op}) {l.cycles:,} = {l.cycles / total:.0%}" for l in top)


def summary_rows(report: dict) -> list[tuple[str, str]]:
    rows = [("sparsity", sparsity_row(report)), ("top layers by time", top_layers_row(report))]
    return [(k, v) for k, v in rows if v]
