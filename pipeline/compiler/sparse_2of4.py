"""The 2:4 weight format EAT_WEIGHTS_SPARSE_2OF4 (eat/sparse_2of4.h): whether a layer fits, its encoding, its cost.

A layer fits when every group of 4 consecutive weights of an output channel's row (FULLY_CONNECTED
[out][in], CONV_2D OHWI flattened: along the input depth when in_c is a multiple of 4) holds at most
2 non-zeros, and no weight is -128 (the Cortex-M0+ walk's exactness argument needs |w| <= 127).
Each group keeps 2 int8 values and two 2-bit positions: 0.5 + 0.125 = 0.625 of the dense bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compiler import sparse, sparse_cost
from pipeline.compiler.packing import PackedWeights

FORMAT = "EAT_WEIGHTS_SPARSE_2OF4"
KEY = "sparse_2of4"
LABEL = "2:4"
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


def k8_of(k: int) -> int:
    """The row length both 2:4 formats pad K to: a multiple of 8, at least 8 (eat_2of4_k8)."""
    return max(8, (k + 7) // 8 * 8)


def _padded(rows: np.ndarray) -> np.ndarray:
    k = rows.shape[1]
    k8 = k8_of(k)
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
    """Which cost formula a 2:4 kernel takes: "armv6m", "armv7em", "rv32" or "portable"."""
    if function.endswith("_armv6m"):
        return "armv6m"
    if function.endswith("_rv32"):
        return "rv32"
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


# ---- DEPTHWISE_CONV_2D: 2:4 along the kernel positions (what `--prune 2:4` does to a depthwise filter) ----
# A depthwise filter has no input depth, so the pruning keeps 2 of every 4 consecutive taps (fy * k_w + fx);
# a last group of 1 or 2 taps keeps them all (3x3: 5 of 9). The pair-of-groups layout above pads K to 8
# (16 taps: 10 bytes per 3x3 channel, more than dense), so depthwise has its own record per channel.
FORMAT_DW = "EAT_WEIGHTS_SPARSE_2OF4_DW"
KEY_DW = "sparse_2of4_dw"
LAYOUT_DW = ("per output channel, the taps (fy * k_w + fx) in groups of 4: one 4-bit position field (p0 | p1 << 2) "
             "per group of 3 or 4 taps, two per byte (group 2i in bits 0-3), then the values group by group (2 per "
             "coded group, every tap of a last group of 1 or 2); empty slots hold 0")


@dataclass(frozen=True)
class DwShape:
    """A depthwise filter's record layout: taps T = k_h * k_w, `coded` groups of 3-4 taps (2 values each), a
    last group of `tail` (0-2) taps kept whole."""
    taps: int

    @property
    def coded(self) -> int:
        return self.taps // GROUP + (1 if self.taps % GROUP >= 3 else 0)

    @property
    def tail(self) -> int:
        return self.taps % GROUP if self.taps % GROUP <= 2 else 0

    @property
    def record(self) -> int:
        """Bytes per output channel: position bytes, then 2 values per coded group and the tail."""
        return (self.coded + 1) // 2 + 2 * self.coded + self.tail


def rows_dw(w: np.ndarray) -> np.ndarray:
    """[out_c][T] from the [1][k_h][k_w][out_c] depthwise weights."""
    w = np.asarray(w, np.int8)
    return w.reshape(-1, w.shape[-1]).T.copy()


def misfit_dw(rows: np.ndarray) -> str | None:
    """Why the depthwise rows do not fit the per-tap 2:4 record, or None."""
    s = DwShape(rows.shape[1])
    if s.coded == 0:
        return "fewer than 3 taps: nothing to code"
    nz = rows[:, :s.coded * GROUP] != 0 if s.taps % GROUP != 3 else np.pad(rows != 0, ((0, 0), (0, 1)))
    counts = nz[:, :s.coded * GROUP].reshape(rows.shape[0], s.coded, GROUP).sum(axis=2)
    if counts.size and int(counts.max()) > 2:
        return f"{int((counts > 2).sum())} groups of 4 taps hold more than 2 non-zeros"
    return None


def encode_dw(rows: np.ndarray) -> Encoded2of4:
    """Per channel its record (see LAYOUT_DW), channel after channel; k8 holds the record's bytes."""
    oc, taps = rows.shape
    s = DwShape(taps)
    padded = np.zeros((oc, s.coded * GROUP + s.tail), np.int8)
    padded[:, :taps] = rows
    groups = padded[:, :s.coded * GROUP].reshape(oc, s.coded, GROUP)
    order = np.argsort(groups == 0, axis=2, kind="stable")[:, :, :2]
    values = np.take_along_axis(groups, order, axis=2).reshape(oc, 2 * s.coded)
    nib = (order[:, :, 0] | (order[:, :, 1] << 2)).astype(np.uint8)
    if s.coded % 2:
        nib = np.concatenate([nib, np.zeros((oc, 1), np.uint8)], axis=1)
    pos = (nib[:, 0::2] | (nib[:, 1::2] << 4)).astype(np.uint8).view(np.int8)
    stream = np.concatenate([pos, values, padded[:, s.coded * GROUP:]], axis=1).reshape(-1)
    return Encoded2of4(np.ascontiguousarray(stream, np.int8), s.record, np.zeros(oc, np.int64))


def decode_dw(enc: Encoded2of4, oc: int, taps: int) -> np.ndarray:
    """The rows [oc][taps] back from the records (the tests' check of the encoding)."""
    s = DwShape(taps)
    rec = enc.stream.reshape(oc, s.record)
    npos = (s.coded + 1) // 2
    out = np.zeros((oc, s.coded * GROUP + s.tail), np.int8)
    for g in range(s.coded):
        field = (rec[:, g // 2].view(np.uint8).astype(np.int64) >> (4 * (g % 2))) & 15
        for slot in range(2):
            col = g * GROUP + ((field >> (2 * slot)) & 3)
            val = rec[:, npos + 2 * g + slot]
            np.put_along_axis(out, col[:, None], np.where(val != 0, val, np.take_along_axis(out, col[:, None], 1)[:, 0])[:, None], 1)
    out[:, s.coded * GROUP:] = rec[:, npos + 2 * s.coded:]
    return out[:, :taps]


def packed_dw(enc: Encoded2of4) -> PackedWeights:
    return PackedWeights(FORMAT_DW, KEY_DW, enc.stream, None, LAYOUT_DW)


def cycles_dw(core: str, walk: str, geo: dict, channel_nonzeros: np.ndarray) -> int:
    """The estimated cost of a depthwise layer in the per-tap records (walk: walk_of the kernel)."""
    pixels = geo["n"] * geo["oh"] * geo["ow"]
    nz = int(np.asarray(channel_nonzeros, np.int64).sum())
    if walk in ("armv6m", "armv7em", "rv32"):   # the d4 depthwise's plane walk, reading the records: its own figures
        shape = sparse_cost.LayerShape("DEPTHWISE_CONV_2D", pixels, geo["oc"], geo["kh"] * geo["kw"],
                                       pixels * geo["oc"] * geo["kh"] * geo["kw"], 0, 0, 0,
                                       sparse.plane_bytes(geo), geo["n"] * geo["ic"],
                                       **(dict(stride_w=geo["sw"], **sparse.dw_pair_fields(geo))
                                          if walk in ("armv7em", "rv32") else {}))
        return sparse_cost.sparse_plane_cycles(core, shape, channel_nonzeros)
    c = sparse_cost.costs(core)
    # portable: per non-zero and output the tap's bounds, load and multiply-add (~4 dense MACs' worth);
    # per output the general requantisation and the channel's set-up
    return int(pixels * (nz * 4 * c.dense_mac + geo["oc"] * (c.out + c.channel)))
