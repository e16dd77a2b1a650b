"""A direct 2-D convolution, as PyTorch's ``nn.Conv2d``: the paper's figures, with channels and groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ..core.errors import Pair, PairLike, SpecError, as_pair
from ..core.geometry import PADDING_MODES, PaddingLike, Quad, extent, padded_size, padding_copies, resolve_padding, \
    size_text, sweep_size
from ..core.sweep import Sweep, direct_sweep
from ..core.spec import SUM, Read, Reducer, Stage, group_reads
from ..scene.gather import COPIES_NOTE
from .base import GATHER, IM2COL, Operation, Param, channel_params, describe_stages, geometry_params, \
    matrix_view, set_channels, stages_text, view_param


@dataclass(frozen=True, init=False)
class Conv2d:
    """A direct 2-D convolution (cross-correlation, as in PyTorch's ``F.conv2d``).

    With channels, as ``nn.Conv2d``: input C×H×W, weight O×(C/groups)×kh×kw; each output
    channel reads the input channels of its group.
    """

    input_size: Pair
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Quad = (0, 0, 0, 0)
    dilation: Pair = (1, 1)
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    padding_mode: str = "zeros"

    op = "conv"
    volumes = ("input", "output")
    dims = 2

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
    ):
        set_ = object.__setattr__
        set_(self, "input_size", as_pair("input_size", input_size, 1))
        set_(self, "kernel_size", as_pair("kernel_size", kernel_size, 1))
        set_(self, "stride", as_pair("stride", stride, 1))
        set_(self, "dilation", as_pair("dilation", dilation, 1))
        set_(self, "padding", resolve_padding(padding, self.kernel_size, self.dilation, self.stride))
        set_channels(self, in_channels, out_channels, groups)
        self._check_fits()
        padding_copies(self.input_size, self.padding, padding_mode)  # checks the mode and what it can copy
        set_(self, "padding_mode", padding_mode)

    def _check_fits(self) -> None:
        span, padded = self.kernel_extent, self.padded_size
        if span[0] > padded[0] or span[1] > padded[1]:
            raise SpecError(
                ("kernel_size", "input_size", "padding"),
                f"the kernel spans {span[0]}x{span[1]} cells"
                f"{' (dilated)' if self.dilation != (1, 1) else ''}"
                f" but the padded input is only {padded[0]}x{padded[1]}",
            )

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def kernel_extent(self) -> Pair:
        return extent(self.kernel_size, self.dilation)

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
    def padded_size(self) -> Pair:
        return padded_size(self.input_size, self.padding)

    @property
    def drawn_size(self) -> Pair:
        """The grid the paper draws: the padded input."""
        return self.padded_size

    @property
    def output_size(self) -> Pair:
        """⌊(i + p_before + p_after − d·(k−1) − 1) / s⌋ + 1 on each axis."""
        return sweep_size(self.padded_size, self.kernel_size, self.stride, self.dilation)

    def stages(self) -> Tuple[Stage, ...]:
        return (Stage("", self, 0, 1),)

    def reads(self, out_channel: int) -> Tuple[Read, ...]:
        """The input channels of its group, each under its own slice of the kernel."""
        return group_reads(self.in_channels, self.out_channels, self.groups, out_channel)

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """The weight as stored: a convolution slides it as it is."""
        return kernel

    def sweep(self) -> Sweep:
        """The sweep that computes it, over the padded input as the paper draws it."""
        return direct_sweep(self.input_size, self.padding, self.kernel_size, self.stride, self.dilation, self.padding_mode)

    @property
    def slug(self) -> str:
        """A file-name-safe summary, e.g. ``i5_k3_s2_p1_d1``."""
        t, b, l, r = self.padding
        pad = str(t) if t == b == l == r else (f"{t}x{l}" if (t, l) == (b, r) else f"{t}-{b}-{l}-{r}")
        channels = ""
        if self.has_channels:
            channels = f"_c{self.in_channels}to{self.out_channels}" + (f"_g{self.groups}" if self.groups > 1 else "")
        return (
            f"i{size_text(self.input_size)}_k{size_text(self.kernel_size)}_s{size_text(self.stride)}"
            f"_p{pad}_d{size_text(self.dilation)}{channels}"
            + ("" if self.padding_mode == "zeros" else f"_{self.padding_mode}")
        )

    # ---- what `info` says ----

    def size_formula(self) -> List[str]:
        """The output size on each axis, as the formula and with the numbers put in."""
        lines = []
        for axis, name in ((0, "height"), (1, "width")):
            i, k, s, d = self.input_size[axis], self.kernel_size[axis], self.stride[axis], self.dilation[axis]
            before, after = self.padding[2 * axis], self.padding[2 * axis + 1]
            lines.append(
                f"{name}: o = floor((i + p_before + p_after - d*(k-1) - 1) / s) + 1"
                f" = floor(({i} + {before} + {after} - {d}*({k}-1) - 1) / {s}) + 1 = {self.output_size[axis]}"
            )
        return lines

    def costs(self) -> dict:
        """Weights, biases and multiply-adds."""
        (kh, kw), (oh, ow) = self.kernel_size, self.output_size
        per_output = (self.in_channels // self.groups) * kh * kw
        return {
            "weights": self.out_channels * per_output,
            "biases": self.out_channels,
            "multiply_adds": self.out_channels * oh * ow * per_output,
        }

    def receptive_field(self) -> Pair:
        """How many input cells (h, w) one output cell can depend on."""
        return self.kernel_extent


def padding_text(padding: Quad) -> str:
    t, b, l, r = padding
    return str(t) if t == b == l == r else (f"{t},{l}" if (t, l) == (b, r) else f"{t},{b},{l},{r}")


def caption(spec: Conv2d, prefix: str = "") -> str:
    """The parameters and the output size, in the paper's letters: ``i=5, k=3, s=2, p=1 → o=3``."""
    parts = [f"i={size_text(spec.input_size)}", f"k={size_text(spec.kernel_size)}", f"s={size_text(spec.stride)}",
             f"p={padding_text(spec.padding)}"]
    if spec.dilation != (1, 1):
        parts.append(f"d={size_text(spec.dilation)}")
    more, note = caption_extras(spec)
    return f"{prefix}{', '.join(parts + more)} → o={size_text(spec.output_size)}{note}"


def caption_extras(spec) -> Tuple[List[str], str]:
    """What a caption adds after the geometry: the padding mode, the channels and groups; and a
    note on what the outlines mean where the padding copies the input."""
    parts = []
    copies = getattr(spec, "padding_mode", "zeros") != "zeros"
    if copies:
        parts.append(f"{spec.padding_mode} padding")
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


VIEWS = {"gather": GATHER, "matrix": matrix_view(), "im2col": IM2COL}

PADDING_MODE = Param("padding_mode", "choice", "zeros", "What padding holds: zeros, or copies of the input's cells"
                     " (reflect, replicate, circular), as PyTorch's padding_mode.", choices=PADDING_MODES)

CONV = Operation(
    "conv", "A direct convolution (PyTorch's conv2d), with channels and groups: one frame per output cell.",
    Conv2d, (*geometry_params(i="5", k="3", d="1"), *channel_params(), PADDING_MODE, view_param(VIEWS)), Conv2d, rank=0,
    title="a direct convolution", caption=caption, describe=describe, info_text=stages_text, views=VIEWS,
    info_params=(Param("bottleneck", "count", None, "Compare with a 1x1 convolution to this many channels first.",
                       show_default=False),),
)
