"""Random inputs for float (and float/int8) models: spans of magnitude, with exact and negative zeros."""

from __future__ import annotations

import numpy as np

import tests.test_kernels_helpers  # noqa: F401  (puts the repo root on sys.path)


def random_input(rng: np.random.Generator, shape, dtype, span: float) -> np.ndarray:
    if np.dtype(dtype) == np.int8:
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    x = rng.uniform(-span, span, size=shape).astype(np.float32)
    x[rng.random(size=shape) < 0.05] = 0.0      # exact zeros and negative zeros exercise signs
    x[rng.random(size=shape) < 0.02] = -0.0
    return x
