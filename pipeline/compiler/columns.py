"""Empty input columns: a FULLY_CONNECTED or CONV_2D whose weights are zero for some input in every output channel
(`--prune 2:4xall` empties half of them) runs as a gather of its kept columns and the core's dense kernel over them.

A column is one input of a FC row, or one tap (fy, fx, ic) of a conv's receptive field. The layer equals a dense
layer over the gathered inputs, exactly (the dropped products are zero): a FC of depth K' (the kept columns), or
for a conv a 1x1 conv of K' input channels over a row of gathered pixels. The kernels (eat/columns.h,
runtime/src/columns_s8.c) gather `per_pass` rows into scratch and call the dense kernel the registry picks for that
FC or 1x1 conv on the core, whose weights layout, folded bias, tables and scratch the compiler prepares here as
for any dense layer (int8 weights only: the flash must shrink). This module finds the columns, prices the
candidate, and switches the op's call to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipeline.compiler import kernels, sparse
from pipeline.compiler.ops import CArray, Ctx, Lowered, c_int
from pipeline.compiler.packing import PackedWeights

LABEL = "columns"
KEY = "columns"          # LayerChoice.encoding
FORCE = "columns"        # weights mode (sparse.MODES): the gathered form wherever a column is empty (tests)
ROWS_BYTES = 512         # gathered bytes per pass at most: rows per pass = max(1, ROWS_BYTES // K')
MAX_TAP = 16             # conv: fy, fx < 16 (one byte per kept tap for the border test)
FUNCTIONS = {"FULLY_CONNECTED": "eat_fully_connected_s8_columns", "CONV_2D": "eat_conv2d_s8_columns"}
PARAMS = {"FULLY_CONNECTED": "eat_fully_connected_s8_columns_params_t", "CONV_2D": "eat_conv2d_s8_columns_params_t"}
SOURCE = "runtime/src/columns_s8.c"

# The cost model, per core in its counter units (rp2040js cycles on the Cortex-M0+, QEMU instructions on the M4 and
# labwired instructions on the RV32), fitted to the example pruned 2:4xall (conv2 3x3x16 -> 32 on 4 pixels, K 144 ->
# 72; dense1 128 -> 64 and probs 64 -> 10, K -> K / 2), forced (`scripts/profile_layers.py <pruned> BOARD columns`
# and `... dense`, main after the M4's pair2_short): the gather per kept input, per conv row (its window origin,
# border test; FC rows ~0) and per call (scripts/pc_profile.py: gather(), eat_columns_gather_conv, the wrapper), and
# the dense kernel at depth K' as a share of the layer's own dense estimate: dense_est x ((r - 1) + (2 - r) x K' / K),
# r fitted at K' / K = 1/2 (the kernel's per-output work does not halve with K, and on the M4 the int8 kernels run
# where dense had int16 weights; at lower K' / K the fixed share keeps the estimate on the safe side). Measured
# (forced gathered / dense): M0+ 47,132 / 79,505, 23,407 / 36,973, 4,068 / 5,510; M4 16,738 / 20,381, 10,946 /
# 12,273, 1,792 / 1,905; RV32 39,617 / 70,554, 20,534 / 34,971, 2,484 / 3,602.
#         (per input, per conv row, per call, r conv, r FC)
GATHER = {"cortex-m0plus": (8.0, 150.0, 175.0, 1.108, 1.27),
          "cortex-m4": (4.5, 50.0, 130.0, 1.483, 1.65),
          "rv32imc": (4.0, 40.0, 100.0, 1.083, 1.2)}
ALIASES = {"cortex-m7": "cortex-m4"}   # the others (generic, cortex-m3, cortex-m33) take the M4's figures


for _op, _fn in FUNCTIONS.items():   # named for variant_named and kernel_header; chosen by candidate(), not by cost
    kernels.register(_op, KEY, ("generic",), kernels.Variant(
        _fn, SOURCE, "the kept input columns gathered into scratch, then the core's dense kernel over them",
        pixel_block=0, header="eat/columns.h"))


@dataclass(frozen=True)
class Candidate:
    opcode: str
    kept: np.ndarray         # the kept columns' indices (FC: inputs; conv: taps (fy * k_w + fx) * in_c + ic)
    compact: np.ndarray      # [out][K'] int8: the kept columns' weights
    rows: int                # rows in all (FC batches; conv output pixels)
    per_pass: int            # rows gathered per call of the dense kernel
    inner_geo: dict          # the dense FC's or 1x1 conv's geometry (kernels.Variant.applies)
    table_bytes: int         # the column tables' flash
    cycles_est: int

    @property
    def bytes(self) -> int:
        """The weights and the column tables (what replaces the dense weights)."""
        return int(self.compact.size) + self.table_bytes

    @property
    def inner_weights(self) -> np.ndarray:
        """The compact weights as the dense op takes them: FC [out][K'], conv OHWI [out][1][1][K']."""
        return self.compact if self.opcode == "FULLY_CONNECTED" else self.compact.reshape(self.compact.shape[0], 1, 1, -1)


def _costs(core: str) -> tuple[float, float, float, float, float]:
    return GATHER.get(core) or GATHER[ALIASES.get(core, "cortex-m4")]


def cycles(core: str, opcode: str, dense_est: int, k: int, k_kept: int, rows: int, per_pass: int) -> int:
    """The estimate of the gathered form of a layer whose dense estimate is `dense_est` (see GATHER)."""
    per_input, per_row, per_call, r_conv, r_fc = _costs(core)
    r = r_fc if opcode == "FULLY_CONNECTED" else r_conv
    inner = dense_est * ((r - 1) + (2 - r) * k_kept / k)
    gather = rows * (k_kept * per_input + (per_row if opcode == "CONV_2D" else 0)) + -(-rows // per_pass) * per_call
    return int(inner + gather)


def candidate(ctx: Ctx, opcode: str, data: np.ndarray, geo: dict, dense_est: int) -> tuple[Candidate | None, str]:
    """The gathered form of this layer (`dense_est`: the layer's dense estimate), or None and why not."""
    if opcode not in FUNCTIONS:
        return None, ""
    rows2 = data.reshape(data.shape[0], -1)
    k, out_c = rows2.shape[1], rows2.shape[0]
    kept = np.flatnonzero(np.any(rows2 != 0, axis=0))
    if kept.size == k:
        return None, "no input column is empty in every channel"
    if kept.size == 0:
        return None, "every weight is zero"
    if opcode == "CONV_2D":
        if geo["fic"] != geo["ic"]:
            return None, "grouped conv"
        if geo["kh"] > MAX_TAP or geo["kw"] > MAX_TAP:
            return None, f"a kernel side over {MAX_TAP}"
        if int(conv_offsets(kept, geo).max()) > 0xFFFF:
            return None, "a window offset over 16 bits"
        rows, table = geo["n"] * geo["oh"] * geo["ow"], 3 * kept.size
    else:
        if k > 0x10000:
            return None, "an input row over 65,536"
        rows, table = geo["batches"], 2 * kept.size
    per_pass = max(1, min(rows, ROWS_BYTES // kept.size))
    compact = rows2[:, kept].copy()
    kk = int(kept.size)
    if opcode == "FULLY_CONNECTED":
        inner = dict(batches=per_pass, in_depth=kk, out_depth=out_c, filter_offset=0, w16=False)
    else:
        inner = dict(n=1, ih=1, iw=per_pass, ic=kk, oh=1, ow=per_pass, oc=out_c, kh=1, kw=1, sh=1, sw=1, dh=1, dw=1,
                     ph=0, pw=0, fic=kk, dm=1, wmin=int(compact.min()), act_min=geo["act_min"],
                     act_max=geo["act_max"], w16=False)
    est = cycles(ctx.core, opcode, dense_est, k, kk, rows, per_pass)
    return Candidate(opcode, kept, compact, rows, per_pass, inner, table, est), ""


def conv_offsets(kept: np.ndarray, g: dict) -> np.ndarray:
    """Each kept tap's offset from the window origin in the input, (fy * dh * in_w + fx * dw) * in_c + ic."""
    ic = g["ic"]
    fy, fx, c = kept // (g["kw"] * ic), kept // ic % g["kw"], kept % ic
    return (fy * g["dh"] * g["iw"] + fx * g["dw"]) * ic + c


def decide(mode: str, c: Candidate, choice: sparse.LayerChoice, other_est: int | None) -> bool:
    """Whether the gathered form replaces the choice made so far (sparse.replaces; `other_est`: the best of the
    2:4 and p8 candidates' estimates, which it must beat too)."""
    return sparse.replaces(LABEL, FORCE, mode, c.bytes, c.cycles_est, choice, other_est)


def _gather_params(c: Candidate, geo: dict, old: dict, pre: str, k: int, input_offset: int) -> list[tuple[str, str]]:
    params = [("g.rows", c_int(c.rows)), ("g.kept", c_int(c.kept.size)), ("g.per_pass", c_int(c.per_pass)),
              ("g.cols", pre + "cols")]
    if c.opcode == "FULLY_CONNECTED":
        return params + [("g.taps", "NULL"), ("g.row_depth", c_int(k))]
    params += [("g.taps", pre + "taps")]
    params += [(f"g.{f}", old[f]) for f in ("in_h", "in_w", "in_c", "out_h", "out_w", "k_h", "k_w", "stride_h",
                                            "stride_w", "dilation_h", "dilation_w", "pad_h", "pad_w")]
    return params + [("g.zero_point", c_int(-input_offset))]


def _inner_params(c: Candidate, old: dict, input_offset: int) -> list[tuple[str, str]]:
    kk, out_c = c_int(c.kept.size), c_int(c.compact.shape[0])
    if c.opcode == "FULLY_CONNECTED":
        fields = [("batches", c_int(c.per_pass)), ("in_depth", kk), ("out_depth", out_c),
                  ("input_offset", c_int(input_offset)), ("filter_offset", "0")]
        fields += [(f, old[f]) for f in ("output_offset", "output_multiplier", "output_shift", "per_channel_multiplier",
                                         "per_channel_shift", "act_min", "act_max")]
        return [(f"fc.{f}", v) for f, v in fields]
    pp = c_int(c.per_pass)
    fields = [("batches", "1"), ("in_h", "1"), ("in_w", pp), ("in_c", kk), ("out_h", "1"), ("out_w", pp),
              ("out_c", out_c), ("k_h", "1"), ("k_w", "1"), ("filter_in_c", kk), ("stride_h", "1"),
              ("stride_w", "1"), ("dilation_h", "1"), ("dilation_w", "1"), ("pad_h", "0"), ("pad_w", "0"),
              ("input_offset", c_int(input_offset))]
    fields += [(f, old[f]) for f in ("output_offset", "multiplier", "shift", "act_min", "act_max")]
    return [(f"conv.{f}", v) for f, v in fields]


def apply(ctx: Ctx, lw: Lowered, data: np.ndarray, bias, input_offset: int, geo: dict, c: Candidate,
          choice: sparse.LayerChoice) -> Lowered:
    """Switch `lw` to the gathered form: the dense kernel prepared for the FC or 1x1 conv over the kept columns
    (kernels.prepare picks it as for any dense layer), the column tables, the params of both."""
    op = lw.op
    pre = ctx.prefix(op)
    inner_op = "FULLY_CONNECTED" if c.opcode == "FULLY_CONNECTED" else "CONV_2D"
    packed = PackedWeights("EAT_WEIGHTS_DENSE", "dense", c.inner_weights.reshape(-1), None,
                           f"the {c.kept.size} kept columns of each row, as the dense kernel reads them")
    arrays_of = {a.name: a for a in lw.arrays}
    if inner_op == "FULLY_CONNECTED":
        prep = kernels.prepare(inner_op, packed, ctx.core, c.inner_geo, c.compact,
                               None if bias is None else bias.data, None if bias is None else bias.name, input_offset)
    else:
        prep = kernels.prepare_with_tables(inner_op, packed, ctx.core, c.inner_geo, c.inner_weights, bias,
                                           input_offset, arrays_of[pre + "mult"].values,
                                           arrays_of[pre + "shift"].values, int(dict(lw.params)["output_offset"]))
    k, kk = int(data.size // data.shape[0]), int(c.kept.size)
    old = dict(lw.params)
    offs = c.kept if c.opcode == "FULLY_CONNECTED" else conv_offsets(c.kept, geo)
    params = _gather_params(c, geo, old, pre, k, input_offset) + _inner_params(c, old, input_offset)
    params += [("dense", prep.kernel), ("dense_scratch", f"{prep.scratch_bytes}u")]
    keep = [a for a in lw.arrays if a.name in (pre + "mult", pre + "shift")]
    where = ("input row" if c.opcode == "FULLY_CONNECTED" else
             "window, (fy * dilation_h * in_w + fx * dilation_w) * in_c + ic")
    arrays = keep + [CArray(pre + "cols", "uint16_t", offs.astype(np.int64),
                            f"the {kk} kept input columns of {k} (every other column's weights are zero in every "
                            f"channel): their offsets in the {where}")]
    if c.opcode == "CONV_2D":
        fy, fx = c.kept // (geo["kw"] * geo["ic"]), c.kept // geo["ic"] % geo["kw"]
        arrays.append(CArray(pre + "taps", "uint8_t", (fy * 16 + fx).astype(np.int64),
                             "per kept column fy << 4 | fx: the border pixels' padding test"))
    if prep.bias is not None:
        arrays.append(CArray(pre + "bias", "int32_t", prep.bias, prep.bias_comment))
    dense_c = choice.dense_cycles_est
    form = f"a FC of depth {kk}" if inner_op == "FULLY_CONNECTED" else f"a 1x1 conv of {kk} channels"
    choice.reason = (f"{choice.sparsity:.0%} zeros, {k - kk} of {k} input columns empty in every channel: gather "
                     f"{kk}, then {form} ({prep.kernel}) est. {c.cycles_est:,} vs dense {dense_c:,} "
                     f"({c.cycles_est / max(dense_c, 1):.2f}x) on {ctx.core}; {c.bytes:,} B (weights and column "
                     f"table) vs {choice.dense_weight_bytes:,} B" + (" (forced)" if ctx.weight_mode == FORCE else ""))
    choice.encoding, choice.chosen_weight_bytes = KEY, c.bytes
    choice.sparse_cycles_est, choice.kernel = c.cycles_est, FUNCTIONS[op.opcode]
    gathered = (c.per_pass * kk + 3) // 4 * 4
    lw.kernel, lw.header = FUNCTIONS[op.opcode], "eat/columns.h"
    lw.includes = [h for h in [kernels.kernel_header(prep.kernel)] if h]
    lw.params_type, lw.params, lw.arrays = PARAMS[op.opcode], params, arrays
    lw.weights = replace(prep.weights, key=KEY)   # EAT_WEIGHTS_DENSE data in the dense kernel's layout
    lw.args = ["&{p}", "&{w}", pre + "bias" if prep.bias is not None else "NULL", "{in0}", "{out0}", "{scratch}"]
    lw.scratch_bytes = gathered + prep.scratch_bytes
    lw.overlap = []
    lw.notes = [n for n in lw.notes if not n.startswith("kernel ")] + [
        f"kernel {FUNCTIONS[op.opcode]} ({SOURCE}): {c.per_pass} row(s) per pass gathered into scratch "
        f"({gathered} B), then {prep.kernel} over them as {form}", *prep.notes, f"weights: {choice.reason}"]
    return lw
