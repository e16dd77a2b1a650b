"""1-D convolution, transposed convolution and pooling (PyTorch's ``Conv1d``, ``ConvTranspose1d``,
``MaxPool1d``/``AvgPool1d``), drawn as strips.

A 1-D operation is its 2-D one on a grid one row high: the same sweep, values, scenes and
drawing, with PyTorch's 1-D shapes on the outside (input ``L`` or ``C×L``, weight ``k`` or
``O×C/groups×k``) and its own words (``--p causal``: ``d·(k−1)`` cells on the left only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

from ..core.errors import SpecError, as_pair, whole
from ..core.geometry import PADDING_WORDS, Quad, resolve_padding, sweep_leftover
from .base import GATHER, IM2COL, Operation, Param, View, channel_params, channels_slug, describe_pooling, matrix_view, one_channel, stage_shapes, view_param
from ..core.spec import Window
from .conv import PADDING_MODE, Convolution, caption_extras
from .pool import POOL_MODES, POOL_PARAMS, Pooling, pooling_note
from .gradient import GRAD_ROUTE, GRAD_VIEWS, GRADIENTS, Gradient
from .transposed import TransposedConvolution, conv_of
from ..core.values import full_canvas
from ..scene.views import scatter_scene

Padding1d = Union[int, str, Tuple[int, int]]
PADDING_1D_WORDS = (*PADDING_WORDS, "causal")


def strip_padding(padding: Padding1d, kernel: int, dilation: int, stride: int) -> Quad:
    """A 1-D padding (N, (left, right), or a word) as the strip's (top, bottom, left, right)."""
    if isinstance(padding, str) and padding.strip().lower() == "causal":
        return (0, 0, dilation * (kernel - 1), 0)  # WaveNet's: an output sees only the present and the past
    if isinstance(padding, str):
        return resolve_padding(padding, (1, kernel), (1, dilation), (1, stride))
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise SpecError("padding", f"a 1-D padding is N or left,right, got {len(padding)} values")
        left, right = (whole("padding", v) for v in padding)
    else:
        left = right = whole("padding", padding)
    if min(left, right) < 0:
        raise SpecError("padding", f"must not be negative, got {min(left, right)}")
    return (0, 0, left, right)


def _length(name: str, value) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise SpecError(name, f"a 1-D {name.replace('_', ' ')} is one number, got {len(value)}")
        value = value[0]
    return whole(name, value)


class Strip:
    """PyTorch's 1-D shapes and words for an operation drawn on a grid one row high."""

    dims = 1

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return (self.in_channels, self.input_size[1]) if self.has_channels else (self.input_size[1],)  # type: ignore

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        k = self.kernel_size[1]  # type: ignore[attr-defined]
        return (self.out_channels, self.in_channels // self.groups, k) if self.has_channels else (k,)  # type: ignore

    @property
    def output_shape(self) -> Tuple[int, ...]:
        length = self.output_size[1]  # type: ignore[attr-defined]
        return (self.out_channels, length) if self.has_channels else (length,)  # type: ignore[attr-defined]

    def size_formula(self) -> List[str]:
        return [line.replace("width: ", "length: ") for line in super().size_formula()[1:]]  # type: ignore[misc]

    def receptive_field(self) -> Tuple[int, ...]:
        return (super().receptive_field()[1],)  # type: ignore[misc]


@dataclass(frozen=True, init=False)
class Conv1d(Strip, Convolution):
    """A 1-D convolution (``nn.Conv1d``): input C×L, weight O×(C/groups)×k."""

    op = "conv1d"

    def __init__(self, input_size: int, kernel_size: int, stride: int = 1, padding: Padding1d = 0, dilation: int = 1,
                 in_channels: int = 1, out_channels: int = 1, groups: int = 1, padding_mode: str = "zeros",
                 bias: bool = True):
        k, s, d = (_length(n, v) for n, v in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)))
        length, padding = _length("input_size", input_size), strip_padding(padding, k, d, s)
        self._hold(as_pair("input_size", (1, length), 1), Window.of((1, k), (1, s), padding, (1, d)),
                   in_channels, out_channels, groups, padding_mode, bias)

    @property
    def slug(self) -> str:
        _, _, left, right = self.padding
        pad = str(left) if left == right else f"{left}-{right}"
        mode = "" if self.padding_mode == "zeros" else f"_{self.padding_mode}"
        return (f"l{self.input_size[1]}_k{self.kernel_size[1]}_s{self.stride[1]}_p{pad}_d{self.dilation[1]}"
                f"{channels_slug(self)}{mode}")


@dataclass(frozen=True, init=False)
class Pool1d(Strip, Pooling):
    """1-D max or average pooling (``nn.MaxPool1d``, ``nn.AvgPool1d``)."""

    op = "pool1d"

    def __init__(self, input_size: int, kernel_size: int, stride: int = 1, padding: Padding1d = 0, dilation: int = 1,
                 mode: str = "max", ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: Optional[int] = None):
        k, s, d = (_length(n, v) for n, v in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)))
        length, padding = _length("input_size", input_size), strip_padding(padding, k, d, s)
        self._hold_mode(mode, ceil_mode, count_include_pad, divisor_override)
        self._hold_window(as_pair("input_size", (1, length), 1), Window.of((1, k), (1, s), padding, (1, d)))

    @property
    def slug(self) -> str:
        _, _, left, right = self.padding
        pad = str(left) if left == right else f"{left}-{right}"
        extra = ("_ceil" if self.ceil_mode else "") + ("" if self.count_include_pad else "_nopad")
        extra += f"_div{self.divisor_override}" if self.divisor_override is not None else ""
        return f"{self.mode}_l{self.input_size[1]}_k{self.kernel_size[1]}_s{self.stride[1]}_p{pad}_d{self.dilation[1]}{extra}"


@dataclass(frozen=True, init=False)
class ConvTranspose1d(Strip, TransposedConvolution):
    """A transposed 1-D convolution (``nn.ConvTranspose1d``): output (L − 1)·s − 2p + d·(k − 1) + a + 1."""

    op = "transposed1d"

    def __init__(self, input_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1,
                 output_padding: int = 0, in_channels: int = 1, out_channels: int = 1, groups: int = 1,
                 bias: bool = True):
        values = [_length(n, v) for n, v in (("input_size", input_size), ("kernel_size", kernel_size), ("stride", stride),
                                             ("padding", padding), ("dilation", dilation),
                                             ("output_padding", output_padding))]
        self._hold(*((0 if n in (3, 5) else 1, v) for n, v in enumerate(values)), in_channels, out_channels, groups,
                   bias)

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        k = self.kernel_size[1]
        return (self.in_channels, self.out_channels // self.groups, k) if self.has_channels else (k,)

    @property
    def slug(self) -> str:
        return (f"l{self.input_size[1]}_k{self.kernel_size[1]}_s{self.stride[1]}_p{self.padding[1]}"
                f"_d{self.dilation[1]}_a{self.output_padding[1]}{channels_slug(self)}")


def _padding_text(spec) -> str:
    _, _, left, right = spec.padding
    return str(left) if left == right else f"{left},{right}"


def caption(spec, prefix: str = "") -> str:
    """``l=8, k=3, s=1, p=2,0 → o=8``: a 1-D convolution's or pooling's parameters in the paper's letters."""
    return _strip_caption(spec, [f"p={_padding_text(spec)}"], prefix, spec.padding_mode)


def transposed_caption(spec: ConvTranspose1d) -> str:
    """The same for a transposed strip: PyTorch's padding, and ``a`` where there is output padding."""
    a = spec.output_padding[1]
    return _strip_caption(spec, [f"p={spec.padding[1]}"] + ([f"a={a}"] if a else []))


def _strip_caption(spec, padding: List[str], prefix: str = "", padding_mode: str = "zeros") -> str:
    parts = [f"i={spec.input_size[1]}", f"k={spec.kernel_size[1]}", f"s={spec.stride[1]}", *padding]
    if spec.dilation[1] != 1:
        parts.append(f"d={spec.dilation[1]}")
    more, note = caption_extras(spec, padding_mode)
    return f"{prefix}{', '.join(parts + more)} → o={spec.output_size[1]}{note}"


def strip_params(i: str, padding: bool = True) -> Tuple[Param, ...]:
    params = [
        Param("input_size", "int", i, "Input length L.", ("--i", "--input-size")),
        Param("kernel_size", "int", "3", "Kernel size k.", ("--k", "--kernel-size")),
        Param("stride", "int", "1", "Stride.", ("--s", "--stride")),
        Param("padding", "padding1d" if padding else "int", "0",
              "Padding: N, left,right, valid, same, full or causal (d·(k−1) on the left)." if padding else "Padding p.",
              ("--p", "--padding")),
        Param("dilation", "int", "1", "Dilation.", ("--d", "--dilation")),
    ]
    return tuple(params)


CONV_VIEWS = {"gather": GATHER, "matrix": matrix_view(), "im2col": IM2COL, **GRAD_VIEWS}

CONV1D = Operation(
    "conv1d", "A 1-D convolution (PyTorch's conv1d), with channels and groups, drawn as strips: a frame per output cell.",
    Conv1d, (*strip_params("8"), *channel_params(), PADDING_MODE, view_param(CONV_VIEWS)), Conv1d, rank=10, title="a 1-D convolution",
    caption=caption, views=CONV_VIEWS, dims=1,
)

POOL1D_VIEWS = {"gather": GATHER, "matrix": matrix_view(), "grad-input": GRAD_ROUTE}

POOL1D = Operation(
    "pool1d", "1-D max or average pooling, drawn as strips.",
    Pool1d, (Param("mode", "choice", "max", "max: pads with -inf; avg: counts the zero padding (PyTorch's defaults).",
                   choices=POOL_MODES), *strip_params("8"), *POOL_PARAMS, view_param(POOL1D_VIEWS)),
    Pool1d, rank=12, title="1-D max or average pooling",
    caption=lambda spec: caption(spec, f"{spec.mode} pooling: ") + pooling_note(spec),
    describe=describe_pooling, kernel_values=False, views=POOL1D_VIEWS, dims=1,
)

TRANSPOSED1D_VIEWS = {
    "gather": GATHER,
    "scatter": View("scatter", lambda spec, numbers=None, precision=1, labels=False, caption="":
                    scatter_scene(spec, numbers, precision, caption),
                    lambda spec: spec.input_size[1], lambda spec: stage_shapes(spec) + [full_canvas(spec)],
                    one_channel("scatter")),
    "matrix": matrix_view("Cᵀ"),
    "grad-input": GRAD_VIEWS["grad-input"],
    "grad-weight": GRAD_VIEWS["grad-weight"],
}


def transposed_of(conv: Conv1d) -> ConvTranspose1d:
    """The transposed 1-D convolution that is a 1-D convolution's input gradient (the same weight tensor)."""
    _, _, left, right = conv.padding
    if left != right:
        raise SpecError(("view", "padding"), "only a symmetric padding has a transposed convolution in PyTorch:"
                        " its input gradient is drawn for those")
    leftover = sweep_leftover(conv.padded_size, conv.kernel_size, conv.stride, conv.dilation)[1]
    return ConvTranspose1d(conv.output_size[1], conv.kernel_size[1], conv.stride[1], left, conv.dilation[1], leftover,
                           conv.out_channels, conv.in_channels, conv.groups, bias=False)


def conv1d_of(spec: ConvTranspose1d) -> Conv1d:
    """The 1-D convolution that is a transposed 1-D convolution's input gradient."""
    conv = conv_of(spec)
    return Conv1d(spec.output_size[1], spec.kernel_size[1], spec.stride[1], spec.padding[1], spec.dilation[1],
                  conv.in_channels, conv.out_channels, conv.groups, bias=False)


GRADIENTS[Conv1d] = Gradient(transposed_of, TRANSPOSED1D_VIEWS["gather"], scatter=True)
GRADIENTS[ConvTranspose1d] = Gradient(conv1d_of, CONV_VIEWS["gather"], grad_of="∂L/∂y")

TRANSPOSED1D = Operation(
    "transposed1d", "A transposed 1-D convolution, drawn as strips: as the paper does, as stamps (--view scatter), or as Cᵀ.",
    ConvTranspose1d, (*strip_params("4", padding=False)[:4],
                      Param("dilation", "int", "1", "Dilation.", ("--d", "--dilation")),
                      Param("output_padding", "int", "0", "Extra cells on the right (PyTorch's output_padding).",
                            ("--a", "--output-padding")), *channel_params(), view_param(TRANSPOSED1D_VIEWS)),
    ConvTranspose1d, rank=11, title="a transposed 1-D convolution", caption=transposed_caption, views=TRANSPOSED1D_VIEWS,
    noun="transposed convolutions", dims=1, weight_layout="in,out",
)
