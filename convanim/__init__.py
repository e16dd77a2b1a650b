"""convanim: animations of convolution arithmetic.

>>> from convanim import Animation, Conv2d
>>> Animation(Conv2d(5, 3, stride=2, padding=1)).save("padding_strides.gif")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .animation import Animation
from .gallery import GALLERY
from .render import Renderer
from .scene import Scene, gather_scene
from .spec import Conv2d, ConvTranspose2d, Pool2d, SpecError
from .sweep import Cell, Grid, Sweep, sweep_of
from .theme import PAPER, Theme
from .values import Numbers
from .writers import Target

__all__ = [
    "Animation",
    "Cell",
    "Conv2d",
    "ConvTranspose2d",
    "GALLERY",
    "Grid",
    "Numbers",
    "PAPER",
    "Pool2d",
    "Renderer",
    "Scene",
    "SpecError",
    "Sweep",
    "Target",
    "Theme",
    "gather_scene",
    "sweep_of",
]
