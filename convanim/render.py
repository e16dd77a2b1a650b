"""Draws any scene with matplotlib's Agg backend.

The figure and the static planes are drawn once per animation; each frame restores that
background and draws only what moves (the highlighted cells and the connector lines), so
the cost of a frame does not grow with the grid.
"""

from __future__ import annotations

import math
from typing import Iterator, List, Optional

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from .layout import Layout, Placement, layout
from .scene import Scene, Step
from .sweep import Cell
from .theme import PAPER, RGB, Theme

PAPER_CELL_PX = 29.6  # the paper's cells: 0.5 cm at the resolution of its GIFs
MARGIN_PX = 20.5  # the standalone class's 10 pt border at that resolution
_DPI = 100.0


def _rgba(colour: RGB, alpha: float = 1.0) -> tuple:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255, alpha)


class Renderer:
    """Renders the frames of one scene; build it once, then ask for frames."""

    def __init__(self, scene: Scene, style: str = "paper", theme: Theme = PAPER, cell_px: float = PAPER_CELL_PX):
        if not cell_px > 0:
            raise ValueError(f"cell_px must be positive, got {cell_px!r}")
        self.scene = scene
        self.theme = theme
        self.layout: Layout = layout(scene.planes, style)
        self._px = cell_px / PAPER_CELL_PX  # stroke scale relative to the paper
        self._pt = 72.0 / _DPI  # points per pixel

        xmin, ymin, xmax, ymax = self.layout.bounds
        margin = MARGIN_PX * self._px
        self.width = int(math.ceil((xmax - xmin) * cell_px + 2 * margin))
        self.height = int(math.ceil((ymax - ymin) * cell_px + 2 * margin))
        self.figure = Figure(figsize=(self.width / _DPI, self.height / _DPI), dpi=_DPI, facecolor=_rgba(theme.background))
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.figure.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        x0, y0 = xmin - margin / cell_px, ymin - margin / cell_px
        ax.set_xlim(x0, x0 + self.width / cell_px)
        ax.set_ylim(y0, y0 + self.height / cell_px)
        self.axes = ax

        for plane, placement in zip(scene.planes, self.layout.placements):
            self._draw_plane(plane.grid.kinds, placement)
        self._moving = self._moving_artists()
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)

    # ---- static ---------------------------------------------------------------------

    def _stroke(self, px: float) -> float:
        return px * self._px * self._pt

    def _draw_plane(self, kinds: np.ndarray, placement: Placement) -> None:
        theme, ax = self.theme, self.axes
        h, w = kinds.shape
        if (kinds == Cell.PADDING).any() or (kinds == Cell.ZERO).any():
            blank = np.argwhere((kinds == Cell.PADDING) | (kinds == Cell.ZERO))
            ax.add_collection(PolyCollection(placement.cells(blank), facecolors=[_rgba(theme.padding)], linewidths=0))
            lw = self._stroke(theme.line_px)
            dash = self._stroke(theme.dash_px) / lw  # matplotlib scales dashes by the line width
            grid = [((0, r), (w, r)) for r in range(h + 1)] + [((c, 0), (c, h)) for c in range(w + 1)]
            ax.add_collection(
                LineCollection(
                    [placement.to_screen(np.array(seg, dtype=float)) for seg in grid],
                    colors=[_rgba(theme.line)],
                    linewidths=lw,
                    linestyles=[(0, (dash, dash))],
                    capstyle="butt",
                )
            )
        for kind, colour in ((Cell.DATA, theme.input), (Cell.RESULT, theme.output)):
            cells = np.argwhere(kinds == kind)
            if len(cells):
                ax.add_collection(
                    PolyCollection(
                        placement.cells(cells),
                        facecolors=[_rgba(colour)],
                        edgecolors=[_rgba(theme.line)],
                        linewidths=self._stroke(theme.line_px),
                        joinstyle="miter",
                    )
                )

    # ---- moving ---------------------------------------------------------------------

    def _moving_artists(self) -> List[object]:
        theme = self.theme
        self._highlights = [
            PolyCollection(
                [],
                facecolors=[_rgba(theme.highlight, theme.highlight_alpha)],
                edgecolors=[_rgba(theme.line)],
                linewidths=self._stroke(theme.line_px),
                joinstyle="miter",
                animated=True,
            )
            for _ in self.scene.planes
        ]
        self._links = LineCollection(
            [], colors=[_rgba(theme.link)], linewidths=self._stroke(theme.link_px), animated=True
        )
        for artist in (*self._highlights, self._links):
            self.axes.add_collection(artist, autolim=False)
        # Links run above their source plane and below every later one.
        return [self._highlights[0], self._links, *self._highlights[1:]]

    def _update(self, step: Step) -> None:
        for artist, cells, placement in zip(self._highlights, step.highlights, self.layout.placements):
            artist.set_verts(placement.cells(cells))
        link = step.link
        if link is not None and self.layout.draws_links:
            self._links.set_segments(list(self.layout.link_segments(link.source, link.source_box, link.target, link.target_box)))
            self._links.set_visible(True)
        else:
            self._links.set_visible(False)

    def pixels(self, plane: int, xy: np.ndarray) -> np.ndarray:
        """Where plane points (x, y) = (column, row) land in a frame, as (x, y) pixels from the top-left."""
        screen = self.layout.placements[plane].to_screen(np.asarray(xy, dtype=float))
        display = self.axes.transData.transform(screen.reshape(-1, 2))
        return np.column_stack([display[:, 0], self.height - display[:, 1]]).reshape(np.shape(screen))

    def frame(self, step: Optional[Step | int] = 0) -> np.ndarray:
        """One frame as an (H, W, 3) uint8 RGB array."""
        if not isinstance(step, Step):
            step = self.scene.step(int(step or 0))
        self._update(step)
        self.canvas.restore_region(self._background)
        for artist in self._moving:
            self.axes.draw_artist(artist)
        return np.asarray(self.canvas.buffer_rgba())[:, :, :3].copy()

    def frames(self) -> Iterator[np.ndarray]:
        for step in self.scene:
            yield self.frame(step)
