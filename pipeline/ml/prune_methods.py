"""Structured pruning methods for Keras models (`--prune 2:4|1:4|2:8|block`): the zero pattern is
computed on each Dense / Conv2D / DepthwiseConv2D kernel in TFLite's weight layout (so "along the
input depth" means what the kernels see), then the model is fine-tuned with the mask re-applied
after every batch, so the pattern holds exactly in the saved model."""

from __future__ import annotations

import numpy as np

from pipeline.tflite.prune_patterns import prune_array

OPCODES = {"Dense": "FULLY_CONNECTED", "Conv2D": "CONV_2D", "DepthwiseConv2D": "DEPTHWISE_CONV_2D"}


def to_tflite_layout(w: np.ndarray, kind: str) -> np.ndarray:
    if kind == "Dense":
        return w.T                                   # [in][out] -> [out][in]
    if kind == "Conv2D":
        return np.transpose(w, (3, 0, 1, 2))         # HWIO -> OHWI
    kh, kw, cin, dm = w.shape
    return w.reshape(1, kh, kw, cin * dm)            # HWCM -> [1][H][W][C*M] (oc = c * M + m)


def from_tflite_layout(t: np.ndarray, kind: str, like: np.ndarray) -> np.ndarray:
    if kind == "Dense":
        return t.T
    if kind == "Conv2D":
        return np.transpose(t, (1, 2, 3, 0))
    return t.reshape(like.shape)


def kernel_of(layer):
    kind = type(layer).__name__
    if kind not in OPCODES:
        return None
    return layer.depthwise_kernel if kind == "DepthwiseConv2D" else layer.kernel


def masks_for(model, method: str, sparsity: float) -> list[tuple[object, np.ndarray]]:
    """(kernel variable, 0/1 mask) for every prunable layer, the pattern of `method`."""
    out = []
    for layer in model.layers:
        var = kernel_of(layer)
        if var is None:
            continue
        kind = type(layer).__name__
        w = var.numpy()
        pruned = prune_array(to_tflite_layout(w, kind), OPCODES[kind], method, sparsity)
        mask = from_tflite_layout((pruned != 0).astype(w.dtype), kind, w)
        out.append((var, mask))
    return out


def prune_masked(tf, model, x, y, method: str, sparsity: float, epochs: int, loss: str):
    """Apply the masks, fine-tune with them held, return the model (pruned in place)."""
    masks = masks_for(model, method, sparsity)

    def apply() -> None:
        for var, mask in masks:
            var.assign(var.numpy() * mask)

    class HoldMask(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):  # noqa: ARG002 (Keras signature)
            apply()

    apply()
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=loss)
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=[HoldMask()])
    apply()
    return model
