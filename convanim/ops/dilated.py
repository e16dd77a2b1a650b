"""A dilated convolution: ``conv`` with the paper's dilation figure (i=7, k=3, d=2) by default."""

from .base import Operation, channel_params, geometry_params, view_param
from .conv import PADDING_MODE, VIEWS, Conv2d, caption, describe

DILATED = Operation(
    "dilated", "A dilated convolution (the paper's dilation figure by default).",
    Conv2d, (*geometry_params(i="7", k="3", d="2"), *channel_params(), PADDING_MODE, view_param(VIEWS)), Conv2d, rank=1,
    title="a dilated convolution", caption=caption, describe=describe, views=VIEWS,
)
