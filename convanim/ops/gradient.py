"""The backward pass as views of a layer: ``grad-input`` (∂L/∂x), ``grad-input-scatter`` and
``grad-weight`` (∂L/∂w), each another layer's sweep drawn with the layer's own numbers.

∂L/∂x of a convolution is the transposed convolution of ∂L/∂y with the same weights (the paper's
point, §4), and of a transposed convolution the direct one: each operation module registers in
:data:`GRADIENTS` the layer its input gradient is and the view that draws that layer. ∂L/∂w is
one sweep for every weighted layer, :class:`WeightGradient`: the layer's input (or, transposed,
∂L/∂y), padded as the layer pads it, correlated with the other operand dilated by the stride.
The values are checked against :mod:`convanim.core.backward`, which reads the forward sweep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ..core.backward import untouched
from ..core.errors import Pair, SpecError
from ..core.geometry import padded_size
from ..core.spec import SUM, Read, Reducer, Window
from ..core.sweep import Sweep, direct_sweep
from ..core.values import Numbers
from ..scene.gather import stages_scene
from ..scene.model import Scene
from ..scene.routes import route_scene
from ..scene.views import scatter_scene
from .base import OneSweep, View, Windowed, one_channel, stage_frames, stage_shapes

DX, DY, DW = "∂L/∂x", "∂L/∂y", "∂L/∂w"


@dataclass(frozen=True)
class Gradient:
    """How a layer's input gradient is drawn: the layer that maps ∂L/∂y to ∂L/∂x with the same
    weight tensor, the view of that layer's operation that draws it, and whether its scatter
    form (each ∂L/∂y cell stamping the kernel) is drawn too. ``check`` refuses what it cannot draw."""

    layer: Callable[[Any], Any]
    view: View
    scatter: bool = False
    grad_of: str = "x"  # what the weight gradient's sweep reads as its input: x, or ∂L/∂y (transposed)
    weight: Optional[Callable[[Any, bool], Any]] = None  # the weight gradient's sweep, if not WeightGradient's


GRADIENTS: Dict[type, Gradient] = {}  # a spec class -> its gradient, registered by the modules of ops


def gradient_of(spec) -> Gradient:
    """The registered gradient of ``spec``'s class."""
    if type(spec) not in GRADIENTS:
        raise SpecError("view", "the gradient views are for convolutions and transposed convolutions")
    return GRADIENTS[type(spec)]


@dataclass(frozen=True, init=False)
class WeightGradient(OneSweep, Windowed):
    """∂L/∂w of a weighted layer as one sweep, a step per weight: ``input`` (x, or ∂L/∂y for a
    transposed convolution), padded as the layer pads it, under the other operand dilated by the
    layer's stride, moved by the layer's dilation. Output channel m is weight slice m of the
    layer's weight (out × in/groups, as stored), reading one input channel under one kernel."""

    input_size: Pair
    window: Window  # kernel: the other operand's size; stride: the layer's dilation; dilation: its stride
    weights: Pair  # the layer's kernel: one step each
    in_channels: int
    out_channels: int
    groups: int
    operands: int  # channels of the other operand (the kernel of this sweep)
    output_shape: Tuple[int, ...]  # the layer's weight shape
    dims: int = 2
    padding_mode: str = "zeros"
    volumes: Tuple[str, str] = ("x", DW)

    op = "grad-weight"
    bias = False

    def __init__(self, layer, reads_grad: bool):
        in_ch, other = (layer.out_channels, layer.in_channels) if reads_grad else (layer.in_channels, layer.out_channels)
        size, kernel = (layer.output_size, layer.input_size) if reads_grad else (layer.input_size, layer.output_size)
        padding = layer.padding if len(layer.padding) == 4 else (layer.padding[0],) * 2 + (layer.padding[1],) * 2
        values = dict(input_size=size, window=Window(kernel, layer.dilation, padding, layer.stride),
                      weights=layer.kernel_size, in_channels=in_ch, out_channels=other * (in_ch // layer.groups),
                      groups=layer.groups, operands=other, output_shape=tuple(layer.weight_shape), dims=layer.dims,
                      padding_mode=layer.padding_mode, volumes=(DY if reads_grad else "x", DW))
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def reducer(self) -> Reducer:
        return SUM

    @property
    def has_channels(self) -> bool:
        return len(self.output_shape) > self.dims

    @property
    def input_shape(self) -> Tuple[int, ...]:
        return self._shape(self.in_channels, self.input_size)

    @property
    def weight_shape(self) -> Tuple[int, ...]:
        return self._shape(self.operands, self.kernel_size)

    def _shape(self, channels: int, size: Pair) -> Tuple[int, ...]:
        space = size[1:] if self.dims == 1 else size
        return (channels, *space) if self.has_channels else tuple(space)

    @property
    def output_size(self) -> Pair:
        return self.weights

    @property
    def drawn_size(self) -> Pair:
        return padded_size(self.input_size, self.padding)

    def sweep(self) -> Sweep:
        return direct_sweep(self.input_size, self.padding, self.kernel_size, self.stride, self.dilation,
                            self.padding_mode, steps=self.weights)

    def reads(self, out_channel: int) -> Tuple[Read, ...]:
        per_group, per_operand = self.in_channels // self.groups, self.operands // self.groups
        operand, first = divmod(out_channel, per_group)
        return (Read(operand // per_operand * per_group + first, 0),)

    def sliding_weights(self, kernel: np.ndarray) -> np.ndarray:
        """The other operand, once for each weight slice it meets: (out, 1, kh, kw)."""
        other = np.asarray(kernel).reshape(self.operands, 1, *self.kernel_size)
        return np.repeat(other, self.in_channels // self.groups, axis=0)


def weight_gradient(spec):
    """The sweep that draws ∂L/∂w of ``spec``: :class:`WeightGradient`, or what its module registered."""
    entry = gradient_of(spec)
    return (entry.weight or WeightGradient)(spec, entry.grad_of == DY)


# ---- the views -----------------------------------------------------------------------------------

_WORDS = ((r"^inputs\b", f"{DY} channels"), (r"\binput\b", DY), (r"\boutput\b", DX))


def relabelled(scene: Scene, words, symbol: Tuple[str, str], heading: str,
               phase: Optional[Callable[[int], Optional[str]]] = None) -> Scene:
    """``scene`` with its planes and headings named as the backward pass reads them, its
    equations headed by ``symbol[1]`` instead of ``symbol[0]``; ``phase(index)``, where it says
    something, heads that frame instead (a cell no window touched); ``heading`` heads the others
    where the scene has no headings of its own."""

    def said(text: str) -> str:
        for pattern, word in words:
            text = re.sub(pattern, word, text)
        return text

    planes = tuple(replace(p, name=said(p.name)) for p in scene.planes)
    phases = tuple(said(p) for p in scene.phases) or (heading,)
    extra: List[str] = []

    def make_step(index: int):
        step = scene.make_step(index)
        if step.equation is not None and step.equation.head.startswith(symbol[0]):
            step = replace(step, equation=replace(step.equation, head=symbol[1] + step.equation.head[len(symbol[0]):]))
        note = phase(index) if phase is not None else None
        if note is not None:
            step = replace(step, phase=len(phases))
        return step

    if phase is not None:
        extra.append(f"no window read this cell: {symbol[1]} = 0 here, as in PyTorch")
    return replace(scene, planes=planes, phases=phases + tuple(extra), make_step=make_step)


def _input_numbers(layer, numbers: Optional[Numbers]) -> Optional[Numbers]:
    return None if numbers is None else Numbers.of(layer, numbers.grad, numbers.kernel)


def _grad_input(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "") -> Scene:
    entry = gradient_of(spec)
    layer = entry.layer(spec)
    what = "transposed conv" if entry.grad_of == "x" else "conv"
    text = f"{DX} = {what} of {DY}, same weights" + (f": {caption}" if caption else "")
    scene = entry.view.scene(layer, _input_numbers(layer, numbers), precision, labels, text if labels else "")
    per_channel = layer.depths[1] * layer.output_size[0] * layer.output_size[1]  # frames run plane after plane
    skipped = untouched(spec).reshape(-1, per_channel).any(axis=0)
    note = (lambda index: "untouched" if skipped[index % per_channel] else None) if skipped.any() else None
    return relabelled(scene, _WORDS, ("o", DX), f"{DY} spread by the stride, kernel rotated 180°"
                      if entry.grad_of == "x" else f"{DY} swept by the kernel", note)


def _grad_scatter(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "") -> Scene:
    layer = gradient_of(spec).layer(spec)
    text = f"{DY} stamps the kernel back onto {DX}" + (f": {caption}" if caption else "")
    return scatter_scene(layer, _input_numbers(layer, numbers), precision, text if labels else "", (DY, DX))


def _grad_weight(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "") -> Scene:
    layer = weight_gradient(spec)
    values = None
    if numbers is not None:
        a, b = (numbers.input, numbers.grad) if layer.volumes[0] == "x" else (numbers.grad, numbers.input)
        values = Numbers.of(layer, a, b)
    other = DY if layer.volumes[0] == "x" else "x"
    text = f"{DW} = {layer.volumes[0]} correlated with {other} dilated by s" + (f": {caption}" if caption else "")
    scene = stages_scene(layer, values, precision, labels, text if labels else "")
    if layer.has_channels:
        scene = _weight_indexed(scene, layer, other)
    return relabelled(scene, ((r"^kernel\b", other),), (DW, DW),
                      f"a weight's {layer.volumes[0]} cell in every window, times {other}")


def _weight_indexed(scene: Scene, layer: WeightGradient, other: str) -> Scene:
    """A channel figure's weight slices named by their place in the weight, [out, in/groups],
    as PyTorch indexes it, and each heading by the channels it multiplies."""
    per = layer.in_channels // layer.groups
    slot = lambda m: f"{int(m) // per},{int(m) % per}"  # noqa: E731
    digits = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")

    def heading(match) -> str:
        m, c = int(match.group(1)), match.group(2)
        return f"{DW}[{slot(m)}] = {layer.volumes[0]} {c} ∗ {other} {m // per}"

    planes = tuple(replace(p, name=re.sub(rf"^{DW} (\d+)(, slice \d+)?$",
                                          lambda h: f"{DW}[{slot(h.group(1))}]{h.group(2) or ''}", p.name))
                   for p in scene.planes)
    phases = tuple(re.sub(rf"^{DW} (\d+) = \S+ (\d+) ∗ kernel \d+$", heading, p) for p in scene.phases)

    def make_step(index: int):
        step = scene.make_step(index)
        if step.equation is None:
            return step
        head = re.sub(rf"^{DW}([₀-₉]+)\[", lambda h: f"{DW}[{slot(h.group(1).translate(digits))},", step.equation.head)
        return replace(step, equation=replace(step.equation, head=head))

    return replace(scene, planes=planes, phases=phases, make_step=make_step)


def _check_input(spec) -> None:
    gradient_of(spec)
    if spec.padding_mode != "zeros":
        raise SpecError(("view", "padding_mode"), f"the grad-input view draws zero padding: with {spec.padding_mode}"
                        " padding the gradient that reaches the padding goes back to the cells it copies (--dump has"
                        " the values; the grad-weight view draws it)")
    gradient_of(spec).layer(spec)  # a SpecError where no transposed layer maps it back (an asymmetric padding)


def _input_frames(spec) -> int:
    return stage_frames(gradient_of(spec).layer(spec))


def _input_shapes(spec) -> List[Pair]:
    return stage_shapes(gradient_of(spec).layer(spec))


def _scatter_frames(spec) -> int:
    size = gradient_of(spec).layer(spec).input_size
    return size[0] * size[1]


def _check_scatter(spec) -> None:
    _check_input(spec)
    if not gradient_of(spec).scatter:
        raise SpecError("view", "the grad-input-scatter view is for direct convolutions (a transposed convolution's"
                        " input gradient is a direct one: --view grad-input)")
    one_channel("grad-input-scatter")(spec)


def _scatter_shapes(spec) -> List[Pair]:
    layer = gradient_of(spec).layer(spec)
    return stage_shapes(layer) + [layer.output_size]


GRAD_INPUT = View("grad-input", _grad_input, _input_frames, _input_shapes, _check_input)
GRAD_INPUT_SCATTER = View("grad-input-scatter", _grad_scatter, _scatter_frames, _scatter_shapes, _check_scatter)
GRAD_WEIGHT = View("grad-weight", _grad_weight, lambda spec: stage_frames(weight_gradient(spec)),
                   lambda spec: stage_shapes(weight_gradient(spec)), gradient_of)
def _grad_route(spec, numbers=None, precision: int = 1, labels: bool = False, caption: str = "") -> Scene:
    text = f"{DX}, {caption}" if caption else ""
    return route_scene(spec, numbers, precision, text if labels else "", (DY, DX))


GRAD_ROUTE = View("grad-input", _grad_route, lambda spec: spec.depths[1] * spec.output_size[0] * spec.output_size[1],
                  lambda spec: [spec.output_size, spec.drawn_size])
GRAD_VIEWS = {"grad-input": GRAD_INPUT, "grad-input-scatter": GRAD_INPUT_SCATTER, "grad-weight": GRAD_WEIGHT}
