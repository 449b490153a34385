"""CONCATENATION int8 against TFLM: any axis, 2-4 inputs, random shapes and quantization.

TFLM's int8 concatenation is a plain copy and its Prepare rejects inputs whose scale or zero point
differ from the output's (checked here: the oracle refuses such a model, and so do we, clearly)."""

import numpy as np
import pytest

from pipeline.compiler.compile import compile_model
from pipeline.errors import PipelineError
from tests.single_op_models import T, Graph, Op, build, compare, fb, random_scale, tf_model


def concat_model(shapes, axis, q, out_q=None, in_qs=None, const=None) -> bytes:
    o = fb().ConcatenationOptionsT()
    o.axis = axis
    nd = len(shapes[0])
    ax = axis % nd
    oshape = list(shapes[0])
    oshape[ax] = sum(s[ax] for s in shapes)
    rng = np.random.default_rng(0)
    tensors = []
    for k, s in enumerate(shapes):
        qk = in_qs[k] if in_qs else q
        data = rng.integers(-128, 128, size=s, dtype=np.int8) if const == k else None
        tensors.append(T(list(s), qk[0], qk[1], data=data, name=f"in{k}"))
    tensors.append(T(oshape, *(out_q or q), name="concat"))
    n = len(shapes)
    inputs = [k for k in range(n) if k != const]
    return build(Graph(tensors, [Op("CONCATENATION", list(range(n)), [n], o, "ConcatenationOptions")], inputs, [n]))


@pytest.mark.parametrize("seed", range(6))
def test_concat_random(seed, tmp_path):
    rng = np.random.default_rng(100 + seed)
    nd = int(rng.integers(1, 5))
    n = int(rng.integers(2, 5))
    base = [int(rng.integers(1, 6)) for _ in range(nd)]
    axis = int(rng.integers(-nd, nd))
    shapes = []
    for _ in range(n):
        s = list(base)
        s[axis % nd] = int(rng.integers(1, 6))
        shapes.append(s)
    q = (random_scale(rng), int(rng.integers(-128, 128)))
    info = compare(concat_model(shapes, axis, q, const=(1 if seed % 3 == 0 else None)), tmp_path)
    assert info["ops"] == ["CONCATENATION"]


def test_concat_from_converter(tmp_path):
    info = compare(tf_model("concat", [[4, 4, 3], [4, 4, 5]], 7, [(-3.0, 3.0), (-1.0, 5.0)], axis=-1), tmp_path)
    assert info["ops"] == ["CONCATENATION"]


def test_concat_with_differing_quantization_refused_like_tflm(tmp_path):
    from pipeline.tflite.oracle import Oracle

    buf = concat_model([[1, 2, 3], [1, 2, 4]], -1, None, out_q=(0.05, 3), in_qs=[(0.1, 5), (0.05, 3)])
    with pytest.raises(RuntimeError):
        Oracle(buf)              # TFLM: "input->params.scale != output->params.scale"
    p = tmp_path / "m.tflite"
    p.write_bytes(buf)
    with pytest.raises(PipelineError, match=r"CONCATENATION at layer 'concat': input 'in0' quantization .* "
                                            r"does not requantize"):
        compile_model(p, tmp_path / "out")
