"""The serial link under faults, against the simulated Pico through the fault-injecting proxy:
no silent corruption, bounded retries, a dead link and a hung device end in one clear line, a
reset is seen from the boot announcement and verify resumes from the sample it was on."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from pipeline.device.faults import FaultProxy, Faults
from pipeline.device.faultsoak import build, soak
from pipeline.device.protocol import Device
from pipeline.device.run import open_port
from pipeline.device.sim.rp2040 import Rp2040Sim
from pipeline.device.verify import verify
from pipeline.errors import PipelineError
from tests.conftest import reference_model

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def firmware(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    tflite = reference_model("hello_world_int8.tflite")
    out = tmp_path_factory.mktemp("linkfw")
    return tflite, build(tflite, "pico", out, Console(stderr=True, quiet=True))


def test_no_silent_corruption_under_heavy_faults(firmware: tuple[Path, dict[str, Path]]) -> None:
    tflite, fw = firmware
    faults = Faults(seed=7, drop=0.01, flip_bit=3e-4, dup=0.005, dup_chunk=0.03, delay=0.02, cut=5e-4)
    # At these rates the 131-byte INFO answer to HELLO arrives whole about 1 time in 10 (measured:
    # 25 of 38 attempts damaged in one run), so 30 s and 64 attempts lost HELLO in ~2% of runs
    # (1 of 47 seeds). What is tested is that nothing damaged is accepted, so every request gets
    # time for the ~10 attempts a whole answer takes, many times over.
    r = soak(tflite, "pico", fw, faults, 200, timeout_s=120.0, attempts=256)
    assert (r.verified, r.silent_corruptions) == (200, 0), r
    to_dev, to_host = r.proxy["to_device"], r.proxy["to_host"]
    assert to_dev["dropped"] and to_host["dropped"] and to_dev["flipped_bits"] and to_host["flipped_bits"], r.proxy
    assert to_dev["duplicated"] and to_host["duplicated"], r.proxy
    assert to_dev["duplicated_chunks"] and r.link["stale_frames"] > 0, r
    assert r.link["retries"] > 0 and r.link["damaged_frames"] > 0, r.link
    assert r.link["reconnects"] == to_dev["cuts"] + to_host["cuts"] > 0, r


def test_dead_link_ends_in_one_line_within_bounded_time(firmware: tuple[Path, dict[str, Path]]) -> None:
    _, fw = firmware
    with Rp2040Sim(fw[".bin"]) as sim, FaultProxy("127.0.0.1", sim.port or 0, Faults(seed=1)) as proxy, open_port(proxy.url) as port:
        device = Device(port, timeout_s=3.0)
        device.hello()
        device.infer([np.zeros((1, 1), dtype=np.int8)], what="sample 0")
        proxy.faults = Faults(seed=1, drop=1.0)  # the cable is pulled for good
        start = time.monotonic()
        with pytest.raises(PipelineError) as err:
            device.infer([np.zeros((1, 1), dtype=np.int8)], what="sample 1")
        assert time.monotonic() - start < 3.0 + 1.0
        assert "sample 1" in str(err.value) and "\n" not in str(err.value) and "link is dead" in str(err.value)


def _in_thread(fn) -> tuple[threading.Thread, list]:
    """Run fn in a thread; the list gets its result or the exception it raised."""
    box: list = []

    def run() -> None:
        try:
            box.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    return worker, box


def test_hung_device_ends_in_an_error_naming_the_sample(firmware: tuple[Path, dict[str, Path]]) -> None:
    tflite, fw = firmware
    with Rp2040Sim(fw[".bin"]) as sim, open_port(sim.url) as port:
        device = Device(port, timeout_s=3.0)
        worker, box = _in_thread(lambda: verify(device, tflite, None, 500, show_progress=False))
        while device.link.stats.requests < 10 and worker.is_alive():
            time.sleep(0.005)
        assert sim.pid is not None
        os.killpg(sim.pid, signal.SIGSTOP)  # the device stops answering, as an op that never returns
        try:
            start = time.monotonic()
            worker.join(timeout=30)
        finally:
            os.killpg(sim.pid, signal.SIGCONT)
        assert time.monotonic() - start < 3.0 + 1.5
        assert isinstance(box[0], PipelineError), box
        assert "sample " in str(box[0]) and "\n" not in str(box[0])


def test_reset_mid_run_is_reported_and_verify_resumes(firmware: tuple[Path, dict[str, Path]]) -> None:
    tflite, fw = firmware
    samples = 120
    first = Rp2040Sim(fw[".bin"]).__enter__()
    second: Rp2040Sim | None = None
    try:
        with FaultProxy("127.0.0.1", first.port or 0, Faults(seed=3)) as proxy, open_port(proxy.url) as port:
            device = Device(port, timeout_s=30.0)
            worker, result = _in_thread(lambda: verify(device, tflite, None, samples, show_progress=False))
            while device.link.stats.requests < 40 and worker.is_alive():
                time.sleep(0.01)
            first.stop()  # the board goes down mid-run ...
            second = Rp2040Sim(fw[".bin"]).__enter__()  # ... and boots again
            proxy.retarget("127.0.0.1", second.port or 0)
            worker.join(timeout=120)
            assert not worker.is_alive()
        r = result[0]
        assert (r.samples, r.bit_exact) == (samples, samples)
        report = r.to_json()
        assert report["resets"] == 1 and report["link"]["reset_during"][0].startswith("sample ")
    finally:
        first.stop()
        if second is not None:
            second.stop()
