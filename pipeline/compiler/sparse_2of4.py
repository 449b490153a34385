"""The 2:4 weight format EAT_WEIGHTS_SPARSE_2OF4 (eat/sparse_2of4.h): whether a layer fits, its encoding, its cost.

A layer fits when every group of 4 consecutive weights of an output channel's row (FULLY_CONNECTED
[out][in], CONV_2D OHWI flattened: along the input depth when in_c is a multiple of 4) holds at most
2 non-zeros, and no weight is -128 (the Cortex-M0+ walk's exactness argument needs |w| <= 127).
Each group keeps 2 int8 values and two 2-bit positions: 0.5 + 0.125 = 0.625 of the dense bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compiler import sparse_cost
from pipeline.compiler.packing import PackedWeights

FORMAT = "EAT_WEIGHTS_SPARSE_2OF4"
KEY = "sparse_2of4"
GROUP = 4
LAYOUT = ("per output channel, per pair of groups of 4 weights along the row (K padded to a multiple "
          "of 8): one position byte (group 2i: bits 0-1 first position, 2-3 second; group 2i+1: bits "
          "4-5, 6-7), then the 4 values (group 2i's two, group 2i+1's two); empty slots hold 0")


@dataclass(frozen=True)
class Encoded2of4:
    stream: np.ndarray      # int8: the interleaved position bytes and values, channel after channel
    k8: int                 # row length padded to a multiple of 8
    neg: np.ndarray         # int64 [out_c]: negative values per channel (the M0+ walk's correction)

    @property
    def bytes(self) -> int:
        return int(self.stream.nbytes)


def rows_of(opcode: str, w: np.ndarray) -> np.ndarray:
    """One row of K weights per output channel (FULLY_CONNECTED [out][in], CONV_2D OHWI)."""
    return np.asarray(w, np.int8).reshape(w.shape[0], -1)


def misfit(rows: np.ndarray) -> str | None:
    """Why the rows do not fit the format, or None when they do."""
    if rows.size and int(rows.min()) == -128:
        return "a weight is -128 (the format needs |w| <= 127)"
    padded = _padded(rows)
    counts = (padded != 0).reshape(rows.shape[0], -1, GROUP).sum(axis=2)
    if counts.size and int(counts.max()) > 2:
        return f"{int((counts > 2).sum())} groups of 4 hold more than 2 non-zeros"
    return None


def _padded(rows: np.ndarray) -> np.ndarray:
    k = rows.shape[1]
    k8 = max(8, (k + 7) // 8 * 8)
    out = np.zeros((rows.shape[0], k8), np.int8)
    out[:, :k] = rows
    return out


def encode(rows: np.ndarray) -> Encoded2of4:
    """The stream of rows that fit (see misfit): per pair of groups a position byte and 4 values."""
    padded = _padded(rows)
    oc, k8 = padded.shape
    groups = padded.reshape(oc, k8 // GROUP, GROUP)
    # non-zeros first, in position order, then the zero slots: the first two are the kept slots
    order = np.argsort(groups == 0, axis=2, kind="stable")[:, :, :2]
    values = np.take_along_axis(groups, order, axis=2)                     # [oc][G][2]
    nib = (order[:, :, 0] | (order[:, :, 1] << 2)).astype(np.uint8)       # [oc][G]
    pos = (nib[:, 0::2] | (nib[:, 1::2] << 4)).astype(np.uint8)           # [oc][G/2]
    vals = values.reshape(oc, k8 // 8, 4)
    stream = np.concatenate([pos.view(np.int8)[:, :, None], vals], axis=2).reshape(-1)
    neg = (np.asarray(rows, np.int64) < 0).sum(axis=1)
    return Encoded2of4(np.ascontiguousarray(stream, np.int8), k8, neg)


def decode(enc: Encoded2of4, oc: int) -> np.ndarray:
    """The padded rows [oc][k8] back from the stream (the tests' check of the encoding)."""
    s = enc.stream.reshape(oc, enc.k8 // 8, 5)
    pos = s[:, :, 0].view(np.uint8).astype(np.int64)
    out = np.zeros((oc, enc.k8 // 8, 8), np.int8)
    for g, shift in enumerate((0, 2, 4, 6)):
        p = (pos >> shift) & 3
        col = (g // 2) * 4 + p
        np.put_along_axis(out, col[:, :, None], s[:, :, 1 + g][:, :, None], axis=2)
    return out.reshape(oc, enc.k8)


def packed(enc: Encoded2of4) -> PackedWeights:
    return PackedWeights(FORMAT, KEY, enc.stream, None, LAYOUT)


# Cortex-M0+ walk (armv6m/sparse_2of4_armv6m.c), rp2040js cycles: per pair of groups and block of 8
# pixels 137 (counted from the Thumb-1 walk: 4 values x (decode 5-7 + weight 3 + 4 x 6) + 6.5 loop),
# per channel and block ~60 (accumulators set up, finished, stored), per gathered byte 4 (estimated);
# per output (bounds, requantisation, store) 47, fitted to `bench --profile` of kws_ref_model one-shot
# 2:4 (random inputs): its 1x1 25x5x64->64 layers measured 1.56-1.61 M cycles (dense 2.38-2.40 M).
M0_PAIR, M0_CHANNEL, M0_GATHER, M0_OUT = 137.0, 60.0, 4.0, 47.0
BLOCK = 8


# Cortex-M4 walk (armv7em/sparse_2of4_dsp.c), QEMU instructions, per block of 8 pixels: per pair of groups
# and channel 35.75 (counted: 2 x (LDRB, AND, ADD, LDR, SXTB16, 4 LDRD, 8 SMLAD), ADD, the loop's 3 per 4
# pairs); per channel 36.5 and per output 8 (sums set up, SMMULR requantisation, stores) and per pair and
# pixel of the table 53.1, fitted to kws_ref_model one-shot 2:4 forced 2:4 (its 1x1 25x5x64->64 layers
# 451,274 each with the table in C: the table 57,037 measured by leaving it out, the rest 394,237; 448,643
# with the table's words in assembly; dense 502,500).
M4_PAIR, M4_CHANNEL, M4_OUT, M4_TABLE = 35.75, 36.5, 8.0, 53.1
M4_BLOCK = 8


def walk_of(function: str) -> str:
    """Which cost formula a 2:4 kernel takes: "armv6m", "armv7em" or "portable"."""
    if function.endswith("_armv6m"):
        return "armv6m"
    return "armv7em" if function.endswith("_dsp") else "portable"


def cycles(core: str, pixels: int, out_c: int, k8: int, walk: str = "portable") -> int:
    """The estimated cost of a layer in this format on `core` with the kernel `walk` (walk_of)."""
    pairs = k8 // 8
    if walk == "armv6m":                  # the M0+ block walk
        blocks = (pixels + BLOCK - 1) // BLOCK
        return int(blocks * (out_c * (pairs * M0_PAIR + M0_CHANNEL) + BLOCK * k8 * M0_GATHER)
                   + pixels * out_c * M0_OUT)
    if walk == "armv7em":                 # the M4 table walk
        blocks = (pixels + M4_BLOCK - 1) // M4_BLOCK
        return int(blocks * (out_c * (pairs * M4_PAIR + M4_CHANNEL) + M4_BLOCK * pairs * M4_TABLE)
                   + pixels * out_c * M4_OUT)
    c = sparse_cost.costs(core)
    # portable: per value one load of the value, one of the input, a multiply-add; per group its decode
    return int(pixels * (out_c * (pairs * (4 * c.pair + 4) + c.out + c.channel) + k8 * 2))
