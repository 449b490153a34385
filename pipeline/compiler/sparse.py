"""Sparse weights: the EAT_WEIGHTS_SPARSE_D4 encoding, the folded bias, and the per-layer choice.

For FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D the compiler encodes the weights both dense and
sparse, asks the core's calibrated cost model (`sparse_cost`) which runs faster, and keeps the
faster one; the choice, its sizes, estimates and reason are recorded per layer (compile.json
"sparsity"). The encoding and the kernels are described in runtime/include/eat/sparse.h.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from pipeline.compiler import sparse_cost
from pipeline.compiler.packing import PackedWeights

FORMAT = "EAT_WEIGHTS_SPARSE_D4"
KEY = "sparse_d4"
MAX_STEP = 15
MAX_ENTRIES = 255    # entries per channel: the count is one byte
MODES = ("auto", "small", "dense", "sparse", "2of4", "2of4r4", "p8", "sparse_per_call", "columns")   # auto: the cost model decides, the fastest encoding per
# layer; small: of dense and the encodings the cost model says beat dense, the one whose constants take the least
# flash as emitted (ops/sparse_weights.py _smallest); sparse: force d4 (tests); 2of4: force the 2:4 format
# (sparse_2of4.py) where it fits and a kernel applies, elsewhere as auto (tests); 2of4r4: the same with the shared-mask
# 2:4 format (sparse_2of4_r4.py); p8: force the FULLY_CONNECTED
# (weight, position) pairs (sparse_p8.py) where they fit, elsewhere as auto (tests); sparse_per_call: force d4 without
# the kernels' compiler tables, as under small (the block walks' _pc kernels, the d4 rows FC; tests); columns: force
# the gathered form of a layer with empty input columns (columns.py), elsewhere as auto (tests)
SMALL = "small"
SPARSE_PER_CALL = "sparse_per_call"


@dataclass(frozen=True)
class Encoded:
    data: np.ndarray        # int8 entries (non-zeros and fillers), channel after channel
    index: np.ndarray       # uint8: counts[channels] (entries per channel), then each channel's step bytes
    entries: np.ndarray     # entries per channel, fillers included
    nonzeros: int

    @property
    def fits(self) -> bool:
        """Every channel's count fits its byte (else the index is not usable: the layer stays dense)."""
        return bool(self.entries.max(initial=0) <= MAX_ENTRIES)

    @property
    def bytes(self) -> int:
        return int(self.data.nbytes + self.index.nbytes)


@dataclass
class LayerChoice:
    op_index: int
    opcode: str
    layer: str
    weights: int
    zeros: int
    sparsity: float
    encoding: str               # "dense", "sparse_d4", "sparse_2of4" (sparse_2of4.py), "sparse_2of4_r4" (sparse_2of4_r4.py),
    #                             "sparse_p8" (sparse_p8.py) or "columns" (columns.py)
    dense_weight_bytes: int
    sparse_weight_bytes: int    # the d4 encoding's bytes (data + index), whether chosen or not
    chosen_weight_bytes: int
    dense_cycles_est: int
    sparse_cycles_est: int      # the chosen sparse encoding's estimate (d4's when dense is chosen)
    reason: str
    kernel: str = ""            # the C function that runs the layer (set by the lowering)
    # flash of the layer's constants (ops/sparse_weights.const_bytes: the weights in the kernel's own layout,
    # the index, the bias and per-channel tables, multipliers and shifts): the dense kernel's and the chosen one's
    dense_const_bytes: int = 0
    chosen_const_bytes: int = 0

    def to_json(self) -> dict:
        return asdict(self)


def encode_channel(offsets: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps and entries for one channel's non-zeros at strictly increasing `offsets`."""
    offsets = np.asarray(offsets, np.int64)
    gaps = np.diff(np.concatenate([[0], offsets]))
    fillers = np.where(gaps > 0, (gaps - 1) // MAX_STEP, 0)
    reps = fillers + 1
    steps = np.full(int(reps.sum()), MAX_STEP, np.int64)
    ends = np.cumsum(reps) - 1
    steps[ends] = gaps - fillers * MAX_STEP
    vals = np.zeros(steps.size, np.int8)
    vals[ends] = values
    return steps, vals


def step_bytes(steps: np.ndarray) -> np.ndarray:
    """One channel's steps as bytes, two per byte (low nibble first); an odd count leaves the first
    byte's low nibble 0 and unused, so the walk can enter at the second half of its first byte."""
    s = np.asarray(steps, np.int64)
    if s.size % 2:
        s = np.concatenate([[0], s])
    return (s[0::2] | (s[1::2] << 4)).astype(np.uint8)


def encode(channels: list[tuple[np.ndarray, np.ndarray]]) -> Encoded:
    """The d4 encoding of per-channel (offsets, values) lists (see `Encoded.fits`: a channel of more
    than MAX_ENTRIES entries cannot be counted in its byte)."""
    data, nibs, entries = [], [], []
    nonzeros = 0
    for offs, vals in channels:
        s, v = encode_channel(offs, vals)
        nibs.append(step_bytes(s))
        data.append(v)
        entries.append(s.size)
        nonzeros += int(np.asarray(offs).size)
    entries_a = np.array(entries, np.int64)
    values = np.concatenate(data) if data else np.zeros(0, np.int8)
    if values.size == 0:   # every weight zero: keep a (never read) 2-byte array so the C array exists
        values = np.zeros(2, np.int8)
    steps = np.concatenate(nibs) if nibs else np.zeros(0, np.uint8)
    return Encoded(values.astype(np.int8), np.concatenate([np.minimum(entries_a, MAX_ENTRIES).astype(np.uint8), steps]).astype(np.uint8),
                   entries_a, nonzeros)


def channels_fc(w: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """FULLY_CONNECTED [out][in]: offsets are input element indices."""
    w2 = w.reshape(w.shape[0], -1)
    return [(np.flatnonzero(row), row[row != 0]) for row in w2]


def channels_conv(w: np.ndarray, in_w: int, in_c: int, dh: int, dw: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """CONV_2D OHWI: offset of tap (fy, fx, ic) from the window origin, in input elements."""
    _, kh, kw, fic = w.shape
    fy, fx, ic = np.meshgrid(np.arange(kh), np.arange(kw), np.arange(fic), indexing="ij")
    off = ((fy * dh * in_w + fx * dw) * in_c + ic).reshape(-1)
    flat = w.reshape(w.shape[0], -1)
    return [(off[row != 0], row[row != 0]) for row in flat]


def channels_depthwise(w: np.ndarray, in_w: int, dh: int, dw: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """DEPTHWISE_CONV_2D [1][H][W][out]: offset of tap (fy, fx) from the window origin, in input pixels."""
    _, kh, kw, oc = w.shape
    fy, fx = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    off = (fy * dh * in_w + fx * dw).reshape(-1)
    flat = w.reshape(kh * kw, oc).T
    return [(off[col != 0], col[col != 0]) for col in flat]


def folded_bias(bias: np.ndarray | None, w: np.ndarray, input_offset: int, channel_axis: int) -> np.ndarray | None:
    """bias + input_offset * sum(w[c]) per output channel, or None when it leaves int32."""
    axes = tuple(a for a in range(w.ndim) if a != channel_axis)
    sums = w.astype(np.int64).sum(axis=axes)
    b = np.zeros(sums.size, np.int64) if bias is None else bias.reshape(-1).astype(np.int64)
    out = b + int(input_offset) * sums
    if out.min(initial=0) < -(1 << 31) or out.max(initial=0) >= (1 << 31):
        return None
    return out


def window_width(g: dict) -> int:
    """The window's row stride in pixels: max(in_w, kw_eff) (eat/sparse.h)."""
    return max(g["iw"], (g["kw"] - 1) * g["dw"] + 1)


def window_bytes(g: dict) -> int:
    kh_eff = (g["kh"] - 1) * g["dh"] + 1
    kw_eff = (g["kw"] - 1) * g["dw"] + 1
    return (kh_eff - 1) * window_width(g) * g["ic"] + kw_eff * g["ic"]


def plane_bytes(g: dict) -> int:
    """Bytes of the padded input plane a plane walk copies per input channel (eat_*_sparse_armv6m.c)."""
    ph = (g["oh"] - 1) * g["sh"] + (g["kh"] - 1) * g["dh"] + 1
    pw = (g["ow"] - 1) * g["sw"] + (g["kw"] - 1) * g["dw"] + 1
    return ph * pw


def dw_pair_fields(g: dict) -> dict:
    """The LayerShape fields that decide a depthwise plane walk's pair walk (sparse_cost.pair_channels)."""
    return dict(out_h=g["oh"], stride_h=g["sh"], planes4=g["oc"] == g["ic"] and g["ic"] % 4 == 0,
                act_min=int(g.get("act_min", -128)), act_max=int(g.get("act_max", 127)))


def border_pixels(g: dict) -> int:
    """Output pixels (per batch) whose receptive window leaves the input."""
    kh_eff = (g["kh"] - 1) * g["dh"] + 1
    kw_eff = (g["kw"] - 1) * g["dw"] + 1
    oy = np.arange(g["oh"]) * g["sh"] - g["ph"]
    ox = np.arange(g["ow"]) * g["sw"] - g["pw"]
    ry = (oy >= 0) & (oy + kh_eff <= g["ih"])
    rx = (ox >= 0) & (ox + kw_eff <= g["iw"])
    return int(g["oh"] * g["ow"] - ry.sum() * rx.sum())


def choose(mode: str, core: str, opcode: str, w: np.ndarray, enc: Encoded, shape: sparse_cost.LayerShape,
           op_index: int, layer: str, block: int = 0, dense_only: str | None = None,
           plane: bool = False) -> LayerChoice:
    """Dense or sparse for one weight tensor, with the estimates and the reason. `block`: the
    kernel walks that many pixels at a time (0: one); `dense_only`: why this op never goes sparse on this core;
    `plane`: the kernel is the plane walk (sparse_cost.sparse_plane_cycles)."""
    dense_c = sparse_cost.dense_cycles(core, shape)
    if block:
        sparse_c = sparse_cost.sparse_block_cycles(core, shape, enc.entries, block)
    elif plane:
        axis = 3 if opcode == "DEPTHWISE_CONV_2D" else 0
        per_channel = (np.moveaxis(np.asarray(w), axis, 0).reshape(w.shape[axis], -1) != 0).sum(axis=1)
        sparse_c = sparse_cost.sparse_plane_cycles(core, shape, per_channel)
    else:
        sparse_c = sparse_cost.sparse_cycles(core, shape, enc.entries)
    zeros = int(w.size - enc.nonzeros)
    sp = zeros / w.size if w.size else 0.0
    if not enc.fits:
        pick, why = "dense", (f"{sp:.0%} zeros: dense: a channel has {int(enc.entries.max())} entries, more than "
                              f"the d4 count's {MAX_ENTRIES}")
    elif mode == "auto" and dense_only:
        pick, why = "dense", f"{sp:.0%} zeros: dense on {core}: {dense_only}"
    elif mode == "sparse":
        pick, why = KEY, "forced sparse (--weights sparse)"
    elif mode == "dense":
        pick, why = "dense", "forced dense (--weights dense)"
    elif enc.bytes >= w.size:
        pick, why = "dense", (f"{sp:.0%} zeros: the sparse encoding ({enc.bytes:,} B) is not smaller than dense "
                              f"({w.size:,} B)")
    elif sparse_c < dense_c * sparse_cost.MARGIN:
        pick, why = KEY, (f"{sp:.0%} zeros: sparse est. {sparse_c:,} vs dense {dense_c:,} on {core} "
                          f"({sparse_c / max(dense_c, 1):.2f}x), {enc.bytes:,} B vs {w.size:,} B")
    else:
        pick, why = "dense", (f"{sp:.0%} zeros: dense est. {dense_c:,} <= sparse {sparse_c:,} on {core}"
                              f" (x{sparse_cost.MARGIN} margin): sparse would not be faster")
    return LayerChoice(op_index, opcode, layer, int(w.size), zeros, round(sp, 4), pick, int(w.size), enc.bytes,
                       enc.bytes if pick == KEY else int(w.size), dense_c, sparse_c, why)


def replaces(label: str, force: str, mode: str, nbytes: int, est: int, choice: LayerChoice,
             other_est: int | None = None) -> bool:
    """Whether another encoding (`label`: "2:4", "p8"; weights mode `force` forces it) of `nbytes` bytes and
    estimate `est` replaces the choice made so far (dense or d4, or a rival estimated at `other_est`): smaller
    than dense, at least MARGIN under dense, and the fastest by the model's margin (est <= MARGIN x the best);
    between estimates within that margin of each other, which the model cannot tell apart, the smaller wins
    (kws's 1x1 convs pruned 2:4: the 2:4 walk est. 1.59 M and 2,560 B against d4's 1.54 M and 3,136 B, measured
    1.56-1.61 M against 1.53-1.54 M: the 2:4 format). Notes a refusal in the choice's reason."""
    if mode == force:
        return True
    if mode != "auto":
        return False
    dense_c = choice.dense_cycles_est
    if nbytes >= choice.dense_weight_bytes:
        choice.reason += f"; {label} ({nbytes:,} B) is not smaller than dense"
        return False
    if est >= dense_c * sparse_cost.MARGIN:
        choice.reason += f"; {label} est. {est:,} ({est / max(dense_c, 1):.2f}x dense): not faster than dense"
        return False
    best = choice.sparse_cycles_est if choice.encoding == KEY else dense_c
    if other_est is not None:
        best = min(best, other_est)
    if est <= best * sparse_cost.MARGIN:   # faster by more than the model's error
        return True
    if est * sparse_cost.MARGIN < best:    # within the margin: the smaller
        if nbytes < choice.chosen_weight_bytes:
            choice.reason += (f"; {label} est. {est:,} within {1 - sparse_cost.MARGIN:.0%} of {best:,} and smaller "
                              f"({nbytes:,} B against {choice.chosen_weight_bytes:,} B)")
            return True
        choice.reason += (f"; {label} est. {est:,} ({est / max(dense_c, 1):.2f}x dense): within "
                          f"{1 - sparse_cost.MARGIN:.0%} of {best:,} and not smaller")
        return False
    choice.reason += f"; {label} est. {est:,} ({est / max(dense_c, 1):.2f}x dense): not the fastest"
    return False


def packed(enc: Encoded, layout: str) -> PackedWeights:
    return PackedWeights(FORMAT, KEY, enc.data, enc.index, layout)
