"""One request, one answer, over a link that may drop, duplicate, delay or flip bytes, cut the
connection or reset the device: a new seq per attempt, bounded retries, boot announcements seen."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.device.protocol import BOOT, ERR_CRC, ERR_LENGTH, ERR_UNKNOWN, ERROR, FrameReader, Port, encode_frame
from pipeline.errors import PipelineError

#: device errors that say "the request arrived damaged": answered by sending it again
TRANSPORT_ERRORS = {ERR_CRC: "CRC mismatch", ERR_LENGTH: "bad length", ERR_UNKNOWN: "unknown type"}
DEFAULT_ATTEMPTS = 32
FIRST_ATTEMPT_S = 1.0  # at least; before any answer of this kind was timed, half the request's time (a slow model)
#                        unless the request names its own first wait (an answer that runs no inference)
MIN_ATTEMPT_S = 0.1  # never give an attempt less than this before sending it again
RTT_MARGIN = 4.0     # an attempt waits the smoothed answer time + this many times its variation (>= RTT_SLACK_S)
RTT_SLACK_S = 0.05
BACKOFF = 1.5        # each attempt of one request after one that heard nothing waits this much longer
IDLE_S = 0.3         # a frame begun, then silent this long (and 2 x the slowest answer): send again (a loaded simulator pauses ~0.1 s)
READ_SLICE_S = 0.02  # the port's read timeout: how often a wait looks at its deadline
RECONNECT_PAUSE_S = 0.05
NO_ANSWER = "no answer"  # an attempt's wait ended with nothing heard


@dataclass
class LinkStats:
    """What the link went through; verify.json reports it."""

    requests: int = 0
    retries: int = 0          # attempts beyond the first
    damaged_frames: int = 0   # dropped by the host for a bad CRC or impossible length
    stale_frames: int = 0     # good frames answering an earlier attempt (duplicates, late answers)
    device_errors: int = 0    # ERROR frames saying a request arrived damaged
    reconnects: int = 0       # the connection was cut and opened again
    resets: list[str] = field(default_factory=list)  # the request in flight at each boot announcement

    def to_json(self) -> dict:
        return {
            "requests": self.requests, "retries": self.retries, "damaged_frames": self.damaged_frames,
            "stale_frames": self.stale_frames, "device_errors": self.device_errors,
            "reconnects": self.reconnects, "resets": len(self.resets), "reset_during": list(self.resets),
        }


class Link:
    """`request(kind, payload, expect, what)` -> the answer's payload, or one PipelineError line
    within `timeout_s` (dead link, hung device) naming `what` was being asked."""

    def __init__(self, port: Port, timeout_s: float = 30.0, attempts: int = DEFAULT_ATTEMPTS) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.reader = FrameReader(port, timeout_s)
        if getattr(port, "timeout", None) is not None:
            port.timeout = READ_SLICE_S  # type: ignore[attr-defined]  # pyserial: a short blocking read
        self.stats = LinkStats()
        self.on_reset: Callable[[bytes], None] | None = None  # called with a mid-run BOOT's payload
        self._seq = 0
        self._rtt: dict[int, tuple[float, float]] = {}  # kind -> smoothed answer time, its variation
        self._answered = False  # a BOOT before the first answer is the start-up one, not a reset
        self.pad_bytes = 0  # the longest request the device accepts, framed (set once it is known)

    def _next_seq(self) -> int:
        self._seq = self._seq % 255 + 1  # 1..255: 0 is BOOT's
        return self._seq

    def _attempt_s(self, kind: int, silent: int, first_wait_s: float | None = None) -> float:
        """How long an attempt waits: from the smoothed answer time and its variation (as TCP
        does, RFC 6298), growing by BACKOFF with each earlier attempt of this request that timed
        out hearing nothing (`silent`); one that heard a damaged answer does not grow it. Before the first
        timed answer: `first_wait_s` if given, else half the request's time."""
        est = self._rtt.get(kind)
        untimed = max(FIRST_ATTEMPT_S, self.timeout_s / 2) if first_wait_s is None else first_wait_s
        first = untimed if est is None else max(MIN_ATTEMPT_S, est[0] + max(RTT_SLACK_S, RTT_MARGIN * est[1]))
        return first * BACKOFF ** silent

    def _idle_s(self, kind: int) -> float:
        est = self._rtt.get(kind)
        return IDLE_S if est is None else max(IDLE_S, 2 * est[0])

    def _measured(self, kind: int, rtt: float) -> None:
        est = self._rtt.get(kind)
        if est is None:
            self._rtt[kind] = (rtt, rtt / 2)
        else:
            srtt, var = est
            self._rtt[kind] = (0.875 * srtt + 0.125 * rtt, 0.75 * var + 0.25 * abs(srtt - rtt))

    def request(self, kind: int, payload: bytes, expect: int, what: str, first_wait_s: float | None = None) -> bytes:
        """Every attempt of this request has its own seq; an answer to any of them (they all carry
        the same payload) is this request's, an answer with any other seq is stale. `first_wait_s`:
        how long an untimed first attempt waits when the answer runs no inference (HELLO), so a
        lost request does not cost half the request's time."""
        self.stats.requests += 1
        start = time.monotonic()
        deadline = start + self.timeout_s
        sent: dict[int, float] = {}  # seq of each attempt -> when it went out
        last = NO_ANSWER
        attempt = silent = 0
        while attempt < self.attempts and time.monotonic() < deadline:
            if attempt:
                self.stats.retries += 1
            attempt += 1
            seq = self._next_seq()
            frame = encode_frame(kind, payload, seq)
            # From the second attempt on, zeros first: they complete a frame the device was left
            # reading half-way (a lost byte), and hold no sync, so the device then finds ours.
            pad = bytes(max(len(frame), self.pad_bytes)) if attempt > 1 else b""
            sent[seq] = time.monotonic()
            if not self._send(pad + frame, deadline):
                last = "the connection was cut"
                continue
            answer, last = self._await(sent, seq, expect, min(deadline, sent[seq] + self._attempt_s(kind, silent, first_wait_s)), what,
                                       self._idle_s(kind))
            if answer is not None:
                got_seq, body = answer
                self._measured(kind, time.monotonic() - sent[got_seq])
                self._answered = True
                return body
            silent += last == NO_ANSWER
        self.stats.damaged_frames = self.reader.damaged
        raise PipelineError(
            f"no valid answer from the device to {what} after {attempt} attempts in {time.monotonic() - start:.1f} s ({last}); "
            "the link is dead, too noisy or the device hangs: check the cable, --port and that the firmware runs"
        )

    def _send(self, data: bytes, deadline: float) -> bool:
        try:
            self.port.write(data)
            return True
        except OSError:
            self._reconnect(deadline)
            return False

    def _await(self, sent: dict[int, float], seq: int, expect: int, until: float, what: str,
               idle_s: float) -> tuple[tuple[int, bytes] | None, str]:
        """Frames until an answer to one of `sent` (returned with its seq), or why not by `until`;
        `seq` is the latest attempt: a device error about it means send again at once."""
        while True:
            try:
                frame = self.reader.next_frame(until, idle_s)
            except OSError:
                self._reconnect(until)
                return None, "the connection was cut"
            self.stats.damaged_frames = self.reader.damaged
            if frame is None and self.reader.stalled:
                return None, "an answer stopped half-way"  # likely lost bytes: send again now
            if frame is None:
                return None, NO_ANSWER
            if frame.kind == BOOT:
                if not self._answered:
                    continue  # the start-up announcement
                self.stats.resets.append(what)
                if self.on_reset is not None:
                    self.on_reset(frame.payload)
                return None, "the device reset"  # what was in flight died with it: send again now
            if frame.seq not in sent:
                self.stats.stale_frames += 1
                continue
            if frame.kind == ERROR:
                code = frame.payload[0] if frame.payload else 0
                text = frame.payload[1:].decode("ascii", "replace")
                if code not in TRANSPORT_ERRORS:
                    raise PipelineError(f"the device answered {what} with error {code}: {text}")
                self.stats.device_errors += 1
                if frame.seq == seq:
                    return None, f"the device said: {text}"
                continue  # about an earlier attempt: the latest may still arrive whole
            if frame.kind != expect:
                raise PipelineError(f"the device answered frame type 0x{frame.kind:02x} where 0x{expect:02x} was due; is another program using the port?")
            return (frame.seq, frame.payload), ""

    def _reconnect(self, deadline: float) -> None:
        """The connection was cut: open the same port again (a USB adapter replugged, a socket)."""
        self.reader.discard()
        close, open_ = getattr(self.port, "close", None), getattr(self.port, "open", None)
        if close is None or open_ is None:
            return
        while time.monotonic() < deadline:
            try:
                close()
                open_()
                self.stats.reconnects += 1
                return
            except OSError:
                time.sleep(RECONNECT_PAUSE_S)
