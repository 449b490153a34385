"""MAX_POOL_2D and AVERAGE_POOL_2D (int8)."""

from __future__ import annotations

from pipeline.compiler import planner
from pipeline.compiler.ops.geometry import pool_window
from pipeline.compiler.ops import Ctx, Lowered, fused_activation_range, require_int8_activation


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    g = pool_window(op, inp, out)
    act_min, act_max = fused_activation_range(op, out)
    n, ih, iw, c, oh, ow = g.n, g.ih, g.iw, g.ic, g.oh, g.ow
    kh, kw, sh, sw, ph, pw = g.kh, g.kw, g.sh, g.sw, g.ph, g.pw
    params = [("batches", n), ("in_h", ih), ("in_w", iw), ("channels", c), ("out_h", oh), ("out_w", ow),
              ("k_h", kh), ("k_w", kw), ("stride_h", sh), ("stride_w", sw), ("pad_h", ph), ("pad_w", pw),
              ("act_min", act_min), ("act_max", act_max)]
    return Lowered(
        op=op, kernel=ctx.kernel(op.opcode, "none"), header="eat/pooling.h",
        params_type="eat_pool2d_s8_params_t", params=[(k, str(v)) for k, v in params],
        args=["&{p}", "{in0}", "{out0}"], macs=n * oh * ow * c * kh * kw,
        overlap=[(inp.index, planner.window_delta(n, ih, iw, c, oh, ow, c, sh, sw, ph, pw))],
        notes=[f"{kh}x{kw} window, stride {sh}x{sw}, {g.padding_name} -> pad {ph},{pw}"])


LOWERINGS = {"MAX_POOL_2D": lower, "AVERAGE_POOL_2D": lower}
