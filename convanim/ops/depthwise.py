"""A depthwise convolution: one kernel per input channel (groups = channels), or several."""

from __future__ import annotations

from ..core.errors import PairLike, SpecError, whole_in
from ..core.geometry import PaddingLike
from .base import MAX_CHANNELS, Operation, channel_params, geometry_params
from .conv import Conv2d, caption, describe


def depthwise_conv2d(input_size: PairLike, kernel_size: PairLike, stride: PairLike = 1, padding: PaddingLike = 0,
                     dilation: PairLike = 1, in_channels: int = 3, depth_multiplier: int = 1) -> Conv2d:
    """``Conv2d(…, in_channels, in_channels · depth_multiplier, groups=in_channels)``."""
    channels = whole_in("in_channels", in_channels, 1, MAX_CHANNELS)
    multiplier = whole_in("depth_multiplier", depth_multiplier, 1, MAX_CHANNELS)
    if channels * multiplier > MAX_CHANNELS:
        raise SpecError(("in_channels", "depth_multiplier"),
                        f"{channels} x {multiplier} output channels, more than {MAX_CHANNELS:,}")
    return Conv2d(input_size, kernel_size, stride, padding, dilation, channels, channels * multiplier, groups=channels)


DEPTHWISE = Operation(
    "depthwise", "A depthwise convolution: one kernel per input channel (groups = channels).",
    depthwise_conv2d,
    (*geometry_params(i="5", k="3", d="1"), *channel_params(out=False, groups=False, multiplier=True, in_default=3)),
    Conv2d, rank=5, title="a depthwise convolution", caption=caption, describe=describe,
)
