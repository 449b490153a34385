"""Comparing float32 outputs with the oracle: distance in ULPs, and the tolerance a model is held to.

Float kernels repeat TFLM's float reference arithmetic step for step, so most float models match
byte for byte. Only C library functions differ between TFLM's build (glibc on the host) and a
device's libc (newlib, picolibc): exp in SOFTMAX and LOGISTIC, tanhf in TANH. A model that uses
them is held to LIBM_ULP_TOLERANCE instead of byte equality, and verify reports the largest
difference it saw (and how many samples were byte-identical all the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

LIBM_OPS = ("SOFTMAX", "LOGISTIC", "TANH")
LIBM_ULP_TOLERANCE = 2   # the largest difference measured on the tests' models is 1 (README, float models)


def ulp_diff(a: np.ndarray, b: np.ndarray) -> int:
    """The largest distance, in units in the last place, between two float32 arrays (0 = same bits).
    NaN against anything but the same NaN bits counts as 2**32."""
    x = np.ascontiguousarray(a, dtype=np.float32).reshape(-1).view(np.int32).astype(np.int64)
    y = np.ascontiguousarray(b, dtype=np.float32).reshape(-1).view(np.int32).astype(np.int64)
    if x.size == 0:
        return 0
    ox = np.where(x < 0, -(1 << 31) - x, x)   # order-preserving map of the bit patterns (-0 == +0)
    oy = np.where(y < 0, -(1 << 31) - y, y)
    d = np.abs(ox - oy)
    nan = np.isnan(np.asarray(a, np.float32).reshape(-1)) | np.isnan(np.asarray(b, np.float32).reshape(-1))
    d = np.where(nan & (x != y), 1 << 32, d)
    return int(d.max())


@dataclass(frozen=True)
class FloatPolicy:
    """How the outputs of one model are judged: byte equality, or within `tolerance_ulp`."""

    float_outputs: bool
    libm_ops: tuple[str, ...]

    @property
    def tolerance_ulp(self) -> int:
        return LIBM_ULP_TOLERANCE if self.float_outputs and self.libm_ops else 0

    def describe(self) -> str:
        if not self.tolerance_ulp:
            return "bit-exact"
        return f"within {self.tolerance_ulp} ULP ({'/'.join(self.libm_ops)} call the C library's expf/tanhf)"


def float_policy(tflite: Path) -> FloatPolicy:
    from pipeline.tflite.model import load

    model = load(Path(tflite))
    float_out = any(model.tensors[t].dtype == "float32" for t in model.outputs)
    ops = sorted({op.opcode for op in model.operators if op.opcode in LIBM_OPS
                  and any(model.tensors[t].dtype == "float32" for t in op.outputs)})
    return FloatPolicy(float_out, tuple(ops))
