"""The flash a layer's constants take, dense and as chosen (LayerChoice.dense_const_bytes / chosen_const_bytes,
deploy's sparsity.flash_saved_bytes): the dense figure recorded while lowering sparse is the dense build's own, and
the chosen one is what the auto build emits, on every core's kernels (random ops and zero patterns)."""

from __future__ import annotations

import pytest

from pipeline.compiler.compile import lower_model
from pipeline.tflite.model import parse
from tests.sparse_models import PATTERNS, model

SPECS = [(op, kind) for op in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D") for kind in PATTERNS]


@pytest.mark.parametrize("core", ["cortex-m0plus", "cortex-m4", "rv32imc", "generic"])
def test_layer_const_bytes_match_the_dense_and_the_chosen_builds(core):
    m = parse(model(SPECS, seed=7))
    choices: list = []
    auto = {lw.op.index: lw for lw in lower_model(m, core, "auto", choices)}
    dense = {lw.op.index: lw for lw in lower_model(m, core, "dense", [])}
    assert len(choices) == len(SPECS)
    for c in choices:
        assert c.dense_const_bytes == dense[c.op_index].const_bytes > 0
        assert c.chosen_const_bytes == auto[c.op_index].const_bytes > 0
        if c.encoding == "dense":
            assert c.chosen_const_bytes == c.dense_const_bytes
        else:   # the chosen encoding's weights are in it
            assert c.chosen_const_bytes >= c.chosen_weight_bytes
    assert any(c.encoding != "dense" for c in choices)
