"""What each frame shows: planes of cells, and per step the cells highlighted on each plane.

Still pure: a scene knows grids and cell indices, not colours or coordinates. A view of an
operation is a function from a sweep to a scene; the renderer draws any scene.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Tuple

import numpy as np

from .sweep import Box, Grid, Sweep


@dataclass(frozen=True)
class Plane:
    name: str
    grid: Grid


@dataclass(frozen=True)
class Link:
    """Connector lines from the corners of a box on one plane to the corners of a box on another."""

    source: int
    source_box: Box
    target: int
    target_box: Box


@dataclass(frozen=True, eq=False)
class Step:
    index: int
    highlights: Tuple[np.ndarray, ...]  # per plane, (n, 2) cells as (row, col)
    link: Optional[Link] = None


@dataclass(frozen=True, eq=False)
class Scene:
    planes: Tuple[Plane, ...]
    length: int
    make_step: Callable[[int], Step]

    def __len__(self) -> int:
        return self.length

    def step(self, index: int) -> Step:
        if not 0 <= index < self.length:
            raise IndexError(f"step {index} out of range for a scene of {self.length} steps")
        return self.make_step(index)

    def __iter__(self) -> Iterator[Step]:
        return (self.make_step(i) for i in range(self.length))


def gather_scene(sweep: Sweep) -> Scene:
    """The paper's view: the kernel's taps on the input feed one output cell per step."""

    def make_step(index: int) -> Step:
        r, c = sweep.out_cell(index)
        out_box = (r, c, r + 1, c + 1)
        return Step(
            index,
            (sweep.taps(index), np.array([[r, c]])),
            Link(0, sweep.footprint(index), 1, out_box),
        )

    return Scene((Plane("input", sweep.source), Plane("output", sweep.target)), len(sweep), make_step)
