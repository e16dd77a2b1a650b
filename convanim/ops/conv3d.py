"""3-D convolution, transposed convolution and pooling (PyTorch's ``Conv3d``, ``ConvTranspose3d``,
``MaxPool3d``/``AvgPool3d``), drawn as depth slices.

A 3-D operation is its 2-D one over the H×W planes and its 1-D one along the depth, each a spec
of its own that checks its axes: a step of output slice ``od`` sweeps the plane's kernel over
the input slices the depth's sweep reads at ``od``, each under its own kernel slice. So it is a
layer whose planes are its channels' depth slices (``Read.depth``), drawn and computed by the
same sweep, scene and values as the 2-D operations; a padding slice holds zeros (−∞ for max
pooling) and is read by no step, or, with ``padding_mode``, stands for the slice it copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ..core.errors import Pair, SpecError, whole
from ..core.geometry import PADDING_WORDS, shape_text
from ..core.spec import SUM, Axes, Read, Reducer, group_reads
from ..core.sweep import Cell, Sweep
from .base import GATHER, OneSweep, Operation, Param, channel_params, channels_slug, describe_pooling, matrix_view, \
    set_channels
from .conv import PADDING_MODE, Conv2d, has_bias
from .conv1d import Conv1d, ConvTranspose1d, Pool1d, conv1d_of, transposed_of
from .gradient import DW, DY, GRAD_ROUTE, GRAD_VIEWS, GRADIENTS, Gradient, WeightGradient
from .pool import MODES, POOL_MODES, POOL_PARAMS, Pool2d, pooling_note
from .transposed import ConvTranspose2d, conv_of

Triple = Tuple[int, int, int]
TripleLike = Union[int, Sequence[int]]
Padding3d = Union[int, str, Sequence[int]]
AXES = ("depth", "height", "width")


def as_triple(name: str, value: TripleLike, minimum: int) -> Triple:
    """An int or a (d, h, w) sequence as a triple, each entry at least ``minimum``."""
    if isinstance(value, (str, bytes)):
        raise SpecError(name, f"expected a number or three numbers (d, h, w), got {value!r}")
    if isinstance(value, Sequence):
        if len(value) != 3:
            raise SpecError(name, f"a 3-D {name.replace('_', ' ')} is N or (d, h, w), got {len(value)} values")
        triple = tuple(whole(name, v) for v in value)
    else:
        triple = (whole(name, value),) * 3
    for n in triple:
        if n < minimum:
            raise SpecError(name, f"must be at least {minimum}, got {n}")
    return triple  # type: ignore[return-value]


def _split_padding(padding: Padding3d) -> Tuple[Union[str, int], Union[str, Pair]]:
    """A 3-D padding (N, (d, h, w) or a word) as the depth's and the planes' paddings."""
    if isinstance(padding, str):
        word = padding.strip().lower()
        if word not in PADDING_WORDS:
            raise SpecError("padding", f"unknown padding {padding!r}: use N, (d, h, w) or one of {', '.join(PADDING_WORDS)}")
        return word, word
    d, h, w = as_triple("padding", padding, 0)
    return d, (h, w)


def size3_text(triple: Sequence[int]) -> str:
    """``3`` for a cube, ``4x5x5`` otherwise."""
    return str(triple[0]) if len(set(triple)) == 1 else shape_text(triple)


def _span(values: Sequence[int]) -> str:
    """``1–3`` for a run, ``0, 2, 4`` otherwise."""
    if len(values) > 1 and list(values) == list(range(values[0], values[0] + len(values))):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


class Volume(OneSweep):
    """What the three 3-D operations share: a ``plane`` spec (H×W) and a ``depth`` spec (D),
    and PyTorch's 3-D shapes outside; planes are (channel, depth slice) pairs, channel after channel."""

    dims = 3
    plane: Union[Conv2d, ConvTranspose2d, Pool2d]
    depth: Union[Conv1d, ConvTranspose1d, Pool1d]

    @property
    def input_size(self) -> Pair:
        """The planes' size, H×W (the volume is :attr:`input_volume`)."""
        return self.plane.input_size

    @property
    def output_size(self) -> Pair:
        return self.plane.output_size

    @property
    def kernel_size(self) -> Pair:
        return self.plane.kernel_size

    @property
    def stride(self) -> Pair:
        return self.plane.stride

    @property
    def dilation(self) -> Pair:
        return self.plane.dilation

    @property
    def padding(self):
        return self.plane.padding

    @property
    def drawn_size(self) -> Pair:
        return self.plane.drawn_size

    @property
    def depths(self) -> Pair:  # type: ignore[override]
        return (self.depth.input_size[1], self.depth.output_size[1])

    @property
    def kernel_depth(self) -> int:  # type: ignore[override]
        return self.depth.kernel_size[1]

    @property
    def input_volume(self) -> Triple:
        return (self.depths[0], *self.input_size)  # type: ignore[return-value]

    @property
    def output_volume(self) -> Triple:
        return (self.depths[1], *self.output_size)  # type: ignore[return-value]

    @property
    def kernel_volume(self) -> Triple:
        return (self.depth.kernel_size[1], *self.kernel_size)  # type: ignore[return-value]

    @property
    def has_channels(self) -> bool:
        return (self.in_channels, self.out_channels, self.groups) != (1, 1, 1)

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, *self.input_volume) if self.has_channels else self.input_volume

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, *self.output_volume) if self.has_channels else self.output_volume

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_volume) if self.has_channels \
            else self.kernel_volume

    def sweep(self) -> Sweep:
        """The planes' sweep: every output slice sweeps its input slices the same way."""
        return self.plane.sweep()

    def depth_taps(self, out_slice: int) -> List[Tuple[int, int]]:
        """(input slice, kernel slice) of each slice the depth's sweep reads at ``out_slice``:
        data slices, and padding slices that copy one (``padding_mode``); not zeros or −∞."""
        sweep = self.depth.sweep()
        grid, slices = sweep.source, self.kernel_volume[0]
        kinds, where = grid.kinds[0], {int(col): d for d, col in enumerate(grid.cols)}
        read = []
        for j, (_, t) in enumerate(sweep.taps(out_slice)):
            if kinds[t] == Cell.DATA:
                d = where[int(t)]
            elif kinds[t] == Cell.PADDING and grid.copies is not None:
                d = int(grid.copies[0, t, 1])
            else:
                continue
            read.append((d, slices - 1 - j if sweep.flipped else j))
        return read

    def reads(self, out_plane: int) -> Tuple[Read, ...]:
        """Output plane (o, od) reads, for each input channel of its group, the slices the depth
        sweep reads at od, each with the kernel slice over it."""
        channel, out_slice = divmod(out_plane, self.depths[1])
        depth, slices = self.depths[0], self.kernel_volume[0]
        taps = self.depth_taps(out_slice)
        return tuple(Read(r.channel * depth + d, r.slice * slices + j, d)
                     for r in group_reads(self.in_channels, self.out_channels, self.groups, channel) for d, j in taps)

    def heading(self, out_plane: int) -> str:
        """``output slice 0 = input slices 0–1 ∗ kernel slices 1–2 (kernel slice 0 on padding)``."""
        channel, out_slice = divmod(out_plane, self.depths[1])
        taps = self.depth_taps(out_slice)
        name = f"output {channel}, slice {out_slice}" if self.out_channels > 1 else f"output slice {out_slice}"
        if not taps:
            return f"{name}: every kernel slice is on padding"
        note = self._unread_note(out_slice, {j for _, j in taps})
        slices = f"input slice{'s' if len(taps) > 1 else ''} {_span([d for d, _ in taps])}"
        if not self.reducer.weighted:
            return f"{name} = {'max' if self.reducer.pick is not None else 'mean'} over {slices}{note}"
        reads = group_reads(self.in_channels, self.out_channels, self.groups, channel)
        kernel = f"output {channel}'s kernel slice{'s' if len(taps) > 1 else ''}" if self.out_channels > 1 else \
            f"kernel slice{'s' if len(taps) > 1 else ''}"
        product = f"{slices} ∗ {kernel} {_span([j for _, j in taps])}"
        if len(reads) > 1:
            return f"{name} = Σ over inputs {reads[0].channel}–{reads[-1].channel}: {product}{note}"
        return f"{name} = {product}{note}"

    def _unread_note(self, out_slice: int, read: set) -> str:
        """`` (kernel slice 0 on padding)``: the kernel's (a window's) slices that read no input slice, and why."""
        sweep = self.depth.sweep()
        slices, kinds = self.kernel_volume[0], sweep.source.kinds[0]
        lands = {j: int(kinds[t]) for j, (_, t) in enumerate(sweep.taps(out_slice))}
        unread = sorted(j for j in range(slices) if (slices - 1 - j if sweep.flipped else j) not in read)
        if not unread:
            return ""
        where = {int(Cell.PADDING): "on padding", int(Cell.ZERO): "on inserted zero slices",
                 int(Cell.OUTSIDE): "past the input"}
        on = " or ".join(dict.fromkeys(where[lands[j]] for j in unread))
        what = "kernel" if self.reducer.weighted else "window"
        turned = sorted(self._turned(j, sweep) for j in unread)
        return f" ({what} slice{'s' if len(unread) > 1 else ''} {_span(turned)} {on})"

    def _turned(self, j: int, sweep: Sweep) -> int:
        return self.kernel_volume[0] - 1 - j if sweep.flipped else j

    def size_formula(self) -> List[str]:
        depth = [line.replace("length: ", "depth: ") for line in self.depth.size_formula()]
        return depth + self.plane.size_formula()

    def receptive_field(self) -> Triple:
        return (self.depth.receptive_field()[0], *self.plane.receptive_field())  # type: ignore[return-value]

    def _axes(self, padding) -> Axes:
        return Axes(self.input_volume, self.kernel_volume, (self.depth.stride[1], *self.stride), padding,
                    (self.depth.dilation[1], *self.dilation))


def _set_axes(spec, plane, depth, padding) -> None:
    object.__setattr__(spec, "plane", plane)
    object.__setattr__(spec, "depth", depth)
    object.__setattr__(spec, "axes", spec._axes(padding))


def _quad_axes(spec) -> Tuple[Pair, Pair, Pair]:
    """(before, after) on each axis of a direct operation's padding, depth first."""
    t, b, l, r = spec.plane.padding
    _, _, front, back = spec.depth.padding
    return ((front, back), (t, b), (l, r))


def _check_depth(size: int, kernel: int, dilation: int, padding: Pair) -> None:
    span, padded = dilation * (kernel - 1) + 1, size + sum(padding)
    if span > padded:
        raise SpecError(("kernel_size", "input_size", "padding"),
                        f"the kernel spans {span} slices{' (dilated)' if dilation > 1 else ''} in depth but the"
                        f" padded input has only {padded}")


def _depth_padding(padding, kernel: int, dilation: int) -> Pair:
    if isinstance(padding, str):
        reach = dilation * (kernel - 1)
        return {"valid": (0, 0), "full": (reach, reach), "same": (reach // 2, reach - reach // 2)}[padding]
    return (padding, padding)


@dataclass(frozen=True, init=False)
class Conv3d(Volume):
    """A direct 3-D convolution (``nn.Conv3d``, ``F.conv3d``): input C×D×H×W, weight
    O×(C/groups)×kd×kh×kw; each output slice reads kd input slices of every channel of its group."""

    axes: Axes
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    padding_mode: str = "zeros"
    bias: bool = True

    op = "conv3d"

    def __init__(self, input_size: TripleLike, kernel_size: TripleLike, stride: TripleLike = 1, padding: Padding3d = 0,
                 dilation: TripleLike = 1, in_channels: int = 1, out_channels: int = 1, groups: int = 1,
                 padding_mode: str = "zeros", bias: bool = True):
        size, kernel = as_triple("input_size", input_size, 1), as_triple("kernel_size", kernel_size, 1)
        stride_, dilation_ = as_triple("stride", stride, 1), as_triple("dilation", dilation, 1)
        depth_pad, plane_pad = _split_padding(padding)
        if depth_pad == "same" and stride_[0] != 1:
            raise SpecError(("padding", "stride"), "'same' padding needs stride 1 (as in PyTorch)")
        _check_depth(size[0], kernel[0], dilation_[0], _depth_padding(depth_pad, kernel[0], dilation_[0]))
        set_channels(self, in_channels, out_channels, groups)
        plane = Conv2d(size[1:], kernel[1:], stride_[1:], plane_pad, dilation_[1:], padding_mode=padding_mode)
        depth = Conv1d(size[0], kernel[0], stride_[0], depth_pad, dilation_[0], padding_mode=padding_mode)
        _set_axes(self, plane, depth, ())
        object.__setattr__(self, "axes", self._axes(_quad_axes(self)))
        object.__setattr__(self, "padding_mode", padding_mode)
        object.__setattr__(self, "bias", has_bias(bias))

    @property
    def reducer(self) -> Reducer:
        return SUM

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """O·OD × (C/groups·kd) × kh × kw: each output slice slides its channel's kernel."""
        kh, kw = self.kernel_size
        w = np.asarray(kernel).reshape(self.out_channels, -1, kh, kw)
        return np.repeat(w, self.depths[1], axis=0)

    @property
    def slug(self) -> str:
        a = self.axes
        pad = "x".join(f"{p}" if p == q else f"{p}-{q}" for p, q in a.padding)
        mode = "" if self.padding_mode == "zeros" else f"_{self.padding_mode}"
        return (f"i{shape_text(a.input_size)}_k{size3_text(a.kernel_size)}_s{size3_text(a.stride)}_p{pad}"
                f"_d{size3_text(a.dilation)}{channels_slug(self)}{mode}")

    def costs(self) -> dict:
        per_output = (self.in_channels // self.groups) * int(np.prod(self.kernel_volume))
        return {"weights": self.out_channels * per_output, "biases": self.out_channels if self.bias else 0,
                "multiply_adds": self.out_channels * int(np.prod(self.output_volume)) * per_output}


@dataclass(frozen=True, init=False)
class ConvTranspose3d(Volume):
    """A transposed 3-D convolution (``nn.ConvTranspose3d``): input C×D×H×W, weight
    C×(O/groups)×kd×kh×kw; drawn as its equivalent direct convolution, the depth spread out too."""

    axes: Axes
    output_padding: Triple = (0, 0, 0)
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    bias: bool = True

    op = "transposed3d"

    def __init__(self, input_size: TripleLike, kernel_size: TripleLike, stride: TripleLike = 1, padding: TripleLike = 0,
                 dilation: TripleLike = 1, output_padding: TripleLike = 0, in_channels: int = 1, out_channels: int = 1,
                 groups: int = 1, bias: bool = True):
        size, kernel = as_triple("input_size", input_size, 1), as_triple("kernel_size", kernel_size, 1)
        stride_, dilation_ = as_triple("stride", stride, 1), as_triple("dilation", dilation, 1)
        pad, extra = as_triple("padding", padding, 0), as_triple("output_padding", output_padding, 0)
        set_channels(self, in_channels, out_channels, groups)
        plane = ConvTranspose2d(size[1:], kernel[1:], stride_[1:], pad[1:], dilation_[1:], extra[1:])
        depth = ConvTranspose1d(size[0], kernel[0], stride_[0], pad[0], dilation_[0], extra[0])
        _set_axes(self, plane, depth, tuple((p, p) for p in pad))
        object.__setattr__(self, "output_padding", extra)
        object.__setattr__(self, "bias", has_bias(bias))

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_volume) if self.has_channels \
            else self.kernel_volume

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """O·OD × (C/groups·kd) × kh × kw, each output channel's slices from the input channels of
        its group (before the turns: the planes' 180°, the depth's order)."""
        g, kh, kw = self.groups, *self.kernel_size
        per_in, per_out = self.in_channels // g, self.out_channels // g
        w = np.asarray(kernel).reshape(g, per_in, per_out, -1, kh, kw).transpose(0, 2, 1, 3, 4, 5)
        return np.repeat(w.reshape(self.out_channels, -1, kh, kw), self.depths[1], axis=0)

    @property
    def slug(self) -> str:
        a = self.axes
        return (f"i{shape_text(a.input_size)}_k{size3_text(a.kernel_size)}_s{size3_text(a.stride)}"
                f"_p{size3_text([p for p, _ in a.padding])}_d{size3_text(a.dilation)}_a{size3_text(self.output_padding)}"
                f"{channels_slug(self)}")

    def costs(self) -> dict:
        per_input = (self.out_channels // self.groups) * int(np.prod(self.kernel_volume))
        return {"weights": self.in_channels * per_input, "biases": self.out_channels if self.bias else 0,
                "multiply_adds": self.in_channels * int(np.prod(self.input_volume)) * per_input}

    def receptive_field(self) -> Triple:
        return (self.depth.receptive_field()[0], *self.plane.receptive_field())  # type: ignore[return-value]


@dataclass(frozen=True, init=False)
class Pool3d(Volume):
    """3-D max or average pooling (``MaxPool3d``, ``AvgPool3d``): one channel, D×H×W."""

    axes: Axes
    mode: str = "max"
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: Optional[int] = None

    op = "pool3d"
    bias = False
    in_channels = out_channels = groups = 1

    def __init__(self, input_size: TripleLike, kernel_size: TripleLike, stride: Optional[TripleLike] = None,
                 padding: Padding3d = 0, dilation: TripleLike = 1, mode: str = "max", ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Optional[int] = None):
        size, kernel = as_triple("input_size", input_size, 1), as_triple("kernel_size", kernel_size, 1)
        stride_ = kernel if stride is None else as_triple("stride", stride, 1)
        if mode == "avg" and any(k > n for k, n in zip(kernel, size)):
            raise SpecError(("kernel_size", "input_size"), f"average pooling's kernel {shape_text(kernel)} is larger"
                            f" than the input {shape_text(size)} (PyTorch's avg_pool3d refuses it, padding or not)")
        dilation_ = as_triple("dilation", dilation, 1)
        depth_pad, plane_pad = _split_padding(padding)
        plane = Pool2d(size[1:], kernel[1:], stride_[1:], plane_pad, dilation_[1:], mode, ceil_mode, count_include_pad,
                       divisor_override)
        if not ceil_mode:
            _check_depth(size[0], kernel[0], dilation_[0], _depth_padding(depth_pad, kernel[0], dilation_[0]))
        depth = Pool1d(size[0], kernel[0], stride_[0], depth_pad, dilation_[0], mode, ceil_mode, count_include_pad)
        _set_axes(self, plane, depth, ())
        object.__setattr__(self, "axes", self._axes(_quad_axes(self)))
        for name in ("mode", "ceil_mode", "count_include_pad", "divisor_override"):
            object.__setattr__(self, name, getattr(plane, name))

    @property
    def reducer(self) -> Reducer:
        """Max, or the sum over each window's divisor: its depth's times its plane's, or the override."""
        if not MODES[self.mode].averages:
            return MODES[self.mode].reducer(self.plane)
        if self.divisor_override is not None:
            divisors = (self.divisor_override,) * (self.depths[1] * len(self.sweep()))
        else:
            divisors = tuple(int(a) * int(b) for a in self.depth.divisors() for b in self.plane.divisors())
        share = np.asarray(divisors, dtype=float).reshape(self.depths[1], -1)
        return Reducer("avg", lambda values, axis: np.sum(values, axis=axis) / share, 0.0, None, "(", " + ", ")/{n}",
                       divisors)

    @property
    def slug(self) -> str:
        a = self.axes
        pad = "x".join(f"{p}" if p == q else f"{p}-{q}" for p, q in a.padding)
        extra = ("_ceil" if self.ceil_mode else "") + ("" if self.count_include_pad else "_nopad")
        extra += f"_div{self.divisor_override}" if self.divisor_override is not None else ""
        return (f"{self.mode}_i{shape_text(a.input_size)}_k{size3_text(a.kernel_size)}_s{size3_text(a.stride)}"
                f"_p{pad}_d{size3_text(a.dilation)}{extra}")

    def costs(self) -> dict:
        return {"weights": 0, "biases": 0, "multiply_adds": 0,
                "operations": int(np.prod(self.output_volume)) * int(np.prod(self.kernel_volume))}


# ---- the backward pass ---------------------------------------------------------------------------


def transposed3d_of(conv: Conv3d) -> ConvTranspose3d:
    """The transposed 3-D convolution that is a 3-D convolution's input gradient: ∂L/∂y back to
    ∂L/∂x with the same weight tensor (its channels the other way round)."""
    plane, depth = ConvTranspose2d.of(conv.plane), transposed_of(conv.depth)  # each refuses an uneven padding
    return ConvTranspose3d(conv.output_volume, conv.kernel_volume, conv.axes.stride,
                           (depth.padding[1], *plane.padding), conv.axes.dilation,
                           (depth.output_padding[1], *plane.output_padding), conv.out_channels, conv.in_channels,
                           conv.groups, bias=False)


def conv3d_of(spec: ConvTranspose3d) -> Conv3d:
    """The 3-D convolution that is a transposed 3-D convolution's input gradient."""
    conv_of(spec.plane), conv1d_of(spec.depth)  # each refuses an output padding not less than its stride
    return Conv3d(spec.output_volume, spec.kernel_volume, spec.axes.stride, tuple(p for p, _ in spec.axes.padding),
                  spec.axes.dilation, spec.out_channels, spec.in_channels, spec.groups, bias=False)


@dataclass(frozen=True, init=False)
class WeightGradient3d(Volume):
    """∂L/∂w of a 3-D layer, a step per weight: the planes' weight-gradient sweep
    (:class:`~.gradient.WeightGradient` of the layer's planes) over the slices that the depth's
    (the same, along the depth) reads at each kernel slice, each under the other operand's slice there."""

    axes: Axes
    in_channels: int
    out_channels: int
    groups: int
    operands: int  # channels of the other operand
    layer_weight: Tuple[int, ...]  # the layer's weight shape: this sweep's output
    padding_mode: str = "zeros"
    volumes: Tuple[str, str] = ("x", DW)

    op = "grad-weight"
    bias = False

    def __init__(self, layer: Volume, reads_grad: bool):
        whole = WeightGradient(layer, reads_grad)  # the channels; its planes are the layer's planes'
        plane, depth = WeightGradient(layer.plane, reads_grad), WeightGradient(layer.depth, reads_grad)
        for name in ("in_channels", "out_channels", "groups", "operands", "padding_mode", "volumes"):
            object.__setattr__(self, name, getattr(whole, name))
        object.__setattr__(self, "layer_weight", whole.output_shape)
        _set_axes(self, plane, depth, ())
        pads = (depth.padding[2:], plane.padding[:2], plane.padding[2:])
        object.__setattr__(self, "axes", self._axes(pads))

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def has_channels(self) -> bool:
        return len(self.layer_weight) > 3

    @property
    def output_shape(self) -> Tuple[int, ...]:
        return self.layer_weight

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        return (self.operands, *self.kernel_volume) if self.has_channels else self.kernel_volume

    def _operand(self, weight_slice: int) -> Tuple[int, int]:
        """The other operand's channel and the input channel that weight slice m multiplies."""
        per_group, per_operand = self.in_channels // self.groups, self.operands // self.groups
        operand, first = divmod(weight_slice, per_group)
        return operand, operand // per_operand * per_group + first

    def reads(self, out_plane: int) -> Tuple[Read, ...]:
        weight_slice, kernel_slice = divmod(out_plane, self.depths[1])
        channel = self._operand(weight_slice)[1]
        return tuple(Read(channel * self.depths[0] + d, j, d) for d, j in self.depth_taps(kernel_slice))

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """The other operand's slices, for each weight slice and each kernel slice: (out · kd, D', H', W')."""
        other = np.asarray(kernel, dtype=float).reshape(self.operands, *self.kernel_volume)
        operands = [self._operand(m)[0] for m in range(self.out_channels)]
        return np.repeat(other[operands], self.depths[1], axis=0)

    def heading(self, out_plane: int) -> str:
        """``∂L/∂w[0,1] slice 2 = x 1's slices 2–3 ∗ ∂L/∂y 0's slices 0–1``."""
        weight_slice, kernel_slice = divmod(out_plane, self.depths[1])
        operand, channel = self._operand(weight_slice)
        per = self.in_channels // self.groups
        name = f"{DW}[{weight_slice // per},{weight_slice % per}]" if self.has_channels else DW
        taps = self.depth_taps(kernel_slice)
        if not taps:
            return f"{name} slice {kernel_slice}: every slice it meets is padding (it gets 0)"
        source, other = self.volumes[0], ("x" if self.volumes[0] == DY else DY)
        mine = (f"{source} {channel}'s", f"{other} {operand}'s") if self.has_channels else (source, other)
        return (f"{name} slice {kernel_slice} = {mine[0]} slices {_span([d for d, _ in taps])}"
                f" ∗ {mine[1]} slices {_span([j for _, j in taps])}")


GRADIENTS[Conv3d] = Gradient(transposed3d_of, GATHER, weight=WeightGradient3d)
GRADIENTS[ConvTranspose3d] = Gradient(conv3d_of, GATHER, grad_of=DY, weight=WeightGradient3d)


# ---- captions and views -------------------------------------------------------------------------


def caption(spec: Volume, prefix: str = "", extra: Sequence[str] = ()) -> str:
    """``i=4x5x5, k=3, s=1, p=1 → o=4x5x5``: the parameters per axis (d, h, w), the paper's letters."""
    a = spec.axes
    pads = [p if p == q else f"{p}-{q}" for p, q in a.padding]
    parts = [f"i={shape_text(a.input_size)}", f"k={size3_text(a.kernel_size)}", f"s={size3_text(a.stride)}",
             f"p={pads[0] if len(set(pads)) == 1 else ','.join(map(str, pads))}"]
    if a.dilation != (1, 1, 1):
        parts.append(f"d={size3_text(a.dilation)}")
    parts += extra
    if spec.has_channels:
        parts.append(f"channels {spec.in_channels}→{spec.out_channels}" + (f", groups={spec.groups}" if spec.groups > 1 else ""))
    return f"{prefix}{', '.join(parts)} → o={shape_text(spec.output_volume)} (d×h×w)"


def conv_caption(spec: Conv3d) -> str:
    return caption(spec, extra=[f"{spec.padding_mode} padding"] if spec.padding_mode != "zeros" else [])


def transposed_caption(spec: ConvTranspose3d) -> str:
    a = spec.output_padding
    return caption(spec, "transposed: ", [f"a={size3_text(a)}"] if a != (0, 0, 0) else [])


def pool_caption(spec: Pool3d) -> str:
    return caption(spec, f"{spec.mode} pooling: ") + pooling_note(spec)


VIEWS = {"gather": GATHER, "matrix": matrix_view()}
VIEW = Param("view", "choice", "gather", "gather: the sweep, slice by slice; matrix: y = C·x, the slices unrolled one"
             " after another, a frame per row.", choices=tuple(VIEWS), render_only=True)
CONV_VIEWS = {**VIEWS, "grad-input": GRAD_VIEWS["grad-input"], "grad-weight": GRAD_VIEWS["grad-weight"]}
TRANSPOSED_VIEWS = {**CONV_VIEWS, "matrix": matrix_view("Cᵀ")}
POOL_VIEWS = {**VIEWS, "grad-input": GRAD_ROUTE}
POOL_VIEW = Param("view", "choice", "gather", "gather: the sweep, slice by slice; grad-input: ∂L/∂x from ∂L/∂y"
                  " (--grad-values), each gradient routed back to its window's slices; matrix: y = C·x, a frame per"
                  " row.", choices=tuple(POOL_VIEWS), render_only=True)
CONV_VIEW = Param("view", "choice", "gather", "gather: the sweep, slice by slice; grad-input: ∂L/∂x from ∂L/∂y"
                  " (--grad-values), the transposed sweep; grad-weight: ∂L/∂w, a frame per weight; matrix: y = C·x,"
                  " the slices unrolled one after another (Cᵀ for a transposed one).", choices=tuple(CONV_VIEWS),
                  render_only=True)

SIZE3 = "N or DxHxW"


def volume_params(i: str, k: str, padding: str, padding_help: str) -> Tuple[Param, ...]:
    return (
        Param("input_size", "size3", i, f"Input size, {SIZE3} (depth slices × height × width).", ("--i", "--input-size")),
        Param("kernel_size", "size3", k, f"Kernel size, {SIZE3}.", ("--k", "--kernel-size")),
        Param("stride", "size3", "1", f"Stride, {SIZE3}.", ("--s", "--stride")),
        Param("padding", padding, "0", padding_help, ("--p", "--padding")),
        Param("dilation", "size3", "1", f"Dilation, {SIZE3}.", ("--d", "--dilation")),
    )


CONV3D = Operation(
    "conv3d", "A 3-D convolution (PyTorch's conv3d) over depth slices (frames of a clip, slices of a scan):"
    " one frame per output cell of each output slice.",
    Conv3d, (*volume_params("4x5x5", "3", "padding3d", "Zero padding: N, D,H,W, valid, same or full."),
             *channel_params(), PADDING_MODE, CONV_VIEW),
    Conv3d, rank=18, title="a 3-D convolution", caption=conv_caption, views=CONV_VIEWS, dims=3,
)

TRANSPOSED3D = Operation(
    "transposed3d", "A transposed 3-D convolution (PyTorch's conv_transpose3d), drawn as its equivalent direct"
    " convolution over the input's slices spread out and padded.",
    ConvTranspose3d, (*volume_params("2x3x3", "2", "size3", "PyTorch's padding: N or DxHxW."),
                      Param("output_padding", "size3", "0", f"Extra slices, rows, columns at the end (PyTorch's"
                            f" output_padding), {SIZE3}.", ("--a", "--output-padding")),
                      *channel_params(), CONV_VIEW),
    ConvTranspose3d, rank=19, title="a transposed 3-D convolution", caption=transposed_caption,
    views=TRANSPOSED_VIEWS, dims=3, weight_layout="in,out", noun="transposed convolutions",
)

POOL3D = Operation(
    "pool3d", "3-D max or average pooling over depth slices (stride = kernel unless --s says otherwise, as in PyTorch).",
    lambda mode="max", stride=None, **params: Pool3d(stride=stride, mode=mode, **params),
    (Param("mode", "choice", "max", "max: pads with -inf; avg: counts the zero padding (PyTorch's defaults).",
           choices=POOL_MODES),
     *[p for p in volume_params("4x4x4", "2", "padding3d", "Padding: N or D,H,W (at most half the kernel).")
       if p.name != "stride"],
     Param("stride", "size3", None, f"Stride, {SIZE3}; default the kernel size.", ("--s", "--stride"), show_default=False),
     *POOL_PARAMS, POOL_VIEW),
    Pool3d, rank=20, title="3-D max or average pooling", caption=pool_caption,
    describe=describe_pooling, kernel_values=False, views=POOL_VIEWS, dims=3,
)
