"""The binary serial protocol between host and firmware (see docs/design.md).

Frame: b"ET", u8 type, u16 length (LE), payload, u32 CRC-32 (zlib's) over type+length+payload.
The same code drives a real port (`/dev/ttyACM0`) and a simulator's socket (`socket://...`):
pyserial opens both from one URL.
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
HELLO, INFER = 0x01, 0x02
INFO, RESULT, ERROR = 0x81, 0x82, 0x7F
PROTOCOL_VERSION = 1
MAX_PAYLOAD = 0xFFFF
DTYPES = {1: np.dtype(np.int8)}


class Port(Protocol):
    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...


def encode_frame(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise PipelineError(f"frame payload of {len(payload)} B exceeds the protocol's {MAX_PAYLOAD} B; the model input is too large for one frame")
    head = struct.pack("<BH", kind, len(payload))
    return SYNC + head + payload + struct.pack("<I", zlib.crc32(head + payload))


class FrameReader:
    """Reads frames from a port, resynchronising on the sync bytes and checking the CRC."""

    def __init__(self, port: Port, timeout_s: float) -> None:
        self.port = port
        self.timeout_s = timeout_s

    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.port.read(n - len(buf))
            if chunk:
                buf += chunk
            elif time.monotonic() > deadline:
                raise TimeoutError
        return bytes(buf)

    def read_frame(self) -> tuple[int, bytes]:
        deadline = time.monotonic() + self.timeout_s
        try:
            while True:
                if self._read_exact(1, deadline) != SYNC[:1]:
                    continue
                if self._read_exact(1, deadline) != SYNC[1:]:
                    continue
                head = self._read_exact(3, deadline)
                kind, length = struct.unpack("<BH", head)
                payload = self._read_exact(length, deadline)
                (crc,) = struct.unpack("<I", self._read_exact(4, deadline))
                if crc == zlib.crc32(head + payload):
                    return kind, payload
                # a corrupted frame: keep scanning for the next sync
        except TimeoutError:
            raise PipelineError(
                f"no answer from the device within {self.timeout_s:.0f} s; check that the firmware is running on that port (and --port)"
            ) from None


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
    """A board (or simulator) running our firmware, reached through a pyserial port."""

    def __init__(self, port: Port, timeout_s: float = 30.0) -> None:
        self.port = port
        self.reader = FrameReader(port, timeout_s)
        self._info: DeviceInfo | None = None

    def _request(self, kind: int, payload: bytes, expect: int) -> bytes:
        self.port.write(encode_frame(kind, payload))
        got, body = self.reader.read_frame()
        if got == ERROR:
            code = body[0] if body else 0
            raise PipelineError(f"the device answered error {code}: {body[1:].decode('ascii', 'replace')}")
        if got != expect:
            raise PipelineError(f"the device answered frame type 0x{got:02x} where 0x{expect:02x} was due; is another program using the port?")
        return body

    HELLO_RETRY_S = 2.0

    def hello(self) -> DeviceInfo:
        # HELLO is idempotent: resend it until the timeout. A simulator may drop bytes sent before
        # the firmware enabled its UART (QEMU's STM32 USART does; on a loaded host boot takes seconds).
        deadline = time.monotonic() + self.reader.timeout_s
        patient, self.reader.timeout_s = self.reader.timeout_s, min(self.HELLO_RETRY_S, self.reader.timeout_s)
        try:
            while True:
                try:
                    body = self._request(HELLO, b"", INFO)
                    break
                except PipelineError as e:
                    if "no answer" not in str(e) or time.monotonic() + self.reader.timeout_s > deadline:
                        raise PipelineError(str(e).replace(f"{self.reader.timeout_s:.0f} s", f"{patient:.0f} s")) from None
        finally:
            self.reader.timeout_s = patient
        info = parse_info(body)
        if info.version != PROTOCOL_VERSION:
            raise PipelineError(f"the device speaks protocol v{info.version}, this host v{PROTOCOL_VERSION}; rebuild and reflash the firmware")
        self._info = info
        return info

    @property
    def info(self) -> DeviceInfo:
        return self._info if self._info is not None else self.hello()

    def infer(self, inputs: list[np.ndarray]) -> tuple[int, list[np.ndarray]]:
        """Run one inference on the device: (cycles, outputs)."""
        specs = self.info.inputs
        if len(inputs) != len(specs):
            raise PipelineError(f"the model takes {len(specs)} inputs, {len(inputs)} given")
        payload = b"".join(np.ascontiguousarray(x, dtype=s.dtype).reshape(s.shape).tobytes() for x, s in zip(inputs, specs))
        body = self._request(INFER, payload, RESULT)
        (cycles,) = struct.unpack_from("<Q", body, 0)
        outputs, pos = [], 8
        for s in self.info.outputs:
            outputs.append(np.frombuffer(body, dtype=s.dtype, count=int(np.prod(s.shape)), offset=pos).reshape(s.shape).copy())
            pos += s.nbytes
        if pos != len(body):
            raise PipelineError(f"the device sent {len(body) - 8} output bytes, the model has {pos - 8}; reflash the firmware for this model")
        return int(cycles), outputs
