"""A seeded fault-injecting TCP proxy between the host and a device's socket (a simulator's UART):
drops, duplicates, delays and flips bytes, and cuts the host's connection, to test the link.

    with FaultProxy("127.0.0.1", sim_port, Faults(seed=1, drop=0.01, flip_bit=1e-4)) as proxy:
        port = serial.serial_for_url(proxy.url)

The upstream connection (the device) outlives cuts: a cut closes the host's side only, as when a
USB-serial adapter is pulled; the host opens the URL again. `retarget` points the proxy at a new
upstream (a simulator restarted after a reset) without the host noticing anything but the bytes.
"""

from __future__ import annotations

import random
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

CHUNK = 4096


@dataclass(frozen=True)
class Faults:
    """Per-byte probabilities (flip: per bit), applied in both directions, each with its own RNG."""

    seed: int = 0
    drop: float = 0.0         # a byte vanishes
    dup: float = 0.0          # a byte arrives twice
    dup_chunk: float = 0.0    # a whole chunk (typically one frame) arrives twice
    flip_bit: float = 0.0     # a bit inverts
    delay: float = 0.0        # a chunk waits up to delay_max_s before going on
    delay_max_s: float = 0.02
    cut: float = 0.0          # after a byte, the host's connection is closed


@dataclass
class FaultCounts:
    bytes: int = 0
    dropped: int = 0
    duplicated: int = 0
    duplicated_chunks: int = 0
    flipped_bits: int = 0
    delays: int = 0
    cuts: int = 0

    def to_json(self) -> dict:
        return dict(vars(self))


@dataclass
class _Direction:
    rng: random.Random
    counts: FaultCounts = field(default_factory=FaultCounts)


def damage(data: bytes, faults: Faults, d: _Direction) -> tuple[bytes, bool]:
    """`data` after the byte faults, and whether the connection is to be cut after it."""
    out = bytearray()
    rng, c = d.rng, d.counts
    for b in data:
        c.bytes += 1
        if faults.cut and rng.random() < faults.cut:
            c.cuts += 1
            return bytes(out), True
        if faults.drop and rng.random() < faults.drop:
            c.dropped += 1
            continue
        if faults.flip_bit:
            for bit in range(8):
                if rng.random() < faults.flip_bit:
                    b ^= 1 << bit
                    c.flipped_bits += 1
        out.append(b)
        if faults.dup and rng.random() < faults.dup:
            c.duplicated += 1
            out.append(b)
    return bytes(out), False


class FaultProxy:
    """Listens on 127.0.0.1 (one host at a time) and forwards to `upstream`, damaging the bytes."""

    def __init__(self, host: str, port: int, faults: Faults) -> None:
        self.faults = faults
        self.to_device = _Direction(random.Random(f"{faults.seed}:to-device"))
        self.to_host = _Direction(random.Random(f"{faults.seed}:to-host"))
        self._upstream_addr = (host, port)
        self._lock = threading.Lock()
        self._upstream: socket.socket | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fault-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def counts(self) -> dict:
        return {"to_device": self.to_device.counts.to_json(), "to_host": self.to_host.counts.to_json()}

    def __enter__(self) -> Self:
        self._upstream = socket.create_connection(self._upstream_addr, timeout=10)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            if self._upstream is not None:
                self._upstream.close()

    def retarget(self, host: str, port: int) -> None:
        """Forward to a new upstream from now on (the old one is closed)."""
        new = socket.create_connection((host, port), timeout=10)
        with self._lock:
            old, self._upstream = self._upstream, new
        if old is not None:
            old.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.1)
            if not ready:
                continue
            client, _ = self._listener.accept()
            with client:
                self._pump(client)

    def _pump(self, client: socket.socket) -> None:
        """Forward both ways until the host leaves, a cut, or stop."""
        while not self._stop.is_set():
            with self._lock:
                up = self._upstream
            if up is None:
                return
            try:
                ready, _, _ = select.select([client, up], [], [], 0.05)
            except (OSError, ValueError):  # the upstream was closed by retarget
                continue
            for sock in ready:
                src, dst, d = (client, up, self.to_device) if sock is client else (up, client, self.to_host)
                try:
                    data = sock.recv(CHUNK)
                except OSError:
                    data = b""
                if not data:
                    if sock is client:
                        return  # the host closed its side
                    time.sleep(0.05)  # the device went away: wait for retarget
                    continue
                out, cut = damage(data, self.faults, d)
                if self.faults.dup_chunk and d.rng.random() < self.faults.dup_chunk:
                    d.counts.duplicated_chunks += 1
                    out += out
                if self.faults.delay and d.rng.random() < self.faults.delay:
                    d.counts.delays += 1
                    time.sleep(d.rng.random() * self.faults.delay_max_s)
                try:
                    dst.sendall(out)
                except OSError:
                    pass
                if cut:
                    return
