"""Running a float (or float/int8) model through our compiled C on the host and through TFLM."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tests.test_kernels_helpers  # noqa: F401  (puts the repo root on sys.path)


def random_input(rng: np.random.Generator, shape, dtype, span: float) -> np.ndarray:
    if np.dtype(dtype) == np.int8:
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    x = rng.uniform(-span, span, size=shape).astype(np.float32)
    x[rng.random(size=shape) < 0.05] = 0.0      # exact zeros and negative zeros exercise signs
    x[rng.random(size=shape) < 0.02] = -0.0
    return x


def host_vs_oracle(buf: bytes, tmp_path: Path, n: int = 12, seed: int = 0, spans=(0.5, 4.0, 40.0)) -> dict:
    """Compile `buf`, run it on the host and in TFLM on `n` random inputs per span; return the
    number of byte-identical results and the largest ULP difference."""
    from pipeline.compiler.compile import compile_model
    from pipeline.device.float_compare import ulp_diff
    from pipeline.device.hostrun import HostModel
    from pipeline.tflite.oracle import Oracle

    tmp_path.mkdir(parents=True, exist_ok=True)
    tfl = tmp_path / "m.tflite"
    tfl.write_bytes(buf)
    result = compile_model(tfl, tmp_path / "out")
    host, oracle = HostModel(tmp_path / "out"), Oracle(buf)
    rng = np.random.default_rng(seed)
    exact, cases, worst = 0, 0, 0
    first_bad = None
    for span in spans:
        for _ in range(n):
            xs = [random_input(rng, d.shape, d.dtype, span) for d in oracle.inputs]
            ours, ref = host.invoke(xs), oracle.invoke(xs)
            same = all(a.reshape(-1).tobytes() == np.asarray(b, a.dtype).reshape(-1).tobytes() for a, b in zip(ours, ref))
            exact += int(same)
            cases += 1
            worst = max([worst] + [ulp_diff(a, b) for a, b in zip(ours, ref) if a.dtype == np.float32])
            if not same and first_bad is None:
                first_bad = (span, [a.reshape(-1)[:6].tolist() for a in ours], [np.asarray(b).reshape(-1)[:6].tolist() for b in ref])
    return {"ops": [o.opcode for o in result.ops], "exact": exact, "cases": cases, "max_ulp": worst,
            "first_bad": first_bad, "result": result}
