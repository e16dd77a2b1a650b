"""convanim: animations of convolution arithmetic.

Make an operation, make an :class:`Animation` of it, show or save it:

>>> from convanim import Animation, Conv2d
>>> Animation(Conv2d(5, 3, stride=2, padding=1), numbers=True).save("padding_strides.gif")  # doctest: +SKIP

The operations are in :mod:`convanim.ops` (one module each); the rest is reachable from its
module: :mod:`convanim.core` (geometry, sweeps, values), :mod:`convanim.scene`,
:mod:`convanim.draw`, :mod:`convanim.io`.
"""

__version__ = "0.1.0"

from .animation import Animation
from .core.errors import SpecError
from .draw.theme import THEMES, Theme
from .gallery import GALLERY
from .ops import describe
from .ops.checkerboard import Checkerboard, Checkerboards
from .ops.conv import Conv2d
from .ops.depthwise import depthwise_conv2d
from .ops.pointwise import pointwise_conv2d
from .ops.pool import Pool2d
from .ops.receptive_field import DilatedStack
from .ops.separable import SeparableConv2d
from .ops.spatial_separable import SpatialSeparableConv2d
from .ops.transposed import ConvTranspose2d

__all__ = [
    "Animation",
    "Checkerboard",
    "Checkerboards",
    "Conv2d",
    "ConvTranspose2d",
    "DilatedStack",
    "GALLERY",
    "Pool2d",
    "SeparableConv2d",
    "SpatialSeparableConv2d",
    "SpecError",
    "THEMES",
    "Theme",
    "depthwise_conv2d",
    "describe",
    "pointwise_conv2d",
]
