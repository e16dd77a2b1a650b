"""convanim: animations of convolution arithmetic.

>>> from convanim import Animation, Conv2d
>>> Animation(Conv2d(5, 3, stride=2, padding=1)).save("padding_strides.gif")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .animation import Animation, save_many
from .gallery import GALLERY
from .info import describe
from .render import Renderer
from .scene import Scene, gather_scene
from .spec import (
    Checkerboard,
    Checkerboards,
    Conv2d,
    ConvTranspose2d,
    DilatedStack,
    Pool2d,
    SeparableConv2d,
    SpatialSeparableConv2d,
    SpecError,
)
from .sweep import Cell, Grid, Sweep, sweep_of
from .theme import COLORBLIND, DARK, PAPER, THEMES, Theme, theme_from_toml
from .values import Numbers, StagedNumbers
from .writers import Target

__all__ = [
    "Animation",
    "COLORBLIND",
    "Cell",
    "Checkerboard",
    "Checkerboards",
    "Conv2d",
    "ConvTranspose2d",
    "DARK",
    "DilatedStack",
    "GALLERY",
    "Grid",
    "Numbers",
    "PAPER",
    "Pool2d",
    "Renderer",
    "Scene",
    "SeparableConv2d",
    "SpatialSeparableConv2d",
    "SpecError",
    "StagedNumbers",
    "Sweep",
    "THEMES",
    "Target",
    "Theme",
    "describe",
    "gather_scene",
    "save_many",
    "sweep_of",
    "theme_from_toml",
]
