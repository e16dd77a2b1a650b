"""An operation as a matrix: unroll the input and the output into vectors (row-major, PyTorch's
flattening, channel by channel) and one step is one row, ``y = M·x``.

The matrix is read off the same sweep as every frame: the tap of a step that reads input cell j
puts its factor in column j of the step's row (a kernel weight; 1/n for an average; for max
pooling a 1 at the winner, so that matrix depends on the input). Taps on padding or on zeros a
stride inserts read no input cell and put nothing anywhere: that is why the matrix is sparse,
and why a transposed convolution's matrix is the transpose of its direct convolution's.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np

from .errors import SpecError

MAX_MATRIX_ENTRIES = 1_000_000  # what a dump writes out in full (a 1,000×1,000 matrix)


def matrix_shape(spec) -> Tuple[int, int]:
    """(rows, columns): one row per output cell, one column per input cell, channels (and a 3-D
    volume's depth slices) included."""
    oh, ow = spec.output_size
    h, w = spec.input_size
    return (spec.out_planes * oh * ow, spec.in_planes * h * w)


def columns(sweep, input_size) -> np.ndarray:
    """(steps, taps): the input cell (flattened, row-major) each tap of each step reads; −1 where
    it reads padding, an inserted zero, a cell cropped away, or pads a window shorter than others."""
    h, w = input_size
    index = sweep.source.place(np.arange(h * w).reshape(h, w), background=-1)
    taps = sweep.all_taps()
    read = index[taps[..., 0], taps[..., 1]]
    return read if sweep.tap_mask is None else np.where(sweep.tap_mask, read, -1)


def reached(spec) -> np.ndarray:
    """(rows, columns): where the matrix can hold anything, the input cells each output cell's
    step reads (on every plane it reads): the pattern of a matrix figure without numbers."""
    rows, cols = matrix_shape(spec)
    sweep = spec.sweep()
    steps, cells = len(sweep), spec.input_size[0] * spec.input_size[1]
    read = columns(sweep, spec.input_size)
    step, tap = np.nonzero(read >= 0)
    pattern = np.zeros((rows, cols), dtype=bool)
    for out in range(spec.out_planes):
        for each in spec.reads(out):
            pattern[out * steps + step, each.channel * cells + read[step, tap]] = True
    return pattern


def tap_factors(numbers, out: int, which: int, read) -> np.ndarray:
    """(steps, taps): what each tap of output plane ``out`` multiplies the cell it reads on its
    ``which``-th plane read (``read``) by.

    A weighted sum: the kernel slice as it slides. A reducer that picks (max): 1 at the winning
    tap. Any other reducer is linear (an average): its factors are what it makes of unit vectors.
    """
    reducer = numbers.reducer
    steps, count = numbers.gathered.shape[1:]
    if reducer.weighted:
        kernel = numbers.drawn_kernels.astype(float).reshape(numbers.spec.out_planes, -1, count)[out, read.slice]
        return np.broadcast_to(kernel, (steps, count))
    if reducer.pick is not None:
        return (numbers.winners[out][:, None] == which * count + np.arange(count)).astype(float)
    if reducer.divisors is not None:  # an average by its own divisors: every tap weighs 1/divisor
        share = np.array([reducer.divisor(out * steps + s, count) for s in range(steps)], dtype=float)
        return np.broadcast_to(1.0 / share[:, None], (steps, count))
    unit = np.asarray(reducer.reduce(np.eye(count), axis=1), dtype=float)
    return np.broadcast_to(unit, (steps, count))


def unrolled(numbers) -> np.ndarray:
    """The matrix M of the operation with ``numbers``' weights: ``output.ravel() = M @ input.ravel()``.

    Rows are output cells, columns input cells, both row-major and channel after channel (as
    ``torch.flatten`` orders them). Held dense: callers check :func:`matrix_shape` first.
    """
    spec = numbers.spec
    if len(spec.stages()) != 1:
        raise SpecError("view", f"a {spec.op} has no single matrix: it is a chain of operations")
    rows, cols = matrix_shape(spec)
    sweep = numbers.sweep
    steps, cells = len(sweep), spec.input_size[0] * spec.input_size[1]
    read = columns(sweep, spec.input_size)
    matrix = np.zeros((rows, cols))
    step, tap = np.nonzero(read >= 0)
    for out in range(spec.out_planes):
        for which, each in enumerate(numbers.reads(out)):
            factor = tap_factors(numbers, out, which, each)
            np.add.at(matrix, (out * steps + step, each.channel * cells + read[step, tap]), factor[step, tap])
    return matrix
