"""`--prune channel` on a `.tflite` (pipeline/tflite/oneshot_channel.py): the smaller model must compute, under TFLM,
byte for byte what the original computes with every weight that reads a removed channel set to zero (that
zeroing done here by hand, op by op, on the original's bytes); our engine must match TFLM on the smaller model;
random chains (conv -> max pool -> depthwise of multiplier 1 or 2 -> 1x1 conv -> flatten -> FC -> FC) and
kws_ref_model (skipped when ../shared/models is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import PipelineError
from pipeline.tflite.model import parse
from pipeline.tflite.oneshot import _weight_views, prune_tflite
from pipeline.tflite.oneshot_channel import prune_channels_tflite
from pipeline.tflite.oracle import Oracle
from tests.conftest import reference_model
from tests.single_op_models import Graph, build
from tests.test_constant_inputs import _Chain
from tests.test_kernels_helpers import compile_and_compare


def chain(seed: int) -> bytes:
    """0 conv (3x3) -> 1 max pool -> 2 depthwise (3x3 SAME, multiplier 1 or 2) -> 3 conv 1x1 -> 4 flatten -> 5 FC
    -> 6 FC (the output)."""
    g = _Chain(np.random.default_rng(seed))
    rng = g.rng
    x = g.act([1, int(rng.integers(7, 11)), int(rng.integers(7, 11)), int(rng.integers(1, 4))], "image")
    a = g.conv(x, int(rng.integers(4, 9)), 3, bool(rng.integers(0, 2)))
    d = g.depthwise(g.max_pool(a, bool(rng.integers(0, 2))), int(rng.integers(1, 3)), 3, True)
    c = g.conv(d, int(rng.integers(4, 9)), 1, True)
    f = g.fc(g.fc(g.flatten(c), int(rng.integers(8, 24))), int(rng.integers(3, 10)))
    return build(Graph(g.tensors, g.ops, [x], [f]))


def zeroed(buf: bytes, cuts) -> bytes:
    """The original with the weights that read a removed channel set to zero, in place: each cut's channels are
    read by the next CONV_2D or FULLY_CONNECTED in the chain (through a depthwise: channel c as its outputs
    c * m .. c * m + m - 1; through a flatten: input j as channel j % channels)."""
    model = parse(buf)
    out = bytearray(buf)
    views = {i: (off, shape) for i, _, _, off, shape in _weight_views(out)}
    for cut in cuts:
        keep = np.zeros(cut.channels, bool)
        keep[list(cut.kept)] = True
        j = cut.op_index + 1
        while model.operators[j].opcode not in ("CONV_2D", "FULLY_CONNECTED"):
            op = model.operators[j]
            if op.opcode == "DEPTHWISE_CONV_2D":
                keep = np.repeat(keep, model.tensors[op.outputs[0]].shape[-1] // keep.size)
            j += 1
        off, shape = views[j]
        n = int(np.prod(shape))
        w = np.frombuffer(bytes(out[off:off + n]), np.int8).reshape(shape).copy()
        cols = np.resize(keep, shape[-1])          # input j of a flatten reads channel j % channels
        w[..., ~cols] = 0
        out[off:off + n] = w.tobytes()
    return bytes(out)


def same_under_tflm(a: bytes, b: bytes, n: int = 12, seed: int = 0) -> None:
    oa, ob = Oracle(a), Oracle(b)
    rng = np.random.default_rng(seed)
    for k in range(n):
        xs = [rng.integers(-128, 128, size=d.shape, dtype=np.int8) for d in oa.inputs]
        for u, v in zip(oa.invoke(xs), ob.invoke(xs)):
            assert np.array_equal(np.asarray(u), np.asarray(v)), f"input #{k}"


@pytest.mark.parametrize("seed", range(5))
def test_channel_cut_chain_equals_the_zeroed_original(seed, tmp_path):
    buf = chain(seed)
    sparsity = [0.25, 0.5, 0.75][seed % 3]
    small, cuts = prune_channels_tflite(buf, sparsity)
    assert [c.op_index for c in cuts] == [0, 3, 5]            # the last FC is no pruning point
    for c in cuts:
        assert len(c.kept) == max(1, round((1 - sparsity) * c.channels))
    assert len(small) < len(buf)
    first = parse(buf)                                        # the first conv's kept filters: the largest L1 * scale
    w = first.tensors[first.operators[0].inputs[1]]
    l1 = np.abs(w.data.reshape(w.shape[0], -1).astype(np.float64)).sum(axis=1) * np.asarray(w.quant.scale)
    assert set(cuts[0].kept) == set(np.argsort(-l1, kind="stable")[:len(cuts[0].kept)].tolist())
    same_under_tflm(small, zeroed(buf, cuts), seed=seed)
    compile_and_compare(small, tmp_path / "auto", n_inputs=6, seed=seed)


def test_channel_cut_kws(tmp_path):
    src = reference_model("kws_ref_model.tflite")
    r = prune_tflite(src, tmp_path / "kws_ch.tflite", "channel", 0.25)
    assert [c["op_index"] for c in r.channels] == [0, 2, 4, 6, 8] and all(c["kept"] == 48 for c in r.channels)
    assert r.weights_after < 0.65 * r.weights_before
    small = (tmp_path / "kws_ch.tflite").read_bytes()
    _, cuts = prune_channels_tflite(src.read_bytes(), 0.25)
    same_under_tflm(small, zeroed(src.read_bytes(), cuts), n=4)
    compile_and_compare(small, tmp_path / "auto", n_inputs=4)


def test_channel_cut_refuses_a_graph_it_cannot_follow():
    """A model whose only conv feeds the output has nothing to cut: one line, the fix named."""
    g = _Chain(np.random.default_rng(0))
    x = g.act([1, 6, 6, 2], "image")
    y = g.conv(x, 4, 3, True)
    with pytest.raises(PipelineError, match="--prune channel found no layer to cut"):
        prune_channels_tflite(build(Graph(g.tensors, g.ops, [x], [y])), 0.5)


def test_deploy_prune_channel_on_a_tflite(tmp_path):
    """`deploy --model F.tflite --prune channel --sparsity S` on the simulated Pico: the smaller model deployed and
    checked against TFLM on it, the cuts in report.json."""
    import json
    import subprocess
    import sys

    from pipeline.paths import REPO_ROOT

    model = reference_model("hello_world_int8.tflite")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "deploy", "--board", "pico", "--prune", "channel",
                           "--sparsity", "0.5", "--model", str(model), "--samples", "20", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["prune"]["method"] == "channel"
    assert [(c["op_index"], c["channels"], c["kept"]) for c in report["prune"]["channels"]] == [(0, 16, 8), (1, 16, 8)]
    assert report["prune"]["weights_after"] < report["prune"]["weights_before"]
    assert report["verify"]["bit_exact"] == report["verify"]["samples"] == 20
    assert "channels kept:" in proc.stderr


@pytest.mark.parametrize("name", ["vww_96_int8", "pretrainedResnet_quant", "ad01_int8"])
def test_channel_cut_reference_models(name, tmp_path):
    """The other reference models cut at 25%: ResNet's layers that feed an ADD are left whole, the rest cut; the
    smaller model runs under TFLM and our engine matches it."""
    src = reference_model(f"{name}.tflite")
    r = prune_tflite(src, tmp_path / "small.tflite", "channel", 0.25)
    assert r.channels and r.weights_after < r.weights_before
    compile_and_compare((tmp_path / "small.tflite").read_bytes(), tmp_path / "auto", n_inputs=3)
