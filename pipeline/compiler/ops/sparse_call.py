"""Switch a lowered FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D call to a sparse kernel (d4 or 2:4):
the folded bias array (with the accumulator bounds a clamping variant reads), its scratch and notes."""

from __future__ import annotations

import numpy as np

from pipeline.compiler import clamp_bounds, fixedpoint
from pipeline.compiler.kernels import Variant
from pipeline.compiler.ops import CArray, Lowered


def switch_call(lw: Lowered, variant: Variant, pre: str, folded: np.ndarray, how: str, geo: dict | None,
                weights_note: str, tail: tuple[np.ndarray, str] | None = None) -> Lowered:
    """`lw` calling `variant` with `folded` as its bias: followed by each channel's accumulator bounds
    when the variant clamps (`geo` has act_min/act_max), then `tail` (an array and its note) if given;
    `how` says where the bias came from and `weights_note` what the weights became."""
    lw.kernel = variant.function
    lw.arrays = [a for a in lw.arrays if a.name != pre + "bias"]
    if variant.clamp_bounds:
        assert geo is not None, "a clamping variant needs the activation range"
        arr = {a.name: a.values for a in lw.arrays}
        params = dict(lw.params)
        if pre + "mult" in arr:
            mults, shifts = arr[pre + "mult"], arr[pre + "shift"]
        else:   # per-tensor (FULLY_CONNECTED): the one multiplier and shift for every channel
            mults = np.full(len(folded), int(params["output_multiplier"]), np.int64)
            shifts = np.full(len(folded), int(params["output_shift"]), np.int64)
        folded, how = clamp_bounds.with_bounds(folded, mults, shifts, int(params["output_offset"]),
                                               geo["act_min"], geo["act_max"], how)
        if variant.rq_table:
            table, note = fixedpoint.armv6m_rq_table(mults, shifts, int(params["output_offset"]))
            folded, how = np.concatenate([folded, np.array(table, np.int64)]), how + note
    if tail is not None:
        folded, how = np.concatenate([folded, tail[0]]), how + tail[1]
    lw.arrays.append(CArray(pre + "bias_folded", "int32_t", folded, f"folded bias: {how}"))
    lw.args = [pre + "bias_folded" if a.endswith("bias") or a == "NULL" and k == 2 else a
               for k, a in enumerate(lw.args)]
    lw.scratch_bytes = int(variant.scratch(geo))
    lw.notes = [n for n in lw.notes if not n.startswith("kernel ")]
    lw.notes.append(f"kernel {variant.function} ({variant.source}): {variant.why}")
    lw.notes.append(weights_note)
    return lw
