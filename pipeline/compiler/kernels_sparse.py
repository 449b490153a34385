"""The zero-skipping kernel variants over EAT_WEIGHTS_SPARSE_D4 (eat/sparse.h): portable and per core.

The sparse format has no reference kernel in packing.KERNELS: its portable kernels are the "generic"
variants. The sparse lowering (ops/sparse_weights.py) folds the input offset into the bias itself and
packs the weights in the d4 encoding, so these variants keep the natural layout and fold nothing;
their scratch is one receptive window (CONV_2D, DEPTHWISE_CONV_2D) or none (FULLY_CONNECTED).
Per core: the Cortex-M0+ block walks and plane walk (armv6m/) and the Cortex-M4/M7 block walk and depthwise
(armv7em/).
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.compiler.kernels import RQ_BYTES, Geometry, Variant, register, register_per_call, variant_named
from pipeline.compiler.kernels_p8 import M4_LAYOUT   # the M4 d4 FC walk reads p8's per-row table
from pipeline.compiler.sparse import KEY, window_bytes

ARMV6M = ("cortex-m0plus",)

# ---- portable C (runtime/src/*_sparse_s8.c) ----
register("FULLY_CONNECTED", KEY, ("generic",), Variant(
    "eat_fully_connected_s8_sparse_d4", "runtime/src/fully_connected_sparse_s8.c",
    "one walk of the row's non-zeros per output", header="eat/sparse.h"))
register("CONV_2D", KEY, ("generic",), Variant(
    "eat_conv2d_s8_sparse_d4", "runtime/src/conv2d_sparse_s8.c",
    "one walk of the filter's non-zeros per output, border windows copied padded",
    scratch=window_bytes, header="eat/sparse.h"))
register("DEPTHWISE_CONV_2D", KEY, ("generic",), Variant(
    "eat_depthwise_conv2d_s8_sparse_d4", "runtime/src/depthwise_conv2d_sparse_s8.c",
    "one walk of the channel's non-zeros per output, border windows copied padded",
    scratch=window_bytes, header="eat/sparse.h"))

# ---- ARMv6-M (runtime/src/armv6m/*sparse*.c, eat/sparse_armv6m.h): Cortex-M0+ ----
# The plane walks (layout "d4_taps") take steps in kernel taps (fy * k_w + fx): they decode each channel
# once into plane offsets, and taps never need a filler step for a 3x3 or a 10x4 kernel.
# Steps in im2col positions, 8 (or, for layers with few output pixels, 4) pixels per walk (layout
# "d4_im2col_block": ops/sparse_weights.py encodes the steps that way and folds input_offset - 128
# into the bias). A short last block repeats a pixel, so 8 wastes more than 4 on small outputs.
BLOCK8_MIN_PIXELS = 24


def _pixels(g) -> int:
    return g["n"] * g["oh"] * g["ow"]


register("CONV_2D", KEY, ARMV6M, Variant(
    "eat_conv2d_s8_sparse_plane_armv6m", "runtime/src/armv6m/depthwise_conv2d_sparse_armv6m.c",
    "one input channel: every filter walks the padded input plane once (the depthwise plane walk with "
    "depth multiplier out_c), per output pixel one LDRSB + MULS + ADDS per non-zero and the accumulator bounds",
    applies=lambda g: g["ic"] == 1 and g["fic"] == 1, scratch=lambda g: _dw_plane_scratch(g), layout="d4_taps",
    header="eat/sparse_armv6m.h", clamp_bounds=True, pixel_block=0))   # requantisation prepared per channel
# The block walks multiply two pixels per MULS (inputs as uint16 x + 129, weights |w| <= 127: "wmin", the layer's
# smallest weight, from the lowering; a -128 takes the d4 dot-product conv below).
def _m0_block(g) -> bool:
    return g["fic"] == g["ic"] and g.get("wmin", -128) > -128


register("CONV_2D", KEY, ARMV6M, Variant(
    "eat_conv2d_s8_sparse_b8_armv6m", "runtime/src/armv6m/conv2d_sparse_b8_armv6m.c",
    "each filter's non-zeros walked once per block of 8 output pixels (receptive fields gathered "
    "transposed into scratch as uint16 x + 129, two pixels per MULS), hand-scheduled Thumb-1 in SRAM, exact "
    "two-multiply requantisation",
    applies=lambda g: _m0_block(g) and _pixels(g) >= BLOCK8_MIN_PIXELS, layout="d4_im2col_block",
    scratch=lambda g: 16 * g["kh"] * g["kw"] * g["ic"] + 32 * g["oc"], pixel_block=8, header="eat/sparse_armv6m.h",
    clamp_bounds=True, rq_table=True, input_bias=129))
register("CONV_2D", KEY, ARMV6M, Variant(
    "eat_conv2d_s8_sparse_b4_armv6m", "runtime/src/armv6m/conv2d_sparse_b4_armv6m.c",
    "each filter's non-zeros walked once per block of 4 output pixels (fewer than "
    f"{BLOCK8_MIN_PIXELS} pixels; two pixels per MULS), hand-scheduled Thumb-1 in SRAM, exact two-multiply "
    "requantisation",
    applies=_m0_block, layout="d4_im2col_block",
    scratch=lambda g: 8 * g["kh"] * g["kw"] * g["ic"] + 16 * g["oc"], pixel_block=4, header="eat/sparse_armv6m.h",
    clamp_bounds=True, rq_table=True, input_bias=129))
for _b in (8, 4):   # the block walks without the rq table: --weights small (36 B of scratch per channel more)
    _base = variant_named(f"eat_conv2d_s8_sparse_b{_b}_armv6m")
    register_per_call(_base.function, replace(
        _base, function=f"eat_conv2d_s8_sparse_b{_b}_pc_armv6m",
        source="runtime/src/armv6m/conv2d_sparse_block_pc_armv6m.c",
        why=_base.why + "; each channel's requantisation prepared per call from the op's multiplier and shift "
        "(no rq table in flash: --weights small)",
        scratch=lambda g, f=_base.scratch: f(g) + 36 * g["oc"]))
register("FULLY_CONNECTED", KEY, ARMV6M, Variant(
    "eat_fully_connected_s8_sparse_rows_armv6m", "runtime/src/armv6m/fully_connected_sparse_rows_armv6m.c",
    "every row's walk of the step bytes in one hand-scheduled Thumb-1 routine in SRAM, then per output "
    "the accumulator bounds (clamped outputs skip the requantisation) and the exact two-multiply one",
    scratch=lambda g: 4 * g["out_depth"], header="eat/sparse_armv6m.h", clamp_bounds=True, rq_table=True))
register("CONV_2D", KEY, ARMV6M, Variant(
    "eat_conv2d_s8_sparse_d4_armv6m", "runtime/src/armv6m/sparse_d4_armv6m.c",
    "hand-scheduled Thumb-1 walk of the step bytes in SRAM, exact two-multiply requantisation",
    scratch=window_bytes, header="eat/sparse_armv6m.h"))

# ---- ARMv7E-M (runtime/src/armv7em/conv2d_sparse_b8_dsp.c, eat/sparse_armv7em.h): Cortex-M4 / M7 ----
# The same im2col steps and x + 128 bias fold as the M0+ block walk; two pixels per SMLAL in 24-bit lanes.
# One input channel: the plane walk (the depthwise one, depth multiplier out_c) where the cost model prices it
# cheaper than the block walk (few non-zeros per filter, few pixels: the example's 3x3x1 conv), else the block
# walk (kws's 10x4x1 conv at 80 %: 8 non-zeros per filter, 125 pixels).
ARMV7EM = ("cortex-m4", "cortex-m7")
B8_DSP_ACC_LIMIT = 1 << 23      # EAT_SPARSE_B8_DSP_ACC_LIMIT


register("FULLY_CONNECTED", KEY, ARMV7EM, Variant(
    "eat_fully_connected_s8_sparse_d4_dsp", "runtime/src/armv7em/fully_connected_sparse_d4_dsp.c",
    "every row's walk, four entries per pass (one LDRH of four steps, one word of four weights, the inputs as two "
    "int16 pairs, two SMLAD), and its short (SMMULR) requantisation from the row's constants prepared by the "
    "compiler, in one assembly routine", header="eat/sparse_armv7em.h", layout=M4_LAYOUT,
    scratch=lambda g: 4 * g["out_depth"]))
register("CONV_2D", KEY, ARMV7EM, Variant(
    "eat_conv2d_s8_sparse_plane_dsp", "runtime/src/armv7em/conv2d_sparse_plane_dsp.c",
    "one input channel: every filter walks the padded input plane once (the depthwise plane walk with "
    "depth multiplier out_c), per output pixel one LDRSB and one MLA per non-zero and the short requantisation",
    applies=lambda g: g["ic"] == 1 and g["fic"] == 1, scratch=lambda g: dw_planes16_scratch(g), layout="d4_taps",
    header="eat/sparse_armv7em.h", clamp_bounds=True, pixel_block=0, by_cost=True))   # else the block walk
register("CONV_2D", KEY, ARMV7EM, Variant(
    "eat_conv2d_s8_sparse_b4_dsp", "runtime/src/armv7em/conv2d_sparse_b8_dsp.c",
    "each filter's non-zeros walked once per block of 4 output pixels (layers of few pixels, where the 8-pixel "
    "walk computes a short block's missing ones too): per non-zero one step decode, one LDRD and two SMLAL",
    applies=lambda g: g["fic"] == g["ic"], layout="d4_im2col_block",
    scratch=lambda g: 8 * g["kh"] * g["kw"] * g["ic"] + 56 * g["oc"], pixel_block=4,
    header="eat/sparse_armv7em.h", clamp_bounds=True, acc_limit=B8_DSP_ACC_LIMIT, lane_starts=True, by_cost=True))   # else 8 pixels
register("CONV_2D", KEY, ARMV7EM, Variant(
    "eat_conv2d_s8_sparse_b8_dsp", "runtime/src/armv7em/conv2d_sparse_b8_dsp.c",
    "each filter's non-zeros walked once per block of 8 output pixels gathered as pixel pairs in 24-bit "
    "lanes of a word: per non-zero one step decode, two LDRD and four SMLAL (two pixels each); outputs "
    "outside the accumulator bounds skip the requantisation",
    applies=lambda g: g["fic"] == g["ic"], layout="d4_im2col_block",
    scratch=lambda g: 16 * g["kh"] * g["kw"] * g["ic"] + 88 * g["oc"], pixel_block=8,
    header="eat/sparse_armv7em.h", clamp_bounds=True, acc_limit=B8_DSP_ACC_LIMIT, lane_starts=True))
for _b in (8, 4):   # the block walks without lane starts and short table: --weights small (L1 per channel instead)
    _base = variant_named(f"eat_conv2d_s8_sparse_b{_b}_dsp")
    register_per_call(_base.function, replace(
        _base, function=f"eat_conv2d_s8_sparse_b{_b}_pc_dsp",
        why=_base.why + "; lane starts and short requantisation computed per call from L0, L1 = L0 + 128 sum(w) "
        "and the op's multiplier and shift (--weights small)"))
def _dw_plane_scratch(g: Geometry) -> int:
    """eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes: 8 B per tap, then the padded input plane."""
    ph = (g["oh"] - 1) * g["sh"] + (g["kh"] - 1) * g["dh"] + 1
    pw = (g["ow"] - 1) * g["sw"] + (g["kw"] - 1) * g["dw"] + 1
    return 8 * g["kh"] * g["kw"] + (ph * pw + 3) // 4 * 4


def dw_planes_scratch(g: Geometry) -> int:
    """eat_depthwise_conv2d_s8_sparse_armv6m_scratch_bytes and
    eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes: 8 B per tap, then 4 padded planes when a word
    holds 4 channels (depth multiplier 1, in_c % 4 == 0), else one."""
    four = g["oc"] == g["ic"] and g["ic"] % 4 == 0
    return _dw_plane_scratch(g) + (3 * ((_dw_plane_scratch(g) - 8 * g["kh"] * g["kw"])) if four else 0)


def dw_planes16_scratch(g: Geometry) -> int:
    """eat_depthwise_conv2d_s8_sparse_dsp_scratch_bytes (and its 2:4 twin): 32 B per tap (four channels'
    non-zeros), the int8 plane(s) as dw_planes_scratch, then with four planes four int16 transposed ones of
    2 ph pw + 4 bytes rounded up to 4 (the pair walk for channels of 3..5 non-zeros)."""
    taps = g["kh"] * g["kw"]
    plane = _dw_plane_scratch(g) - 8 * taps
    four = g["oc"] == g["ic"] and g["ic"] % 4 == 0
    plane16 = (2 * (plane_h(g) * plane_w(g)) + 4 + 3) // 4 * 4
    return 32 * taps + (4 * (plane + plane16) if four else plane)


def plane_h(g: Geometry) -> int:
    return (g["oh"] - 1) * g["sh"] + (g["kh"] - 1) * g["dh"] + 1


def plane_w(g: Geometry) -> int:
    return (g["ow"] - 1) * g["sw"] + (g["kw"] - 1) * g["dw"] + 1


register("DEPTHWISE_CONV_2D", KEY, ARMV7EM, Variant(
    "eat_depthwise_conv2d_s8_sparse_dsp", "runtime/src/armv7em/depthwise_conv2d_sparse_dsp.c",
    "channel outer: the channel's input plane copied with its padding (the zero point), its non-zeros "
    "decoded once, then per output pixel one LDRSB and one MLA per non-zero and the short (SMMULR) "
    "requantisation; outputs below the channel's accumulator bound lo skip it; four channels of 3..5 "
    "non-zeros: two pixels per pass over int16 planes", scratch=dw_planes16_scratch,
    layout="d4_taps", header="eat/sparse_armv7em.h", pixel_block=0, clamp_bounds=True))   # channel outer: every pixel of a channel written before the next channel is read

register("DEPTHWISE_CONV_2D", KEY, ARMV6M, Variant(
    "eat_depthwise_conv2d_s8_sparse_armv6m", "runtime/src/armv6m/depthwise_conv2d_sparse_armv6m.c",
    "channel outer: the input plane copied with its padding (the zero point), the channel's non-zeros "
    "decoded once, then per output pixel one LDRSB + MULS + ADDS per non-zero (Thumb-1 walks in SRAM, "
    "straight-line for 1 and 2 non-zeros) and the accumulator bounds before the exact requantisation",
    scratch=dw_planes_scratch, layout="d4_taps", header="eat/sparse_armv6m.h", clamp_bounds=True, pixel_block=0))

# ---- RV32IMC (runtime/src/rv32/depthwise_conv2d_sparse_rv32.c, eat/sparse_rv32.h): ESP32-C3 ----
# The plane walk in C (no SIMD): channel outer, steps in kernel taps decoded once per channel, straight-line
# walks for 1..5 non-zeros (more: passes of 4 over a row of partial sums), the accumulator bounds and the short
# requantisation (mul + mulh). CONV_2D with one
# input channel takes it too (depth multiplier out_c) where it is estimated cheaper than the portable walk.
RV32 = ("rv32imc",)


def rv32_plane_scratch(g: Geometry) -> int:
    """eat_depthwise_conv2d_s8_sparse_rv32_scratch_bytes (and the in_c 1 conv's): a row of int32 partial sums,
    8 B per tap, then the plane (four interleaved when depth multiplier 1 and in_c % 4 == 0)."""
    return 4 * g["ow"] + dw_planes_scratch(g)


register("DEPTHWISE_CONV_2D", KEY, RV32, Variant(
    "eat_depthwise_conv2d_s8_sparse_rv32", "runtime/src/rv32/depthwise_conv2d_sparse_rv32.c",
    "channel outer: the channel's input plane copied with its padding (the zero point), its non-zeros "
    "decoded once, then per output pixel one lb + mul + add per non-zero (straight-line for 1..5), the "
    "accumulator bounds and the short requantisation (mul + mulh); four channels' planes interleaved (one "
    "lw / sw a pixel) when depth multiplier 1 and in_c % 4 == 0", scratch=rv32_plane_scratch,
    layout="d4_taps", header="eat/sparse_rv32.h", clamp_bounds=True, pixel_block=0))   # channel outer
register("CONV_2D", KEY, RV32, Variant(
    "eat_conv2d_s8_sparse_plane_rv32", "runtime/src/rv32/depthwise_conv2d_sparse_rv32.c",
    "one input channel: every filter walks the padded input plane once (the depthwise plane walk with depth "
    "multiplier out_c), per output pixel one lb + mul + add per non-zero, the bounds and the short requantisation",
    applies=lambda g: g["ic"] == 1 and g["fic"] == 1, scratch=rv32_plane_scratch, layout="d4_taps",
    header="eat/sparse_rv32.h", clamp_bounds=True, pixel_block=0, by_cost=True))   # else the portable walk

# The block walks (rv32/conv2d_sparse_block_rv32.c), each priced beside the variants after it: 8 pixels per walk
# from 8 output pixels up (fewer: an 8-pixel block computes empty lanes; the example's conv2, 4 pixels, measured
# 43,428 instructions on it against the portable walk's 42,887), 4 at any number.
for _b, _applies in ((8, lambda g: g["fic"] == g["ic"] and _pixels(g) >= 8), (4, lambda g: g["fic"] == g["ic"])):
    register("CONV_2D", KEY, RV32, Variant(
        f"eat_conv2d_s8_sparse_b{_b}_rv32", "runtime/src/rv32/conv2d_sparse_block_rv32.c",
        f"each filter's non-zeros walked once per block of {_b} output pixels (receptive fields gathered transposed "
        f"into scratch as x + 128), {_b} sums in registers: per non-zero one lb of the weight and per pixel lbu, mul, "
        "add; the accumulator bounds, the requantisation prepared once per call",
        applies=_applies, layout="d4_im2col_block",
        scratch=lambda g, b=_b: (b * g["kh"] * g["kw"] * g["ic"] + 3) // 4 * 4 + RQ_BYTES * g["oc"], pixel_block=_b,
        header="eat/sparse_rv32.h", clamp_bounds=True, by_cost=True, short_flag=True))

# (op, core) where the cost model is not asked: dense always wins there.
DENSE_ONLY: dict[tuple[str, str], str] = {}
