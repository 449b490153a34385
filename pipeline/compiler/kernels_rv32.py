"""The RV32IMC kernel variants (runtime/src/rv32/*.c, declared in eat/rv32.h) for core "rv32imc"."""

from __future__ import annotations

from pipeline.compiler.kernels import Geometry, Variant, register

RV32 = ("rv32imc",)


def _not_grouped(g: Geometry) -> bool:
    return g["fic"] == g["ic"]


def _pointwise(g: Geometry) -> bool:
    return g["kh"] == 1 and g["kw"] == 1 and g["ph"] == 0 and g["pw"] == 0


def _conv_scratch(g: Geometry) -> int:
    """Two pixels' gathered windows (eat_conv2d_s8_rv32_scratch_bytes); none for an unpadded 1x1."""
    return 0 if _pointwise(g) else 2 * g["kh"] * g["kw"] * g["ic"]


def _dw_scratch(g: Geometry) -> int:
    """The tap pointer table (8 bytes a tap: a host pointer fits) and a row of zero points."""
    return 8 * g["kh"] * g["kw"] + g["ic"]


register("CONV_2D", "dense", RV32, Variant(
    "eat_conv2d_s8_rv32", "runtime/src/rv32/conv2d_s8_rv32.c",
    "2 pixels x 4 filters per pass (lb + mul + add, unrolled by 4); 1x1 reads the input in place, "
    "other windows are gathered into scratch with the zero point in the padding",
    applies=_not_grouped, fold_input_offset=True, scratch=_conv_scratch, pixel_block=2, header="eat/rv32.h"))
register("DEPTHWISE_CONV_2D", "dense", RV32, Variant(
    "eat_depthwise_conv2d_s8_rv32", "runtime/src/rv32/depthwise_conv2d_s8_rv32.c",
    "4 channels per pass over a per-pixel table of tap pointers (padding taps point at zero points), "
    "accumulators in registers (depth multiplier 1)",
    applies=lambda g: g["dm"] == 1, fold_input_offset=True, scratch=_dw_scratch, header="eat/rv32.h"))
register("FULLY_CONNECTED", "dense", RV32, Variant(
    "eat_fully_connected_s8_rv32", "runtime/src/rv32/fully_connected_s8_rv32.c",
    "4 rows per pass over the input, unrolled by 4 inputs",
    applies=lambda g: g["filter_offset"] == 0, fold_input_offset=True, header="eat/rv32.h"))
register("MAX_POOL_2D", "none", RV32, Variant(
    "eat_max_pool2d_s8_rv32", "runtime/src/rv32/pooling_s8_rv32.c",
    "each pixel's window worked out once, one pointer per tap over the channels, the 2x2 window straight-line",
    header="eat/rv32.h"))
