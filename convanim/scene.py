"""What each frame shows: planes of cells, and per step what is highlighted, written and linked.

Still pure: a scene knows grids, cell indices and strings, not colours or coordinates. A view
of an operation is a function from a sweep (and its numbers) to a scene; the renderer draws
any scene.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Tuple

import numpy as np

from .sweep import Box, Cell, Grid, Sweep
from .values import Numbers, format_value


@dataclass(frozen=True, eq=False)
class Plane:
    name: str
    grid: Grid
    text: Optional[np.ndarray] = None  # (H, W) strings drawn in the cells for the whole animation
    beside: bool = False  # an operand shown next to the first plane (a kernel), not stacked above it


@dataclass(frozen=True)
class Link:
    """Connector lines from the corners of a box on one plane to the corners of a box on another."""

    source: int
    source_box: Box
    target: int
    target_box: Box


@dataclass(frozen=True)
class Label:
    """A string in a cell: a ``value`` fills the cell, a ``weight`` sits small in its bottom-right corner."""

    plane: int
    cell: Tuple[int, int]
    text: str
    kind: str = "value"


@dataclass(frozen=True, eq=False)
class Step:
    index: int
    highlights: Tuple[np.ndarray, ...]  # per plane, (n, 2) cells as (row, col)
    link: Optional[Link] = None
    labels: Tuple[Label, ...] = ()  # drawn on top in this frame only
    reveals: Tuple[Label, ...] = ()  # drawn from this frame on
    marks: Tuple[np.ndarray, ...] = ()  # per plane, cells singled out (the max of a max pooling)


@dataclass(frozen=True, eq=False)
class Scene:
    planes: Tuple[Plane, ...]
    length: int
    make_step: Callable[[int], Step]
    caption: str = ""

    def __len__(self) -> int:
        return self.length

    def step(self, index: int) -> Step:
        if not 0 <= index < self.length:
            raise IndexError(f"step {index} out of range for a scene of {self.length} steps")
        return self.make_step(index)

    def __iter__(self) -> Iterator[Step]:
        return (self.make_step(i) for i in range(self.length))


def _texts(values: np.ndarray, precision: int) -> np.ndarray:
    return np.array([[format_value(v, precision) for v in row] for row in values], dtype=object)


def gather_scene(
    sweep: Sweep,
    numbers: Optional[Numbers] = None,
    precision: int = 1,
    show_kernel: bool = False,
    caption: str = "",
) -> Scene:
    """The paper's view: the kernel's taps on the input feed one output cell per step.

    With ``numbers``, the input values fill their cells, the kernel weights (as drawn) sit in
    the corners of the footprint, and the output fills in as the kernel reaches each cell.
    ``show_kernel`` adds the kernel as a plane of its own, as PyTorch stores it.
    """
    planes = [Plane("input", sweep.source), Plane("output", sweep.target)]
    input_text = weights = out_text = None
    if numbers is not None:
        input_text = _texts(numbers.drawn_input, precision)
        planes[0] = Plane("input", sweep.source, input_text)
        out_text = [format_value(v, precision) for v in numbers.steps]
        if numbers.drawn_kernel is not None:
            weights = [format_value(v, precision) for v in numbers.drawn_kernel.ravel()]
            if show_kernel:
                kernel = numbers.kernel
                grid = Grid.dense(kernel.shape, Cell.WEIGHT)
                planes.append(Plane("kernel", grid, _texts(kernel, precision), beside=True))
                if sweep.flipped and caption:
                    caption += "; the sweep uses the kernel rotated 180°"

    def make_step(index: int) -> Step:
        r, c = sweep.out_cell(index)
        taps = sweep.taps(index)
        highlights = [taps, np.array([[r, c]])]
        if len(planes) > 2:
            highlights.append(np.empty((0, 2), dtype=int))
        step = Step(index, tuple(highlights), Link(0, sweep.footprint(index), 1, (r, c, r + 1, c + 1)))
        if numbers is None:
            return step
        labels = [Label(0, (int(y), int(x)), input_text[y, x]) for y, x in taps]
        if weights is not None:
            labels += [Label(0, (int(y), int(x)), w, "weight") for (y, x), w in zip(taps, weights)]
        marks: Tuple[np.ndarray, ...] = ()
        if numbers.winners is not None:
            marks = (taps[numbers.winners[index]][None, :],)
        return Step(
            index, step.highlights, step.link, tuple(labels), (Label(1, (r, c), out_text[index]),), marks
        )

    return Scene(tuple(planes), len(sweep), make_step, caption)
