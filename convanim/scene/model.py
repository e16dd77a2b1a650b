"""The primitives a scene is made of: planes, links, labels, equations, steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Tuple

import numpy as np

from ..core.spec import Layer, Read
from ..core.sweep import Box, Grid, Sweep
from ..core.values import Numbers


@dataclass(frozen=True, eq=False)
class Plane:
    name: str
    grid: Grid
    text: Optional[np.ndarray] = None  # (H, W) strings drawn in the cells for the whole animation
    beside: bool = False  # an operand shown next to the first plane (a kernel), not stacked above it
    distinct_zeros: bool = False  # inserted zeros (Cell.ZERO) drawn unlike padding (a labelled figure; the paper draws both blank)
    volume: int = 0  # planes of one volume are the channels of one tensor
    elided: int = 0  # channels of the volume not drawn, just before this plane
    levels: Optional[np.ndarray] = None  # (H, W) in [0, 1]: a heatmap, coloured by level instead of by kind
    tint: int = -1  # which of the theme's channel hues its cells take (-1: the colour of their kind)
    align: int = -1  # in a column layout, the plane (index) this one sits level with (a kernel slice)
    weights: bool = False  # weights are written in its cells beside the values (which then move aside)
    shift: float = 0.0  # in a figure of strips: how far right of the input's left edge it starts (cells)
    role: str = ""  # in a matrix figure: "matrix", "row" (the vector it multiplies, over its columns), "column" (the result, beside its rows)


@dataclass(frozen=True, eq=False)
class Pattern(Grid):
    """A grid whose cells' kinds are given one by one: a sparse matrix's weights among its zeros."""

    pattern: np.ndarray = None  # type: ignore[assignment]

    @property
    def kinds(self) -> np.ndarray:  # type: ignore[override]
        return self.pattern

    @classmethod
    def of(cls, kinds: np.ndarray) -> "Pattern":
        h, w = kinds.shape
        return cls((h, w), np.arange(h), np.arange(w), pattern=np.asarray(kinds, dtype=np.uint8))


@dataclass(frozen=True)
class Link:
    """Connector lines from a box on one plane to a box on another: four between the boxes'
    corners (the paper's frustum), or as a ``wire`` one line between the two planes."""

    source: int
    source_box: Box
    target: int
    target_box: Box
    tint: int = -1  # a channel hue, or -1 for the theme's link colour
    wire: bool = False
    arrow: bool = False  # drawn in every layout: where a layout draws no links, as a wire ending in an arrowhead


@dataclass(frozen=True)
class Label:
    """A string in a cell: a ``value`` fills the cell, a ``weight`` sits small in its bottom-right
    corner; a ``fill`` (no text) paints the cell in its plane's colour, or a heatmap ``level``."""

    plane: int
    cell: Tuple[int, int]
    text: str
    kind: str = "value"
    replace: bool = False  # a reveal that overwrites the cell's earlier value (a running sum)
    level: Optional[float] = None  # for a fill: the heatmap level in [0, 1]


@dataclass(frozen=True)
class Term:
    """One term of an equation, in a channel's hue (``tint``) or emphasised (``strong``)."""

    text: str
    tint: int = -1
    strong: bool = False


@dataclass(frozen=True)
class Equation:
    """What a step computes, written out: ``head open term joiner term … close result``.

    The renderer elides middle terms with "…" when the whole does not fit.
    """

    head: str
    terms: Tuple[Term, ...]
    result: str = ""
    joiner: str = " + "
    open: str = ""
    close: str = ""


@dataclass(frozen=True, eq=False)
class Step:
    index: int
    highlights: Tuple[np.ndarray, ...]  # per plane, (n, 2) cells as (row, col)
    links: Tuple[Link, ...] = ()
    labels: Tuple[Label, ...] = ()  # drawn on top in this frame only
    reveals: Tuple[Label, ...] = ()  # drawn from this frame on
    marks: Tuple[np.ndarray, ...] = ()  # per plane, cells singled out (the max of a max pooling)
    phase: int = 0  # which heading of Scene.phases goes with this frame
    equation: Optional[Equation] = None


@dataclass(frozen=True, eq=False)
class Scene:
    planes: Tuple[Plane, ...]
    length: int
    make_step: Callable[[int], Step]
    caption: str = ""
    phases: Tuple[str, ...] = ()  # headings (stage, output channel) shown with their frames
    equations: bool = False  # whether steps write out an equation (the figure keeps room for it)
    columns: bool = False  # volumes side by side, channels in columns (channel figures)
    widest: Optional[Tuple[Tuple[str, ...], Tuple[str, ...]]] = None  # the values and weights written in a cell that may be widest (None: read the planes)
    flat: bool = False  # drawn flat whatever the style: a matrix is a table, not a plane in space

    def __len__(self) -> int:
        return self.length

    def step(self, index: int) -> Step:
        if not 0 <= index < self.length:
            raise IndexError(f"step {index} out of range for a scene of {self.length} steps")
        return self.make_step(index)

    def __iter__(self) -> Iterator[Step]:
        return (self.make_step(i) for i in range(self.length))


@dataclass(frozen=True, eq=False)
class Sweeping:
    """One stage: ``sweep`` from volume ``source`` to volume ``target``; ``layer``, the stage's
    spec, says which channels there are and what each output channel reads (none: one channel
    in, one out)."""

    name: str
    sweep: Sweep
    source: int
    target: int
    numbers: Optional[Numbers] = None
    layer: Optional[Layer] = None

    @property
    def in_channels(self) -> int:
        return self.layer.in_channels if self.layer is not None else 1

    @property
    def out_channels(self) -> int:
        return self.layer.out_channels if self.layer is not None else 1

    @property
    def in_planes(self) -> int:
        """The planes its input is drawn as: channels, or a 3-D input's channels' depth slices."""
        return self.layer.in_planes if self.layer is not None else 1

    @property
    def out_planes(self) -> int:
        return self.layer.out_planes if self.layer is not None else 1

    @property
    def depths(self) -> Tuple[int, int]:
        return self.layer.depths if self.layer is not None else (1, 1)

    @property
    def kernel_depth(self) -> int:
        """The kernel's depth slices: kd for a 3-D operation, else 1."""
        return self.layer.kernel_depth if self.layer is not None else 1

    @property
    def sliced(self) -> bool:
        """Whether its planes are depth slices (a 3-D operation's): its kernel is drawn as its own
        slices, even one, in a column of their own, not as one kernel beside each plane read."""
        return self.layer is not None and self.layer.dims == 3

    @property
    def weighted(self) -> bool:
        return self.layer.reducer.weighted if self.layer is not None else True

    @property
    def groups(self) -> int:
        return self.layer.groups if self.layer is not None else 1

    def reads(self, out_plane: int) -> Tuple[Read, ...]:
        return self.layer.reads(out_plane) if self.layer is not None else (Read(0, 0),)

    def heading(self, out_plane: int) -> str:
        """What the layer says a frame of this output plane shows ("": the channels' heading)."""
        return self.layer.heading(out_plane) if self.layer is not None else ""
