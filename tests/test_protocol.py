"""The serial protocol on pyserial's real loopback port (loop://): framing, CRC, resync."""

from __future__ import annotations

import struct
import threading
import zlib

import numpy as np
import pytest
import serial

from pipeline.errors import PipelineError
from pipeline.device.protocol import INFO, INFO_MAX_PAYLOAD, Device, FrameReader, encode_frame, parse_info


def loop() -> serial.SerialBase:
    return serial.serial_for_url("loop://", timeout=0.05)


def test_frame_roundtrip_and_crc_is_zlib() -> None:
    frame = encode_frame(0x02, b"\x01\x02\x03")
    assert frame[:2] == b"ET"
    assert struct.unpack("<BBH", frame[2:6]) == (0x02, 0, 3)
    assert struct.unpack("<I", frame[-4:])[0] == zlib.crc32(frame[2:-4])
    port = loop()
    port.write(frame)
    assert FrameReader(port, 1.0).read_frame() == (0x02, b"\x01\x02\x03")


def test_reader_skips_garbage_and_corrupt_frames() -> None:
    port = loop()
    bad = bytearray(encode_frame(0x82, b"corrupt"))
    bad[6] ^= 0xFF  # flip a payload byte: the CRC no longer matches
    port.write(b"\x00E\x13garbage" + bytes(bad) + encode_frame(0x82, b"good"))
    assert FrameReader(port, 1.0).read_frame() == (0x82, b"good")


def test_reader_times_out_with_a_clear_error() -> None:
    with pytest.raises(PipelineError, match="no answer from the device"):
        FrameReader(loop(), 0.2).read_frame()


def test_oversized_payload_is_refused() -> None:
    with pytest.raises(PipelineError, match="exceeds"):
        encode_frame(0x02, bytes(70000))


def test_parse_info() -> None:
    def s(text: str) -> bytes:
        return bytes([len(text)]) + text.encode()

    tensor = struct.pack("<BB4i", 1, 4, 1, 8, 8, 1) + struct.pack("<fi", 0.5, -128)
    out = struct.pack("<BB2i", 1, 2, 1, 10) + struct.pack("<fi", 1 / 256, -128)
    payload = struct.pack("<BII", 1, 125_000_000, 4096) + s("pico") + s("eat") + s("ab" * 32)
    payload += b"\x01" + tensor + b"\x01" + out
    info = parse_info(payload)
    assert (info.cpu_hz, info.arena_bytes, info.board, info.engine) == (125_000_000, 4096, "pico", "eat")
    assert info.inputs[0].shape == (1, 8, 8, 1) and info.inputs[0].zero_point == -128
    assert info.outputs[0].nbytes == 10 and info.outputs[0].dtype == np.int8
    with pytest.raises(PipelineError, match="truncated"):
        parse_info(payload[:-3])


def test_feed_counts_whole_frames_in_a_watched_stream() -> None:
    """The labwired bridge counts requests and answers with feed(): frames split anywhere, zero
    padding before a retry and a payload that contains the sync bytes count once each."""
    a = encode_frame(2, b"ET" + bytes(range(40)), seq=1)
    b = encode_frame(2, b"x" * 7, seq=2)
    stream = bytes(8) + a + bytes(len(b)) + b
    reader = FrameReader(None, 0.0)   # type: ignore[arg-type]  # fed, never read
    seen = []
    for i in range(0, len(stream), 5):
        seen += reader.feed(stream[i:i + 5])
    assert [(f.seq, len(f.payload)) for f in seen] == [(1, 42), (2, 7)]
    assert reader.feed(a[:-1]) == [] and len(reader.feed(a[-1:])) == 1


def test_the_longest_info_passes_the_readers_limit() -> None:
    """A model of 255 inputs and 255 outputs of 6 dimensions and 255-character names: its INFO (the
    firmware's put_info) is read whole under the limit Device sets before HELLO (4096 B before: a model of
    ~80 single-op inputs and outputs hung at HELLO with "an answer stopped half-way")."""
    tensor = struct.pack("<BB6i", 1, 6, 1, 2, 3, 4, 5, 6) + struct.pack("<fi", 0.5, -128)
    name = bytes([255]) + b"x" * 255
    payload = struct.pack("<BII", 1, 125_000_000, 4096) + name * 3
    payload += b"\xff" + tensor * 255 + b"\xff" + tensor * 255
    assert len(payload) == INFO_MAX_PAYLOAD
    port = loop()
    writer = threading.Thread(target=port.write, args=(encode_frame(INFO, payload),))   # loop:// holds 4 KB
    writer.start()
    kind, body = Device(port, timeout_s=2.0).reader.read_frame()   # the limit Device reads HELLO's answer with
    writer.join()
    assert kind == INFO and len(parse_info(body).inputs) == 255
