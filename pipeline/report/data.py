"""The report's sections read out of report.json, tolerant of fields a run (or branch) did not produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _first(d: dict, *keys: str) -> Any:
    """The first of `keys` present in `d` (other helpers name some fields their own way)."""
    for k in keys:
        if isinstance(d, dict) and d.get(k) is not None:
            return d[k]
    return None


@dataclass
class Layer:
    name: str
    op: str
    shape: list[int] = field(default_factory=list)
    macs: int | None = None
    kernel: str | None = None
    dense_bytes: int | None = None
    stored_bytes: int | None = None
    zero_fraction: float | None = None
    encoding: str | None = None
    encoding_reason: str | None = None
    cycles: int | None = None

    @property
    def cycles_per_mac(self) -> float | None:
        return self.cycles / self.macs if self.cycles is not None and self.macs else None


@dataclass
class Verdict:
    exact: int | None
    samples: int | None
    tolerance: str | None            # float models: the stated tolerance instead of bit-exact
    accuracy: dict[str, float | None]
    cycles_median: int | None
    cycles_min: int | None
    cycles_max: int | None
    ms_median: float | None
    cycles_unit: str
    cycles_source: str | None
    memory: dict[str, int | None]
    input_source: str | None
    target: str | None


def short_name(name: str, limit: int = 40) -> str:
    first = name.split(";")[0]
    first = first.split("/")[-2] if first.count("/") >= 2 else first
    return first if len(first) <= limit else first[: limit - 1] + "…"


def verdict(report: dict) -> Verdict:
    v = report.get("verify") or {}
    lat = report.get("latency") or {}
    mem = report.get("memory") or {}
    tol = _first(v, "tolerance", "ulp_tolerance", "max_ulp")
    tolerance = None
    if tol is not None:
        tolerance = tol if isinstance(tol, str) else (f"{tol} ULP" if not isinstance(tol, dict) else ", ".join(f"{k} {x}" for k, x in tol.items()))
    prune = report.get("prune") or {}
    accuracy = {
        "float": _first(report.get("model") or {}, "float_accuracy") or prune.get("float_accuracy"),
        "pruned (float)": prune.get("pruned_accuracy"),
        "int8 on the device": v.get("accuracy"),
    }
    return Verdict(
        exact=v.get("bit_exact"), samples=v.get("samples"), tolerance=tolerance, accuracy=accuracy,
        cycles_median=lat.get("cycles_median"), cycles_min=lat.get("cycles_min"), cycles_max=lat.get("cycles_max"),
        ms_median=lat.get("ms_median"), cycles_source=lat.get("source"), cycles_unit=lat.get("unit") or "cycles",
        memory={k: mem.get(k) for k in ("flash_bytes", "flash_budget_bytes", "ram_bytes", "ram_budget_bytes", "arena_bytes", "weights_bytes")},
        input_source=v.get("input_source"), target=report.get("target"),
    )


def _key(name: str) -> str:
    """Layer names joined across sources: TFLite's first ';' part, cut where compile's short_layer cuts."""
    return str(name).split(";")[0][:57]


def _index(rows: list[dict] | None) -> dict[str, dict]:
    return {_key(_first(r, "name", "layer")): r for r in rows or [] if _first(r, "name", "layer") is not None}


def layers(report: dict) -> list[Layer]:
    """Our compiler's rows, joined by layer name with the device profile and the sparsity report."""
    compiled = _get(report, "compile", "layers") or []
    profile = _get(report, "profile", "layers") or report.get("layers") or []
    sparsity = _get(report, "sparsity", "layers") or []
    prof, sparse = _index(profile), _index(sparsity)
    by_order = len(profile) == len(compiled) and not any(_key(r["name"]) in prof for r in compiled)
    out = []
    for i, r in enumerate(compiled):
        p = profile[i] if by_order else prof.get(_key(r["name"]), {})
        s = sparse.get(_key(r["name"]), {})
        out.append(Layer(
            name=r["name"], op=r["op"], shape=r.get("output_shape") or [], macs=r.get("macs"), kernel=r.get("kernel"),
            dense_bytes=_first(s, "dense_bytes", "dense_weight_bytes") or r.get("weights_dense_bytes"),
            stored_bytes=_first(s, "stored_bytes", "sparse_bytes", "sparse_weight_bytes") or r.get("weights_stored_bytes"),
            zero_fraction=_first(s, "zero_fraction", "sparsity") if s else r.get("weights_zero_fraction"),
            encoding=_first(s, "encoding", "format") or r.get("weights_format"),
            encoding_reason=_first(s, "reason", "why"),
            cycles=p.get("cycles"),
        ))
    if not compiled:   # a profile without the compiler's rows still makes a table
        out = [Layer(name=str(_first(p, "name", "layer")), op=str(p.get("op", "")), macs=p.get("macs"), cycles=p.get("cycles")) for p in profile]
    return out


@dataclass
class Confusion:
    classes: list[int]
    matrix: list[list[int]]           # matrix[true][predicted]
    samples: int


def confusion(report: dict) -> Confusion | None:
    preds, labels = _get(report, "verify", "predictions"), _get(report, "verify", "labels")
    if not preds or not labels or len(preds) != len(labels):
        return None
    classes = sorted(set(preds) | set(labels))
    pos = {c: i for i, c in enumerate(classes)}
    m = [[0] * len(classes) for _ in classes]
    for p, t in zip(preds, labels):
        m[pos[t]][pos[p]] += 1
    return Confusion(classes, m, len(preds))


def mismatches(report: dict) -> list[dict]:
    return list(_get(report, "verify", "first_mismatches") or [])


def arena(report: dict) -> dict | None:
    a = report.get("arena") or _get(report, "compile", "arena_map")
    return a if a and a.get("buffers") else None


def sparsity_summary(report: dict) -> dict[str, Any]:
    s = report.get("sparsity") or {}
    return {k: s.get(k) for k in ("flash_saved_bytes", "weight_bytes_saved", "firmware_flash_saved_bytes",
                                  "cycles_ratio") if s.get(k) is not None}


def top_layers(report: dict, n: int = 3) -> list[Layer]:
    """The n layers that took the most device cycles (empty when no profile was measured)."""
    timed = [l for l in layers(report) if l.cycles]
    return sorted(timed, key=lambda l: -(l.cycles or 0))[:n]


def kind(report: dict) -> str:
    return "bench" if isinstance(report.get("models"), list) else "deploy"
