"""The `compile` stage: a full-int8 .tflite -> model.c, model.h, compile.json (our own engine).

All checks run before anything is written: an unsupported model raises ONE PipelineError that
lists every unsupported op and tensor type, with its layer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.compiler import emit, planner
from pipeline.compiler.ops import LOWERINGS, Ctx, Lowered, Unsupported
from pipeline.errors import PipelineError
from pipeline.tflite_model import Model, load

CORES = ("generic", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33")
ARENA_ALIGNMENT = 4
FIX_HINT = "our engine runs full-int8 models; re-quantize with int8 input/output"


@dataclass
class OpInfo:
    index: int
    opcode: str
    layer: str
    kernel: str | None
    macs: int
    scratch_bytes: int


@dataclass
class TensorInfo:
    name: str
    shape: list[int]
    dtype: str
    scale: float
    zero_point: int
    bytes: int
    arena_offset: int


@dataclass
class CompileResult:
    model: str
    sha256: str
    core: str
    arena_bytes: int
    weights_bytes: int           # constant data placed in flash (weights, biases, multipliers)
    macs: int
    ops: list[OpInfo] = field(default_factory=list)
    inputs: list[TensorInfo] = field(default_factory=list)
    outputs: list[TensorInfo] = field(default_factory=list)
    naive_arena_bytes: int = 0   # the arena with no sharing at all, for comparison
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _issue_for_tensor(model: Model, t: int, op, seen: set[int]) -> str | None:
    tensor = model.tensors[t]
    if t in seen or tensor.is_const:
        return None
    if tensor.dtype != "int8":
        seen.add(t)
        role = "model input " if t in model.inputs else "model output " if t in model.outputs else ""
        if op.outputs and t == op.outputs[0] and tensor.name == op.layer:
            return f"{tensor.dtype} {role}tensor at layer '{op.layer}' ({op.opcode})"
        return f"{tensor.dtype} {role}tensor '{tensor.name}' at layer '{op.layer}' ({op.opcode})"
    return None


def lower_model(model: Model, core: str = "generic") -> list[Lowered]:
    """Lower every op, or raise one PipelineError listing every problem."""
    issues: list[str] = []
    hybrid = False
    if model.subgraph_count > 1:
        issues.append(f"{model.subgraph_count} subgraphs (control flow)")
    ctx = Ctx(model, core)
    lowered: list[Lowered] = []
    seen: set[int] = set()
    for t in model.inputs + model.outputs:
        tensor = model.tensors[t]
        if len(tensor.shape) > 6:
            issues.append(f"tensor '{tensor.name}' has more than 6 dimensions")
    for op in model.operators:
        type_issues = [i for t in op.inputs + op.outputs if t >= 0
                       for i in [_issue_for_tensor(model, t, op, seen)] if i]
        bad_types = any(model.tensors[t].dtype != "int8" and not model.tensors[t].is_const
                        for t in op.inputs + op.outputs if t >= 0)
        if bad_types and any(model.tensors[t].is_const and model.tensors[t].dtype == "int8"
                             for t in op.inputs if t >= 0):
            hybrid = True
        issues += type_issues
        if op.opcode == "CUSTOM":
            issues.append(f"custom op '{op.custom_code}' at layer '{op.layer}'")
            continue
        if op.opcode not in LOWERINGS:
            issues.append(f"{op.opcode} at layer '{op.layer}'")
            continue
        if bad_types:
            continue
        try:
            lowered.append(LOWERINGS[op.opcode](ctx, op))
        except Unsupported as e:
            issues.append(f"{op.opcode} at layer '{op.layer}': {e}")
    if issues:
        kind = ""
        if hybrid:
            kind = " (a dynamic-range/hybrid model: int8 weights with float activations)"
        raise PipelineError(f"{model.name}{kind} unsupported: {'; '.join(issues)} — {FIX_HINT}")
    return lowered


def plan_model(model: Model, lowered: list[Lowered], alignment: int = ARENA_ALIGNMENT) -> planner.Plan:
    sizes: dict[int, int] = {}
    producers: dict[int, int] = {}
    consumers: dict[int, list[int]] = {}
    aliases: dict[int, int] = {}
    inplace: dict[int, list[int]] = {}
    scratch: dict[int, int] = {}
    overlaps: dict[int, list[tuple[int, int, int]]] = {}
    for k, lw in enumerate(lowered):
        op = lw.op
        for t in op.inputs:
            if t >= 0 and not model.tensors[t].is_const:
                sizes[t] = model.tensors[t].nbytes
                consumers.setdefault(t, []).append(k)
        for t in op.outputs:
            sizes[t] = model.tensors[t].nbytes
            producers[t] = k
        if lw.alias_of is not None:
            aliases[op.outputs[0]] = lw.alias_of
        if lw.inplace_inputs:
            inplace[k] = [op.outputs[0], *lw.inplace_inputs]
        if lw.scratch_bytes:
            scratch[k] = lw.scratch_bytes
        if lw.overlap:
            overlaps[k] = [(op.outputs[0], t, d) for t, d in lw.overlap]
    for t in model.inputs + model.outputs:
        sizes[t] = model.tensors[t].nbytes
    p = planner.plan(len(lowered), sizes, producers, consumers, list(model.inputs), list(model.outputs),
                     aliases, inplace, {}, {t: model.tensors[t].name for t in sizes}, alignment, overlaps)
    if scratch:  # scratch is keyed by op index in the emitted code
        p = planner.plan(len(lowered), sizes, producers, consumers, list(model.inputs), list(model.outputs),
                         aliases, inplace, {lowered[k].op.index: v for k, v in scratch.items()},
                         {t: model.tensors[t].name for t in sizes}, alignment, overlaps)
    return p


def compile_model(tflite: Path, out_dir: Path, core: str = "generic") -> CompileResult:
    tflite, out_dir = Path(tflite), Path(out_dir)
    if core not in CORES:
        raise PipelineError(f"unknown core '{core}'; choose one of {', '.join(CORES)}")
    model = load(tflite)
    lowered = lower_model(model, core)
    plan = plan_model(model, lowered)
    macs = sum(lw.macs for lw in lowered)
    weights_bytes = emit.const_bytes(lowered)
    source = emit.emit_source(model, lowered, plan, {"macs": macs, "weights_bytes": weights_bytes})
    header = emit.emit_header(model, plan.arena_bytes)

    def info(t: int) -> TensorInfo:
        x = model.tensors[t]
        return TensorInfo(x.name, list(x.shape), x.dtype, x.scale, x.zero_point, x.nbytes, plan.tensor_offset[t])

    result = CompileResult(
        model=model.name, sha256=model.sha256, core=core, arena_bytes=plan.arena_bytes,
        weights_bytes=weights_bytes, macs=macs,
        ops=[OpInfo(lw.op.index, lw.op.opcode, lw.op.layer, lw.kernel, lw.macs, lw.scratch_bytes) for lw in lowered],
        inputs=[info(t) for t in model.inputs], outputs=[info(t) for t in model.outputs],
        naive_arena_bytes=plan.naive_bytes, files=["model.c", "model.h", "compile.json"])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.c").write_text(source)
    (out_dir / "model.h").write_text(header)
    (out_dir / "compile.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


def main(tflite: str | Path, out_dir: str | Path, core: str = "generic") -> CompileResult:
    """Entry point for the CLI (which owns argument parsing)."""
    return compile_model(Path(tflite), Path(out_dir), core)
