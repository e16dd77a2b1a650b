"""MobileNet's depthwise-separable convolution: a depthwise convolution, then a pointwise one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from ..core.errors import Pair, PairLike, whole, whole_in
from ..core.geometry import PaddingLike, size_text
from ..core.spec import SUM, Reducer, Stage, Window
from .base import MAX_CHANNELS, Operation, Windowed, channel_params, describe_stages, geometry_params
from .conv import Conv2d, caption as conv_caption


@dataclass(frozen=True, init=False)
class SeparableConv2d(Windowed):
    """A depthwise convolution (one k×k kernel per channel, ``depth_multiplier`` of them) then
    a pointwise 1×1 convolution to ``out_channels``: MobileNet's depthwise-separable block."""

    input_size: Pair
    window: Window
    in_channels: int = 1
    out_channels: int = 1
    depth_multiplier: int = 1

    op = "separable"
    volumes = ("input", "depthwise", "output")

    def __init__(self, input_size: PairLike, kernel_size: PairLike, stride: PairLike = 1, padding: PaddingLike = 0,
                 dilation: PairLike = 1, in_channels: int = 1, out_channels: int = 1, depth_multiplier: int = 1):
        multiplier = whole_in("depth_multiplier", depth_multiplier, 1, MAX_CHANNELS)
        in_channels = whole("in_channels", in_channels)
        depthwise = Conv2d(input_size, kernel_size, stride, padding, dilation, in_channels,
                           in_channels * multiplier, groups=in_channels)  # validates all but out_channels
        for name, value in (("input_size", depthwise.input_size), ("window", depthwise.window),
                            ("in_channels", depthwise.in_channels), ("out_channels", out_channels)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "depth_multiplier", multiplier)
        object.__setattr__(self, "out_channels", self.stages()[1].spec.out_channels)  # validates it

    @property
    def reducer(self) -> Reducer:
        return SUM

    def stages(self) -> Tuple[Stage, ...]:
        depthwise = Conv2d(self.input_size, self.kernel_size, self.stride, self.padding, self.dilation,
                           self.in_channels, self.in_channels * self.depth_multiplier, groups=self.in_channels)
        pointwise = Conv2d(depthwise.output_size, 1, in_channels=depthwise.out_channels, out_channels=self.out_channels)
        kh, kw = self.kernel_size
        return (Stage(f"phase 1: depthwise {kh}x{kw}", depthwise, 0, 1), Stage("phase 2: pointwise 1x1", pointwise, 1, 2))

    @property
    def output_size(self) -> Pair:
        return self.stages()[0].spec.output_size

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, *self.input_size)

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, *self.output_size)

    @property
    def slug(self) -> str:
        return f"{self.stages()[0].spec.slug.rsplit('_c', 1)[0]}_c{self.in_channels}to{self.out_channels}_m{self.depth_multiplier}"

    def receptive_field(self) -> Pair:
        return self.stages()[0].spec.receptive_field()


def caption(spec: SeparableConv2d) -> str:
    depthwise = conv_caption(spec.stages()[0].spec).split(", channels")[0]
    multiplier = f", depth multiplier {spec.depth_multiplier}" if spec.depth_multiplier > 1 else ""
    return f"{depthwise}, channels {spec.in_channels}→{spec.out_channels}{multiplier} → o={size_text(spec.output_size)}"


def describe(spec: SeparableConv2d, bottleneck: Optional[int] = None) -> dict:
    """The two stages, and the weights of the standard convolution it stands for."""
    info = describe_stages(spec)
    info["standard_conv_weights"] = spec.kernel_size[0] * spec.kernel_size[1] * spec.in_channels * spec.out_channels
    return info


SEPARABLE = Operation(
    "separable", "A depthwise-separable convolution: depthwise, then pointwise, in two phases.",
    SeparableConv2d,
    (*geometry_params(i="5", k="3", d="1"), *channel_params(groups=False, multiplier=True, in_default=3)),
    SeparableConv2d, rank=6, title="a depthwise-separable convolution", caption=caption, describe=describe,
    kernel_values=False,
)
