"""Mutated copies of a .tflite for fuzzing the reader and compiler: byte-level (truncation, bit
flips, overwritten spans) and structural (out-of-range buffer, tensor and opcode indices, absurd
shapes, cycles in the graph), each chosen by a seeded RNG so a finding can be replayed."""

from __future__ import annotations

import random
from collections.abc import Callable

Mutation = Callable[[bytes, random.Random], bytes]


def truncate(buf: bytes, rng: random.Random) -> bytes:
    return buf[: rng.randrange(0, len(buf))]


def flip_bits(buf: bytes, rng: random.Random) -> bytes:
    out = bytearray(buf)
    for _ in range(rng.randint(1, 16)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def overwrite(buf: bytes, rng: random.Random) -> bytes:
    out = bytearray(buf)
    start = rng.randrange(len(out))
    n = rng.randint(1, 64)
    value = rng.choice([0x00, 0xFF, 0x7F, 0x80, None])
    for i in range(start, min(len(out), start + n)):
        out[i] = rng.randrange(256) if value is None else value
    return bytes(out)


def _structural(edit: Callable[[object, random.Random], None]) -> Mutation:
    def mutate(buf: bytes, rng: random.Random) -> bytes:
        import flatbuffers
        from tflite_micro import runtime

        fb = runtime.schema_fb
        m = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(buf, 0))
        edit(m, rng)
        b = flatbuffers.Builder(1024)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())

    mutate.__name__ = edit.__name__
    return mutate


def _pick(seq, rng: random.Random):
    return seq[rng.randrange(len(seq))] if seq is not None and len(seq) else None


def bad_buffer_index(m, rng: random.Random) -> None:
    t = _pick(m.subgraphs[0].tensors, rng)
    t.buffer = rng.choice([len(m.buffers or []), 2**31 - 1, 10_000])


def _writable(m) -> None:
    """The object API hands index vectors out as read-only numpy arrays: make them lists."""
    sg = m.subgraphs[0]
    sg.inputs, sg.outputs = list(sg.inputs), list(sg.outputs)
    for op in sg.operators if sg.operators is not None else []:
        op.inputs = list(op.inputs) if op.inputs is not None else []
        op.outputs = list(op.outputs) if op.outputs is not None else []


def bad_tensor_index(m, rng: random.Random) -> None:
    _writable(m)
    sg = m.subgraphs[0]
    op = _pick(sg.operators, rng)
    n = len(sg.tensors or [])
    where = rng.choice(["inputs", "outputs", "sg_inputs", "sg_outputs"])
    bad = rng.choice([n, n + 7, 2**31 - 1, -5])
    if where == "inputs" and op is not None and op.inputs is not None and len(op.inputs):
        op.inputs[rng.randrange(len(op.inputs))] = bad
    elif where == "outputs" and op is not None and op.outputs is not None and len(op.outputs):
        op.outputs[rng.randrange(len(op.outputs))] = bad
    elif where == "sg_inputs":
        sg.inputs[0] = bad
    else:
        sg.outputs[0] = bad


def bad_opcode_index(m, rng: random.Random) -> None:
    op = _pick(m.subgraphs[0].operators, rng)
    if op is not None:
        op.opcodeIndex = rng.choice([len(m.operatorCodes), 255, 2**31 - 1])


def absurd_shape(m, rng: random.Random) -> None:
    t = _pick(m.subgraphs[0].tensors, rng)
    shape = list(t.shape) if t.shape is not None and len(t.shape) else [1]
    shape[rng.randrange(len(shape))] = rng.choice([0, -1, -(2**31), 2**31 - 1, 1 << 20, 65536])
    if rng.random() < 0.3:
        shape = [rng.choice([1, 2, 1 << 16]) for _ in range(rng.choice([0, 5, 9, 40]))]
    t.shape = shape


def graph_cycle(m, rng: random.Random) -> None:
    _writable(m)
    sg = m.subgraphs[0]
    ops = sg.operators
    if ops is None or not len(ops):
        return
    i = rng.randrange(len(ops))
    j = rng.randrange(i, len(ops))
    # op i reads what op j (the same or a later one) writes: a cycle, or an input not yet computed
    if ops[i].inputs is not None and len(ops[i].inputs) and ops[j].outputs is not None and len(ops[j].outputs):
        ops[i].inputs[0] = ops[j].outputs[0]


def swap_types(m, rng: random.Random) -> None:
    t = _pick(m.subgraphs[0].tensors, rng)
    t.type = rng.choice([0, 2, 3, 9, 16, 17, 99])


def drop_quantization(m, rng: random.Random) -> None:
    t = _pick(m.subgraphs[0].tensors, rng)
    if rng.random() < 0.5:
        t.quantization = None
    elif t.quantization is not None:
        t.quantization.scale = [rng.choice([0.0, -1.0, float("nan"), float("inf"), 1e-45])]


MUTATIONS: list[Mutation] = [
    truncate, flip_bits, overwrite,
    *(_structural(e) for e in (bad_buffer_index, bad_tensor_index, bad_opcode_index, absurd_shape, graph_cycle, swap_types, drop_quantization)),
]


def mutant(buf: bytes, seed: int) -> tuple[str, bytes]:
    """The mutation `seed` picks and the mutated model (byte mutations may stack)."""
    rng = random.Random(seed)
    mutation = MUTATIONS[rng.randrange(len(MUTATIONS))]
    try:
        return mutation.__name__, mutation(buf, rng)
    except Exception:  # noqa: BLE001 - a structural edit that does not apply to this model
        return "flip_bits", flip_bits(buf, rng)
