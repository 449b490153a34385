"""The binary serial protocol between host and firmware (see docs/design.md).

Frame: b"ET", u8 type, u8 seq, u16 length (LE), payload, u32 CRC-32 (zlib's) over type+seq+length+
payload. Every answer carries the seq of the request attempt it answers; each attempt (a retry
too) gets a new seq, so an answer is never paired with the wrong request. The same code drives a
real port (`/dev/ttyACM0`) and a simulator's socket (`socket://...`): pyserial opens both.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline.errors import PipelineError

SYNC = b"ET"
HEADER = struct.Struct("<BBH")  # type, seq, length
HELLO, INFER, PROFILE = 0x01, 0x02, 0x03
BOOT, INFO, RESULT, PROFILE_DATA, ERROR = 0x80, 0x81, 0x82, 0x83, 0x7F
ERR_CRC, ERR_LENGTH, ERR_UNKNOWN, ERR_INVOKE, ERR_INIT = 1, 2, 3, 4, 5
PROTOCOL_VERSION = 2
MAX_PAYLOAD = 0xFFFF
# The longest INFO the firmware can send (firmware_templates/src/eat_server.c put_info): version, cpu_hz,
# arena; three strings of at most 255 chars with their length byte; two tensor counts (u8, so <= 255
# each), each tensor dtype, dims count, EAT_MAX_TENSOR_DIMS (6) int32 dims, scale and zero point.
INFO_MAX_PAYLOAD = 9 + 3 * 256 + 2 + 2 * 255 * (2 + 6 * 4 + 8)
DTYPES = {1: np.dtype(np.int8), 2: np.dtype(np.float32)}   # INFO tensor dtype codes


class Port(Protocol):
    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...


@dataclass(frozen=True)
class Frame:
    kind: int
    seq: int
    payload: bytes


def encode_frame(kind: int, payload: bytes = b"", seq: int = 0) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise PipelineError(f"frame payload of {len(payload)} B exceeds the protocol's {MAX_PAYLOAD} B; the model input is too large for one frame")
    head = HEADER.pack(kind, seq & 0xFF, len(payload))
    return SYNC + head + payload + struct.pack("<I", zlib.crc32(head + payload))


class FrameReader:
    """Frames from a port's byte stream. Resynchronises byte by byte: a frame whose CRC fails (or
    whose length exceeds `limit`) costs its first byte only, so a damaged length field never
    swallows the good frames behind it."""

    def __init__(self, port: Port, timeout_s: float, limit: int = MAX_PAYLOAD) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self.limit = limit
        self.damaged = 0  # frames dropped for a bad CRC or an impossible length
        self.stalled = False  # the last next_frame ended on a frame that stopped half-way
        self._buf = bytearray()

    def _frame_at(self, i: int) -> tuple[Frame | None, int]:
        """The frame whose sync is at buf[i]: (frame, end) when whole and its CRC holds; (None, 0)
        when it is not whole yet; (None, -1) when it cannot be a frame (CRC, length)."""
        buf = self._buf
        if len(buf) < i + 2 + HEADER.size:
            return None, 0
        kind, seq, length = HEADER.unpack_from(buf, i + 2)
        if length > self.limit:
            return None, -1
        end = i + 2 + HEADER.size + length + 4
        if len(buf) < end:
            return None, 0
        body = bytes(buf[i + 2:end - 4])
        if struct.unpack_from("<I", buf, end - 4)[0] != zlib.crc32(body):
            return None, -1
        return Frame(kind, seq, body[HEADER.size:]), end

    def _parse(self) -> Frame | None:
        buf = self._buf
        while True:
            i = buf.find(SYNC)
            if i < 0:
                del buf[: max(0, len(buf) - 1)]  # keep a trailing "E"
                return None
            del buf[:i]
            frame, end = self._frame_at(0)
            if frame is not None:
                del buf[:end]
                return frame
            if end < 0:
                self.damaged += 1
                del buf[:1]
                continue
            # The head is not whole yet. A whole frame behind it means the head lost bytes (they
            # arrive in order): drop it and take that one. Else wait: it may be a slow sender.
            j = buf.find(SYNC, 1)
            while j >= 0:
                frame, end = self._frame_at(j)
                if frame is not None:
                    self.damaged += 1
                    del buf[:end]
                    return frame
                j = buf.find(SYNC, j + 1)
            return None

    def next_frame(self, deadline: float, idle_s: float | None = None) -> Frame | None:
        """The next good frame, or None when `deadline` (time.monotonic) passes first, or (with
        `idle_s`) when a frame has begun, bytes came during this call, then none for idle_s
        (`self.stalled` then says so: it has likely lost bytes; the bytes stay, in case it was
        only slow). Bytes left from before the call do not count: a silent device is silent."""
        self.stalled = False
        last_rx = time.monotonic()
        heard = False  # bytes came during this call: left-over junk alone is no stalled answer
        while True:
            frame = self._parse()
            if frame is not None:
                return frame
            now = time.monotonic()
            if now > deadline:
                return None
            if idle_s is not None and heard and self._buf and now - last_rx > idle_s:
                self.stalled = True
                return None
            waiting = int(getattr(self.port, "in_waiting", 0) or 0)
            chunk = self.port.read(max(1, waiting))
            if chunk:
                self._buf += chunk
                last_rx = time.monotonic()
                heard = True

    def discard(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Frame]:
        """The good frames `data` completes, for a byte stream watched rather than read from the
        port (the labwired bridge counts requests and answers with it)."""
        self._buf += data
        frames = []
        while (frame := self._parse()) is not None:
            frames.append(frame)
        return frames

    def read_frame(self) -> tuple[int, bytes]:
        frame = self.next_frame(time.monotonic() + self.timeout_s)
        if frame is None:
            raise PipelineError(
                f"no answer from the device within {self.timeout_s:.0f} s; check that the firmware is running on that port (and --port)"
            )
        return frame.kind, frame.payload


@dataclass(frozen=True)
class TensorSpec:
    dtype: np.dtype
    shape: tuple[int, ...]
    scale: float
    zero_point: int

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * self.dtype.itemsize

    def to_json(self) -> dict:
        return {"dtype": str(self.dtype), "shape": list(self.shape), "scale": self.scale, "zero_point": self.zero_point}


@dataclass(frozen=True)
class DeviceInfo:
    version: int
    cpu_hz: int
    arena_bytes: int
    board: str
    engine: str
    sha256: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]

    def to_json(self) -> dict:
        return {
            "protocol_version": self.version, "cpu_hz": self.cpu_hz, "arena_bytes": self.arena_bytes,
            "board": self.board, "engine": self.engine, "sha256": self.sha256,
            "inputs": [t.to_json() for t in self.inputs], "outputs": [t.to_json() for t in self.outputs],
        }


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise PipelineError("the device sent a truncated INFO frame; reflash the firmware built by this version")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def string(self) -> str:
        (n,) = self.take("<B")
        (raw,) = self.take(f"<{n}s")
        return raw.decode("ascii", "replace")

    def tensors(self) -> tuple[TensorSpec, ...]:
        (count,) = self.take("<B")
        out = []
        for _ in range(count):
            dtype, ndims = self.take("<BB")
            dims = self.take(f"<{ndims}i")
            scale, zp = self.take("<fi")
            if dtype not in DTYPES:
                raise PipelineError(f"the device reports tensor dtype code {dtype}, which this host does not know; update the pipeline")
            out.append(TensorSpec(DTYPES[dtype], tuple(dims), float(scale), int(zp)))
        return tuple(out)


def parse_info(payload: bytes) -> DeviceInfo:
    c = _Cursor(payload)
    version, cpu_hz, arena = c.take("<BII")
    board, engine, sha = c.string(), c.string(), c.string()
    return DeviceInfo(version, cpu_hz, arena, board, engine, sha, c.tensors(), c.tensors())


class Device:
    """A board (or simulator) running our firmware, reached through a pyserial port. Requests go
    through a `Link` (pipeline/device/link.py): retried on a damaged link, resets noticed."""

    def __init__(self, port: Port, timeout_s: float = 30.0, attempts: int | None = None) -> None:
        from pipeline.device.link import DEFAULT_ATTEMPTS, Link

        self.port = port
        self.link = Link(port, timeout_s, attempts or DEFAULT_ATTEMPTS)
        self.link.reader.limit = INFO_MAX_PAYLOAD  # no INFO is longer; RESULT's size is known after HELLO
        self.link.on_reset = self._check_reset
        self._info: DeviceInfo | None = None

    @property
    def reader(self) -> FrameReader:
        return self.link.reader

    def _check_reset(self, boot_payload: bytes) -> None:
        try:
            booted = parse_info(boot_payload)
        except PipelineError:
            return  # an announcement we cannot read: the next answer will tell
        if self._info is not None and booted.sha256 != self._info.sha256:
            raise PipelineError(f"the device reset into other firmware (model {booted.sha256[:12]}…); reflash it and verify again")

    HELLO_RETRY_S = 2.0  # HELLO and PROFILE run no inference: the device answers at once

    def hello(self) -> DeviceInfo:
        body = self.link.request(HELLO, b"", INFO, "HELLO", first_wait_s=self.HELLO_RETRY_S)
        info = parse_info(body)
        if info.version != PROTOCOL_VERSION:
            raise PipelineError(f"the device speaks protocol v{info.version}, this host v{PROTOCOL_VERSION}; rebuild and reflash the firmware")
        self._info = info
        in_bytes = sum(t.nbytes for t in info.inputs)
        out_bytes = sum(t.nbytes for t in info.outputs)
        self.link.reader.limit = max(len(body), 8 + out_bytes, 256)
        self.link.pad_bytes = 2 + HEADER.size + in_bytes + 4
        return info

    @property
    def info(self) -> DeviceInfo:
        return self._info if self._info is not None else self.hello()

    def infer(self, inputs: list[np.ndarray], what: str = "INFER") -> tuple[int, list[np.ndarray]]:
        """Run one inference on the device: (cycles, outputs). `what` names it in errors."""
        specs = self.info.inputs
        if len(inputs) != len(specs):
            raise PipelineError(f"the model takes {len(specs)} inputs, {len(inputs)} given")
        payload = b"".join(np.ascontiguousarray(x, dtype=s.dtype).reshape(s.shape).tobytes() for x, s in zip(inputs, specs))
        body = self.link.request(INFER, payload, RESULT, what)
        want = 8 + sum(s.nbytes for s in self.info.outputs)
        if len(body) != want:
            raise PipelineError(f"the device sent {len(body) - 8} output bytes, the model has {want - 8}; reflash the firmware for this model")
        (cycles,) = struct.unpack_from("<Q", body, 0)
        outputs, pos = [], 8
        for s in self.info.outputs:
            outputs.append(np.frombuffer(body, dtype=s.dtype, count=int(np.prod(s.shape)), offset=pos).reshape(s.shape).copy())
            pos += s.nbytes
        return int(cycles), outputs

    def profile(self) -> list[int]:
        """Cycles per op of the last inference (op index order); only a profiling build
        (-DEAT_PROFILE) answers, any other firmware answers ERROR."""
        limit = self.link.reader.limit
        self.link.reader.limit = max(limit, 4 + 8 * 4096)   # PROFILE_DATA grows with the op count
        try:
            body = self.link.request(PROFILE, b"", PROFILE_DATA, "PROFILE", first_wait_s=self.HELLO_RETRY_S)
        finally:
            self.link.reader.limit = limit
        (count,) = struct.unpack_from("<I", body, 0)
        if len(body) != 4 + 8 * count:
            raise PipelineError(f"the device sent a PROFILE_DATA frame of {len(body)} B for {count} ops; reflash the firmware")
        return list(struct.unpack_from(f"<{count}Q", body, 4))
