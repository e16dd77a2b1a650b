"""A transposed 2-D convolution, as PyTorch's ``nn.ConvTranspose2d``: drawn as the paper does (the
equivalent direct convolution), or as each input cell stamping the kernel (the scatter view)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import List, Optional, Tuple

import numpy as np

from ..core.errors import Pair, PairLike, SpecError, as_pair
from ..core.geometry import size_text, sweep_leftover, transposed_size
from ..core.spec import SUM, Reducer, Window
from ..core.sweep import Sweep, transposed_sweep
from ..core.values import full_canvas
from ..scene.views import scatter_scene, transposed_scene
from .base import GATHER, OneSweep, Operation, Param, View, Windowed, channel_params, channels_slug, matrix_view, \
    one_channel, set_channels, stage_shapes, view_param
from .conv import VIEWS as CONV_VIEWS
from .conv import Conv2d, caption_extras, has_bias
from .gradient import GRAD_VIEWS, GRADIENTS, Gradient


@dataclass(frozen=True, init=False)
class TransposedConvolution(Windowed, OneSweep):
    """A transposed convolution on planes: what :class:`ConvTranspose2d`, ``ConvTranspose1d``
    (a plane one row high) and a pixel shuffle hold.

    ``input_size`` is the transposed operation's own input (the o of the direct convolution
    it transposes); the output size is (i − 1)·s − 2p + d·(k − 1) + a + 1. With channels, as
    PyTorch stores it: input C×H×W, weight C×(O/groups)×kh×kw.
    """

    input_size: Pair
    window: Window  # its padding PyTorch's, on both sides of each axis
    output_padding: Pair = (0, 0)
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    bias: bool = True  # a bias per output channel (PyTorch's default); counted in the costs

    def _hold(self, input_size: PairLike, kernel_size: PairLike, stride: PairLike, padding: PairLike,
              dilation: PairLike, output_padding: PairLike, in_channels: int, out_channels: int, groups: int,
              bias: bool) -> None:
        """Read and check PyTorch's arguments, one value or one per axis of the planes."""
        set_channels(self, in_channels, out_channels, groups)
        object.__setattr__(self, "bias", has_bias(bias))
        object.__setattr__(self, "input_size", as_pair("input_size", input_size, 1))
        kernel, stride = as_pair("kernel_size", kernel_size, 1), as_pair("stride", stride, 1)
        object.__setattr__(self, "window", Window.of(kernel, stride, as_pair("padding", padding, 0), dilation))
        object.__setattr__(self, "output_padding", as_pair("output_padding", output_padding, 0))
        for a, s, d in zip(self.output_padding, self.stride, self.dilation):
            if a >= s and a >= d:
                raise SpecError(
                    "output_padding",
                    f"must be smaller than the stride or the dilation (PyTorch's rule), "
                    f"got {a} with stride {s} and dilation {d}",
                )
        out = self.output_size
        if min(out) < 1:
            raise SpecError(
                ("padding", "input_size", "kernel_size"),
                f"the padding leaves no output (output size {out[0]}x{out[1]})",
            )

    @property
    def padding(self) -> Pair:  # type: ignore[override]
        """PyTorch's: (h, w), cropped from both sides of each axis of the output."""
        t, _, l, _ = self.window.padding
        return (t, l)

    @property
    def has_channels(self) -> bool:
        return (self.in_channels, self.out_channels, self.groups) != (1, 1, 1)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, *self.input_size) if self.has_channels else self.input_size

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        """PyTorch's: in_channels × out_channels/groups × kh × kw."""
        kh, kw = self.kernel_size
        return (self.in_channels, self.out_channels // self.groups, kh, kw) if self.has_channels else (kh, kw)

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, *self.output_size) if self.has_channels else self.output_size

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """The weight as the equivalent direct convolution slides it, before the 180° turn:
        O × (C/groups) × kh × kw, each output channel's slices from the input channels of its group."""
        g, kh, kw = self.groups, *self.kernel_size
        per_in, per_out = self.in_channels // g, self.out_channels // g
        w = np.asarray(kernel).reshape(g, per_in, per_out, kh, kw)
        return w.transpose(0, 2, 1, 3, 4).reshape(self.out_channels, per_in, kh, kw)

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def output_size(self) -> Pair:
        return transposed_size(self.input_size, self.kernel_size, self.stride, self.padding, self.dilation,
                               self.output_padding)

    @property
    def drawn_size(self) -> Pair:
        """The grid the paper draws: the input spread out and padded, o + d·(k − 1) on a side."""
        return tuple(o + e - 1 for o, e in zip(self.output_size, self.kernel_extent))  # type: ignore[return-value]

    def sweep(self) -> Sweep:
        return transposed_sweep(self.input_size, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.output_padding)

    def size_formula(self) -> List[str]:
        lines = []
        for axis, name in ((0, "height"), (1, "width")):
            i, k, s, d = self.input_size[axis], self.kernel_size[axis], self.stride[axis], self.dilation[axis]
            p, a, o = self.padding[axis], self.output_padding[axis], self.output_size[axis]
            lines.append(f"{name}: o = (i-1)*s - 2p + d*(k-1) + a + 1 = ({i}-1)*{s} - 2*{p} + {d}*({k}-1) + {a} + 1 = {o}")
        return lines

    def costs(self) -> dict:
        """Every input cell of every input channel stamps its slices onto its group's outputs."""
        (kh, kw), (ih, iw) = self.kernel_size, self.input_size
        per_input = (self.out_channels // self.groups) * kh * kw
        return {"weights": self.in_channels * per_input, "biases": self.out_channels if self.bias else 0,
                "multiply_adds": self.in_channels * ih * iw * per_input}

    def field_span(self, axis: int, first: int, last: int) -> Optional[Tuple[int, int]]:
        """The input cells that output cells ``first``..``last`` receive stamps from: input i stamps
        outputs i·s − p + t·d for t < k (None if none does, as between the stamps of a 1×1 kernel)."""
        s, d, k, p = self.stride[axis], self.dilation[axis], self.kernel_size[axis], self.padding[axis]
        low, high = -(-(first + p - d * (k - 1)) // s), (last + p) // s
        return (low, high) if low <= high else None

    def field_jump(self, axis: int) -> Fraction:
        return Fraction(1, self.stride[axis])

    def receptive_field(self) -> Pair:
        """Its taps land on every s-th drawn cell: ⌈extent / s⌉ inputs on each axis."""
        return tuple(-(-e // s) for e, s in zip(self.kernel_extent, self.stride))  # type: ignore[return-value]


@dataclass(frozen=True, init=False)
class ConvTranspose2d(TransposedConvolution):
    """A transposed 2-D convolution with PyTorch's parameters (``nn.ConvTranspose2d``)."""

    op = "transposed"

    def __init__(
        self,
        input_size: PairLike,
        kernel_size: PairLike,
        stride: PairLike = 1,
        padding: PairLike = 0,
        dilation: PairLike = 1,
        output_padding: PairLike = 0,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
        bias: bool = True,
    ):
        self._hold(input_size, kernel_size, stride, padding, dilation, output_padding, in_channels, out_channels,
                   groups, bias)

    @classmethod
    def of(cls, conv: Conv2d) -> "ConvTranspose2d":
        """The transposed convolution that maps ``conv``'s output shape back to its input shape
        (its channels the other way round, and the same weight tensor)."""
        t, b, l, r = conv.padding
        if (t, l) != (b, r):
            raise SpecError("padding", "only a symmetric padding has a transposed convolution in PyTorch"
                            " (nor a gradient view drawn as one)")
        leftover = sweep_leftover(conv.padded_size, conv.kernel_size, conv.stride, conv.dilation)
        return cls(conv.output_size, conv.kernel_size, conv.stride, (t, l), conv.dilation, leftover,
                   conv.out_channels, conv.in_channels, conv.groups)

    @property
    def slug(self) -> str:
        return (
            f"i{size_text(self.input_size)}_k{size_text(self.kernel_size)}_s{size_text(self.stride)}"
            f"_p{size_text(self.padding)}_d{size_text(self.dilation)}_a{size_text(self.output_padding)}"
            f"{channels_slug(self)}"
        )


def caption(spec: ConvTranspose2d) -> str:
    pad = str(spec.padding[0]) if spec.padding[0] == spec.padding[1] else "{},{}".format(*spec.padding)
    parts = [f"i={size_text(spec.input_size)}", f"k={size_text(spec.kernel_size)}", f"s={size_text(spec.stride)}",
             f"p={pad}"]
    if spec.dilation != (1, 1):
        parts.append(f"d={size_text(spec.dilation)}")
    if spec.output_padding != (0, 0):
        parts.append(f"a={size_text(spec.output_padding)}")
    parts += caption_extras(spec)[0]
    slid = "; the slices are the weights rotated 180°, as they slide" if spec.has_channels else ""
    return f"transposed: {', '.join(parts)} → o={size_text(spec.output_size)}{slid}"


def _gather(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = ""):
    """The paper's view; labelled, it says what its grid is (spread out, padded, kernel rotated)."""
    if labels and not spec.has_channels:  # a channel figure is drawn in columns, as a convolution's
        return transposed_scene(spec, numbers, precision, caption)
    return GATHER.scene(spec, numbers, precision, labels, caption)


def _scatter(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = ""):
    return scatter_scene(spec, numbers, precision, caption)


VIEWS = {
    "gather": View("gather", _gather, GATHER.frames, GATHER.shapes),
    "scatter": View("scatter", _scatter, lambda spec: spec.input_size[0] * spec.input_size[1],
                    lambda spec: stage_shapes(spec) + [full_canvas(spec)], one_channel("scatter")),
    "matrix": matrix_view("Cᵀ"),
    "grad-input": GRAD_VIEWS["grad-input"],
    "grad-weight": GRAD_VIEWS["grad-weight"],
}


def conv_of(spec: ConvTranspose2d) -> Conv2d:
    """The direct convolution that is a transposed convolution's input gradient: ∂L/∂y back to
    ∂L/∂x, the weight tensor the same (its channels the other way round)."""
    too_far = [a for a, s in zip(spec.output_padding, spec.stride) if a >= s]
    if too_far:
        raise SpecError(("view", "output_padding"), f"an output padding of {too_far[0]}, not less than the stride,"
                        " leaves ∂L/∂y longer than one direct convolution reads back: draw it with a smaller one")
    return Conv2d(spec.output_size, spec.kernel_size, spec.stride, spec.padding, spec.dilation,
                  spec.out_channels, spec.in_channels, spec.groups, bias=False)


GRADIENTS[Conv2d] = Gradient(ConvTranspose2d.of, VIEWS["gather"], scatter=True)
GRADIENTS[ConvTranspose2d] = Gradient(conv_of, CONV_VIEWS["gather"], grad_of="∂L/∂y")

PARAMS = (
    Param("input_size", "size", "2", "Input size of the transposed convolution, N or HxW.", ("--i", "--input-size")),
    Param("kernel_size", "size", "3", "Kernel size, N or HxW.", ("--k", "--kernel-size")),
    Param("stride", "size", "1", "Stride, N or HxW.", ("--s", "--stride")),
    Param("padding", "pair-padding", "0", "PyTorch's padding: N or H,W.", ("--p", "--padding")),
    Param("dilation", "size", "1", "Dilation, N or HxW.", ("--d", "--dilation")),
    Param("output_padding", "size", "0", "Extra rows/columns at the bottom and right (PyTorch's output_padding).",
          ("--a", "--output-padding")),
)

TRANSPOSED = Operation(
    "transposed", "A transposed convolution, drawn as the paper does (the equivalent direct convolution), "
    "as each input cell stamping the kernel onto the output (--view scatter), or as the matrix Cᵀ (--view matrix).",
    ConvTranspose2d,
    (*PARAMS, *channel_params(in_default=1), view_param(VIEWS)),
    ConvTranspose2d, rank=2, title="a transposed convolution", caption=caption, views=VIEWS, noun="transposed convolutions",
    weight_layout="in,out",
)
