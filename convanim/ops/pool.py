"""Max and average pooling, as PyTorch's ``max_pool2d`` and ``avg_pool2d``: a convolution's
geometry with no weights, each step reducing what its taps read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from ..core.errors import Pair, PairLike, SpecError, as_pair, whole_in
from ..core.geometry import PaddingLike
from ..core.sweep import Sweep, direct_sweep
from ..core.spec import Reducer, Window
from .base import GATHER, OneChannel, OneSweep, Operation, Param, Windowed, describe_pooling, geometry_params, \
    matrix_view, reworded, view_param
from .conv import caption as conv_caption
from .gradient import GRAD_ROUTE

# As in PyTorch, max pooling pads with −∞ and average pooling counts the zero padding.
MAX = Reducer("max", np.max, -np.inf, np.argmax, "max(", ", ", ")")
AVERAGE = Reducer("avg", np.mean, 0.0, None, "(", " + ", ")/{n}")


@dataclass(frozen=True)
class PoolMode:
    """A pooling mode, with all it needs to work everywhere: the reducer of a spec in this mode
    (ceil mode, padding and divisors included), and whether it averages, which decides whether
    it takes ``count_include_pad`` and ``divisor_override`` (averages only) and dilation (not
    for averages). A picking reducer (max, min) fills the padding and the cells past it with a
    value that never wins, so ceil mode needs nothing more of it."""

    reducer: Callable[["Pooling"], Reducer]
    averages: bool


def average(spec: "Pooling") -> Reducer:
    """The mean of every window; with ``ceil_mode``, ``count_include_pad=False`` or
    ``divisor_override``, the sum divided by each window's own divisor."""
    if not spec.ceil_mode and spec.count_include_pad and spec.divisor_override is None:
        return AVERAGE
    divisors = spec.divisors()
    share = np.asarray(divisors, dtype=float)
    return Reducer("avg", lambda values, axis: np.sum(values, axis=axis) / share, 0.0, None, "(", " + ", ")/{n}",
                   divisors)


MODES: Dict[str, PoolMode] = {
    "max": PoolMode(lambda spec: MAX, averages=False),
    "avg": PoolMode(average, averages=True),
}
POOL_MODES = tuple(MODES)


@dataclass(frozen=True, init=False)
class Pooling(Windowed, OneSweep, OneChannel):
    """Max or average pooling on planes: the geometry of a convolution, with no weights; what
    :class:`Pool2d` and ``Pool1d`` (a plane one row high) hold.

    As in PyTorch, max pooling pads with −∞ and average pooling counts the zero padding
    (``count_include_pad=True``); padding may be at most half the kernel. ``ceil_mode`` rounds
    the output size up: a last window may hang past the padded input (if it starts inside it),
    and averages only what it covers; ``divisor_override`` divides every sum by that number.
    """

    input_size: Pair
    window: Window
    padding_mode: str = "zeros"  # always: as a convolution's would read (the dump has listed it)
    mode: str = "max"
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: Optional[int] = None

    bias = False  # pooling adds none

    def _hold_mode(self, mode: str, ceil_mode: bool, count_include_pad: bool, divisor_override: Optional[int]) -> None:
        """Set and check the mode and its options, which every pooling reads before its window."""
        if mode not in MODES:
            raise SpecError("mode", f"unknown pooling mode {mode!r}: use one of {', '.join(MODES)}")
        object.__setattr__(self, "mode", mode)
        for name, value in (("ceil_mode", ceil_mode), ("count_include_pad", count_include_pad)):
            if not isinstance(value, (bool, np.bool_)):
                raise SpecError(name, f"must be true or false, got {value!r}")
            object.__setattr__(self, name, bool(value))
        if divisor_override is not None:
            divisor_override = whole_in("divisor_override", divisor_override, 1, 2**31 - 1)
        object.__setattr__(self, "divisor_override", divisor_override)
        averages = MODES[mode].averages
        if not averages and (not self.count_include_pad or divisor_override is not None):
            raise SpecError("count_include_pad" if divisor_override is None else "divisor_override",
                            f"is average pooling's ({mode} pooling divides nothing)")

    def _hold_window(self, input_size: Pair, window: Window) -> None:
        """Set and check the input and the window its mode allows."""
        object.__setattr__(self, "input_size", input_size)
        object.__setattr__(self, "window", window)
        object.__setattr__(self, "padding_mode", "zeros")
        self._check_fits()
        if MODES[self.mode].averages and self.dilation != (1, 1):
            raise SpecError("dilation", "average pooling has no dilation (as in PyTorch's avg_pool2d)")
        t, b, l, r = self.padding
        kh, kw = self.kernel_size
        for pad, span in ((t, kh), (b, kh), (l, kw), (r, kw)):
            if 2 * pad > span:
                raise SpecError("padding", f"pooling pads at most half the kernel (PyTorch's rule): {pad} > {span}/2")

    def _check_fits(self) -> None:
        if not self.ceil_mode:
            return self.window.check_fits(self.input_size)
        if min(self.output_size) < 1:  # rounded up, a window need only start inside the input
            raise SpecError(("kernel_size", "input_size", "padding"),
                            f"the kernel spans {self.kernel_extent[0]}x{self.kernel_extent[1]} cells: no window starts"
                            f" inside the padded input, {self.padded_size[0]}x{self.padded_size[1]}")

    @property
    def output_size(self) -> Pair:
        """PyTorch's: ⌊(i + p − d·(k−1) − 1) / s⌋ + 1, or with ``ceil_mode`` rounded up, less one
        if that last window would start past the input and its left padding."""
        if not self.ceil_mode:
            return self.window.output_size(self.input_size)
        out = []
        for axis in (0, 1):
            n, e, s = self.padded_size[axis], self.kernel_extent[axis], self.stride[axis]
            size = -(-(n - e) // s) + 1
            if (size - 1) * s >= self.input_size[axis] + self.padding[2 * axis]:
                size -= 1
            out.append(size)
        return tuple(out)  # type: ignore[return-value]

    @property
    def overhang(self) -> Pair:
        """Cells the last window reaches past the padded input, on each axis (``ceil_mode``)."""
        return tuple(max(0, (o - 1) * s + e - n) for o, s, e, n in  # type: ignore[return-value]
                     zip(self.output_size, self.stride, self.kernel_extent, self.padded_size))

    @property
    def drawn_size(self) -> Pair:
        """The padded input, and the cells a ``ceil_mode`` window hangs over."""
        return tuple(n + v for n, v in zip(self.padded_size, self.overhang))  # type: ignore[return-value]

    def sweep(self) -> Sweep:
        return direct_sweep(self.input_size, self.padding, self.kernel_size, self.stride, self.dilation,
                            outside=self.overhang)

    def divisors(self) -> Tuple[int, ...]:
        """What each window's sum is divided by, as PyTorch's avg_pool2d does: the override; or
        the window's cells inside the padded input (``count_include_pad``), or its input cells only."""
        oh, ow = self.output_size
        if self.divisor_override is not None:
            return (self.divisor_override,) * (oh * ow)
        (ph, pw), (kh, kw), (sh, sw) = self.padded_size, self.kernel_size, self.stride
        t, _, l, _ = self.padding
        (h, w) = self.input_size
        out = []
        for r in range(oh):
            for c in range(ow):
                r0, c0 = r * sh, c * sw
                if self.count_include_pad:
                    rows, cols = min(r0 + kh, ph) - r0, min(c0 + kw, pw) - c0
                else:
                    rows = min(r0 + kh, t + h) - max(r0, t)
                    cols = min(c0 + kw, l + w) - max(c0, l)
                out.append(max(rows, 0) * max(cols, 0))
        return tuple(out)

    def size_formula(self) -> List[str]:
        if not self.ceil_mode:
            return self.window.size_formula(self.input_size)
        lines = []
        for axis, name in ((0, "height"), (1, "width")):
            i, k, s, d = self.input_size[axis], self.kernel_size[axis], self.stride[axis], self.dilation[axis]
            before, after = self.padding[2 * axis], self.padding[2 * axis + 1]
            rounded = -(-(i + before + after - d * (k - 1) - 1) // s) + 1
            line = (f"{name}: o = ceil((i + p_before + p_after - d*(k-1) - 1) / s) + 1"
                    f" = ceil(({i} + {before} + {after} - {d}*({k}-1) - 1) / {s}) + 1 = {rounded}")
            if rounded != self.output_size[axis]:
                line += (f", less 1: that window would start at {(rounded - 1) * s}, at or past i + p_before = {i + before},"
                         f" so o = {self.output_size[axis]}")
            lines.append(line)
        return lines

    @property
    def reducer(self) -> Reducer:
        return MODES[self.mode].reducer(self)

    def receptive_field(self) -> Pair:
        """How many input cells (h, w) one output cell can depend on."""
        return self.kernel_extent

    def costs(self) -> dict:
        """No multiplications: a compare or an add per tap."""
        (kh, kw), (oh, ow) = self.kernel_size, self.output_size
        return {"weights": 0, "biases": 0, "multiply_adds": 0, "operations": oh * ow * kh * kw}


@dataclass(frozen=True, init=False)
class Pool2d(Pooling):
    """Max or average pooling, as PyTorch's ``max_pool2d`` and ``avg_pool2d``."""

    op = "pool"

    def __init__(
        self,
        input_size: PairLike,
        kernel_size: PairLike,
        stride: PairLike = 1,
        padding: PaddingLike = 0,
        dilation: PairLike = 1,
        mode: str = "max",
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Optional[int] = None,
    ):
        self._hold_mode(mode, ceil_mode, count_include_pad, divisor_override)
        self._hold_window(as_pair("input_size", input_size, 1), Window.of(kernel_size, stride, padding, dilation))

    @property
    def slug(self) -> str:
        extra = ("_ceil" if self.ceil_mode else "") + ("" if self.count_include_pad else "_nopad")
        extra += f"_div{self.divisor_override}" if self.divisor_override is not None else ""
        return f"{self.mode}_{self.window.slug(self.input_size)}{extra}"


def caption(spec: Pool2d) -> str:
    return conv_caption(spec, f"{spec.mode} pooling: ") + pooling_note(spec)


def pooling_note(spec: Pool2d) -> str:
    """What sets a window's divisor or the output size, where it is not the plain rule."""
    notes = []
    if spec.ceil_mode:
        notes.append("ceil mode: a last window may hang past the input" + (", averaging what it covers" if MODES[spec.mode].averages else ""))
    if spec.divisor_override is not None:
        notes.append(f"every sum ÷ {spec.divisor_override}")
    elif not spec.count_include_pad:
        notes.append("padding not counted")
    return "".join(f"; {note}" for note in notes)


VIEWS = {"gather": GATHER, "matrix": matrix_view(), "grad-input": GRAD_ROUTE}

POOL_PARAMS = (
    Param("ceil_mode", "flag", False, "Round the output size up: a last window may hang past the padded input."),
    Param("count_include_pad", "flag", True, "Average pooling: count the zero padding in each window's divisor."),
    Param("divisor_override", "count", None, "Average pooling: divide every window's sum by this.", show_default=False),
)

POOL = Operation(
    "pool", "Max or average pooling (stride 1 unless --s says otherwise, as in the paper).",
    Pool2d, (Param("mode", "choice", "max", "max: pads with -inf; avg: counts the zero padding (PyTorch's defaults).",
                   choices=POOL_MODES), *reworded(geometry_params(i="5", k="3", d="1"), padding="Padding: N, H,W, top,bottom,left,right, valid, same or full; max pooling pads with -inf, average pooling with zeros."), *POOL_PARAMS, view_param(VIEWS)),
    Pool2d, rank=3, title="max or average pooling", caption=caption, describe=describe_pooling, kernel_values=False,
    views=VIEWS,
)
