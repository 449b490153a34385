"""Static memory plan: every activation tensor and scratch buffer gets an offset in ONE arena.

- Lifetimes are op-index intervals [first, last] over the op order: a graph input lives from 0,
  a graph output to the end, anything else from its producer to its last consumer.
- Views (RESHAPE/SQUEEZE) share their input's buffer: no copy, lifetimes merged.
- In place: an element-wise op's output may take over an input buffer of the same size whose
  last use is that op (the kernel reads element i before it writes element i).
- Partial overlap: a windowed op (conv, depthwise, pool) writes its output in flat order and never
  reads input bytes below a known bound again, so its output may start `delta` bytes (or more)
  before an input that dies at that op and run over it (see window_delta).
- Placement is greedy, lowest offset that overlaps no already placed buffer with an intersecting
  lifetime (TFLM's GreedyMemoryPlanner, largest first); a few orderings are tried and the smallest
  arena kept. Offsets are aligned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Buffer:
    id: int
    size: int
    first: int
    last: int
    tensors: list[int] = field(default_factory=list)   # tensor indices sharing it (or [] for scratch)
    label: str = ""
    offset: int = -1

    def overlaps_in_time(self, other: "Buffer") -> bool:
        return self.first <= other.last and other.first <= self.last

    def overlaps_in_space(self, other: "Buffer") -> bool:
        return self.offset < other.offset + other.size and other.offset < self.offset + self.size


@dataclass
class Plan:
    arena_bytes: int
    buffers: list[Buffer]
    tensor_offset: dict[int, int]      # tensor index -> arena offset
    scratch_offset: dict[int, int]     # op index -> arena offset of its scratch
    naive_bytes: int                   # sum of all buffer sizes (no sharing)


def align_up(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def window_delta(batches: int, in_h: int, in_w: int, in_c: int, out_h: int, out_w: int, out_c: int,
                 stride_h: int, stride_w: int, pad_h: int, pad_w: int) -> int:
    """Smallest d such that an NHWC windowed kernel writing output element j (flat order) at
    out_base + j never clobbers an input byte it reads later when out_base = in_base - d.

    Output pixel p reads input bytes >= minread(p) (a lower bound: first valid row/column); all
    channels of p are written after ... so the last write of p, at (p + 1) * out_c - 1, must land
    below every later read: d > (p + 1) * out_c - 1 - min(minread(p..))."""
    iy = np.minimum(np.maximum(np.arange(out_h) * stride_h - pad_h, 0), in_h - 1)
    ix = np.minimum(np.maximum(np.arange(out_w) * stride_w - pad_w, 0), in_w - 1)
    per_image = ((iy[:, None] * in_w + ix[None, :]) * in_c).reshape(-1)
    minread = np.concatenate([per_image + b * in_h * in_w * in_c for b in range(batches)]).astype(np.int64)
    suffix = np.minimum.accumulate(minread[::-1])[::-1]
    jend = (np.arange(minread.size, dtype=np.int64) + 1) * out_c - 1
    return max(0, int((jend - suffix).max()) + 1)


def place(buffers: list[Buffer], alignment: int = 4, overlap: dict[tuple[int, int], int] | None = None,
          order=None) -> int:
    """Greedy placement; sets .offset, returns the arena size.

    overlap[(out_id, in_id)] = d lets buffer out_id sit at offsets <= in.offset - d even though
    the two are live together (at the one op where the input dies and the output is born)."""
    overlap = overlap or {}
    placed: list[Buffer] = []
    key = order or (lambda b: (-b.size, b.first, b.id))
    for b in sorted(buffers, key=key):
        forbidden = []
        for p in placed:
            if not p.overlaps_in_time(b):
                continue
            ext_b, ext_p = b.size, p.size          # b.off forbidden in (p.off - ext_b, p.off + ext_p)
            if (b.id, p.id) in overlap:
                ext_b = min(b.size, overlap[(b.id, p.id)])
            if (p.id, b.id) in overlap:
                ext_p = min(p.size, overlap[(p.id, b.id)])
            forbidden.append((p.offset - ext_b, p.offset + ext_p))
        offset = 0
        for lo, hi in sorted(forbidden):
            if offset <= lo:
                break
            if offset < hi:
                offset = align_up(hi, alignment)
        b.offset = offset
        placed.append(b)
    return align_up(max((b.offset + b.size for b in buffers), default=0), alignment)


ORDERS = (
    lambda b: (-b.size, b.first, b.id),                      # TFLM: largest first
    lambda b: (b.first, -b.size, b.id),                      # in execution order
    lambda b: (-(b.size * (b.last - b.first + 1)), b.id),    # largest area first
    lambda b: (-b.size, -b.first, b.id),
)


def place_best(buffers: list[Buffer], alignment: int, overlap: dict[tuple[int, int], int]) -> int:
    best, best_offsets = None, None
    for order in ORDERS:
        size = place(buffers, alignment, overlap, order)
        if best is None or size < best:
            best, best_offsets = size, [b.offset for b in buffers]
    for b, off in zip(buffers, best_offsets):
        b.offset = off
    return best


def plan(num_ops: int, tensor_sizes: dict[int, int], producers: dict[int, int], consumers: dict[int, list[int]],
         graph_inputs: list[int], graph_outputs: list[int], aliases: dict[int, int],
         inplace: dict[int, list[int]], scratch: dict[int, int], names: dict[int, str] | None = None,
         alignment: int = 4, overlaps: dict[int, list[tuple[int, int, int]]] | None = None) -> Plan:
    """Plan the arena.

    tensor_sizes: activation tensors to place (index -> bytes).
    producers: tensor -> op index that writes it (absent for graph inputs).
    consumers: tensor -> op indices that read it.
    aliases: view tensor -> the tensor it is a view of.
    inplace: op index -> [(output tensor, candidate input tensors...)] as {out: [inputs]} flattened:
             here a dict op -> [out, in1, in2...].
    scratch: op index -> scratch bytes.
    overlaps: op index -> [(output tensor, input tensor, delta)] partial overlaps the op allows.
    """
    names = names or {}
    end = max(num_ops - 1, 0)
    parent: dict[int, int] = {t: t for t in tensor_sizes}

    def find(t: int) -> int:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    def interval(t: int) -> tuple[int, int]:
        first = 0 if t in graph_inputs or t not in producers else producers[t]
        last = max(consumers.get(t, []), default=first)
        if t in graph_outputs:
            last = end
        return first, last

    for view, base in aliases.items():
        if view in parent and base in parent:
            parent[find(view)] = find(base)

    def group_interval(root: int) -> tuple[int, int]:
        members = [t for t in tensor_sizes if find(t) == root]
        ivs = [interval(t) for t in members]
        return min(i[0] for i in ivs), max(i[1] for i in ivs)

    # In place: the op's output joins an input's group when that group ends at this op.
    protected = set(graph_outputs)   # a graph input may be overwritten once consumed (as TFLM does)
    for op_index, (out, *cands) in sorted(inplace.items()):
        if out not in parent or any(find(out) == find(c) for c in cands if c in parent):
            continue
        for c in cands:
            if c not in parent:
                continue
            root = find(c)
            members = [t for t in tensor_sizes if find(t) == root]
            if any(t in protected for t in members):
                continue
            if tensor_sizes[c] != tensor_sizes[out]:
                continue
            if group_interval(root)[1] != op_index:
                continue
            parent[find(out)] = root
            break

    groups: dict[int, list[int]] = {}
    for t in tensor_sizes:
        groups.setdefault(find(t), []).append(t)
    buffers: list[Buffer] = []
    for root, members in sorted(groups.items()):
        first, last = group_interval(root)
        size = max(tensor_sizes[t] for t in members)
        buffers.append(Buffer(len(buffers), size, first, last, sorted(members),
                              names.get(root, f"t{root}")))
    scratch_buffers = {}
    for op_index, nbytes in sorted(scratch.items()):
        if nbytes > 0:
            b = Buffer(len(buffers), nbytes, op_index, op_index, [], f"scratch of op {op_index}")
            buffers.append(b)
            scratch_buffers[op_index] = b
    by_tensor = {t: b for b in buffers for t in b.tensors}
    allowed: dict[tuple[int, int], int] = {}
    for op_index, items in (overlaps or {}).items():
        for out, inp, delta in items:
            bo, bi = by_tensor.get(out), by_tensor.get(inp)
            if bo is None or bi is None or bo is bi:
                continue
            if bi.last != op_index or bo.first != op_index:
                continue          # the input is still needed later, or the output is older
            if any(t in graph_outputs for t in bi.tensors):
                continue
            allowed[(bo.id, bi.id)] = max(delta, allowed.get((bo.id, bi.id), 0))
    arena = place_best(buffers, alignment, allowed)
    tensor_offset = {t: b.offset for b in buffers for t in b.tensors}
    return Plan(arena, buffers, tensor_offset, {k: b.offset for k, b in scratch_buffers.items()},
                sum(b.size for b in buffers))
