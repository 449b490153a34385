"""Pruning methods: the zero pattern is what each method says (numpy patterns, one-shot .tflite
pruning, the Keras masked fine-tuning), and a one-shot-pruned reference model stays bit-exact."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.tflite.prune_patterns import BLOCK, prune_array

OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")
SHAPES = {"FULLY_CONNECTED": (12, 40), "CONV_2D": (6, 3, 3, 12), "DEPTHWISE_CONV_2D": (1, 3, 3, 10)}


def _rows(w: np.ndarray, opcode: str) -> np.ndarray:
    return w.reshape(-1, w.shape[-1]).T if opcode == "DEPTHWISE_CONV_2D" else w.reshape(w.shape[0], -1)


@pytest.mark.parametrize("opcode", OPS)
def test_magnitude_zeros_smallest_per_output_channel(opcode):
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, size=SHAPES[opcode]).astype(np.int8)
    p = prune_array(w, opcode, "magnitude", 0.8)
    for r0, r1 in zip(_rows(w, opcode), _rows(p, opcode)):
        k = int(round(0.8 * r0.size))
        assert np.count_nonzero(r1 == 0) >= k
        kept = np.abs(r0[r1 != 0].astype(int))
        dropped = np.abs(r0[r1 == 0].astype(int))
        assert kept.size == 0 or dropped.size == 0 or kept.min() >= dropped.max()
        assert np.array_equal(r1[r1 != 0], r0[r1 != 0])   # survivors unchanged


@pytest.mark.parametrize("method", ["2:4", "1:4", "2:8"])
@pytest.mark.parametrize("opcode", ["FULLY_CONNECTED", "CONV_2D"])
def test_n_m_along_input_depth(method, opcode):
    n, m = (int(x) for x in method.split(":"))
    rng = np.random.default_rng(1)
    w = np.where(rng.integers(-127, 128, size=SHAPES[opcode]) == 0, 1, rng.integers(-127, 128, size=SHAPES[opcode]))
    w = w.astype(np.int8)
    p = prune_array(w, opcode, method, 0.0)
    depth = p.shape[-1]
    groups = p.reshape(-1, depth)
    for start in range(0, depth, m):
        nz = np.count_nonzero(groups[:, start:start + m], axis=1)
        assert np.all(nz <= n)
        assert np.all(nz == min(n, groups[:, start:start + m].shape[1]))   # no zeros in w: exactly n kept


@pytest.mark.parametrize("opcode", ["FULLY_CONNECTED", "CONV_2D"])
def test_block_zeros_whole_runs_of_input_depths(opcode):
    rng = np.random.default_rng(2)
    w = rng.integers(1, 128, size=SHAPES[opcode]).astype(np.int8)
    p = prune_array(w, opcode, "block", 0.75)
    depth = p.shape[-1]
    blocks = p.reshape(-1, depth // BLOCK, BLOCK)
    nz = np.count_nonzero(blocks, axis=2)
    assert set(np.unique(nz).tolist()) <= {0, BLOCK}    # a block is all zero or all kept
    assert 0.7 <= np.mean(nz == 0) <= 0.8


def test_oneshot_tflite_changes_only_weights_and_stays_bit_exact(tmp_path):
    from tests.conftest import reference_model
    from pipeline.compiler.compile import compile_model
    from pipeline.device.hostrun import HostModel
    from pipeline.tflite.model import load
    from pipeline.tflite.oneshot import prune_tflite
    from pipeline.tflite.oracle import Oracle

    src = reference_model("kws_ref_model.tflite")
    r = prune_tflite(src, tmp_path / "kws80.tflite", "magnitude", 0.8)
    assert len(r.tensors) == 10 and all(0.77 <= t.zero_fraction <= 0.81 for t in r.tensors)
    a, b = src.read_bytes(), (tmp_path / "kws80.tflite").read_bytes()
    assert len(a) == len(b)
    before, after = load(src), load(tmp_path / "kws80.tflite")
    for t0, t1 in zip(before.tensors, after.tensors):   # every tensor but the weights identical
        assert t0.shape == t1.shape and t0.dtype == t1.dtype
        if t0.is_const and t0.name not in {t.tensor for t in r.tensors}:
            assert np.array_equal(t0.data, t1.data)
    m0 = compile_model(tmp_path / "kws80.tflite", tmp_path / "m0", core="cortex-m0plus")   # fast dense kernels:
    assert all(c["encoding"] == ("sparse_p8" if c["opcode"] == "FULLY_CONNECTED" else "sparse_d4")
               for c in m0.sparsity if c["opcode"] != "DEPTHWISE_CONV_2D")
    res = compile_model(tmp_path / "kws80.tflite", tmp_path / "c")   # generic: the host runs these kernels
    assert sum(c["encoding"] == "sparse_d4" for c in res.sparsity) == 10
    host, oracle = HostModel(tmp_path / "c"), Oracle(b)
    rng = np.random.default_rng(0)
    for _ in range(5):
        xs = [rng.integers(-128, 128, size=d.shape, dtype=np.int8) for d in oracle.inputs]
        assert all(np.array_equal(x.reshape(-1), np.asarray(y).reshape(-1))
                   for x, y in zip(host.invoke(xs), oracle.invoke(xs)))


def test_oneshot_rejects_channel_with_one_line(tmp_path):
    from pipeline.errors import PipelineError
    from pipeline.tflite.oneshot import prune_buffer

    with pytest.raises(PipelineError, match="does not zero weights in place"):
        prune_buffer(b"", "channel", 0.5)


def test_keras_masked_methods_hold_their_pattern(tmp_path):
    """2:4, 2:4x4, 2:4xall and block on Dense, Conv2D and DepthwiseConv2D through fine-tuning (tiny model, 1 epoch);
    2:4x4's Conv2D and Dense kernels then fit the shared-mask format, 2:4xall's have half their input columns empty
    in every channel (what the compiler gathers: pipeline/compiler/columns.py)."""
    from pipeline.ml.prune_methods import OPCODES, kernel_of, prune_masked, to_tflite_layout
    from pipeline.ml.tfenv import import_tf

    tf = import_tf()
    k = tf.keras
    x_in = k.Input((6, 6, 4))
    y = k.layers.Conv2D(8, 3, padding="same")(x_in)
    y = k.layers.DepthwiseConv2D(3, padding="same")(y)
    y = k.layers.Flatten()(y)
    y = k.layers.Dense(3)(y)
    rng = np.random.default_rng(0)
    x, lab = rng.normal(size=(64, 6, 6, 4)).astype(np.float32), rng.integers(0, 3, 64)
    for method in ("2:4", "2:4x4", "2:4xall", "block"):
        model = k.Model(x_in, y) if method == "2:4" else k.models.clone_model(k.Model(x_in, y))
        prune_masked(tf, model, x, lab, method, 0.5, 1, "sparse_categorical_crossentropy")
        for layer in model.layers:
            var = kernel_of(layer)
            if var is None:
                continue
            kind = type(layer).__name__
            t = to_tflite_layout(var.numpy(), kind)
            expected = prune_array(t, OPCODES[kind], method, 0.5)
            assert np.array_equal(t == 0, expected == 0), (method, kind)
            if method == "2:4x4" and kind != "DepthwiseConv2D":
                from pipeline.compiler import sparse_2of4_r4

                assert sparse_2of4_r4.misfit(t.reshape(t.shape[0], -1)) is None, kind
            if method == "2:4xall" and kind != "DepthwiseConv2D":
                cols = np.any(t.reshape(t.shape[0], -1) != 0, axis=0)
                assert cols.sum() * 2 == cols.size, kind


def test_deploy_prune_channel_on_a_tflite_stops_with_one_line(tmp_path):
    """A .tflite whose graph has no channel to cut (one ADD) stops at the prune stage with one line, exit 2, before
    any build, and leaves no output directory behind."""
    import subprocess
    import sys

    from pipeline.paths import REPO_ROOT
    from tests.conftest import reference_model

    model = reference_model("simple_add_model.tflite")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "deploy", "--board", "pico", "--prune", "channel",
                           "--sparsity", "0.5", "--model", str(model), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "--prune channel" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
