"""MEAN int8, as this wheel's TFLM computes it (reduce_common.cc EvalIntegerMean ->
reference_ops::QuantizedMeanOrSum, integer form, for every axis set and keep_dims, with equal or
different input/output quantization alike: no special 4-D H,W path for int8 any more):

  multiplier, shift = QuantizeMultiplier(double(in_scale) / double(out_scale))
  k = min(floor(log2 N), 32, 31 + shift); multiplier = (multiplier << k) / N; shift -= k
  out = clamp(MultiplyByQuantizedMultiplier(sum - in_zp * N, multiplier, shift) + out_zp)
"""

from __future__ import annotations

import numpy as np

from pipeline.compiler import quant
from pipeline.compiler.ops import Ctx, Lowered, Unsupported, c_int, require_int8_activation


def mean_multiplier(in_scale: float, out_scale: float, n: int) -> tuple[int, int]:
    m, s = quant.quantize_multiplier(float(np.float32(in_scale)) / float(np.float32(out_scale)))
    k = min(n.bit_length() - 1, 32, 31 + s)
    return int((m << k) // n), s - k


def lower(ctx: Ctx, op) -> Lowered:
    inp = require_int8_activation(op, ctx.t(op.inputs[0]), "input")
    out = require_int8_activation(op, ctx.t(op.outputs[0]), "output")
    axes_t = ctx.t(op.inputs[1])
    if axes_t is None or not axes_t.is_const:
        raise Unsupported("axes must be constant")
    nd = len(inp.shape)
    if nd > 4:
        raise Unsupported(f"{nd}-D input")
    axes = sorted({int(a) + nd if int(a) < 0 else int(a) for a in axes_t.data.reshape(-1)})
    if any(not 0 <= a < nd for a in axes):
        raise Unsupported(f"axes {axes_t.data.reshape(-1).tolist()} out of range")
    # view as [outer][reduce][inner]: the reduced dims (ignoring size-1 dims) must be contiguous
    kinds = [("r" if d in axes else "n") for d in range(nd) if inp.shape[d] != 1]
    pattern = "".join(kinds)
    if "r" in pattern and "n" in pattern[pattern.index("r"):pattern.rindex("r") + 1]:
        raise Unsupported(f"non-contiguous axes {axes} on {inp.shape}")
    first = next((d for d in range(nd) if d in axes and inp.shape[d] != 1), None)
    if first is None:
        outer, red, inner = 1, 1, inp.size
    else:
        last = max(d for d in range(nd) if d in axes and inp.shape[d] != 1)
        outer = int(np.prod(inp.shape[:first]))
        red = int(np.prod(inp.shape[first:last + 1]))
        inner = int(np.prod(inp.shape[last + 1:]))
    if outer * inner != out.size:
        raise Unsupported(f"output {out.shape} does not match reducing {inp.shape} over {axes}")
    n = int(np.prod([inp.shape[a] for a in axes])) if axes else 1
    m, s = mean_multiplier(inp.scale, out.scale, n)
    params = [("outer", c_int(outer)), ("reduce", c_int(red)), ("inner", c_int(inner)),
              ("input_offset", c_int(-inp.zero_point * n)), ("output_offset", c_int(out.zero_point)),
              ("multiplier", c_int(m)), ("shift", c_int(s))]
    return Lowered(op=op, kernel=ctx.kernel("MEAN", "none"), header="eat/mean.h", params_type="eat_mean_s8_params_t",
                   params=params, args=["&{p}", "{in0}", "{out0}"], macs=inp.size,
                   notes=[f"mean over axes {axes} (N={n}): [{outer}][{red}][{inner}], multiplier {m} shift {s} "
                          f"(QuantizeMultiplier(in/out) with 1/N folded in)"])


LOWERINGS = {"MEAN": lower}
