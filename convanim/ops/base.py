"""What an operation declares, once: its parameters, its views, its numbers, its caption and
what `convanim info` says of it.

Each module of :mod:`convanim.ops` defines a spec (a frozen dataclass, validated at
construction) and the :class:`Operation` that makes it; the registry collects them, and the
command line, batch files, `info`, the API and the error-to-flag mapping are all made from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..core.backward import backward_costs
from ..core.errors import Pair, SpecError, whole_in
from ..core.geometry import shape_text, sweep_frames
from ..core.matrix import matrix_shape
from ..core.spec import Read, Stage, Window, group_reads
from ..scene.gather import stages_scene
from ..scene.matrix import check_matrix, im2col_scene, matrix_scene
from ..scene.model import Scene

MAX_CHANNELS = 4096
PARAM_KINDS = ("size", "sizes", "padding", "pair-padding", "padding1d", "size3", "padding3d", "any-size", "count", "int", "ints",
               "numbers", "choice", "text", "flag")


@dataclass(frozen=True)
class Param:
    """One parameter of an operation as a user gives it: ``--k 3`` on the command line, ``k = 3``
    in a batch file. ``kind`` says how its text reads (``size``: N or HxW; ``padding``: N, H,W,
    four numbers or a word; ``count``: 1 to 4,096; ``ints``/``numbers``/``sizes``: comma lists)."""

    name: str  # the keyword of the operation's constructor
    kind: str
    default: Any = None
    help: str = ""
    flags: Tuple[str, ...] = ()  # e.g. ("--k", "--kernel-size"); default: --name
    choices: Tuple[str, ...] = ()
    show_default: bool = True
    render_only: bool = False  # a parameter of the animation, not of `info` (a view)
    argument: bool = False  # given by position (``convanim torch "nn.Conv2d(…)"``), not by a flag

    def __post_init__(self) -> None:
        if self.kind not in PARAM_KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if not self.flags:
            object.__setattr__(self, "flags", ("--" + self.name.replace("_", "-"),))


def geometry_params(i: str, k: str, d: Optional[str]) -> Tuple[Param, ...]:
    """--i, --k, --s, --p and (unless ``d`` is None) --d of a direct convolution, with these defaults."""
    params = (
        Param("input_size", "size", i, "Input size, N or HxW.", ("--i", "--input-size")),
        Param("kernel_size", "size", k, "Kernel size, N or HxW.", ("--k", "--kernel-size")),
        Param("stride", "size", "1", "Stride, N or HxW.", ("--s", "--stride")),
        Param("padding", "padding", "0", "Zero padding: N, H,W, top,bottom,left,right, valid, same or full.",
              ("--p", "--padding")),
        Param("dilation", "size", d, "Dilation, N or HxW.", ("--d", "--dilation")),
    )
    return params if d is not None else params[:4]


def reworded(params: Tuple[Param, ...], **helps: str) -> Tuple[Param, ...]:
    """``params`` with the help of those named replaced: the same option, said as this operation reads it."""
    return tuple(replace(p, help=helps[p.name]) if p.name in helps else p for p in params)


def set_channels(spec, in_channels: int, out_channels: int, groups: int) -> None:
    """Set a frozen spec's channels and groups, each 1 to 4,096, the channels split into the groups."""
    checked = {name: whole_in(name, value, 1, MAX_CHANNELS)
               for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups))}
    for name, value in checked.items():
        object.__setattr__(spec, name, value)
    for name in ("in_channels", "out_channels"):
        if checked[name] % checked["groups"]:
            raise SpecError((name, "groups"), f"{checked[name]} channels do not split into {checked['groups']} groups")


def channels_slug(spec) -> str:
    """``_c3to2_g2`` in a file name, for a spec with channels; nothing without."""
    if not spec.has_channels:
        return ""
    return f"_c{spec.in_channels}to{spec.out_channels}" + (f"_g{spec.groups}" if spec.groups > 1 else "")


def channel_params(out: bool = True, groups: bool = True, multiplier: bool = False, in_default: int = 1
                   ) -> Tuple[Param, ...]:
    params = [Param("in_channels", "count", in_default, "Input channels C (input C×H×W).")]
    if out:
        params.append(Param("out_channels", "count", 1, "Output channels O (weight O×C/groups×kh×kw)."))
    if groups:
        params.append(Param("groups", "count", 1, "Groups: each output channel reads C/groups input channels."))
    if multiplier:
        params.append(Param("depth_multiplier", "count", 1, "Kernels per input channel."))
    return tuple(params)


@dataclass(frozen=True)
class View:
    """One way to show an operation: the scene, and what the limits need before it is built."""

    name: str
    scene: Callable[..., Scene]  # (spec, numbers, precision, labels, caption) -> Scene
    frames: Callable[[Any], int]  # spec -> frame count, without building anything
    shapes: Callable[[Any], List[Pair]]  # spec -> the sizes of the grids drawn, in cells
    check: Optional[Callable[[Any], None]] = None  # spec -> raise SpecError if this view cannot draw it

    @property
    def backward(self) -> bool:
        """Whether it draws the backward pass: its numbers need ∂L/∂y."""
        return self.name.startswith("grad-")


def one_channel(view: str) -> Callable[[Any], None]:
    """A view's check: it draws one channel."""

    def check(spec) -> None:
        if spec.has_channels:
            raise SpecError("view", f"the {view} view draws one channel (this one has {spec.in_channels}→{spec.out_channels})")

    return check


def figure_view(scene: Callable[[Any, bool], Scene], frames: Callable[[Any], int],
                shapes: Callable[[Any], List[Pair]]) -> View:
    """The view of a figure that has no numbers and makes its own note: ``scene(spec, labels)``."""
    return View("gather", lambda spec, numbers=None, precision=1, labels=False, caption="": scene(spec, labels),
                frames, shapes)


def stage_frames(spec) -> int:
    """A step per output cell of every output plane drawn, stage after stage."""
    return sum(sweep_frames(st.spec.output_size, st.spec.out_planes) for st in spec.stages())


def stage_shapes(spec) -> List[Pair]:
    return [st.spec.drawn_size for st in spec.stages()]


def stages_view(order: Optional[Sequence] = None, level: Optional[Dict[int, int]] = None,
                kernels: Sequence[str] = (), symbols: Optional[Dict[int, str]] = None) -> View:
    """The paper's view of an operation's stages; ``order`` and ``level`` arrange a chain's volumes,
    ``kernels`` names each stage's kernel, drawn as a plane of its own, ``symbols`` what the
    equations call a volume (written after its name)."""

    def scene(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "") -> Scene:
        return stages_scene(spec, numbers, precision, labels, caption, order, level, kernels, symbols)

    return View("gather", scene, stage_frames, stage_shapes)


GATHER = stages_view()


def matrix_view(symbol: str = "C") -> View:
    """The operation as the sparse matrix ``symbol`` (the paper's C, or Cᵀ), a frame per row."""

    def scene(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "") -> Scene:
        return matrix_scene(spec, numbers, precision, caption, symbol)

    def shapes(spec) -> List[Pair]:
        rows, cols = matrix_shape(spec)
        return [spec.input_size, (rows, cols), (1, cols), (rows, 1), spec.output_size]

    return View("matrix", scene, lambda spec: matrix_shape(spec)[0], shapes,
                lambda spec: check_matrix(spec, *matrix_shape(spec)))


def _patches(spec) -> Pair:
    (oh, ow), (kh, kw) = spec.output_size, spec.kernel_size
    return (oh * ow, kh * kw)


IM2COL = View(
    "im2col", lambda spec, numbers=None, precision=1, labels=False, caption="": im2col_scene(spec, numbers, precision, caption),
    lambda spec: _patches(spec)[0],
    lambda spec: [spec.drawn_size, _patches(spec), (1, _patches(spec)[1]), (_patches(spec)[0], 1), spec.output_size],
    lambda spec: check_matrix(spec, *_patches(spec), "patches matrix"),
)


VIEW_HELP = {
    "gather": "gather: the paper's sweep",
    "scatter": "scatter: input cells stamp the kernel",
    "matrix": "matrix: the sparse matrix C, y = C·x, a row a frame",
    "im2col": "im2col: the patches matrix times the flattened kernel",
    "grad-input": "grad-input: ∂L/∂x from ∂L/∂y (--grad-values): the transposed sweep, or pooling routing it back",
    "grad-input-scatter": "grad-input-scatter: each ∂L/∂y cell stamps the kernel back onto ∂L/∂x",
    "grad-weight": "grad-weight: ∂L/∂w, a frame per weight",
}


def view_param(views: Mapping[str, View]) -> Param:
    """--view, with the operation's views as its choices."""
    return Param("view", "choice", "gather", "; ".join(VIEW_HELP[v] for v in views) + ".", choices=tuple(views),
                 render_only=True)


# ---- `info` of an operation made of stages -----------------------------------------------


def describe_stages(spec, counted: Optional[int] = None) -> dict:
    """Shapes, output-size arithmetic and costs, stage by stage, and their totals over the
    first ``counted`` stages (all by default; a comparison stage is left out of the totals)."""
    parts = []
    for stage in spec.stages():
        parts.append({
            "stage": stage.name or spec.op,
            "input_shape": list(stage.spec.input_shape),
            "weight_shape": list(stage.spec.weight_shape) if stage.spec.reducer.weighted else [],
            "output_shape": list(stage.spec.output_shape),
            "output_size": stage.spec.size_formula(),
            **stage.spec.costs(),
            "backward_multiply_adds": backward_costs(stage.spec),
        })
    totals = parts[:counted]
    weights = sum(p["weights"] for p in totals)
    return {
        "op": spec.op,
        "input_shape": list(spec.input_shape),
        "output_shape": list(spec.output_shape),
        "weights": weights,
        "parameters_with_bias": weights + sum(p["biases"] for p in totals),
        "multiply_adds": sum(p["multiply_adds"] for p in totals),
        "backward_multiply_adds": {part: sum(p["backward_multiply_adds"][part] for p in totals) for part in ("input", "weight")},
        "receptive_field": list(spec.receptive_field()),
        "stages": parts,
    }


def describe_plain(spec, bottleneck: Optional[int] = None) -> dict:
    return describe_stages(spec)


def describe_pooling(spec, bottleneck: Optional[int] = None) -> dict:
    """A pooling's stages and its mode, which decides what it computes (it has no weights)."""
    return {"mode": spec.mode, **describe_stages(spec)}


def stages_text(info: dict) -> str:
    """`convanim info`'s human-readable form of :func:`describe_stages` and what ops add to it."""
    n = lambda v: f"{v:,}"  # noqa: E731
    lines = [
        f"operation:        {info['op']}",
        *([f"mode:             {info['mode']}"] if "mode" in info else []),
        f"input shape:      {shape_text(info['input_shape'])}",
        f"output shape:     {shape_text(info['output_shape'])}",
    ]
    for part in info["stages"]:
        if len(info["stages"]) > 1:
            lines.append(f"{part['stage']}: {shape_text(part['input_shape'])} -> {shape_text(part['output_shape'])},"
                         f" weights {shape_text(part['weight_shape'])} = {n(part['weights'])},"
                         f" multiply-adds {n(part['multiply_adds'])}")
        lines += [f"  {line}" for line in part["output_size"]]
    lines += [
        f"weights:          {n(info['weights'])}",
        *([f"with bias:        {n(info['parameters_with_bias'])}"] if info["weights"] else []),
        f"multiply-adds:    {n(info['multiply_adds'])}",
        *_backward_text(info),
        f"receptive field:  {shape_text(info['receptive_field'])}",
    ]
    if "full_kernel_weights" in info:
        lines.append(f"full kernel:      {n(info['full_kernel_weights'])} weights,"
                     f" {n(info['full_kernel_multiply_adds'])} multiply-adds")
    if "standard_conv_weights" in info:
        lines.append(f"standard conv:    {n(info['standard_conv_weights'])} weights")
    if "bottleneck" in info:
        b = info["bottleneck"]
        lines.append(f"with a 1x1 bottleneck to {b['channels']}: {n(b['pointwise_weights'])} + {n(b['conv_weights'])}"
                     f" = {n(b['weights'])} weights, {n(b['multiply_adds'])} multiply-adds")
    return "\n".join(lines)


def _backward_text(info: dict) -> List[str]:
    back = info.get("backward_multiply_adds")
    if back is None:
        return []
    weight = f" + ∂L/∂w {back['weight']:,}" if back["weight"] else ""
    return [f"backward:         ∂L/∂x {back['input']:,}{weight} = {back['input'] + back['weight']:,} multiply-adds"]


@dataclass(frozen=True)
class Operation:
    """An operation as users meet it: a command (and `info` subcommand, and batch ``command``)
    that makes a spec from its parameters, and everything that is shown and said of it."""

    name: str
    help: str
    make: Callable[..., Any]  # the parameters, by name -> the spec
    params: Tuple[Param, ...]
    specs: Union[type, Tuple[type, ...]]  # the classes ``make`` returns (the first op of a class describes it)
    rank: int  # where it comes in listings
    caption: Optional[Callable[[Any], str]] = None  # the parameters in the paper's letters (labels)
    describe: Callable[..., dict] = describe_plain  # (spec, bottleneck) -> what `info` prints, as data
    info_text: Callable[[dict], str] = stages_text
    views: Mapping[str, View] = field(default_factory=lambda: {"gather": GATHER})
    numbers: bool = True  # takes --numbers, --input-values, --dump
    kernel_values: bool = True  # takes --kernel-values
    report: Optional[Callable[[Any], str]] = None  # a line printed after the files
    drawn: Optional[Callable[..., dict]] = None  # the parameters -> which channels are drawn, if not all ({} if all)
    info_params: Tuple[Param, ...] = ()  # parameters of `info` only
    noun: str = ""  # in messages: "the scatter view is for transposed convolutions"
    title: str = ""  # what `info NAME` describes: "a direct convolution"
    info_help: str = ""  # `info NAME --help`; default: its shapes, arithmetic and costs
    weight_layout: str = "out,in"  # a weight's first two axes: out×in/groups (a convolution), in×out/groups (transposed)
    dims: Union[int, Callable[[dict], int]] = 2  # spatial axes of its arrays: 2 (H×W), 1 (a strip, L), or as its parameters say

    def __post_init__(self) -> None:
        if not isinstance(self.specs, tuple):
            object.__setattr__(self, "specs", (self.specs,))
        object.__setattr__(self, "noun", self.noun or self.name)
        object.__setattr__(self, "title", self.title or f"a {self.name} operation")
        object.__setattr__(self, "info_help", self.info_help or (
            f"Shapes, output-size arithmetic, weights, multiply-adds and receptive field of {self.title}."))

    def scene(self, spec, numbers=None, precision: int = 1, labels: bool = False, view: str = "gather") -> Scene:
        text = self.caption(spec) if labels and self.caption is not None else ""
        return self.views[view].scene(spec, numbers, precision, labels, text)

    def frame_count(self, spec, view: str = "gather") -> int:
        return self.views[view].frames(spec)

    def drawn_shapes(self, spec, view: str = "gather") -> List[Pair]:
        return self.views[view].shapes(spec)


class Windowed:
    """The geometry of a spec that holds an ``input_size`` and a :class:`Window`, read off the window."""

    input_size: Pair
    window: Window

    @property
    def kernel_size(self) -> Pair:
        return self.window.kernel_size

    @property
    def stride(self) -> Pair:
        return self.window.stride

    @property
    def padding(self) -> Tuple[int, ...]:
        return self.window.padding

    @property
    def dilation(self) -> Pair:
        return self.window.dilation

    @property
    def kernel_extent(self) -> Pair:
        return self.window.extent

    @property
    def padded_size(self) -> Pair:
        return self.window.padded(self.input_size)

    def field_span(self, axis: int, first: int, last: int) -> Optional[Tuple[int, int]]:
        """The input cells (first, last, padding included) that output cells ``first``..``last`` read on ``axis``."""
        s, d, k = self.stride[axis], self.dilation[axis], self.kernel_size[axis]
        before = self.window.padding[2 * axis]
        return (first * s - before, last * s - before + d * (k - 1))

    def field_jump(self, axis: int) -> Fraction:
        """Input cells between neighbouring output cells' windows: the stride."""
        return Fraction(self.stride[axis])


class OneSweep:
    """A spec that is one sweep from its input to its output: its only stage is itself, and each
    output channel reads the input channels of its group, each under its own kernel slice."""

    volumes = ("input", "output")
    dims = 2
    depths = (1, 1)
    kernel_depth = 1
    padding_mode = "zeros"
    in_channels: int
    out_channels: int
    groups: int

    @property
    def in_planes(self) -> int:
        return self.in_channels * self.depths[0]

    @property
    def out_planes(self) -> int:
        return self.out_channels * self.depths[1]

    def stages(self) -> Tuple[Stage, ...]:
        return (Stage("", self, 0, 1),)

    def reads(self, out_channel: int) -> Tuple[Read, ...]:
        return group_reads(self.in_channels, self.out_channels, self.groups, out_channel)

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """The weight as stored: the sweep slides it as it is."""
        return kernel

    def heading(self, out_plane: int) -> str:
        """What its frames of an output plane show, where the channels' heading would not say it."""
        return ""


class Figure:
    """A spec drawn as a figure of its own (a checkerboard, a receptive field): it computes no
    values step by step, so it has no stages."""

    def stages(self) -> Tuple[Stage, ...]:
        return ()


class OneChannel:
    """Shapes of an operation on one channel: arrays are H×W, weights kh×kw."""

    in_channels = out_channels = groups = 1
    has_channels = False
    volumes = ("input", "output")

    @property
    def input_shape(self) -> Pair:
        return self.input_size  # type: ignore[attr-defined]

    @property
    def weight_shape(self) -> Pair:
        return self.kernel_size  # type: ignore[attr-defined]

    @property
    def output_shape(self) -> Pair:
        return self.output_size  # type: ignore[attr-defined]


def numbers_text(values: Sequence[float]) -> str:
    """``[1,0,−1]``: a kernel's weights in a caption."""
    return "[" + ",".join(str(v).replace("-", "−") for v in values) + "]"

