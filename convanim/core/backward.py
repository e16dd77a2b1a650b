"""The backward pass: ∂L/∂x and ∂L/∂w from ∂L/∂y, read off the same sweep as the forward values.

Each forward step multiplied drawn input cells by weights (or, pooling, kept one of them or
averaged them); the backward pass sends the step's output gradient back along the same taps: to
the cells it read, times the weights (∂L/∂x), and to the weights, times the cells (∂L/∂w). Max
pooling routes it to the tap it kept, an average spreads it over its divisor. A drawn cell that
is padding gives its gradient back to the input cell it copies (reflect, replicate, circular),
or to nothing (zeros, a transposed convolution's inserted zeros). Specs are read through the
protocol of :mod:`.spec` only, so a new operation needs nothing here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import numpy as np

from .errors import SpecError
from .sweep import Grid
from .values import Numbers


@dataclass(frozen=True, eq=False)
class Gradients:
    """The gradients of one layer's numbers, whose ``grad`` holds ∂L/∂y."""

    numbers: Numbers

    def __post_init__(self) -> None:
        if self.numbers.grad is None:
            raise SpecError("grad_values", "the backward pass needs ∂L/∂y (give --grad-values, or let it be random)")

    @property
    def output(self) -> np.ndarray:
        """∂L/∂y, (output planes, spatial steps): a 3-D layer's planes are its channels' depth slices."""
        return self.numbers.grad.astype(float).reshape(self.numbers.spec.out_planes, -1)

    @cached_property
    def drawn_input(self) -> np.ndarray:
        """(input planes, H, W): the gradient of every drawn cell, padding and inserted zeros included."""
        n = self.numbers
        taps = n.sweep.all_taps()  # (S, T, 2)
        drawn = np.zeros(n.drawn_inputs.shape)
        for o in range(n.spec.out_planes):
            for which, read in enumerate(n.reads(o)):
                np.add.at(drawn[read.channel], (taps[..., 0], taps[..., 1]), self.shares(o, which, read))
        return drawn

    def shares(self, out_plane: int, which: int, read) -> np.ndarray:
        """(steps, taps): what each step of ``out_plane`` sends back to each drawn cell it read
        on its ``which``-th plane read (``read``): its gradient times the tap's weight, all of it
        to the tap a max kept (on whichever plane it was), or an average's share (the gradient
        over its divisor) to every tap."""
        n, reducer = self.numbers, self.numbers.reducer
        g = self.output[out_plane]
        steps, taps = len(g), n.gathered.shape[2]
        if reducer.weighted:
            return g[:, None] * n.drawn_kernels[out_plane, read.slice].ravel().astype(float)[None, :]
        if reducer.pick is not None:
            plane, tap = np.divmod(n.winners[out_plane], taps)
            share = np.zeros((steps, taps))
            kept = plane == which
            share[np.arange(steps)[kept], tap[kept]] = g[kept]
            return share
        divisors = np.array([reducer.divisor(out_plane * steps + s, taps) for s in range(steps)], dtype=float)
        mask = n.sweep.tap_mask
        share = np.repeat((g / divisors)[:, None], taps, axis=1)
        return share if mask is None else np.where(mask, share, 0.0)

    @cached_property
    def input(self) -> np.ndarray:
        """∂L/∂x, in the input's shape: each drawn cell's gradient given back to the cell it holds."""
        spec = self.numbers.spec
        grid = self.numbers.sweep.source
        return np.stack([back_to_source(grid, d, spec.input_size) for d in self.drawn_input]).reshape(spec.input_shape)

    @cached_property
    def weight(self) -> Optional[np.ndarray]:
        """∂L/∂w, in the weight's stored shape (None without weights): for each weight, the sum
        over the steps of the cell under it times the step's output gradient."""
        n = self.numbers
        if n.kernel is None:
            return None
        spec, g = n.spec, self.output
        drawn = np.zeros(n.drawn_kernels.shape)  # (output planes, slices, kh, kw), as it slides
        for o in range(spec.out_planes):
            for read in n.reads(o):
                drawn[o, read.slice] += (g[o] @ n.gathered[read.channel]).reshape(spec.kernel_size)
        if n.sweep.flipped:
            drawn = np.rot90(drawn, 2, axes=(2, 3))
        where = spec.sliding_weights(np.arange(math.prod(spec.weight_shape)).reshape(spec.weight_shape))
        stored = np.zeros(math.prod(spec.weight_shape))
        np.add.at(stored, np.asarray(where).ravel(), drawn.ravel())
        return stored.reshape(spec.weight_shape)

    @cached_property
    def bias(self) -> Optional[np.ndarray]:
        """∂L/∂b, (O,): each output channel's gradients summed (a layer that adds a bias)."""
        spec = self.numbers.spec
        per_channel = self.numbers.grad.astype(float).reshape(spec.out_channels, -1)
        return per_channel.sum(axis=1) if spec.reducer.weighted and spec.bias else None


def back_to_source(grid: Grid, drawn: np.ndarray, size) -> np.ndarray:
    """A drawn grid's per-cell gradient summed onto the source cells they hold (copies included)."""
    source = np.zeros(size)
    if grid.copies is not None:
        np.add.at(source, (grid.copies[..., 0], grid.copies[..., 1]), drawn)
        return source
    keep_r = (grid.rows >= 0) & (grid.rows < grid.shape[0])
    keep_c = (grid.cols >= 0) & (grid.cols < grid.shape[1])
    source[np.ix_(keep_r, keep_c)] = drawn[np.ix_(grid.rows[keep_r], grid.cols[keep_c])]
    return source


def untouched(spec) -> np.ndarray:
    """Input cells (in the input's shape, channels first) that no step reads: the stride skips
    them, or they lie past the last window. Their gradient is zero, as in PyTorch."""
    sweep = spec.sweep()
    read = np.zeros(sweep.source.shape)
    taps = sweep.all_taps().reshape(-1, 2)
    read[taps[:, 0], taps[:, 1]] = 1.0
    reached = back_to_source(sweep.source, read, spec.input_size) > 0
    planes = np.zeros(spec.in_planes, dtype=bool)  # a 3-D layer's slices the depth's stride skips: none read
    for o in range(spec.out_planes):
        planes[[r.channel for r in spec.reads(o)]] = True
    return ~(planes[:, None, None] & reached[None]).reshape(spec.input_shape)


def backward_costs(spec) -> dict:
    """Multiply-adds of the backward pass: ∂L/∂x and ∂L/∂w each cost what the forward does for a
    weighted layer (every product is met once more in each); pooling routes (max: one add per
    output) or spreads (average: one multiply-add per tap) its gradient and has no weights."""
    steps = math.prod(spec.output_shape)
    if spec.reducer.weighted:
        forward = spec.costs()["multiply_adds"]
        return {"input": forward, "weight": forward}
    taps = math.prod(spec.kernel_size) * spec.kernel_depth
    return {"input": steps if spec.reducer.pick is not None else steps * taps, "weight": 0}
