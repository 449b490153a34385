"""The link's retry timing without a device: an untimed HELLO waits its own short time, not half
the request's, and an attempt's wait grows only after attempts that heard nothing."""

from __future__ import annotations

import time

from pipeline.device.link import BACKOFF, Link
from pipeline.device.protocol import HELLO, INFER, INFO, encode_frame
from pipeline.errors import PipelineError


class _HalfAnswers:
    """A port that answers its first `damaged` requests with the first half of an INFO frame (its
    tail lost), and nothing after."""

    def __init__(self, damaged: int = 1 << 30) -> None:
        self.writes: list[float] = []
        self.damaged = damaged
        self._out = b""

    def write(self, data: bytes) -> int:
        self.writes.append(time.monotonic())
        if len(self.writes) <= self.damaged:
            whole = encode_frame(INFO, bytes(40), 1)
            self._out += whole[: len(whole) // 2]
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if not self._out:
            time.sleep(0.005)
            return b""
        chunk, self._out = self._out[:size], self._out[size:]
        return chunk


def test_untimed_wait_is_the_requests_own_or_half_the_time() -> None:
    link = Link(_HalfAnswers(), timeout_s=30.0)
    assert link._attempt_s(HELLO, 0, 2.0) == 2.0
    assert link._attempt_s(INFER, 0) == 15.0
    assert link._attempt_s(HELLO, 2, 2.0) == 2.0 * BACKOFF**2


def test_damaged_answers_do_not_grow_the_wait_of_a_silent_attempt() -> None:
    port = _HalfAnswers(damaged=5)  # five attempts hear half an answer, then the device is silent
    link = Link(port, timeout_s=6.0, attempts=20)
    try:
        link.request(HELLO, b"", INFO, "HELLO", first_wait_s=2.0)
    except PipelineError as exc:
        assert "(no answer)" in str(exc)
    else:
        raise AssertionError("a half frame was taken for an answer")
    # the five damaged answers are retried at once; the silent attempts then wait 2 s and 3 s
    # (growing by BACKOFF only after silence): a seventh attempt goes out well inside the 6 s.
    # Growing after every attempt, the sixth would have waited 2 x 1.5^5 = 15 s.
    assert len(port.writes) >= 7
