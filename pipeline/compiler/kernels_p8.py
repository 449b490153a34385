"""The kernel variants over EAT_WEIGHTS_SPARSE_P8 (eat/sparse_p8.h): portable ("generic"), Cortex-M0+,
Cortex-M4/M7 and RV32IMC, FULLY_CONNECTED only.

Like d4 and 2:4, the format has no reference kernel in packing.KERNELS: its portable kernel is its "generic"
variant. The p8 lowering (ops/sparse_p8_weights.py) folds input_offset into the bias and packs the weights.
"""

from __future__ import annotations

from pipeline.compiler.kernels import Variant, register
from pipeline.compiler.sparse_p8 import KEY, MAX_IN

M0_LAYOUT = "p8_m0_table"   # the bias array is sparse_p8.m0_table: per row the folded bias, bounds, requantisation
M4_LAYOUT = "p8_rq_table"   # the bias array is sparse_p8.m4_table: per row the folded bias and its requantisation


def _fits(g) -> bool:
    """One segment: every position is the input's own (the kernels that do not walk segments)."""
    return g["in_depth"] <= MAX_IN


def _wide(g) -> bool:
    return g["in_depth"] > MAX_IN


register("FULLY_CONNECTED", KEY, ("generic",), Variant(
    "eat_fully_connected_s8_sparse_p8", "runtime/src/fully_connected_sparse_p8_s8.c",
    "per output row one (weight, position) pair per non-zero, segment after segment of 256 inputs",
    header="eat/sparse_p8.h"))
register("FULLY_CONNECTED", KEY, ("cortex-m0plus",), Variant(
    "eat_fully_connected_s8_sparse_p8_armv6m", "runtime/src/armv6m/fully_connected_sparse_p8_armv6m.c",
    "every row's pairs (per non-zero LDRH, LSRS, LDRSB, SXTB, MULS, ADDS) and its output (the accumulator bounds, "
    "the exact fast requantisation from the row's record prepared by the compiler) in one hand-scheduled Thumb-1 "
    "routine in SRAM", applies=_fits, header="eat/sparse_p8.h",
    layout=M0_LAYOUT))
register("FULLY_CONNECTED", KEY, ("cortex-m0plus",), Variant(
    "eat_fully_connected_s8_sparse_p8_wide_armv6m", "runtime/src/armv6m/fully_connected_sparse_p8_armv6m.c",
    "the same Thumb-1 walk over each row's segments of 256 inputs (in_depth > 256: a count per row and segment, "
    "the input pointer stepped 256 between them)", applies=_wide, header="eat/sparse_p8.h",
    layout=M0_LAYOUT))
register("FULLY_CONNECTED", KEY, ("cortex-m4", "cortex-m7"), Variant(
    "eat_fully_connected_s8_sparse_p8_dsp", "runtime/src/armv7em/fully_connected_sparse_p8_dsp.c",
    "every row's pairs, requantisation and store in one assembly routine: two pairs per word load, two inputs "
    "packed for one SMLAD, the short (SMMULR) requantisation from the row's constants prepared by the compiler",
    applies=_fits,
    scratch=lambda g: 4 * g["out_depth"], header="eat/sparse_p8.h", layout=M4_LAYOUT))
register("FULLY_CONNECTED", KEY, ("rv32imc",), Variant(
    "eat_fully_connected_s8_sparse_p8_rv32", "runtime/src/rv32/fully_connected_sparse_p8_rv32.c",
    "the portable walk four pairs per pass (lb, lbu, add, lb, mul, add per non-zero; the n % 4 left first, "
    "straight-line), any in_depth segment by segment", header="eat/sparse_p8.h"))
