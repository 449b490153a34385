"""Stage 9, verify: stream test inputs to the device and check every output against TFLM.

In: a live device (any pyserial URL), the `.tflite` it runs, and `data.npz` (or none: random int8
inputs). Out: `verify.json` — samples, byte-identical outputs, accuracy against the labels, and
latency from the device's own cycle counter.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from pipeline import interrupt
from pipeline.data import Dataset
from pipeline.errors import PipelineError
from pipeline.tflite.oracle import Oracle
from pipeline.device.float_compare import FloatPolicy, float_policy, ulp_diff
from pipeline.device.link import LinkStats
from pipeline.device.protocol import Device, DeviceInfo

DEFAULT_SAMPLE_CAP = 500
RANDOM_SEED = 0


@dataclass
class VerifyResult:
    samples: int
    bit_exact: int
    accuracy: float | None
    input_source: str
    cycles: list[int]
    mismatches: list[dict] = field(default_factory=list)
    device: DeviceInfo | None = None
    policy: FloatPolicy | None = None   # float32 outputs: how they are judged (None: int8 model)
    within_tolerance: int = 0           # samples whose float outputs are within policy.tolerance_ulp
    max_ulp: int = 0                    # largest difference seen on float outputs, in ULPs
    link: LinkStats | None = None

    @property
    def passed(self) -> bool:
        if self.policy is not None and self.policy.tolerance_ulp:
            return self.samples > 0 and self.within_tolerance == self.samples
        return self.samples > 0 and self.bit_exact == self.samples
    predictions: list[int] = field(default_factory=list)   # the device's argmax per sample (classifiers)
    labels: list[int] = field(default_factory=list)        # the data's label per sample (classifiers)

    @property
    def cycles_median(self) -> int:
        return int(statistics.median(self.cycles)) if self.cycles else 0

    def to_json(self) -> dict:
        return {
            "samples": self.samples,
            "bit_exact": self.bit_exact,
            "mismatched": self.samples - self.bit_exact,
            "accuracy": self.accuracy,
            "input_source": self.input_source,
            "first_mismatches": self.mismatches[:10],
            "passed": self.passed,
            "float": None if self.policy is None or not self.policy.float_outputs else {
                "compared": self.policy.describe(), "tolerance_ulp": self.policy.tolerance_ulp,
                "libm_ops": list(self.policy.libm_ops), "within_tolerance": self.within_tolerance,
                "max_ulp_diff": self.max_ulp},
            "device": self.device.to_json() if self.device else None,
            "link": self.link.to_json() if self.link else None,
            "resets": len(self.link.resets) if self.link else 0,
            "predictions": self.predictions,
            "labels": self.labels,
        }


def quantize_inputs(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    q = np.round(x / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


@dataclass(frozen=True)
class Samples:
    inputs: list[list[np.ndarray]]
    labels: np.ndarray | None
    source: str


def to_model_input(x: np.ndarray, spec) -> np.ndarray:
    """A float sample as the model takes it: quantized for int8 inputs, as is for float32."""
    if np.dtype(spec.dtype) == np.float32:
        return np.asarray(x, np.float32).reshape(spec.shape)
    return quantize_inputs(x, spec.scale, spec.zero_point).reshape(spec.shape)


def _random_input(rng: np.random.Generator, spec) -> np.ndarray:
    if np.dtype(spec.dtype) == np.float32:
        return rng.uniform(-1.0, 1.0, size=spec.shape).astype(np.float32)
    return rng.integers(-128, 128, size=spec.shape, dtype=np.int8)


def make_samples(oracle: Oracle, data: Dataset | None, count: int | None) -> Samples:
    if data is not None:
        if len(oracle.inputs) != 1:
            raise PipelineError(f"the model has {len(oracle.inputs)} inputs; data.npz feeds single-input models only, omit --data for random inputs")
        spec = oracle.inputs[0]
        n = min(len(data.x_test), count if count is not None else DEFAULT_SAMPLE_CAP)
        x = data.x_test[:n]
        if int(np.prod(x.shape[1:])) != int(np.prod(spec.shape)):
            raise PipelineError(f"data x_test samples have shape {x.shape[1:]}, the model input is {spec.shape}; give matching data")
        inputs = [[to_model_input(xi, spec)] for xi in x]
        return Samples(inputs, data.y_test[:n], f"data.npz x_test (first {n} of {len(data.x_test)})")
    n = count if count is not None else 100
    rng = np.random.default_rng(RANDOM_SEED)
    inputs = [[_random_input(rng, s) for s in oracle.inputs] for _ in range(n)]
    kind = ("random float32, uniform over [-1, 1)" if any(np.dtype(s.dtype) == np.float32 for s in oracle.inputs)
            else "random int8, uniform over [-128, 127]")
    return Samples(inputs, None, f"{kind} (seed {RANDOM_SEED}): the model came without data")


def check_identity(info: DeviceInfo, tflite: Path, oracle: Oracle) -> None:
    digest = hashlib.sha256(tflite.read_bytes()).hexdigest()
    if info.sha256 != digest:
        raise PipelineError(
            f"the device runs model {info.sha256[:12]}…, not {tflite.name} ({digest[:12]}…); flash the firmware built for this model"
        )
    dev_shapes = [t.shape for t in info.inputs], [t.shape for t in info.outputs]
    ref_shapes = [t.shape for t in oracle.inputs], [t.shape for t in oracle.outputs]
    if dev_shapes != ref_shapes:
        raise PipelineError(f"the device reports tensor shapes {dev_shapes}, the model has {ref_shapes}; rebuild the firmware")


def verify(device: Device, tflite: Path, data: Dataset | None, count: int | None, show_progress: bool = True) -> VerifyResult:
    oracle = Oracle(tflite)
    info = device.hello()
    check_identity(info, tflite, oracle)
    samples = make_samples(oracle, data, count)
    policy = float_policy(tflite)
    result = VerifyResult(samples=0, bit_exact=0, accuracy=None, input_source=samples.source, cycles=[], device=info,
                          policy=policy if policy.float_outputs else None, link=device.link.stats)
    correct = 0
    classifier = samples.labels is not None and int(np.prod(oracle.outputs[0].shape)) > 1
    columns = (TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TextColumn("bit-exact {task.fields[exact]}"), TimeRemainingColumn())
    with Progress(*columns, disable=not show_progress, transient=True) as progress:
        task = progress.add_task("verify", total=len(samples.inputs), exact=0)
        for i, inputs in enumerate(samples.inputs):
            interrupt.checkpoint()
            cycles, got = device.infer(inputs, what=f"sample {i}")
            want = oracle.invoke(inputs)
            same = all(g.tobytes() == w.astype(g.dtype).tobytes() for g, w in zip(got, want))
            result.samples += 1
            result.bit_exact += int(same)
            result.cycles.append(cycles)
            ulps = max((ulp_diff(g, w) for g, w in zip(got, want) if g.dtype == np.float32), default=0)
            result.max_ulp = max(result.max_ulp, ulps)
            result.within_tolerance += int(same or (policy.tolerance_ulp > 0 and ulps <= policy.tolerance_ulp
                                                    and all(g.dtype == np.float32 for g in got)))
            if not same:
                diff = max(float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))) for g, w in zip(got, want))
                result.mismatches.append({"sample": i, "max_abs_diff": diff if policy.float_outputs else int(diff),
                                          "max_ulp_diff": ulps})
            if classifier:
                result.predictions.append(int(np.argmax(got[0])))
                result.labels.append(int(samples.labels[i]))
                correct += int(result.predictions[-1] == result.labels[-1])
            progress.update(task, advance=1, exact=result.bit_exact)
    if classifier and result.samples:
        result.accuracy = correct / result.samples
    return result


def write_verify_json(result: VerifyResult, path: Path) -> Path:
    payload = result.to_json() | {"latency": {"cycles_median": result.cycles_median, "cycles": result.cycles}}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
