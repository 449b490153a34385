"""MAX_POOL_2D and AVERAGE_POOL_2D (int8)."""

from __future__ import annotations

from pipeline.compiler import planner, quant
from pipeline.compiler.ops import Ctx, Lowered, Unsupported, fused_activation_range, require_int8_activation


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    if len(inp.shape) != 4 or len(out.shape) != 4:
        raise Unsupported("expects 4-D NHWC tensors")
    o = op.options
    act_min, act_max = fused_activation_range(op, out)
    n, ih, iw, c = inp.shape
    _, oh, ow, oc = out.shape
    kh, kw, sh, sw = int(o.filterHeight), int(o.filterWidth), int(o.strideH), int(o.strideW)
    same = o.padding == 0
    if oc != c or (quant.compute_out_size(same, ih, kh, sh, 1), quant.compute_out_size(same, iw, kw, sw, 1)) != (oh, ow):
        raise Unsupported(f"output shape {out.shape} does not match the pooling geometry")
    ph, pw = quant.compute_padding(sh, 1, ih, kh, oh), quant.compute_padding(sw, 1, iw, kw, ow)
    params = [("batches", n), ("in_h", ih), ("in_w", iw), ("channels", c), ("out_h", oh), ("out_w", ow),
              ("k_h", kh), ("k_w", kw), ("stride_h", sh), ("stride_w", sw), ("pad_h", ph), ("pad_w", pw),
              ("act_min", act_min), ("act_max", act_max)]
    return Lowered(
        op=op, kernel=ctx.kernel(op.opcode, "none"), header="eat/pooling.h",
        params_type="eat_pool2d_s8_params_t", params=[(k, str(v)) for k, v in params],
        args=["&{p}", "{in0}", "{out0}"], macs=n * oh * ow * c * kh * kw,
        overlap=[(inp.index, planner.window_delta(n, ih, iw, c, oh, ow, c, sh, sw, ph, pw))],
        notes=[f"{kh}x{kw} window, stride {sh}x{sw}, {'SAME' if same else 'VALID'} -> pad {ph},{pw}"])


LOWERINGS = {"MAX_POOL_2D": lower, "AVERAGE_POOL_2D": lower}
