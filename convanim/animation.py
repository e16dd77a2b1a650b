"""The library's front door: a spec plus how to show it, rendered and saved on demand."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import numpy as np

from .layout import STYLES
from .render import PAPER_CELL_PX, Renderer
from .scene import Scene, gather_scene
from .spec import Spec, SpecError, caption
from .sweep import Sweep, sweep_of
from .theme import PAPER, Theme
from .values import Numbers
from .writers import Target, write_animation

MIN_DELAY_MS, MAX_DELAY_MS = 10, 655_350  # what a GIF frame delay can hold


@dataclass(frozen=True)
class Animation:
    """One animation: ``len(anim)`` frames, one per step of the spec's sweep.

    ``numbers`` (see :func:`convanim.values.numbers`) prints the values in the cells;
    ``labels`` names the planes and adds a caption with the parameters and the output size;
    with both, the kernel is shown as a plane of its own too.
    """

    spec: Spec
    style: str = "paper"
    delay_ms: int = 1000
    numbers: Optional[Numbers] = field(default=None, repr=False)
    labels: bool = False
    precision: int = 1
    theme: Theme = field(default=PAPER, repr=False)
    cell_px: float = PAPER_CELL_PX

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise SpecError("style", f"unknown style {self.style!r}: use one of {', '.join(STYLES)}")
        if not MIN_DELAY_MS <= self.delay_ms <= MAX_DELAY_MS:
            raise SpecError("delay", f"must be between {MIN_DELAY_MS} and {MAX_DELAY_MS} ms, got {self.delay_ms}")
        if not 0 <= self.precision <= 6:
            raise SpecError("precision", f"must be between 0 and 6 decimals, got {self.precision}")
        if self.numbers is not None and self.numbers.spec != self.spec:
            raise SpecError("numbers", "were computed for another spec")

    @cached_property
    def sweep(self) -> Sweep:
        return sweep_of(self.spec)

    @cached_property
    def scene(self) -> Scene:
        return gather_scene(
            self.sweep,
            self.numbers,
            self.precision,
            show_kernel=self.labels,
            caption=caption(self.spec) if self.labels else "",
        )

    def __len__(self) -> int:
        return len(self.scene)

    def renderer(self) -> Renderer:
        return Renderer(self.scene, self.style, self.theme, self.cell_px, labels=self.labels)

    def frames(self) -> Iterator[np.ndarray]:
        """Every frame, in order, as (H, W, 3) uint8 arrays, drawn one at a time."""
        return self.renderer().frames()

    def frame(self, index: int = 0) -> np.ndarray:
        return self.renderer().frame(index)

    def save(
        self, path: str | os.PathLike, on_frame: Optional[Callable[[int], None]] = None
    ) -> List[Path]:
        """Write the animation (``.gif``, ``name.png`` or a folder of PNGs); returns the files written."""
        target = path if isinstance(path, Target) else Target.parse(path)
        frames: Iterator[np.ndarray] = self.frames()
        if on_frame is not None:
            frames = _report(frames, on_frame)
        return write_animation(frames, target, self.delay_ms, len(self), self.theme.palette())


def _report(frames: Iterator[np.ndarray], on_frame: Callable[[int], None]) -> Iterator[np.ndarray]:
    for i, frame in enumerate(frames):
        yield frame
        on_frame(i)
