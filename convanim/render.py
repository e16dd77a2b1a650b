"""Draws any scene with matplotlib's Agg backend.

The figure and the static planes are drawn once per animation; each frame restores that
background and draws only what moves (highlights, marks, connector lines, the numbers on top
of them), so the cost of a frame does not grow with the grid. Values that stay once written
(the output filling in) are baked into the background as the animation advances.

Text is drawn as glyph outlines mapped through each plane's affine map, so numbers lie in
the plane in the isometric style, and every extent is known before anything is drawn.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import IdentityTransform

from .layout import Layout, Placement, layout
from .scene import Label, Scene, Step
from .sweep import Cell
from .theme import PAPER, RGB, Theme

PAPER_CELL_PX = 29.6  # the paper's cells: 0.5 cm at the resolution of its GIFs
MARGIN_PX = 21.0  # the standalone class's 10 pt border at that resolution
_DPI = 100.0

# Text sizes in cell units: the em size and, for values, the widest a string may be.
VALUE_EM, VALUE_MAX_WIDTH = 0.52, 0.78
WEIGHT_EM = 0.27
NAME_EM, CAPTION_EM = 0.55, 0.5
MIN_TEXT_PX = 11.0  # names and captions stay legible however small the cells
FIT_WIDTH_PX = 1000.0  # a large grid shrinks its cells to stay about this wide...
FIT_SIDE_PX = 1400.0  # ...and a tall stack of planes about this high...
MIN_CELL_PX = 4.0  # ...down to this


def _union(a, b):
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _rgba(colour: RGB, alpha: float = 1.0) -> tuple:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255, alpha)


@lru_cache(maxsize=4096)
def _glyphs(text: str, font: str) -> Tuple[np.ndarray, np.ndarray, Tuple[float, float, float, float]]:
    """Outline of ``text`` at 1 em, baseline at y=0, y up: (vertices, codes, (x0, y0, x1, y1))."""
    path = TextPath((0, 0), text, size=1.0, prop=FontProperties(family=font))
    vertices = np.asarray(path.vertices, dtype=float)
    extents = path.get_extents()
    return vertices, np.asarray(path.codes), (extents.x0, extents.y0, extents.x1, extents.y1)


def _digit_height(font: str) -> float:
    return _glyphs("0", font)[2][3]


@dataclass(frozen=True, eq=False)
class Geometry:
    """Where everything goes and how big the image is, known before anything is drawn."""

    layout: Layout
    annotations: Tuple[Tuple[np.ndarray, np.ndarray], ...]  # names, caption, ellipses: screen outlines
    phases: Tuple[Tuple[np.ndarray, np.ndarray], ...]  # each stage's name, shown with its frames
    bounds: Tuple[float, float, float, float]  # in cell units, annotations included
    cell_px: float
    width: int
    height: int

    @classmethod
    def of(
        cls, scene: Scene, style: str = "paper", theme: Theme = PAPER, cell_px: Optional[float] = None,
        labels: bool = False, fit_width: float = FIT_WIDTH_PX, max_size: float = math.inf,
        width: Optional[float] = None,
    ) -> "Geometry":
        """``cell_px`` None: the paper's cell size, shrunk so that a large grid stays about ``fit_width``
        wide and within ``max_size`` on a side; or the size that makes the image ``width`` px wide.

        Names, captions and notes never shrink below ``MIN_TEXT_PX``: where the cells are small,
        they are laid out larger in cell units, and the cells fitted again.
        """
        text_scale = 1.0
        for _ in range(4):
            lay, annotations, phases, (xmin, ymin, xmax, ymax) = _arrangement(scene, style, theme, labels, text_scale)
            margins = 2 * MARGIN_PX / PAPER_CELL_PX  # margins scale with the cells, in cell units
            if width is not None:
                size = max(MIN_CELL_PX, width / (xmax - xmin + margins))
            elif cell_px is None:
                w, h = xmax - xmin + margins, ymax - ymin + margins
                fits = min(PAPER_CELL_PX, fit_width / w, FIT_SIDE_PX / h, max_size / w, max_size / h)
                size = max(MIN_CELL_PX, math.floor(fits * 1000) / 1000)
            elif not cell_px > 0:
                raise ValueError(f"cell_px must be positive, got {cell_px!r}")
            else:
                size = cell_px
            needed = MIN_TEXT_PX / (CAPTION_EM * size)
            if needed <= text_scale * 1.01:
                break
            text_scale = needed * 1.02  # a little over, as the larger text shrinks the cells a little
        pixels_wide = int(math.ceil((xmax - xmin + margins) * size - 1e-6))
        pixels_high = int(math.ceil((ymax - ymin + margins) * size - 1e-6))
        return cls(lay, tuple(annotations), tuple(phases), (xmin, ymin, xmax, ymax), float(size), pixels_wide, pixels_high)


def _arrangement(scene: Scene, style: str, theme: Theme, labels: bool, text_scale: float):
    """The layout, its texts at ``text_scale`` times their size, and the bounds of it all (cell units)."""
    widths = [_text_width(p.name, NAME_EM * text_scale, theme) for p in scene.planes] if labels else []
    lay = layout(scene.planes, style, widths, text_scale)
    annotations, phases = _annotations(scene, lay, style, theme, labels, text_scale)
    xmin, ymin, xmax, ymax = lay.bounds
    for vertices, _ in (*annotations, *phases):
        xmin, ymin = min(xmin, vertices[:, 0].min()), min(ymin, vertices[:, 1].min())
        xmax, ymax = max(xmax, vertices[:, 0].max()), max(ymax, vertices[:, 1].max())
    return lay, annotations, phases, (xmin, ymin, xmax, ymax)


def _text_width(text: str, em: float, theme: Theme) -> float:
    x0, _, x1, _ = _glyphs(text, theme.font)[2]
    return (x1 - x0) * em


def _screen_text(text: str, em: float, anchor, theme: Theme, ha: str, va: str = "middle") -> Tuple[np.ndarray, np.ndarray]:
    """Upright text on screen, its (ha, va) point at ``anchor``: ha left/center/right, va top/middle/bottom."""
    vertices, codes, (gx0, gy0, gx1, gy1) = _glyphs(text, theme.font)
    dx = {"left": -gx0, "center": -(gx0 + gx1) / 2, "right": -gx1}[ha]
    dy = {"top": -gy1, "middle": -_digit_height(theme.font) / 2, "bottom": -gy0}[va]
    return np.asarray(anchor, dtype=float) + (vertices + [dx, dy]) * em, codes


def _annotations(scene: Scene, lay: Layout, style: str, theme: Theme, labels: bool, scale: float = 1.0):
    """Static texts (plane names and caption if ``labels``; ellipses always) and the stage names,
    ``scale`` times their size, placed where they touch nothing."""
    name_em, caption_em = NAME_EM * scale, CAPTION_EM * scale
    out = []
    for k, (plane, placement) in enumerate(zip(scene.planes, lay.placements)):
        corners = placement.corners()
        if plane.elided:  # the channels left out, between this plane and the one before
            text = f"… {plane.elided} more …"
            before = lay.placements[k - 1].corners()
            if style == "flat":  # in the gap between the two
                middle = (before.mean(axis=0) + corners.mean(axis=0)) / 2
                out.append(_screen_text(text, caption_em, middle, theme, "center"))
            else:  # in the names' column, between the two names
                left = (before[before[:, 0].argmin()] + corners[corners[:, 0].argmin()]) / 2
                out.append(_screen_text(text, caption_em, left - [0.35 * scale, 0], theme, "right"))
        if not labels:
            continue
        if style == "flat":
            top = [corners[:, 0].mean(), corners[:, 1].max() + 0.3 * scale]
            out.append(_screen_text(plane.name, name_em, top, theme, "center", "bottom"))
        elif plane.beside:
            right = corners[corners[:, 0].argmax()]
            out.append(_screen_text(plane.name, name_em, right + [0.35 * scale, 0], theme, "left"))
        else:
            left = corners[corners[:, 0].argmin()]
            out.append(_screen_text(plane.name, name_em, left - [0.35 * scale, 0], theme, "right"))
    xmin, ymin, xmax, _ = lay.bounds
    line = ymin - 0.45 * scale
    phases = []
    if scene.phases:
        phases = [_screen_text(name, caption_em, [(xmin + xmax) / 2, line], theme, "center", "top") for name in scene.phases]
        line -= 0.8 * scale
    if labels and scene.caption:
        out.append(_screen_text(scene.caption, caption_em, [(xmin + xmax) / 2, line], theme, "center", "top"))
    return out, phases


class Renderer:
    """Renders the frames of one scene; build it once, then ask for frames in any order."""

    def __init__(
        self,
        scene: Scene,
        style: str = "paper",
        theme: Theme = PAPER,
        cell_px: Optional[float] = None,
        labels: bool = False,
        geometry: Optional[Geometry] = None,
        antialias: bool = True,
        transparent: bool = False,
    ):
        self.scene = scene
        self.theme = theme
        self.style = style
        geometry = geometry or Geometry.of(scene, style, theme, cell_px, labels)
        self.geometry = geometry
        self.layout = geometry.layout
        self.width, self.height, self.cell_px = geometry.width, geometry.height, geometry.cell_px
        self._px = geometry.cell_px / PAPER_CELL_PX  # stroke scale relative to the paper
        self._crisp = not antialias
        self._pt = 72.0 / _DPI  # points per pixel

        self.transparent = transparent
        face = _rgba(theme.background, 0.0 if transparent else 1.0)
        self.figure = Figure(figsize=(self.width / _DPI, self.height / _DPI), dpi=_DPI, facecolor=face)
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.figure.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        xmin, ymin, _, _ = geometry.bounds
        margin = MARGIN_PX / PAPER_CELL_PX
        x0, y0 = xmin - margin, ymin - margin
        ax.set_xlim(x0, x0 + self.width / self.cell_px)
        ax.set_ylim(y0, y0 + self.height / self.cell_px)
        self.axes = ax

        for plane, placement in zip(scene.planes, self.layout.placements):
            self._draw_plane(plane.grid.kinds, placement, plane.levels)
        for k, plane in enumerate(scene.planes):
            if plane.text is not None:
                cells = [(r, c) for r, c in np.ndindex(*plane.text.shape) if plane.text[r, c]]
                self._add_text([Label(k, cell, plane.text[cell]) for cell in cells])
        if geometry.annotations:
            self.axes.add_collection(self._text_collection(geometry.annotations), autolim=False)
        self._moving = self._moving_artists()
        for artist in self.axes.collections:  # crisp shapes: flat colours, a GIF about 40 % smaller
            if not isinstance(artist, PathCollection):  # text (glyph paths) keeps smooth edges
                # Twice: a one-entry setting lets a one-path collection (a one-cell highlight)
                # take matplotlib's draw_markers shortcut, which antialiases regardless, snaps
                # the shape to whole pixels and, here, draws at half the speed.
                artist.set_antialiased([antialias, antialias])
        self.canvas.draw()
        self._pristine = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background = self._pristine
        self._baked = 0  # the reveals of steps before this one are in the background
        self._last: Optional[Step] = None
        self._last_box: Optional[Tuple[int, int, int, int]] = None
        self.changed: Optional[Tuple[int, int, int, int]] = None

    # ---- static ---------------------------------------------------------------------

    def _stroke(self, px: float) -> float:
        """A stroke width in points. Without antialiasing, Agg fills every pixel a stroke touches,
        so a stroke under a pixel wide is drawn as thin as Agg draws (one or two pixels a row),
        and a wider one a whole number of pixels."""
        width = px * self._px
        if self._crisp:
            width = 0.45 if width < 1.0 else math.floor(width + 0.25)
        return width * self._pt

    def _cell_colours(self, plane: int, cells: Sequence[Tuple[int, int]]) -> List[tuple]:
        """The colour each cell is drawn in, before any highlight."""
        p = self.scene.planes[plane]
        if p.levels is not None:
            return [_rgba(self.theme.heat(p.levels[cell])) for cell in cells]
        by_kind = {Cell.DATA: self.theme.input, Cell.RESULT: self.theme.output, Cell.WEIGHT: self.theme.kernel_fill}
        return [_rgba(by_kind.get(Cell(p.grid.kinds[cell]), self.theme.padding)) for cell in cells]

    def _draw_plane(self, kinds: np.ndarray, placement: Placement, levels: Optional[np.ndarray] = None) -> None:
        theme, ax = self.theme, self.axes
        h, w = kinds.shape
        if levels is not None:  # a heatmap: every cell the colour of its level
            cells = np.argwhere(np.ones_like(kinds, dtype=bool))
            ax.add_collection(PolyCollection(
                placement.cells(cells), facecolors=[_rgba(theme.heat(levels[r, c])) for r, c in cells],
                edgecolors=[_rgba(theme.line)], linewidths=self._stroke(theme.line_px), joinstyle="miter",
            ))
            return
        blank = np.argwhere((kinds == Cell.PADDING) | (kinds == Cell.ZERO))
        if len(blank):
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
        for kind, colour in ((Cell.DATA, theme.input), (Cell.RESULT, theme.output), (Cell.WEIGHT, theme.kernel_fill)):
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

    # ---- text -----------------------------------------------------------------------

    def _label_outline(self, label: Label) -> Tuple[np.ndarray, np.ndarray]:
        """Screen-space outline of a cell label: a value centred, a weight in the bottom-right corner."""
        font = self.theme.font
        vertices, codes, (gx0, _, gx1, _) = _glyphs(label.text, font)
        r, c = label.cell
        if label.kind == "weight":
            size = WEIGHT_EM
            x = c + 0.93 - gx1 * size
            baseline = r + 0.9
        else:
            size = min(VALUE_EM, VALUE_MAX_WIDTH / max(gx1 - gx0, 1e-9))
            x = c + 0.5 - (gx0 + gx1) / 2 * size
            baseline = r + 0.5 + _digit_height(font) * size / 2
        plane_xy = np.column_stack([x + vertices[:, 0] * size, baseline - vertices[:, 1] * size])
        return self.layout.placements[label.plane].to_screen(plane_xy), codes

    def _text_collection(self, outlines: Iterable[Tuple[np.ndarray, np.ndarray]], animated: bool = False) -> PathCollection:
        paths = [Path(v, c) for v, c in outlines]
        collection = PathCollection(paths, facecolors=[_rgba(self.theme.text)], linewidths=0, animated=animated)
        collection.set_transform(self.axes.transData)
        collection.set_offset_transform(IdentityTransform())
        return collection

    def _add_text(self, labels: Sequence[Label]) -> None:
        if labels:
            self.axes.add_collection(self._text_collection(map(self._label_outline, labels)), autolim=False)

    # ---- moving ---------------------------------------------------------------------

    def _moving_artists(self) -> List[object]:
        theme = self.theme
        n = len(self.scene.planes)
        self._highlights = [
            PolyCollection(
                [],
                facecolors=[_rgba(theme.highlight, theme.highlight_alpha)],
                edgecolors=[_rgba(theme.line)],
                linewidths=self._stroke(theme.line_px),
                joinstyle="miter",
                animated=True,
            )
            for _ in range(n)
        ]
        self._marks = [
            PolyCollection(
                [], facecolors="none", edgecolors=[_rgba(theme.mark)], linewidths=self._stroke(theme.mark_px),
                joinstyle="miter", animated=True,
            )
            for _ in range(n)
        ]
        self._links = LineCollection(
            [], colors=[_rgba(theme.link)], linewidths=self._stroke(theme.link_px), animated=True
        )
        self._labels = self._text_collection([], animated=True)
        self._erasers = PolyCollection([], linewidths=0, animated=True)
        for artist in (self._erasers, *self._highlights, *self._marks, self._links):
            self.axes.add_collection(artist, autolim=False)
        self.axes.add_collection(self._labels, autolim=False)
        # Erasers clear the cells whose values change; links run above their source plane and
        # below every later one; text goes on top. (The z-order says the same to a vector backend.)
        moving = [self._erasers, self._highlights[0], self._links, *self._highlights[1:], *self._marks, self._labels]
        for n, artist in enumerate(moving):
            artist.set_zorder(3 + n / 100)
        return moving

    def _eraser_shapes(self, labels: Sequence[Label]) -> Tuple[List[np.ndarray], List[tuple]]:
        """Cell interiors, in the cells' own colours, under the values that replace earlier ones."""
        replaced = [label for label in labels if label.replace]
        if not replaced:
            return [], []
        inset = (self.theme.line_px * self._px / 2 + 1.0) / self.cell_px
        polygons = []
        for label in replaced:
            r, c = label.cell
            square = np.array([[c + inset, r + inset], [c + 1 - inset, r + inset], [c + 1 - inset, r + 1 - inset], [c + inset, r + 1 - inset]])
            polygons.append(self.layout.placements[label.plane].to_screen(square))
        colours = [colour for label in replaced for colour in self._cell_colours(label.plane, [label.cell])]
        return polygons, colours

    def _update(self, step: Step) -> np.ndarray:
        """Point the moving artists at ``step``; returns every screen point they cover, (n, 2)."""
        points = []

        def show(artist, shapes, setter):
            artist.set_visible(len(shapes) > 0)  # an invisible artist costs nothing to draw
            setter(shapes)
            points.extend(np.asarray(shape).reshape(-1, 2) for shape in shapes)

        for artist, cells, placement in zip(self._highlights, step.highlights, self.layout.placements):
            show(artist, placement.cells(cells), artist.set_verts)
        for k, artist in enumerate(self._marks):
            cells = step.marks[k] if k < len(step.marks) else np.empty((0, 2))
            polygons = self.layout.placements[k].cells(cells)
            if len(polygons):  # an inset square, inside the cell's outline
                centre = polygons.mean(axis=1, keepdims=True)
                polygons = centre + (polygons - centre) * 0.72
            show(artist, polygons, artist.set_verts)
        link = step.link
        segments = []
        if link is not None and self.layout.draws_links:
            segments = list(self.layout.link_segments(link.source, link.source_box, link.target, link.target_box))
        show(self._links, segments, self._links.set_segments)
        erase, colours = self._eraser_shapes(step.reveals)
        self._erasers.set_facecolors(colours or [(0, 0, 0, 0)])
        show(self._erasers, erase, self._erasers.set_verts)
        outlines = [self._label_outline(label) for label in (*step.labels, *step.reveals)]
        if self.geometry.phases:
            outlines.append(self.geometry.phases[step.phase])
        show(self._labels, [v for v, _ in outlines], lambda _: self._labels.set_paths([Path(v, c) for v, c in outlines]))
        return np.concatenate(points) if points else np.empty((0, 2))

    def _pixel_box(self, points: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
        """(x0, y0, x1, y1) pixels from the top-left covering ``points`` and their strokes, or None."""
        if not len(points):
            return None
        display = self.axes.transData.transform(points)
        pad = 3 + math.ceil(max(self.theme.line_px, self.theme.mark_px) * self._px)
        x0, x1 = display[:, 0].min() - pad, display[:, 0].max() + pad
        y0, y1 = self.height - display[:, 1].max() - pad, self.height - display[:, 1].min() + pad
        x0, y0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        x1, y1 = min(self.width, math.ceil(x1)), min(self.height, math.ceil(y1))
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def _bake_until(self, index: int) -> bool:
        """Make the background hold the reveals of every step before ``index``.

        True if it changed outside the region of the last frame (a jump, not the next step).
        """
        if index == self._baked:
            return False
        jumped = index != self._baked + 1 or self._last is None or self._last.index != self._baked
        if index < self._baked:
            self._background, self._baked = self._pristine, 0
        last = self._last
        steps = (last if last is not None and last.index == i else self.scene.step(i) for i in range(self._baked, index))
        latest = {}  # when several steps are baked at once, a cell keeps its last value only
        for step in steps:
            for label in step.reveals:
                latest.pop((label.plane, label.cell, label.kind), None)
                latest[(label.plane, label.cell, label.kind)] = label
        reveals = list(latest.values())
        if reveals:
            self.canvas.restore_region(self._background)
            erase, colours = self._eraser_shapes(reveals)
            artists = [self._text_collection(map(self._label_outline, reveals), animated=True)]
            if erase:
                fill = PolyCollection(erase, facecolors=colours, linewidths=0, antialiaseds=[not self._crisp] * 2, animated=True)
                artists.insert(0, fill)
            for artist in artists:
                self.axes.add_collection(artist, autolim=False)
                self.axes.draw_artist(artist)
                artist.remove()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._baked = index
        return jumped

    def pixels(self, plane: int, xy: np.ndarray) -> np.ndarray:
        """Where plane points (x, y) = (column, row) land in a frame, as (x, y) pixels from the top-left."""
        screen = self.layout.placements[plane].to_screen(np.asarray(xy, dtype=float))
        display = self.axes.transData.transform(screen.reshape(-1, 2))
        return np.column_stack([display[:, 0], self.height - display[:, 1]]).reshape(np.shape(screen))

    def _draw(self, step: Optional[Step | int]) -> np.ndarray:
        """Draw a frame; returns a view of the canvas's RGBA buffer, valid until the next draw.

        Only the region that moved since the last frame is restored and redrawn; ``self.changed``
        is that region (x0, y0, x1, y1) in pixels from the top-left, or None if nothing moved.
        """
        if not isinstance(step, Step):
            step = self.scene.step(int(step or 0))
        rebaked = self._bake_until(step.index)
        box = self._pixel_box(self._update(step))
        if self._last is None or rebaked:
            changed = (0, 0, self.width, self.height)
        else:
            changed = _union(box, self._last_box)
        if changed is not None:
            x0, y0, x1, y1 = changed
            # Agg takes this box from the top-left, both ends included, placed at the saved origin.
            self.canvas.restore_region(self._background, bbox=(x0, y0, x1 - 1, y1 - 1), xy=(0, 0))
            for artist in self._moving:
                self.axes.draw_artist(artist)
        self._last, self._last_box, self.changed = step, box, changed
        return np.asarray(self.canvas.buffer_rgba())

    def frame(self, step: Optional[Step | int] = 0) -> np.ndarray:
        """One frame as an (H, W, 3) uint8 RGB array."""
        return self._draw(step)[:, :, :3].copy()

    def vector_states(self) -> Iterator:
        """For each frame, a context manager in which the figure shows that frame with every
        artist a vector backend draws: the moving ones, and the values revealed so far."""
        latest: dict = {}
        for step in self.scene:
            yield self._vector_state(step, list(latest.values()))
            for label in step.reveals:
                latest.pop((label.plane, label.cell, label.kind), None)
                latest[(label.plane, label.cell, label.kind)] = label

    @contextmanager
    def _vector_state(self, step: Step, revealed: List[Label]) -> Iterator[None]:
        self._update(step)
        extra = []
        erase, colours = self._eraser_shapes(revealed)
        if erase:
            extra.append(PolyCollection(erase, facecolors=colours, linewidths=0, zorder=2))
        if revealed:
            text = self._text_collection(map(self._label_outline, revealed))
            text.set_zorder(2.5)
            extra.append(text)
        for artist in extra:
            self.axes.add_collection(artist, autolim=False)
        for artist in self._moving:
            artist.set_animated(False)
        try:
            yield
        finally:
            for artist in self._moving:
                artist.set_animated(True)
            for artist in extra:
                artist.remove()

    def stream(self) -> Iterator[Tuple[np.ndarray, Optional[Tuple[int, int, int, int]]]]:
        """Every frame in order as (RGBA view, changed box): the view is overwritten by the next frame."""
        for step in self.scene:
            buffer = self._draw(step)
            yield buffer, self.changed

    def frames(self, rgba: bool = False) -> Iterator[np.ndarray]:
        """Every frame in order: (H, W, 3) RGB arrays, or (H, W, 4) RGBA ones (cheaper to copy)."""
        for step in self.scene:
            buffer = self._draw(step)
            yield buffer.copy() if rgba else buffer[:, :, :3].copy()
