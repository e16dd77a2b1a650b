"""Convolution specs: what the user asks for, normalised and validated once, at construction.

Sizes are (height, width) pairs; padding of a direct convolution is (top, bottom, left, right).
The arithmetic follows PyTorch (``nn.Conv2d`` and ``nn.ConvTranspose2d``), so a spec that
PyTorch accepts is accepted here and gives the same output size.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple, Union

Pair = Tuple[int, int]
Quad = Tuple[int, int, int, int]
PairLike = Union[int, Sequence[int]]
PaddingLike = Union[int, str, Sequence[int]]

PADDING_WORDS = ("valid", "same", "full")
MAX_CHANNELS = 4096


class SpecError(ValueError):
    """A spec that cannot be drawn, naming the parameters at fault and why."""

    def __init__(self, params: str | Sequence[str], reason: str):
        self.params: tuple[str, ...] = (params,) if isinstance(params, str) else tuple(params)
        self.reason = reason
        super().__init__(f"{', '.join(self.params)}: {reason}")


def _int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SpecError(name, f"expected a whole number, got {value!r}")
    return int(value)


def as_pair(name: str, value: PairLike, minimum: int) -> Pair:
    """An int or an (h, w) sequence as a pair, each entry at least ``minimum``."""
    if isinstance(value, (str, bytes)):
        raise SpecError(name, f"expected a number or a pair of numbers, got {value!r}")
    if isinstance(value, Sequence):
        if len(value) != 2:
            raise SpecError(name, f"expected 1 or 2 values, got {len(value)}")
        pair = (_int(name, value[0]), _int(name, value[1]))
    else:
        n = _int(name, value)
        pair = (n, n)
    for n in pair:
        if n < minimum:
            raise SpecError(name, f"must be at least {minimum}, got {n}")
    return pair


def group_reads(in_channels: int, out_channels: int, groups: int, out_channel: int) -> range:
    """The input channels an output channel reads: those of its group (``nn.Conv2d(groups=…)``)."""
    per_group = in_channels // groups
    group = out_channel // (out_channels // groups)
    return range(group * per_group, (group + 1) * per_group)


def _resolve_padding(value: PaddingLike, kernel: Pair, dilation: Pair, stride: Pair) -> Quad:
    """Padding as (top, bottom, left, right), with PyTorch's meaning of the words."""
    if isinstance(value, str):
        word = value.strip().lower()
        reach = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
        if word == "valid":
            return (0, 0, 0, 0)
        if word == "full":
            return (reach[0], reach[0], reach[1], reach[1])
        if word == "same":
            if stride != (1, 1):
                raise SpecError(("padding", "stride"), "'same' padding needs stride 1 (as in PyTorch)")
            # PyTorch puts the odd cell of an even kernel at the bottom and right.
            top, left = reach[0] // 2, reach[1] // 2
            return (top, reach[0] - top, left, reach[1] - left)
        raise SpecError("padding", f"unknown padding {value!r}: use a number or one of {', '.join(PADDING_WORDS)}")
    if isinstance(value, Sequence):
        values = tuple(_int("padding", v) for v in value)
        if len(values) == 2:
            values = (values[0], values[0], values[1], values[1])
        elif len(values) != 4:
            raise SpecError("padding", f"expected 1, 2 or 4 values (top, bottom, left, right), got {len(values)}")
    else:
        p = _int("padding", value)
        values = (p, p, p, p)
    if min(values) < 0:
        raise SpecError("padding", f"must not be negative, got {min(values)}")
    return values  # type: ignore[return-value]


def _size(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}x{pair[1]}"


def extent(kernel: Pair, dilation: Pair) -> Pair:
    """Cells a dilated kernel spans on each axis: d·(k−1) + 1."""
    return (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)


@dataclass(frozen=True, init=False)
class Conv2d:
    """A direct 2-D convolution (cross-correlation, as in PyTorch's ``F.conv2d``).

    With channels, as ``nn.Conv2d``: input C×H×W, weight O×(C/groups)×kh×kw; each output
    channel reads the input channels of its group.
    """

    input_size: Pair
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Quad = (0, 0, 0, 0)
    dilation: Pair = (1, 1)
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1

    op = "conv"

    def __init__(
        self,
        input_size: PairLike,
        kernel_size: PairLike,
        stride: PairLike = 1,
        padding: PaddingLike = 0,
        dilation: PairLike = 1,
        in_channels: int = 1,
        out_channels: int = 1,
        groups: int = 1,
    ):
        set_ = object.__setattr__
        set_(self, "input_size", as_pair("input_size", input_size, 1))
        set_(self, "kernel_size", as_pair("kernel_size", kernel_size, 1))
        set_(self, "stride", as_pair("stride", stride, 1))
        set_(self, "dilation", as_pair("dilation", dilation, 1))
        set_(self, "padding", _resolve_padding(padding, self.kernel_size, self.dilation, self.stride))
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            n = _int(name, value)
            if not 1 <= n <= MAX_CHANNELS:
                raise SpecError(name, f"must be between 1 and {MAX_CHANNELS:,}, got {n}")
            set_(self, name, n)
        for name in ("in_channels", "out_channels"):
            if getattr(self, name) % self.groups:
                raise SpecError(
                    (name, "groups"), f"{getattr(self, name)} channels do not split into {self.groups} groups"
                )
        span, padded = self.kernel_extent, self.padded_size
        if span[0] > padded[0] or span[1] > padded[1]:
            raise SpecError(
                ("kernel_size", "input_size", "padding"),
                f"the kernel spans {span[0]}x{span[1]} cells"
                f"{' (dilated)' if self.dilation != (1, 1) else ''}"
                f" but the padded input is only {padded[0]}x{padded[1]}",
            )

    @property
    def kernel_extent(self) -> Pair:
        return extent(self.kernel_size, self.dilation)

    @property
    def has_channels(self) -> bool:
        """Whether arrays carry channel axes (C×H×W input, O×C/g×kh×kw weight)."""
        return (self.in_channels, self.out_channels, self.groups) != (1, 1, 1)

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        kh, kw = self.kernel_size
        return (self.out_channels, self.in_channels // self.groups, kh, kw) if self.has_channels else (kh, kw)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, *self.input_size) if self.has_channels else self.input_size

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, *self.output_size) if self.has_channels else self.output_size

    @property
    def padded_size(self) -> Pair:
        t, b, l, r = self.padding
        return (self.input_size[0] + t + b, self.input_size[1] + l + r)

    @property
    def output_size(self) -> Pair:
        """⌊(i + p_before + p_after − d·(k−1) − 1) / s⌋ + 1 on each axis."""
        return tuple(  # type: ignore[return-value]
            (n - e) // s + 1 for n, e, s in zip(self.padded_size, self.kernel_extent, self.stride)
        )

    @property
    def slug(self) -> str:
        """A file-name-safe summary, e.g. ``i5_k3_s2_p1_d1``."""
        t, b, l, r = self.padding
        pad = str(t) if t == b == l == r else (f"{t}x{l}" if (t, l) == (b, r) else f"{t}-{b}-{l}-{r}")
        channels = ""
        if self.has_channels:
            channels = f"_c{self.in_channels}to{self.out_channels}" + (f"_g{self.groups}" if self.groups > 1 else "")
        return (
            f"i{_size(self.input_size)}_k{_size(self.kernel_size)}_s{_size(self.stride)}"
            f"_p{pad}_d{_size(self.dilation)}{channels}"
        )


class _OneChannel:
    """Shapes of an operation on one channel: arrays are H×W, weights kh×kw."""

    in_channels = out_channels = groups = 1
    has_channels = False

    @property
    def input_shape(self) -> Pair:
        return self.input_size  # type: ignore[attr-defined]

    @property
    def weight_shape(self) -> Pair:
        return self.kernel_size  # type: ignore[attr-defined]

    @property
    def output_shape(self) -> Pair:
        return self.output_size  # type: ignore[attr-defined]


@dataclass(frozen=True, init=False)
class ConvTranspose2d(_OneChannel):
    """A transposed 2-D convolution with PyTorch's parameters (``nn.ConvTranspose2d``).

    ``input_size`` is the transposed operation's own input (the o of the direct convolution
    it transposes); the output size is (i − 1)·s − 2p + d·(k − 1) + a + 1.
    """

    input_size: Pair
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    output_padding: Pair = (0, 0)

    op = "transposed"

    def __init__(
        self,
        input_size: PairLike,
        kernel_size: PairLike,
        stride: PairLike = 1,
        padding: PairLike = 0,
        dilation: PairLike = 1,
        output_padding: PairLike = 0,
    ):
        set_ = object.__setattr__
        set_(self, "input_size", as_pair("input_size", input_size, 1))
        set_(self, "kernel_size", as_pair("kernel_size", kernel_size, 1))
        set_(self, "stride", as_pair("stride", stride, 1))
        set_(self, "padding", as_pair("padding", padding, 0))
        set_(self, "dilation", as_pair("dilation", dilation, 1))
        set_(self, "output_padding", as_pair("output_padding", output_padding, 0))
        for a, s, d in zip(self.output_padding, self.stride, self.dilation):
            if a >= s and a >= d:
                raise SpecError(
                    "output_padding",
                    f"must be smaller than the stride or the dilation (PyTorch's rule), "
                    f"got {a} with stride {s} and dilation {d}",
                )
        out = self.output_size
        if min(out) < 1:
            raise SpecError(
                ("padding", "input_size", "kernel_size"),
                f"the padding leaves no output (output size {out[0]}x{out[1]})",
            )

    @classmethod
    def of(cls, conv: Conv2d) -> "ConvTranspose2d":
        """The transposed convolution that maps ``conv``'s output shape back to its input shape."""
        t, b, l, r = conv.padding
        if (t, l) != (b, r):
            raise SpecError("padding", "only a symmetric padding has a transposed convolution in PyTorch")
        padding = (t, l)
        leftover = tuple(
            (n - e) % s for n, e, s in zip(conv.padded_size, conv.kernel_extent, conv.stride)
        )
        return cls(conv.output_size, conv.kernel_size, conv.stride, padding, conv.dilation, leftover)

    @property
    def kernel_extent(self) -> Pair:
        return extent(self.kernel_size, self.dilation)

    @property
    def output_size(self) -> Pair:
        return tuple(  # type: ignore[return-value]
            (i - 1) * s - 2 * p + e + a
            for i, s, p, e, a in zip(
                self.input_size, self.stride, self.padding, self.kernel_extent, self.output_padding
            )
        )

    @property
    def slug(self) -> str:
        return (
            f"i{_size(self.input_size)}_k{_size(self.kernel_size)}_s{_size(self.stride)}"
            f"_p{_size(self.padding)}_d{_size(self.dilation)}_a{_size(self.output_padding)}"
        )


POOL_MODES = ("max", "avg")


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
    def slug(self) -> str:
        return f"{self.mode}_{super().slug}"


@dataclass(frozen=True)
class Stage:
    """One sweep of a chained operation: ``spec`` reads volume ``source`` and writes ``target``."""

    name: str
    spec: Conv2d
    source: int
    target: int


@dataclass(frozen=True, init=False)
class SeparableConv2d:
    """A depthwise convolution (one k×k kernel per channel, ``depth_multiplier`` of them) then
    a pointwise 1×1 convolution to ``out_channels``: MobileNet's depthwise-separable block."""

    input_size: Pair
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Quad = (0, 0, 0, 0)
    dilation: Pair = (1, 1)
    in_channels: int = 1
    out_channels: int = 1
    depth_multiplier: int = 1

    op = "separable"
    volumes = ("input", "depthwise", "output")

    def __init__(self, input_size: PairLike, kernel_size: PairLike, stride: PairLike = 1, padding: PaddingLike = 0,
                 dilation: PairLike = 1, in_channels: int = 1, out_channels: int = 1, depth_multiplier: int = 1):
        multiplier = _int("depth_multiplier", depth_multiplier)
        if not 1 <= multiplier <= MAX_CHANNELS:
            raise SpecError("depth_multiplier", f"must be between 1 and {MAX_CHANNELS:,}, got {multiplier}")
        in_channels = _int("in_channels", in_channels)
        depthwise = Conv2d(input_size, kernel_size, stride, padding, dilation, in_channels,
                           in_channels * multiplier, groups=in_channels)  # validates all but out_channels
        for name in ("input_size", "kernel_size", "stride", "padding", "dilation", "in_channels"):
            object.__setattr__(self, name, getattr(depthwise, name))
        object.__setattr__(self, "out_channels", out_channels)
        object.__setattr__(self, "depth_multiplier", multiplier)
        object.__setattr__(self, "out_channels", self.stages()[1].spec.out_channels)  # validates it

    def stages(self) -> Tuple[Stage, ...]:
        depthwise = Conv2d(self.input_size, self.kernel_size, self.stride, self.padding, self.dilation,
                           self.in_channels, self.in_channels * self.depth_multiplier, groups=self.in_channels)
        pointwise = Conv2d(depthwise.output_size, 1, in_channels=depthwise.out_channels, out_channels=self.out_channels)
        kh, kw = self.kernel_size
        return (Stage(f"phase 1: depthwise {kh}x{kw}", depthwise, 0, 1), Stage("phase 2: pointwise 1x1", pointwise, 1, 2))

    @property
    def output_size(self) -> Pair:
        return self.stages()[0].spec.output_size

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, *self.input_size)

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, *self.output_size)

    @property
    def slug(self) -> str:
        return f"{self.stages()[0].spec.slug.rsplit('_c', 1)[0]}_c{self.in_channels}to{self.out_channels}_m{self.depth_multiplier}"


def _weights(name: str, values: Sequence[float]) -> Tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise SpecError(name, f"expected a list of numbers, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or abs(v) > 1e100:
            raise SpecError(name, f"expected finite numbers of at most 1e100, got {v!r}")
        out.append(int(v) if float(v).is_integer() else float(v))
    return tuple(out)


@dataclass(frozen=True, init=False)
class SpatialSeparableConv2d(_OneChannel):
    """A k×k kernel that is the outer product of a column and a row (Sobel = [1,2,1]ᵀ·[1,0,−1]):
    a k×1 pass, then a 1×k pass, which give what the full k×k kernel gives."""

    input_size: Pair
    column: Tuple[float, ...]
    row: Tuple[float, ...]

    op = "spatial-separable"
    volumes = ("input", "column pass", "output", "full kernel's output")

    def __init__(self, input_size: PairLike, column: Sequence[float], row: Sequence[float]):
        object.__setattr__(self, "column", _weights("column", column))
        object.__setattr__(self, "row", _weights("row", row))
        if len(self.column) != len(self.row):
            raise SpecError(("column", "row"), f"need the same length, got {len(self.column)} and {len(self.row)}")
        size = as_pair("input_size", input_size, 1)
        k = len(self.column)
        if min(size) < k:
            raise SpecError(("input_size", "column"), f"the input ({size[0]}x{size[1]}) is smaller than the {k}x{k} kernel")
        object.__setattr__(self, "input_size", size)

    @property
    def kernel_size(self) -> Pair:
        return (len(self.column), len(self.row))

    def kernels(self) -> Tuple[Any, ...]:
        """The column (k×1), the row (1×k) and their product (k×k), as nested lists."""
        col = [[v] for v in self.column]
        return col, [list(self.row)], [[c * r for r in self.row] for c in self.column]

    def stages(self) -> Tuple[Stage, ...]:
        k = len(self.column)
        column = Conv2d(self.input_size, (k, 1))
        row = Conv2d(column.output_size, (1, k))
        full = Conv2d(self.input_size, (k, k))
        return (Stage(f"pass 1: column {k}x1", column, 0, 1), Stage(f"pass 2: row 1x{k}", row, 1, 2),
                Stage(f"the full {k}x{k} kernel: the same result", full, 0, 3))

    @property
    def output_size(self) -> Pair:
        return self.stages()[2].spec.output_size

    @property
    def slug(self) -> str:
        text = lambda v: "_".join(str(x).replace("-", "m").replace(".", "p") for x in v)  # noqa: E731
        return f"i{_size(self.input_size)}_col{text(self.column)}_row{text(self.row)}"


def _positive_list(name: str, values: Sequence[int]) -> Tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise SpecError(name, f"expected a list of whole numbers, got {values!r}")
    out = tuple(_int(name, v) for v in values)
    if min(out) < 1:
        raise SpecError(name, f"entries must be at least 1, got {min(out)}")
    if len(out) > 16:
        raise SpecError(name, f"at most 16 layers, got {len(out)}")
    return out


@dataclass(frozen=True, init=False)
class DilatedStack:
    """Convolutions stacked one on another (k×k, each its dilation and stride), as in the
    context module of Yu & Koltun: the view shows what one output cell depends on."""

    kernel_size: int
    dilations: Tuple[int, ...]
    strides: Tuple[int, ...]
    input_size: int

    op = "receptive-field"

    def __init__(self, kernel_size: int, dilations: Sequence[int], strides: Optional[Sequence[int]] = None,
                 input_size: Optional[int] = None):
        k = _int("kernel_size", kernel_size)
        if not 1 <= k <= 15:
            raise SpecError("kernel_size", f"must be between 1 and 15, got {k}")
        object.__setattr__(self, "kernel_size", k)
        object.__setattr__(self, "dilations", _positive_list("dilations", dilations))
        strides = _positive_list("strides", strides) if strides is not None else (1,) * len(self.dilations)
        if len(strides) != len(self.dilations):
            raise SpecError(("strides", "dilations"), f"need one stride per layer: {len(strides)} for {len(self.dilations)} layers")
        object.__setattr__(self, "strides", strides)
        field = self.receptive_fields()[-1]
        if field > 4096:
            raise SpecError("dilations", f"the receptive field would be {field:,} cells, more than 4,096")
        jump = math.prod(strides)
        size = field + 2 * jump if input_size is None else _int("input_size", input_size)
        if size < field:
            raise SpecError("input_size", f"must hold the receptive field of {field} cells, got {size}")
        if size > 4096:
            raise SpecError("input_size", f"at most 4,096, got {size}")
        object.__setattr__(self, "input_size", size)

    def receptive_fields(self) -> Tuple[int, ...]:
        """The receptive field (cells of the input, on a side) of an element of each layer."""
        fields, field, jump = [], 1, 1
        for d, s in zip(self.dilations, self.strides):
            field += d * (self.kernel_size - 1) * jump
            jump *= s
            fields.append(field)
        return tuple(fields)

    def layers(self) -> Tuple[Conv2d, ...]:
        """Each layer as a valid convolution: no padding, so that a field never runs off an edge."""
        out, size = [], self.input_size
        for d, s in zip(self.dilations, self.strides):
            layer = Conv2d(size, self.kernel_size, s, 0, d)
            out.append(layer)
            size = layer.output_size[0]
        return tuple(out)

    @property
    def slug(self) -> str:
        return f"k{self.kernel_size}_d{'-'.join(map(str, self.dilations))}_s{'-'.join(map(str, self.strides))}"


@dataclass(frozen=True, init=False)
class Checkerboard:
    """How many kernel stamps each output cell of a transposed convolution receives, after
    ``layers`` of them stacked: uneven counts are the checkerboard of Odena et al. (2016)."""

    transposed: ConvTranspose2d
    layers: int = 1

    op = "checkerboard"

    def __init__(self, input_size: PairLike, kernel_size: PairLike, stride: PairLike = 1, padding: PairLike = 0,
                 dilation: PairLike = 1, output_padding: PairLike = 0, layers: int = 1):
        object.__setattr__(self, "transposed", ConvTranspose2d(input_size, kernel_size, stride, padding, dilation, output_padding))
        n = _int("layers", layers)
        if not 1 <= n <= 8:
            raise SpecError("layers", f"must be between 1 and 8, got {n}")
        object.__setattr__(self, "layers", n)
        size = self.transposed.input_size
        for _ in range(n):  # the layers one after another, each checked, each within bounds
            if max(size) > 4096:
                raise SpecError(("input_size", "layers"), "the output would grow past 4,096 cells on a side")
            size = ConvTranspose2d(size, *self._rest()).output_size
        if max(size) > 4096:
            raise SpecError(("input_size", "layers"), f"the output would be {size[0]}x{size[1]} cells, more than 4,096 on a side")

    def _rest(self) -> tuple:
        t = self.transposed
        return (t.kernel_size, t.stride, t.padding, t.dilation, t.output_padding)

    def specs(self) -> Tuple[ConvTranspose2d, ...]:
        out = [self.transposed]
        for _ in range(self.layers - 1):
            out.append(ConvTranspose2d(out[-1].output_size, *self._rest()))
        return tuple(out)

    @property
    def output_size(self) -> Pair:
        return self.specs()[-1].output_size

    @property
    def slug(self) -> str:
        return f"{self.transposed.slug}_layers{self.layers}"


MAX_BOARDS = 6  # checkerboards side by side


@dataclass(frozen=True, init=False)
class Checkerboards:
    """Several checkerboard settings drawn side by side, with one legend for their shared range
    of counts: ``Checkerboards((Checkerboard(5, 3, 2), Checkerboard(5, 4, 2)))``."""

    boards: Tuple[Checkerboard, ...]

    op = "checkerboard"

    def __init__(self, boards: Sequence[Checkerboard]):
        if isinstance(boards, Checkerboard) or not isinstance(boards, Sequence) or not boards:
            raise SpecError("boards", f"expected a list of Checkerboard settings, got {boards!r}")
        boards = tuple(boards)
        if not all(isinstance(b, Checkerboard) for b in boards):
            raise SpecError("boards", "every entry must be a Checkerboard")
        if len(boards) > MAX_BOARDS:
            raise SpecError(("kernel_size", "stride"), f"at most {MAX_BOARDS} maps side by side, got {len(boards)}")
        if len(set(boards)) < len(boards):
            raise SpecError(("kernel_size", "stride"), "the same setting twice")
        object.__setattr__(self, "boards", boards)

    @property
    def slug(self) -> str:
        return "_vs_".join(b.slug for b in self.boards)


Spec = Union[Conv2d, ConvTranspose2d]
Chain = Union[SeparableConv2d, SpatialSeparableConv2d]


def stages_of(spec) -> Tuple[Stage, ...]:
    """The sweeps an operation is animated as: one for a plain spec, several for a chain."""
    return spec.stages() if hasattr(spec, "stages") else (Stage("", spec, 0, 1),)


def _numbers(values: Sequence[float]) -> str:
    return "[" + ",".join(str(v).replace("-", "−") for v in values) + "]"


def caption(spec: Spec) -> str:
    """The parameters and the output size, in the paper's letters: ``i=5, k=3, s=2, p=1 → o=3``."""
    if isinstance(spec, SpatialSeparableConv2d):
        return f"i={_size(spec.input_size)}, column {_numbers(spec.column)} · row {_numbers(spec.row)} → o={_size(spec.output_size)}"
    if isinstance(spec, SeparableConv2d):
        depthwise = caption(spec.stages()[0].spec).split(", channels")[0]
        multiplier = f", depth multiplier {spec.depth_multiplier}" if spec.depth_multiplier > 1 else ""
        return f"{depthwise}, channels {spec.in_channels}→{spec.out_channels}{multiplier} → o={_size(spec.output_size)}"
    parts = [f"i={_size(spec.input_size)}", f"k={_size(spec.kernel_size)}", f"s={_size(spec.stride)}"]
    if isinstance(spec, Conv2d):
        t, b, l, r = spec.padding
        pad = str(t) if t == b == l == r else (f"{t},{l}" if (t, l) == (b, r) else f"{t},{b},{l},{r}")
    else:
        pad = str(spec.padding[0]) if spec.padding[0] == spec.padding[1] else "{},{}".format(*spec.padding)
    parts.append(f"p={pad}")
    if spec.dilation != (1, 1):
        parts.append(f"d={_size(spec.dilation)}")
    if isinstance(spec, ConvTranspose2d) and spec.output_padding != (0, 0):
        parts.append(f"a={_size(spec.output_padding)}")
    if getattr(spec, "has_channels", False):
        parts.append(f"channels {spec.in_channels}→{spec.out_channels}")
        if spec.groups > 1:
            parts.append(f"groups={spec.groups}")
    prefix = {"pool": f"{getattr(spec, 'mode', '')} pooling: ", "transposed": "transposed: "}.get(spec.op, "")
    return f"{prefix}{', '.join(parts)} → o={_size(spec.output_size)}"


# ---- text forms --------------------------------------------------------------------

_SIZE_RE = re.compile(r"^\s*([0-9]+)\s*(?:[x×]\s*([0-9]+)\s*)?$", re.IGNORECASE)


def parse_size(text: str) -> Pair:
    """``"5"`` → (5, 5); ``"6x5"`` → (6, 5). Raises ValueError with a hint."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size: use N or HxW, e.g. 5 or 6x5")
    h = int(match.group(1))
    w = int(match.group(2)) if match.group(2) is not None else h
    return (h, w)


def parse_padding(text: str) -> Union[str, int, Tuple[int, ...]]:
    """``"1"``, ``"1,2"``, ``"1,0,2,1"`` (top, bottom, left, right) or a padding word."""
    word = text.strip().lower()
    if word in PADDING_WORDS:
        return word
    parts = [p.strip() for p in word.split(",")]
    if len(parts) not in (1, 2, 4) or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError(
            f"{text!r} is not a padding: use N, H,W, top,bottom,left,right or one of {', '.join(PADDING_WORDS)}"
        )
    values = tuple(int(p) for p in parts)
    return values[0] if len(values) == 1 else values
