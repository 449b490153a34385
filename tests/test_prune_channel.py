"""`--prune channel`: whole filters removed, BatchNorm / depthwise / Flatten / Dense cut to match; the
smaller model computes what the original computes with the removed inputs' weights set to zero."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import PipelineError


def _model(tf, rng):
    k = tf.keras
    x_in = k.Input((8, 8, 3))
    y = k.layers.Conv2D(8, 3, padding="same", activation="relu", name="c1")(x_in)
    y = k.layers.BatchNormalization()(y)
    y = k.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(y)
    y = k.layers.MaxPooling2D(2)(y)
    y = k.layers.Conv2D(6, 1, activation="relu", name="c2")(y)
    y = k.layers.Flatten()(y)
    y = k.layers.Dense(12, activation="relu", name="d1")(y)
    y = k.layers.Dropout(0.1)(y)
    y = k.layers.Dense(4, activation="softmax")(y)
    m = k.Model(x_in, y)
    for layer in m.layers:
        if layer.weights:
            layer.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in layer.get_weights()])
    bn = next(l for l in m.layers if type(l).__name__ == "BatchNormalization")
    w = bn.get_weights()
    w[3] = np.abs(w[3]) + 0.5                      # a positive moving variance
    bn.set_weights(w)
    return m


@pytest.mark.parametrize("sparsity", [0.25, 0.5, 0.75])
def test_smaller_model_equals_original_with_cut_inputs_zeroed(sparsity):
    from pipeline.ml.prune_channel import cut_channels
    from pipeline.ml.tfenv import import_tf

    tf = import_tf()
    rng = np.random.default_rng(int(sparsity * 100))
    original = _model(tf, rng)
    x = rng.normal(size=(16, 8, 8, 3)).astype(np.float32)
    smaller, plan = cut_channels(tf, original, sparsity)

    assert [c.layer for c in plan.cuts] == ["c1", "c2", "d1"]      # never the output layer
    for c in plan.cuts:
        assert c.kept == max(1, round((1 - sparsity) * c.channels)) and c.weights_after < c.weights_before
    assert smaller.count_params() < original.count_params()
    # the original with every input weight of a removed channel set to zero computes the same
    for layer in original.layers:
        if layer.name in plan.inputs_kept:
            w = layer.get_weights()
            mask = np.zeros(w[0].shape[-2], bool)
            mask[plan.inputs_kept[layer.name]] = True
            w[0] = w[0] * mask.reshape((1,) * (w[0].ndim - 2) + (-1, 1))
            layer.set_weights(w)
    np.testing.assert_allclose(smaller(x, training=False).numpy(), original(x, training=False).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_kept_filters_are_the_largest():
    from pipeline.ml.prune_channel import cut_channels
    from pipeline.ml.tfenv import import_tf

    tf = import_tf()
    k = tf.keras
    x_in = k.Input((10,))
    m = k.Model(x_in, k.layers.Dense(3)(k.layers.Dense(6)(x_in)))
    w = m.layers[1].get_weights()
    w[0] = np.ones_like(w[0]) * np.array([1, 5, 2, 6, 3, 4], np.float32)    # L1 norms rank 3, 1, 5
    m.layers[1].set_weights(w)
    smaller, plan = cut_channels(tf, m, 0.5)
    np.testing.assert_array_equal(smaller.layers[1].get_weights()[0], w[0][:, [1, 3, 5]])
    np.testing.assert_array_equal(plan.inputs_kept[m.layers[2].name], [1, 3, 5])


def test_branches_are_refused_with_one_line():
    from pipeline.ml.prune_channel import cut_channels
    from pipeline.ml.tfenv import import_tf

    tf = import_tf()
    k = tf.keras
    x_in = k.Input((4, 4, 2))
    a = k.layers.Conv2D(2, 1)(x_in)
    y = k.layers.Add()([a, x_in])
    with pytest.raises(PipelineError, match="--prune channel"):
        cut_channels(tf, k.Model(x_in, k.layers.Dense(2)(k.layers.Flatten()(y))), 0.5)


def test_deploy_example_channel_pruned_on_the_simulated_pico(tmp_path):
    """The whole path: the example loses half its filters and neurons, fine-tunes, deploys, stays
    bit-exact against the oracle, and the report says what each layer kept."""
    import json
    import subprocess
    import sys

    from pipeline.paths import REPO_ROOT

    out = tmp_path / "o"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "deploy", "--board", "pico", "--prune", "channel",
                           "--sparsity", "0.5", "--samples", "60", "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "channels kept: conv1 8/16, conv2 16/32, dense1 32/64" in proc.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["prune"]["method"] == "channel"
    assert [(c["layer"], c["kept"]) for c in report["prune"]["channels"]] == [("conv1", 8), ("conv2", 16), ("dense1", 32)]
    assert report["verify"]["bit_exact"] == report["verify"]["samples"] == 60
    assert report["prune"]["pruned_accuracy"] > 0.9
