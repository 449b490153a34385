"""The bit-exactness oracle: TFLM's own interpreter from the `tflite-micro` wheel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class TensorDetails:
    shape: tuple[int, ...]
    dtype: np.dtype
    scale: float
    zero_point: int


class Oracle:
    """Runs a .tflite through TFLM (reference kernels) and returns its outputs."""

    def __init__(self, model: bytes | Path) -> None:
        from tflite_micro import runtime  # imported late: it loads a large native module

        buf = model.read_bytes() if isinstance(model, Path) else bytes(model)
        # TFLM's default arena is small; too small an arena fails (or crashes), so size it
        # from the model: every tensor twice over plus room for TFLM's own bookkeeping.
        self._interp = runtime.Interpreter.from_bytes(buf, arena_size=self._arena_guess(buf))
        self.inputs = self._details(self._interp.get_input_details, self._count(buf, "inputs"))
        self.outputs = self._details(self._interp.get_output_details, self._count(buf, "outputs"))

    @staticmethod
    def _count(buf: bytes, what: str) -> int:
        from tflite_micro import runtime

        model = runtime.schema_fb.Model.GetRootAsModel(buf, 0)
        sg = model.Subgraphs(0)
        return sg.InputsLength() if what == "inputs" else sg.OutputsLength()

    @staticmethod
    def _arena_guess(buf: bytes) -> int:
        from tflite_micro import runtime

        sg = runtime.schema_fb.Model.GetRootAsModel(buf, 0).Subgraphs(0)
        total = 0
        for t in range(sg.TensorsLength()):
            shape = sg.Tensors(t).ShapeAsNumpy()
            total += int(np.prod(shape)) * 4 if not isinstance(shape, int) else 4
        return 2 * total + (1 << 20)

    @staticmethod
    def _details(getter, n: int) -> list[TensorDetails]:
        out = []
        for i in range(n):
            d = getter(i)
            q = d["quantization_parameters"]
            scale = float(q["scales"][0]) if len(q["scales"]) else 0.0
            zp = int(q["zero_points"][0]) if len(q["zero_points"]) else 0
            out.append(TensorDetails(tuple(int(s) for s in d["shape"]), np.dtype(d["dtype"]), scale, zp))
        return out

    def invoke(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        for i, x in enumerate(inputs):
            det = self.inputs[i]
            self._interp.set_input(np.asarray(x, dtype=det.dtype).reshape(det.shape), i)
        self._interp.invoke()
        return [np.array(self._interp.get_output(i)) for i in range(len(self.outputs))]
