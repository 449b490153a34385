"""Static memory plan: every activation tensor and scratch buffer gets an offset in ONE arena.

- Lifetimes are op-index intervals [first, last] over the op order: a graph input lives from 0,
  a graph output to the end, anything else from its producer to its last consumer.
- Views (RESHAPE/SQUEEZE) share their input's buffer: no copy, lifetimes merged.
- In place: an element-wise op's output may take over an input buffer of the same size whose
  last use is that op (the kernel reads element i before it writes element i).
- Placement is greedy, largest buffer first, lowest offset that overlaps no already placed buffer
  with an intersecting lifetime (TFLM's GreedyMemoryPlanner), offsets aligned.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


def place(buffers: list[Buffer], alignment: int = 4) -> int:
    """Greedy largest-first placement; sets .offset, returns the arena size."""
    placed: list[Buffer] = []
    for b in sorted(buffers, key=lambda b: (-b.size, b.first, b.id)):
        conflicts = sorted((p for p in placed if p.overlaps_in_time(b)), key=lambda p: p.offset)
        offset = 0
        for p in conflicts:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, align_up(p.offset + p.size, alignment))
        b.offset = offset
        placed.append(b)
    return align_up(max((b.offset + b.size for b in buffers), default=0), alignment)


def plan(num_ops: int, tensor_sizes: dict[int, int], producers: dict[int, int], consumers: dict[int, list[int]],
         graph_inputs: list[int], graph_outputs: list[int], aliases: dict[int, int],
         inplace: dict[int, list[int]], scratch: dict[int, int], names: dict[int, str] | None = None,
         alignment: int = 4) -> Plan:
    """Plan the arena.

    tensor_sizes: activation tensors to place (index -> bytes).
    producers: tensor -> op index that writes it (absent for graph inputs).
    consumers: tensor -> op indices that read it.
    aliases: view tensor -> the tensor it is a view of.
    inplace: op index -> [(output tensor, candidate input tensors...)] as {out: [inputs]} flattened:
             here a dict op -> [out, in1, in2...].
    scratch: op index -> scratch bytes.
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
    protected = set(graph_inputs) | set(graph_outputs)
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
    arena = place(buffers, alignment)
    tensor_offset = {t: b.offset for b in buffers for t in b.tensors}
    return Plan(arena, buffers, tensor_offset, {k: b.offset for k, b in scratch_buffers.items()},
                sum(b.size for b in buffers))
