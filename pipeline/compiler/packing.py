"""Weight packing and kernel selection.

A WeightPacker turns an op's constant weight tensor into the bytes the kernel reads plus an
optional index (sparse encodings). The reference kernel per (op, weight format) is here; faster
kernels per (op, weight format, core) are the variants of kernels.VARIANTS, tried first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PackedWeights:
    format: str                 # C enum name, e.g. "EAT_WEIGHTS_DENSE"
    key: str                    # registry key, e.g. "dense"
    data: np.ndarray            # int8 values, flat
    index: np.ndarray | None    # index arrays of a sparse encoding; None for dense
    layout: str                 # human-readable layout, for the generated comments

    @property
    def data_bytes(self) -> int:
        return int(self.data.nbytes)

    @property
    def index_bytes(self) -> int:
        return 0 if self.index is None else int(self.index.nbytes)


class WeightPacker:
    key = "abstract"

    def pack(self, op: str, weights: np.ndarray) -> PackedWeights:  # pragma: no cover - interface
        raise NotImplementedError


class DensePacker(WeightPacker):
    """Weights as stored in the .tflite: FC [out][in], CONV OHWI, DEPTHWISE [1][H][W][out]."""

    key = "dense"
    LAYOUTS = {"FULLY_CONNECTED": "[out][in]", "CONV_2D": "OHWI", "DEPTHWISE_CONV_2D": "[1][H][W][out]"}

    def pack(self, op: str, weights: np.ndarray) -> PackedWeights:
        data = np.ascontiguousarray(weights, dtype=np.int8).reshape(-1)
        return PackedWeights("EAT_WEIGHTS_DENSE", self.key, data, None, self.LAYOUTS.get(op, "dense"))


PACKERS: dict[str, WeightPacker] = {"dense": DensePacker()}

# The reference kernels, one per (op, weight format): the "generic" fallback every core gets when no
# variant of kernels.VARIANTS (kernels_registry.py: per-core dense, sparse and M0+ kernels) applies.
KERNELS: dict[tuple[str, str, str], str] = {
    ("FULLY_CONNECTED", "dense", "generic"): "eat_fully_connected_s8",
    ("CONV_2D", "dense", "generic"): "eat_conv2d_s8",
    ("DEPTHWISE_CONV_2D", "dense", "generic"): "eat_depthwise_conv2d_s8",
    ("MAX_POOL_2D", "none", "generic"): "eat_max_pool2d_s8",
    ("AVERAGE_POOL_2D", "none", "generic"): "eat_avg_pool2d_s8",
    ("SOFTMAX", "none", "generic"): "eat_softmax_s8",   # exp tabulated by the compiler (ops/softmax.py)
    ("ADD", "none", "generic"): "eat_add_s8",
    ("MUL", "none", "generic"): "eat_mul_s8",
    ("PAD", "none", "generic"): "eat_pad_s8",
    ("LUT", "none", "generic"): "eat_lut_s8",
    ("CONCATENATION", "none", "generic"): "eat_concat_s8",
    ("MEAN", "none", "generic"): "eat_mean_s8",
    # float32 weighted ops (pipeline/compiler/ops_f32/conv_f32.py)
    ("FULLY_CONNECTED_F32", "dense", "generic"): "eat_fully_connected_f32",
    ("FULLY_CONNECTED_F32", "sparse_rows", "generic"): "eat_fully_connected_f32_sparse_rows",
    ("CONV_2D_F32", "dense", "generic"): "eat_conv2d_f32",
    ("DEPTHWISE_CONV_2D_F32", "dense", "generic"): "eat_depthwise_conv2d_f32",
}


def select_kernel(op: str, weight_format: str, core: str) -> str:
    for key in ((op, weight_format, core), (op, weight_format, "generic")):
        if key in KERNELS:
            return KERNELS[key]
    raise KeyError(f"no kernel for {op} with {weight_format} weights")
