"""Max and average pooling, as PyTorch's ``max_pool2d`` and ``avg_pool2d``: a convolution's
geometry with no weights, each step reducing what its taps read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import PairLike, SpecError
from ..core.geometry import PaddingLike
from ..core.values import Reducer
from .base import GATHER, Operation, Param, describe_plain, geometry_params, matrix_view, view_param
from .conv import Conv2d, caption as conv_caption

# As in PyTorch, max pooling pads with −∞ and average pooling counts the zero padding.
REDUCERS = {
    "max": Reducer("max", np.max, -np.inf, np.argmax, "max(", ", ", ")"),
    "avg": Reducer("avg", np.mean, 0.0, None, "(", " + ", ")/{n}"),
}
POOL_MODES = tuple(REDUCERS)


@dataclass(frozen=True, init=False)
class Pool2d(Conv2d):
    """Max or average pooling: the geometry of a convolution, with no weights.

    As in PyTorch, max pooling pads with −∞ and average pooling counts the zero padding
    (``count_include_pad=True``); padding may be at most half the kernel.
    """

    mode: str = "max"

    op = "pool"

    def __init__(
        self,
        input_size: PairLike,
        kernel_size: PairLike,
        stride: PairLike = 1,
        padding: PaddingLike = 0,
        dilation: PairLike = 1,
        mode: str = "max",
    ):
        if mode not in POOL_MODES:
            raise SpecError("mode", f"unknown pooling mode {mode!r}: use one of {', '.join(POOL_MODES)}")
        object.__setattr__(self, "mode", mode)
        super().__init__(input_size, kernel_size, stride, padding, dilation)
        if mode == "avg" and self.dilation != (1, 1):
            raise SpecError("dilation", "average pooling has no dilation (as in PyTorch's avg_pool2d)")
        t, b, l, r = self.padding
        kh, kw = self.kernel_size
        for pad, span in ((t, kh), (b, kh), (l, kw), (r, kw)):
            if 2 * pad > span:
                raise SpecError("padding", f"pooling pads at most half the kernel (PyTorch's rule): {pad} > {span}/2")

    @property
    def reducer(self) -> Reducer:
        return REDUCERS[self.mode]

    @property
    def slug(self) -> str:
        return f"{self.mode}_{super().slug}"

    def costs(self) -> dict:
        """No multiplications: a compare or an add per tap."""
        (kh, kw), (oh, ow) = self.kernel_size, self.output_size
        return {"weights": 0, "biases": 0, "multiply_adds": 0, "operations": oh * ow * kh * kw}


def caption(spec: Pool2d) -> str:
    return conv_caption(spec, f"{spec.mode} pooling: ")


VIEWS = {"gather": GATHER, "matrix": matrix_view()}

POOL = Operation(
    "pool", "Max or average pooling (stride 1 unless --s says otherwise, as in the paper).",
    Pool2d, (Param("mode", "choice", "max", "max: pads with -inf; avg: counts the zero padding (PyTorch's defaults).",
                   choices=POOL_MODES), *geometry_params(i="5", k="3", d="1"), view_param(VIEWS)),
    Pool2d, rank=3, title="max or average pooling", caption=caption, describe=describe_plain, kernel_values=False,
    views=VIEWS,
)
