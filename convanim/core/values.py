"""The NumPy reference: the values a sweep computes, step by step, with PyTorch's results.

Every value is read off the same sweep that drives the frames: the input laid out on the drawn
grid, gathered at each step's taps, combined with the kernel as drawn (rotated by 180° for a
transposed convolution), then reduced as the operation says: summed, averaged, maxed.

Specs are read through the protocol of :mod:`.spec` (``stages()``, ``sweep()``, ``reducer``,
``reads``, the shapes), never by their type: an operation added in ``convanim.ops`` needs
nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional, Tuple, Union

import numpy as np

from .errors import Pair, SpecError
from .geometry import scatter_canvas, taps
from .spec import SUM, Read, Reducer, Stage  # noqa: F401  (SUM, Stage: still importable from here)

PAPER_SEED = 1234  # the seed of the paper's numerical figures: the same numbers as theirs


@dataclass(frozen=True, eq=False)
class Numbers:
    """The values of one animation: the operands, and what each step computes.

    Arrays have PyTorch's shapes: input H×W and weight kh×kw, or with channels input C×H×W
    and weight O×(C/groups)×kh×kw. Steps run output channel by output channel.
    """

    spec: Any
    input: np.ndarray  # spec.input_shape, as given
    kernel: Optional[np.ndarray]  # spec.weight_shape; None for pooling
    bias: Optional[np.ndarray] = None  # (O,): added to each output channel, where given
    grad: Optional[np.ndarray] = None  # spec.output_shape: ∂L/∂y, for the backward pass, where asked for

    def __getstate__(self) -> dict:  # the operands only; the rest is recomputed on demand
        return {"spec": self.spec, "input": self.input, "kernel": self.kernel, "bias": self.bias, "grad": self.grad}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, spec, input: Optional[np.ndarray] = None, kernel: Optional[np.ndarray] = None,
           seed: Optional[int] = None, bias: Optional[np.ndarray] = None,
           grad: Union[None, bool, np.ndarray] = None) -> "Numbers":
        """Operands for ``spec``: the given arrays, or random integers (input 0..3, kernel 0..2);
        a bias only where given (one value per output channel, as ``layer.bias`` holds it);
        ``grad`` (∂L/∂y, for the backward pass) given, or True for random integers −2..2 drawn
        after the operands.

        The default seed is the paper's, so the default numbers are those of its figures. A
        chain (``SeparableConv2d``, ``SpatialSeparableConv2d``) gets its :class:`StagedNumbers`.
        """
        stages = spec.stages()
        if len(stages) > 1:
            if grad is not None:
                raise SpecError("grad_values", "the backward pass is drawn for one layer, not a chain of them")
            if kernel is not None or bias is not None:
                raise SpecError("kernel_values" if bias is None else "bias_values",
                                "a chained operation draws its own kernels, one per stage")
            return StagedNumbers.of(spec, input, seed)  # type: ignore[return-value]
        if not stages:
            raise SpecError("numbers", f"a {type(spec).__name__} has no numbers to show")
        rng = np.random.RandomState(PAPER_SEED if seed is None else seed)
        if stages[0].kernel is not None and stages[0].spec is spec:  # the operation fixes its weights
            if kernel is not None:
                raise SpecError("kernel_values", f"a {spec.op} fixes its own weights")
            kernel = np.array(stages[0].kernel, dtype=float).reshape(spec.weight_shape)
        if input is None:
            input = rng.randint(0, 4, size=spec.input_shape)
        has_kernel = spec.reducer.weighted
        if kernel is None and has_kernel:
            kernel = rng.randint(0, 3, size=spec.weight_shape)
            while not kernel.any() or _teaches_little(spec, kernel):  # draw again: it would teach nothing
                kernel = rng.randint(0, 3, size=spec.weight_shape)  # (the paper's figures never do)
        if kernel is not None and not has_kernel:
            raise SpecError("kernel_values", "pooling has no kernel weights")
        input = _checked("input_values", input, spec.input_shape)
        kernel = _checked("kernel_values", kernel, spec.weight_shape) if kernel is not None else None
        if grad is True:
            grad = rng.randint(-2, 3, size=spec.output_shape)
            while not grad.any():
                grad = rng.randint(-2, 3, size=spec.output_shape)
        grad = _checked("grad_values", grad, spec.output_shape) if grad is not None and grad is not False else None
        return cls(spec, input, kernel, _bias(spec, bias) if bias is not None else None, grad)

    @cached_property
    def sweep(self):
        return self.spec.sweep()

    @property
    def reducer(self) -> Reducer:
        return self.spec.reducer

    @cached_property
    def drawn_inputs(self) -> np.ndarray:
        """(C, H, W): each input channel on the drawn grid, zeros around and between (−∞ for max pooling)."""
        background = self.reducer.background
        channels = self.input.reshape(-1, *self.spec.input_size).astype(float)
        return np.stack([self.sweep.source.place(c, background) for c in channels])

    @cached_property
    def drawn_kernels(self) -> Optional[np.ndarray]:
        """(O, C/groups, kh, kw): the kernels as they slide, rotated by 180° for a transposed
        convolution; one per output plane (a 3-D operation's: its channel's, C/groups·kd slices)."""
        if self.kernel is None:
            return None
        kernels = self.spec.sliding_weights(self.kernel).reshape(self.spec.out_planes, -1, *self.spec.kernel_size)
        return np.rot90(kernels, 2, axes=(2, 3)) if self.sweep.flipped else kernels

    @property
    def drawn_input(self) -> np.ndarray:
        """The first (for a plain spec, the only) input channel on the drawn grid."""
        return self.drawn_inputs[0]

    @property
    def drawn_kernel(self) -> Optional[np.ndarray]:
        return None if self.drawn_kernels is None else self.drawn_kernels[0, 0]

    @cached_property
    def gathered(self) -> np.ndarray:
        """(C, spatial steps, kh·kw): each input channel under each tap of each spatial step."""
        taps = self.sweep.all_taps()
        return self.drawn_inputs[:, taps[..., 0], taps[..., 1]]

    def reads(self, out_channel: int) -> Tuple[Read, ...]:
        """The input channels that output channel reads, each with its kernel slice."""
        return self.spec.reads(out_channel)

    @cached_property
    def pooled(self) -> np.ndarray:
        """(O, spatial steps, reads · kh·kw): what a reducer without weights combines at each step
        of each output plane, every plane it reads one after another (a 3-D window: its slices),
        filled up with the padding's value where a plane reads fewer (padding slices)."""
        g = self.gathered
        rows = [np.concatenate([g[read.channel] for read in self.reads(o)] or [g[0, :, :0]], axis=1)
                for o in range(self.spec.out_planes)]
        width = max(g.shape[2], *(r.shape[1] for r in rows))  # a plane that reads only padding: its value
        filled = np.full((len(rows), g.shape[1], width), self.reducer.background)
        for o, r in enumerate(rows):
            filled[o, :, : r.shape[1]] = r
        return filled

    @cached_property
    def values(self) -> np.ndarray:
        """(O, spatial steps): what each output plane gets at each spatial step."""
        g = self.gathered
        if not self.reducer.weighted:
            return self.reducer.reduce(self.pooled, axis=2)
        kernels = self.drawn_kernels.astype(float).reshape(self.spec.out_planes, -1, g.shape[2])
        sums = np.stack([self._weighted(g, kernels[o], self.reads(o)) for o in range(len(kernels))])
        return sums if self.bias is None else sums + np.repeat(self.bias.astype(float), self.spec.depths[1])[:, None]

    @staticmethod
    def _weighted(gathered: np.ndarray, slices: np.ndarray, reads: Tuple[Read, ...]) -> np.ndarray:
        """One output channel's sums: every plane it reads under its kernel slice, added up."""
        planes = [read.channel for read in reads]
        return np.einsum("csk,ck->s", gathered[planes], slices[[read.slice for read in reads]])

    @property
    def steps(self) -> np.ndarray:
        """(O · spatial steps,): the value each step writes, in animation order."""
        return self.values.ravel()

    @cached_property
    def winners(self) -> Optional[np.ndarray]:
        """For max (or min) pooling, (O, spatial steps): the index into :attr:`pooled`'s row (read
        · kh·kw + tap) of the value each step keeps, the first maximum."""
        return self.reducer.pick(self.pooled, axis=2) if self.reducer.pick is not None else None

    @cached_property
    def output(self) -> np.ndarray:
        """The result, in PyTorch's shape: oh×ow, or O×oh×ow with channels."""
        return self.values.reshape(self.spec.output_shape)


@dataclass(frozen=True, eq=False)
class StagedNumbers:
    """The values of a chained operation: one :class:`Numbers` per stage, each stage reading the
    volume an earlier one wrote (or the input)."""

    spec: Any
    stages: Tuple[Numbers, ...]

    @classmethod
    def of(cls, spec, input: Optional[np.ndarray] = None, seed: Optional[int] = None) -> "StagedNumbers":
        """Random (seeded) or given input; the kernels are random too, but for a spatially
        separable spec, whose column, row and their product are the kernels."""
        base = PAPER_SEED if seed is None else seed
        volumes: dict = {0: input}
        results = []
        for n, stage in enumerate(spec.stages()):
            source = volumes[stage.source]
            kernel = np.array(stage.kernel) if stage.kernel is not None else None
            values = Numbers.of(stage.spec, source, kernel, seed=(base + n) % 2**32)
            if volumes[stage.source] is None:  # the first stage drew the input: later ones read the same
                volumes[stage.source] = values.input
            volumes[stage.target] = values.output
            results.append(values)
        return cls(spec, tuple(results))

    @property
    def input(self) -> np.ndarray:
        return self.stages[0].input

    @property
    def output(self) -> np.ndarray:
        """The chain's result: what its "output" volume holds."""
        target = self.spec.volumes.index("output")
        return next(n.output for n, st in zip(self.stages, self.spec.stages()) if st.target == target)


def _teaches_little(spec, kernel: np.ndarray) -> bool:
    """Whether a one-channel kernel of several weights equals itself turned 180° ([1,1,1],
    [1,2,1]: the order of its weights, which a transposed convolution turns and a scatter stamps,
    could not be seen), or has one weight that is not zero (it only shifts: [0,0,2])."""
    weights = np.squeeze(kernel)
    if spec.has_channels or weights.size < 2:
        return False
    return bool(np.array_equal(weights, np.flip(weights))) or np.count_nonzero(weights) < 2


MAX_MAGNITUDE = 1e100  # far from overflow however many products a step sums


def _without_leading_ones(shape: tuple) -> tuple:
    while len(shape) > 2 and shape[0] == 1:
        shape = shape[1:]
    return shape


def _bias(spec, bias) -> np.ndarray:
    """A bias as ``layer.bias`` holds it, (O,), for a spec that adds one."""
    if not spec.reducer.weighted:
        raise SpecError("bias_values", "pooling has no bias")
    if not spec.bias:
        raise SpecError("bias_values", "the layer has bias=False")
    values = _checked("bias_values", bias, (spec.out_channels,))
    return values


def _checked(name: str, values: np.ndarray, shape) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind not in "iuf" or values.dtype.kind == "f" and not np.isfinite(values).all():
        raise SpecError(name, "values must be finite numbers")
    if values.size and np.abs(values.astype(float)).max() > MAX_MAGNITUDE:
        raise SpecError(name, f"values must be at most {MAX_MAGNITUDE:g} in magnitude")
    if values.shape != tuple(shape):
        extra = values.ndim - len(shape)
        if extra > 0 and values.shape[extra:] == tuple(shape) and all(n == 1 for n in values.shape[:extra]):
            return values.reshape(shape)  # single batch or channel axes in front
        if _without_leading_ones(values.shape) == _without_leading_ones(tuple(shape)):
            return values.reshape(shape)  # the same array with or without single channel axes in front
        raise SpecError(name, f"expected shape {'x'.join(map(str, shape))}, got {'x'.join(map(str, values.shape))}")
    return values


# ---- the views' numbers -------------------------------------------------------------------------


def full_canvas(spec) -> Pair:
    """A transposed convolution's output before the padding crops it."""
    return scatter_canvas(spec.input_size, spec.kernel_size, spec.stride, spec.dilation, spec.output_padding)


def stamps(spec, row: int, col: int) -> np.ndarray:
    """Where input cell (row, col) of a transposed convolution stamps the kernel on the full canvas: (kh·kw, 2)."""
    return taps(np.array([row, col]), spec.kernel_size, spec.stride, spec.dilation)[0]


@dataclass(frozen=True, eq=False)
class ScatterNumbers:
    """A transposed convolution computed the other way round: each input cell, in turn, adds the
    kernel times its value onto the output. ``sums[n]`` holds the stamped cells' running sums."""

    numbers: Numbers

    @cached_property
    def _stamped(self) -> Tuple[np.ndarray, np.ndarray]:
        spec = self.numbers.spec
        x = self.numbers.input.astype(float).reshape(spec.input_size)
        w = self.numbers.kernel.astype(float).ravel()
        canvas = np.zeros(full_canvas(spec))
        sums = []
        for r, c in np.ndindex(*spec.input_size):
            at = stamps(spec, r, c)
            canvas[at[:, 0], at[:, 1]] += x[r, c] * w  # a stamp's cells are distinct
            sums.append(canvas[at[:, 0], at[:, 1]].copy())
        return np.array(sums), canvas

    @property
    def sums(self) -> np.ndarray:
        """(input cells, kh·kw): the stamped cells' running sums after each input cell's stamp."""
        return self._stamped[0]

    @property
    def canvas(self) -> np.ndarray:
        """The full output once every input cell has stamped."""
        return self._stamped[1]

    @property
    def output(self) -> np.ndarray:
        """What PyTorch returns: the canvas without ``padding`` cells on each side."""
        (ph, pw), (oh, ow) = self.numbers.spec.padding, self.numbers.spec.output_size
        return self.canvas[ph : ph + oh, pw : pw + ow]


def stamp_counts(spec) -> ScatterNumbers:
    """The scatter of a unit input through a unit kernel: its running sums count, after each
    input cell's stamp, how many stamps each stamped cell has received (``canvas``: in all)."""
    return ScatterNumbers(Numbers.of(spec, np.ones(spec.input_shape, dtype=int), np.ones(spec.weight_shape, dtype=int)))


def legend_counts(low: int, high: int, most: int = 9) -> Tuple[int, ...]:
    """The counts a heatmap's legend shows: every one from ``low`` to ``high``, or, if that is
    more than ``most``, every n-th from ``low`` (the smallest n that keeps them to ``most``) and
    ``high``."""
    if high - low + 1 <= most:
        return tuple(range(low, high + 1))
    step = -(-(high - low) // (most - 1))
    return tuple(range(low, high, step)) + (high,)


def overlap_counts(spec) -> np.ndarray:
    """How many kernel stamps land on each output cell, after ``spec.layers`` transposed
    convolutions with all-ones kernels (the checkerboard's heights); or for a resize-convolution
    (nearest upsampling, then a convolution), how many products each output cell sums."""
    counts = None
    for layer in spec.specs():
        kernel = np.ones(layer.kernel_size) if layer.reducer.weighted else None  # an upsampling copies: no kernel
        counts = Numbers.of(layer, np.ones(layer.input_size) if counts is None else counts, kernel).output
    return counts


def _depends(layers, top: int, cell: Tuple[int, int]) -> list:
    """Masks, input first, of the cells that ``cell`` of layer ``top`` depends on, through the
    layers' sweeps (valid convolutions: every tap lands inside the layer below)."""
    sizes = [layers[0].input_size] + [layer.output_size for layer in layers[:top]]
    masks = [np.zeros(size, dtype=bool) for size in sizes]
    masks[top][cell] = True
    for n in range(top - 1, -1, -1):
        taps = layers[n].sweep().taps_of(np.argwhere(masks[n + 1])).reshape(-1, 2)
        masks[n][taps[:, 0], taps[:, 1]] = True
    return masks


def interior_overlaps(spec) -> Optional[Tuple[int, ...]]:
    """The distinct stamp counts away from the borders, or None if the output is too small to
    have an inside. One value: the overlap is even.

    The border is the spec's (``borders()``): as wide as the uneven edge can reach.
    """
    counts = overlap_counts(spec)
    low, high = spec.borders()
    inner = counts[low[0] : counts.shape[0] - high[0], low[1] : counts.shape[1] - high[1]]
    return tuple(sorted({int(v) for v in inner.ravel()})) if inner.size else None


def centre_cells(stack) -> Tuple[Tuple[int, int], ...]:
    """One cell of every layer, the first layer's first: the middle cell of the last layer, and
    below it, each layer's cell under the middle tap of the kernel of the cell above. Their
    receptive fields share a centre on the input (exactly, for an odd kernel)."""
    layers = stack.layers()
    size = layers[-1].output_size
    cells = [(size[0] // 2, size[1] // 2)]
    for layer in layers[:0:-1]:  # from the last layer down to the first
        (kh, kw), (sh, sw), (dh, dw) = layer.kernel_size, layer.stride, layer.dilation
        r, c = cells[-1]
        cells.append((r * sh + dh * (kh // 2), c * sw + dw * (kw // 2)))
    return tuple(reversed(cells))


def receptive_field_masks(stack) -> Tuple[Tuple[np.ndarray, ...], ...]:
    """For each layer j (from 1), the cells that one cell of it (:func:`centre_cells`) depends on:
    boolean masks of the input and of layers 1..j, the input first. The input's mask is the
    cell's receptive field. Read off each layer's sweep, as the frames are."""
    layers = stack.layers()
    return tuple(tuple(_depends(layers, j, cell)) for j, cell in enumerate(centre_cells(stack), start=1))


def receptive_field_sizes(stack) -> Tuple[Pair, ...]:
    """The receptive field (h, w) on the input of an element of each layer, from the sweeps."""
    layers, sizes = stack.layers(), []
    for top in range(1, len(layers) + 1):
        rows, cols = np.nonzero(_depends(layers, top, (0, 0))[0])
        sizes.append((int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)))
    return tuple(sizes)


def dependency_tree(layers, cell) -> Tuple[Tuple[np.ndarray, ...], Tuple[Tuple[Tuple[Pair, Pair], ...], ...]]:
    """What ``cell`` of the last of ``layers`` depends on, read off each layer's sweep: the cells
    of every layer (0: the input) it reaches, and the edges (cell below, cell above) between each
    layer and the next. Taps on padding reach nothing."""
    current = {tuple(int(v) for v in cell)}
    cells, edges = [current], []
    for layer in reversed(layers):
        sweep = layer.sweep()
        grid, width = sweep.source, sweep.output_size[1]
        row_of = {int(r): i for i, r in enumerate(grid.rows)}
        col_of = {int(c): j for j, c in enumerate(grid.cols)}
        below, joined = set(), []
        for r, c in sorted(current):
            for y, x in sweep.taps(r * width + c):
                if int(y) in row_of and int(x) in col_of:
                    source = (row_of[int(y)], col_of[int(x)])
                    below.add(source)
                    joined.append((source, (r, c)))
        cells.insert(0, below)
        edges.insert(0, tuple(joined))
        current = below
    return tuple(np.array(sorted(c), dtype=int).reshape(-1, 2) for c in cells), tuple(edges)
