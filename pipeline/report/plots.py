"""The report's plots, drawn with matplotlib (no pyplot state) and returned as embeddable SVG data URIs."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: never look for a display
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from pipeline.report.data import Confusion, Layer, Verdict, short_name  # noqa: E402

INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"
BLUE, TEAL, AMBER, ROSE, SLATE = "#2563eb", "#0d9488", "#d97706", "#e11d48", "#94a3b8"
PALETTE = ("#2563eb", "#0d9488", "#d97706", "#7c3aed", "#db2777", "#059669", "#ea580c", "#4f46e5", "#0891b2", "#65a30d")
STYLE = {
    "svg.fonttype": "none", "svg.hashsalt": "edge-ai-tiny", "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"], "font.size": 9,
    "axes.edgecolor": GRID, "axes.labelcolor": INK, "xtick.color": MUTED, "ytick.color": MUTED,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": GRID,
    "grid.linewidth": 0.6, "axes.axisbelow": True, "axes.titleweight": "bold", "axes.titlesize": 10,
}


def _figure(w: float, h: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(w, h), dpi=96, layout="constrained")


def _human(x: float, _pos: int | None = None) -> str:
    """Axis ticks as 250k / 1.5M rather than matplotlib's offset notation."""
    for unit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= unit:
            return f"{x / unit:g}{suffix}"
    return f"{x:g}"


HUMAN = FuncFormatter(_human)


def _uri(fig: Figure) -> str:
    buf = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buf, format="svg", metadata={"Date": None}, facecolor="white")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def budget_plot(v: Verdict) -> str | None:
    """Flash and RAM used against the board's budget (arena and weights shown inside them)."""
    m = v.memory
    if not m.get("flash_budget_bytes") or not m.get("ram_budget_bytes") or m.get("flash_bytes") is None:
        return None
    with matplotlib.rc_context(STYLE):
        fig = _figure(5.9, 1.9)
        ax = fig.add_subplot()
        rows = [("RAM", m["ram_bytes"] or 0, m["ram_budget_bytes"], m.get("arena_bytes"), "arena"),
                ("flash", m["flash_bytes"] or 0, m["flash_budget_bytes"], m.get("weights_bytes"), "weights")]
        for y, (label, used, budget, part, part_label) in enumerate(rows):
            ax.barh(y, 100, color="#f1f5f9", height=0.55)
            ax.barh(y, used / budget * 100, color=BLUE if used <= budget else ROSE, height=0.55, label="used" if y == 0 else None)
            if part:
                ax.barh(y, part / budget * 100, color=TEAL, height=0.55, label="arena / weights" if y == 0 else None)
            ax.text(min(used / budget * 100, 100) + 1, y, f"{used:,} of {budget:,} B ({used / budget:.1%}); {part_label} {part or 0:,} B",
                    va="center", fontsize=8, color=INK)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the board's budget")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        ax.grid(axis="y", visible=False)
        return _uri(fig)


def accuracy_plot(acc: dict[str, float | None]) -> str | None:
    known = [(k, x) for k, x in acc.items() if x is not None]
    if not known:
        return None
    with matplotlib.rc_context(STYLE):
        fig = _figure(5.9, 0.6 + 0.42 * len(known))
        ax = fig.add_subplot()
        colors = [SLATE, TEAL, BLUE][-len(known):] if len(known) < 3 else [SLATE, TEAL, BLUE]
        ys = list(range(len(known)))[::-1]
        ax.barh(ys, [x * 100 for _, x in known], color=colors, height=0.6)
        for y, (_, x) in zip(ys, known):
            ax.text(x * 100 + 0.5, y, f"{x:.1%}", va="center", fontsize=8, color=INK)
        ax.set_yticks(ys, [k for k, _ in known])
        ax.set_xlim(0, 108)
        ax.set_xlabel("accuracy on the test split (%)")
        ax.grid(axis="y", visible=False)
        return _uri(fig)


def layers_plot(layers: Sequence[Layer]) -> str | None:
    """MACs per layer, and device cycles per layer beside them when the profile measured them."""
    rows = [l for l in layers if l.macs or l.cycles]
    if not rows:
        return None
    timed = any(l.cycles for l in rows)
    with matplotlib.rc_context(STYLE):
        fig = _figure(6.4 * (2 if timed else 1), 0.6 + 0.28 * len(rows))
        axes = fig.subplots(1, 2 if timed else 1, sharey=True, squeeze=False)[0]
        ys = list(range(len(rows)))[::-1]
        labels = [f"{l.op} {short_name(l.name, 24)}" for l in rows]
        axes[0].barh(ys, [l.macs or 0 for l in rows], color=BLUE, height=0.65)
        axes[0].set_title("MACs", loc="left")
        axes[0].set_yticks(ys, labels, fontsize=7)
        if timed:
            axes[1].barh(ys, [l.cycles or 0 for l in rows], color=AMBER, height=0.65)
            axes[1].set_title("device cycles (profile)", loc="left")
        for ax in axes:
            ax.grid(axis="y", visible=False)
            ax.xaxis.set_major_formatter(HUMAN)
        return _uri(fig)


def arena_plot(arena: dict) -> str | None:
    """The arena as a memory map: each buffer a box spanning its bytes (y) over its ops (x)."""
    buffers, ops = arena.get("buffers") or [], arena.get("ops") or []
    if not buffers:
        return None
    n_ops = max(len(ops), max(b["last_op"] for b in buffers) + 1)
    with matplotlib.rc_context(STYLE):
        fig = _figure(12.8, 3.2 + 0.08 * len(buffers))
        ax = fig.add_subplot()
        total = max(arena.get("arena_bytes") or 0, max(b["offset"] + b["size"] for b in buffers))
        for i, b in enumerate(buffers):
            color = PALETTE[i % len(PALETTE)]
            x0, width = b["first_op"] - 0.42, b["last_op"] - b["first_op"] + 0.84
            ax.broken_barh([(x0, width)], (b["offset"], b["size"]), facecolors=color, alpha=0.55, edgecolor=color, linewidth=1.0)
            if b["size"] / total > 0.06:
                ax.text(x0 + width / 2, b["offset"] + b["size"] / 2, f"{short_name(b['label'], 22)}\n{b['size']:,} B",
                        ha="center", va="center", fontsize=7, color=INK, clip_on=True)
        ax.axhline(total, color=ROSE, linewidth=1, linestyle="--")
        ax.text(n_ops - 0.5, total, f" arena {total:,} B", color=ROSE, fontsize=8, va="bottom", ha="right")
        ax.set_xlim(-0.6, n_ops - 0.4)
        ax.set_ylim(0, total * 1.08)
        names = [(ops[k].split(" ")[0] if k < len(ops) else "")[:18] for k in range(n_ops)]
        if n_ops <= 12:
            ax.set_xticks(range(n_ops), [f"{k}\n{n}" for k, n in enumerate(names)], fontsize=7)
        else:   # many ops: the names stand upright so they never run into each other
            ax.set_xticks(range(n_ops), [f"{n} {k}" for k, n in enumerate(names)], fontsize=6, rotation=90)
        ax.set_xlabel("op timeline (execution order)")
        ax.set_ylabel("arena offset (bytes)")
        ax.yaxis.set_major_formatter(HUMAN)
        ax.grid(axis="x", visible=False)
        return _uri(fig)


def confusion_plot(c: Confusion) -> str:
    with matplotlib.rc_context(STYLE):
        size = min(4.6, 1.6 + 0.3 * len(c.classes))
        fig = _figure(size + 0.8, size)
        ax = fig.add_subplot()
        im = ax.imshow(c.matrix, cmap="Blues")
        peak = max(max(r) for r in c.matrix) or 1
        for t, row in enumerate(c.matrix):
            for p, n in enumerate(row):
                if n:
                    ax.text(p, t, str(n), ha="center", va="center", fontsize=7, color="white" if n > peak * 0.55 else INK)
        ax.set_xticks(range(len(c.classes)), [str(k) for k in c.classes])
        ax.set_yticks(range(len(c.classes)), [str(k) for k in c.classes])
        ax.set_xlabel("predicted on the device")
        ax.set_ylabel("true label")
        ax.grid(False)
        fig.colorbar(im, ax=ax, shrink=0.8)
        return _uri(fig)


def bench_plot(models: list[dict]) -> str | None:
    """Cycles per inference per model: ours beside TFLM reference and TFLM + CMSIS-NN where measured."""
    series = [("ours", "cycles", BLUE), ("TFLM reference", "tflm_ref_cycles", SLATE), ("TFLM + CMSIS-NN", "tflm_cmsis_cycles", AMBER)]
    return _grouped(models, series, f"{(models[0].get('cycles_unit') if models else None) or 'cycles'} per inference (log)")


def bench_arena_plot(models: list[dict]) -> str | None:
    """Arena bytes per model: ours beside TFLM's on Cortex-M where measured."""
    return _grouped(models, [("ours", "arena_bytes", BLUE), ("TFLM (Cortex-M)", "tflm_arena_bytes", AMBER)], "arena bytes", log=False)


def _grouped(models: list[dict], series: list[tuple[str, str, str]], ylabel: str, log: bool = True) -> str | None:
    series = [s for s in series if any(m.get(s[1]) for m in models)]
    if not models or not series:
        return None
    with matplotlib.rc_context(STYLE):
        fig = _figure(4.2 + 0.6 * len(models), 3.0)
        ax = fig.add_subplot()
        width = min(0.8 / len(series), 0.35)
        for k, (label, key, color) in enumerate(series):
            xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(models))]
            ax.bar(xs, [m.get(key) or 0 for m in models], width=width * 0.95, color=color, label=label)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(HUMAN)
        ax.set_xticks(range(len(models)), [short_name(m["name"], 22) for m in models], fontsize=8)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8, frameon=False, ncols=len(series), loc="lower left", bbox_to_anchor=(0, 1.0))
        ax.grid(axis="x", visible=False)
        return _uri(fig)
