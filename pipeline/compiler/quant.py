"""Quantization parameter preparation, reproducing TFLM's Prepare-time arithmetic exactly.

- QuantizeMultiplier: frexp, then round half away from zero of q * 2^31 (TfLiteRound).
- Conv / depthwise / per-channel FC: double(in_scale) * double(filter_scale) / double(out_scale).
- Per-tensor FC: double(float(in_scale * filter_scale)) / double(out_scale)
  (GetQuantizedConvolutionMultipler multiplies the two float scales in float first).
- Activation ranges: zero_point + round(f / scale) with f / scale in float32.
"""

from __future__ import annotations

import math

import numpy as np


def round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLM QuantizeMultiplier (double-rounding build): (int32 multiplier, shift), shift > 0 = left."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    return int(q_fixed), int(shift)


def conv_multipliers(in_scale: float, filter_scales: np.ndarray, out_scale: float, channels: int
                     ) -> tuple[list[int], list[int]]:
    """Per-channel (or broadcast per-tensor) multipliers for CONV_2D / DEPTHWISE / per-channel FC."""
    fs = np.asarray(filter_scales, dtype=np.float32).reshape(-1)
    mults, shifts = [], []
    for i in range(channels):
        f = float(fs[i if fs.size > 1 else 0])
        m, s = quantize_multiplier(float(np.float32(in_scale)) * f / float(np.float32(out_scale)))
        mults.append(m)
        shifts.append(s)
    return mults, shifts


def fc_per_tensor_multiplier(in_scale: float, filter_scale: float, out_scale: float) -> tuple[int, int]:
    prod = float(np.float32(in_scale) * np.float32(filter_scale))
    return quantize_multiplier(prod / float(np.float32(out_scale)))


# TFLite ActivationFunctionType values
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
ACT_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT", 6: "SIGMOID"}


def activation_range(act: int, scale: float, zero_point: int, qmin: int = -128, qmax: int = 127
                     ) -> tuple[int, int]:
    def q(f: float) -> int:
        return zero_point + round_half_away(float(np.float32(f) / np.float32(scale)))

    if act == ACT_NONE:
        return qmin, qmax
    if act == ACT_RELU:
        return max(qmin, q(0.0)), qmax
    if act == ACT_RELU6:
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if act == ACT_RELU_N1_TO_1:
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise ValueError(f"fused activation {ACT_NAMES.get(act, act)}")


def compute_padding(stride: int, dilation: int, in_size: int, filter_size: int, out_size: int) -> int:
    eff = (filter_size - 1) * dilation + 1
    total = (out_size - 1) * stride + eff - in_size
    return max(total, 0) // 2


def compute_out_size(padding_same: bool, in_size: int, filter_size: int, stride: int, dilation: int) -> int:
    eff = (filter_size - 1) * dilation + 1
    if padding_same:
        return (in_size + stride - 1) // stride
    return (in_size + stride - eff) // stride
