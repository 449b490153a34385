"""The shared-mask 2:4 format EAT_WEIGHTS_SPARSE_2OF4_R4 (eat/sparse_2of4.h): fit, encoding, cost.

A layer fits when, in every block of 4 consecutive output channels (the last block padded with zero
channels), each group of 4 consecutive weights along the row (FULLY_CONNECTED [out][in], CONV_2D OHWI
flattened) has at most 2 positions holding a non-zero in any of the block's channels: what
`--prune 2:4x4` leaves (prune_patterns.nm_rows with share 4). One position byte then serves 4 channels,
and each kept position's 4 weights are one word, so a walk multiplies one input by 4 weights with two
multiplies (two 16-bit lanes each: runtime/src/sparse_2of4_r4_s8.c).

Per block: the pair-of-groups position bytes (K8 / 8 of them, padded to a multiple of 4), then per pair
of groups 16 bytes, in one of two orders (the kernel's Variant.layout):
- "lanes" (EAT_WEIGHTS_SPARSE_2OF4_R4; the portable and the Cortex-M0+ kernels): 4 slots (group 2i's two,
  group 2i + 1's two), each the block's 4 weights as w + 128 (uint8; an empty slot holds weight 0, i.e. 128);
- "pairs" (EAT_WEIGHTS_SPARSE_2OF4_R4P; the Cortex-M4/M7 kernels): per group the int8 words
  [c0 s0, c1 s0, c0 s1, c1 s1] and [c2 s0, c3 s0, c2 s1, c3 s1] (c channel, s slot), so SXTB16 and SXTB16
  ROR 8 give each channel its two weights as the int16 lanes an SMLAD takes against the pair of inputs.
Bytes: 4 * ceil(K8 / 32) + 2 * K8 per 4 channels, ~0.53 of the dense int8 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.compiler import sparse_cost
from pipeline.compiler.packing import PackedWeights
from pipeline.compiler.sparse_2of4 import GROUP, k8_of, rows_of  # noqa: F401  (rows_of: the same rows as the 2:4 format)

KEY = "sparse_2of4_r4"
LABEL = "2:4x4"
ROWS = 4
LANES, PAIRS = "lanes", "pairs"
FORMATS = {LANES: "EAT_WEIGHTS_SPARSE_2OF4_R4", PAIRS: "EAT_WEIGHTS_SPARSE_2OF4_R4P"}
PAIRS_LAYOUT = "r4_pairs"   # Variant.layout of the kernels that read the "pairs" order
_POSITIONS = ("per block of 4 output channels: one position byte per pair of groups of 4 along the row (K padded "
              "to a multiple of 8; bits 0-1, 2-3 group 2i's positions, 4-5, 6-7 group 2i + 1's), padded to 4 bytes, "
              "then per pair of groups ")
LAYOUTS = {LANES: _POSITIONS + "4 slots of the block's 4 weights as w + 128 (empty slots: 128)",
           PAIRS: _POSITIONS + "per group the int8 words [c0 s0, c1 s0, c0 s1, c1 s1], [c2 s0, c3 s0, c2 s1, c3 s1]"}


def layout_of(variant_layout: str) -> str:
    """The value order a kernel reads ("pairs" for Variant.layout PAIRS_LAYOUT, else "lanes")."""
    return PAIRS if variant_layout == PAIRS_LAYOUT else LANES


@dataclass(frozen=True)
class EncodedR4:
    stream: np.ndarray      # int8 (the bytes as stored): block after block
    k8: int                 # row length padded to a multiple of 8
    layout: str = LANES
    neg: None = None        # (the per-row 2:4 format's M0+ correction; this format needs none)

    @property
    def bytes(self) -> int:
        return int(self.stream.nbytes)


def block_bytes(k: int) -> int:
    """One block of 4 channels: its position bytes (padded to a word), then 2 bytes per padded input."""
    pairs = k8_of(k) // 8
    return (pairs + 3) // 4 * 4 + 2 * k8_of(k)


def _blocks(rows: np.ndarray) -> np.ndarray:
    """[blocks][4][K8 / 4][4]: the rows padded to 4-channel blocks and K8 columns."""
    oc, k = rows.shape
    k8 = k8_of(k)
    pad = np.zeros((oc + (-oc) % ROWS, k8), np.int8)
    pad[:oc, :k] = rows
    return pad.reshape(-1, ROWS, k8 // GROUP, GROUP)


def misfit(rows: np.ndarray) -> str | None:
    """Why the rows do not fit the format, or None when they do."""
    used = (_blocks(rows) != 0).any(axis=1).sum(axis=2)     # [blocks][groups]: positions any channel uses
    if used.size and int(used.max()) > 2:
        return (f"{int((used > 2).sum())} groups of 4 use more than 2 positions across a block of 4 channels "
                "(not pruned 2:4x4)")
    return None


def encode(rows: np.ndarray, layout: str = LANES) -> EncodedR4:
    """The stream of rows that fit (see misfit), values in `layout` order."""
    b = _blocks(rows)
    nb, _, groups, _ = b.shape
    used = (b != 0).any(axis=1)                                             # [nb][G][4]
    order = np.argsort(~used, axis=2, kind="stable")[:, :, :2]              # used positions first: the 2 slots
    nib = (order[:, :, 0] | (order[:, :, 1] << 2)).astype(np.uint8)         # [nb][G]
    pos = nib[:, 0::2] | (nib[:, 1::2] << 4)                                 # [nb][pairs]
    pairs = groups // 2
    pos = np.pad(pos, ((0, 0), (0, (-pairs) % 4)))
    vals = np.take_along_axis(b, np.broadcast_to(order[:, None], (nb, ROWS, groups, 2)), axis=3)   # [nb][4][G][2]
    if layout == LANES:
        slots = vals.transpose(0, 2, 3, 1).reshape(nb, -1)                   # [nb][G][slot][channel]
        values = (slots.astype(np.int16) + 128).astype(np.uint8)
    else:   # [nb][G][channel pair][slot][channel in pair]: c0s0 c1s0 c0s1 c1s1, c2s0 c3s0 c2s1 c3s1
        values = vals.reshape(nb, 2, 2, groups, 2).transpose(0, 3, 1, 4, 2).reshape(nb, -1).view(np.uint8)
    stream = np.concatenate([pos, values], axis=1).reshape(-1).view(np.int8)
    return EncodedR4(np.ascontiguousarray(stream), k8_of(rows.shape[1]), layout)


def decode(enc: EncodedR4, oc: int) -> np.ndarray:
    """The padded rows [oc][k8] back from the stream (the tests' check of the encoding)."""
    k8, pairs = enc.k8, enc.k8 // 8
    p4 = (pairs + 3) // 4 * 4
    s = enc.stream.view(np.uint8).reshape(-1, p4 + 2 * k8)
    nb = s.shape[0]
    out = np.zeros((nb, ROWS, k8), np.int8)
    if enc.layout == LANES:
        vals = (s[:, p4:].astype(np.int16) - 128).reshape(nb, pairs, 4, ROWS)   # [nb][pair][slot][row]
    else:   # [nb][group][channel pair][slot][channel in pair] -> [nb][pair][slot of the pair][row]
        g = s[:, p4:].view(np.int8).reshape(nb, 2 * pairs, 2, 2, 2).transpose(0, 1, 3, 2, 4)
        vals = g.reshape(nb, pairs, 4, ROWS)
    for slot, shift in enumerate((0, 2, 4, 6)):
        p = (s[:, :pairs].astype(np.int64) >> shift) & 3                         # [nb][pairs]
        col = np.arange(pairs) * 8 + (slot // 2) * 4 + p                          # [nb][pairs]
        for r in range(ROWS):
            np.put_along_axis(out[:, r], col, vals[:, :, slot, r].astype(np.int8), axis=1)
    return out.reshape(-1, k8)[:oc]


def packed(enc: EncodedR4) -> PackedWeights:
    return PackedWeights(FORMATS[enc.layout], KEY, enc.stream, None, LAYOUTS[enc.layout])


# Per slot (one kept position of a pair of groups) and block of 4 channels, per output pixel: the walk loads
# the input and the block's weight word and does two lane multiplies.
# Cortex-M0+ walk (armv6m/sparse_2of4_r4_armv6m.c), rp2040js cycles: per slot 20 (counted: 80 per pair of groups);
# per block 255 (the walk's ~35, 4 outputs through the bounds and the requantisation), per gathered input byte 6
# and per call 600, fitted to the example pruned 2:4x4 (`scripts/profile_layers.py <pruned> pico auto`): its 3x3
# conv (4 pixels, K 144, 32 channels) 58,789 (est. 58,296), its FCs 128 -> 64 25,923 (est. 25,928) and
# 64 -> 10 3,556 (est. 3,669).
M0_SLOT, M0_BLOCK, M0_GATHER, M0_CALL = 20.0, 255.0, 6.0, 600.0


# Cortex-M4/M7 walk (armv7em/sparse_2of4_r4_dsp.c), QEMU instructions: per slot 9.75 (counted: 39 per pair of groups
# from gcc's loop: per group UBFX x2, LDRSB x2, PKHBT, LDRD, SXTB16 x4, SMLAD x4, and the loop's share), per block
# 181 and per call 200 fitted (per gathered byte 1 assumed) to the example pruned 2:4x4 forced 2:4x4
# (`scripts/profile_layers.py <pruned> nucleo_f446re 2of4r4`): FC 128 -> 64 13,208 (est. 13,208; dense 12,274) and
# 64 -> 10 1,744 (est. 1,743; dense 1,904); the 3x3 conv (4 pixels, K 144) 28,012 (est. 29,032; dense 20,381).
M4_SLOT, M4_BLOCK, M4_GATHER, M4_CALL = 9.75, 181.0, 1.0, 200.0


def walk_of(function: str) -> str:
    if function.endswith("_armv6m"):
        return "armv6m"
    return "armv7em" if function.endswith("_dsp") else "portable"


def cycles(core: str, pixels: int, out_c: int, k8: int, gathered: int, walk: str = "portable") -> int:
    """The estimated cost on `core` of `pixels` output pixels (FC: batches) of `out_c` channels over rows of
    K8 inputs, `gathered` input bytes copied per pixel (the receptive field or the row), with the kernel `walk`
    (walk_of). The portable C walk (RV32) is not calibrated on any core: it is priced at 4x the d4 walk's per-weight
    price times the dense weights, so auto never picks it (`--weights 2of4r4` forces it)."""
    blocks = (out_c + ROWS - 1) // ROWS
    if walk == "armv6m":
        return int(pixels * (blocks * (k8 // 2 * M0_SLOT + M0_BLOCK) + gathered * M0_GATHER) + M0_CALL)
    if walk == "armv7em":
        return int(pixels * (blocks * (k8 // 2 * M4_SLOT + M4_BLOCK) + gathered * M4_GATHER) + M4_CALL)
    c = sparse_cost.costs(core)
    return int(4 * pixels * out_c * k8 * (c.pair + 1))
