"""What ``core`` and ``scene`` ask of an operation's spec, and the small values a spec is made of.

A spec is read through :class:`Spec` (every operation: its stages) and :class:`Layer` (a
stage's spec: one sweep, its shapes, its reducer and what each output channel reads), never by
its type or by probing its attributes: an operation added in ``convanim.ops`` that satisfies
them needs nothing in ``core`` or ``scene``. Specs hold a :class:`Window` rather than
inheriting their geometry from one another.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

import numpy as np

from .errors import Pair, PairLike, SpecError, as_pair
from .geometry import PaddingLike, Quad, extent, padded_size, resolve_padding, size_text, sweep_size
from .sweep import Sweep


@dataclass(frozen=True)
class Reducer:
    """How a step combines what its taps read: a weighted sum (a convolution), or a function of
    the values alone (pooling), with the value padding takes and, for max or min, which tap wins.
    ``open``, ``joiner`` and ``close`` write the step out: ``max(1, 3, 2)`` or ``(1 + 3 + 2)/3``."""

    name: str
    reduce: Optional[Callable[..., np.ndarray]] = None  # (values, axis) -> result; None: the weighted sum
    background: float = 0.0
    pick: Optional[Callable[..., np.ndarray]] = None  # (values, axis) -> the winning tap
    open: str = "("
    joiner: str = " + "
    close: str = ")"
    divisors: Optional[Tuple[int, ...]] = None  # an average's divisor at each step, where it is not the taps' count
    copies: bool = False  # one tap, copied: a step is written as the cell it reads (o[2,3] = x[1,1] = 5)

    def divisor(self, step: int, taps: int) -> int:
        """The divisor at ``step`` (counted over every output plane: the planes of a 2-D layer's
        channels share the divisors of one, a volume's channels those of its depth slices)."""
        return self.divisors[step % len(self.divisors)] if self.divisors is not None else taps

    @property
    def weighted(self) -> bool:
        return self.reduce is None


SUM = Reducer("sum")


@dataclass(frozen=True)
class Stage:
    """One sweep of an operation: ``spec`` (a :class:`Layer`) reads volume ``source`` and writes
    ``target``. ``kernel`` holds the stage's own weights where the operation fixes them."""

    name: str
    spec: Any
    source: int
    target: int
    kernel: Optional[Tuple[Tuple[float, ...], ...]] = None


@dataclass(frozen=True)
class Read:
    """One input plane a step of an output plane reads, and the slice of that output plane's
    kernel that multiplies it. Planes are the input's channels, or for a 3-D operation its
    channels' depth slices, channel after channel (``channel`` = c·D + d); ``depth`` is the
    plane's place d along that third spatial axis (0 for every 2-D and 1-D operation)."""

    channel: int
    slice: int
    depth: int = 0


def group_reads(in_channels: int, out_channels: int, groups: int, out_channel: int) -> Tuple[Read, ...]:
    """What an output channel reads in ``nn.Conv2d(groups=…)``: the input channels of its group,
    each with its own slice of the kernel, in order."""
    per_group = in_channels // groups
    first = out_channel // (out_channels // groups) * per_group
    return tuple(Read(first + n, n) for n in range(per_group))


@dataclass(frozen=True)
class Window:
    """Where a kernel reads: its size, stride, padding (top, bottom, left, right) and dilation.

    The geometry that convolutions, transposed convolutions and pooling share; each holds one.
    """

    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Quad = (0, 0, 0, 0)
    dilation: Pair = (1, 1)

    @classmethod
    def of(cls, kernel_size: PairLike, stride: PairLike = 1, padding: PaddingLike = 0, dilation: PairLike = 1
           ) -> "Window":
        """A window from a user's values: sizes as N or (h, w), padding as N, (h, w), four
        numbers or a word (``valid``, ``same``, ``full``), each checked."""
        kernel = as_pair("kernel_size", kernel_size, 1)
        stride_, dilation_ = as_pair("stride", stride, 1), as_pair("dilation", dilation, 1)
        return cls(kernel, stride_, resolve_padding(padding, kernel, dilation_, stride_), dilation_)

    @property
    def extent(self) -> Pair:
        """Cells the dilated kernel spans on each axis."""
        return extent(self.kernel_size, self.dilation)

    def padded(self, size: Pair) -> Pair:
        return padded_size(size, self.padding)

    def output_size(self, size: Pair) -> Pair:
        """The steps over a ``size`` input once padded: ⌊(i + p − d·(k−1) − 1) / s⌋ + 1."""
        return sweep_size(self.padded(size), self.kernel_size, self.stride, self.dilation)

    def check_fits(self, size: Pair) -> None:
        """A SpecError unless the dilated kernel fits in the padded input."""
        span, padded = self.extent, self.padded(size)
        if span[0] > padded[0] or span[1] > padded[1]:
            raise SpecError(
                ("kernel_size", "input_size", "padding"),
                f"the kernel spans {span[0]}x{span[1]} cells"
                f"{' (dilated)' if self.dilation != (1, 1) else ''}"
                f" but the padded input is only {padded[0]}x{padded[1]}",
            )

    def size_formula(self, size: Pair) -> List[str]:
        """The output size over a ``size`` input on each axis, as the formula and with the numbers put in."""
        lines = []
        for axis, name in ((0, "height"), (1, "width")):
            i, k, s, d = size[axis], self.kernel_size[axis], self.stride[axis], self.dilation[axis]
            before, after = self.padding[2 * axis], self.padding[2 * axis + 1]
            lines.append(
                f"{name}: o = floor((i + p_before + p_after - d*(k-1) - 1) / s) + 1"
                f" = floor(({i} + {before} + {after} - {d}*({k}-1) - 1) / {s}) + 1 = {self.output_size(size)[axis]}"
            )
        return lines

    def slug(self, size: Pair) -> str:
        """``i5_k3_s2_p1_d1``: the window over a ``size`` input, file-name safe."""
        t, b, l, r = self.padding
        pad = str(t) if t == b == l == r else (f"{t}x{l}" if (t, l) == (b, r) else f"{t}-{b}-{l}-{r}")
        return (f"i{size_text(size)}_k{size_text(self.kernel_size)}_s{size_text(self.stride)}"
                f"_p{pad}_d{size_text(self.dilation)}")


@dataclass(frozen=True)
class Axes:
    """A 3-D operation's geometry as PyTorch takes it, one entry per axis (depth, height, width):
    what its dump's ``spec`` lists. Its planes and its depth are swept by a 2-D and a 1-D spec."""

    input_size: Tuple[int, int, int]
    kernel_size: Tuple[int, int, int]
    stride: Tuple[int, int, int]
    padding: Tuple[Pair, Pair, Pair]  # (before, after) on each axis
    dilation: Tuple[int, int, int]


def parameters(spec: Any) -> Dict[str, Any]:
    """A spec's parameters as a user gives them (the dump's ``spec``): its fields in order, a
    window's spelled out as the spec reports them (``kernel_size``, ``stride``, ``padding``,
    ``dilation``)."""
    given: Dict[str, Any] = {}
    for field in fields(spec):
        value = getattr(spec, field.name)
        if isinstance(value, Window):
            given.update((name, getattr(spec, name)) for name in ("kernel_size", "stride", "padding", "dilation"))
        elif isinstance(value, Axes):
            given.update((f.name, getattr(value, f.name)) for f in fields(value))
        else:
            given[field.name] = value
    return given


class Spec(Protocol):
    """Every operation's spec: its name and the sweeps it is made of. A figure that computes no
    values (a checkerboard, a receptive field) has no stages."""

    op: str

    def stages(self) -> Tuple[Stage, ...]: ...


class Layer(Spec, Protocol):
    """A spec that is one sweep, a :class:`Stage`'s: its shapes (PyTorch's, channels first when
    it has them), the sweep, how a step reduces, and what each output channel reads."""

    volumes: Tuple[str, ...]
    dims: int  # spatial axes of its arrays: 2 (H×W) or 1 (a strip, L)
    in_channels: int
    out_channels: int
    groups: int
    input_size: Pair
    output_size: Pair
    kernel_size: Pair
    bias: bool  # whether it adds a bias per output channel (a weighted layer's, as PyTorch's bias=True)
    depths: Pair  # depth slices of its input and of its output: (D, OD) for a 3-D operation, (1, 1) otherwise
    kernel_depth: int  # depth slices of its kernel: kd for a 3-D operation, else 1
    padding_mode: str  # what its padding cells hold: "zeros", or the input cells they copy ("reflect", …)

    @property
    def in_planes(self) -> int:
        """The H×W planes its input is drawn and computed as: its channels (× depth slices)."""
        ...

    @property
    def out_planes(self) -> int:
        """The planes of its output, each a sweep of the frames: its channels (× depth slices)."""
        ...

    @property
    def has_channels(self) -> bool: ...

    @property
    def input_shape(self) -> Tuple[int, ...]: ...

    @property
    def weight_shape(self) -> Tuple[int, ...]: ...

    @property
    def output_shape(self) -> Tuple[int, ...]: ...

    @property
    def reducer(self) -> Reducer: ...

    def sweep(self) -> Sweep: ...

    def reads(self, out_plane: int) -> Tuple[Read, ...]: ...

    def heading(self, out_plane: int) -> str:
        """What the frames of an output plane show, or "" for the scene's heading of channels."""
        ...

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """The weight as the sweep slides it, one row per output plane × (slices) × kh × kw,
        before any 180° turn."""
        ...
