"""Render report.html from report.json alone (deploy or bench), and the `report` command's entry point."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from pipeline.errors import PipelineError
from pipeline.fsutil import atomic_write_text
from pipeline.report import data, plots

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class HtmlReport:
    path: Path
    kind: str                 # "deploy" or "bench"
    sections: list[str]       # section ids that had data to show


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["n"] = lambda x: "–" if x is None else (f"{x:,}" if isinstance(x, int) else f"{x:,.2f}")
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.1%}"
    env.filters["short"] = data.short_name
    return env


def deploy_context(report: dict) -> dict[str, Any]:
    v = data.verdict(report)
    layers = data.layers(report)
    arena = data.arena(report)
    conf = data.confusion(report)
    total_cycles = sum(l.cycles or 0 for l in layers)
    return {
        "v": v, "layers": layers, "total_cycles": total_cycles, "arena": arena, "confusion": conf,
        "mismatches": data.mismatches(report), "sparsity": data.sparsity_summary(report),
        "has_profile": any(l.cycles for l in layers),
        "plots": {
            "budget": plots.budget_plot(v), "accuracy": plots.accuracy_plot(v.accuracy),
            "layers": plots.layers_plot(layers), "arena": plots.arena_plot(arena) if arena else None,
            "confusion": plots.confusion_plot(conf) if conf else None,
        },
    }


def bench_context(report: dict) -> dict[str, Any]:
    models = report["models"]
    per_model = []
    for m in models:
        rows = [data.Layer(name=str(l.get("name", "")), op=str(l.get("op", "")), macs=l.get("macs"), cycles=l.get("cycles"),
                           encoding=l.get("encoding"), dense_bytes=l.get("dense_weight_bytes"), stored_bytes=l.get("sparse_weight_bytes"))
                for l in m.get("layers") or []]
        per_model.append({"name": m["name"], "layers": rows, "plot": plots.layers_plot(rows) if rows else None,
                          "total": sum(r.cycles or 0 for r in rows)})
    tflm_measured = any(m.get("tflm_ref_cycles") or m.get("tflm_cmsis_cycles") for m in models)
    return {"models": models, "per_model": per_model, "tflm_measured": tflm_measured,
            "plots": {"bench": plots.bench_plot(models), "arena": plots.bench_arena_plot(models)}}


def render_html(report: dict) -> tuple[str, list[str]]:
    kind = data.kind(report)
    if kind == "bench":
        ctx = bench_context(report)
        sections = ["bench"] + (["layers"] if any(p["layers"] for p in ctx["per_model"]) else [])
    else:
        ctx = deploy_context(report)
        sections = [s for s, ok in (("verdict", True), ("layers", bool(ctx["layers"])), ("arena", bool(ctx["arena"])),
                                    ("confusion", bool(ctx["confusion"] or ctx["mismatches"]))) if ok]
    html = _env().get_template(f"{kind}.html.j2").render(report=report, kind=kind, with_data=sections, **ctx)
    return html, sections


def write_report_html(report_json: Path, html_path: Path | None = None) -> HtmlReport:
    """report.json -> report.html beside it (or at `html_path`)."""
    try:
        report = json.loads(report_json.read_text())
    except FileNotFoundError:
        raise PipelineError(f"{report_json} not found; give a deploy/bench output directory or its report.json") from None
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{report_json} is not valid JSON ({exc.msg} at line {exc.lineno}); rerun deploy or bench to rewrite it") from None
    if not isinstance(report, dict) or not ("verify" in report or isinstance(report.get("models"), list)):
        raise PipelineError(f"{report_json} is neither a deploy report (no 'verify') nor a bench report (no 'models'); give the report.json deploy or bench wrote")
    html, sections = render_html(report)
    out = html_path or report_json.with_suffix(".html")
    atomic_write_text(out, html)
    return HtmlReport(out, data.kind(report), sections)


def resolve(path: Path) -> Path:
    """`report OUT_DIR` or `report FILE.json` -> the report.json to read."""
    if path.is_dir():
        return path / "report.json"
    if path.suffix == ".json":
        return path
    raise PipelineError(f"{path}: give a deploy/bench output directory or a report .json file")
