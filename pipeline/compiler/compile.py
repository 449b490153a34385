"""The `compile` stage: a full-int8 (or float32) .tflite -> model.c, model.h, compile.json (our own engine).

All checks run before anything is written: an unsupported model raises ONE PipelineError that
lists every unsupported op and tensor type, with its layer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.compiler import emit, planner, sparse_cost
from pipeline.compiler.constant_inputs import fold_constant_inputs
from pipeline.compiler.fuse_pool import fuse_pools
from pipeline.compiler.layers import arena_map, layer_rows
from pipeline.compiler.ops import LOWERINGS, Ctx, Lowered, Unsupported, fully_connected
from pipeline.compiler.sparse import MODES
from pipeline.compiler.unread_outputs import drop_unread_outputs
from pipeline.compiler.ops_f32 import float_lowering
from pipeline.errors import PipelineError
from pipeline.tflite.model import Model, load

CORES = ("generic", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "rv32imc")
ARENA_ALIGNMENT = 4
FIX_HINT = "our engine runs full-int8 or float32 models; re-quantize with int8 input/output"


@dataclass
class OpInfo:
    index: int
    opcode: str
    layer: str
    kernel: str | None
    macs: int
    scratch_bytes: int
    fused: list[dict] = field(default_factory=list)   # ops run inside this one's call (fuse_pool.py)

    @property
    def label(self) -> str:
        """The opcode, with those of the ops fused into it: "CONV_2D+MAX_POOL_2D"."""
        return "+".join([self.opcode, *(f["opcode"] for f in self.fused)])


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
    weights_mode: str = "auto"   # sparse.MODES: how FC/CONV/DEPTHWISE weights were encoded
    sparsity: list[dict] = field(default_factory=list)   # sparse.LayerChoice per weight tensor
    layers: list[dict] = field(default_factory=list)      # per op: shape, MACs, weight bytes (layers.py)
    arena_map: dict = field(default_factory=dict)         # the plan: buffers, offsets, lifetimes (layers.py)
    folded: list[dict] = field(default_factory=list)      # constant_inputs.Fold per consumer whose bias took them
    dropped: list[dict] = field(default_factory=list)     # unread_outputs.Drop per producer whose unread channels went

    def to_json(self) -> dict:
        return asdict(self)


LAYER_CHARS = 60
EDGE_OPS = ("QUANTIZE", "DEQUANTIZE")   # their lowerings explain float edges better than a type list


def short_layer(name: str) -> str:
    """A layer name fit for one line: TFLite fuses names with ';' (keep the first) and they run long."""
    first = name.split(";")[0]
    return first if len(first) <= LAYER_CHARS else first[:LAYER_CHARS - 3] + "..."


class _Issues:
    """Problems grouped so that the error stays one readable line: each distinct problem once, with
    its first layer and a count of the other places it occurs."""

    def __init__(self) -> None:
        self.groups: dict[str, list[str]] = {}           # message -> layers
        self.float_ops: dict[tuple[str, str], list[str]] = {}   # (dtype, opcode) -> layers
        self.edges: list[str] = []                      # model input/output tensors of the wrong type

    def add(self, message: str, layer: str) -> None:
        self.groups.setdefault(message, []).append(short_layer(layer))

    def render(self, hybrid: bool) -> list[str]:
        out = []
        if self.float_ops:
            n = sum(len(v) for v in self.float_ops.values())
            dtypes = "/".join(sorted({d for d, _ in self.float_ops}))
            parts = []
            for (_, opcode), layers in self.float_ops.items():
                more = f" + {len(layers) - 1} more {opcode}" if len(layers) > 1 else ""
                parts.append(f"at layer '{layers[0]}' ({opcode}){more}")
            lead = f"hybrid model (int8 weights, {dtypes} activations): " if hybrid else ""
            out.append(f"{lead}{dtypes} tensors in {n} op{'s' if n > 1 else ''}: {', '.join(parts)}")
        out += self.edges
        for message, layers in self.groups.items():
            more = f" (and {len(layers) - 1} more)" if len(layers) > 1 else ""
            out.append(message.replace("{layer}", layers[0]) + more)
        return out


def lower_model(model: Model, core: str = "generic", weights: str = "auto", choices: list | None = None) -> list[Lowered]:
    """Lower every op, or raise one PipelineError (one line) listing every distinct problem.
    `weights`: sparse.MODES; the dense/sparse choice per weight tensor is appended to `choices`."""
    issues = _Issues()
    hybrid = False
    if model.subgraph_count > 1:
        issues.add(f"{model.subgraph_count} subgraphs (control flow)", "")
    ctx = Ctx(model, core, weight_mode=weights, choices=choices if choices is not None else [],
              fc_w16=fully_connected.w16_ops(model))
    lowered: list[Lowered] = []
    seen: set[int] = set()
    for t in model.inputs + model.outputs:
        tensor = model.tensors[t]
        if len(tensor.shape) > 6:
            issues.add(f"tensor '{tensor.name}' has more than 6 dimensions", "")
    for op in model.operators:
        layer = short_layer(op.layer)
        f32 = float_lowering(model, op)   # float32 ops (and float<->int8 QUANTIZE/DEQUANTIZE)
        if f32 is not None:
            try:
                lowered.append(f32(ctx, op))
            except Unsupported as e:
                issues.add(f"{op.opcode} at layer '{{layer}}': {e}", op.layer)
            continue
        bad = [t for t in op.inputs + op.outputs
               if t >= 0 and model.tensors[t].dtype != "int8" and not model.tensors[t].is_const]
        edge_op = op.opcode in EDGE_OPS and op.opcode in LOWERINGS
        if bad and not edge_op:
            if any(model.tensors[t].is_const and model.tensors[t].dtype == "int8" for t in op.inputs if t >= 0):
                hybrid = True
            for t in bad:
                tensor = model.tensors[t]
                if t not in seen and (t in model.inputs or t in model.outputs):
                    role = "model input" if t in model.inputs else "model output"
                    named = "" if (op.outputs and t == op.outputs[0] and tensor.name == op.layer) \
                        else f" '{short_layer(tensor.name)}'"
                    issues.edges.append(f"{tensor.dtype} {role} tensor{named} at layer '{layer}' ({op.opcode})")
                seen.add(t)
            issues.float_ops.setdefault((model.tensors[bad[0]].dtype, op.opcode), []).append(layer)
        if op.opcode == "CUSTOM":
            issues.add(f"custom op '{op.custom_code}' at layer '{{layer}}'", op.layer)
            continue
        if op.opcode not in LOWERINGS:
            issues.add(f"{op.opcode} at layer '{{layer}}'", op.layer)
            continue
        if bad and not edge_op:
            continue
        try:
            lowered.append(LOWERINGS[op.opcode](ctx, op))
        except Unsupported as e:
            issues.add(f"{op.opcode} at layer '{{layer}}': {e}", op.layer)
        except (IndexError, ValueError, ZeroDivisionError, OverflowError, TypeError, KeyError) as e:
            # a malformed model (a weight of the wrong rank, an empty dimension...) the structural
            # checks of pipeline/tflite/validate.py let through: named, on one line
            issues.add(f"{op.opcode} at layer '{{layer}}': its tensors do not fit the op ({type(e).__name__}: {e})", op.layer)
    problems = issues.render(hybrid)
    if problems:
        raise PipelineError(f"{model.name} unsupported: {'; '.join(problems)} — {FIX_HINT}")
    return fuse_pools(model, lowered)


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
    if scratch:
        p = planner.plan(len(lowered), sizes, producers, consumers, list(model.inputs), list(model.outputs),
                         aliases, inplace, scratch, {t: model.tensors[t].name for t in sizes}, alignment, overlaps)
    return _by_op_index(p, [lw.op.index for lw in lowered])


def _by_op_index(p: planner.Plan, index_of: list[int]) -> planner.Plan:
    """The plan's steps are positions in the lowered list; the emitted code and compile.json name ops by their
    .tflite index, which differs after an op fused into another (fuse_pool.py): lifetimes and scratch renamed."""
    if all(i == k for k, i in enumerate(index_of)):
        return p
    for b in p.buffers:
        if not b.tensors and b.label == f"scratch of op {b.first}":
            b.label = f"scratch of op {index_of[b.first]}"
        b.first, b.last = index_of[b.first], index_of[b.last]
    p.scratch_offset = {index_of[k]: off for k, off in p.scratch_offset.items()}
    return p


def _priced_fused(choice, model: Model, op_index: int, fused: dict, core: str) -> None:
    """A conv whose call runs the pool after it: both estimates lose what the fused forms save
    (sparse_cost.pooled_saving; the dense side is the plane walk too when a weight of -128 keeps the one-channel
    conv out), and the reason says so."""
    op = model.operators[op_index]
    outputs = int(model.tensors[op.outputs[0]].size)            # the conv's own output, before the pool
    w = model.tensors[op.inputs[1]].data
    dense = sparse_cost.pooled_saving(core, outputs, plane=w is not None and int(w.min()) == -128)
    sparse = sparse_cost.pooled_saving(core, outputs, plane=True)
    choice.dense_cycles_est -= dense
    choice.sparse_cycles_est -= sparse
    choice.reason += (f"; {fused['opcode']} op {fused['op_index']} fused into its call (the estimates price the "
                      f"fused call: {dense:,} cycles fewer dense, {sparse:,} sparse)")


def compile_model(tflite: Path, out_dir: Path, core: str = "generic", weights: str = "auto") -> CompileResult:
    tflite, out_dir = Path(tflite), Path(out_dir)
    if core not in CORES:
        raise PipelineError(f"unknown core '{core}'; choose one of {', '.join(CORES)}")
    if weights not in MODES:
        raise PipelineError(f"unknown weights mode '{weights}'; choose one of {', '.join(MODES)}")
    model, folds = fold_constant_inputs(load(tflite))
    model, drops = drop_unread_outputs(model)
    choices: list = []
    lowered = lower_model(model, core, weights, choices)
    choice_of = {c.op_index: c for c in choices}   # one weight tensor per op
    for edit in [*folds, *drops]:    # the layer's choice says why it has more zeros than the .tflite
        if edit.op_index in choice_of:
            choice_of[edit.op_index].reason += f"; {edit.reason}"
    for lw in lowered:               # and which op runs inside its call (fuse_pool.py), priced fused
        for f in lw.fused:
            if lw.op.index in choice_of:
                _priced_fused(choice_of[lw.op.index], model, lw.op.index, f, core)
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
        ops=[OpInfo(lw.op.index, lw.op.opcode, lw.op.layer, lw.kernel, lw.macs, lw.scratch_bytes, lw.fused)
             for lw in lowered],
        inputs=[info(t) for t in model.inputs], outputs=[info(t) for t in model.outputs],
        naive_arena_bytes=plan.naive_bytes, files=["model.c", "model.h", "compile.json"],
        weights_mode=weights, sparsity=[c.to_json() for c in choices],
        layers=layer_rows(model, lowered), arena_map=arena_map(model, lowered, plan),
        folded=[f.to_json() for f in folds], dropped=[d.to_json() for d in drops])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.c").write_text(source)
    (out_dir / "model.h").write_text(header)
    (out_dir / "compile.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    return result


def main(tflite: str | Path, out_dir: str | Path, core: str = "generic", weights: str = "auto") -> CompileResult:
    """Entry point for the CLI (which owns argument parsing)."""
    return compile_model(Path(tflite), Path(out_dir), core, weights)
