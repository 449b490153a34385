"""Synthetic report.json documents for the report tests: every section filled (including the fields
other branches add: profile, sparsity, float tolerance, TFLM bench columns), and nearly empty ones."""

from __future__ import annotations

import copy

OPS = [("CONV_2D", "digits_cnn/conv1/Relu", [1, 8, 8, 16], 9216, 144), ("MAX_POOL_2D", "digits_cnn/pool1/MaxPool", [1, 4, 4, 16], 0, 0),
       ("CONV_2D", "digits_cnn/conv2/Relu", [1, 2, 2, 32], 18432, 4608), ("RESHAPE", "digits_cnn/flatten/Reshape", [1, 128], 0, 0),
       ("FULLY_CONNECTED", "digits_cnn/dense1/Relu", [1, 64], 8192, 8192), ("FULLY_CONNECTED", "digits_cnn/probs/MatMul", [1, 10], 640, 640),
       ("SOFTMAX", "Identity", [1, 10], 0, 0)]


def _layers() -> list[dict]:
    return [{"index": i, "name": n, "op": op, "kernel": None if op == "RESHAPE" else f"eat_{op.lower()}_s8", "output_shape": s, "macs": m,
             "weights_dense_bytes": w, "weights_stored_bytes": w, "weights_format": "dense" if w else None,
             "weights_zero_fraction": 0.8 if w else None} for i, (op, n, s, m, w) in enumerate(OPS)]


def _arena() -> dict:
    return {"arena_bytes": 2048, "naive_bytes": 3400, "ops": [f"{op} {n}" for op, n, *_ in OPS], "buffers": [
        {"label": "serving_default_image:0", "tensors": ["serving_default_image:0"], "offset": 1024, "size": 64, "first_op": 0, "last_op": 0},
        {"label": "digits_cnn/conv1/Relu", "tensors": ["digits_cnn/conv1/Relu"], "offset": 0, "size": 1024, "first_op": 0, "last_op": 1},
        {"label": "digits_cnn/pool1/MaxPool", "tensors": ["digits_cnn/pool1/MaxPool"], "offset": 1024, "size": 256, "first_op": 1, "last_op": 2},
        {"label": "digits_cnn/conv2/Relu", "tensors": ["digits_cnn/conv2/Relu", "digits_cnn/flatten/Reshape"], "offset": 0, "size": 128, "first_op": 2, "last_op": 4},
        {"label": "digits_cnn/dense1/Relu", "tensors": ["digits_cnn/dense1/Relu"], "offset": 128, "size": 64, "first_op": 4, "last_op": 5},
        {"label": "digits_cnn/probs/MatMul", "tensors": ["digits_cnn/probs/MatMul", "Identity"], "offset": 0, "size": 10, "first_op": 5, "last_op": 6},
    ]}


def full_deploy_report() -> dict:
    """A deploy report with every section the report can show, including other helpers' fields."""
    labels = [i % 10 for i in range(120)]
    preds = [(l + 1) % 10 if i % 17 == 0 else l for i, l in enumerate(labels)]
    return {
        "board": {"id": "pico", "name": "Raspberry Pi Pico", "core": "cortex-m0plus", "clock_hz": 125_000_000},
        "engine": "eat", "target": "simulator rp2040js",
        "model": {"name": "digits CNN (built-in example)", "float_accuracy": 0.975, "sha256": "ab" * 32},
        "prune": {"float_accuracy": 0.975, "pruned_accuracy": 0.961, "layers": [{"layer": "conv1", "zero_fraction": 0.8}]},
        "compile": {"arena_bytes": 2048, "weights_bytes": 14_000, "macs": 36_480, "ops": 7, "layers": _layers()},
        "arena": _arena(),
        "memory": {"flash_bytes": 40_000, "ram_bytes": 6_000, "arena_bytes": 2048, "weights_bytes": 14_000,
                   "flash_budget_bytes": 2_097_152, "ram_budget_bytes": 270_336},
        "verify": {"samples": 120, "bit_exact": 118, "mismatched": 2, "accuracy": 0.95, "input_source": "data.npz x_test (first 120 of 360)",
                   "first_mismatches": [{"sample": 7, "max_abs_diff": 1}, {"sample": 33, "max_abs_diff": 2}],
                   "predictions": preds, "labels": labels},
        "latency": {"cycles_median": 1_560_000, "cycles_min": 1_550_000, "cycles_max": 1_570_000, "ms_median": 12.48, "clock_hz": 125_000_000,
                    "source": "SysTick"},
        "profile": {"layers": [{"name": n, "op": op, "macs": m, "cycles": c} for (op, n, _, m, _), c in
                               zip(OPS, (400_000, 90_000, 700_000, 0, 300_000, 30_000, 40_000))]},
        "sparsity": {"flash_saved_bytes": 9_100, "weight_bytes_saved": 5_292, "firmware_flash_saved_bytes": 9_480,
                     "cycles_ratio": 0.38, "layers": [
            {"name": "digits_cnn/dense1/Relu", "encoding": "csr-u8", "dense_bytes": 8192, "stored_bytes": 2_900, "sparsity": 0.8,
             "reason": "cost model: 0.35x dense cycles"}]},
    }


def minimal_deploy_report() -> dict:
    """What an older or partial run holds: the verdict only (no layers, arena, labels or profile)."""
    r = full_deploy_report()
    for key in ("compile", "arena", "profile", "sparsity", "prune"):
        r.pop(key)
    r["model"].pop("float_accuracy")
    r["verify"] = {"samples": 100, "bit_exact": 100, "accuracy": None, "first_mismatches": [],
                   "input_source": "random int8, uniform over [-128, 127] (seed 0): the model came without data"}
    return r


def float_deploy_report() -> dict:
    r = copy.deepcopy(full_deploy_report())
    r["verify"]["tolerance"] = "4 ULP"
    return r


def bench_report(with_tflm: bool = True) -> dict:
    models = []
    for name, macs, cycles, ref, cmsis in (("ad01_int8", 264_192, 4_838_199, 4_284_022, 2_359_766),
                                           ("kws_ref_model", 2_664_816, 83_031_574, 97_043_846, 39_479_585)):
        m = {"name": name, "macs": macs, "arena_bytes": 768, "tflm_arena_bytes": 2260, "tflm_wheel_arena_bytes": 3000,
             "flash_bytes": 276_288, "cycles": cycles, "cycles_per_mac": round(cycles / macs, 3), "bit_exact": "3/3"}
        if with_tflm:
            m |= {"tflm_ref_cycles": ref, "tflm_cmsis_cycles": cmsis, "ratio_vs_tflm_cmsis": round(cycles / cmsis, 3), "cycles_unit": "cycles",
                  "layers": [{"name": f"{name}/fc{i}", "op": "FULLY_CONNECTED", "macs": macs // 4, "cycles": cycles // 4} for i in range(4)]}
        models.append(m)
    return {"board": "pico", "models": models}
