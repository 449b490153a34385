"""The device-side frame parser (eat_server.c + eat_link.c + the real engine over a compiled model)
built for the host under ASan + UBSan: good requests answered, every bad frame answered with
ERROR, and a deterministic set of mutated byte streams replayed without a sanitizer report.
(The coverage-guided 10-minute run is scripts/fuzz-frames, with libFuzzer.)"""

from __future__ import annotations

import random
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.compiler.compile import compile_model
from pipeline.device.protocol import BOOT, ERROR, INFO, RESULT, Frame, FrameReader
from pipeline.tflite.oracle import Oracle
from tests.conftest import reference_model
from tests.fuzz.harness import build, frame, seed_corpus

MUTANTS = 400


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = 1) -> bytes:
        chunk = self.data[self.pos:self.pos + size]
        self.pos += len(chunk)
        return chunk

    def write(self, data: bytes) -> int:
        return len(data)


def frames(data: bytes) -> list[Frame]:
    port = _Bytes(data)
    reader = FrameReader(port, 0.0)
    out = []
    while (f := reader.next_frame(time.monotonic() + (0.0 if port.pos >= len(data) else 5.0))) is not None:
        out.append(f)
    return out


@pytest.fixture(scope="module")
def replayer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    tflite = reference_model("hello_world_int8.tflite")
    work = tmp_path_factory.mktemp("fuzzframes")
    compiled = compile_model(tflite, work / "c")
    exe = build(work / "c", work / "replay", fuzzer=False)
    return exe, tflite, compiled.inputs[0].bytes


def replay(exe: Path, streams: list[bytes], work: Path) -> list[bytes]:
    paths = []
    for i, data in enumerate(streams):
        p = work / f"in{i}"
        p.write_bytes(data)
        paths.append(str(p))
    out = work / "out"
    out.mkdir(exist_ok=True)
    proc = subprocess.run([str(exe), "-o", str(out), *paths], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runtime error" not in proc.stderr and "AddressSanitizer" not in proc.stderr, proc.stderr[-3000:]
    return [(out / f"{i}.out").read_bytes() for i in range(len(streams))]


def test_good_and_bad_frames_are_answered(replayer: tuple[Path, Path, int], tmp_path: Path) -> None:
    exe, tflite, in_bytes = replayer
    corpus = seed_corpus(in_bytes)
    answers = dict(zip(corpus, (frames(o) for o in replay(exe, list(corpus.values()), tmp_path))))
    for name, got in answers.items():
        assert got[0].kind == BOOT and got[0].seq == 0, name  # the boot announcement comes first
    def only(name: str) -> Frame:
        rest = answers[name][1:]
        assert len(rest) == 1, (name, rest)
        return rest[0]
    assert (only("hello").kind, only("hello").seq) == (INFO, 3)
    infer = only("infer")
    assert (infer.kind, infer.seq) == (RESULT, 7)
    x = np.frombuffer(bytes(range(in_bytes)), dtype=np.int8).reshape(Oracle(tflite).inputs[0].shape)
    assert infer.payload[8:] == Oracle(tflite).invoke([x])[0].astype(np.int8).tobytes()  # bit-exact with TFLM
    for name, code, seq in [("infer_bad_crc", 1, 7), ("infer_short", 2, 9), ("infer_huge_length", 2, 4),
                            ("hello_with_payload", 2, 5), ("unknown_type", 3, 6)]:
        f = answers[name][1]
        assert (f.kind, f.payload[0], f.seq) == (ERROR, code, seq), name
    assert [(f.kind, f.seq) for f in answers["garbage_then_hello"][1:]] == [(INFO, 8)]
    assert [(f.kind, f.seq) for f in answers["two_requests"][1:]] == [(INFO, 10), (RESULT, 7)]
    assert answers["truncated"][1:] == []


def test_mutated_streams_replay_clean_under_sanitizers(replayer: tuple[Path, Path, int], tmp_path: Path) -> None:
    exe, _, in_bytes = replayer
    seeds = list(seed_corpus(in_bytes).values())
    rng = random.Random(11)
    streams = []
    for _ in range(MUTANTS):
        data = bytearray(b"".join(rng.choice(seeds) for _ in range(rng.randint(1, 4))))
        for _ in range(rng.randint(1, 8)):
            op = rng.randrange(4)
            i = rng.randrange(len(data) + 1)
            if op == 0 and data:
                data[min(i, len(data) - 1)] ^= 1 << rng.randrange(8)
            elif op == 1:
                data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            elif op == 2:
                del data[i:i + rng.randint(1, 8)]
            else:
                data[i:i] = b"ET" + struct.pack("<BBH", rng.choice([1, 2, 0x33]), rng.randrange(256), rng.randrange(65536))
        streams.append(bytes(data))
    outs = replay(exe, streams, tmp_path)
    for out in outs:
        got = frames(out)
        assert got and got[0].kind == BOOT  # never a crash before or after: the stream ends cleanly
        assert all(f.kind in (INFO, RESULT, ERROR, BOOT) for f in got)
