"""The paper's 15 arithmetic animations, by their file names in vdumoulin/conv_arithmetic."""

from __future__ import annotations

from typing import Dict

from .spec import Conv2d, ConvTranspose2d, Spec

_DIRECT: Dict[str, Conv2d] = {
    "no_padding_no_strides": Conv2d(4, 3, stride=1, padding=0),
    "arbitrary_padding_no_strides": Conv2d(5, 4, stride=1, padding=2),
    "same_padding_no_strides": Conv2d(5, 3, stride=1, padding=1),
    "full_padding_no_strides": Conv2d(5, 3, stride=1, padding=2),
    "no_padding_strides": Conv2d(5, 3, stride=2, padding=0),
    "padding_strides": Conv2d(5, 3, stride=2, padding=1),
    "padding_strides_odd": Conv2d(6, 3, stride=2, padding=1),
}

GALLERY: Dict[str, Spec] = {
    **_DIRECT,
    **{f"{name}_transposed": ConvTranspose2d.of(conv) for name, conv in _DIRECT.items()},
    "dilation": Conv2d(7, 3, stride=1, padding=0, dilation=2),
}
