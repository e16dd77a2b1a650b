"""A direct 2-D convolution, as PyTorch's ``nn.Conv2d``: the paper's figures, with channels and groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..core.errors import Pair, PairLike, SpecError, as_pair
from ..core.geometry import PADDING_MODES, PaddingLike, Quad, padding_copies, size_text
from ..core.spec import SUM, Reducer, Window
from ..core.sweep import Sweep, direct_sweep
from ..scene.gather import COPIES_NOTE
from .gradient import GRAD_VIEWS
from .base import GATHER, IM2COL, OneSweep, Operation, Param, Windowed, channel_params, channels_slug, \
    describe_stages, geometry_params, matrix_view, set_channels, stages_text, view_param


@dataclass(frozen=True, init=False)
class Convolution(Windowed, OneSweep):
    """A direct convolution (cross-correlation, as in PyTorch's ``F.conv2d``) on planes: what
    :class:`Conv2d` and ``Conv1d`` (a plane one row high) hold, each reading its own PyTorch
    arguments into it. With channels: each output channel reads the input channels of its group.
    """

    input_size: Pair
    window: Window
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    padding_mode: str = "zeros"
    bias: bool = True  # a bias per output channel (PyTorch's default); counted in the costs, drawn with --bias-values

    def _hold(self, input_size: Pair, window: Window, in_channels: int, out_channels: int, groups: int,
              padding_mode: str, bias: bool) -> None:
        """Set and check what every direct convolution holds, its arguments read."""
        object.__setattr__(self, "input_size", input_size)
        object.__setattr__(self, "window", window)
        set_channels(self, in_channels, out_channels, groups)
        self.window.check_fits(self.input_size)
        padding_copies(self.input_size, self.padding, padding_mode)  # checks the mode and what it can copy
        object.__setattr__(self, "padding_mode", padding_mode)
        object.__setattr__(self, "bias", has_bias(bias))

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def has_channels(self) -> bool:
        """Whether arrays carry channel axes (C×H×W input, O×C/g×kh×kw weight)."""
        return (self.in_channels, self.out_channels, self.groups) != (1, 1, 1)

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        kh, kw = self.kernel_size
        return (self.out_channels, self.in_channels // self.groups, kh, kw) if self.has_channels else (kh, kw)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, *self.input_size) if self.has_channels else self.input_size

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, *self.output_size) if self.has_channels else self.output_size

    @property
    def drawn_size(self) -> Pair:
        """The grid the paper draws: the padded input."""
        return self.padded_size

    @property
    def output_size(self) -> Pair:
        """⌊(i + p_before + p_after − d·(k−1) − 1) / s⌋ + 1 on each axis."""
        return self.window.output_size(self.input_size)

    def sweep(self) -> Sweep:
        """The sweep that computes it, over the padded input as the paper draws it."""
        return direct_sweep(self.input_size, self.padding, self.kernel_size, self.stride, self.dilation, self.padding_mode)

    # ---- what `info` says ----

    def size_formula(self) -> List[str]:
        """The output size on each axis, as the formula and with the numbers put in."""
        return self.window.size_formula(self.input_size)

    def costs(self) -> dict:
        """Weights, biases and multiply-adds."""
        (kh, kw), (oh, ow) = self.kernel_size, self.output_size
        per_output = (self.in_channels // self.groups) * kh * kw
        return {
            "weights": self.out_channels * per_output,
            "biases": self.out_channels if self.bias else 0,
            "multiply_adds": self.out_channels * oh * ow * per_output,
        }

    def receptive_field(self) -> Pair:
        """How many input cells (h, w) one output cell can depend on."""
        return self.kernel_extent


@dataclass(frozen=True, init=False)
class Conv2d(Convolution):
    """A direct 2-D convolution, as ``nn.Conv2d``: input C×H×W, weight O×(C/groups)×kh×kw."""

    op = "conv"

    def __init__(
        self,
        input_size: PairLike,
        kernel_size: PairLike,
        stride: PairLike = 1,
        padding: PaddingLike = 0,
        dilation: PairLike = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
        padding_mode: str = "zeros",
        bias: bool = True,
    ):
        self._hold(as_pair("input_size", input_size, 1), Window.of(kernel_size, stride, padding, dilation),
                   in_channels, out_channels, groups, padding_mode, bias)

    @property
    def slug(self) -> str:
        """A file-name-safe summary, e.g. ``i5_k3_s2_p1_d1``."""
        return self.window.slug(self.input_size) + channels_slug(self) + (
            "" if self.padding_mode == "zeros" else f"_{self.padding_mode}")


def has_bias(bias) -> bool:
    """A layer's ``bias`` argument as PyTorch reads it: True or False."""
    if not isinstance(bias, (bool, np.bool_)):
        raise SpecError("bias", f"must be true or false, got {bias!r}")
    return bool(bias)


def padding_text(padding: Quad) -> str:
    t, b, l, r = padding
    return str(t) if t == b == l == r else (f"{t},{l}" if (t, l) == (b, r) else f"{t},{b},{l},{r}")


def caption(spec: Conv2d, prefix: str = "") -> str:
    """The parameters and the output size, in the paper's letters: ``i=5, k=3, s=2, p=1 → o=3``."""
    parts = [f"i={size_text(spec.input_size)}", f"k={size_text(spec.kernel_size)}", f"s={size_text(spec.stride)}",
             f"p={padding_text(spec.padding)}"]
    if spec.dilation != (1, 1):
        parts.append(f"d={size_text(spec.dilation)}")
    more, note = caption_extras(spec, spec.padding_mode)
    return f"{prefix}{', '.join(parts + more)} → o={size_text(spec.output_size)}{note}"


def caption_extras(spec, padding_mode: str = "zeros") -> Tuple[List[str], str]:
    """What a caption adds after the geometry: the padding mode, the channels and groups; and a
    note on what the outlines mean where the padding copies the input."""
    parts = []
    copies = padding_mode != "zeros"
    if copies:
        parts.append(f"{padding_mode} padding")
    if spec.has_channels:
        parts.append(f"channels {spec.in_channels}→{spec.out_channels}")
        if spec.groups > 1:
            parts.append(f"groups={spec.groups}")
    return parts, COPIES_NOTE if copies else ""


def describe(spec: Conv2d, bottleneck: Optional[int] = None) -> dict:
    info = describe_stages(spec)
    if bottleneck is not None:
        info["bottleneck"] = _bottleneck(spec, bottleneck)
    return info


def _bottleneck(spec: Conv2d, channels: int) -> dict:
    """The same layer behind a 1×1 convolution down to ``channels``: the seeds' bottleneck."""
    if spec.groups != 1:
        raise SpecError("bottleneck", "applies to a plain convolution with channels")
    if channels >= spec.in_channels:
        raise SpecError(("bottleneck", "in_channels"), f"a bottleneck narrows: {channels} is not fewer than {spec.in_channels} channels")
    squeeze = Conv2d(spec.input_size, 1, in_channels=spec.in_channels, out_channels=channels)
    layer = Conv2d(spec.input_size, spec.kernel_size, spec.stride, spec.padding, spec.dilation,
                   in_channels=channels, out_channels=spec.out_channels)
    a, b = squeeze.costs(), layer.costs()
    return {
        "channels": channels,
        "pointwise_weights": a["weights"],
        "conv_weights": b["weights"],
        "weights": a["weights"] + b["weights"],
        "multiply_adds": a["multiply_adds"] + b["multiply_adds"],
    }


VIEWS = {"gather": GATHER, "matrix": matrix_view(), "im2col": IM2COL, **GRAD_VIEWS}

PADDING_MODE = Param("padding_mode", "choice", "zeros", "What padding holds: zeros, or copies of the input's cells"
                     " (reflect, replicate, circular), as PyTorch's padding_mode.", choices=PADDING_MODES)

CONV = Operation(
    "conv", "A direct convolution (PyTorch's conv2d), with channels and groups: one frame per output cell.",
    Conv2d, (*geometry_params(i="5", k="3", d="1"), *channel_params(), PADDING_MODE, view_param(VIEWS)), Conv2d, rank=0,
    title="a direct convolution", caption=caption, describe=describe, info_text=stages_text, views=VIEWS,
    info_params=(Param("bottleneck", "count", None, "Compare with a 1x1 convolution to this many channels first.",
                       show_default=False),),
)
