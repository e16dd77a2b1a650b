"""The receptive field of stacked (dilated, strided) convolutions growing on the input, a layer a
frame, as in the context module of Yu & Koltun."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from ..core.errors import SpecError, positive_list, whole, whole_in
from ..core.geometry import shape_text
from ..core.values import receptive_field_sizes
from ..scene.views import receptive_field_scene
from .base import Figure, Operation, Param, figure_view
from .conv import Conv2d

MAX_FIELD = 4096  # cells of the input on a side


@dataclass(frozen=True, init=False)
class DilatedStack(Figure):
    """Convolutions stacked one on another (k×k, each its dilation and stride), as in the
    context module of Yu & Koltun: the view shows what one output cell depends on."""

    kernel_size: int
    dilations: Tuple[int, ...]
    strides: Tuple[int, ...]
    input_size: int

    op = "receptive-field"

    def __init__(self, kernel_size: int, dilations: Sequence[int], strides: Optional[Sequence[int]] = None,
                 input_size: Optional[int] = None):
        object.__setattr__(self, "kernel_size", whole_in("kernel_size", kernel_size, 1, 15))
        object.__setattr__(self, "dilations", positive_list("dilations", dilations))
        strides = positive_list("strides", strides) if strides is not None else (1,) * len(self.dilations)
        if len(strides) != len(self.dilations):
            raise SpecError(("strides", "dilations"), f"need one stride per layer: {len(strides)} for {len(self.dilations)} layers")
        object.__setattr__(self, "strides", strides)
        field = self.receptive_fields()[-1]
        if field > MAX_FIELD:
            raise SpecError("dilations", f"the receptive field would be {field:,} cells, more than 4,096")
        jump = math.prod(strides)
        size = field + 2 * jump if input_size is None else whole("input_size", input_size)
        if size < field:
            raise SpecError("input_size", f"must hold the receptive field of {field} cells, got {size}")
        if size > MAX_FIELD:
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


def describe(spec: DilatedStack, bottleneck: Optional[int] = None) -> dict:
    fields = receptive_field_sizes(spec)
    layers = [
        {"layer": n + 1, "dilation": d, "stride": s, "output_shape": list(layer.output_size),
         "receptive_field": list(field), "weights": spec.kernel_size ** 2}
        for n, (d, s, layer, field) in enumerate(zip(spec.dilations, spec.strides, spec.layers(), fields))
    ]
    return {"op": spec.op, "input_shape": [spec.input_size, spec.input_size], "kernel_size": spec.kernel_size,
            "weights": spec.kernel_size ** 2 * len(layers), "receptive_field": list(fields[-1]), "layers": layers}


def text(info: dict) -> str:
    lines = [f"operation:        receptive-field, {info['kernel_size']}x{info['kernel_size']} kernels"]
    for layer in info["layers"]:
        lines.append(f"layer {layer['layer']}: dilation {layer['dilation']}, stride {layer['stride']},"
                     f" receptive field {shape_text(layer['receptive_field'])}, {layer['weights']} weights")
    lines.append(f"weights:          {info['weights']:,} (they grow by layer; the receptive field faster)")
    return "\n".join(lines)


RECEPTIVE_FIELD = Operation(
    "receptive-field", "The receptive field of stacked (dilated, strided) convolutions growing on the input, "
                       "one layer a frame.",
    DilatedStack,
    (Param("kernel_size", "int", 3, "Kernel size of every layer.", ("--k", "--kernel-size")),
     Param("dilations", "ints", "1,2,4", "One dilation per layer."),
     Param("strides", "ints", None, "One stride per layer.  [default: 1 each]", show_default=False),
     Param("input_size", "int", None, "Input size.  [default: the receptive field plus a cell each side]",
           ("--i", "--input-size"), show_default=False)),
    DilatedStack, rank=9, title="stacked convolutions",
    info_help="Receptive field, shapes and weights of stacked (dilated, strided) convolutions, layer by layer.",
    describe=describe, info_text=text, numbers=False,
    views={"gather": figure_view(receptive_field_scene, lambda spec: len(spec.dilations),
                                 lambda spec: [(spec.input_size, spec.input_size)])},
    report=lambda stack: "receptive fields: " + ", ".join(f"{h}x{w}" for h, w in receptive_field_sizes(stack)),
)
