"""TFLite builtin ops -> the MicroMutableOpResolver method that registers each in TFLM."""

from __future__ import annotations

from pipeline.errors import PipelineError

# TFLM's micro_mutable_op_resolver.h: one Add<Op>() per builtin it implements (a common subset).
RESOLVER_METHODS = {
    "ADD": "AddAdd", "AVERAGE_POOL_2D": "AddAveragePool2D", "CONCATENATION": "AddConcatenation",
    "CONV_2D": "AddConv2D", "DEPTHWISE_CONV_2D": "AddDepthwiseConv2D", "DEQUANTIZE": "AddDequantize",
    "FULLY_CONNECTED": "AddFullyConnected", "HARD_SWISH": "AddHardSwish", "LOGISTIC": "AddLogistic",
    "MAX_POOL_2D": "AddMaxPool2D", "MEAN": "AddMean", "MUL": "AddMul", "PAD": "AddPad", "PADV2": "AddPadV2",
    "QUANTIZE": "AddQuantize", "RELU": "AddRelu", "RELU6": "AddRelu6", "RESHAPE": "AddReshape",
    "SOFTMAX": "AddSoftmax", "SQUEEZE": "AddSqueeze", "TANH": "AddTanh", "EXPAND_DIMS": "AddExpandDims",
    "STRIDED_SLICE": "AddStridedSlice", "SUB": "AddSub", "TRANSPOSE": "AddTranspose", "SHAPE": "AddShape",
    "PACK": "AddPack", "UNPACK": "AddUnpack", "SPLIT": "AddSplit", "LEAKY_RELU": "AddLeakyRelu",
    "MAXIMUM": "AddMaximum", "MINIMUM": "AddMinimum", "RESIZE_NEAREST_NEIGHBOR": "AddResizeNearestNeighbor",
    "TRANSPOSE_CONV": "AddTransposeConv", "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM",
}


def resolver_entries(opcodes: list[str]) -> list[dict[str, str]]:
    """The model's distinct ops in first-use order, each with its resolver method."""
    ordered = list(dict.fromkeys(opcodes))
    missing = [op for op in ordered if op not in RESOLVER_METHODS]
    if missing:
        raise PipelineError(f"engine tflm: no TFLM resolver entry known for {', '.join(missing)}; use --engine eat or add it to pipeline/tflite/tflm_ops.py")
    return [{"name": op, "resolver": RESOLVER_METHODS[op]} for op in ordered]
