"""The paper's figures, by their file names in vdumoulin/conv_arithmetic.

The 15 arithmetic animations (isometric, no numbers) and the 4 numerical ones (flat, with the
paper's numbers, output values computed as PyTorch does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional

from .core.values import Numbers
from .ops.conv import Conv2d
from .ops.pool import Pool2d
from .ops.transposed import ConvTranspose2d

if TYPE_CHECKING:
    from .animation import Animation


@dataclass(frozen=True)
class Figure:
    spec: Any
    style: str = "paper"
    numbers: bool = False

    def animation(self, style: Optional[str] = None, delay_ms: int = 1000) -> "Animation":
        from .animation import Animation  # here: naming the figures needs no drawing

        values = Numbers.of(self.spec) if self.numbers else None
        return Animation(self.spec, style or self.style, delay_ms, numbers=values)


_DIRECT: Dict[str, Conv2d] = {
    "no_padding_no_strides": Conv2d(4, 3, stride=1, padding=0),
    "arbitrary_padding_no_strides": Conv2d(5, 4, stride=1, padding=2),
    "same_padding_no_strides": Conv2d(5, 3, stride=1, padding=1),
    "full_padding_no_strides": Conv2d(5, 3, stride=1, padding=2),
    "no_padding_strides": Conv2d(5, 3, stride=2, padding=0),
    "padding_strides": Conv2d(5, 3, stride=2, padding=1),
    "padding_strides_odd": Conv2d(6, 3, stride=2, padding=1),
}

ARITHMETIC: Dict[str, Figure] = {
    **{name: Figure(conv) for name, conv in _DIRECT.items()},
    **{f"{name}_transposed": Figure(ConvTranspose2d.of(conv)) for name, conv in _DIRECT.items()},
    "dilation": Figure(Conv2d(7, 3, stride=1, padding=0, dilation=2)),
}

NUMERICAL: Dict[str, Figure] = {
    "numerical_no_padding_no_strides": Figure(Conv2d(5, 3), "flat", numbers=True),
    "numerical_padding_strides": Figure(Conv2d(5, 3, stride=2, padding=1), "flat", numbers=True),
    "numerical_average_pooling": Figure(Pool2d(5, 3, mode="avg"), "flat", numbers=True),
    "numerical_max_pooling": Figure(Pool2d(5, 3, mode="max"), "flat", numbers=True),
}

GALLERY: Dict[str, Figure] = {**ARITHMETIC, **NUMERICAL}
