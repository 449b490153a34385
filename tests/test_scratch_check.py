"""eat_model_check: the firmware compares each kernel's own `*_scratch_bytes` with the scratch the compiler
planned and refuses to run when a kernel needs more (HELLO answers the error). A registry entry whose
Python scratch formula falls behind its C kernel (as the M4 one-channel plane conv's did at a merge)
is then a clear error instead of an overrun arena."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rich.console import Console

from pipeline.compiler import kernels
from pipeline.compiler.emit import scratch_functions
from pipeline.errors import PipelineError
from tests.sparse_models import model

PLANE = "eat_conv2d_s8_sparse_plane_armv6m"


def test_scratch_functions_are_read_from_the_runtime_headers() -> None:
    fns = scratch_functions()
    assert PLANE in fns and "eat_depthwise_conv2d_s8_sparse_dsp" in fns
    assert "eat_add_s8_armv6m" not in fns   # no scratch, no function: not checked


@pytest.mark.sim
def test_a_kernel_given_too_little_scratch_is_refused_at_hello(tmp_path: Path, monkeypatch) -> None:
    from pipeline.bench_sparsity import measure
    from pipeline.boards import load_board

    key = ("CONV_2D", "sparse_d4", "cortex-m0plus")
    short = [dataclasses.replace(v, scratch=lambda g: 4) if v.function == PLANE else v for v in kernels.VARIANTS[key]]
    monkeypatch.setitem(kernels.VARIANTS, key, short)
    tfl = tmp_path / "c1.tflite"
    tfl.write_bytes(model([("CONV_2D_C1", "magnitude")], 5))
    with pytest.raises(PipelineError, match=rf"op 0 \({PLANE}\): its kernel needs more scratch than the 4 B planned"):
        measure(tfl, load_board("pico"), tmp_path / "out", "sparse", Console(stderr=True, quiet=True))
