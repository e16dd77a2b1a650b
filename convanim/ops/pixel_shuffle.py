"""Pixel shuffle (``nn.PixelShuffle``, Shi et al. 2016): C·r² channels of H×W rearranged into C
channels of rH×rW. It is exactly a transposed convolution with kernel and stride r, one group per
output channel, whose kernels are one-hot: input channel c·r² + i·r + j stamps its cell at
offset (i, j) of an r×r block. It is drawn, computed and dumped as that convolution, with its
weights fixed, and counts none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from ..core.errors import PairLike, whole_in
from ..core.geometry import shape_text, size_text
from ..core.spec import Stage
from .base import GATHER, Operation, Param, view_param
from .transposed import TransposedConvolution

MAX_FACTOR = 8


def one_hot(channels: int, factor: int) -> np.ndarray:
    """The weight (C·r², 1, r, r) that makes a grouped transposed convolution a pixel shuffle."""
    r = factor
    weight = np.zeros((channels * r * r, 1, r, r))
    for c in range(channels):
        for i in range(r):
            for j in range(r):
                weight[c * r * r + i * r + j, 0, i, j] = 1.0
    return weight


@dataclass(frozen=True, init=False)
class PixelShuffle2d(TransposedConvolution):
    """``nn.PixelShuffle(upscale_factor)`` on C·r² channels: a transposed convolution (k = s = r,
    groups = C) with one-hot kernels."""

    upscale_factor: int = 2

    op = "pixel-shuffle"

    def __init__(self, input_size: PairLike, upscale_factor: int = 2, out_channels: int = 1):
        r = whole_in("upscale_factor", upscale_factor, 1, MAX_FACTOR)
        c = whole_in("out_channels", out_channels, 1, 256)
        object.__setattr__(self, "upscale_factor", r)
        self._hold(input_size, r, r, 0, 1, 0, c * r * r, c, c, bias=False)

    @property
    def has_channels(self) -> bool:
        return True

    def stages(self) -> Tuple[Stage, ...]:
        kernel = tuple(one_hot(self.out_channels, self.upscale_factor).ravel())
        return (Stage("", self, 0, 1, kernel),)

    def costs(self) -> dict:
        """A rearrangement: no weights, nothing multiplied."""
        return {"weights": 0, "biases": 0, "multiply_adds": 0}

    def size_formula(self) -> list:
        r = self.upscale_factor
        return [f"{name}: o = r*i = {r}*{i} = {o}  (channels: {self.in_channels} / r^2 = {self.out_channels})"
                for name, i, o in zip(("height", "width"), self.input_size, self.output_size)]

    @property
    def slug(self) -> str:
        return f"i{size_text(self.input_size)}_r{self.upscale_factor}_c{self.out_channels}"


def caption(spec: PixelShuffle2d) -> str:
    r, c = spec.upscale_factor, spec.out_channels
    return (f"pixel shuffle, r={r}: {shape_text(spec.input_shape)} → {shape_text(spec.output_shape)};"
            f" a transposed convolution, k=s={r}, one-hot kernels")


VIEWS = {"gather": GATHER}

PIXEL_SHUFFLE = Operation(
    "pixel-shuffle", "Pixel shuffle (nn.PixelShuffle): C·r² channels rearranged into C channels r times larger, "
    "drawn as the transposed convolution with one-hot kernels that it is.",
    PixelShuffle2d,
    (Param("input_size", "size", "2", "Input size, N or HxW.", ("--i", "--input-size")),
     Param("upscale_factor", "int", 2, "The factor r: r² input channels make one output channel.", ("--r", "--upscale-factor")),
     Param("out_channels", "count", 1, "Output channels C (the input has C·r²)."),
     view_param(VIEWS)),
    PixelShuffle2d, rank=17, title="a pixel shuffle", caption=caption, kernel_values=False, views=VIEWS,
    weight_layout="in,out",
)
