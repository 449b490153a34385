"""Kernel variants per core: what a fast kernel needs the compiler to prepare for it.

The registry maps (op, weight format, core) to variants in order of preference; the first whose
`applies(geometry)` holds and whose preparation is exact is used, else the next, and finally the
reference kernel of packing.KERNELS (the "generic" fallback every core gets). A variant declares:
- fold_input_offset: the compiler adds input_offset * sum(weights of channel c) to bias[c] (exact
  in int32: checked at compile time, otherwise the variant is skipped), so the kernel accumulates
  raw int8 x int8 products; out-of-bounds (padding) taps must then read the input zero point.
- layout: a name in LAYOUTS, the order the kernel reads the weights in (reordered at compile time).
- scratch(geometry) -> bytes planned in the arena for the call (im2col, accumulators).
- pixel_block: output pixels whose inputs are read in place before all of them are written; the
  planner's input/output overlap is widened by (pixel_block - 1) * out_c bytes to stay safe.
The C function of a variant has the reference kernel's signature and parameter struct.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import numpy as np

from pipeline.compiler.packing import PackedWeights, select_kernel

Geometry = Mapping[str, int]
INT32_MAX = (1 << 31) - 1


def _natural(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    return np.ascontiguousarray(w, dtype=np.int8).reshape(-1), ""


def _rows_k4_swapped(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """Each output channel's row of K weights, bytes 1 and 2 of every 4-byte group swapped, so that
    SXTB16 (bytes 0, 2) and SXTB16 ROR 8 (bytes 1, 3) give the pairs (w0, w1) and (w2, w3) in the
    natural order of an int16 input column; a tail of K % 4 bytes is left as is."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1).copy()
    k4 = rows.shape[1] // 4 * 4
    g = rows[:, :k4].reshape(rows.shape[0], -1, 4)
    rows[:, :k4] = g[:, :, [0, 2, 1, 3]].reshape(rows.shape[0], -1)
    return rows.reshape(-1), ("bytes 1 and 2 of each 4-byte group swapped so that SXTB16 / SXTB16 ROR 8 "
                              "yield (w0, w1), (w2, w3) in input order")


def _oc2_k4_interleaved(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """Rows (output channels) zero-padded to a multiple of 4 weights and to an even count; each pair of
    rows interleaved 4 bytes at a time (row c, row c + 1, ...), bytes 1 and 2 of each group swapped as in
    rows_k4_swapped: the kernel reads one pair's 8 bytes with one LDRD, the pair block stays 8-aligned."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1)
    oc, k = rows.shape
    k4, oc2 = (k + 3) // 4 * 4, oc + (oc & 1)
    padded = np.zeros((oc2, k4), np.int8)
    padded[:oc, :k] = rows
    g = padded.reshape(oc2 // 2, 2, k4 // 4, 4)[:, :, :, [0, 2, 1, 3]]
    out = g.transpose(0, 2, 1, 3).reshape(-1)
    return out, (f"rows padded to {k4} weights x {oc2} channels with zeros, pairs of rows interleaved 4 bytes "
                 "at a time, bytes 1 and 2 of each group swapped (SXTB16 / SXTB16 ROR 8 give (w0, w1), (w2, w3))")


def _dw_c4_taps(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """DEPTHWISE [1][H][W][C] -> channels in blocks of 4 (zero-padded), each block's taps together:
    [C/4][H*W][4]; the kernel reads one aligned word per tap, walking the block's weights in order."""
    taps = np.ascontiguousarray(w, dtype=np.int8).reshape(-1, w.shape[-1])
    t, c = taps.shape
    c4 = (c + 3) // 4 * 4
    padded = np.zeros((t, c4), np.int8)
    padded[:, :c] = taps
    return (padded.reshape(t, c4 // 4, 4).transpose(1, 0, 2).reshape(-1),
            f"channels zero-padded to {c4} and regrouped [C/4][k_h*k_w][4]: each block of 4 channels' taps in read order")


def _rows4_k4_interleaved(op: str, w: np.ndarray, geo: Geometry) -> tuple[np.ndarray, str]:
    """FC [out][in] (in a multiple of 4): rows zero-padded to a multiple of 4, each block of 4 rows
    interleaved 4 bytes at a time (r0[k..k+3], r1[k..k+3], r2.., r3..): one stream the kernel walks."""
    rows = np.ascontiguousarray(w, dtype=np.int8).reshape(w.shape[0], -1)
    o, k = rows.shape
    o4 = (o + 3) // 4 * 4
    padded = np.zeros((o4, k), np.int8)
    padded[:o] = rows
    out = padded.reshape(o4 // 4, 4, k // 4, 4).transpose(0, 2, 1, 3).reshape(-1)
    return out, f"rows zero-padded to {o4}, blocks of 4 rows interleaved 4 bytes at a time"


LAYOUTS: dict[str, Callable[[str, np.ndarray, Geometry], tuple[np.ndarray, str]]] = {
    "natural": _natural,
    "rows_k4_swapped": _rows_k4_swapped,
    "oc2_k4_interleaved": _oc2_k4_interleaved,
    "dw_c4_taps": _dw_c4_taps,
    "rows4_k4_interleaved": _rows4_k4_interleaved,
}


def channel_sums(op: str, w: np.ndarray) -> np.ndarray:
    """sum(weights) per output channel, in int64: FC [out][in], CONV OHWI, DEPTHWISE [1][H][W][out]."""
    w64 = np.asarray(w, dtype=np.int64)
    if op == "DEPTHWISE_CONV_2D":
        return w64.reshape(-1, w64.shape[-1]).sum(axis=0)
    return w64.reshape(w64.shape[0], -1).sum(axis=1)


def channel_abs_sums(op: str, w: np.ndarray) -> np.ndarray:
    w64 = np.abs(np.asarray(w, dtype=np.int64))
    if op == "DEPTHWISE_CONV_2D":
        return w64.reshape(-1, w64.shape[-1]).sum(axis=0)
    return w64.reshape(w64.shape[0], -1).sum(axis=1)


@dataclass(frozen=True)
class Variant:
    function: str                                   # C function (same signature as the reference)
    source: str                                     # runtime file, named in the generated comment
    why: str                                        # one line for the generated comment
    applies: Callable[[Geometry], bool] = lambda g: True
    fold_input_offset: bool = False
    layout: str = "natural"
    scratch: Callable[[Geometry], int] = lambda g: 0
    pixel_block: int = 1


@dataclass
class Prepared:
    """What the lowering emits for the chosen kernel."""
    kernel: str
    weights: PackedWeights
    bias: np.ndarray | None          # int64 values for an int32 array; None: the kernel gets NULL
    bias_comment: str
    scratch_bytes: int = 0
    pixel_block: int = 1
    notes: list[str] = field(default_factory=list)


# (op, weight format, core) -> variants, most preferred first. Filled by register().
VARIANTS: dict[tuple[str, str, str], list[Variant]] = {}


def register(op: str, fmt: str, cores: tuple[str, ...], variant: Variant) -> None:
    for core in cores:
        VARIANTS.setdefault((op, fmt, core), []).append(variant)


def fold_bias(op: str, w: np.ndarray, bias: np.ndarray | None, input_offset: int) -> np.ndarray | None:
    """bias[c] + input_offset * sum(w[c]) as int64, or None when an accumulator could leave int32.

    The kernel starts at this value and adds raw products x * w (|x| <= 128), so the bound checked is
    |folded| + 128 * sum|w| (every partial sum) and the reference's own |bias| + 255 * sum|w|."""
    sums = channel_sums(op, w)
    b = np.zeros(sums.shape, np.int64) if bias is None else np.asarray(bias, np.int64).reshape(-1)
    folded = b + int(input_offset) * sums
    abs_sums = channel_abs_sums(op, w)
    if np.any(np.abs(folded) + 128 * abs_sums > INT32_MAX) or np.any(np.abs(b) + 255 * abs_sums > INT32_MAX):
        return None
    return folded


def prepare(op: str, packed: PackedWeights, core: str, geo: Geometry, w: np.ndarray, bias: np.ndarray | None,
            bias_name: str | None, input_offset: int) -> Prepared:
    """The first variant for (op, format, core), then (op, format, "generic"), that applies exactly;
    else the reference kernel with the weights and bias as they are."""
    notes: list[str] = []
    ref_bias_comment = f"bias '{bias_name}'" if bias_name else "no bias"
    candidates = VARIANTS.get((op, packed.key, core), []) + (
        VARIANTS.get((op, packed.key, "generic"), []) if core != "generic" else [])
    for v in candidates:
        if not v.applies(geo):
            continue
        b = bias
        comment = ref_bias_comment
        if v.fold_input_offset:
            folded = fold_bias(op, w, bias, input_offset)
            if folded is None:
                notes.append(f"{v.function} skipped: folding input_offset * sum(w) into the bias could "
                             "overflow int32")
                continue
            b = folded
            comment = (f"{ref_bias_comment} + input_offset ({input_offset}) * sum of the channel's weights, "
                       f"folded at compile time for {v.function} (exact: every partial sum fits int32)")
        data, how = LAYOUTS[v.layout](op, w, geo)
        layout = packed.layout + (f"; {how}" if how else "")
        notes.append(f"kernel {v.function} ({v.source}): {v.why}")
        return Prepared(v.function, replace(packed, data=data, layout=layout),
                        None if b is None else np.asarray(b, np.int64).reshape(-1), comment,
                        int(v.scratch(geo)), v.pixel_block, notes)
    return Prepared(select_kernel(op, packed.key, core), packed,
                    None if bias is None else np.asarray(bias, np.int64).reshape(-1), ref_bias_comment, 0, 1, notes)


from pipeline.compiler import kernels_registry  # noqa: E402,F401  (registers the variants)
from pipeline.compiler import kernels_rv32  # noqa: E402,F401  (registers the RV32IMC variants)
