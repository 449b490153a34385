"""The fault soak: `verify` through the fault-injecting proxy (pipeline/device/faults.py) to the
simulated board, N INFER exchanges, then the figures: silent corruptions (accepted outputs that
differ from the TFLM oracle), samples verified, retries and what the proxy did to the bytes.

    python -m pipeline.device.faultsoak --model hello_world_int8.tflite --exchanges 10000
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from rich.console import Console

from pipeline.boards import load_board
from pipeline.device.faults import FaultProxy, Faults
from pipeline.device.protocol import Device
from pipeline.device.run import open_port, simulator_url
from pipeline.device.verify import verify
from pipeline.errors import PipelineError


@dataclass(frozen=True)
class SoakResult:
    exchanges: int
    verified: int
    silent_corruptions: int
    seconds: float
    link: dict
    proxy: dict

    def to_json(self) -> dict:
        return dict(vars(self))


def build(tflite: Path, board_id: str, out: Path, console: Console) -> dict[str, Path]:
    """The board's simulated firmware for `tflite` (the deploy stages compile..build)."""
    from pipeline.deploy import build_firmware

    return build_firmware(tflite, load_board(board_id), out, "eat", console).built.firmware


def soak(tflite: Path, board_id: str, firmware: dict[str, Path], faults: Faults, exchanges: int,
         timeout_s: float = 30.0, progress: bool = False, attempts: int = 64) -> SoakResult:
    board = load_board(board_id)
    with simulator_url(board, firmware) as url:
        u = urlparse(url)
        with FaultProxy(u.hostname or "127.0.0.1", int(u.port or 0), faults) as proxy, open_port(proxy.url) as port:
            device = Device(port, timeout_s=timeout_s, attempts=attempts)
            start = time.monotonic()
            done = threading.Event()
            if progress:  # one line a minute: a long soak is not silent
                threading.Thread(target=_report, args=(device, done, start), daemon=True).start()
            try:
                r = verify(device, tflite, None, exchanges, show_progress=False)
            finally:
                done.set()
            seconds = time.monotonic() - start
            counts = proxy.counts()
    return SoakResult(exchanges=exchanges, verified=r.samples, silent_corruptions=r.samples - r.bit_exact,
                      seconds=round(seconds, 1), link=r.link.to_json() if r.link else {}, proxy=counts)


def _report(device: Device, done: threading.Event, start: float) -> None:
    while not done.wait(60.0):
        st = device.link.stats
        print(f"soak: {time.monotonic() - start:.0f} s, {st.requests} requests, {st.retries} retries, "
              f"{st.damaged_frames} damaged, {st.stale_frames} stale", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.device.faultsoak", description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, required=True, help="an int8 .tflite (small: every exchange runs in the simulator)")
    p.add_argument("--board", default="pico")
    p.add_argument("--exchanges", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--drop", type=float, default=0.01, help="per-byte loss probability")
    p.add_argument("--flip", type=float, default=1e-4, help="per-bit flip probability")
    p.add_argument("--dup", type=float, default=0.001, help="per-byte duplication probability")
    p.add_argument("--dup-frame", type=float, default=0.01, help="per-chunk (about per-frame) duplication probability")
    p.add_argument("--delay", type=float, default=0.01, help="per-chunk probability of a delay up to 20 ms")
    p.add_argument("--cut", type=float, default=0.0, help="per-byte probability that the host's connection is cut")
    p.add_argument("--out", type=Path, default=Path("out/fault-soak"))
    p.add_argument("--json", type=Path, help="also write the figures here")
    a = p.parse_args(argv)
    console = Console(stderr=True)
    try:
        if a.exchanges <= 0:
            raise PipelineError(f"--exchanges {a.exchanges}: give a positive number")
        if not a.model.is_file():
            raise PipelineError(f"--model {a.model} not found; give an int8 .tflite")
        firmware = build(a.model, a.board, a.out.resolve(), console)
        faults = Faults(seed=a.seed, drop=a.drop, flip_bit=a.flip, dup=a.dup, dup_chunk=a.dup_frame, delay=a.delay, cut=a.cut)
        console.print(f"soak: {a.exchanges} INFER exchanges through {faults}")
        r = soak(a.model, a.board, firmware, faults, a.exchanges, progress=True)
    except PipelineError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    figures = {"model": a.model.name, "board": a.board, "faults": vars(faults), **r.to_json()}
    print(json.dumps(figures, indent=2))
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = r.silent_corruptions == 0 and r.verified == r.exchanges
    console.print(f"{'PASS' if ok else 'FAIL'}: {r.verified}/{r.exchanges} verified, {r.silent_corruptions} silent corruptions, "
                  f"{r.link.get('retries')} retries, {r.seconds} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
