"""The calibrated cost model behind the dense/sparse choice: cycles (or, on QEMU/labwired boards,
instructions) of our dense and sparse kernels for one layer on one core.

The constants are per core, fitted to single-layer models measured on the board's simulator
(see `CALIBRATION`); a layer goes sparse only when its estimate beats dense by MARGIN.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

MARGIN = 0.95   # sparse must be estimated >= 5% faster: the model's error must not make it lose
RQ_PREPARE_M0 = 78.0   # cycles per channel and call of eat_armv6m_rq_prepare (M0+ block walks without an rq table,
# --weights small): the example's conv2 (32 channels) 35,516 -> 38,025, kws 80% four 1x1 (64 each) +19,563 in all
STARTS_PER_CALL_M4 = 30.0   # instructions per channel and call of the M4 block walks' lane starts and short table
# computed per call (--weights small): the example's conv2 (32 channels) 12,637 -> 13,642, kws's 1x1 (64) +1,816
RQ_DIRECT_M0 = 20.0   # cycles per row and batch of eat_armv6m_rq_direct over reading the row's record (d4 rows FC, small)


@dataclass(frozen=True)
class LayerShape:
    opcode: str
    pixels: int             # output positions (batches x out_h x out_w; FC: batches)
    out_c: int              # output channels (FC: units)
    taps: int               # kernel positions per output (k_h x k_w; FC: 1)
    macs: int
    border: int = 0         # output positions whose window leaves the input (sparse copies it)
    window: int = 0         # bytes of one copied window
    field_bytes: int = 0    # CONV_2D: bytes of one receptive field (k_h * k_w * in_c), gathered by the block kernel
    plane_bytes: int = 0    # the plane walk: bytes of one padded input plane
    planes: int = 0         # the plane walk: planes copied (batches x input channels)
    stride_w: int = 1       # CONV_2D / DEPTHWISE_CONV_2D: the width stride
    out_h: int = 0          # DEPTHWISE_CONV_2D: output rows (0: unknown, no pair walk)
    stride_h: int = 1       # DEPTHWISE_CONV_2D: the height stride
    planes4: bool = False   # DEPTHWISE_CONV_2D: depth multiplier 1, in_c % 4 == 0 (four planes per word load)
    act_min: int = -128     # the fused activation's clamp
    act_max: int = 127
    per_channel: bool = False   # FULLY_CONNECTED: per-channel weight scales (the dense kernels requantise per row)
    wmin: int = 0           # CONV_2D: the smallest weight (the geometry's "wmin"; -128 keeps the M0+ c1 kernel out)


@dataclass(frozen=True)
class CoreCosts:
    """Cost per unit of work, in the core's counter units (see each core's CALIBRATION line)."""

    dense_mac: float        # reference dense inner loop, per multiply-accumulate
    dense_tap: float        # reference CONV_2D loops, per (output element, kernel position)
    dense_dw_tap: float     # reference DEPTHWISE_CONV_2D, per (output element, kernel position)
    out: float              # per output element: bias, requantize, clamp, store (both kernels)
    pair: float             # sparse: per index byte (two entries)
    pair_dw: float          # sparse DEPTHWISE_CONV_2D: per index byte (steps scaled by in_c)
    channel: float          # sparse: per output element, set-up of the channel's walk
    pixel: float            # sparse: per output position
    fill: float             # sparse: per byte of a border window copy
    # the 8-pixel block walk (kernel layout "d4_im2col_block"); 0: the core has none
    blk_pair: float = 0.0    # per index byte (two entries x BLOCK pixels)
    blk_channel: float = 0.0  # per output channel and block: sums in and out
    blk_out: float = 0.0     # per output element: bounds, requantize, clamp, store
    blk_out4: float = 0.0    # the same in a 4-pixel block walk (0: blk_out)
    blk4_pair: float = 0.0   # the 4-pixel walk's blk_pair, per index byte and 4-pixel block (0: blk_pair x 51 / 87)
    blk4_channel: float = 0.0  # the 4-pixel walk's blk_channel (0: blk_channel x 50 / 70)
    blk_call_channel: float = 0.0  # per output channel and call (the requantisation set-up, the sums' starts)
    blk_gather: float = 0.0  # per byte of a gathered receptive field
    blk_tap: float = 0.0     # per output pixel and kernel position: the gather's bounds and loops
    channel_dw: float | None = None   # sparse DEPTHWISE_CONV_2D per output, when its kernel differs (None: channel)
    channel_fc: float | None = None   # sparse FULLY_CONNECTED per output, when its kernel differs (None: channel)
    fill_dw: float | None = None      # sparse DEPTHWISE_CONV_2D per border window byte (None: fill)
    # the plane walk (channel outer over a padded input plane; 0: the core has none)
    plane_nz: float = 0.0       # per non-zero and output pixel (channels of > 2 non-zeros: the C walk)
    plane_out: float = 0.0      # per output element of the C walk: bounds, requantisation, store, loop
    plane_out2: float = 0.0     # per output element of a channel of 1 or 2 non-zeros (the Thumb-1 walk)
    plane_channel: float = 0.0  # per output channel: decode, set-up
    plane_fill: float = 0.0     # per byte of a copied plane
    dense_mac_c1: float = 0.0   # dense CONV_2D with in_c == 1, per MAC beside `out` (0: dense_mac and dense_tap)
    plane_out1: float = 0.0     # per output element of a channel of one non-zero, when it differs (0: plane_out2)
    plane_nz_short: float = 0.0  # per non-zero beyond 2 of a channel in the short walks (up to plane_short_nz)
    plane_short_nz: int = 2      # the most non-zeros of a channel the short (assembly) walks take
    blk_tap_c1: float = 0.0     # the block walk's blk_tap when in_c == 1, when its gather differs (0: blk_tap)
    plane_short_max_sw: int = 0     # the plane walk's 1 / 2 non-zero walks serve stride_w up to this (0: any;
    #                                 wider: the C loop)
    plane_fill1: float = 0.0    # per byte of a plane copied one channel at a time (not planes4), when it differs
    #                             from the four-channel fill (0: plane_fill)
    # dense FULLY_CONNECTED, when its kernel is priced apart (dense_mac_fc 0: dense_mac and out as for the others)
    dense_mac_fc: float = 0.0   # per MAC
    dense_out_fc: float = 0.0   # per output
    dense_call_fc: float = 0.0  # per batch (the input's expansion, the block loop's set-up)
    pair_fc: float | None = None      # sparse FULLY_CONNECTED d4 per index byte, when its walk differs (None: pair)
    pixel_fc: float | None = None     # sparse FULLY_CONNECTED d4 per batch (the call, its frame; None: pixel)
    # the pair walk (four channels of 3..5 non-zeros, two output rows per pass over int16 planes; 0: none)
    pair_pass: float = 0.0      # per pass of two outputs, beside pair_nz per non-zero
    pair_half: float = 0.0      # per one-output last pass of a line (out_h odd), beside pair_nz per non-zero
    pair_nz: float = 0.0        # per non-zero and pass
    pair_line: float = 0.0      # per line (output column) of a channel
    pair_clamp: float = 0.0     # per pass, when act_min > -128 (the clamp after SSAT)
    pair_channel: float = 0.0   # per channel and batch: decode, requantisation set-up, the walk's entry
    pair_channel_nz: float = 0.0  # per non-zero and channel and batch (decode)
    pair_fill: float = 0.0      # per byte of a plane (ph x pw) of the int16 fill, padding included
    dense_out_fc_pc: float = 0.0      # dense FULLY_CONNECTED per output with per-channel scales (0: dense_out_fc)
    dense_out_c1: float = 0.0   # dense CONV_2D with in_c == 1, per output (0: out)
    dense_k4_c1: bool = False   # dense CONV_2D with in_c == 1: MACs counted over k_h * k_w rounded up to 4 (dsp16's K4)
    # dense CONV_2D with in_c == 1 and a weight of -128, where the c1 figures' kernel needs |w| <= 127 (0: no such
    # limit): up to dense_c1_plane_taps taps the plane walk over every tap (sparse_plane_cycles), else per MAC
    # beside `out`
    dense_mac_c1_w128: float = 0.0
    dense_c1_plane_taps: int = 0
    # a CONV_2D fused with the 2x2 MAX_POOL_2D after it (fuse_pool.py): cycles saved per conv output element
    # (three requantisations and stores of every four traded for the window's max), by the dense one-channel conv
    # and by the plane walks (0: the core fuses none)
    pool_c1: float = 0.0
    pool_plane: float = 0.0
    # dense kernels priced apart from the sparse ones' `out` (None: out)
    dense_out: float | None = None      # dense CONV_2D per output
    dense_out_dw: float | None = None   # dense DEPTHWISE_CONV_2D per output (None: dense_out, then out)
    dense_dw_pixel: float = 0.0         # dense DEPTHWISE_CONV_2D per output pixel (its per-pixel call)
    dense_fc_rows: int = 1              # dense FULLY_CONNECTED: MACs counted over out_c rounded up to this (the
    #                                     kernel's rows per pass)
    dense_fc_tail: float = 0.0          # dense FULLY_CONNECTED: beside dense_mac_fc, per MAC of the out_c % 4 rows
    #                                     (a kernel of 4 rows per pass running the rest one row at a time)
    # dense CONV_2D of a kernel that walks blocks of dense_block_pixels pixels x 4 filters (0: no such terms)
    dense_block_pixels: int = 1         # pixels counted rounded up to this (an odd last pixel runs as a pair)
    dense_block: float = 0.0            # per block call
    dense_block_tail: float = 0.0       # per block call and step of the field's K % 4 tail
    dense_gather: float = 0.0           # per byte of a receptive field gathered (k_h * k_w > 1), per pixel
    dense_pixel_tap: float = 0.0        # dense CONV_2D per output pixel and kernel position (a gather per tap)
    dense_pixel: float = 0.0            # dense CONV_2D per output pixel


# Fitted to `scripts/calibrate_sparse.py BOARD` (FC 256x64, 1x1 conv 8x8x32->32, 3x3 conv 8x8x8->16,
# 3x3 depthwise 8x8x32; 0 / 80 / 90 % zeros; dense and sparse) on each core's simulator.
COSTS: dict[str, CoreCosts] = {
    # pico, rp2040js cycles, against the Cortex-M0+ kernels both ways (dense runtime/src/armv6m/*,
    # sparse armv6m/sparse_d4_armv6m.c), single-layer models of `scripts/calibrate_sparse.py`
    # layers: FC 256x64 dense 94,860; sparse at 0 / 80 / 90 % zeros (8,192 / 1,701 / 1,036 index
    # bytes) 193,363 / 49,293 / 33,953 -> 22.2 per index byte, 180 per output (49 + 131 set-up);
    # 1x1 conv 8x8x32->32 dense 490,927 (5.6 per MAC + 60 per output), sparse 0 % 1,061,266.
    # 3x3 conv 8x8x8->16 dense 541,876 (est. 564k), sparse 80 / 90 % 429,754 / 359,121; 3x3
    # depthwise 8x8x32 dense 345,864 (7.6 per tap beside dense_mac), sparse 0 / 80 / 90 % 931,100 /
    # 667,872 / 652,676 (est. 873k / 648k / 635k). pair_dw and fill keep the earlier fit.
    # block walk (conv2d_sparse_b8_armv6m.c): 87 per index byte and ~70 per channel and block counted
    # from the Thumb-1 walk; per output (bounds, requantisation, store), per gathered byte and tap
    # fitted to `bench --profile` of kws_ref_model one-shot 80% (random inputs): 1x1 25x5x64->64
    # sparse 1.36-1.47 M (est. 1.56 M), 10x4 conv 49x10x1->25x5x64 stride 2 1.53 M (est. 1.41 M).
    # dense_tap 4 (was 11): the same model's dense 1x1 3.01 M (est. 3.29 M) and 10x4 conv 2.35 M
    # (est. 3.46 M: the in_c = 1 conv is still over-estimated); the 3x3 conv above est. 500k.
    # blk_out 27 (8-pixel walk) since its outputs go through eat_armv6m_block_out (Thumb-1, rq prepared at
    # compile time): kws 1x1 layers measured 664-686 k at 90 % / 939-965 k at 80 % against 939-953 k /
    # 1.21 M estimated with 60, i.e. 33 less per output (`bench --board pico --sparsity 0.9|0.8 --profile`);
    # blk_out4 35: the 4-pixel walk's outputs also go through the Thumb-1 stage now (was 60 with the C loop:
    # the example's conv2 at 80 % est 38,707, measured 35,555 = 25 less per output, `bench --board pico
    # --sparsity 0.8 --profile`); more per output than blk_out: the stage's ~50 per channel spread over 4.
    # blk_out 60 (was 100) since the block walks requantise with the channel's constants prepared once
    # per block (conv2d_sparse_block_armv6m.h): `bench --profile` kws_ref_model one-shot 80 % 1x1 layers
    # 1.13-1.21 M (est. 1.24 M; 1.56 M with 100), 10x4 conv 1.28 M (est. 1.09 M); kws pruned 2:4 forced d4
    # (`scripts/profile_layers.py ... sparse`) 1x1 1.92-1.98 M (est. 2.05 M; 2.37 M with 100), 10x4 conv
    # 2.67 M (est. 2.50 M); the example's conv2 (b4) 41,547 (est. 39,115), conv1 3x3x1 -> 16 (b8)
    # 123,758 (est. 101,936) against dense 181,596: it now goes sparse.
    # FC since eat_fully_connected_s8_sparse_rows_armv6m (every row in one Thumb-1 routine, then the
    # bounded requantisation with the rows' eat_armv6m_rq_t prepared at compile time): channel_fc 68
    # (per output 117 with out), fitted to the calibration's models (no fused activation, so the bounds
    # skip nothing): FC 256x64 at 80 / 90 % 45,629 / 30,732 (est. 45,300 / 30,537), 128x64 26,331 /
    # 18,068 (est. 26,763 / 18,948), 64x10 2,874 / 2,103 (est. 2,774 / 2,085); before the compile-time
    # tables 49,168 / 34,148, 30,312 / 22,196, 3,509 (the row walk alone), 49,293 / 33,953 (per-row calls).
    # plane walk (armv6m/depthwise_conv2d_sparse_armv6m.c), fitted to `bench --board pico --profile` of
    # kws_ref_model one-shot 80 / 90 % and `scripts/profile_layers.py <its 50 % file, the unpruned model>
    # pico sparse OUT` (docs/performance.md "The plane walk (Cortex-M0+)"): the four 3x3 depthwise 25x5x64 with 2 / 1
    # non-zeros per channel (dw_walk2 / dw_walk1) 363-390 k / 310-374 k -> ~36 per output beside ~4 per
    # plane byte (27x7, four planes per word load) and per channel (decode, set-up) 750: fitted with
    # vww_96_int8 80 % (`bench ... --model vww_96_int8.tflite --profile`), whose 9-pixel depthwise layers
    # (128 / 256 channels) measured 162,808 / 255,888 against dense 156,735 / 259,785 (est. with 400 per
    # channel: 143,360 / 262,144, so they went sparse and the first lost 4 %); the 10x4 conv
    # 49x10x1->25x5x64 stride 2 (in_c = 1, one 58x12 plane; dw_walkn) with 4 / 8 / 20 / 40 non-zeros per
    # filter 609,954 / 949,368 / 1,958,657 / 3,633,236 -> 10.5 per non-zero and pixel, 31 per output; the
    # depthwise with 5 / 9 non-zeros 731-743 k / 1.056-1.083 M (est. 737 k / 1.078 M).
    # dense_mac_c1: that conv dense 1.965-1.975 M at 50-90 % (est. 3.46 M by dense_mac + dense_tap, which
    # put it sparse at 50 %, measured 2.47 M) -> 4.9 per MAC beside `out`; dense_dw_tap 4.8 (was 8): the
    # depthwise layers dense 1.08-1.19 M (est. 1.37 M).
    # plane_channel 750 -> 415 and plane_nz_short 8 since the channel's set-up reads the compiler's rq table
    # and the Thumb-1 walks take 3 and 4 non-zeros (`bench --board pico --sparsity 0.8 --profile --model
    # vww_96_int8.tflite`: its 9-pixel 256-channel depthwise 255,888 -> 214,711, est. 300,544 with 750, i.e.
    # 415 per channel; the example's conv1 3-non-zero channels ~44 per output against ~28 for 2).
    # dense_mac_c1 4.19 and dense_out_c1 40.4 since the dense one-channel conv eat_conv2d_s8_c1_armv6m (two
    # channels per MULS, two pixels per pass, block_out's output stage), fitted to its two measured layers
    # (`bench --board pico --profile --sparsity 0.8` dense side, and `bench --board pico --profile --model
    # kws_ref_model.tflite`): the example's conv1 3x3 8x8x1 -> 16 80,010 (the plane walk: 133,341) and kws's
    # 10x4 49x10x1 -> 25x5x64 stride 2 1,664,105 (swar: ~1.97 M; its pixels paired by rows, out_w 5 being odd).
    # A layer with a weight of -128 keeps the kernels before it (the registry's order): up to 9 taps
    # (kernels_registry.PLANE_MAX_TAPS) the dense plane walk, priced as the sparse plane walk over every tap (the
    # example's conv1 est. 135,552 against its 133,341), more taps the swar kernel at the earlier 4.9 per MAC
    # beside `out` (kws's 10x4 est. 1,960,000 against ~1.97 M).
    # blk_pair 87 -> 71, blk_channel 70 -> 87, blk4_pair 43, blk4_channel 63 (counted) since the block walks
    # multiply two pixels per MULS (uint16 x + 129; lo / hi started from the bias and the channel's negative
    # weights, split at the channel's end): kws 80 % 1x1 convs 921,942-948,275 -> 848,909-874,090 (est. 943,765
    # with the old figures, ~851 k with these), the example's conv2 (b4) 35,526 -> 33,354 (est. ~32 k); the b4
    # walk then took two step bytes per pass: blk4_pair 43 -> 40.5 (the example's conv2 33,338 -> 32,284).
    # The dense side refitted to every dense layer of the four reference models and the example
    # (`scripts/profile_layers.py MODEL pico dense OUT`, least squares on relative error, after one call of the
    # dw4 walk took every channel block of a pixel). Before, dense_mac 5.6 / out 49 / dense_tap 4.0 /
    # dense_dw_tap 4.8 (fitted to the reference kernels, then kept) priced the swar convs and FCs 1.2-1.6x
    # over what they measure (ad01's 128 -> 128 FCs est. 98,022 against 67,888), so at 50 % one-shot three of
    # ad01's FCs went p8 and ran 6-8 % slower than dense. Now:
    # - CONV_2D (swar): dense_mac 3.56, dense_out 74.5, dense_tap 8.42; the 28 layers within 0.91-1.08x but
    #   vww's first two (3 and 8 input channels: 0.82x, 0.92x). Refitted once the swar conv took 8 pixels per
    #   output stage (eat_armv6m_block_out; its sums written by eat_armv6m_gemv8u_blk_s8), which the old
    #   figures priced 1.00-1.23x: 3.6 per MAC, 43.19 per output, 85.64 per pixel and kernel position (the
    #   gather), 350.36 per pixel (dense_tap 0; dense_dw_tap 9.11 keeps the depthwise's 12.71 per tap); the 28
    #   convs of kws, resnet and vww and the example's conv2 within 0.94-1.04x;
    # - DEPTHWISE_CONV_2D: 12.71 per MAC (dense_mac + dense_dw_tap 9.15), 606 per pixel, no per-output term;
    #   the 17 layers within 0.91-1.14x;
    # - FULLY_CONNECTED (swar): 3.53 per MAC over rows rounded up to 8, 81.5 per output (115.8 per-channel),
    #   838 per call; the 15 layers within 0.89-1.02x.
    "cortex-m0plus": CoreCosts(dense_mac=3.6, dense_tap=0.0, dense_dw_tap=9.11, out=49.0, pair=22.2,
                               pair_dw=29.0, channel=131.0, pixel=50.0, fill=12.0,
                               blk_pair=71.0, blk_channel=87.0, blk_out=27.0, blk_out4=35.0, blk_gather=8.0, blk_tap=25.0,
                               blk4_pair=40.5, blk4_channel=63.0, channel_fc=68.0,
                               plane_nz=10.5, plane_out=31.0, plane_out2=36.0, plane_channel=415.0, plane_fill=4.0, plane_nz_short=8.0, plane_short_nz=4,
                               dense_mac_c1=4.19, dense_out_c1=40.4, dense_mac_c1_w128=4.9, dense_c1_plane_taps=9,
                               pool_c1=6.2, pool_plane=11.2,
                               dense_out=43.19, dense_pixel=350.36, dense_pixel_tap=85.64, dense_out_dw=0.0, dense_dw_pixel=606.0, dense_fc_rows=8,
                               dense_mac_fc=3.53, dense_out_fc=81.5, dense_out_fc_pc=115.8, dense_call_fc=838.0),
    # generic (portable reference dense kernels, portable sparse kernels): the earlier pico fit, FC
    # 256x64 dense 291,849; sparse at 0 / 80 / 90 % zeros 226,849 / 58,089 / 40,828.
    "generic": CoreCosts(dense_mac=17.1, dense_tap=13.0, dense_dw_tap=38.0, out=180.0, pair=26.0,
                         pair_dw=29.0, channel=20.0, pixel=50.0, fill=12.0),
    # nucleo_f446re, QEMU -icount instructions, fitted to `bench --board nucleo_f446re --profile` of
    # kws_ref_model one-shot 80 / 90 % and 2:4 (random inputs; every layer measured dense and sparse).
    # dense (runtime/src/armv7em/*_dsp16.c, fully_connected_s8_dsp4.c): 1x1 25x5x64->64 642,048 (est.
    # 643,200), 10x4 conv 49x10x1->25x5x64 stride 2 565,250 (est. 576,000), 3x3 depthwise 25x5x64
    # 378,970 (est. 380,000); FC 64->12 1,946 (est. 960: under-estimated, so a small FC goes sparse
    # only when it is clearly fewer; measured sparse 2,131 at 80 % (kept dense), 1,625 at 90 %).
    # block walk (armv7em/conv2d_sparse_b8_dsp.c): 1x1 at 80 / 90 % (448 / 254 index bytes) 362,524-
    # 371,780 / 290,881-295,583 -> 22.9 per index byte and block (23 counted in the walk); 10x4 conv
    # 400,221 / 359,584 (267 / 159 index bytes) -> 23.5; the rest: ~40 per channel and block (counted),
    # 2.2 per gathered byte, 17.7 per output (bounds, requantisation, store), 21 per pixel and tap.
    # 2:4 1x1 (1,024 index bytes): 578,405-584,833 (est. 582k).
    # depthwise (armv7em/depthwise_conv2d_sparse_dsp.c): 3x3 at 78 % zeros (1 index byte per channel)
    # 246,934-246,952 = 30.9 per output (pair_dw 10 + out 16 + channel 5): the assembly row loop takes
    # channels of <= 2 non-zeros; more take the C loop (~5 per non-zero more), so 3 index bytes
    # (2:4's 44 %: 5 non-zeros) are est. 51 per output against dense 47.5 and stay dense (channel_dw;
    # its plane copy is inside that figure: fill_dw 0).
    # portable d4 walks (FC; CONV_2D whose accumulators leave the 24-bit lanes, e.g. vww's ~2^30
    # biases): ~113 per output (out 16 + channel 97) and 9 per index byte, from kws's 1x1 at 80 %
    # before the M4 kernels (1,409,732, 448 index bytes per pixel) and its FC 64->12 at 80 % (2,131;
    # est. 2,137).
    # Dense refitted after the third pass of the M4 kernels (assembly depthwise 3x3 and conv pairs,
    # docs/performance.md "Cortex-M4 kernels, third pass"), `bench --board nucleo_f446re --sparsity 0.8 --profile`
    # of kws: 1x1 501,155 (est. 501,000), 10x4 conv 445,810 (est. 445,000), 3x3 depthwise 270,685
    # (est. 272,000): dense_mac 0.8, out 11.1, dense_tap 0.32, dense_dw_tap 1.72 (channel_dw 5 -> 9.9
    # keeps the depthwise walk's out + channel_dw). Before (dense_mac 1.0, out 16, dense_tap 0.4,
    # dense_dw_tap 2.5) 2:4's 1x1 layers went sparse at 578-585 k against the new dense 501 k (kws 2:4
    # 1.09x of dense). channel 97 -> 68.9 (out + channel 113 -> 80): refitted to vww's portable d4 walks
    # (its ~2^30 biases), `bench --board nucleo_f446re --model vww_96_int8.tflite --profile`: ops 18 /
    # 20 / 22 / 24 / 26 473,429 / 423,845 / 456,548 / 215,893 / 212,107 (est. 461,556 / 429,480 /
    # 448,596 / 217,431 / 215,892; at 113 per output they read ~30% high and went dense at the new
    # dense figures, vww 11.61 M against 11.33 M). kws's FC 64->12 (the other user) stays dense at
    # 80 / 90 %.
    # blk_channel 40 -> 34: the walk loads each channel's four sum starts by one LDM (no six MOVs): kws 90 %
    # 1x1 and 10x4 conv -5.8 k each (64 channels x 16 blocks x 6). Then the walk takes two step bytes per
    # loop (an odd count enters at the second): blk_pair 23 -> 21.5, blk_channel 34 -> 36 (the parity
    # test), counted; kws 80 % 1x1 318,113-325,584 -> 310,941-318,322 (est. 310,817), 10x4 conv 289,798 ->
    # 285,703 (est. 282,676). With these the 10x4 conv (in_c 1) at 50 % was est. 413 k sparse against
    # dense_mac + dense_tap's 447 k, but its dense kernel measures 410,149: dense_mac_c1 1.0 (est. 408,800);
    # forced sparse at 50 % it measures 414,655 (dense kept), the 1x1 510,125-514,423 (est. ~535 k, dense);
    # 2:4's 1x1 are now est. 508,967 against 500,960 (dense; 540-545 k measured before the last two changes).
    # Refitted after the M4 sparse kernels' second pass (docs/performance.md "Cortex-M4 sparse, second pass"), `bench
    # --board nucleo_f446re --sparsity 0.8 / 0.9 --profile` of kws, and forced sparse (`scripts/
    # profile_layers.py <kws pruned 50 % / 2:4> nucleo_f446re sparse OUT`):
    # blk_out 17.7 -> 12.4 (block_out8: a full block's outputs in assembly, act_max 127; other layers keep
    # the C block_out, ~17.7: not told apart here): 1x1 at 90 / 80 % (254 / 448 index bytes) 251,464-
    # 255,476 / 323,929-331,405 (est. 254,279 / 325,671), 2:4 forced (1,024) 539,846-544,994 (est. 537,639:
    # dense 502,500 stays chosen), 50 % forced 538,476-542,774 (dense chosen).
    # blk_tap_c1 8.7 (gather_pair_c1: bounds per tap row): 10x4 conv in_c 1 at 90 / 80 % (159 / 267 index
    # bytes) 254,917 / 295,619 (est. 253,436 / 293,180; blk_tap 21 for in_c > 1 as before); 50 % forced
    # 433,791 against dense 410,149 (est. 483,000 vs 447,200: dense).
    # depthwise: now priced as the plane walk it is (sparse_plane_cycles): 3x3 25x5x64 with 1 / 2
    # non-zeros per channel (dw1_channel / dw2_channel, post-indexed tap pointers and doubled constants)
    # 146,821-155,571 / 168,352-172,464; 13.0 / 15.4 per output (counted in the loops: 10 or 13 per output
    # and 7 per row of 5 for one non-zero, 12 or 15 and 9 for two; 14.4 / 16.8 before the pointers), the
    # rest per channel (decode, requantisation set-up, call: 366) and per plane byte (four planes per word
    # load, padding once: 2.0 per byte of the 27x7 plane). C loop (> 2 non-zeros; 50 % forced, 5 per
    # channel) 508,268-522,869 -> 34 per output + 5 per non-zero (split estimated, not measured apart).
    # pair walk (four channels of 3..5 non-zeros, stride_h 1: two output rows per pass over int16 transposed
    # planes; dwp3/4/5 in depthwise_conv2d_sparse_dsp.c): counted per pass 18 + 3 per non-zero (33 at 5),
    # a line's odd last pass 10 + 3, per line 17, act_min > -128 8 per pass (the CMP / IT / MOV clamp); per
    # channel set-up and int16 fill fitted to single 3x3 depthwise layers forced 2:4 (single-op models built
    # like tests/test_kernels_sparse_2of4.py's, `bench_sparsity.layer_cycles(..., "2of4")`): 25x5x64 at 5 / 4 /
    # 3 non-zeros 189,923 / 175,714 / 160,673 (est. 195,129 / 180,537 / 165,945; dense 267,952), 16x16x16
    # 92,322 (est. 90,214; dense 155,899), 9x12x32 92,417 (est. 91,948; dense 122,089), 12x12x16 stride_w 2
    # 35,577 (est. 34,147; dense 46,607): per channel 297 + 33 per non-zero, 2.1 per plane byte (the fill, ~9
    # per input pixel, and the padding once).
    # Estimates: 151,616 / 170,816 / 519,616 against dense 270,240 (measured 267,952).
    # The short walks serve stride_w 1 and 2 (plane_short_max_sw; wider: the C loop): vww_96_int8 80 % op 7
    # (3x3 depthwise stride 2, 12x12x32 out, 25x25 planes, 2 non-zeros) measured 263,667 on the C loop
    # against dense 157,571 (before the stride-2 walks: it went sparse at est. 122,675), 135,155 on
    # dw2_channel_s2 (est. 122,675: the 25x25 fill costs more per plane byte than kws's 27x7).
    # FULLY_CONNECTED priced apart (dense_*_fc, pair_fc, channel_fc), fitted to single FC layers measured per op
    # (layer_cycles, one profiling build per mode; 64x12 / 128x64 / 256x64 at 80 and 90 %, 64x10 80 %, 32x32
    # 70 %; per-tensor scales, 1 batch): dense (dsp16 / dsp4) 1,339-1,345 / 8,464-8,471 / 15,119-15,125 / 1,404 /
    # 1,911 -> 0.817 per MAC, 18.7 per output, 545 per batch (est. 1,398 / 8,439 / 15,135 / 1,256 / 1,981: the
    # general figures gave 747 / 7,264 / 13,817, which kept kws's FC dense against any sparse walk); the portable
    # d4 walk (79 / 39, 855 / 504, 1,688 / 1,029, 66, 160 index bytes) 2,089 / 1,524, 16,732 / 11,828, 28,363 /
    # 19,155, 1,756, 4,666 -> 14 per index byte, 75.7 per output (out + channel_fc 64.6) beside `pixel`
    # (est. 2,033 / 1,487, 16,843 / 11,930, 28,482 / 19,294, 1,714, 4,682). Since the M4's own d4 FC walk
    # (armv7em/fully_connected_sparse_d4_dsp.c, p8's per-row table and output stage), the same layers forced d4
    # (`weights="sparse"`, layer_cycles) measure 1,339 / 953, 11,018 / 7,316, 19,780 / 12,821, 1,137, 2,792 and
    # 640x128 at 80 % (8,486 index bytes) 93,023 -> pair_fc 10.5 per index byte, 31 per output (out + channel_fc
    # 19.9), pixel_fc 110 per batch (est. 1,332 / 944, 11,082 / 7,375, 19,829 / 12,866, 1,134, 2,782, 93,181).
    # kws's FC 64 -> 12 at 80 % is a tie with dense there (1,339 both): est. 1,332 against dense's 1,396 keeps
    # it dense by the margin.
    # Small layers (`scripts/profile_layers.py MODEL nucleo_f446re dense OUT` of the built-in example pruned 80 %,
    # kws_ref_model, vww_96_int8, ad01_int8): the example's conv1 3x3x1 -> 16 on 8x8 measured 35,750 against est.
    # 20,582 (kws's 10x4x1 conv 410,149, est. 408,800: one per MAC + out fitted only there) and its FCs 128 -> 64 /
    # 64 -> 10 12,274 / 1,905 against 8,434 / 1,254. dense_mac_c1 1.0 -> 0.584 per MAC over K4 (taps rounded up to
    # 4: the dsp16 kernel pads K so) and 27.9 per output (dense_out_c1), fitted to both in_c 1 convs (est. 35,750 /
    # 410,149). The example's FCs have per-channel scales (kws's, vww's, ad01's are per tensor): +60 / +65 per
    # output measured, dense_out_fc_pc 79 (est. 12,274 / 1,887). Not refitted: the general conv (the example's conv2
    # 3x3x16 -> 32, 4 pixels, 20,851 against est. 16,535; vww's in_c 3 / 8 convs 1.35-1.66x their estimates: no
    # single per-pixel term fits them with kws's 1x1 layers): dense is under-estimated there, sparse never wrongly
    # chosen by it.
    # The 4-pixel block walk (armv7em/conv2d_sparse_b8_dsp.c eat_conv2d_s8_sparse_b4_dsp): blk4_pair 14.5 per index
    # byte (13 counted per step byte in the walk, the loop's test per two) and blk4_channel 30 (counted); the
    # example's conv2 (3x3x16 -> 32 on 2x2, one block) at 80 / 90 % measured 14,755 / 11,822 against 11,370 / 8,427
    # estimated without a per-call term (106 per channel and call: eat_rq_prepare and its short form, block_out4's
    # table, the sums' starts copied); with the short table from the compiler (sparse_call.short_table) 12,637 at
    # 80 %: blk_call_channel 40, `bench --board nucleo_f446re --sparsity 0.8|0.9 --profile`.
    "cortex-m4": CoreCosts(dense_mac=0.8, dense_tap=0.32, dense_dw_tap=1.72, out=11.1, pair=9.0, pair_dw=10.0,
                           channel=68.9, pixel=25.0, fill=6.0,
                           blk_pair=21.5, blk_channel=36.0, blk_out=12.4, blk_gather=2.2, blk_tap=21.0,
                           blk4_pair=14.5, blk4_channel=30.0, blk_call_channel=40.0,
                           channel_dw=9.9, fill_dw=0.0,
                           plane_nz=5.0, plane_out=34.0, plane_out2=15.4, plane_channel=366.0, plane_fill=2.0,
                           plane_out1=13.0, blk_tap_c1=8.7, plane_short_max_sw=2, plane_nz_short=3.0, plane_short_nz=3,
                           dense_mac_fc=0.817, dense_out_fc=18.7, dense_call_fc=545.0, pair_fc=10.5, channel_fc=19.9, pixel_fc=110.0,
                           dense_out_fc_pc=79.0, dense_mac_c1=0.584, dense_out_c1=27.9, dense_k4_c1=True,
                           pair_pass=18.0, pair_half=10.0, pair_nz=3.0, pair_line=17.0, pair_clamp=8.0,
                           pair_channel=297.0, pair_channel_nz=33.0, pair_fill=2.1),
    # esp32-c3-devkitm-1, labwired instructions: its own dense kernels (runtime/src/rv32/*) against the
    # PORTABLE sparse walks (runtime/src/*_sparse_s8.c) but for DEPTHWISE_CONV_2D (its plane walk, below), fitted
    # to `bench --board esp32-c3-devkitm-1 --sparsity 0.8 --profile --model kws_ref_model.tflite` (one-shot
    # 80 %, random input) plus `scripts/profile_layers.py <its pruned file> esp32-c3-devkitm-1 sparse OUT`.
    # dense: 1x1 25x5x64->64 2,172,756-2,177,821 (est. 2,184,000: 4.0 per MAC, 16 per output), 10x4 conv
    # 49x10x1->25x5x64 stride 2 1,735,053 (est. 1,728,000: 1.0 per output and tap), 3x3 depthwise 25x5x64
    # 778,580-782,424 (est. 776,000: 5.0 per tap beside dense_mac), FC 64->12 3,859 (est. 3,264).
    # sparse: 16 instructions per index byte counted in the walk's loop (gcc -O2, rv32imc; 19 for the
    # depthwise one, steps scaled by in_c); 1x1 at 80 % (448-450 index bytes per pixel) 1,553,342-
    # 1,556,770 (est. 1,555,125) -> 82 per output (out 16 + channel 66) with 25 per pixel; 10x4 conv (334,
    # 65 border windows) 1,383,947 (est. 1,382,115: 9 per window byte, in_c = 1 copies byte by byte);
    # FC 64->12 2,277 (est. 2,353); 3x3 depthwise at 78 % (1 index byte per channel, 56 border windows
    # of 576 bytes copied at ~5 per byte = 3.6 per window-stride byte) 980,140-981,893 (est. 978,856),
    # i.e. 1.26x its dense: it stayed dense, where the cortex-m4 figures (aliased before) put it sparse.
    # checked at 50 % (forced sparse: 1x1 2,706,040 est. 2,707,125; 10x4 2,040,460 est. 2,038,115; FC 4,005
    # est. 4,081: all dense by the estimates) and 90 % (chosen sparse convs and FC 0.527-0.686x, est. within 0.3 %).
    # The plane walk (rv32/depthwise_conv2d_sparse_rv32.c, priced by sparse_plane_cycles), fitted to `bench --board
    # esp32-c3-devkitm-1 --sparsity S --profile --model kws_ref_model.tflite` (S 0.9 / 0.8 / 0.67: 1 / 2 / 3 non-zeros
    # in every channel of the four 3x3 depthwise 25x5x64) and `scripts/profile_layers.py <its 50 % file>
    # esp32-c3-devkitm-1 sparse OUT` (5 non-zeros): 141-168 k / 179-191 k / 217-224 k / 298-307 k against dense
    # 776-785 k (0.18-0.21x / 0.23-0.24x / 0.28x / 0.39x). Counted per channel (decode, requantisation set-up, the
    # walk's entry) ~200 and per plane byte 1.0 (four channels' planes interleaved: one lw / sw a pixel, the
    # padding once); the rest per output: 1 non-zero 16.3 (the loop counted: 10 below lo / above hi, 19
    # requantised, ~0.6 per row), 2: 20.0, then 4.8 per non-zero up to 5 (3: 4.4, 5: 5.0 measured; the
    # straight-line walks); > 5: passes of 4 over a row of partial sums (walk_long), 15.9 per output + 6.2 per
    # non-zero, fitted to kws's 10x4x1 conv (49x10x1 -> 25x5x64 stride 2, the same walk with depth multiplier 64:
    # eat_conv2d_s8_sparse_plane_rv32) with 8 / 13 / 20 non-zeros per filter (80 / 67 / 50 %) 538,848 / 795,478 /
    # 1,132,464 (est. 540 k / 789 k / 1,136 k; dense 1,735,053). Before walk_long the C loop over the arrays (now
    # only the general requantisation's) measured 784,847 / 1,148,179 / 1,661,095 there: 23.5 + 9.1 per non-zero.
    # 4 non-zeros (90 %) 255,866 (est. 252,384), the example's conv1 3x3x1 -> 16 on 8x8 (0-3 non-zeros per
    # filter) 20,734 (est. 21,302; dense 128,085). A 3x3 depthwise with every tap kept is est. 0.75x of the dense
    # kernel (its pointer table per pixel): the encoding's size keeps such layers dense. One channel at a time (depth
    # multiplier > 1 or in_c % 4 != 0): plane_fill1 4.7 per plane byte, fitted to single 3x3 depthwise layers with 2
    # non-zeros per channel (random taps, ReLU; bench_sparsity.layer_cycles): 25x5x32 depth multiplier 2 197,736
    # (est. 200,300; dense 1,400,280 on the portable kernel, est. 776,000: under-estimated, so never wrongly
    # sparse) and 25x5x62 (one lane) 228,704 (est. 221,500; dense 774,408).
    # Estimates: 155,296 / 184,896 / 223,296 / 300,096 (measured avg 154,756 / 185,207 / 219,935 / 304,181).
    # The 8-pixel block walk (rv32/conv2d_sparse_block_rv32.c, sparse_block_cycles): blk_pair 58 counted in its
    # loop (gcc -O2: two entries x (lb, step, 8 x lbu + mul + add) and the loop; 73 with the ~6 spills gcc made
    # before the barrier between the two entries); the rest fitted to `bench --board esp32-c3-devkitm-1 --sparsity
    # 0.8 --profile --model kws_ref_model.tflite`: the four 1x1 25x5x64 -> 64 (844-853 entries) 641,940 / 658,217 /
    # 664,417 / 677,667 (est. 663,074-666,786; the portable walk 1.55 M, dense 2.17 M): per channel and block 40,
    # per output 27 (bounds, the short requantisation (mul + mulh), clamp, store; ReLU-clamped outputs skip the
    # requantisation, hence the spread), per gathered byte 1.5, per pixel and tap 10; kws's 10x4x1 conv (in_c 1:
    # its gather byte by byte, with the bounds per tap) 720,397 on it with the spilling loop: blk_tap_c1 31.6, so the
    # plane walk (539,064) keeps it (est. ~690 k against 540 k). The 4-pixel walk (same file, layers of fewer than 8 output pixels):
    # 36 instructions per index byte counted in its loop; the example's conv2 (3x3x16 -> 32 on 2x2, ~472 index
    # bytes, one block: `bench --board esp32-c3-devkitm-1 --sparsity 0.8 --profile`) measured 25,235 (23,004
    # estimated with 36): blk4_pair 41 fitted to it, the border gathers not priced apart; the portable walk there
    # 42,887. blk4_channel 30. (Before the compiler's short-form word the kernel passed over every entry per call
    # to bound the sums: that layer 32,520, kws's 1x1 649,121-684,832 against 641,940-677,667 now.)
    # The dense side refitted to the RV32 kernels as they are (rv32/conv2d_s8_rv32.c: pixel pairs x 4 filters, the
    # field gathered byte by byte unless 1x1; fully_connected_s8_rv32.c: 4 rows per pass, the rest one at a time):
    # least squares on relative error over every dense CONV_2D / FULLY_CONNECTED of kws, resnet, vww, ad01 and the
    # example (`scripts/profile_layers.py MODEL esp32-c3-devkitm-1 dense OUT` against `compile --core rv32imc`).
    # CONV_2D: 2.93 per MAC over pixels rounded up to pairs, 81.4 per output (the general requantisation, the
    # store), 10.3 per gathered byte, per call (2 pixels x 4 filters) 10.2 + 41.6 per step of K % 4; the 28 convs
    # within 0.96-1.03x, where dense_mac 4.0 / out 16 / dense_tap 1.0 ranged 0.46-1.25x (resnet's 3x3 over 64
    # channels 9,539,584 est. against 7,627,313; vww's 1x1 2,304 pixels 8 -> 16 1,806,336 against 3,925,393, which
    # kept that layer dense at 50 % zeros, where the sparse walk measures 0.506x of it). FULLY_CONNECTED: 3.63 per
    # MAC, 80.0 per output, 85.9 per call, 3.23 more per MAC of the out_c % 4 rows: the 15 FCs within 0.99-1.01x
    # (were 0.44-1.07x). DEPTHWISE_CONV_2D unchanged (dense_dw_tap 6.07 beside the new dense_mac: 9.0 per tap as
    # before; 0.79-1.03x, the low side safe). Checked: `bench --board esp32-c3-devkitm-1 --sparsity 0.5 --profile`
    # on vww and resnet one-shot, dense est. 0.97-1.03x of every measured layer, each sparse choice faster measured.
    "rv32imc": CoreCosts(dense_mac=2.93, dense_tap=0.0, dense_dw_tap=6.07, out=16.0, pair=16.0, pair_dw=19.0,
                         dense_out=81.37, dense_out_dw=16.0, dense_block_pixels=2, dense_block=10.17,
                         dense_block_tail=41.56, dense_gather=10.32,
                         dense_mac_fc=3.63, dense_out_fc=80.03, dense_call_fc=85.86, dense_fc_tail=3.23,
                         channel=66.0, pixel=25.0, fill=9.0, fill_dw=3.6,
                         blk_pair=58.0, blk_channel=40.0, blk_out=27.0, blk4_pair=41.0, blk4_channel=30.0,
                         blk_call_channel=15.0, blk_gather=1.5, blk_tap=10.0, blk_tap_c1=31.6,
                         plane_nz=6.2, plane_out=15.9, plane_out2=20.0, plane_out1=16.3, plane_channel=200.0,
                         plane_fill=1.0, plane_fill1=4.7, plane_nz_short=4.8, plane_short_nz=5),
}
ALIASES = {"cortex-m3": "cortex-m4", "cortex-m7": "cortex-m4", "cortex-m33": "cortex-m4"}


def costs(core: str) -> CoreCosts:
    return COSTS.get(core) or COSTS[ALIASES.get(core, "generic")]


def pooled_saving(core: str, conv_outputs: int, plane: bool) -> int:
    """Cycles a conv's call saves when the 2x2 max pool after it runs inside it (fuse_pool.py), over its
    `conv_outputs` elements: the plane walks' pooled forms (`plane`) or the dense one-channel conv's. Fitted to the
    one pair fused in the models here, the example's conv1 + pool (8x8x1 -> 16, 3x3 SAME: 1,024 outputs; `python
    scripts/profile_layers.py <the example at 80%> pico dense|sparse OUT` before and after the fusion, main
    3d15a72): dense 79,863 -> 73,526 (6.2 per output), the plane walk 39,037 -> 27,556 (11.2): elsewhere an
    extrapolation."""
    c = costs(core)
    return int(conv_outputs * (c.pool_plane if plane else c.pool_c1))


def dense_cycles(core: str, s: LayerShape) -> int:
    c = costs(core)
    outputs = s.pixels * s.out_c
    if s.opcode == "CONV_2D" and c.dense_mac_c1 and s.field_bytes == s.taps:   # in_c == 1
        if s.wmin == -128 and c.dense_mac_c1_w128:   # the kernels the registry takes instead of the c1 one
            if s.taps <= c.dense_c1_plane_taps:
                return sparse_plane_cycles(core, s, np.full(s.out_c, s.taps))
            return int(s.macs * c.dense_mac_c1_w128 + outputs * c.out)
        macs = s.macs * ((s.taps + 3) // 4 * 4) / s.taps if c.dense_k4_c1 and s.taps else s.macs
        return int(macs * c.dense_mac_c1 + outputs * (c.dense_out_c1 or c.out))
    if s.opcode == "FULLY_CONNECTED" and c.dense_mac_fc:
        out = c.dense_out_fc_pc if s.per_channel and c.dense_out_fc_pc else c.dense_out_fc
        rows = -(-s.out_c // c.dense_fc_rows) * c.dense_fc_rows
        tail = s.macs * (s.out_c % 4) / max(s.out_c, 1) * c.dense_fc_tail
        return int(s.macs * rows / max(s.out_c, 1) * c.dense_mac_fc + tail + outputs * out
                   + s.pixels * c.dense_call_fc)
    out = c.out if c.dense_out is None else c.dense_out
    if s.opcode == "DEPTHWISE_CONV_2D":
        out = out if c.dense_out_dw is None else c.dense_out_dw
        return int(s.macs * c.dense_mac + outputs * (out + s.taps * c.dense_dw_tap) + s.pixels * c.dense_dw_pixel)
    if s.opcode == "FULLY_CONNECTED":
        return int(s.macs * c.dense_mac + outputs * out)
    return _dense_conv_cycles(c, s, out)


def _dense_conv_cycles(c: CoreCosts, s: LayerShape, out: float) -> int:
    """Dense CONV_2D: per MAC, per output (and output and tap); a block kernel's pixels rounded up to its block,
    its calls (and their K % 4 tails) and its gathered fields."""
    bp = c.dense_block_pixels
    pixels = -(-s.pixels // bp) * bp
    calls = pixels // bp * -(-s.out_c // 4)
    gathered = pixels * s.field_bytes * c.dense_gather if s.taps > 1 else 0.0
    return int(s.macs * pixels / max(s.pixels, 1) * c.dense_mac + pixels * s.out_c * (out + s.taps * c.dense_tap)
               + gathered + calls * (c.dense_block + s.field_bytes % 4 * c.dense_block_tail)
               + pixels * (c.dense_pixel + s.taps * c.dense_pixel_tap))


def sparse_cycles(core: str, s: LayerShape, entries: np.ndarray) -> int:
    c = costs(core)
    pairs = int(np.asarray(entries).sum()) // 2
    dw = s.opcode == "DEPTHWISE_CONV_2D"
    pair = c.pair_dw if dw else c.pair
    channel = c.channel_dw if dw and c.channel_dw is not None else c.channel
    if s.opcode == "FULLY_CONNECTED" and c.channel_fc is not None:
        channel = c.channel_fc
    if s.opcode == "FULLY_CONNECTED" and c.pair_fc is not None:
        pair = c.pair_fc
    pixel = c.pixel_fc if s.opcode == "FULLY_CONNECTED" and c.pixel_fc is not None else c.pixel
    fill = c.fill_dw if dw and c.fill_dw is not None else c.fill
    per_pixel = pairs * pair + s.out_c * (c.out + channel) + pixel
    return int(s.pixels * per_pixel + s.border * s.window * fill)


def pair_channels(core: str, s: LayerShape, channel_nonzeros: np.ndarray) -> np.ndarray:
    """Which channels the pair walk takes (armv7em/depthwise_conv2d_sparse_dsp.c pairs_apply): those of the
    groups of four channels whose every channel has 3..5 non-zeros, when the core has it, the planes go four
    at a time, stride_h is 1, out_h >= 2 and act_max is 127."""
    c = costs(core)
    nz = np.asarray(channel_nonzeros, np.int64)
    if not (c.pair_pass and s.planes4 and s.stride_h == 1 and s.out_h >= 2 and s.act_max == 127 and nz.size % 4 == 0):
        return np.zeros(nz.size, bool)
    return np.repeat(((nz.reshape(-1, 4) >= 3) & (nz.reshape(-1, 4) <= 5)).all(axis=1), 4)


def sparse_plane_cycles(core: str, s: LayerShape, channel_nonzeros: np.ndarray) -> int:
    """The plane walk (DEPTHWISE_CONV_2D, CONV_2D with in_c == 1): per output pixel, a channel of 1 or 2
    non-zeros plane_out2 (the Thumb-1 walk; 3 or 4 where the core has those walks: plane_nz_short per
    non-zero beyond 2), one of more plane_out + plane_nz per non-zero (the C walk), one
    of none nothing; per channel its set-up, per input channel its plane copied. Channels of the pair walk
    (pair_channels): per line (output column) its passes of two outputs, per channel its set-up and plane."""
    c = costs(core)
    nz = np.asarray(channel_nonzeros, np.int64)
    pairs = pair_channels(core, s, nz)
    if pairs.any():
        pn = nz[pairs]
        batches = max(s.planes // max(s.out_c, 1), 1)
        lines = s.pixels // s.out_h              # batches x out_w
        full, half = lines * (s.out_h // 2), lines * (s.out_h % 2)
        clamp = c.pair_clamp * (full + half / 2) if s.act_min > -128 else 0.0
        walk = (pn.size * (full * c.pair_pass + half * c.pair_half + lines * c.pair_line + clamp)
                + int(pn.sum()) * ((full + half) * c.pair_nz + batches * c.pair_channel_nz))
        per_channel = batches * (c.pair_channel + s.plane_bytes * c.pair_fill)
        rest = nz[~pairs]
        rest_shape = replace(s, out_c=rest.size, planes=batches * rest.size)
        return int(walk + pn.size * per_channel) + (sparse_plane_cycles(core, replace(rest_shape, planes4=False), rest)
                                                    if rest.size else 0)
    if c.plane_short_max_sw and s.stride_w > c.plane_short_max_sw:   # every channel with a non-zero: the C loop
        long_nz = nz[nz > 0]
        per_pixel = long_nz.size * c.plane_out + int(long_nz.sum()) * c.plane_nz
        return int(s.pixels * per_pixel + s.out_c * c.plane_channel + s.planes * s.plane_bytes * _plane_fill(c, s))
    top = c.plane_short_nz                      # the short walks' most non-zeros
    short_nz = nz[(nz > 0) & (nz <= top)]
    ones = int((nz == 1).sum()) if c.plane_out1 else 0
    long_nz = nz[nz > top]
    per_pixel = (ones * c.plane_out1 + (short_nz.size - ones) * c.plane_out2
                 + int(np.maximum(short_nz - 2, 0).sum()) * c.plane_nz_short
                 + long_nz.size * c.plane_out + int(long_nz.sum()) * c.plane_nz)
    return int(s.pixels * per_pixel + s.out_c * c.plane_channel + s.planes * s.plane_bytes * _plane_fill(c, s))


def _plane_fill(c: CoreCosts, s: LayerShape) -> float:
    """Per byte of a copied plane: plane_fill1 where the core prices the one-channel fill apart."""
    return c.plane_fill1 if c.plane_fill1 and not s.planes4 else c.plane_fill


def sparse_block_cycles(core: str, s: LayerShape, entries: np.ndarray, block: int = 8) -> int:
    """The block walk: each filter's index once per block of `block` output pixels (blk_pair and
    blk_channel are per 8-pixel block; a 4-pixel block's are blk4_pair and blk4_channel, else ~51 / 87 and ~50 / 70
    of them)."""
    c = costs(core)
    pairs = int(np.asarray(entries).sum()) // 2
    blocks = (s.pixels + block - 1) // block
    pair, channel = c.blk_pair, c.blk_channel
    if block == 4:   # the M0+ 4-pixel walk's figures are those scaled (counted in its Thumb-1 loops)
        pair, channel = c.blk4_pair or c.blk_pair * 51.0 / 87.0, c.blk4_channel or c.blk_channel * 50.0 / 70.0
    tap = c.blk_tap_c1 if c.blk_tap_c1 and s.field_bytes == s.taps else c.blk_tap   # in_c == 1
    return int(blocks * (pairs * pair + s.out_c * channel
                         + block * s.field_bytes * c.blk_gather) + s.out_c * c.blk_call_channel
               + s.pixels * (s.out_c * (c.blk_out4 if block == 4 and c.blk_out4 else c.blk_out) + s.taps * tap))
