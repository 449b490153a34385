"""Builds the device-side frame parser (eat_server.c, eat_link.c, engine_eat.c, a compiled model)
for the host: a libFuzzer binary (clang) or an ASan/UBSan corpus replayer (gcc), and the seed corpus."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.paths import RUNTIME_DIR, TEMPLATES_DIR

HERE = Path(__file__).resolve().parent
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g", "-O1"]


def sources(model_dir: Path) -> list[Path]:
    src = TEMPLATES_DIR / "src"
    return [
        src / "eat_server.c", src / "eat_link.c", src / "engine_eat.c", model_dir / "model.c",
        *sorted((RUNTIME_DIR / "src").glob("*.c")), HERE / "hal_buffer.c", HERE / "fuzz_frames.c",
    ]


def build(model_dir: Path, out: Path, fuzzer: bool) -> Path:
    """`fuzzer`: clang with libFuzzer's main; else gcc with replay_main.c. Both under ASan + UBSan."""
    cc = "clang-14" if fuzzer else "gcc"
    flags = SANITIZE + (["-fsanitize=fuzzer"] if fuzzer else [])
    extra = [] if fuzzer else [HERE / "replay_main.c"]
    includes = [TEMPLATES_DIR / "src", TEMPLATES_DIR / "hal", RUNTIME_DIR / "include", model_dir, HERE]
    cmd = [cc, "-std=c99", *flags, *(f"-I{d}" for d in includes), *map(str, sources(model_dir) + extra), "-o", str(out), "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PipelineError(f"building the frame-parser harness failed: {proc.stderr.strip()[-2000:]}")
    return out


def frame(kind: int, payload: bytes = b"", seq: int = 1) -> bytes:
    head = struct.pack("<BBH", kind, seq, len(payload))
    return b"ET" + head + payload + struct.pack("<I", zlib.crc32(head + payload))


def seed_corpus(input_bytes: int) -> dict[str, bytes]:
    """Named UART streams: good requests, and each kind of bad one."""
    good_infer = frame(0x02, bytes(range(input_bytes)) if input_bytes <= 256 else bytes(input_bytes), 7)
    bad_crc = bytearray(good_infer)
    bad_crc[-1] ^= 0xFF
    return {
        "hello": frame(0x01, b"", 3),
        "infer": good_infer,
        "infer_bad_crc": bytes(bad_crc),
        "infer_short": frame(0x02, bytes(max(0, input_bytes - 1)), 9),
        "infer_huge_length": b"ET" + struct.pack("<BBH", 0x02, 4, 0xFFFF) + bytes(16),
        "hello_with_payload": frame(0x01, b"xyz", 5),
        "unknown_type": frame(0x33, b"abc", 6),
        "garbage_then_hello": b"\x00E\x13garbageE" + frame(0x01, b"", 8),
        "two_requests": frame(0x01, b"", 10) + good_infer,
        "truncated": good_infer[: len(good_infer) // 2],
    }
