"""WaveNet's stack of dilated causal 1-D convolutions (van den Oord et al., 2016): how one output
depends on the past, layer by layer, over a receptive field that doubles with each dilation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from ..core.errors import SpecError, positive_list, whole, whole_in
from ..scene.views import causal_stack_scene
from .base import Figure, Operation, Param, figure_view
from .conv1d import Conv1d

MAX_LENGTH = 512


@dataclass(frozen=True, init=False)
class CausalStack(Figure):
    """Causal 1-D convolutions stacked, each its dilation: every layer keeps the input's length
    (``d·(k−1)`` cells of padding on the left), so output t sees inputs t − field + 1 to t."""

    kernel_size: int
    dilations: Tuple[int, ...]
    input_size: int

    op = "causal-stack"

    def __init__(self, kernel_size: int = 2, dilations: Sequence[int] = (1, 2, 4, 8), input_size: Optional[int] = None):
        object.__setattr__(self, "kernel_size", whole_in("kernel_size", kernel_size, 2, 8))
        object.__setattr__(self, "dilations", positive_list("dilations", dilations))
        field = self.receptive_field()[0]
        if field > MAX_LENGTH:
            raise SpecError("dilations", f"the receptive field would be {field:,} time steps, more than {MAX_LENGTH}")
        size = field + 4 if input_size is None else whole("input_size", input_size)
        if size < field:
            raise SpecError("input_size", f"must hold the receptive field of {field} time steps, got {size}")
        if size > MAX_LENGTH:
            raise SpecError("input_size", f"at most {MAX_LENGTH}, got {size}")
        object.__setattr__(self, "input_size", size)

    def receptive_field(self) -> Tuple[int]:
        return (1 + (self.kernel_size - 1) * sum(self.dilations),)

    def layers(self) -> Tuple[Conv1d, ...]:
        return tuple(Conv1d(self.input_size, self.kernel_size, padding="causal", dilation=d) for d in self.dilations)

    @property
    def slug(self) -> str:
        return f"l{self.input_size}_k{self.kernel_size}_d{'-'.join(map(str, self.dilations))}"


def describe(spec: CausalStack, bottleneck=None) -> dict:
    fields, field = [], 1
    for d in spec.dilations:
        field += (spec.kernel_size - 1) * d
        fields.append(field)
    return {"op": spec.op, "input_shape": [spec.input_size], "kernel_size": spec.kernel_size,
            "weights": spec.kernel_size * len(spec.dilations), "receptive_field": [fields[-1]],
            "layers": [{"layer": n + 1, "dilation": d, "receptive_field": [f], "weights": spec.kernel_size}
                       for n, (d, f) in enumerate(zip(spec.dilations, fields))]}


def text(info: dict) -> str:
    lines = [f"operation:        causal-stack, kernels of {info['kernel_size']}, input length {info['input_shape'][0]}"]
    for layer in info["layers"]:
        lines.append(f"layer {layer['layer']}: dilation {layer['dilation']}, receptive field {layer['receptive_field'][0]},"
                     f" {layer['weights']} weights")
    lines.append(f"weights:          {info['weights']:,} (the receptive field grows with the dilations, the weights with the layers)")
    return "\n".join(lines)


CAUSAL_STACK = Operation(
    "causal-stack", "WaveNet's dilated causal convolutions: one output's dependency tree, a layer a frame.",
    CausalStack,
    (Param("kernel_size", "int", 2, "Kernel size of every layer.", ("--k", "--kernel-size")),
     Param("dilations", "ints", "1,2,4,8", "One dilation per layer."),
     Param("input_size", "int", None, "Input length.  [default: the receptive field plus 4]", ("--i", "--input-size"),
           show_default=False)),
    CausalStack, rank=13, title="stacked causal convolutions", describe=describe, info_text=text, numbers=False,
    info_help="Receptive field and weights of stacked dilated causal convolutions, layer by layer.",
    views={"gather": figure_view(causal_stack_scene, lambda spec: len(spec.dilations) + 1,
                                 lambda spec: [(1, spec.input_size)])},
    report=lambda stack: f"receptive field: {stack.receptive_field()[0]} time steps", dims=1,
)
