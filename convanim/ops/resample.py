"""Operations whose windows are not one kernel sliding with one stride: adaptive pooling
(``nn.AdaptiveAvgPool2d``, ``nn.AdaptiveMaxPool2d`` and their 1-D forms), whose windows vary in
size, and nearest upsampling (``nn.Upsample(mode='nearest')``), whose every output cell copies
one input cell. Each is a set of [start, end) ranges per output row and column, swept by
:class:`~convanim.core.sweep.RangeSweep`; the values, frames, equation and dump come from the
same machinery as every other operation's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ..core.errors import Pair, PairLike, SpecError, as_pair, whole
from ..core.geometry import size_text
from ..core.spec import Reducer
from ..core.sweep import RangeSweep
from .base import GATHER, OneChannel, OneSweep, Operation, Param, describe_pooling, view_param
from .pool import MAX

Ranges = Tuple[Pair, ...]
MAX_SCALE = 64  # an upsampling factor; no figure could draw more


def adaptive_ranges(size: int, out: int) -> Ranges:
    """PyTorch's adaptive windows along one axis: ``start = ⌊i·in/out⌋``, ``end = ⌈(i+1)·in/out⌉``."""
    return tuple(((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out))


def _scale(value: Optional[float], size: int, out: int) -> float:
    """PyTorch's source scale for nearest upsampling: 1/scale_factor where given, else in/out (in float32)."""
    return float(np.float32(1.0 / value)) if value is not None else float(np.float32(size / out))


def nearest_ranges(size: int, out: int, factor: Optional[float], exact: bool = False) -> Ranges:
    """The one source cell of each output cell, as ``F.interpolate(mode='nearest'|'nearest-exact')`` picks
    it: ``min(⌊i·scale⌋, in−1)`` (``⌊(i+½)·scale⌋`` for nearest-exact), computed in float32 as PyTorch does."""
    if out == 2 * size and not exact:
        return tuple((i >> 1, (i >> 1) + 1) for i in range(out))
    if out == size:
        return tuple((i, i + 1) for i in range(out))
    scale = np.float32(_scale(factor, size, out))
    index = (np.arange(out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)) * scale
    picks = np.minimum(np.floor(index).astype(int), size - 1)
    return tuple((int(p), int(p) + 1) for p in picks)


class Ranged(OneSweep, OneChannel):
    """A one-channel operation read off its ranges: no padding, no dilation, the largest window as its kernel."""

    input_size: Pair
    dims = 2
    bias = False
    padding_mode = "zeros"

    def ranges(self) -> Tuple[Ranges, Ranges]:
        raise NotImplementedError

    @property
    def output_size(self) -> Pair:
        rows, cols = self.ranges()
        return (len(rows), len(cols))

    @property
    def kernel_size(self) -> Pair:
        return self.sweep().kernel_size

    @property
    def drawn_size(self) -> Pair:
        return self.input_size

    def sweep(self) -> RangeSweep:
        return self._sweep

    @cached_property
    def _sweep(self) -> RangeSweep:  # built once: the reducer and the scene read it at every step
        return RangeSweep.of(self.input_size, *self.ranges())

    def window_sizes(self) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
        return tuple(tuple(b - a for a, b in axis) for axis in self.ranges())  # type: ignore[return-value]

    def receptive_field(self) -> Pair:
        return self.kernel_size

    def field_span(self, axis: int, first: int, last: int) -> Optional[Tuple[int, int]]:
        """The input cells that output cells ``first``..``last`` read on ``axis`` (any index: the
        ranges' rule carried past the edges, as a deeper layer's field may reach there)."""
        return (self.source(axis, first)[0], self.source(axis, last)[1] - 1)

    def source(self, axis: int, index: int) -> Pair:
        raise NotImplementedError

    def field_jump(self, axis: int) -> Fraction:
        return Fraction(self.input_size[axis], self.output_size[axis])

    def costs(self) -> dict:
        """No weights: a compare, an add or a copy per cell read."""
        rows, cols = self.window_sizes()
        return {"weights": 0, "biases": 0, "multiply_adds": 0, "operations": sum(rows) * sum(cols)}


def _sizes_text(sizes: Sequence[int]) -> str:
    return ",".join(map(str, sizes)) if len(sizes) <= 8 else ",".join(map(str, sizes[:6])) + ",…"


@dataclass(frozen=True, init=False)
class AdaptivePooling(Ranged):
    """Adaptive pooling on planes: the output size is given, and output cell i reads input cells
    ⌊i·in/out⌋ to ⌈(i+1)·in/out⌉ − 1, windows of varying size that overlap where in/out is not
    whole; what :class:`AdaptivePool2d` and ``AdaptivePool1d`` (a plane one row high) hold."""

    input_size: Pair
    target_size: Pair
    mode: str = "avg"

    def _hold(self, input_size: PairLike, output_size: PairLike, mode: str) -> None:
        if mode not in ("avg", "max"):
            raise SpecError("mode", f"unknown pooling mode {mode!r}: use avg or max")
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "input_size", as_pair("input_size", input_size, 1))
        if isinstance(output_size, (tuple, list)) and len(output_size) == 2 and None in output_size:
            output_size = tuple(n if o is None else o for n, o in zip(self.input_size, output_size))  # as PyTorch keeps it
        object.__setattr__(self, "target_size", as_pair("output_size", output_size, 1))
        for n, o in zip(self.input_size, self.target_size):
            if o > n:
                raise SpecError("output_size", f"an adaptive pooling's output ({size_text(self.target_size)}) is at most"
                                f" its input ({size_text(self.input_size)}) here: PyTorch would repeat cells")

    def ranges(self) -> Tuple[Ranges, Ranges]:
        return tuple(adaptive_ranges(n, o) for n, o in zip(self.input_size, self.target_size))  # type: ignore

    def source(self, axis: int, index: int) -> Pair:
        n, o = self.input_size[axis], self.target_size[axis]
        return ((index * n) // o, -(-((index + 1) * n) // o))

    @cached_property
    def reducer(self) -> Reducer:
        if self.mode == "max":
            return MAX  # a short window's padding repeats its last tap: the max and its first winner stand
        sweep = self.sweep()
        divisors = tuple(int(n) for n in sweep.tap_mask.sum(axis=1))
        share, mask = np.asarray(divisors, dtype=float)[:, None], sweep.tap_mask
        return Reducer("avg", lambda values, axis: np.sum(np.where(mask, values, 0.0), axis=axis) / share[:, 0],
                       0.0, None, "(", " + ", ")/{n}", divisors)

    def size_formula(self) -> List[str]:
        lines = []
        for axis, name in zip(self.ranges(), ("height", "width")):
            n, o = axis[-1][1], len(axis)
            spans = " ".join(f"[{a},{b})" for a, b in axis[:8]) + (" …" if o > 8 else "")
            lines.append(f"{name}: o = {o} (given); window i = [floor(i*{n}/{o}), ceil((i+1)*{n}/{o})): {spans}")
        return lines


@dataclass(frozen=True, init=False)
class AdaptivePool2d(AdaptivePooling):
    """``nn.AdaptiveAvgPool2d`` / ``nn.AdaptiveMaxPool2d``."""

    op = "adaptive-pool"

    def __init__(self, input_size: PairLike, output_size: PairLike = 1, mode: str = "avg"):
        self._hold(input_size, output_size, mode)

    @property
    def slug(self) -> str:
        return f"{self.mode}_i{size_text(self.input_size)}_o{size_text(self.target_size)}"


@dataclass(frozen=True, init=False)
class Upsample2d(Ranged):
    """``nn.Upsample(mode='nearest')`` (and ``'nearest-exact'``): each output cell copies one input
    cell, the one PyTorch picks; the output size is ⌊in·scale_factor⌋, or ``size``."""

    input_size: Pair
    scale_factor: Optional[Tuple[float, float]] = None
    size: Optional[Pair] = None
    mode: str = "nearest"

    op = "upsample"

    def __init__(self, input_size: PairLike, scale_factor: Union[None, float, Sequence[float]] = 2,
                 size: Optional[PairLike] = None, mode: str = "nearest"):
        if mode not in ("nearest", "nearest-exact"):
            raise SpecError("mode", f"mode={mode!r} is not drawn: convanim draws nearest and nearest-exact upsampling")
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "input_size", as_pair("input_size", input_size, 1))
        if (scale_factor is None) == (size is None):
            raise SpecError(("scale_factor", "size"), "give either a scale factor or an output size")
        object.__setattr__(self, "size", None if size is None else as_pair("size", size, 1))
        object.__setattr__(self, "scale_factor", None if scale_factor is None else _factors(scale_factor))
        for n, f in zip(self.input_size, self.scale_factor or ()):
            if math.floor(n * f) < 1:  # PyTorch refuses an empty output
                raise SpecError(("scale_factor", "input_size"), f"the output would be empty: floor({n}*{_short(f)}) = 0"
                                f" (PyTorch refuses it); use a scale factor of at least 1/{n}")
        if max(o / n for o, n in zip(self.output_size, self.input_size)) > MAX_SCALE:
            raise SpecError("scale_factor", f"upsampling by more than {MAX_SCALE} is refused")

    @property
    def output_size(self) -> Pair:
        if self.size is not None:
            return self.size
        return tuple(math.floor(n * f) for n, f in zip(self.input_size, self.scale_factor))  # type: ignore

    def ranges(self) -> Tuple[Ranges, Ranges]:
        factors = self.scale_factor or (None, None)
        exact = self.mode == "nearest-exact"
        return tuple(nearest_ranges(n, o, f, exact)  # type: ignore[return-value]
                     for n, o, f in zip(self.input_size, self.output_size, factors))

    def source(self, axis: int, index: int) -> Pair:
        n, o = self.input_size[axis], self.output_size[axis]
        if 0 <= index < o:
            (start, end), = self.ranges()[axis][index:index + 1]
            return (start, end)
        factor = self.scale_factor[axis] if self.scale_factor else None
        shift = 0.5 if self.mode == "nearest-exact" else 0.0
        start = int(np.floor((np.float32(index) + np.float32(shift)) * np.float32(_scale(factor, n, o))))
        return (start, start + 1)

    def field_jump(self, axis: int) -> Fraction:
        if self.scale_factor is None:
            return super().field_jump(axis)
        return 1 / Fraction(self.scale_factor[axis]).limit_denominator(10_000)

    @property
    def reducer(self) -> Reducer:
        return Reducer("nearest", np.max, 0.0, None, "", "", "", copies=True)

    @property
    def slug(self) -> str:
        how = f"x{size_text(tuple(_short(f) for f in self.scale_factor))}" if self.scale_factor else f"o{size_text(self.size)}"
        return f"i{size_text(self.input_size)}_{how}" + ("_exact" if self.mode == "nearest-exact" else "")

    def size_formula(self) -> List[str]:
        lines = []
        for axis, name in enumerate(("height", "width")):
            n, o = self.input_size[axis], self.output_size[axis]
            how = f"floor({n}*{_short(self.scale_factor[axis])})" if self.scale_factor else "given"
            scale = f"/{_short(self.scale_factor[axis])}" if self.scale_factor else f"*{n}/{o}"
            source = f"floor((j+0.5){scale})" if self.mode == "nearest-exact" else f"floor(j{scale})"
            lines.append(f"{name}: o = {how} = {o}; output cell j copies input cell min({source}, {n - 1})")
        return lines


def _short(f: float) -> Union[int, float]:
    return int(f) if float(f).is_integer() else f


def _factors(value) -> Tuple[float, float]:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    values = values * 2 if len(values) == 1 else values
    if len(values) != 2:
        raise SpecError("scale_factor", f"expected 1 or 2 values, got {len(values)}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise SpecError("scale_factor", f"must be a positive number, got {v!r}")
    return (float(values[0]), float(values[1]))


class RangedStrip:
    """The 1-D form of a ranged operation: a grid one row high, PyTorch's 1-D shapes outside."""

    dims = 1

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.input_size[1],)  # type: ignore[attr-defined]

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        return (self.kernel_size[1],)  # type: ignore[attr-defined]

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.output_size[1],)  # type: ignore[attr-defined]

    def size_formula(self) -> List[str]:
        return [line.replace("width: ", "length: ") for line in super().size_formula()[1:]]  # type: ignore[misc]

    def receptive_field(self) -> Tuple[int, ...]:
        return (super().receptive_field()[1],)  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class AdaptivePool1d(RangedStrip, AdaptivePooling):
    """``nn.AdaptiveAvgPool1d`` / ``nn.AdaptiveMaxPool1d``: input L, output the length given."""

    op = "adaptive-pool1d"

    def __init__(self, input_size: int, output_size: int = 1, mode: str = "avg"):
        one = lambda name, v: whole(name, v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v)  # noqa: E731
        self._hold((1, one("input_size", input_size)), (1, one("output_size", output_size)), mode)

    @property
    def slug(self) -> str:
        return f"{self.mode}_l{self.input_size[1]}_o{self.target_size[1]}"


def _windows(spec) -> str:
    rows, cols = spec.window_sizes()
    if spec.dims == 1:
        return f"windows {_sizes_text(cols)}"
    if rows == cols:
        return f"windows {_sizes_text(rows)} on each axis"
    return f"windows {_sizes_text(rows)} down, {_sizes_text(cols)} across"


def adaptive_caption(spec: AdaptivePool2d) -> str:
    (i, o) = (spec.input_size[1], spec.target_size[1]) if spec.dims == 1 else (size_text(spec.input_size),
                                                                              size_text(spec.target_size))
    return f"adaptive {spec.mode} pooling: i={i} → o={o}; {_windows(spec)}"


def upsample_caption(spec: Upsample2d) -> str:
    how = f"scale {size_text(tuple(_short(f) for f in spec.scale_factor))}" if spec.scale_factor else "size given"
    return f"{spec.mode} upsampling: i={size_text(spec.input_size)}, {how} → o={size_text(spec.output_size)}"


VIEWS = {"gather": GATHER}
MODE = Param("mode", "choice", "avg", "avg: the mean of each window; max: its largest value.", choices=("avg", "max"))

ADAPTIVE_POOL = Operation(
    "adaptive-pool", "Adaptive average or max pooling (nn.AdaptiveAvgPool2d/MaxPool2d): the output size given, "
    "windows of varying size.",
    AdaptivePool2d,
    (MODE, Param("input_size", "size", "5", "Input size, N or HxW.", ("--i", "--input-size")),
     Param("output_size", "size", "3", "Output size, N or HxW.", ("--output-size",)), view_param(VIEWS)),
    AdaptivePool2d, rank=14, title="adaptive pooling", caption=adaptive_caption, describe=describe_pooling,
    kernel_values=False, views=VIEWS,
)

ADAPTIVE_POOL1D = Operation(
    "adaptive-pool1d", "1-D adaptive average or max pooling (nn.AdaptiveAvgPool1d/MaxPool1d), drawn as a strip.",
    AdaptivePool1d,
    (MODE, Param("input_size", "int", "8", "Input length L.", ("--i", "--input-size")),
     Param("output_size", "int", "3", "Output length.", ("--output-size",)), view_param(VIEWS)),
    AdaptivePool1d, rank=15, title="1-D adaptive pooling", caption=adaptive_caption, describe=describe_pooling,
    kernel_values=False, views=VIEWS, dims=1,
)

def _upsample(input_size=3, scale_factor=2, size=None, mode="nearest") -> Upsample2d:
    """A size given replaces the default scale factor, as the command line gives both."""
    return Upsample2d(input_size, None if size is not None else scale_factor, size, mode)


UPSAMPLE = Operation(
    "upsample", "Nearest upsampling (nn.Upsample(scale_factor=…, mode='nearest')): each output cell copies one input cell.",
    _upsample,
    (Param("input_size", "size", "3", "Input size, N or HxW.", ("--i", "--input-size")),
     Param("scale_factor", "numbers", "2", "Scale factor, one number or H,W (the output is floor(in·scale)).",
           ("--scale", "--scale-factor")),
     Param("size", "size", None, "Output size instead of a scale factor, N or HxW.", ("--size",), show_default=False),
     Param("mode", "choice", "nearest", "nearest: input cell floor(j·in/out); nearest-exact: floor((j+½)·in/out).",
           choices=("nearest", "nearest-exact")),
     view_param(VIEWS)),
    Upsample2d, rank=16, title="nearest upsampling", caption=upsample_caption, kernel_values=False, views=VIEWS,
)
