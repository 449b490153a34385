"""RESHAPE / SQUEEZE / EXPAND_DIMS: the output is a view of the input (no code, no copy)."""

from __future__ import annotations

from pipeline.compiler.ops import Ctx, Lowered, Unsupported, require_int8_activation


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    if inp.nbytes != out.nbytes:
        raise Unsupported(f"reshape from {inp.shape} to {out.shape} changes the size")
    if inp.is_const:
        raise Unsupported("reshape of a constant tensor")
    return Lowered(op=op, kernel=None, header=None, alias_of=inp.index,
                   notes=[f"view: {inp.shape} -> {out.shape}, same bytes as '{inp.name}'"])


LOWERINGS = {"RESHAPE": lower, "SQUEEZE": lower, "EXPAND_DIMS": lower}
