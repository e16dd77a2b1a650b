"""A spatially separable kernel (Sobel = [1,2,1]ᵀ·[1,0,−1]): a k×1 pass, then a 1×k pass, and the
full k×k kernel beside them giving the same result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from ..core.errors import Pair, PairLike, SpecError, as_pair, finite_list
from ..core.geometry import size_text
from ..core.spec import SUM, Reducer, Stage
from .base import OneChannel, Operation, Param, describe_stages, numbers_text, stages_view
from .conv import Conv2d


@dataclass(frozen=True, init=False)
class SpatialSeparableConv2d(OneChannel):
    """A k×k kernel that is the outer product of a column and a row (Sobel = [1,2,1]ᵀ·[1,0,−1]):
    a k×1 pass, then a 1×k pass, which give what the full k×k kernel gives."""

    column: Tuple[float, ...]  # in the dump's order: the kernel's column and row, then the input's size
    row: Tuple[float, ...]
    input_size: Pair

    op = "spatial-separable"
    volumes = ("input", "column pass", "output", "full kernel's output")

    def __init__(self, input_size: PairLike, column: Sequence[float], row: Sequence[float]):
        object.__setattr__(self, "column", finite_list("column", column))
        object.__setattr__(self, "row", finite_list("row", row))
        if len(self.column) != len(self.row):
            raise SpecError(("column", "row"), f"need the same length, got {len(self.column)} and {len(self.row)}")
        size = as_pair("input_size", input_size, 1)
        k = len(self.column)
        if min(size) < k:
            raise SpecError(("input_size", "column"), f"the input ({size[0]}x{size[1]}) is smaller than the {k}x{k} kernel")
        object.__setattr__(self, "input_size", size)

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def kernel_size(self) -> Pair:
        return (len(self.column), len(self.row))

    def kernels(self) -> Tuple[Any, ...]:
        """The column (k×1), the row (1×k) and their product (k×k), as nested tuples."""
        col = tuple((v,) for v in self.column)
        return col, (tuple(self.row),), tuple(tuple(c * r for r in self.row) for c in self.column)

    def stages(self) -> Tuple[Stage, ...]:
        k = len(self.column)
        column = Conv2d(self.input_size, (k, 1))
        row = Conv2d(column.output_size, (1, k))
        full = Conv2d(self.input_size, (k, k))
        col_kernel, row_kernel, full_kernel = self.kernels()
        return (Stage(f"pass 1: column {k}x1", column, 0, 1, col_kernel),
                Stage(f"pass 2: row 1x{k}", row, 1, 2, row_kernel),
                Stage(f"the full {k}x{k} kernel: the same result", full, 0, 3, full_kernel))

    @property
    def output_size(self) -> Pair:
        return self.stages()[2].spec.output_size

    @property
    def slug(self) -> str:
        text = lambda v: "_".join(str(x).replace("-", "m").replace(".", "p") for x in v)  # noqa: E731
        return f"i{size_text(self.input_size)}_col{text(self.column)}_row{text(self.row)}"

    def receptive_field(self) -> Pair:
        return self.kernel_size


def caption(spec: SpatialSeparableConv2d) -> str:
    """The spec: the two kernels and the output's size (each plane says what its equations call it)."""
    return (f"i={size_text(spec.input_size)}, column {numbers_text(spec.column)} · row {numbers_text(spec.row)}"
            f" → o={size_text(spec.output_size)}")


def describe(spec: SpatialSeparableConv2d, bottleneck: Optional[int] = None) -> dict:
    """The two passes count; the full kernel is the comparison."""
    info = describe_stages(spec, counted=2)
    full = info["stages"][2]
    info["full_kernel_weights"] = full["weights"]
    info["full_kernel_multiply_adds"] = full["multiply_adds"]
    return info


# Columns left to right (a tuple stacks volumes in one column), so that no stage's links pass
# over a volume it does not touch: the two passes run along the top, the full kernel's output
# sits below the column pass, and the output level with the column pass.
VIEW = stages_view(order=(0, (1, 3), 2), level={2: 1}, kernels=("column", "row", "column ⊗ row"),
                   symbols={1: "c", 2: "o", 3: "f"})

SPATIAL_SEPARABLE = Operation(
    "spatial-separable", "A k×1 pass, then a 1×k pass, and the full k×k kernel giving the same result.",
    SpatialSeparableConv2d,
    (Param("input_size", "size", "6", "Input size, N or HxW.", ("--i", "--input-size")),
     Param("column", "numbers", "1,2,1", "The k×1 kernel, top to bottom."),
     Param("row", "numbers", "1,0,-1", "The 1×k kernel, left to right.")),
    SpatialSeparableConv2d, rank=7, title="a spatially separable kernel, pass by pass and whole", caption=caption,
    describe=describe, views={"gather": VIEW}, kernel_values=False,
)
