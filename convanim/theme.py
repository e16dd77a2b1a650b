"""Colours and strokes. The default is the paper's Solarized palette, measured on its GIFs."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Tuple

import numpy as np

RGB = Tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    background: RGB = (255, 255, 255)
    input: RGB = (38, 139, 210)  # Solarized blue
    output: RGB = (42, 161, 152)  # Solarized cyan
    padding: RGB = (255, 255, 255)  # padding and inserted zeros
    line: RGB = (0, 43, 54)  # base03
    highlight: RGB = (7, 54, 66)  # base02, laid over the footprint and the current output cell
    highlight_alpha: float = 0.4
    link: RGB = (0, 0, 0)  # the connector lines (TikZ's default black)
    text: RGB = (0, 0, 0)
    mark: RGB = (203, 75, 22)  # Solarized orange: the cell a max pooling keeps
    font: str = "DejaVu Serif"
    # Strokes in pixels at the paper's scale (TikZ "thick" and default lines at 0.5 cm per cell).
    line_px: float = 1.4
    link_px: float = 0.85
    dash_px: float = 6.2
    mark_px: float = 2.5

    def heat(self, level: float) -> RGB:
        """A heatmap's colour: from the background (0) to the input colour (1)."""
        level = min(max(float(level), 0.0), 1.0)
        return tuple(int(round(b + (i - b) * level)) for b, i in zip(self.background, self.input))  # type: ignore[return-value]

    @property
    def kernel_fill(self) -> RGB:
        """A kernel drawn on its own has the footprint's shade over a blank cell."""
        return self.over(self.padding)

    def over(self, base: RGB) -> RGB:
        """The highlight composited over ``base``."""
        a = self.highlight_alpha
        return tuple(int(round((1 - a) * b + a * h)) for b, h in zip(base, self.highlight))  # type: ignore[return-value]

    @property
    def solid_colours(self) -> Tuple[RGB, ...]:
        """Every flat colour a frame can contain, before antialiasing."""
        bases = (self.background, self.input, self.output, self.padding)
        colours = [*bases, self.line, self.link, self.text, self.mark, *(self.over(b) for b in bases)]
        return tuple(dict.fromkeys(colours))

    def palette(self, size: int = 255, ramps: bool = True) -> np.ndarray:
        """A fixed palette (n, 3) for indexed formats: the solid colours and ramps between each pair.

        Antialiased edges blend two colours, so the ramps cover them; one palette serves every
        frame of every animation in this theme. Without ``ramps``, only the solid colours.
        """
        solids = np.array(self.solid_colours, dtype=float)
        pairs = list(combinations(range(len(solids)), 2))
        steps = max(0, (size - len(solids)) // max(1, len(pairs))) if ramps else 0
        ramps = [
            solids[i] + (solids[j] - solids[i]) * t
            for i, j in pairs
            for t in np.arange(1, steps + 1) / (steps + 1)
        ]
        colours = np.vstack([solids, *ramps]) if ramps else solids
        unique = np.unique(np.round(colours).astype(np.uint8), axis=0)
        # Solid colours first, so that they keep stable low indices.
        ordered = list(dict.fromkeys([tuple(c) for c in np.round(solids).astype(np.uint8)] + [tuple(c) for c in unique]))
        return np.array(ordered[:size], dtype=np.uint8)


PAPER = Theme()
