"""A pointwise (1×1) convolution: it mixes channels, cell by cell."""

from __future__ import annotations

from ..core.errors import PairLike, SpecError, as_pair
from ..core.geometry import PaddingLike
from .base import Operation, channel_params, geometry_params, reworded
from .conv import Conv2d, caption, describe


def pointwise_conv2d(input_size: PairLike, in_channels: int = 3, out_channels: int = 1, stride: PairLike = 1,
                     padding: PaddingLike = 0, groups: int = 1, kernel_size: PairLike = 1) -> Conv2d:
    """``Conv2d(input_size, 1, …)`` with channels; ``kernel_size`` is there to be refused if not 1."""
    kernel = as_pair("kernel_size", kernel_size, 1)
    if kernel != (1, 1):
        raise SpecError("kernel_size", f"a pointwise convolution is 1x1, got {kernel[0]}x{kernel[1]}")
    return Conv2d(input_size, 1, stride, padding, 1, in_channels, out_channels, groups)


POINTWISE = Operation(
    "pointwise", "A 1x1 convolution: mixes channels, cell by cell.",
    pointwise_conv2d, (*reworded(geometry_params(i="4", k="1", d=None),
               kernel_size="Always 1: a pointwise convolution is 1x1 (any other size is refused)."),
     *channel_params(in_default=3)), Conv2d,
    rank=4, title="a 1x1 (pointwise) convolution",
    caption=caption, describe=describe,
)
