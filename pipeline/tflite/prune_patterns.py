"""Zero patterns of the pruning methods, on a weight array (numpy only, no TensorFlow).

Used by the one-shot pruning of a `.tflite` (int8 weights) and by the tests of the Keras methods.
Layouts: FULLY_CONNECTED [out][in], CONV_2D OHWI, DEPTHWISE_CONV_2D [1][H][W][out]; "the input
depth" is the last axis of FC/CONV weights; a depthwise filter has none, so N:M and block run
along its kernel positions.
"""

from __future__ import annotations

import numpy as np

WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")   # the ops whose weights have the layouts above
POOLS = ("MAX_POOL_2D", "AVERAGE_POOL_2D")   # per-channel ops a channel passes through (the channel cutter, unread outputs)
METHODS = ("magnitude", "2:4", "1:4", "2:8", "2:4x4", "2:4xall", "block", "channel")   # 2:4x4: 2:4 with each
# mask shared by 4 consecutive output channels (the shared-mask layout EAT_WEIGHTS_SPARSE_2OF4_R4 runs a row block
# per walk); 2:4xall: one mask for all of a layer's output channels, so half its input columns are empty and the
# compiler runs it as a gather of the kept inputs and a dense layer half as deep (pipeline/compiler/columns.py)
BLOCK = 4   # block pruning: 1 x 4 consecutive input depths, the unit our kernels step over


def parse_nm(method: str) -> tuple[int, int] | None:
    """(N, M) of "N:M" or "N:MxR"; None for the other methods."""
    if ":" not in method:
        return None
    n, m = method.split("x")[0].split(":")
    return int(n), int(m)


def nm_share(method: str, rows: int) -> int:
    """R of "N:MxR": how many consecutive output channels share each N:M mask (1 for "N:M"; "all": `rows`,
    every output channel of the layer)."""
    if "x" not in method:
        return 1
    r = method.split("x")[1]
    return rows if r == "all" else int(r)


def as_rows(w: np.ndarray, opcode: str) -> np.ndarray:
    """One row per output channel (a copy)."""
    if opcode == "DEPTHWISE_CONV_2D":
        return w.reshape(-1, w.shape[-1]).T.copy()
    return w.reshape(w.shape[0], -1).copy()


def from_rows(rows: np.ndarray, like: np.ndarray, opcode: str) -> np.ndarray:
    if opcode == "DEPTHWISE_CONV_2D":
        return rows.T.reshape(like.shape).astype(like.dtype)
    return rows.reshape(like.shape).astype(like.dtype)


def magnitude_rows(rows: np.ndarray, sparsity: float) -> np.ndarray:
    """Zero the round(sparsity x n) smallest |w| of every row (ties: the earlier index first)."""
    out = rows.copy()
    k = int(round(sparsity * rows.shape[1]))
    if k <= 0:
        return out
    order = np.argsort(np.abs(rows.astype(np.float64)), axis=1, kind="stable")[:, :k]
    np.put_along_axis(out, order, 0, axis=1)
    return out


def nm_rows(rows: np.ndarray, n: int, m: int, group: int, share: int = 1) -> np.ndarray:
    """Keep the n largest |w| of every m consecutive values along the input depth.

    `group` is the input depth (the rows are [..., depth] flattened); a depth that is not a
    multiple of m ends in a shorter group that keeps at most n. `share` > 1: each run of `share`
    consecutive rows (the last run may be shorter) keeps the same n positions, those of the largest
    sum of |w| over the run's rows."""
    out = rows.copy()
    r, total = rows.shape
    d = rows.reshape(r, total // group, group)
    o = out.reshape(r, total // group, group)
    runs = np.arange(r) // share
    for start in range(0, group, m):
        seg = np.abs(d[:, :, start:start + m].astype(np.float64))
        if seg.shape[2] <= n:
            continue
        if share > 1:   # one score per run of rows, repeated to each of its rows
            seg = np.add.reduceat(seg, np.arange(0, r, share), axis=0)[runs]
        drop = np.argsort(-seg, axis=2, kind="stable")[:, :, n:]
        view = o[:, :, start:start + m]
        np.put_along_axis(view, drop, 0, axis=2)
        o[:, :, start:start + m] = view
    return out


def block_rows(rows: np.ndarray, sparsity: float, group: int) -> np.ndarray:
    """Zero whole 1 x BLOCK runs of input depths, the smallest L1 norm first, to reach `sparsity`."""
    out = rows.copy()
    r, total = rows.shape
    pad = (-group) % BLOCK
    d = np.abs(rows.reshape(r, total // group, group).astype(np.float64))
    d = np.pad(d, ((0, 0), (0, 0), (0, pad)))
    norms = d.reshape(r, -1, BLOCK).sum(axis=2)          # [rows, blocks]
    k = int(round(sparsity * norms.shape[1]))
    if k <= 0:
        return out
    order = np.argsort(norms, axis=1, kind="stable")[:, :k]
    mask = np.ones_like(norms, dtype=bool)
    np.put_along_axis(mask, order, False, axis=1)
    keep = np.repeat(mask, BLOCK, axis=1).reshape(r, total // group, group + pad)[:, :, :group]
    return out * keep.reshape(r, total)


def prune_array(w: np.ndarray, opcode: str, method: str, sparsity: float) -> np.ndarray:
    """The pruned copy of one weight tensor (zero point 0: a zero weight is exactly 0)."""
    rows = as_rows(w, opcode)
    group = rows.shape[1] if opcode == "DEPTHWISE_CONV_2D" else int(w.shape[-1])
    if method == "magnitude":
        rows = magnitude_rows(rows, sparsity)
    elif parse_nm(method):
        n, m = parse_nm(method)
        rows = nm_rows(rows, n, m, group, nm_share(method, rows.shape[0]))
    elif method == "block":
        rows = block_rows(rows, sparsity, group)
    else:
        raise ValueError(f"pruning method '{method}' does not apply to an int8 weight array")
    return from_rows(rows, w, opcode)
