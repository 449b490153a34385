"""`--prune channel`: whole filters and neurons removed (a smaller dense Keras model), then fine-tuned.

Works on a chain of layers (Sequential, or a functional model without branches). Every Conv2D and
Dense except the last weighted layer keeps the `1 - sparsity` fraction of its output channels with
the largest L1 norm (BatchNorm's |gamma| scales the norm where one follows); what follows is cut to
match: BatchNormalization's four vectors, DepthwiseConv2D's channels (its depth multiplier kept),
the next Conv2D's / Dense's input depths, and through Flatten the flattened positions of the removed
channels (NHWC: position (y * W + x) * C + c). Pooling, activation, dropout and padding layers pass
the channels through. The result is an ordinary dense model that every engine runs faster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.errors import PipelineError

PASS_THROUGH = {"MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Activation",
                "ReLU", "Dropout", "ZeroPadding2D", "LeakyReLU", "Softmax", "InputLayer"}
WEIGHTED = {"Conv2D", "Dense", "DepthwiseConv2D", "BatchNormalization"}


@dataclass(frozen=True)
class ChannelCut:
    """What one layer kept: `kept` of `channels` output channels (pruning points only)."""

    layer: str
    channels: int
    kept: int
    weights_before: int
    weights_after: int


@dataclass
class ChannelPlan:
    """The cuts, and for every Conv2D / Dense whose inputs were cut the original input positions it
    still reads (the smaller model equals the original with every other input weight set to zero)."""

    cuts: list[ChannelCut] = field(default_factory=list)
    inputs_kept: dict[str, np.ndarray] = field(default_factory=dict)


def _chain(model) -> list:
    """The model's layers in order, refusing anything that is not a plain chain."""
    layers = [l for l in model.layers if type(l).__name__ != "InputLayer"]
    for prev, layer in zip(layers, layers[1:]):
        if len(layer._inbound_nodes) != 1 or layer.input is not prev.output:
            raise PipelineError(f"--prune channel handles a chain of layers; '{layer.name}' does not take "
                                f"'{prev.name}' alone as input (a branch or shared layer): use --prune magnitude")
    for layer in layers:
        kind = type(layer).__name__
        if kind not in PASS_THROUGH | WEIGHTED | {"Flatten"}:
            raise PipelineError(f"--prune channel cannot cut through layer '{layer.name}' ({kind}); "
                                f"use --prune magnitude")
        if kind == "Conv2D" and layer.groups != 1:
            raise PipelineError(f"--prune channel: grouped Conv2D '{layer.name}' is not supported; use --prune magnitude")
        if kind == "BatchNormalization" and layer.axis not in ([-1], [3], -1, 3):
            raise PipelineError(f"--prune channel: BatchNormalization '{layer.name}' is not over the channel axis")
    return layers


def _keep(norms: np.ndarray, sparsity: float) -> np.ndarray:
    n = max(1, int(round((1.0 - sparsity) * norms.size)))
    return np.sort(np.argsort(-norms, kind="stable")[:n])


def _following_gamma(layers: list, i: int) -> np.ndarray | None:
    nxt = layers[i + 1] if i + 1 < len(layers) else None
    if nxt is not None and type(nxt).__name__ == "BatchNormalization" and nxt.scale:
        return np.abs(nxt.gamma.numpy())
    return None


def cut_channels(tf, model, sparsity: float) -> tuple[object, ChannelPlan]:
    """The smaller model (weights copied from `model`) and what each pruning point kept."""
    layers = _chain(model)
    last_weighted = max(i for i, l in enumerate(layers) if type(l).__name__ in ("Conv2D", "Dense"))
    keep: np.ndarray | None = None        # original indices of the surviving last-axis entries
    new_layers, weights, plan = [], [], ChannelPlan()
    for i, layer in enumerate(layers):
        kind = type(layer).__name__
        cfg = layer.get_config()
        w = [v.numpy() for v in layer.weights]
        if kind in ("Conv2D", "Dense"):
            kernel = w[0] if keep is None else np.take(w[0], keep, axis=-2)
            if keep is not None:
                plan.inputs_kept[layer.name] = keep
            before = int(w[0].size)
            if i < last_weighted:
                norms = np.abs(kernel).reshape(-1, kernel.shape[-1]).sum(axis=0)
                gamma = _following_gamma(layers, i)
                out_keep = _keep(norms * gamma if gamma is not None else norms, sparsity)
                kernel = np.take(kernel, out_keep, axis=-1)
                w = [kernel] + [np.take(b, out_keep, axis=0) for b in w[1:]]
                cfg["filters" if kind == "Conv2D" else "units"] = int(out_keep.size)
                plan.cuts.append(ChannelCut(layer.name, int(norms.size), int(out_keep.size), before, int(kernel.size)))
                keep = out_keep
            else:
                w = [kernel] + w[1:]
                keep = None
        elif kind == "DepthwiseConv2D" and keep is not None:
            mult = int(cfg["depth_multiplier"])
            w = [np.take(w[0], keep, axis=2)] + [np.take(b.reshape(-1, mult), keep, axis=0).reshape(-1) for b in w[1:]]
            keep = (keep[:, None] * mult + np.arange(mult)[None, :]).reshape(-1)
        elif kind == "BatchNormalization" and keep is not None:
            w = [np.take(v, keep, axis=0) for v in w]
        elif kind == "Flatten" and keep is not None:
            spatial = int(np.prod(layer.input_shape[1:-1]))
            channels = int(layer.input_shape[-1])
            keep = (np.arange(spatial)[:, None] * channels + keep[None, :]).reshape(-1)
        new_layers.append(type(layer).from_config(cfg))
        weights.append(w)
    inp = tf.keras.Input(shape=model.input_shape[1:], name=model.layers[0].name if
                         type(model.layers[0]).__name__ == "InputLayer" else "input")
    y = inp
    for layer in new_layers:
        y = layer(y)
    smaller = tf.keras.Model(inp, y, name=f"{model.name}_channel_pruned")
    for layer, w in zip(new_layers, weights):
        if w:
            layer.set_weights(w)
    return smaller, plan


def prune_channels(tf, model, x, y, sparsity: float, epochs: int, loss: str, callbacks: list) -> tuple[object, list[ChannelCut]]:
    """Cut, then fine-tune the smaller model so it recovers what the removed channels carried."""
    smaller, plan = cut_channels(tf, model, sparsity)
    smaller.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=loss)
    if epochs > 0:
        smaller.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=callbacks)
    return smaller, plan.cuts
