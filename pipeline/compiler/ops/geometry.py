"""Shape checks and window geometry shared by the int8 and float32 lowerings (conv, pooling, concat)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from pipeline.compiler import quant
from pipeline.compiler.ops import Unsupported


@dataclass(frozen=True)
class Window:
    """An NHWC window op's geometry: input, output, filter, stride, dilation and TFLM's padding."""

    n: int
    ih: int
    iw: int
    ic: int
    oh: int
    ow: int
    oc: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    ph: int
    pw: int
    same: bool

    def as_dict(self) -> dict[str, int]:
        d = asdict(self)
        del d["same"]
        return d

    @property
    def padding_name(self) -> str:
        return "SAME" if self.same else "VALID"


def window(op, inp, out, kh: int, kw: int, dilation: bool = True, what: str = "padding/stride") -> Window:
    """The geometry of a 4-D window op, checked against the output shape the model declares."""
    if len(inp.shape) != 4 or len(out.shape) != 4:
        raise Unsupported("expects 4-D NHWC tensors")
    o = op.options
    n, ih, iw, ic = (int(v) for v in inp.shape)
    _, oh, ow, oc = (int(v) for v in out.shape)
    sh, sw = int(o.strideH), int(o.strideW)
    dh, dw = (int(o.dilationHFactor or 1), int(o.dilationWFactor or 1)) if dilation else (1, 1)
    same = o.padding == 0
    if (quant.compute_out_size(same, ih, kh, sh, dh), quant.compute_out_size(same, iw, kw, sw, dw)) != (oh, ow):
        raise Unsupported(f"output shape {out.shape} does not match the {what} geometry")
    return Window(n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw,
                  quant.compute_padding(sh, dh, ih, kh, oh), quant.compute_padding(sw, dw, iw, kw, ow), same)


def conv_window(op, inp, out, w) -> Window:
    """CONV_2D / DEPTHWISE_CONV_2D: the filter's [.., kh, kw, ..] gives the window."""
    if len(w.shape) != 4:
        raise Unsupported("expects 4-D NHWC tensors")
    return window(op, inp, out, int(w.shape[1]), int(w.shape[2]))


def pool_window(op, inp, out) -> Window:
    """MAX/AVERAGE_POOL_2D: the window from the options, no dilation, depth unchanged."""
    o = op.options
    g = window(op, inp, out, int(o.filterHeight), int(o.filterWidth), dilation=False, what="pooling")
    if g.oc != g.ic:
        raise Unsupported(f"output shape {out.shape} does not match the pooling geometry")
    return g


def filter_channels(w_shape, g: Window, depthwise: bool) -> tuple[str, int, int]:
    """(channel parameter name, its value, MACs): depth_multiplier for DEPTHWISE_CONV_2D, the
    filter's input depth for CONV_2D (grouped when it divides the input depth)."""
    if depthwise:
        if w_shape[0] != 1 or w_shape[3] != g.oc or g.oc % g.ic:
            raise Unsupported(f"weights shape {tuple(w_shape)} does not fit input depth {g.ic} / output depth {g.oc}")
        return "depth_multiplier", g.oc // g.ic, g.n * g.oh * g.ow * g.oc * g.kh * g.kw
    fic = int(w_shape[3])
    if g.ic % fic or g.oc % (g.ic // fic) or w_shape[0] != g.oc:
        raise Unsupported(f"filter {tuple(w_shape)} does not fit input depth {g.ic} / output depth {g.oc}")
    return "filter_in_c", fic, g.n * g.oh * g.ow * g.oc * g.kh * g.kw * fic


@dataclass(frozen=True)
class ConcatLayout:
    axis: int
    outer: int            # product of the output's dimensions before the axis
    sizes: list[int]      # elements each input contributes per outer step

    def describe(self) -> str:
        return f"axis {self.axis}: {self.outer} x ({' + '.join(map(str, self.sizes))})"


def concat_layout(op, ins, out, max_inputs: int) -> ConcatLayout:
    """CONCATENATION's checks as TFLM's Prepare makes them, and the copy it amounts to."""
    if not 1 <= len(ins) <= max_inputs:
        raise Unsupported(f"{len(ins)} inputs (TFLM takes at most {max_inputs})")
    if op.options is not None and getattr(op.options, "fusedActivationFunction", 0):
        raise Unsupported("fused activation (TFLM requires none)")
    nd = len(out.shape)
    axis = int(op.options.axis) if op.options is not None else 0
    axis = axis + nd if axis < 0 else axis
    if not 0 <= axis < max(nd, 1):
        raise Unsupported(f"axis {axis} out of range for {nd}-D output")
    for t in ins:
        if len(t.shape) != nd or any(a != b for d, (a, b) in enumerate(zip(t.shape, out.shape)) if d != axis):
            raise Unsupported(f"input '{t.name}' shape {t.shape} does not fit output {out.shape} on axis {axis}")
    if sum(t.shape[axis] for t in ins) != out.shape[axis]:
        raise Unsupported(f"input sizes on axis {axis} do not add up to {out.shape[axis]}")
    outer = int(np.prod(out.shape[:axis])) if axis else 1
    return ConcatLayout(axis, outer, [int(np.prod(t.shape[axis:])) for t in ins])
