"""The arithmetic: which drawn cells the kernel reads at each step, and which output cell it feeds.

Pure NumPy, nothing about drawing. Every operation reduces to one sweep of a (dilated) kernel
with some stride over a drawn grid: the padded input for a direct convolution, and for a
transposed one the paper's equivalent direct convolution over the input spread out with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from typing import Iterator, Optional, Tuple

import numpy as np

from .errors import Pair
from .geometry import Quad, every_cell, padded_size, padding_copies, sweep_size, taps, transposed_grid

Box = Tuple[int, int, int, int]
"""(row0, col0, row1, col1) with row1, col1 exclusive."""


class Cell(IntEnum):
    DATA = 0  # an input value
    PADDING = 1  # zero padding around the data (and PyTorch's output_padding)
    ZERO = 2  # a zero inserted between data cells by a stride of a transposed convolution
    RESULT = 3  # an output value
    WEIGHT = 4  # a kernel weight
    PENDING = 5  # an output cell not computed yet: blank until its step fills it
    OUTSIDE = 6  # past the padded input, under a ceil-mode pooling window: it holds nothing


@dataclass(frozen=True, eq=False)
class Grid:
    """A plane of cells as drawn, with the rows and columns where the source's values sit.

    Positions outside the grid are allowed: they are source rows or columns cropped away
    (a transposed convolution whose padding exceeds d·(k−1)).
    """

    shape: Pair
    rows: np.ndarray
    cols: np.ndarray
    fill: Cell = Cell.DATA
    copies: Optional[np.ndarray] = None  # (H, W, 2): the source cell each cell holds, where padding copies the input
    outside: Pair = (0, 0)  # rows at the bottom and columns at the right past the padded input (Cell.OUTSIDE)

    @classmethod
    def dense(cls, shape: Pair, fill: Cell = Cell.RESULT) -> "Grid":
        return cls(shape, np.arange(shape[0]), np.arange(shape[1]), fill)

    @cached_property
    def kinds(self) -> np.ndarray:
        """The kind of every cell, an (H, W) array of :class:`Cell` codes."""
        h, w = self.shape
        kinds = np.full((h, w), Cell.PADDING, dtype=np.uint8)
        rows, cols = self._visible(self.rows, h), self._visible(self.cols, w)
        if rows.size and cols.size:
            r0, r1 = max(self.rows.min(), 0), min(self.rows.max(), h - 1)
            c0, c1 = max(self.cols.min(), 0), min(self.cols.max(), w - 1)
            kinds[r0 : r1 + 1, c0 : c1 + 1] = Cell.ZERO
            kinds[np.ix_(rows, cols)] = self.fill
        down, right = self.outside
        if down:
            kinds[h - down:, :] = Cell.OUTSIDE
        if right:
            kinds[:, w - right:] = Cell.OUTSIDE
        return kinds

    def place(self, values: np.ndarray, background: float = 0.0) -> np.ndarray:
        """The source ``values`` (H_src, W_src) laid out on this grid, ``background`` elsewhere."""
        values = np.asarray(values)
        if self.copies is not None:  # reflected, replicated or wrapped: every cell holds an input cell's value
            return values[self.copies[..., 0], self.copies[..., 1]]
        drawn = np.full(self.shape, background, dtype=np.result_type(values, type(background)))
        keep_r = (self.rows >= 0) & (self.rows < self.shape[0])
        keep_c = (self.cols >= 0) & (self.cols < self.shape[1])
        drawn[np.ix_(self.rows[keep_r], self.cols[keep_c])] = values[np.ix_(keep_r, keep_c)]
        return drawn

    @staticmethod
    def _visible(positions: np.ndarray, n: int) -> np.ndarray:
        return positions[(positions >= 0) & (positions < n)]


@dataclass(frozen=True, eq=False)
class Sweep:
    """A kernel sliding over ``source`` with ``stride``, one step per output cell, row-major.

    ``flipped`` says that the drawn kernel is the real one rotated by 180°, as in the direct
    convolution that is equivalent to a transposed one. ``steps`` stops it short of the grid's
    end (a weight gradient takes one step per weight, however far the grid reaches).
    """

    source: Grid
    kernel_size: Pair
    stride: Pair
    dilation: Pair
    flipped: bool = False
    steps: Optional[Pair] = None

    @cached_property
    def output_size(self) -> Pair:
        fits = sweep_size(self.source.shape, self.kernel_size, self.stride, self.dilation)
        return fits if self.steps is None else tuple(min(a, b) for a, b in zip(fits, self.steps))  # type: ignore[return-value]

    @cached_property
    def target(self) -> Grid:
        return Grid.dense(self.output_size)

    def __len__(self) -> int:
        return self.output_size[0] * self.output_size[1]

    def out_cell(self, step: int) -> Pair:
        if not 0 <= step < len(self):
            raise IndexError(f"step {step} out of range for a sweep of {len(self)} steps")
        return divmod(step, self.output_size[1])

    def taps(self, step: int) -> np.ndarray:
        """The source cells the kernel reads at ``step``: (kh·kw, 2) rows of (row, col), in kernel order."""
        return taps(np.array(self.out_cell(step)), self.kernel_size, self.stride, self.dilation)[0]

    def footprint(self, step: int) -> Box:
        """The box on the source spanned by the kernel at ``step`` (dilation holes included)."""
        r, c = self.out_cell(step)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.stride, self.dilation
        return (r * sh, c * sw, r * sh + dh * (kh - 1) + 1, c * sw + dw * (kw - 1) + 1)

    def taps_of(self, cells: np.ndarray) -> np.ndarray:
        """The taps of the steps that write ``cells`` (n, 2) of the output: (n, kh·kw, 2)."""
        return taps(cells, self.kernel_size, self.stride, self.dilation)

    def all_taps(self) -> np.ndarray:
        """Every step's taps at once: (steps, kh·kw, 2)."""
        return taps(every_cell(self.output_size), self.kernel_size, self.stride, self.dilation)

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.taps(i) for i in range(len(self)))

    @property
    def tap_mask(self) -> Optional[np.ndarray]:
        """(steps, taps): which of :meth:`all_taps` a step really reads; None where every one does."""
        return None


@dataclass(frozen=True, eq=False)
class RangeSweep(Sweep):
    """A sweep whose windows are given, a [start, end) range of source rows per output row and of
    source columns per output column: adaptive pooling's windows of varying size, nearest
    upsampling's one source cell. ``kernel_size`` is the largest window; :meth:`all_taps` pads
    each smaller window to it by repeating its last tap, which :attr:`tap_mask` leaves out."""

    row_ranges: Tuple[Pair, ...] = ()
    col_ranges: Tuple[Pair, ...] = ()

    @classmethod
    def of(cls, input_size: Pair, row_ranges: Tuple[Pair, ...], col_ranges: Tuple[Pair, ...]) -> "RangeSweep":
        kernel = (max(b - a for a, b in row_ranges), max(b - a for a, b in col_ranges))
        return cls(Grid.dense(input_size, Cell.DATA), kernel, (1, 1), (1, 1), row_ranges=row_ranges,
                   col_ranges=col_ranges)

    @cached_property
    def output_size(self) -> Pair:
        return (len(self.row_ranges), len(self.col_ranges))

    def taps(self, step: int) -> np.ndarray:
        (r0, c0, r1, c1) = self.footprint(step)
        return every_cell((r1 - r0, c1 - c0)) + np.array([r0, c0])

    def footprint(self, step: int) -> Box:
        r, c = self.out_cell(step)
        (r0, r1), (c0, c1) = self.row_ranges[r], self.col_ranges[c]
        return (r0, c0, r1, c1)

    def taps_of(self, cells: np.ndarray) -> np.ndarray:
        width = self.output_size[1]
        return self.all_taps()[[int(r) * width + int(c) for r, c in np.asarray(cells).reshape(-1, 2)]]

    @cached_property
    def _padded(self) -> Tuple[np.ndarray, np.ndarray]:
        count = self.kernel_size[0] * self.kernel_size[1]
        taps = np.zeros((len(self), count, 2), dtype=int)
        mask = np.zeros((len(self), count), dtype=bool)
        for step in range(len(self)):
            real = self.taps(step)
            taps[step, : len(real)], taps[step, len(real):] = real, real[-1]
            mask[step, : len(real)] = True
        return taps, mask

    def all_taps(self) -> np.ndarray:
        return self._padded[0]

    @property
    def tap_mask(self) -> Optional[np.ndarray]:
        return self._padded[1]


def direct_sweep(input_size: Pair, padding: Quad, kernel: Pair, stride: Pair, dilation: Pair,
                 padding_mode: str = "zeros", outside: Pair = (0, 0), steps: Optional[Pair] = None) -> Sweep:
    """A direct convolution's sweep, over its input padded as the paper draws it (with zeros, or
    with copies of the input's cells), and ``outside`` rows and columns past it (ceil mode)."""
    t, b, l, r = padding
    shape = padded_size(input_size, (t, b + outside[0], l, r + outside[1]))
    source = Grid(shape, t + np.arange(input_size[0]), l + np.arange(input_size[1]),
                  copies=padding_copies(input_size, padding, padding_mode), outside=outside)
    return Sweep(source, kernel, stride, dilation, steps=steps)


def transposed_sweep(input_size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                     output_padding: Pair) -> Sweep:
    """A transposed convolution as the paper draws it: a direct convolution, stride 1, with the
    kernel rotated by 180°, over the input spread out with zeros and padded."""
    shape, rows, cols = transposed_grid(input_size, kernel, stride, padding, dilation, output_padding)
    return Sweep(Grid(shape, rows, cols), kernel, (1, 1), dilation, flipped=True)
