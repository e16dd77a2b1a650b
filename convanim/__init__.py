"""convanim: animations of convolution arithmetic, in the style of Dumoulin & Visin's guide.

Make an operation, make an Animation of it, show it (a notebook displays it) or save it:

    >>> from convanim import Animation, Conv2d
    >>> anim = Animation(Conv2d(5, 3, stride=2, padding=1), numbers=True, labels=True)
    >>> anim.save("padding_strides.gif")  # or .png .webp .apng .mp4 .svg .pdf, a folder

Operations, with PyTorch's parameters:
    Conv2d(input_size, kernel_size, stride, padding, dilation, in_channels, out_channels, groups)
    ConvTranspose2d(input_size, kernel_size, stride, padding, dilation, output_padding)
    Pool2d(input_size, kernel_size, stride, padding, dilation, mode="max" | "avg")
    pointwise_conv2d, depthwise_conv2d, SeparableConv2d, SpatialSeparableConv2d(size, column, row)
    DilatedStack(kernel_size, dilations, strides), Checkerboard, Checkerboards
Animation(spec, style="paper" | "flat", delay_ms, numbers, labels, view="gather" | "scatter", theme, …)
describe(spec): shapes, output-size arithmetic, costs, receptive field (`convanim info`)
THEMES, Theme: colours; GALLERY: the paper's figures; SpecError: a spec that cannot be drawn

Everything else lives in its module: convanim.ops (one module per operation, and the
registry), convanim.core (geometry, sweeps, values), convanim.scene, convanim.draw, convanim.io.
"""

__version__ = "0.1.0"

from .animation import Animation  # noqa: F401
from .core.errors import SpecError  # noqa: F401
from .draw.theme import THEMES, Theme  # noqa: F401
from .gallery import GALLERY  # noqa: F401
from .ops import describe  # noqa: F401
from .ops.checkerboard import Checkerboard, Checkerboards  # noqa: F401
from .ops.conv import Conv2d  # noqa: F401
from .ops.depthwise import depthwise_conv2d  # noqa: F401
from .ops.pointwise import pointwise_conv2d  # noqa: F401
from .ops.pool import Pool2d  # noqa: F401
from .ops.receptive_field import DilatedStack  # noqa: F401
from .ops.separable import SeparableConv2d  # noqa: F401
from .ops.spatial_separable import SpatialSeparableConv2d  # noqa: F401
from .ops.transposed import ConvTranspose2d  # noqa: F401
