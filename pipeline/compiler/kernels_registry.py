"""The kernel variants per core (see kernels.py for what a variant declares); portable ones are "generic"."""

from __future__ import annotations

from pipeline.compiler.kernels import RQ_BYTES, Geometry, Variant, register

ARMV7EM = ("cortex-m4", "cortex-m7")     # ARMv7E-M: the DSP extension (SXTB16, SMLAD)
DW16_MAX_TAPS = 25       # EAT_DW16_MAX_TAPS, eat/depthwise_conv.h
# FULLY_CONNECTED weights as int16 (dsp16) add their int8 size again to the flash: per model at most this
# much, filled largest layer first (fc_w16_ops). Sized for the smallest ARMv7E-M board here, nucleo_f446re
# (512 KB): ad01_int8 builds to ~278 KB with int8 weights, ~509 KB with these 224 KB of int16 extra.
FC_W16_EXTRA_BYTES = 224 * 1024
FC_DSP_MAX_K = 1 << 15   # dsp4 / dsp16 bound the accumulators by in_depth * 2^14 in int32 (fc_armv7em.h)
W16_MAX_BYTES = 98304    # int16 weights double the flash: larger layers keep the int8 kernel (vww, whose
#                          256 x 256 layers take 128 KB as int16, fits 512 KB; resnet's 3x3x64x64 is 72 KB)


def _not_grouped(g: Geometry) -> bool:
    return g["fic"] == g["ic"]


def _pointwise(g: Geometry) -> bool:
    return _not_grouped(g) and g["kh"] == 1 and g["kw"] == 1 and g["ph"] == 0 and g["pw"] == 0


def _w16_bytes(g: Geometry) -> int:
    """Flash of a CONV_2D's weights as int16, padded to 4 filters x K rounded up to 4."""
    return fc_w16_bytes(g["oc"], g["kh"] * g["kw"] * g["ic"])


def fc_w16_bytes(out_depth: int, in_depth: int) -> int:
    """Flash of FC weights as int16 in layout oc4_k2_w16: rows padded to 4, inputs to 4."""
    return 2 * ((out_depth + 3) // 4 * 4) * ((in_depth + 3) // 4 * 4)


def fc_w16_ops(layers: list[tuple[int, int, int]]) -> frozenset[int]:
    """The FULLY_CONNECTED ops (index, out_depth, in_depth) whose weights may be int16: largest first, each
    while the model's extra flash for int16 FC weights (half their int16 size) stays within FC_W16_EXTRA_BYTES."""
    chosen: set[int] = set()
    extra = 0
    for index, out_depth, in_depth in sorted(layers, key=lambda l: (-fc_w16_bytes(l[1], l[2]), l[0])):
        size = fc_w16_bytes(out_depth, in_depth) // 2
        if extra + size <= FC_W16_EXTRA_BYTES:
            chosen.add(index)
            extra += size
    return frozenset(chosen)


def _im2col_bytes(g: Geometry) -> int:
    """Two output pixels' receptive fields as int16 columns, K = k_h * k_w * in_c rounded up to 4."""
    return 4 * ((g["kh"] * g["kw"] * g["ic"] + 3) // 4 * 4)


# ---- portable C (runtime/src/*_folded.c): every core without its own file, e.g. rv32imc ----
register("CONV_2D", "dense", ("generic",), Variant(
    "eat_conv2d_1x1_s8_folded", "runtime/src/conv2d_1x1_s8_folded.c",
    "1x1 convolution as a matrix product over pixels, 2 pixels x 2 output channels per step",
    applies=_pointwise, fold_input_offset=True, pixel_block=2))
register("CONV_2D", "dense", ("generic",), Variant(
    "eat_conv2d_s8_folded", "runtime/src/conv2d_s8_folded.c",
    "bounds checks only at the borders, contiguous filter rows, 2 output channels per step",
    applies=_not_grouped, fold_input_offset=True))
register("DEPTHWISE_CONV_2D", "dense", ("generic",), Variant(
    "eat_depthwise_conv2d_s8_folded", "runtime/src/depthwise_conv2d_s8_folded.c",
    "taps outer, channels inner over int32 accumulators in scratch",
    fold_input_offset=True, scratch=lambda g: 4 * g["oc"]))
register("FULLY_CONNECTED", "dense", ("generic",), Variant(
    "eat_fully_connected_s8_folded", "runtime/src/fully_connected_s8_folded.c",
    "4 output rows per pass over the input",
    applies=lambda g: g["filter_offset"] == 0, fold_input_offset=True))

# ---- ARMv7E-M DSP (runtime/src/armv7em/*.c): Cortex-M4 / M7 ----
register("CONV_2D", "dense", ARMV7EM, Variant(
    "eat_conv2d_s8_dsp16", "runtime/src/armv7em/conv2d_s8_dsp16.c",
    "int16 weights, im2col of 2 pixels into int16 scratch, then LDRD + SMLAD over 4 output channels x 2 "
    "pixels (0.78 instructions per MAC in the inner loop), requantisation constants prepared once per call",
    applies=lambda g: _not_grouped(g) and g.get("w16", True) and _w16_bytes(g) <= W16_MAX_BYTES,
    fold_input_offset=True,   # geometry "w16" False (columns.py: flash must shrink): never
    layout="oc4_k2_w16", scratch=lambda g: RQ_BYTES * g["oc"] + _im2col_bytes(g)
    + (_im2col_bytes(g) // 2 if g["ic"] < 4 else 0)))   # int16 gather offsets below 4 input channels
register("CONV_2D", "dense", ARMV7EM, Variant(
    "eat_conv2d_s8_dsp", "runtime/src/armv7em/conv2d_s8_dsp.c",
    "im2col of 2 pixels into interleaved int16 scratch, then LDM + LDRD + SMLAD over 2 output channels "
    "x 2 pixels (1 instruction per MAC in the inner loop)",
    applies=_not_grouped, fold_input_offset=True, layout="oc2_k4_interleaved", scratch=_im2col_bytes))
register("DEPTHWISE_CONV_2D", "dense", ARMV7EM, Variant(
    "eat_depthwise_conv2d_s8_dsp16", "runtime/src/armv7em/depthwise_conv2d_s8_dsp16.c",
    "4 channels per step, int16 weights (one LDRD per tap), a tap-pointer table per pixel so the border "
    "runs the same branch-free loop, requantisation constants prepared once per call",
    applies=lambda g: g["dm"] == 1 and g["oc"] % 4 == 0 and g["kh"] * g["kw"] <= DW16_MAX_TAPS,
    fold_input_offset=True, layout="dw_c4_taps_w16", scratch=lambda g: (RQ_BYTES + 1 + 4) * g["oc"]))
register("DEPTHWISE_CONV_2D", "dense", ARMV7EM, Variant(
    "eat_depthwise_conv2d_s8_dsp", "runtime/src/armv7em/depthwise_conv2d_s8_dsp.c",
    "4 channels per step with SXTB16 + SMLABB/SMLATT, weights regrouped per block of 4 channels "
    "(depth multiplier 1)",
    applies=lambda g: g["dm"] == 1, fold_input_offset=True, layout="dw_c4_taps"))
register("FULLY_CONNECTED", "dense", ARMV7EM, Variant(
    "eat_fully_connected_s8_dsp16", "runtime/src/armv7em/fully_connected_s8_dsp16.c",
    "int16 weights, 4 output rows x 4 inputs per step: LDRD (input expanded once) + 2 LDM + 8 SMLAD "
    "(0.75 instructions per MAC in the inner loop), short requantisation when the call allows it",
    applies=lambda g: g["filter_offset"] == 0 and g.get("w16", False) and g["in_depth"] <= FC_DSP_MAX_K,
    fold_input_offset=True,
    layout="oc4_k2_w16", scratch=lambda g: (g["in_depth"] + 3) // 4 * 8))
register("FULLY_CONNECTED", "dense", ARMV7EM, Variant(
    "eat_fully_connected_s8_dsp4", "runtime/src/armv7em/fully_connected_s8_dsp4.c",
    "4 output rows x 4 inputs per step from one interleaved weight stream: LDRD (input expanded once) + "
    "LDM + 8 SXTB16 + 8 SMLAD, short requantisation when the call allows it",
    applies=lambda g: g["filter_offset"] == 0 and g["in_depth"] % 4 == 0 and g["in_depth"] <= FC_DSP_MAX_K,
    fold_input_offset=True, layout="rows4_k4_interleaved", scratch=lambda g: 2 * g["in_depth"]))
register("FULLY_CONNECTED", "dense", ARMV7EM, Variant(
    "eat_fully_connected_s8_dsp", "runtime/src/armv7em/fully_connected_s8_dsp.c",
    "SXTB16 + SMLAD, 4 input values x 2 output rows per step",
    applies=lambda g: g["filter_offset"] == 0, fold_input_offset=True))
register("ADD", "none", ARMV7EM, Variant(
    "eat_add_s8_dsp", "runtime/src/armv7em/add_s8_dsp.c",
    "the inputs' rescalings tabulated per call (256 doubled entries each), the short output requantisation "
    "(SMMULR) 4 elements per word; broadcast, small, or shifts outside the short form go to eat_add_s8"))
register("MAX_POOL_2D", "none", ARMV7EM, Variant(
    "eat_max_pool2d_s8_dsp", "runtime/src/armv7em/pooling_s8_dsp.c",
    "four channels per word, the window's max by SSUB8 + SEL per tap (any window, stride, padding); "
    "the last channels % 4 byte by byte"))
register("AVERAGE_POOL_2D", "none", ARMV7EM, Variant(
    "eat_avg_pool2d_s8_dsp", "runtime/src/armv7em/pooling_s8_dsp.c",
    "four channels per word, the window's sums in int16 lanes by SXTAB16 (windows of up to 256 taps), "
    "TFLM's rounded division per channel; the last channels % 4 (and larger windows) in int32"))

# ---- ARMv6-M (runtime/src/armv6m/*.c, declared in eat/armv6m.h): Cortex-M0+ ----
# These fold the input offset themselves (per call, into per-channel constants in planned scratch):
# 36 bytes of requantisation constants per output channel, CONV_2D also the folded bias and the
# sums (4 + 4); the C side's *_scratch_bytes functions return the same.
ARMV6M = ("cortex-m0plus",)


SWAR_BLOCK = 8   # eat/armv6m.h EAT_ARMV6M_SWAR_BLOCK: the swar conv's pixels per output stage


def _swar_conv_scratch(g: Geometry) -> int:
    """eat_conv2d_s8_swar_armv6m_scratch_bytes: 36 B of requantisation constants per channel, a block's sums per
    channel rounded up to 8, then the window."""
    return 36 * g["oc"] + 4 * SWAR_BLOCK * ((g["oc"] + 7) // 8 * 8) + (g["kh"] * g["kw"] * g["ic"] + 3) // 4 * 4


def _plane_scratch(g: Geometry) -> int:
    """eat_conv2d_s8_plane_armv6m_scratch_bytes: 8 B per tap, then the padded input plane."""
    ph = (g["oh"] - 1) * g["sh"] + (g["kh"] - 1) * g["dh"] + 1
    pw = (g["ow"] - 1) * g["sw"] + (g["kw"] - 1) * g["dw"] + 1
    return 8 * g["kh"] * g["kw"] + (ph * pw + 3) // 4 * 4


def _c1_scratch(g: Geometry) -> int:
    """eat_conv2d_s8_c1_armv6m_scratch_bytes: the uint16 plane (out_h and out_w rounded up to even), 8 B per tap, a
    block of rows' accumulators for two channels (an even count of rows of up to 128 pixels in all, at least
    two; one more pixel each)."""
    oh2, ow2 = (g["oh"] + 1) // 2 * 2, (g["ow"] + 1) // 2 * 2
    ph = (oh2 - 1) * g["sh"] + (g["kh"] - 1) * g["dh"] + 1
    pw = (ow2 - 1) * g["sw"] + (g["kw"] - 1) * g["dw"] + 1
    rows = min(oh2, max(2, (128 // g["ow"]) // 2 * 2))
    return 2 * ((ph * pw + 1) // 2 * 2) + 8 * g["kh"] * g["kw"] + 8 * (rows * g["ow"] + 1)


# in_c == 1, every weight in [-127, 127] ("wmin": the lowering's smallest weight; TFLite's int8 weights are
# symmetric, so -128 is rare): two output channels per MULS over a uint16 plane, two pixels per pass.
register("CONV_2D", "dense", ARMV6M, Variant(
    "eat_conv2d_s8_c1_armv6m", "runtime/src/armv6m/conv2d_s8_c1_armv6m.c",
    "one input channel: a uint16 plane of x + 129 against per-tap words w_a + 2^16 w_b, two output channels "
    "per MULS and two pixels per pass (Thumb-1 in SRAM), accumulator bounds before the exact requantisation",
    applies=lambda g: g["ic"] == 1 and g["fic"] == 1 and g.get("wmin", -128) > -128,
    fold_input_offset=True, input_bias=129, layout="c1_pairs", scratch=_c1_scratch, pixel_block=0,
    header="eat/armv6m.h", clamp_bounds=True))
# in_c == 1 and <= 9 taps: the plane walk over every tap beats the swar kernel (a 3x3 8x8x1 -> 16 conv
# 155,231 vs 167,950 cycles); kws's 10x4 one (40 taps) it does not (3.63 M vs 1.98 M).
PLANE_MAX_TAPS = 9
register("CONV_2D", "dense", ARMV6M, Variant(
    "eat_conv2d_s8_plane_armv6m", "runtime/src/armv6m/depthwise_conv2d_sparse_armv6m.c",
    "one input channel, few taps: every filter walks the padded input plane (the sparse plane walk over "
    "all taps), accumulator bounds before the exact requantisation",
    applies=lambda g: g["ic"] == 1 and g["fic"] == 1 and g["kh"] * g["kw"] <= PLANE_MAX_TAPS,
    fold_input_offset=True, scratch=_plane_scratch, pixel_block=0, header="eat/sparse_armv6m.h",
    clamp_bounds=True))
register("CONV_2D", "dense", ARMV6M, Variant(
    "eat_conv2d_s8_swar_armv6m", "runtime/src/armv6m/conv2d_s8_swar_armv6m.c",
    "the window as unsigned bytes x + 128 against word-packed pairs of w + 128: two products per MULS, "
    "8 output channels per pass (gemv8u in SRAM), exact two-multiply requantisation skipped outside the "
    "accumulator bounds",
    applies=_not_grouped, fold_input_offset=True, layout="rows8_u16_pairs", scratch=_swar_conv_scratch,
    input_bias=128, header="eat/armv6m.h", clamp_bounds=True))
register("CONV_2D", "dense", ARMV6M, Variant(
    "eat_conv2d_s8_armv6m", "runtime/src/armv6m/conv2d_s8_armv6m.c",
    "4 output channels per pass over a gathered window (hand-scheduled Thumb-1 gemv4 in SRAM), "
    "exact two-multiply requantisation",
    scratch=lambda g: 44 * g["oc"], header="eat/armv6m.h"))
register("DEPTHWISE_CONV_2D", "dense", ARMV6M, Variant(
    "eat_depthwise_conv2d_s8_armv6m", "runtime/src/armv6m/depthwise_conv2d_s8_armv6m.c",
    "4 adjacent channels per word load (dw4), exact two-multiply requantisation skipped outside the "
    "accumulator bounds; one call sums every channel of a pixel", scratch=lambda g: 40 * g["oc"],
    header="eat/armv6m.h", clamp_bounds=True))
register("FULLY_CONNECTED", "dense", ARMV6M, Variant(
    "eat_fully_connected_s8_swar_armv6m", "runtime/src/armv6m/fully_connected_s8_swar_armv6m.c",
    "the input as unsigned bytes x + 128 against word-packed pairs of w + 128: two products per MULS, "
    "8 rows per pass (gemv8u in SRAM)",
    applies=lambda g: g["filter_offset"] == 0, fold_input_offset=True, layout="rows8_u16_pairs",
    scratch=lambda g: (g["in_depth"] + 3) // 4 * 4, input_bias=128, header="eat/armv6m.h"))
register("FULLY_CONNECTED", "dense", ARMV6M, Variant(
    "eat_fully_connected_s8_armv6m", "runtime/src/armv6m/fully_connected_s8_armv6m.c",
    "4 rows per pass (gemv4), exact two-multiply requantisation", header="eat/armv6m.h"))
register("ADD", "none", ARMV6M, Variant(
    "eat_add_s8_armv6m", "runtime/src/armv6m/add_s8_armv6m.c",
    "the inputs' rescalings tabulated per call (256 entries each), one requantisation per element; "
    "broadcast, short or unusual shifts go to eat_add_s8", header="eat/armv6m.h"))
register("MAX_POOL_2D", "none", ARMV6M, Variant(
    "eat_max_pool2d_s8_armv6m", "runtime/src/armv6m/pooling_s8_armv6m.c",
    "2x2 windows inside the input: the four taps at one running index (LDRSB register offsets); "
    "padded or other windows go to eat_max_pool2d_s8", header="eat/armv6m.h"))
register("AVERAGE_POOL_2D", "none", ARMV6M, Variant(
    "eat_avg_pool2d_s8_armv6m", "runtime/src/armv6m/pooling_s8_armv6m.c",
    "four channels per aligned word, x + 128 summed in 16-bit lanes (windows of up to 257 taps), TFLM's "
    "rounded division per channel; channels % 4, unaligned inputs or larger windows go to eat_avg_pool2d_s8",
    header="eat/armv6m.h"))
