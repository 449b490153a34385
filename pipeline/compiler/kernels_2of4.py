"""The kernel variants over EAT_WEIGHTS_SPARSE_2OF4 (eat/sparse_2of4.h): portable ("generic"), Cortex-M0+
and Cortex-M4/M7.

Like the d4 format, the 2:4 format has no reference kernel in packing.KERNELS: its portable kernels are
its "generic" variants. The 2:4 lowering (ops/sparse_2of4_weights.py) folds input_offset - input_bias
into the bias itself and packs the weights, so these variants fold nothing and keep the packer's layout.
"""

from __future__ import annotations

from pipeline.compiler import kernels_sparse
from pipeline.compiler.kernels import Geometry, Variant, register
from pipeline.compiler.sparse_2of4 import KEY, KEY_DW, k8_of
from pipeline.compiler.sparse_2of4_r4 import KEY as KEY_R4
from pipeline.compiler.sparse_2of4_r4 import PAIRS_LAYOUT


def _conv_k(g: Geometry) -> int:
    return g["kh"] * g["kw"] * g["ic"]


def _pointwise(g: Geometry) -> bool:
    return g["fic"] == g["ic"] and g["kh"] == 1 and g["kw"] == 1 and g["ph"] == 0 and g["pw"] == 0


# ---- portable C (runtime/src/*_sparse_2of4_s8.c): every core ----
register("FULLY_CONNECTED", KEY, ("generic",), Variant(
    "eat_fully_connected_s8_sparse_2of4", "runtime/src/fully_connected_sparse_2of4_s8.c",
    "per output row, each group's two values at their 2-bit positions", header="eat/sparse_2of4.h",
    scratch=lambda g: k8_of(g["in_depth"])))
register("CONV_2D", KEY, ("generic",), Variant(
    "eat_conv2d_s8_sparse_2of4", "runtime/src/conv2d_sparse_2of4_s8.c",
    "per output pixel and channel, each group's two values at their 2-bit positions (receptive field "
    "gathered padded unless 1x1)", applies=lambda g: g["fic"] == g["ic"], header="eat/sparse_2of4.h",
    scratch=lambda g: k8_of(_conv_k(g))))

# ---- EAT_WEIGHTS_SPARSE_2OF4_R4 (masks shared by 4 channels), portable C (runtime/src/sparse_2of4_r4_s8.c) ----
register("FULLY_CONNECTED", KEY_R4, ("generic",), Variant(
    "eat_fully_connected_s8_sparse_2of4_r4", "runtime/src/sparse_2of4_r4_s8.c",
    "per block of 4 rows one walk of the shared positions: per kept position one input (x + 128) against the "
    "block's 4 weights, two 16-bit lane multiplies", header="eat/sparse_2of4.h", input_bias=128,
    scratch=lambda g: k8_of(g["in_depth"])))
register("CONV_2D", KEY_R4, ("generic",), Variant(
    "eat_conv2d_s8_sparse_2of4_r4", "runtime/src/sparse_2of4_r4_s8.c",
    "per output pixel the receptive field gathered as x + 128, then per block of 4 channels one walk of the "
    "shared positions, two 16-bit lane multiplies per kept position", applies=lambda g: g["fic"] == g["ic"],
    header="eat/sparse_2of4.h", input_bias=128, scratch=lambda g: k8_of(_conv_k(g))))

# ---- ARMv6-M (runtime/src/armv6m/sparse_2of4_armv6m.c): Cortex-M0+ ----
ARMV6M = ("cortex-m0plus",)
register("FULLY_CONNECTED", KEY_R4, ARMV6M, Variant(
    "eat_fully_connected_s8_sparse_2of4_r4_armv6m", "runtime/src/armv6m/sparse_2of4_r4_armv6m.c",
    "per block of 4 rows one Thumb-1 walk (SRAM) of the shared positions: per kept position one input "
    "(x + 128) against the block's 4 weights, two MULS of 16-bit lane pairs", header="eat/sparse_2of4.h",
    input_bias=128, clamp_bounds=True, rq_table=True,
    scratch=lambda g: k8_of(g["in_depth"]) + 16 * ((g["out_depth"] + 3) // 4)))
register("CONV_2D", KEY_R4, ARMV6M, Variant(
    "eat_conv2d_s8_sparse_2of4_r4_armv6m", "runtime/src/armv6m/sparse_2of4_r4_armv6m.c",
    "per output pixel the receptive field gathered as x + 128, then per block of 4 channels one Thumb-1 walk "
    "(SRAM) of the shared positions, two MULS of 16-bit lane pairs per kept position",
    applies=lambda g: g["fic"] == g["ic"], header="eat/sparse_2of4.h", input_bias=128, clamp_bounds=True,
    rq_table=True, scratch=lambda g: k8_of(_conv_k(g)) + 16 * ((g["oc"] + 3) // 4)))
register("CONV_2D", KEY, ARMV6M, Variant(
    "eat_conv2d_s8_sparse_2of4_armv6m", "runtime/src/armv6m/sparse_2of4_armv6m.c",
    "each channel's positions decoded once per block of 8 pixels, inputs as x + 129 in uint16 pairs: two "
    "pixels per MULS, hand-scheduled Thumb-1 in SRAM, exact two-multiply requantisation",
    applies=_pointwise, scratch=lambda g: 36 * g["oc"] + 16 * k8_of(g["ic"]) + 32 * g["oc"], pixel_block=8,
    header="eat/sparse_2of4.h", clamp_bounds=True, input_bias=129))
register("FULLY_CONNECTED", KEY, ARMV6M, Variant(
    "eat_fully_connected_s8_sparse_2of4_armv6m", "runtime/src/armv6m/sparse_2of4_armv6m.c",
    "each row's positions decoded once per block of 8 batches, inputs as x + 129 in uint16 pairs: two "
    "batches per MULS, hand-scheduled Thumb-1 in SRAM", scratch=lambda g: 16 * k8_of(g["in_depth"]) + 32 * g["out_depth"],
    header="eat/sparse_2of4.h", input_bias=129))

# ---- ARMv7E-M (runtime/src/armv7em/sparse_2of4_dsp.c): Cortex-M4 / M7 ----
ARMV7EM = ("cortex-m4", "cortex-m7")


def table_bytes(k: int) -> int:
    """The M4 walk's table of input pairs: 2,048 bytes per 4 pairs of groups (leading ones counted)."""
    pairs = k8_of(k) // 8
    return (pairs + (-pairs) % 4) // 4 * 2048


# The table grows with K (2 KB per 32 inputs: 8 KB at K = 128, 32 KB at K = 512): wider layers take the portable
# kernel (or d4 / dense) rather than a scratch that may not fit the board's RAM.
TABLE_MAX_BYTES = 8192


def _m4_applies(k: int) -> bool:
    return table_bytes(k) <= TABLE_MAX_BYTES


def _rq_bytes(oc: int) -> int:
    return 24 * oc   # EAT_RQ_BYTES: sizeof(eat_rq_t) per channel


register("CONV_2D", KEY, ARMV7EM, Variant(
    "eat_conv2d_s8_sparse_2of4_dsp", "runtime/src/armv7em/sparse_2of4_dsp.c",
    "each channel's stream walked once per block of 8 pixels over a table of the block's input pairs: "
    "two products per SMLAD, the position byte masked is the table slot",
    applies=lambda g: _pointwise(g) and _m4_applies(g["ic"]),
    scratch=lambda g: _rq_bytes(g["oc"]) + table_bytes(g["ic"]) + 32 * g["oc"], pixel_block=8,
    header="eat/sparse_2of4.h"))
register("FULLY_CONNECTED", KEY, ARMV7EM, Variant(
    "eat_fully_connected_s8_sparse_2of4_dsp", "runtime/src/armv7em/sparse_2of4_dsp.c",
    "each row's stream walked once per block of 8 batches over a table of the block's input pairs: two "
    "products per SMLAD", applies=lambda g: _m4_applies(g["in_depth"]),
    scratch=lambda g: _rq_bytes(g["out_depth"]) + table_bytes(g["in_depth"]) + 40 * g["out_depth"],
    header="eat/sparse_2of4.h"))


def _r4_dsp_scratch(channels: int, records: int, k: int) -> int:
    return _rq_bytes(records) + 32 * ((channels + 3) // 4) + k8_of(k)   # runtime/src/armv7em/sparse_2of4_r4_dsp.c


register("FULLY_CONNECTED", KEY_R4, ARMV7EM, Variant(
    "eat_fully_connected_s8_sparse_2of4_r4_dsp", "runtime/src/armv7em/sparse_2of4_r4_dsp.c",
    "per block of 4 rows one walk of the shared positions: per group its two inputs as int16 lanes, each row's "
    "two weights by SXTB16, one SMLAD per row", layout=PAIRS_LAYOUT, header="eat/sparse_2of4.h",
    scratch=lambda g: _r4_dsp_scratch(g["out_depth"], g["out_depth"], g["in_depth"])))
register("CONV_2D", KEY_R4, ARMV7EM, Variant(
    "eat_conv2d_s8_sparse_2of4_r4_dsp", "runtime/src/armv7em/sparse_2of4_r4_dsp.c",
    "per output pixel (receptive field gathered unless 1x1) and block of 4 channels one walk of the shared "
    "positions: per group its two inputs as int16 lanes, each channel's two weights by SXTB16, one SMLAD per "
    "channel", applies=lambda g: g["fic"] == g["ic"], layout=PAIRS_LAYOUT, header="eat/sparse_2of4.h",
    scratch=lambda g: _r4_dsp_scratch(g["oc"], g["oc"], _conv_k(g))))

# ---- DEPTHWISE_CONV_2D over EAT_WEIGHTS_SPARSE_2OF4_DW (2:4 along the kernel positions) ----
register("DEPTHWISE_CONV_2D", KEY_DW, ("generic",), Variant(
    "eat_depthwise_conv2d_s8_sparse_2of4", "runtime/src/depthwise_conv2d_2of4_s8.c",
    "channel outer: each channel's record decoded once into its non-zero taps, then every output pixel",
    header="eat/sparse_2of4.h", scratch=lambda g: 4 * g["kh"] * g["kw"], pixel_block=0))
register("DEPTHWISE_CONV_2D", KEY_DW, ARMV6M, Variant(
    "eat_depthwise_conv2d_s8_sparse_2of4_armv6m", "runtime/src/armv6m/depthwise_conv2d_sparse_armv6m.c",
    "the d4 depthwise's plane walk (Thumb-1 walks for 1, 2 and n non-zeros, four planes per word load, the "
    "accumulator bounds) with each channel's record decoded once into (offset, weight) of its non-zeros",
    applies=lambda g: g["kh"] * g["kw"] <= 64, header="eat/sparse_2of4.h", clamp_bounds=True, pixel_block=0,
    scratch=kernels_sparse.dw_planes_scratch))
register("DEPTHWISE_CONV_2D", KEY_DW, ARMV7EM, Variant(
    "eat_depthwise_conv2d_s8_sparse_2of4_dsp", "runtime/src/armv7em/depthwise_conv2d_sparse_dsp.c",
    "the d4 depthwise's M4 plane walk with each channel's record decoded once: dw1 / dw2 walks for 1 and 2 "
    "non-zeros, four channels of 3..5 non-zeros two pixels per pass over int16 transposed planes (LDR of a "
    "pixel pair, SMLABB / SMLATB per tap), the short SMMULR requantisation",
    applies=lambda g: g["kh"] * g["kw"] <= 64, header="eat/sparse_2of4.h", clamp_bounds=True, pixel_block=0,
    scratch=kernels_sparse.dw_planes16_scratch))
register("DEPTHWISE_CONV_2D", KEY_DW, kernels_sparse.RV32, Variant(
    "eat_depthwise_conv2d_s8_sparse_2of4_rv32", "runtime/src/rv32/depthwise_conv2d_sparse_rv32.c",
    "the d4 depthwise's RV32 plane walk with each channel's record decoded once: straight-line walks for 1..5 "
    "non-zeros (2:4 on 3x3 keeps 5 of 9), the bounds and the short requantisation (mul + mulh)",
    applies=lambda g: g["kh"] * g["kw"] <= 64, header="eat/sparse_rv32.h", clamp_bounds=True, pixel_block=0,
    scratch=kernels_sparse.rv32_plane_scratch))
