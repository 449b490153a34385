"""PAD / PADV2 int8: constant padding with the output zero point (PAD) or the given constant."""

from __future__ import annotations

from pipeline.compiler.ops import Ctx, Lowered, Unsupported, c_int, require_int8_activation

MAX_DIMS = 6


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    pads = ctx.t(op.inputs[1])
    if pads is None or not pads.is_const:
        raise Unsupported("paddings must be constant")
    pv = out.zero_point
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        c = ctx.t(op.inputs[2])
        if not c.is_const or c.dtype != "int8":
            raise Unsupported("PADV2 constant must be a constant int8")
        pv = int(c.data.reshape(-1)[0])
    if inp.scale != out.scale or inp.zero_point != out.zero_point:
        raise Unsupported("input and output quantization differ")
    nd = len(inp.shape)
    if nd > MAX_DIMS or nd == 0:
        raise Unsupported(f"{nd}-D tensors")
    pp = pads.data.reshape(nd, 2).astype(int)
    if (pp < 0).any() or tuple(int(a + b + c) for a, (b, c) in zip(inp.shape, pp)) != tuple(out.shape):
        raise Unsupported(f"paddings {pp.tolist()} do not map {inp.shape} to {out.shape}")

    def arr(v):
        return "{" + ", ".join(map(str, list(v) + [0] * (MAX_DIMS - len(v)))) + "}"

    params = [("ndims", c_int(nd)), ("in_dims", arr(list(inp.shape))), ("out_dims", arr(list(out.shape))),
              ("before", arr([int(x) for x in pp[:, 0]])), ("pad_value", c_int(pv))]
    return Lowered(op=op, kernel=ctx.kernel(op.opcode if op.opcode == "PAD" else "PAD", "none"),
                   header="eat/pad.h", params_type="eat_pad_s8_params_t", params=params,
                   args=["&{p}", "{in0}", "{out0}"], macs=0,
                   notes=[f"paddings {pp.tolist()}, pad value {pv}"])


LOWERINGS = {"PAD": lower, "PADV2": lower}
