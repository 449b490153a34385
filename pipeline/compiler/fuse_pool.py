"""CONV_2D then a 2x2 stride-2 MAX_POOL_2D as one kernel call: the max of each window's accumulators, then one
requantisation per pooled output instead of four, and no conv output tensor in the arena.

Exact: a conv output is clamp(MultiplyByQuantizedMultiplier(acc) + zero point) under its activation, which does
not decrease as acc grows when the multiplier is positive and the shift is <= 0 (a left shift could wrap int32):
so the max of four outputs is the output of the max of their accumulators. TFLM's int8 max pool copies that max
and clamps it to the pool's activation range; fused only when that range holds the conv's (no second clamp).
Only the kernels that read `pool` (runtime/include/eat/conv.h) take it: the Cortex-M0+ one-channel convs (the dense
eat_conv2d_s8_c1_armv6m, the plane walks eat_conv2d_s8_sparse_plane_armv6m / eat_conv2d_s8_plane_armv6m: stride
1). The built-in example's conv1 + pool1 on the Pico: tests/test_fuse_pool.py.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pipeline.compiler.ops import Lowered, fused_activation_range
from pipeline.tflite.model import Model

KERNELS = {"eat_conv2d_s8_c1_armv6m": False,            # name -> the plane walk's stride-1 rule
           "eat_conv2d_s8_sparse_plane_armv6m": True,
           "eat_conv2d_s8_plane_armv6m": True}


def _array(lw: Lowered, suffix: str) -> np.ndarray | None:
    for a in lw.arrays:
        if a.name.endswith(suffix):
            return np.asarray(a.values, np.int64)
    return None


def _fusable(model: Model, conv: Lowered, pool: Lowered, consumers: dict[int, int]) -> str | None:
    """Why the pair cannot fuse (None: it can)."""
    if conv.op.opcode != "CONV_2D" or conv.kernel not in KERNELS:
        return "kernel"
    if pool.op.opcode != "MAX_POOL_2D" or not pool.op.inputs or pool.op.inputs[0] != conv.op.outputs[0]:
        return "not a pool of the conv"
    t = conv.op.outputs[0]
    if t in model.outputs or consumers.get(t, 0) != 1:
        return "the conv's output is read elsewhere"
    o, c = pool.op.options, conv.op.options
    if (int(o.filterHeight), int(o.filterWidth), int(o.strideH), int(o.strideW)) != (2, 2, 2, 2):
        return "not a 2x2 stride-2 pool"
    shape = model.tensors[t].shape
    if o.padding == 0 and (shape[1] % 2 or shape[2] % 2):
        return "SAME pool over an odd size"
    if KERNELS[conv.kernel] and (int(c.strideH), int(c.strideW)) != (1, 1):
        return "the plane walk's pooled form is for stride 1"
    mults, shifts = _array(conv, "mult"), _array(conv, "shift")
    if mults is None or shifts is None or mults.min() <= 0 or shifts.max() > 0:
        return "a requantisation that is not monotonic"
    pmin, pmax = fused_activation_range(pool.op, model.tensors[pool.op.outputs[0]])
    cmin, cmax = fused_activation_range(conv.op, model.tensors[t])
    if pmin > cmin or pmax < cmax:
        return "the pool's activation clamps further"
    return None


def fuse_pools(model: Model, lowered: list[Lowered]) -> list[Lowered]:
    """`lowered` with every fusable CONV_2D + MAX_POOL_2D pair as one call."""
    consumers = model.reads()
    out: list[Lowered] = []
    k = 0
    while k < len(lowered):
        lw = lowered[k]
        if k + 1 < len(lowered) and _fusable(model, lw, lowered[k + 1], consumers) is None:
            pool = lowered[k + 1]
            out.append(replace(
                lw, op=replace(lw.op, outputs=list(pool.op.outputs)), params=[*lw.params, ("pool", "2")],
                overlap=[], inplace_inputs=[],
                fused=[{"op_index": pool.op.index, "opcode": pool.op.opcode, "layer": pool.op.layer.split(";")[0]}],
                notes=[*lw.notes, f"MAX_POOL_2D op {pool.op.index} ('{pool.op.layer}') fused: 2x2 windows of "
                       "accumulators, their max requantised (monotonic: multipliers > 0, shifts <= 0)"]))
            k += 2
            continue
        out.append(lw)
        k += 1
    return out
