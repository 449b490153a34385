"""Python API: a deployed model on a board (or its simulator), called like a Keras model.

    from pipeline.api import DeployedModel
    with DeployedModel.open("out/example-pico") as m:          # simulator; port="/dev/ttyACM0" for a board
        probs = m.predict(x_test[:8])                           # float in, float out: runs on the device
        raw = m.predict(x_int8, quantized=True)                 # int8 in, int8 out

`open` reads `report.json` from a deploy directory: the board, the firmware and the model.
Every inference runs on the device; the host only quantizes inputs and dequantizes outputs with
the scales the device itself reports.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import numpy as np

from pipeline.boards import load_board
from pipeline.errors import PipelineError
from pipeline.device.protocol import Device, DeviceInfo
from pipeline.device.run import target_port
from pipeline.device.verify import to_model_input


class DeployedModel:
    def __init__(self, device: Device, stack: ExitStack) -> None:
        self.device = device
        self._stack = stack
        self.info: DeviceInfo = device.hello()
        self.last_cycles: list[int] = []

    @classmethod
    def open(cls, deploy_dir: str | Path, port: str | None = None) -> "DeployedModel":
        deploy_dir = Path(deploy_dir)
        report_path = deploy_dir / "report.json"
        if not report_path.is_file():
            raise PipelineError(f"{report_path} not found; run `python -m pipeline deploy --out {deploy_dir}` first")
        report = json.loads(report_path.read_text())
        board = load_board(report["board"]["id"])
        firmware = {Path(v).suffix: Path(v) for k, v in report["artifacts"].items() if k.startswith("firmware.")}
        stack = ExitStack()
        try:
            ser = stack.enter_context(target_port(board, firmware, port))
            model = cls(Device(ser, timeout_s=600), stack)
        except BaseException:
            stack.close()
            raise
        if model.info.sha256 != report["model"]["sha256"]:
            stack.close()
            raise PipelineError(f"the device on {port} runs another model ({model.info.sha256[:12]}…); deploy this one to it first")
        return model

    def predict(self, x: np.ndarray, quantized: bool = False) -> np.ndarray:
        """Runs a batch (first axis) on the device, one inference per sample.

        Float inputs are quantized with the device's input scale and zero point and the outputs
        dequantized; with `quantized=True` inputs and outputs are the raw int8 tensors. A float32
        model takes and returns float32 as is (`quantized` does not apply).
        """
        spec_in, spec_out = self.info.inputs[0], self.info.outputs[0]
        if len(self.info.inputs) != 1 or len(self.info.outputs) != 1:
            raise PipelineError("predict() takes single-input, single-output models; use device.infer() for others")
        x = np.asarray(x)
        per_sample = int(np.prod(spec_in.shape))
        if x.size % per_sample:
            raise PipelineError(f"input of shape {x.shape} does not split into samples of shape {spec_in.shape}")
        batch = x.reshape((-1, per_sample))
        outputs, self.last_cycles = [], []
        for sample in batch:
            q = sample.astype(spec_in.dtype) if quantized else to_model_input(sample, spec_in)
            cycles, (out,) = self.device.infer([q.reshape(spec_in.shape)])
            self.last_cycles.append(cycles)
            outputs.append(out.reshape(spec_out.shape[1:] if spec_out.shape[:1] == (1,) else spec_out.shape))
        result = np.stack(outputs)
        if quantized or result.dtype == np.float32:
            return result
        return (result.astype(np.float32) - spec_out.zero_point) * np.float32(spec_out.scale)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "DeployedModel":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
